//! Table rows of the list views, computed from the model (once per data change, not per frame).

use std::collections::{BTreeMap, HashMap};

use crate::iam::eval::Decision;

use super::App;
use super::Row;
use crate::chain::{Chain, SubjectKind, Verdict};
use crate::model::Inventory;
use crate::model::aws::Role;
use crate::model::k8s::{EphemeralRunner, Pod};

fn worst(vs: impl Iterator<Item = Verdict>) -> Option<Verdict> {
    vs.min_by_key(|v| match v {
        Verdict::Deny => 0,
        Verdict::Unknown => 1,
        Verdict::Allow => 2,
    })
}

/// A role as the header's account reads it: its name when it is in the one account shown, the
/// whole ARN otherwise (another account, or no account read).
fn role_label(app: &App, arn: &str) -> String {
    let accounts = &app.data.inv.iam_accounts;
    let account = arn.split(':').nth(4).unwrap_or("");
    match arn.split_once(":role/") {
        Some((_, name)) if accounts.len() == 1 && accounts.contains(account) => name.to_string(),
        _ => arn.to_string(),
    }
}

fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// "✘ sts:TagSession denied on arc-runner-ecr-image-pusher-role" for a chain.
pub fn chain_summary(c: &Chain) -> String {
    use crate::iam::eval::Decision;
    match c.failing_step() {
        Some(s) if s.decision == Decision::Error => {
            format!("✘ {}: {}", s.decided_by.as_str().replace('_', " "), short(&s.resource))
        }
        Some(s) => {
            let action = s.action.strip_prefix("sts:").unwrap_or(&s.action);
            let how = if s.decision == Decision::ExplicitDeny { "explicitly denied" } else { "denied" };
            format!("✘ {action} {how} on {}", short(&s.resource))
        }
        None if c.verdict == Verdict::Allow => "✔ every hop allowed".into(),
        None => "? unknown: data missing".into(),
    }
}

/// kubectl-style age: `45s`, `12m`, `3h4m`, `5d2h`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86400, (s % 86400) / 3600),
    }
}

pub fn runners_word(n: usize) -> String {
    if n == 1 { "1 runner".into() } else { format!("{n} runners") }
}

/// The worst loop count of a folded entry linked to this subject.
fn loop_count(app: &App, subjects: &[&str]) -> u64 {
    app.data
        .analysis
        .findings
        .iter()
        .filter(|f| f.linked_step.as_ref().is_some_and(|l| subjects.contains(&l.subject.as_str())))
        .map(|f| f.count)
        .max()
        .unwrap_or(0)
}

pub fn pulse(app: &App) -> (Vec<&'static str>, Vec<Row>) {
    let cols = vec!["SCALE SET", "NAMESPACE", "RUNNING", "PENDING", "FAILED", "CHAINS", "LOOP", "VERDICT"];
    // The chains of each scale set, in one pass (not a scan of every chain per scale set).
    let mut by_set: HashMap<&str, Vec<&Chain>> = HashMap::new();
    for c in &app.data.chains {
        if let Some(s) = c.scale_set.as_deref() {
            by_set.entry(s).or_default().push(c);
        }
    }
    let rows = app
        .data
        .inv
        .runner_sets
        .iter()
        .map(|ars| {
            let key = ars.metadata.key();
            let chains: &[&Chain] = by_set.get(key.as_str()).map(Vec::as_slice).unwrap_or_default();
            let n = |k: &str| ars.status.get(k).and_then(|v| v.as_i64()).unwrap_or(0).to_string();
            let count = |v: Verdict| chains.iter().filter(|c| c.verdict == v).count();
            let mut subjects: Vec<&str> = chains.iter().map(|c| c.subject.as_str()).collect();
            subjects.dedup();
            let verdict = worst(chains.iter().map(|c| c.verdict));
            let summary = match chains.iter().find(|c| c.verdict == Verdict::Deny).or(chains.first()) {
                Some(c) if c.verdict != Verdict::Allow => {
                    format!("{}: {}", runners_word(subjects.len()), chain_summary(c))
                }
                Some(_) if chains.iter().any(|c| c.assumed()) => {
                    format!("{}: {ASSUMED_ALLOW}", runners_word(subjects.len()))
                }
                Some(_) => format!("{}: ✔ every hop allowed", runners_word(subjects.len())),
                None => "no runners".into(),
            };
            let loops = loop_count(app, &subjects);
            Row {
                cells: vec![
                    ars.scale_set_name().to_string(),
                    ars.metadata.ns().to_string(),
                    n("runningEphemeralRunners"),
                    n("pendingEphemeralRunners"),
                    n("failedEphemeralRunners"),
                    format!("✔{} ✘{} ?{}", count(Verdict::Allow), count(Verdict::Deny), count(Verdict::Unknown)),
                    if loops > 1 { format!("×{loops}") } else { "-".into() },
                    summary,
                ],
                key,
                verdict,
            }
        })
        .collect();
    (cols, rows)
}

