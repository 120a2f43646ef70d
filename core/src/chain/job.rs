//! One job's `aws-actions/configure-aws-credentials` steps, simulated in order as the action
//! runs them: which path (GitHub OIDC, token file, ambient credentials), which role, which tags,
//! which duration (configure-aws-credentials.md §1–§6).

use crate::iam::arn::RoleArn;
use crate::iam::eval::Decision;
use crate::iam::policy::PolicyDocument;
use crate::model::Inventory;
use crate::model::workflow::{AwsStep, Job, Workflow, has_expression};

use super::hop;
use super::session::{AssumeParams, Session, Tagging, WebIdentityParams};
use super::subject::{CheckOptions, RunnerContext};
use super::{Chain, CredentialSource, DecidedBy, Step};

const IRSA_TOKEN_PATH: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

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
        _ => Ok(if v.to_lowercase() == "true" { Tagging::NotSent } else { Tagging::Sent }),
    }
}

/// The default session tags (§1.1), with values known from the EphemeralRunner and workflow.
fn session_tags(b: &RunnerContext<'_>, w: &Workflow, step: &AwsStep) -> Vec<(String, Option<String>)> {
    let status = b.er.map(|e| &e.status);
    let repo = status.and_then(|s| s.job_repository_name.clone());
    let branch =
        status.and_then(|s| s.job_workflow_ref.as_deref()).and_then(|r| r.split_once('@')).map(|(_, r)| sanitize(r));
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
        .map(|c| if c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c) { c } else { '_' })
        .collect();
    out.chars().take(256).collect()
}

/// What a job's simulation starts from: the runner, the flags, the session its steps start in
/// (the runner's base role, when that hop is allowed) and the number of its first hop.
pub(super) struct JobStart<'a> {
    pub inv: &'a Inventory,
    pub runner: &'a RunnerContext<'a>,
    pub opts: &'a CheckOptions,
    pub base: Option<Session>,
    pub first_hop: usize,
}

/// Simulate the job's configure-aws-credentials steps in order, each from the credentials the
/// one before exported (or the runner's own), stopping at the first that fails.
pub(super) fn simulate_job(chain: &mut Chain, start: JobStart<'_>, w: &Workflow, job: &Job) {
    let mut run =
        JobRun { hop_no: start.first_hop, start, w, job, chain, current: None, stopped: false, assuming: None };
    for step in &job.aws_steps {
        run.step(step);
    }
    ecr_login_precedence(&mut run);
    job_requests(&mut run);
}

/// At most this many "not checked" notes, and job requests simulated, per chain.
const MAX_NOTES: usize = 50;
const MAX_REQUESTS: usize = 1000;

