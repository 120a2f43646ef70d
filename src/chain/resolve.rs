//! From runners to chains: which runner, which service account, which credential source, which
//! workflow steps — then every hop simulated (issue #2 §4).

use std::collections::BTreeMap;

use crate::iam::arn::RoleArn;
use crate::iam::eval::Decision;
use crate::iam::policy::PolicyDocument;
use crate::model::Inventory;
use crate::model::k8s::{AutoscalingRunnerSet, Container, EphemeralRunner, Pod, PodSpec};
use crate::model::workflow::{AwsStep, Job, Workflow, has_expression};

use super::hop::{self, AssumeParams, Session, Tagging, WebIdentityParams};
use super::{Chain, Step, SubjectKind, Verdict};

/// Flags of `arcscope check` that shape the simulation.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// `namespace/name` of a pod, EphemeralRunner or scale set.
    pub pod: Option<String>,
    /// `--workflow` files: apply to every scale set.
    pub workflows: Vec<Workflow>,
    pub role_to_assume: Option<String>,
    pub skip_session_tagging: bool,
    pub duration_seconds: Option<u32>,
}

const IRSA_TOKEN_PATH: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

enum Subject<'a> {
    Pod(&'a Pod),
    EphemeralRunner(&'a EphemeralRunner),
    RunnerSet(&'a AutoscalingRunnerSet),
}

/// Every runner to check: runner pods, EphemeralRunners without a pod, scale sets with neither.
fn subjects(inv: &Inventory) -> Vec<Subject<'_>> {
    let mut out: Vec<Subject<'_>> = inv
        .pods
        .iter()
        .filter(|p| p.is_runner())
        .map(Subject::Pod)
        .collect();
    let has_pod = |ns: &str, name: &str| {
        inv.pods
            .iter()
            .any(|p| p.metadata.ns() == ns && p.metadata.name == name)
    };
    for er in &inv.ephemeral_runners {
        if !has_pod(er.metadata.ns(), &er.metadata.name) {
            out.push(Subject::EphemeralRunner(er));
        }
    }
    for ars in &inv.runner_sets {
        let ns = ars.metadata.ns();
        let mine = |meta: &crate::model::k8s::ObjectMeta| {
            inv.runner_set_for(meta)
                .is_some_and(|a| std::ptr::eq(a, ars))
        };
        let any = inv
            .pods
            .iter()
            .filter(|p| p.is_runner())
            .any(|p| p.metadata.ns() == ns && mine(&p.metadata))
            || inv
                .ephemeral_runners
                .iter()
                .any(|e| e.metadata.ns() == ns && mine(&e.metadata));
        if !any {
            out.push(Subject::RunnerSet(ars));
        }
    }
    out
}

/// Resolve and simulate every chain. `Err` when `--pod` names nothing.
pub fn resolve_all(inv: &Inventory, opts: &CheckOptions) -> Result<Vec<Chain>, String> {
    let mut subs = subjects(inv);
    if let Some(want) = &opts.pod {
        let key = |s: &Subject<'_>| match s {
            Subject::Pod(p) => p.metadata.key(),
            Subject::EphemeralRunner(e) => e.metadata.key(),
            Subject::RunnerSet(a) => a.metadata.key(),
        };
        subs.retain(|s| &key(s) == want);
        if subs.is_empty() {
            if let Some(p) = inv.pods.iter().find(|p| &p.metadata.key() == want) {
                subs.push(Subject::Pod(p));
            } else {
                return Err(format!(
                    "no runner pod, EphemeralRunner or scale set {want} in {}",
                    inv.source
                ));
            }
        }
    }
    Ok(subs
        .into_iter()
        .flat_map(|s| resolve_subject(inv, s, opts))
        .collect())
}

/// What a subject contributes: its namespace, pod spec, and links.
struct Base<'a> {
    ns: String,
    pod_name: String,
    spec: &'a PodSpec,
    pod: Option<&'a Pod>,
    er: Option<&'a EphemeralRunner>,
    ars: Option<&'a AutoscalingRunnerSet>,
    kind: SubjectKind,
}

