//! Live scale harness (issue #5): a loopback API server holding 10,000 runner pods in 200
//! namespaces, watched by arcscope's live source into the TUI's store, then 50 changes a second.
//! Reports time to populated (spawn of the watchers → every pod in the store and its chain
//! simulated), resident memory once populated, and per-frame time under churn (apply the events
//! that arrived + lay out + draw the runners view into a 120x40 buffer, as the terminal loop does
//! each 16 ms frame). `cargo bench --bench live_scale` runs the full size; under `cargo test` a
//! small one as a smoke test.
//!
//! The server runs in a child process (this same binary with `--serve`) so its memory and CPU do
//! not count as arcscope's.

#[path = "../tests/common/mod.rs"]
mod common;

use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use arcscope::app::App;
use arcscope::app::state::Options;
use arcscope::sources::msg::Change;

const A: &str = "111122223333";

fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn runner_pod(i: usize, namespaces: usize) -> serde_json::Value {
    let ns = format!("runners-{:03}", i % namespaces);
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("arc-runner-set-x7c2p-runner-{i:05}"), "namespace": ns, "uid": format!("0d6c1b2a-{i:08}"),
            "labels": {"actions-ephemeral-runner": "True", "actions.github.com/scale-set-name": "arc-runner-set",
                "actions.github.com/scale-set-namespace": ns},
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "fieldsV1": {"f:spec": {}}}]},
        "spec": {"serviceAccountName": "arc-runner", "nodeName": format!("ip-10-0-{}-{}.eu-west-1.compute.internal", i % 250, i % 200),
            "containers": [{"name": "runner", "image": "ghcr.io/actions/actions-runner:2.334.0", "env": [
            {"name": "AWS_ROLE_ARN", "value": format!("arn:aws:iam::{A}:role/arc-runner-base")},
            {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}]}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "runner", "ready": true, "restartCount": 0}]}})
}

