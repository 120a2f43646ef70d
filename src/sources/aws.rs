//! Live AWS, read-only: IAM as it is in the account, through the SDK's own credential chain
//! (environment, profiles, SSO, web identity, container, IMDS) and endpoint environment
//! (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL_STS`), exactly as the AWS CLI
//! reads them.
//!
//! What is read becomes the same documents a bundle holds — `get-account-authorization-details`
//! (every page merged; `IsTruncated: true` when only the chains' roles could be read one by one),
//! `get-role` for the roles the chains touch (MaxSessionDuration), the OIDC provider list and each
//! provider — and goes through the bundle loader. So live and offline cannot disagree, and
//! `bundle export` writes exactly what was read.
//!
//! Beyond IAM (#17): the repositories' own policies (`aws/ecr.rs`), the buckets' policies and
//! default encryption and their KMS keys' policies (`aws/s3.rs`), and the organization's tree,
//! SCPs and RCPs (`aws/org.rs`), the EKS cluster's issuer and Pod Identity associations
//! (`aws/eks.rs`), read the same way.
//!
//! Every client (IAM, STS, ECR, Organizations, S3, KMS, EKS) carries one interceptor, [`ReadOnlyAws`]: only
//! `Get*`/`List*`/`Describe*` operations pass (not the ones that hand out a credential:
//! `GetSessionToken`, `GetFederationToken`, `GetAuthorizationToken`), unless a confirmed probe's
//! [`AwsPermit`] names the operation. It also counts retries (throttling) for the UI.

use aws_sdk_iam::error::ProvideErrorMetadata;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub use super::guard::{AwsPermit, read_only};

mod ecr;
mod eks;
mod intercept;
pub use intercept::{MAX_AWS_BODY, ReadOnlyAws};
mod org;
mod s3;

/// Told of retries as they happen (`throttled: retrying iam:GetRole (attempt 2)`), for the UI.
#[derive(Clone)]
pub struct Observer(pub Arc<dyn Fn(String) + Send + Sync>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

/// AWS flags, as the AWS CLI spells them.
#[derive(Debug, Clone, Default)]
pub struct AwsArgs {
    /// Told of throttling retries as they happen.
    pub observer: Option<Observer>,
    /// `--profile` (else `AWS_PROFILE`, else the default chain).
    pub profile: Option<String>,
    /// `--region` (else `AWS_REGION` / the profile's).
    pub region: Option<String>,
    /// `--aws-profile ACCOUNT_ID=PROFILE`: another account's profile, for cross-account chains.
    pub account_profiles: Vec<(String, String)>,
    /// The EKS cluster of the kubeconfig context (or `--eks-cluster`): its issuer and Pod
    /// Identity associations are read from the EKS API.
    pub eks_cluster: Option<crate::sources::context::EksCluster>,
}

/// Connect 3 s; no byte for 20 s, or an attempt past 20 s, is a failed attempt (retried); a
/// call with its retries past 30 s is given up on, named. A hanging endpoint costs 30 s, not
/// ten minutes.
fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .read_timeout(std::time::Duration::from_secs(20))
        .operation_attempt_timeout(std::time::Duration::from_secs(20))
        .operation_timeout(std::time::Duration::from_secs(30))
        .build()
}

/// IAM and STS clients for one profile, behind the guard.
#[derive(Debug, Clone)]
pub struct Aws {
    pub iam: aws_sdk_iam::Client,
    pub sts: aws_sdk_sts::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub org: aws_sdk_organizations::Client,
    pub s3: aws_sdk_s3::Client,
    pub kms: aws_sdk_kms::Client,
    pub eks: aws_sdk_eks::Client,
    /// `default` or the profile name.
    pub label: String,
    pub retries: Arc<AtomicU32>,
    config: aws_config::SdkConfig,
    guard: ReadOnlyAws,
}

/// Attempts per call (the SDK backs off exponentially with jitter between them): throttling in
/// a big account is waited out, not reported as a failure at the first 429.
const MAX_ATTEMPTS: u32 = 6;

