//! Beyond the assume, live (#17.6): the job's ECR push decided with the repository's own policy
//! and the organization's SCPs as moto serves them (ECR `GetRepositoryPolicy`, Organizations
//! `DescribeOrganization`, `ListRoots`, `ListParents`, `ListPoliciesForTarget`, `DescribePolicy`),
//! the same verdicts from the exported bundle, reads only.
//!
//! The chains' account 111122223333 is a member of an organization whose management account is
//! moto's default 123456789012 (SCPs do not restrict the management account, R3); arcscope reads
//! the member's IAM with the member's keys and the organization with `--aws-profile` for the
//! management account, as an on-call engineer would.

mod common;

use serde_json::Value;
use std::process::{Command, Output};

use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use common::apiserver::ApiServer;
use common::moto::{ACCOUNT, Fault, Moto, Proxy};

const MANAGEMENT: &str = "123456789012";
const REPOSITORY: &str = "payments-api";

/// The test's seeding side acts as an account by moto's `x-moto-account-id` header.
#[derive(Debug)]
struct AsAccount(&'static str);

impl Intercept for AsAccount {
    fn name(&self) -> &'static str {
        "as-account"
    }
    fn modify_before_signing(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        ctx.request_mut().headers_mut().insert("x-moto-account-id", self.0);
        Ok(())
    }
}

async fn sdk_config(url: &str, account: &'static str) -> (aws_config::SdkConfig, AsAccount) {
    let creds = aws_sdk_iam::config::Credentials::new("AKIASEED", "seed", None, None, "test");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .endpoint_url(url)
        .credentials_provider(creds)
        .load()
        .await;
    (config, AsAccount(account))
}

/// Keys of an IAM user of `account`, for arcscope's profiles (moto maps them to their account).
async fn keys(config: &aws_config::SdkConfig, account: &'static str, user: &str) -> (String, String) {
    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::from(config).interceptor(AsAccount(account)).build(),
    );
    iam.create_user().user_name(user).send().await.unwrap();
    let k = iam.create_access_key().user_name(user).send().await.unwrap();
    let k = k.access_key().unwrap();
    (k.access_key_id().to_string(), k.secret_access_key().to_string())
}

/// What a scenario puts in moto besides the member's IAM and repository.
#[derive(Clone, Copy, PartialEq)]
enum Org {
    /// No organization at all.
    None,
    /// An organization (SCPs enabled, FullAWSAccess everywhere); `deny`: an SCP on the root that
    /// denies ecr:PutImage.
    Member { deny: bool },
}

struct World {
    _moto: Moto,
    proxy: Proxy,
    _cluster: ApiServer,
    dir: tempfile::TempDir,
    kubeconfig: String,
    workflow: String,
    config: std::path::PathBuf,
}

/// The fixed seed (its chain is allowed) as account 111122223333 in moto, the pusher role allowed
/// `ecr:*` by its own policy, the repository in eu-west-1 with `repository_policy` if any, and
/// the organization of `org`.
fn world(org: Org, repository_policy: Option<&str>) -> World {
    world_with(org, repository_policy, None)
}

/// A bucket the job uploads to: encrypted by default with a new KMS key whose policy allows
/// `kms:*` to `key_principal`, and with `bucket_policy` if any.
struct Bucket {
    key_principal: &'static str,
    bucket_policy: Option<String>,
}

const BUCKET: &str = "release-artifacts";

