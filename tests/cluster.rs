//! Live Kubernetes against a loopback server that speaks the API's list protocol: typed lists
//! with `resourceVersion`, `limit`/`continue` paging (the server may return fewer items than
//! asked, as the API allows), `Status` errors (403, 404), the issuer discovery document, and a
//! log of every request — which proves the default mode sends only GETs and never reads Secrets.

mod common;

use serde_json::Value;
use std::net::TcpListener;

use common::apiserver::ApiServer;

const RUNNER: &str = "arc-runner-set-x7c2p-runner-4h9sd";

/// The seed cluster with the runner's recent log.
fn seeded() -> ApiServer {
    let s = ApiServer::seeded();
    s.log(
        "arc-runners",
        RUNNER,
        "runner",
        &["√ Connected to GitHub", "Current runner version: '2.334.0'", "Running job: push-image"],
    );
    s
}

fn kubeconfig_for(dir: &std::path::Path, server: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: loop\n  cluster:\n    server: {server}\ncontexts:\n- name: loop\n  context:\n    cluster: loop\n    user: tester\ncurrent-context: loop\nusers:\n- name: tester\n  user:\n    token: loopback-token\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn check(kubeconfig: &std::path::Path, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
        // Kubernetes only: a developer's own AWS credentials are never read by these tests.
        .args(["check", "--kubeconfig", kubeconfig.to_str().unwrap(), "--format", "json", "--no-aws"])
        .args(extra)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap()
}

#[test]
fn live_check_lists_everything_with_gets_only_and_never_secrets() {
    let server = seeded();
    server.set_page_size(1);
    server.restrict("events", &[]);
    let dir = tempfile::tempdir().unwrap();
    let out = check(&server.kubeconfig(dir.path()), &[]);
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "IAM is not live yet: hops that need it are unknown\n{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let chain = &v["chains"][0];
    assert_eq!(chain["subject"], "arc-runners/arc-runner-set-x7c2p-runner-4h9sd");
    assert_eq!(chain["credential_source"], "irsa");
    assert_eq!(chain["steps"][0]["decision"], "unknown", "never a guess without IAM data");
    assert!(stderr.contains("cannot list events at the cluster scope (kubectl auth can-i list events -A)"), "{stderr}");
    assert!(
        stderr.contains("listed them in 0 of 2 namespaces where allowed"),
        "RBAC fallback tried each namespace: {stderr}"
    );

    assert!(server.writes_or_secrets().is_empty(), "read-only, no Secret is ever requested");
    let log: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert!(log.iter().any(|p| p == "/api/v1/pods?limit=500"));
    // The server's continue tokens hold `/`, `+` and `=`: a page only follows when they are escaped.
    assert!(
        log.iter().any(|p| p.starts_with("/api/v1/serviceaccounts?limit=500&continue=rv%2F")),
        "continue followed: {log:?}"
    );
    assert!(!stderr.contains("continue key is not valid"), "{stderr}");
    assert!(log.iter().any(|p| p == "/.well-known/openid-configuration"));
    assert!(!log.iter().any(|p| p.contains("selfsubjectaccessreviews")), "no SSAR in default mode");
    assert!(
        log.iter()
            .any(|p| p == &format!("/api/v1/namespaces/arc-runners/pods/{RUNNER}/log?container=runner&tailLines=1000")),
        "the runner container's recent log is read: {log:?}"
    );
}

#[test]
fn a_cluster_without_arc_still_works() {
    let server = seeded();
    server.set_arc_installed(false);
    let dir = tempfile::tempdir().unwrap();
    let out = check(&server.kubeconfig(dir.path()), &["-n", "arc-runners"]);
    assert!(common::stderr(&out).contains("ARC not installed here"), "{}", common::stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["chains"][0]["subject"], "arc-runners/arc-runner-set-x7c2p-runner-4h9sd",
        "runner pods are found by their label"
    );
}

#[test]
fn an_unreachable_server_fails_fast_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = std::time::Instant::now();
    let out = check(&kubeconfig_for(dir.path(), &format!("http://127.0.0.1:{port}")), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("cannot reach the Kubernetes API server") && err.contains("--demo"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn a_broken_kubeconfig_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, "apiVersion: v1\nkind: Config\nclusters: [\n").unwrap();
    let out = check(&path, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::stderr(&out);
    assert!(err.contains("kubeconfig") && err.contains("--bundle"), "{err}");
}

#[test]
fn the_guard_refuses_writes_and_secrets_before_they_leave_the_process() {
    let server = seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = server.kubeconfig(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let args = arcscope::sources::cluster::LiveArgs { kubeconfig: Some(path), ..Default::default() };
        let (client, _) = arcscope::sources::cluster::connect(&args).await.unwrap();
        for (method, path) in [
            (http::Method::POST, "/api/v1/namespaces/arc-runners/serviceaccounts/arc-runner-irsa/token"),
            (http::Method::DELETE, "/api/v1/namespaces/arc-runners/pods/p"),
            (http::Method::PATCH, "/apis/actions.github.com/v1alpha1/namespaces/arc-runners/ephemeralrunners/x"),
            (http::Method::POST, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
            (http::Method::GET, "/api/v1/namespaces/arc-runners/secrets/arc-github-app"),
        ] {
            let req = http::Request::builder().method(method.clone()).uri(path).body(b"{}".to_vec()).unwrap();
            let err = client.request_text(req).await.expect_err("refused");
            assert!(err.to_string().contains("read-only guard refused"), "{method} {path}: {err}");
        }
        // Reads pass.
        let req = http::Request::get("/api/v1/pods?limit=500").body(Vec::new()).unwrap();
        assert!(client.request_text(req).await.unwrap().contains("PodList"));
    });
    let log: Vec<(String, String)> = server.requests().into_iter().map(|r| (r.method, r.target)).collect();
    assert_eq!(
        log,
        vec![("GET".to_string(), "/api/v1/pods?limit=500".to_string())],
        "nothing refused reached the server"
    );
}

#[test]
fn a_live_cluster_joins_a_bundles_iam_and_workflows() {
    let server = seeded();
    let dir = tempfile::tempdir().unwrap();
    let kc = server.kubeconfig(dir.path());
    // The bundle holds IAM, providers and the workflow; the cluster state comes live.
    let iam = common::bundle(None);
    std::fs::remove_dir_all(iam.path().join("k8s")).unwrap();
    let out = check(&kc, &["-A", "--bundle", iam.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = v["chains"][0]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["decision"], "allow", "IRSA hop decided with the bundle's IAM and the live issuer");
    let tag = steps.iter().find(|s| s["action"] == "sts:TagSession").unwrap();
    assert_eq!(tag["decision"], "implicit_deny");
}

#[test]
fn bundle_export_round_trips_to_the_same_verdicts() {
    let server = seeded();
    let dir = tempfile::tempdir().unwrap();
    let kc = server.kubeconfig(dir.path());
    let out_dir = dir.path().join("incident");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
            .args(args)
            .env_remove("KUBERNETES_SERVICE_HOST")
            .output()
            .unwrap()
    };
    let export =
        run(&["bundle", "export", out_dir.to_str().unwrap(), "--kubeconfig", kc.to_str().unwrap(), "--no-aws"]);
    assert_eq!(export.status.code(), Some(0), "{}", common::stderr(&export));
    assert!(out_dir.join("logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd/runner.log").is_file());
    assert!(out_dir.join("cluster/openid-configuration.json").is_file());
    // The exported bundle gives the same chains as the live check.
    let summary = common::verdict_summary;
    let live = check(&kc, &[]);
    let offline = run(&["check", "--bundle", out_dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(summary(&live), summary(&offline));
    assert!(!summary(&live).is_empty());
    // No overwrite.
    let again = run(&["bundle", "export", out_dir.to_str().unwrap(), "--kubeconfig", kc.to_str().unwrap(), "--no-aws"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(common::stderr(&again).contains("not empty"));
    assert!(server.writes_or_secrets().is_empty());
}

#[test]
fn a_forbidden_cluster_wide_list_falls_back_to_the_namespaces_allowed() {
    let server = seeded();
    server.restrict("pods", &["arc-runners"]);
    let dir = tempfile::tempdir().unwrap();
    let out = check(&server.kubeconfig(dir.path()), &[]);
    let err = common::stderr(&out);
    assert!(err.contains("cannot list pods at the cluster scope (kubectl auth can-i list pods -A)"), "{err}");
    assert!(err.contains("listed them in 1 of 2 namespaces where allowed"), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["chains"][0]["subject"], "arc-runners/arc-runner-set-x7c2p-runner-4h9sd",
        "pods of the allowed namespace are found"
    );
    assert!(server.requests().iter().any(|r| r.target == "/api/v1/namespaces/arc-runners/pods?limit=500"));
    assert!(server.writes_or_secrets().is_empty());
}

#[test]
fn kube_rs_discovery_finds_arcs_group_on_the_loopback_server() {
    // The loopback server must be faithful to what kube-rs asks: /api, /apis, and each group's
    // resource list. (arcscope itself needs no discovery: a 404 says a kind is not installed.)
    let server = seeded();
    with_client(&server, async |client| {
        let discovery = kube::discovery::Discovery::new(client).run().await.expect("discovery runs");
        let arc = discovery.get("actions.github.com").expect("ARC's group is discovered");
        let kinds: Vec<String> = arc.recommended_resources().into_iter().map(|(r, _)| r.kind).collect();
        assert!(kinds.contains(&"EphemeralRunner".to_string()), "{kinds:?}");
        assert!(discovery.get("").is_some(), "the core group");
    });
    server.set_arc_installed(false);
    with_client(&server, async |client| {
        let discovery = kube::discovery::Discovery::new(client).run().await.expect("discovery runs");
        assert!(discovery.get("actions.github.com").is_none(), "no CRDs, no group");
    });
    assert!(server.writes_or_secrets().is_empty());
}

/// Nothing readable is not an empty cluster (#12.9): every list forbidden, or every list body
/// not a List, is exit 2 with the reason; an error answer is said as the server said it, with
/// its HTTP status (#12.13), never as "cannot reach".
#[test]
fn nothing_readable_is_exit_2_and_an_answer_is_reported_as_answered() {
    use common::apiserver::Fault;
    let dir = tempfile::tempdir().unwrap();

    let server = seeded();
    for r in common::apiserver::RESOURCES {
        server.restrict(r.1, &[]);
    }
    let out = check(&server.kubeconfig(dir.path()), &[]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nothing could be read from the Kubernetes API server"), "{err}");
    assert!(err.contains("pods: pods is forbidden: User \"dev\" cannot list resource \"pods\""), "{err}");

    let server = seeded();
    server.set_fault(Fault::MalformedItems);
    let out = check(&server.kubeconfig(dir.path()), &[]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("GET /api/v1/namespaces"), "names the path: {err}");
    assert!(err.contains("not a List (`items` is a string; a list's `items` is an array)"), "{err}");

    for (code, message, said) in [
        (500, "etcdserver: request timed out", "HTTP 500 InternalError: etcdserver: request timed out"),
        (401, "Unauthorized", "HTTP 401 Unauthorized: Unauthorized"),
        (410, "too old resource version", "HTTP 410"),
    ] {
        let server = seeded();
        server.set_fault(Fault::Status(code, message.into()));
        let out = check(&server.kubeconfig(dir.path()), &[]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(said), "{code}: {err}");
        assert!(!err.contains("cannot reach"), "it was reached: {err}");
        assert!(!err.contains("Status {") && !err.contains("ErrorResponse"), "no debug output: {err}");
    }
}

/// A server that hangs, drips a byte a second, answers 429 forever or streams an endless list
/// (#12.6, #12.7): `check` ends within 60 s naming the server, bounded in memory.
#[test]
fn a_hanging_dripping_throttling_or_endless_server_ends_check_in_time_with_a_message() {
    use common::apiserver::Fault;
    let runs: Vec<_> = [
        (Fault::Hang, "no complete answer within 20 s"),
        (Fault::Drip, "no complete answer within 20 s"),
        (
            Fault::Status(429, "storage is (re)initializing".into()),
            "HTTP 429 TooManyRequests: storage is (re)initializing",
        ),
        (Fault::EndlessList, "the answer passed 256 MiB and was not read further"),
    ]
    .into_iter()
    .map(|(fault, said)| {
        std::thread::spawn(move || {
            let server = seeded();
            server.set_fault(fault.clone());
            let dir = tempfile::tempdir().unwrap();
            let started = std::time::Instant::now();
            let out = check(&server.kubeconfig(dir.path()), &[]);
            let took = started.elapsed();
            let err = common::stderr(&out);
            eprintln!("{fault:?}: exit {:?} after {took:?}", out.status.code());
            assert_eq!(out.status.code(), Some(2), "{fault:?}: {err}");
            // The endless list is cut at 256 MiB; on a loaded machine the 20 s deadline may come first.
            let deadline = fault == Fault::EndlessList && err.contains("no complete answer within 20 s");
            assert!(err.contains(said) || deadline, "{fault:?}: {err}");
            assert!(err.contains(&format!("127.0.0.1:{}", server.port)), "names the server: {err}");
            assert!(took < std::time::Duration::from_secs(60), "{fault:?}: {took:?}");
        })
    })
    .collect();
    for r in runs {
        r.join().unwrap();
    }
}

/// A kubeconfig whose exec credential plugin hangs (#12.6): `check` ends within 60 s saying
/// what it waited for, instead of hanging with no word.
#[test]
fn a_hanging_credential_plugin_ends_check_with_a_message() {
    let server = seeded();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: loop\n  cluster:\n    server: {}\ncontexts:\n- name: loop\n  context:\n    cluster: loop\n    user: eks\ncurrent-context: loop\nusers:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: sleep\n      args: [\"90\"]\n      interactiveMode: Never\n",
        server.url()
    );
    std::fs::write(&path, text).unwrap();
    let started = std::time::Instant::now();
    let out = check(&path, &[]);
    let took = started.elapsed();
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(took < std::time::Duration::from_secs(60), "{took:?}");
    assert!(err.contains(&format!("no answer from the Kubernetes API server at {}", server.url())), "{err}");
    assert!(err.contains("credential plugin"), "{err}");
}

/// The recent logs read with the cluster keep their lines around an invalid UTF-8 byte
/// (#12.12): exported, the runner's log has both lines (it used to be dropped whole).
#[test]
fn an_invalid_utf8_byte_in_a_recent_log_costs_one_character() {
    let server = ApiServer::seeded();
    server.log("arc-runners", RUNNER, "runner", &["before \u{FFFF} the bad byte", "Running job: push-image"]);
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("bundle");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
        .args(["bundle", "export", out_dir.to_str().unwrap()])
        .args(["--kubeconfig", server.kubeconfig(dir.path()).to_str().unwrap(), "--no-aws"])
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap();
    let err = common::stderr(&out);
    assert!(!err.contains("logs of arc-runners"), "the log was read: {err}");
    let log = std::fs::read_to_string(out_dir.join(format!("logs/arc-runners/{RUNNER}/runner.log"))).unwrap();
    assert!(log.contains("before \u{fffd} the bad byte") && log.contains("Running job: push-image"), "{log}\n{err}");
}

/// The loopback server's own paging, as the API server's: a namespace's list in key order, a
/// continue token that holds where to go on (so a page costs its own items at 50,000 pods),
/// `remainingItemCount`, and a 400 for a token it did not give.
#[test]
fn the_loopback_server_pages_a_namespace_by_key_with_remaining_counts() {
    let server = ApiServer::start();
    for (ns, n) in [("a", 5), ("b", 3)] {
        for i in 0..n {
            server.apply(serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("p{i}"), "namespace": ns}}));
        }
    }
    server.set_page_size(2);
    with_client(&server, async |client| {
        let get = |path: String| {
            let client = client.clone();
            async move { client.request_text(http::Request::get(path).body(Vec::new()).unwrap()).await }
        };
        let (mut names, mut remaining, mut cont) = (Vec::new(), Vec::new(), None::<String>);
        loop {
            let mut path = "/api/v1/namespaces/a/pods?limit=500".to_string();
            if let Some(c) = &cont {
                path += &format!(
                    "&continue={}",
                    percent_encoding::utf8_percent_encode(c, percent_encoding::NON_ALPHANUMERIC)
                );
            }
            let v: Value = serde_json::from_str(&get(path).await.unwrap()).unwrap();
            names.extend(
                v["items"].as_array().unwrap().iter().map(|i| i["metadata"]["name"].as_str().unwrap().to_string()),
            );
            remaining.push(v["metadata"]["remainingItemCount"].as_u64());
            cont = v["metadata"]["continue"].as_str().map(str::to_string);
            if cont.is_none() {
                break;
            }
        }
        assert_eq!(names, ["p0", "p1", "p2", "p3", "p4"]);
        assert_eq!(remaining, [Some(3), Some(1), None]);
        let all: Value = serde_json::from_str(&get("/api/v1/pods?limit=500".into()).await.unwrap()).unwrap();
        assert_eq!(all["metadata"]["remainingItemCount"], 6, "cluster-wide: 8 pods, 2 on this page");
        match get("/api/v1/namespaces/a/pods?limit=2&continue=rv%2F1%2B2%3D%3D".into()).await {
            Err(kube::Error::Api(s)) => assert_eq!(s.code, 400),
            other => panic!("a token it did not give: {other:?}"),
        }
    });
}

/// arcscope's own kube client for `server` (connected as `main` connects), handed to `body` on a
/// small runtime.
fn with_client(server: &ApiServer, body: impl AsyncFnOnce(kube::Client)) {
    let dir = tempfile::tempdir().unwrap();
    let args =
        arcscope::sources::cluster::LiveArgs { kubeconfig: Some(server.kubeconfig(dir.path())), ..Default::default() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (client, _) = arcscope::sources::cluster::connect(&args).await.unwrap();
        body(client).await
    });
}

/// A kubernetes-mode variant's `kinds` on the seeded server, checked live with the seed's IAM
/// and workflow, then exported and that bundle (with the same IAM and workflow beside it) checked
/// again. Returns the server, the runner's chain as checked live, and both outputs.
fn kube_mode_live_and_exported(
    variant: &str,
    kinds: &[&str],
) -> (ApiServer, Value, std::process::Output, std::process::Output) {
    let server = seeded();
    let text =
        std::fs::read_to_string(common::fixtures().join(format!("variants/{variant}/k8s/arc-runners.json"))).unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    for kind in kinds {
        server.apply(list["items"].as_array().unwrap().iter().find(|i| i["kind"] == *kind).unwrap().clone());
    }
    let dir = tempfile::tempdir().unwrap();
    let kc = server.kubeconfig(dir.path());
    let iam = common::bundle(None);
    std::fs::remove_dir_all(iam.path().join("k8s")).unwrap();
    let live = check(&kc, &["--bundle", iam.path().to_str().unwrap()]);
    let v: Value = serde_json::from_slice(&live.stdout).unwrap_or_else(|_| panic!("{}", common::stderr(&live)));
    let chain = v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["subject"].as_str().unwrap().ends_with(RUNNER))
        .unwrap()
        .clone();
    let out_dir = dir.path().join("incident");
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
        .args(["bundle", "export", out_dir.to_str().unwrap(), "--kubeconfig", kc.to_str().unwrap(), "--no-aws"])
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap();
    assert_eq!(export.status.code(), Some(0), "{}", common::stderr(&export));
    for sub in ["iam", "workflows"] {
        std::fs::create_dir_all(out_dir.join(sub)).unwrap();
        common::copy_tree(&iam.path().join(sub), &out_dir.join(sub));
    }
    let offline = std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
        .args(["check", "--bundle", out_dir.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    (server, chain, live, offline)
}

/// R38 live: a kubernetes-mode runner (the hooks' env on its runner container, no hook template)
/// checks live as job_pod_identity — the job pod runs as `default` — and the bundle exported
/// from that cluster checks the same.
#[test]
fn a_kubernetes_mode_runner_checks_the_same_live_and_exported() {
    let (server, c, live, offline) = kube_mode_live_and_exported("kubernetes-mode", &["Pod"]);
    assert_eq!(c["steps"][0]["decided_by"], "job_pod_identity", "{c}");
    assert_eq!(common::verdict_summary(&live), common::verdict_summary(&offline));
    assert!(server.writes_or_secrets().is_empty());
}

/// R38 live: with a hook template, the namespace's ConfigMaps are read (one GET, never a
/// Secret) and the job pod's service account is the template's — live and in the exported bundle.
#[test]
fn a_hook_template_is_read_live_and_exported() {
    let (server, c, live, offline) = kube_mode_live_and_exported("kubernetes-mode-template", &["Pod", "ConfigMap"]);
    assert_eq!(c["service_account"], "arc-runners/arc-runner-irsa", "the template's account: {c}");
    assert_eq!(c["steps"][0]["decision"], "allow", "{c}");
    assert!(server.requests().iter().any(|r| r.target.starts_with("/api/v1/namespaces/arc-runners/configmaps")));
    assert_eq!(common::verdict_summary(&live), common::verdict_summary(&offline));
    assert!(server.writes_or_secrets().is_empty());
}