/// Runner rows (one per subject), sorted by subject — the order [`runner_row_for`] patches in.
pub fn runners(app: &App, scale_set: Option<&str>) -> (Vec<&'static str>, Vec<Row>) {
    let cols = vec!["NAME", "NAMESPACE", "KIND", "PHASE", "READY", "RESTARTS", "AGE", "NODE", "JOB", "VERDICT"];
    let mut by_subject: BTreeMap<&str, Vec<&Chain>> = BTreeMap::new();
    for c in app.data.chains.iter().filter(|c| scale_set.is_none_or(|s| c.scale_set.as_deref() == Some(s))) {
        by_subject.entry(c.subject.as_str()).or_default().push(c);
    }
    // One index per build: a lookup per row would make 10,000 runners a hundred million compares.
    let pods: HashMap<(&str, &str), &Pod> =
        app.data.inv.pods.iter().map(|p| ((p.metadata.ns(), p.metadata.name.as_str()), p)).collect();
    let ers: HashMap<(&str, &str), &EphemeralRunner> =
        app.data.inv.ephemeral_runners.iter().map(|e| ((e.metadata.ns(), e.metadata.name.as_str()), e)).collect();
    let rows = by_subject
        .into_iter()
        .map(|(subject, chains)| {
            let key = split(subject);
            runner_row(app, subject, &chains, pods.get(&key).copied(), ers.get(&key).copied())
        })
        .collect();
    (cols, rows)
}

/// The row of one runner after a live change, `None` when it has no chain (any more). Needs
/// `app.data.chains` in subject order (the app keeps them so): a binary search, not a scan.
pub fn runner_row_for(app: &App, subject: &str, scale_set: Option<&str>) -> Option<Row> {
    let lo = app.data.chains.partition_point(|c| c.subject.as_str() < subject);
    let hi = app.data.chains.partition_point(|c| c.subject.as_str() <= subject);
    let chains: Vec<&Chain> = app.data.chains[lo..hi]
        .iter()
        .filter(|c| scale_set.is_none_or(|s| c.scale_set.as_deref() == Some(s)))
        .collect();
    if chains.is_empty() {
        return None;
    }
    let (ns, name) = split(subject);
    let pod = app.data.inv.pods.iter().find(|p| p.metadata.ns() == ns && p.metadata.name == name);
    Some(runner_row(app, subject, &chains, pod, app.data.inv.ephemeral_runner(ns, name)))
}

fn split(subject: &str) -> (&str, &str) {
    subject.split_once('/').unwrap_or(("", subject))
}

