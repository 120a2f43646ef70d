//! Simulating one hop: the STS requests of one AssumeRole or AssumeRoleWithWebIdentity call.

use crate::iam::arn::RoleArn;
use crate::iam::context::RequestContext;
use crate::iam::eval::{Caller, Decision, Evaluation, Layer, NamedPolicy, Request, evaluate};
use crate::iam::messages;
use crate::iam::policy::PolicyDocument;
use crate::model::Inventory;
use crate::model::aws::Role;

use super::Step;
use super::fixes;

/// Why a verdict that needs an account's IAM is unknown, and how to supply it.
pub(crate) fn missing_iam(account: &str) -> String {
    format!(
        "no IAM data for account {account}: read it live (AWS credentials for it: --profile, or --aws-profile {account}=PROFILE for another account; not with --no-aws) or add its `aws iam get-account-authorization-details` output (--bundle; with a live cluster, --bundle joins it)"
    )
}

/// The session a request is made from.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub role: RoleArn,
    pub session_name: String,
    /// Policies passed when this session was created (configure-aws-credentials
    /// `inline-session-policy` / `managed-session-policies`).
    pub session_policies: Vec<(String, PolicyDocument)>,
    /// Transitive session tags inherited by later sessions (EKS Pod Identity; R15, R17).
    pub transitive_tags: Vec<(String, String)>,
}

/// Whether the request passes session tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tagging {
    Sent,
    NotSent,
    /// `role-skip-session-tagging` is an expression: cannot know.
    Unknown,
}

pub(crate) struct AssumeParams<'a> {
    pub hop: usize,
    pub via: &'a str,
    pub target: &'a RoleArn,
    pub tagging: Tagging,
    /// `(key, value)`; `None` value = not knowable offline.
    pub tags: &'a [(String, Option<String>)],
    pub duration: u32,
    pub duration_source: &'a str,
    /// The log prefix configure-aws-credentials uses on this path.
    pub log_prefix: &'a str,
    pub external_id: Option<&'a str>,
    /// `None` = unknown (expression).
    pub session_name: Option<&'a str>,
    pub transitive_tag_keys: &'a [String],
    /// Which input skips tags, for the fix text (`None` when tags cannot be skipped by input).
    pub skip_input_hint: Option<String>,
}

/// Policies of the caller role, and the references that are missing from the data.
struct CallerPolicies<'a> {
    identity: Vec<NamedPolicy<'a>>,
    boundary: Option<NamedPolicy<'a>>,
    missing: Vec<String>,
}

fn caller_policies<'a>(inv: &'a Inventory, role: &'a Role, names: &'a mut Vec<String>) -> CallerPolicies<'a> {
    names.clear();
    for (n, _) in &role.inline {
        names.push(format!("{}/inline/{n}", role.arn.name));
    }
    let names: &'a Vec<String> = names;
    let mut identity = Vec::new();
    for ((_, doc), name) in role.inline.iter().zip(names.iter()) {
        identity.push(NamedPolicy { name, doc });
    }
    let mut missing = Vec::new();
    for arn in &role.attached {
        match inv.managed_policies.get(arn) {
            Some(p) => identity.push(NamedPolicy { name: &p.arn, doc: &p.doc }),
            None => missing.push(format!("managed policy {arn} attached to {}", role.arn.name)),
        }
    }
    let boundary = role.boundary.as_ref().and_then(|arn| match inv.managed_policies.get(arn) {
        Some(p) => Some(NamedPolicy { name: &p.arn, doc: &p.doc }),
        None => {
            missing.push(format!("permissions boundary {arn} of {}", role.arn.name));
            None
        }
    });
    CallerPolicies { identity, boundary, missing }
}

