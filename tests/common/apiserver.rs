//! A loopback Kubernetes API server for tests and the scale harness. No kube-apiserver can be
//! installed here, so this one is ours; it follows the API's protocol as kubectl and kube-rs see
//! it:
//!
//! - discovery: `/version`, `/api`, `/apis`, `/api/v1`, `/apis/actions.github.com/v1alpha1`
//!   (absent when ARC is not installed: its paths are 404 like a missing CRD);
//! - lists with a `resourceVersion`, `limit`/`continue` (opaque tokens with `/`, `+`, `=` so the
//!   client must escape them), namespaced and cluster-wide, `Status` errors;
//! - watches: `?watch=1&resourceVersion=N` streams the events after N as chunked JSON lines
//!   (`ADDED`/`MODIFIED`/`DELETED`, `BOOKMARK` when asked), ends after `timeoutSeconds`, and
//!   answers an expired version (older than the last compaction) with an `ERROR` 410 event;
//! - pod logs: `container`, `follow`, `previous`, `tailLines`, `sinceSeconds`, `sinceTime`,
//!   `timestamps`; 400 for a container the pod lacks or a missing previous instance;
//! - `create serviceaccounts/token` (TokenRequest) returning an unsigned JWT with `sub`/`aud`;
//! - `/.well-known/openid-configuration`;
//! - RBAC: a resource can be forbidden cluster-wide and allowed in chosen namespaces (403 with
//!   the API's message);
//! - a log of every request (method, path with query, body).
//!
//! Tests script it: apply and delete objects (each bumps the resourceVersion and feeds open
//! watches), append log lines, compact history, drop every open connection, take it down and
//! bring it back on the same port.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `(API path prefix, plural, kind, namespaced)` of every resource served.
pub const RESOURCES: &[(&str, &str, &str, bool)] = &[
    ("/api/v1", "namespaces", "Namespace", false),
    ("/api/v1", "pods", "Pod", true),
    ("/api/v1", "serviceaccounts", "ServiceAccount", true),
    ("/api/v1", "events", "Event", true),
    ("/api/v1", "secrets", "Secret", true),
    ("/api/v1", "configmaps", "ConfigMap", true),
    ("/apis/actions.github.com/v1alpha1", "autoscalingrunnersets", "AutoscalingRunnerSet", true),
    ("/apis/actions.github.com/v1alpha1", "ephemeralrunnersets", "EphemeralRunnerSet", true),
    ("/apis/actions.github.com/v1alpha1", "ephemeralrunners", "EphemeralRunner", true),
    ("/apis/actions.github.com/v1alpha1", "autoscalinglisteners", "AutoscalingListener", true),
];

const ARC: &str = "/apis/actions.github.com/v1alpha1";

fn resource_of_kind(kind: &str) -> Option<&'static (&'static str, &'static str, &'static str, bool)> {
    RESOURCES.iter().find(|r| r.2 == kind)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub body: String,
    /// When it arrived, since the server started.
    pub at: Duration,
    /// Bytes answered (a stream's: once it has ended).
    pub bytes: u64,
    /// From arrival to the answer written (a stream's: to its end).
    pub took: Duration,
}

/// One container's log: `(unix nanos, text)` lines.
#[derive(Debug, Default, Clone)]
struct ContainerLog {
    current: Vec<(u128, String)>,
    previous: Option<Vec<(u128, String)>>,
}

/// One stored object, serialised once when applied: a LIST joins these texts (a 50,000-pod list
/// is 300 MB of JSON; building it from values on every page made the server the bottleneck).
#[derive(Clone)]
struct Stored {
    /// The object as a list item: without `apiVersion` and `kind`, which the API server leaves
    /// to the list.
    item: Arc<str>,
    /// `"apiVersion":"…","kind":"…"`, spliced in front for a GET or a watch event.
    type_meta: Arc<str>,
}

impl Stored {
    fn new(mut obj: Value) -> Stored {
        let api_version = obj.as_object_mut().and_then(|o| o.remove("apiVersion")).unwrap_or(Value::Null);
        let kind = obj.as_object_mut().and_then(|o| o.remove("kind")).unwrap_or(Value::Null);
        let type_meta = format!("\"apiVersion\":{api_version},\"kind\":{kind}");
        Stored { item: obj.to_string().into(), type_meta: type_meta.into() }
    }

    /// The whole object's JSON, as a GET answers it.
    fn full(&self) -> String {
        match self.item.strip_prefix("{}") {
            Some(_) => format!("{{{}}}", self.type_meta),
            None => format!("{{{},{}", self.type_meta, &self.item[1..]),
        }
    }

    fn value(&self) -> Value {
        serde_json::from_str(&self.full()).expect("stored JSON")
    }
}