fn world_with(org: Org, repository_policy: Option<&str>, bucket: Option<Bucket>) -> World {
    let moto = Moto::start_with_member(ACCOUNT);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (member_keys, admin_keys) = rt.block_on(async {
        let (config, _) = sdk_config(&moto.url, ACCOUNT).await;
        let mgmt_org = aws_sdk_organizations::Client::new(&config);
        if let Org::Member { deny } = org {
            mgmt_org.create_organization().feature_set("ALL".into()).send().await.unwrap();
            mgmt_org.create_account().account_name("runners").email("runners@example.com").send().await.unwrap();
            let root = mgmt_org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_string();
            mgmt_org
                .enable_policy_type()
                .root_id(&root)
                .policy_type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
                .send()
                .await
                .unwrap();
            if deny {
                let p = mgmt_org
                    .create_policy()
                    .name("deny-ecr-push")
                    .description("no pushes")
                    .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
                    .content(r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoPushes","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}]}"#)
                    .send()
                    .await
                    .unwrap();
                let id = p.policy().unwrap().policy_summary().unwrap().id().unwrap().to_string();
                mgmt_org.attach_policy().policy_id(id).target_id(&root).send().await.unwrap();
            }
        }
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&config).interceptor(AsAccount(ACCOUNT)).build(),
        );
        common::moto::seed_roles(&iam, "variants/fixed/iam/get-account-authorization-details.json").await;
        iam.put_role_policy()
            .role_name("arc-runner-ecr-image-pusher-role")
            .policy_name("push")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:*","s3:*","kms:*"],"Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        iam.create_open_id_connect_provider()
            .url("https://oidc.eks.eu-west-1.amazonaws.com/id/AB12CD34EF56AB12CD34EF56AB12CD34")
            .client_id_list("sts.amazonaws.com")
            .thumbprint_list("9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
            .send()
            .await
            .unwrap();
        let ecr = aws_sdk_ecr::Client::from_conf(
            aws_sdk_ecr::config::Builder::from(&config).interceptor(AsAccount(ACCOUNT)).build(),
        );
        ecr.create_repository().repository_name(REPOSITORY).send().await.unwrap();
        if let Some(policy) = repository_policy {
            ecr.set_repository_policy().repository_name(REPOSITORY).policy_text(policy).send().await.unwrap();
        }
        if let Some(b) = &bucket {
            seed_bucket(&config, b).await;
        }
        (keys(&config, ACCOUNT, "oncall").await, keys(&config, MANAGEMENT, "org-reader").await)
    });
    let proxy = Proxy::start(&moto.url);
    let cluster = ApiServer::seeded();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = cluster.kubeconfig(dir.path()).display().to_string();
    let mut text = std::fs::read_to_string(common::fixtures().join("seed/workflows/deploy.yml")).unwrap();
    text.push_str(&format!(
        "    - uses: aws-actions/amazon-ecr-login@v2\n    - run: docker push {ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/{REPOSITORY}:${{{{ github.sha }}}}\n"
    ));
    if bucket.is_some() {
        text.push_str(&format!("    - run: aws s3 cp site.tar s3://{BUCKET}/site.tar\n"));
    }
    let workflow = dir.path().join("deploy.yml");
    std::fs::write(&workflow, text).unwrap();
    // Profiles as the AWS CLI reads them: the member's keys by default, the management account's
    // as `org`.
    let config = dir.path().join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[default]\nregion = eu-west-1\nendpoint_url = {url}\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[profile org]\nregion = eu-west-1\nendpoint_url = {url}\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            member_keys.0,
            member_keys.1,
            admin_keys.0,
            admin_keys.1,
            url = proxy.url
        ),
    )
    .unwrap();
    World { _moto: moto, proxy, _cluster: cluster, kubeconfig, workflow: workflow.display().to_string(), config, dir }
}

async fn seed_bucket(config: &aws_config::SdkConfig, b: &Bucket) {
    let kms = aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::config::Builder::from(config).interceptor(AsAccount(ACCOUNT)).build(),
    );
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"KeyUsers","Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"kms:*","Resource":"*"}}]}}"#,
        b.key_principal
    );
    let key = kms.create_key().policy(policy).send().await.unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config).interceptor(AsAccount(ACCOUNT)).force_path_style(true).build(),
    );
    s3.create_bucket()
        .bucket(BUCKET)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let by_default = aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
        .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
        .kms_master_key_id(key_arn)
        .build()
        .unwrap();
    let rule = aws_sdk_s3::types::ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(by_default)
        .build();
    let conf = aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder().rules(rule).build().unwrap();
    s3.put_bucket_encryption().bucket(BUCKET).server_side_encryption_configuration(conf).send().await.unwrap();
    if let Some(p) = &b.bucket_policy {
        s3.put_bucket_policy().bucket(BUCKET).policy(p).send().await.unwrap();
    }
}

