//! The runner container's own credentials: static keys, IRSA, EKS Pod Identity or the node
//! role, in SDK precedence (R23–R25), and the first hop they make.

use crate::iam::arn::RoleArn;
use crate::iam::eval::Decision;
use crate::model::Inventory;
use crate::model::k8s::{Container, ServiceAccount};

use super::hop;
use super::session::{Session, WebIdentityParams};
use super::subject::RunnerContext;
use super::{Chain, CredentialSource, DecidedBy, Step};

/// The credential source of the runner container (R23–R25).
enum Source {
    StaticKeys,
    Irsa {
        role: String,
        audience: String,
        predicted: bool,
    },
    PodIdentity {
        role: Option<String>,
        disable_tags: bool,
        predicted: bool,
    },
    /// The SA says IRSA/Pod Identity but the pod env lacks it.
    EnvMissing {
        what: String,
    },
    NodeRole,
}

fn credential_source(inv: &Inventory, b: &RunnerContext<'_>, sa: Option<&ServiceAccount>) -> (Source, Vec<String>) {
    let mut notes = Vec::new();
    let container: Option<&Container> = b.spec.runner_container();
    let env = |name: &str| container.and_then(|c| c.env_var(name));
    let sa_name = b.spec.service_account();
    let association = inv.pod_identity.iter().find(|a| a.namespace == b.ns && a.service_account == sa_name);
    if env("AWS_ACCESS_KEY_ID").is_some() {
        notes.push("static AWS_ACCESS_KEY_ID in the runner container env: static keys come first in every SDK chain and win over IRSA and Pod Identity".into());
        return (Source::StaticKeys, notes);
    }
    let audience = b
        .spec
        .irsa_token_audience()
        .map(str::to_string)
        .unwrap_or_else(|| sa.map(|s| s.irsa_audience().to_string()).unwrap_or_else(|| "sts.amazonaws.com".into()));
    if b.pod.is_some() {
        if let (Some(role), Some(_)) =
            (env("AWS_ROLE_ARN").and_then(|e| e.value.clone()), env("AWS_WEB_IDENTITY_TOKEN_FILE"))
        {
            if let Some(annotated) = sa.and_then(|s| s.irsa_role())
                && annotated != role
            {
                notes.push(format!("the pod uses {role} but the service account now says {annotated}: the EKS webhook sets env only at pod creation; new pods will use the annotation"));
            }
            return (Source::Irsa { role, audience, predicted: false }, notes);
        }
        if env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some() {
            return (
                Source::PodIdentity {
                    role: association.map(|a| a.role_arn.clone()),
                    disable_tags: association.is_some_and(|a| a.disable_session_tags),
                    predicted: false,
                },
                notes,
            );
        }
        if let Some(role) = sa.and_then(|s| s.irsa_role()) {
            return (
                Source::EnvMissing {
                    what: format!(
                        "service account {}/{sa_name} has eks.amazonaws.com/role-arn {role}, but the runner container has no AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE",
                        b.ns
                    ),
                },
                notes,
            );
        }
        if let Some(a) = association {
            return (
                Source::EnvMissing {
                    what: format!(
                        "a Pod Identity association maps {}/{sa_name} to {}, but the runner container has no AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        b.ns, a.role_arn
                    ),
                },
                notes,
            );
        }
        return (Source::NodeRole, notes);
    }
    // No pod yet: predict what the EKS webhook would inject (R24: Pod Identity takes precedence).
    if let Some(a) = association {
        return (
            Source::PodIdentity {
                role: Some(a.role_arn.clone()),
                disable_tags: a.disable_session_tags,
                predicted: true,
            },
            notes,
        );
    }
    if let Some(role) = sa.and_then(|s| s.irsa_role()) {
        return (Source::Irsa { role: role.to_string(), audience, predicted: true }, notes);
    }
    (Source::NodeRole, notes)
}

