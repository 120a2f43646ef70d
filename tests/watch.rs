//! Live updates against the loopback API server (tests/common/apiserver.rs): a list with a
//! `resourceVersion`, then chunked watch streams; 410 Gone for expired versions; dropped
//! connections and a server that goes down and comes back; followed pod logs with `previous`,
//! `sinceSeconds` and a container pick; the TUI in a pty, audited request by request.

mod common;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use arcscope::app::App;
use arcscope::app::state::Options;
use arcscope::sources::cluster::LiveArgs;
use arcscope::sources::logstream::LogTarget;
use arcscope::sources::msg::{Change, Msg, Stream};
use common::apiserver::ApiServer;

const NS: &str = "arc-runners";
const RUNNER: &str = "arc-runner-set-x7c2p-runner-4h9sd";

fn seed_pod() -> Value {
    let text = std::fs::read_to_string(common::fixtures().join("seed/k8s/arc-runners.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["items"].as_array().unwrap().iter().find(|i| i["kind"] == "Pod").unwrap().clone()
}

fn pod_named(name: &str) -> Value {
    let mut p = seed_pod();
    p["metadata"]["name"] = json!(name);
    p["metadata"]["ownerReferences"][0]["name"] = json!(name);
    p
}

fn event(name: &str, kind: &str, object: &str, reason: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": NS},
        "involvedObject": {"kind": kind, "name": object, "namespace": NS},
        "reason": reason, "message": format!("{reason} happened"), "type": "Warning", "count": 1})
}

fn args(server: &ApiServer, dir: &tempfile::TempDir) -> LiveArgs {
    LiveArgs { kubeconfig: Some(server.kubeconfig(dir.path())), ..Default::default() }
}

/// An app with the seed bundle's IAM and workflows and no cluster state (that comes live).
fn iam_only_app() -> App {
    iam_only_app_with(Options::at("2026-06-20T12:00:00Z"))
}

fn iam_only_app_with(options: Options) -> App {
    let iam = common::bundle(None);
    std::fs::remove_dir_all(iam.path().join("k8s")).unwrap();
    let inv = arcscope::sources::bundle::load_dir(iam.path()).unwrap();
    App::new(inv, options)
}

fn label(ev: &Msg) -> String {
    match &ev.change {
        Change::Applied(_) => format!("{} applied", ev.from),
        Change::Deleted { name, .. } => format!("{} deleted {name}", ev.from),
        Change::Relisted { namespace, items, first, last, .. } => {
            format!(
                "{}{} relisted{} {}{}",
                ev.from,
                namespace.as_ref().map(|n| format!(" in {n}")).unwrap_or_default(),
                if *first { "" } else { " +" },
                items.len(),
                if *last { "" } else { " …" }
            )
        }
        Change::State(s) => format!("{} {s}", ev.from),
        Change::LogLine { line, .. } => format!("log {line}"),
        Change::Probe(r) => format!("probe {}", r.subject),
        Change::Iam(_) => "iam read".to_string(),
        Change::Document { name, .. } => format!("document {name}"),
        Change::RecentLog(l) => format!("recent log {}", l.path),
        Change::LogsRead { done, of } => format!("logs {done}/{of}"),
        Change::Warning(w) => format!("warning {w}"),
    }
}

/// Apply events to the app until `done` holds (or fail after a few seconds), settling after each
/// as the terminal loop does before a frame.
fn pump(app: &mut App, rx: &Receiver<Msg>, seen: &mut Vec<String>, done: impl Fn(&App, &[String]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(app, seen) {
        assert!(Instant::now() < deadline, "timed out; events so far: {seen:?}");
        if let Ok(ev) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.push(label(&ev));
            app.apply(ev);
            app.settle();
        }
    }
}

fn pod_names(app: &App) -> Vec<String> {
    let mut v: Vec<String> = app.data.inv.pods.iter().map(|p| p.metadata.key()).collect();
    v.sort();
    v
}

fn server_pods(server: &ApiServer) -> Vec<String> {
    let mut v = server.names("Pod");
    v.sort();
    v
}

