//! Live AWS against moto (a real AWS-protocol server) behind a loopback proxy that logs every
//! action and injects AccessDenied and Throttling: IAM loaded with paging, inline, managed and
//! boundary policies, URL-encoded documents and OIDC providers gives the same verdicts as the same
//! account as a bundle; denied reads fall back and say what is missing; throttling is waited out;
//! the default mode makes no write call.

mod common;

use serde_json::Value;
use std::process::Command;

use common::apiserver::ApiServer;
use common::moto::{ACCOUNT, Fault, Moto, Proxy, aws_env};

/// An unguarded IAM client for seeding moto (the test's side, not arcscope's).
fn seeding_client(url: &str) -> aws_sdk_iam::Client {
    let creds = aws_sdk_iam::config::Credentials::new("AKIASEED", "seed", None, None, "test");
    let conf = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("eu-west-1"))
        .endpoint_url(url)
        .credentials_provider(creds)
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

/// The seed account in moto — its roles, inline policy and OIDC provider, as in the seed
/// bundle — plus `fillers` more roles (paging), some with a managed policy and a boundary.
fn seed_moto(url: &str, fillers: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let iam = seeding_client(url);
        common::moto::seed_roles(&iam, "seed/iam/get-account-authorization-details.json").await;
        iam.create_open_id_connect_provider()
            .url("https://oidc.eks.eu-west-1.amazonaws.com/id/AB12CD34EF56AB12CD34EF56AB12CD34")
            .client_id_list("sts.amazonaws.com")
            .thumbprint_list("9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
            .send()
            .await
            .unwrap();
        let boundary = iam
            .create_policy()
            .policy_name("runner-boundary")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:*","ecr:*"],"Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        let boundary_arn = boundary.policy().unwrap().arn().unwrap().to_string();
        let ecr = iam
            .create_policy()
            .policy_name("ecr-pull")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        let ecr_arn = ecr.policy().unwrap().arn().unwrap().to_string();
        let trust = format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#);
        for i in 0..fillers {
            let name = format!("team-role-{i:04}");
            let mut create = iam.create_role().role_name(&name).assume_role_policy_document(&trust);
            if i % 10 == 0 {
                create = create.permissions_boundary(&boundary_arn);
            }
            create.send().await.unwrap();
            if i % 3 == 0 {
                iam.attach_role_policy().role_name(&name).policy_arn(&ecr_arn).send().await.unwrap();
            }
        }
    });
}

