//! The identity chain of a runner: pod → service account → credential source (IRSA, Pod
//! Identity, static keys, node role) → each `configure-aws-credentials` step of its jobs, with
//! every STS request simulated by the evaluator and explained.

pub mod fixes;
mod hop;
mod job;
mod kube_mode;
pub mod link;
pub mod lint;
pub mod reach;
pub mod requests;
pub mod resolve;
mod session;
mod source;
mod subject;

use serde::Serialize;

use crate::iam::eval::{Decision, Evaluation, Layer, StatementRef};

pub use resolve::resolve_all;
pub use subject::CheckOptions;

/// What decided a step: an evaluation layer, or a precondition. Serialised as the `check`
/// contract spells it (`trust_policy`, `service_account_missing`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    /// A service control policy at some level of the caller's organization tree (R3).
    Scp,
    /// A resource control policy of the resource's account (R2).
    Rcp,
    TrustPolicy,
    IdentityPolicy,
    PermissionsBoundary,
    SessionPolicy,
    /// Over the role's MaxSessionDuration, or role chaining past one hour (R18).
    SessionDuration,
    /// `role-to-assume` names a role the account does not have.
    RoleMissing,
    /// The pod names a service account the namespace does not have.
    ServiceAccountMissing,
    /// No IAM OIDC provider for the cluster's issuer (R11).
    OidcProviderMissing,
    /// The token's audience is not one the provider lists (R11).
    AudienceMismatch,
    /// The service account is annotated but the pod has no web identity environment (R10).
    WebIdentityEnvMissing,
    /// Kubernetes mode: the job pod's service account has no AWS identity (R38).
    JobPodIdentity,
    /// The resource's own policy (an ECR repository's, an S3 bucket's) (#17.2).
    ResourcePolicy,
    /// AssumeRole's documented session-tag limits (R39).
    SessionTags,
    /// The pod asks EKS Pod Identity for credentials but the cluster's association list has none
    /// for its service account (#17.4).
    PodIdentityAssociationMissing,
    /// Not knowable from the data.
    Unknown,
}

impl DecidedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Scp => "scp",
            DecidedBy::Rcp => "rcp",
            DecidedBy::TrustPolicy => "trust_policy",
            DecidedBy::IdentityPolicy => "identity_policy",
            DecidedBy::PermissionsBoundary => "permissions_boundary",
            DecidedBy::SessionPolicy => "session_policy",
            DecidedBy::SessionDuration => "session_duration",
            DecidedBy::RoleMissing => "role_missing",
            DecidedBy::ServiceAccountMissing => "service_account_missing",
            DecidedBy::OidcProviderMissing => "oidc_provider_missing",
            DecidedBy::AudienceMismatch => "audience_mismatch",
            DecidedBy::WebIdentityEnvMissing => "web_identity_env_missing",
            DecidedBy::JobPodIdentity => "job_pod_identity",
            DecidedBy::ResourcePolicy => "resource_policy",
            DecidedBy::SessionTags => "session_tags",
            DecidedBy::PodIdentityAssociationMissing => "pod_identity_association_missing",
            DecidedBy::Unknown => "unknown",
        }
    }
}

impl From<Layer> for DecidedBy {
    fn from(l: Layer) -> DecidedBy {
        match l {
            Layer::Scp => DecidedBy::Scp,
            Layer::Rcp => DecidedBy::Rcp,
            Layer::TrustPolicy => DecidedBy::TrustPolicy,
            Layer::IdentityPolicy => DecidedBy::IdentityPolicy,
            Layer::PermissionsBoundary => DecidedBy::PermissionsBoundary,
            Layer::SessionPolicy => DecidedBy::SessionPolicy,
            Layer::ResourcePolicy => DecidedBy::ResourcePolicy,
        }
    }
}

impl std::fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the runner's AWS credentials come from. Serialised as `check` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialSource {
    Irsa,
    PodIdentity,
    StaticKeys,
    /// The node's instance profile (IMDS): no IRSA or Pod Identity on the runner.
    NodeRole,
    /// None the runner could use (the web identity environment missing, no service account).
    None,
}

impl CredentialSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialSource::Irsa => "irsa",
            CredentialSource::PodIdentity => "pod_identity",
            CredentialSource::StaticKeys => "static_keys",
            CredentialSource::NodeRole => "node_role",
            CredentialSource::None => "none",
        }
    }
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    Deny,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementOut {
    pub policy: String,
    pub layer: String,
    pub index: usize,
    pub sid: Option<String>,
    pub effect: String,
}

