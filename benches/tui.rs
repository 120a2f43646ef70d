//! TUI benches (issue #4 targets): the first frame of the demo (≤ 50 ms from process start;
//! here in-process: load + simulate + draw), one frame of a 10,000-row runners table (≤ 4 ms),
//! one filter keystroke over 10,000 rows (≤ 5 ms).

#[path = "live_tui/cluster.rs"]
mod cluster;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use std::hint::black_box;

use arcscope::app::App;
use arcscope::app::state::Options;
use arcscope::ui::theme::Theme;

fn key(app: &mut App, c: char) {
    let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

/// 10,000 runner pods on 100 service accounts and base roles.
fn big_app() -> App {
    const A: &str = "111122223333";
    let mut items = Vec::new();
    for i in 0..100 {
        items.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": format!("runner-{i}"), "namespace": "arc-runners",
            "annotations": {"eks.amazonaws.com/role-arn": format!("arn:aws:iam::{A}:role/runner-base-{i}")}}}));
    }
    for i in 0..10_000 {
        items.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("arc-runner-set-x7c2p-runner-{i:05}"), "namespace": "arc-runners", "labels": {"actions-ephemeral-runner": "True"}},
            "spec": {"serviceAccountName": format!("runner-{}", i % 100), "nodeName": format!("ip-10-0-{}-{}.eu-west-1.compute.internal", i % 250, i % 200),
                "containers": [{"name": "runner", "env": [
                    {"name": "AWS_ROLE_ARN", "value": format!("arn:aws:iam::{A}:role/runner-base-{}", i % 100)},
                    {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}]}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "runner", "ready": true, "restartCount": 0}]}}));
    }
    let pods = serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "List", "items": items})).unwrap();
    let roles: Vec<serde_json::Value> = (0..100)
        .map(|i| json!({"RoleName": format!("runner-base-{i}"), "Arn": format!("arn:aws:iam::{A}:role/runner-base-{i}"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": format!("arn:aws:iam::{A}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X")}, "Action": "sts:AssumeRoleWithWebIdentity"}]}}))
        .collect();
    let iam = serde_json::to_vec(&json!({"RoleDetailList": roles, "Policies": []})).unwrap();
    let inv =
        arcscope::sources::bundle::load_files("bench", [("pods.json", pods.as_slice()), ("iam.json", iam.as_slice())])
            .unwrap();
    App::new(inv, Options::at("2026-06-20T12:00:00Z"))
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("tui");
    group.sample_size(20);
    let theme = Theme::built_in("dark").unwrap();
    group.bench_function("first frame of the demo (load, simulate, draw 120x40)", |b| {
        b.iter(|| {
            let app = App::new(arcscope::demo::load().unwrap(), Options::at("2026-06-20T12:00:00Z"));
            let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
            t.draw(|f| arcscope::ui::draw(f, &app, &theme)).unwrap();
            black_box(t.backend().buffer().area)
        })
    });
    let mut app = big_app();
    for c in ":runners\n".chars() {
        key(&mut app, c);
    }
    assert_eq!(app.nav.table.rows.len(), 10_000);
    let mut t = Terminal::new(TestBackend::new(200, 60)).unwrap();
    group.bench_function("one frame of a 10,000-row runners table (200x60)", |b| {
        b.iter(|| {
            t.draw(|f| arcscope::ui::draw(f, &app, &theme)).unwrap();
        })
    });
    key(&mut app, '/');
    key(&mut app, '4');
    let mut toggle = false;
    group.bench_function("one filter keystroke over 10,000 rows", |b| {
        b.iter(|| {
            // Alternate typing and deleting a character: each is one keystroke re-filtering all rows.
            if toggle {
                app.handle_key(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
            } else {
                key(&mut app, '2');
            }
            toggle = !toggle;
            black_box(app.nav.table.visible.len())
        })
    });
    // Live churn: one pod changes in a cluster of 10,000 runners, on each list view, and the next
    // frame's layout brings the table up to date (target: 50 changes/s with frames ≤ 4 ms).
    let pod = |i: usize, phase: &str| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("arc-runner-set-x7c2p-runner-{i:05}"), "namespace": "arc-runners", "labels": {"actions-ephemeral-runner": "True"}},
            "spec": {"serviceAccountName": format!("runner-{}", i % 100), "containers": [{"name": "runner", "env": [
                {"name": "AWS_ROLE_ARN", "value": format!("arn:aws:iam::111122223333:role/runner-base-{}", i % 100)},
                {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}]}]},
            "status": {"phase": phase}})
    };
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let job_log = include_str!("../src/demo/bundle/jobs/my-org_payments-api_15230098877_push-image.log");
    for (view, name, with_log) in [
        ("runners", "runners table", false),
        ("sa", "service accounts table", false),
        ("roles", "roles table", false),
        ("runners", "runners table, a failing job's log linked", true),
    ] {
        let mut app = big_app();
        for c in format!(":{view}\n").chars() {
            key(&mut app, c);
        }
        if with_log {
            // A job log's findings are linked again to the chains after every change.
            for line in job_log.lines() {
                app.apply(arcscope::sources::msg::Msg {
                    generation: app.streams.generation,
                    from: arcscope::sources::msg::Stream::Kind(arcscope::model::Kind::Pod),
                    change: arcscope::sources::msg::Change::LogLine {
                        path: "jobs/push-image.log".into(),
                        line: line.to_string(),
                    },
                });
            }
            assert!(!app.data.analysis.findings.is_empty());
        }
        let mut i = 0usize;
        group.bench_function(format!("apply one pod change among 10,000 runners + the {name}"), |b| {
            b.iter(|| {
                i = (i + 1) % 10_000;
                let ev = arcscope::sources::msg::Msg {
                    generation: app.streams.generation,
                    from: arcscope::sources::msg::Stream::Kind(arcscope::model::Kind::Pod),
                    change: arcscope::sources::msg::Change::applied(
                        arcscope::model::Kind::Pod,
                        pod(i, if i.is_multiple_of(2) { "Running" } else { "Pending" }),
                    )
                    .expect("a pod"),
                };
                black_box(app.apply(ev));
                app.settle();
                arcscope::ui::layout(&mut app, area);
                black_box(app.nav.table.rows.len())
            })
        });
    }
    group.finish();
}