fn arcscope(args: &[&str], env: &[(String, String)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_arcscope"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env_remove("AWS_PROFILE")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap()
}

use common::verdict_summary as summary;

struct Setup {
    _moto: Moto,
    proxy: Proxy,
    _cluster: ApiServer,
    dir: tempfile::TempDir,
    kubeconfig: String,
    workflow: String,
}

fn setup(fillers: usize) -> Setup {
    let moto = Moto::start();
    seed_moto(&moto.url, fillers);
    let proxy = Proxy::start(&moto.url);
    let cluster = ApiServer::seeded();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = cluster.kubeconfig(dir.path()).display().to_string();
    let workflow = common::fixtures().join("seed/workflows/deploy.yml").display().to_string();
    Setup { _moto: moto, proxy, _cluster: cluster, dir, kubeconfig, workflow }
}

impl Setup {
    fn check(&self, extra: &[&str]) -> std::process::Output {
        let mut args =
            vec!["check", "--kubeconfig", &self.kubeconfig, "--workflow", &self.workflow, "--format", "json"];
        args.extend_from_slice(extra);
        arcscope(&args, &aws_env(&self.proxy.url, self.dir.path()))
    }
}

/// The same account as a bundle: the seed's IAM, OIDC and cluster files (no workflows dir; the
/// workflow is passed the same way to both).
fn bundle_check(workflow: &str) -> std::process::Output {
    let b = common::bundle(None);
    std::fs::remove_dir_all(b.path().join("workflows")).unwrap();
    arcscope(&["check", "--bundle", b.path().to_str().unwrap(), "--workflow", workflow, "--format", "json"], &[])
}

#[test]
fn iam_read_live_gives_the_same_verdicts_as_the_bundle_with_reads_only() {
    let s = setup(120);
    // 122 roles in pages of 50, as IAM pages its answer (moto alone answers in one).
    s.proxy.paginate_authorization_details(50);
    let live = s.check(&[]);
    let err = common::stderr(&live);
    assert_eq!(live.status.code(), Some(1), "the seed chain is denied: {err}");
    let offline = bundle_check(&s.workflow);
    assert_eq!(summary(&live), summary(&offline), "live IAM = the same account as a bundle\n{err}");
    assert!(summary(&live)[0].contains("\"sts:TagSession\" \"implicit_deny\""), "{:?}", summary(&live));
    let actions = s.proxy.actions();
    assert!(actions.contains(&"GetCallerIdentity".to_string()));
    assert!(actions.contains(&"GetAccountAuthorizationDetails".to_string()));
    assert!(actions.contains(&"GetOpenIDConnectProvider".to_string()));
    assert!(s.proxy.writes().is_empty(), "default mode: reads only: {:?}", s.proxy.writes());
    assert_eq!(s.proxy.actions().iter().filter(|a| *a == "GetAccountAuthorizationDetails").count(), 3, "three pages");
    assert_eq!(s.proxy.markers(), vec!["page-50", "page-100"], "each page asked with the previous page's marker");

    // Export writes IAM as read: every role (more than a page of 100), managed and boundary policies.
    let out = s.dir.path().join("incident");
    let export = arcscope(
        &["bundle", "export", out.to_str().unwrap(), "--kubeconfig", &s.kubeconfig],
        &aws_env(&s.proxy.url, s.dir.path()),
    );
    assert_eq!(export.status.code(), Some(0), "{}", common::stderr(&export));
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("iam/{ACCOUNT}/authorization-details.json"))).unwrap(),
    )
    .unwrap();
    let roles = doc["RoleDetailList"].as_array().unwrap();
    assert_eq!(roles.len(), 122);
    let with_boundary = roles.iter().find(|r| r["RoleName"] == "team-role-0000").unwrap();
    assert!(
        with_boundary["PermissionsBoundary"]["PermissionsBoundaryArn"].as_str().unwrap().ends_with("/runner-boundary")
    );
    assert_eq!(
        with_boundary["AttachedManagedPolicies"][0]["PolicyArn"].as_str().unwrap(),
        format!("arn:aws:iam::{ACCOUNT}:policy/ecr-pull")
    );
    assert!(doc["Policies"].as_array().unwrap().iter().any(|p| p["Arn"].as_str().unwrap().ends_with("/ecr-pull")));
    // The exported bundle checks the same as live.
    let again =
        arcscope(&["check", "--bundle", out.to_str().unwrap(), "--workflow", &s.workflow, "--format", "json"], &[]);
    assert_eq!(summary(&again), summary(&live));
    assert!(s.proxy.writes().is_empty());
}

#[test]
fn a_denied_account_read_falls_back_to_the_chains_roles_and_a_denied_role_read_is_unknown() {
    let s = setup(0);
    s.proxy.fault("GetAccountAuthorizationDetails", Fault::Deny);
    let live = s.check(&[]);
    let err = common::stderr(&live);
    assert!(err.contains("iam:GetAccountAuthorizationDetails denied"), "{err}");
    assert!(err.contains("one by one"), "{err}");
    assert_eq!(summary(&live), summary(&bundle_check(&s.workflow)), "the chains' roles were read one by one\n{err}");
    for a in ["GetRole", "ListRolePolicies", "GetRolePolicy", "ListAttachedRolePolicies"] {
        assert!(s.proxy.actions().iter().any(|x| x == a), "{a} read");
    }

    // GetRole denied too: the hops that need the roles say unknown, never a guess.
    s.proxy.fault("GetRole", Fault::Deny);
    let live = s.check(&[]);
    let err = common::stderr(&live);
    assert!(err.contains("iam:GetRole denied"), "{err}");
    let v: Value = serde_json::from_slice(&live.stdout).unwrap();
    let steps = v["chains"][0]["steps"].as_array().unwrap();
    assert!(steps.iter().any(|s| s["decision"] == "unknown"), "{steps:?}");
    assert!(
        !steps.iter().any(|s| s["decision"] == "allow" && s["action"] == "sts:AssumeRoleWithWebIdentity"),
        "{steps:?}"
    );
    assert!(s.proxy.writes().is_empty());
}

