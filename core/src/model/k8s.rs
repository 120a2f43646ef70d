//! The Kubernetes objects arcscope reads, typed down to the fields it shows or reasons about.
//!
//! Field names are those of `kubectl get -o json` (camelCase). Everything is optional with
//! defaults: objects from ARC 0.9 to 0.14 and HEAD differ (arc.md §2.7), and a missing field is
//! information, not an error.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    pub name: String,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub owner_references: Vec<OwnerReference>,
    pub creation_timestamp: Option<String>,
    pub deletion_timestamp: Option<String>,
}

impl ObjectMeta {
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }
    pub fn key(&self) -> String {
        format!("{}/{}", self.ns(), self.name)
    }
    pub fn controller_owner(&self) -> Option<&OwnerReference> {
        self.owner_references.iter().find(|o| o.controller == Some(true)).or(self.owner_references.first())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerReference {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub controller: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    pub service_account_name: Option<String>,
    /// Deprecated alias of `serviceAccountName`, still written by old tools.
    pub service_account: Option<String>,
    pub node_name: Option<String>,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub volumes: Vec<Volume>,
    pub node_selector: BTreeMap<String, String>,
}

impl PodSpec {
    /// The service account a pod of this spec runs as (`default` when unset).
    pub fn service_account(&self) -> &str {
        self.service_account_name
            .as_deref()
            .or(self.service_account.as_deref())
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }

    /// The container that runs the job: ARC's `runner` (EphemeralRunnerContainerName), else the first.
    pub fn runner_container(&self) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == "runner").or(self.containers.first())
    }

    /// Kubernetes mode: ARC's chart sets the hooks' env on the runner container, and the job's
    /// steps run in the pods the hooks create (R38).
    pub fn kubernetes_mode(&self) -> bool {
        self.runner_container().is_some_and(|c| c.env_var(HOOKS_ENV).is_some())
    }

    /// The hook template's path (`ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE`), in kubernetes mode.
    pub fn hook_template(&self) -> Option<&str> {
        self.runner_container().filter(|_| self.kubernetes_mode()).and_then(|c| c.env_value(TEMPLATE_ENV))
    }

    /// The audience of the projected IRSA token volume, when the webhook added one.
    pub fn irsa_token_audience(&self) -> Option<&str> {
        self.volumes
            .iter()
            .filter(|v| v.name == "aws-iam-token")
            .filter_map(|v| v.projected.as_ref())
            .flat_map(|p| p.sources.iter())
            .filter_map(|s| s.service_account_token.as_ref())
            .find_map(|t| t.audience.as_deref())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub env: Vec<EnvVar>,
}

