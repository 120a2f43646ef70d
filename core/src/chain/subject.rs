//! Who a chain is for: the runners to check (a runner pod, an EphemeralRunner without a pod, a
//! scale set with neither) and the context each brings to its chain — namespace, pod spec, owner
//! objects — with the flags of `arcscope check` that shape the simulation.

use crate::model::Inventory;
use crate::model::k8s::{AutoscalingRunnerSet, EphemeralRunner, ObjectMeta, Pod, PodSpec, ServiceAccount};
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

/// The by-name lookups every chain makes (its service account, EphemeralRunner, scale set),
/// answered as the inventory's own linear ones would (the first match in store order), but for a
/// whole cluster from maps built once: 2,500 runners among 1,000 service accounts and 2,500
/// EphemeralRunners are not 2,500 scans of each. One subject (a live change) scans instead.
pub(super) struct Lookup<'a> {
    pub inv: &'a Inventory,
    maps: Option<Maps<'a>>,
}

type ById<'a> = std::collections::HashMap<(&'a str, &'a str), usize>;

struct Maps<'a> {
    service_accounts: ById<'a>,
    ephemeral_runners: ById<'a>,
    /// By name and by scale-set name, each to the first set matching either.
    runner_sets: ById<'a>,
}

impl<'a> Lookup<'a> {
    /// `whole`: lookups for every runner follow, worth the maps.
    pub fn new(inv: &'a Inventory, whole: bool) -> Lookup<'a> {
        fn first<'a>(keys: impl Iterator<Item = (&'a str, &'a str)>) -> ById<'a> {
            let mut m = ById::new();
            for (i, k) in keys.enumerate() {
                m.entry(k).or_insert(i);
            }
            m
        }
        let id = |m: &'a ObjectMeta| (m.ns(), m.name.as_str());
        let maps = whole.then(|| {
            let mut runner_sets = ById::new();
            for (i, a) in inv.runner_sets.iter().enumerate() {
                runner_sets.entry(id(&a.metadata)).or_insert(i);
                runner_sets.entry((a.metadata.ns(), a.scale_set_name())).or_insert(i);
            }
            Maps {
                service_accounts: first(inv.service_accounts.iter().map(|s| id(&s.metadata))),
                ephemeral_runners: first(inv.ephemeral_runners.iter().map(|e| id(&e.metadata))),
                runner_sets,
            }
        });
        Lookup { inv, maps }
    }

    pub fn service_account(&self, namespace: &str, name: &str) -> Option<&'a ServiceAccount> {
        match &self.maps {
            Some(m) => m.service_accounts.get(&(namespace, name)).map(|&i| &self.inv.service_accounts[i]),
            None => self.inv.service_account(namespace, name),
        }
    }

    fn ephemeral_runner(&self, namespace: &str, name: &str) -> Option<&'a EphemeralRunner> {
        match &self.maps {
            Some(m) => m.ephemeral_runners.get(&(namespace, name)).map(|&i| &self.inv.ephemeral_runners[i]),
            None => self.inv.ephemeral_runner(namespace, name),
        }
    }

    /// As [`Inventory::runner_set_for`]: by the scale-set labels (arc.md §2.6).
    fn runner_set_for(&self, meta: &ObjectMeta) -> Option<&'a AutoscalingRunnerSet> {
        let Some(m) = &self.maps else { return self.inv.runner_set_for(meta) };
        let name = meta.labels.get(crate::model::k8s::SCALE_SET_NAME_LABEL)?;
        let ns = meta.labels.get(crate::model::k8s::SCALE_SET_NAMESPACE_LABEL).map(String::as_str).unwrap_or(meta.ns());
        m.runner_sets.get(&(ns, name.as_str())).map(|&i| &self.inv.runner_sets[i])
    }
}

/// Every runner to check — runner pods, EphemeralRunners without a pod, scale sets with neither —
/// or only the one named `want` (`namespace/name`). Linear in the cluster's size either way: a
/// live change re-resolves one subject among 10,000 without building the others.
pub(super) fn subjects<'a>(look: &Lookup<'a>, want: Option<&str>) -> Vec<Subject<'a>> {
    use std::collections::HashSet;
    let inv = look.inv;
    let want = want.map(|w| w.split_once('/').unwrap_or(("", w)));
    let hit = |m: &crate::model::k8s::ObjectMeta| want.is_none_or(|(ns, name)| m.ns() == ns && m.name == name);
    // Runner pods, and the job pods the hooks create for them (kubernetes mode, R38): chains of
    // their own, from the identity they really have.
    let mut out: Vec<Subject<'_>> = inv
        .pods
        .iter()
        .filter(|p| hit(&p.metadata) && (p.is_runner() || p.job_pod_of().is_some()))
        .map(Subject::Pod)
        .collect();
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
            if let Some(a) = look.runner_set_for(meta)
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