impl From<&StatementRef> for StatementOut {
    fn from(s: &StatementRef) -> Self {
        StatementOut {
            policy: s.policy.clone(),
            layer: s.layer.as_str().into(),
            index: s.index,
            sid: s.sid.clone(),
            effect: s.effect.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NonMatching {
    pub policy: String,
    pub layer: String,
    pub index: usize,
    pub sid: Option<String>,
    pub reason: String,
}

/// One request the job makes (or a precondition that stops it).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// 1-based hop number: steps of one AssumeRole call share it.
    pub hop: usize,
    /// Where the request comes from: `IRSA`, `Pod Identity`, `deploy.yml job push-image step 2 (configure-aws-credentials@v4)`.
    pub via: String,
    pub action: String,
    pub principal: String,
    pub resource: String,
    pub decision: Decision,
    pub decided_by: DecidedBy,
    pub statements: Vec<StatementOut>,
    pub non_matching: Vec<NonMatching>,
    /// The AWS error as STS is likely to print it.
    pub message: Option<String>,
    /// The documented form of the same error (differs for trust-side denials; iam-rules §5).
    pub documented_message: Option<String>,
    /// The line configure-aws-credentials writes to the job log for this failure.
    pub log_line: Option<String>,
    pub fixes: Vec<String>,
    /// Fixes in a form to run or apply (a command line, a policy document, a workflow line):
    /// what the TUI copies for a fix that has one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runnable: Vec<Runnable>,
    /// What the decision takes for granted that the data does not say (an account placeholder
    /// taken to be the base role's account): an allow resting on one is `✔*`, not proven.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    pub notes: Vec<String>,
    /// The STS request this step stands for, as the job would send it (for the live probe).
    #[serde(skip)]
    pub request: Option<StsRequest>,
}

/// A fix as something to run or paste, beside its prose in `fixes` (#15.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Runnable {
    /// The fix it carries out: an index into `Step::fixes`.
    pub fix: usize,
    /// `aws-cli`, `kubectl`, `workflow`, `cdk`, `terraform`.
    pub kind: &'static str,
    pub text: String,
}

/// What an `sts:AssumeRole` request carries, as configure-aws-credentials would send it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StsRequest {
    /// `None`: an expression, known only at run time.
    pub session_name: Option<String>,
    /// Session tags sent (`None` value: known only at run time); empty when none are sent.
    pub tags: Vec<(String, Option<String>)>,
    pub duration_seconds: u32,
    pub external_id: Option<String>,
}

impl Step {
    pub fn new(hop: usize, via: &str, action: &str, principal: &str, resource: &str) -> Step {
        Step {
            hop,
            via: via.to_string(),
            action: action.to_string(),
            principal: principal.to_string(),
            resource: resource.to_string(),
            decision: Decision::Unknown,
            decided_by: DecidedBy::Unknown,
            statements: Vec::new(),
            non_matching: Vec::new(),
            message: None,
            documented_message: None,
            log_line: None,
            fixes: Vec::new(),
            runnable: Vec::new(),
            assumptions: Vec::new(),
            notes: Vec::new(),
            request: None,
        }
    }

    /// A fix with the command (or line) that carries it out.
    pub fn fix_with(&mut self, prose: String, kind: &'static str, text: String) {
        self.runnable.push(Runnable { fix: self.fixes.len(), kind, text });
        self.fixes.push(prose);
    }

    /// A fix before the others (the one that matters first); the runnable ones keep theirs.
    pub fn fix_first(&mut self, prose: String) {
        self.fixes.insert(0, prose);
        for r in &mut self.runnable {
            r.fix += 1;
        }
    }

    /// What copying fix `n` (0-based) puts on the clipboard: its runnable form, else its prose.
    pub fn copy_text(&self, n: usize) -> Option<&str> {
        let prose = self.fixes.get(n)?;
        Some(self.runnable.iter().find(|r| r.fix == n).map_or(prose.as_str(), |r| r.text.as_str()))
    }

    /// A precondition failure: decision `error`.
    pub fn error(mut self, decided_by: DecidedBy, message: impl Into<String>) -> Step {
        self.decision = Decision::Error;
        self.decided_by = decided_by;
        self.message = Some(message.into());
        self
    }

    pub fn unknown(mut self, why: impl Into<String>) -> Step {
        self.decision = Decision::Unknown;
        self.decided_by = DecidedBy::Unknown;
        self.notes.push(why.into());
        self
    }

    pub fn apply(&mut self, e: &Evaluation) {
        self.decision = e.decision;
        self.decided_by = e.decided_by.into();
        self.statements = e.statements.iter().map(StatementOut::from).collect();
        self.non_matching = e
            .non_matching
            .iter()
            .map(|m| NonMatching {
                policy: m.statement.policy.clone(),
                layer: m.statement.layer.as_str().into(),
                index: m.statement.index,
                sid: m.statement.sid.clone(),
                reason: m.reason.describe(&self.action),
            })
            .collect();
        self.notes.extend(e.notes.iter().cloned());
    }

    pub fn is_denied(&self) -> bool {
        matches!(self.decision, Decision::ImplicitDeny | Decision::ExplicitDeny | Decision::Error)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SubjectKind {
    Pod,
    EphemeralRunner,
    AutoscalingRunnerSet,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    /// `namespace/name` of the pod, EphemeralRunner or scale set.
    pub subject: String,
    pub subject_kind: SubjectKind,
    /// `namespace/name` of the AutoscalingRunnerSet, when known.
    pub scale_set: Option<String>,
    pub service_account: String,
    pub credential_source: CredentialSource,
    /// The job this chain simulates: `deploy.yml#push-image`, or how targets were chosen.
    pub job: Option<String>,
    pub verdict: Verdict,
    pub steps: Vec<Step>,
    /// Where in `steps` what the job does begins (its own requests after the last hop, #17.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_from: Option<usize>,
    pub notes: Vec<String>,
}

impl Chain {
    pub fn compute_verdict(&mut self) {
        self.verdict = if self.steps.iter().any(Step::is_denied) {
            Verdict::Deny
        } else if self.steps.iter().all(|s| s.decision == Decision::Allow) {
            Verdict::Allow
        } else {
            Verdict::Unknown
        };
    }

    /// An allow that rests on an assumption of some step (`✔*`).
    pub fn assumed(&self) -> bool {
        self.verdict == Verdict::Allow && self.steps.iter().any(|s| !s.assumptions.is_empty())
    }

    /// The first step that fails, if any.
    pub fn failing_step(&self) -> Option<&Step> {
        self.steps.iter().find(|s| s.is_denied())
    }
}
