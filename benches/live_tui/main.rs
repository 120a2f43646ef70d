//! The live TUI as a user meets it (issue #14): the release binary in a pseudo-terminal against
//! the loopback API server (a child process, so its CPU and memory are not arcscope's), from
//! process start to the rows on screen. For each size it reports, median of the runs and their
//! spread: first paint, first scale-set row, populated (every kind listed and watched —
//! `watching 7 kinds` — and the last scale set's row on the pulse), peak RSS, CPU in an idle
//! window on a static cluster and at 2 changes a second, and requests/bytes per kind before
//! populated and in the windows. See `benches/README.md`.
//!
//! `cargo bench --bench live_tui` runs 1k, 10k and 50k pods; `-- --sizes 10000` picks; under
//! `cargo test` a small smoke run checks that the harness itself works.

mod cluster;
#[path = "../../tests/common/mod.rs"]
mod common;
mod pty;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// Wide enough that the header shows the watch state (`watching 7 kinds`) whole.
const ROWS: u16 = 50;
const COLS: u16 = 200;

/// The server child: the cluster seeded; `log` prints the request log, `churn RATE SECS`
/// changes RATE runner pods a second (a new status, as the kubelet writes it).
fn serve(pods: usize, namespaces: usize) {
    let server = common::apiserver::ApiServer::start();
    server.seed(cluster::objects(pods, namespaces));
    for (i, set) in cluster::SCALE_SETS.iter().enumerate() {
        let pod = format!("{set}-x7c2p-runner-{i:05}");
        server.log(cluster::RUNNERS_NS, &pod, "runner", &["√ Connected to GitHub", "Running job: push-image"]);
    }
    println!("port {}", server.port);
    let runners: Vec<String> = server.names("Pod").into_iter().filter(|n| n.starts_with(cluster::RUNNERS_NS)).collect();
    let mut changes = 0u64;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["now"] => println!("{}\nend", server.uptime().as_secs_f64()),
            ["sent"] => println!("{}\nend", common::apiserver::bytes_sent()),
            ["log"] => {
                for r in server.requests() {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        r.at.as_secs_f64(),
                        r.method,
                        r.target,
                        r.bytes,
                        r.took.as_secs_f64()
                    );
                }
                println!("end");
            }
            ["churn", rate, secs] => {
                let (rate, secs): (u64, f64) = (rate.parse().unwrap(), secs.parse().unwrap());
                let start = Instant::now();
                let mut done = 0;
                while start.elapsed().as_secs_f64() < secs {
                    while done < (start.elapsed().as_secs_f64() * rate as f64) as u64 {
                        done += 1;
                        changes += 1;
                        let (ns, name) = runners[changes as usize % runners.len()].split_once('/').unwrap();
                        let mut p = server.get("Pod", ns, name).unwrap();
                        p["status"]["containerStatuses"][0]["restartCount"] = serde_json::json!(changes);
                        server.apply(p);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                println!("done");
            }
            _ => {}
        }
    }
}

struct Server {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
    port: u16,
}

impl Server {
    fn start(pods: usize, namespaces: usize) -> Server {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--serve", &pods.to_string(), &namespaces.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server child runs");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("port ").expect("port line").parse().unwrap();
        Server { child, out, port }
    }

    fn ask(&mut self, cmd: &str) -> Vec<String> {
        writeln!(self.child.stdin.as_mut().unwrap(), "{cmd}").unwrap();
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if self.out.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let line = line.trim_end().to_string();
            if line == "end" || line == "done" {
                break;
            }
            lines.push(line);
        }
        lines
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `(utime + stime)` seconds of a process.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    // SAFETY: sysconf has no preconditions.
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / tick
}

fn status_kb(pid: u32, field: &str) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0.0)
}

/// The kind (`pods`, `pods/log`, …) and verb (`list`, `watch`, `get`) of a request target.
fn kind_of(target: &str) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let resource = match parts.as_slice() {
        [.., "pods", _, "log"] => "pods/log".to_string(),
        ["api", "v1", "namespaces", _, r, ..] | ["apis", _, _, "namespaces", _, r, ..] => r.to_string(),
        ["api", "v1", r] | ["apis", _, _, r] => r.to_string(),
        _ => path.to_string(),
    };
    let verb = if query.contains("watch=1") { "watch" } else { "list/get" };
    format!("{resource} {verb}")
}

