//! Proof before anything is written: the generated files, plus the objects the cluster would make
//! from them (the scale set from the Helm values, a runner pod from its template with the env the
//! EKS webhook injects), loaded as a bundle and every chain simulated by the evaluator.

use serde_json::{Value, json};

use super::generate::File;
use super::{Answers, Identity};
use crate::chain::{Chain, CheckOptions, Verdict, resolve_all};
use crate::iam::arn::RoleArn;
use crate::iam::context::RequestContext;
use crate::iam::eval::{ActionRequest, Caller, Decision, Evaluation, NamedPolicy, evaluate_action};
use crate::iam::policy::{Effect, PolicyDocument};
use crate::model::aws::ManagedPolicy;
use crate::model::{Inventory, aws::Role};
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

/// The permissions boundary's document: the answers' own JSON, else the account's (`existing`).
/// `None`: no boundary, or its document is not in the data.
fn boundary_policy(a: &Answers, existing: Option<&Inventory>) -> Option<ManagedPolicy> {
    let arn = a.aws.permissions_boundary.as_deref()?;
    let name = arn.rsplit('/').next().unwrap_or(arn).to_string();
    if let Some(text) = &a.aws.permissions_boundary_policy {
        let doc = PolicyDocument::from_text(text).ok()?;
        return Some(ManagedPolicy { arn: arn.to_string(), name, doc });
    }
    existing.and_then(|inv| inv.managed_policies.get(arn)).cloned()
}

/// The bundle the generated setup amounts to once applied. `existing` (the account read, a bundle)
/// supplies what the setup uses without generating it: the permissions boundary's document.
pub fn inventory(a: &Answers, files: &[File], existing: Option<&Inventory>) -> Result<Inventory, String> {
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
        let mut role = json!({"Path": "/", "RoleName": spec.name, "RoleId": format!("AROAWIZARD{i:011}"), "Arn": a.role_arn(&spec.name),
            "AssumeRolePolicyDocument": json_file(files, &format!("iam/{}-trust.json", spec.name))?,
            "RolePolicyList": [{"PolicyName": "permissions", "PolicyDocument": json_file(files, &format!("iam/{}-permissions.json", spec.name))?}],
            "AttachedManagedPolicies": [], "Tags": []});
        if let Some(b) = &spec.boundary {
            role["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": b});
        }
        roles.push(role);
    }
    add(
        &mut inv,
        "iam/authorization-details.json",
        json!({"RoleDetailList": roles, "Policies": [], "UserDetailList": [], "GroupDetailList": []}),
    )?;
    // Not in the data, the boundary stays missing: the hops it limits are `unknown`, never ✔.
    if let Some(p) = boundary_policy(a, existing) {
        inv.managed_policies.insert(p.arn.clone(), p);
    }
    // The organisation's SCPs and RCPs apply to the new roles as to every other (R2, R3), and
    // the repositories' and buckets' own policies to their requests (R4, R9).
    if let Some(ex) = existing {
        (inv.org, inv.resource_policies) = (ex.org.clone(), ex.resource_policies.clone());
    }
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

/// One action a target role's permissions grant, checked as the job's session would use it.
#[derive(Debug, Clone)]
pub struct ActionCheck {
    pub role: String,
    pub action: String,
    pub resource: String,
    pub evaluation: Evaluation,
}

/// Actions of one role on one resource that fail the same way: one headline, then why (the
/// deciding layer's statements, said once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionProblem {
    /// `✘ arc-runner-ecr-push ecr:PutImage, ecr:UploadLayerPart on …: no permissions boundary … allows them`
    pub headline: String,
    pub why: Vec<String>,
}

fn statement_name(s: &crate::iam::eval::StatementRef) -> String {
    match &s.sid {
        Some(sid) => format!("statement {sid:?}"),
        None => format!("statement {}", s.index),
    }
}

