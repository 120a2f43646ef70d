//! The setup wizard's core (issue #7): a platform engineer's answers → every piece of a working
//! ARC + IRSA (or EKS Pod Identity) + role-chain configuration, proved with the same evaluator
//! before anything is written. `arcscope wizard --answers FILE --out DIR` and the TUI form
//! (`:wizard`) drive it.
//!
//! - [`Answers`]: what the engineer knows, with safe defaults; [`Answers::validate`] names the key
//!   and the reason for every bad value.
//! - [`generate`] (pure): Helm values, the ServiceAccount, IAM as policy JSON, Terraform, CDK, the
//!   workflow, a README of apply order.
//! - [`verify`] (pure): the generated setup loaded as a bundle, every chain simulated and every
//!   action the targets grant checked (identity ∩ boundary, SCPs).
//! - [`write_files`]: the one write, never over a directory that has files unless asked.

pub mod form;
pub mod generate;
pub mod verify;

use serde::Deserialize;

/// The answers file (`arcscope wizard --answers FILE.toml`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub github: GitHub,
    pub runners: Runners,
    pub aws: Aws,
    #[serde(default)]
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GitHub {
    /// `https://github.com/ORG` or `https://github.com/ORG/REPO` (or a GHES URL).
    pub config_url: String,
    /// An existing Secret in the runner namespace (GitHub App or PAT), never created here.
    pub secret_name: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerMode {
    Dind,
    Kubernetes,
    None,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Identity {
    Irsa,
    PodIdentity,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Runners {
    pub scale_set_name: String,
    pub namespace: String,
    #[serde(default = "default_controller_namespace")]
    pub controller_namespace: String,
    #[serde(default = "default_service_account")]
    pub service_account: String,
    /// `amd64` or `arm64`: the pods' `kubernetes.io/arch` node selector.
    #[serde(default = "default_architecture")]
    pub architecture: String,
    /// `key=value:Effect` (or `key:Effect`) tolerations for the runner pods.
    #[serde(default)]
    pub tolerations: Vec<String>,
    #[serde(default = "default_container_mode")]
    pub container_mode: ContainerMode,
    #[serde(default)]
    pub min_runners: u32,
    #[serde(default = "default_max_runners")]
    pub max_runners: u32,
    /// `karpenter.sh/do-not-disrupt` on runner pods (a consolidating node kills a running job).
    #[serde(default = "yes")]
    pub karpenter_do_not_disrupt: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Aws {
    pub account_id: String,
    pub region: String,
    /// The cluster's OIDC issuer (IRSA): `https://oidc.eks.REGION.amazonaws.com/id/ID`.
    #[serde(default)]
    pub oidc_issuer: Option<String>,
    #[serde(default = "default_identity")]
    pub identity: Identity,
    /// The EKS cluster (Pod Identity associations name it).
    #[serde(default)]
    pub cluster_name: Option<String>,
    #[serde(default = "default_base_role")]
    pub base_role: String,
    /// configure-aws-credentials major version the workflow pins (`v4`, `v5`, `v6`).
    #[serde(default = "default_action_version")]
    pub action_version: String,
    /// A permissions boundary every generated role gets (many organisations require one on each
    /// role): the managed policy's ARN, in this account or AWS managed.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// The boundary's policy JSON, to verify against it when no account is read (`--bundle`,
    /// `--profile`… read it from the account instead).
    #[serde(default)]
    pub permissions_boundary_policy: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    EcrPush,
    EcrPull,
    S3Read,
    S3ReadWrite,
    Custom,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The role name the jobs assume.
    pub role: String,
    pub preset: Preset,
    /// ECR presets: the repository (default: every repository of the account and region).
    #[serde(default)]
    pub repository: Option<String>,
    /// S3 presets: the bucket.
    #[serde(default)]
    pub bucket: Option<String>,
    /// `custom`: the permissions policy JSON.
    #[serde(default)]
    pub policy: Option<String>,
    /// Jobs pass session tags (configure-aws-credentials' default): the trust then allows
    /// `sts:TagSession`; off: the workflow sets `role-skip-session-tagging: true`.
    #[serde(default = "yes")]
    pub session_tags: bool,
    /// `role-session-name` (default: the action's `GitHubActions`); STS rules, 2–64 of
    /// `[\w+=,.@-]`; an expression (`${{ github.run_id }}`) is passed through as written.
    #[serde(default)]
    pub session_name: Option<String>,
}

fn default_controller_namespace() -> String {
    "arc-systems".into()
}
fn default_service_account() -> String {
    "arc-runner".into()
}
fn default_architecture() -> String {
    "amd64".into()
}
fn default_container_mode() -> ContainerMode {
    ContainerMode::Dind
}
fn default_max_runners() -> u32 {
    5
}
fn yes() -> bool {
    true
}
fn default_identity() -> Identity {
    Identity::Irsa
}
fn default_base_role() -> String {
    "arc-runner-base".into()
}
fn default_action_version() -> String {
    "v4".into()
}

/// A bad answer: the key and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct Invalid {
    pub key: String,
    pub reason: String,
}

fn bad(key: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid { key: key.into(), reason: reason.into() }
}

/// A DNS-1123 label (namespaces, Helm release / scale set names).
pub fn dns_label(s: &str, max: usize) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= max
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a DNS-1123 label: 1–{max} lowercase letters, digits and '-', starting and ending with a letter or digit"
        ))
    }
}

