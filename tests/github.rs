//! GitHub job logs against a loopback server that answers with GitHub's real response shapes:
//! paginated jobs (with a `Link` header to the `/repositories/{id}/…` form), the 302 redirect
//! to a log download on another origin, 404 for a job still running, 401 for a bad token. The
//! server records every request, so the tests prove GET-only, the token sent to the API only,
//! and the token never printed.

mod common;

use serde_json::{Value, json};
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    port: u16,
}

type Log = Arc<Mutex<Vec<Seen>>>;

const TOKEN: &str = "ghp_arcscopeTestToken0123456789abcdef";
const RUN: i64 = 15230098877;
const RUNNER: &str = "arc-runner-set-x7c2p-runner-4h9sd";

fn job(id: i64, name: &str, runner: &str, status: &str, conclusion: Option<&str>) -> Value {
    json!({
        "id": id, "run_id": RUN, "workflow_name": "deploy", "head_branch": "main",
        "run_url": format!("https://api.github.com/repos/my-org/payments-api/actions/runs/{RUN}"),
        "run_attempt": 1, "node_id": "CR_kwDOABCD", "head_sha": "f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0",
        "url": format!("https://api.github.com/repos/my-org/payments-api/actions/jobs/{id}"),
        "html_url": format!("https://github.com/my-org/payments-api/actions/runs/{RUN}/job/{id}"),
        "status": status, "conclusion": conclusion,
        "created_at": "2026-06-20T10:15:30Z", "started_at": "2026-06-20T10:15:41Z", "completed_at": if status == "completed" { json!("2026-06-20T10:18:02Z") } else { Value::Null },
        "name": name, "steps": [{"name": "Set up job", "status": "completed", "conclusion": "success", "number": 1, "started_at": "2026-06-20T10:15:41Z", "completed_at": "2026-06-20T10:15:42Z"}],
        "check_run_url": format!("https://api.github.com/repos/my-org/payments-api/check-runs/{id}"),
        "labels": ["arc-runner-set"], "runner_id": 1841, "runner_name": runner, "runner_group_id": 1, "runner_group_name": "Default"
    })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// Serve GitHub's API on one port and the log blob store on another.
fn serve(job_log: String, running_job: bool) -> (u16, Log) {
    let api = TcpListener::bind("127.0.0.1:0").unwrap();
    let blob = TcpListener::bind("127.0.0.1:0").unwrap();
    let (api_port, blob_port) = (api.local_addr().unwrap().port(), blob.local_addr().unwrap().port());
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    for (listener, port) in [(api, api_port), (blob, blob_port)] {
        let log = log.clone();
        let job_log = job_log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let Some(req) = common::read_request(&mut reader) else { continue };
                let authorization = req.header("authorization").map(str::to_string);
                let (method, path) = (req.method, req.target);
                log.lock().unwrap().push(Seen {
                    method: method.clone(),
                    path: path.clone(),
                    authorization: authorization.clone(),
                    port,
                });
                let json_h = || {
                    vec![
                        ("Content-Type", "application/json; charset=utf-8".to_string()),
                        ("X-GitHub-Api-Version-Selected", "2022-11-28".to_string()),
                    ]
                };
                if port == blob_port {
                    let mut body = "\u{feff}".to_string();
                    body.push_str(&job_log);
                    respond(
                        &mut stream,
                        "200 OK",
                        &[("Content-Type", "text/plain; charset=utf-8".into())],
                        body.as_bytes(),
                    );
                    continue;
                }
                if authorization.as_deref() != Some(&format!("Bearer {TOKEN}")) {
                    let body = json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"});
                    respond(&mut stream, "401 Unauthorized", &json_h(), body.to_string().as_bytes());
                    continue;
                }
                let jobs_path = format!("/repos/my-org/payments-api/actions/runs/{RUN}/jobs");
                if path.starts_with(&jobs_path) {
                    // Page 1: 100 jobs on other runners; GitHub's Link uses /repositories/{id}.
                    let jobs: Vec<Value> = (0..100)
                        .map(|i| {
                            job(
                                40_000_000_000 + i,
                                &format!("matrix ({i})"),
                                &format!("arc-runner-set-x7c2p-runner-o{i:04}"),
                                "completed",
                                Some("success"),
                            )
                        })
                        .collect();
                    let next = format!(
                        "http://127.0.0.1:{api_port}/repositories/912345678/actions/runs/{RUN}/jobs?filter=all&per_page=100&page=2"
                    );
                    let mut h = json_h();
                    h.push(("Link", format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"")));
                    respond(
                        &mut stream,
                        "200 OK",
                        &h,
                        json!({"total_count": 101, "jobs": jobs}).to_string().as_bytes(),
                    );
                } else if path.starts_with(&format!("/repositories/912345678/actions/runs/{RUN}/jobs"))
                    && path.contains("page=2")
                {
                    let (status, conclusion) =
                        if running_job { ("in_progress", None) } else { ("completed", Some("failure")) };
                    let prev = format!(
                        "http://127.0.0.1:{api_port}/repositories/912345678/actions/runs/{RUN}/jobs?filter=all&per_page=100&page=1"
                    );
                    let mut h = json_h();
                    h.push(("Link", format!("<{prev}>; rel=\"prev\", <{prev}>; rel=\"first\"")));
                    respond(&mut stream, "200 OK", &h, json!({"total_count": 101, "jobs": [job(45_812_345_678, "push-image", RUNNER, status, conclusion)]}).to_string().as_bytes());
                } else if path == "/repos/my-org/payments-api/actions/jobs/45812345678/logs" {
                    if running_job {
                        let body = json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/actions/workflow-jobs#download-job-logs-for-a-workflow-run", "status": "404"});
                        respond(&mut stream, "404 Not Found", &json_h(), body.to_string().as_bytes());
                    } else {
                        let location = format!(
                            "http://127.0.0.1:{blob_port}/actions-results/5c1e9d7a/workflow-job-run-3b2f/logs/job/job-logs.txt?rsct=text%2Fplain&se=2026-06-20T10%3A20%3A00Z&sig=Zm9vYmFy&sp=r&spr=https&sr=b&sv=2025-01-05"
                        );
                        respond(&mut stream, "302 Found", &[("Location", location)], b"");
                    }
                } else {
                    let body = json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"});
                    respond(&mut stream, "404 Not Found", &json_h(), body.to_string().as_bytes());
                }
            }
        });
    }
    (api_port, log)
}