#[test]
fn the_store_follows_adds_changes_deletes_410_drops_and_a_restart() {
    let server = ApiServer::start();
    server.apply(seed_pod());
    let dir = tempfile::tempdir().unwrap();
    let mut app = iam_only_app();
    assert!(app.data.chains.is_empty());
    let (tx, rx) = std::sync::mpsc::channel();
    arcscope::sources::watch::spawn(args(&server, &dir), app.streams.generation, tx);
    let mut seen = Vec::new();

    pump(&mut app, &rx, &mut seen, |a, s| a.data.inv.pods.len() == 1 && s.iter().any(|e| e == "Pod watching"));
    assert_eq!(app.data.chains.len(), 1, "the pod's chain is simulated as soon as it is listed");
    assert_eq!(app.data.chains[0].verdict, arcscope::chain::Verdict::Deny);

    let second = pod_named("arc-runner-set-x7c2p-runner-zz9kq");
    server.apply(second);
    pump(&mut app, &rx, &mut seen, |a, _| a.data.inv.pods.len() == 2);
    assert_eq!(app.data.chains.len(), 2);

    let mut changed = seed_pod();
    changed["status"]["phase"] = json!("Succeeded");
    server.apply(changed);
    pump(&mut app, &rx, &mut seen, |a, _| {
        a.data.inv.pods.iter().any(|p| p.status.phase.as_deref() == Some("Succeeded"))
    });
    assert_eq!(app.data.inv.pods.len(), 2, "a modification replaces, never duplicates");

    server.delete("Pod", NS, "arc-runner-set-x7c2p-runner-zz9kq");
    pump(&mut app, &rx, &mut seen, |a, _| a.data.inv.pods.len() == 1);
    assert_eq!(app.data.chains.len(), 1, "the deleted pod's chain goes with it");

    // Events of shown objects are kept; other events are not stored.
    server.apply(event("e1", "Pod", RUNNER, "FailedMount"));
    server.apply(event("e2", "Node", "ip-10-0-0-1", "NodeNotReady"));
    pump(&mut app, &rx, &mut seen, |a, _| a.data.inv.events.len() == 1);
    assert_eq!(app.data.inv.events[0].reason.as_deref(), Some("FailedMount"));

    // 410 Gone in an open watch: the watcher relists and the store equals the server's state.
    let relists = seen.iter().filter(|e| e.starts_with("Pod relisted")).count();
    server.expire_watches();
    pump(&mut app, &rx, &mut seen, |_, s| s.iter().filter(|e| e.starts_with("Pod relisted")).count() > relists);
    assert_eq!(pod_names(&app), server_pods(&server));

    // A dropped watch: back from the last version it saw, without a relist.
    let relists = seen.iter().filter(|e| e.starts_with("Pod relisted")).count();
    let watches = || server.requests().iter().filter(|r| r.target.starts_with("/api/v1/pods?watch=1")).count();
    let before = watches();
    server.drop_connections();
    let deadline = Instant::now() + Duration::from_secs(10);
    while watches() <= before {
        if Instant::now() >= deadline {
            let reqs: Vec<String> = server.requests().iter().rev().take(12).map(|r| r.target.clone()).collect();
            let mut evs = Vec::new();
            while let Ok(ev) = rx.try_recv() {
                evs.push(label(&ev));
            }
            panic!(
                "no rewatch after the drop; before {before}; last requests {reqs:#?}; seen {:?}; pending {evs:?}",
                &seen[seen.len().saturating_sub(12)..]
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let last = server.requests().into_iter().rev().find(|r| r.target.starts_with("/api/v1/pods?watch=1")).unwrap();
    let from: u64 = last.target.rsplit("resourceVersion=").next().unwrap().parse().unwrap();
    assert!(from >= server.resource_version() - 1, "rewatched from the last version: {}", last.target);
    server.apply(pod_named("arc-runner-set-x7c2p-runner-after"));
    pump(&mut app, &rx, &mut seen, |a, _| a.data.inv.pods.len() == 2);
    assert_eq!(seen.iter().filter(|e| e.starts_with("Pod relisted")).count(), relists, "no relist for a plain drop");

    // The server goes down; changes happen meanwhile; it comes back: the store catches up.
    server.set_down(true);
    pump(&mut app, &rx, &mut seen, |_, s| s.iter().any(|e| e.starts_with("Pod reconnecting")));
    server.delete("Pod", NS, "arc-runner-set-x7c2p-runner-after");
    server.apply(pod_named("arc-runner-set-x7c2p-runner-while-down"));
    server.set_down(false);
    pump(&mut app, &rx, &mut seen, |a, _| pod_names(a) == server_pods(&server));
    assert!(app.data.chains.iter().any(|c| c.subject.ends_with("while-down")));

    // A compacted history: a rewatch from an old version gets 410 and relists.
    let relists = seen.iter().filter(|e| e.starts_with("Pod relisted")).count();
    server.compact();
    server.drop_connections();
    server.apply(pod_named("arc-runner-set-x7c2p-runner-after-compaction"));
    pump(&mut app, &rx, &mut seen, |a, _| pod_names(a) == server_pods(&server));
    assert!(seen.iter().filter(|e| e.starts_with("Pod relisted")).count() >= relists);

    assert!(server.writes_or_secrets().is_empty(), "read-only");
    // Every watched kind was listed and watched.
    for plural in [
        "pods",
        "serviceaccounts",
        "events",
        "autoscalingrunnersets",
        "ephemeralrunnersets",
        "ephemeralrunners",
        "autoscalinglisteners",
    ] {
        assert!(server.requests().iter().any(|r| r.target.contains(&format!("/{plural}?watch=1"))), "{plural} watched");
    }
}

#[test]
fn pods_that_are_neither_arc_nor_aws_identity_are_not_stored() {
    let server = ApiServer::start();
    server.apply(seed_pod());
    let web = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": NS, "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]}});
    server.apply(web.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut app = iam_only_app();
    let (tx, rx) = std::sync::mpsc::channel();
    arcscope::sources::watch::spawn(args(&server, &dir), app.streams.generation, tx);
    let mut seen = Vec::new();
    pump(&mut app, &rx, &mut seen, |a, s| a.data.inv.pods.len() == 1 && s.iter().any(|e| e == "Pod watching"));
    assert_eq!(pod_names(&app), vec![format!("{NS}/{RUNNER}")]);
    server.apply(web);
    // The runner stops being one (labels, owner and AWS env gone): it leaves the store.
    let mut plain = seed_pod();
    plain["metadata"]["labels"] = json!({"app": "batch"});
    plain["metadata"]["ownerReferences"] = json!([]);
    plain["spec"]["containers"][0]["env"] = json!([]);
    server.apply(plain);
    pump(&mut app, &rx, &mut seen, |a, _| a.data.inv.pods.is_empty());
    assert!(app.data.chains.is_empty());
}

