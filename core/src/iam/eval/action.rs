//! `evaluate_action`: the principal's side of a request that is not an AssumeRole (what the job
//! does: an ECR push, an S3 write), with the resource's own policy as a layer (#17.2).

use super::{
    Caller, Decision, Evaluation, Grant, KnownIds, Layer, LayerScan, NamedPolicy, OrgPolicies, OrgScan, Subject,
    deny_pass, must_allow, scan, scan_org, unknown,
};
use crate::iam::context::RequestContext;

/// A request for an action on a resource other than a role's trust: what a role's session may do
/// once it has it (`ecr:PutImage` on a repository, `s3:PutObject` on an object).
#[derive(Clone)]
pub struct ActionRequest<'a> {
    pub action: &'a str,
    /// The resource's ARN (`*` for actions without a resource, like `ecr:GetAuthorizationToken`).
    pub resource: &'a str,
    pub caller: &'a Caller,
    pub ctx: &'a RequestContext,
    pub identity: Vec<NamedPolicy<'a>>,
    pub boundary: Option<NamedPolicy<'a>>,
    pub session: Vec<NamedPolicy<'a>>,
    /// The caller's SCPs, root first (R3).
    pub scps: OrgPolicies<'a>,
    /// The RCPs of the resource's account, when its service supports RCPs (R2).
    pub rcps: OrgPolicies<'a>,
    /// The resource's own policy (a repository's, a bucket's), when the data holds it.
    pub resource_policy: Option<NamedPolicy<'a>>,
    /// Decide the principal's side only (the wizard, which says itself that another account's
    /// resource must allow too); else a resource in another account whose policy the data does
    /// not hold is `unknown` (R9).
    pub identity_side_only: bool,
    /// Whether the resource is in another account than the caller's, when its ARN does not say
    /// (an S3 bucket's names no account): `Some` from the data (the owner's `list-buckets`), `None`
    /// to go by the ARN — where it names no account, the same account is taken (said by the caller
    /// of this function as an assumption).
    pub resource_elsewhere: Option<bool>,
}

/// The principal's side of a request (R1, R3, R5–R7): an explicit deny anywhere is final, then
/// SCPs, the identity policies, the permissions boundary (when the role has one) and the session
/// policy (when the session has one) must each allow — the effective permissions are their
/// intersection — and the resource's RCPs (R2). The resource's own policy (a repository's or a
/// bucket's) adds an allow in the same account (R4) and must allow across accounts (R9).
pub fn evaluate_action(req: &ActionRequest<'_>) -> Evaluation {
    let mut notes = Vec::new();
    let no_ids: &dyn KnownIds = &();
    let sub =
        Subject { action: req.action, resource: req.resource, caller: req.caller, ctx: req.ctx, known_ids: no_ids };
    let service_linked =
        matches!(req.caller, Caller::RoleSession { role, .. } if crate::iam::arn::is_service_linked(&role.name));
    let none = OrgPolicies::None;
    let scp = scan_org(Layer::Scp, if service_linked { &none } else { &req.scps }, &sub, &mut notes);
    let rcp = scan_org(Layer::Rcp, if service_linked { &none } else { &req.rcps }, &sub, &mut notes);
    let e = evaluate_action_layers(req, &sub, &scp, &rcp, notes);
    rcp.settle(scp.settle(e))
}

fn evaluate_action_layers(
    req: &ActionRequest<'_>,
    sub: &Subject<'_>,
    scp: &OrgScan,
    rcp: &OrgScan,
    mut notes: Vec<String>,
) -> Evaluation {
    let boundary: Vec<NamedPolicy<'_>> = req.boundary.into_iter().collect();
    let resource_policy: Vec<NamedPolicy<'_>> = req.resource_policy.into_iter().collect();
    let scans = [
        scan(Layer::ResourcePolicy, &resource_policy, sub, &mut notes),
        scan(Layer::IdentityPolicy, &req.identity, sub, &mut notes),
        scan(Layer::PermissionsBoundary, &boundary, sub, &mut notes),
        scan(Layer::SessionPolicy, &req.session, sub, &mut notes),
    ];
    // R1: an explicit deny anywhere — the resource's own policy and the RCPs included — is final.
    let all: Vec<&LayerScan> = scp.scans().chain(rcp.scans()).chain(scans.iter()).collect();
    let mut notes = match deny_pass(&all, notes) {
        Ok(notes) => notes,
        Err(decided) => return decided,
    };
    let [resource, identity, bound, session] = &scans;
    let mut statements = Vec::new();
    // R3, R2: every level of the caller's SCPs and of the resource account's RCPs must allow.
    let mut guardrails = Vec::new();
    if let Err(decided) = scp.must_allow(&mut guardrails, &mut notes) {
        return decided;
    }
    if let Err(decided) = rcp.must_allow(&mut guardrails, &mut notes) {
        return decided;
    }
    // R9: across accounts the resource's own policy must allow too; R4: in the same account it
    // may grant alone — fully to the named session, limited by the boundary and session policy
    // when it names the role, not at all when it names the account.
    let resource_account =
        crate::iam::arn::parse(req.resource).map(|a| a.account.to_string()).filter(|a| !a.is_empty());
    let cross = !req.identity_side_only
        && match req.resource_elsewhere {
            Some(elsewhere) => elsewhere,
            None => {
                resource_account.is_some()
                    && req.caller.account().is_some_and(|a| Some(a.to_string()) != resource_account)
            }
        };
    let grant = resource.allows.iter().filter_map(|(_, g)| *g).min();
    // KMS: the key policy must always allow — an identity policy counts only where the key
    // policy delegates to the account (AWS KMS developer guide, "Key policies").
    let key_policy = req.action.starts_with("kms:") && !req.identity_side_only;
    let mut layers: Vec<&LayerScan> = vec![identity, bound, session];
    if cross || key_policy {
        if !resource.present {
            let mut e = unknown(resource, Vec::new(), std::mem::take(&mut notes));
            e.notes.push(if key_policy {
                format!(
                    "{}: a KMS key's own policy must allow, and the data does not hold it (aws kms get-key-policy)",
                    req.resource
                )
            } else {
                format!(
                    "{} is in another account: its own policy must allow too, and the data does not hold it",
                    req.resource
                )
            });
            return e;
        }
        if let Err(decided) = must_allow(resource, &mut statements, &mut notes) {
            return decided;
        }
    }
    if !cross {
        match grant {
            Some(Grant::SessionArn) => layers.clear(),
            Some(Grant::Wildcard | Grant::RoleArn | Grant::UserArn) => layers = vec![bound, session],
            _ => {}
        }
        if grant.is_some() && !key_policy {
            statements.extend(resource.allows.iter().map(|(r, _)| r.clone()));
        }
    }
    for s in layers {
        // Identity policies must allow even when there are none; the others only when present.
        if s.layer != Layer::IdentityPolicy && !s.present {
            continue;
        }
        if let Err(decided) = must_allow(s, &mut statements, &mut notes) {
            return decided;
        }
    }
    Evaluation {
        decision: Decision::Allow,
        decided_by: match grant {
            Some(g) if !cross && g != Grant::Account => Layer::ResourcePolicy,
            _ => Layer::IdentityPolicy,
        },
        statements,
        non_matching: Vec::new(),
        trust_grant: grant,
        notes,
    }
}