/// The seed bundle plus the busy EphemeralRunner whose status names the run.
fn bundle_with_runner() -> tempfile::TempDir {
    let dir = common::bundle(None);
    let er = json!({"apiVersion": "actions.github.com/v1alpha1", "kind": "EphemeralRunner",
        "metadata": {"name": RUNNER, "namespace": "arc-runners", "labels": {"actions.github.com/scale-set-name": "arc-runner-set", "actions.github.com/scale-set-namespace": "arc-runners"}},
        "spec": {"spec": {"serviceAccountName": "arc-runner-irsa", "containers": [{"name": "runner"}]}},
        "status": {"phase": "Running", "ready": true, "runnerId": 1841, "runnerName": RUNNER, "jobRepositoryName": "my-org/payments-api",
                   "jobWorkflowRef": "my-org/payments-api/.github/workflows/deploy.yml@refs/heads/main", "workflowRunId": RUN, "jobDisplayName": "push-image"}});
    std::fs::write(dir.path().join("k8s/ephemeralrunner.json"), er.to_string()).unwrap();
    dir
}

fn explain(api_port: u16, dir: &std::path::Path, token: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_arcscope"));
    cmd.args([
        "explain",
        "--bundle",
        dir.to_str().unwrap(),
        "--runner",
        &format!("arc-runners/{RUNNER}"),
        "--format",
        "json",
    ])
    .arg("--github-api-url")
    .arg(format!("http://127.0.0.1:{api_port}"))
    .env_remove("GITHUB_TOKEN")
    .env("PATH", "/nonexistent") // no `gh` fallback in tests
    .env("NO_COLOR", "1");
    if let Some(t) = token {
        cmd.env("GITHUB_TOKEN", t);
    }
    cmd.output().unwrap()
}

