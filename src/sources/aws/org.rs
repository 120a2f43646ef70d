//! Live AWS Organizations (#17.3, R2, R3): the organization, its root and enabled policy types,
//! where each account of the data sits (OU by OU up to the root), the SCPs and RCPs attached at
//! every level and their documents — as the AWS CLI's `describe-organization`, `list-roots`,
//! `list-parents`, `list-policies-for-target` and `describe-policy` outputs, so a bundle export
//! holds exactly what was read. Only the management account or a delegated administrator may read
//! the tree; from anywhere else the denial itself is kept (the verdicts SCPs could flip stay
//! unknown), and `AWSOrganizationsNotInUseException` says definitely that there are none.

use aws_sdk_iam::error::ProvideErrorMetadata;
use serde_json::{Value, json};
use std::collections::BTreeSet;

use super::{AccountLoad, Aws, read_error};
use crate::model::org::PolicyKind;

/// Organizations allows five levels of OUs: a walk longer than this is a loop in the answers.
const MAX_DEPTH: usize = 8;

/// An id from an answer becomes a file name in an export: only the characters AWS's ids use.
fn safe_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 130 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The error body a read answered, kept as a bundle document (AWS's JSON error shape).
fn error_doc<E: ProvideErrorMetadata>(e: &E, fallback: &str) -> Value {
    json!({"__type": e.code().unwrap_or("Error"), "Message": e.message().unwrap_or(fallback)})
}

/// A failed read: AccessDenied (and friends) is kept as the organization's unreadable state,
/// anything else is a warning (the levels it leaves out stay unknown).
fn failed<E, R>(load: &mut AccountLoad, file: &str, permission: &str, e: aws_sdk_iam::error::SdkError<E, R>)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let doc = e.as_service_error().map(|s| error_doc(s, "denied"));
    match read_error(permission, "organization", e) {
        super::ReadError::Denied { .. } => {
            let doc = doc.unwrap_or_else(|| json!({"__type": "AccessDeniedException", "Message": "denied"}));
            load.documents.push((file.to_string(), doc));
            load.warnings.push(format!(
                "{permission} denied: SCPs and RCPs could not be read (only the organization's management account or a delegated administrator may); the verdicts they could change say unknown — pass --aws-profile MANAGEMENT_ACCOUNT=PROFILE"
            ));
        }
        other => load.warnings.push(format!("{other}: the organization levels it leaves out say unknown")),
    }
}

/// Read the organization over `accounts` with the management account's client when one was given
/// (`--aws-profile`), else the caller's.
pub(super) async fn read(clients: &[(String, Aws)], accounts: &BTreeSet<String>) -> AccountLoad {
    let mut load = AccountLoad::default();
    let caller = &clients[0].1;
    let management = match caller.org.describe_organization().send().await {
        Ok(out) => {
            let o = out.organization();
            let doc = json!({"Organization": {
                "Id": o.and_then(|o| o.id()),
                "Arn": o.and_then(|o| o.arn()),
                "MasterAccountId": o.and_then(|o| o.master_account_id()),
            }});
            load.documents.push(("organizations/describe-organization.json".into(), doc));
            o.and_then(|o| o.master_account_id()).map(str::to_string)
        }
        Err(e) if e.code() == Some("AWSOrganizationsNotInUseException") => {
            let doc = e.as_service_error().map_or_else(
                || json!({"__type": "AWSOrganizationsNotInUseException"}),
                |s| error_doc(s, "not in an organization"),
            );
            load.documents.push(("organizations/describe-organization.json".into(), doc));
            return load;
        }
        Err(e) => {
            failed(&mut load, "organizations/describe-organization.json", "organizations:DescribeOrganization", e);
            return load;
        }
    };
    let aws = clients.iter().find(|(a, _)| Some(a) == management.as_ref()).map_or(caller, |(_, aws)| aws);
    let Some((root, kinds)) = roots(aws, &mut load).await else {
        return load;
    };
    let mut targets: BTreeSet<String> = [root.clone()].into();
    for account in accounts.iter().filter(|a| Some(*a) != management.as_ref()) {
        walk(aws, account, &root, &mut targets, &mut load).await;
    }
    let mut ids = BTreeSet::new();
    for target in &targets {
        for kind in &kinds {
            ids.extend(attached(aws, target, *kind, &mut load).await);
        }
    }
    for id in ids {
        describe(aws, &id, &mut load).await;
    }
    load
}

