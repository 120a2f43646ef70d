//! Live updates: list, then watch from the list's `resourceVersion`, for the kinds the chains
//! depend on (pods, service accounts, ARC's kinds) and the events of those objects. Events go to the UI's store over a
//! channel, tagged with a generation so a view switch or a new connection drops stale ones.
//! A `410 Gone` (expired resourceVersion) relists — at once the first time, with backoff when
//! the server answers 410 again and again (the header says `relisting N`); a dropped stream, or
//! one that ends at once with nothing, rewatches from the last version seen (bookmarks keep it
//! fresh), with the same backoff. GET only, through the read-only guard.

use futures::TryStreamExt;
use http::Request;
use kube::core::WatchEvent;
use serde_json::Value;
use std::sync::mpsc::Sender;
use std::time::Duration;

use super::cluster::{LiveArgs, connect_streaming};
use super::msg::{Change, Msg, Stream};
use crate::model::Kind;

/// Only what arcscope shows is stored (a busy cluster's other pods and events would be most of
/// the memory): ARC's pods (runner, listener, controller, Kubernetes-mode job pods — arc.md
/// §2.7), any pod whose AWS identity a webhook injected (IRSA or Pod Identity env), and events
/// of the kinds shown.
pub fn shown(kind: Kind, obj: &Value) -> bool {
    match kind {
        Kind::Pod => arc_or_aws_pod(obj),
        Kind::Event => shown_event(obj),
        _ => true,
    }
}

fn arc_or_aws_pod(pod: &Value) -> bool {
    let labels = pod.pointer("/metadata/labels").and_then(Value::as_object);
    let arc_label = labels.is_some_and(|l| {
        l.keys().any(|k| k.starts_with("actions.github.com/") || k == "actions-ephemeral-runner" || k == "runner-pod")
            || l.get("app.kubernetes.io/part-of").and_then(Value::as_str).is_some_and(|v| v.starts_with("gha-r"))
    });
    let owned = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|o| o.iter().any(|r| r["kind"] == "EphemeralRunner" || r["kind"] == "AutoscalingListener"));
    let aws_env = ["/spec/containers", "/spec/initContainers"]
        .iter()
        .filter_map(|p| pod.pointer(p).and_then(Value::as_array))
        .flatten()
        .filter_map(|c| c["env"].as_array())
        .flatten()
        .any(|e| {
            matches!(
                e["name"].as_str(),
                Some("AWS_ROLE_ARN" | "AWS_CONTAINER_CREDENTIALS_FULL_URI" | "AWS_ACCESS_KEY_ID")
            )
        });
    arc_label || owned || aws_env
}

fn shown_event(obj: &Value) -> bool {
    obj.pointer("/involvedObject/kind").and_then(Value::as_str).is_some_and(|k| {
        matches!(
            k,
            "Pod"
                | "ServiceAccount"
                | "AutoscalingRunnerSet"
                | "EphemeralRunnerSet"
                | "EphemeralRunner"
                | "AutoscalingListener"
        )
    })
}

/// Watch every kind on a background thread until the receiver is dropped.
pub fn spawn(args: LiveArgs, generation: u64, tx: Sender<Msg>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            let client = match connect_streaming(&args).await {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Msg {
                        generation,
                        from: Stream::Kind(Kind::Pod),
                        change: Change::State(format!("not connected: {e}")),
                    });
                    return;
                }
            };
            let ns = args.namespace.clone();
            let tasks = Kind::WATCHED.into_iter().map(|kind| {
                let (group, plural) = (kind.api(), kind.plural());
                let base = match &ns {
                    Some(n) => format!("{group}/namespaces/{n}/{plural}"),
                    None => format!("{group}/{plural}"),
                };
                watch_kind(client.clone(), base, kind, generation, tx.clone())
            });
            futures::future::join_all(tasks).await;
        });
    })
}