#[test]
fn fetches_the_runners_job_log_and_links_it() {
    let log = std::fs::read_to_string(common::fixtures().join("logs/v4-tagsession.log")).unwrap();
    let (port, seen) = serve(log, false);
    let dir = bundle_with_runner();
    let out = explain(port, dir.path(), Some(TOKEN));
    let (stdout, stderr) = (common::stdout(&out), common::stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let attempts = v["folded"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["sample"].as_str().unwrap().ends_with("Assuming role with user credentials"))
        .unwrap();
    assert_eq!(attempts["count"], 12);
    let tag = v["findings"].as_array().unwrap().iter().find(|f| f["signature"] == "sts-tag-session-denied").unwrap();
    assert_eq!(tag["linked_step"]["action"], "sts:TagSession");
    assert!(
        tag["source"]
            .as_str()
            .unwrap()
            .starts_with("github:my-org/payments-api/actions/runs/15230098877/job/45812345678")
    );
    // The first line of GitHub's log starts with a BOM; it is not part of the sample.
    assert!(v["folded"][0]["sample"].as_str().unwrap().starts_with("2026-06-20T"));

    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().all(|s| s.method == "GET"), "read-only: {seen:?}");
    let api: Vec<&Seen> = seen.iter().filter(|s| s.port == port).collect();
    assert_eq!(api.len(), 3, "two pages of jobs and the log redirect: {api:?}");
    assert_eq!(api[0].path, "/repos/my-org/payments-api/actions/runs/15230098877/jobs?filter=all&per_page=100");
    assert!(
        api[1].path.starts_with("/repositories/912345678/") && api[1].path.ends_with("page=2"),
        "Link rel=next followed"
    );
    assert_eq!(api[2].path, "/repos/my-org/payments-api/actions/jobs/45812345678/logs");
    assert!(api.iter().all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))));
    let blob: Vec<&Seen> = seen.iter().filter(|s| s.port != port).collect();
    assert_eq!(blob.len(), 1);
    assert_eq!(blob[0].authorization, None, "the token is never sent to the download host");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
}

#[test]
fn a_running_job_is_a_clear_404_message() {
    let (port, _) = serve(String::new(), true);
    let dir = bundle_with_runner();
    let out = explain(port, dir.path(), Some(TOKEN));
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("not available yet"), "{}", common::stderr(&out));
}

#[test]
fn a_bad_token_is_named_but_never_printed() {
    let (port, _) = serve(String::new(), false);
    let dir = bundle_with_runner();
    let bad = "ghp_wrongTokenValue999";
    let out = explain(port, dir.path(), Some(bad));
    let all = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert_eq!(out.status.code(), Some(2));
    assert!(all.contains("401") && all.contains("Bad credentials") && all.contains("GITHUB_TOKEN"), "{all}");
    assert!(!all.contains(bad));
}

#[test]
fn no_token_says_how_to_set_one_and_nothing_else_breaks() {
    let (port, seen) = serve(String::new(), false);
    let dir = bundle_with_runner();
    let out = explain(port, dir.path(), None);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("set GITHUB_TOKEN"));
    let _: Value = serde_json::from_slice(&out.stdout).expect("the report is still printed");
    assert!(seen.lock().unwrap().is_empty(), "no request without a token");
}

#[test]
fn an_unreachable_github_is_named_with_its_cause_and_the_token_is_not() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = bundle_with_runner();
    let out = explain(port, dir.path(), Some(TOKEN));
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("cannot reach GitHub at http://127.0.0.1:{port}/")), "{err}");
    assert!(err.to_lowercase().contains("connection refused"), "the cause, not only `client error`: {err}");
    assert!(!err.contains(TOKEN));
}