/// The live RBAC fallback (as `check` has it): pods may not be listed cluster-wide, only in
/// `arc-runners`, so that namespace is listed and watched on its own; a change there arrives,
/// a relist of it keeps what it holds, and the runner's recent log is still read.
#[test]
fn a_forbidden_cluster_wide_watch_falls_back_to_the_namespaces_allowed() {
    let server = ApiServer::seeded();
    let mut elsewhere = pod_named("arc-runner-set-x7c2p-runner-elsewhere");
    elsewhere["metadata"]["namespace"] = json!("arc-systems");
    server.apply(elsewhere);
    server.restrict("pods", &[NS]);
    server.log(NS, RUNNER, "runner", &["Running job: push-image"]);
    let dir = tempfile::tempdir().unwrap();
    let mut app = iam_only_app();
    let (tx, rx) = std::sync::mpsc::channel();
    arcscope::sources::watch::spawn(args(&server, &dir), app.streams.generation, tx);
    let mut seen = Vec::new();
    let warning = "cannot list pods at the cluster scope (kubectl auth can-i list pods -A): pods is forbidden: \
                   User \"dev\" cannot list resource \"pods\" in API group \"\" at the cluster scope; \
                   listed them in 1 of 2 namespaces where allowed";
    pump(&mut app, &rx, &mut seen, |a, s| {
        s.iter().any(|e| e == "Pod watching") && a.data.inv.warnings.iter().any(|w| w == warning)
    });
    assert_eq!(pod_names(&app), vec![format!("{NS}/{RUNNER}")], "the allowed namespace's pods, no other");
    assert_eq!(app.data.chains.len(), 1);
    assert!(!seen.iter().any(|e| e == "Pod forbidden"), "{seen:?}");
    pump(&mut app, &rx, &mut seen, |_, s| s.iter().any(|e| e.starts_with("recent log logs/arc-runners/")));

    // The namespace's watch follows changes.
    server.apply(pod_named("arc-runner-set-x7c2p-runner-zz9kq"));
    pump(&mut app, &rx, &mut seen, |a, _| a.data.inv.pods.len() == 2);
    // Its 410 relists that namespace only (here the only one: the store equals what is allowed).
    let relists = seen.iter().filter(|e| e.starts_with("Pod in arc-runners relisted")).count();
    server.expire_watches();
    pump(&mut app, &rx, &mut seen, |_, s| {
        s.iter().filter(|e| e.starts_with("Pod in arc-runners relisted")).count() > relists
    });
    pump(&mut app, &rx, &mut seen, |a, _| a.data.inv.pods.len() == 2);

    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    let count = |prefix: &str| targets.iter().filter(|t| t.starts_with(prefix)).count();
    assert_eq!(count("/api/v1/pods?limit=500"), 1, "the cluster-wide list is tried once: {targets:#?}");
    assert!(count("/api/v1/namespaces/arc-runners/pods?watch=1") >= 1, "{targets:#?}");
    assert_eq!(count("/api/v1/namespaces/arc-systems/pods?limit=500"), 1, "tried once, refused, left: {targets:#?}");
    assert_eq!(count("/api/v1/namespaces/arc-systems/pods?watch=1"), 0);
    assert!(server.writes_or_secrets().is_empty(), "read-only");
}