/// #17.1: after the last hop, the requests the job's steps make, evaluated from the session they
/// run with (the last exported, else the runner's own), hop numbers going on; what cannot be
/// mapped is said as not checked.
fn job_requests(run: &mut JobRun<'_, '_>) {
    let (requests, mut skipped) = super::requests::job_requests(run.job);
    let mut requests = super::requests::with_sse_kms(requests, &run.start.inv.bucket_keys, &mut skipped);
    // A workflow is data: however many commands it has, the chain stays readable and bounded.
    let unsaid = skipped.len().saturating_sub(MAX_NOTES);
    for (position, why) in skipped.into_iter().take(MAX_NOTES) {
        run.chain.notes.push(format!("step {position}: not checked: {why}"));
    }
    if unsaid > 0 {
        run.chain.notes.push(format!("{unsaid} more commands not checked"));
    }
    if requests.len() > MAX_REQUESTS {
        run.chain.notes.push(format!(
            "the job makes {} requests: the first {MAX_REQUESTS} are simulated, the rest not checked",
            requests.len()
        ));
        requests.truncate(MAX_REQUESTS);
    }
    if requests.is_empty() {
        return;
    }
    let session = if run.stopped { None } else { run.current.clone().or_else(|| run.start.base.clone()) };
    let Some(session) = session else {
        run.chain
            .notes
            .push(format!("what the job does ({} requests) is not simulated: an earlier hop fails", requests.len()));
        return;
    };
    // The requests rest on what the hops before them assumed (an account placeholder).
    let mut assumed: Vec<String> = run.chain.steps.iter().flat_map(|s| s.assumptions.iter().cloned()).collect();
    assumed.dedup();
    let mut last = None;
    run.chain.requests_from = Some(run.chain.steps.len());
    for r in requests {
        if last != Some(r.position) {
            last = Some(r.position);
            run.hop_no += 1;
        }
        let hop = run.hop_no - 1;
        let via = format!("{} job {} {}", run.w.file, run.job.id, r.via);
        // R41: amazon-ecr-login 2.1.0 on Pod Identity asks with the Pod Identity role.
        let pod_identity_login = run.chain.credential_source == CredentialSource::PodIdentity
            && run.job.ecr_logins.iter().any(|(p, v)| *p == r.position && v.trim_start_matches('v') == "2.1.0");
        let asking = match (&run.start.base, pod_identity_login) {
            (Some(base), true) => base.clone(),
            _ => session.clone(),
        };
        let principal = asking.role.session_arn(&asking.session_name);
        // A resource in "the calling account" (`aws lambda … --function-name NAME`) is in the
        // account of the session that calls.
        let resource = in_account(&r.resource, &asking.role.account);
        let mut s = Step::new(hop, &via, r.action, &principal, &resource);
        s.assumptions = assumed.clone();
        // An S3 ARN names no account: without the owner's list-buckets, the same account is taken.
        if let Some(bucket) = crate::iam::arn::s3_bucket(&resource)
            && run.start.inv.bucket_elsewhere(&resource, &asking.role.account).is_none()
        {
            s.assumptions.push(format!(
                "bucket {bucket} is taken to be in account {} (the caller's): its owner is not in the data (`aws s3api list-buckets` of the account that owns it); across accounts the bucket's policy must allow too",
                asking.role.account
            ));
        }
        match super::session::evaluate_job_request(run.start.inv, &asking, r.action, &resource) {
            None => s = s.unknown(format!("the role {} is not in the IAM data", session.role.name)),
            Some(e) => {
                s.apply(&e);
                if matches!(
                    e.decision,
                    crate::iam::eval::Decision::ImplicitDeny | crate::iam::eval::Decision::ExplicitDeny
                ) {
                    let (likely, documented) =
                        crate::iam::messages::access_denied(&principal, r.action, &resource, e.decision, e.decided_by);
                    s.message = Some(likely);
                    s.documented_message = Some(documented);
                    request_fix(&mut s, &asking.role.name, r.action, &resource, &e);
                    // Made only when the data cannot say (a multipart upload): the job fails
                    // only then, so unknown — with what decides it and the fix for that case.
                    if let Some(when) = r.only_if {
                        s.decision = crate::iam::eval::Decision::Unknown;
                        s.notes.push(format!("denied, and needed only if {when}"));
                    }
                } else if let Some(when) = r.only_if {
                    s.notes.push(format!("needed only if {when}"));
                }
            }
        }
        run.chain.steps.push(s);
    }
}

/// `arn:aws:SERVICE:REGION:{account}:…` in `account`: only the ARN's account field, never a
/// `{account}` in a name or key the job gave.
fn in_account(resource: &str, account: &str) -> String {
    let fields: Vec<&str> = resource.splitn(6, ':').collect();
    match fields.as_slice() {
        [arn, partition, service, region, "{account}", rest] => {
            format!("{arn}:{partition}:{service}:{region}:{account}:{rest}")
        }
        _ => resource.to_string(),
    }
}

