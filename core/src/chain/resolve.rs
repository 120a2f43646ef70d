//! From runners to chains: which runner, which service account, which credential source, which
//! workflow steps — then every hop simulated .

use super::fixes::shell_word;
use std::collections::BTreeMap;

use crate::iam::arn::RoleArn;
use crate::iam::policy::PolicyDocument;
use crate::model::Inventory;
use crate::model::workflow::{AwsStep, Job, Workflow};

use super::job::{JobStart, simulate_job};
use super::kube_mode::{self, JobPod};
use super::session::Session;
use super::source;
use super::subject::{CheckOptions, Lookup, RunnerContext, Subject, base_of, subjects};
use super::{Chain, CredentialSource, DecidedBy, Step, Verdict};

/// Resolve and simulate every chain. `Err` when `--pod` names nothing.
pub fn resolve_all(inv: &Inventory, opts: &CheckOptions) -> Result<Vec<Chain>, String> {
    let look = Lookup::new(inv, opts.pod.is_none());
    let subs = subjects(&look, opts.pod.as_deref());
    if let Some(want) = &opts.pod
        && subs.is_empty()
    {
        let (ns, name) = want.split_once('/').unwrap_or(("", want));
        if inv.pods.iter().any(|p| p.metadata.ns() == ns && p.metadata.name == name) {
            return Err(format!(
                "{want} is not a runner pod (listener and controller pods have no identity chain to check)"
            ));
        }
        return Err(format!("no runner pod, EphemeralRunner or scale set {want} in {}", inv.source));
    }
    Ok(subs.into_iter().flat_map(|s| resolve_subject(&look, s, opts)).collect())
}

fn resolve_subject(look: &Lookup<'_>, s: Subject<'_>, opts: &CheckOptions) -> Vec<Chain> {
    let inv = look.inv;
    let b = base_of(look, &s);
    let mut chain = new_chain(&b, &s);
    // 1. The service account, looked up in the runner's namespace (arc.md §3.2).
    let sa = look.service_account(&b.ns, b.spec.service_account());
    if sa.is_none()
        && let Some(step) = missing_service_account(inv, &b, &mut chain)
    {
        chain.steps.push(step);
        chain.compute_verdict();
        return vec![chain];
    }
    // 2. The credential source and the base hop: of the pod the job's steps run in (R38).
    let base_session = match kube_mode::job_pod(inv, &b) {
        JobPod::Runner => source::base_hop(inv, &b, sa, &mut chain),
        JobPod::Unknown(why) => {
            let via = "kubernetes mode (runner-container-hooks)";
            chain
                .steps
                .push(Step::new(1, via, "create job pod", "-", &kube_mode::job_pod_name(&b.pod_name)).unknown(why));
            None
        }
        JobPod::Hook { spec, how } => job_pod_hop(look, &b, &spec, &how, &mut chain),
    };
    let base_ok = !chain.steps.iter().any(Step::is_denied);
    let base = base_session.filter(|_| base_ok);
    let start = |base: Option<Session>| JobStart { inv, runner: &b, opts, base, first_hop: 2 };
    // 3. The jobs that run here: the workflows' jobs on this scale set, and --workflow's.
    let jobs = jobs_here(inv, &b, opts);
    if !jobs.is_empty() {
        return jobs
            .into_iter()
            .map(|(w, j)| {
                let mut c = chain.clone();
                c.job = Some(format!("{}#{}", w.file, j.id));
                simulate_job(&mut c, start(base.clone()), w, j);
                c.compute_verdict();
                c
            })
            .collect();
    }
    if let Some(role) = &opts.role_to_assume {
        let job = one_step_job("--role-to-assume", Some("--role-to-assume"), role);
        let w = Workflow { file: "command line".into(), name: None, jobs: Vec::new() };
        chain.job = Some("--role-to-assume".into());
        simulate_job(&mut chain, start(base), &w, &job);
        chain.compute_verdict();
        return vec![chain];
    }
    // No workflow and no --role-to-assume: every role the base role's identity policy lets it try.
    if let Some(session) = base {
        let targets = candidate_targets(inv, &session.role);
        if !targets.is_empty() {
            return targets
                .into_iter()
                .map(|t| candidate_chain(&chain, &session, t, start(Some(session.clone()))))
                .collect();
        }
    }
    chain.compute_verdict();
    vec![chain]
}