/// A user who may list neither pods cluster-wide nor the namespaces: the kubeconfig context's
/// namespace is the one tried (kubectl's default), and the warning says so.
#[test]
fn without_the_namespaces_the_fallback_tries_the_contexts_namespace() {
    let server = ApiServer::seeded();
    server.restrict("pods", &[NS]);
    server.restrict("namespaces", &[]);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path());
    let text = std::fs::read_to_string(&kubeconfig)
        .unwrap()
        .replace("    cluster: loop\n    user:", "    cluster: loop\n    namespace: arc-runners\n    user:");
    std::fs::write(&kubeconfig, text).unwrap();
    let mut app = iam_only_app();
    let (tx, rx) = std::sync::mpsc::channel();
    arcscope::sources::watch::spawn(
        LiveArgs { kubeconfig: Some(kubeconfig), ..Default::default() },
        app.streams.generation,
        tx,
    );
    let mut seen = Vec::new();
    pump(&mut app, &rx, &mut seen, |a, s| {
        s.iter().any(|e| e == "Pod watching")
            && a.data.inv.warnings.iter().any(|w| w.ends_with("only the kubeconfig context's namespace was tried"))
    });
    assert_eq!(pod_names(&app), vec![format!("{NS}/{RUNNER}")]);

    // Not allowed in the context's namespace either: forbidden, said, and nothing else tried.
    let server = ApiServer::seeded();
    server.restrict("pods", &[]);
    server.restrict("namespaces", &[]);
    let mut app = iam_only_app();
    let (tx, rx) = std::sync::mpsc::channel();
    arcscope::sources::watch::spawn(args(&server, &dir), app.streams.generation, tx);
    let mut seen = Vec::new();
    pump(&mut app, &rx, &mut seen, |_, s| s.iter().any(|e| e == "Pod forbidden"));
    assert!(app.data.inv.pods.is_empty());
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).filter(|t| t.contains("pods")).collect();
    assert_eq!(targets, ["/api/v1/pods?limit=500", "/api/v1/namespaces/default/pods?limit=500"]);
}

#[test]
fn a_scale_set_change_resimulates_its_runners() {
    let server = ApiServer::seeded();
    let dir = tempfile::tempdir().unwrap();
    let mut app = iam_only_app();
    let (tx, rx) = std::sync::mpsc::channel();
    arcscope::sources::watch::spawn(args(&server, &dir), app.streams.generation, tx);
    let mut seen = Vec::new();
    pump(&mut app, &rx, &mut seen, |a, _| !a.data.inv.runner_sets.is_empty() && !a.data.chains.is_empty());
    let ars_name = app.data.inv.runner_sets[0].metadata.name.clone();
    let mut ars = server.get("AutoscalingRunnerSet", NS, &ars_name).unwrap();
    ars["metadata"]["annotations"]["touched"] = json!("yes");
    server.apply(ars);
    pump(&mut app, &rx, &mut seen, |a, _| {
        a.data.inv.objects.iter().any(|o| o.kind == "AutoscalingRunnerSet" && o.raw.contains("touched"))
    });
    assert_eq!(app.data.inv.runner_sets.len(), 1, "replaced, not added");
    assert!(!app.data.chains.is_empty());
}

fn follow(
    server: &ApiServer,
    dir: &tempfile::TempDir,
    target: LogTarget,
) -> (Receiver<Msg>, Arc<std::sync::atomic::AtomicBool>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    arcscope::sources::logstream::follow(args(server, dir), target, 7, tx, stop.clone());
    (rx, stop)
}