struct State {
    /// Objects by `(plural, namespace, name)`.
    objects: BTreeMap<Key, Stored>,
    rv: u64,
    /// Every change: `(rv, plural, namespace, event JSON line)`.
    history: Vec<(u64, String, String, String)>,
    /// Watches from a version older than this get 410.
    compacted: u64,
    /// Bumped to make every open stream close.
    drops: u64,
    /// Bumped to end every open watch with 410 Gone.
    expirations: u64,
    down: bool,
    logs: BTreeMap<(String, String, String), ContainerLog>,
    requests: Vec<Logged>,
    /// plural → namespaces where it may be listed (everything else: 403).
    rbac: BTreeMap<String, Vec<String>>,
    arc_installed: bool,
    page_size: usize,
    issuer: String,
    /// Bookmarks on watches that ask for them, this often.
    bookmark_every: Duration,
    fault: Fault,
    started: Instant,
}

/// A server misbehaving on purpose, as real ones and the proxies in front of them do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Every watch answers `ERROR 410 Gone` at once (an etcd compacting faster than we relist).
    GoneForever,
    /// Every watch ends at once with no event (a proxy that closes long requests).
    WatchEndsAtOnce,
    /// Every request, discovery included, is answered with this status (429 forever, 500, 401).
    Status(u16, String),
    /// Every answer is sent one byte a second.
    Drip,
    /// Requests are read and never answered.
    Hang,
    /// A LIST's body never ends (the JSON goes on forever); other requests are served.
    EndlessList,
    /// A LIST's `items` is not an array.
    MalformedItems,
}

/// When a request arrived, in the server's drop and expiry generations.
#[derive(Clone, Copy)]
struct Arrival {
    drops: u64,
    expirations: u64,
}

pub struct ApiServer {
    pub port: u16,
    state: Arc<(Mutex<State>, Condvar)>,
}

pub fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code})
}

fn now_nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
}

/// RFC 3339 with nanoseconds, as `kubectl logs --timestamps` prints.
pub fn rfc3339_nanos(nanos: u128) -> String {
    let secs = arcscope::cli::config::rfc3339((nanos / 1_000_000_000) as i64);
    format!("{}.{:09}Z", secs.trim_end_matches('Z'), nanos % 1_000_000_000)
}

fn parse_rfc3339(s: &str) -> Option<u128> {
    let secs = arcscope::iam::condition::parse_date(s)?;
    let frac: String = s.get(20..).unwrap_or("").chars().take_while(char::is_ascii_digit).collect();
    let frac: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    Some(secs as u128 * 1_000_000_000 + frac.parse::<u128>().ok()?)
}

