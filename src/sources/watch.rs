//! Live updates: list, then watch from the list's `resourceVersion`, for the kinds the chains
//! depend on (pods, service accounts, ARC's kinds) and the events of those objects. Events go to the UI's store over a
//! channel, tagged with a generation so a view switch or a new connection drops stale ones.
//! A `410 Gone` (expired resourceVersion) relists — at once the first time, with backoff when
//! the server answers 410 again and again (the header says `relisting N`); a dropped stream, or
//! one that ends at once with nothing, rewatches from the last version seen (bookmarks keep it
//! fresh), with the same backoff. A kind that may not be listed cluster-wide is listed and
//! watched in each namespace where it may be ([`fall_back`]). GET only, through the read-only guard.

use futures::TryStreamExt;
use http::Request;
use kube::core::WatchEvent;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

use super::cluster::{LiveArgs, LogPod, connect_streaming};
use super::msg::{Change, Msg, Stream};
use crate::model::{Kind, Parsed, Typed};

/// Watch every kind on a background thread until the receiver is dropped; beside the watches,
/// read the namespaces, the cluster's OIDC discovery document and, once the first pod list is
/// in, the runners' recent logs. The screen is up before any of it: each page is a message.
pub fn spawn(args: LiveArgs, generation: u64, tx: Sender<Msg>) -> std::thread::JoinHandle<()> {
    spawn_until(args, generation, tx, Arc::new(AtomicBool::new(false)))
}

/// As [`spawn`], until `stop` is set (`:ctx` moved to another cluster): then every watch, list
/// and read of this cluster ends within [`STOP_POLL`] and its connections close.
pub fn spawn_until(
    args: LiveArgs,
    generation: u64,
    tx: Sender<Msg>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
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
                    Some(n) => format!("{group}/namespaces/{}/{plural}", super::cluster::segment(n)),
                    None => format!("{group}/{plural}"),
                };
                let runners = if kind == Kind::Pod { runners_tx.take() } else { None };
                let mut w = Watch::new(client.clone(), base, kind, generation, tx.clone(), runners);
                async move {
                    if let Some(refused) = watch_kind(&mut w).await {
                        fall_back(w, refused).await;
                    }
                }
            });
            let cluster = super::around::read(&client, generation, &tx, runners_rx);
            let all = futures::future::join(futures::future::join_all(tasks), cluster);
            let stopped = async {
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(STOP_POLL).await;
                }
            };
            // Whichever ends first; the runtime's drop then cancels what is left.
            tokio::select! {
                _ = all => {}
                _ = stopped => {}
            }
        });
    })
}

/// How often a cluster's watches look whether they were told to stop.
pub const STOP_POLL: std::time::Duration = std::time::Duration::from_millis(100);

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

/// List and watch one kind until the app has gone. `Some(why)`: its list was forbidden (and
/// nothing was said yet: a cluster-wide watch falls back to the namespaces, [`fall_back`]).
async fn watch_kind(w: &mut Watch) -> Option<String> {
    loop {
        backoff(w.failures.max(w.relists.saturating_sub(1))).await;
        let version = match w.rv.clone() {
            Some(v) => v,
            None => match w.list().await {
                Flow::Go(v) => v,
                Flow::Retry => continue,
                Flow::Stop => return None,
                Flow::Forbidden(why) => return Some(why),
            },
        };
        if let Flow::Stop = w.follow(&version).await {
            return None;
        }
    }
}

/// The RBAC fallback of one kind whose cluster-wide list is forbidden: each namespace is listed
/// and watched on its own where that is allowed (a namespaced Role, as `kubectl get -n` would
/// be), the way `arcscope check` lists them. The namespaces are the cluster's, or — when they
/// cannot be listed either — the kubeconfig context's (kubectl's default). Said once the first
/// lists are in: `cannot list pods at the cluster scope …; listed them in 3 of 200 namespaces`.
async fn fall_back(mut w: Watch, refused: String) {
    let (plural, client) = (w.kind.plural(), w.client.clone());
    let mut names = Vec::new();
    let parse =
        |raw: Vec<Box<serde_json::value::RawValue>>| super::cluster::parse_page(Kind::Namespace, &raw, |_| true).0;
    let listed = super::cluster::each_page(&client, "/api/v1/namespaces", parse, |items, _, _| {
        names.extend(items.into_iter().map(|p| p.object.name));
        true
    })
    .await;
    let context = !matches!(listed, Ok(Some(_))) || names.is_empty();
    if context {
        names = vec![client.default_namespace().to_string()];
    }
    let fallback = Rc::new(Fallback {
        refused,
        context,
        of: names.len(),
        pending: Cell::new(names.len()),
        allowed: Cell::new(0),
        listed: Cell::new(0),
        runners: RefCell::new(w.runners.take().map(|tx| (tx, Vec::new()))),
        lists: tokio::sync::Semaphore::new(FALLBACK_LISTS),
    });
    let watches = names.into_iter().map(|ns| {
        let base = format!("{}/namespaces/{}/{plural}", w.kind.api(), super::cluster::segment(&ns));
        let mut scoped = Watch::new(client.clone(), base, w.kind, w.generation, w.tx.clone(), None);
        scoped.scope = Some((ns, fallback.clone()));
        async move {
            watch_kind(&mut scoped).await;
        }
    });
    futures::future::join_all(watches).await;
}