impl World {
    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_CONFIG_FILE".into(), self.config.display().to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), self.dir.path().join("none").display().to_string()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("HOME".into(), self.dir.path().display().to_string()),
        ]
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_arcscope"))
            .args(args)
            .envs(self.env())
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .output()
            .unwrap()
    }

    /// `check` live; `org_profile`: read the organization as the management account.
    fn check(&self, org_profile: bool) -> Output {
        let profile = format!("{MANAGEMENT}=org");
        let mut args =
            vec!["check", "--kubeconfig", &self.kubeconfig, "--workflow", &self.workflow, "--format", "json"];
        if org_profile {
            args.extend(["--aws-profile", &profile]);
        }
        self.run(&args)
    }

    /// `bundle export` of the live read (the workflow written into it), then `check` of that
    /// bundle alone (no AWS).
    fn exported_check(&self, org_profile: bool) -> Output {
        let out = self.dir.path().join(format!("incident-{}", self.proxy.actions().len()));
        let profile = format!("{MANAGEMENT}=org");
        let mut args = vec![
            "bundle",
            "export",
            out.to_str().unwrap(),
            "--kubeconfig",
            &self.kubeconfig,
            "--workflow",
            &self.workflow,
        ];
        if org_profile {
            args.extend(["--aws-profile", &profile]);
        }
        let export = self.run(&args);
        assert_eq!(export.status.code(), Some(0), "{}", common::stderr(&export));
        let bundle = out.to_str().unwrap();
        Command::new(env!("CARGO_BIN_EXE_arcscope"))
            .args(["check", "--bundle", bundle, "--format", "json"])
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    }
}

fn step(o: &Output, action: &str) -> Value {
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", common::stderr(o)));
    v["chains"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["action"] == action)
        .cloned()
        .unwrap_or_else(|| panic!("no {action} step: {}\n{}", common::stdout(o), common::stderr(o)))
}

fn decided(o: &Output, action: &str) -> (String, String) {
    let s = step(o, action);
    (s["decision"].as_str().unwrap().to_string(), s["decided_by"].as_str().unwrap().to_string())
}

use common::verdict_summary as summary;

/// #17.6: a repository policy that denies ecr:PutImage to the pusher role: the push step is
/// `explicit_deny` by resource_policy and the check exits 1 — live and from the exported bundle.
#[test]
fn a_repository_policy_deny_of_put_image_decides_the_push_live_and_exported() {
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"NoPusher","Effect":"Deny","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/arc-runner-ecr-image-pusher-role"}},"Action":"ecr:PutImage"}}]}}"#
    );
    let w = world(Org::None, Some(&policy));
    let live = w.check(false);
    let err = common::stderr(&live);
    assert_eq!(decided(&live, "ecr:PutImage"), ("explicit_deny".into(), "resource_policy".into()), "{err}");
    assert_eq!(step(&live, "ecr:PutImage")["statements"][0]["sid"], "NoPusher");
    assert_eq!(decided(&live, "ecr:InitiateLayerUpload").0, "allow");
    assert_eq!(live.status.code(), Some(1), "{err}");
    assert!(w.proxy.actions().contains(&"GetRepositoryPolicy".to_string()), "{:?}", w.proxy.actions());
    assert!(w.proxy.writes().is_empty(), "reads only: {:?}", w.proxy.writes());
    let offline = w.exported_check(false);
    assert_eq!(summary(&offline), summary(&live), "the exported bundle decides as live did");
    assert_eq!(offline.status.code(), Some(1));
    assert!(w.proxy.writes().is_empty(), "reads only: {:?}", w.proxy.writes());
}