/// No `--workflow`: the targets come from the base role's identity policy (`role/arc-runner-*`
/// in the seed). The role-by-role fallback must find them as the full read does (R8: the
/// pusher's trust lacks sts:TagSession), or the chains left read as all allowed.
#[test]
fn a_denied_account_read_without_a_workflow_finds_the_same_targets_or_says_unknown() {
    let s = setup(3);
    let check = || {
        let args = ["check", "--kubeconfig", &s.kubeconfig, "--format", "json"];
        arcscope(&args, &aws_env(&s.proxy.url, s.dir.path()))
    };
    let full = check();
    assert_eq!(full.status.code(), Some(1), "the full read: the pusher hop is denied\n{}", common::stderr(&full));
    assert!(summary(&full).iter().any(|c| c.contains("\"sts:TagSession\" \"implicit_deny\"")), "{:?}", summary(&full));

    s.proxy.fault("GetAccountAuthorizationDetails", Fault::Deny);
    let partial = check();
    let err = common::stderr(&partial);
    assert_eq!(summary(&partial), summary(&full), "role by role, the same verdicts\n{err}");
    assert_eq!(partial.status.code(), Some(1), "{err}");
    assert!(s.proxy.actions().iter().any(|a| a == "ListRoles"), "the roles that exist were listed");
    let reads = s.proxy.actions().iter().filter(|a| *a == "GetRole").count();
    assert!(reads < 10, "only the chains' roles are read, not the 3 fillers as well: {reads}");

    // The role list denied too: the pattern's roles are unknown, never allowed.
    s.proxy.fault("ListRoles", Fault::Deny);
    let blind = check();
    let err = common::stderr(&blind);
    assert_eq!(blind.status.code(), Some(1), "{err}");
    assert!(err.contains("iam:ListRoles denied"), "{err}");
    let v: Value = serde_json::from_slice(&blind.stdout).unwrap();
    let chains = v["chains"].as_array().unwrap();
    assert!(!chains.iter().any(|c| c["verdict"] == "allow"), "nothing unread is allowed: {}", common::stdout(&blind));
    let unknown = chains.iter().flat_map(|c| c["steps"].as_array().unwrap()).find(|s| s["decision"] == "unknown");
    let unknown = unknown.expect("an unknown step");
    assert_eq!(unknown["resource"], "arn:aws:iam::111122223333:role/arc-runner-*", "{unknown}");
    assert!(s.proxy.writes().is_empty());
}

fn fault_is_endless(f: &Fault) -> bool {
    matches!(f, Fault::Endless)
}

