//! `arcscope explain` on a corpus of real-shaped logs per action major version (retries on and
//! off, masked and unmasked ids), folded counts asserted exactly, links into the seed bundle, and
//! bad input: invalid UTF-8, CRLF, ANSI, a 10 MB line, a 200 MB stream with bounded memory.

mod common;

use arcscope::logs::fold::FoldLimits;
use arcscope::logs::reader::{MAX_LINE, for_each_line};
use arcscope::logs::{Analysis, Finding, analyze_text};
use common::{arcscope, bundle, fixtures, stdout};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn corpus(name: &str) -> Analysis {
    analyze_text(&std::fs::read_to_string(fixtures().join("logs").join(name)).unwrap())
}

fn finding<'a>(a: &'a Analysis, id: &str) -> &'a Finding {
    a.findings.iter().find(|f| f.signature == id).unwrap_or_else(|| panic!("no {id} in {:#?}", a.findings))
}

fn fold_count(a: &Analysis, needle: &str) -> u64 {
    let hits: Vec<u64> = a.folded().filter(|e| e.sample.contains(needle)).map(|e| e.count).collect();
    assert_eq!(hits.len(), 1, "{needle:?} folds into exactly one entry: {hits:?}");
    hits[0]
}

#[test]
fn v1_has_no_attempt_lines_and_an_unprefixed_masked_error() {
    let a = corpus("v1-tagsession-masked.log");
    let f = finding(&a, "sts-tag-session-denied");
    assert_eq!(f.principal.as_deref(), Some("arn:aws:iam::***:user/deployer"));
    assert_eq!(f.resource.as_deref(), Some("arn:aws:iam::***:role/devops"));
    assert!(a.findings.iter().all(|f| !f.signature.starts_with("cac-attempt")));
}

#[test]
fn v2_six_hour_default_hits_the_chaining_limit() {
    let a = corpus("v2-chaining-duration.log");
    assert_eq!(finding(&a, "sts-chaining-duration").hop, "session_duration");
}

#[test]
fn v4_twelve_attempts_fold_to_one_entry_of_twelve() {
    let a = corpus("v4-tagsession.log");
    assert_eq!(fold_count(&a, "Assuming role with user credentials"), 12);
    assert_eq!(finding(&a, "cac-attempt-user-credentials").count, 12);
    assert_eq!(finding(&a, "sts-tag-session-denied").count, 1);
    assert!(
        a.findings.iter().all(|f| f.signature != "cac-failed-user-credentials"),
        "the wrapper yields to the specific signature"
    );
    finding(&a, "cac-oidc-hint");
}

#[test]
fn v4_with_retries_off_is_a_single_attempt() {
    let a = corpus("v4-disable-retry.log");
    assert_eq!(fold_count(&a, "Assuming role with user credentials"), 1);
}

#[test]
fn v5_debug_retry_lines_fold_and_count_attempts() {
    let a = corpus("v5-debug-tagsession.log");
    assert_eq!(fold_count(&a, "retryAndBackoff: attempt"), 12);
    assert_eq!(fold_count(&a, "Assuming role with user credentials"), 12);
    let retry = finding(&a, "cac-retry-debug");
    assert_eq!((retry.count, retry.attempts), (12, Some((12, 12))));
    finding(&a, "cac-retry-debug-give-up");
}

#[test]
fn v6_labelled_retry_lines_with_masked_ids_fold_exactly() {
    let a = corpus("v6-retry-masked.log");
    assert_eq!(fold_count(&a, "Retry AssumeRole: attempt"), 12);
    let retry = finding(&a, "cac-retry");
    assert_eq!(retry.attempts, Some((12, 12)));
    let tag = a.findings.iter().filter(|f| f.signature == "sts-tag-session-denied").map(|f| f.count).sum::<u64>();
    assert_eq!(tag, 13, "12 retry lines and the final error carry the TagSession denial");
    finding(&a, "cac-retry-give-up");
    let t = finding(&a, "sts-tag-session-denied");
    assert_eq!(
        t.resource.as_deref(),
        Some("arn:aws:iam::***:role/arc-runner-ecr-image-pusher-role"),
        "trailing `. Retrying…` trimmed"
    );
}

#[test]
fn oidc_path_loop() {
    let a = corpus("v4-oidc-path.log");
    assert_eq!(fold_count(&a, "Assuming role with OIDC"), 12);
    assert_eq!(finding(&a, "sts-web-identity-denied").hop, "web_identity");
}

#[test]
fn dind_unreachable() {
    let a = corpus("dind-unreachable.log");
    assert_eq!(finding(&a, "docker-daemon-unreachable").count, 3);
}