/// A DNS-1123 subdomain (service account names).
pub fn dns_subdomain(s: &str) -> Result<(), String> {
    let ok = !s.is_empty() && s.len() <= 253 && s.split('.').all(|part| dns_label(part, 63).is_ok());
    if ok { Ok(()) } else { Err(format!("{s:?} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')")) }
}

/// An IAM role name: 1–64 of letters, digits and `+=,.@_-`.
pub fn role_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok { Ok(()) } else { Err(format!("{s:?} is not an IAM role name: 1–64 letters, digits and + = , . @ _ -")) }
}

impl Answers {
    pub fn from_toml(text: &str) -> Result<Answers, Invalid> {
        let a: Answers = toml::from_str(text).map_err(|e| {
            // toml names the key (and the line) in its message.
            let msg = e.message().to_string();
            let key = e
                .span()
                .map(|sp| {
                    let line = text[..sp.start.min(text.len())].lines().count().max(1);
                    format!("line {line}")
                })
                .unwrap_or_else(|| "answers".into());
            bad(key, msg)
        })?;
        a.validate()?;
        Ok(a)
    }

    /// Every answer checked, the first problem named by its key.
    pub fn validate(&self) -> Result<(), Invalid> {
        self.validate_github()?;
        self.validate_runners()?;
        self.validate_aws()?;
        if self.targets.is_empty() {
            return Err(bad("targets", "at least one [[targets]] role the jobs assume"));
        }
        for (i, t) in self.targets.iter().enumerate() {
            self.validate_target(i, t)?;
        }
        Ok(())
    }

    fn validate_github(&self) -> Result<(), Invalid> {
        let g = &self.github;
        let url_ok = g.config_url.starts_with("https://")
            && g.config_url.trim_end_matches('/').split('/').filter(|p| !p.is_empty()).count() >= 3;
        if !url_ok {
            return Err(bad(
                "github.config_url",
                format!(
                    "{:?}: expected https://github.com/ORG or https://github.com/ORG/REPO (or your GHES URL)",
                    g.config_url
                ),
            ));
        }
        dns_subdomain(&g.secret_name).map_err(|r| bad("github.secret_name", r))?;
        Ok(())
    }

