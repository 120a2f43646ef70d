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

use super::cluster::{LiveArgs, LogPod, connect_streaming};
use super::msg::{Change, Msg, Stream};
use crate::model::{Kind, Parsed, Typed};

/// Watch every kind on a background thread until the receiver is dropped; beside the watches,
/// read the namespaces, the cluster's OIDC discovery document and, once the first pod list is
/// in, the runners' recent logs. The screen is up before any of it: each page is a message.
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
            let (runners_tx, runners_rx) = tokio::sync::oneshot::channel();
            let mut runners_tx = Some(runners_tx);
            let tasks = Kind::WATCHED.into_iter().map(|kind| {
                let (group, plural) = (kind.api(), kind.plural());
                let base = match &ns {
                    Some(n) => format!("{group}/namespaces/{n}/{plural}"),
                    None => format!("{group}/{plural}"),
                };
                let runners = if kind == Kind::Pod { runners_tx.take() } else { None };
                watch_kind(Watch::new(client.clone(), base, kind, generation, tx.clone(), runners))
            });
            let cluster = super::around::read(&client, generation, &tx, runners_rx);
            futures::future::join(futures::future::join_all(tasks), cluster).await;
        });
    })
}

/// One more failed attempt at a stream: counted, and said in the header (`reconnecting 3`); the
/// next attempt waits [`backoff`]. `false`: the app has gone, stop.
pub(crate) fn failed_attempt(send: &dyn Fn(Change) -> bool, failures: &mut u32) -> bool {
    *failures += 1;
    send(Change::State(format!("reconnecting {failures}")))
}

/// As [`failed_attempt`], with why: the first failure of a run is also a warning (the status
/// line shows it; later ones only count).
fn failed_because(send: &dyn Fn(Change) -> bool, failures: &mut u32, what: &str, why: &str) -> bool {
    if *failures == 0 && !send(Change::Warning(format!("{what}: {why} — the watches keep trying"))) {
        return false;
    }
    failed_attempt(send, failures)
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

async fn watch_kind(mut w: Watch) {
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
    /// The pods watch: where the first list's runner pods go (their recent logs are read next).
    runners: Option<tokio::sync::oneshot::Sender<Vec<LogPod>>>,
}

impl Watch {
    fn new(
        client: kube::Client,
        base: String,
        kind: Kind,
        generation: u64,
        tx: Sender<Msg>,
        runners: Option<tokio::sync::oneshot::Sender<Vec<LogPod>>>,
    ) -> Watch {
        Watch { client, base, kind, generation, tx, rv: None, failures: 0, relists: 0, runners }
    }

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

    /// List the kind page by page (each page a relist message, its items parsed here, off the UI
    /// thread, and only the shown ones kept); the list's version to watch from.
    async fn list(&mut self) -> Flow<String> {
        let (mut first, mut receiver_gone, mut listed, mut unreadable) = (true, false, 0usize, 0usize);
        let kind = self.kind;
        let mut runners = self.runners.is_some().then(Vec::new);
        let (tx, generation) = (self.tx.clone(), self.generation);
        let send = |change| tx.send(Msg { generation, from: Stream::Kind(kind), change }).is_ok();
        receiver_gone |= !send(Change::State("listing".into()));
        let outcome = super::cluster::each_page(&self.client, &self.base, |raw, last| {
            listed += raw.len();
            let mut items = Vec::with_capacity(raw.len());
            for r in &raw {
                match Parsed::from_json_if(kind, r.get(), Typed::shown) {
                    Ok(Some(p)) => items.push(p),
                    Ok(None) => {}
                    Err(e) => {
                        unreadable += 1;
                        if unreadable == 1 {
                            receiver_gone |=
                                !send(Change::Warning(format!("a {kind} in the list is not readable: {e}")));
                        }
                    }
                }
            }
            if let Some(r) = &mut runners {
                r.extend(items.iter().filter_map(|p| match &p.typed {
                    Typed::Pod(pod) => LogPod::of(pod),
                    _ => None,
                }));
            }
            receiver_gone |= !send(Change::Relisted { items, first, last, listed });
            first = false;
            !receiver_gone
        })
        .await;
        if receiver_gone {
            return Flow::Stop;
        }
        match outcome {
            Ok(Some((version, truncated))) => {
                if truncated
                    && !send(Change::Warning(format!(
                        "{}: the server repeated a continue token; the list may be incomplete",
                        self.base
                    )))
                {
                    return Flow::Stop;
                }
                if let (Some(tx), Some(r)) = (self.runners.take(), runners) {
                    let _ = tx.send(r);
                }
                self.rv = Some(version.clone());
                Flow::Go(version)
            }
            Ok(None) => {
                let _ = self.send(Change::State("not installed".into()));
                self.runners.take();
                Flow::Stop
            }
            Err(kube::Error::Api(s)) if s.code == 403 => {
                let _ = send(Change::Warning(format!(
                    "cannot list {} (kubectl auth can-i list {} -A): {}",
                    kind.plural(),
                    kind.plural(),
                    crate::text::shown(&s.message)
                )));
                let _ = self.send(Change::State("forbidden".into()));
                self.runners.take();
                Flow::Stop
            }
            Err(e) => {
                let mut failures = self.failures;
                let what = format!("cannot list {}", kind.plural());
                let go = failed_because(&send, &mut failures, &what, &super::cluster::describe(&e));
                self.failures = failures;
                if go { Flow::Retry } else { Flow::Stop }
            }
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
                    let (namespace, name) = id_of(&o);
                    // An object that stopped being shown leaves the store like a deleted one; so
                    // does one that cannot be read as its kind (and that is said).
                    match Parsed::from_value(self.kind, o) {
                        Ok(p) if p.typed.shown() => self.send(Change::Applied(Box::new(p))),
                        Ok(_) => self.send(Change::Deleted { namespace, name }),
                        Err(e) => {
                            self.send(Change::Warning(format!("{} {namespace}/{name}: {e}", self.kind)))
                                && self.send(Change::Deleted { namespace, name })
                        }
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
    use super::backoff_wait;
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
}