fn problem(checks: &[&ActionCheck]) -> ActionProblem {
    let first = checks[0];
    let e = &first.evaluation;
    let actions: Vec<&str> = checks.iter().map(|c| c.action.as_str()).collect();
    let them = if actions.len() == 1 { "it" } else { "them" };
    let what = format!("{} {} on {}", first.role, actions.join(", "), first.resource);
    let layer = e.decided_by.as_str().replace('_', " ");
    let policy = e.statements.first().map(|s| &s.policy).or(e.non_matching.first().map(|m| &m.statement.policy));
    let policy = policy.map_or(String::new(), |p| format!(" {p}"));
    let misses = |e: &Evaluation, action: &str| -> Vec<String> {
        e.non_matching
            .iter()
            .map(|m| format!("{}: {}", statement_name(&m.statement), m.reason.describe(action)))
            .collect()
    };
    match e.decision {
        Decision::ExplicitDeny => ActionProblem {
            headline: format!("✘ {what}: explicit deny in the {layer}{policy}"),
            why: e.statements.iter().map(|s| format!("{} denies {them}", statement_name(s))).collect(),
        },
        Decision::ImplicitDeny => ActionProblem {
            headline: format!("✘ {what}: no {layer}{policy} allows {them}"),
            why: misses(e, &first.action),
        },
        Decision::Allow | Decision::Unknown | Decision::Error => {
            let why = if e.notes.is_empty() {
                format!("the {layer} decides on a value not knowable offline")
            } else {
                e.notes.join("; ")
            };
            ActionProblem { headline: format!("? {what}: {why}"), why: misses(e, &first.action) }
        }
    }
}

/// The generated setup, simulated: every chain (pod → base role → each target) and every action
/// the targets' permissions grant, under the permissions boundary when there is one.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    pub chains: Vec<Chain>,
    pub actions: Vec<ActionCheck>,
    /// What the check could not decide one action at a time: wildcard actions and NotAction
    /// statements of custom policies (`arc-runner-deploy: s3:*`), said so rather than passed.
    pub unchecked: Vec<String>,
}

impl Verification {
    /// All hops ✔ and every granted action allowed?
    pub fn allowed(&self) -> bool {
        !self.chains.is_empty()
            && self.chains.iter().all(|c| c.verdict == Verdict::Allow)
            && self.actions.iter().all(|c| c.evaluation.decision == Decision::Allow)
    }

    /// The actions that are not allowed, those of a role and resource that fail alike together.
    pub fn action_problems(&self) -> Vec<ActionProblem> {
        let mut groups: Vec<Vec<&ActionCheck>> = Vec::new();
        let key = |c: &ActionCheck| {
            let e = &c.evaluation;
            let policy = e
                .statements
                .first()
                .map(|s| s.policy.clone())
                .or(e.non_matching.first().map(|m| m.statement.policy.clone()));
            (c.role.clone(), c.resource.clone(), e.decision, e.decided_by, policy, e.notes.clone())
        };
        for c in self.actions.iter().filter(|c| c.evaluation.decision != Decision::Allow) {
            match groups.iter_mut().find(|g| key(g[0]) == key(c)) {
                Some(g) => g.push(c),
                None => groups.push(vec![c]),
            }
        }
        groups.iter().map(|g| problem(g)).collect()
    }

    /// How many actions are not allowed.
    pub fn failing_actions(&self) -> usize {
        self.actions.iter().filter(|c| c.evaluation.decision != Decision::Allow).count()
    }
}

/// Every chain of the generated setup, simulated, and the targets' actions checked. `existing`:
/// the account or bundle read (for the boundary's document). `Err` only when the generated files
/// cannot be read back (a bug) or make no runner.
pub fn verify(a: &Answers, files: &[File], existing: Option<&Inventory>) -> Result<Verification, String> {
    let inv = inventory(a, files, existing)?;
    let chains = resolve_all(&inv, &CheckOptions::default())?;
    if chains.is_empty() {
        return Err("no chain to simulate: the generated scale set has no runner".into());
    }
    let (mut actions, mut unchecked) = (Vec::new(), Vec::new());
    for t in &a.targets {
        if let Some(role) = inv.role(&a.role_arn(&t.role)) {
            actions.extend(role_actions(a, &inv, role, &mut unchecked));
        }
    }
    Ok(Verification { chains, actions, unchecked })
}

