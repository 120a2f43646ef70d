//! The worked verdicts of iam-rules §6.1 and one test per evaluator rule, each naming its rule.

use serde_json::{Value, json};

use super::arn::RoleArn;
use super::context::RequestContext;
use super::eval::*;
use super::policy::PolicyDocument;

const A: &str = "111122223333";
const B: &str = "444455556666";

fn doc(v: Value) -> PolicyDocument {
    PolicyDocument::from_value(&v).expect("test policy parses")
}

fn trust(principal: Value, actions: &[&str]) -> PolicyDocument {
    doc(
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "Trust", "Effect": "Allow", "Principal": principal, "Action": actions}]}),
    )
}

fn allow(actions: &[&str], resource: &str) -> PolicyDocument {
    doc(
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "Assume", "Effect": "Allow", "Action": actions, "Resource": resource}]}),
    )
}

fn base_caller(account: &str) -> Caller {
    Caller::RoleSession {
        role: RoleArn::parse(&format!("arn:aws:iam::{account}:role/arc-runner-base-role")).unwrap(),
        role_id: Some("AROAEXAMPLEBASE00001".into()),
        session_name: "s1".into(),
    }
}

type Level = (&'static str, Option<Vec<PolicyDocument>>);

fn org_levels(levels: &[Level]) -> OrgPolicies<'_> {
    if levels.is_empty() {
        return OrgPolicies::None;
    }
    OrgPolicies::Levels(
        levels
            .iter()
            .map(|(target, docs)| OrgLevel {
                target: target.to_string(),
                policies: docs.as_ref().map(|d| d.iter().map(|doc| NamedPolicy { name: target, doc }).collect()),
            })
            .collect(),
    )
}

struct Case {
    trust: PolicyDocument,
    identity: Vec<PolicyDocument>,
    boundary: Option<PolicyDocument>,
    session: Vec<PolicyDocument>,
    scps: Vec<PolicyDocument>,
    /// SCP levels of the tree, root first: `(target, attached documents or None: not read)`.
    scp_levels: Vec<Level>,
    rcp_levels: Vec<Level>,
    scp_unread: Option<&'static str>,
    caller: Caller,
    target_account: &'static str,
    ctx: RequestContext,
}

impl Case {
    fn new(trust: PolicyDocument) -> Self {
        Case {
            trust,
            identity: vec![],
            boundary: None,
            session: vec![],
            scps: vec![],
            scp_levels: vec![],
            rcp_levels: vec![],
            scp_unread: None,
            caller: base_caller(A),
            target_account: A,
            ctx: RequestContext::new(),
        }
    }
    fn run(&self, action: &str) -> Evaluation {
        let target = RoleArn::parse(&format!("arn:aws:iam::{}:role/target", self.target_account)).unwrap();
        let req = Request {
            action,
            target: &target,
            caller: &self.caller,
            ctx: &self.ctx,
            trust: NamedPolicy { name: "target/trust", doc: &self.trust },
            identity: self.identity.iter().map(|d| NamedPolicy { name: "base/inline", doc: d }).collect(),
            boundary: self.boundary.as_ref().map(|d| NamedPolicy { name: "boundary", doc: d }),
            session: self.session.iter().map(|d| NamedPolicy { name: "session", doc: d }).collect(),
            scps: match (self.scp_unread, self.scp_levels.is_empty()) {
                (Some(why), _) => OrgPolicies::Unknown(why.into()),
                (None, true) => {
                    OrgPolicies::flat(self.scps.iter().map(|d| NamedPolicy { name: "scp", doc: d }).collect())
                }
                (None, false) => org_levels(&self.scp_levels),
            },
            rcps: org_levels(&self.rcp_levels),
            known_ids: &(),
        };
        evaluate(&req)
    }
}

fn root() -> Value {
    json!({"AWS": format!("arn:aws:iam::{A}:root")})
}
fn role_arn() -> Value {
    json!({"AWS": format!("arn:aws:iam::{A}:role/arc-runner-base-role")})
}

#[test]
fn r8_root_trust_assume_role_identity_allows() {
    let mut c = Case::new(trust(root(), &["sts:AssumeRole"]));
    c.identity.push(allow(&["sts:AssumeRole"], "*"));
    let e = c.run("sts:AssumeRole");
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.decided_by, Layer::IdentityPolicy);
    assert_eq!(e.trust_grant, Some(Grant::Account));
    assert_eq!(e.statements.len(), 2, "trust and identity statements both decide");
}

