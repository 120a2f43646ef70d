//! The smallest fix for a denied step, as a policy JSON change, its CDK/Terraform form where it
//! differs, or the action input — checked by re-running the evaluator on the fixed policy.

use serde_json::json;

use crate::iam::eval::{Decision, Evaluation, Grant, Layer};
use crate::iam::policy::PolicyDocument;

use super::Step;
use super::session::{HopEvaluator, Tagging};

fn stmt_name(index: usize, sid: &Option<String>) -> String {
    match sid {
        Some(s) if !s.is_empty() => format!("statement {index} (Sid {s:?})"),
        _ => format!("statement {index}"),
    }
}

/// A policy statement as JSON text with its elements in the conventional order
/// (Effect, Principal, Action, Resource, Condition), as people write and review them.
fn statement(
    principal: Option<(&str, &str)>,
    actions: &[&str],
    resource: Option<&str>,
    condition: Option<serde_json::Value>,
) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut out = String::from(r#"{"Effect": "Allow""#);
    if let Some((ty, who)) = principal {
        out.push_str(&format!(r#", "Principal": {{{}: {}}}"#, q(ty), q(who)));
    }
    let actions = match actions {
        [one] => q(one),
        many => format!("[{}]", many.iter().map(|a| q(a)).collect::<Vec<_>>().join(", ")),
    };
    out.push_str(&format!(r#", "Action": {actions}"#));
    if let Some(r) = resource {
        out.push_str(&format!(r#", "Resource": {}"#, q(r)));
    }
    if let Some(c) = condition {
        out.push_str(&format!(r#", "Condition": {c}"#));
    }
    out.push('}');
    out
}

/// `s` as one POSIX shell word: bare when it is plainly safe, else in single quotes.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.,:/=+@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The AWS CLI line that replaces `role`'s trust policy with `document` (one line of JSON).
fn update_trust(role: &str, document: &str) -> String {
    format!(
        "aws iam update-assume-role-policy --role-name {} --policy-document {}",
        shell_word(role),
        shell_word(document)
    )
}

/// `trust` with one more statement (given as JSON text), as one line of JSON.
fn trust_plus(trust: &PolicyDocument, stmt: &str) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(&trust.to_compact()).unwrap_or_else(|_| json!({}));
    if doc.get("Version").is_none() {
        doc["Version"] = json!("2012-10-17");
    }
    let added: serde_json::Value = serde_json::from_str(stmt).unwrap_or_default();
    match doc.get_mut("Statement").and_then(|s| s.as_array_mut()) {
        Some(list) => list.push(added),
        None => doc["Statement"] = json!([added]),
    }
    doc.to_string()
}

pub(crate) fn explicit_deny_fix(step: &mut Step, e: &Evaluation) {
    for s in &e.statements {
        step.fixes.push(format!(
            "{} of {} explicitly denies {}: remove or narrow it — an explicit deny beats every allow",
            stmt_name(s.index, &s.sid),
            s.policy,
            step.action
        ));
    }
}

fn layer_fix(step: &mut Step, e: &Evaluation, ev: &HopEvaluator<'_>, actions: &[&str]) {
    let target = ev.target.arn.arn();
    let caller_role = &ev.caller_role.arn.name;
    let actions_json = serde_json::to_string(actions).unwrap_or_default();
    match e.decided_by {
        Layer::IdentityPolicy => {
            let stmt = statement(None, actions, Some(&target), None);
            let document = format!(r#"{{"Version": "2012-10-17", "Statement": [{stmt}]}}"#);
            let name = format!("allow-assume-{}", ev.target.arn.name);
            step.fix_with(
                format!("allow it in an identity policy of {caller_role}: {stmt}"),
                "aws-cli",
                format!(
                    "aws iam put-role-policy --role-name {} --policy-name {} --policy-document {}",
                    shell_word(caller_role),
                    shell_word(&name),
                    shell_word(&document)
                ),
            );
        }
        Layer::PermissionsBoundary => step.fixes.push(format!(
            "the permissions boundary {} of {caller_role} must allow {actions_json} on {target}",
            ev.caller_role.boundary.as_deref().unwrap_or("?")
        )),
        Layer::SessionPolicy => step.fixes.push(format!(
            "the session policy passed when {caller_role}'s session was created (inline-session-policy / managed-session-policies of the earlier step) must allow {actions_json} on {target}"
        )),
        Layer::Scp => step.fixes.push(format!(
            "a service control policy of account {} blocks {}: ask the organization admin to allow it for {caller_role}",
            ev.caller_role.arn.account, step.action
        )),
        Layer::Rcp => step.fixes.push(format!(
            "a resource control policy of account {} blocks {} on {target}: ask the organization admin to allow it",
            ev.target.arn.account, step.action
        )),
        Layer::TrustPolicy | Layer::ResourcePolicy => {}
    }
}

/// Fixes for a denied `sts:AssumeRole`.
pub(crate) fn for_assume(step: &mut Step, e: &Evaluation, ev: &HopEvaluator<'_>) {
    if !matches!(e.decision, Decision::ImplicitDeny | Decision::ExplicitDeny) {
        return;
    }
    if e.decision == Decision::ExplicitDeny {
        return explicit_deny_fix(step, e);
    }
    let tags = ev.p.tagging != Tagging::NotSent;
    let actions: &[&str] = if tags { &["sts:AssumeRole", "sts:TagSession"] } else { &["sts:AssumeRole"] };
    if e.decided_by == Layer::TrustPolicy {
        let caller = ev.caller.role.arn();
        let stmt = statement(Some(("AWS", &caller)), actions, None, None);
        let name = &ev.target.arn.name;
        step.fix_with(
            format!("add to the trust policy of {name}: {stmt}"),
            "aws-cli",
            update_trust(name, &trust_plus(&ev.target.trust, &stmt)),
        );
        let cdk = if tags {
            format!("new iam.ArnPrincipal(\"{caller}\").withSessionTags()")
        } else {
            format!("new iam.ArnPrincipal(\"{caller}\")")
        };
        step.fix_with(format!("CDK: assumedBy / grantAssumeRole with {cdk}"), "cdk", cdk);
        let actions_hcl = serde_json::to_string(actions).unwrap_or_default();
        let hcl = format!(
            "statement {{\n  actions = {actions_hcl}\n  principals {{\n    type        = \"AWS\"\n    identifiers = [\"{caller}\"]\n  }}\n}}"
        );
        step.fix_with(
            format!("Terraform: a statement in the trust aws_iam_policy_document with actions = {actions_hcl} and principals {{ type = \"AWS\", identifiers = [\"{caller}\"] }}"),
            "terraform",
            hcl,
        );
        for m in &e.non_matching {
            if m.reason.describe("").contains("path or case differs") {
                step.fixes.push(format!(
                    "{} names the caller with a different path or case: {}",
                    stmt_name(m.statement.index, &m.statement.sid),
                    m.reason.describe(&step.action)
                ));
            }
        }
        return;
    }
    layer_fix(step, e, ev, actions);
}

/// `trust` with statement `index`'s condition on `key` set to `value` alone.
fn with_condition(trust: &PolicyDocument, index: usize, key: &str, value: &str) -> PolicyDocument {
    let mut doc = trust.clone();
    if let Some(s) = doc.statements.get_mut(index) {
        for c in s.conditions.iter_mut().filter(|c| c.key == key) {
            c.values = vec![value.to_string()];
        }
    }
    doc
}

/// Add `sts:TagSession` to every trust statement that allows `sts:AssumeRole` for this caller.
fn with_tag_session(trust: &PolicyDocument, allowing: &[usize]) -> PolicyDocument {
    let mut doc = trust.clone();
    for &i in allowing {
        if let Some(s) = doc.statements.get_mut(i)
            && !s.action.negated
        {
            s.action.patterns.push("sts:TagSession".into());
        }
    }
    doc
}

/// Fixes for a denied `sts:TagSession` — the seed's failure (R12).
pub(crate) fn for_tag_session(step: &mut Step, e: &Evaluation, ev: &HopEvaluator<'_>, inherited: bool) {
    if !matches!(e.decision, Decision::ImplicitDeny | Decision::ExplicitDeny) {
        return;
    }
    let target = &ev.target.arn.name;
    let skip_fix = match (&ev.p.skip_input_hint, inherited) {
        (_, true) => Some(
            "role-skip-session-tagging alone is reported not to help on EKS Pod Identity (transitive session tags): set disableSessionTags on the Pod Identity association, or allow sts:TagSession".to_string(),
        ),
        (Some(hint), false) => Some(hint.clone()),
        (None, false) => None,
    };
    if e.decision == Decision::ExplicitDeny {
        explicit_deny_fix(step, e);
        if let Some(f) = skip_fix {
            skip_tagging_fix(step, f);
        }
        return;
    }
    if e.decided_by == Layer::TrustPolicy {
        // Which trust statements grant AssumeRole to this caller? Extend those.
        let assume = ev.run("sts:AssumeRole", true, None);
        let allowing: Vec<usize> =
            assume.statements.iter().filter(|s| s.layer == Layer::TrustPolicy).map(|s| s.index).collect();
        if allowing.is_empty() {
            step.fixes.push(format!("the trust policy of {target} allows neither sts:AssumeRole nor sts:TagSession for this caller: see the sts:AssumeRole step"));
        } else {
            let fixed = with_tag_session(&ev.target.trust, &allowing);
            let what_if = ev.run("sts:TagSession", true, Some(&fixed));
            let stmts = allowing
                .iter()
                .map(|&i| stmt_name(i, &ev.target.trust.statements[i].sid))
                .collect::<Vec<_>>()
                .join(", ");
            let mut fix = format!(
                "add \"sts:TagSession\" to the Action of {stmts} in the trust policy of {target}: \"Action\": [\"sts:AssumeRole\", \"sts:TagSession\"]"
            );
            let mut also_identity = false;
            if what_if.decision == Decision::ImplicitDeny && what_if.decided_by == Layer::IdentityPolicy {
                also_identity = true;
                fix.push_str(&format!(
                    "; because the trust names the account{}, the caller's identity policy must allow it too: add \"sts:TagSession\" next to \"sts:AssumeRole\" for {} in {}'s policy",
                    if assume.notes.iter().any(|n| n.starts_with("cross-account:")) { " (cross-account)" } else { "" },
                    ev.target.arn.arn(),
                    ev.caller_role.arn.name
                ));
            } else if matches!(what_if.decision, Decision::ImplicitDeny | Decision::ExplicitDeny) {
                fix.push_str(&format!("; then {} still denies it", what_if.decided_by.as_str()));
            }
            step.fix_with(fix, "aws-cli", update_trust(target, &fixed.to_compact()));
            let cdk = match assume.trust_grant {
                Some(Grant::Account) => {
                    format!("new iam.AccountPrincipal(\"{}\").withSessionTags()", ev.target.arn.account)
                }
                Some(Grant::RoleArn) => format!("new iam.ArnPrincipal(\"{}\").withSessionTags()", ev.caller.role.arn()),
                _ => "new iam.SessionTagsPrincipal(<principal>)".to_string(),
            };
            step.fix_with(
                format!(
                    "CDK: use {cdk} where the role is created (CDK's AccountPrincipal/ArnPrincipal allow only sts:AssumeRole){}",
                    if also_identity { ", and add sts:TagSession to the caller's PolicyStatement" } else { "" }
                ),
                "cdk",
                cdk.clone(),
            );
            step.fix_with(
                "Terraform: in the trust aws_iam_policy_document statement, actions = [\"sts:AssumeRole\", \"sts:TagSession\"]".to_string(),
                "terraform",
                "actions = [\"sts:AssumeRole\", \"sts:TagSession\"]".to_string(),
            );
        }
    } else {
        layer_fix(step, e, ev, &["sts:TagSession"]);
    }
    if let Some(f) = skip_fix {
        skip_tagging_fix(step, f);
    }
}

/// The workflow input that stops the action tagging the session, as the line to paste.
fn skip_tagging_fix(step: &mut Step, prose: String) {
    if prose.contains("add `role-skip-session-tagging: true`") {
        step.fix_with(prose, "workflow", "role-skip-session-tagging: true".into());
    } else {
        step.fixes.push(prose);
    }
}

/// Fixes for a denied `sts:AssumeRoleWithWebIdentity` (IRSA or GitHub OIDC).
pub(crate) fn for_web_identity(
    step: &mut Step,
    e: &Evaluation,
    role: &crate::model::aws::Role,
    host: &str,
    subject: Option<&str>,
    provider_arn: &str,
) {
    let name = &role.arn.name;
    if e.decision == Decision::ExplicitDeny {
        return explicit_deny_fix(step, e);
    }
    let mut any = false;
    for m in &e.non_matching {
        use crate::iam::eval::Miss;
        match &m.reason {
            Miss::Condition { key, expected, actual, operator } if key.to_ascii_lowercase().ends_with(":sub") => {
                any = true;
                let got = actual.as_ref().and_then(|a| a.first()).cloned().unwrap_or_default();
                let wildcard = expected.iter().any(|e| e.contains(['*', '?']));
                let mut fix = if wildcard && !operator.contains("Like") {
                    // L3: the pattern was meant as one; StringEquals compares it literally.
                    format!(
                        "the trust condition {operator} {key} of {name} compares {expected:?} literally (no wildcard): name the account, {got:?}, or use StringLike for the pattern"
                    )
                } else {
                    format!(
                        "the trust condition {operator} {key} of {name} expects {expected:?}, the token says {got:?}: change the condition to {got:?}"
                    )
                };
                if let Some(exp) = expected.first().and_then(|e| e.strip_prefix("system:serviceaccount:"))
                    && let Some((ns, sa)) = exp.split_once(':')
                    && !wildcard
                {
                    fix.push_str(&format!(", or run the runners with service account {sa} in namespace {ns}"));
                }
                let patched = with_condition(&role.trust, m.statement.index, key, &got);
                step.fix_with(fix, "aws-cli", update_trust(name, &patched.to_compact()));
            }
            Miss::Condition { key, expected, actual, operator } if key.to_ascii_lowercase().ends_with(":aud") => {
                any = true;
                step.fixes.push(format!("the trust condition {operator} {key} of {name} expects {expected:?}, the token audience is {actual:?}: align them"));
            }
            Miss::Principal { note: Some(n), .. } => {
                any = true;
                step.fixes.push(format!("the trust policy of {name} {n}: set Principal.Federated to {provider_arn}"));
            }
            _ => {}
        }
    }
    if !any {
        let sub = subject.map(str::to_string).unwrap_or_else(|| "<subject>".into());
        let stmt = statement(
            Some(("Federated", provider_arn)),
            &["sts:AssumeRoleWithWebIdentity"],
            None,
            Some(json!({"StringEquals": {format!("{host}:sub"): sub, format!("{host}:aud"): "sts.amazonaws.com"}})),
        );
        step.fix_with(
            format!("add to the trust policy of {name}: {stmt}"),
            "aws-cli",
            update_trust(name, &trust_plus(&role.trust, &stmt)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_are_bare_only_when_plainly_safe() {
        assert_eq!(shell_word("arc-runner-base-role"), "arc-runner-base-role");
        assert_eq!(shell_word("a=arn:aws:iam::1:role/x"), "a=arn:aws:iam::1:role/x");
        assert_eq!(shell_word(r#"{"a": 1}"#), r#"'{"a": 1}'"#);
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("$(reboot)"), "'$(reboot)'");
    }
}