/// What the job's session of `role` may do: each concrete action of the role's Allow statements on
/// each resource they name, through the SCPs and identity ∩ boundary (R3, R5, R6). A statement's resource pattern
/// stands for the resources it names: a boundary must cover the pattern itself to cover them all.
fn role_actions(a: &Answers, inv: &Inventory, role: &Role, unchecked: &mut Vec<String>) -> Vec<ActionCheck> {
    let caller = Caller::RoleSession {
        role: role.arn.clone(),
        role_id: role.role_id.clone(),
        session_name: "GitHubActions".into(),
    };
    let ctx = session_context(a, &role.arn);
    let names: Vec<String> = role.inline.iter().map(|(n, _)| format!("{}/inline/{n}", role.arn.name)).collect();
    let identity: Vec<NamedPolicy<'_>> =
        role.inline.iter().zip(&names).map(|((_, doc), name)| NamedPolicy { name, doc }).collect();
    let boundary = role.boundary.as_deref().and_then(|b| inv.managed_policies.get(b));
    let scps = inv.scps_for(Some(&role.arn.account));
    let mut out = Vec::new();
    for (_, doc) in &role.inline {
        for st in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
            let wide: Vec<String> = if st.action.negated {
                vec![format!("NotAction {}", st.action.patterns.join(", "))]
            } else {
                st.action.patterns.iter().filter(|p| p.contains(['*', '?'])).cloned().collect()
            };
            for w in wide {
                let line = format!(
                    "{}: {w} (a wildcard stands for many actions: check the ones the jobs call)",
                    role.arn.name
                );
                if !unchecked.contains(&line) {
                    unchecked.push(line);
                }
            }
            if st.action.negated {
                continue;
            }
            let resources: Vec<&str> = match &st.resource {
                Some(r) if !r.negated => r.patterns.iter().map(String::as_str).collect(),
                _ => vec!["*"],
            };
            // Another account's resource: its own policy must allow too (R9); unchecked when the
            // data does not hold it.
            for r in resources.iter().filter(|r| inv.resource_policy_for(r).is_none()) {
                let account = r.split(':').nth(4).filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()));
                if let Some(acct) = account.filter(|a| *a != role.arn.account) {
                    let line = format!(
                        "{}: {r} is in account {acct}: its resource policy must allow the role too (cross-account)",
                        role.arn.name
                    );
                    if !unchecked.contains(&line) {
                        unchecked.push(line);
                    }
                }
            }
            // A wildcard action stands for many: check what it names literally only when concrete.
            for action in st.action.patterns.iter().filter(|p| !p.contains(['*', '?'])) {
                for resource in &resources {
                    if out.iter().any(|c: &ActionCheck| &c.action == action && c.resource == *resource) {
                        continue;
                    }
                    let evaluation = match (&role.boundary, boundary) {
                        (Some(arn), None) => Evaluation {
                            decision: Decision::Unknown,
                            decided_by: crate::iam::eval::Layer::PermissionsBoundary,
                            statements: vec![],
                            non_matching: vec![],
                            trust_grant: None,
                            notes: vec![format!(
                                "the permissions boundary {arn} is not in the data: read the account (--profile or --region), name a bundle that has it (--bundle), or put its JSON in aws.permissions_boundary_policy"
                            )],
                        },
                        _ => evaluate_action(&ActionRequest {
                            action,
                            resource,
                            caller: &caller,
                            ctx: &ctx,
                            identity: identity.clone(),
                            boundary: boundary.map(|p| NamedPolicy { name: &p.arn, doc: &p.doc }),
                            session: vec![],
                            scps: scps.clone(),
                            rcps: inv.rcps_for(action, resource),
                            resource_policy: inv
                                .resource_policy_for(resource)
                                .map(|(name, doc)| NamedPolicy { name, doc }),
                            identity_side_only: inv.resource_policy_for(resource).is_none(),
                            resource_elsewhere: inv.bucket_elsewhere(resource, &role.arn.account),
                        }),
                    };
                    out.push(ActionCheck {
                        role: role.arn.name.clone(),
                        action: action.clone(),
                        resource: resource.to_string(),
                        evaluation,
                    });
                }
            }
        }
    }
    out
}