#[test]
fn r8_root_trust_no_identity_is_implicit_deny() {
    let c = Case::new(trust(root(), &["sts:AssumeRole"]));
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::IdentityPolicy));
}

#[test]
fn r12_root_trust_without_tag_session_denies_tag_session_even_if_identity_allows() {
    // The seed: CDK AccountPrincipal allows only sts:AssumeRole.
    let mut c = Case::new(trust(root(), &["sts:AssumeRole"]));
    c.identity.push(allow(&["sts:AssumeRole", "sts:TagSession"], "arn:aws:iam::*:role/*"));
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
    let e = c.run("sts:TagSession");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::TrustPolicy));
    assert_eq!(e.non_matching.len(), 1);
    assert_eq!(e.non_matching[0].statement.sid.as_deref(), Some("Trust"));
    assert!(matches!(e.non_matching[0].reason, Miss::Action { .. }));
    assert!(e.non_matching[0].reason.describe("sts:TagSession").contains("does not cover sts:TagSession"));
}

#[test]
fn r8_role_arn_trust_no_identity_allows() {
    let c = Case::new(trust(role_arn(), &["sts:AssumeRole"]));
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::Allow, Layer::TrustPolicy));
    assert_eq!(e.trust_grant, Some(Grant::RoleArn));
}

#[test]
fn r8_r12_role_arn_trust_with_tag_session_allows_without_identity() {
    let c = Case::new(trust(role_arn(), &["sts:AssumeRole", "sts:TagSession"]));
    assert_eq!(c.run("sts:TagSession").decision, Decision::Allow);
}

#[test]
fn r12_role_arn_trust_assume_only_denies_tag_session_whatever_identity_says() {
    let mut c = Case::new(trust(role_arn(), &["sts:AssumeRole"]));
    c.identity.push(allow(&["sts:TagSession"], "*"));
    let e = c.run("sts:TagSession");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::TrustPolicy));
}

#[test]
fn r12_root_trust_both_identity_assume_only_denies_tag_session() {
    let mut c = Case::new(trust(root(), &["sts:AssumeRole", "sts:TagSession"]));
    c.identity.push(allow(&["sts:AssumeRole"], "*"));
    let e = c.run("sts:TagSession");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::IdentityPolicy));
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
}

#[test]
fn r9_cross_account_role_arn_trust_without_identity_denies() {
    let mut c =
        Case::new(trust(json!({"AWS": format!("arn:aws:iam::{B}:role/arc-runner-base-role")}), &["sts:AssumeRole"]));
    c.caller = base_caller(B);
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::IdentityPolicy));
    c.identity.push(allow(&["sts:AssumeRole"], &format!("arn:aws:iam::{A}:role/target")));
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
    assert!(c.run("sts:AssumeRole").notes.iter().any(|n| n.starts_with("cross-account:")));
}

#[test]
fn r8_session_arn_trust_needs_nothing_else() {
    let mut c = Case::new(trust(
        json!({"AWS": format!("arn:aws:sts::{A}:assumed-role/arc-runner-base-role/s1")}),
        &["sts:AssumeRole"],
    ));
    c.boundary = Some(allow(&["s3:*"], "*"));
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.trust_grant), (Decision::Allow, Some(Grant::SessionArn)));
}

#[test]
fn r6_r8_role_arn_trust_limited_by_boundary() {
    let mut c = Case::new(trust(role_arn(), &["sts:AssumeRole"]));
    c.boundary = Some(allow(&["s3:*"], "*"));
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::PermissionsBoundary));
}

#[test]
fn r7_session_policy_limits_account_grant() {
    let mut c = Case::new(trust(root(), &["sts:AssumeRole"]));
    c.identity.push(allow(&["sts:AssumeRole"], "*"));
    c.session.push(allow(&["s3:GetObject"], "*"));
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::SessionPolicy));
}