/// Add the base hop — how the runner container itself gets AWS credentials — to `chain`.
/// Returns the session the job's steps start from when that hop can succeed.
pub(super) fn base_hop(
    inv: &Inventory,
    b: &RunnerContext<'_>,
    sa: Option<&ServiceAccount>,
    chain: &mut Chain,
) -> Option<Session> {
    let sa_name = b.spec.service_account();
    let (source, notes) = credential_source(inv, b, sa);
    chain.notes.extend(notes);
    match source {
        Source::StaticKeys => {
            chain.credential_source = CredentialSource::StaticKeys;
            chain.steps.push(
                Step::new(1, "static keys", "sts:GetCallerIdentity", "<IAM user of AWS_ACCESS_KEY_ID>", "-")
                    .unknown("the IAM user behind static keys is not knowable offline"),
            );
            None
        }
        Source::NodeRole => {
            chain.credential_source = CredentialSource::NodeRole;
            let mut step = Step::new(1, "node instance profile (IMDS)", "sts:AssumeRole", "<node role>", "-")
                .unknown("no IRSA or Pod Identity on this runner: AWS calls use the node's instance role, which is not in the data");
            step.fixes.push(format!(
                "annotate service account {}/{sa_name} with eks.amazonaws.com/role-arn, then recreate the runner pods",
                b.ns
            ));
            chain.steps.push(step);
            None
        }
        Source::EnvMissing { what } => {
            chain.credential_source = CredentialSource::None;
            let mut step = Step::new(1, "IRSA", "sts:AssumeRoleWithWebIdentity", &format!("system:serviceaccount:{}:{sa_name}", b.ns), "-").error(
                DecidedBy::WebIdentityEnvMissing,
                format!("{what}: the pod was created before the annotation (the EKS webhook mutates pods only at creation), or the webhook skipped it"),
            );
            step.fix_with(
                format!("recreate the runner pods (kubectl delete pod -n {} {}; ARC creates a new one) so the webhook injects the credentials", b.ns, b.pod_name),
                "kubectl",
                format!("kubectl delete pod -n {} {}", super::fixes::shell_word(&b.ns), super::fixes::shell_word(&b.pod_name)),
            );
            step.log_line = Some("Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers".into());
            chain.steps.push(step);
            None
        }
        Source::Irsa { role, audience, predicted } => {
            chain.credential_source = CredentialSource::Irsa;
            if predicted {
                chain.notes.push(
                    "no pod yet: IRSA env predicted from the service account annotation (the EKS Pod Identity Webhook)"
                        .into(),
                );
            }
            irsa_hop(inv, b, chain, &role, &audience)
        }
        Source::PodIdentity { role, disable_tags, predicted } => {
            chain.credential_source = CredentialSource::PodIdentity;
            if predicted {
                chain.notes.push("no pod yet: Pod Identity predicted from the association".into());
            }
            pod_identity_hop(inv, b, chain, role.as_deref(), disable_tags)
        }
    }
}

/// A session of `role` as the base hop leaves it (the SDK names IRSA sessions itself).
fn session(role: RoleArn) -> Session {
    Session { role, session_name: String::new(), session_policies: Vec::new(), transitive_tags: Vec::new() }
}

/// IRSA's hop: `AssumeRoleWithWebIdentity` with the pod's projected token. The session, when the
/// hop is allowed or its trust is not knowable (the issuer unknown).
fn irsa_hop(inv: &Inventory, b: &RunnerContext<'_>, chain: &mut Chain, role: &str, audience: &str) -> Option<Session> {
    let Some(r) = RoleArn::parse(role) else {
        let step = Step::new(1, "IRSA", "sts:AssumeRoleWithWebIdentity", "-", role)
            .error(DecidedBy::RoleMissing, "ValidationError: Request ARN is invalid");
        chain.steps.push(step);
        return None;
    };
    let Some(issuer) = inv.cluster_issuer.as_deref() else {
        chain.steps.push(
            Step::new(1, "IRSA", "sts:AssumeRoleWithWebIdentity", "-", &r.arn())
                .unknown("the cluster's OIDC issuer is unknown: add `aws eks describe-cluster` output or the cluster's /.well-known/openid-configuration to the bundle"),
        );
        return Some(session(r));
    };
    let subject = format!("system:serviceaccount:{}:{}", b.ns, b.spec.service_account());
    let step = hop::web_identity(
        inv,
        &WebIdentityParams {
            hop: 1,
            via: "IRSA",
            role: &r,
            issuer,
            subject: Some(&subject),
            audience,
            log_prefix: "Credentials could not be loaded, please check your action inputs: ",
        },
    );
    let ok = !matches!(step.decision, Decision::ImplicitDeny | Decision::ExplicitDeny | Decision::Error);
    chain.steps.push(step);
    ok.then(|| session(r))
}