/// `list-roots`: the root's id and the policy types enabled on it.
async fn roots(aws: &Aws, load: &mut AccountLoad) -> Option<(String, Vec<PolicyKind>)> {
    let file = "organizations/list-roots.json";
    let out = match aws.org.list_roots().send().await {
        Ok(out) => out,
        Err(e) => {
            failed(load, file, "organizations:ListRoots", e);
            return None;
        }
    };
    let root = out.roots().first()?;
    let types: Vec<Value> = root
        .policy_types()
        .iter()
        .map(|t| json!({"Type": t.r#type().map(|t| t.as_str()), "Status": t.status().map(|s| s.as_str())}))
        .collect();
    let kinds = root
        .policy_types()
        .iter()
        .filter(|t| t.status().map(|s| s.as_str()) == Some("ENABLED"))
        .filter_map(|t| t.r#type().and_then(|t| PolicyKind::from_api(t.as_str())))
        .collect();
    let doc = json!({"Roots": [{"Id": root.id(), "Arn": root.arn(), "Name": root.name(), "PolicyTypes": types}]});
    load.documents.push((file.into(), doc));
    Some((root.id().filter(|id| safe_id(id))?.to_string(), kinds))
}

/// `list-parents` from the account up to the root, each level once.
async fn walk(aws: &Aws, account: &str, root: &str, targets: &mut BTreeSet<String>, load: &mut AccountLoad) {
    let mut child = account.to_string();
    for _ in 0..MAX_DEPTH {
        if !targets.insert(child.clone()) && child != account {
            return; // the rest of the path is known from another account
        }
        let file = format!("organizations/{child}/list-parents.json");
        let out = match aws.org.list_parents().child_id(&child).send().await {
            Ok(out) => out,
            // Not in this organization (another organization's account): its levels stay unknown.
            Err(e) if e.code() == Some("ChildNotFoundException") => return,
            Err(e) => return failed(load, &file, "organizations:ListParents", e),
        };
        let Some(parent) = out.parents().first().and_then(|p| p.id()).filter(|p| safe_id(p)).map(str::to_string) else {
            return;
        };
        let kind = out.parents().first().and_then(|p| p.r#type()).map(|t| t.as_str().to_string());
        load.documents.push((file, json!({"Parents": [{"Id": parent, "Type": kind}]})));
        if parent == root {
            return;
        }
        child = parent;
    }
}

/// `list-policies-for-target --filter KIND`, every page.
async fn attached(aws: &Aws, target: &str, kind: PolicyKind, load: &mut AccountLoad) -> Vec<String> {
    let file = format!("organizations/{target}/list-policies-for-target-{}.json", kind.api_type().to_ascii_lowercase());
    let filter = aws_sdk_organizations::types::PolicyType::from(kind.api_type());
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out =
            aws.org.list_policies_for_target().target_id(target).filter(filter.clone()).set_next_token(next).send();
        let out = match out.await {
            Ok(out) => out,
            Err(e) => {
                failed(load, &file, "organizations:ListPoliciesForTarget", e);
                return Vec::new();
            }
        };
        items.extend(out.policies().iter().map(|p| {
            json!({"Id": p.id(), "Arn": p.arn(), "Name": p.name(), "Type": kind.api_type(), "AwsManaged": p.aws_managed()})
        }));
        next = out.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    let ids = items.iter().filter_map(|p| p["Id"].as_str().filter(|id| safe_id(id)).map(str::to_string)).collect();
    load.documents.push((file, json!({"Policies": items})));
    ids
}

/// `describe-policy`: the document.
async fn describe(aws: &Aws, id: &str, load: &mut AccountLoad) {
    let file = format!("organizations/policies/{id}.json");
    let out = match aws.org.describe_policy().policy_id(id).send().await {
        Ok(out) => out,
        Err(e) => return failed(load, &file, "organizations:DescribePolicy", e),
    };
    let Some(p) = out.policy() else {
        return;
    };
    let s = p.policy_summary();
    let doc = json!({"Policy": {
        "PolicySummary": {
            "Id": s.and_then(|s| s.id()),
            "Arn": s.and_then(|s| s.arn()),
            "Name": s.and_then(|s| s.name()),
            "Type": s.and_then(|s| s.r#type()).map(|t| t.as_str()),
            "AwsManaged": s.map(|s| s.aws_managed()),
        },
        "Content": p.content(),
    }});
    load.documents.push((file, doc));
}