/// Where a live load's time goes, client side: one 500-pod list page (as the API server sends
/// it: items without apiVersion/kind, with managedFields) into typed objects, as a watch's list
/// parses it (bytes/s, beside the server's ~7 ms a page in the live_tui request log); and every
/// chain of the 50,000-pod cluster's 2,500 runners simulated (what a relist costs each 200 ms).
fn live(c: &mut Criterion) {
    use arcscope::model::{Kind, Parsed, Typed};
    let mut group = c.benchmark_group("live");
    group.sample_size(10);
    let objects = cluster::objects(10_000, 200);
    let page: Vec<serde_json::Value> = objects
        .iter()
        .filter(|o| o["kind"] == "Pod")
        .take(500)
        .map(|o| {
            let mut o = o.clone();
            let m = o.as_object_mut().unwrap();
            m.remove("apiVersion");
            m.remove("kind");
            o
        })
        .collect();
    let text = serde_json::to_string(&json!({"apiVersion": "v1", "kind": "PodList",
        "metadata": {"resourceVersion": "123", "continue": "x"}, "items": page}))
    .unwrap();
    #[derive(serde::Deserialize)]
    struct Page {
        items: Vec<Box<serde_json::value::RawValue>>,
    }
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(format!("a 500-pod list page ({} KiB) into the shown objects", text.len() / 1024), |b| {
        b.iter(|| {
            let page: Page = serde_json::from_str(&text).unwrap();
            let kept =
                page.items.iter().filter_map(|r| Parsed::from_json_if(Kind::Pod, r.get(), Typed::shown).unwrap());
            black_box(kept.count())
        })
    });
    group.throughput(Throughput::Elements(1));
    let shown: Vec<serde_json::Value> = cluster::objects(50_000, 1_000)
        .into_iter()
        .filter(|o| o["kind"] != "Pod" || o["metadata"]["labels"]["actions-ephemeral-runner"] == "True")
        .collect();
    let list = serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "List", "items": shown})).unwrap();
    let inv = arcscope::sources::bundle::load_files("bench", [("cluster.json", list.as_slice())]).unwrap();
    assert_eq!(inv.pods.len(), 2_500);
    group.bench_function("every chain of 2,500 runners among 1,008 service accounts and 2,500 EphemeralRunners", |b| {
        b.iter(|| {
            black_box(arcscope::chain::resolve_all(&inv, &arcscope::chain::CheckOptions::default()).unwrap().len())
        })
    });
    group.finish();
}

criterion_group!(benches, frames, live);
criterion_main!(benches);
