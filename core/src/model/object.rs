//! One Kubernetes object read from its JSON text: the typed fields arcscope reasons about and the
//! compact text kept for browsing, read in one pass over the text with no `serde_json::Value` tree
//! (a 500-pod LIST page is 3 MB, most of it `managedFields` and status arcscope never reads).

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

use super::k8s::*;
use super::{Kind, KubeObject};

/// The typed form of an object, by kind.
#[derive(Debug, Clone)]
pub enum Typed {
    Pod(Box<Pod>),
    ServiceAccount(ServiceAccount),
    Event(Box<Event>),
    AutoscalingRunnerSet(Box<AutoscalingRunnerSet>),
    EphemeralRunnerSet(EphemeralRunnerSet),
    EphemeralRunner(Box<EphemeralRunner>),
    AutoscalingListener(AutoscalingListener),
    /// A namespace: its name is all arcscope keeps.
    Namespace,
}

/// An object ready for the store: parsed off the UI thread, put in without parsing again.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub kind: Kind,
    pub typed: Typed,
    pub object: KubeObject,
}

impl Parsed {
    /// From the JSON text of one object, as a LIST page's item or a file holds it. Fields
    /// arcscope does not read are skipped, not built; `metadata.managedFields` is dropped from the
    /// kept text. A list item carries no `apiVersion`/`kind` (the API server leaves them to the
    /// list): the kind's are written in, as `kubectl get -o json` does.
    pub fn from_json(kind: Kind, text: &str) -> Result<Parsed, String> {
        Parsed::from_json_if(kind, text, |_| true).map(|p| p.expect("kept"))
    }

    /// As [`Parsed::from_json`], but only an object `keep` accepts costs its kept text: a
    /// 10,000-pod list where 500 are shown builds 500.
    pub fn from_json_if(kind: Kind, text: &str, keep: impl Fn(&Typed) -> bool) -> Result<Option<Parsed>, String> {
        let typed = typed(kind, text)?;
        if !keep(&typed) {
            return Ok(None);
        }
        let object = kept(kind, text).map_err(|e| e.to_string())?;
        Ok(Some(Parsed { kind, typed, object }))
    }

    /// From a value already parsed (a watch event, a bundle file).
    pub fn from_value(kind: Kind, mut value: serde_json::Value) -> Result<Parsed, String> {
        if let Some(meta) = value.get_mut("metadata").and_then(serde_json::Value::as_object_mut) {
            meta.remove("managedFields");
        }
        Parsed::from_json(kind, &value.to_string())
    }

    /// The object's metadata (a namespace's typed form keeps none: see `object`).
    pub fn meta(&self) -> Option<&ObjectMeta> {
        Some(match &self.typed {
            Typed::Pod(o) => &o.metadata,
            Typed::ServiceAccount(o) => &o.metadata,
            Typed::Event(o) => &o.metadata,
            Typed::AutoscalingRunnerSet(o) => &o.metadata,
            Typed::EphemeralRunnerSet(o) => &o.metadata,
            Typed::EphemeralRunner(o) => &o.metadata,
            Typed::AutoscalingListener(o) => &o.metadata,
            Typed::Namespace => return None,
        })
    }

    /// `(namespace, name)`; the namespace empty for a cluster-scoped object.
    pub fn id(&self) -> (String, String) {
        (self.object.namespace.clone().unwrap_or_default(), self.object.name.clone())
    }
}

impl Typed {
    /// Whether a live view stores the object. A busy cluster's other pods and events would be
    /// most of the memory: only ARC's pods (runner, listener, controller, Kubernetes-mode job pods
    /// — arc.md §2.7), pods whose AWS identity a webhook injected (IRSA or Pod Identity env),
    /// and the events of the kinds shown are.
    pub fn shown(&self) -> bool {
        match self {
            Typed::Pod(p) => arc_or_aws_pod(p),
            Typed::Event(e) => matches!(
                e.involved_object.kind.as_str(),
                "Pod"
                    | "ServiceAccount"
                    | "AutoscalingRunnerSet"
                    | "EphemeralRunnerSet"
                    | "EphemeralRunner"
                    | "AutoscalingListener"
            ),
            _ => true,
        }
    }
}

fn arc_or_aws_pod(pod: &Pod) -> bool {
    let labels = &pod.metadata.labels;
    let arc_label =
        labels.keys().any(|k| k.starts_with("actions.github.com/") || k == RUNNER_POD_LABEL || k == "runner-pod")
            || labels.get("app.kubernetes.io/part-of").is_some_and(|v| v.starts_with("gha-r"));
    let owned =
        pod.metadata.owner_references.iter().any(|r| r.kind == "EphemeralRunner" || r.kind == "AutoscalingListener");
    let aws_env = pod.spec.containers.iter().chain(&pod.spec.init_containers).flat_map(|c| &c.env).any(|e| {
        matches!(e.name.as_str(), "AWS_ROLE_ARN" | "AWS_CONTAINER_CREDENTIALS_FULL_URI" | "AWS_ACCESS_KEY_ID")
    });
    arc_label || owned || aws_env
}

