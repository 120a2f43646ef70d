//! Simulating one hop: the STS requests of one AssumeRole or AssumeRoleWithWebIdentity call.

use crate::iam::arn::RoleArn;
use crate::iam::context::RequestContext;
use crate::iam::eval::{Caller, Decision, Evaluation, Layer, NamedPolicy, Request, evaluate};
use crate::iam::messages;
use crate::model::Inventory;
use crate::model::aws::Role;

use super::fixes;
use super::session::{AssumeParams, HopEvaluator, Session, Tagging, WebIdentityParams};
use super::{DecidedBy, Step};

/// Why a verdict that needs an account's IAM is unknown, and how to supply it.
pub(crate) fn missing_iam(account: &str) -> String {
    format!(
        "no IAM data for account {account}: read it live (AWS credentials for it: --profile, or --aws-profile {account}=PROFILE for another account; not with --no-aws) or add its `aws iam get-account-authorization-details` output (--bundle; with a live cluster, --bundle joins it)"
    )
}

/// R39: the session tags a hop carries — the action's and the caller's inherited transitive ones
/// (EKS Pod Identity adds six) — with their sizes. STS packs tags (and session policies) into a
/// binary form whose limit AWS does not publish ("Your request can fail for this limit even if
/// your plaintext meets the other requirements", AssumeRole API reference, Tags), so the mix that
/// is reported to pass it is a warning with the figures, never a verdict.
fn tag_size_note(caller: &Session, p: &AssumeParams<'_>) -> Option<String> {
    let sent: &[(String, Option<String>)] = if p.tagging == Tagging::NotSent { &[] } else { p.tags };
    let inherited = &caller.transitive_tags;
    if sent.is_empty() || inherited.is_empty() {
        return None;
    }
    let chars: usize = sent.iter().map(|(k, v)| k.len() + v.as_ref().map_or(0, String::len)).sum::<usize>()
        + inherited.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let unknown = sent.iter().any(|(_, v)| v.is_none());
    Some(format!(
        "session tags on this hop: {} sent by the action and {} inherited transitive ones ({}), {}{chars} characters of keys and values; with Pod Identity's tags this mix is reported to pass STS's packed-size limit (PackedPolicyTooLarge, \"Packed size of session tags consumes 142% of allotted space\", configure-aws-credentials #1803) — if it does: role-skip-session-tagging: true, disableSessionTags on the Pod Identity association, or configure-aws-credentials v6.2.3+ (drops its droppable tags once)",
        sent.len(),
        inherited.len(),
        inherited.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", "),
        if unknown { "at least " } else { "" },
    ))
}

/// R39: the limits AWS documents for AssumeRole's `Tags` — at most 50, keys up to 128
/// characters, values up to 256 (AssumeRole API reference) — decided when the action would pass
/// them (custom-tags beyond them).
fn tag_limit(p: &AssumeParams<'_>) -> Option<String> {
    if p.tagging == Tagging::NotSent {
        return None;
    }
    if p.tags.len() > 50 {
        return Some(format!(
            "{} session tags: AssumeRole takes at most 50 (the action's own tags and custom-tags together)",
            p.tags.len()
        ));
    }
    if let Some((k, _)) = p.tags.iter().find(|(k, _)| k.chars().count() > 128) {
        return Some(format!(
            "session tag key {k:?} is {} characters: AssumeRole takes at most 128",
            k.chars().count()
        ));
    }
    if let Some((k, Some(v))) = p.tags.iter().find(|(_, v)| v.as_ref().is_some_and(|v| v.chars().count() > 256)) {
        return Some(format!(
            "session tag {k:?} has a {}-character value: AssumeRole takes at most 256",
            v.chars().count()
        ));
    }
    None
}

