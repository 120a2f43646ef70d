//! Lint beside the verdicts (#16.6): what IAM Access Analyzer's policy validation and Parliament
//! catch and the evaluator can only call an implicit deny — a condition key no request carries, a
//! wildcard an exact operator compares literally, an IRSA or GitHub trust without a `:sub`
//! condition, a Federated principal that is not a provider ARN, an action no service has. Lint
//! never changes a verdict; each finding names the role, policy, statement and a code (L1–L6,
//! core/DOMAIN.md).

use serde::Serialize;

use crate::iam::condition::OpKind;
use crate::iam::policy::{Effect, PolicyDocument, PrincipalType, Statement};
use crate::model::Inventory;
use crate::model::aws::Role;

/// One finding about one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    pub role: String,
    pub policy: String,
    pub statement: usize,
    pub code: &'static str,
    pub message: String,
}

/// The action names shipped (see the file's header for where they come from).
const ACTIONS: &str = include_str!("../iam/actions.txt");

/// Services whose every action is in [`ACTIONS`]: an action not there does not exist. For s3
/// only near-misses of the common actions are flagged.
const WHOLE: [&str; 4] = ["sts", "iam", "ecr", "kms"];

/// Global condition keys (IAM User Guide, "AWS global condition context keys"), as documented;
/// compared without case (R34); a `/` ends a prefix (`aws:PrincipalTag/`).
const GLOBAL_KEYS: &[&str] = &[
    "aws:AssumedRoot",
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:CurrentTime",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:Ec2InstanceSourceVpc",
    "aws:EpochTime",
    "aws:FederatedProvider",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalTag/",
    "aws:PrincipalType",
    "aws:Referer",
    "aws:RequestedRegion",
    "aws:RequestTag/",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:ResourceTag/",
    "aws:RoleSessionName",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSService",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:VpcSourceIp",
];

/// The STS keys of its Service Authorization Reference page.
const STS_KEYS: &[&str] = &[
    "sts:AWSServiceName",
    "sts:DurationSeconds",
    "sts:ExternalId",
    "sts:RequestContext",
    "sts:RequestContextProviders",
    "sts:RoleSessionName",
    "sts:SourceIdentity",
    "sts:TransitiveTagKeys",
];

/// The claims STS reads from an EKS service account token (IAM User Guide, "Available keys for
/// AWS web identity federation"; EKS IRSA: `sub`, `aud`).
const EKS_CLAIMS: &[&str] = &["sub", "aud", "amr"];

/// The roles the chains touch: each step's role, and the role of each session that makes one.
pub fn roles_of(chains: &[super::Chain]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in chains.iter().flat_map(|c| c.steps.iter()) {
        if s.resource.contains(":role/") && !out.contains(&s.resource.as_str()) {
            out.push(&s.resource);
        }
    }
    out
}

/// Lint every role the chains touch (`roles`: their ARNs): trust, inline, attached and boundary
/// policies, in that order.
pub fn lint_roles<'a>(inv: &Inventory, roles: impl IntoIterator<Item = &'a str>) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for arn in roles {
        if !seen.insert(arn.to_string()) {
            continue;
        }
        if let Some(role) = inv.role(arn) {
            out.extend(lint_role(inv, role));
        }
    }
    out
}

/// One role's lint.
pub fn lint_role(inv: &Inventory, role: &Role) -> Vec<Lint> {
    let name = &role.arn.name;
    let mut out = Vec::new();
    lint_document(&mut out, name, &format!("{name}/trust"), &role.trust, true);
    for (policy, doc) in &role.inline {
        lint_document(&mut out, name, &format!("{name}/inline/{policy}"), doc, false);
    }
    for arn in role.attached.iter().chain(role.boundary.iter()) {
        if let Some(p) = inv.managed_policies.get(arn) {
            lint_document(&mut out, name, &p.arn, &p.doc, false);
        }
    }
    out
}