    fn validate_runners(&self) -> Result<(), Invalid> {
        let r = &self.runners;
        // arc.md §4.3: the chart fails scale set names over 45 characters.
        dns_label(&r.scale_set_name, 45).map_err(|e| bad("runners.scale_set_name", e))?;
        dns_label(&r.namespace, 63).map_err(|e| bad("runners.namespace", e))?;
        dns_label(&r.controller_namespace, 63).map_err(|e| bad("runners.controller_namespace", e))?;
        dns_subdomain(&r.service_account).map_err(|e| bad("runners.service_account", e))?;
        if r.service_account == "default" {
            return Err(bad(
                "runners.service_account",
                "\"default\" is every pod's service account: give the runners their own, so only they get the role",
            ));
        }
        if !matches!(r.architecture.as_str(), "amd64" | "arm64") {
            return Err(bad("runners.architecture", format!("{:?}: amd64 or arm64", r.architecture)));
        }
        for (i, t) in r.tolerations.iter().enumerate() {
            let (kv, effect) = t.rsplit_once(':').unwrap_or((t, ""));
            if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") || kv.is_empty() {
                return Err(bad(
                    format!("runners.tolerations[{i}]"),
                    format!("{t:?}: expected key=value:Effect or key:Effect (NoSchedule, PreferNoSchedule, NoExecute)"),
                ));
            }
        }
        if r.min_runners > r.max_runners {
            return Err(bad(
                "runners.min_runners",
                format!("{} is more than max_runners {}", r.min_runners, r.max_runners),
            ));
        }
        Ok(())
    }

    /// The account, region, base role and action version; the boundary; the identity's own
    /// answers (the issuer for IRSA, the cluster for Pod Identity).
    fn validate_aws(&self) -> Result<(), Invalid> {
        let a = &self.aws;
        if a.account_id.len() != 12 || !a.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("aws.account_id", format!("{:?} is not a 12-digit AWS account ID", a.account_id)));
        }
        let region_ok = a.region.split('-').count() >= 3
            && a.region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(bad("aws.region", format!("{:?} is not a region name (like eu-west-1)", a.region)));
        }
        role_name(&a.base_role).map_err(|e| bad("aws.base_role", e))?;
        if !matches!(a.action_version.as_str(), "v4" | "v5" | "v6") {
            return Err(bad(
                "aws.action_version",
                format!("{:?}: v4, v5 or v6 (configure-aws-credentials major version)", a.action_version),
            ));
        }
        if let Some(b) = &a.permissions_boundary {
            let account = b.strip_prefix("arn:aws:iam::").and_then(|r| r.split_once(":policy/"));
            match account {
                Some((acct, name))
                    if (acct == a.account_id || acct == "aws") && !name.is_empty() && !name.ends_with('/') => {}
                Some((acct, _)) if acct.len() == 12 && acct.bytes().all(|c| c.is_ascii_digit()) => {
                    return Err(bad(
                        "aws.permissions_boundary",
                        format!(
                            "{b:?} is a policy of account {acct}: a role's boundary is a managed policy of its own account {} (or an AWS managed one)",
                            a.account_id
                        ),
                    ));
                }
                _ => {
                    return Err(bad(
                        "aws.permissions_boundary",
                        format!("{b:?}: a managed policy ARN, arn:aws:iam::{}:policy/NAME", a.account_id),
                    ));
                }
            }
        }
        if let Some(p) = &a.permissions_boundary_policy {
            if a.permissions_boundary.is_none() {
                return Err(bad(
                    "aws.permissions_boundary_policy",
                    "the boundary's document without its ARN: set aws.permissions_boundary too",
                ));
            }
            crate::iam::policy::PolicyDocument::from_text(p)
                .map_err(|e| bad("aws.permissions_boundary_policy", format!("not a valid IAM policy: {e}")))?;
        }
        match a.identity {
            Identity::Irsa => {
                let issuer = a.oidc_issuer.as_deref().unwrap_or("");
                let ok = issuer.starts_with("https://") && issuer.len() > "https://".len() && !issuer.ends_with('/');
                if !ok {
                    return Err(bad(
                        "aws.oidc_issuer",
                        format!(
                            "{issuer:?}: IRSA needs the cluster's issuer, https://oidc.eks.REGION.amazonaws.com/id/ID (aws eks describe-cluster --query cluster.identity.oidc.issuer)"
                        ),
                    ));
                }
            }
            Identity::PodIdentity => {
                let name = a.cluster_name.as_deref().unwrap_or("");
                if name.is_empty() || name.len() > 100 {
                    return Err(bad(
                        "aws.cluster_name",
                        "Pod Identity associations name the EKS cluster: set its name",
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_target(&self, i: usize, t: &Target) -> Result<(), Invalid> {
        let a = &self.aws;
        let key = |k: &str| format!("targets[{i}].{k}");
        role_name(&t.role).map_err(|e| bad(key("role"), e))?;
        if t.role == a.base_role {
            return Err(bad(key("role"), "the same as aws.base_role: the jobs assume a role of their own"));
        }
        if let Some(n) = t.session_name.as_deref().filter(|n| !n.contains("${{")) {
            // configure-aws-credentials.md §6: STS's pattern, 2–64 characters.
            let ok =
                (2..=64).contains(&n.len()) && n.bytes().all(|c| c.is_ascii_alphanumeric() || b"_+=,.@-".contains(&c));
            if !ok {
                return Err(bad(
                    key("session_name"),
                    format!(
                        "{n:?}: a role session name is 2–64 of letters, digits and _ + = , . @ - (STS rejects others)"
                    ),
                ));
            }
        }
        if self.targets[..i].iter().any(|o| o.role == t.role) {
            return Err(bad(key("role"), format!("{:?} is listed twice", t.role)));
        }
        match t.preset {
            Preset::S3Read | Preset::S3ReadWrite => {
                let b = t.bucket.as_deref().unwrap_or("");
                let ok = (3..=63).contains(&b.len())
                    && b.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
                    && !b.starts_with(['-', '.'])
                    && !b.ends_with(['-', '.']);
                if !ok {
                    return Err(bad(
                        key("bucket"),
                        format!("{b:?}: an S3 bucket name (3–63 lowercase letters, digits, '-' and '.')"),
                    ));
                }
            }
            Preset::EcrPush | Preset::EcrPull => {
                if let Some(r) = &t.repository {
                    let ok = !r.is_empty()
                        && r.len() <= 256
                        && r.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"-_./".contains(&c));
                    if !ok {
                        return Err(bad(
                            key("repository"),
                            format!("{r:?}: an ECR repository name (lowercase letters, digits, - _ . /)"),
                        ));
                    }
                }
            }
            Preset::Custom => {
                let p = t.policy.as_deref().unwrap_or("");
                crate::iam::policy::PolicyDocument::from_text(p)
                    .map_err(|e| bad(key("policy"), format!("not a valid IAM policy: {e}")))?;
            }
        }
        Ok(())
    }

    pub fn issuer_host_path(&self) -> Option<&str> {
        self.aws.oidc_issuer.as_deref().map(crate::iam::arn::issuer_host_path)
    }

    pub fn base_role_arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.aws.account_id, self.aws.base_role)
    }

    pub fn role_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:role/{name}", self.aws.account_id)
    }
}