impl Container {
    pub fn env_var(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().find(|e| e.name == name)
    }
    /// A literal env value (`value:`); `valueFrom` references are not resolved.
    pub fn env_value(&self, name: &str) -> Option<&str> {
        self.env_var(name).and_then(|e| e.value.as_deref())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
    pub value_from: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Volume {
    pub name: String,
    pub projected: Option<ProjectedVolume>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectedVolume {
    pub sources: Vec<ProjectionSource>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectionSource {
    pub service_account_token: Option<ServiceAccountTokenProjection>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccountTokenProjection {
    pub audience: Option<String>,
    pub expiration_seconds: Option<i64>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodStatus {
    pub phase: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub start_time: Option<String>,
    pub container_statuses: Vec<ContainerStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStatus {
    pub name: String,
    pub ready: bool,
    pub restart_count: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

/// Label ARC puts only on runner pods (note the capital T; arc.md §2.1).
pub const RUNNER_POD_LABEL: &str = "actions-ephemeral-runner";

impl Pod {
    /// Its containers' names, the init containers' after (a native sidecar, `dind` in ARC's
    /// dind mode, is one).
    pub fn container_names(&self) -> impl Iterator<Item = &str> {
        self.spec.containers.iter().chain(self.spec.init_containers.iter()).map(|c| c.name.as_str())
    }

    /// Runner pod recognition (arc.md §2.6): the label, or an EphemeralRunner controller owner.
    pub fn is_runner(&self) -> bool {
        self.metadata.labels.get(RUNNER_POD_LABEL).is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || self.metadata.owner_references.iter().any(|o| o.kind == "EphemeralRunner")
    }
    /// A kubernetes-mode job pod: runner-container-hooks label it with the runner pod's name
    /// (`runner-pod`), and its job's steps run in it (R38).
    pub fn job_pod_of(&self) -> Option<&str> {
        self.metadata.labels.get(JOB_POD_LABEL).map(String::as_str)
    }
    pub fn owner_ephemeral_runner(&self) -> Option<&str> {
        self.metadata.owner_references.iter().find(|o| o.kind == "EphemeralRunner").map(|o| o.name.as_str())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceAccount {
    pub metadata: ObjectMeta,
}

/// The env var ARC's chart sets on the runner container in kubernetes mode.
pub const HOOKS_ENV: &str = "ACTIONS_RUNNER_CONTAINER_HOOKS";
/// The env var naming the hook template file.
pub const TEMPLATE_ENV: &str = "ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE";

/// The label runner-container-hooks put on the pods they create: the runner pod's name.
pub const JOB_POD_LABEL: &str = "runner-pod";

pub const IRSA_ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
pub const IRSA_AUDIENCE_ANNOTATION: &str = "eks.amazonaws.com/audience";

impl ServiceAccount {
    pub fn irsa_role(&self) -> Option<&str> {
        self.metadata.annotations.get(IRSA_ROLE_ANNOTATION).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
    pub fn irsa_audience(&self) -> &str {
        self.metadata.annotations.get(IRSA_AUDIENCE_ANNOTATION).map(String::as_str).unwrap_or("sts.amazonaws.com")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodTemplate {
    pub metadata: Option<ObjectMeta>,
    pub spec: PodSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutoscalingRunnerSetSpec {
    pub github_config_url: Option<String>,
    pub runner_scale_set_name: Option<String>,
    pub min_runners: Option<i64>,
    pub max_runners: Option<i64>,
    pub template: PodTemplate,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AutoscalingRunnerSet {
    pub metadata: ObjectMeta,
    pub spec: AutoscalingRunnerSetSpec,
    pub status: serde_json::Value,
}

impl AutoscalingRunnerSet {
    /// The name `runs-on` uses: `runnerScaleSetName`, else the object name (arc.md §2.2).
    pub fn scale_set_name(&self) -> &str {
        self.spec.runner_scale_set_name.as_deref().filter(|s| !s.is_empty()).unwrap_or(&self.metadata.name)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EphemeralRunnerSet {
    pub metadata: ObjectMeta,
    pub status: serde_json::Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EphemeralRunnerSpec {
    /// The inlined PodTemplateSpec (arc.md §1.3): `spec.spec` is the pod spec.
    pub spec: PodSpec,
    pub metadata: Option<ObjectMeta>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EphemeralRunnerStatus {
    pub phase: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub ready: Option<bool>,
    pub runner_id: Option<i64>,
    pub runner_name: Option<String>,
    pub job_repository_name: Option<String>,
    pub job_workflow_ref: Option<String>,
    pub workflow_run_id: Option<i64>,
    pub job_display_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EphemeralRunner {
    pub metadata: ObjectMeta,
    pub spec: EphemeralRunnerSpec,
    pub status: EphemeralRunnerStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutoscalingListenerSpec {
    pub autoscaling_runner_set_namespace: Option<String>,
    pub autoscaling_runner_set_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AutoscalingListener {
    pub metadata: ObjectMeta,
    pub spec: AutoscalingListenerSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InvolvedObject {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Event {
    pub metadata: ObjectMeta,
    pub involved_object: InvolvedObject,
    pub reason: Option<String>,
    pub message: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub count: Option<i64>,
    /// When it last happened (core/v1 events), or `eventTime` (events.k8s.io, MicroTime).
    pub last_timestamp: Option<String>,
    pub event_time: Option<String>,
}

/// Scale-set labels on every ARC object (arc.md §2.1).
pub const SCALE_SET_NAME_LABEL: &str = "actions.github.com/scale-set-name";
pub const SCALE_SET_NAMESPACE_LABEL: &str = "actions.github.com/scale-set-namespace";