/// R43: the Pod Identity hop of a pod whose association's role is not in the data: none exists when
/// the cluster's association list was read and does not name its service account (the EKS Auth
/// API's AssumeRoleForPodIdentity then answers ResourceNotFoundException, EKS API reference);
/// otherwise it is unknown, never "none".
fn no_association_role(inv: &Inventory, b: &RunnerContext<'_>) -> Step {
    let sa = b.spec.service_account();
    let step = Step::new(1, "EKS Pod Identity", "sts:AssumeRole", "pods.eks.amazonaws.com", "-");
    let listed = inv.pod_identity_listed.as_ref();
    if listed.is_some_and(|l| !l.iter().any(|(ns, s)| *ns == b.ns && s == sa)) {
        let cluster = inv.cluster_name.as_deref().unwrap_or("<cluster>");
        let mut step = step.error(
            DecidedBy::PodIdentityAssociationMissing,
            "ResourceNotFoundException: The specified resource could not be found.",
        );
        step.notes.push(format!(
            "cluster {cluster}'s Pod Identity associations were listed and none is for {}/{sa}: the EKS Pod Identity Agent gets no credentials for this pod",
            b.ns
        ));
        step.fixes.push(format!(
            "create one: aws eks create-pod-identity-association --cluster-name {cluster} --namespace {} --service-account {sa} --role-arn <the runner's role ARN> (pods started before it keep their old credentials: restart them)",
            b.ns
        ));
        return step;
    }
    step.unknown("the Pod Identity association's role is not in the data: add `aws eks describe-pod-identity-association` output")
}

/// EKS Pod Identity's hop: the EKS Auth service assumes the association's role, with the
/// session tags it adds (transitive unless the association disables them).
fn pod_identity_hop(
    inv: &Inventory,
    b: &RunnerContext<'_>,
    chain: &mut Chain,
    role: Option<&str>,
    disable_tags: bool,
) -> Option<Session> {
    let Some(r) = role.and_then(RoleArn::parse) else {
        chain.steps.push(no_association_role(inv, b));
        return None;
    };
    // All six of EKS's session tags (EKS user guide, "Grant pods access to AWS resources based
    // on tags"): the cluster's ARN from the issuer's region and the role's account.
    let cluster = inv.cluster_name.clone().unwrap_or_default();
    let region = inv
        .cluster_issuer
        .as_deref()
        .and_then(|i| crate::iam::arn::issuer_host_path(i).strip_prefix("oidc.eks.").map(str::to_string))
        .and_then(|h| h.split('.').next().map(str::to_string))
        .unwrap_or_else(|| "<region>".into());
    let cluster_arn = format!("arn:{}:eks:{region}:{}:cluster/{cluster}", r.partition, r.account);
    let uid = b.pod.and_then(|p| p.metadata.uid.clone()).unwrap_or_else(|| "<pod uid>".into());
    let tags: Vec<(String, String)> = [
        ("eks-cluster-arn", cluster_arn),
        ("eks-cluster-name", cluster),
        ("kubernetes-namespace", b.ns.clone()),
        ("kubernetes-service-account", b.spec.service_account().to_string()),
        ("kubernetes-pod-name", b.pod_name.clone()),
        ("kubernetes-pod-uid", uid),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let steps = hop::pod_identity(inv, 1, &r, &tags, !disable_tags);
    let ok = steps.iter().all(|s| !s.is_denied());
    chain.steps.extend(steps);
    if !ok {
        return None;
    }
    let session_name = format!("eks-{}-{}-<uuid>", inv.cluster_name.as_deref().unwrap_or("cluster"), b.pod_name);
    let transitive_tags = if disable_tags { Vec::new() } else { tags };
    Some(Session { role: r, session_name, session_policies: Vec::new(), transitive_tags })
}