#[derive(Debug, Default, Clone)]
struct Run {
    first_paint: f64,
    first_row: f64,
    populated: f64,
    peak_rss_mib: f64,
    idle_cpu_pct: f64,
    churn_cpu_pct: f64,
    idle_read_kib: f64,
    churn_read_kib: f64,
    requests_to_populated: BTreeMap<String, (usize, u64)>,
    requests_idle: BTreeMap<String, (usize, u64)>,
    /// The pod list's pages: the server's time per page, and the time from one page's request
    /// to the next (the server's time, the wire and arcscope's parsing of the page before).
    page_server_ms: f64,
    page_cycle_ms: f64,
    page_mb: f64,
}

/// Median server time and median request-to-request time of the cluster-wide pod list's pages,
/// in ms, and the median page size in MB.
fn pages(log: &[String]) -> (f64, f64, f64) {
    let rows: Vec<(f64, u64, f64)> = log
        .iter()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f[2].starts_with("/api/v1/pods?limit="))
        .map(|f| (f[0].parse().unwrap_or(0.0), f[3].parse().unwrap_or(0), f[4].parse().unwrap_or(0.0)))
        .collect();
    let server = median(rows.iter().map(|r| r.2 * 1000.0).collect::<Vec<_>>());
    let cycle = median(rows.windows(2).map(|w| (w[1].0 - w[0].0) * 1000.0).collect::<Vec<_>>());
    let mb = median(rows.iter().map(|r| r.1 as f64 / 1e6).collect::<Vec<_>>());
    (server.0, cycle.0, mb.0)
}

fn tally(log: &[String], from: f64, to: f64) -> BTreeMap<String, (usize, u64)> {
    let mut out: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for l in log {
        let f: Vec<&str> = l.split('\t').collect();
        let at: f64 = f[0].parse().unwrap_or(0.0);
        if at >= from && at < to {
            let e = out.entry(kind_of(f[2])).or_default();
            e.0 += 1;
            e.1 += f[3].parse::<u64>().unwrap_or(0);
        }
    }
    out
}