impl Aws {
    pub async fn connect(args: &AwsArgs, profile: Option<&str>, permit: Option<Arc<AwsPermit>>) -> Aws {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .timeout_config(timeouts());
        let profile = profile.or(args.profile.as_deref());
        if let Some(p) = profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &args.region {
            loader = loader.region(aws_config::Region::new(r.clone()));
        }
        let config = loader.load().await;
        let guard = ReadOnlyAws { permit, observer: args.observer.clone(), ..ReadOnlyAws::default() };
        let retries = guard.retries.clone();
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&config).interceptor(guard.clone()).build(),
        );
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&config).interceptor(guard.clone()).build(),
        );
        let ecr = aws_sdk_ecr::Client::from_conf(
            aws_sdk_ecr::config::Builder::from(&config).interceptor(guard.clone()).build(),
        );
        let org = aws_sdk_organizations::Client::from_conf(
            aws_sdk_organizations::config::Builder::from(&config).interceptor(guard.clone()).build(),
        );
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config).interceptor(guard.clone()).build(),
        );
        let kms = aws_sdk_kms::Client::from_conf(
            aws_sdk_kms::config::Builder::from(&config).interceptor(guard.clone()).build(),
        );
        let eks = aws_sdk_eks::Client::from_conf(
            aws_sdk_eks::config::Builder::from(&config).interceptor(guard.clone()).build(),
        );
        Aws {
            iam,
            sts,
            ecr,
            org,
            s3,
            kms,
            eks,
            label: profile.unwrap_or("default").to_string(),
            retries,
            config,
            guard,
        }
    }

    /// An STS client acting with a probe's temporary credentials, behind the same guard.
    pub(crate) fn sts_as(&self, creds: &crate::probe::TempCredentials) -> aws_sdk_sts::Client {
        let c = aws_sdk_sts::config::Credentials::new(
            creds.access_key_id.clone(),
            creds.secret_access_key.expose().to_string(),
            Some(creds.session_token.expose().to_string()),
            None,
            "arcscope-probe",
        );
        aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&self.config)
                .credentials_provider(c)
                .interceptor(self.guard.clone())
                .build(),
        )
    }
}

/// Why a read failed, for the message and the verdicts that depend on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// AccessDenied: the permission (`iam:GetRole`) and AWS's message.
    Denied { permission: String, message: String },
    /// Still throttled after the retries.
    Throttled { permission: String },
    /// The role or policy does not exist.
    NotFound { what: String },
    /// No credentials, no network, a bad endpoint.
    Other { permission: String, message: String },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Denied { permission, message } => {
                write!(f, "cannot read: {permission} denied ({message}); the verdicts that need it say unknown")
            }
            ReadError::Throttled { permission } => {
                write!(
                    f,
                    "{permission} still throttled after {MAX_ATTEMPTS} attempts; the verdicts that need it say unknown"
                )
            }
            ReadError::NotFound { what } => write!(f, "{what} does not exist"),
            ReadError::Other { permission, message } => write!(f, "{permission}: {message}"),
        }
    }
}

pub(super) fn read_error<E, R>(permission: &str, what: &str, e: aws_sdk_iam::error::SdkError<E, R>) -> ReadError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = e.code().unwrap_or("").to_string();
    let message = e.message().map(str::to_string).unwrap_or_else(|| {
        let text = crate::text::causes(&e);
        if text.contains("length limit exceeded") {
            return format!("the answer passed {} MiB and was not read further", MAX_AWS_BODY >> 20);
        }
        text.chars().take(300).collect()
    });
    match code.as_str() {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            ReadError::Denied { permission: permission.to_string(), message }
        }
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException" => {
            ReadError::Throttled { permission: permission.to_string() }
        }
        "NoSuchEntity" => ReadError::NotFound { what: what.to_string() },
        _ => ReadError::Other { permission: permission.to_string(), message },
    }
}

/// The caller: `sts:GetCallerIdentity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

pub async fn caller(aws: &Aws) -> Result<Caller, ReadError> {
    let out =
        aws.sts.get_caller_identity().send().await.map_err(|e| read_error("sts:GetCallerIdentity", "caller", e))?;
    Ok(Caller { account: out.account().unwrap_or("").to_string(), arn: out.arn().unwrap_or("").to_string() })
}

/// What one account's load produced: bundle documents by file name, and what could not be read.
#[derive(Debug, Default)]
pub struct AccountLoad {
    pub documents: Vec<(String, Value)>,
    pub warnings: Vec<String>,
}

fn date(d: Option<&aws_smithy_types::DateTime>) -> Value {
    d.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()).map(Value::String).unwrap_or(Value::Null)
}

