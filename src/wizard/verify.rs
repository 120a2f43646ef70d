//! Proof before anything is written: the generated files, plus the objects the cluster would make
//! from them (the scale set from the Helm values, a runner pod from its template with the env the
//! EKS webhook injects), loaded as a bundle and every chain simulated by the evaluator.

use serde_json::{Value, json};

use super::generate::File;
use super::{Answers, Identity};
use crate::chain::{Chain, CheckOptions, Verdict, resolve_all};
use crate::model::Inventory;
use crate::sources::bundle;

fn file<'a>(files: &'a [File], path: &str) -> Result<&'a str, String> {
    files.iter().find(|f| f.path == path).map(|f| f.text.as_str()).ok_or_else(|| format!("{path} was not generated"))
}

fn yaml(files: &[File], path: &str) -> Result<Value, String> {
    let docs = bundle::parse_yaml(file(files, path)?).map_err(|e| format!("{path}: {e}"))?;
    docs.into_iter().next().ok_or_else(|| format!("{path}: empty"))
}

fn json_file(files: &[File], path: &str) -> Result<Value, String> {
    serde_json::from_str(file(files, path)?).map_err(|e| format!("{path}: {e}"))
}

/// The bundle the generated setup amounts to once applied.
pub fn inventory(a: &Answers, files: &[File]) -> Result<Inventory, String> {
    let mut inv = Inventory { source: "wizard".into(), ..Inventory::default() };
    let add = |inv: &mut Inventory, name: &str, v: Value| bundle::add_value(inv, name, v).map_err(|e| e.to_string());
    let r = &a.runners;
    let values = yaml(files, "helm/values.yaml")?;
    let labels = json!({"actions.github.com/scale-set-name": r.scale_set_name, "actions.github.com/scale-set-namespace": r.namespace});
    // The scale set as the chart makes it from the values (arc.md §2).
    let ars = json!({"apiVersion": "actions.github.com/v1alpha1", "kind": "AutoscalingRunnerSet",
        "metadata": {"name": r.scale_set_name, "namespace": r.namespace, "labels": labels},
        "spec": {"githubConfigUrl": values["githubConfigUrl"], "githubConfigSecret": values["githubConfigSecret"],
            "minRunners": values["minRunners"], "maxRunners": values["maxRunners"], "template": values["template"]}});
    // A runner pod from the template, with what the EKS webhook injects for the identity.
    let sa = yaml(files, "k8s/serviceaccount.yaml")?;
    let mut spec = values["template"]["spec"].clone();
    let env = match a.aws.identity {
        Identity::Irsa => {
            let role = sa.pointer("/metadata/annotations/eks.amazonaws.com~1role-arn").cloned().unwrap_or(Value::Null);
            spec["volumes"] = json!([{"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken": {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}]}}]);
            json!([{"name": "AWS_ROLE_ARN", "value": role}, {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}])
        }
        Identity::PodIdentity => json!([
            {"name": "AWS_CONTAINER_CREDENTIALS_FULL_URI", "value": "http://169.254.170.23/v1/credentials"},
            {"name": "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "value": "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"}
        ]),
    };
    if let Some(c) = spec["containers"].as_array_mut().and_then(|c| c.iter_mut().find(|c| c["name"] == "runner")) {
        c["env"] = env;
    }
    let mut pod_labels = labels.clone();
    pod_labels["actions-ephemeral-runner"] = json!("True");
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{}-wzrd-runner-check", r.scale_set_name), "namespace": r.namespace, "labels": pod_labels},
        "spec": spec, "status": {"phase": "Running"}});
    let ns = |n: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}});
    add(
        &mut inv,
        "k8s/objects.json",
        json!({"apiVersion": "v1", "kind": "List",
        "items": [ns(&r.namespace), ns("kube-system"), sa, ars, pod]}),
    )?;

    // IAM: the generated documents as the account would hold them.
    let mut roles = Vec::new();
    for (i, spec) in super::generate::roles(a).iter().enumerate() {
        roles.push(json!({"Path": "/", "RoleName": spec.name, "RoleId": format!("AROAWIZARD{i:011}"), "Arn": a.role_arn(&spec.name),
            "AssumeRolePolicyDocument": json_file(files, &format!("iam/{}-trust.json", spec.name))?,
            "RolePolicyList": [{"PolicyName": "permissions", "PolicyDocument": json_file(files, &format!("iam/{}-permissions.json", spec.name))?}],
            "AttachedManagedPolicies": [], "Tags": []}));
    }
    add(
        &mut inv,
        "iam/authorization-details.json",
        json!({"RoleDetailList": roles, "Policies": [], "UserDetailList": [], "GroupDetailList": []}),
    )?;
    match a.aws.identity {
        Identity::Irsa => {
            let issuer = a.aws.oidc_issuer.clone().unwrap_or_default();
            let hp = crate::iam::arn::issuer_host_path(&issuer).to_string();
            add(
                &mut inv,
                "iam/oidc-list.json",
                json!({"OpenIDConnectProviderList": [{"Arn": format!("arn:aws:iam::{}:oidc-provider/{hp}", a.aws.account_id)}]}),
            )?;
            add(
                &mut inv,
                "iam/oidc-get.json",
                json!({"Url": hp, "ClientIDList": ["sts.amazonaws.com"], "ThumbprintList": []}),
            )?;
            add(
                &mut inv,
                "cluster/openid-configuration.json",
                json!({"issuer": issuer, "jwks_uri": format!("{issuer}/keys")}),
            )?;
        }
        Identity::PodIdentity => {
            add(
                &mut inv,
                "eks/pod-identity.json",
                json!({"association": {"clusterName": a.aws.cluster_name, "namespace": r.namespace,
                "serviceAccount": r.service_account, "roleArn": a.base_role_arn(), "associationArn": "arn:aws:eks:wizard", "associationId": "a-wizard"}}),
            )?;
        }
    }
    bundle::add_file(&mut inv, "workflows/aws-roles.yml", file(files, "workflows/aws-roles.yml")?.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(inv)
}

/// Every chain of the generated setup, simulated. `Ok` with all chains (check their verdicts:
/// anything but ✔ is a generated setup that would not work, and says why).
pub fn verify(a: &Answers, files: &[File]) -> Result<Vec<Chain>, String> {
    let inv = inventory(a, files)?;
    let chains = resolve_all(&inv, &CheckOptions::default())?;
    if chains.is_empty() {
        return Err("no chain to simulate: the generated scale set has no runner".into());
    }
    Ok(chains)
}

/// All hops ✔?
pub fn all_allowed(chains: &[Chain]) -> bool {
    chains.iter().all(|c| c.verdict == Verdict::Allow)
}
