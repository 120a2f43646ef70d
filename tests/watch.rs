//! Live updates against a loopback API server that streams watches the way the API does: a
//! list with a `resourceVersion`, then a chunked stream of `{"type": ADDED|MODIFIED|DELETED|
//! BOOKMARK|ERROR, "object": …}` lines; `ERROR` with a 410 Status when the version expired; the
//! server may drop the connection. The test drives changes and checks the UI store follows.

mod common;

use serde_json::{Value, json};
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arcscope::app::App;
use arcscope::app::keymap::Keymap;
use arcscope::sources::watch::{Change, StoreEvent};
use arcscope::ui::theme::Theme;

#[derive(Default)]
struct Server {
    pods: Vec<Value>,
    rv: u64,
    /// Watch event lines for pods, in order.
    events: Vec<String>,
    /// Bumped to make every open watch connection close.
    drops: u64,
    /// The runner container's log: `<RFC3339Nano> <text>` lines.
    log_lines: Vec<String>,
    log: Vec<(String, String)>,
}

type Shared = Arc<Mutex<Server>>;

fn seed_pod() -> Value {
    let text = std::fs::read_to_string(common::fixtures().join("seed/k8s/arc-runners.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["items"].as_array().unwrap().iter().find(|i| i["kind"] == "Pod").unwrap().clone()
}

fn serve(state: Shared) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let state = state.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                while let Some(req) = common::read_request(&mut reader) {
                    let (method, target) = (req.method, req.target);
                    state.lock().unwrap().log.push((method.clone(), target.clone()));
                    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                    if path.ends_with("/log") && !query.contains("follow=true") {
                        // A plain `kubectl logs --tail`: the lines, then the response ends.
                        let body: String = state
                            .lock()
                            .unwrap()
                            .log_lines
                            .iter()
                            .map(|l| format!("{}\n", l.split_once(' ').map_or(l.as_str(), |(_, t)| t)))
                            .collect();
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        if stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).is_err() {
                            return;
                        }
                        continue;
                    }
                    if path.ends_with("/log") {
                        // `kubectl logs -f --timestamps`: tailLines or sinceTime (second precision), then follow.
                        let since = query
                            .split('&')
                            .find_map(|kv| kv.strip_prefix("sinceTime="))
                            .map(|v| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned());
                        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
                        if stream.write_all(head.as_bytes()).is_err() {
                            return;
                        }
                        let drops = state.lock().unwrap().drops;
                        let mut next = {
                            let st = state.lock().unwrap();
                            match &since {
                                Some(t) => {
                                    st.log_lines.iter().position(|l| l[..19] >= t[..19]).unwrap_or(st.log_lines.len())
                                }
                                None => 0,
                            }
                        };
                        loop {
                            std::thread::sleep(Duration::from_millis(20));
                            let (lines, dropped) = {
                                let st = state.lock().unwrap();
                                (st.log_lines[next.min(st.log_lines.len())..].to_vec(), st.drops != drops)
                            };
                            for l in &lines {
                                let chunk = format!("{:x}\r\n{l}\n\r\n", l.len() + 1);
                                if stream.write_all(chunk.as_bytes()).is_err() {
                                    return;
                                }
                            }
                            next += lines.len();
                            if dropped {
                                return;
                            }
                        }
                    }
                    let watch = query.contains("watch=1");
                    if !watch {
                        let st = state.lock().unwrap();
                        let (kind, api, items) = match path {
                            "/api/v1/pods" => ("PodList", "v1", st.pods.clone()),
                            "/api/v1/serviceaccounts" => ("ServiceAccountList", "v1", vec![]),
                            _ => ("EphemeralRunnerList", "actions.github.com/v1alpha1", vec![]),
                        };
                        let body = json!({"kind": kind, "apiVersion": api, "metadata": {"resourceVersion": st.rv.to_string()}, "items": items}).to_string();
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        if stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).is_err() {
                            return;
                        }
                        continue;
                    }
                    // A watch: chunked, one JSON event per line, until dropped.
                    let head =
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                    if stream.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                    let (mut next, drops) = {
                        let st = state.lock().unwrap();
                        (if path == "/api/v1/pods" { st.events.len() } else { usize::MAX }, st.drops)
                    };
                    loop {
                        std::thread::sleep(Duration::from_millis(20));
                        let (lines, dropped) = {
                            let st = state.lock().unwrap();
                            let lines: Vec<String> = if next == usize::MAX {
                                vec![]
                            } else {
                                st.events[next.min(st.events.len())..].to_vec()
                            };
                            (lines, st.drops != drops)
                        };
                        for l in &lines {
                            let chunk = format!("{:x}\r\n{l}\n\r\n", l.len() + 1);
                            if stream.write_all(chunk.as_bytes()).is_err() {
                                return;
                            }
                        }
                        if next != usize::MAX {
                            next += lines.len();
                        }
                        if dropped {
                            return; // the connection drops mid-stream
                        }
                    }
                }
            });
        }
    });
    port
}