/// The request context of a job's session of a target role: what is known from the answers, the
/// rest unknown (a condition on it is `unknown`, never a guess).
fn session_context(a: &Answers, role: &RoleArn) -> RequestContext {
    let mut ctx = RequestContext::for_role_session(role);
    ctx.set("aws:RequestedRegion", a.aws.region.clone());
    ctx.set_unknown("aws:userid");
    ctx.set_unknown("aws:SourceIdentity");
    // Session tags the action sends are the job's (repository, actor…): known at run time only.
    ctx.set_unknown_prefix("aws:PrincipalTag/");
    ctx.set_unknown_prefix("aws:ResourceTag/");
    ctx.set_unknown_prefix("s3:");
    ctx.set_unknown_prefix("ecr:");
    ctx
}

/// What the existing setup (a live cluster and account, or a bundle) lacks against the generated
/// one: the wizard as a repair guide. Each line says what is there and what the setup needs.
pub fn diff(a: &Answers, existing: &Inventory) -> Vec<String> {
    let mut out = Vec::new();
    cluster_diff(a, existing, &mut out);
    if existing.iam_loaded(&a.aws.account_id) {
        iam_diff(a, existing, &mut out);
    }
    out
}

/// What the cluster lacks: the namespace, the service account (and its IRSA annotation), the
/// scale set's service account, the Pod Identity association.
fn cluster_diff(a: &Answers, existing: &Inventory, out: &mut Vec<String>) {
    let r = &a.runners;
    if !existing.namespaces.is_empty() && !existing.namespaces.contains(&r.namespace) {
        out.push(format!(
            "namespace {} does not exist (create it before the service account and the scale set)",
            r.namespace
        ));
    }
    // IAM-only data (an account read, an IAM dump) says nothing about the cluster.
    let has_cluster = !existing.objects.is_empty();
    match existing.service_account(&r.namespace, &r.service_account) {
        None if !has_cluster => {}
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
}

/// What the account lacks: the boundary, each role, its boundary and what its trust allows.
fn iam_diff(a: &Answers, existing: &Inventory, out: &mut Vec<String>) {
    if let Some(b) = &a.aws.permissions_boundary
        && b.starts_with(&format!("arn:aws:iam::{}:", a.aws.account_id))
        && !existing.managed_policies.contains_key(b)
    {
        out.push(format!(
            "the permissions boundary {b} does not exist in account {}: create the policy first (IAM refuses a role whose boundary does not exist)",
            a.aws.account_id
        ));
    }
    for spec in super::generate::roles(a) {
        let arn = a.role_arn(&spec.name);
        let Some(role) = existing.role(&arn) else {
            out.push(format!(
                "role {} does not exist in account {}: create it (terraform/, cdk/ or iam/)",
                spec.name, a.aws.account_id
            ));
            continue;
        };
        if role.boundary != spec.boundary {
            out.push(format!(
                "role {} has permissions boundary {}, the setup's is {}",
                spec.name,
                role.boundary.as_deref().unwrap_or("(none)"),
                spec.boundary.as_deref().unwrap_or("(none)")
            ));
        }
        // The trust must grant what the generated trust grants (TagSession above all).
        for st in &spec.trust {
            for action in &st.actions {
                let granted = role.trust.statements.iter().any(|t| {
                    t.effect == crate::iam::policy::Effect::Allow && crate::iam::eval::action_matches(&t.action, action)
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
