//! Scale harness: a busy cluster's bundle — a ~50 MB `kubectl get pods -A -o json`, 100 runner
//! pods, 1,000 IAM roles — loaded and checked as `arcscope check --bundle` would, reporting wall
//! time per phase and peak RSS. `cargo bench --bench scale` runs the full size; under
//! `cargo test` (no `--bench` argument) it runs a small size as a smoke test.

use serde_json::json;
use std::time::Instant;

use arcscope::chain::{CheckOptions, resolve_all};

const A: &str = "111122223333";

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn runner_pod(i: usize) -> serde_json::Value {
    let name = format!("arc-runner-set-x7c2p-runner-{i:05}");
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "arc-runners", "labels": {"actions-ephemeral-runner": "True",
            "actions.github.com/scale-set-name": "arc-runner-set", "actions.github.com/scale-set-namespace": "arc-runners"}},
        "spec": {"serviceAccountName": format!("runner-{}", i % 100), "containers": [{"name": "runner", "env": [
            {"name": "AWS_ROLE_ARN", "value": format!("arn:aws:iam::{A}:role/runner-base-{}", i % 100)},
            {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}]}]},
        "status": {"phase": "Running"}})
}

fn busy_pod(i: usize) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("web-{i}"), "namespace": format!("team-{}", i % 40), "uid": format!("0d6c1b2a-{i:08}"),
            "labels": {"app": "web", "pod-template-hash": "5d8f7c9b6"},
            "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "fieldsV1": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:image": {}, "f:env": {}}}}}}]},
        "spec": {"serviceAccountName": "default", "nodeName": format!("ip-10-0-{}-{}.eu-west-1.compute.internal", i % 250, i % 200),
            "containers": [{"name": "web", "image": "nginx:1.27", "env": (0..12).map(|e| json!({"name": format!("VAR_{e}"), "value": "x".repeat(40)})).collect::<Vec<_>>()}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0}]}})
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Generation runs in a child process so its memory does not count in the peak RSS.
    if let Some(i) = args.iter().position(|a| a == "--generate-into") {
        let full = args.iter().any(|a| a == "--full");
        let (dump_bytes, roles) = if full { (50 * 1024 * 1024, 1000) } else { (1024 * 1024, 50) };
        generate(std::path::Path::new(&args[i + 1]), dump_bytes, roles);
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    if args.iter().any(|a| a == "--log-flood") {
        return log_flood(args.iter().any(|a| a == "--full"));
    }
    // The log flood runs in its own process so its peak RSS is its own.
    let mut flood = std::process::Command::new(std::env::current_exe().unwrap());
    flood.arg("--log-flood");
    if full {
        flood.arg("--full");
    }
    assert!(flood.status().expect("log flood runs").success());
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child.arg("--generate-into").arg(dir.path());
    if full {
        child.arg("--full");
    }
    assert!(child.status().expect("generator runs").success());
    let generated = t.elapsed();
    let file_mb = std::fs::metadata(dir.path().join("pods.json")).unwrap().len() as f64 / 1_048_576.0;

    let t = Instant::now();
    let inv = arcscope::sources::bundle::load_dir(dir.path()).expect("bundle loads");
    let load = t.elapsed();
    let t = Instant::now();
    let chains = resolve_all(&inv, &CheckOptions::default()).expect("resolves");
    let check = t.elapsed();
    assert!(chains.len() >= 100, "every runner pod is checked");
    println!(
        "scale: {file_mb:.1} MB pod dump ({} pods), {} roles: generate {:.2}s, load {:.2}s, check {} chains {:.3}s, peak RSS {:.0} MB",
        inv.pods.len(),
        inv.roles.len(),
        generated.as_secs_f64(),
        load.as_secs_f64(),
        chains.len(),
        check.as_secs_f64(),
        peak_rss_mb().unwrap_or(f64::NAN)
    );
}

fn letters(mut i: u64) -> String {
    let mut s = String::new();
    loop {
        s.push(char::from(b'a' + (i % 26) as u8));
        i /= 26;
        if i == 0 {
            return s;
        }
    }
}