pub(super) fn base_of<'a>(look: &Lookup<'a>, s: &Subject<'a>) -> RunnerContext<'a> {
    match s {
        Subject::Pod(p) => {
            // A job pod is linked through its runner pod: the EphemeralRunner and scale set (and
            // so the jobs that run there) are the runner's.
            let runner = p
                .job_pod_of()
                .and_then(|r| look.inv.pods.iter().find(|x| x.metadata.ns() == p.metadata.ns() && x.metadata.name == r))
                .unwrap_or(p);
            let er = runner.owner_ephemeral_runner().and_then(|n| look.ephemeral_runner(p.metadata.ns(), n));
            RunnerContext {
                ns: p.metadata.ns().to_string(),
                pod_name: p.metadata.name.clone(),
                spec: &p.spec,
                pod: Some(p),
                er,
                ars: look.runner_set_for(&runner.metadata),
                kind: SubjectKind::Pod,
            }
        }
        Subject::EphemeralRunner(e) => RunnerContext {
            ns: e.metadata.ns().to_string(),
            pod_name: e.metadata.name.clone(),
            spec: &e.spec.spec,
            pod: None,
            er: Some(e),
            ars: look.runner_set_for(&e.metadata),
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

#[cfg(test)]
mod tests {
    use super::Lookup;
    use crate::model::{Inventory, Kind, Parsed};
    use serde_json::json;

    fn put(inv: &mut Inventory, kind: Kind, v: serde_json::Value) {
        inv.put_parsed(Parsed::from_value(kind, v).unwrap(), false);
    }

    /// The maps answer exactly as the scans do, first match in store order included: a set
    /// named `x` after one whose `runnerScaleSetName` is `x`, a service account listed twice.
    #[test]
    fn the_maps_answer_as_the_scans_do() {
        let mut inv = Inventory::default();
        let set = |name: &str, scale_set: Option<&str>| json!({"metadata": {"name": name, "namespace": "ns"}, "spec": {"runnerScaleSetName": scale_set}});
        put(&mut inv, Kind::AutoscalingRunnerSet, set("a", Some("x")));
        put(&mut inv, Kind::AutoscalingRunnerSet, set("x", None));
        put(&mut inv, Kind::AutoscalingRunnerSet, set("b", None));
        for (name, role) in [("sa", "first"), ("sa", "second"), ("other", "o")] {
            let v = json!({"metadata": {"name": name, "namespace": "ns", "annotations": {"eks.amazonaws.com/role-arn": role}}});
            put(&mut inv, Kind::ServiceAccount, v);
        }
        put(&mut inv, Kind::EphemeralRunner, json!({"metadata": {"name": "r", "namespace": "ns"}}));
        let (maps, scans) = (Lookup::new(&inv, true), Lookup::new(&inv, false));
        for label in ["x", "a", "b", "none"] {
            for ns in [None, Some("ns"), Some("elsewhere")] {
                let mut labels = json!({"actions.github.com/scale-set-name": label});
                if let Some(ns) = ns {
                    labels["actions.github.com/scale-set-namespace"] = json!(ns);
                }
                let meta = serde_json::from_value(json!({"name": "p", "namespace": "ns", "labels": labels})).unwrap();
                let (m, s) = (maps.runner_set_for(&meta), scans.runner_set_for(&meta));
                assert_eq!(m.map(|a| &a.metadata.name), s.map(|a| &a.metadata.name), "{label} {ns:?}");
            }
        }
        assert_eq!(
            maps.runner_set_for(
                &serde_json::from_value(
                    json!({"name": "p", "namespace": "ns", "labels": {"actions.github.com/scale-set-name": "x"}})
                )
                .unwrap()
            )
            .unwrap()
            .metadata
            .name,
            "a",
            "the first in store order"
        );
        for (ns, name) in [("ns", "sa"), ("ns", "other"), ("ns", "none"), ("x", "sa")] {
            let (m, s) = (maps.service_account(ns, name), scans.service_account(ns, name));
            assert_eq!(m.map(|a| a.irsa_role()), s.map(|a| a.irsa_role()), "{ns}/{name}");
            assert!(std::ptr::eq(m.map_or(std::ptr::null(), |a| a), s.map_or(std::ptr::null(), |a| a)));
        }
        assert!(maps.ephemeral_runner("ns", "r").is_some() && maps.ephemeral_runner("ns", "q").is_none());
    }
}