/// Request context for an AssumeRole-family call from a role session (R13, R20, R36).
fn assume_context(
    caller: &Session,
    caller_role: Option<&Role>,
    target: Option<&Role>,
    p: &AssumeParams<'_>,
    tags_sent: bool,
) -> RequestContext {
    let mut ctx = RequestContext::for_role_session(&caller.role);
    match caller_role.and_then(|r| r.role_id.as_deref()) {
        Some(id) => ctx.set("aws:userid", format!("{id}:{}", caller.session_name)),
        None => ctx.set_unknown("aws:userid"),
    };
    // aws:PrincipalTag: role tags, overridden by inherited transitive session tags (R14, R15).
    if let Some(r) = caller_role {
        for (k, v) in &r.tags {
            ctx.set(&format!("aws:PrincipalTag/{k}"), v.clone());
        }
    }
    for (k, v) in &caller.transitive_tags {
        ctx.set(&format!("aws:PrincipalTag/{k}"), v.clone());
    }
    if let Some(t) = target {
        for (k, v) in &t.tags {
            ctx.set(&format!("aws:ResourceTag/{k}"), v.clone());
            ctx.set(&format!("iam:ResourceTag/{k}"), v.clone());
        }
    }
    match p.session_name {
        Some(n) => ctx.set("sts:RoleSessionName", n),
        None => ctx.set_unknown("sts:RoleSessionName"),
    };
    if let Some(e) = p.external_id {
        if crate::model::workflow::has_expression(e) {
            ctx.set_unknown("sts:ExternalId");
        } else {
            ctx.set("sts:ExternalId", e);
        }
    }
    if tags_sent {
        let mut keys = Vec::new();
        for (k, v) in p.tags {
            keys.push(k.clone());
            match v {
                Some(v) => ctx.set(&format!("aws:RequestTag/{k}"), v.clone()),
                None => ctx.set_unknown(&format!("aws:RequestTag/{k}")),
            };
        }
        ctx.set_multi("aws:TagKeys", keys);
        if !p.transitive_tag_keys.is_empty() {
            ctx.set_multi("sts:TransitiveTagKeys", p.transitive_tag_keys.to_vec());
        }
    }
    ctx
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
            let mut s = assume.error("role_missing", likely);
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
    let mut duration_error = None;
    if p.duration > 3600 {
        duration_error = Some((
            messages::CHAINING_DURATION.to_string(),
            format!(
                "set role-duration-seconds to 3600 or less (now {} from {}): a session from a role session is role chaining, capped at 1 hour (R18)",
                p.duration, p.duration_source
            ),
        ));
    } else if p.duration < 900 {
        duration_error = Some((
            format!(
                "ValidationError: 1 validation error detected: Value '{}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
                p.duration
            ),
            "set role-duration-seconds to at least 900".to_string(),
        ));
    }

    let mut names = Vec::new();
    let ev = HopEvaluator {
        caller,
        caller_role,
        target,
        p,
        cp: caller_policies(inv, caller_role, &mut names),
        session: caller.session_policies.iter().map(|(n, d)| NamedPolicy { name: n, doc: d }).collect(),
        scps: inv.scps.iter().map(|s| NamedPolicy { name: &s.name, doc: &s.doc }).collect(),
        caller_id: Caller::RoleSession {
            role: caller.role.clone(),
            role_id: caller_role.role_id.clone(),
            session_name: caller.session_name.clone(),
        },
        trust_name: format!("{}/trust", target.arn.name),
        inv,
    };
    let run = |action: &str, tags_sent: bool| ev.run(action, tags_sent, None);

    let tags_sent = p.tagging != Tagging::NotSent;
    let e = run("sts:AssumeRole", tags_sent);
    assume.apply(&e);
    finish_step(&mut assume, &e, p.log_prefix);
    fixes::for_assume(&mut assume, &e, &ev);
    if let Some((msg, fix)) = &duration_error {
        assume.notes.push(format!("policy evaluation alone: {}", e.decision.as_str()));
        assume.decision = Decision::Error;
        assume.decided_by = "session_duration";
        assume.message = Some(msg.clone());
        assume.documented_message = None;
        assume.log_line = Some(format!("{}{}", p.log_prefix, msg.trim_start_matches("ValidationError: ")));
        assume.fixes.insert(0, fix.clone());
    } else if let Some(max) = target.max_session_duration
        && p.duration > max
    {
        assume.decision = Decision::Error;
        assume.decided_by = "session_duration";
        assume.message = Some(messages::MAX_SESSION_DURATION.into());
        assume.fixes.insert(
            0,
            format!("lower role-duration-seconds to {max} or raise MaxSessionDuration of {}", target.arn.name),
        );
    }
    let mut steps = vec![assume];

    if tag_step {
        let mut tag = Step::new(p.hop, p.via, "sts:TagSession", &principal, &resource);
        let e = run("sts:TagSession", true);
        tag.apply(&e);
        if p.tagging == Tagging::NotSent && inherited {
            tag.notes.push("the session carries transitive tags inherited from EKS Pod Identity; users report the next AssumeRole then needs sts:TagSession even with role-skip-session-tagging (R17, reported behaviour)".into());
        }
        if p.tagging == Tagging::Unknown && e.decision != Decision::Allow {
            tag.notes.push(
                "role-skip-session-tagging is an expression: whether tags are sent is not knowable offline".into(),
            );
            tag.decision = Decision::Unknown;
            tag.decided_by = "unknown";
        }
        finish_step(&mut tag, &e, p.log_prefix);
        fixes::for_tag_session(&mut tag, &e, &ev, inherited);
        steps.push(tag);
    }
    steps
}

