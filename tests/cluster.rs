//! Live Kubernetes against a loopback server that speaks the API's list protocol: typed lists
//! with `resourceVersion`, `limit`/`continue` paging (the server may return fewer items than
//! asked, as the API allows), `Status` errors (403, 404), the issuer discovery document, and a
//! log of every request — which proves the default mode sends only GETs and never reads Secrets.

mod common;

use serde_json::{Value, json};
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy)]
struct Scenario {
    arc_installed: bool,
    events_forbidden: bool,
    page_size: usize,
    /// Pods may be listed only in arc-runners (RBAC fallback).
    pods_rbac: bool,
}

type Log = Arc<Mutex<Vec<(String, String)>>>;

fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code})
}

/// Items of the seed fixture by kind.
fn seed_items() -> Vec<Value> {
    let text = std::fs::read_to_string(common::fixtures().join("seed/k8s/arc-runners.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["items"].as_array().unwrap().clone()
}

fn list(kind: &str, api_version: &str, items: Vec<Value>, cont: Option<String>) -> Value {
    let mut meta = json!({"resourceVersion": "48213"});
    if let Some(c) = cont {
        meta["continue"] = json!(c);
    }
    json!({"kind": format!("{kind}List"), "apiVersion": api_version, "metadata": meta, "items": items})
}

fn serve(sc: Scenario) -> (u16, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                while let Some(req) = common::read_request(&mut reader) {
                    let (method, target) = (req.method, req.target);
                    seen.lock().unwrap().push((method.clone(), target.clone()));
                    let (code, value) = route(sc, &method, &target);
                    let (body, content_type) = match value.as_str() {
                        Some(text) => (text.to_string(), "text/plain"),
                        None => (value.to_string(), "application/json"),
                    };
                    let reason = match code {
                        200 => "OK",
                        403 => "Forbidden",
                        404 => "Not Found",
                        _ => "Method Not Allowed",
                    };
                    let head = format!(
                        "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    if stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, log)
}

fn route(sc: Scenario, method: &str, target: &str) -> (u16, Value) {
    if method != "GET" {
        return (405, status(405, "MethodNotAllowed", "the loopback server only serves reads"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let param = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .map(|v| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    };
    // Namespaced lists (`/api/v1/namespaces/NS/pods`) serve that namespace's objects.
    let (path, ns) = match path.split_once("/namespaces/") {
        Some((group, rest)) if rest.contains('/') => {
            let (ns, plural) = rest.split_once('/').unwrap();
            (format!("{group}/{plural}"), Some(ns.to_string()))
        }
        _ => (path.to_string(), None),
    };
    let path = path.as_str();
    let items = seed_items();
    let of = |kind: &str| {
        items
            .iter()
            .filter(|i| i["kind"] == kind && ns.as_deref().is_none_or(|n| i["metadata"]["namespace"] == n))
            .cloned()
            .collect::<Vec<_>>()
    };
    let paged = |kind: &str, api: &str, all: Vec<Value>| {
        let start: usize =
            param("continue").and_then(|c| c.strip_prefix("offset-").and_then(|n| n.parse().ok())).unwrap_or(0);
        let limit: usize = param("limit").and_then(|l| l.parse().ok()).unwrap_or(usize::MAX).min(sc.page_size);
        let end = (start + limit).min(all.len());
        let cont = (end < all.len()).then(|| format!("offset-{end}"));
        (200, list(kind, api, all[start..end].to_vec(), cont))
    };
    match path {
        "/api/v1/namespaces" => (
            200,
            list(
                "Namespace",
                "v1",
                vec![json!({"metadata": {"name": "arc-runners"}}), json!({"metadata": {"name": "arc-systems"}})],
                None,
            ),
        ),
        "/api/v1/pods" if sc.pods_rbac && ns.as_deref() != Some("arc-runners") => {
            let scope = match &ns {
                Some(n) => format!("in the namespace \"{n}\""),
                None => "at the cluster scope".to_string(),
            };
            (
                403,
                status(
                    403,
                    "Forbidden",
                    &format!("pods is forbidden: User \"dev\" cannot list resource \"pods\" in API group \"\" {scope}"),
                ),
            )
        }
        "/api/v1/pods" => paged("Pod", "v1", of("Pod")),
        "/api/v1/serviceaccounts" => paged("ServiceAccount", "v1", of("ServiceAccount")),
        "/api/v1/events" if sc.events_forbidden => (
            403,
            status(
                403,
                "Forbidden",
                "events is forbidden: User \"dev\" cannot list resource \"events\" in API group \"\" at the cluster scope",
            ),
        ),
        "/api/v1/events" => (200, list("Event", "v1", vec![], None)),
        p if p.starts_with("/apis/actions.github.com/v1alpha1/") && sc.arc_installed => {
            let plural = p.rsplit('/').next().unwrap_or("");
            let kind = match plural {
                "autoscalingrunnersets" => "AutoscalingRunnerSet",
                "ephemeralrunnersets" => "EphemeralRunnerSet",
                "ephemeralrunners" => "EphemeralRunner",
                _ => "AutoscalingListener",
            };
            paged(kind, "actions.github.com/v1alpha1", of(kind))
        }
        p if p.starts_with("/api/v1/pods/") && p.ends_with("/log") => {
            // `kubectl logs`: text, not JSON (the test wraps it in a JSON string for the helper).
            let container = param("container").unwrap_or_default();
            assert_eq!(param("tailLines").as_deref(), Some("1000"));
            (
                200,
                json!(format!(
                    "√ Connected to GitHub\nCurrent runner version: '2.334.0'\n2026-06-20 10:15:41Z: Running job: push-image\n2026-06-20 10:18:02Z: Job push-image completed with result: Failed\n[{container}]\n"
                )),
            )
        }
        "/.well-known/openid-configuration" => (
            200,
            json!({"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/AB12CD34EF56AB12CD34EF56AB12CD34", "jwks_uri": "https://ip-172-16-0-1.eu-west-1.compute.internal:443/openid/v1/jwks", "response_types_supported": ["id_token"], "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]}),
        ),
        _ => (404, status(404, "NotFound", &format!("the server could not find the requested resource ({path})"))),
    }
}

fn kubeconfig(dir: &std::path::Path, server: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: loop\n  cluster:\n    server: {server}\ncontexts:\n- name: loop\n  context:\n    cluster: loop\n    user: tester\ncurrent-context: loop\nusers:\n- name: tester\n  user:\n    token: loopback-token\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn check(kubeconfig: &std::path::Path, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
        .args(["check", "--kubeconfig", kubeconfig.to_str().unwrap(), "--format", "json"])
        .args(extra)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap()
}

#[test]
fn live_check_lists_everything_with_gets_only_and_never_secrets() {
    let (port, log) = serve(Scenario { arc_installed: true, events_forbidden: true, page_size: 1, pods_rbac: false });
    let dir = tempfile::tempdir().unwrap();
    let out = check(&kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}")), &[]);
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

    let log = log.lock().unwrap().clone();
    assert!(log.iter().all(|(m, _)| m == "GET"), "read-only: {log:?}");
    assert!(log.iter().all(|(_, p)| !p.contains("secrets")), "no Secret is ever requested");
    assert!(log.iter().any(|(_, p)| p == "/api/v1/pods?limit=500"));
    assert!(
        log.iter().any(|(_, p)| p.starts_with("/api/v1/serviceaccounts?limit=500&continue=offset-1")),
        "continue followed: {log:?}"
    );
    assert!(log.iter().any(|(_, p)| p == "/.well-known/openid-configuration"));
    assert!(!log.iter().any(|(_, p)| p.contains("selfsubjectaccessreviews")), "no SSAR in default mode");
    assert!(
        log.iter().any(|(_, p)| p == "/api/v1/namespaces/arc-runners/pods/arc-runner-set-x7c2p-runner-4h9sd/log?container=runner&tailLines=1000"),
        "the runner container's recent log is read: {log:?}"
    );
}

#[test]
fn a_cluster_without_arc_still_works() {
    let (port, _) = serve(Scenario { arc_installed: false, events_forbidden: false, page_size: 500, pods_rbac: false });
    let dir = tempfile::tempdir().unwrap();
    let out = check(&kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}")), &["-n", "arc-runners"]);
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
    let out = check(&kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}")), &[]);
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
    let (port, log) =
        serve(Scenario { arc_installed: true, events_forbidden: false, page_size: 500, pods_rbac: false });
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
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
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log,
        vec![("GET".to_string(), "/api/v1/pods?limit=500".to_string())],
        "nothing refused reached the server"
    );
}

#[test]
fn a_live_cluster_joins_a_bundles_iam_and_workflows() {
    let (port, _) = serve(Scenario { arc_installed: true, events_forbidden: false, page_size: 500, pods_rbac: false });
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
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
    let (port, log) =
        serve(Scenario { arc_installed: true, events_forbidden: false, page_size: 500, pods_rbac: false });
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}"));
    let out_dir = dir.path().join("incident");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"))
            .args(args)
            .env_remove("KUBERNETES_SERVICE_HOST")
            .output()
            .unwrap()
    };
    let export = run(&["bundle", "export", out_dir.to_str().unwrap(), "--kubeconfig", kc.to_str().unwrap()]);
    assert_eq!(export.status.code(), Some(0), "{}", common::stderr(&export));
    assert!(out_dir.join("logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd/runner.log").is_file());
    assert!(out_dir.join("cluster/openid-configuration.json").is_file());
    // The exported bundle gives the same chains as the live check.
    // subject, verdict, and (action, decision, decided_by) of every step, one line per chain.
    let summary = |o: &std::process::Output| -> Vec<String> {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v["chains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let steps: Vec<String> = c["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| format!("{} {} {}", s["action"], s["decision"], s["decided_by"]))
                    .collect();
                format!("{} {} [{}]", c["subject"], c["verdict"], steps.join(", "))
            })
            .collect()
    };
    let live = check(&kc, &[]);
    let offline = run(&["check", "--bundle", out_dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(summary(&live), summary(&offline));
    assert!(!summary(&live).is_empty());
    // No overwrite.
    let again = run(&["bundle", "export", out_dir.to_str().unwrap(), "--kubeconfig", kc.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(common::stderr(&again).contains("not empty"));
    assert!(log.lock().unwrap().iter().all(|(m, p)| m == "GET" && !p.contains("secrets")));
}

#[test]
fn a_forbidden_cluster_wide_list_falls_back_to_the_namespaces_allowed() {
    let (port, log) = serve(Scenario { arc_installed: true, events_forbidden: false, page_size: 500, pods_rbac: true });
    let dir = tempfile::tempdir().unwrap();
    let out = check(&kubeconfig(dir.path(), &format!("http://127.0.0.1:{port}")), &[]);
    let err = common::stderr(&out);
    assert!(err.contains("cannot list pods at the cluster scope (kubectl auth can-i list pods -A)"), "{err}");
    assert!(err.contains("listed them in 1 of 2 namespaces where allowed"), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["chains"][0]["subject"], "arc-runners/arc-runner-set-x7c2p-runner-4h9sd",
        "pods of the allowed namespace are found"
    );
    let log = log.lock().unwrap().clone();
    assert!(log.iter().any(|(_, p)| p == "/api/v1/namespaces/arc-runners/pods?limit=500"));
    assert!(log.iter().all(|(m, _)| m == "GET"));
}