/// Kubernetes mode (R38): the job pod's identity is the chain's base — its service account's
/// IRSA role or Pod Identity association, as the EKS webhook would inject them when the hooks
/// create it; none is an error with the fix.
fn job_pod_hop(
    look: &Lookup<'_>,
    b: &RunnerContext<'_>,
    spec: &crate::model::k8s::PodSpec,
    how: &str,
    chain: &mut Chain,
) -> Option<Session> {
    let inv = look.inv;
    let sa_name = spec.service_account();
    let job_pod = kube_mode::job_pod_name(&b.pod_name);
    let runner_sa = b.spec.service_account();
    chain.notes.push(format!(
        "kubernetes mode: the job's steps run in pod {}/{job_pod} as service account {}/{sa_name} ({how}), not in the runner container as {}/{runner_sa}",
        b.ns, b.ns, b.ns
    ));
    chain.service_account = format!("{}/{sa_name}", b.ns);
    let sa = look.service_account(&b.ns, sa_name);
    let association = inv.pod_identity.iter().any(|a| a.namespace == b.ns && a.service_account == sa_name);
    if sa.and_then(|s| s.irsa_role()).is_none() && !association {
        let via = "kubernetes mode (runner-container-hooks)";
        let principal = format!("system:serviceaccount:{}:{sa_name}", b.ns);
        let mut step = Step::new(1, via, "job pod identity", &principal, &format!("{}/{sa_name}", b.ns)).error(
            DecidedBy::JobPodIdentity,
            format!(
                "the job pod {job_pod} runs as {}/{sa_name}, which has no eks.amazonaws.com/role-arn and no Pod Identity association: the job's AWS calls get the node's instance role (IMDS) or no credentials at all",
                b.ns
            ),
        );
        let template = format!(
            "printf 'spec:\\n  serviceAccountName: %s\\n' {} | kubectl create configmap hook-template -n {} --from-file=default.yaml=/dev/stdin",
            super::fixes::shell_word(runner_sa),
            super::fixes::shell_word(&b.ns)
        );
        step.fix_with(
            format!(
                "give the job pod the runner's service account: a hook template with spec.serviceAccountName: {runner_sa} (a ConfigMap mounted in the runner container, its path in {} — runner-container-hooks ADR 0134 \"Hook extensions\"; GitHub docs, \"Deploying runner scale sets with Actions Runner Controller\", Kubernetes mode)",
                kube_mode::TEMPLATE_ENV
            ),
            "kubectl",
            template,
        );
        step.fixes.push(format!(
            "or annotate {}/{sa_name} with eks.amazonaws.com/role-arn (every pod of the namespace using it then gets that role)",
            b.ns
        ));
        chain.steps.push(step);
        return None;
    }
    let jb = RunnerContext { ns: b.ns.clone(), pod_name: job_pod, spec, pod: None, er: b.er, ars: b.ars, kind: b.kind };
    source::base_hop(inv, &jb, sa, chain)
}

/// A subject's chain before any hop: who it is for, and what it was simulated from.
fn new_chain(b: &RunnerContext<'_>, s: &Subject<'_>) -> Chain {
    let sa_name = b.spec.service_account();
    let mut chain = Chain {
        subject: format!("{}/{}", b.ns, b.pod_name),
        subject_kind: b.kind,
        scale_set: b.ars.map(|a| a.metadata.key()),
        service_account: format!("{}/{sa_name}", b.ns),
        credential_source: CredentialSource::None,
        job: None,
        verdict: Verdict::Unknown,
        steps: Vec::new(),
        requests_from: None,
        notes: Vec::new(),
    };
    if let Subject::RunnerSet(a) = s {
        chain.subject = a.metadata.key();
        chain
            .notes
            .push("no runner pod or EphemeralRunner exists: simulated from the AutoscalingRunnerSet template".into());
    }
    if let Some(er) = b.er.filter(|_| b.pod.is_none()) {
        chain.notes.push(format!(
            "no pod for EphemeralRunner {} (phase {}): simulated from its pod spec",
            er.metadata.key(),
            er.status.phase.as_deref().unwrap_or("?")
        ));
    }
    chain
}

