//! The layered evaluator for one STS request (iam-rules §1, R1–R12, R21, R28–R29), and for the
//! principal's side of any other action ([`evaluate_action`]: what a role's session may do).
//!
//! Given a caller, an action (`sts:AssumeRole`, `sts:TagSession`, `sts:AssumeRoleWithWebIdentity`)
//! on a target role, and the policies of every layer, it returns the decision, the layer that
//! decided, the statements that decided, and why every other candidate statement did not match.
//! Three-valued throughout: a statement whose match depends on a value not knowable offline is
//! `unknown`, and a decision that depends on it is `unknown` — never a guess.

use serde::Serialize;

mod action;
mod org;
pub use action::{ActionRequest, evaluate_action};
pub use org::{OrgLevel, OrgPolicies};
use org::{OrgScan, scan_org};

use super::arn::{RoleArn, looks_like_unique_id};
use super::condition::{ConditionMiss, eval_clause};
use super::context::{RequestContext, Substituted, Tri, substitute};
use super::glob;
use super::policy::{Effect, PatternList, PolicyDocument, PrincipalSpec, PrincipalType, Statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    ImplicitDeny,
    ExplicitDeny,
    /// A precondition failed before any policy was evaluated (missing SA, env, provider…).
    Error,
    /// Data needed for the decision is missing or not knowable offline.
    Unknown,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ImplicitDeny => "implicit_deny",
            Decision::ExplicitDeny => "explicit_deny",
            Decision::Error => "error",
            Decision::Unknown => "unknown",
        }
    }
}

/// The kind of policy (the evaluation layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Scp,
    TrustPolicy,
    IdentityPolicy,
    PermissionsBoundary,
    SessionPolicy,
    /// A repository's, bucket's or key's own policy (#17.2, R4, R9).
    ResourcePolicy,
    /// A resource control policy of the resource's account (R2).
    Rcp,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Scp => "scp",
            Layer::TrustPolicy => "trust_policy",
            Layer::IdentityPolicy => "identity_policy",
            Layer::PermissionsBoundary => "permissions_boundary",
            Layer::SessionPolicy => "session_policy",
            Layer::ResourcePolicy => "resource_policy",
            Layer::Rcp => "rcp",
        }
    }
}

/// A policy with the name arcscope shows for it.
#[derive(Debug, Clone, Copy)]
pub struct NamedPolicy<'a> {
    /// e.g. `arc-runner-base-role/inline/assume-targets` or a managed policy ARN.
    pub name: &'a str,
    pub doc: &'a PolicyDocument,
}

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A session of an IAM role (IRSA, Pod Identity, a previous configure-aws-credentials step).
    RoleSession { role: RoleArn, role_id: Option<String>, session_name: String },
    /// An IAM user (static keys).
    User { arn: String, account: String, user_id: Option<String> },
    /// An AWS service principal (EKS Pod Identity: `pods.eks.amazonaws.com`).
    Service(String),
    /// A web-identity token holder, identified by the IAM OIDC provider ARN (R11).
    WebIdentity { provider_arn: String },
}

impl Caller {
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::RoleSession { role, .. } => Some(&role.account),
            Caller::User { account, .. } => Some(account),
            Caller::Service(_) | Caller::WebIdentity { .. } => None,
        }
    }

    /// How AWS names the caller in an AccessDenied message.
    pub fn display_arn(&self) -> String {
        match self {
            Caller::RoleSession { role, session_name, .. } => role.session_arn(session_name),
            Caller::User { arn, .. } => arn.clone(),
            Caller::Service(s) => s.clone(),
            Caller::WebIdentity { provider_arn } => provider_arn.clone(),
        }
    }

    /// Web-identity and service callers have no AWS identity policies (R11).
    pub fn has_identity(&self) -> bool {
        matches!(self, Caller::RoleSession { .. } | Caller::User { .. })
    }
}

/// How a trust statement's principal matched the caller (R8 table rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Exact assumed-role session ARN: direct grant.
    SessionArn,
    /// `"*"`: direct grant for same-account principals.
    Wildcard,
    Service,
    Federated,
    /// IAM user ARN: boundary treated as required (R8 doc conflict).
    UserArn,
    /// Role ARN: limited by boundary and session policy.
    RoleArn,
    /// Account root or bare account id: delegation, identity policy needed.
    Account,
}

