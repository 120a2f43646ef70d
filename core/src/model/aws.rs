//! IAM as arcscope knows it: roles with their trust, inline, managed and boundary policies,
//! OIDC providers and EKS Pod Identity associations — from `aws iam
//! get-account-authorization-details` and friends, policies already parsed.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::iam::arn::{self, RoleArn};
use crate::iam::policy::{PolicyDocument, PolicyError};

#[derive(Debug, Clone)]
pub struct Role {
    pub arn: RoleArn,
    pub role_id: Option<String>,
    pub trust: PolicyDocument,
    /// `(policy name, document)`.
    pub inline: Vec<(String, PolicyDocument)>,
    pub attached: Vec<String>,
    pub boundary: Option<String>,
    /// From `get-role`; `get-account-authorization-details` does not carry it.
    pub max_session_duration: Option<u32>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub doc: PolicyDocument,
}

#[derive(Debug, Clone, Default)]
pub struct OidcProvider {
    pub arn: String,
    /// `None` when only the ARN is known (list output without get output).
    pub client_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct PodIdentityAssociation {
    pub cluster: Option<String>,
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
    pub target_role_arn: Option<String>,
    pub disable_session_tags: bool,
}

/// An error in an IAM document, naming the entity and the document.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{entity}: {source}")]
pub struct IamDataError {
    pub entity: String,
    #[source]
    pub source: PolicyError,
}

fn field_err(entity: &str, path: &str, message: &str) -> IamDataError {
    IamDataError { entity: entity.to_string(), source: PolicyError::new(path, message) }
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn policy_doc(entity: &str, v: Option<&Value>) -> Result<PolicyDocument, IamDataError> {
    let v = v.ok_or_else(|| field_err(entity, "$", "document missing"))?;
    PolicyDocument::from_value(v).map_err(|source| IamDataError { entity: entity.to_string(), source })
}

fn tags(v: &Value) -> BTreeMap<String, String> {
    v.get("Tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    Some((str_field(t, "Key")?.to_string(), str_field(t, "Value").unwrap_or("").to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Parse one `RoleDetailList` item (or a `get-role` `Role`).
pub fn parse_role(v: &Value, index: usize) -> Result<Role, IamDataError> {
    let name = str_field(v, "RoleName").unwrap_or("?");
    let entity = format!("RoleDetailList[{index}] (role {name})");
    let arn_text = str_field(v, "Arn").ok_or_else(|| field_err(&entity, "$.Arn", "missing"))?;
    let arn = RoleArn::parse(arn_text)
        .ok_or_else(|| field_err(&entity, "$.Arn", &format!("not a role ARN: {arn_text:?}")))?;
    let trust = policy_doc(
        &format!("role {name}, trust policy (AssumeRolePolicyDocument)"),
        v.get("AssumeRolePolicyDocument"),
    )?;
    let mut inline = Vec::new();
    for (i, p) in v.get("RolePolicyList").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let pname = str_field(p, "PolicyName").unwrap_or("?").to_string();
        let doc = policy_doc(
            &format!("role {name}, inline policy {pname:?} (RolePolicyList[{i}])"),
            p.get("PolicyDocument"),
        )?;
        inline.push((pname, doc));
    }
    let attached = v
        .get("AttachedManagedPolicies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| str_field(p, "PolicyArn").map(str::to_string))
        .collect();
    let boundary =
        v.get("PermissionsBoundary").and_then(|b| str_field(b, "PermissionsBoundaryArn")).map(str::to_string);
    let max_session_duration = v.get("MaxSessionDuration").and_then(Value::as_u64).map(|d| d as u32);
    Ok(Role {
        arn,
        role_id: str_field(v, "RoleId").map(str::to_string),
        trust,
        inline,
        attached,
        boundary,
        max_session_duration,
        tags: tags(v),
    })
}

/// Parse one `Policies` item: the default version's document.
pub fn parse_managed_policy(v: &Value, index: usize) -> Result<ManagedPolicy, IamDataError> {
    let arn =
        str_field(v, "Arn").ok_or_else(|| field_err(&format!("Policies[{index}]"), "$.Arn", "missing"))?.to_string();
    // moto omits PolicyName: fall back to the ARN's last segment (BUILD-NOTES).
    let name = str_field(v, "PolicyName")
        .map(str::to_string)
        .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(&arn).to_string());
    let entity = format!("managed policy {name}");
    let versions = v.get("PolicyVersionList").and_then(Value::as_array).cloned().unwrap_or_default();
    let default_id = str_field(v, "DefaultVersionId");
    let version = versions
        .iter()
        .find(|pv| pv.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true))
        .or_else(|| versions.iter().find(|pv| default_id.is_some() && str_field(pv, "VersionId") == default_id))
        .or(versions.first())
        .ok_or_else(|| field_err(&entity, "$.PolicyVersionList", "no policy version"))?;
    let doc = policy_doc(&entity, version.get("Document"))?;
    Ok(ManagedPolicy { arn, name, doc })
}

/// The account id a dump belongs to, read from its role and customer-managed policy ARNs.
pub fn account_of(roles: &[Role], policies: &[ManagedPolicy]) -> Option<String> {
    roles.first().map(|r| r.arn.account.clone()).or_else(|| {
        policies
            .iter()
            .filter_map(|p| arn::parse(&p.arn).map(|a| a.account.to_string()))
            .find(|a| arn::is_account_id(a))
    })
}
