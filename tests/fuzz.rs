//! A bounded mutation fuzzer for the three parsers that take the world's bytes (#12): the policy
//! parser, the bundle classifier and the log classifier. Seeds are the real fixtures (IAM
//! documents, kubectl lists, workflows, job logs); each round applies a few mutations — byte
//! flips, truncation, splices of another seed, inserted tokens that parsers find hard (deep
//! nesting, NUL, lone surrogates, huge numbers, ESC sequences, duplicate keys) — and runs the
//! target. A panic is a failure and prints the input that caused it; anything else (an error,
//! a verdict) is a pass. Deterministic per seed: `ARCSCOPE_FUZZ_SEED=N` replays a run,
//! `ARCSCOPE_FUZZ_ITERS=N` runs longer (CI: 2,000 per target).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"\x00",
    b"\xff\xfe",
    b"1e999999",
    b"-0",
    b"null",
    b"true",
    b"\"Statement\":",
    b"\"Effect\":\"Deny\",\"Effect\":",
    b"\"Condition\":{\"StringLike\":{\"aws:PrincipalArn\":",
    b"\"NotAction\":",
    b"\"Resource\":\"*\"",
    b"\x1b[2J",
    b"\x1b]0;t\x07",
    b"\r",
    b"\n",
    b"%7B",
    b"%",
    b"${aws:username}",
    b"arn:aws:iam::",
    b"Assuming role with user credentials",
    b"Retry AssumeRole: attempt 3 of 12 failed: ",
    b"Error: Could not assume role with OIDC: ",
    b"kind: List\n",
    b"apiVersion: v1\n",
    b"items:\n- ",
    b"&a [*a, *a]",
    b"!!binary",
    b"---\n",
];

fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.truncate(at),
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, t.iter().copied());
            }
            3 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let to = (from + rng.below(512)).min(other.len());
                out.splice(at..at, other[from..to].iter().copied());
            }
            4 => {
                let depth = 1 + rng.below(3000);
                let open = if rng.below(2) == 0 { b'[' } else { b'{' };
                out.splice(at..at, std::iter::repeat_n(open, depth));
            }
            5 if at < out.len() => {
                let len = rng.below(64).min(out.len() - at);
                out.drain(at..at + len);
            }
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())];
                out.extend_from_slice(t);
            }
        }
    }
    out
}

fn files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
        }
    }
}

fn seeds(sub: &[&str]) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for s in sub {
        files(&root.join(s), &mut out);
    }
    assert!(!out.is_empty());
    out
}

fn iterations() -> usize {
    std::env::var("ARCSCOPE_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
}

/// Run `target` on mutations of `seeds`; a panic fails with the input (escaped) and the seed.
fn fuzz(name: &str, seeds: Vec<(String, Vec<u8>)>, target: impl Fn(&str, &[u8])) {
    let seed = std::env::var("ARCSCOPE_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_a5c0_u64);
    let mut rng = Rng(seed ^ name.len() as u64 ^ 0x9e37_79b9_7f4a_7c15);
    let bodies: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    let n = iterations();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failure = None;
    for i in 0..n {
        let (file, body) = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, body, &bodies);
        if catch_unwind(AssertUnwindSafe(|| target(file, &input))).is_err() {
            failure = Some((i, file.clone(), input));
            break;
        }
    }
    std::panic::set_hook(previous);
    if let Some((i, file, input)) = failure {
        let shown: String = String::from_utf8_lossy(&input).chars().take(2000).collect();
        panic!("{name}: iteration {i} (ARCSCOPE_FUZZ_SEED={seed}) on a mutation of {file} panicked:\n{shown:?}");
    }
    eprintln!("{name}: {n} inputs, no panic");
}

#[test]
fn fuzz_found_a_timestamp_cut_inside_a_character() {
    let mut a = arcscope::logs::Analysis::new(arcscope::logs::fold::FoldLimits::default());
    a.begin_source("fuzz.log");
    a.push("2026-06-20T10:15:4\u{fffd}\u{fffd}3.0000000Z");
    a.push("2026-06-20T10:15:4\u{e9}3.0000000Z x");
    assert_eq!(a.folded().count(), 2);
}

#[test]
fn fuzz_the_policy_parser() {
    fuzz("policy parser", seeds(&["seed/iam", "variants", "wizard"]), |_, bytes| {
        let text = String::from_utf8_lossy(bytes);
        let _ = arcscope::iam::policy::PolicyDocument::from_text(&text);
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            let _ = arcscope::iam::policy::PolicyDocument::from_value(&v);
        }
    });
}

#[test]
fn fuzz_the_bundle_classifier() {
    fuzz("bundle classifier", seeds(&["seed", "variants"]), |file, bytes| {
        let mut inv = arcscope::model::Inventory::default();
        if arcscope::sources::bundle::add_file(&mut inv, file, bytes).is_ok() {
            // What was classified must also resolve without a panic.
            let _ = arcscope::chain::resolve_all(&inv, &arcscope::chain::CheckOptions::default());
        }
    });
}

#[test]
fn fuzz_the_log_classifier() {
    fuzz("log classifier", seeds(&["logs"]), |_, bytes| {
        let mut a = arcscope::logs::Analysis::new(arcscope::logs::fold::FoldLimits::default());
        a.begin_source("fuzz.log");
        let _ = arcscope::logs::reader::for_each_line(bytes, arcscope::logs::reader::MAX_LINE, |l| a.push(l));
        let _ = a.folded().count();
    });
}