#[test]
fn r1_explicit_deny_in_identity_beats_trust_allow() {
    let mut c = Case::new(trust(role_arn(), &["sts:AssumeRole", "sts:TagSession"]));
    c.identity.push(doc(
        json!({"Statement": [{"Sid": "NoTags", "Effect": "Deny", "Action": "sts:TagSession", "Resource": "*"}]}),
    ));
    let e = c.run("sts:TagSession");
    assert_eq!((e.decision, e.decided_by), (Decision::ExplicitDeny, Layer::IdentityPolicy));
    assert_eq!(e.statements[0].sid.as_deref(), Some("NoTags"));
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
}

#[test]
fn r3_scp_must_allow_and_can_deny() {
    let mut c = Case::new(trust(role_arn(), &["sts:AssumeRole"]));
    c.scps.push(allow(&["s3:*"], "*"));
    assert_eq!(c.run("sts:AssumeRole").decided_by, Layer::Scp);
    c.scps = vec![
        allow(&["*"], "*"),
        doc(json!({"Statement": {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}})),
    ];
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ExplicitDeny, Layer::Scp));
}

fn full_access() -> PolicyDocument {
    allow(&["*"], "*")
}

fn deny_all(action: &str) -> PolicyDocument {
    doc(json!({"Statement": {"Sid": "Guardrail", "Effect": "Deny", "Action": action, "Resource": "*"}}))
}

#[test]
fn r3_every_level_from_the_root_to_the_account_must_allow() {
    let mut c = Case::new(trust(root(), &["sts:AssumeRole"]));
    c.identity.push(allow(&["sts:AssumeRole"], "*"));
    c.scp_levels = vec![
        ("root r-1", Some(vec![full_access()])),
        ("OU ou-1-a", Some(vec![allow(&["s3:*"], "*")])),
        ("account 1", Some(vec![full_access()])),
    ];
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::Scp));
    assert!(e.notes.iter().any(|n| n.contains("OU ou-1-a")), "{:?}", e.notes);
    c.scp_levels[1].1 = Some(vec![full_access()]);
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
}

#[test]
fn r3_a_level_with_nothing_attached_allows_nothing() {
    let mut c = Case::new(trust(role_arn(), &["sts:AssumeRole"]));
    c.scp_levels = vec![("root r-1", Some(vec![full_access()])), ("account 1", Some(vec![]))];
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::Scp));
    assert!(e.notes.iter().any(|n| n.contains("no SCP is attached to account 1")), "{:?}", e.notes);
}

#[test]
fn r3_a_deny_at_the_root_is_final_and_names_its_level() {
    let mut c = Case::new(trust(role_arn(), &["sts:AssumeRole"]));
    c.scp_levels =
        vec![("root r-1", Some(vec![full_access(), deny_all("sts:*")])), ("account 1", Some(vec![full_access()]))];
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ExplicitDeny, Layer::Scp));
    assert_eq!((e.statements[0].policy.as_str(), e.statements[0].sid.as_deref()), ("root r-1", Some("Guardrail")));
}

#[test]
fn r3_a_level_not_in_the_data_leaves_an_allow_unknown_but_a_deny_elsewhere_final() {
    let mut c = Case::new(trust(role_arn(), &["sts:AssumeRole"]));
    c.scp_levels =
        vec![("root r-1", Some(vec![full_access()])), ("OU ou-1-a", None), ("account 1", Some(vec![full_access()]))];
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::Unknown, Layer::Scp));
    assert!(e.notes.iter().any(|n| n.contains("OU ou-1-a are not in the data")), "{:?}", e.notes);
    c.scp_levels[2].1 = Some(vec![full_access(), deny_all("*")]);
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::ExplicitDeny);
}

#[test]
fn r3_unreadable_scps_flip_an_allow_to_unknown_never_a_deny_to_allow() {
    let mut c = Case::new(trust(role_arn(), &["sts:AssumeRole"]));
    c.scp_unread = Some("SCPs could not be read: AccessDeniedException");
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::Unknown, Layer::Scp));
    assert!(e.notes.iter().any(|n| n.contains("AccessDeniedException")));
    let mut denied = Case::new(trust(json!({"AWS": format!("arn:aws:iam::{A}:role/other")}), &["sts:AssumeRole"]));
    denied.scp_unread = c.scp_unread;
    let e = denied.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::TrustPolicy));
}