/// #17.6: an SCP on the organization's root that denies ecr:PutImage: `explicit_deny` by scp,
/// naming the policy and its level, exit 1 — live (read as the management account) and exported.
#[test]
fn an_scp_on_the_root_denying_put_image_decides_the_push_live_and_exported() {
    let w = world(Org::Member { deny: true }, None);
    let live = w.check(true);
    let err = common::stderr(&live);
    assert_eq!(decided(&live, "ecr:PutImage"), ("explicit_deny".into(), "scp".into()), "{err}");
    let by = step(&live, "ecr:PutImage")["statements"][0]["policy"].as_str().unwrap().to_string();
    assert!(by.starts_with("deny-ecr-push (p-") && by.contains(") on root r-"), "{by}");
    assert_eq!(decided(&live, "ecr:InitiateLayerUpload").0, "allow", "FullAWSAccess at every level");
    assert_eq!(live.status.code(), Some(1), "{err}");
    let actions = w.proxy.actions();
    for op in ["DescribeOrganization", "ListRoots", "ListParents", "ListPoliciesForTarget", "DescribePolicy"] {
        assert!(actions.contains(&op.to_string()), "{op}: {actions:?}");
    }
    assert!(w.proxy.writes().is_empty(), "reads only: {:?}", w.proxy.writes());
    let offline = w.exported_check(true);
    assert_eq!(summary(&offline), summary(&live));
    assert_eq!(offline.status.code(), Some(1));
}

/// #17.6: neither a repository policy nor an SCP denies: every ecr:* step is allowed and the check
/// exits 0, in an organization (FullAWSAccess everywhere) as outside one
/// (AWSOrganizationsNotInUseException: a definite "no SCPs", not unknown).
#[test]
fn without_a_deny_the_push_is_allowed_in_an_organization_and_outside_one() {
    for org in [Org::Member { deny: false }, Org::None] {
        let w = world(org, None);
        let live = w.check(org != Org::None);
        let err = common::stderr(&live);
        let v: Value = serde_json::from_slice(&live.stdout).unwrap();
        let ecr: Vec<&Value> = v["chains"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["action"].as_str().unwrap().starts_with("ecr:"))
            .collect();
        assert_eq!(ecr.len(), 6, "GetAuthorizationToken and the five push actions: {err}");
        assert!(ecr.iter().all(|s| s["decision"] == "allow"), "{ecr:#?}\n{err}");
        assert_eq!(live.status.code(), Some(0), "{err}");
        assert_eq!(summary(&w.exported_check(org != Org::None)), summary(&live));
    }
}

/// #17.3: from a member account the organization's policies cannot be read (AWS answers
/// AccessDeniedException to ListRoots): never "there are none" — the allows SCPs could flip are
/// unknown by scp, the warning says how to read them, and the export keeps the denial.
#[test]
fn scps_the_caller_may_not_read_leave_the_allows_unknown_never_assumed_absent() {
    let w = world(Org::Member { deny: false }, None);
    w.proxy.fault("ListRoots", Fault::Deny);
    let live = w.check(false);
    let err = common::stderr(&live);
    assert_eq!(decided(&live, "sts:AssumeRole"), ("unknown".into(), "scp".into()), "{err}");
    // No AWS principal: SCPs do not apply (R11), but RCPs on the role's account could (R2).
    assert_eq!(decided(&live, "sts:AssumeRoleWithWebIdentity"), ("unknown".into(), "rcp".into()), "{err}");
    assert!(err.contains("SCPs and RCPs could not be read"), "{err}");
    assert!(err.contains("--aws-profile"), "{err}");
    assert_eq!(live.status.code(), Some(1), "unknown: {err}");
    assert_eq!(summary(&w.exported_check(false)), summary(&live));
}

