//! Criterion bench for log intelligence: fold + classify throughput on a realistic job-log mix
//! (issue #3 target: ≥ 1M lines/s on one core).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use arcscope::logs::Analysis;
use arcscope::logs::fold::FoldLimits;

/// A job log's mix: the retry loop, step output, runner lines, and unique noise.
pub fn job_log_lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i % 8 {
            0 => format!("2026-06-20T10:15:{:02}.{:07}Z Assuming role with user credentials", i % 60, i % 10_000_000),
            1 => format!(
                "2026-06-20T10:15:{:02}.{:07}Z Retry AssumeRole: attempt {} of 12 failed: Could not assume role with user credentials: User: arn:aws:sts::***:assumed-role/arc-runner-base-role/aws-sdk-js-session-{} is not authorized to perform: sts:TagSession on resource: arn:aws:iam::***:role/arc-runner-ecr-image-pusher-role. Retrying after {}ms.",
                i % 60, i % 10_000_000, i % 12 + 1, 1_781_950_000_000u64 + i as u64, i % 997
            ),
            2 => format!("2026-06-20T10:15:{:02}.{:07}Z #12 [builder 3/7] RUN npm ci --omit=dev", i % 60, i % 10_000_000),
            3 => format!("2026-06-20T10:15:{:02}.{:07}Z #12 {}.{} added 1287 packages in 41s", i % 60, i % 10_000_000, i % 90, i % 10),
            4 => format!("time=\"2026-06-20T10:15:21.{i:09}Z\" level=info msg=\"Docker daemon\" commit=bbd0a17 version=28.2.2"),
            5 => format!("2026-06-20 10:15:{:02}Z: Listening for Jobs", i % 60),
            6 => format!("2026-06-20T10:15:{:02}.{:07}Z ##[debug]Evaluating condition for step: 'Push image {}'", i % 60, i % 10_000_000, i % 3),
            _ => format!("2026-06-20T10:15:{:02}.{:07}Z layer sha256:{:064x} pushed", i % 60, i % 10_000_000, i as u128 * 0x9e3779b97f4a7c15),
        })
        .collect()
}

fn fold_and_classify(c: &mut Criterion) {
    let lines = job_log_lines(200_000);
    let mut group = c.benchmark_group("logs");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.sample_size(20);
    group.bench_function("fold + classify (job-log mix)", |b| {
        b.iter(|| {
            let mut a = Analysis::new(FoldLimits::default());
            for l in &lines {
                a.push(l);
            }
            black_box(a.findings.len())
        })
    });
    let unique: Vec<String> =
        (0..200_000).map(|i| format!("unique line {i:x} with some words {}", "w".repeat(i % 40))).collect();
    group.bench_function("fold + classify (all distinct, worst case)", |b| {
        b.iter(|| {
            let mut a = Analysis::new(FoldLimits::default());
            for l in &unique {
                a.push(l);
            }
            black_box(a.findings.len())
        })
    });
    group.finish();
}

criterion_group!(benches, fold_and_classify);
criterion_main!(benches);