fn tags(tags: &[aws_sdk_iam::types::Tag]) -> Value {
    Value::Array(tags.iter().map(|t| json!({"Key": t.key(), "Value": t.value()})).collect())
}

fn boundary(b: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>) -> Option<Value> {
    b.map(|b| {
        json!({
            "PermissionsBoundaryType": b.permissions_boundary_type().map(|t| t.as_str()),
            "PermissionsBoundaryArn": b.permissions_boundary_arn(),
        })
    })
}

fn role_detail(r: &aws_sdk_iam::types::RoleDetail) -> Value {
    let mut v = json!({
        "Path": r.path(),
        "RoleName": r.role_name(),
        "RoleId": r.role_id(),
        "Arn": r.arn(),
        "CreateDate": date(r.create_date()),
        "AssumeRolePolicyDocument": r.assume_role_policy_document(),
        "InstanceProfileList": [],
        "RolePolicyList": r.role_policy_list().iter().map(|p| json!({"PolicyName": p.policy_name(), "PolicyDocument": p.policy_document()})).collect::<Vec<_>>(),
        "AttachedManagedPolicies": r.attached_managed_policies().iter().map(|p| json!({"PolicyName": p.policy_name(), "PolicyArn": p.policy_arn()})).collect::<Vec<_>>(),
        "Tags": tags(r.tags()),
    });
    if let Some(b) = boundary(r.permissions_boundary()) {
        v["PermissionsBoundary"] = b;
    }
    v
}

fn policy_detail(p: &aws_sdk_iam::types::ManagedPolicyDetail) -> Value {
    json!({
        "PolicyName": p.policy_name(),
        "PolicyId": p.policy_id(),
        "Arn": p.arn(),
        "Path": p.path(),
        "DefaultVersionId": p.default_version_id(),
        "AttachmentCount": p.attachment_count(),
        "PermissionsBoundaryUsageCount": p.permissions_boundary_usage_count(),
        "IsAttachable": p.is_attachable(),
        "CreateDate": date(p.create_date()),
        "UpdateDate": date(p.update_date()),
        "PolicyVersionList": p.policy_version_list().iter().map(|v| json!({
            "Document": v.document(), "VersionId": v.version_id(), "IsDefaultVersion": v.is_default_version(), "CreateDate": date(v.create_date())
        })).collect::<Vec<_>>(),
    })
}

/// Pages of `GetAccountAuthorizationDetails` at most (a repeated or endless marker stops here).
const MAX_PAGES: usize = 1000;

/// The whole account: every page of `GetAccountAuthorizationDetails` (roles, customer and
/// attached AWS managed policies), merged into one document as the AWS CLI prints it.
pub async fn authorization_details(aws: &Aws) -> Result<Value, ReadError> {
    use aws_sdk_iam::types::EntityType;
    let (mut roles, mut policies) = (Vec::new(), Vec::new());
    let mut marker: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..MAX_PAGES {
        let out = aws
            .iam
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .filter(EntityType::LocalManagedPolicy)
            .filter(EntityType::AwsManagedPolicy)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| read_error("iam:GetAccountAuthorizationDetails", "account", e))?;
        roles.extend(out.role_detail_list().iter().map(role_detail));
        policies.extend(out.policies().iter().map(policy_detail));
        match out.marker().filter(|_| out.is_truncated()) {
            Some(m) if !seen.iter().any(|s: &String| s == m) => {
                seen.push(m.to_string());
                marker = Some(m.to_string());
            }
            _ => break,
        }
    }
    Ok(
        json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": policies, "IsTruncated": false}),
    )
}

/// Every role of the account, as `aws iam list-roles` prints them (every page).
async fn list_roles(aws: &Aws) -> Result<Value, ReadError> {
    let mut roles = Vec::new();
    let mut marker: Option<String> = None;
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..MAX_PAGES {
        let out = aws
            .iam
            .list_roles()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| read_error("iam:ListRoles", "roles", e))?;
        roles.extend(out.roles().iter().map(|r| {
            json!({"Path": r.path(), "RoleName": r.role_name(), "RoleId": r.role_id(), "Arn": r.arn(),
                "CreateDate": date(Some(r.create_date())), "MaxSessionDuration": r.max_session_duration()})
        }));
        match out.marker().filter(|_| out.is_truncated()) {
            Some(m) if !seen.iter().any(|s| s == m) => {
                seen.push(m.to_string());
                marker = Some(m.to_string());
            }
            _ => break,
        }
    }
    Ok(json!({ "Roles": roles }))
}