/// #17.1, #17.2 live: the job's upload to a bucket encrypted by default with a customer KMS key is
/// a `kms:GenerateDataKey` on that key, decided with the key's own policy as KMS serves it (moto):
/// delegating to the account, the role's own policy allows (exit 0); naming another account, it is
/// denied by resource_policy whatever the identity policy says (exit 1); a bucket policy that denies
/// the upload is final. The same verdicts from the exported bundle.
#[test]
fn an_upload_to_an_sse_kms_bucket_is_decided_with_the_key_and_bucket_policies_live_and_exported() {
    let cases = [
        (format!("arn:aws:iam::{ACCOUNT}:root"), None, ("allow", "identity_policy"), ("allow", "identity_policy"), 0),
        (
            "arn:aws:iam::999988887777:root".to_string(),
            None,
            ("allow", "identity_policy"),
            ("implicit_deny", "resource_policy"),
            1,
        ),
        (
            format!("arn:aws:iam::{ACCOUNT}:root"),
            Some(format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"NoUploads","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::{BUCKET}/*"}}]}}"#
            )),
            ("explicit_deny", "resource_policy"),
            ("allow", "identity_policy"),
            1,
        ),
    ];
    for (principal, bucket_policy, put, kms, code) in cases {
        let principal: &'static str = Box::leak(principal.into_boxed_str());
        let w = world_with(Org::None, None, Some(Bucket { key_principal: principal, bucket_policy }));
        let live = w.check(false);
        let err = common::stderr(&live);
        let d = |a: &str| decided(&live, a);
        assert_eq!(d("s3:PutObject"), (put.0.to_string(), put.1.to_string()), "{principal}: {err}");
        assert_eq!(d("kms:GenerateDataKey"), (kms.0.to_string(), kms.1.to_string()), "{principal}: {err}");
        assert!(step(&live, "kms:GenerateDataKey")["resource"].as_str().unwrap().starts_with("arn:aws:kms:eu-west-1:"));
        assert_eq!(live.status.code(), Some(code), "{err}");
        for op in ["ListBuckets", "GetBucketLocation", "GetBucketPolicy", "GetBucketEncryption", "GetKeyPolicy"] {
            assert!(w.proxy.actions().contains(&op.to_string()), "{op}: {:?}", w.proxy.actions());
        }
        assert!(w.proxy.writes().is_empty(), "reads only: {:?}", w.proxy.writes());
        // ListBuckets says the bucket is the account's own: no assumption about its owner (R4).
        let exported = w.exported_check(false);
        for o in [&live, &exported] {
            let put = step(o, "s3:PutObject");
            let assumed = put["assumptions"].as_array().map(|a| a.len()).unwrap_or(0);
            assert_eq!(assumed, 0, "{put:#}");
        }
        assert_eq!(summary(&exported), summary(&live), "{principal}");
    }
}