fn lint_document(out: &mut Vec<Lint>, role: &str, policy: &str, doc: &PolicyDocument, trust: bool) {
    for (i, s) in doc.statements.iter().enumerate() {
        let mut say = |code: &'static str, message: String| {
            out.push(Lint { role: role.to_string(), policy: policy.to_string(), statement: i, code, message })
        };
        let providers = federated(s);
        for p in &providers {
            if let Some(why) = malformed_provider(p) {
                say("L5", format!("Federated principal {p:?} {why}"));
            }
        }
        for c in &s.conditions {
            if let Some(m) = condition_key(&c.key, &providers) {
                say("L1", m);
            }
            if let Some(m) = swapped_claim(&c.key, &c.values) {
                say("L2", m);
            }
            let exact = matches!(
                c.operator.kind,
                OpKind::StringEquals
                    | OpKind::StringNotEquals
                    | OpKind::StringEqualsIgnoreCase
                    | OpKind::StringNotEqualsIgnoreCase
            );
            if let Some(v) = c.values.iter().find(|v| exact && (v.contains('*') || v.contains('?'))) {
                say(
                    "L3",
                    format!(
                        "{} compares {v:?} literally: its * or ? is no wildcard and never matches a real {} (use StringLike)",
                        c.operator.name, c.key
                    ),
                );
            }
        }
        if trust
            && s.effect == Effect::Allow
            && covers(s, "sts:AssumeRoleWithWebIdentity")
            && let Some(p) = providers.iter().find(|p| p.contains(":oidc-provider/"))
            && !s.conditions.iter().any(|c| c.key.to_ascii_lowercase().ends_with(":sub"))
        {
            let who = if p.contains("token.actions.githubusercontent.com") {
                "any workflow of any GitHub repository"
            } else {
                "any service account of the cluster"
            };
            say("L4", format!("trusts {p} with no :sub condition: {who} may assume this role (a security finding)"));
        }
        if !s.action.negated {
            for a in &s.action.patterns {
                if let Some(m) = unknown_action(a) {
                    say("L6", m);
                }
            }
        }
    }
}

/// The Federated principals of a statement.
fn federated(s: &Statement) -> Vec<String> {
    s.principal
        .iter()
        .flat_map(|p| p.entries.iter())
        .filter(|(t, _)| *t == PrincipalType::Federated)
        .map(|(_, v)| v.clone())
        .collect()
}

fn covers(s: &Statement, action: &str) -> bool {
    !s.action.negated && s.action.patterns.iter().any(|p| crate::iam::glob::matches(p, action, true))
}

/// Why a Federated principal cannot be right, if it cannot: not an IAM provider ARN (or one of
/// the public identity providers STS names directly).
fn malformed_provider(p: &str) -> Option<&'static str> {
    const PUBLIC: [&str; 4] =
        ["cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com", "www.amazon.com"];
    if PUBLIC.contains(&p) {
        return None;
    }
    let Some(rest) = p.strip_prefix("arn:") else {
        return Some("is not a provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH)");
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let ok_account = parts.get(3).is_some_and(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()));
    let resource = parts.get(4).copied().unwrap_or("");
    if parts.get(1) != Some(&"iam") || !ok_account {
        return Some("is not an IAM provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH)");
    }
    match resource.split_once('/') {
        Some(("oidc-provider", host)) if host.contains("://") => {
            Some("names the provider with its scheme: the ARN holds the issuer's host and path, without https://")
        }
        Some(("oidc-provider" | "saml-provider", host)) if !host.is_empty() => None,
        _ => Some("is neither an oidc-provider/… nor a saml-provider/… ARN"),
    }
}

/// Why a condition key will never be in a request, if it will not.
fn condition_key(key: &str, providers: &[String]) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    let known = |list: &[&str]| {
        list.iter().any(|k| {
            let k = k.to_ascii_lowercase();
            if k.ends_with('/') { lower.starts_with(&k) } else { lower == k }
        })
    };
    if lower.starts_with("aws:") {
        if known(GLOBAL_KEYS) {
            return None;
        }
        let near = nearest(&lower, GLOBAL_KEYS.iter().filter(|k| !k.ends_with('/')).copied());
        return Some(format!("{key} is not a global condition key{}: the condition never holds", did_you_mean(near)));
    }
    if lower.starts_with("sts:") {
        if known(STS_KEYS) {
            return None;
        }
        return Some(format!(
            "{key} is not an STS condition key{}",
            did_you_mean(nearest(&lower, STS_KEYS.iter().copied()))
        ));
    }
    // `HOST/PATH:claim` of a web identity provider.
    let (host, claim) = lower.rsplit_once(':')?;
    if !host.contains('.') {
        return None;
    }
    let trusted: Vec<String> =
        providers.iter().filter_map(|p| p.split_once(":oidc-provider/").map(|(_, h)| h.to_ascii_lowercase())).collect();
    if !trusted.is_empty() && !trusted.iter().any(|t| *t == host) {
        return Some(format!(
            "{key} reads claims of {host}, but the statement trusts {}: its tokens never carry this key",
            trusted.join(", ")
        ));
    }
    if host.starts_with("oidc.eks.") && !EKS_CLAIMS.contains(&claim) {
        return Some(format!(
            "{key}: an EKS service account token gives STS only :sub, :aud and :amr{}",
            did_you_mean(nearest(claim, EKS_CLAIMS.iter().copied()).map(|c| format!("{host}:{c}")))
        ));
    }
    None
}