/// `GetRole` as the AWS CLI prints its `Role` (with MaxSessionDuration, which the authorization
/// details lack).
async fn role_json(aws: &Aws, name: &str) -> Result<Value, ReadError> {
    let out = aws
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| read_error("iam:GetRole", &format!("role {name}"), e))?;
    let r = out.role().ok_or(ReadError::NotFound { what: format!("role {name}") })?;
    let mut v = json!({
        "Path": r.path(), "RoleName": r.role_name(), "RoleId": r.role_id(), "Arn": r.arn(), "CreateDate": date(Some(r.create_date())),
        "AssumeRolePolicyDocument": r.assume_role_policy_document(), "MaxSessionDuration": r.max_session_duration(), "Tags": tags(r.tags()),
    });
    if let Some(b) = boundary(r.permissions_boundary()) {
        v["PermissionsBoundary"] = b;
    }
    Ok(v)
}

/// `get-role` output for one role.
async fn get_role(aws: &Aws, name: &str) -> Result<Value, ReadError> {
    Ok(json!({"Role": role_json(aws, name).await?}))
}

/// One role read piece by piece (`GetRole`, its inline and attached policies, its boundary), as
/// a `RoleDetailList` item; the managed policies it names, as `Policies` items.
async fn read_role(aws: &Aws, name: &str, policies: &mut BTreeMap<String, Value>) -> Result<Value, ReadError> {
    let mut v = role_json(aws, name).await?;
    let mut inline = Vec::new();
    let listed = aws
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| read_error("iam:ListRolePolicies", name, e))?;
    for pname in listed.policy_names() {
        let p = aws
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(pname)
            .send()
            .await
            .map_err(|e| read_error("iam:GetRolePolicy", pname, e))?;
        inline.push(json!({"PolicyName": p.policy_name(), "PolicyDocument": p.policy_document()}));
    }
    let attached = aws
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| read_error("iam:ListAttachedRolePolicies", name, e))?;
    let mut arns: Vec<String> =
        attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)).collect();
    arns.extend(v.pointer("/PermissionsBoundary/PermissionsBoundaryArn").and_then(Value::as_str).map(str::to_string));
    for arn in arns {
        if policies.contains_key(&arn) {
            continue;
        }
        let p = aws.iam.get_policy().policy_arn(&arn).send().await.map_err(|e| read_error("iam:GetPolicy", &arn, e))?;
        let Some(p) = p.policy() else { continue };
        let version = p.default_version_id().unwrap_or("v1");
        let pv = aws
            .iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| read_error("iam:GetPolicyVersion", &arn, e))?;
        let doc = pv.policy_version().and_then(|v| v.document());
        policies.insert(
            arn.clone(),
            json!({"PolicyName": p.policy_name(), "PolicyId": p.policy_id(), "Arn": arn, "Path": p.path(), "DefaultVersionId": version,
                "PolicyVersionList": [{"Document": doc, "VersionId": version, "IsDefaultVersion": true}]}),
        );
    }
    v["RolePolicyList"] = Value::Array(inline);
    v["AttachedManagedPolicies"] = attached
        .attached_policies()
        .iter()
        .map(|p| json!({"PolicyName": p.policy_name(), "PolicyArn": p.policy_arn()}))
        .collect();
    Ok(v)
}

/// The OIDC providers: the list, then each provider's client IDs.
async fn oidc_providers(aws: &Aws, load: &mut AccountLoad, account: &str) {
    let list = match aws.iam.list_open_id_connect_providers().send().await {
        Ok(l) => l,
        Err(e) => {
            load.warnings
                .push(format!("account {account}: {}", read_error("iam:ListOpenIDConnectProviders", "providers", e)));
            return;
        }
    };
    let arns: Vec<String> =
        list.open_id_connect_provider_list().iter().filter_map(|p| p.arn().map(str::to_string)).collect();
    load.documents.push((
        format!("iam/{account}/open-id-connect-providers.json"),
        json!({"OpenIDConnectProviderList": arns.iter().map(|a| json!({"Arn": a})).collect::<Vec<_>>()}),
    ));
    for (i, arn) in arns.iter().enumerate() {
        match aws.iam.get_open_id_connect_provider().open_id_connect_provider_arn(arn).send().await {
            Ok(p) => load.documents.push((
                format!("iam/{account}/open-id-connect-provider-{i}.json"),
                json!({"Url": p.url(), "ClientIDList": p.client_id_list(), "ThumbprintList": p.thumbprint_list(), "Tags": tags(p.tags())}),
            )),
            Err(e) => load.warnings.push(format!("account {account}: {}", read_error("iam:GetOpenIDConnectProvider", arn, e))),
        }
    }
}

