//! GitHub workflow files, reduced to what decides the identity chain: which scale set a job runs
//! on (`runs-on`), whether it can mint a GitHub OIDC token (`id-token: write`), and its
//! `aws-actions/configure-aws-credentials` steps with their inputs.

use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Workflow {
    pub file: String,
    pub name: Option<String>,
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub name: Option<String>,
    /// `runs-on` labels as written (expressions kept verbatim).
    pub runs_on: Vec<String>,
    /// `permissions` grant `id-token: write` (job level, else workflow level).
    pub id_token_write: bool,
    pub aws_steps: Vec<AwsStep>,
    /// Every step, as written (what the job does, for its requests: #17).
    pub steps: Vec<StepText>,
    /// `aws-actions/amazon-ecr-login` steps: `(1-based position, ref after @)`.
    pub ecr_logins: Vec<(usize, String)>,
    /// `container:` — the job container's image: the steps run in it, not in the runner
    /// container (R40).
    pub container: Option<String>,
}

/// One step of a job as written: `uses` or `run`, its `with` inputs and `env` (job env merged
/// under the step's).
#[derive(Debug, Clone, Default)]
pub struct StepText {
    /// 1-based position among the job's steps.
    pub position: usize,
    pub name: Option<String>,
    pub uses: Option<String>,
    pub run: Option<String>,
    pub with: BTreeMap<String, String>,
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct AwsStep {
    /// 1-based position among the job's steps.
    pub position: usize,
    pub name: Option<String>,
    pub uses: String,
    /// The action's major version when the ref says it (`@v4`, `@v4.1.0`), or a known SHA.
    pub major: Option<u32>,
    pub inputs: BTreeMap<String, String>,
    /// `AWS_ACCESS_KEY_ID` is set in the workflow's, the job's or the step's `env:`: the SDK's
    /// chain takes those keys before the pod's web identity (R42).
    pub env_access_key: bool,
}

impl AwsStep {
    pub fn input(&self, name: &str) -> Option<&str> {
        self.inputs.get(name).map(String::as_str)
    }
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("step {} \"{n}\"", self.position),
            None => format!("step {} ({})", self.position, self.uses),
        }
    }
}

pub const ACTION: &str = "aws-actions/configure-aws-credentials";