/// The child: serve the cluster; on `churn RATE SECS` change RATE objects a second; print the
/// final pod count when done.
fn serve(pods: usize, namespaces: usize) {
    let server = common::apiserver::ApiServer::start();
    for n in 0..namespaces {
        let ns = format!("runners-{n:03}");
        server.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        server.apply(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "arc-runner", "namespace": ns,
            "annotations": {"eks.amazonaws.com/role-arn": format!("arn:aws:iam::{A}:role/arc-runner-base")}}}),
        );
    }
    for i in 0..pods {
        server.apply(runner_pod(i, namespaces));
    }
    println!("port {}", server.port);
    let mut next = pods;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rand = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut names = server.names("Pod");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let mut w = line.split_whitespace();
        if w.next() != Some("churn") {
            continue;
        }
        let rate: u64 = w.next().and_then(|r| r.parse().ok()).unwrap_or(50);
        let secs: u64 = w.next().and_then(|r| r.parse().ok()).unwrap_or(10);
        let start = Instant::now();
        let mut done = 0u64;
        while start.elapsed() < Duration::from_secs(secs) {
            let due = start.elapsed().as_millis() as u64 * rate / 1000;
            while done < due {
                done += 1;
                match rand(10) {
                    0 => {
                        let victim = names.swap_remove(rand(names.len()));
                        let (ns, name) = victim.split_once('/').unwrap();
                        server.delete("Pod", ns, name);
                    }
                    1 => {
                        let pod = runner_pod(next, namespaces);
                        let (ns, name) = (pod["metadata"]["namespace"].as_str(), pod["metadata"]["name"].as_str());
                        names.push(format!("{}/{}", ns.unwrap(), name.unwrap()));
                        server.apply(pod);
                        next += 1;
                    }
                    _ => {
                        let (ns, name) = names[rand(names.len())]
                            .split_once('/')
                            .map(|(a, b)| (a.to_string(), b.to_string()))
                            .unwrap();
                        let mut p = server.get("Pod", &ns, &name).unwrap();
                        p["status"]["containerStatuses"][0]["restartCount"] = json!(done);
                        server.apply(p);
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        println!("done {}", server.names("Pod").len());
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench" || a == "--full");
    let (pods, namespaces, churn_secs) = if full { (10_000, 200, 10) } else { (400, 20, 2) };
    if args.iter().any(|a| a == "--serve") {
        return serve(pods, namespaces);
    }
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--serve")
        .args(if full { vec!["--full"] } else { vec![] })
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the server child runs");
    let mut from_child = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    from_child.read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("port ").expect("port line").parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, format!("apiVersion: v1\nkind: Config\nclusters:\n- name: l\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: l\n  context:\n    cluster: l\n    user: u\ncurrent-context: l\nusers:\n- name: u\n  user:\n    token: t\n")).unwrap();

    // IAM and workflows of the seed bundle; the cluster only from the watch.
    let mut inv = arcscope::sources::bundle::load_dir(&common::fixtures().join("seed")).unwrap();
    use arcscope::model::Kind;
    for kind in
        [Kind::Pod, Kind::ServiceAccount, Kind::EphemeralRunner, Kind::AutoscalingRunnerSet, Kind::EphemeralRunnerSet]
    {
        inv.clear_kind(kind, None);
    }
    let theme = arcscope::ui::theme::Theme::built_in("dark").unwrap();
    let mut app = App::new(inv, Options { live: true, ..Options::at("2026-06-20T12:00:00Z") });
    app.run_command("runners");
    let rss_before = rss_mb("VmRSS:");

    let (tx, rx) = std::sync::mpsc::channel();
    let started = Instant::now();
    let args = arcscope::sources::cluster::LiveArgs { kubeconfig: Some(kubeconfig), ..Default::default() };
    arcscope::sources::watch::spawn(args, app.streams.generation, tx);
    let mut watching = 0;
    while app.data.inv.pods.len() < pods || watching < 3 {
        let ev = rx.recv_timeout(Duration::from_secs(30)).expect("events keep coming");
        if matches!(&ev.change, Change::State(s) if s == "watching") {
            watching += 1;
        }
        app.apply(ev);
    }
    // The chains of the last pages are simulated before the next frame, as the loop does.
    app.settle();
    let populated = started.elapsed();
    let chains = app.data.chains.len();
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let first = Instant::now();
    app.settle();
    arcscope::ui::layout(&mut app, area);
    term.draw(|f| arcscope::ui::draw(f, &app, &theme)).unwrap();
    let first_frame = first.elapsed();
    let rss_populated = rss_mb("VmRSS:");

    // Churn: the terminal loop's work per 16 ms frame, measured.
    writeln!(child.stdin.as_mut().unwrap(), "churn 50 {churn_secs}").unwrap();
    let churn_start = Instant::now();
    let (mut frames, mut draws, mut events) = (Vec::new(), Vec::new(), 0usize);
    // The frame split: applying the events (store, re-simulation, relink) and its CPU time; the
    // difference between wall and CPU time is time the thread waited for a core (the server
    // child and the watch threads share the 2 cores).
    let (mut applies, mut apply_cpu, mut per_frame) = (Vec::new(), Vec::new(), Vec::new());
    while churn_start.elapsed() < Duration::from_secs(churn_secs) + Duration::from_millis(500) {
        let frame = Instant::now();
        let cpu = thread_cpu();
        let mut dirty = false;
        let mut n = 0;
        for ev in rx.try_iter().take(1000) {
            events += 1;
            n += 1;
            dirty |= app.apply(ev);
        }
        if dirty {
            applies.push(frame.elapsed().as_secs_f64() * 1000.0);
            apply_cpu.push((thread_cpu() - cpu) * 1000.0);
            per_frame.push(n as f64);
            let d = Instant::now();
            app.settle();
            arcscope::ui::layout(&mut app, area);
            term.draw(|f| arcscope::ui::draw(f, &app, &theme)).unwrap();
            draws.push(d.elapsed().as_secs_f64() * 1000.0);
            frames.push(frame.elapsed().as_secs_f64() * 1000.0);
        }
        std::thread::sleep(Duration::from_millis(16).saturating_sub(frame.elapsed()));
    }
    line.clear();
    from_child.read_line(&mut line).unwrap();
    let server_pods: usize = line.trim().strip_prefix("done ").expect("done line").parse().unwrap();
    // Let the last events land, then the store must equal the server.
    let settle = Instant::now();
    while app.data.inv.pods.len() != server_pods && settle.elapsed() < Duration::from_secs(5) {
        if let Ok(ev) = rx.recv_timeout(Duration::from_millis(100)) {
            app.apply(ev);
        }
    }
    drop(child.stdin.take());
    let _ = child.wait();
    assert_eq!(app.data.inv.pods.len(), server_pods, "the store follows the server under churn");
    assert!(!frames.is_empty());

    println!("live scale: {pods} runner pods in {namespaces} namespaces (loopback API server, paged lists of 500)");
    println!(
        "  time to populated (watch spawn → every pod stored, {chains} chains simulated): {:.2} s",
        populated.as_secs_f64()
    );
    println!("  first frame after populated: {:.2} ms", first_frame.as_secs_f64() * 1000.0);
    println!("  RSS: {rss_before:.0} MB before, {rss_populated:.0} MB populated, peak {:.0} MB", rss_mb("VmHWM:"));
    let n = frames.len();
    println!(
        "  churn 50 changes/s for {churn_secs} s: {events} events over {n} drawn frames; frame (apply + layout + draw) p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; draw alone p99 {:.2} ms",
        percentile(&mut frames, 0.5),
        percentile(&mut frames, 0.99),
        percentile(&mut frames, 1.0),
        percentile(&mut draws, 0.99)
    );
    println!(
        "  frame split: apply events p50 {:.2} ms, p99 {:.2} ms (CPU p99 {:.2} ms); events per drawn frame p50 {:.0}, p99 {:.0}",
        percentile(&mut applies, 0.5),
        percentile(&mut applies, 0.99),
        percentile(&mut apply_cpu, 0.99),
        percentile(&mut per_frame, 0.5),
        percentile(&mut per_frame, 0.99)
    );
}

/// CPU time of this thread, in seconds (`CLOCK_THREAD_CPUTIME_ID` via /proc: utime+stime ticks
/// are too coarse, so read the scheduler's nanoseconds).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<f64>().ok()))
        .map_or(0.0, |ns| ns / 1e9)
}