/// A `:sub` condition written on `:aud` (or the other way round): its values give it away.
fn swapped_claim(key: &str, values: &[String]) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    let subject_like = |v: &String| v.starts_with("system:serviceaccount:") || v.starts_with("repo:");
    if lower.ends_with(":aud")
        && let Some(v) = values.iter().find(|v| subject_like(v))
    {
        return Some(format!("{key} is the token's audience, but {v:?} is a subject: this condition belongs on :sub"));
    }
    if lower.ends_with(":sub")
        && let Some(v) = values.iter().find(|v| *v == "sts.amazonaws.com")
    {
        return Some(format!("{key} is the token's subject, but {v:?} is an audience: this condition belongs on :aud"));
    }
    None
}

/// Why an action (without wildcards) names nothing, if it does not.
fn unknown_action(action: &str) -> Option<String> {
    if action.contains(['*', '?']) {
        return None;
    }
    let (service, _) = action.split_once(':')?;
    let service = service.to_ascii_lowercase();
    let listed = ACTIONS.lines().filter(|l| !l.starts_with('#') && l.starts_with(&format!("{service}:")));
    let names: Vec<&str> = listed.collect();
    if names.is_empty() || names.iter().any(|n| n.eq_ignore_ascii_case(action)) {
        return None;
    }
    let near = nearest(&action.to_ascii_lowercase(), names.iter().copied());
    if WHOLE.contains(&service.as_str()) {
        return Some(format!("{action} is not an action of {service}{}: it grants nothing", did_you_mean(near)));
    }
    // s3: only a near-miss of a common action is said.
    near.map(|n| format!("{action} is not an S3 action: did you mean {n}?"))
}

fn did_you_mean(near: Option<impl std::fmt::Display>) -> String {
    near.map(|n| format!(" (did you mean {n}?)")).unwrap_or_default()
}