fn b64url(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

impl ApiServer {
    pub fn start() -> ApiServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new((
            Mutex::new(State {
                objects: BTreeMap::new(),
                rv: 1000,
                history: Vec::new(),
                compacted: 0,
                drops: 0,
                expirations: 0,
                down: false,
                logs: BTreeMap::new(),
                requests: Vec::new(),
                rbac: BTreeMap::new(),
                arc_installed: true,
                page_size: 500,
                issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/AB12CD34EF56AB12CD34EF56AB12CD34".into(),
                bookmark_every: Duration::from_secs(1),
                fault: Fault::None,
                started: Instant::now(),
            }),
            Condvar::new(),
        ));
        let server = ApiServer { port, state };
        server.accept(listener);
        server
    }

    /// A server holding the seed fixture's cluster objects (and its namespaces).
    pub fn seeded() -> ApiServer {
        ApiServer::seeded_from("seed/k8s/arc-runners.json")
    }

    /// A server holding the objects of a fixture's List (`variants/pod-identity/k8s/…`).
    pub fn seeded_from(list: &str) -> ApiServer {
        let s = ApiServer::start();
        let text = std::fs::read_to_string(super::fixtures().join(list)).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        for ns in ["arc-runners", "arc-systems"] {
            s.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        }
        for item in v["items"].as_array().unwrap() {
            s.apply(item.clone());
        }
        s
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.0.lock().unwrap()
    }

    fn notify(&self) {
        self.state.1.notify_all();
    }

    /// A kubeconfig for this server in `dir`.
    pub fn kubeconfig(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: loop\n  cluster:\n    server: {}\ncontexts:\n- name: loop\n  context:\n    cluster: loop\n    user: tester\ncurrent-context: loop\nusers:\n- name: tester\n  user:\n    token: loopback-token\n",
            self.url()
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    // ---- scripting ----

    /// Create or replace an object (ADDED or MODIFIED to open watches). Returns its new version.
    pub fn apply(&self, mut obj: Value) -> u64 {
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let (_, plural, _, namespaced) = *resource_of_kind(&kind).unwrap_or_else(|| panic!("unknown kind {kind}"));
        let ns = if namespaced {
            obj["metadata"]["namespace"].as_str().unwrap_or("default").to_string()
        } else {
            String::new()
        };
        let name = obj["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let mut st = self.lock();
        st.rv += 1;
        let rv = st.rv;
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        let key = (plural.to_string(), ns.clone(), name);
        let verb = if st.objects.contains_key(&key) { "MODIFIED" } else { "ADDED" };
        let stored = Stored::new(obj);
        let line = format!("{{\"type\":\"{verb}\",\"object\":{}}}", stored.full());
        st.objects.insert(key, stored);
        st.history.push((rv, plural.to_string(), ns, line));
        drop(st);
        self.notify();
        rv
    }

    /// Load many objects as a cluster that has been running a while: each gets its version, but
    /// no watch history is kept for them (as after a compaction), so a 50,000-pod cluster costs
    /// the server its objects' text once, not twice.
    pub fn seed(&self, objects: impl IntoIterator<Item = Value>) {
        let mut st = self.lock();
        for mut obj in objects {
            let kind = obj["kind"].as_str().unwrap_or_default().to_string();
            let (_, plural, _, namespaced) = *resource_of_kind(&kind).unwrap_or_else(|| panic!("unknown kind {kind}"));
            let ns = if namespaced { obj["metadata"]["namespace"].as_str().unwrap_or("default") } else { "" };
            let key =
                (plural.to_string(), ns.to_string(), obj["metadata"]["name"].as_str().unwrap_or_default().to_string());
            st.rv += 1;
            obj["metadata"]["resourceVersion"] = json!(st.rv.to_string());
            st.objects.insert(key, Stored::new(obj));
        }
        st.compacted = st.rv;
        drop(st);
        self.notify();
    }

    /// Delete an object (DELETED to open watches).
    pub fn delete(&self, kind: &str, namespace: &str, name: &str) {
        let (_, plural, _, _) = *resource_of_kind(kind).unwrap();
        let mut st = self.lock();
        let Some(stored) = st.objects.remove(&(plural.to_string(), namespace.to_string(), name.to_string())) else {
            return;
        };
        let mut obj = stored.value();
        st.rv += 1;
        let rv = st.rv;
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        let line = json!({"type": "DELETED", "object": obj}).to_string();
        st.history.push((rv, plural.to_string(), namespace.to_string(), line));
        drop(st);
        self.notify();
    }

    pub fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let (_, plural, _, _) = *resource_of_kind(kind).unwrap();
        self.lock().objects.get(&(plural.to_string(), namespace.to_string(), name.to_string())).map(Stored::value)
    }

    /// Objects of `kind` now, as `namespace/name`.
    pub fn names(&self, kind: &str) -> Vec<String> {
        let (_, plural, _, _) = *resource_of_kind(kind).unwrap();
        self.lock().objects.keys().filter(|k| k.0 == plural).map(|k| format!("{}/{}", k.1, k.2)).collect()
    }

    /// Time since the server started: the clock of [`Logged::at`].
    pub fn uptime(&self) -> Duration {
        self.lock().started.elapsed()
    }

    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// Forget history: a watch from any version seen so far now gets 410 Gone.
    pub fn compact(&self) {
        let mut st = self.lock();
        st.compacted = st.rv;
        st.history.clear();
        drop(st);
        self.notify();
    }

    /// Compact, and end every open watch with `ERROR` 410 (its version expired under it).
    pub fn expire_watches(&self) {
        let mut st = self.lock();
        st.compacted = st.rv;
        st.history.clear();
        st.expirations += 1;
        drop(st);
        self.notify();
    }

    /// Close every open watch and log stream (a flaky load balancer).
    pub fn drop_connections(&self) {
        self.lock().drops += 1;
        self.notify();
    }

    /// Down: every connection is closed on arrival; up again on the same port.
    pub fn set_down(&self, down: bool) {
        let mut st = self.lock();
        st.down = down;
        st.drops += 1;
        drop(st);
        self.notify();
    }

    pub fn set_arc_installed(&self, installed: bool) {
        self.lock().arc_installed = installed;
    }

    pub fn set_page_size(&self, n: usize) {
        self.lock().page_size = n.max(1);
    }

    pub fn set_fault(&self, fault: Fault) {
        self.lock().fault = fault;
    }

    pub fn set_bookmark_every(&self, every: Duration) {
        self.lock().bookmark_every = every;
    }

    /// `plural` may be listed only in these namespaces (cluster-wide: 403).
    pub fn restrict(&self, plural: &str, namespaces: &[&str]) {
        self.lock().rbac.insert(plural.to_string(), namespaces.iter().map(|s| s.to_string()).collect());
    }

    /// Append lines (stamped now) to a container's current log (U+FFFF is sent as the invalid
    /// byte 0xFF).
    pub fn log(&self, namespace: &str, pod: &str, container: &str, lines: &[&str]) {
        let mut st = self.lock();
        let log = st.logs.entry((namespace.into(), pod.into(), container.into())).or_default();
        for l in lines {
            let mut t = now_nanos();
            if let Some((last, _)) = log.current.last() {
                t = t.max(last + 1);
            }
            log.current.push((t, l.to_string()));
        }
        drop(st);
        self.notify();
    }

    /// Append lines with given RFC 3339 timestamps.
    pub fn log_at(&self, namespace: &str, pod: &str, container: &str, lines: &[(&str, &str)]) {
        let mut st = self.lock();
        let log = st.logs.entry((namespace.into(), pod.into(), container.into())).or_default();
        for (ts, l) in lines {
            log.current.push((parse_rfc3339(ts).expect("an RFC 3339 time"), l.to_string()));
        }
        drop(st);
        self.notify();
    }

    /// The container restarted: its current log becomes the previous one.
    pub fn restart_container(&self, namespace: &str, pod: &str, container: &str) {
        let mut st = self.lock();
        let log = st.logs.entry((namespace.into(), pod.into(), container.into())).or_default();
        log.previous = Some(std::mem::take(&mut log.current));
        drop(st);
        self.drop_connections();
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.lock().requests.clone()
    }

    /// Requests that are not reads, or that touch Secrets.
    pub fn writes_or_secrets(&self) -> Vec<Logged> {
        self.requests().into_iter().filter(|r| r.method != "GET" || r.target.contains("secrets")).collect()
    }

    // ---- serving ----

    fn accept(&self, listener: TcpListener) {
        let state = self.state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                // As Go's net/http (kube-apiserver) does: no Nagle delay on small answers.
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                std::thread::spawn(move || {
                    let server = ApiServer { port: 0, state };
                    server.connection(stream);
                });
            }
        });
    }

    fn connection(&self, mut stream: TcpStream) {
        if self.lock().down {
            return;
        }
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        while let Some(req) = super::read_request(&mut reader) {
            let body = String::from_utf8_lossy(&req.body).into_owned();
            // The drop and expiry generations this request arrived in: a drop (or an expiry) after
            // it ends its stream, even when it lands before the stream's first byte.
            let (arrival, logged) = {
                let mut st = self.lock();
                let at = st.started.elapsed();
                st.requests.push(Logged {
                    method: req.method.clone(),
                    target: req.target.clone(),
                    body: body.clone(),
                    at,
                    bytes: 0,
                    took: Duration::ZERO,
                });
                (Arrival { drops: st.drops, expirations: st.expirations }, st.requests.len() - 1)
            };
            let before = SENT.with(|s| s.get());
            let keep = self.route(&mut stream, &req.method, &req.target, &body, arrival);
            let mut st = self.lock();
            let now = st.started.elapsed();
            if let Some(l) = st.requests.get_mut(logged) {
                l.bytes = SENT.with(|s| s.get()) - before;
                l.took = now.saturating_sub(l.at);
            }
            drop(st);
            if !keep {
                return;
            }
        }
    }

    /// Answer one request; `false` when the connection is done (a stream ended).
    fn route(&self, stream: &mut TcpStream, method: &str, target: &str, body: &str, arrival: Arrival) -> bool {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let params: BTreeMap<String, String> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned()))
            .collect();
        let (arc, fault) = {
            let st = self.lock();
            (st.arc_installed, st.fault.clone())
        };
        let is_list = method == "GET" && !params.contains_key("watch") && !path.ends_with("/log");
        match &fault {
            Fault::Status(code, message) => {
                return respond(stream, *code, &status(*code, status_reason(*code), message));
            }
            Fault::Hang => {
                std::thread::sleep(Duration::from_secs(3600));
                return false;
            }
            Fault::Drip => {
                let body =
                    json!({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": []})
                        .to_string();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                if stream.write_all(head.as_bytes()).is_err() {
                    return false;
                }
                for b in body.as_bytes() {
                    std::thread::sleep(Duration::from_secs(1));
                    if stream.write_all(&[*b]).and_then(|_| stream.flush()).is_err() {
                        return false;
                    }
                }
                return true;
            }
            Fault::EndlessList if is_list && path.contains("/pods") => {
                if !chunked_head(stream, "application/json")
                    || !chunk(
                        stream,
                        r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":["#,
                    )
                {
                    return false;
                }
                let filler = format!(r#"{{"metadata":{{"name":"{}"}}}},"#, "x".repeat(4000));
                while chunk(stream, &filler) {}
                return false;
            }
            Fault::MalformedItems if is_list && RESOURCES.iter().any(|r| path.ends_with(&format!("/{}", r.1))) => {
                let list = json!({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": "notalist"});
                return respond(stream, 200, &list);
            }
            _ => {}
        }
        // Discovery and the issuer.
        let discovery = match path {
            "/version" => Some(
                json!({"major": "1", "minor": "33", "gitVersion": "v1.33.4-eks-loopback", "platform": "linux/amd64"}),
            ),
            "/api" => Some(json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})),
            "/apis" => {
                let mut groups = vec![];
                if arc {
                    groups.push(json!({"name": "actions.github.com", "versions": [{"groupVersion": "actions.github.com/v1alpha1", "version": "v1alpha1"}], "preferredVersion": {"groupVersion": "actions.github.com/v1alpha1", "version": "v1alpha1"}}));
                }
                Some(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
            }
            "/api/v1" => Some(resource_list("v1", "/api/v1")),
            p if p == ARC && arc => Some(resource_list("actions.github.com/v1alpha1", ARC)),
            "/.well-known/openid-configuration" => {
                let issuer = self.lock().issuer.clone();
                Some(
                    json!({"issuer": issuer, "jwks_uri": "https://ip-172-16-0-1.eu-west-1.compute.internal:443/openid/v1/jwks", "response_types_supported": ["id_token"], "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]}),
                )
            }
            _ => None,
        };
        if let Some(v) = discovery {
            return method == "GET" && respond(stream, 200, &v);
        }
        // `{prefix}/[namespaces/{ns}/]{plural}[/{name}[/{subresource}]]`
        let not_found = status(404, "NotFound", "the server could not find the requested resource");
        let Some(prefix) = ["/api/v1", ARC].into_iter().find(|p| path.starts_with(&format!("{p}/"))) else {
            return respond(stream, 404, &not_found);
        };
        let rest: Vec<&str> = path[prefix.len() + 1..].split('/').collect();
        let (ns, plural, tail): (Option<&str>, &str, &[&str]) = match rest.as_slice() {
            ["namespaces", ns, plural, tail @ ..] => (Some(*ns), *plural, tail),
            [plural, tail @ ..] => (None, *plural, tail),
            [] => return respond(stream, 404, &not_found),
        };
        let Some(&(_, plural, kind, namespaced)) = RESOURCES.iter().find(|r| r.0 == prefix && r.1 == plural) else {
            return respond(stream, 404, &not_found);
        };
        if prefix == ARC && !arc {
            return respond(stream, 404, &not_found);
        }
        let group = if prefix == "/api/v1" { "\"\"".to_string() } else { "\"actions.github.com\"".to_string() };
        match (method, tail) {
            ("GET", []) => {
                if let Some(allowed) = self.lock().rbac.get(plural).cloned()
                    && !ns.is_some_and(|n| allowed.iter().any(|a| a == n))
                {
                    let scope = match ns {
                        Some(n) => format!("in the namespace \"{n}\""),
                        None => "at the cluster scope".into(),
                    };
                    let verb =
                        if params.get("watch").is_some_and(|w| w == "1" || w == "true") { "watch" } else { "list" };
                    let msg = format!(
                        "{plural} is forbidden: User \"dev\" cannot {verb} resource \"{plural}\" in API group {group} {scope}"
                    );
                    return respond(stream, 403, &status(403, "Forbidden", &msg));
                }
                if params.get("watch").is_some_and(|w| w == "1" || w == "true") {
                    self.watch(stream, plural, ns, &params, arrival);
                    return false;
                }
                self.list(stream, plural, kind, prefix, ns, namespaced, &params)
            }
            ("GET", [name]) => match self
                .lock()
                .objects
                .get(&(plural.into(), ns.unwrap_or("").into(), (*name).into()))
                .map(Stored::full)
            {
                Some(o) => respond_json(stream, 200, &o),
                None => respond(stream, 404, &status(404, "NotFound", &format!("{plural} \"{name}\" not found"))),
            },
            ("GET", [pod, "log"]) if plural == "pods" => {
                self.pod_log(stream, ns.unwrap_or("default"), pod, &params, arrival.drops)
            }
            ("POST", [sa, "token"]) if plural == "serviceaccounts" => {
                self.token(stream, ns.unwrap_or("default"), sa, body)
            }
            _ => respond(
                stream,
                405,
                &status(405, "MethodNotAllowed", &format!("the loopback server does not serve {method} {path}")),
            ),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        stream: &mut TcpStream,
        plural: &str,
        kind: &str,
        prefix: &str,
        ns: Option<&str>,
        namespaced: bool,
        params: &BTreeMap<String, String>,
    ) -> bool {
        let st = self.lock();
        // Continue tokens: opaque, with characters a client must escape, and — as the API
        // server's — holding the key to go on after, so a page costs its own items, not a walk
        // over the pages before (50,000 pods are 100 pages). The count of the first page rides
        // along for `remainingItemCount`.
        let token = match params.get("continue") {
            Some(c) => match parse_continue(c) {
                Some(t) => Some(t),
                None => return respond(stream, 400, &status(400, "BadRequest", "continue key is not valid")),
            },
            None => None,
        };
        use std::ops::Bound::{Excluded, Included, Unbounded};
        // The kind's objects (in one namespace's: a range of its own) in key order.
        let scope = if namespaced { ns } else { None };
        let from = match &token {
            Some((_, _, key)) => Excluded((plural.to_string(), key.0.clone(), key.1.clone())),
            None => Included((plural.to_string(), scope.unwrap_or("").to_string(), String::new())),
        };
        let matching = || {
            st.objects
                .range((from.clone(), Unbounded))
                .take_while(|(k, _)| k.0 == plural && scope.is_none_or(|n| k.1 == n))
        };
        // The server may return fewer than `limit` (the API allows it); no limit: everything.
        let limit: usize =
            params.get("limit").and_then(|l| l.parse::<usize>().ok()).map_or(usize::MAX, |l| l.min(st.page_size));
        let (start, total) = match &token {
            Some((start, total, _)) => (*start, *total),
            None => (0, matching().count()),
        };
        let mut page: Vec<(&Key, Arc<str>)> =
            matching().take(limit.saturating_add(1)).map(|(k, v)| (k, v.item.clone())).collect();
        let more = page.len() > limit;
        page.truncate(limit);
        let end = start + page.len();
        let mut meta = json!({"resourceVersion": st.rv.to_string()});
        if let (true, Some((k, _))) = (more, page.last()) {
            meta["continue"] = json!(format!("rv/{}+{end}+{total}+{}==", st.rv, hex(&format!("{}\0{}", k.1, k.2))));
            meta["remainingItemCount"] = json!(total.saturating_sub(end));
        }
        let items: Vec<Arc<str>> = page.into_iter().map(|(_, v)| v).collect();
        drop(st);
        let api_version = if prefix == "/api/v1" { "v1" } else { "actions.github.com/v1alpha1" };
        let mut body = String::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 200);
        body.push_str(&format!(
            "{{\"kind\":\"{kind}List\",\"apiVersion\":\"{api_version}\",\"metadata\":{meta},\"items\":["
        ));
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(item);
        }
        body.push_str("]}");
        respond_json(stream, 200, &body)
    }

    fn watch(
        &self,
        stream: &mut TcpStream,
        plural: &str,
        ns: Option<&str>,
        params: &BTreeMap<String, String>,
        arrival: Arrival,
    ) {
        let Arrival { drops, expirations } = arrival;
        if !chunked_head(stream, "application/json") {
            return;
        }
        let from: u64 = params.get("resourceVersion").and_then(|r| r.parse().ok()).unwrap_or(0);
        let bookmarks = params.get("allowWatchBookmarks").is_some_and(|b| b == "true");
        let deadline = params
            .get("timeoutSeconds")
            .and_then(|t| t.parse::<u64>().ok())
            .map(|s| Instant::now() + Duration::from_secs(s));
        let (lock, cv) = &*self.state;
        let mut st = lock.lock().unwrap();
        match st.fault {
            Fault::GoneForever => {
                let e = json!({"type": "ERROR", "object": status(410, "Expired", &format!("too old resource version: {from} ({})", st.rv + 1))});
                drop(st);
                let _ = chunk(stream, &e.to_string());
                let _ = stream.write_all(b"0\r\n\r\n");
                return;
            }
            Fault::WatchEndsAtOnce => {
                drop(st);
                let _ = stream.write_all(b"0\r\n\r\n");
                return;
            }
            _ => {}
        }
        if from != 0 && from < st.compacted {
            let e = json!({"type": "ERROR", "object": status(410, "Expired", &format!("too old resource version: {from} ({})", st.compacted))});
            drop(st);
            let _ = chunk(stream, &e.to_string());
            let _ = stream.write_all(b"0\r\n\r\n");
            return;
        }
        let mut sent = from;
        let mut last_bookmark = Instant::now();
        loop {
            let after = st.history.partition_point(|h| h.0 <= sent);
            let lines: Vec<(u64, String)> = st.history[after..]
                .iter()
                .filter(|(rv, p, n, _)| *rv > sent && p == plural && ns.is_none_or(|x| x == n))
                .map(|(rv, _, _, l)| (*rv, l.clone()))
                .collect();
            let (rv_now, compacted, dropped, down) = (st.rv, st.compacted, st.drops != drops, st.down);
            let expired = st.expirations != expirations;
            let bookmark_every = st.bookmark_every;
            drop(st);
            if dropped || down {
                return; // the connection drops mid-stream: no terminating chunk
            }
            // The version this watch stands on expired under it: the API ends it with 410.
            if expired {
                let e = json!({"type": "ERROR", "object": status(410, "Expired", &format!("too old resource version: {sent} ({compacted})"))});
                let _ = chunk(stream, &e.to_string());
                let _ = stream.write_all(b"0\r\n\r\n");
                return;
            }
            for (rv, l) in &lines {
                if !chunk(stream, l) {
                    return;
                }
                sent = *rv;
            }
            if bookmarks && last_bookmark.elapsed() >= bookmark_every {
                last_bookmark = Instant::now();
                sent = sent.max(rv_now);
                let b = json!({"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": sent.to_string()}}});
                if !chunk(stream, &b.to_string()) {
                    return;
                }
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                let _ = stream.write_all(b"0\r\n\r\n");
                return;
            }
            st = cv.wait_timeout(lock.lock().unwrap(), Duration::from_millis(50)).unwrap().0;
        }
    }

    fn pod_log(
        &self,
        stream: &mut TcpStream,
        ns: &str,
        pod: &str,
        params: &BTreeMap<String, String>,
        drops: u64,
    ) -> bool {
        let Some(obj) = self.lock().objects.get(&("pods".into(), ns.into(), pod.into())).map(Stored::value) else {
            return respond(stream, 404, &status(404, "NotFound", &format!("pods \"{pod}\" not found")));
        };
        let containers: Vec<String> = ["/spec/containers", "/spec/initContainers"]
            .iter()
            .filter_map(|p| obj.pointer(p).and_then(Value::as_array))
            .flatten()
            .filter_map(|c| c["name"].as_str().map(str::to_string))
            .collect();
        let container = match params.get("container") {
            Some(c) => c.clone(),
            None if containers.len() == 1 => containers[0].clone(),
            None => {
                let msg = format!("a container name must be specified for pod {pod}, choose one of: {containers:?}");
                return respond(stream, 400, &status(400, "BadRequest", &msg));
            }
        };
        if !containers.contains(&container) {
            let msg = format!("container {container} is not valid for pod {pod}");
            return respond(stream, 400, &status(400, "BadRequest", &msg));
        }
        let key = (ns.to_string(), pod.to_string(), container.clone());
        let previous = params.get("previous").is_some_and(|p| p == "true");
        let lines: Vec<(u128, String)> = {
            let st = self.lock();
            let log = st.logs.get(&key).cloned().unwrap_or_default();
            if previous {
                match log.previous {
                    Some(p) => p,
                    None => {
                        drop(st);
                        let msg = format!("previous terminated container \"{container}\" in pod \"{pod}\" not found");
                        return respond(stream, 400, &status(400, "BadRequest", &msg));
                    }
                }
            } else {
                log.current
            }
        };
        let timestamps = params.get("timestamps").is_some_and(|t| t == "true");
        let since: Option<u128> = match (params.get("sinceTime"), params.get("sinceSeconds")) {
            (Some(t), _) => parse_rfc3339(t),
            (None, Some(s)) => s.parse::<u128>().ok().map(|s| now_nanos().saturating_sub(s * 1_000_000_000)),
            _ => None,
        };
        let mut selected: Vec<&(u128, String)> = lines.iter().filter(|(t, _)| since.is_none_or(|s| *t >= s)).collect();
        if let Some(n) = params.get("tailLines").and_then(|n| n.parse::<usize>().ok()) {
            selected = selected.split_off(selected.len().saturating_sub(n));
        }
        let fmt = |(t, l): &(u128, String)| {
            if timestamps { format!("{} {l}\n", rfc3339_nanos(*t)) } else { format!("{l}\n") }
        };
        let follow = params.get("follow").is_some_and(|f| f == "true") && !previous;
        if !follow {
            let text: String = selected.iter().map(|l| fmt(l)).collect();
            return respond_text(stream, &text);
        }
        if !chunked_head(stream, "text/plain") {
            return false;
        }
        for l in &selected {
            if !chunk(stream, fmt(l).trim_end_matches('\n')) {
                return false;
            }
        }
        let mut next = lines.len();
        let (lock, cv) = &*self.state;
        loop {
            let st = cv.wait_timeout(lock.lock().unwrap(), Duration::from_millis(50)).unwrap().0;
            if st.drops != drops || st.down {
                return false;
            }
            // The pod is gone: the stream ends.
            if !st.objects.contains_key(&("pods".into(), ns.into(), pod.into())) {
                drop(st);
                let _ = stream.write_all(b"0\r\n\r\n");
                return false;
            }
            let new: Vec<(u128, String)> =
                st.logs.get(&key).map(|l| l.current[next.min(l.current.len())..].to_vec()).unwrap_or_default();
            drop(st);
            for l in &new {
                if !chunk(stream, fmt(l).trim_end_matches('\n')) {
                    return false;
                }
            }
            next += new.len();
        }
    }

    fn token(&self, stream: &mut TcpStream, ns: &str, sa: &str, body: &str) -> bool {
        if !self.lock().objects.contains_key(&("serviceaccounts".into(), ns.into(), sa.into())) {
            return respond(stream, 404, &status(404, "NotFound", &format!("serviceaccounts \"{sa}\" not found")));
        }
        let req: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let audiences = req.pointer("/spec/audiences").cloned().unwrap_or(json!([]));
        let seconds = req.pointer("/spec/expirationSeconds").and_then(Value::as_u64).unwrap_or(3600);
        if seconds < 600 {
            let msg = "spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes";
            return respond(stream, 422, &status(422, "Invalid", msg));
        }
        let now = now_nanos();
        let exp = now + u128::from(seconds) * 1_000_000_000;
        let issuer = self.lock().issuer.clone();
        let claims = json!({"aud": audiences, "exp": (exp / 1_000_000_000) as u64, "iat": (now / 1_000_000_000) as u64, "iss": issuer, "sub": format!("system:serviceaccount:{ns}:{sa}"), "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": sa}}});
        let token = format!(
            "{}.{}.{}",
            b64url(br#"{"alg":"RS256","kid":"loopback"}"#),
            b64url(claims.to_string().as_bytes()),
            b64url(b"loopback-signature")
        );
        let mut answer = req.clone();
        answer["status"] = json!({"token": token, "expirationTimestamp": rfc3339_nanos(exp / 1_000_000_000 * 1_000_000_000).replace(".000000000", "")});
        respond(stream, 201, &answer)
    }
}

