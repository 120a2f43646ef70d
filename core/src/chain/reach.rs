//! "Who can assume what": every caller role's `sts:AssumeRole` into every role, for the Roles
//! view and the scale benchmark. One evaluation per pair, the caller side prepared once.

use crate::iam::arn::RoleArn;
use crate::iam::context::RequestContext;
use crate::iam::eval::{Caller, Decision, NamedPolicy, OrgPolicies, Request, evaluate};
use crate::model::Inventory;

/// For each caller (a role whose sessions make the request), the targets it may assume.
#[derive(Debug, Clone)]
pub struct Reach {
    pub caller: String,
    /// `(target role ARN, decision)` for every role except the caller, allowed or unknown.
    pub targets: Vec<(String, Decision)>,
}

/// Evaluate `sts:AssumeRole` from a session of each caller into every role in the inventory.
pub fn who_can_assume(inv: &Inventory, callers: &[RoleArn]) -> Vec<Reach> {
    let targets: Vec<(&crate::model::aws::Role, String, String, OrgPolicies<'_>)> = inv
        .roles
        .values()
        .map(|r| (r, r.arn.arn(), format!("{}/trust", r.arn.name), inv.rcps_for("sts:AssumeRole", &r.arn.arn())))
        .collect();
    callers
        .iter()
        .map(|caller_arn| {
            let mut out = Reach { caller: caller_arn.arn(), targets: Vec::new() };
            let Some(role) = inv.role(&caller_arn.arn()) else {
                return out;
            };
            let inline_names: Vec<String> =
                role.inline.iter().map(|(n, _)| format!("{}/inline/{n}", role.arn.name)).collect();
            let mut identity: Vec<NamedPolicy<'_>> =
                role.inline.iter().zip(&inline_names).map(|((_, d), n)| NamedPolicy { name: n, doc: d }).collect();
            identity.extend(
                role.attached
                    .iter()
                    .filter_map(|a| inv.managed_policies.get(a))
                    .map(|p| NamedPolicy { name: &p.arn, doc: &p.doc }),
            );
            let boundary = role
                .boundary
                .as_ref()
                .and_then(|b| inv.managed_policies.get(b))
                .map(|p| NamedPolicy { name: &p.arn, doc: &p.doc });
            let scps = inv.scps_for(Some(&role.arn.account));
            let caller = Caller::RoleSession {
                role: role.arn.clone(),
                role_id: role.role_id.clone(),
                session_name: "arcscope".into(),
            };
            let mut ctx = RequestContext::new();
            ctx.set("aws:PrincipalArn", role.arn.arn());
            ctx.set("aws:PrincipalAccount", role.arn.account.clone());
            for (k, v) in &role.tags {
                ctx.set(&format!("aws:PrincipalTag/{k}"), v.clone());
            }
            for (target, arn, trust_name, rcps) in &targets {
                if target.arn == role.arn {
                    continue;
                }
                let req = Request {
                    action: "sts:AssumeRole",
                    target: &target.arn,
                    caller: &caller,
                    ctx: &ctx,
                    trust: NamedPolicy { name: trust_name, doc: &target.trust },
                    identity: identity.clone(),
                    boundary,
                    session: Vec::new(),
                    scps: scps.clone(),
                    rcps: rcps.clone(),
                    known_ids: inv,
                };
                let d = evaluate(&req).decision;
                if matches!(d, Decision::Allow | Decision::Unknown) {
                    out.targets.push((arn.clone(), d));
                }
            }
            out
        })
        .collect()
}