#[test]
fn r2_an_rcp_deny_on_the_target_account_denies_even_a_web_identity_caller() {
    let provider = format!("arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com");
    let mut c = Case::new(trust(json!({"Federated": provider}), &["sts:AssumeRoleWithWebIdentity"]));
    c.caller = Caller::WebIdentity { provider_arn: provider };
    c.rcp_levels = vec![("root r-1", Some(vec![full_access(), deny_all("sts:AssumeRoleWithWebIdentity")]))];
    let e = c.run("sts:AssumeRoleWithWebIdentity");
    assert_eq!((e.decision, e.decided_by), (Decision::ExplicitDeny, Layer::Rcp));
    // R2: RCPs must allow at every level too (RCPFullAWSAccess is attached everywhere).
    c.rcp_levels = vec![("root r-1", Some(vec![full_access()])), ("account 1", Some(vec![]))];
    assert_eq!(c.run("sts:AssumeRoleWithWebIdentity").decided_by, Layer::Rcp);
    c.rcp_levels[1].1 = Some(vec![full_access()]);
    assert_eq!(c.run("sts:AssumeRoleWithWebIdentity").decision, Decision::Allow);
}

#[test]
fn r2_rcps_do_not_restrict_a_service_linked_role() {
    let mut c = Case::new(trust(
        json!({"AWS": format!("arn:aws:iam::{A}:role/aws-service-role/x/AWSServiceRoleForX")}),
        &["sts:AssumeRole"],
    ));
    c.caller = Caller::RoleSession {
        role: RoleArn::parse(&format!("arn:aws:iam::{A}:role/aws-service-role/x/AWSServiceRoleForX")).unwrap(),
        role_id: None,
        session_name: "s".into(),
    };
    c.rcp_levels = vec![("root r-1", Some(vec![deny_all("*")]))];
    c.scp_levels = vec![("root r-1", Some(vec![deny_all("*")]))];
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
}

#[test]
fn r10_raw_unique_id_in_trust_means_deleted_principal() {
    let c = Case::new(trust(json!({"AWS": "AROA3XFRBF535PLBIFPI4"}), &["sts:AssumeRole"]));
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::TrustPolicy));
    let why = e.non_matching[0].reason.describe("sts:AssumeRole");
    assert!(why.contains("was deleted"), "{why}");
}

#[test]
fn r11_web_identity_is_trust_only_and_checks_sub_condition() {
    let provider = format!("arn:aws:iam::{A}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC");
    let t = doc(
        json!({"Statement": [{"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:arc-runners:arc-runner-irsa",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com"}}}]}),
    );
    let mut c = Case::new(t);
    c.caller = Caller::WebIdentity { provider_arn: provider.clone() };
    c.ctx.set("oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub", "system:serviceaccount:arc-runners:arc-runner-irsa");
    c.ctx.set("oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud", "sts.amazonaws.com");
    // An SCP that would deny everything does not apply: there is no AWS principal (R11).
    c.scps.push(doc(json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}})));
    assert_eq!(c.run("sts:AssumeRoleWithWebIdentity").decision, Decision::Allow);
    c.ctx.set("oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub", "system:serviceaccount:arc-systems:arc-runner-irsa");
    let e = c.run("sts:AssumeRoleWithWebIdentity");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::TrustPolicy));
    match &e.non_matching[0].reason {
        Miss::Condition { key, actual, .. } => {
            assert!(key.ends_with(":sub"));
            assert_eq!(actual.as_deref(), Some(&["system:serviceaccount:arc-systems:arc-runner-irsa".to_string()][..]));
        }
        other => panic!("expected a condition miss, got {other:?}"),
    }
}

#[test]
fn r28_wildcard_and_service_principals() {
    let c = Case::new(trust(json!("*"), &["sts:AssumeRole"]));
    assert_eq!(c.run("sts:AssumeRole").trust_grant, Some(Grant::Wildcard));
    let mut c = Case::new(trust(json!({"Service": "pods.eks.amazonaws.com"}), &["sts:AssumeRole", "sts:TagSession"]));
    c.caller = Caller::Service("pods.eks.amazonaws.com".into());
    assert_eq!(c.run("sts:TagSession").decision, Decision::Allow);
    c.caller = Caller::Service("ec2.amazonaws.com".into());
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::ImplicitDeny);
}