/// Everything needed to evaluate the requests of one AssumeRole hop, also under what-ifs.
pub(crate) struct HopEvaluator<'a> {
    pub caller: &'a Session,
    pub caller_role: &'a Role,
    pub target: &'a Role,
    pub p: &'a AssumeParams<'a>,
    cp: CallerPolicies<'a>,
    session: Vec<NamedPolicy<'a>>,
    scps: Vec<NamedPolicy<'a>>,
    caller_id: Caller,
    trust_name: String,
    inv: &'a Inventory,
}

impl HopEvaluator<'_> {
    /// Evaluate `action`; `trust` replaces the target's trust policy for a what-if.
    pub fn run(&self, action: &str, tags_sent: bool, trust: Option<&PolicyDocument>) -> Evaluation {
        let ctx = assume_context(self.caller, Some(self.caller_role), Some(self.target), self.p, tags_sent);
        let req = Request {
            action,
            target: &self.target.arn,
            caller: &self.caller_id,
            ctx: &ctx,
            trust: NamedPolicy { name: &self.trust_name, doc: trust.unwrap_or(&self.target.trust) },
            identity: self.cp.identity.clone(),
            boundary: self.cp.boundary,
            session: self.session.clone(),
            scps: self.scps.clone(),
            known_ids: self.inv,
        };
        let mut e = evaluate(&req);
        // A referenced policy missing from the data could hold an allow or a deny.
        let trust_denied = e.decision == Decision::ImplicitDeny && e.decided_by == Layer::TrustPolicy;
        if !self.cp.missing.is_empty() && e.decision != Decision::ExplicitDeny && !trust_denied {
            let caller_side =
                e.decided_by != Layer::TrustPolicy || e.trust_grant == Some(crate::iam::eval::Grant::Account);
            if caller_side || e.decision == Decision::Allow {
                e.notes.push(format!("missing from the data: {}", self.cp.missing.join(", ")));
                e.decision = Decision::Unknown;
            }
        }
        e
    }
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

/// The web-identity hop (R11, R22): IRSA's token, or a workflow's GitHub OIDC token.
pub(crate) struct WebIdentityParams<'a> {
    pub hop: usize,
    pub via: &'a str,
    pub role: &'a RoleArn,
    pub issuer: &'a str,
    /// `None`: the `sub` claim is not knowable offline (GitHub OIDC).
    pub subject: Option<&'a str>,
    pub audience: &'a str,
    pub log_prefix: &'a str,
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
        let mut s = step.error("oidc_provider_missing", msg);
        let url = format!("https://{}", issuer_host_path(p.issuer));
        let eksctl = if url.contains(".eks.") {
            "eksctl utils associate-iam-oidc-provider --cluster <cluster> --approve, or "
        } else {
            ""
        };
        s.fixes.push(format!(
            "create the IAM OIDC provider for {url} in account {} with client ID {} ({eksctl}aws iam create-open-id-connect-provider --url {url} --client-id-list {})",
            p.role.account, p.audience, p.audience
        ));
        return s;
    }
    if let ProviderLookup::Found { client_ids: Some(ids), .. } = &lookup
        && !ids.iter().any(|c| c == p.audience)
    {
        let msg = messages::INCORRECT_AUDIENCE.to_string();
        step.log_line = Some(format!("{}{msg}", p.log_prefix));
        let mut s = step.error("audience_mismatch", msg);
        s.notes.push(format!("token audience {:?}; provider client IDs {ids:?}", p.audience));
        s.fixes.push(format!("add {:?} to the client IDs of the OIDC provider (aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {provider_arn} --client-id {}), or set the eks.amazonaws.com/audience annotation to one of {ids:?}", p.audience, p.audience));
        return s;
    }
    let Some(role) = inv.role(&resource) else {
        return if inv.iam_loaded(&p.role.account) {
            step.log_line = Some(format!("{}{}", p.log_prefix, messages::WEB_IDENTITY_DENIED));
            let mut s = step.error("role_missing", messages::WEB_IDENTITY_DENIED);
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
        step.decided_by = "unknown";
        step.notes.push(format!("the trust policy allows, but no OIDC provider data for account {} is in the bundle (add `aws iam list-open-id-connect-providers` output)", p.role.account));
    }
    step
}

/// A request decided by the role's trust policy alone: web identity and service principals
/// have no AWS identity, boundary, session policy or SCP (R11, iam-rules §3.3).
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
        scps: Vec::new(),
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
            let mut s =
                s.error("role_missing", format!("role {resource} of the Pod Identity association does not exist"));
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
                    "the trust policy of {} must allow Principal {{\"Service\": \"{SERVICE}\"}} with Action [\"sts:AssumeRole\", \"sts:TagSession\"] (EKS Pod Identity, iam-rules §3.3)",
                    role.arn.name
                ));
            }
            s
        })
        .collect()
}
