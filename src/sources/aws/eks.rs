//! Live EKS (#17.4): the cluster's issuer from `DescribeCluster` when its own discovery document
//! was not readable, and its Pod Identity associations (`ListPodIdentityAssociations`, then
//! `DescribePodIdentityAssociation` for each: the list carries no role), as the AWS CLI prints
//! them, so a Pod Identity cluster checks live as its bundle does.

use serde_json::{Value, json};

use super::{AccountLoad, Aws, read_error};
use crate::sources::context::EksCluster;

fn eks_region(region: &str) -> aws_sdk_eks::config::Builder {
    aws_sdk_eks::config::Builder::default().region(aws_sdk_eks::config::Region::new(region.to_string()))
}

/// Read `cluster`: its issuer when `issuer_known` is false, and its Pod Identity associations.
pub(super) async fn read(aws: &Aws, cluster: &EksCluster, issuer_known: bool) -> AccountLoad {
    let mut load = AccountLoad::default();
    let region = cluster.region.clone().or_else(|| aws.config.region().map(|r| r.to_string()));
    let conf = || region.as_deref().map(eks_region).unwrap_or_default();
    let name = &cluster.name;
    if !issuer_known {
        match aws.eks.describe_cluster().name(name).customize().config_override(conf()).send().await {
            Ok(out) => {
                let c = out.cluster();
                let issuer = c.and_then(|c| c.identity()).and_then(|i| i.oidc()).and_then(|o| o.issuer());
                let doc = json!({"cluster": {
                    "name": c.and_then(|c| c.name()),
                    "arn": c.and_then(|c| c.arn()),
                    "identity": {"oidc": {"issuer": issuer}},
                }});
                load.documents.push(("eks/describe-cluster.json".into(), doc));
            }
            Err(e) => {
                let e = read_error("eks:DescribeCluster", name, e);
                load.warnings.push(format!("{e}: the cluster's OIDC issuer is not known (IRSA hops say unknown)"));
            }
        }
    }
    let mut listed: Vec<Value> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let call = aws.eks.list_pod_identity_associations().cluster_name(name).set_next_token(next);
        let out = match call.customize().config_override(conf()).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = read_error("eks:ListPodIdentityAssociations", name, e);
                load.warnings.push(format!("{e}: Pod Identity runners of cluster {name} say unknown"));
                return load;
            }
        };
        listed.extend(out.associations().iter().map(|a| {
            json!({
                "clusterName": a.cluster_name(),
                "namespace": a.namespace(),
                "serviceAccount": a.service_account(),
                "associationArn": a.association_arn(),
                "associationId": a.association_id(),
            })
        }));
        next = out.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    // Read whole (every page): a service account not in it has no association.
    let ids: Vec<String> = listed.iter().filter_map(|a| a["associationId"].as_str()).map(str::to_string).collect();
    load.documents.push(("eks/list-pod-identity-associations.json".into(), json!({ "associations": listed })));
    for id in ids.into_iter().filter(|id| id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')) {
        let call = aws.eks.describe_pod_identity_association().cluster_name(name).association_id(&id);
        match call.customize().config_override(conf()).send().await {
            Ok(out) => {
                let Some(a) = out.association() else { continue };
                let doc: Value = json!({"association": {
                    "clusterName": a.cluster_name(),
                    "namespace": a.namespace(),
                    "serviceAccount": a.service_account(),
                    "roleArn": a.role_arn(),
                    "associationArn": a.association_arn(),
                    "associationId": a.association_id(),
                    "targetRoleArn": a.target_role_arn(),
                    "disableSessionTags": a.disable_session_tags(),
                }});
                load.documents.push((format!("eks/pod-identity/{id}.json"), doc));
            }
            Err(e) => {
                let e = read_error("eks:DescribePodIdentityAssociation", &id, e);
                load.warnings.push(format!("{e}: association {id} of cluster {name} is not known"));
            }
        }
    }
    load
}