fn run_once(pods: usize, namespaces: usize, window: Duration) -> Run {
    let mut server = Server::start(pods, namespaces);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, format!("apiVersion: v1\nkind: Config\nclusters:\n- name: l\n  cluster:\n    server: http://127.0.0.1:{}\ncontexts:\n- name: l\n  context:\n    cluster: l\n    user: u\ncurrent-context: l\nusers:\n- name: u\n  user:\n    token: t\n", server.port)).unwrap();
    // The server's clock: requests are logged from its start; arcscope starts now.
    let server_clock_at_start: f64 = server.ask("now")[0].parse().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_arcscope"));
    cmd.arg("--no-aws")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("KUBECONFIG", &kubeconfig)
        .env("TERM", "xterm-256color");
    let tui = pty::Pty::spawn(cmd, ROWS, COLS);
    let pid = tui.pid();
    let last_set = *cluster::SCALE_SETS.last().unwrap();
    let deadline = tui.started + Duration::from_secs(120);
    let mut run = Run::default();
    let populated_at = loop {
        std::thread::sleep(Duration::from_millis(20));
        let frames = pty::frames(&tui.output.lock().unwrap(), ROWS as usize, COLS as usize, tui.started);
        let done = frames.iter().find(|(_, s)| s.contains("watching 7 kinds") && s.contains(last_set));
        if let Some((t, _)) = done {
            run.first_paint = frames.iter().find(|(_, s)| s.contains("arcscope")).map_or(f64::NAN, |f| f.0);
            run.first_row = frames.iter().find(|(_, s)| s.contains(cluster::SCALE_SETS[0])).map_or(f64::NAN, |f| f.0);
            run.populated = *t;
            break Instant::now();
        }
        assert!(Instant::now() < deadline, "not populated in 120 s: {:?}", frames.last().map(|f| &f.1));
    };
    // Idle: no keys, a static cluster.
    // What arcscope read: the bytes the server sent it (its only peer; `rchar` would miss
    // them, std's sockets read with recv(2), which that counter does not see).
    let sent = |server: &mut Server| server.ask("sent")[0].parse::<u64>().unwrap();
    let (cpu0, read0) = (cpu_secs(pid), sent(&mut server));
    let idle_from = populated_at.duration_since(tui.started).as_secs_f64();
    std::thread::sleep(window);
    run.idle_cpu_pct = (cpu_secs(pid) - cpu0) / window.as_secs_f64() * 100.0;
    run.idle_read_kib = (sent(&mut server) - read0) as f64 / 1024.0;
    let idle_to = idle_from + window.as_secs_f64();
    // Churning: 2 changes a second.
    let (cpu1, read1) = (cpu_secs(pid), sent(&mut server));
    let churn_from = Instant::now();
    server.ask(&format!("churn 2 {}", window.as_secs_f64()));
    run.churn_cpu_pct = (cpu_secs(pid) - cpu1) / churn_from.elapsed().as_secs_f64() * 100.0;
    run.churn_read_kib = (sent(&mut server) - read1) as f64 / 1024.0;
    run.peak_rss_mib = status_kb(pid, "VmHWM:") / 1024.0;
    let log: Vec<String> = server
        .ask("log")
        .into_iter()
        .map(|l| {
            // Server time → seconds since arcscope started.
            let (at, rest) = l.split_once('\t').unwrap();
            format!("{}\t{rest}", at.parse::<f64>().unwrap() - server_clock_at_start)
        })
        .collect();
    run.requests_to_populated = tally(&log, -1.0, run.populated);
    run.requests_idle = tally(&log, idle_from, idle_to);
    (run.page_server_ms, run.page_cycle_ms, run.page_mb) = pages(&log);
    tui.send("q");
    let mut child = tui.child;
    let _ = child.wait();
    run
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        return serve(args[i + 1].parse().unwrap(), args[i + 2].parse().unwrap());
    }
    let full = args.iter().any(|a| a == "--bench");
    let sizes: Vec<usize> = match args.iter().position(|a| a == "--sizes") {
        Some(i) => args[i + 1].split(',').map(|s| s.parse().unwrap()).collect(),
        None if full => vec![1_000, 10_000, 50_000],
        None => vec![400],
    };
    let runs: usize =
        args.iter().position(|a| a == "--runs").map_or(if full { 3 } else { 1 }, |i| args[i + 1].parse().unwrap());
    let window = Duration::from_secs(if full { 10 } else { 1 });
    println!(
        "live TUI: release binary in a {COLS}x{ROWS} pty, loopback API server (5% runner pods, managedFields), --no-aws; median [min–max] of {runs}"
    );
    for pods in sizes {
        let namespaces = (pods / 50).max(3);
        let results: Vec<Run> = (0..runs).map(|_| run_once(pods, namespaces, window)).collect();
        let stat = |f: fn(&Run) -> f64| median(results.iter().map(f).collect());
        let show = |name: &str, unit: &str, (m, lo, hi): (f64, f64, f64)| {
            println!("  {name:<34} {m:>9.3} {unit:<4} [{lo:.3}–{hi:.3}]");
        };
        println!("{pods} pods / {namespaces} namespaces:");
        show("first paint", "s", stat(|r| r.first_paint));
        show("first scale-set row", "s", stat(|r| r.first_row));
        show("populated (all listed + watching)", "s", stat(|r| r.populated));
        show("peak RSS", "MiB", stat(|r| r.peak_rss_mib));
        show(&format!("CPU idle, {} s window", window.as_secs()), "%", stat(|r| r.idle_cpu_pct));
        show("CPU at 2 changes/s", "%", stat(|r| r.churn_cpu_pct));
        show("read while idle", "KiB", stat(|r| r.idle_read_kib));
        show("read at 2 changes/s", "KiB", stat(|r| r.churn_read_kib));
        show("pod list page size", "MB", stat(|r| r.page_mb));
        show("  server's time per page", "ms", stat(|r| r.page_server_ms));
        show("  one page's request to the next", "ms", stat(|r| r.page_cycle_ms));
        let r = &results[results.len() / 2];
        println!("  requests to populated (count, bytes), run {}:", results.len() / 2 + 1);
        for (k, (n, b)) in &r.requests_to_populated {
            println!("    {k:<36} {n:>5} {:>12}", b);
        }
        println!("  requests in the idle window:");
        for (k, (n, b)) in &r.requests_idle {
            println!("    {k:<36} {n:>5} {:>12}", b);
        }
        // The harness checks itself: a run that loaded nothing would report nonsense.
        assert!(r.requests_to_populated.keys().any(|k| k.starts_with("pods list")), "pods were listed");
        assert!(r.churn_read_kib > 0.0, "the churn's events were read and counted");
    }
}