/// First lists of a fallback in flight at once (200 namespaces are not 200 requests at once).
const FALLBACK_LISTS: usize = 8;

/// Where the pods watch hands the runner pods of its first list (their recent logs are read next).
type Runners = tokio::sync::oneshot::Sender<Vec<LogPod>>;

/// What the namespaces of one kind's RBAC fallback share.
struct Fallback {
    /// The cluster-wide list's 403, in the API server's words.
    refused: String,
    /// The namespaces could not be listed: only the kubeconfig context's is tried.
    context: bool,
    /// Namespaces tried, and those whose first list has not ended.
    of: usize,
    pending: Cell<usize>,
    /// Namespaces where the list was allowed.
    allowed: Cell<usize>,
    /// Objects listed in all of them so far (the header's count).
    listed: Cell<usize>,
    /// The pods watch: the runner pods of every first list, handed on when the last ends.
    runners: RefCell<Option<(Runners, Vec<LogPod>)>>,
    lists: tokio::sync::Semaphore,
}

impl Fallback {
    /// One namespace's first list ended (`allowed`: it listed). After the last, what came of
    /// the fallback is said and the runners are handed on.
    fn first_list_ended(&self, allowed: bool, kind: Kind, send: &dyn Fn(Change) -> bool) -> bool {
        self.allowed.set(self.allowed.get() + usize::from(allowed));
        self.pending.set(self.pending.get().saturating_sub(1));
        if self.pending.get() > 0 {
            return true;
        }
        let (plural, allowed) = (kind.plural(), self.allowed.get());
        let refused = crate::text::shown(&self.refused);
        let whence = if self.context {
            "the namespaces cannot be listed either, so only the kubeconfig context's namespace was tried".to_string()
        } else {
            format!("listed them in {allowed} of {} namespaces where allowed", self.of)
        };
        let said = send(Change::Warning(format!(
            "cannot list {plural} at the cluster scope (kubectl auth can-i list {plural} -A): {refused}; {whence}"
        )));
        if let Some((tx, pods)) = self.runners.borrow_mut().take() {
            let _ = tx.send(pods);
        }
        said && send(Change::State(if allowed > 0 { "watching" } else { "forbidden" }.into()))
    }
}

/// What one step of a watch leads to.
enum Flow<T> {
    Go(T),
    /// Start again (after the backoff the counts say).
    Retry,
    /// The app has gone, or the kind cannot be watched: end.
    Stop,
    /// The list is forbidden (the API server's message); nothing said yet.
    Forbidden(String),
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
    runners: Option<Runners>,
    /// In an RBAC fallback: the one namespace this watch lists, and what the fallback's
    /// namespaces share (`None`: the cluster, or the namespace asked for).
    scope: Option<(String, Rc<Fallback>)>,
    /// This watch's first list has ended (a fallback counts each namespace's once).
    listed_once: bool,
}

impl Watch {
    fn new(
        client: kube::Client,
        base: String,
        kind: Kind,
        generation: u64,
        tx: Sender<Msg>,
        runners: Option<Runners>,
    ) -> Watch {
        Watch {
            client,
            base,
            kind,
            generation,
            tx,
            rv: None,
            failures: 0,
            relists: 0,
            runners,
            scope: None,
            listed_once: false,
        }
    }

    /// `false`: the app has gone, stop. In a fallback, `listing` and (until every namespace's
    /// first list is in) `watching` are the fallback's to say, not one namespace's.
    fn send(&self, change: Change) -> bool {
        if let (Some((_, fb)), Change::State(s)) = (&self.scope, &change)
            && (s == "listing" || (s == "watching" && fb.pending.get() > 0))
        {
            return true;
        }
        self.tx.send(Msg { generation: self.generation, from: Stream::Kind(self.kind), change }).is_ok()
    }

