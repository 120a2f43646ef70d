//! R38 — kubernetes mode (`containerMode.type: kubernetes`): the job's steps do not run in the
//! runner container but in a `<runner pod>-workflow` pod the runner-container-hooks create. That
//! pod's spec sets no `serviceAccountName`, so it runs as the namespace's `default` service
//! account, unless the hook template (`ACTIONS_RUNNER_CONTAINER_HOOK_TEMPLATE`, a pod template
//! file, usually a mounted ConfigMap) sets one (runner-container-hooks ADR 0134 "Hook
//! extensions"; `packages/k8s/src/k8s/index.ts`). IRSA or Pod Identity on the runner's own
//! service account therefore does not reach the job (ARC issues #2754, #2992). The chain's base
//! is the identity of the job pod.

use crate::model::Inventory;
use crate::model::k8s::PodSpec;
pub use crate::model::k8s::TEMPLATE_ENV;

use super::subject::RunnerContext;

/// Where the job's steps run.
pub(super) enum JobPod {
    /// In the runner container (dind or no container mode).
    Runner,
    /// In the hooks' job pod, with this spec (its service account decides the identity) and how
    /// the service account was chosen.
    Hook { spec: PodSpec, how: String },
    /// In the hooks' job pod, from a template the data does not hold.
    Unknown(String),
}

/// The pod the job's steps run in (R38).
pub(super) fn job_pod(inv: &Inventory, b: &RunnerContext<'_>) -> JobPod {
    if !b.spec.kubernetes_mode() {
        return JobPod::Runner;
    }
    let spec = |sa: Option<String>| PodSpec { service_account_name: sa, ..PodSpec::default() };
    let Some(path) = b.spec.hook_template() else {
        return JobPod::Hook {
            spec: spec(None),
            how: format!("no {TEMPLATE_ENV}: the hooks set no serviceAccountName, so the namespace's default"),
        };
    };
    match template_service_account(inv, &b.ns, path) {
        Some(Ok(sa)) => {
            let how = match &sa {
                Some(sa) => format!("serviceAccountName {sa} from the hook template {path}"),
                None => format!("the hook template {path} sets no serviceAccountName, so the namespace's default"),
            };
            JobPod::Hook { spec: spec(sa), how }
        }
        Some(Err(e)) => JobPod::Unknown(format!(
            "the hook template {path} does not parse ({e}): the hooks fail to create the job pod"
        )),
        None => JobPod::Unknown(format!(
            "the job pod is made from the hook template {path} ({TEMPLATE_ENV}); its service account is in a ConfigMap the data does not hold (kubectl get configmap -n {} -o yaml)",
            b.ns
        )),
    }
}

/// The hook template's `spec.serviceAccountName`, from a ConfigMap of the namespace holding a file
/// of the template's name. `None`: no such ConfigMap in the data; `Some(Err)`: it does not parse.
fn template_service_account(inv: &Inventory, ns: &str, path: &str) -> Option<Result<Option<String>, String>> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let text =
        inv.objects.iter().filter(|o| o.kind == "ConfigMap" && o.namespace.as_deref() == Some(ns)).find_map(|o| {
            let v: serde_json::Value = serde_json::from_str(&o.raw).ok()?;
            v.get("data")?.get(file)?.as_str().map(str::to_string)
        })?;
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Template {
        spec: TemplateSpec,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    struct TemplateSpec {
        service_account_name: Option<String>,
    }
    Some(
        serde_saphyr::from_str::<Template>(&text)
            .map(|t| t.spec.service_account_name.filter(|s| !s.is_empty()))
            .map_err(|e| e.to_string().lines().next().unwrap_or("invalid YAML").to_string()),
    )
}

/// The job pod's name as the hooks make it: the runner pod's, cut to leave room, `-workflow`.
pub(super) fn job_pod_name(runner_pod: &str) -> String {
    const MAX: usize = 63;
    let keep = MAX - "-workflow".len();
    format!("{}-workflow", runner_pod.chars().take(keep).collect::<String>())
}