/// An AWS endpoint that never answers, or answers without end (#12.6, #12.7): `check` ends in
/// time with the IAM hops unknown and a message that says what happened — not "throttled" — and
/// reads at most the body cap.
#[test]
fn a_hanging_or_endless_aws_endpoint_ends_check_in_time_bounded_and_named() {
    let s = setup(0);
    let said_for =
        [(Fault::Hang, "operation timeout"), (Fault::Endless, "the answer passed 64 MiB and was not read further")];
    for (fault, said) in said_for {
        s.proxy.clear_faults();
        s.proxy.fault("GetCallerIdentity", fault.clone());
        let started = std::time::Instant::now();
        let mut args = vec!["-f", "%M", env!("CARGO_BIN_EXE_arcscope")];
        args.extend(["check", "--kubeconfig", &s.kubeconfig, "--workflow", &s.workflow, "--format", "json"]);
        let out = Command::new("/usr/bin/time")
            .args(&args)
            .envs(aws_env(&s.proxy.url, s.dir.path()))
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        let took = started.elapsed();
        let err = common::stderr(&out);
        let peak_kb: u64 = err.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(u64::MAX);
        eprintln!("{fault:?}: exit {:?} after {took:?}, peak {} MB", out.status.code(), peak_kb / 1024);
        assert_eq!(out.status.code(), Some(1), "{fault:?}: hops that need IAM are unknown\n{err}");
        assert!(took < std::time::Duration::from_secs(60), "{fault:?}: {took:?}");
        // An endless body is cut at 64 MiB; on a loaded machine the call's 30 s may end first.
        let said = err.contains(said) || (fault_is_endless(&fault) && err.contains("operation timeout"));
        assert!(err.contains("no live AWS identity") && said, "{fault:?}: {err}");
        assert!(!err.contains("throttled"), "{fault:?}: not throttling: {err}");
        assert!(err.contains(&format!("from {}", s.proxy.url)), "names the endpoint: {err}");
        assert!(!err.contains("Error {") && !err.contains("Error("), "words, not debug output: {err}");
        assert!(peak_kb < 400 * 1024, "{fault:?}: bounded memory: {peak_kb} kB");
    }
}

#[test]
fn throttling_is_waited_out_and_reported() {
    let s = setup(0);
    s.proxy.fault("GetAccountAuthorizationDetails", Fault::Throttle(2));
    let live = s.check(&[]);
    let err = common::stderr(&live);
    assert_eq!(summary(&live), summary(&bundle_check(&s.workflow)), "{err}");
    assert!(err.contains("throttled") && err.contains("retried"), "{err}");
    assert_eq!(s.proxy.actions().iter().filter(|a| *a == "GetAccountAuthorizationDetails").count(), 3);
}

#[test]
fn no_credentials_is_a_warning_and_iam_hops_stay_unknown() {
    let cluster = ApiServer::seeded();
    let dir = tempfile::tempdir().unwrap();
    let kc = cluster.kubeconfig(dir.path()).display().to_string();
    let mut env = aws_env("http://127.0.0.1:9", dir.path());
    env.retain(|(k, _)| !k.starts_with("AWS_ACCESS_KEY_ID") && !k.starts_with("AWS_SECRET"));
    let out = arcscope(&["check", "--kubeconfig", &kc, "--format", "json"], &env);
    let err = common::stderr(&out);
    assert!(err.contains("no live AWS identity"), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["chains"][0]["steps"][0]["decision"], "unknown");
}

#[test]
fn the_confirmed_probe_calls_sts_as_planned_and_flags_where_aws_disagrees() {
    let s = setup(0);
    let screen = tui(&s, "--allow-live-probe", &[(":chain\r", 400), ("P", 400), ("y", 3400)], |_| {});
    let actions = s.proxy.actions();
    let writes = s.proxy.writes();
    // Exactly the plan: the web identity hop, then the target with tags and without.
    assert_eq!(writes, vec!["AssumeRoleWithWebIdentity", "AssumeRole", "AssumeRole"], "{actions:?}");
    let (before_probe, _) = actions.split_at(actions.iter().position(|a| a == "AssumeRoleWithWebIdentity").unwrap());
    assert!(
        before_probe.iter().all(|a| arcscope::sources::aws::read_only(a)),
        "nothing but reads before the confirmation"
    );
    let shown = common::screens(&screen, 50, 220);
    let ever = |phrase: &str| shown.iter().any(|s| s.contains(phrase));
    assert!(
        ever("AssumeRoleWithWebIdentity arn:aws:iam::111122223333:role/arc-runner-base-role"),
        "{}",
        shown.last().unwrap()
    );
    // moto enforces no trust policy (BUILD-NOTES): it allows the tagged AssumeRole the simulation
    // denies (no sts:TagSession in the target's trust) — the disagreement must be loud.
    assert!(ever("AWS allowed"), "moto answers");
    let last4 = regex::Regex::new(r"…[A-Z0-9]{4}, dropped").unwrap();
    assert!(shown.iter().any(|s| last4.is_match(s)), "credentials appear as their last 4 characters");
    assert!(ever("predicted implicit_deny"));
    assert!(ever("DISAGREES WITH THE PREDICTION"));
    assert!(ever("AWS disagrees with 1 prediction(s)"), "the status line says so too");
    // Credentials appear only as the access key's last 4 characters.
    let long_key = regex::Regex::new(r"\b(ASIA|AKIA)[A-Z0-9]{16}\b").unwrap();
    assert!(!long_key.is_match(&screen), "no full access key on screen");
    assert!(!screen.contains("eyJ"), "no token on screen");
}