impl Grant {
    fn needs_identity(self) -> bool {
        self == Grant::Account
    }
    fn needs_boundary(self) -> bool {
        matches!(self, Grant::Account | Grant::RoleArn | Grant::UserArn)
    }
    fn needs_session(self) -> bool {
        matches!(self, Grant::Account | Grant::RoleArn)
    }
}

/// One statement of one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    pub policy: String,
    pub layer: Layer,
    pub index: usize,
    pub sid: Option<String>,
    pub effect: String,
}

/// Why a statement did not apply to the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "element", rename_all = "snake_case")]
pub enum Miss {
    Action { patterns: Vec<String>, negated: bool },
    Resource { patterns: Vec<String>, negated: bool },
    Principal { principals: Vec<String>, negated: bool, note: Option<String> },
    Condition { operator: String, key: String, expected: Vec<String>, actual: Option<Vec<String>> },
}

impl Miss {
    pub fn describe(&self, action: &str) -> String {
        match self {
            Miss::Action { patterns, negated } => {
                let el = if *negated { "NotAction" } else { "Action" };
                format!("{el} {} does not cover {action}", list(patterns))
            }
            Miss::Resource { patterns, negated } => {
                let el = if *negated { "NotResource" } else { "Resource" };
                let what = if action.starts_with("sts:") { "the target role" } else { "the resource" };
                format!("{el} {} does not cover {what}", list(patterns))
            }
            Miss::Principal { principals, negated, note } => {
                let el = if *negated { "NotPrincipal" } else { "Principal" };
                let mut s = format!("{el} {} does not name the caller", list(principals));
                if let Some(n) = note {
                    s.push_str(" (");
                    s.push_str(n);
                    s.push(')');
                }
                s
            }
            Miss::Condition { operator, key, expected, actual } => match actual {
                None => format!("Condition {operator} {key} {} fails: the request has no {key}", list(expected)),
                Some(a) => format!("Condition {operator} {key} {} fails: request has {}", list(expected), list(a)),
            },
        }
    }
}

fn list(v: &[String]) -> String {
    if v.len() == 1 { format!("{:?}", v[0]) } else { format!("{v:?}") }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementMiss {
    #[serde(flatten)]
    pub statement: StatementRef,
    pub reason: Miss,
    /// true when the miss depends on a value not knowable offline.
    pub unknown: bool,
}

/// The result of evaluating one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub decided_by: Layer,
    /// The statements that decided: the deny, or the allows that granted.
    pub statements: Vec<StatementRef>,
    /// For a denial: why each candidate statement of the deciding layer did not match.
    pub non_matching: Vec<StatementMiss>,
    /// How the trust policy named the caller, when it allowed.
    pub trust_grant: Option<Grant>,
    pub notes: Vec<String>,
}

/// Resolves a role's unique ID (`AROA…`) to its ARN (R10).
pub trait KnownIds {
    fn arn_of(&self, unique_id: &str) -> Option<String>;
}

/// No unique IDs known.
impl KnownIds for () {
    fn arn_of(&self, _: &str) -> Option<String> {
        None
    }
}

/// `(RoleId, role ARN)` pairs.
impl KnownIds for Vec<(String, String)> {
    fn arn_of(&self, unique_id: &str) -> Option<String> {
        self.iter().find(|(id, _)| id == unique_id).map(|(_, arn)| arn.clone())
    }
}

/// Everything the evaluator needs for one request.
#[derive(Clone)]
pub struct Request<'a> {
    pub action: &'a str,
    pub target: &'a RoleArn,
    pub caller: &'a Caller,
    pub ctx: &'a RequestContext,
    pub trust: NamedPolicy<'a>,
    pub identity: Vec<NamedPolicy<'a>>,
    pub boundary: Option<NamedPolicy<'a>>,
    pub session: Vec<NamedPolicy<'a>>,
    /// SCPs of the caller's account, root first (R3).
    pub scps: OrgPolicies<'a>,
    /// RCPs of the target role's account, root first (R2).
    pub rcps: OrgPolicies<'a>,
    /// Role unique IDs known from the account dump — to tell a stale `AROA…` principal from a
    /// live one (R10). Consulted only when a trust policy names a raw unique ID.
    pub known_ids: &'a dyn KnownIds,
}

enum Outcome {
    Match(Option<Grant>),
    Unknown(Miss),
    NoMatch(Miss),
}