fn resource_list(group_version: &str, prefix: &str) -> Value {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.0 == prefix)
        .map(|(_, plural, kind, namespaced)| json!({"name": plural, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": ["get", "list", "watch"]}))
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        403 => "Forbidden",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// The `reason` a `Status` of this code carries (metav1.StatusReason).
fn status_reason(code: u16) -> &'static str {
    match code {
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        410 => "Expired",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        _ => "Unknown",
    }
}

fn respond(stream: &mut TcpStream, code: u16, v: &Value) -> bool {
    respond_json(stream, code, &v.to_string())
}

/// Head and body in one write, as a server's buffered writer sends them: two small writes
/// would meet Nagle's algorithm and the client's delayed ACK (a 40 ms stall a request).
fn respond_json(stream: &mut TcpStream, code: u16, body: &str) -> bool {
    let mut out = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        reason(code),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    count_sent(out.len() as u64);
    stream.write_all(&out).is_ok()
}

/// Where an object is stored: (plural, namespace, name), so a kind and a namespace are ranges.
type Key = (String, String, String);

/// A continue token's parts: items before it, the list's count, and the key to go on after.
fn parse_continue(token: &str) -> Option<(usize, usize, (String, String))> {
    let body = token.strip_prefix("rv/")?.strip_suffix("==")?;
    let mut parts = body.split('+').skip(1);
    let (start, total, key) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?);
    let bytes: Option<Vec<u8>> =
        (0..key.len()).step_by(2).map(|i| key.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    let key = String::from_utf8(bytes?).ok()?;
    let (ns, name) = key.split_once('\0')?;
    Some((start, total, (ns.to_string(), name.to_string())))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Bytes sent, on this connection's thread (for the request log) and by every server of the
/// process (what a client read: the harness's idle window).
fn count_sent(n: u64) {
    SENT.with(|s| s.set(s.get() + n));
    SENT_TOTAL.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
}

static SENT_TOTAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Bytes every loopback server of this process has sent so far, watch streams included.
pub fn bytes_sent() -> u64 {
    SENT_TOTAL.load(std::sync::atomic::Ordering::Relaxed)
}

thread_local! {
    /// Bytes this connection's thread has sent, for the request log.
    static SENT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Bytes on the wire: U+FFFF (a noncharacter no real text holds) stands for the invalid UTF-8
/// byte 0xFF, so a test can send a log line that is not UTF-8.
fn wire(text: &str) -> Vec<u8> {
    text.split('\u{FFFF}').collect::<Vec<_>>().join("\u{1}").bytes().map(|b| if b == 1 { 0xFF } else { b }).collect()
}

fn respond_text(stream: &mut TcpStream, text: &str) -> bool {
    let body = wire(text);
    let mut out =
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(&body);
    count_sent(out.len() as u64);
    stream.write_all(&out).is_ok()
}

fn chunked_head(stream: &mut TcpStream, content_type: &str) -> bool {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n");
    count_sent(head.len() as u64);
    stream.write_all(head.as_bytes()).is_ok()
}

/// One line as one chunk.
fn chunk(stream: &mut TcpStream, line: &str) -> bool {
    let line = wire(line);
    let mut c = format!("{:x}\r\n", line.len() + 1).into_bytes();
    c.extend_from_slice(&line);
    c.extend_from_slice(b"\n\r\n");
    count_sent(c.len() as u64);
    stream.write_all(&c).and_then(|_| stream.flush()).is_ok()
}