/// Read one account: the whole account when `GetAccountAuthorizationDetails` is allowed (then
/// `full`), else the `roles` the chains touch one by one (the document says `IsTruncated: true`:
/// other roles stay unknown); `get-role` for `roles` (MaxSessionDuration); the OIDC providers.
pub async fn load_account(aws: &Aws, account: &str, roles: &[String]) -> (AccountLoad, bool) {
    let mut load = AccountLoad::default();
    let full = match authorization_details(aws).await {
        Ok(doc) => {
            load.documents.push((format!("iam/{account}/authorization-details.json"), doc));
            true
        }
        Err(e) => {
            load.warnings.push(format!("account {account}: {e}; reading the chains' roles one by one"));
            // Which roles exist, so the roles an identity policy names by pattern are found.
            match list_roles(aws).await {
                Ok(doc) => load.documents.push((format!("iam/{account}/list-roles.json"), doc)),
                Err(e) => load.warnings.push(format!(
                    "account {account}: {e}; the roles an identity policy names by pattern (role/ci-*) stay unknown"
                )),
            }
            false
        }
    };
    more_roles(aws, account, roles, full, 1, &mut load).await;
    oidc_providers(aws, &mut load, account).await;
    (load, full)
}

/// Roles the chains reach in an account already read: `get-role` when the whole account was
/// read, else each role piece by piece into another partial document (`round` names it).
pub async fn more_roles(aws: &Aws, account: &str, roles: &[String], full: bool, round: usize, load: &mut AccountLoad) {
    if full {
        for name in roles {
            match get_role(aws, name).await {
                Ok(doc) => load.documents.push((format!("iam/{account}/role-{name}.json"), doc)),
                Err(ReadError::NotFound { .. }) => {}
                Err(e) => load.warnings.push(format!("account {account}: {e}")),
            }
        }
        return;
    }
    let mut policies = BTreeMap::new();
    let mut details = Vec::new();
    for name in roles {
        match read_role(aws, name, &mut policies).await {
            Ok(r) => details.push(r),
            Err(ReadError::NotFound { .. }) => {}
            Err(e) => load.warnings.push(format!("account {account}, role {name}: {e}")),
        }
    }
    let file = match round {
        1 => format!("iam/{account}/authorization-details.json"),
        n => format!("iam/{account}/authorization-details-{n}.json"),
    };
    load.documents.push((
        file,
        json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": details,
            "Policies": policies.into_values().collect::<Vec<_>>(), "IsTruncated": true}),
    ));
}

/// The roles the chains reach, by account (ARN names), to read one by one when the account
/// cannot be read whole, and to `get-role` for their MaxSessionDuration.
pub fn chain_roles(inv: &crate::model::Inventory, opts: &crate::chain::CheckOptions) -> BTreeMap<String, Vec<String>> {
    let chains = crate::chain::resolve_all(inv, opts).unwrap_or_default();
    let mut by_account: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for step in chains.iter().flat_map(|c| c.steps.iter()) {
        // A pattern (`role/ci-*`, a candidate from a partial read) names no role to read.
        if let Some(arn) = crate::iam::arn::RoleArn::parse(&step.resource).filter(|a| !a.name.contains(['*', '?'])) {
            let names = by_account.entry(arn.account.clone()).or_default();
            if !names.contains(&arn.name) {
                names.push(arn.name.clone());
            }
        }
    }
    by_account
}

/// Rounds of "simulate, read the roles the chains reach": a role known only once its caller's
/// policies are read (the next hop of a chain) is read in the next round.
const ROUNDS: usize = 4;