pub(super) struct LayerScan {
    layer: Layer,
    allows: Vec<(StatementRef, Option<Grant>)>,
    denies: Vec<StatementRef>,
    unknown_allows: Vec<StatementMiss>,
    unknown_denies: Vec<StatementMiss>,
    misses: Vec<StatementMiss>,
    present: bool,
}

/// What a statement is matched against: the request without its policies.
pub(super) struct Subject<'a> {
    action: &'a str,
    /// The resource's ARN (the target role for the STS actions).
    resource: &'a str,
    caller: &'a Caller,
    ctx: &'a RequestContext,
    known_ids: &'a dyn KnownIds,
}

pub(super) fn scan(
    layer: Layer,
    policies: &[NamedPolicy<'_>],
    req: &Subject<'_>,
    notes: &mut Vec<String>,
) -> LayerScan {
    let mut out = LayerScan {
        layer,
        allows: Vec::new(),
        denies: Vec::new(),
        unknown_allows: Vec::new(),
        unknown_denies: Vec::new(),
        misses: Vec::new(),
        present: !policies.is_empty(),
    };
    for p in policies {
        for (index, stmt) in p.doc.statements.iter().enumerate() {
            let sref = StatementRef {
                policy: p.name.to_string(),
                layer,
                index,
                sid: stmt.sid.clone(),
                effect: stmt.effect.to_string(),
            };
            let outcome = match_statement(stmt, layer, p.doc.variables_enabled(), req, notes, &sref);
            match (outcome, stmt.effect) {
                (Outcome::Match(g), Effect::Allow) => out.allows.push((sref, g)),
                (Outcome::Match(_), Effect::Deny) => out.denies.push(sref),
                (Outcome::Unknown(reason), Effect::Allow) => {
                    out.unknown_allows.push(StatementMiss { statement: sref, reason, unknown: true })
                }
                (Outcome::Unknown(reason), Effect::Deny) => {
                    out.unknown_denies.push(StatementMiss { statement: sref, reason, unknown: true })
                }
                (Outcome::NoMatch(reason), _) => {
                    out.misses.push(StatementMiss { statement: sref, reason, unknown: false })
                }
            }
        }
    }
    out
}

fn match_statement(
    stmt: &Statement,
    layer: Layer,
    variables: bool,
    req: &Subject<'_>,
    notes: &mut Vec<String>,
    sref: &StatementRef,
) -> Outcome {
    if !action_matches(&stmt.action, req.action) {
        return Outcome::NoMatch(Miss::Action { patterns: stmt.action.patterns.clone(), negated: stmt.action.negated });
    }
    let mut unknown: Option<Miss> = None;
    let mut grant = None;
    if layer == Layer::TrustPolicy {
        match trust_principal(stmt, req, notes, sref) {
            Ok(g) => grant = Some(g),
            Err(miss) => return Outcome::NoMatch(miss),
        }
    }
    if layer == Layer::ResourcePolicy {
        match resource_principal(stmt, req) {
            Ok(g) => grant = Some(g),
            Err(miss) => return Outcome::NoMatch(miss),
        }
    }
    if layer != Layer::TrustPolicy {
        match &stmt.resource {
            // An ECR repository's (or a KMS key's) policy names no Resource: it is its own.
            None if layer == Layer::ResourcePolicy => {}
            None => {
                return Outcome::NoMatch(Miss::Resource { patterns: vec![], negated: false });
            }
            Some(r) => match resource_matches(r, req.resource, req.ctx, variables) {
                Tri::True => {}
                Tri::False => {
                    return Outcome::NoMatch(Miss::Resource { patterns: r.patterns.clone(), negated: r.negated });
                }
                Tri::Unknown => unknown = Some(Miss::Resource { patterns: r.patterns.clone(), negated: r.negated }),
            },
        }
    }
    for clause in &stmt.conditions {
        let (t, miss) = eval_clause(clause, req.ctx, variables);
        let to_miss = |m: ConditionMiss| Miss::Condition {
            operator: m.operator,
            key: m.key,
            expected: m.expected,
            actual: m.actual,
        };
        match t {
            Tri::True => {}
            Tri::False => {
                return Outcome::NoMatch(to_miss(miss.expect("a false clause explains itself")));
            }
            Tri::Unknown => {
                if unknown.is_none() {
                    unknown = miss.map(to_miss);
                }
            }
        }
    }
    match unknown {
        Some(m) => Outcome::Unknown(m),
        None => Outcome::Match(grant),
    }
}

/// A trust policy's statement: no Resource (R21: the role itself), a Principal that names the
/// caller (NotPrincipal is not allowed there).
fn trust_principal(
    stmt: &Statement,
    req: &Subject<'_>,
    notes: &mut Vec<String>,
    sref: &StatementRef,
) -> Result<Grant, Miss> {
    if stmt.resource.is_some() {
        push_note(
            notes,
            format!(
                "{} statement {}: trust policies may not have Resource/NotResource; IAM rejects such a document",
                sref.policy, sref.index
            ),
        );
    }
    match &stmt.principal {
        None => {
            Err(Miss::Principal { principals: vec![], negated: false, note: Some("statement has no Principal".into()) })
        }
        Some(p) if p.negated => {
            push_note(
                notes,
                format!("{} statement {}: NotPrincipal is not allowed in a trust policy", sref.policy, sref.index),
            );
            Err(Miss::Principal {
                principals: principal_strings(p),
                negated: true,
                note: Some("NotPrincipal not allowed in trust policies".into()),
            })
        }
        Some(p) => principal_grant(p, req).map_err(|note| Miss::Principal {
            principals: principal_strings(p),
            negated: false,
            note,
        }),
    }
}

/// A resource's own policy names who it grants to (R4): the caller must be among them.
fn resource_principal(stmt: &Statement, req: &Subject<'_>) -> Result<Grant, Miss> {
    match &stmt.principal {
        Some(p) if !p.negated => principal_grant(p, req).map_err(|note| Miss::Principal {
            principals: principal_strings(p),
            negated: false,
            note,
        }),
        Some(p) => Err(Miss::Principal {
            principals: principal_strings(p),
            negated: true,
            note: Some("NotPrincipal: not evaluated by arcscope".into()),
        }),
        None => {
            Err(Miss::Principal { principals: vec![], negated: false, note: Some("statement has no Principal".into()) })
        }
    }
}

fn push_note(notes: &mut Vec<String>, note: String) {
    if !notes.contains(&note) {
        notes.push(note);
    }
}

/// R26: case-insensitive, wildcards; `NotAction` matches everything not listed.
pub fn action_matches(list: &PatternList, action: &str) -> bool {
    let hit = list.patterns.iter().any(|p| glob::matches(p, action, true));
    hit != list.negated
}

fn resource_matches(list: &PatternList, arn: &str, ctx: &RequestContext, variables: bool) -> Tri {
    let mut any_unknown = false;
    let mut hit = false;
    for p in &list.patterns {
        let pattern = if variables {
            match substitute(p, ctx) {
                Substituted::Value(v) => v,
                Substituted::Unresolvable(_) => continue, // R27: matches nothing
                Substituted::Unknown(_) => {
                    any_unknown = true;
                    continue;
                }
            }
        } else {
            p.clone()
        };
        if super::condition::arn_like(&pattern, arn) {
            hit = true;
            break;
        }
    }
    let positive = if hit {
        Tri::True
    } else if any_unknown {
        Tri::Unknown
    } else {
        Tri::False
    };
    if list.negated { positive.negate() } else { positive }
}

fn principal_strings(p: &PrincipalSpec) -> Vec<String> {
    if p.any {
        return vec!["*".into()];
    }
    p.entries.iter().map(|(t, v)| format!("{}:{v}", t.as_str())).collect()
}

/// Does a trust statement's principal name the caller, and how (R8, R10, R28)?
fn principal_grant(p: &PrincipalSpec, req: &Subject<'_>) -> Result<Grant, Option<String>> {
    if p.any {
        return Ok(Grant::Wildcard);
    }
    let mut best: Option<Grant> = None;
    let mut note = None;
    for (ty, value) in &p.entries {
        let g = match (ty, req.caller) {
            (PrincipalType::Aws, _) if value == "*" => Some(Grant::Wildcard),
            (PrincipalType::Aws, caller) if looks_like_unique_id(value) => match req.known_ids.arn_of(value) {
                Some(arn) => match caller {
                    Caller::RoleSession { role, .. } if role.arn() == arn => Some(Grant::RoleArn),
                    _ => None,
                },
                None => {
                    note = Some(format!(
                        "{value} is a raw unique ID: the principal it named was deleted; recreating a same-named role does not restore trust"
                    ));
                    None
                }
            },
            (PrincipalType::Aws, Caller::RoleSession { role, role_id, session_name }) => {
                if value == &role.account || value == &format!("arn:{}:iam::{}:root", role.partition, role.account) {
                    Some(Grant::Account)
                } else if value == &role.arn() || role_id.as_deref() == Some(value.as_str()) {
                    Some(Grant::RoleArn)
                } else if value == &role.session_arn(session_name) {
                    Some(Grant::SessionArn)
                } else {
                    if let Some(named) = RoleArn::parse(value)
                        && named.account == role.account
                        && named.name.eq_ignore_ascii_case(&role.name)
                        && named.arn() != role.arn()
                    {
                        note = Some(format!(
                            "names {value}, but the caller's role is {} (path or case differs)",
                            role.arn()
                        ));
                    }
                    None
                }
            }
            (PrincipalType::Aws, Caller::User { arn, account, user_id }) => {
                if value == account || value == &format!("arn:aws:iam::{account}:root") {
                    Some(Grant::Account)
                } else if value == arn || user_id.as_deref() == Some(value.as_str()) {
                    Some(Grant::UserArn)
                } else {
                    None
                }
            }
            (PrincipalType::Service, Caller::Service(s)) if value == s => Some(Grant::Service),
            (PrincipalType::Federated, Caller::WebIdentity { provider_arn }) if value == provider_arn => {
                Some(Grant::Federated)
            }
            (PrincipalType::Federated, Caller::WebIdentity { provider_arn }) => {
                if value.eq_ignore_ascii_case(provider_arn) {
                    note = Some("provider ARN differs only in case".into());
                } else if let (Some(a), Some(b)) =
                    (value.split("oidc-provider/").nth(1), provider_arn.split("oidc-provider/").nth(1))
                    && a != b
                {
                    note = Some(format!("trusts provider {a}, the token comes from {b}"));
                }
                None
            }
            _ => None,
        };
        if let Some(g) = g {
            best = Some(best.map_or(g, |b| b.min(g)));
        }
    }
    best.ok_or(note)
}

/// Evaluate one request through every layer (R1–R9, R11, R12).
pub fn evaluate(req: &Request<'_>) -> Evaluation {
    let mut notes = Vec::new();
    let with_identity = req.caller.has_identity();
    let service_linked =
        matches!(req.caller, Caller::RoleSession { role, .. } if super::arn::is_service_linked(&role.name));
    let none = OrgPolicies::None;
    // R3: SCPs restrict AWS principals of member accounts, never service-linked roles; R2: RCPs
    // restrict every caller of the resource's account but a service-linked role.
    let scp_policies = if with_identity && !service_linked { &req.scps } else { &none };
    let rcp_policies = if service_linked { &none } else { &req.rcps };
    let target = req.target.arn();
    let sub =
        Subject { action: req.action, resource: &target, caller: req.caller, ctx: req.ctx, known_ids: req.known_ids };
    let scp = scan_org(Layer::Scp, scp_policies, &sub, &mut notes);
    let rcp = scan_org(Layer::Rcp, rcp_policies, &sub, &mut notes);
    let e = evaluate_layers(req, &sub, &scp, &rcp, with_identity, notes);
    rcp.settle(scp.settle(e))
}

fn evaluate_layers(
    req: &Request<'_>,
    sub: &Subject<'_>,
    scp: &OrgScan,
    rcp: &OrgScan,
    with_identity: bool,
    mut notes: Vec<String>,
) -> Evaluation {
    let empty: Vec<NamedPolicy<'_>> = Vec::new();
    let boundary: Vec<NamedPolicy<'_>> = req.boundary.into_iter().collect();
    let scans = [
        scan(Layer::TrustPolicy, std::slice::from_ref(&req.trust), sub, &mut notes),
        scan(Layer::IdentityPolicy, if with_identity { &req.identity } else { &empty }, sub, &mut notes),
        scan(Layer::PermissionsBoundary, if with_identity { &boundary } else { &empty }, sub, &mut notes),
        scan(Layer::SessionPolicy, if with_identity { &req.session } else { &empty }, sub, &mut notes),
    ];
    let [trust, identity, bound, session] = &scans;

    // R1: an explicit deny anywhere is final.
    let all: Vec<&LayerScan> = scp.scans().chain(rcp.scans()).chain(scans.iter()).collect();
    let mut notes = match deny_pass(&all, notes) {
        Ok(notes) => notes,
        Err(decided) => return decided,
    };
    // R3, R2: every level of the caller's SCPs and of the target account's RCPs must allow.
    let mut guardrails = Vec::new();
    if let Err(decided) = scp.must_allow(&mut guardrails, &mut notes) {
        return decided;
    }
    if let Err(decided) = rcp.must_allow(&mut guardrails, &mut notes) {
        return decided;
    }
    // R4/R8: the trust policy must always allow explicitly.
    if trust.allows.is_empty() {
        if !trust.unknown_allows.is_empty() {
            return unknown(trust, trust.unknown_allows.clone(), notes);
        }
        return deny(trust, notes);
    }
    let grant = trust.allows.iter().filter_map(|(_, g)| *g).min().unwrap_or(Grant::Account);
    let cross_account = req.caller.account().is_some_and(|a| a != req.target.account);
    // R9: cross-account needs both sides whatever the principal form. R11: web identity and
    // service principals have no identity side.
    let (need_identity, need_boundary, need_session) = if !with_identity {
        (false, false, false)
    } else if cross_account {
        notes.push(format!("cross-account: the caller's account must also allow {} on the target", req.action));
        (true, true, true)
    } else {
        (grant.needs_identity(), grant.needs_boundary(), grant.needs_session())
    };
    let mut statements: Vec<StatementRef> = trust.allows.iter().map(|(s, _)| s.clone()).collect();
    for (needed, s) in [(need_identity, identity), (need_boundary, bound), (need_session, session)] {
        // Identity policies are required even when absent; boundary/session only when present.
        let required = needed && (s.layer == Layer::IdentityPolicy || s.present);
        if !required {
            continue;
        }
        if let Err(decided) = must_allow(s, &mut statements, &mut notes) {
            return decided;
        }
    }
    let decided_by = if need_identity { Layer::IdentityPolicy } else { Layer::TrustPolicy };
    Evaluation {
        decision: Decision::Allow,
        decided_by,
        statements,
        non_matching: Vec::new(),
        trust_grant: Some(grant),
        notes,
    }
}

/// A layer that must allow (R3–R7): its allowing statements join `statements`; none is an implicit
/// deny there, or unknown when an allow depends on a value not knowable offline.
pub(super) fn must_allow(
    s: &LayerScan,
    statements: &mut Vec<StatementRef>,
    notes: &mut Vec<String>,
) -> Result<(), Evaluation> {
    if s.allows.is_empty() {
        let notes = std::mem::take(notes);
        return Err(if s.unknown_allows.is_empty() {
            deny(s, notes)
        } else {
            unknown(s, s.unknown_allows.clone(), notes)
        });
    }
    statements.extend(s.allows.iter().map(|(r, _)| r.clone()));
    Ok(())
}

/// R1: a Deny that matches in any layer decides (explicit deny); one that may match, depending on a
/// value not knowable offline, makes the decision unknown. `Ok`: no deny applies, go on.
pub(super) fn deny_pass(scans: &[&LayerScan], mut notes: Vec<String>) -> Result<Vec<String>, Evaluation> {
    if let Some(s) = scans.iter().find(|s| !s.denies.is_empty()) {
        return Err(Evaluation {
            decision: Decision::ExplicitDeny,
            decided_by: s.layer,
            statements: s.denies.clone(),
            non_matching: Vec::new(),
            trust_grant: None,
            notes,
        });
    }
    if let Some(s) = scans.iter().find(|s| !s.unknown_denies.is_empty()) {
        notes.push("a Deny statement may apply, depending on a value not knowable offline".into());
        return Err(unknown(s, s.unknown_denies.clone(), notes));
    }
    Ok(notes)
}

pub(super) fn deny(s: &LayerScan, notes: Vec<String>) -> Evaluation {
    Evaluation {
        decision: Decision::ImplicitDeny,
        decided_by: s.layer,
        statements: Vec::new(),
        non_matching: s.misses.iter().filter(|m| m.statement.effect == "Allow").cloned().collect(),
        trust_grant: None,
        notes,
    }
}

pub(super) fn unknown(s: &LayerScan, why: Vec<StatementMiss>, notes: Vec<String>) -> Evaluation {
    Evaluation {
        decision: Decision::Unknown,
        decided_by: s.layer,
        statements: Vec::new(),
        non_matching: why,
        trust_grant: None,
        notes,
    }
}