/// Simulate `sts:AssumeRole` (+ `sts:TagSession`) from a role session into `p.target`.
pub(crate) fn assume_role(inv: &Inventory, caller: &Session, p: &AssumeParams<'_>) -> Vec<Step> {
    let principal = caller.role.session_arn(&caller.session_name);
    let resource = p.target.arn();
    let mut assume = Step::new(p.hop, p.via, "sts:AssumeRole", &principal, &resource);
    assume.request = Some(super::StsRequest {
        session_name: p.session_name.map(str::to_string),
        tags: if p.tagging == Tagging::NotSent { Vec::new() } else { p.tags.to_vec() },
        duration_seconds: p.duration,
        external_id: p.external_id.map(str::to_string),
    });
    let target = inv.role(&resource);
    let caller_role = inv.role(&caller.role.arn());
    // R17 [obs]: inherited transitive tags require TagSession even when the action sends none.
    let inherited = !caller.transitive_tags.is_empty();
    let tag_step = match p.tagging {
        Tagging::Sent => true,
        Tagging::Unknown => true,
        Tagging::NotSent => inherited,
    };

    let Some(target) = target else {
        let step = if inv.iam_loaded(&p.target.account) {
            let (likely, documented) = messages::access_denied(
                &principal,
                "sts:AssumeRole",
                &resource,
                Decision::ImplicitDeny,
                Layer::TrustPolicy,
            );
            let mut s = assume.error(DecidedBy::RoleMissing, likely);
            s.documented_message = Some(documented);
            s.notes.push(format!(
                "no role {} in account {}'s IAM data: STS answers AccessDenied for a role that does not exist",
                p.target.name, p.target.account
            ));
            s.fixes.push(format!("check the role name in role-to-assume: {resource} does not exist (roles in the account: see `arcscope` Roles view or `aws iam list-roles`)"));
            s
        } else {
            assume.unknown(missing_iam(&p.target.account))
        };
        return vec![step];
    };
    let Some(caller_role) = caller_role else {
        return vec![assume.unknown(format!("the caller role {} is not in the IAM data", caller.role.arn()))];
    };

    // R18: role chaining caps the session at one hour; otherwise MaxSessionDuration.
    let duration_error = duration_error(p);
    let mut names = Vec::new();
    let ev = HopEvaluator::new(inv, caller, caller_role, target, p, &mut names);
    let run = |action: &str, tags_sent: bool| ev.run(action, tags_sent, None);

    let tags_sent = p.tagging != Tagging::NotSent;
    let e = run("sts:AssumeRole", tags_sent);
    assume.apply(&e);
    finish_step(&mut assume, &e, p.log_prefix);
    fixes::for_assume(&mut assume, &e, &ev);
    if let Some((msg, fix)) = &duration_error {
        assume.notes.push(format!("policy evaluation alone: {}", e.decision.as_str()));
        assume.decision = Decision::Error;
        assume.decided_by = DecidedBy::SessionDuration;
        assume.message = Some(msg.clone());
        assume.documented_message = None;
        assume.log_line = Some(format!("{}{}", p.log_prefix, msg.trim_start_matches("ValidationError: ")));
        assume.fix_first(fix.clone());
    } else if let Some(max) = target.max_session_duration
        && p.duration > max
    {
        assume.decision = Decision::Error;
        assume.decided_by = DecidedBy::SessionDuration;
        assume.message = Some(messages::MAX_SESSION_DURATION.into());
        assume.fix_first(format!(
            "lower role-duration-seconds to {max} or raise MaxSessionDuration of {}",
            target.arn.name
        ));
    }
    if let Some(note) = tag_size_note(caller, p) {
        assume.notes.push(note);
    }
    if let Some(why) = tag_limit(p) {
        assume.notes.push(format!("policy evaluation alone: {}", assume.decision.as_str()));
        assume.decision = Decision::Error;
        assume.decided_by = DecidedBy::SessionTags;
        assume.message = Some(why);
        assume.documented_message = None;
        assume.fix_first("send fewer or shorter session tags (custom-tags), or role-skip-session-tagging: true".into());
    }
    let mut steps = vec![assume];

    if tag_step {
        steps.push(tag_session(&ev, &principal, &resource, inherited));
    }
    steps
}

/// A duration STS refuses before any policy is read: over an hour from a role session (role
/// chaining, R18), or under the 15-minute minimum. `(AWS's message, the fix)`.
fn duration_error(p: &AssumeParams<'_>) -> Option<(String, String)> {
    if p.duration > 3600 {
        return Some((
            messages::CHAINING_DURATION.to_string(),
            format!(
                "set role-duration-seconds to 3600 or less (now {} from {}): a session from a role session is role chaining, capped at 1 hour",
                p.duration, p.duration_source
            ),
        ));
    }
    (p.duration < 900).then(|| {
        (
            format!(
                "ValidationError: 1 validation error detected: Value '{}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
                p.duration
            ),
            "set role-duration-seconds to at least 900".to_string(),
        )
    })
}