/// Stream 1 GB (50 MB under `cargo test`) of job-log lines through fold + classify.
fn log_flood(full: bool) {
    use arcscope::logs::Analysis;
    use arcscope::logs::fold::FoldLimits;
    use arcscope::logs::reader::{MAX_LINE, for_each_line};
    struct Gen {
        i: u64,
        left: usize,
        buf: Vec<u8>,
        pos: usize,
    }
    impl std::io::Read for Gen {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.pos == self.buf.len() {
                if self.left == 0 {
                    return Ok(0);
                }
                self.buf.clear();
                self.pos = 0;
                for _ in 0..1024 {
                    self.i += 1;
                    let i = self.i;
                    let line = match i % 4 {
                        0 => {
                            format!("2026-06-20T10:15:43.{:07}Z Assuming role with user credentials\n", i % 10_000_000)
                        }
                        1 => format!(
                            "2026-06-20T10:15:43.{:07}Z Retry AssumeRole: attempt {} of 12 failed: Could not assume role with user credentials: User: arn:aws:sts::***:assumed-role/b/aws-sdk-js-session-{} is not authorized to perform: sts:TagSession on resource: arn:aws:iam::***:role/x. Retrying after {}ms.\n",
                            i % 10_000_000,
                            i % 12 + 1,
                            1_781_950_000_000u64 + i,
                            i % 997
                        ),
                        2 => format!(
                            "2026-06-20T10:15:43.{:07}Z #12 [builder 3/7] RUN npm ci --omit=dev\n",
                            i % 10_000_000
                        ),
                        // Distinct in every fingerprint: the id spelled in letters, not digits.
                        _ => format!("distinct message {}\n", letters(i)),
                    };
                    self.buf.extend_from_slice(line.as_bytes());
                }
                let take = self.buf.len().min(self.left);
                self.buf.truncate(take);
                self.left -= take;
            }
            let n = out.len().min(self.buf.len() - self.pos);
            out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    let bytes = if full { 1 << 30 } else { 50 << 20 };
    let t = Instant::now();
    let mut a = Analysis::new(FoldLimits::default());
    for_each_line(
        std::io::BufReader::with_capacity(1 << 16, Gen { i: 0, left: bytes, buf: Vec::new(), pos: 0 }),
        MAX_LINE,
        |l| a.push(l),
    )
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "logs: {} MB streamed, {} lines in {secs:.2}s ({:.2} M lines/s), {} folded entries, {} evicted lines, peak RSS {:.0} MB",
        bytes >> 20,
        a.lines(),
        a.lines() as f64 / secs / 1e6,
        a.folded().count(),
        a.evicted_lines(),
        peak_rss_mb().unwrap_or(f64::NAN)
    );
}

fn generate(dir: &std::path::Path, dump_bytes: usize, roles: usize) {
    let mut items: Vec<serde_json::Value> = (0..100).map(runner_pod).collect();
    let mut size = 0;
    let mut i = 0;
    while size < dump_bytes {
        let p = busy_pod(i);
        size += p.to_string().len();
        items.push(p);
        i += 1;
    }
    let sas: Vec<serde_json::Value> = (0..100)
        .map(|i| json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": format!("runner-{i}"), "namespace": "arc-runners",
            "annotations": {"eks.amazonaws.com/role-arn": format!("arn:aws:iam::{A}:role/runner-base-{i}")}}}))
        .collect();
    items.extend(sas);
    std::fs::write(
        dir.join("pods.json"),
        serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "List", "items": items})).unwrap(),
    )
    .unwrap();
    let enc = |v: serde_json::Value| v.to_string();
    let mut role_list = Vec::new();
    for i in 0..roles {
        role_list.push(json!({"RoleName": format!("team-{}-role-{i}", i % 50), "RoleId": format!("AROATARGET{i:010}"), "Arn": format!("arn:aws:iam::{A}:role/team-{}-role-{i}", i % 50), "Path": "/",
            "AssumeRolePolicyDocument": enc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "sts:AssumeRole"}]})),
            "RolePolicyList": [], "AttachedManagedPolicies": []}));
    }
    for i in 0..100 {
        role_list.push(json!({"RoleName": format!("runner-base-{i}"), "RoleId": format!("AROACALLER{i:010}"), "Arn": format!("arn:aws:iam::{A}:role/runner-base-{i}"), "Path": "/",
            "AssumeRolePolicyDocument": enc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRoleWithWebIdentity"}]})),
            "RolePolicyList": [{"PolicyName": "assume", "PolicyDocument": enc(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": format!("arn:aws:iam::{A}:role/team-{}-*", i % 50)}]}))}],
            "AttachedManagedPolicies": []}));
    }
    std::fs::write(
        dir.join("iam.json"),
        serde_json::to_vec(&json!({"RoleDetailList": role_list, "Policies": []})).unwrap(),
    )
    .unwrap();
}