fn base_of<'a>(inv: &'a Inventory, s: &Subject<'a>) -> Base<'a> {
    match s {
        Subject::Pod(p) => {
            let er = p
                .owner_ephemeral_runner()
                .and_then(|n| inv.ephemeral_runner(p.metadata.ns(), n));
            Base {
                ns: p.metadata.ns().to_string(),
                pod_name: p.metadata.name.clone(),
                spec: &p.spec,
                pod: Some(p),
                er,
                ars: inv.runner_set_for(&p.metadata),
                kind: SubjectKind::Pod,
            }
        }
        Subject::EphemeralRunner(e) => Base {
            ns: e.metadata.ns().to_string(),
            pod_name: e.metadata.name.clone(),
            spec: &e.spec.spec,
            pod: None,
            er: Some(e),
            ars: inv.runner_set_for(&e.metadata),
            kind: SubjectKind::EphemeralRunner,
        },
        Subject::RunnerSet(a) => Base {
            ns: a.metadata.ns().to_string(),
            pod_name: format!("{}-<runner>", a.metadata.name),
            spec: &a.spec.template.spec,
            pod: None,
            er: None,
            ars: Some(a),
            kind: SubjectKind::AutoscalingRunnerSet,
        },
    }
}

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

fn credential_source(
    inv: &Inventory,
    b: &Base<'_>,
    sa: Option<&crate::model::k8s::ServiceAccount>,
) -> (Source, Vec<String>) {
    let mut notes = Vec::new();
    let container: Option<&Container> = b.spec.runner_container();
    let env = |name: &str| container.and_then(|c| c.env_var(name));
    let sa_name = b.spec.service_account();
    let association = inv
        .pod_identity
        .iter()
        .find(|a| a.namespace == b.ns && a.service_account == sa_name);
    if env("AWS_ACCESS_KEY_ID").is_some() {
        notes.push("static AWS_ACCESS_KEY_ID in the runner container env: static keys come first in every SDK chain and win over IRSA and Pod Identity (R25)".into());
        return (Source::StaticKeys, notes);
    }
    let audience = b
        .spec
        .irsa_token_audience()
        .map(str::to_string)
        .unwrap_or_else(|| {
            sa.map(|s| s.irsa_audience().to_string())
                .unwrap_or_else(|| "sts.amazonaws.com".into())
        });
    if b.pod.is_some() {
        if let (Some(role), Some(_)) = (
            env("AWS_ROLE_ARN").and_then(|e| e.value.clone()),
            env("AWS_WEB_IDENTITY_TOKEN_FILE"),
        ) {
            if let Some(annotated) = sa.and_then(|s| s.irsa_role())
                && annotated != role
            {
                notes.push(format!("the pod uses {role} but the service account now says {annotated}: the EKS webhook sets env only at pod creation; new pods will use the annotation"));
            }
            return (
                Source::Irsa {
                    role,
                    audience,
                    predicted: false,
                },
                notes,
            );
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
        return (
            Source::Irsa {
                role: role.to_string(),
                audience,
                predicted: true,
            },
            notes,
        );
    }
    (Source::NodeRole, notes)
}

fn resolve_subject(inv: &Inventory, s: Subject<'_>, opts: &CheckOptions) -> Vec<Chain> {
    let b = base_of(inv, &s);
    let sa_name = b.spec.service_account().to_string();
    let mut chain = Chain {
        subject: format!("{}/{}", b.ns, b.pod_name),
        subject_kind: b.kind,
        scale_set: b.ars.map(|a| a.metadata.key()),
        service_account: format!("{}/{sa_name}", b.ns),
        credential_source: "none".into(),
        job: None,
        verdict: Verdict::Unknown,
        steps: Vec::new(),
        notes: Vec::new(),
    };
    if let Subject::RunnerSet(a) = &s {
        chain.subject = a.metadata.key();
        chain.notes.push("no runner pod or EphemeralRunner exists: simulated from the AutoscalingRunnerSet template".into());
    }
    if let Some(er) = b.er.filter(|_| b.pod.is_none()) {
        chain.notes.push(format!(
            "no pod for EphemeralRunner {} (phase {}): simulated from its pod spec",
            er.metadata.key(),
            er.status.phase.as_deref().unwrap_or("?")
        ));
    }

    // 1. The service account, looked up in the runner's namespace (arc.md §3.2).
    let sa = inv.service_account(&b.ns, &sa_name);
    if sa.is_none() {
        let invalid_pod = b.er.and_then(|e| e.status.message.clone()).filter(|_| {
            b.er.is_some_and(|e| e.status.reason.as_deref() == Some("InvalidPod"))
        });
        let elsewhere: Vec<String> = inv
            .service_accounts_named(&sa_name)
            .map(|x| x.metadata.ns().to_string())
            .collect();
        if b.pod.is_none() && (invalid_pod.is_some() || inv.has_service_accounts_in(&b.ns)) {
            let msg = invalid_pod.clone().unwrap_or_else(|| {
                format!("pods \"{}\" is forbidden: error looking up service account {}/{sa_name}: serviceaccount \"{sa_name}\" not found", b.pod_name, b.ns)
            });
            let mut step = Step::new(
                1,
                "Kubernetes",
                "create pod",
                &format!("system:serviceaccount:{}:{sa_name}", b.ns),
                &chain.service_account,
            )
            .error("service_account_missing", msg);
            if invalid_pod.is_some() {
                step.notes
                    .push("quoted from the EphemeralRunner's status (reason InvalidPod)".into());
            }
            if !elsewhere.is_empty() {
                step.notes.push(format!(
                    "a service account named {sa_name} exists in namespace(s) {}: ARC creates runner pods in the scale set's namespace {} and looks the service account up there (arc.md §3.2)",
                    elsewhere.join(", "),
                    b.ns
                ));
                step.fixes.push(format!("create service account {sa_name} in namespace {} (copy its eks.amazonaws.com/role-arn annotation from {}/{sa_name}) and update the IRSA trust's :sub to system:serviceaccount:{}:{sa_name}", b.ns, elsewhere[0], b.ns));
            } else {
                step.fixes.push(format!("create service account {sa_name} in namespace {}, or set template.spec.serviceAccountName to one that exists there", b.ns));
            }
            if b.er.is_some() {
                step.fixes.push(format!(
                    "then delete the Failed EphemeralRunners (kubectl delete ephemeralrunner -n {} <name>): ARC does not retry a rejected pod and creating the SA later does not unblock them (arc.md §3.2)",
                    b.ns
                ));
            }
            chain.steps.push(step);
            chain.compute_verdict();
            return vec![chain];
        }
        if b.pod.is_some() {
            chain.notes.push(format!(
                "service account {}/{sa_name} is not in the data; using the pod's env",
                b.ns
            ));
        } else {
            let step = Step::new(1, "Kubernetes", "create pod", &format!("system:serviceaccount:{}:{sa_name}", b.ns), &chain.service_account)
                .unknown(format!("no ServiceAccounts of namespace {} in the data: cannot tell whether {sa_name} exists", b.ns));
            chain.steps.push(step);
            chain.compute_verdict();
            return vec![chain];
        }
    }

    // 2. The credential source and the base hop.
    let (source, notes) = credential_source(inv, &b, sa);
    chain.notes.extend(notes);
    let mut base_session: Option<Session> = None;
    let mut hop_no = 1;
    match source {
        Source::StaticKeys => {
            chain.credential_source = "static_keys".into();
            chain.steps.push(
                Step::new(
                    1,
                    "static keys",
                    "sts:GetCallerIdentity",
                    "<IAM user of AWS_ACCESS_KEY_ID>",
                    "-",
                )
                .unknown("the IAM user behind static keys is not knowable offline"),
            );
        }
        Source::NodeRole => {
            chain.credential_source = "node_role".into();
            let mut step = Step::new(1, "node instance profile (IMDS)", "sts:AssumeRole", "<node role>", "-")
                .unknown("no IRSA or Pod Identity on this runner: AWS calls use the node's instance role, which is not in the data");
            step.fixes.push(format!("annotate service account {}/{sa_name} with eks.amazonaws.com/role-arn, then recreate the runner pods", b.ns));
            chain.steps.push(step);
        }
        Source::EnvMissing { what } => {
            chain.credential_source = "none".into();
            let mut step = Step::new(1, "IRSA", "sts:AssumeRoleWithWebIdentity", &format!("system:serviceaccount:{}:{sa_name}", b.ns), "-").error(
                "web_identity_env_missing",
                format!("{what}: the pod was created before the annotation (the EKS webhook mutates pods only at creation), or the webhook skipped it"),
            );
            step.fixes.push(format!("recreate the runner pods (kubectl delete pod -n {} {}; ARC creates a new one) so the webhook injects the credentials", b.ns, b.pod_name));
            step.log_line = Some("Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers".into());
            chain.steps.push(step);
        }
        Source::Irsa {
            role,
            audience,
            predicted,
        } => {
            chain.credential_source = "irsa".into();
            if predicted {
                chain.notes.push("no pod yet: IRSA env predicted from the service account annotation (EKS webhook, R23)".into());
            }
            match (RoleArn::parse(&role), inv.cluster_issuer.as_deref()) {
                (None, _) => {
                    let step = Step::new(1, "IRSA", "sts:AssumeRoleWithWebIdentity", "-", &role)
                        .error("role_missing", "ValidationError: Request ARN is invalid");
                    chain.steps.push(step);
                }
                (Some(r), None) => {
                    chain.steps.push(
                        Step::new(1, "IRSA", "sts:AssumeRoleWithWebIdentity", "-", &r.arn())
                            .unknown("the cluster's OIDC issuer is unknown: add `aws eks describe-cluster` output or /.well-known/openid-configuration to the bundle"),
                    );
                    base_session = Some(Session {
                        role: r,
                        session_name: String::new(),
                        session_policies: Vec::new(),
                        transitive_tags: Vec::new(),
                    });
                }
                (Some(r), Some(issuer)) => {
                    let subject = format!("system:serviceaccount:{}:{sa_name}", b.ns);
                    let step = hop::web_identity(
                        inv,
                        &WebIdentityParams {
                            hop: 1,
                            via: "IRSA",
                            role: &r,
                            issuer,
                            subject: Some(&subject),
                            audience: &audience,
                            log_prefix: "Credentials could not be loaded, please check your action inputs: ",
                        },
                    );
                    let ok = step.decision != Decision::ImplicitDeny
                        && step.decision != Decision::ExplicitDeny
                        && step.decision != Decision::Error;
                    chain.steps.push(step);
                    if ok {
                        base_session = Some(Session {
                            role: r,
                            session_name: String::new(),
                            session_policies: Vec::new(),
                            transitive_tags: Vec::new(),
                        });
                    }
                }
            }
        }
        Source::PodIdentity {
            role,
            disable_tags,
            predicted,
        } => {
            chain.credential_source = "pod_identity".into();
            if predicted {
                chain
                    .notes
                    .push("no pod yet: Pod Identity predicted from the association (R24)".into());
            }
            match role.as_deref().and_then(RoleArn::parse) {
                None => chain.steps.push(
                    Step::new(1, "EKS Pod Identity", "sts:AssumeRole", "pods.eks.amazonaws.com", "-")
                        .unknown("the Pod Identity association's role is not in the data: add `aws eks describe-pod-identity-association` output"),
                ),
                Some(r) => {
                    let tags: Vec<(String, String)> = [
                        ("eks-cluster-name", inv.cluster_name.clone().unwrap_or_default()),
                        ("kubernetes-namespace", b.ns.clone()),
                        ("kubernetes-service-account", sa_name.clone()),
                        ("kubernetes-pod-name", b.pod_name.clone()),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                    let steps = hop::pod_identity(inv, 1, &r, &tags, !disable_tags);
                    let ok = steps.iter().all(|s| !s.is_denied());
                    chain.steps.extend(steps);
                    if ok {
                        let session_name = format!("eks-{}-{}", inv.cluster_name.as_deref().unwrap_or("cluster"), b.pod_name);
                        base_session = Some(Session { role: r, session_name, session_policies: Vec::new(), transitive_tags: if disable_tags { Vec::new() } else { tags } });
                    }
                }
            }
        }
    }
    if chain
        .steps
        .iter()
        .any(|s| s.decision != Decision::Unknown || s.decided_by != "unknown")
        || base_session.is_some()
    {
        hop_no = 2;
    }

    // 3. The jobs that run here.
    let scale_set_name = b.ars.map(|a| a.scale_set_name().to_string());
    let mut jobs: Vec<(&Workflow, &Job)> = Vec::new();
    for w in &inv.workflows {
        for j in &w.jobs {
            if scale_set_name
                .as_ref()
                .is_some_and(|n| j.runs_on.iter().any(|r| r == n))
                && !j.aws_steps.is_empty()
            {
                jobs.push((w, j));
            }
        }
    }
    for w in &opts.workflows {
        for j in &w.jobs {
            if !j.aws_steps.is_empty() {
                jobs.push((w, j));
            }
        }
    }
    let base_ok = !chain.steps.iter().any(Step::is_denied);

    if !jobs.is_empty() {
        return jobs
            .into_iter()
            .map(|(w, j)| {
                let mut c = chain.clone();
                c.job = Some(format!("{}#{}", w.file, j.id));
                simulate_job(
                    inv,
                    &mut c,
                    &b,
                    w,
                    j,
                    base_session.clone().filter(|_| base_ok),
                    hop_no,
                    opts,
                );
                c.compute_verdict();
                c
            })
            .collect();
    }
    if let Some(role) = &opts.role_to_assume {
        let step = AwsStep {
            position: 0,
            name: Some("--role-to-assume".into()),
            uses: "aws-actions/configure-aws-credentials@v4".into(),
            major: Some(4),
            inputs: BTreeMap::from([("role-to-assume".to_string(), role.clone())]),
        };
        let job = Job {
            id: "--role-to-assume".into(),
            name: None,
            runs_on: Vec::new(),
            id_token_write: false,
            aws_steps: vec![step],
        };
        let w = Workflow {
            file: "command line".into(),
            name: None,
            jobs: Vec::new(),
        };
        chain.job = Some("--role-to-assume".into());
        simulate_job(
            inv,
            &mut chain,
            &b,
            &w,
            &job,
            base_session.filter(|_| base_ok),
            hop_no,
            opts,
        );
        chain.compute_verdict();
        return vec![chain];
    }
    // No workflow and no --role-to-assume: every role the base role's identity policy lets it try.
    if let Some(session) = base_session.filter(|_| base_ok) {
        let targets = candidate_targets(inv, &session.role);
        if !targets.is_empty() {
            return targets
                .into_iter()
                .map(|t| {
                    let step = AwsStep { position: 0, name: None, uses: "aws-actions/configure-aws-credentials@v4".into(), major: Some(4), inputs: BTreeMap::from([("role-to-assume".to_string(), t.clone())]) };
                    let job = Job { id: "candidate".into(), name: None, runs_on: Vec::new(), id_token_write: false, aws_steps: vec![step] };
                    let w = Workflow { file: "identity policy".into(), name: None, jobs: Vec::new() };
                    let mut c = chain.clone();
                    c.job = Some(format!("candidate target {t} (the identity policy of {} allows sts:AssumeRole on it; no workflow given)", session.role.name));
                    simulate_job(inv, &mut c, &b, &w, &job, Some(session.clone()), hop_no, opts);
                    c.compute_verdict();
                    c
                })
                .collect();
        }
    }
    chain.compute_verdict();
    vec![chain]
}

/// Roles whose ARN an Allow statement for `sts:AssumeRole` in the caller's identity policies covers.
fn candidate_targets(inv: &Inventory, caller: &RoleArn) -> Vec<String> {
    let Some(role) = inv.role(&caller.arn()) else {
        return Vec::new();
    };
    let docs: Vec<&PolicyDocument> = role
        .inline
        .iter()
        .map(|(_, d)| d)
        .chain(
            role.attached
                .iter()
                .filter_map(|a| inv.managed_policies.get(a))
                .map(|p| &p.doc),
        )
        .collect();
    inv.roles
        .values()
        .filter(|r| r.arn != role.arn)
        .filter(|r| {
            let arn = r.arn.arn();
            docs.iter().flat_map(|d| d.statements.iter()).any(|s| {
                s.effect == crate::iam::policy::Effect::Allow
                    && crate::iam::eval::action_matches(&s.action, "sts:AssumeRole")
                    && s.resource.as_ref().is_some_and(|res| {
                        let hit = res
                            .patterns
                            .iter()
                            .any(|p| p != "*" && crate::iam::condition::arn_like(p, &arn));
                        hit != res.negated
                    })
            })
        })
        .map(|r| r.arn.arn())
        .collect()
}

/// Parse `role-skip-session-tagging` as the action version does (configure-aws-credentials.md §1.4).
fn tagging(step: &AwsStep, opts: &CheckOptions) -> Result<Tagging, String> {
    if opts.skip_session_tagging {
        return Ok(Tagging::NotSent);
    }
    let Some(v) = step.input("role-skip-session-tagging") else {
        return Ok(Tagging::Sent);
    };
    if has_expression(v) {
        return Ok(Tagging::Unknown);
    }
    match step.major {
        Some(m) if m >= 5 => match v {
            "true" | "True" | "TRUE" => Ok(Tagging::NotSent),
            "false" | "False" | "FALSE" => Ok(Tagging::Sent),
            _ => Err(format!(
                "Input does not meet YAML 1.2 \"Core Schema\" specification: role-skip-session-tagging (value {v:?}; v5+ accepts only true | True | TRUE | false | False | FALSE)"
            )),
        },
        _ => Ok(if v.to_lowercase() == "true" {
            Tagging::NotSent
        } else {
            Tagging::Sent
        }),
    }
}

/// The default session tags (§1.1), with values known from the EphemeralRunner and workflow.
fn session_tags(b: &Base<'_>, w: &Workflow, step: &AwsStep) -> Vec<(String, Option<String>)> {
    let status = b.er.map(|e| &e.status);
    let repo = status.and_then(|s| s.job_repository_name.clone());
    let branch = status
        .and_then(|s| s.job_workflow_ref.as_deref())
        .and_then(|r| r.split_once('@'))
        .map(|(_, r)| sanitize(r));
    let workflow = w.name.clone().map(|n| sanitize(&n));
    let mut tags = vec![
        ("GitHub".to_string(), Some("Actions".to_string())),
        ("Repository".into(), repo),
        ("Workflow".into(), workflow),
        ("Action".into(), None),
        ("Actor".into(), None),
        ("Commit".into(), None),
        ("Branch".into(), branch),
    ];
    if step.major.is_some_and(|m| m >= 6) {
        for k in ["EventName", "RunId", "Job", "TriggeringActor"] {
            tags.push((k.into(), None));
        }
    }
    if let Some(custom) = step
        .input("custom-tags")
        .and_then(|c| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(c).ok())
    {
        for (k, v) in custom {
            tags.push((k, v.as_str().map(str::to_string)));
        }
    }
    tags
}

/// `sanitizeGitHubVariables` (§1.2): keep letters, separators, digits and `_ . : / = + - @`.
fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    out.chars().take(256).collect()
}

#[allow(clippy::too_many_arguments)]
fn simulate_job(
    inv: &Inventory,
    chain: &mut Chain,
    b: &Base<'_>,
    w: &Workflow,
    job: &Job,
    base: Option<Session>,
    first_hop: usize,
    opts: &CheckOptions,
) {
    let mut current: Option<Session> = None; // credentials exported by an earlier step
    let mut hop_no = first_hop;
    let mut stopped = false;
    for step in &job.aws_steps {
        let version = step.uses.split_once('@').map(|(_, r)| r).unwrap_or("?");
        let via = if step.position == 0 {
            step.name.clone().unwrap_or_else(|| w.file.clone())
        } else {
            format!(
                "{} job {} step {} (configure-aws-credentials@{version})",
                w.file, job.id, step.position
            )
        };
        if stopped {
            chain
                .notes
                .push(format!("{via}: not reached, an earlier step fails"));
            continue;
        }
        let Some(role_input) = opts
            .role_to_assume
            .clone()
            .or_else(|| step.input("role-to-assume").map(str::to_string))
        else {
            chain.notes.push(format!(
                "{via}: no role-to-assume; the step only exports the credentials it has"
            ));
            continue;
        };
        let keys = step.input("aws-access-key-id").is_some();
        let token_file = step.input("web-identity-token-file");
        let chaining = step
            .input("role-chaining")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let force_skip = step
            .input("force-skip-oidc")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let oidc = job.id_token_write && !keys && token_file.is_none() && !chaining && !force_skip;
        let caller = current.clone().or_else(|| base.clone());
        let source_account = caller.as_ref().map(|s| s.role.account.clone());

        let (target, role_note) = match resolve_role(&role_input, source_account.as_deref(), oidc) {
            Ok(t) => t,
            Err(RoleInput::Unknown(why)) => {
                chain
                    .steps
                    .push(Step::new(hop_no, &via, "sts:AssumeRole", "-", &role_input).unknown(why));
                stopped = true;
                continue;
            }
            Err(RoleInput::Invalid(msg)) => {
                let mut s = Step::new(hop_no, &via, "sts:AssumeRole", "-", &role_input)
                    .error("role_missing", msg.clone());
                s.log_line = Some(format!(
                    "Could not assume role with user credentials: {msg}"
                ));
                s.fixes.push("pass the role's full ARN in role-to-assume (arn:aws:iam::<account>:role/<name>)".into());
                chain.steps.push(s);
                stopped = true;
                continue;
            }
        };
        let mut step_notes: Vec<String> = role_note.into_iter().collect();

        if keys {
            chain.steps.push(Step::new(hop_no, &via, "sts:AssumeRole", "<IAM user of aws-access-key-id>", &target.arn()).unknown("the step uses access keys from secrets: their IAM user is not knowable offline"));
            stopped = true;
            continue;
        }
        if oidc || token_file.is_some() {
            // AssumeRoleWithWebIdentity: no session tags on these paths (§1.3).
            let (issuer, subject, audience, prefix) = if oidc {
                step_notes.push("the job has `permissions: id-token: write` and no `role-chaining: true`: the action uses GitHub OIDC and ignores the runner's IRSA credentials (configure-aws-credentials.md §3.1)".into());
                (
                    GITHUB_ISSUER.to_string(),
                    None,
                    step.input("audience")
                        .unwrap_or("sts.amazonaws.com")
                        .to_string(),
                    "Could not assume role with OIDC: ",
                )
            } else if token_file == Some(IRSA_TOKEN_PATH) && inv.cluster_issuer.is_some() {
                let aud = b
                    .spec
                    .irsa_token_audience()
                    .unwrap_or("sts.amazonaws.com")
                    .to_string();
                (
                    inv.cluster_issuer.clone().unwrap_or_default(),
                    Some(format!(
                        "system:serviceaccount:{}:{}",
                        b.ns,
                        b.spec.service_account()
                    )),
                    aud,
                    "Could not assume role with web identity token file: ",
                )
            } else {
                chain.steps.push(
                    Step::new(
                        hop_no,
                        &via,
                        "sts:AssumeRoleWithWebIdentity",
                        "-",
                        &target.arn(),
                    )
                    .unknown("web-identity-token-file names a token arcscope cannot see"),
                );
                stopped = true;
                continue;
            };
            let mut s = hop::web_identity(
                inv,
                &WebIdentityParams {
                    hop: hop_no,
                    via: &via,
                    role: &target,
                    issuer: &issuer,
                    subject: subject.as_deref(),
                    audience: &audience,
                    log_prefix: prefix,
                },
            );
            if oidc && s.is_denied() {
                s.fixes.push(format!("to chain from the runner's IRSA role instead, add `role-chaining: true` to {via} (or drop `id-token: write`)"));
            }
            s.notes.extend(step_notes);
            let ok = !s.is_denied() && s.decision != Decision::Unknown;
            chain.steps.push(s);
            if ok {
                current = Some(Session {
                    role: target,
                    session_name: step
                        .input("role-session-name")
                        .unwrap_or("GitHubActions")
                        .to_string(),
                    session_policies: Vec::new(),
                    transitive_tags: Vec::new(),
                });
            } else {
                stopped = true;
            }
            hop_no += 1;
            continue;
        }
        // Ambient credentials (IRSA / Pod Identity / earlier step) → AssumeRole with tags.
        let Some(mut caller) = caller else {
            chain.notes.push(format!(
                "{via}: not simulated, the runner's own credentials are denied or unknown"
            ));
            stopped = true;
            continue;
        };
        if current.is_none() && caller.session_name.is_empty() {
            // IRSA session names as the action's JS SDK makes them (§3.3).
            caller.session_name = if step.major.is_some_and(|m| m <= 2) {
                "token-file-web-identity".into()
            } else {
                "aws-sdk-js-session-<ms>".into()
            };
        }
        let tag_mode = match tagging(step, opts) {
            Ok(t) => t,
            Err(msg) => {
                let mut s = Step::new(
                    hop_no,
                    &via,
                    "sts:AssumeRole",
                    &caller.role.session_arn(&caller.session_name),
                    &target.arn(),
                )
                .error("unknown", msg);
                s.fixes
                    .push("write role-skip-session-tagging: true (a YAML 1.2 boolean)".into());
                chain.steps.push(s);
                stopped = true;
                continue;
            }
        };
        let (duration, duration_source) =
            match (opts.duration_seconds, step.input("role-duration-seconds")) {
                (Some(d), _) => (d, "--duration-seconds".to_string()),
                (None, Some(v)) if !has_expression(v) => match v.trim().parse::<u32>() {
                    Ok(d) => (d, "role-duration-seconds".into()),
                    Err(_) => (3600, "default (role-duration-seconds unparsable)".into()),
                },
                (None, Some(_)) => {
                    step_notes.push(
                        "role-duration-seconds is an expression: duration limits not checked"
                            .into(),
                    );
                    (3600, "expression".into())
                }
                (None, None)
                    if step.major.is_some_and(|m| m <= 2)
                        && step.input("aws-session-token").is_none() =>
                {
                    (21600, "the v1/v2 default of 6 hours".into())
                }
                (None, None) => (3600, "default".into()),
            };
        let tags = session_tags(b, w, step);
        let transitive: Vec<String> = step
            .input("transitive-tag-keys")
            .map(|v| {
                v.split([',', '\n'])
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let skip_hint = Some(if opts.skip_session_tagging {
            "tags are already skipped (--skip-session-tagging)".to_string()
        } else {
            format!(
                "or add `role-skip-session-tagging: true` to {via}: the action then sends no session tags (IRSA adds none of its own)"
            )
        });
        let session_name = step.input("role-session-name").unwrap_or("GitHubActions");
        let params = AssumeParams {
            hop: hop_no,
            via: &via,
            target: &target,
            tagging: tag_mode,
            tags: &tags,
            duration,
            duration_source: &duration_source,
            log_prefix: "Could not assume role with user credentials: ",
            external_id: step.input("role-external-id"),
            session_name: if has_expression(session_name) {
                None
            } else {
                Some(session_name)
            },
            transitive_tag_keys: &transitive,
            skip_input_hint: skip_hint,
        };
        let mut steps = hop::assume_role(inv, &caller, &params);
        if let Some(first) = steps.first_mut() {
            first.notes.extend(step_notes);
        }
        let ok = steps.iter().all(|s| s.decision == Decision::Allow);
        let denied = steps.iter().any(Step::is_denied);
        chain.steps.extend(steps);
        hop_no += 1;
        if ok {
            let mut policies = Vec::new();
            if let Some(inline) = step
                .input("inline-session-policy")
                .filter(|p| !has_expression(p))
            {
                match PolicyDocument::from_text(inline) {
                    Ok(d) => policies.push((format!("{via} inline-session-policy"), d)),
                    Err(e) => chain
                        .notes
                        .push(format!("{via}: inline-session-policy does not parse: {e}")),
                }
            }
            current = Some(Session {
                role: target,
                session_name: if has_expression(session_name) {
                    "<session>".into()
                } else {
                    session_name.to_string()
                },
                session_policies: policies,
                transitive_tags: caller.transitive_tags.clone(),
            });
        } else {
            stopped = true;
            if !denied {
                current = None;
            }
        }
    }
}

enum RoleInput {
    Unknown(String),
    Invalid(String),
}

/// Resolve `role-to-assume` to an ARN (configure-aws-credentials.md §3.1).
fn resolve_role(
    input: &str,
    source_account: Option<&str>,
    oidc: bool,
) -> Result<(RoleArn, Option<String>), RoleInput> {
    let input = input.trim();
    if has_expression(input) {
        // `arn:aws:iam::${{ secrets.ACCOUNT }}:role/NAME`: the account is a placeholder.
        if let Some(rest) = input.strip_prefix("arn:aws:iam::")
            && let Some((account_expr, role_part)) = rest.split_once(":role/")
            && has_expression(account_expr)
            && !has_expression(role_part)
            && let Some(account) = source_account
        {
            let arn = format!("arn:aws:iam::{account}:role/{role_part}");
            if let Some(r) = RoleArn::parse(&arn) {
                return Ok((
                    r,
                    Some(format!(
                        "role-to-assume {input:?}: the account placeholder {account_expr} is assumed to be the base role's account {account}; pass --role-to-assume to override"
                    )),
                ));
            }
        }
        return Err(RoleInput::Unknown(format!(
            "role-to-assume is the expression {input:?}, not knowable offline: pass --role-to-assume ARN"
        )));
    }
    if input.starts_with("arn:") {
        return RoleArn::parse(input)
            .map(|r| (r, None))
            .ok_or_else(|| RoleInput::Invalid("ValidationError: Request ARN is invalid".into()));
    }
    match (source_account, oidc) {
        (Some(account), false) => {
            let arn = format!("arn:aws:iam::{account}:role/{input}");
            RoleArn::parse(&arn).map(|r| (r, Some(format!("role-to-assume is a bare name: the action builds {arn} from the source account")))).ok_or_else(|| RoleInput::Invalid("ValidationError: Request ARN is invalid".into()))
        }
        _ => Err(RoleInput::Invalid(
            "Source Account ID is needed if the Role Name is provided and not the Role Arn.".into(),
        )),
    }
}