/// How writing the setup went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// `n` files written into a new or empty directory.
    New(usize),
    /// `n` files written into a directory that had files; `replaced` of them existed before;
    /// `stale`: files in the setup's own folders it no longer writes (a renamed role's policies),
    /// kept, and named so they are not applied by mistake.
    Overwrote { n: usize, replaced: usize, stale: Vec<String> },
}

impl Written {
    /// `wrote 10 files to DIR (10 replaced; kept 2 the setup no longer writes: …)`.
    pub fn describe(&self, dir: &std::path::Path) -> String {
        match self {
            Written::New(n) => format!("wrote {n} files to {}", dir.display()),
            Written::Overwrote { n, replaced, stale } if stale.is_empty() => {
                format!("wrote {n} files to {} ({replaced} replaced)", dir.display())
            }
            Written::Overwrote { n, replaced, stale } => format!(
                "wrote {n} files to {} ({replaced} replaced; kept {} the setup no longer writes: {})",
                dir.display(),
                stale.len(),
                stale.join(", ")
            ),
        }
    }
}

/// Why the files were not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The directory has files and overwriting was not asked for.
    #[error("{dir}: exists and is not empty ({replaced} of the {total} files would be replaced); nothing written")]
    NotEmpty { dir: String, replaced: usize, total: usize },
    #[error("{0}")]
    Io(String),
}

/// Write the files into `dir`. A directory that has files is written into only with `overwrite`
/// (the user was asked): the setup's own files are replaced, anything else there is kept.
pub fn write_files(dir: &std::path::Path, files: &[generate::File], overwrite: bool) -> Result<Written, WriteError> {
    let has_files = dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true);
    let replaced = files.iter().filter(|f| dir.join(&f.path).exists()).count();
    if has_files && !overwrite {
        return Err(WriteError::NotEmpty { dir: dir.display().to_string(), replaced, total: files.len() });
    }
    for f in files {
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| WriteError::Io(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&p, &f.text).map_err(|e| WriteError::Io(format!("{}: {e}", p.display())))?;
    }
    if !has_files {
        return Ok(Written::New(files.len()));
    }
    // In the folders the setup writes (helm/, iam/, …): what is there that it did not write now.
    let mut stale = Vec::new();
    let folders: std::collections::BTreeSet<&str> =
        files.iter().filter_map(|f| f.path.split_once('/')).map(|(d, _)| d).collect();
    for folder in folders {
        for entry in std::fs::read_dir(dir.join(folder)).into_iter().flatten().flatten() {
            let path = format!("{folder}/{}", entry.file_name().to_string_lossy());
            if entry.path().is_file() && !files.iter().any(|f| f.path == path) {
                stale.push(path);
            }
        }
    }
    stale.sort();
    Ok(Written::Overwrote { n: files.len(), replaced, stale })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const MINIMAL: &str = r#"