/// Lines and states until `n` lines arrived (or the stream reports `until_state`).
fn collect(rx: &Receiver<Msg>, n: usize, until_state: Option<&str>) -> (Vec<String>, Vec<String>) {
    let (mut got, mut states) = (Vec::new(), Vec::new());
    let deadline = Instant::now() + Duration::from_secs(10);
    while got.len() < n && !until_state.is_some_and(|u| states.iter().any(|s: &String| s.starts_with(u))) {
        assert!(Instant::now() < deadline, "got {got:?}, states {states:?}");
        if let Ok(ev) = rx.recv_timeout(Duration::from_millis(100)) {
            assert_eq!(ev.generation, 7);
            match ev.change {
                Change::LogLine { line, .. } => got.push(line),
                Change::State(s) => states.push(s),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    (got, states)
}

#[test]
fn a_followed_log_reconnects_without_duplicates_or_gaps() {
    let server = ApiServer::start();
    server.apply(seed_pod());
    let at = |i: usize| format!("2026-06-20T10:15:{:02}.{:09}Z", 40 + i / 3, i % 3);
    let lines = |from: usize, n: usize| -> Vec<(String, String)> {
        (from..from + n).map(|i| (at(i), format!("line {i}"))).collect()
    };
    let push = |v: Vec<(String, String)>| {
        let refs: Vec<(&str, &str)> = v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        server.log_at(NS, RUNNER, "runner", &refs);
    };
    push(lines(0, 3));
    let dir = tempfile::tempdir().unwrap();
    let (rx, stop) = follow(&server, &dir, LogTarget::new(NS, RUNNER, "runner"));
    let (mut got, mut states) = collect(&rx, 3, None);
    push(lines(3, 2));
    let (g, s) = collect(&rx, 2, None);
    got.extend(g);
    states.extend(s);
    // Drop the stream, write while disconnected, let it reconnect from sinceTime.
    server.drop_connections();
    std::thread::sleep(Duration::from_millis(150));
    push(lines(5, 2));
    let (g, s) = collect(&rx, 2, None);
    got.extend(g);
    states.extend(s);
    std::thread::sleep(Duration::from_millis(300));
    while let Ok(ev) = rx.try_recv() {
        if let Change::LogLine { line, .. } = ev.change {
            got.push(line);
        }
    }
    let want: Vec<String> = (0..7).map(|i| format!("line {i}")).collect();
    assert_eq!(got, want, "no duplicates, no gaps");
    assert!(states.iter().any(|s| s.starts_with("streaming")));
    assert!(states.iter().any(|s| s.starts_with("reconnecting")), "{states:?}");
    let follows: Vec<String> =
        server.requests().into_iter().map(|r| r.target).filter(|p| p.contains("/log?")).collect();
    assert!(follows[0].ends_with("follow=true&timestamps=true&tailLines=1000"), "{follows:?}");
    assert!(follows.last().unwrap().contains("sinceTime=2026"), "reconnects from sinceTime: {follows:?}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
}

#[test]
fn previous_container_since_window_and_container_pick() {
    let server = ApiServer::start();
    // dind as a native sidecar (an init container that keeps running), as ARC's dind mode has it.
    let mut pod = seed_pod();
    pod["spec"]["initContainers"] = json!([{"name": "dind", "image": "docker:dind", "restartPolicy": "Always"}]);
    server.apply(pod.clone());
    server.log(NS, RUNNER, "runner", &["before the restart"]);
    server.restart_container(NS, RUNNER, "runner");
    server.log(NS, RUNNER, "runner", &["after the restart"]);
    server.log(NS, RUNNER, "dind", &["dind says hello"]);
    let dir = tempfile::tempdir().unwrap();

    // --previous: the terminated instance's lines, read once, then the stream says so.
    let mut t = LogTarget::new(NS, RUNNER, "runner");
    t.previous = true;
    assert_eq!(t.path(), format!("logs/{NS}/{RUNNER}/runner.previous.log"));
    let (rx, _stop) = follow(&server, &dir, t);
    let (got, states) = collect(&rx, usize::MAX, Some("ended"));
    assert_eq!(got, vec!["before the restart"]);
    assert!(states.iter().any(|s| s == "ended (previous container)"), "{states:?}");

    // --since: only the window's lines (the old one is an hour old).
    server.log_at(NS, RUNNER, "dind", &[("2020-01-01T00:00:00Z", "ancient")]);
    let mut t = LogTarget::new(NS, RUNNER, "dind");
    t.since_seconds = Some(300);
    let (rx, stop) = follow(&server, &dir, t);
    let (got, _) = collect(&rx, 1, None);
    assert_eq!(got, vec!["dind says hello"]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.target.contains("container=dind&follow=true&timestamps=true&sinceSeconds=300"))
    );

    // No previous instance of dind: the API's 400 is the stream's state, not an error loop.
    let mut t = LogTarget::new(NS, RUNNER, "dind");
    t.previous = true;
    let (rx, _stop) = follow(&server, &dir, t);
    let (_, states) = collect(&rx, usize::MAX, Some("unavailable"));
    assert!(states.iter().any(|s| s.contains("previous terminated container \"dind\"")), "{states:?}");

    // The app picks the container and window the user chose.
    let mut app = iam_only_app_with(Options { live: true, ..Options::at("2026-06-20T12:00:00Z") });
    app.data.inv.upsert_object(arcscope::model::Kind::Pod, pod);
    app.run_command(&format!("chain {NS}/{RUNNER}"));
    assert_eq!(app.log_target().unwrap().container, "runner");
    app.update(arcscope::app::Action::NextContainer);
    let picked = app.log_target().unwrap();
    assert_eq!(picked.container, "dind", "the next container of the pod");
    app.update(arcscope::app::Action::Previous);
    app.update(arcscope::app::Action::LogSince(15));
    let t = app.log_target().unwrap();
    assert!(t.previous);
    assert_eq!(t.since_seconds, Some(900));
    app.update(arcscope::app::Action::LogSince(0));
    assert_eq!(app.log_target().unwrap().since_seconds, None);
}

#[test]
fn streamed_log_lines_fold_into_the_chain_views_logs_and_stale_ones_are_dropped() {
    let mut app = App::new(arcscope::demo::load().unwrap(), Options::at("2026-06-20T12:00:00Z"));
    app.run_command("chain arc-runners/arc-runner-set-x7c2p-runner-4h9sd");
    let target = app.log_target().expect("a pod on screen has a log to follow");
    assert_eq!(target.container, "runner");
    app.streams.log_generation = 3;
    let line = |generation: u64, text: &str| Msg {
        generation,
        from: Stream::Log,
        change: Change::LogLine { path: target.path(), line: text.to_string() },
    };
    for _ in 0..4 {
        assert!(app.apply(line(
            3,
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
        )));
    }
    assert!(!app.apply(line(2, "from a stream that was switched away")), "stale generation dropped");
    let lines = arcscope::app::logview::logs_lines(&app);
    let hit =
        lines.iter().find(|l| l.text.starts_with("Cannot connect to the Docker daemon")).expect("streamed line shown");
    assert_eq!(hit.count, 4);
    assert!(hit.finding, "recognised as a finding");
    assert!(!lines.iter().any(|l| l.text.contains("switched away")));
}

/// Run the binary in a pty against `server`, type `keys`, return the screen output.
fn tui_session(server: &ApiServer, extra: &str, keys: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let kc = server.kubeconfig(dir.path());
    let env = vec![("HOME".to_string(), dir.path().display().to_string())];
    let keys: Vec<(&str, u64)> = keys.iter().map(|k| (*k, 300)).collect();
    let args = format!("--kubeconfig {} --no-aws {extra}", kc.display());
    let (status, screen) = common::pty(&args, &env, (40, 140), 2000, &keys, |_| {});
    assert!(status.success(), "{screen}");
    screen
}

#[test]
fn a_scripted_live_tui_session_over_every_view_sends_only_gets() {
    let server = ApiServer::seeded();
    server.log(NS, RUNNER, "runner", &["√ Connected to GitHub"]);
    // Every view, the chain with its followed log and its log options, YAML, help, the what-ifs,
    // and the probe key (refused without the flag); then quit.
    let keys = [
        ":runners\r",
        ":sa\r",
        ":roles\r",
        ":chain\r",
        "T",
        "R",
        "pusher",
        "\r",
        "D",
        "y",
        "\x1b",
        "P",
        "\t",
        "C",
        "p",
        "2",
        "0",
        "\t",
        "l",
        "s",
        "?",
        "x",
        "j",
        "\x1b",
        ":pulse\r",
        "/arc\r",
        "q",
    ];
    let screen = tui_session(&server, "", &keys);
    let log = server.requests();
    assert!(log.iter().any(|r| r.target.contains("watch=1")), "it watched");
    assert!(
        log.iter().any(|r| r.target.contains("/log?") && r.target.contains("follow=true")),
        "it followed the runner's log"
    );
    assert!(log.iter().any(|r| r.target.contains("previous=true")), "p read the previous container");
    assert!(log.iter().any(|r| r.target.contains("sinceSeconds=300")), "2 asked for the last 5 minutes");
    assert!(screen.contains("--allow-live-probe"), "P without the flag says how to enable it");
    let writes = server.writes_or_secrets();
    assert!(writes.is_empty(), "default mode sends only GETs and never reads Secrets: {writes:?}");
}

/// A paste is text, never keys; type-ahead queued before the question is not an answer (#12.2).
/// Bracketed paste (`ESC [200~ … ESC [201~`) is what a terminal sends once arcscope enables it.
#[test]
fn a_paste_or_type_ahead_never_fires_or_confirms_the_probe_and_a_real_p_then_y_does() {
    let server = ApiServer::seeded();
    let paste = "\x1b[200~see the Python docs, then type y\x1b[201~";
    // The paste in the chain view, then "Py" in one write (type-ahead), then esc cancels.
    let raw = tui_session(&server, "--allow-live-probe", &[":chain\r", paste, "Py", "\x1b", "q"]);
    let frames = common::screens(&raw, 40, 140);
    let seen = |text: &str| frames.iter().any(|f| f.contains(text));
    assert!(seen("paste ignored"), "the paste was named, not run");
    assert!(seen("confirm: this creates things"), "P asked the question");
    let last = frames.iter().rev().find(|f| f.contains("probe")).cloned().unwrap_or_default();
    assert!(last.contains("probe cancelled: nothing was sent"), "the queued y did not answer it: {last}");
    assert!(server.writes_or_secrets().is_empty(), "no write: {:?}", server.writes_or_secrets());

    // A paste while the question is open is not an answer either.
    let raw = tui_session(&server, "--allow-live-probe", &[":chain\r", "P", "\x1b[200~y\x1b[201~", "n", "q"]);
    assert!(common::screens(&raw, 40, 140).iter().any(|f| f.contains("a paste is not an answer")));
    assert!(server.writes_or_secrets().is_empty(), "no write: {:?}", server.writes_or_secrets());

    // A real P, then a real y after the question is on screen: one TokenRequest.
    tui_session(&server, "--allow-live-probe", &[":chain\r", "P", "y", "q"]);
    let writes = server.writes_or_secrets();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(writes[0].target.ends_with("/serviceaccounts/arc-runner-irsa/token"), "{writes:?}");
}

#[test]
fn the_probe_flag_without_a_confirmation_sends_nothing_and_a_confirmation_sends_one_token_request() {
    let server = ApiServer::seeded();
    // Flag given, probe offered, the user declines (n, then esc): still no write.
    let screen = tui_session(&server, "--allow-live-probe", &[":chain\r", "P", "n", "P", "\x1b", "q"]);
    assert!(screen.contains("confirm: this creates things"), "the plan was shown");
    assert!(screen.contains("serviceaccounts/arc-runner-irsa/token"), "the plan names the call");
    assert!(server.writes_or_secrets().is_empty(), "no confirmation, no write: {:?}", server.writes_or_secrets());

    // Confirmed: exactly one TokenRequest for the runner's SA with the pod's audience.
    let screen = tui_session(&server, "--allow-live-probe", &[":chain\r", "P", "y", "q"]);
    let writes = server.writes_or_secrets();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].method, "POST");
    assert_eq!(writes[0].target, "/api/v1/namespaces/arc-runners/serviceaccounts/arc-runner-irsa/token");
    let body: Value = serde_json::from_str(&writes[0].body).unwrap();
    assert_eq!(body["spec"]["audiences"], json!(["sts.amazonaws.com"]));
    assert!(screen.contains("token issued for system:serviceaccount:arc-runners:arc-runner-irsa"), "{screen}");
    assert!(!screen.contains("eyJ"), "the token itself is never shown");
}

/// A server that answers every watch with 410 Gone, or ends every watch at once, is relisted
/// and rewatched with backoff, not in a hot loop (#12.3: 2,135 requests in 20 s before); the
/// header says `relisting N` / `reconnecting N`, not "watching".
#[test]
fn a_watch_gone_forever_or_ending_at_once_backs_off_and_says_so() {
    use common::apiserver::Fault;
    let runs: Vec<_> = [(Fault::GoneForever, "relisting"), (Fault::WatchEndsAtOnce, "reconnecting")]
        .into_iter()
        .map(|(fault, word)| {
            std::thread::spawn(move || {
                let server = ApiServer::seeded();
                server.set_fault(fault.clone());
                let dir = tempfile::tempdir().unwrap();
                let kc = server.kubeconfig(dir.path());
                let env = vec![("HOME".to_string(), dir.path().display().to_string())];
                let args = format!("--kubeconfig {} --no-aws", kc.display());
                let (status, raw) = common::pty(&args, &env, (30, 200), 20_000, &[("q", 300)], |_| {});
                assert!(status.success(), "{fault:?}");
                let requests = server.requests().len();
                eprintln!("{fault:?}: {requests} requests in 20 s");
                assert!(requests <= 150, "{fault:?}: {requests} requests in 20 s");
                let frames = common::screens(&raw, 30, 200);
                let header = frames.iter().rev().find(|f| f.contains("arcscope")).unwrap().lines().next().unwrap();
                assert!(header.contains(word), "{fault:?}: the header says it: {header}");
                assert!(!header.contains("watching 7 kinds"), "{fault:?}: {header}");
            })
        })
        .collect();
    for r in runs {
        r.join().unwrap();
    }
}

/// One invalid UTF-8 byte in a followed log costs one character (#12.12): the line shows with a
/// replacement character, the lines after it still arrive and are recognised, and the stream
/// stays up (it used to drop the whole log and sit on "reconnecting").
#[test]
fn an_invalid_utf8_byte_in_a_followed_log_costs_one_character() {
    let server = ApiServer::seeded();
    server.log(
        NS,
        RUNNER,
        "runner",
        &[
            "before \u{FFFF} the bad byte",
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
        ],
    );
    let raw = tui_session(&server, "", &[":chain\r", "\t", "q"]);
    let frames = common::screens(&raw, 40, 140);
    let last = frames.iter().rev().find(|f| f.contains("Cannot connect to the Docker daemon"));
    let last = last.expect("the line after the bad byte arrived");
    assert!(last.contains("before \u{fffd} the bad byte"), "{last}");
    assert!(!frames.last().unwrap().contains("reconnecting"), "{}", frames.last().unwrap());
}

/// A cluster that hangs (#12.6): the TUI opens at once, before any answer, says what it is reading
/// and, once the read's deadline passes, why nothing came, and answers keys; the watches keep
/// trying.
#[test]
fn the_tui_opens_on_a_hanging_server_and_says_so() {
    use common::apiserver::Fault;
    let server = ApiServer::seeded();
    server.set_fault(Fault::Hang);
    let dir = tempfile::tempdir().unwrap();
    let kc = server.kubeconfig(dir.path());
    let env = vec![("HOME".to_string(), dir.path().display().to_string())];
    let args = format!("--kubeconfig {} --no-aws", kc.display());
    let (status, raw) = common::pty(&args, &env, (30, 200), 23_000, &[(":sa\r", 500), ("q", 300)], |_| {});
    assert!(status.success(), "{raw}");
    let frames = common::screens(&raw, 30, 200);
    let first = frames.iter().find(|f| f.contains("arcscope")).expect("a frame");
    assert!(
        first.contains("connecting…") || first.contains("reading Pod"),
        "the first frame says what is being read: {first}"
    );
    let last = frames.iter().rev().find(|f| f.contains("serviceaccounts")).expect("the TUI answered :sa");
    assert!(last.contains("no complete answer within 20 s") && last.contains("the watches keep trying"), "{last}");
}

/// #15.9: `:ctx NAME` switches the live cluster: the first context's watches stop (no request
/// reaches its server after the switch), the second's start, and the screen shows the second
/// cluster's runners, not a mix. `:ctx` alone lists the contexts, the current one marked.
#[test]
fn ctx_switches_the_watched_cluster_and_the_old_one_hears_no_more() {
    let a = ApiServer::seeded();
    let b = ApiServer::seeded();
    b.apply(pod_named("arc-runner-set-x7c2p-runner-onbee"));
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let cluster = |n: &str, url: &str| format!("- name: {n}\n  cluster:\n    server: {url}\n");
    let context = |n: &str| format!("- name: {n}\n  context:\n    cluster: {n}\n    user: tester\n");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n{}{}contexts:\n{}{}current-context: first\nusers:\n- name: tester\n  user:\n    token: loopback-token\n",
            cluster("first", &a.url()),
            cluster("second", &b.url()),
            context("first"),
            context("second")
        ),
    )
    .unwrap();
    let env = vec![("HOME".to_string(), dir.path().display().to_string())];
    let keys = [(":ctx\r", 400), ("\x1b", 300), (":ctx second\r", 2500), (":runners\r", 2500), ("q", 300)];
    let seen_by_a = std::sync::Mutex::new(0usize);
    let args = format!("--kubeconfig {} --no-aws", kc.display());
    let (status, out) = common::pty(&args, &env, (40, 160), 2000, &keys, |i| {
        if i == 3 {
            // Watches still alive would reconnect at once when their streams drop.
            *seen_by_a.lock().unwrap() = a.requests().len();
            a.drop_connections();
        }
    });
    assert!(status.success(), "{out}");
    let screens = common::screens(&out, 40, 160);
    assert!(screens.iter().any(|s| s.contains("* first") && s.contains("  second")), "the list, current marked");
    assert!(!screens.iter().take(4).any(|s| s.contains("onbee")), "not before the switch");
    assert!(screens.iter().any(|s| s.contains("runner-onbee")), "the second cluster's runner is listed");
    assert!(b.requests().iter().any(|r| r.target.contains("watch=1")), "the second cluster is watched");
    assert_eq!(a.requests().len(), *seen_by_a.lock().unwrap(), "nothing more asked of the first after the switch");
    assert!(a.writes_or_secrets().is_empty() && b.writes_or_secrets().is_empty());
}