/// The TUI in a pty (50x220) against the live cluster and moto; `keys` after startup, each with
/// its pause; then `q`.
fn tui(s: &Setup, extra: &str, keys: &[(&str, u64)], between: impl Fn(usize)) -> String {
    let mut keys = keys.to_vec();
    keys.push(("q", 300));
    let args = format!("--kubeconfig {} {extra}", s.kubeconfig);
    common::pty(&args, &aws_env(&s.proxy.url, s.dir.path()), (50, 220), 3000, &keys, between).1
}

#[test]
fn the_tui_names_a_denied_read_and_r_reads_iam_again_through_throttling() {
    let s = setup(0);
    s.proxy.fault("GetAccountAuthorizationDetails", Fault::Deny);
    let screen = tui(&s, "", &[(":warnings\r", 800), ("\x1b", 300), ("r", 6000)], |i| {
        if i == 2 {
            // Before `r`: the account read is allowed again, but throttled twice.
            s.proxy.clear_faults();
            s.proxy.fault("GetAccountAuthorizationDetails", Fault::Throttle(2));
        }
    });
    let shown = common::screens(&screen, 50, 220);
    assert!(
        shown.iter().any(|s| s.contains("iam:GetAccountAuthorizationDetails denied")),
        "the view names the missing permission"
    );
    assert!(shown.iter().any(|s| s.contains("caller: user/moto")), "the caller (moto's) is in the header");
    let ever = |phrase: &str| shown.iter().any(|s| s.contains(phrase));
    // While it happens the header says `iam throttled: retrying … (attempt 2 of 6)` for as long as
    // the SDK's jittered backoff lasts (too short to assert on); afterwards the status keeps it.
    assert!(
        ever("IAM read from live AWS — account 111122223333: AWS throttled arcscope; 2 call(s) retried with backoff"),
        "{}",
        shown.last().unwrap()
    );
    assert!(ever("│ iam read 0s ago"), "its age after the refresh");
    let reads = s.proxy.actions().iter().filter(|a| *a == "GetAccountAuthorizationDetails").count();
    assert_eq!(reads, 1 + 3, "one denied at start, then two throttled and one answered");
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
}

