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

/// What the existing setup (a live cluster and account, or a bundle) lacks against the generated
/// one: the wizard as a repair guide. Each line says what is there and what the setup needs.
pub fn diff(a: &Answers, existing: &Inventory) -> Vec<String> {
    let mut out = Vec::new();
    let r = &a.runners;
    if !existing.namespaces.is_empty() && !existing.namespaces.contains(&r.namespace) {
        out.push(format!(
            "namespace {} does not exist (create it before the service account and the scale set)",
            r.namespace
        ));
    }
    match existing.service_account(&r.namespace, &r.service_account) {
        None => {
            let elsewhere: Vec<String> =
                existing.service_accounts_named(&r.service_account).map(|s| s.metadata.ns().to_string()).collect();
            let hint = if elsewhere.is_empty() {
                String::new()
            } else {
                format!(
                    " (one of that name is in {}: ARC looks it up in the scale set's namespace)",
                    elsewhere.join(", ")
                )
            };
            out.push(format!(
                "service account {}/{} is missing{hint}: apply k8s/serviceaccount.yaml",
                r.namespace, r.service_account
            ));
        }
        Some(sa) if a.aws.identity == Identity::Irsa && sa.irsa_role() != Some(a.base_role_arn().as_str()) => {
            out.push(format!(
                "service account {}/{} has eks.amazonaws.com/role-arn {:?}, the setup needs {} (then restart the runners: the webhook sets the env at pod creation)",
                r.namespace,
                r.service_account,
                sa.irsa_role().unwrap_or("(none)"),
                a.base_role_arn()
            ));
        }
        Some(_) => {}
    }
    if let Some(ars) =
        existing.runner_sets.iter().find(|x| x.metadata.ns() == r.namespace && x.scale_set_name() == r.scale_set_name)
    {
        let sa = ars.spec.template.spec.service_account();
        if sa != r.service_account {
            out.push(format!(
                "scale set {}/{} runs its pods as service account {sa:?}, the setup's is {:?}: upgrade the release with helm/values.yaml",
                r.namespace, r.scale_set_name, r.service_account
            ));
        }
    }
    if a.aws.identity == Identity::PodIdentity
        && !existing.pod_identity.is_empty()
        && !existing.pod_identity.iter().any(|p| {
            p.namespace == r.namespace && p.service_account == r.service_account && p.role_arn == a.base_role_arn()
        })
    {
        out.push(format!("no Pod Identity association {}/{} → {}", r.namespace, r.service_account, a.base_role_arn()));
    }
    if existing.iam_loaded(&a.aws.account_id) {
        for spec in super::generate::roles(a) {
            let arn = a.role_arn(&spec.name);
            let Some(role) = existing.role(&arn) else {
                out.push(format!(
                    "role {} does not exist in account {}: create it (terraform/, cdk/ or iam/)",
                    spec.name, a.aws.account_id
                ));
                continue;
            };
            // The trust must grant what the generated trust grants (TagSession above all).
            for st in &spec.trust {
                for action in &st.actions {
                    let granted = role.trust.statements.iter().any(|t| {
                        t.effect == crate::iam::policy::Effect::Allow
                            && crate::iam::eval::action_matches(&t.action, action)
                    });
                    if !granted {
                        out.push(format!(
                            "the trust of role {} does not allow {action}: see iam/{}-trust.json",
                            spec.name, spec.name
                        ));
                    }
                }
            }
        }
    }
    out
}