fn typed(kind: Kind, text: &str) -> Result<Typed, String> {
    fn de<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
    Ok(match kind {
        Kind::Pod => Typed::Pod(de(text)?),
        Kind::ServiceAccount => Typed::ServiceAccount(de(text)?),
        Kind::Event => Typed::Event(de(text)?),
        Kind::AutoscalingRunnerSet => Typed::AutoscalingRunnerSet(de(text)?),
        Kind::EphemeralRunnerSet => Typed::EphemeralRunnerSet(de(text)?),
        Kind::EphemeralRunner => Typed::EphemeralRunner(de(text)?),
        Kind::AutoscalingListener => Typed::AutoscalingListener(de(text)?),
        Kind::Namespace => {
            let _: Members = serde_json::from_str(text).map_err(|e| e.to_string())?;
            Typed::Namespace
        }
    })
}

#[derive(Deserialize, Default)]
struct NamedMeta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: Option<String>,
}

/// An object's members in their order, each value left as text.
struct Members<'a>(Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    out.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The text kept for browsing: the object compact, `managedFields` out, `apiVersion` and `kind`
/// in; and its identity.
fn kept(kind: Kind, text: &str) -> Result<KubeObject, serde_json::Error> {
    let Members(top) = serde_json::from_str(text)?;
    let mut out = String::with_capacity(text.len());
    out.push('{');
    let mut api_version = None;
    if !top.iter().any(|(k, _)| k == "apiVersion") {
        out.push_str(&format!("\"apiVersion\":\"{}\",", kind.api_version()));
    }
    if !top.iter().any(|(k, _)| k == "kind") {
        out.push_str(&format!("\"kind\":\"{}\",", kind.as_str()));
    }
    let mut id = NamedMeta::default();
    for (i, (key, value)) in top.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key)?);
        out.push(':');
        match key.as_ref() {
            "metadata" => {
                id = serde_json::from_str(value.get())?;
                let Members(meta) = serde_json::from_str(value.get())?;
                out.push('{');
                let kept = meta.iter().filter(|(k, _)| k != "managedFields");
                for (j, (k, v)) in kept.enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k)?);
                    out.push(':');
                    out.push_str(v.get().trim());
                }
                out.push('}');
            }
            "apiVersion" => {
                api_version = serde_json::from_str::<String>(value.get()).ok();
                out.push_str(value.get().trim());
            }
            _ => out.push_str(value.get().trim()),
        }
    }
    out.push('}');
    Ok(KubeObject {
        api_version: api_version.unwrap_or_else(|| kind.api_version().to_string()),
        kind: kind.as_str().to_string(),
        namespace: id.namespace.filter(|n| !n.is_empty()),
        name: id.name,
        raw: out.into_boxed_str(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = r#"{"metadata":{"name":"r-1","namespace":"arc","labels":{"actions-ephemeral-runner":"True"},
        "managedFields":[{"manager":"kubelet","fieldsV1":{"f:status":{"f:phase":{}}}}]},
        "spec":{"serviceAccountName":"runner","containers":[{"name":"runner","env":[{"name":"AWS_ROLE_ARN","value":"arn:aws:iam::1:role/r"}]}]},
        "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#;

    #[test]
    fn a_list_item_is_typed_and_kept_without_managed_fields_with_its_kind_written_in() {
        let p = Parsed::from_json(Kind::Pod, POD).unwrap();
        let Typed::Pod(pod) = &p.typed else { panic!("{:?}", p.typed) };
        assert_eq!(pod.spec.service_account(), "runner");
        assert_eq!(pod.status.phase.as_deref(), Some("Running"));
        assert_eq!(p.id(), ("arc".to_string(), "r-1".to_string()));
        assert!(!p.object.raw.contains("managedFields") && !p.object.raw.contains("kubelet"), "{}", p.object.raw);
        let kept: serde_json::Value = serde_json::from_str(&p.object.raw).expect("the kept text is JSON");
        assert_eq!(kept["apiVersion"], "v1");
        assert_eq!(kept["kind"], "Pod");
        assert_eq!(kept["status"]["conditions"][0]["type"], "Ready", "what is not typed is still shown");
        assert_eq!(p.object.api_version, "v1");
        // Key order is the server's (kubectl shows it so).
        let keys: Vec<&str> = kept.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec", "status"]);
    }

    #[test]
    fn an_object_with_its_own_kind_keeps_it_and_arc_kinds_get_arcs_group() {
        let er = r#"{"apiVersion":"actions.github.com/v1alpha1","kind":"EphemeralRunner","metadata":{"name":"e","namespace":"arc"}}"#;
        let p = Parsed::from_json(Kind::EphemeralRunner, er).unwrap();
        assert_eq!(p.object.raw.matches("apiVersion").count(), 1);
        assert_eq!(p.object.api_version, "actions.github.com/v1alpha1");
        let bare = Parsed::from_json(Kind::AutoscalingRunnerSet, r#"{"metadata":{"name":"s"}}"#).unwrap();
        assert!(
            bare.object.raw.starts_with(r#"{"apiVersion":"actions.github.com/v1alpha1","kind":"AutoscalingRunnerSet""#)
        );
        assert_eq!(bare.id(), (String::new(), "s".to_string()));
    }

    #[test]
    fn the_value_path_and_the_text_path_agree() {
        let v: serde_json::Value = serde_json::from_str(POD).unwrap();
        let a = Parsed::from_value(Kind::Pod, v).unwrap();
        let b = Parsed::from_json(Kind::Pod, POD).unwrap();
        let (va, vb): (serde_json::Value, serde_json::Value) =
            (serde_json::from_str(&a.object.raw).unwrap(), serde_json::from_str(&b.object.raw).unwrap());
        assert_eq!(va, vb);
    }

    fn pod(meta: serde_json::Value, env: &[&str]) -> Typed {
        let env: Vec<_> = env.iter().map(|n| serde_json::json!({"name": n, "value": "x"})).collect();
        let v = serde_json::json!({"metadata": meta, "spec": {"containers": [{"name": "c", "env": env}]}});
        Parsed::from_json(Kind::Pod, &v.to_string()).unwrap().typed
    }

    #[test]
    fn only_arc_and_aws_identity_pods_and_their_events_are_shown() {
        use serde_json::json;
        assert!(!pod(json!({"name": "web", "labels": {"app": "web"}}), &[]).shown(), "a plain pod");
        assert!(pod(json!({"labels": {"actions-ephemeral-runner": "True"}}), &[]).shown(), "a runner (arc.md §2.7)");
        assert!(pod(json!({"ownerReferences": [{"kind": "EphemeralRunner", "name": "r"}]}), &[]).shown());
        assert!(pod(json!({"labels": {"app.kubernetes.io/part-of": "gha-rs-controller"}}), &[]).shown());
        assert!(pod(json!({"labels": {"runner-pod": "r"}}), &[]).shown(), "a Kubernetes-mode job pod");
        assert!(pod(json!({"name": "api"}), &["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"]).shown(), "IRSA env");
        assert!(pod(json!({"name": "api"}), &["AWS_CONTAINER_CREDENTIALS_FULL_URI"]).shown(), "Pod Identity env");
        let event = |k: &str| {
            let v = json!({"metadata": {"name": "e"}, "involvedObject": {"kind": k}});
            Parsed::from_json(Kind::Event, &v.to_string()).unwrap().typed
        };
        assert!(event("EphemeralRunner").shown());
        assert!(!event("Node").shown());
        let plain = r#"{"metadata":{"name":"web"}}"#;
        assert!(Parsed::from_json_if(Kind::Pod, plain, Typed::shown).unwrap().is_none(), "not kept, not built");
    }

    #[test]
    fn a_wrong_shape_is_an_error_in_words_not_a_panic() {
        let e = Parsed::from_json(Kind::Pod, r#"{"metadata":{"name":7}}"#).unwrap_err();
        assert!(e.contains("invalid type"), "{e}");
        assert!(Parsed::from_json(Kind::Pod, "[1,2]").is_err());
        assert!(Parsed::from_json(Kind::Namespace, r#"{"metadata":{"name":"ns"}}"#).is_ok());
        let escaped = Parsed::from_json(Kind::Namespace, r#"{"metadata":{"name":"a\"b","x\u0041":1}}"#).unwrap();
        assert_eq!(escaped.object.name, "a\"b");
        let _: serde_json::Value = serde_json::from_str(&escaped.object.raw).expect("escaped keys stay JSON");
    }

    #[test]
    fn a_namespace_relisted_alone_leaves_the_others() {
        let mut inv = super::super::Inventory::default();
        for (ns, name) in [("a", "p1"), ("b", "p2"), ("b", "p3")] {
            let v = serde_json::json!({"metadata": {"name": name, "namespace": ns}});
            inv.put_parsed(Parsed::from_json(Kind::Pod, &v.to_string()).unwrap(), false);
        }
        inv.clear_kind(Kind::Pod, Some("b"));
        let left: Vec<String> = inv.pods.iter().map(|p| p.metadata.key()).collect();
        assert_eq!(left, ["a/p1"]);
        assert_eq!(inv.objects.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["p1"]);
        inv.clear_kind(Kind::Pod, None);
        assert!(inv.pods.is_empty() && inv.objects.is_empty());
    }
}
