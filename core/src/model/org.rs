//! AWS Organizations as arcscope knows it: the tree (root, OUs, accounts), the SCPs and RCPs
//! attached at each level, and whether the data could say (R2, R3). Filled from the AWS CLI's
//! `organizations list-roots`, `list-parents`, `list-policies-for-target`, `describe-policy` and
//! `describe-organization` outputs, or the same calls made live.

use std::collections::{BTreeMap, BTreeSet};

use crate::iam::eval::{NamedPolicy, OrgLevel, OrgPolicies};
use crate::iam::policy::PolicyDocument;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyKind {
    Scp,
    Rcp,
}

impl PolicyKind {
    /// The Organizations API's policy type.
    pub fn api_type(self) -> &'static str {
        match self {
            PolicyKind::Scp => "SERVICE_CONTROL_POLICY",
            PolicyKind::Rcp => "RESOURCE_CONTROL_POLICY",
        }
    }

    pub fn from_api(t: &str) -> Option<PolicyKind> {
        match t {
            "SERVICE_CONTROL_POLICY" => Some(PolicyKind::Scp),
            "RESOURCE_CONTROL_POLICY" => Some(PolicyKind::Rcp),
            _ => None,
        }
    }

    fn short(self) -> &'static str {
        match self {
            PolicyKind::Scp => "SCP",
            PolicyKind::Rcp => "RCP",
        }
    }
}

#[derive(Debug, Clone)]
pub struct OrgPolicy {
    pub id: String,
    pub name: String,
    pub kind: PolicyKind,
    pub doc: PolicyDocument,
}

/// What the data says about the organization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OrgStatus {
    /// Nothing read (an offline bundle without Organizations outputs): taken as no policies, as
    /// the bundle's maker chose what to include.
    #[default]
    NoData,
    /// Read, in part or whole.
    Read,
    /// `AWSOrganizationsNotInUseException`: not a member of an organization, so no SCP or RCP
    /// applies — a definite answer.
    NotInUse,
    /// The organization exists but its policies could not be read (a member account's caller):
    /// decisions they could flip stay unknown.
    Unreadable(String),
}

#[derive(Debug, Clone, Default)]
pub struct Organization {
    pub status: OrgStatus,
    pub management_account: Option<String>,
    /// The root's id (`r-…`), from `list-roots`.
    pub root: Option<String>,
    /// Policy types enabled at the root, when `list-roots` was read.
    pub enabled: Option<BTreeSet<PolicyKind>>,
    /// Child (account id or OU id) → parent (OU or root id), from `list-parents`.
    pub parents: BTreeMap<String, String>,
    /// `(target id, kind)` → attached policy ids, from `list-policies-for-target`.
    pub attached: BTreeMap<(String, PolicyKind), Vec<String>>,
    /// Policies by id, from `describe-policy`.
    pub policies: BTreeMap<String, OrgPolicy>,
    /// Display names of the policies (`FullAWSAccess (p-FullAWSAccess) on root r-ab12`), built once.
    names: BTreeMap<(String, String), String>,
}

/// RCPs apply to resources of these services only (the Organizations user guide's list of
/// services that support RCPs).
pub const RCP_SERVICES: &[&str] =
    &["s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss", "cognito-idp", "logs", "dynamodb"];

/// Organizations allows five levels of OUs under the root; a longer path is a loop in the data.
const MAX_DEPTH: usize = 8;

fn display_target(id: &str) -> String {
    if id.starts_with("r-") {
        format!("root {id}")
    } else if id.starts_with("ou-") {
        format!("OU {id}")
    } else {
        format!("account {id}")
    }
}

impl Organization {
    /// Whether the data holds a tree (not only policy documents).
    pub fn has_tree(&self) -> bool {
        self.root.is_some() || !self.parents.is_empty() || !self.attached.is_empty()
    }

