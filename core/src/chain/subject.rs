//! Who a chain is for: the runners to check (a runner pod, an EphemeralRunner without a pod, a
//! scale set with neither) and the context each brings to its chain — namespace, pod spec, owner
//! objects — with the flags of `arcscope check` that shape the simulation.

use crate::model::Inventory;
use crate::model::k8s::{AutoscalingRunnerSet, EphemeralRunner, Pod, PodSpec};
use crate::model::workflow::Workflow;

use super::SubjectKind;

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

pub(super) enum Subject<'a> {
    Pod(&'a Pod),
    EphemeralRunner(&'a EphemeralRunner),
    RunnerSet(&'a AutoscalingRunnerSet),
}

/// Every runner to check — runner pods, EphemeralRunners without a pod, scale sets with neither —
/// or only the one named `want` (`namespace/name`). Linear in the cluster's size either way: a
/// live change re-resolves one subject among 10,000 without building the others.
pub(super) fn subjects<'a>(inv: &'a Inventory, want: Option<&str>) -> Vec<Subject<'a>> {
    use std::collections::HashSet;
    let want = want.map(|w| w.split_once('/').unwrap_or(("", w)));
    let hit = |m: &crate::model::k8s::ObjectMeta| want.is_none_or(|(ns, name)| m.ns() == ns && m.name == name);
    let mut out: Vec<Subject<'_>> =
        inv.pods.iter().filter(|p| hit(&p.metadata) && p.is_runner()).map(Subject::Pod).collect();
    let ers: Vec<&EphemeralRunner> = inv.ephemeral_runners.iter().filter(|e| hit(&e.metadata)).collect();
    let sets: Vec<&AutoscalingRunnerSet> = inv.runner_sets.iter().filter(|a| hit(&a.metadata)).collect();
    if !ers.is_empty() {
        let pods: HashSet<(&str, &str)> =
            inv.pods.iter().map(|p| (p.metadata.ns(), p.metadata.name.as_str())).collect();
        out.extend(
            ers.into_iter()
                .filter(|e| !pods.contains(&(e.metadata.ns(), e.metadata.name.as_str())))
                .map(Subject::EphemeralRunner),
        );
    }
    if !sets.is_empty() {
        // Scale sets that have a runner (pod or EphemeralRunner), in one pass over the runners.
        let mut with_runners: HashSet<*const AutoscalingRunnerSet> = HashSet::new();
        let runner_metas = inv
            .pods
            .iter()
            .filter(|p| p.is_runner())
            .map(|p| &p.metadata)
            .chain(inv.ephemeral_runners.iter().map(|e| &e.metadata));
        for meta in runner_metas {
            if let Some(a) = inv.runner_set_for(meta)
                && a.metadata.ns() == meta.ns()
            {
                with_runners.insert(a as *const _);
            }
        }
        out.extend(sets.into_iter().filter(|a| !with_runners.contains(&(*a as *const _))).map(Subject::RunnerSet));
    }
    out
}

/// What a subject contributes: its namespace, pod spec, and links.
pub(super) struct RunnerContext<'a> {
    pub ns: String,
    pub pod_name: String,
    pub spec: &'a PodSpec,
    pub pod: Option<&'a Pod>,
    pub er: Option<&'a EphemeralRunner>,
    pub ars: Option<&'a AutoscalingRunnerSet>,
    pub kind: SubjectKind,
}

pub(super) fn base_of<'a>(inv: &'a Inventory, s: &Subject<'a>) -> RunnerContext<'a> {
    match s {
        Subject::Pod(p) => {
            let er = p.owner_ephemeral_runner().and_then(|n| inv.ephemeral_runner(p.metadata.ns(), n));
            RunnerContext {
                ns: p.metadata.ns().to_string(),
                pod_name: p.metadata.name.clone(),
                spec: &p.spec,
                pod: Some(p),
                er,
                ars: inv.runner_set_for(&p.metadata),
                kind: SubjectKind::Pod,
            }
        }
        Subject::EphemeralRunner(e) => RunnerContext {
            ns: e.metadata.ns().to_string(),
            pod_name: e.metadata.name.clone(),
            spec: &e.spec.spec,
            pod: None,
            er: Some(e),
            ars: inv.runner_set_for(&e.metadata),
            kind: SubjectKind::EphemeralRunner,
        },
        Subject::RunnerSet(a) => RunnerContext {
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
