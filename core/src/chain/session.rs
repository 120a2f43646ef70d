//! The session a hop's requests come from, and the evaluator of one AssumeRole hop's requests
//! (also under what-ifs): the types `hop` builds and `fixes` reads.

use crate::iam::arn::RoleArn;
use crate::iam::context::RequestContext;
use crate::iam::eval::{Caller, Decision, Evaluation, Layer, NamedPolicy, Request, evaluate};
use crate::iam::policy::PolicyDocument;
use crate::model::Inventory;
use crate::model::aws::Role;
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

/// One request of the job (#17.1) from `session`: the principal's side — SCPs, the role's identity
/// policies, its permissions boundary, the session's policies. `None`: the role is not in the data.
pub(super) fn evaluate_job_request(
    inv: &Inventory,
    session: &Session,
    action: &str,
    resource: &str,
) -> Option<Evaluation> {
    let role = inv.role(&session.role.arn())?;
    let mut names = Vec::new();
    let policies = caller_policies(inv, role, &mut names);
    let caller = Caller::RoleSession {
        role: role.arn.clone(),
        role_id: role.role_id.clone(),
        session_name: session.session_name.clone(),
    };
    let mut ctx = RequestContext::for_role_session(&role.arn);
    for (k, v) in &role.tags {
        ctx.set(&format!("aws:PrincipalTag/{k}"), v.clone());
    }
    for (k, v) in &session.transitive_tags {
        ctx.set(&format!("aws:PrincipalTag/{k}"), v.clone());
    }
    let req = crate::iam::eval::ActionRequest {
        action,
        resource,
        caller: &caller,
        ctx: &ctx,
        identity: policies.identity,
        boundary: policies.boundary,
        session: session.session_policies.iter().map(|(n, d)| NamedPolicy { name: n, doc: d }).collect(),
        scps: inv.scps_for(Some(&role.arn.account)),
        rcps: inv.rcps_for(action, resource),
        resource_policy: inv.resource_policy_for(resource).map(|(name, doc)| NamedPolicy { name, doc }),
        identity_side_only: false,
        resource_elsewhere: inv.bucket_elsewhere(resource, &role.arn.account),
    };
    Some(crate::iam::eval::evaluate_action(&req))
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

/// Everything needed to evaluate the requests of one AssumeRole hop, also under what-ifs.
pub(crate) struct HopEvaluator<'a> {
    pub caller: &'a Session,
    pub caller_role: &'a Role,
    pub target: &'a Role,
    pub p: &'a AssumeParams<'a>,
    cp: CallerPolicies<'a>,
    session: Vec<NamedPolicy<'a>>,
    scps: crate::iam::eval::OrgPolicies<'a>,
    rcps: crate::iam::eval::OrgPolicies<'a>,
    caller_id: Caller,
    trust_name: String,
    inv: &'a Inventory,
}

impl<'a> HopEvaluator<'a> {
    pub fn new(
        inv: &'a Inventory,
        caller: &'a Session,
        caller_role: &'a Role,
        target: &'a Role,
        p: &'a AssumeParams<'a>,
        names: &'a mut Vec<String>,
    ) -> HopEvaluator<'a> {
        HopEvaluator {
            caller,
            caller_role,
            target,
            p,
            cp: caller_policies(inv, caller_role, names),
            session: caller.session_policies.iter().map(|(n, d)| NamedPolicy { name: n, doc: d }).collect(),
            scps: inv.scps_for(Some(&caller.role.account)),
            rcps: inv.rcps_for("sts:AssumeRole", &target.arn.arn()),
            caller_id: Caller::RoleSession {
                role: caller.role.clone(),
                role_id: caller_role.role_id.clone(),
                session_name: caller.session_name.clone(),
            },
            trust_name: format!("{}/trust", target.arn.name),
            inv,
        }
    }

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
            rcps: self.rcps.clone(),
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