/// The runner's service account is not in its namespace: the step that stops the chain (the
/// pod create ARC's controller is refused, or not knowable), or `None` when a running pod's own
/// environment still says what it got.
fn missing_service_account(inv: &Inventory, b: &RunnerContext<'_>, chain: &mut Chain) -> Option<Step> {
    let sa_name = b.spec.service_account();
    let principal = format!("system:serviceaccount:{}:{sa_name}", b.ns);
    let invalid_pod =
        b.er.and_then(|e| e.status.message.clone())
            .filter(|_| b.er.is_some_and(|e| e.status.reason.as_deref() == Some("InvalidPod")));
    let elsewhere: Vec<String> = inv.service_accounts_named(sa_name).map(|x| x.metadata.ns().to_string()).collect();
    if b.pod.is_none() && (invalid_pod.is_some() || inv.has_service_accounts_in(&b.ns)) {
        let msg = invalid_pod.clone().unwrap_or_else(|| {
            format!("pods \"{}\" is forbidden: error looking up service account {}/{sa_name}: serviceaccount \"{sa_name}\" not found", b.pod_name, b.ns)
        });
        let mut step = Step::new(1, "Kubernetes", "create pod", &principal, &chain.service_account)
            .error(DecidedBy::ServiceAccountMissing, msg);
        if invalid_pod.is_some() {
            step.notes.push("quoted from the EphemeralRunner's status (reason InvalidPod)".into());
        }
        if !elsewhere.is_empty() {
            step.notes.push(format!(
                "a service account named {sa_name} exists in namespace(s) {}: ARC creates runner pods in the scale set's namespace {} and looks the service account up there",
                elsewhere.join(", "),
                b.ns
            ));
            let prose = format!(
                "create service account {sa_name} in namespace {} (copy its eks.amazonaws.com/role-arn annotation from {}/{sa_name}) and update the IRSA trust's :sub to system:serviceaccount:{}:{sa_name}",
                b.ns, elsewhere[0], b.ns
            );
            let role = inv.service_accounts_named(sa_name).find_map(|x| x.irsa_role());
            let (sa, ns) = (shell_word(sa_name), shell_word(&b.ns));
            let mut run = format!("kubectl create serviceaccount {sa} -n {ns}");
            if let Some(role) = role {
                run.push_str(&format!(
                    " && kubectl annotate serviceaccount {sa} -n {ns} {}",
                    shell_word(&format!("{}={role}", crate::model::k8s::IRSA_ROLE_ANNOTATION))
                ));
            }
            step.fix_with(prose, "kubectl", run);
        } else {
            step.fix_with(
                format!("create service account {sa_name} in namespace {}, or set template.spec.serviceAccountName to one that exists there", b.ns),
                "kubectl",
                format!("kubectl create serviceaccount {} -n {}", shell_word(sa_name), shell_word(&b.ns)),
            );
        }
        if let Some(er) = b.er {
            step.fix_with(
                format!(
                    "then delete the Failed EphemeralRunners (kubectl delete ephemeralrunner -n {} <name>): ARC does not retry a rejected pod and creating the SA later does not unblock them",
                    b.ns
                ),
                "kubectl",
                format!("kubectl delete ephemeralrunner -n {} {}", shell_word(&b.ns), shell_word(&er.metadata.name)),
            );
        }
        return Some(step);
    }
    if b.pod.is_some() {
        chain.notes.push(format!("service account {}/{sa_name} is not in the data; using the pod's env", b.ns));
        return None;
    }
    Some(
        Step::new(1, "Kubernetes", "create pod", &principal, &chain.service_account).unknown(format!(
            "no ServiceAccounts of namespace {} in the data: cannot tell whether {sa_name} exists",
            b.ns
        )),
    )
}

/// The jobs that run on this runner: the bundle's workflows' jobs whose `runs-on` names its
/// scale set, then every job of the `--workflow` files; only jobs with AWS steps.
fn jobs_here<'a>(inv: &'a Inventory, b: &RunnerContext<'_>, opts: &'a CheckOptions) -> Vec<(&'a Workflow, &'a Job)> {
    let scale_set_name = b.ars.map(|a| a.scale_set_name().to_string());
    let mut jobs: Vec<(&Workflow, &Job)> = Vec::new();
    for w in &inv.workflows {
        for j in &w.jobs {
            if scale_set_name.as_ref().is_some_and(|n| j.runs_on.iter().any(|r| r == n)) && !j.aws_steps.is_empty() {
                jobs.push((w, j));
            }
        }
    }
    for w in &opts.workflows {
        for j in w.jobs.iter().filter(|j| !j.aws_steps.is_empty()) {
            jobs.push((w, j));
        }
    }
    jobs
}

/// A job of one configure-aws-credentials step that assumes `role` (`--role-to-assume`, a
/// candidate target).
fn one_step_job(id: &str, name: Option<&str>, role: &str) -> Job {
    let step = AwsStep {
        env_access_key: false,
        position: 0,
        name: name.map(str::to_string),
        uses: "aws-actions/configure-aws-credentials@v4".into(),
        major: Some(4),
        inputs: BTreeMap::from([("role-to-assume".to_string(), role.to_string())]),
    };
    Job {
        id: id.into(),
        name: None,
        runs_on: Vec::new(),
        id_token_write: false,
        aws_steps: vec![step],
        container: None,
        ecr_logins: Vec::new(),
        steps: Vec::new(),
    }
}