/// One more failed attempt at a stream: counted, and said in the header (`reconnecting 3`); the
/// next attempt waits [`backoff`]. `false`: the app has gone, stop.
pub(crate) fn failed_attempt(send: &dyn Fn(Change) -> bool, failures: &mut u32) -> bool {
    *failures += 1;
    send(Change::State(format!("reconnecting {failures}")))
}

/// Backoff before a reconnect after `failures` failures: none, then about 1 s, 2 s, 4 s …
/// capped at 30 s, with "equal jitter" (half the wait fixed, half random) so the kinds of one
/// cluster, and many arcscopes, do not retry in step.
pub(crate) async fn backoff(failures: u32) {
    if failures > 0 {
        tokio::time::sleep(backoff_wait(failures, jitter())).await;
    }
}

/// The wait before attempt `failures + 1`; `jitter` in `[0, 1)`.
pub(crate) fn backoff_wait(failures: u32, jitter: f64) -> Duration {
    let cap = Duration::from_millis(1000u64.saturating_mul(1 << failures.min(6))).min(Duration::from_secs(30));
    cap / 2 + cap.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

/// A random fraction in `[0, 1)`, from the standard library's randomly keyed hasher.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A stream that delivered an event, or stayed open this long, was healthy: the failure and
/// relist counts start again. One that ends sooner with nothing is a failure (a server that
/// closes every watch at once would otherwise be rewatched in a hot loop).
const HEALTHY: Duration = Duration::from_secs(5);

/// The longest watch event line read (an object in etcd is at most 1.5 MiB by default; an
/// endless line beyond this ends the stream as a failure, not in all of memory).
const MAX_EVENT: usize = 16 << 20;

/// A watch's body as events: one JSON line each, bounded ([`MAX_EVENT`]).
fn watch_events(
    body: impl futures::AsyncBufRead + Unpin,
) -> impl futures::Stream<Item = Result<WatchEvent<Value>, String>> {
    let lines = super::lines::Lines::new(body, MAX_EVENT);
    futures::stream::unfold(lines, |mut lines| async move {
        loop {
            return match lines.next().await {
                Ok(None) => None,
                Ok(Some(l)) if l.text.trim().is_empty() => continue,
                Ok(Some(l)) if l.cut => Some((Err(format!("a watch event passed {} MiB", MAX_EVENT >> 20)), lines)),
                Ok(Some(l)) => {
                    let event = serde_json::from_str::<WatchEvent<Value>>(&l.text).map_err(|e| e.to_string());
                    Some((event, lines))
                }
                Err(e) => Some((Err(e.to_string()), lines)),
            };
        }
    })
}

fn rv_of(v: &Value) -> Option<String> {
    v.pointer("/metadata/resourceVersion").and_then(Value::as_str).map(str::to_string)
}

fn id_of(v: &Value) -> (String, String) {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
    (s("/metadata/namespace"), s("/metadata/name"))
}

async fn watch_kind(client: kube::Client, base: String, kind: Kind, generation: u64, tx: Sender<Msg>) {
    let mut w = Watch { client, base, kind, generation, tx, rv: None, failures: 0, relists: 0 };
    loop {
        backoff(w.failures.max(w.relists.saturating_sub(1))).await;
        let version = match w.rv.clone() {
            Some(v) => v,
            None => match w.list().await {
                Flow::Go(v) => v,
                Flow::Retry => continue,
                Flow::Stop => return,
            },
        };
        if let Flow::Stop = w.follow(&version).await {
            return;
        }
    }
}

/// What one step of a watch leads to.
enum Flow<T> {
    Go(T),
    /// Start again (after the backoff the counts say).
    Retry,
    /// The app has gone, or the kind cannot be watched: end.
    Stop,
}

/// One kind's watch: the version it follows, and the failed attempts (errors, dropped or empty
/// streams) and `410 Gone`s since the last healthy stream. The first relist after a 410 is at
/// once (history was compacted, as it is now and then); a server that answers 410 again and again
/// is relisted with the same backoff as a dropped stream, and the header says `relisting N`.
struct Watch {
    client: kube::Client,
    base: String,
    kind: Kind,
    generation: u64,
    tx: Sender<Msg>,
    rv: Option<String>,
    failures: u32,
    relists: u32,
}

impl Watch {
    /// `false`: the app has gone, stop.
    fn send(&self, change: Change) -> bool {
        self.tx.send(Msg { generation: self.generation, from: Stream::Kind(self.kind), change }).is_ok()
    }

    /// One more failed attempt, counted and said. `false`: the app has gone.
    fn failed(&mut self) -> bool {
        let mut failures = self.failures;
        let sent = failed_attempt(&|change| self.send(change), &mut failures);
        self.failures = failures;
        sent
    }

    /// A relist: counted, said, and the version forgotten. `false`: the app has gone.
    fn gone(&mut self) -> bool {
        self.rv = None;
        self.relists += 1;
        self.send(Change::State(format!("relisting {}", self.relists)))
    }

    /// List the kind page by page (each page a relist message); the list's version to watch from.
    async fn list(&mut self) -> Flow<String> {
        let mut first = true;
        let mut receiver_gone = false;
        let kind = self.kind;
        let listed = super::cluster::each_page(&self.client, &self.base, |mut page, last| {
            let items = match page.get_mut("items").map(Value::take) {
                Some(Value::Array(items)) => items.into_iter().filter(|o| shown(kind, o)).collect(),
                _ => Vec::new(),
            };
            receiver_gone = !self.send(Change::Relisted { items, first, last });
            first = false;
            !receiver_gone
        })
        .await;
        if receiver_gone {
            return Flow::Stop;
        }
        match listed {
            Ok(Some((version, _))) => {
                self.rv = Some(version.clone());
                Flow::Go(version)
            }
            Ok(None) => {
                let _ = self.send(Change::State("not installed".into()));
                Flow::Stop
            }
            Err(kube::Error::Api(s)) if s.code == 403 => {
                let _ = self.send(Change::State("forbidden".into()));
                Flow::Stop
            }
            Err(_) if self.failed() => Flow::Retry,
            Err(_) => Flow::Stop,
        }
    }

    /// Watch from `version` until the stream ends, fails or the version expires.
    async fn follow(&mut self, version: &str) -> Flow<()> {
        let path =
            format!("{}?watch=1&allowWatchBookmarks=true&timeoutSeconds=290&resourceVersion={version}", self.base);
        let stream = match self.client.request_stream(Request::get(path).body(Vec::new()).expect("valid request")).await
        {
            Ok(s) => watch_events(s),
            Err(kube::Error::Api(s)) if s.code == 410 => return if self.gone() { Flow::Retry } else { Flow::Stop },
            Err(_) => return if self.failed() { Flow::Retry } else { Flow::Stop },
        };
        // Said at once after a first attempt or a single relist; after repeated failures only
        // once the stream proves healthy.
        let mut said = self.failures == 0 && self.relists <= 1;
        if said && !self.send(Change::State("watching".into())) {
            return Flow::Stop;
        }
        let opened = std::time::Instant::now();
        let mut had_event = false;
        futures::pin_mut!(stream);
        loop {
            let event = stream.try_next().await;
            if let Ok(Some(
                WatchEvent::Added(_) | WatchEvent::Modified(_) | WatchEvent::Deleted(_) | WatchEvent::Bookmark(_),
            )) = &event
            {
                // An event proves the stream healthy.
                had_event = true;
                (self.failures, self.relists) = (0, 0);
                if !std::mem::replace(&mut said, true) && !self.send(Change::State("watching".into())) {
                    return Flow::Stop;
                }
            }
            let sent = match event {
                Ok(Some(WatchEvent::Added(o) | WatchEvent::Modified(o))) => {
                    self.rv = rv_of(&o).or(self.rv.take());
                    // An object that stopped being shown leaves the store like a deleted one.
                    if shown(self.kind, &o) {
                        self.send(Change::Applied(o))
                    } else {
                        let (namespace, name) = id_of(&o);
                        self.send(Change::Deleted { namespace, name })
                    }
                }
                Ok(Some(WatchEvent::Deleted(o))) => {
                    self.rv = rv_of(&o).or(self.rv.take());
                    let (namespace, name) = id_of(&o);
                    self.send(Change::Deleted { namespace, name })
                }
                Ok(Some(WatchEvent::Bookmark(b))) => {
                    self.rv = Some(b.metadata.resource_version);
                    true
                }
                // 410 Gone: our resourceVersion expired; relist.
                Ok(Some(WatchEvent::Error(s))) if s.code == 410 => {
                    return if self.gone() { Flow::Go(()) } else { Flow::Stop };
                }
                Ok(Some(WatchEvent::Error(_))) | Err(_) => {
                    return if self.failed() { Flow::Go(()) } else { Flow::Stop };
                }
                // The server ended the watch (timeoutSeconds): rewatch from the last version —
                // at once after a healthy stream, with backoff after one that ended at once.
                Ok(None) => {
                    if opened.elapsed() >= HEALTHY {
                        (self.failures, self.relists) = (0, 0);
                    } else if !had_event && !self.failed() {
                        return Flow::Stop;
                    }
                    return Flow::Go(());
                }
            };
            if !sent {
                return Flow::Stop;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{backoff_wait, shown};
    use crate::model::Kind;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_with_equal_jitter_and_caps_at_30_s() {
        assert_eq!(backoff_wait(1, 0.0), Duration::from_secs(1));
        assert_eq!(backoff_wait(1, 0.999_999).as_millis(), 1999);
        assert_eq!(backoff_wait(3, 0.5), Duration::from_secs(6));
        assert_eq!(backoff_wait(20, 0.0), Duration::from_secs(15));
        assert!(backoff_wait(20, 1.0) <= Duration::from_secs(30));
        let a: Vec<f64> = (0..8).map(|_| super::jitter()).collect();
        assert!(a.iter().all(|j| (0.0..1.0).contains(j)), "{a:?}");
        assert!(a.windows(2).any(|w| w[0] != w[1]), "random: {a:?}");
    }
    use serde_json::json;

    #[test]
    fn only_arc_and_aws_identity_pods_and_their_events_are_kept() {
        let pod = |meta: serde_json::Value, env: &[&str]| {
            let env: Vec<_> = env.iter().map(|n| json!({"name": n, "value": "x"})).collect();
            json!({"metadata": meta, "spec": {"containers": [{"name": "c", "env": env}]}})
        };
        assert!(!shown(Kind::Pod, &pod(json!({"name": "web", "labels": {"app": "web"}}), &[])), "a plain pod");
        assert!(
            shown(Kind::Pod, &pod(json!({"labels": {"actions-ephemeral-runner": "True"}}), &[])),
            "a runner (arc.md §2.7)"
        );
        assert!(shown(Kind::Pod, &pod(json!({"ownerReferences": [{"kind": "EphemeralRunner", "name": "r"}]}), &[])));
        assert!(shown(Kind::Pod, &pod(json!({"labels": {"app.kubernetes.io/part-of": "gha-rs-controller"}}), &[])));
        assert!(shown(Kind::Pod, &pod(json!({"labels": {"runner-pod": "r"}}), &[])), "a Kubernetes-mode job pod");
        assert!(
            shown(Kind::Pod, &pod(json!({"name": "api"}), &["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"])),
            "IRSA env"
        );
        assert!(
            shown(Kind::Pod, &pod(json!({"name": "api"}), &["AWS_CONTAINER_CREDENTIALS_FULL_URI"])),
            "Pod Identity env"
        );
        assert!(shown(Kind::Event, &json!({"involvedObject": {"kind": "EphemeralRunner"}})));
        assert!(!shown(Kind::Event, &json!({"involvedObject": {"kind": "Node"}})));
        assert!(shown(Kind::ServiceAccount, &json!({})));
    }
}