/// The smallest fix for a denied job request: allow it in the role's identity policy (runnable),
/// or say which other layer must.
fn request_fix(s: &mut Step, role: &str, action: &str, resource: &str, e: &crate::iam::eval::Evaluation) {
    use crate::iam::eval::Layer;
    if e.decision == crate::iam::eval::Decision::ExplicitDeny {
        super::fixes::explicit_deny_fix(s, e);
        if matches!(e.decided_by, Layer::Scp | Layer::Rcp) {
            s.fixes.push("organization policies are changed in the management account (or by a delegated administrator): ask its owners".into());
        }
        return;
    }
    let stmt = format!(r#"{{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}}"#);
    match e.decided_by {
        Layer::Scp => s.fixes.push(format!(
            "every level of the organization tree above {role}'s account needs an SCP allowing {action} (FullAWSAccess is the default): ask the organization's owners"
        )),
        Layer::Rcp => s.fixes.push(format!(
            "every level of the organization tree above {resource}'s account needs an RCP allowing {action} (RCPFullAWSAccess is the default): ask the organization's owners"
        )),
        Layer::ResourcePolicy => s.fixes.push(format!(
            "{resource} is in another account: its own policy must allow {action} to {role} too: {{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"<{role} ARN>\"}}, \"Action\": \"{action}\"}}"
        )),
        Layer::IdentityPolicy => {
            let doc = format!(r#"{{"Version": "2012-10-17", "Statement": [{stmt}]}}"#);
            let name = format!("allow-{}", action.replace(':', "-"));
            s.fix_with(
                format!("allow it in an identity policy of {role}: {stmt}"),
                "aws-cli",
                format!(
                    "aws iam put-role-policy --role-name {} --policy-name {} --policy-document {}",
                    super::fixes::shell_word(role),
                    super::fixes::shell_word(&name),
                    super::fixes::shell_word(&doc)
                ),
            );
        }
        other => s.fixes.push(format!("the {} must allow {action} on {resource} for {role}", DecidedBy::from(other))),
    }
}

/// R41: amazon-ecr-login 2.1.0 asks EKS Pod Identity for credentials before the environment, so
/// on a Pod Identity runner it logs in as the base role, not as the role configure-aws-credentials
/// exported (its #951/#952; 2.1.1 prefers the environment's keys again, #953).
fn ecr_login_precedence(run: &mut JobRun<'_, '_>) {
    let pod_identity = run.chain.credential_source == CredentialSource::PodIdentity;
    let exported_at = run.job.aws_steps.iter().map(|s| s.position).min();
    let (Some(exported_at), true, Some(target)) = (exported_at, pod_identity, run.current.as_ref()) else { return };
    for (position, reference) in &run.job.ecr_logins {
        let r = reference.trim_start_matches('v');
        if *position > exported_at && r == "2.1.0" {
            let base = run.start.base.as_ref().map_or("the Pod Identity role".to_string(), |b| b.role.name.clone());
            run.chain.notes.push(format!(
                "step {position} (amazon-ecr-login@{reference}) logs in with EKS Pod Identity's credentials ({base}), not {}'s that configure-aws-credentials exported: 2.1.0 asks Pod Identity first (aws-actions/amazon-ecr-login #951, #952); use 2.1.1 or later (#953)",
                target.role.name
            ));
        }
    }
}

/// A job's simulation under way.
struct JobRun<'a, 'c> {
    start: JobStart<'a>,
    w: &'a Workflow,
    job: &'a Job,
    chain: &'c mut Chain,
    /// Credentials exported by an earlier step.
    current: Option<Session>,
    hop_no: usize,
    /// A step failed: the rest are not reached.
    stopped: bool,
    /// What the current step's hop takes for granted (its steps carry it).
    assuming: Option<String>,
}

impl JobRun<'_, '_> {
    /// A step that ends the job: it fails, or its outcome is not knowable.
    fn stop(&mut self, s: Step) {
        self.push(s);
        self.stopped = true;
    }

    /// R40: configure-aws-credentials in a job container with no credentials of its own to start
    /// from: the runner container's IRSA env and token file are not there.
    fn container_without_credentials(&mut self, via: &str, image: &str, role: &str) {
        let base = self.start.base.as_ref().map(|s| s.role.name.clone());
        let mut s = Step::new(self.hop_no, via, "sts:AssumeRole", "<credentials inside the job container>", role).unknown(format!(
            "the job runs in container {image}: the runner passes it the workflow's env and its GITHUB_*/RUNNER_* variables, not the runner container's AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE or token file, so the SDK falls back to the node's instance role (IMDS), if the container can reach it{}",
            base.map(|b| format!(" — not {b}")).unwrap_or_default()
        ));
        s.fixes.push(
            "run the AWS steps in a job without container: (configure-aws-credentials on the runner exports AWS_* for the later steps), or use kubernetes mode with a hook template naming the service account".into(),
        );
        self.stop(s);
    }

    /// A step of the current hop, with what the hop assumes.
    fn push(&mut self, mut s: Step) {
        s.assumptions.extend(self.assuming.clone());
        self.chain.steps.push(s);
    }

    fn step(&mut self, step: &AwsStep) {
        self.assuming = None;
        let version = step.uses.split_once('@').map(|(_, r)| r).unwrap_or("?");
        let via = if step.position == 0 {
            step.name.clone().unwrap_or_else(|| self.w.file.clone())
        } else {
            format!("{} job {} step {} (configure-aws-credentials@{version})", self.w.file, self.job.id, step.position)
        };
        if self.stopped {
            self.chain.notes.push(format!("{via}: not reached, an earlier step fails"));
            return;
        }
        let opts = self.start.opts;
        let Some(role_input) = opts.role_to_assume.clone().or_else(|| step.input("role-to-assume").map(str::to_string))
        else {
            self.chain.notes.push(format!("{via}: no role-to-assume; the step only exports the credentials it has"));
            return;
        };
        let keys = step.input("aws-access-key-id").is_some();
        let token_file = step.input("web-identity-token-file");
        let chaining = step.input("role-chaining").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let force_skip = step.input("force-skip-oidc").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let oidc = self.job.id_token_write && !keys && token_file.is_none() && !chaining && !force_skip;
        // R40: in a job container (dind or no container mode) the steps do not see the runner
        // container's AWS environment or token; only what an earlier step exported.
        let container = self.job.container.as_deref().filter(|_| !self.start.runner.spec.kubernetes_mode());
        let caller = match container {
            Some(_) => self.current.clone(),
            None => self.current.clone().or_else(|| self.start.base.clone()),
        };
        if let (Some(image), None, false, false) = (container, &caller, keys, oidc)
            && token_file.is_none()
        {
            return self.container_without_credentials(&via, image, &role_input);
        }
        let source_account = caller.as_ref().map(|s| s.role.account.clone());

        let (target, role_note) = match resolve_role(&role_input, source_account.as_deref(), oidc) {
            Ok(t) => t,
            Err(RoleInput::Unknown(why)) => {
                return self.stop(Step::new(self.hop_no, &via, "sts:AssumeRole", "-", &role_input).unknown(why));
            }
            Err(RoleInput::Invalid(msg)) => {
                let mut s = Step::new(self.hop_no, &via, "sts:AssumeRole", "-", &role_input)
                    .error(DecidedBy::RoleMissing, msg.clone());
                s.log_line = Some(format!("Could not assume role with user credentials: {msg}"));
                s.fixes.push("pass the role's full ARN in role-to-assume (arn:aws:iam::<account>:role/<name>)".into());
                return self.stop(s);
            }
        };
        // An account placeholder taken to be the base account is an assumption, not a fact.
        self.assuming = role_note.as_ref().filter(|n| n.contains(ASSUMED)).cloned();
        let step_notes: Vec<String> = role_note.into_iter().filter(|n| !n.contains(ASSUMED)).collect();
        if keys {
            return self.stop(
                Step::new(self.hop_no, &via, "sts:AssumeRole", "<IAM user of aws-access-key-id>", &target.arn())
                    .unknown("the step uses access keys from secrets: their IAM user is not knowable offline"),
            );
        }
        // R42: keys in the env come first in the SDK's chain, before the pod's web identity.
        if step.env_access_key && self.current.is_none() {
            let mut s = Step::new(self.hop_no, &via, "sts:AssumeRole", "<IAM user of AWS_ACCESS_KEY_ID>", &target.arn())
                .unknown("AWS_ACCESS_KEY_ID is set in the workflow's env: the AWS SDK's credential chain takes environment keys before the pod's web identity (IRSA) or Pod Identity, so this AssumeRole is made by the keys' IAM user, whose policies are not knowable offline");
            s.fixes.push("drop AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from the env: to use the runner's IRSA or Pod Identity role".into());
            return self.stop(s);
        }
        if oidc || token_file.is_some() {
            return self.web_identity(step, &via, target, oidc, token_file, step_notes);
        }
        // Ambient credentials (IRSA / Pod Identity / earlier step) → AssumeRole with tags.
        match caller {
            Some(caller) => self.assume(step, &via, target, caller, step_notes),
            None => {
                self.chain
                    .notes
                    .push(format!("{via}: not simulated, the runner's own credentials are denied or unknown"));
                self.stopped = true;
            }
        }
    }

    /// AssumeRoleWithWebIdentity: GitHub's OIDC token, or the IRSA token file. No session tags on
    /// these paths (configure-aws-credentials.md §1.3).
    fn web_identity(
        &mut self,
        step: &AwsStep,
        via: &str,
        target: RoleArn,
        oidc: bool,
        token_file: Option<&str>,
        mut step_notes: Vec<String>,
    ) {
        let (inv, b) = (self.start.inv, self.start.runner);
        let (issuer, subject, audience, prefix) = if oidc {
            step_notes.push("the job has `permissions: id-token: write` and no `role-chaining: true`: the action uses GitHub OIDC and ignores the runner's IRSA credentials (role-chaining in the configure-aws-credentials README)".into());
            (
                GITHUB_ISSUER.to_string(),
                None,
                step.input("audience").unwrap_or("sts.amazonaws.com").to_string(),
                "Could not assume role with OIDC: ",
            )
        } else if token_file == Some(IRSA_TOKEN_PATH) && inv.cluster_issuer.is_some() {
            let aud = b.spec.irsa_token_audience().unwrap_or("sts.amazonaws.com").to_string();
            (
                inv.cluster_issuer.clone().unwrap_or_default(),
                Some(format!("system:serviceaccount:{}:{}", b.ns, b.spec.service_account())),
                aud,
                "Could not assume role with web identity token file: ",
            )
        } else {
            return self.stop(
                Step::new(self.hop_no, via, "sts:AssumeRoleWithWebIdentity", "-", &target.arn())
                    .unknown("web-identity-token-file names a token arcscope cannot see"),
            );
        };
        let mut s = hop::web_identity(
            inv,
            &WebIdentityParams {
                hop: self.hop_no,
                via,
                role: &target,
                issuer: &issuer,
                subject: subject.as_deref(),
                audience: &audience,
                log_prefix: prefix,
            },
        );
        if oidc && s.is_denied() {
            s.fix_first(format!("to chain from the runner's IRSA role instead, add `role-chaining: true` to {via} (or drop `id-token: write`)"));
        }
        s.notes.extend(step_notes);
        let ok = !s.is_denied() && s.decision != Decision::Unknown;
        self.push(s);
        if ok {
            self.current = Some(Session {
                role: target,
                session_name: step.input("role-session-name").unwrap_or("GitHubActions").to_string(),
                session_policies: Vec::new(),
                transitive_tags: Vec::new(),
            });
        } else {
            self.stopped = true;
        }
        self.hop_no += 1;
    }

    /// `sts:AssumeRole` (and `sts:TagSession`) from the session the step runs in.
    fn assume(&mut self, step: &AwsStep, via: &str, target: RoleArn, mut caller: Session, mut step_notes: Vec<String>) {
        let opts = self.start.opts;
        if self.current.is_none() && caller.session_name.is_empty() {
            // IRSA session names as the action's JS SDK makes them (configure-aws-credentials.md §3.3).
            caller.session_name = if step.major.is_some_and(|m| m <= 2) {
                "token-file-web-identity".into()
            } else {
                "aws-sdk-js-session-<ms>".into()
            };
        }
        let principal = caller.role.session_arn(&caller.session_name);
        if let Some(name) = step.input("role-session-name").filter(|n| !has_expression(n))
            && let Some(msg) = invalid_session_name(name, step.major)
        {
            let mut s = Step::new(self.hop_no, via, "sts:AssumeRole", &principal, &target.arn())
                .error(DecidedBy::Unknown, msg.clone());
            s.log_line = Some(format!("Could not assume role with user credentials: {msg}"));
            s.fixes.push(format!(
                "use a role-session-name of 2 to 64 characters from [A-Za-z0-9_+=,.@-] (now {name:?}); the action does not sanitise it (RoleSessionName in the STS AssumeRole API reference)"
            ));
            return self.stop(s);
        }
        let tag_mode = match tagging(step, opts) {
            Ok(t) => t,
            Err(msg) => {
                let mut s = Step::new(self.hop_no, via, "sts:AssumeRole", &principal, &target.arn())
                    .error(DecidedBy::Unknown, msg);
                s.fix_with(
                    "write role-skip-session-tagging: true (a YAML 1.2 boolean)".into(),
                    "workflow",
                    "role-skip-session-tagging: true".into(),
                );
                return self.stop(s);
            }
        };
        let (duration, duration_source) = duration(step, opts, &mut step_notes);
        let tags = session_tags(self.start.runner, self.w, step);
        let transitive: Vec<String> = step
            .input("transitive-tag-keys")
            .map(|v| v.split([',', '\n']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
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
            hop: self.hop_no,
            via,
            target: &target,
            tagging: tag_mode,
            tags: &tags,
            duration,
            duration_source: &duration_source,
            log_prefix: "Could not assume role with user credentials: ",
            external_id: step.input("role-external-id"),
            session_name: if has_expression(session_name) { None } else { Some(session_name) },
            transitive_tag_keys: &transitive,
            skip_input_hint: skip_hint,
        };
        let mut steps = hop::assume_role(self.start.inv, &caller, &params);
        if let Some(first) = steps.first_mut() {
            first.notes.extend(step_notes);
        }
        let ok = steps.iter().all(|s| s.decision == Decision::Allow);
        let denied = steps.iter().any(Step::is_denied);
        for s in steps {
            self.push(s);
        }
        self.hop_no += 1;
        if !ok {
            self.stopped = true;
            if !denied {
                self.current = None;
            }
            return;
        }
        let mut policies = Vec::new();
        if let Some(inline) = step.input("inline-session-policy").filter(|p| !has_expression(p)) {
            match PolicyDocument::from_text(inline) {
                Ok(d) => policies.push((format!("{via} inline-session-policy"), d)),
                Err(e) => self.chain.notes.push(format!("{via}: inline-session-policy does not parse: {e}")),
            }
        }
        self.current = Some(Session {
            role: target,
            session_name: if has_expression(session_name) { "<session>".into() } else { session_name.to_string() },
            session_policies: policies,
            transitive_tags: caller.transitive_tags.clone(),
        });
    }
}

/// The session's duration and where it comes from: the flag, the step's input, or the action's
/// default for its version.
fn duration(step: &AwsStep, opts: &CheckOptions, notes: &mut Vec<String>) -> (u32, String) {
    match (opts.duration_seconds, step.input("role-duration-seconds")) {
        (Some(d), _) => (d, "--duration-seconds".to_string()),
        (None, Some(v)) if !has_expression(v) => match v.trim().parse::<u32>() {
            Ok(d) => (d, "role-duration-seconds".into()),
            Err(_) => (3600, "default (role-duration-seconds unparsable)".into()),
        },
        (None, Some(_)) => {
            notes.push("role-duration-seconds is an expression: duration limits not checked".into());
            (3600, "expression".into())
        }
        (None, None) if step.major.is_some_and(|m| m <= 2) && step.input("aws-session-token").is_none() => {
            (21600, "the v1/v2 default of 6 hours".into())
        }
        (None, None) => (3600, "default".into()),
    }
}

/// A literal `role-session-name` STS (or the action, v6.2.0+) rejects (configure-aws-credentials.md §6).
fn invalid_session_name(name: &str, major: Option<u32>) -> Option<String> {
    let len = name.chars().count();
    let valid_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    let v6 = major.is_some_and(|m| m >= 6);
    let sts = |constraint: &str| {
        format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: {constraint}"
        )
    };
    if !(2..=64).contains(&len) {
        return Some(if v6 {
            format!("Role session name must be between 2 and 64 characters, got {len}: '{name}'")
        } else if len > 64 {
            sts("Member must have length less than or equal to 64")
        } else {
            sts("Member must have length greater than or equal to 2")
        });
    }
    if !valid_chars {
        return Some(if v6 {
            format!("Role session name is not valid: '{name}'. Must satisfy regular expression pattern: [\\w+=,.@-]*")
        } else {
            sts("Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        });
    }
    None
}

enum RoleInput {
    Unknown(String),
    Invalid(String),
}

/// The words that mark a role note as an assumption.
const ASSUMED: &str = "is assumed to be";

/// Resolve `role-to-assume` to an ARN (role-chaining in the configure-aws-credentials README).
fn resolve_role(input: &str, source_account: Option<&str>, oidc: bool) -> Result<(RoleArn, Option<String>), RoleInput> {
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
                        "role-to-assume {input:?}: the account placeholder {account_expr} {ASSUMED} the base role's account {account}; pass --role-to-assume to override"
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
            RoleArn::parse(&arn)
                .map(|r| {
                    (r, Some(format!("role-to-assume is a bare name: the action builds {arn} from the source account")))
                })
                .ok_or_else(|| RoleInput::Invalid("ValidationError: Request ARN is invalid".into()))
        }
        _ => Err(RoleInput::Invalid(
            "Source Account ID is needed if the Role Name is provided and not the Role Arn.".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_arns_account_field_is_the_calling_account() {
        let got = super::in_account("arn:aws:lambda:eu-west-1:{account}:function:f", "111122223333");
        assert_eq!(got, "arn:aws:lambda:eu-west-1:111122223333:function:f");
        // S3 ARNs have no account field: a `{account}` in a key is the key's.
        assert_eq!(super::in_account("arn:aws:s3:::b/{account}/x", "1"), "arn:aws:s3:::b/{account}/x");
    }
}
