//! Criterion benches for the pure core (issue #2 targets):
//! - parse + evaluate one 3-hop chain (IRSA web identity, AssumeRole, TagSession): ≤ 50 µs
//! - resolve the seed's chain from a loaded inventory, fixes included
//! - 100 pods × 1,000 roles "who can assume what": ≤ 200 ms

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

use arcscope::chain::reach::who_can_assume;
use arcscope::chain::{CheckOptions, resolve_all};
use arcscope::iam::arn::RoleArn;
use arcscope::iam::context::RequestContext;
use arcscope::iam::eval::{Caller, NamedPolicy, OrgPolicies, Request, evaluate};
use arcscope::iam::policy::PolicyDocument;
use arcscope::model::Inventory;
use arcscope::model::aws::Role;

const A: &str = "111122223333";
const HOST: &str = "oidc.eks.eu-west-1.amazonaws.com/id/AB12CD34EF56AB12CD34EF56AB12CD34";

fn encode(v: &serde_json::Value) -> String {
    percent_encoding::utf8_percent_encode(&v.to_string(), percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn three_hop(c: &mut Criterion) {
    // As IAM returns them: URL-encoded.
    let base_trust = encode(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{A}:oidc-provider/{HOST}")}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {format!("{HOST}:sub"): "system:serviceaccount:arc-runners:arc-runner-irsa", format!("{HOST}:aud"): "sts.amazonaws.com"}}}]}));
    let base_identity = encode(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": format!("arn:aws:iam::{A}:role/arc-runner-*")}]}),
    );
    let target_trust = encode(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "sts:AssumeRole"}]}),
    );
    let base = RoleArn::parse(&format!("arn:aws:iam::{A}:role/arc-runner-base-role")).unwrap();
    let target = RoleArn::parse(&format!("arn:aws:iam::{A}:role/arc-runner-ecr-image-pusher-role")).unwrap();
    c.bench_function("parse + evaluate 3-hop chain", |b| {
        b.iter(|| {
            let bt = PolicyDocument::from_text(black_box(&base_trust)).unwrap();
            let bi = PolicyDocument::from_text(black_box(&base_identity)).unwrap();
            let tt = PolicyDocument::from_text(black_box(&target_trust)).unwrap();
            let mut ctx = RequestContext::new();
            ctx.set(&format!("{HOST}:sub"), "system:serviceaccount:arc-runners:arc-runner-irsa");
            ctx.set(&format!("{HOST}:aud"), "sts.amazonaws.com");
            let web = Caller::WebIdentity { provider_arn: format!("arn:aws:iam::{A}:oidc-provider/{HOST}") };
            let hop1 = evaluate(&Request {
                action: "sts:AssumeRoleWithWebIdentity",
                target: &base,
                caller: &web,
                ctx: &ctx,
                trust: NamedPolicy { name: "base/trust", doc: &bt },
                identity: vec![],
                boundary: None,
                session: vec![],
                scps: OrgPolicies::None,
                rcps: OrgPolicies::None,
                known_ids: &(),
            });
            let session = Caller::RoleSession { role: base.clone(), role_id: None, session_name: "s".into() };
            let mut ctx = RequestContext::new();
            ctx.set("aws:PrincipalArn", base.arn());
            ctx.set("aws:RequestTag/GitHub", "Actions");
            ctx.set_multi("aws:TagKeys", vec!["GitHub".into()]);
            let mut results = vec![hop1.decision];
            for action in ["sts:AssumeRole", "sts:TagSession"] {
                let e = evaluate(&Request {
                    action,
                    target: &target,
                    caller: &session,
                    ctx: &ctx,
                    trust: NamedPolicy { name: "target/trust", doc: &tt },
                    identity: vec![NamedPolicy { name: "base/inline", doc: &bi }],
                    boundary: None,
                    session: vec![],
                    scps: OrgPolicies::None,
                    rcps: OrgPolicies::None,
                    known_ids: &(),
                });
                results.push(e.decision);
            }
            black_box(results)
        })
    });
}

fn seed_chain(c: &mut Criterion) {
    let inv = arcscope::demo::load().unwrap();
    let opts = CheckOptions { pod: Some("arc-runners/arc-runner-set-x7c2p-runner-4h9sd".into()), ..Default::default() };
    c.bench_function("resolve the seed chain (demo pod, fixes included)", |b| {
        b.iter(|| black_box(resolve_all(&inv, &opts).unwrap()))
    });
}

/// 1,000 target roles of mixed trust shapes and 100 runner base roles (one per pod).
pub fn synthetic_account(targets: usize, callers: usize) -> (Inventory, Vec<RoleArn>) {
    let mut inv = Inventory::default();
    let doc = |v: serde_json::Value| PolicyDocument::from_value(&v).unwrap();
    for i in 0..targets {
        let team = i % 50;
        let trust = match i % 4 {
            0 => {
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
            }
            1 => {
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:role/runner-base-{}", i % callers)}, "Action": "sts:AssumeRole"}]})
            }
            2 => {
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            }
            _ => {
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{A}:role/runner-base-*")}, "StringEquals": {"aws:PrincipalAccount": A}}}]})
            }
        };
        let arn = RoleArn::parse(&format!("arn:aws:iam::{A}:role/team-{team}-role-{i}")).unwrap();
        inv.roles.insert(
            arn.arn(),
            Role {
                arn,
                role_id: Some(format!("AROATARGET{i:010}")),
                trust: doc(trust),
                inline: vec![],
                attached: vec![],
                boundary: None,
                max_session_duration: None,
                tags: Default::default(),
            },
        );
    }
    let mut caller_arns = Vec::new();
    for i in 0..callers {
        let arn = RoleArn::parse(&format!("arn:aws:iam::{A}:role/runner-base-{i}")).unwrap();
        let identity = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": format!("arn:aws:iam::{A}:role/team-{}-*", i % 50)},
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{A}:role/team-*-admin")}]});
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": format!("arn:aws:iam::{A}:oidc-provider/{HOST}")}, "Action": "sts:AssumeRoleWithWebIdentity"}]});
        inv.roles.insert(
            arn.arn(),
            Role {
                arn: arn.clone(),
                role_id: Some(format!("AROACALLER{i:010}")),
                trust: doc(trust),
                inline: vec![("assume".into(), doc(identity))],
                attached: vec![],
                boundary: None,
                max_session_duration: None,
                tags: Default::default(),
            },
        );
        caller_arns.push(arn);
    }
    inv.iam_accounts.insert(A.into());
    (inv, caller_arns)
}

fn who_can_assume_matrix(c: &mut Criterion) {
    let (inv, callers) = synthetic_account(1000, 100);
    let mut group = c.benchmark_group("who can assume what");
    group.sample_size(10);
    group.bench_function("100 pods x 1,000 roles", |b| b.iter(|| black_box(who_can_assume(&inv, &callers))));
    group.finish();
}

criterion_group!(benches, three_hop, seed_chain, who_can_assume_matrix);
criterion_main!(benches);