/// R38 in the live TUI: the hook template's ConfigMap is read beside the watches, and the
/// runner's chain starts from the job pod's account it names.
#[test]
fn the_live_view_reads_the_hook_template_and_the_chain_follows_it() {
    let server = ApiServer::seeded();
    let text =
        std::fs::read_to_string(common::fixtures().join("variants/kubernetes-mode-template/k8s/arc-runners.json"))
            .unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    for kind in ["Pod", "ConfigMap"] {
        server.apply(list["items"].as_array().unwrap().iter().find(|i| i["kind"] == kind).unwrap().clone());
    }
    let dir = tempfile::tempdir().unwrap();
    let mut app = iam_only_app();
    let (tx, rx) = std::sync::mpsc::channel();
    arcscope::sources::watch::spawn(args(&server, &dir), app.streams.generation, tx);
    let mut seen = Vec::new();
    pump(&mut app, &rx, &mut seen, |a, _| {
        a.data
            .chains
            .iter()
            .any(|c| c.subject.ends_with(RUNNER) && c.notes.iter().any(|n| n.contains("from the hook template")))
    });
    let c = app.data.chains.iter().find(|c| c.subject.ends_with(RUNNER)).unwrap();
    assert_eq!(c.service_account, "arc-runners/arc-runner-irsa");
    assert!(server.writes_or_secrets().is_empty());
}