fn runner_row(app: &App, subject: &str, chains: &[&Chain], pod: Option<&Pod>, er: Option<&EphemeralRunner>) -> Row {
    let (ns, name) = split(subject);
    {
        {
            let kind = match chains.first().map(|c| c.subject_kind) {
                Some(SubjectKind::Pod) | None => "Pod",
                Some(SubjectKind::EphemeralRunner) => "EphemeralRunner",
                Some(SubjectKind::AutoscalingRunnerSet) => "ScaleSet",
            };
            let phase = pod.and_then(|p| p.status.phase.clone()).or_else(|| {
                er.and_then(|e| {
                    let p = e.status.phase.clone()?;
                    Some(match &e.status.reason {
                        Some(r) => format!("{p} ({r})"),
                        None => p,
                    })
                })
            });
            let ready = pod.map(|p| {
                let total = p.status.container_statuses.len();
                format!("{}/{}", p.status.container_statuses.iter().filter(|c| c.ready).count(), total)
            });
            let restarts =
                pod.map(|p| p.status.container_statuses.iter().map(|c| c.restart_count).sum::<i64>().to_string());
            let job = er.and_then(|e| {
                let repo = e.status.job_repository_name.clone()?;
                let wf = e
                    .status
                    .job_workflow_ref
                    .as_deref()
                    .and_then(|r| r.split('@').next())
                    .and_then(|r| r.rsplit('/').next())
                    .unwrap_or("");
                Some(
                    format!("{repo} {wf} {}", e.status.job_display_name.clone().unwrap_or_default()).trim().to_string(),
                )
            });
            let verdict = worst(chains.iter().map(|c| c.verdict)).unwrap_or(Verdict::Unknown);
            let detail = chains.iter().find(|c| c.verdict == verdict).map(|c| chain_summary(c)).unwrap_or_default();
            Row {
                cells: vec![
                    name.to_string(),
                    ns.to_string(),
                    kind.to_string(),
                    phase.unwrap_or_else(|| "-".into()),
                    ready.unwrap_or_else(|| "-".into()),
                    restarts.unwrap_or_else(|| "-".into()),
                    pod.map(|p| &p.metadata)
                        .or(er.map(|e| &e.metadata))
                        .and_then(|m| m.creation_timestamp.as_deref())
                        .and_then(crate::iam::condition::parse_date)
                        .map(|t| age(app.now - t))
                        .unwrap_or_else(|| "-".into()),
                    pod.and_then(|p| p.spec.node_name.clone()).unwrap_or_else(|| "-".into()),
                    job.unwrap_or_else(|| "-".into()),
                    if verdict == Verdict::Allow && chains.iter().any(|c| c.assumed()) {
                        ASSUMED_ALLOW.to_string()
                    } else if verdict == Verdict::Allow {
                        verdict_label(verdict).to_string()
                    } else {
                        format!(
                            "{} {}",
                            verdict_label(verdict),
                            detail.trim_start_matches(['✘', '?', ' ']).trim_start_matches("unknown: ")
                        )
                    },
                ],
                key: subject.to_string(),
                verdict: Some(verdict),
            }
        }
    }
}