#[test]
fn the_seed_job_log_links_to_the_tag_session_hop_of_the_pusher_role() {
    let dir = bundle(None);
    for log in ["v4-tagsession.log", "v6-retry-masked.log"] {
        let path = fixtures().join("logs").join(log);
        let out = arcscope(&[
            "explain",
            path.to_str().unwrap(),
            "--bundle",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(1), "an error finding exits 1");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let findings = v["findings"].as_array().unwrap();
        for id in ["sts-tag-session-denied", "cac-attempt-user-credentials"] {
            let f = findings.iter().find(|f| f["signature"] == id).unwrap_or_else(|| panic!("{id} in {log}"));
            let l = &f["linked_step"];
            assert_eq!(l["action"], "sts:TagSession", "{log} {id}: {f}");
            assert_eq!(l["resource"], "arn:aws:iam::111122223333:role/arc-runner-ecr-image-pusher-role");
            assert_eq!(l["decided_by"], "trust_policy");
            assert!(l["fixes"].as_array().unwrap().iter().any(|x| x.as_str().unwrap().contains("sts:TagSession")));
        }
        let folded = v["folded"].as_array().unwrap();
        let attempts = folded
            .iter()
            .find(|e| e["sample"].as_str().unwrap().ends_with("Assuming role with user credentials"))
            .unwrap();
        assert_eq!(attempts["count"], 12);
        for key in ["sample", "count", "first_seen", "last_seen"] {
            assert!(attempts.get(key).is_some());
        }
    }
}

#[test]
fn demo_explain_links_the_job_log() {
    let out = arcscope(&["explain", "--demo"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("×12   2026-06-20T10:15:43.3299999Z Assuming role with user credentials"), "{text}");
    assert!(
        text.contains("→ hop 2 sts:TagSession → arc-runner-ecr-image-pusher-role: implicit_deny by trust_policy"),
        "{text}"
    );
}

#[test]
fn stdin_crlf_ansi_and_invalid_utf8() {
    let mut input = std::fs::read(fixtures().join("logs/runner-crlf-ansi.log")).unwrap();
    input.extend_from_slice(b"bad bytes \xff\xfe here\r\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_arcscope"))
        .args(["explain", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "warnings only: exit 0");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let samples: Vec<&str> = v["folded"].as_array().unwrap().iter().map(|e| e["sample"].as_str().unwrap()).collect();
    assert!(samples.contains(&"√ Connected to GitHub"), "ANSI and CR stripped: {samples:?}");
    assert!(samples.contains(&"bad bytes \u{fffd}\u{fffd} here"));
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["signature"] == "runner-job-failed"));
}

#[test]
fn a_single_10_mb_line_is_cut_not_held() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.log");
    let mut line = "x".repeat(10 * 1024 * 1024);
    line.push_str(" Cannot connect to the Docker daemon at unix:///var/run/docker.sock\nnext line\n");
    std::fs::write(&path, line).unwrap();
    let out = arcscope(&["explain", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let folded = v["folded"].as_array().unwrap();
    assert_eq!(folded.len(), 2);
    assert!(folded[0]["sample"].as_str().unwrap().len() <= 4 * 1024 + 3, "samples are bounded");
    assert_eq!(folded[1]["sample"], "next line");
}

#[test]
fn unusable_input_exits_2() {
    let out = arcscope(&["explain", "/nonexistent/job.log"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("/nonexistent/job.log"));
    let out = arcscope(&["explain", "--bundle", fixtures().join("seed").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "a bundle without logs and no file");
}

/// An endless-looking stream: the retry loop and distinct noise, generated on the fly.
struct Flood {
    produced: usize,
    limit: usize,
    i: u64,
    pending: Vec<u8>,
}

impl std::io::Read for Flood {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            if self.produced >= self.limit {
                return Ok(0);
            }
            self.i += 1;
            let line = match self.i % 4 {
                0 => format!("2026-06-20T10:15:43.{:07}Z Assuming role with user credentials\n", self.i % 10_000_000),
                1 => format!(
                    "2026-06-20T10:15:43.{:07}Z Retry AssumeRole: attempt {} of 12 failed: Could not assume role with user credentials: User: arn:aws:sts::***:assumed-role/b/aws-sdk-js-session-{} is not authorized to perform: sts:TagSession on resource: arn:aws:iam::***:role/x. Retrying after {}ms.\n",
                    self.i % 10_000_000,
                    self.i % 12 + 1,
                    1_781_950_000_000u64 + self.i,
                    self.i % 997
                ),
                2 => format!(
                    "noise line {} {}\n",
                    "y".repeat((self.i % 50) as usize),
                    char::from(b'a' + (self.i % 26) as u8).to_string().repeat((self.i % 7) as usize)
                ),
                _ => format!("distinct message number {} with words {}\n", self.i, "w".repeat((self.i % 30) as usize)),
            };
            self.pending = line.into_bytes();
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        self.produced += n;
        Ok(n)
    }
}

#[test]
fn a_200_mb_stream_keeps_memory_bounded() {
    let limits = FoldLimits::default();
    let mut a = Analysis::new(limits);
    let flood = Flood { produced: 0, limit: 200 * 1024 * 1024, i: 0, pending: Vec::new() };
    for_each_line(std::io::BufReader::with_capacity(1 << 16, flood), MAX_LINE, |l| a.push(l)).unwrap();
    assert!(a.lines() > 1_000_000);
    let entries = a.folded().count();
    assert!(entries <= limits.max_entries, "{entries}");
    let bytes: usize = a.folded().map(|e| e.sample.len()).sum();
    assert!(bytes <= limits.max_bytes + limits.max_sample, "{bytes}");
    assert!(a.findings.len() <= arcscope::logs::MAX_FINDINGS);
    // The loop is still one entry per fingerprint, however long it runs.
    let loop_entries: Vec<u64> =
        a.folded().filter(|e| e.sample.ends_with("Assuming role with user credentials")).map(|e| e.count).collect();
    assert_eq!(loop_entries.len(), 1, "{loop_entries:?}");
    assert!(a.evicted_lines() > 0, "distinct lines were evicted, not accumulated");
}