/// Read IAM live into `inv`: the caller's account (and each `--aws-profile` account the chains
/// reach), as the chains of `opts` need it. Nothing here is fatal: what cannot be read is a
/// warning, and the hops that need it stay `unknown`.
pub async fn load_live(inv: &mut crate::model::Inventory, args: &AwsArgs, opts: &crate::chain::CheckOptions) {
    let before = inv.warnings.len();
    read_live(inv, args, opts).await;
    // Kept apart from the cluster's warnings: a refresh replaces them.
    inv.iam_warnings = inv.warnings.split_off(before);
}

/// Forget what was read from AWS (before a refresh reads it again).
pub fn forget_iam(inv: &mut crate::model::Inventory) {
    inv.roles.clear();
    inv.managed_policies.clear();
    inv.iam_accounts.clear();
    inv.listed_roles.clear();
    inv.oidc_providers.clear();
    inv.oidc_listed.clear();
    inv.oidc_empty_unattributed = false;
    inv.oidc_client_ids_by_url.clear();
    inv.org = crate::model::org::Organization::default();
    inv.resource_policies.clear();
    inv.bucket_keys.clear();
    inv.pod_identity.clear();
    inv.aws_documents.clear();
    inv.iam_warnings.clear();
    inv.caller = None;
}

async fn read_live(inv: &mut crate::model::Inventory, args: &AwsArgs, opts: &crate::chain::CheckOptions) {
    let aws = Aws::connect(args, None, None).await;
    let me = match caller(&aws).await {
        Ok(c) => c,
        Err(e) => {
            let endpoint = aws.config.endpoint_url().map_or_else(
                || format!("the STS endpoint of {}", aws.config.region().map_or("the default region", |r| r.as_ref())),
                |u| u.to_string(),
            );
            inv.warnings.push(format!(
                "no live AWS identity from {endpoint} ({e}): IAM hops say unknown; check the credentials (--profile, AWS_PROFILE) and the endpoint (AWS_ENDPOINT_URL), or join an IAM dump with --bundle"
            ));
            return;
        }
    };
    inv.caller = Some(me.arn.clone());
    let mut accounts: Vec<(String, Aws)> = vec![(me.account.clone(), aws)];
    for (account, profile) in &args.account_profiles {
        if *account != me.account {
            accounts.push((account.clone(), Aws::connect(args, Some(profile), None).await));
        }
    }
    // account → whole account read?
    let mut read: BTreeMap<String, bool> = BTreeMap::new();
    let mut seen: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    let mut unreadable: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for round in 1..=ROUNDS {
        let mut wanted = chain_roles(inv, opts);
        // The caller's own account is read even when no chain reaches it yet (no runners, or the
        // wizard, which brings its roles itself): the roles view and a boundary's document need it.
        wanted.entry(me.account.clone()).or_default();
        let mut progress = false;
        for (account, names) in wanted {
            let names: Vec<String> = names.into_iter().filter(|n| seen.insert((account.clone(), n.clone()))).collect();
            if names.is_empty() && read.contains_key(&account) {
                continue;
            }
            let Some((_, aws)) = accounts.iter().find(|(a, _)| *a == account) else {
                unreadable.insert(account);
                continue;
            };
            let load = match read.get(&account) {
                None => {
                    let (load, full) = load_account(aws, &account, &names).await;
                    read.insert(account.clone(), full);
                    load
                }
                Some(&full) => {
                    let mut load = AccountLoad::default();
                    more_roles(aws, &account, &names, full, round, &mut load).await;
                    load
                }
            };
            progress = true;
            ingest(inv, load);
        }
        if !progress {
            break;
        }
    }
    for account in unreadable {
        inv.warnings.push(format!(
            "the chains reach account {account}: pass --aws-profile {account}=PROFILE to read its IAM (until then its hops say unknown)"
        ));
    }
    // Beyond the assume (#17): the organization's policies over every account the data holds, and
    // the own policies of the repositories the jobs push to and pull from.
    let mut in_data: std::collections::BTreeSet<String> = inv.roles.values().map(|r| r.arn.account.clone()).collect();
    in_data.insert(me.account.clone());
    ingest(inv, org::read(&accounts, &in_data).await);
    if let Some(cluster) = &args.eks_cluster {
        let issuer_known = inv.cluster_issuer.is_some();
        ingest(inv, eks::read(&accounts[0].1, cluster, issuer_known).await);
    }
    let repositories = ecr::repositories(inv, opts);
    ingest(inv, ecr::repository_policies(&accounts, &repositories).await);
    let buckets = s3::buckets(inv, opts);
    ingest(inv, s3::bucket_documents(&accounts, &buckets).await);
    let keys = s3::bucket_key_arns(inv, &buckets);
    ingest(inv, s3::key_policies(&accounts, &keys).await);
    for (account, aws) in &accounts {
        let retries = aws.retries.load(Ordering::Relaxed);
        if retries > 0 {
            inv.warnings
                .push(format!("account {account}: AWS throttled arcscope; {retries} call(s) retried with backoff"));
        }
    }
}