pub fn service_accounts(app: &App) -> (Vec<&'static str>, Vec<Row>) {
    let cols = vec!["NAMESPACE", "NAME", "ROLE", "MECHANISM", "USED BY", "STATUS"];
    let mut rows: Vec<Row> = Vec::new();
    // The chains of each service account, in one pass (not a scan of every chain per row).
    let mut by_sa: HashMap<&str, Vec<&Chain>> = HashMap::new();
    for c in &app.data.chains {
        by_sa.entry(c.service_account.as_str()).or_default().push(c);
    }
    let chains_of = |key: &str| by_sa.get(key).map(Vec::as_slice).unwrap_or_default();
    // "3 runners (arc-runner-set, arc-runner-docs)": which pods and scale sets use it.
    let used_by = |key: &str| -> String {
        let chains = chains_of(key);
        let mut subjects: Vec<&str> = chains.iter().map(|c| c.subject.as_str()).collect();
        subjects.dedup();
        let mut sets: Vec<&str> =
            chains.iter().filter_map(|c| c.scale_set.as_deref()).map(|s| s.rsplit('/').next().unwrap_or(s)).collect();
        sets.sort();
        sets.dedup();
        match (subjects.len(), sets.is_empty()) {
            (0, _) => "-".to_string(),
            (n, true) => runners_word(n),
            (n, false) => format!("{} ({})", runners_word(n), sets.join(", ")),
        }
    };
    for sa in &app.data.inv.service_accounts {
        let key = sa.metadata.key();
        let (role, mech) = match app.data.inv.service_account_role(sa) {
            Some((arn, mech)) => (role_label(app, arn), mech),
            None => ("-".to_string(), "-"),
        };
        let users = used_by(&key);
        let verdict = worst(chains_of(&key).iter().map(|c| c.verdict));
        rows.push(Row {
            cells: vec![sa.metadata.ns().into(), sa.metadata.name.clone(), role, mech.into(), users, "present".into()],
            key,
            verdict,
        });
    }
    // Named by runners but absent: the SA-in-the-wrong-namespace failure.
    let mut missing: Vec<&Chain> = app
        .data
        .chains
        .iter()
        .filter(|c| c.steps.iter().any(|s| s.decided_by == crate::chain::DecidedBy::ServiceAccountMissing))
        .collect();
    missing.dedup_by(|a, b| a.service_account == b.service_account);
    for c in missing {
        let (ns, name) = c.service_account.split_once('/').unwrap_or(("", &c.service_account));
        let elsewhere: Vec<String> =
            app.data.inv.service_accounts_named(name).map(|s| s.metadata.ns().to_string()).collect();
        let status = if elsewhere.is_empty() {
            "✘ missing".to_string()
        } else {
            format!("✘ missing (exists in {})", elsewhere.join(", "))
        };
        rows.push(Row {
            cells: vec![ns.into(), name.into(), "-".into(), "-".into(), used_by(&c.service_account), status],
            key: c.service_account.clone(),
            verdict: Some(Verdict::Deny),
        });
    }
    (cols, rows)
}

fn trust_summary(r: &Role) -> String {
    let mut parts: Vec<String> = Vec::new();
    for s in r.trust.statements.iter().filter(|s| s.effect == crate::iam::policy::Effect::Allow) {
        let Some(p) = &s.principal else { continue };
        if p.any {
            parts.push("*".into());
        }
        for (t, v) in &p.entries {
            let v = if v.ends_with(":root") {
                format!("account {}", v.split(':').nth(4).unwrap_or(v))
            } else if let Some(provider) = v.split("oidc-provider/").nth(1) {
                format!("OIDC {}", provider.split("/id/").next().unwrap_or(provider))
            } else {
                short(v).to_string()
            };
            parts.push(if v.starts_with("OIDC") { v } else { format!("{}:{v}", t.as_str()) });
        }
    }
    parts.dedup();
    parts.join(", ")
}

fn trust_allows(r: &Role, action: &str) -> bool {
    r.trust
        .statements
        .iter()
        .any(|s| s.effect == crate::iam::policy::Effect::Allow && crate::iam::eval::action_matches(&s.action, action))
}

/// Trusts only OIDC/SAML providers: session tags come from the token, not `sts:TagSession` calls.
fn web_identity_only(r: &Role) -> bool {
    let principals: Vec<_> = r.trust.statements.iter().filter_map(|s| s.principal.as_ref()).collect();
    !principals.is_empty()
        && principals
            .iter()
            .all(|p| !p.any && p.entries.iter().all(|(t, _)| *t == crate::iam::policy::PrincipalType::Federated))
}

/// The lint codes of a role's policies (`⚠ L3 L6`), `-` when none (#16.6; `d` or the chain's
/// step panel says each).
fn lint_codes(inv: &crate::model::Inventory, r: &crate::model::aws::Role) -> String {
    let mut codes: Vec<&str> = crate::chain::lint::lint_role(inv, r).iter().map(|l| l.code).collect();
    codes.sort();
    codes.dedup();
    if codes.is_empty() { "-".into() } else { format!("⚠ {}", codes.join(" ")) }
}