/// Is this YAML document a workflow (a mapping with a `jobs:` map)?
pub fn is_workflow(v: &Value) -> bool {
    v.get("jobs").is_some_and(Value::is_object) && v.get("apiVersion").is_none()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn id_token_write(perms: &Value) -> bool {
    match perms {
        Value::String(s) => s == "write-all",
        Value::Object(m) => m.get("id-token").and_then(Value::as_str) == Some("write"),
        _ => false,
    }
}

/// Major version from the ref after `@` (configure-aws-credentials.md §0 for pinned SHAs).
pub fn major_version(reference: &str) -> Option<u32> {
    const SHAS: &[(&str, u32)] = &[
        ("67fbcbb", 1),
        ("5fd3084", 2),
        ("7474bc4", 4),
        ("8c3f20d", 4),
        ("61815dc", 5),
        ("a03048d", 5),
        ("e6de054", 6),
        ("e7f100c", 6),
    ];
    let r = reference.trim();
    if let Some(v) = r.strip_prefix('v') {
        return v.split('.').next()?.parse().ok();
    }
    if r == "main" || r == "master" {
        return Some(6);
    }
    SHAS.iter().find(|(sha, _)| r.len() >= 7 && r.starts_with(sha)).map(|(_, m)| *m)
}

/// Does an `env:` map set `AWS_ACCESS_KEY_ID`?
fn sets_access_key(env: Option<&Value>) -> bool {
    env.and_then(Value::as_object).is_some_and(|m| m.contains_key("AWS_ACCESS_KEY_ID"))
}

pub fn parse(file: &str, v: &Value) -> Workflow {
    let workflow_perms = v.get("permissions");
    let workflow_keys = sets_access_key(v.get("env"));
    let mut jobs = Vec::new();
    if let Some(map) = v.get("jobs").and_then(Value::as_object) {
        for (id, job) in map {
            let runs_on = match job.get("runs-on") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
                Some(Value::Object(m)) => m
                    .get("labels")
                    .map(|l| match l {
                        Value::Array(items) => items.iter().filter_map(scalar).collect(),
                        other => scalar(other).into_iter().collect(),
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let perms = job.get("permissions").or(workflow_perms);
            let mut aws_steps = Vec::new();
            let mut ecr_logins = Vec::new();
            let mut steps = Vec::new();
            let map = |v: Option<&Value>| -> BTreeMap<String, String> {
                v.and_then(Value::as_object)
                    .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), scalar(v)?))).collect())
                    .unwrap_or_default()
            };
            let job_env = map(job.get("env"));
            for (i, step) in job.get("steps").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let mut env = job_env.clone();
                env.extend(map(step.get("env")));
                steps.push(StepText {
                    position: i + 1,
                    name: step.get("name").and_then(Value::as_str).map(str::to_string),
                    uses: step.get("uses").and_then(Value::as_str).map(str::to_string),
                    run: step.get("run").and_then(Value::as_str).map(str::to_string),
                    with: map(step.get("with")),
                    env,
                });
                let Some(uses) = step.get("uses").and_then(Value::as_str) else {
                    continue;
                };
                let (action, reference) = uses.split_once('@').unwrap_or((uses, ""));
                if action.eq_ignore_ascii_case("aws-actions/amazon-ecr-login") {
                    ecr_logins.push((i + 1, reference.to_string()));
                }
                if !action.eq_ignore_ascii_case(ACTION) {
                    continue;
                }
                let inputs = step
                    .get("with")
                    .and_then(Value::as_object)
                    .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), scalar(v)?))).collect())
                    .unwrap_or_default();
                let env_access_key =
                    workflow_keys || sets_access_key(job.get("env")) || sets_access_key(step.get("env"));
                aws_steps.push(AwsStep {
                    env_access_key,
                    position: i + 1,
                    name: step.get("name").and_then(Value::as_str).map(str::to_string),
                    uses: uses.to_string(),
                    major: major_version(reference),
                    inputs,
                });
            }
            let container = match job.get("container") {
                Some(Value::String(image)) => Some(image.clone()),
                Some(Value::Object(m)) => m.get("image").and_then(scalar),
                _ => None,
            };
            jobs.push(Job {
                steps,
                ecr_logins,
                container,
                id: id.clone(),
                name: job.get("name").and_then(Value::as_str).map(str::to_string),
                runs_on,
                id_token_write: perms.is_some_and(id_token_write),
                aws_steps,
            });
        }
    }
    Workflow { file: file.to_string(), name: v.get("name").and_then(Value::as_str).map(str::to_string), jobs }
}

/// Is the text a GitHub expression (`${{ … }}`) anywhere? Its value is unknown offline.
pub fn has_expression(s: &str) -> bool {
    s.contains("${{")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions() {
        assert_eq!(major_version("v4"), Some(4));
        assert_eq!(major_version("v6.2.3"), Some(6));
        assert_eq!(major_version("7474bc4690e29a8392af63c5b98e7449536d5c3a"), Some(4));
        assert_eq!(major_version("deadbeef"), None);
    }

    #[test]
    fn jobs_steps_and_permissions() {
        let w = parse(
            "deploy.yml",
            &json!({"on": "push", "permissions": {"id-token": "write"}, "jobs": {
                "push-image": {"runs-on": "arc-runner-set", "steps": [
                    {"uses": "actions/checkout@v4"},
                    {"name": "creds", "uses": "aws-actions/configure-aws-credentials@v4", "with": {"role-to-assume": "arn:aws:iam::1:role/x", "role-skip-session-tagging": true}}
                ]},
                "other": {"runs-on": ["self-hosted", "linux"], "permissions": {"contents": "read"}, "steps": []}
            }}),
        );
        assert_eq!(w.jobs.len(), 2);
        let j = w.jobs.iter().find(|j| j.id == "push-image").unwrap();
        assert!(j.id_token_write);
        assert_eq!(j.aws_steps[0].position, 2);
        assert_eq!(j.aws_steps[0].input("role-skip-session-tagging"), Some("true"));
        assert_eq!(j.aws_steps[0].major, Some(4));
        assert!(!w.jobs.iter().find(|j| j.id == "other").unwrap().id_token_write);
    }
}