/// The `sts:TagSession` half of an AssumeRole call that sends (or inherits) session tags.
fn tag_session(ev: &HopEvaluator<'_>, principal: &str, resource: &str, inherited: bool) -> Step {
    let p = ev.p;
    let mut tag = Step::new(p.hop, p.via, "sts:TagSession", principal, resource);
    let e = ev.run("sts:TagSession", true, None);
    tag.apply(&e);
    if p.tagging == Tagging::NotSent && inherited {
        tag.notes.push("the session carries transitive tags inherited from EKS Pod Identity; users report the next AssumeRole then needs sts:TagSession even with role-skip-session-tagging (reported behaviour)".into());
    }
    if p.tagging == Tagging::Unknown && e.decision != Decision::Allow {
        tag.notes
            .push("role-skip-session-tagging is an expression: whether tags are sent is not knowable offline".into());
        tag.decision = Decision::Unknown;
        tag.decided_by = DecidedBy::Unknown;
    }
    finish_step(&mut tag, &e, p.log_prefix);
    fixes::for_tag_session(&mut tag, &e, ev, inherited);
    tag
}

fn finish_step(step: &mut Step, e: &Evaluation, log_prefix: &str) {
    if matches!(e.decision, Decision::ImplicitDeny | Decision::ExplicitDeny) && step.decision != Decision::Unknown {
        let (likely, documented) =
            messages::access_denied(&step.principal, &step.action, &step.resource, e.decision, e.decided_by);
        step.log_line = Some(format!("{log_prefix}{likely}"));
        step.message = Some(likely);
        step.documented_message = Some(documented);
    }
}

pub(crate) fn web_identity(inv: &Inventory, p: &WebIdentityParams<'_>) -> Step {
    use crate::iam::arn::{issuer_host_path, oidc_provider_arn};
    use crate::model::ProviderLookup;
    let resource = p.role.arn();
    let provider_arn = oidc_provider_arn(&p.role.partition, &p.role.account, p.issuer);
    let mut step = Step::new(p.hop, p.via, "sts:AssumeRoleWithWebIdentity", &provider_arn, &resource);
    let lookup = inv.provider_for(&p.role.partition, &p.role.account, p.issuer);
    if lookup == ProviderLookup::Missing {
        let msg = messages::no_oidc_provider(p.issuer);
        step.log_line = Some(format!("{}{msg}", p.log_prefix));
        let mut s = step.error(DecidedBy::OidcProviderMissing, msg);
        let url = format!("https://{}", issuer_host_path(p.issuer));
        let eksctl = if url.contains(".eks.") {
            "eksctl utils associate-iam-oidc-provider --cluster <cluster> --approve, or "
        } else {
            ""
        };
        s.fix_with(
            format!(
                "create the IAM OIDC provider for {url} in account {} with client ID {} ({eksctl}aws iam create-open-id-connect-provider --url {url} --client-id-list {})",
                p.role.account, p.audience, p.audience
            ),
            "aws-cli",
            format!(
                "aws iam create-open-id-connect-provider --url {} --client-id-list {}",
                super::fixes::shell_word(&url),
                super::fixes::shell_word(p.audience)
            ),
        );
        return s;
    }
    if let ProviderLookup::Found { client_ids: Some(ids), .. } = &lookup
        && !ids.iter().any(|c| c == p.audience)
    {
        let msg = messages::INCORRECT_AUDIENCE.to_string();
        step.log_line = Some(format!("{}{msg}", p.log_prefix));
        let mut s = step.error(DecidedBy::AudienceMismatch, msg);
        s.notes.push(format!("token audience {:?}; provider client IDs {ids:?}", p.audience));
        s.fixes.push(format!("add {:?} to the client IDs of the OIDC provider (aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {provider_arn} --client-id {}), or set the eks.amazonaws.com/audience annotation to one of {ids:?}", p.audience, p.audience));
        return s;
    }
    let Some(role) = inv.role(&resource) else {
        return if inv.iam_loaded(&p.role.account) {
            step.log_line = Some(format!("{}{}", p.log_prefix, messages::WEB_IDENTITY_DENIED));
            let mut s = step.error(DecidedBy::RoleMissing, messages::WEB_IDENTITY_DENIED);
            s.fixes.push(format!(
                "role {resource} does not exist in account {}: create it or fix the role ARN",
                p.role.account
            ));
            s
        } else {
            step.unknown(missing_iam(&p.role.account))
        };
    };
    let host = issuer_host_path(p.issuer);
    let mut ctx = RequestContext::new();
    match p.subject {
        Some(sub) => ctx.set(&format!("{host}:sub"), sub),
        // A GitHub OIDC token carries many claims (repository, ref, job_workflow_ref, …) whose
        // values depend on the run: every unset claim is present but unknown.
        None => ctx.set_unknown_prefix(&format!("{host}:")),
    };
    ctx.set(&format!("{host}:aud"), p.audience);
    ctx.set("aws:FederatedProvider", provider_arn.clone());
    for key in ["aws:SourceIp", "aws:CurrentTime", "aws:EpochTime", "aws:RequestedRegion"] {
        ctx.set_unknown(key);
    }
    for (k, v) in &role.tags {
        ctx.set(&format!("aws:ResourceTag/{k}"), v.clone());
    }
    let caller = Caller::WebIdentity { provider_arn: provider_arn.clone() };
    let e = trust_only(inv, role, &caller, &ctx, "sts:AssumeRoleWithWebIdentity");
    step.apply(&e);
    if matches!(e.decision, Decision::ImplicitDeny | Decision::ExplicitDeny) {
        step.message = Some(messages::WEB_IDENTITY_DENIED.into());
        step.log_line = Some(format!("{}{}", p.log_prefix, messages::WEB_IDENTITY_DENIED));
        fixes::for_web_identity(&mut step, &e, role, host, p.subject, &provider_arn);
    }
    if e.decision == Decision::Allow && lookup == ProviderLookup::Unknown {
        step.decision = Decision::Unknown;
        step.decided_by = DecidedBy::Unknown;
        step.notes.push(format!("the trust policy allows, but no OIDC provider data for account {} is in the bundle (add `aws iam list-open-id-connect-providers` output)", p.role.account));
    }
    step
}

