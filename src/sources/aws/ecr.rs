//! Live ECR (#17.2): the own policy of every repository the jobs push to or pull from
//! (`ecr:GetRepositoryPolicy`, in the repository's region), as `aws ecr get-repository-policy`
//! prints it, so the job's requests are decided with it live as from an exported bundle.

use aws_sdk_iam::error::ProvideErrorMetadata;
use serde_json::json;

use super::{AccountLoad, Aws, read_error};

/// A repository the chains' job requests name: `(region, account, name)`.
pub(super) type Repository = (String, String, String);

/// The repositories of every job request step (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`).
pub(super) fn repositories(inv: &crate::model::Inventory, opts: &crate::chain::CheckOptions) -> Vec<Repository> {
    let chains = crate::chain::resolve_all(inv, opts).unwrap_or_default();
    let mut out: Vec<Repository> = Vec::new();
    for step in chains.iter().flat_map(|c| c.steps.iter()).filter(|s| s.action.starts_with("ecr:")) {
        let Some(rest) = step.resource.strip_prefix("arn:aws:ecr:") else {
            continue;
        };
        let mut parts = rest.splitn(3, ':');
        let (Some(region), Some(account), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Some(name) = name.strip_prefix("repository/").filter(|n| valid_name(n)) else {
            continue;
        };
        let repo = (region.to_string(), account.to_string(), name.to_string());
        if !out.contains(&repo) {
            out.push(repo);
        }
    }
    out
}

/// ECR's repository name pattern: lowercase path components of `[a-z0-9]` joined by `.`, `_`,
/// `-` (no wildcard, no `..`, nothing a file name could escape with).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name.split('/').all(|c| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || b"._-".contains(x))
                && !c.contains("..")
        })
}

/// `get-repository-policy` for each repository, with its account's client when one was given.
pub(super) async fn repository_policies(clients: &[(String, Aws)], repos: &[Repository]) -> AccountLoad {
    let mut load = AccountLoad::default();
    for (region, account, name) in repos {
        let aws = clients.iter().find(|(a, _)| a == account).map_or(&clients[0].1, |(_, aws)| aws);
        let region_conf =
            aws_sdk_ecr::config::Builder::default().region(aws_sdk_ecr::config::Region::new(region.clone()));
        let call = aws
            .ecr
            .get_repository_policy()
            .registry_id(account)
            .repository_name(name)
            .customize()
            .config_override(region_conf)
            .send();
        match call.await {
            Ok(out) => {
                let Some(text) = out.policy_text() else {
                    continue;
                };
                let doc = json!({"registryId": out.registry_id(), "repositoryName": out.repository_name(), "policyText": text});
                load.documents.push((format!("ecr/{region}/get-repository-policy-{name}.json"), doc));
            }
            // No policy of its own: only the principal's side decides (same account, R4).
            Err(e) if e.code() == Some("RepositoryPolicyNotFoundException") => {}
            Err(e) if e.code() == Some("RepositoryNotFoundException") => load.warnings.push(format!(
                "ECR repository {name} does not exist in account {account}, region {region}: the job's push or pull of it fails whatever the policies say"
            )),
            Err(e) => {
                let e = read_error("ecr:GetRepositoryPolicy", name, e);
                load.warnings.push(format!("{e}: the job's requests on repository {name} are decided without its own policy"));
            }
        }
    }
    load
}