#[test]
fn another_account_the_chain_reaches_is_read_with_its_own_profile() {
    const OTHER: &str = "444455556666";
    let s = setup(0);
    let other = Moto::start_for(OTHER);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        seeding_client(&other.url)
            .create_role()
            .role_name("arc-runner-deploy")
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap();
    });
    // The job assumes a role in the other account.
    let text = std::fs::read_to_string(&s.workflow).unwrap().replace(
        "arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role",
        &format!("arn:aws:iam::{OTHER}:role/arc-runner-deploy"),
    );
    let workflow = s.dir.path().join("cross.yml");
    std::fs::write(&workflow, text).unwrap();
    // Profiles as the AWS CLI reads them: each with its endpoint and keys (no AWS_* overrides).
    let config = s.dir.path().join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[default]\nregion = eu-west-1\nendpoint_url = {}\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = x\n\n[profile deploy]\nregion = eu-west-1\nendpoint_url = {}\naws_access_key_id = AKIADEPLOY0000000001\naws_secret_access_key = y\n",
            s.proxy.url, other.url
        ),
    )
    .unwrap();
    let env: Vec<(String, String)> = vec![
        ("AWS_CONFIG_FILE".into(), config.display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE".into(), s.dir.path().join("none").display().to_string()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ("HOME".into(), s.dir.path().display().to_string()),
    ];
    let check = |extra: &[&str]| {
        let mut args =
            vec!["check", "--kubeconfig", &s.kubeconfig, "--workflow", workflow.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        arcscope(&args, &env)
    };
    let step = |o: &std::process::Output| -> Value {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v["chains"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["action"] == "sts:AssumeRole")
            .cloned()
            .unwrap_or_else(|| panic!("{}", common::stderr(o)))
    };
    let without = check(&[]);
    assert!(
        common::stderr(&without).contains(&format!("pass --aws-profile {OTHER}=PROFILE")),
        "{}",
        common::stderr(&without)
    );
    assert_eq!(step(&without)["decision"], "unknown", "the other account was not read: never a guess");

    let with = check(&["--aws-profile", &format!("{OTHER}=deploy")]);
    let hop = step(&with);
    // Read: the target's trust allows the base account; the base role's own policy allows only
    // roles in its account (R9: both accounts must allow a cross-account AssumeRole).
    assert_eq!(hop["decision"], "implicit_deny", "{hop}");
    assert_eq!(hop["decided_by"], "identity_policy", "{hop}");
    let bad = arcscope(&["check", "--aws-profile", "4444=deploy"], &env);
    assert_eq!(bad.status.code(), Some(2));
    assert!(common::stderr(&bad).contains("ACCOUNT_ID=PROFILE"), "{}", common::stderr(&bad));
}

/// The wizard against a live cluster and account: the permissions boundary's document is read from
/// IAM (moto), not supplied — one that allows the chain and ECR passes, one without `sts:*` fails
/// the chain's hop, named, and nothing is written. Reads only.
#[test]
fn the_wizard_reads_the_boundary_from_the_live_account() {
    let s = setup(0);
    let answers = |boundary: &str| {
        let text = std::fs::read_to_string(common::fixtures().join("wizard/irsa-tags.toml")).unwrap().replace(
            "[aws]\n",
            &format!("[aws]\npermissions_boundary = \"arn:aws:iam::{ACCOUNT}:policy/{boundary}\"\n"),
        );
        let path = s.dir.path().join(format!("{boundary}.toml"));
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let run = |boundary: &str, out: &str| {
        let out_dir = s.dir.path().join(out).display().to_string();
        let args = ["wizard", "--answers", &answers(boundary), "--out", &out_dir, "--kubeconfig", &s.kubeconfig];
        arcscope(&args, &aws_env(&s.proxy.url, s.dir.path()))
    };
    // runner-boundary allows sts:* and ecr:* — the chain and the ECR push preset are inside it.
    let ok = run("runner-boundary", "ok");
    assert_eq!(ok.status.code(), Some(0), "{}{}", common::stdout(&ok), common::stderr(&ok));
    let stdout = common::stdout(&ok);
    assert!(
        stdout.contains(&format!(
            "under the permissions boundary arn:aws:iam::{ACCOUNT}:policy/runner-boundary: 8 of 8 actions allowed"
        )),
        "{stdout}"
    );
    assert!(s.dir.path().join("ok/terraform/main.tf").is_file());
    // ecr-pull allows two ECR reads only: the base role may not even assume the target.
    let bad = run("ecr-pull", "bad");
    let stdout = common::stdout(&bad);
    assert_eq!(bad.status.code(), Some(1), "{stdout}{}", common::stderr(&bad));
    assert!(
        stdout.contains("sts:AssumeRole → arc-runner-ecr-push   implicit_deny by permissions_boundary"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no permissions boundary arn:aws:iam::111122223333:policy/ecr-pull allows them"),
        "{stdout}"
    );
    assert!(!s.dir.path().join("bad").exists(), "nothing written");
    assert!(s.proxy.writes().is_empty(), "only reads reached AWS: {:?}", s.proxy.writes());
}

/// Live AWS alone (no cluster: a platform engineer writing the answers in a PR): `--profile` or
/// `--region` names the account to read, and the boundary's document comes from it; no cluster is
/// asked for, and the repair guide does not call the cluster's objects missing.
#[test]
fn the_wizard_reads_the_boundary_from_live_aws_alone() {
    let s = setup(0);
    let text = std::fs::read_to_string(common::fixtures().join("wizard/irsa-tags.toml"))
        .unwrap()
        .replace("[aws]\n", &format!("[aws]\npermissions_boundary = \"arn:aws:iam::{ACCOUNT}:policy/ecr-pull\"\n"));
    let answers = s.dir.path().join("answers.toml");
    std::fs::write(&answers, text).unwrap();
    let env = aws_env(&s.proxy.url, s.dir.path());
    let out = arcscope(&["wizard", "--answers", answers.to_str().unwrap(), "--region", "eu-west-1"], &env);
    let stdout = common::stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", common::stderr(&out));
    assert!(stdout.contains("implicit_deny by permissions_boundary"), "read from the account: {stdout}");
    assert!(!stdout.contains("is missing"), "no cluster was read, so nothing in it is called missing: {stdout}");
    assert!(stdout.contains("against live AWS:"), "{stdout}");
    assert!(s.proxy.actions().iter().any(|a| a == "GetAccountAuthorizationDetails"), "{:?}", s.proxy.actions());
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    // Without a naming flag, nothing is read and the boundary is `?`.
    let before = s.proxy.actions().len();
    let blind = arcscope(&["wizard", "--answers", answers.to_str().unwrap()], &env);
    assert_eq!(blind.status.code(), Some(1));
    assert!(common::stdout(&blind).contains("is not in the data"), "{}", common::stdout(&blind));
    assert_eq!(s.proxy.actions().len(), before, "no AWS call unasked");
    // --init pre-fills the account from the caller.
    let init = arcscope(&["wizard", "--init", "--region", "eu-west-1"], &env);
    assert!(common::stdout(&init).contains(&format!("account_id = \"{ACCOUNT}\"")), "{}", common::stdout(&init));
}

/// R37 live: an account whose provider list moto answers empty has no provider — hop 1 is
/// `error` by oidc_provider_missing, not unknown — and the bundle exported from it (the list
/// written under `iam/<account>/`) checks the same.
#[test]
fn an_account_without_the_clusters_oidc_provider_is_an_error_live_and_exported() {
    let s = setup(0);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let iam = seeding_client(&s._moto.url);
        let arn = format!(
            "arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB12CD34EF56AB12CD34EF56AB12CD34"
        );
        iam.delete_open_id_connect_provider().open_id_connect_provider_arn(arn).send().await.unwrap();
    });
    let live = s.check(&[]);
    let v: Value = serde_json::from_slice(&live.stdout).unwrap_or_else(|_| panic!("{}", common::stderr(&live)));
    let hop1 = &v["chains"][0]["steps"][0];
    assert_eq!(hop1["decision"], "error", "{hop1}");
    assert_eq!(hop1["decided_by"], "oidc_provider_missing", "{hop1}");
    assert!(hop1["message"].as_str().unwrap().starts_with("InvalidIdentityToken: No OpenIDConnect provider found"));
    let out = s.dir.path().join("incident");
    let export = arcscope(
        &["bundle", "export", out.to_str().unwrap(), "--kubeconfig", &s.kubeconfig],
        &aws_env(&s.proxy.url, s.dir.path()),
    );
    assert_eq!(export.status.code(), Some(0), "{}", common::stderr(&export));
    let again =
        arcscope(&["check", "--bundle", out.to_str().unwrap(), "--workflow", &s.workflow, "--format", "json"], &[]);
    assert_eq!(summary(&again), summary(&live));
    assert!(s.proxy.writes().is_empty());
}