    /// This watch's first list ended; in a fallback, counted (`allowed`: it listed).
    fn first_list_ended(&mut self, allowed: bool) -> bool {
        if std::mem::replace(&mut self.listed_once, true) {
            return true;
        }
        match &self.scope {
            Some((_, fb)) => fb.first_list_ended(allowed, self.kind, &|c| self.send(c)),
            None => true,
        }
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
        let fallback = self.scope.as_ref().map(|(ns, fb)| (ns.clone(), fb.clone()));
        // A fallback's first lists take turns; later relists (a 410) do not wait.
        let _turn = match &fallback {
            Some((_, fb)) if !self.listed_once => fb.lists.acquire().await.ok(),
            _ => None,
        };
        let first_list = !self.listed_once;
        let mut runners = self.runners.is_some().then(Vec::new);
        let gathers = fallback.as_ref().is_some_and(|(_, fb)| first_list && fb.runners.borrow().is_some());
        receiver_gone |= !self.send(Change::State("listing".into()));
        let (tx, generation) = (self.tx.clone(), self.generation);
        let send = |change| tx.send(Msg { generation, from: Stream::Kind(kind), change }).is_ok();
        let parse =
            move |raw: Vec<Box<serde_json::value::RawValue>>| super::cluster::parse_page(kind, &raw, Typed::shown);
        let outcome = super::cluster::each_page(&self.client, &self.base, parse, |(items, bad), n, last| {
            listed += n;
            if let Some(e) = bad.first()
                && unreadable == 0
            {
                receiver_gone |= !send(Change::Warning(format!("a {kind} in the list is not readable: {e}")));
            }
            unreadable += bad.len();
            let pods = || {
                items.iter().filter_map(|p| match &p.typed {
                    Typed::Pod(pod) => LogPod::of(pod),
                    _ => None,
                })
            };
            if let Some(r) = &mut runners {
                r.extend(pods());
            }
            let (namespace, listed, last) = match &fallback {
                Some((ns, fb)) => {
                    if gathers && let Some((_, r)) = fb.runners.borrow_mut().as_mut() {
                        r.extend(pods());
                    }
                    fb.listed.set(fb.listed.get() + n);
                    // The kind's listing is done with the last namespace's last page.
                    (Some(ns.clone()), fb.listed.get(), last && (!first_list || fb.pending.get() <= 1))
                }
                None => (None, listed, last),
            };
            receiver_gone |= !send(Change::Relisted { namespace, items, first, last, listed });
            first = false;
            !receiver_gone
        })
        .await;
        if receiver_gone {
            return Flow::Stop;
        }
        self.list_ended(outcome, runners)
    }

    /// What a list's end leads to: its version to watch from, a retry, the fallback (forbidden
    /// cluster-wide) or the end; said as it should be. `runners`: the pods watch's first list's.
    fn list_ended(
        &mut self,
        outcome: Result<Option<(String, bool)>, kube::Error>,
        runners: Option<Vec<LogPod>>,
    ) -> Flow<String> {
        let kind = self.kind;
        let fallback = self.scope.is_some();
        let send = |change| self.tx.send(Msg { generation: self.generation, from: Stream::Kind(kind), change }).is_ok();
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
                if !self.first_list_ended(true) {
                    return Flow::Stop;
                }
                self.rv = Some(version.clone());
                Flow::Go(version)
            }
            Ok(None) => {
                if !fallback {
                    let _ = self.send(Change::State("not installed".into()));
                }
                self.runners.take();
                let _ = self.first_list_ended(false);
                Flow::Stop
            }
            // A namespace of a fallback where it is not allowed either: counted, not said.
            Err(kube::Error::Api(s)) if s.code == 403 && fallback => {
                let _ = self.first_list_ended(false);
                Flow::Stop
            }
            // Cluster-wide: the caller falls back to the namespaces, and says so.
            Err(kube::Error::Api(s)) if s.code == 403 && !self.base.contains("/namespaces/") => {
                Flow::Forbidden(s.message)
            }
            // In the namespace asked for (`-n`).
            Err(kube::Error::Api(s)) if s.code == 403 => {
                let ns = self.base.split("/namespaces/").nth(1).and_then(|t| t.split('/').next()).unwrap_or("");
                let _ = send(Change::Warning(format!(
                    "cannot list {} (kubectl auth can-i list {} -n {ns}): {}",
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