/// The chain to one role the base role's identity policy lets it try, or one `unknown` hop for a
/// pattern whose roles could not be listed.
fn candidate_chain(chain: &Chain, session: &Session, candidate: Candidate, start: JobStart<'_>) -> Chain {
    let mut c = chain.clone();
    let t = match candidate {
        Candidate::Role(arn) => arn,
        Candidate::Unlisted { pattern, account } => {
            c.job = Some(format!(
                "candidate targets {pattern} (the identity policy of {} allows sts:AssumeRole on them; no workflow given)",
                session.role.name
            ));
            let why = format!(
                "account {account} was not read whole, so the roles {pattern} matches are unknown: allow iam:GetAccountAuthorizationDetails (or iam:ListRoles), or name the target with --workflow or --role-to-assume"
            );
            let principal = session.role.arn();
            c.steps.push(
                Step::new(start.first_hop, "identity policy", "sts:AssumeRole", &principal, &pattern).unknown(why),
            );
            c.compute_verdict();
            return c;
        }
    };
    let job = one_step_job("candidate", None, &t);
    let w = Workflow { file: "identity policy".into(), name: None, jobs: Vec::new() };
    c.job = Some(format!(
        "candidate target {t} (the identity policy of {} allows sts:AssumeRole on it; no workflow given)",
        session.role.name
    ));
    simulate_job(&mut c, start, &w, &job);
    c.compute_verdict();
    c
}

/// Roles whose ARN an Allow statement for `sts:AssumeRole` in the caller's identity policies covers.
/// Where the target's account was not read whole (a role-by-role read after
/// `GetAccountAuthorizationDetails` was denied), a role the statement names exactly is a candidate
/// too, in or out of the data: it is read next, and if it cannot be, its hop says `unknown` —
/// never left out, or the chains that remain would read as all allowed.
fn candidate_targets(inv: &Inventory, caller: &RoleArn) -> Vec<Candidate> {
    let Some(role) = inv.role(&caller.arn()) else {
        return Vec::new();
    };
    let docs: Vec<&PolicyDocument> = role
        .inline
        .iter()
        .map(|(_, d)| d)
        .chain(role.attached.iter().filter_map(|a| inv.managed_policies.get(a)).map(|p| &p.doc))
        .collect();
    let known: Vec<Candidate> = inv
        .roles
        .values()
        .filter(|r| r.arn != role.arn)
        .filter(|r| {
            let arn = r.arn.arn();
            docs.iter().flat_map(|d| d.statements.iter()).any(|s| {
                s.effect == crate::iam::policy::Effect::Allow
                    && crate::iam::eval::action_matches(&s.action, "sts:AssumeRole")
                    && s.resource.as_ref().is_some_and(|res| {
                        let hit = res.patterns.iter().any(|p| p != "*" && crate::iam::condition::arn_like(p, &arn));
                        hit != res.negated
                    })
            })
        })
        .map(|r| Candidate::Role(r.arn.arn()))
        .collect();
    let mut targets = known;
    for s in docs.iter().flat_map(|d| d.statements.iter()) {
        let Some(res) = s.resource.as_ref().filter(|r| !r.negated) else { continue };
        if s.effect != crate::iam::policy::Effect::Allow
            || !crate::iam::eval::action_matches(&s.action, "sts:AssumeRole")
        {
            continue;
        }
        // In an account not read whole, the roles above are only those read. The account's
        // role list (`iam:ListRoles`) names the rest a pattern matches; without it, a role named
        // exactly is still a candidate, and a pattern (`role/ci-*`) stands as one whose hop says
        // unknown.
        for pattern in res.patterns.iter().filter(|p| *p != "*") {
            let account = crate::iam::arn::parse(pattern).map(|a| a.account.to_string());
            let Some(account) = account.filter(|a| !inv.iam_loaded(a)) else { continue };
            let mut add = |c: Candidate| {
                if c != Candidate::Role(role.arn.arn()) && !targets.contains(&c) {
                    targets.push(c);
                }
            };
            match (inv.listed_roles.get(&account), RoleArn::parse(pattern)) {
                (Some(listed), _) => {
                    for arn in listed.iter().filter(|a| crate::iam::condition::arn_like(pattern, a)) {
                        add(Candidate::Role(arn.clone()));
                    }
                }
                (None, Some(arn)) => add(Candidate::Role(arn.arn())),
                (None, None) if crate::iam::arn::is_account_id(&account) => {
                    add(Candidate::Unlisted { pattern: pattern.clone(), account })
                }
                (None, None) => {}
            }
        }
    }
    targets
}

/// A role a base role may try to assume, by its identity policy.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Candidate {
    /// A role by its ARN (in the data, or named exactly in an account not read whole).
    Role(String),
    /// A pattern (`role/ci-*`) in an account not read whole: the roles it matches are unknown.
    Unlisted { pattern: String, account: String },
}