#[test]
fn r28_bare_account_id_is_account_grant() {
    let mut c = Case::new(trust(json!({"AWS": A}), &["sts:AssumeRole"]));
    assert_eq!(c.run("sts:AssumeRole").decided_by, Layer::IdentityPolicy);
    c.identity.push(allow(&["sts:*"], "*"));
    assert_eq!(c.run("sts:AssumeRole").trust_grant, Some(Grant::Account));
}

#[test]
fn r29_not_principal_in_trust_is_rejected() {
    let t = doc(
        json!({"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "sts:AssumeRole"}]}),
    );
    let e = Case::new(t).run("sts:AssumeRole");
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.notes.iter().any(|n| n.contains("NotPrincipal")));
}

#[test]
fn r20_external_id_condition_fails_when_not_passed() {
    let t = doc(json!({"Statement": [{"Effect": "Allow", "Principal": role_arn(), "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}]}));
    let e = Case::new(t).run("sts:AssumeRole");
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.non_matching[0].reason.describe("sts:AssumeRole").contains("has no sts:ExternalId"));
}

#[test]
fn r13_unknown_tag_values_give_unknown_not_a_guess() {
    let t = doc(
        json!({"Statement": [{"Effect": "Allow", "Principal": role_arn(), "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {"aws:RequestTag/Repository": "my-org/payments-api"}}}]}),
    );
    let mut c = Case::new(t);
    c.ctx.set_unknown("aws:RequestTag/Repository");
    let e = c.run("sts:TagSession");
    assert_eq!((e.decision, e.decided_by), (Decision::Unknown, Layer::TrustPolicy));
    c.ctx.set("aws:RequestTag/Repository", "my-org/payments-api");
    assert_eq!(c.run("sts:TagSession").decision, Decision::Allow);
}

#[test]
fn r26_r27_action_case_and_resource_case() {
    let mut c = Case::new(trust(root(), &["STS:assumerole"]));
    c.identity.push(allow(&["sts:AssumeRole"], &format!("arn:aws:iam::{A}:role/Target")));
    let e = c.run("sts:AssumeRole");
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::IdentityPolicy));
    assert!(matches!(e.non_matching[0].reason, Miss::Resource { .. }));
}

#[test]
fn r35_resource_variable_unresolvable_matches_nothing() {
    let mut c = Case::new(trust(root(), &["sts:AssumeRole"]));
    c.identity.push(allow(&["sts:AssumeRole"], "arn:aws:iam::*:role/${aws:PrincipalTag/team}"));
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::ImplicitDeny);
    c.ctx.set("aws:PrincipalTag/team", "target");
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
}

#[test]
fn r36_principal_arn_condition_uses_role_arn_with_path() {
    let t = doc(json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{A}:role/arc-runner-*")}}}]}));
    let mut c = Case::new(t);
    c.ctx.set("aws:PrincipalArn", format!("arn:aws:iam::{A}:role/arc-runner-base-role"));
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
    c.ctx.set("aws:PrincipalArn", format!("arn:aws:sts::{A}:assumed-role/arc-runner-base-role/s1"));
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::ImplicitDeny);
}

#[test]
fn r21_trust_policy_with_resource_is_flagged() {
    let t = doc(
        json!({"Statement": [{"Effect": "Allow", "Principal": role_arn(), "Action": "sts:AssumeRole", "Resource": "*"}]}),
    );
    let e = Case::new(t).run("sts:AssumeRole");
    assert!(e.notes.iter().any(|n| n.contains("may not have Resource")), "{:?}", e.notes);
}

#[test]
fn r3_service_linked_roles_are_exempt_from_scps() {
    let mut c = Case::new(trust(
        json!({"AWS": format!("arn:aws:iam::{A}:role/aws-service-role/AWSServiceRoleForX")}),
        &["sts:AssumeRole"],
    ));
    c.caller = Caller::RoleSession {
        role: RoleArn::parse(&format!("arn:aws:iam::{A}:role/aws-service-role/AWSServiceRoleForX")).unwrap(),
        role_id: None,
        session_name: "s".into(),
    };
    c.scps.push(doc(json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}})));
    assert_eq!(c.run("sts:AssumeRole").decision, Decision::Allow);
}

// ---- evaluate_action: the principal's side of a non-STS action (R1, R3, R5–R7) ----

const REPO: &str = "arn:aws:ecr:eu-west-1:111122223333:repository/my-app";

fn push() -> PolicyDocument {
    allow(&["ecr:PutImage", "ecr:InitiateLayerUpload"], "arn:aws:ecr:eu-west-1:111122223333:repository/*")
}

fn action_eval(action: &str, identity: &[PolicyDocument], boundary: Option<&PolicyDocument>) -> Evaluation {
    let caller = base_caller(A);
    let ctx = RequestContext::new();
    let req = ActionRequest {
        action,
        resource: REPO,
        caller: &caller,
        ctx: &ctx,
        identity: identity.iter().map(|d| NamedPolicy { name: "target/inline/permissions", doc: d }).collect(),
        boundary: boundary.map(|d| NamedPolicy { name: "arn:aws:iam::111122223333:policy/Boundary", doc: d }),
        session: vec![],
        scps: OrgPolicies::None,
        rcps: OrgPolicies::None,
        resource_policy: None,
        identity_side_only: false,
        resource_elsewhere: None,
    };
    evaluate_action(&req)
}

#[test]
fn r5_an_action_needs_an_identity_allow() {
    let e = action_eval("ecr:PutImage", &[push()], None);
    assert_eq!((e.decision, e.decided_by), (Decision::Allow, Layer::IdentityPolicy));
    assert_eq!(e.statements[0].sid.as_deref(), Some("Assume"));
    let e = action_eval("ecr:BatchGetImage", &[push()], None);
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::IdentityPolicy));
    let why = e.non_matching[0].reason.describe("ecr:BatchGetImage");
    assert!(why.contains("does not cover ecr:BatchGetImage"), "{why}");
    let e = action_eval("ecr:PutImage", &[], None);
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::IdentityPolicy), "no policy, no access");
}