[github]
config_url = "https://github.com/my-org"
secret_name = "arc-github-app"

[runners]
scale_set_name = "arc-runner-set"
namespace = "arc-runners"

[aws]
account_id = "111122223333"
region = "eu-west-1"
oidc_issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/AB12CD34EF56AB12CD34EF56AB12CD34"

[[targets]]
role = "arc-runner-ecr-push"
preset = "ecr-push"
repository = "my-app"
"#;

    #[test]
    fn the_generated_setup_simulates_to_allow_on_every_hop() {
        let a = Answers::from_toml(MINIMAL).unwrap();
        let files = generate::generate(&a);
        let v = verify::verify(&a, &files, None).unwrap();
        assert!(v.allowed());
        let chains = v.chains;
        for c in &chains {
            let steps: Vec<String> =
                c.steps.iter().map(|s| format!("{} {:?} {}", s.action, s.decision, s.notes.join("; "))).collect();
            assert_eq!(c.verdict, crate::chain::Verdict::Allow, "{}: {steps:#?}", c.subject);
        }
        assert!(
            chains.iter().any(|c| c.steps.iter().any(|s| s.action == "sts:TagSession")),
            "tags are sent and allowed"
        );
    }

    /// An organisation's boundary that allows pulls and the STS calls, not pushes.
    const PULL_ONLY: &str = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Sts", "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"},
        {"Sid": "PullOnly", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage",
            "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"], "Resource": "*"}]}"#;

    const BOUNDARY: &str = "arn:aws:iam::111122223333:policy/OrgBoundary";

    fn with_boundary(policy: Option<&str>) -> Answers {
        let mut text = MINIMAL.replace("[aws]", &format!("[aws]\npermissions_boundary = \"{BOUNDARY}\""));
        if let Some(p) = policy {
            text = text.replace("[aws]", &format!("[aws]\npermissions_boundary_policy = '''{p}'''"));
        }
        Answers::from_toml(&text).unwrap()
    }

    #[test]
    fn a_preset_the_boundary_does_not_allow_is_named_with_the_boundary_statements() {
        // R6: effective permissions = identity ∩ boundary.
        let a = with_boundary(Some(PULL_ONLY));
        let files = generate::generate(&a);
        let v = verify::verify(&a, &files, None).unwrap();
        assert!(v.chains.iter().all(|c| c.verdict == crate::chain::Verdict::Allow), "the STS hops pass the boundary");
        assert!(!v.allowed(), "ecr:PutImage is outside the boundary");
        let problems = v.action_problems();
        assert_eq!(problems.len(), 1, "the four push actions fail alike, in one problem: {problems:#?}");
        let p = &problems[0];
        assert_eq!(
            p.headline,
            format!(
                "✘ arc-runner-ecr-push ecr:CompleteLayerUpload, ecr:InitiateLayerUpload, ecr:PutImage, ecr:UploadLayerPart on arn:aws:ecr:eu-west-1:111122223333:repository/my-app: no permissions boundary {BOUNDARY} allows them"
            )
        );
        // Why, once: each statement of the boundary and what it does not cover.
        assert_eq!(p.why.len(), 2, "{p:#?}");
        assert!(p.why[0].starts_with("statement \"Sts\": Action"), "{p:#?}");
        assert!(p.why[1].starts_with("statement \"PullOnly\": Action"), "{p:#?}");
        assert!(p.why[1].ends_with("does not cover ecr:CompleteLayerUpload"), "{p:#?}");
        assert_eq!(v.failing_actions(), 4, "pulls are inside the boundary");
    }

    #[test]
    fn a_boundary_that_blocks_the_chain_is_caught_on_the_hop() {
        // The base role's boundary lacks sts:TagSession: the tagged AssumeRole fails (R6, R13).
        let no_tags = PULL_ONLY.replace(r#"["sts:AssumeRole", "sts:TagSession"]"#, r#""sts:AssumeRole""#);
        let a = with_boundary(Some(&no_tags));
        let v = verify::verify(&a, &generate::generate(&a), None).unwrap();
        let bad: Vec<_> = v
            .chains
            .iter()
            .flat_map(|c| &c.steps)
            .filter(|s| s.decision != crate::iam::eval::Decision::Allow)
            .map(|s| (s.action.as_str(), s.decided_by))
            .collect();
        assert!(bad.contains(&("sts:TagSession", crate::chain::DecidedBy::PermissionsBoundary)), "{bad:?}");
        assert!(!v.allowed());
    }

    #[test]
    fn a_boundary_whose_document_is_not_in_the_data_is_unknown_never_allowed() {
        let a = with_boundary(None);
        let v = verify::verify(&a, &generate::generate(&a), None).unwrap();
        assert!(!v.allowed());
        let problems = v.action_problems();
        let line = &problems.first().expect("unknown actions listed").headline;
        assert!(line.starts_with("? ") && line.contains("aws.permissions_boundary_policy"), "{line}");
        // From the account read (a bundle): the same verdicts as the answers' own JSON.
        let mut existing = crate::model::Inventory::default();
        let doc = crate::iam::policy::PolicyDocument::from_text(PULL_ONLY).unwrap();
        existing.managed_policies.insert(
            BOUNDARY.into(),
            crate::model::aws::ManagedPolicy { arn: BOUNDARY.into(), name: "OrgBoundary".into(), doc },
        );
        let from_account = verify::verify(&a, &generate::generate(&a), Some(&existing)).unwrap();
        let b = with_boundary(Some(PULL_ONLY));
        let from_answers = verify::verify(&b, &generate::generate(&b), None).unwrap();
        let decisions = |v: &verify::Verification| {
            v.actions.iter().map(|c| (c.action.clone(), c.evaluation.clone())).collect::<Vec<_>>()
        };
        assert_eq!(decisions(&from_account), decisions(&from_answers));
        assert_eq!(from_account.actions.len(), 8, "token + 7 repository actions");
    }

    #[test]
    fn the_boundary_is_attached_in_every_output() {
        let a = with_boundary(Some(PULL_ONLY));
        let files = generate::generate(&a);
        let text = |p: &str| files.iter().find(|f| f.path == p).unwrap().text.clone();
        let tf = text("terraform/main.tf");
        let attr = format!("permissions_boundary = \"{BOUNDARY}\"");
        assert_eq!(tf.matches(&attr).count(), 2, "base and target: {tf}");
        let ts = text("cdk/arc-runner-iam-stack.ts");
        assert_eq!(ts.matches("permissionsBoundary: boundary").count(), 2, "{ts}");
        assert!(text("README.md").contains(&format!("--permissions-boundary {BOUNDARY}")));
    }

    #[test]
    fn a_custom_policy_reaches_every_output_unchanged_deny_and_conditions_included() {
        let policy = r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
            {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secrets/*"}]}"#;
        let text = MINIMAL
            .replace("preset = \"ecr-push\"", &format!("preset = \"custom\"\npolicy = '''{policy}'''"))
            .replace("repository = \"my-app\"\n", "");
        let a = Answers::from_toml(&text).unwrap();
        let files = generate::generate(&a);
        let file = |p: &str| files.iter().find(|f| f.path == p).unwrap().text.clone();
        let json: serde_json::Value = serde_json::from_str(&file("iam/arc-runner-ecr-push-permissions.json")).unwrap();
        assert_eq!(json, serde_json::from_str::<serde_json::Value>(policy).unwrap(), "verbatim");
        let tf = file("terraform/main.tf");
        assert!(tf.contains("policy = file(\"${path.module}/../iam/arc-runner-ecr-push-permissions.json\")"), "{tf}");
        let ts = file("cdk/arc-runner-iam-stack.ts");
        assert!(ts.contains("iam.PolicyDocument.fromJson(") && ts.contains("\"Effect\": \"Deny\""), "{ts}");
        // The check reads the same document: the Allow holds in the region the jobs use.
        let v = verify::verify(&a, &files, None).unwrap();
        assert!(v.allowed(), "{:?}", v.action_problems());
        assert_eq!(v.actions.len(), 1, "the Allow's one action; a Deny grants nothing to check");
    }

    #[test]
    fn the_repair_guide_names_roles_without_the_boundary_and_a_boundary_that_does_not_exist() {
        // What exists: the same setup, made without the boundary.
        let plain = Answers::from_toml(MINIMAL).unwrap();
        let existing = verify::inventory(&plain, &generate::generate(&plain), None).unwrap();
        assert!(existing.iam_loaded("111122223333"));
        let lines = verify::diff(&with_boundary(None), &existing);
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("the permissions boundary {BOUNDARY} does not exist"))),
            "{lines:#?}"
        );
        for role in ["arc-runner-base", "arc-runner-ecr-push"] {
            let want = format!("role {role} has permissions boundary (none), the setup's is {BOUNDARY}");
            assert!(lines.contains(&want), "{lines:#?}");
        }
        assert!(verify::diff(&plain, &existing).is_empty(), "the same setup lacks nothing");
    }

    #[test]
    fn an_scp_of_the_account_read_applies_to_the_generated_roles() {
        // R3: the organisation denies pushes to ECR outside its own registry's region.
        let a = Answers::from_toml(MINIMAL).unwrap();
        let mut existing = crate::model::Inventory::default();
        let doc = crate::iam::policy::PolicyDocument::from_text(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Sid": "NoPushes", "Effect": "Deny", "Action": "ecr:PutImage", "Resource": "*"}]}"#,
        )
        .unwrap();
        let policy = crate::model::org::OrgPolicy {
            id: "p-ecr-readonly".into(),
            name: "p-ecr-readonly".into(),
            kind: crate::model::org::PolicyKind::Scp,
            doc,
        };
        existing.org.policies.insert(policy.id.clone(), policy);
        let v = verify::verify(&a, &generate::generate(&a), Some(&existing)).unwrap();
        assert!(v.chains.iter().all(|c| c.verdict == crate::chain::Verdict::Allow), "the chain is allowed");
        let problems = v.action_problems();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].headline.contains("ecr:PutImage on"), "{problems:#?}");
        assert!(problems[0].headline.contains("explicit deny in the scp p-ecr-readonly"), "{problems:#?}");
        assert_eq!(problems[0].why, ["statement \"NoPushes\" denies it"]);
        assert!(!v.allowed());
    }

    #[test]
    fn the_repository_policy_read_is_checked_against_the_generated_role() {
        // #17.5: the repository's own policy denies pushes from everyone but a deploy role (R1).
        let a = Answers::from_toml(MINIMAL).unwrap();
        let mut existing = crate::model::Inventory::default();
        let doc = crate::iam::policy::PolicyDocument::from_text(
            r#"{"Version": "2012-10-17", "Statement": [{"Sid": "OnlyDeploy", "Effect": "Deny", "Principal": "*",
                "Action": "ecr:PutImage", "Condition": {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/deploy"}}}]}"#,
        )
        .unwrap();
        existing.resource_policies.insert(
            "arn:aws:ecr:eu-west-1:111122223333:repository/my-app".into(),
            ("my-app repository policy".into(), doc),
        );
        let v = verify::verify(&a, &generate::generate(&a), Some(&existing)).unwrap();
        let problems = v.action_problems();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].headline.contains("ecr:PutImage"), "{problems:#?}");
        assert!(
            problems[0].headline.contains("explicit deny in the resource policy my-app repository policy"),
            "{problems:#?}"
        );
        assert!(!v.allowed());
    }

    #[test]
    fn wildcard_actions_of_a_custom_policy_are_said_unchecked_not_passed() {
        let policy = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "s3:GetObject"], "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}"#;
        let text = MINIMAL
            .replace("preset = \"ecr-push\"", &format!("preset = \"custom\"\npolicy = '''{policy}'''"))
            .replace("repository = \"my-app\"\n", "");
        let a = Answers::from_toml(&text).unwrap();
        let v = verify::verify(&a, &generate::generate(&a), None).unwrap();
        assert_eq!(v.actions.len(), 1, "s3:GetObject, the one concrete action");
        assert_eq!(v.unchecked.len(), 2, "{:#?}", v.unchecked);
        assert!(v.unchecked[0].starts_with("arc-runner-ecr-push: s3:* (a wildcard"), "{:#?}", v.unchecked);
        assert!(v.unchecked[1].starts_with("arc-runner-ecr-push: NotAction iam:*"), "{:#?}", v.unchecked);
    }

    #[test]
    fn another_accounts_resource_is_said_to_need_its_own_policy() {
        let policy = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "arn:aws:ecr:eu-west-1:444455556666:repository/base-images"}]}"#;
        let text = MINIMAL
            .replace("preset = \"ecr-push\"", &format!("preset = \"custom\"\npolicy = '''{policy}'''"))
            .replace("repository = \"my-app\"\n", "");
        let a = Answers::from_toml(&text).unwrap();
        let v = verify::verify(&a, &generate::generate(&a), None).unwrap();
        assert!(v.allowed(), "the identity side allows it");
        assert_eq!(
            v.unchecked,
            [
                "arc-runner-ecr-push: arn:aws:ecr:eu-west-1:444455556666:repository/base-images is in account 444455556666: its resource policy must allow the role too (cross-account)"
            ]
        );
    }

    #[test]
    fn defaults_are_the_safe_choices() {
        let a = Answers::from_toml(MINIMAL).unwrap();
        assert_eq!(a.runners.service_account, "arc-runner");
        assert_eq!(a.runners.container_mode, ContainerMode::Dind);
        assert!(a.runners.karpenter_do_not_disrupt);
        assert_eq!(a.aws.identity, Identity::Irsa);
        assert!(a.targets[0].session_tags, "the action's default: the trust must allow TagSession");
    }

    #[test]
    fn every_bad_answer_names_its_key_and_the_reason() {
        let cases = [
            ("namespace = \"arc-runners\"", "namespace = \"Arc_Runners\"", "runners.namespace", "DNS-1123"),
            ("account_id = \"111122223333\"", "account_id = \"1111\"", "aws.account_id", "12-digit"),
            ("role = \"arc-runner-ecr-push\"", "role = \"has space\"", "targets[0].role", "IAM role name"),
            (
                "scale_set_name = \"arc-runner-set\"",
                &format!("scale_set_name = \"{}\"", "a".repeat(46)),
                "runners.scale_set_name",
                "1–45",
            ),
            (
                "oidc_issuer = \"https://oidc.eks.eu-west-1.amazonaws.com/id/AB12CD34EF56AB12CD34EF56AB12CD34\"",
                "oidc_issuer = \"oidc.eks\"",
                "aws.oidc_issuer",
                "issuer",
            ),
            (
                "preset = \"ecr-push\"",
                "preset = \"custom\"\npolicy = '{\"Statement\": 3}'",
                "targets[0].policy",
                "not a valid IAM policy",
            ),
            (
                "region = \"eu-west-1\"",
                "region = \"eu-west-1\"\npermissions_boundary = \"arn:aws:iam::444455556666:policy/B\"",
                "aws.permissions_boundary",
                "own account 111122223333",
            ),
            (
                "region = \"eu-west-1\"",
                "region = \"eu-west-1\"\npermissions_boundary = \"OrgBoundary\"",
                "aws.permissions_boundary",
                "managed policy ARN",
            ),
            (
                "region = \"eu-west-1\"",
                "region = \"eu-west-1\"\npermissions_boundary = \"arn:aws:iam::aws:policy/PowerUserAccess\"\npermissions_boundary_policy = '{\"Statement\": 3}'",
                "aws.permissions_boundary_policy",
                "not a valid IAM policy",
            ),
            (
                "config_url = \"https://github.com/my-org\"",
                "config_url = \"github.com/my-org\"",
                "github.config_url",
                "https://",
            ),
            (
                "repository = \"my-app\"",
                "repository = \"my-app\"\nsession_name = \"dependabot[bot]\"",
                "targets[0].session_name",
                "role session name",
            ),
        ];
        for (from, to, key, reason) in cases {
            let text = MINIMAL.replace(from, to);
            let e = Answers::from_toml(&text).expect_err(key);
            assert_eq!(e.key, key, "{e}");
            assert!(e.reason.contains(reason), "{e}");
        }
        let e = Answers::from_toml(&MINIMAL.replace("[aws]", "[aws]\nflavour = \"x\"")).unwrap_err();
        assert!(e.to_string().contains("unknown field `flavour`"), "{e}");
        assert!(e.key.starts_with("line "), "{e}");
    }
}