/// The candidate closest to `word` (case-insensitive), when it is within a few edits.
fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (distance(word, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d > 0 && *d <= 3.min(c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const EKS: &str = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB12";
    const HOST: &str = "oidc.eks.eu-west-1.amazonaws.com/id/AB12";

    fn lint(doc: &str, trust: bool) -> Vec<Lint> {
        let doc = PolicyDocument::from_text(doc).expect("the test policy parses");
        let mut out = Vec::new();
        lint_document(&mut out, "r", "r/trust", &doc, trust);
        out
    }

    fn codes(v: &[Lint]) -> Vec<&'static str> {
        v.iter().map(|l| l.code).collect()
    }

    fn irsa_trust(condition: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{EKS}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}]}}"#
        )
    }

    #[test]
    fn a_clean_irsa_trust_has_no_lint() {
        let t = irsa_trust(&format!(
            r#"{{"StringEquals":{{"{HOST}:sub":"system:serviceaccount:arc-runners:arc-runner","{HOST}:aud":"sts.amazonaws.com"}}}}"#
        ));
        assert_eq!(lint(&t, true), vec![]);
    }

    /// L1: a misspelt global key (`aws:PrincipleArn`), a claim of another provider, an EKS claim
    /// STS never reads.
    #[test]
    fn l1_condition_keys_no_request_carries() {
        let l = lint(
            r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringEquals":{"aws:PrincipleArn":"x"}}}]}"#,
            false,
        );
        assert_eq!(codes(&l), ["L1"]);
        assert!(l[0].message.contains("did you mean aws:PrincipalArn?"), "{}", l[0].message);
        let other = irsa_trust(
            r#"{"StringEquals":{"oidc.eks.eu-west-1.amazonaws.com/id/ZZ99:sub":"system:serviceaccount:a:b"}}"#,
        );
        let l = lint(&other, true);
        assert!(
            codes(&l).contains(&"L1") && l[0].message.contains("trusts oidc.eks.eu-west-1.amazonaws.com/id/ab12"),
            "{l:?}"
        );
        let claim = irsa_trust(&format!(
            r#"{{"StringEquals":{{"{HOST}:sub":"system:serviceaccount:a:b","{HOST}:subb":"x"}}}}"#
        ));
        assert_eq!(codes(&lint(&claim, true)), ["L1"]);
        // Service keys other than STS's are not judged (their lists are not shipped).
        let s3 = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"x"}}}]}"#;
        assert_eq!(lint(s3, false), vec![]);
    }

    /// L2: the subject written on :aud.
    #[test]
    fn l2_a_sub_written_on_aud() {
        let t = irsa_trust(&format!(
            r#"{{"StringEquals":{{"{HOST}:aud":"system:serviceaccount:arc-runners:arc-runner"}}}}"#
        ));
        let l = lint(&t, true);
        assert!(codes(&l).contains(&"L2"), "{l:?}");
        // …and with no :sub left, L4 too.
        assert!(codes(&l).contains(&"L4"), "{l:?}");
    }

    /// L3: StringEquals compares a `*` literally.
    #[test]
    fn l3_a_wildcard_an_exact_operator_never_matches() {
        let t = irsa_trust(&format!(r#"{{"StringEquals":{{"{HOST}:sub":"system:serviceaccount:arc-runners:*"}}}}"#));
        assert_eq!(codes(&lint(&t, true)), ["L3"]);
        let like = irsa_trust(&format!(r#"{{"StringLike":{{"{HOST}:sub":"system:serviceaccount:arc-runners:*"}}}}"#));
        assert_eq!(lint(&like, true), vec![]);
    }

    /// L4: a web identity trust without :sub — any service account, or any GitHub repository.
    #[test]
    fn l4_a_web_identity_trust_without_sub() {
        let t = irsa_trust(&format!(r#"{{"StringEquals":{{"{HOST}:aud":"sts.amazonaws.com"}}}}"#));
        let l = lint(&t, true);
        assert_eq!(codes(&l), ["L4"]);
        assert!(l[0].message.contains("any service account of the cluster"));
        let gh = r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}"#;
        assert!(lint(gh, true)[0].message.contains("any GitHub repository"));
        // Not a trust policy: no L4.
        assert!(!codes(&lint(&t, false)).contains(&"L4"));
    }

    /// L5: a Federated principal that is the issuer's URL, or not an IAM provider ARN.
    #[test]
    fn l5_malformed_federated_principals() {
        for bad in [
            "https://oidc.eks.eu-west-1.amazonaws.com/id/AB12",
            "arn:aws:iam::111122223333:oidc-provider/https://oidc.eks.eu-west-1.amazonaws.com/id/AB12",
            "arn:aws:iam::1111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB12",
            "arn:aws:iam::111122223333:role/oidc",
        ] {
            let t = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{bad}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"x.example.com:sub":"a"}}}}}}]}}"#
            );
            assert!(codes(&lint(&t, true)).contains(&"L5"), "{bad}");
        }
        assert!(malformed_provider("cognito-identity.amazonaws.com").is_none());
        assert!(malformed_provider(EKS).is_none());
    }

    /// L6: an action no service has, with the closest real one; wildcards and unlisted services
    /// are not judged; s3 only near-misses.
    #[test]
    fn l6_actions_no_service_has() {
        let doc = |a: &str| format!(r#"{{"Statement":[{{"Effect":"Allow","Action":"{a}","Resource":"*"}}]}}"#);
        let l = lint(&doc("sts:AssumeRoles"), false);
        assert_eq!(codes(&l), ["L6"]);
        assert!(l[0].message.contains("did you mean sts:AssumeRole?"), "{}", l[0].message);
        assert_eq!(codes(&lint(&doc("ecr:PutImages"), false)), ["L6"]);
        assert_eq!(codes(&lint(&doc("iam:PassRole"), false)), Vec::<&str>::new(), "permission-only actions are listed");
        assert_eq!(codes(&lint(&doc("sts:TagSession"), false)), Vec::<&str>::new());
        assert_eq!(codes(&lint(&doc("sts:Assume*"), false)), Vec::<&str>::new());
        assert_eq!(codes(&lint(&doc("dynamodb:GetItems"), false)), Vec::<&str>::new(), "no list shipped");
        assert_eq!(codes(&lint(&doc("s3:GetObjects"), false)), ["L6"]);
        assert_eq!(codes(&lint(&doc("s3:PutAccelerateConfiguration"), false)), Vec::<&str>::new(), "not a near-miss");
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("same", "same"), 0);
    }
}