#[test]
fn r6_a_boundary_that_does_not_allow_the_action_denies_it_and_names_its_statements() {
    // An org boundary allowing pulls only: the push preset conflicts with it.
    let boundary = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "PullOnly", "Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "Resource": "*"}]}));
    let e = action_eval("ecr:PutImage", &[push()], Some(&boundary));
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::PermissionsBoundary));
    assert_eq!(e.non_matching.len(), 1);
    assert_eq!(e.non_matching[0].statement.sid.as_deref(), Some("PullOnly"));
    assert!(e.non_matching[0].reason.describe("ecr:PutImage").contains("does not cover ecr:PutImage"));
    // The boundary alone grants nothing (intersection, not union).
    let e = action_eval("ecr:BatchGetImage", &[push()], Some(&boundary));
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::IdentityPolicy));
    // Resource-scoped boundary: the repository is outside it.
    let scoped = allow(&["ecr:*"], "arn:aws:ecr:eu-west-1:111122223333:repository/team-a/*");
    let e = action_eval("ecr:PutImage", &[push()], Some(&scoped));
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::PermissionsBoundary));
    let why = e.non_matching[0].reason.describe("ecr:PutImage");
    assert!(why.contains("does not cover the resource"), "{why}");
    // Both allow: allowed, and both statements are named.
    let e = action_eval("ecr:PutImage", &[push()], Some(&allow(&["ecr:*"], "*")));
    assert_eq!(e.decision, Decision::Allow);
    let layers: Vec<Layer> = e.statements.iter().map(|s| s.layer).collect();
    assert_eq!(layers, [Layer::IdentityPolicy, Layer::PermissionsBoundary]);
}

#[test]
fn r1_an_explicit_deny_in_the_boundary_is_final() {
    let boundary = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NoPush", "Effect": "Deny", "Action": "ecr:PutImage", "Resource": "*"}]}));
    let e = action_eval("ecr:PutImage", &[push()], Some(&boundary));
    assert_eq!((e.decision, e.decided_by), (Decision::ExplicitDeny, Layer::PermissionsBoundary));
    assert_eq!(e.statements[0].sid.as_deref(), Some("NoPush"));
}