/// #17.4: a Pod Identity cluster checks live as its bundle does. moto serves IAM and
/// `DescribeCluster`; the Pod Identity associations, which moto does not serve, come from the
/// loopback proxy in EKS's wire format (REST JSON; the list without the role, so each is described).
/// Without the association the runner's Pod Identity hop is not allowed: the association read live
/// is what decides it.
#[test]
fn a_pod_identity_cluster_checks_live_as_its_bundle_does() {
    let moto = Moto::start();
    let variant = common::fixtures().join("variants/pod-identity");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (config, _) = sdk_config(&moto.url, ACCOUNT).await;
        let iam = aws_sdk_iam::Client::new(&config);
        common::moto::seed_roles(&iam, "variants/pod-identity/iam/get-account-authorization-details.json").await;
        let eks = aws_sdk_eks::Client::new(&config);
        eks.create_cluster()
            .name("arc-test")
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/eks-cluster"))
            .resources_vpc_config(aws_sdk_eks::types::VpcConfigRequest::builder().subnet_ids("subnet-1").build())
            .send()
            .await
            .unwrap();
    });
    let proxy = Proxy::start(&moto.url);
    let association: Value = serde_json::from_str(
        &std::fs::read_to_string(variant.join("eks/describe-pod-identity-association.json")).unwrap(),
    )
    .unwrap();
    let cluster = ApiServer::seeded_from("variants/pod-identity/k8s/arc-runners.json");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = cluster.kubeconfig(dir.path()).display().to_string();
    let workflow = variant.join("workflows/deploy.yml").display().to_string();
    let env = common::moto::aws_env(&proxy.url, dir.path());
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_arcscope"))
            .args([
                "check",
                "--kubeconfig",
                &kubeconfig,
                "--workflow",
                &workflow,
                "--eks-cluster",
                "arc-test",
                "--format",
                "json",
            ])
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env_remove("AWS_PROFILE")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .output()
            .unwrap()
    };
    let without = check();
    // On the wire EKS sends timestamps as epoch seconds (the CLI prints them as dates).
    let mut wire = association["association"].clone();
    for k in ["createdAt", "modifiedAt"] {
        wire[k] = serde_json::json!(1777629600.0);
    }
    proxy.pod_identity(vec![wire]);
    let live = check();
    let err = common::stderr(&live);
    let b = common::bundle(Some("pod-identity"));
    std::fs::remove_dir_all(b.path().join("workflows")).unwrap();
    let offline = common::arcscope(&[
        "check",
        "--bundle",
        b.path().to_str().unwrap(),
        "--workflow",
        &workflow,
        "--format",
        "json",
    ]);
    assert_eq!(summary(&live), summary(&offline), "live = the bundle\n{err}");
    assert_ne!(summary(&without), summary(&live), "the association read live decides the Pod Identity hop");
    // The list was read whole and is empty: there is none, a definite error (not unknown).
    assert!(
        summary(&without)[0].contains(r#""sts:AssumeRole" "error" "pod_identity_association_missing""#),
        "{:?}",
        summary(&without)
    );
    let actions = proxy.actions();
    for op in ["ListPodIdentityAssociations", "DescribePodIdentityAssociation"] {
        assert!(actions.contains(&op.to_string()), "{op}: {actions:?}");
    }
    assert!(proxy.writes().is_empty(), "reads only: {:?}", proxy.writes());
}

/// A hostile S3: ListBuckets never answers. The check still ends in time (the SDK's operation
/// timeout), says which read failed and what it costs — whose bucket it is stays an assumption on
/// the upload step — and decides the rest from what it did read.
#[test]
fn a_list_buckets_that_never_answers_ends_in_time_and_leaves_the_owner_assumed() {
    let own = Box::leak(format!("arn:aws:iam::{ACCOUNT}:root").into_boxed_str());
    let w = world_with(Org::None, None, Some(Bucket { key_principal: own, bucket_policy: None }));
    w.proxy.fault("ListBuckets", Fault::Hang);
    let started = std::time::Instant::now();
    let live = w.check(false);
    let took = started.elapsed();
    let err = common::stderr(&live);
    assert!(took < std::time::Duration::from_secs(90), "{took:?}");
    assert!(err.contains("s3:ListBuckets") && err.contains("which account owns each bucket is not known"), "{err}");
    let put = step(&live, "s3:PutObject");
    assert_eq!(put["decision"], "allow", "{put:#}");
    let assumed = put["assumptions"].as_array().cloned().unwrap_or_default();
    assert!(assumed.iter().any(|a| a.as_str().unwrap_or("").contains("is taken to be in account")), "{put:#}");
    assert_eq!(decided(&live, "kms:GenerateDataKey"), ("allow".to_string(), "identity_policy".to_string()), "{err}");
}