pub fn roles(app: &App) -> (Vec<&'static str>, Vec<Row>) {
    let cols = vec!["NAME", "ACCOUNT", "TRUSTS", "TAGSESSION", "ASSUMABLE BY", "REACHED BY", "LINT", "VERDICT"];
    // The steps into each role, in one pass over the chains (not a scan per role).
    let mut into: HashMap<&str, Vec<(&Chain, &crate::chain::Step)>> = HashMap::new();
    for c in &app.data.chains {
        for st in &c.steps {
            into.entry(st.resource.as_str()).or_default().push((c, st));
        }
    }
    let rows = app
        .data
        .inv
        .roles
        .values()
        .map(|r| {
            let arn = r.arn.arn();
            let steps = into.get(arn.as_str()).map(Vec::as_slice).unwrap_or_default();
            let mut subjects: Vec<&str> = steps.iter().map(|(c, _)| c.subject.as_str()).collect();
            subjects.sort();
            subjects.dedup();
            let verdict = if steps.is_empty() {
                None
            } else if steps.iter().any(|(_, s)| s.is_denied()) {
                Some(Verdict::Deny)
            } else if steps.iter().all(|(_, s)| s.decision == crate::iam::eval::Decision::Allow) {
                Some(Verdict::Allow)
            } else {
                Some(Verdict::Unknown)
            };
            Row {
                cells: vec![
                    r.arn.name.clone(),
                    r.arn.account.clone(),
                    trust_summary(r),
                    if web_identity_only(r) {
                        "- (web identity)".into()
                    } else if trust_allows(r, "sts:TagSession") {
                        "✔ allowed".into()
                    } else {
                        "✘ not in trust".into()
                    },
                    app.data.assumable_by.get(&arn).map(|v| v.join(", ")).unwrap_or_else(|| "-".into()),
                    if subjects.is_empty() { "-".into() } else { runners_word(subjects.len()) },
                    lint_codes(&app.data.inv, r),
                    verdict.map(|v| verdict_label(v).to_string()).unwrap_or_else(|| "-".into()),
                ],
                key: arn,
                verdict,
            }
        })
        .collect();
    (cols, rows)
}

/// A role's policies as text, for the `y` view.
pub fn role_text(inv: &Inventory, r: &Role) -> String {
    let doc = |d: &crate::iam::policy::PolicyDocument| d.to_pretty();
    let mut out = format!("# {}\n# trust policy\n{}\n", r.arn.arn(), doc(&r.trust));
    for (n, d) in &r.inline {
        out.push_str(&format!("\n# inline policy {n}\n{}\n", doc(d)));
    }
    for a in &r.attached {
        match inv.managed_policies.get(a) {
            Some(p) => out.push_str(&format!("\n# managed policy {a}\n{}\n", doc(&p.doc))),
            None => out.push_str(&format!("\n# managed policy {a}: not in the data\n")),
        }
    }
    if let Some(b) = &r.boundary {
        out.push_str(&format!("\n# permissions boundary {b}\n"));
    }
    out
}

/// The mark and word a verdict is shown with (never colour alone).
pub fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Allow => "✔ allow",
        Verdict::Deny => "✘ deny",
        Verdict::Unknown => "? unknown",
    }
}

/// A chain's verdict as its failing hop words it: `✘ error` when that hop could not be made at
/// all (AWS or Kubernetes refused the request itself), not `✘ deny` over a hop saying error.
pub fn chain_label(c: &Chain) -> &'static str {
    match c.steps.iter().find(|s| s.is_denied()).map(|s| s.decision) {
        Some(Decision::Error) if c.verdict == Verdict::Deny => decision_label(Decision::Error),
        _ if c.assumed() => ASSUMED_ALLOW,
        _ => verdict_label(c.verdict),
    }
}

/// An allow that rests on an assumption (#15.13): not the same mark as a proven one.
pub const ASSUMED_ALLOW: &str = "✔* allow (assumed)";

/// A step's decision, `✔*` when its allow rests on an assumption.
pub fn step_label(s: &crate::chain::Step) -> &'static str {
    if s.decision == Decision::Allow && !s.assumptions.is_empty() { "✔* allow" } else { decision_label(s.decision) }
}

pub fn decision_label(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "✔ allow",
        Decision::ImplicitDeny => "✘ implicit deny",
        Decision::ExplicitDeny => "✘ explicit deny",
        Decision::Error => "✘ error",
        Decision::Unknown => "? unknown",
    }
}