/// Documents read live go through the bundle loader, and are kept for `bundle export`.
fn ingest(inv: &mut crate::model::Inventory, load: AccountLoad) {
    for (name, doc) in load.documents {
        if let Err(e) = crate::sources::bundle::add_value(inv, &format!("aws:{name}"), doc.clone()) {
            inv.warnings.push(e.to_string());
        }
        inv.aws_documents.push((name, doc));
    }
    inv.warnings.extend(load.warnings);
}

/// [`load_live`] on a small runtime, for the synchronous commands.
pub fn load_live_blocking(inv: &mut crate::model::Inventory, args: &AwsArgs, opts: &crate::chain::CheckOptions) {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt.block_on(load_live(inv, args, opts)),
        Err(e) => inv.warnings.push(format!("live AWS: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guarded client pointed at a port nothing listens on: a refused call never gets that far.
    async fn client(permit: Option<Arc<AwsPermit>>) -> Aws {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut aws =
            Aws::connect(&AwsArgs { region: Some("eu-west-1".into()), ..AwsArgs::default() }, None, permit).await;
        let creds = aws_sdk_sts::config::Credentials::new("AKIAUNITTEST", "secret", None, None, "unit");
        let conf = aws_sdk_sts::config::Builder::from(&aws.config)
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .credentials_provider(creds)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .interceptor(aws.guard.clone())
            .build();
        aws.sts = aws_sdk_sts::Client::from_conf(conf);
        aws
    }

    #[test]
    fn the_aws_guard_refuses_writes_before_sending_unless_the_probe_permits_them_once() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let assume = |aws: &Aws| {
                aws.sts.assume_role().role_arn("arn:aws:iam::111122223333:role/x").role_session_name("s").send()
            };
            let guarded = client(None).await;
            let err = aws_sdk_sts::error::DisplayErrorContext(assume(&guarded).await.unwrap_err()).to_string();
            assert!(err.contains("read-only guard refused sts:AssumeRole"), "{err}");
            assert_eq!(*guarded.guard.refused.lock().unwrap(), vec!["sts:AssumeRole".to_string()]);
            // A read passes the guard (and then fails to connect: nothing listens).
            let err =
                aws_sdk_sts::error::DisplayErrorContext(guarded.sts.get_caller_identity().send().await.unwrap_err())
                    .to_string();
            assert!(!err.contains("read-only guard"), "{err}");

            let permitted = client(Some(Arc::new(AwsPermit::new(vec!["AssumeRole"])))).await;
            let first = aws_sdk_sts::error::DisplayErrorContext(assume(&permitted).await.unwrap_err()).to_string();
            assert!(!first.contains("read-only guard"), "the permitted call goes out: {first}");
            let second = aws_sdk_sts::error::DisplayErrorContext(assume(&permitted).await.unwrap_err()).to_string();
            assert!(second.contains("read-only guard refused"), "once: {second}");
        });
    }

    #[test]
    fn only_reads_pass_and_credential_minting_gets_do_not() {
        for op in [
            "GetRole",
            "ListRoles",
            "GetAccountAuthorizationDetails",
            "GetCallerIdentity",
            "GetPolicyVersion",
            "GetRepositoryPolicy",
            "DescribeOrganization",
            "ListPoliciesForTarget",
            "DescribePolicy",
            "GetBucketPolicy",
            "GetBucketEncryption",
            "GetKeyPolicy",
        ] {
            assert!(read_only(op), "{op}");
        }
        for op in [
            "AssumeRole",
            "AssumeRoleWithWebIdentity",
            "CreateRole",
            "PutRolePolicy",
            "GetSessionToken",
            "GetFederationToken",
            "GetAuthorizationToken",
            "TagRole",
            "AttachPolicy",
            "SetRepositoryPolicy",
        ] {
            assert!(!read_only(op), "{op}");
        }
    }
}