/// The test's side of the API: change the server's state and emit the watch event.
fn emit(state: &Shared, kind: &str, pod: Option<Value>) {
    let mut st = state.lock().unwrap();
    st.rv += 1;
    let rv = st.rv.to_string();
    let line = match pod {
        Some(mut p) => {
            p["metadata"]["resourceVersion"] = json!(rv);
            let name = p["metadata"]["name"].clone();
            st.pods.retain(|x| x["metadata"]["name"] != name);
            if kind != "DELETED" {
                st.pods.push(p.clone());
            }
            json!({"type": kind, "object": p})
        }
        None => {
            json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "too old resource version: 1 (5)", "reason": "Expired", "code": 410}})
        }
    };
    st.events.push(line.to_string());
}

/// Apply events to the app until `done` holds (or fail after a few seconds).
fn pump(app: &mut App, rx: &Receiver<StoreEvent>, seen: &mut Vec<String>, done: impl Fn(&App, &[String]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(app, seen) {
        assert!(Instant::now() < deadline, "timed out; events so far: {seen:?}");
        if let Ok(ev) = rx.recv_timeout(Duration::from_millis(100)) {
            let label = match &ev.change {
                Change::Applied(_) => format!("{} applied", ev.kind),
                Change::Deleted { name, .. } => format!("{} deleted {name}", ev.kind),
                Change::Relisted(items) => format!("{} relisted {}", ev.kind, items.len()),
                Change::State(s) => format!("{} {s}", ev.kind),
                Change::LogLine { line, .. } => format!("log {line}"),
            };
            seen.push(label);
            app.apply(ev);
        }
    }
}

#[test]
fn the_store_follows_adds_changes_deletes_410_and_dropped_watches() {
    let state: Shared = Arc::new(Mutex::new(Server { pods: vec![seed_pod()], rv: 10, ..Server::default() }));
    let port = serve(state.clone());
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, format!("apiVersion: v1\nkind: Config\nclusters:\n- name: l\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: l\n  context:\n    cluster: l\n    user: u\ncurrent-context: l\nusers:\n- name: u\n  user:\n    token: t\n")).unwrap();

    // IAM and workflows from a bundle; the cluster state only from the watch.
    let iam = common::bundle(None);
    std::fs::remove_dir_all(iam.path().join("k8s")).unwrap();
    let inv = arcscope::sources::bundle::load_dir(iam.path()).unwrap();
    let mut app = App::new(inv, Theme::built_in("dark").unwrap(), Keymap::default(), "2026-06-20T12:00:00Z".into());
    assert!(app.chains.is_empty());
    let (tx, rx) = std::sync::mpsc::channel();
    let args = arcscope::sources::cluster::LiveArgs { kubeconfig: Some(kc), ..Default::default() };
    arcscope::sources::watch::spawn(args, app.generation, tx);
    let mut seen = Vec::new();

    pump(&mut app, &rx, &mut seen, |a, s| a.inv.pods.len() == 1 && s.iter().any(|e| e == "Pod watching"));
    assert_eq!(app.chains.len(), 1, "the pod's chain is simulated as soon as it is listed");
    assert_eq!(app.chains[0].verdict, arcscope::chain::Verdict::Deny);

    let mut second = seed_pod();
    second["metadata"]["name"] = json!("arc-runner-set-x7c2p-runner-zz9kq");
    second["metadata"]["ownerReferences"][0]["name"] = json!("arc-runner-set-x7c2p-runner-zz9kq");
    emit(&state, "ADDED", Some(second.clone()));
    pump(&mut app, &rx, &mut seen, |a, _| a.inv.pods.len() == 2);
    assert_eq!(app.chains.len(), 2);

    let mut changed = seed_pod();
    changed["status"]["phase"] = json!("Succeeded");
    emit(&state, "MODIFIED", Some(changed));
    pump(&mut app, &rx, &mut seen, |a, _| a.inv.pods.iter().any(|p| p.status.phase.as_deref() == Some("Succeeded")));
    assert_eq!(app.inv.pods.len(), 2, "a modification replaces, never duplicates");

    emit(&state, "DELETED", Some(second));
    pump(&mut app, &rx, &mut seen, |a, _| a.inv.pods.len() == 1);

    // 410 Gone: the watcher relists and the store equals the server's state.
    let relists = seen.iter().filter(|e| e.starts_with("Pod relisted")).count();
    emit(&state, "ERROR", None);
    pump(&mut app, &rx, &mut seen, |_, s| s.iter().filter(|e| e.starts_with("Pod relisted")).count() > relists);
    assert_eq!(app.inv.pods.len(), state.lock().unwrap().pods.len());

    // A dropped watch: the watcher comes back from the last version it saw, without a relist.
    let relists = seen.iter().filter(|e| e.starts_with("Pod relisted")).count();
    let watches_before =
        state.lock().unwrap().log.iter().filter(|(_, p)| p.starts_with("/api/v1/pods?watch=1")).count();
    state.lock().unwrap().drops += 1;
    let deadline = Instant::now() + Duration::from_secs(10);
    while state.lock().unwrap().log.iter().filter(|(_, p)| p.starts_with("/api/v1/pods?watch=1")).count()
        <= watches_before
    {
        assert!(Instant::now() < deadline, "no rewatch after the drop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let rv = state.lock().unwrap().rv.to_string();
    let last_watch =
        state.lock().unwrap().log.iter().rev().find(|(_, p)| p.starts_with("/api/v1/pods?watch=1")).unwrap().1.clone();
    assert!(last_watch.ends_with(&format!("resourceVersion={rv}")), "rewatched from the last version: {last_watch}");
    let mut added_after_drop = seed_pod();
    added_after_drop["metadata"]["name"] = json!("arc-runner-set-x7c2p-runner-after");
    emit(&state, "ADDED", Some(added_after_drop));
    pump(&mut app, &rx, &mut seen, |a, _| a.inv.pods.len() == 2);
    assert_eq!(seen.iter().filter(|e| e.starts_with("Pod relisted")).count(), relists, "no relist for a plain drop");

    assert!(state.lock().unwrap().log.iter().all(|(m, p)| m == "GET" && !p.contains("secrets")), "read-only");
}

#[test]
fn a_followed_log_reconnects_without_duplicates_or_gaps() {
    let lines = |from: usize, n: usize| -> Vec<String> {
        (from..from + n).map(|i| format!("2026-06-20T10:15:{:02}.{:09}Z line {i}", 40 + i / 3, i % 3)).collect()
    };
    let state: Shared =
        Arc::new(Mutex::new(Server { pods: vec![seed_pod()], rv: 1, log_lines: lines(0, 3), ..Server::default() }));
    let port = serve(state.clone());
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, format!("apiVersion: v1\nkind: Config\nclusters:\n- name: l\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: l\n  context:\n    cluster: l\n    user: u\ncurrent-context: l\nusers:\n- name: u\n  user:\n    token: t\n")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let target = arcscope::sources::logstream::LogTarget {
        namespace: "arc-runners".into(),
        pod: "arc-runner-set-x7c2p-runner-4h9sd".into(),
        container: "runner".into(),
    };
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let args = arcscope::sources::cluster::LiveArgs { kubeconfig: Some(kc), ..Default::default() };
    arcscope::sources::logstream::follow(args, target.clone(), 7, tx, stop.clone());
    let mut got: Vec<String> = Vec::new();
    let mut states: Vec<String> = Vec::new();
    let wait_for = |n: usize, got: &mut Vec<String>, states: &mut Vec<String>| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while got.len() < n {
            assert!(Instant::now() < deadline, "got {got:?}, states {states:?}");
            if let Ok(ev) = rx.recv_timeout(Duration::from_millis(100)) {
                assert_eq!(ev.generation, 7);
                match ev.change {
                    Change::LogLine { path, line } => {
                        assert_eq!(path, "logs/arc-runners/arc-runner-set-x7c2p-runner-4h9sd/runner.log");
                        got.push(line);
                    }
                    Change::State(s) => states.push(s),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    };
    wait_for(3, &mut got, &mut states);
    state.lock().unwrap().log_lines.extend(lines(3, 2));
    wait_for(5, &mut got, &mut states);
    // Drop the stream, write while disconnected, let it reconnect from sinceTime.
    state.lock().unwrap().drops += 1;
    std::thread::sleep(Duration::from_millis(150));
    state.lock().unwrap().log_lines.extend(lines(5, 2));
    wait_for(7, &mut got, &mut states);
    std::thread::sleep(Duration::from_millis(300));
    while let Ok(ev) = rx.try_recv() {
        if let Change::LogLine { line, .. } = ev.change {
            got.push(line);
        }
    }
    let want: Vec<String> = (0..7).map(|i| format!("line {i}")).collect();
    assert_eq!(got, want, "no duplicates, no gaps");
    assert!(states.iter().any(|s| s.starts_with("streaming")));
    let log = state.lock().unwrap().log.clone();
    let follows: Vec<&String> = log.iter().map(|(_, p)| p).filter(|p| p.contains("/log?")).collect();
    assert!(follows[0].ends_with("follow=true&timestamps=true&tailLines=1000"), "{follows:?}");
    assert!(follows.last().unwrap().contains("sinceTime=2026"), "reconnects from sinceTime: {follows:?}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
}

#[test]
fn streamed_log_lines_fold_into_the_chain_views_logs_and_stale_ones_are_dropped() {
    let mut app = App::new(
        arcscope::demo::load().unwrap(),
        Theme::built_in("dark").unwrap(),
        Keymap::default(),
        "2026-06-20T12:00:00Z".into(),
    );
    app.run_command("chain arc-runners/arc-runner-set-x7c2p-runner-4h9sd");
    let target = app.log_target().expect("a pod on screen has a log to follow");
    assert_eq!(target.container, "runner");
    app.log_generation = 3;
    let line = |generation: u64, text: &str| StoreEvent {
        generation,
        kind: "Log",
        change: Change::LogLine { path: target.path(), line: text.to_string() },
    };
    for _ in 0..4 {
        assert!(app.apply(line(
            3,
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
        )));
    }
    assert!(!app.apply(line(2, "from a stream that was switched away")), "stale generation dropped");
    let lines = arcscope::ui::logs_lines(&app);
    let hit =
        lines.iter().find(|l| l.text.starts_with("Cannot connect to the Docker daemon")).expect("streamed line shown");
    assert_eq!(hit.count, 4);
    assert!(hit.finding, "recognised as a finding");
    assert!(!lines.iter().any(|l| l.text.contains("switched away")));
}

#[test]
fn a_scripted_live_tui_session_over_every_view_sends_only_gets() {
    let state: Shared = Arc::new(Mutex::new(Server {
        pods: vec![seed_pod()],
        rv: 5,
        log_lines: vec!["2026-06-20T10:15:40.000000000Z √ Connected to GitHub".into()],
        ..Server::default()
    }));
    let port = serve(state.clone());
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, format!("apiVersion: v1\nkind: Config\nclusters:\n- name: l\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: l\n  context:\n    cluster: l\n    user: u\ncurrent-context: l\nusers:\n- name: u\n  user:\n    token: t\n")).unwrap();
    let bin = env!("CARGO_BIN_EXE_arcscope");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("stty rows 40 cols 140; {bin} --kubeconfig {}", kc.display()), "/dev/null"])
        .env("TERM", "xterm-256color")
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    let stdin = child.stdin.as_mut().unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    // Every view, the chain with its followed log, YAML, help, the what-ifs; then quit.
    for keys in [
        ":runners\r",
        ":sa\r",
        ":roles\r",
        ":chain\r",
        "T",
        "R",
        "D",
        "y",
        "\x1b",
        "l",
        "s",
        "?",
        "x",
        ":pulse\r",
        "/arc\r",
        "q",
    ] {
        stdin.write_all(keys.as_bytes()).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(250));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let log = state.lock().unwrap().log.clone();
    assert!(log.iter().any(|(_, p)| p.contains("watch=1")), "it watched: {log:?}");
    assert!(
        log.iter().any(|(_, p)| p.contains("/log?") && p.contains("follow=true")),
        "it followed the runner's log: {log:?}"
    );
    let writes: Vec<&(String, String)> = log.iter().filter(|(m, p)| m != "GET" || p.contains("secrets")).collect();
    assert!(writes.is_empty(), "default mode sends only GETs and never reads Secrets: {writes:?}");
}