    pub fn merge(&mut self, other: Organization) {
        if self.status == OrgStatus::NoData || other.status != OrgStatus::NoData {
            self.status = other.status;
        }
        self.management_account = self.management_account.take().or(other.management_account);
        self.root = self.root.take().or(other.root);
        self.enabled = self.enabled.take().or(other.enabled);
        self.parents.extend(other.parents);
        self.attached.extend(other.attached);
        self.policies.extend(other.policies);
        self.index();
    }

    /// Build the display names (call after filling `policies` and `attached`).
    pub fn index(&mut self) {
        self.names.clear();
        for ((target, _), ids) in &self.attached {
            for id in ids {
                let name = self.policies.get(id).map_or(id.as_str(), |p| p.name.as_str());
                self.names.insert((target.clone(), id.clone()), format!("{name} ({id}) on {}", display_target(target)));
            }
        }
    }

    /// The policies of `kind` that apply to `account` (R2, R3): root first, the account last.
    pub fn levels(&self, account: Option<&str>, kind: PolicyKind) -> OrgPolicies<'_> {
        match &self.status {
            OrgStatus::NotInUse => return OrgPolicies::None,
            OrgStatus::Unreadable(why) => {
                if account.is_some() && account == self.management_account.as_deref() {
                    return OrgPolicies::None;
                }
                return OrgPolicies::Unknown(format!("{}s could not be read: {why}", kind.short()));
            }
            OrgStatus::NoData | OrgStatus::Read => {}
        }
        if let Some(enabled) = &self.enabled
            && !enabled.contains(&kind)
        {
            return OrgPolicies::None;
        }
        // R2, R3: neither applies to the management account (its principals, its resources).
        if account.is_some() && account == self.management_account.as_deref() {
            return OrgPolicies::None;
        }
        if !self.has_tree() {
            let flat = self.policies.values().filter(|p| p.kind == kind);
            return OrgPolicies::flat(flat.map(|p| NamedPolicy { name: &p.name, doc: &p.doc }).collect());
        }
        let Some(account) = account else {
            // An S3 bucket's ARN names no account: only a deny somewhere in the organization
            // could matter.
            let any_deny = self
                .policies
                .values()
                .filter(|p| p.kind == kind)
                .any(|p| p.doc.statements.iter().any(|s| s.effect == crate::iam::policy::Effect::Deny));
            if !any_deny {
                return OrgPolicies::None;
            }
            return OrgPolicies::Unknown(format!("the resource names no account: its {}s are not known", kind.short()));
        };
        let mut path = vec![account.to_string()];
        while Some(path.last().expect("path starts with the account")) != self.root.as_ref() {
            let last = path.last().expect("non-empty");
            if last.starts_with("r-") {
                break;
            }
            let Some(parent) = self.parents.get(last) else {
                return OrgPolicies::Unknown(format!(
                    "where {} sits in the organization is not in the data (organizations list-parents --child-id {last})",
                    display_target(last)
                ));
            };
            if path.len() > MAX_DEPTH || path.contains(parent) {
                return OrgPolicies::Unknown(format!("the organization tree above account {account} loops"));
            }
            path.push(parent.clone());
        }
        OrgPolicies::Levels(path.iter().rev().map(|t| self.level(t, kind)).collect())
    }

    fn level(&self, target: &str, kind: PolicyKind) -> OrgLevel<'_> {
        let policies = self.attached.get(&(target.to_string(), kind)).and_then(|ids| {
            ids.iter()
                .map(|id| {
                    let p = self.policies.get(id)?;
                    let name =
                        self.names.get(&(target.to_string(), id.clone())).map_or(p.name.as_str(), String::as_str);
                    Some(NamedPolicy { name, doc: &p.doc })
                })
                .collect::<Option<Vec<_>>>()
        });
        OrgLevel { target: display_target(target), policies }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(id: &str, kind: PolicyKind, effect: &str) -> OrgPolicy {
        let doc = PolicyDocument::from_value(&json!({"Statement": {"Effect": effect, "Action": "*", "Resource": "*"}}))
            .unwrap();
        OrgPolicy { id: id.into(), name: id.into(), kind, doc }
    }

    /// root r-1 ← ou-1-a ← 111122223333; the management account 999988887777.
    fn org() -> Organization {
        let mut o = Organization {
            status: OrgStatus::Read,
            management_account: Some("999988887777".into()),
            root: Some("r-1".into()),
            ..Organization::default()
        };
        o.parents.insert("111122223333".into(), "ou-1-a".into());
        o.parents.insert("ou-1-a".into(), "r-1".into());
        o.policies.insert("p-full".into(), policy("p-full", PolicyKind::Scp, "Allow"));
        for t in ["r-1", "ou-1-a", "111122223333"] {
            o.attached.insert((t.into(), PolicyKind::Scp), vec!["p-full".into()]);
        }
        o.index();
        o
    }

    fn targets(p: &OrgPolicies<'_>) -> Vec<String> {
        match p {
            OrgPolicies::Levels(l) => l.iter().map(|l| l.target.clone()).collect(),
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn r3_levels_run_from_the_root_through_the_ous_to_the_account() {
        let o = org();
        let levels = o.levels(Some("111122223333"), PolicyKind::Scp);
        assert_eq!(targets(&levels), ["root r-1", "OU ou-1-a", "account 111122223333"]);
        let OrgPolicies::Levels(l) = levels else { unreachable!() };
        assert_eq!(l[1].policies.as_ref().unwrap()[0].name, "p-full (p-full) on OU ou-1-a");
    }

    #[test]
    fn r3_an_account_whose_place_in_the_tree_is_unknown_is_unknown() {
        let o = org();
        let OrgPolicies::Unknown(why) = o.levels(Some("444455556666"), PolicyKind::Scp) else { panic!() };
        assert!(why.contains("list-parents --child-id 444455556666"), "{why}");
    }

    #[test]
    fn r2_r3_the_management_account_is_exempt_even_when_the_policies_are_unreadable() {
        let mut o = org();
        assert!(matches!(o.levels(Some("999988887777"), PolicyKind::Scp), OrgPolicies::None));
        o.status = OrgStatus::Unreadable("AccessDenied".into());
        assert!(matches!(o.levels(Some("999988887777"), PolicyKind::Rcp), OrgPolicies::None));
        assert!(matches!(o.levels(Some("111122223333"), PolicyKind::Scp), OrgPolicies::Unknown(_)));
    }

    #[test]
    fn not_in_an_organization_is_a_definite_none() {
        let o = Organization { status: OrgStatus::NotInUse, ..Organization::default() };
        assert!(matches!(o.levels(Some("111122223333"), PolicyKind::Scp), OrgPolicies::None));
    }

    #[test]
    fn r2_a_policy_type_not_enabled_at_the_root_does_not_apply() {
        let mut o = org();
        o.enabled = Some([PolicyKind::Rcp].into());
        assert!(matches!(o.levels(Some("111122223333"), PolicyKind::Scp), OrgPolicies::None));
    }

    #[test]
    fn a_level_attached_to_a_policy_not_described_is_not_in_the_data() {
        let mut o = org();
        o.attached.insert(("ou-1-a".into(), PolicyKind::Scp), vec!["p-gone".into()]);
        o.index();
        let OrgPolicies::Levels(l) = o.levels(Some("111122223333"), PolicyKind::Scp) else { panic!() };
        assert!(l[1].policies.is_none());
    }

    #[test]
    fn r2_a_bucket_names_no_account_so_only_a_deny_in_the_organization_makes_it_unknown() {
        let mut o = org();
        o.policies.insert("p-rcp".into(), policy("p-rcp", PolicyKind::Rcp, "Allow"));
        assert!(matches!(o.levels(None, PolicyKind::Rcp), OrgPolicies::None));
        o.policies.insert("p-deny".into(), policy("p-deny", PolicyKind::Rcp, "Deny"));
        assert!(matches!(o.levels(None, PolicyKind::Rcp), OrgPolicies::Unknown(_)));
    }
}