#[test]
fn r6_a_boundary_condition_on_an_unknown_value_is_unknown_not_a_guess() {
    let boundary = doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "FromVpc", "Effect": "Allow", "Action": "ecr:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-123"}}}]}));
    let caller = base_caller(A);
    let mut ctx = RequestContext::new();
    ctx.set_unknown("aws:SourceVpc");
    let identity = [push()];
    let req = ActionRequest {
        action: "ecr:PutImage",
        resource: REPO,
        caller: &caller,
        ctx: &ctx,
        identity: identity.iter().map(|d| NamedPolicy { name: "p", doc: d }).collect(),
        boundary: Some(NamedPolicy { name: "b", doc: &boundary }),
        session: vec![],
        scps: OrgPolicies::None,
        rcps: OrgPolicies::None,
        resource_policy: None,
        identity_side_only: false,
        resource_elsewhere: None,
    };
    let e = evaluate_action(&req);
    assert_eq!((e.decision, e.decided_by), (Decision::Unknown, Layer::PermissionsBoundary));
}

// ---- the resource's own policy (#17.2: R1, R4, R9) ----

fn action_eval_with(
    resource: &str,
    identity: &[PolicyDocument],
    boundary: Option<&PolicyDocument>,
    resource_policy: &PolicyDocument,
) -> Evaluation {
    let caller = base_caller(A);
    let ctx = RequestContext::new();
    let req = ActionRequest {
        action: "ecr:PutImage",
        resource,
        caller: &caller,
        ctx: &ctx,
        identity: identity.iter().map(|d| NamedPolicy { name: "target/inline/permissions", doc: d }).collect(),
        boundary: boundary.map(|d| NamedPolicy { name: "boundary", doc: d }),
        session: vec![],
        scps: OrgPolicies::None,
        rcps: OrgPolicies::None,
        resource_policy: Some(NamedPolicy { name: "repository policy", doc: resource_policy }),
        identity_side_only: false,
        resource_elsewhere: None,
    };
    evaluate_action(&req)
}

fn repo_policy(effect: &str, principal: &str) -> PolicyDocument {
    doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "S", "Effect": effect, "Principal": {"AWS": principal}, "Action": "ecr:PutImage"}]}))
}

/// R4: same account, a repository policy naming the caller's role grants without an identity
/// policy — but a boundary still limits a role-ARN grant; naming the account delegates to the
/// identity policy.
#[test]
fn r4_a_same_account_resource_policy_grants_as_its_principal_says() {
    let caller_role = base_caller(A);
    let role_arn = match &caller_role {
        Caller::RoleSession { role, .. } => role.arn(),
        _ => unreachable!(),
    };
    let e = action_eval_with(REPO, &[], None, &repo_policy("Allow", &role_arn));
    assert_eq!((e.decision, e.decided_by), (Decision::Allow, Layer::ResourcePolicy), "{e:?}");
    let pull_only = doc(json!({"Statement": {"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "*"}}));
    let e = action_eval_with(REPO, &[], Some(&pull_only), &repo_policy("Allow", &role_arn));
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::PermissionsBoundary));
    let account = format!("arn:aws:iam::{A}:root");
    let e = action_eval_with(REPO, &[], None, &repo_policy("Allow", &account));
    assert_eq!(
        (e.decision, e.decided_by),
        (Decision::ImplicitDeny, Layer::IdentityPolicy),
        "delegation needs identity"
    );
    let e = action_eval_with(REPO, &[push()], None, &repo_policy("Allow", &account));
    assert_eq!(e.decision, Decision::Allow);
}

/// R1: a deny in the resource's own policy beats the identity policy's allow.
#[test]
fn r1_a_resource_policy_deny_is_final() {
    let e = action_eval_with(REPO, &[push()], None, &repo_policy("Deny", "*"));
    assert_eq!((e.decision, e.decided_by), (Decision::ExplicitDeny, Layer::ResourcePolicy));
}

/// R9: across accounts the identity policy and the resource's policy must both allow.
#[test]
fn r9_across_accounts_both_sides_must_allow() {
    let other = "arn:aws:ecr:eu-west-1:999988887777:repository/shared";
    let anyone_of_a = format!("arn:aws:iam::{A}:root");
    let e = action_eval_with(other, &[allow(&["ecr:PutImage"], other)], None, &repo_policy("Allow", &anyone_of_a));
    assert_eq!(e.decision, Decision::Allow, "{e:?}");
    let e = action_eval_with(other, &[], None, &repo_policy("Allow", &anyone_of_a));
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::IdentityPolicy));
    let e = action_eval_with(
        other,
        &[allow(&["ecr:PutImage"], other)],
        None,
        &repo_policy("Allow", "arn:aws:iam::123456789012:root"),
    );
    assert_eq!((e.decision, e.decided_by), (Decision::ImplicitDeny, Layer::ResourcePolicy));
}

