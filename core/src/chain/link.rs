//! Linking findings to the chain step they explain: same action and same role name (account ids
//! may be masked as `***` in logs), else the step whose precondition matches the finding's hop
//! kind. A loop (the repeated attempt line) links to the step its error explains.

use super::{Chain, DecidedBy, Step};
use crate::iam::eval::Decision;

use crate::logs::signatures::Severity;
use crate::logs::{Analysis, LinkedStep};

fn role_name(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// Does a log's resource (maybe `***`-masked) name the same role as the step's?
fn same_resource(log: &str, step: &str) -> bool {
    if log == step {
        return true;
    }
    if log.trim_matches('*').is_empty() {
        return true; // the whole ARN masked (role-to-assume from a secret): action decides
    }
    let (l, s) = (role_name(log), role_name(step));
    l == s && (log.contains("***") || crate::iam::condition::arn_like(&log.replace("***", "*"), step))
}

fn to_link(c: &Chain, s: &Step) -> LinkedStep {
    LinkedStep {
        subject: c.subject.clone(),
        job: c.job.clone(),
        hop: s.hop,
        action: s.action.clone(),
        resource: s.resource.clone(),
        decision: s.decision,
        decided_by: s.decided_by.as_str().to_string(),
        message: s.message.clone(),
        fixes: s.fixes.clone(),
    }
}

/// The first step of any chain in `scope` satisfying `pred`, denied steps first.
fn find<'a>(scope: &[&'a Chain], pred: impl Fn(&Step) -> bool) -> Option<(&'a Chain, &'a Step)> {
    let all = || scope.iter().flat_map(|c| c.steps.iter().map(move |s| (*c, s))).filter(|(_, s)| pred(s));
    all().find(|(_, s)| s.is_denied()).or_else(|| all().next())
}

fn by_hop_kind<'a>(scope: &[&'a Chain], hop: &str) -> Option<(&'a Chain, &'a Step)> {
    let denied = |s: &Step| s.is_denied();
    match hop {
        "tag_session" => find(scope, |s| s.action == "sts:TagSession" && denied(s)),
        // The action's AssumeRole call includes its sts:TagSession authorization.
        "assume_role" => find(scope, |s| s.action == "sts:AssumeRole" && denied(s))
            .or_else(|| find(scope, |s| s.action == "sts:TagSession" && denied(s))),
        "web_identity" => find(scope, |s| s.action == "sts:AssumeRoleWithWebIdentity" && denied(s)),
        "service_account" => find(scope, |s| s.decided_by == DecidedBy::ServiceAccountMissing),
        "oidc_provider" => find(scope, |s| s.decided_by == DecidedBy::OidcProviderMissing),
        "audience" => find(scope, |s| s.decided_by == DecidedBy::AudienceMismatch),
        "session_duration" => find(scope, |s| s.decided_by == DecidedBy::SessionDuration),
        "role" => find(scope, |s| s.decided_by == DecidedBy::RoleMissing),
        "credentials" => find(scope, |s| s.hop == 1 && (denied(s) || s.decided_by == DecidedBy::WebIdentityEnvMissing)),
        "session_name" => find(scope, |s| {
            s.decision == Decision::Error
                && s.message.as_deref().is_some_and(|m| m.contains("ession name") || m.contains("roleSessionName"))
        }),
        // A runner's own failure (job failed, exit error) is explained by its chain's failing step.
        "runner" => find(scope, denied),
        _ => None,
    }
}

/// `logs/<namespace>/<pod>/<container>.log` names its pod: findings there link to that pod's chains.
fn pod_of(source: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = source?.split('/').collect();
    let i = parts.iter().position(|p| *p == "logs")?;
    (parts.len() == i + 4).then(|| format!("{}/{}", parts[i + 1], parts[i + 2]))
}

/// Link the findings of `analysis` to steps of `chains`.
///
/// 1. A finding that names an action (and role) links to the step with the same action and
///    role name. 2. Other warnings and errors link by the hop kind they implicate, within the
///    chains of their pod (container logs) or the chains already linked from the same log — a
///    job log is one job's story. 3. A loop links to the error it repeats.
pub fn link(analysis: &mut Analysis, chains: &[Chain]) {
    let all: Vec<&Chain> = chains.iter().collect();
    let scope_for = |source: Option<&str>| -> Vec<&Chain> {
        match pod_of(source) {
            Some(pod) => chains.iter().filter(|c| c.subject == pod).collect(),
            None => all.clone(),
        }
    };
    let mut linked: Vec<(Option<String>, String)> = Vec::new();
    for f in analysis.findings.iter_mut().filter(|f| !f.is_loop && f.action.is_some()) {
        let scope = scope_for(f.source.as_deref());
        let action = f.action.clone().unwrap_or_default();
        let hit = match &f.resource {
            Some(resource) => find(&scope, |s| s.action == action && same_resource(resource, &s.resource)),
            None => find(&scope, |s| s.action == action && s.is_denied()),
        };
        if let Some((c, s)) = hit {
            linked.push((f.source.clone(), c.subject.clone()));
            f.linked_step = Some(to_link(c, s));
        }
    }
    for f in analysis.findings.iter_mut().filter(|f| !f.is_loop && f.action.is_none() && f.severity != Severity::Info) {
        let mut scope = scope_for(f.source.as_deref());
        if pod_of(f.source.as_deref()).is_none() {
            let focused: Vec<&Chain> = scope
                .iter()
                .copied()
                .filter(|c| linked.iter().any(|(src, subj)| *src == f.source && *subj == c.subject))
                .collect();
            if !focused.is_empty() {
                scope = focused;
            } else if f.severity != Severity::Error || f.hop == "runner" {
                continue;
            }
        }
        f.linked_step = by_hop_kind(&scope, &f.hop).map(|(c, s)| to_link(c, s));
    }
    // A loop is explained by the first linked error after it in the same log.
    let errors: Vec<(u64, Option<String>, LinkedStep)> = analysis
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter_map(|f| Some((f.first_line, f.source.clone(), f.linked_step.clone()?)))
        .collect();
    for f in analysis.findings.iter_mut().filter(|f| f.is_loop) {
        f.linked_step = errors
            .iter()
            .find(|(line, source, _)| *line >= f.first_line && *source == f.source)
            .or_else(|| errors.iter().find(|(_, source, _)| *source == f.source))
            .map(|(_, _, l)| l.clone())
            // A loop still running (its final error not logged yet) links by the hop it retries.
            .or_else(|| {
                let focused: Vec<&Chain> = all
                    .iter()
                    .copied()
                    .filter(|c| linked.iter().any(|(src, subj)| *src == f.source && *subj == c.subject))
                    .collect();
                let scope = if focused.is_empty() { scope_for(f.source.as_deref()) } else { focused };
                by_hop_kind(&scope, &f.hop).map(|(c, s)| to_link(c, s))
            });
    }
}