/// A request decided by the role's trust policy alone: web identity and service principals
/// have no AWS identity, boundary, session policy or SCP (R11, iam-rules §3.3); the RCPs of the
/// role's account still apply (R2).
fn trust_only(inv: &Inventory, role: &Role, caller: &Caller, ctx: &RequestContext, action: &str) -> Evaluation {
    let trust_name = format!("{}/trust", role.arn.name);
    evaluate(&Request {
        action,
        target: &role.arn,
        caller,
        ctx,
        trust: NamedPolicy { name: &trust_name, doc: &role.trust },
        identity: Vec::new(),
        boundary: None,
        session: Vec::new(),
        scps: crate::iam::eval::OrgPolicies::None,
        rcps: inv.rcps_for(action, &role.arn.arn()),
        known_ids: inv,
    })
}

/// EKS Pod Identity: the service principal assumes the association's role with tags (§3.3).
pub(crate) fn pod_identity(
    inv: &Inventory,
    hop: usize,
    role_arn: &RoleArn,
    tags: &[(String, String)],
    tags_enabled: bool,
) -> Vec<Step> {
    const SERVICE: &str = "pods.eks.amazonaws.com";
    let resource = role_arn.arn();
    let Some(role) = inv.role(&resource) else {
        let s = Step::new(hop, "EKS Pod Identity", "sts:AssumeRole", SERVICE, &resource);
        return vec![if inv.iam_loaded(&role_arn.account) {
            let mut s = s.error(
                DecidedBy::RoleMissing,
                format!("role {resource} of the Pod Identity association does not exist"),
            );
            s.fixes.push("fix the association's roleArn (aws eks update-pod-identity-association)".into());
            s
        } else {
            s.unknown(missing_iam(&role_arn.account))
        }];
    };
    let caller = Caller::Service(SERVICE.into());
    let mut ctx = RequestContext::new();
    if tags_enabled {
        for (k, v) in tags {
            ctx.set(&format!("aws:RequestTag/{k}"), v.clone());
        }
        ctx.set_multi("aws:TagKeys", tags.iter().map(|(k, _)| k.clone()).collect());
    }
    let mut actions = vec!["sts:AssumeRole"];
    if tags_enabled {
        actions.push("sts:TagSession");
    }
    actions
        .into_iter()
        .map(|action| {
            let e = trust_only(inv, role, &caller, &ctx, action);
            let mut s = Step::new(hop, "EKS Pod Identity", action, SERVICE, &resource);
            s.apply(&e);
            if s.is_denied() {
                let (likely, documented) = messages::access_denied(SERVICE, action, &resource, e.decision, e.decided_by);
                s.message = Some(likely);
                s.documented_message = Some(documented);
                s.fixes.push(format!(
                    "the trust policy of {} must allow Principal {{\"Service\": \"{SERVICE}\"}} with Action [\"sts:AssumeRole\", \"sts:TagSession\"] (EKS Pod Identity: https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html)",
                    role.arn.name
                ));
            }
            s
        })
        .collect()
}