/// R9: another account's resource whose policy the data does not hold is `unknown`, not a guess;
/// the wizard asks for the principal's side only and says the rest itself.
#[test]
fn r9_another_accounts_resource_without_its_policy_is_unknown() {
    let other = "arn:aws:ecr:eu-west-1:999988887777:repository/shared";
    let caller = base_caller(A);
    let ctx = RequestContext::new();
    let identity = allow(&["ecr:PutImage"], other);
    let mut req = ActionRequest {
        action: "ecr:PutImage",
        resource: other,
        caller: &caller,
        ctx: &ctx,
        identity: vec![NamedPolicy { name: "p", doc: &identity }],
        boundary: None,
        session: vec![],
        scps: OrgPolicies::None,
        rcps: OrgPolicies::None,
        resource_policy: None,
        identity_side_only: false,
        resource_elsewhere: None,
    };
    let e = evaluate_action(&req);
    assert_eq!(e.decision, Decision::Unknown);
    assert!(e.notes.iter().any(|n| n.contains("in another account")), "{:?}", e.notes);
    req.identity_side_only = true;
    assert_eq!(evaluate_action(&req).decision, Decision::Allow);
}

fn kms_eval(identity: &[PolicyDocument], key_policy: Option<&PolicyDocument>) -> Evaluation {
    let caller = base_caller(A);
    let ctx = RequestContext::new();
    let key = format!("arn:aws:kms:eu-west-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let req = ActionRequest {
        action: "kms:GenerateDataKey",
        resource: &key,
        caller: &caller,
        ctx: &ctx,
        identity: identity.iter().map(|d| NamedPolicy { name: "target/inline/permissions", doc: d }).collect(),
        boundary: None,
        session: vec![],
        scps: OrgPolicies::None,
        rcps: OrgPolicies::None,
        resource_policy: key_policy.map(|d| NamedPolicy { name: "key policy", doc: d }),
        identity_side_only: false,
        resource_elsewhere: None,
    };
    evaluate_action(&req)
}

fn key_policy(principal: &str) -> PolicyDocument {
    doc(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "K", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}]}))
}

/// R4 for KMS (#17.2): a key's own policy must always allow, even in the key's account; naming
/// the account delegates to the identity policy, naming the role grants without one; a key policy
/// not in the data is unknown, never the identity policy's allow alone.
#[test]
fn r4_a_kms_key_policy_must_allow_even_in_the_same_account() {
    let kms = allow(&["kms:GenerateDataKey"], "*");
    let e = kms_eval(std::slice::from_ref(&kms), None);
    assert_eq!((e.decision, e.decided_by), (Decision::Unknown, Layer::ResourcePolicy), "{e:?}");
    let e = kms_eval(std::slice::from_ref(&kms), Some(&key_policy("arn:aws:iam::999988887777:root")));
    assert_eq!(
        (e.decision, e.decided_by),
        (Decision::ImplicitDeny, Layer::ResourcePolicy),
        "identity alone is not enough"
    );
    let account = format!("arn:aws:iam::{A}:root");
    let e = kms_eval(std::slice::from_ref(&kms), Some(&key_policy(&account)));
    assert_eq!((e.decision, e.decided_by), (Decision::Allow, Layer::IdentityPolicy));
    let e = kms_eval(&[], Some(&key_policy(&account)));
    assert_eq!(
        (e.decision, e.decided_by),
        (Decision::ImplicitDeny, Layer::IdentityPolicy),
        "delegation needs identity"
    );
    let role = format!("arn:aws:iam::{A}:role/arc-runner-base-role");
    let e = kms_eval(&[], Some(&key_policy(&role)));
    assert_eq!((e.decision, e.decided_by), (Decision::Allow, Layer::ResourcePolicy));
}
