//! Live Kubernetes, read-only. Connects like kubectl (KUBECONFIG / `--kubeconfig`, `--context`,
//! `-n`, `-A`; exec plugins such as `aws eks get-token` run through kube-rs), lists what the
//! bundle loader reads — pods, service accounts, namespaces, events, ARC's kinds, the cluster's
//! OIDC issuer — into the same `Inventory`, with `limit`/`continue` paging.
//!
//! Every request goes through one guard layer ([`ReadOnlyLayer`], in `guard`) below the client: only GET
//! (get, list, watch, logs) passes; Secrets are never requested, not even with GET.

use http::Request;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::model::{Inventory, Kind, Parsed};
use crate::sources::bundle;
use crate::sources::guard::{Permit, ReadOnlyLayer};
use serde_json::value::RawValue;

/// Connection flags, as kubectl spells them.
#[derive(Debug, Clone, Default)]
pub struct LiveArgs {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no usable kubeconfig ({0}); pass --kubeconfig FILE, or use --demo or --bundle DIR")]
    Config(String),
    #[error(
        "cannot reach the Kubernetes API server at {url}: {message}. Check the context (--context) and the network, or use --demo or --bundle DIR"
    )]
    Unreachable { url: String, message: String },
    /// The server answered, with an error or with something that is not what was asked.
    #[error("the Kubernetes API server at {url}: GET {path}: {message}")]
    Answer { url: String, path: String, message: String },
    #[error(
        "nothing could be read from the Kubernetes API server at {url}: {reasons}. Check the context's permissions (kubectl auth can-i list pods -A), or use --bundle DIR"
    )]
    NothingRead { url: String, reasons: String },
    #[error(
        "no answer from the Kubernetes API server at {server} for {secs} s: the kubeconfig's credential plugin (exec, such as `aws eks get-token`) may be waiting for input or the network, or the server does not answer; run `kubectl get pods` to see which, or use --bundle DIR"
    )]
    Stalled { server: String, secs: u64 },
}

/// A kube error in words: the HTTP status and the server's own message for an API answer, the
/// cause chain (each cause once) for the rest — never the error type's debug form.
pub fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() { String::new() } else { format!(" {}", s.reason) };
            let message = if s.message.is_empty() {
                "no message".to_string()
            } else {
                crate::text::shown(&s.message).into_owned()
            };
            format!("HTTP {}{reason}: {message}", s.code)
        }
        kube::Error::SerdeError(e) => format!("the answer is not what was asked for: {e}"),
        kube::Error::Service(e) if e.is::<Unanswered>() => e.to_string(),
        e => crate::text::causes(e),
    }
}

/// Was the request answered by the server (an HTTP status, a body)? Else it did not get there.
fn answered(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(_) | kube::Error::SerdeError(_) => true,
        kube::Error::Service(e) => e.is::<Unanswered>(),
        _ => false,
    }
}

/// A kube client behind the read-only guard, with timeouts that fail fast.
pub async fn connect(args: &LiveArgs) -> Result<(kube::Client, String), LiveError> {
    connect_with(args, Some(Duration::from_secs(30))).await
}

/// A client for long-lived streams (watches end themselves after `timeoutSeconds`; a quiet
/// followed log may send nothing for hours): no read timeout, the same connect timeout.
pub async fn connect_streaming(args: &LiveArgs) -> Result<kube::Client, LiveError> {
    connect_with(args, None).await.map(|(c, _)| c)
}

/// A client for a confirmed live probe: the same guard, holding the plan's one-time permit.
pub async fn connect_probe(args: &LiveArgs, permit: Arc<Permit>) -> Result<kube::Client, LiveError> {
    build(args, Some(Duration::from_secs(30)), ReadOnlyLayer { permit: Some(permit) }).await.map(|(c, _)| c)
}

async fn connect_with(args: &LiveArgs, read_timeout: Option<Duration>) -> Result<(kube::Client, String), LiveError> {
    build(args, read_timeout, ReadOnlyLayer::default()).await
}

/// The kubeconfig's server, read without connecting (no network, no credential plugin): the
/// screen opens on it; a kubeconfig that cannot be used is an error here.
pub fn server_url(args: &LiveArgs) -> Result<String, LiveError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Config(e.to_string()))?;
    rt.block_on(config(args)).map(|c| c.cluster_url.to_string())
}

/// The kube configuration of `args`, as kubectl reads it.
async fn config(args: &LiveArgs) -> Result<kube::Config, LiveError> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let options = KubeConfigOptions { context: args.context.clone(), cluster: None, user: None };
    match &args.kubeconfig {
        Some(path) => {
            precheck_kubeconfig(path).map_err(|e| LiveError::Config(format!("{}: {e}", path.display())))?;
            let kc = Kubeconfig::read_from(path).map_err(|e| LiveError::Config(format!("{}: {e}", path.display())))?;
            kube::Config::from_custom_kubeconfig(kc, &options).await.map_err(|e| LiveError::Config(e.to_string()))
        }
        None if args.context.is_some() => {
            kube::Config::from_kubeconfig(&options).await.map_err(|e| LiveError::Config(e.to_string()))
        }
        None => kube::Config::infer().await.map_err(|e| LiveError::Config(e.to_string())),
    }
}

async fn build(
    args: &LiveArgs,
    read_timeout: Option<Duration>,
    guard: ReadOnlyLayer,
) -> Result<(kube::Client, String), LiveError> {
    let mut config = config(args).await?;
    config.connect_timeout = Some(Duration::from_secs(3));
    config.read_timeout = read_timeout;
    // kube's own retry of 429/503/504 tries 15 times with waits up to 1,000 s (or the server's
    // Retry-After): an API server answering 429 forever held `check` for minutes. [`get`] retries
    // those itself, a few times within its deadline; watches back off on their own.
    config.default_retry = false;
    let url = config.cluster_url.to_string();
    let client = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| LiveError::Config(e.to_string()))?
        .with_layer(&guard)
        .build();
    Ok((client, url))
}

/// The largest body read for one answer: a LIST page of 500 real pods (managedFields and all)
/// is a few MB; an endless body stops here, with a message, instead of taking all of memory.
pub const MAX_BODY: usize = 256 << 20;
/// An error answer's body (a `Status`) is small.
const MAX_ERROR_BODY: usize = 1 << 20;
/// One request, connection to last byte: a server that accepts and never answers, or sends a
/// byte a second (each byte resets a read timeout), is given up on after this.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(20);

/// Why an answer was not read: said in words by [`describe`].
#[derive(Debug, thiserror::Error)]
pub enum Unanswered {
    #[error("no complete answer within {} s", REQUEST_DEADLINE.as_secs())]
    Deadline,
    #[error("the answer passed {} MiB and was not read further", .0 >> 20)]
    TooLarge(usize),
}

/// The largest kubeconfig read (a real one with a few hundred contexts is well under 1 MiB).
const MAX_KUBECONFIG: u64 = 16 << 20;

/// Refuse a kubeconfig that cannot be one before kube reads it whole: `/dev/zero` or a binary
/// file (a NUL byte in its first 64 KiB), or one larger than 16 MiB.
fn precheck_kubeconfig(path: &std::path::Path) -> Result<(), String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut head = Vec::new();
    file.by_ref().take(64 << 10).read_to_end(&mut head).map_err(|e| format!("cannot read: {e}"))?;
    if let Some(at) = head.iter().position(|&b| b == 0) {
        return Err(format!("binary data (a NUL byte at offset {at}), not a kubeconfig"));
    }
    file.take(MAX_KUBECONFIG + 1).read_to_end(&mut head).map_err(|e| format!("cannot read: {e}"))?;
    if head.len() as u64 > MAX_KUBECONFIG {
        return Err(format!("larger than {} MiB: not a kubeconfig", MAX_KUBECONFIG >> 20));
    }
    Ok(())
}

/// GET a path; `Ok(None)` for 404 (a kind not installed). Bounded in time
/// ([`REQUEST_DEADLINE`]) and in size ([`MAX_BODY`]).
pub(crate) async fn get(client: &kube::Client, path: &str) -> Result<Option<String>, kube::Error> {
    let answer = async {
        // 429, 503, 504: the server asks to come back; three more tries, 1, 2 and 4 s apart.
        let mut attempt = 0;
        let res = loop {
            let req = Request::get(path).body(kube::client::Body::empty()).expect("a valid request");
            let res = client.send(req).await?;
            if attempt == 3 || !matches!(res.status().as_u16(), 429 | 503 | 504) {
                break res;
            }
            tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
            attempt += 1;
        };
        let status = res.status();
        let failed = status.is_client_error() || status.is_server_error();
        let bytes = read_body(res.into_body(), if failed { MAX_ERROR_BODY } else { MAX_BODY }).await?;
        if failed {
            return Err(api_error(status.as_u16(), &bytes));
        }
        // A log may hold bytes that are not UTF-8: one costs a character, not the answer.
        Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    };
    let answer = async {
        let a = answer.await;
        ANSWERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        a
    };
    match tokio::time::timeout(REQUEST_DEADLINE, answer).await {
        Err(_) => Err(kube::Error::Service(Box::new(Unanswered::Deadline))),
        Ok(Ok(text)) => Ok(Some(text)),
        Ok(Err(kube::Error::Api(s))) if s.code == 404 => Ok(None),
        Ok(Err(e)) => Err(e),
    }
}

/// A body read whole, up to `limit` bytes.
async fn read_body(mut body: kube::client::Body, limit: usize) -> Result<Vec<u8>, kube::Error> {
    use http_body_util::BodyExt;
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        if let Some(data) = frame.data_ref() {
            if buf.len() + data.len() > limit {
                return Err(kube::Error::Service(Box::new(Unanswered::TooLarge(limit))));
            }
            buf.extend_from_slice(data);
        }
    }
    Ok(buf)
}

/// An error answer as the API's `Status` (or, when a proxy answered in text, that text).
fn api_error(code: u16, body: &[u8]) -> kube::Error {
    let status = match serde_json::from_slice::<kube::core::Status>(body) {
        Ok(s) if s.code == 0 => s.with_code(code),
        Ok(s) => s,
        Err(_) => {
            let text: String = String::from_utf8_lossy(body).trim().chars().take(300).collect();
            kube::core::Status::failure(&text, "").with_code(code)
        }
    };
    kube::Error::Api(status.boxed())
}

/// A name the server gave (a namespace, pod or container) as one path segment or query value:
/// a hostile one (`x/../y`, `a?b`) cannot change which path is asked for.
pub(crate) fn segment(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, QUERY_VALUE).to_string()
}

/// Characters a query value must escape (continue tokens are base64: `+`, `/`, `=`).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'/')
    .add(b'=')
    .add(b'?')
    .add(b'<')
    .add(b'>');

/// List everything arcscope shows into an `Inventory` (GET only).
pub async fn load(client: &kube::Client, url: &str, namespace: Option<&str>) -> Result<Inventory, LiveError> {
    let mut inv = Inventory { source: format!("live {url}"), ..Inventory::default() };
    let failed = |path: &str| {
        let path = path.to_string();
        move |e: kube::Error| {
            if answered(&e) {
                LiveError::Answer { url: url.to_string(), path, message: describe(&e) }
            } else {
                LiveError::Unreachable { url: url.to_string(), message: describe(&e) }
            }
        }
    };
    // What could not be listed, and whether anything could: nothing readable is an error, not
    // an empty cluster.
    let mut refused: Vec<String> = Vec::new();
    let mut listed_any = false;
    // Namespaces are cluster-scoped; a namespaced user may not list them.
    match list_all(client, &mut inv, Kind::Namespace, "/api/v1/namespaces")
        .await
        .map_err(failed("/api/v1/namespaces"))?
    {
        Listed::Ok | Listed::NotFound => {}
        Listed::Forbidden(message) => inv.warnings.push(forbidden("list", "namespaces", &message)),
    }
    for kind in Kind::WATCHED {
        let (group, plural) = (kind.api(), kind.plural());
        let scoped = |ns: &str| format!("{group}/namespaces/{}/{plural}", segment(ns));
        let path = match namespace {
            Some(ns) => scoped(ns),
            None => format!("{group}/{plural}"),
        };
        let outcome = list_all(client, &mut inv, kind, &path).await.map_err(failed(&path))?;
        match outcome {
            Listed::Ok => listed_any = true,
            Listed::NotFound => {
                if kind.is_arc() && !inv.warnings.iter().any(|w| w.contains("ARC")) {
                    inv.warnings.push(
                        "ARC not installed here (no actions.github.com/v1alpha1 kinds); the other views still work"
                            .into(),
                    );
                }
            }
            // RBAC fallback: a cluster-wide list is forbidden → the namespaces where it is allowed.
            Listed::Forbidden(message) if namespace.is_none() && !inv.namespaces.is_empty() => {
                let namespaces: Vec<String> = inv.namespaces.iter().cloned().collect();
                let mut allowed = 0;
                for ns in &namespaces {
                    let path = scoped(ns);
                    if matches!(list_all(client, &mut inv, kind, &path).await.map_err(failed(&path))?, Listed::Ok) {
                        allowed += 1;
                    }
                }
                listed_any |= allowed > 0;
                if allowed == 0 {
                    refused.push(format!("{plural}: {message}"));
                }
                inv.warnings.push(format!(
                    "cannot list {plural} at the cluster scope (kubectl auth can-i list {plural} -A): {message}; listed them in {allowed} of {} namespaces where allowed",
                    namespaces.len()
                ));
            }
            Listed::Forbidden(message) => {
                refused.push(format!("{plural}: {message}"));
                inv.warnings.push(forbidden("list", plural, &message))
            }
        }
    }
    if !listed_any {
        let reasons =
            if refused.is_empty() { "no kind arcscope reads is served".to_string() } else { refused.join("; ") };
        return Err(LiveError::NothingRead { url: url.to_string(), reasons });
    }
    // The cluster's OIDC issuer, for IRSA (the EKS webhook's tokens carry it).
    if let Ok(Some(text)) = get(client, "/.well-known/openid-configuration").await {
        add(&mut inv, "/.well-known/openid-configuration", &text);
    }
    recent_logs(client, &mut inv).await;
    Ok(inv)
}

/// Runner pods whose recent container logs are read (the rest: `arcscope explain` on demand).
pub const LOG_PODS: usize = 50;
/// Lines of each container's log (`tailLines`).
pub const LOG_TAIL: usize = 1000;
/// Logs read at once, on the client's one connection pool: a small answer takes a millisecond
/// or two on a near server, but tens on a far one; six in flight hide that without crowding the
/// API server (kubectl's default QPS is 5, its burst 10).
pub const LOG_CONCURRENCY: usize = 6;

/// One runner pod's containers whose recent log is read: `runner` and `dind`.
#[derive(Debug, Clone)]
pub struct LogPod {
    pub namespace: String,
    pub pod: String,
    pub containers: Vec<String>,
    /// Its scale set (`namespace/name` from ARC's labels; empty when it has none).
    pub scale_set: String,
    /// Kubernetes mode with a hook template (R38): the namespace's ConfigMaps say the job pod's
    /// service account.
    pub hook_template: bool,
}

impl LogPod {
    /// `Some` for a runner pod.
    pub fn of(p: &crate::model::k8s::Pod) -> Option<LogPod> {
        p.is_runner().then(|| LogPod {
            namespace: p.metadata.ns().to_string(),
            pod: p.metadata.name.clone(),
            containers: p.container_names().filter(|n| *n == "runner" || *n == "dind").map(str::to_string).collect(),
            scale_set: p
                .metadata
                .labels
                .get(crate::model::k8s::SCALE_SET_NAME_LABEL)
                .map(|set| format!("{}/{set}", p.metadata.ns()))
                .unwrap_or_default(),
            hook_template: p.spec.hook_template().is_some(),
        })
    }
}

/// R38: the ConfigMaps of each namespace whose runners take a hook template (the job pod's
/// service account is in one), one GET each; `done` gets the list's JSON text named as a bundle
/// document, or a warning. Read-only: a list, never Secrets.
pub async fn hook_templates(
    client: &kube::Client,
    pods: &[LogPod],
    mut done: impl FnMut(Result<(String, String), String>) -> bool,
) {
    let mut namespaces: Vec<&str> = pods.iter().filter(|p| p.hook_template).map(|p| p.namespace.as_str()).collect();
    namespaces.sort();
    namespaces.dedup();
    for ns in namespaces {
        let answer = match get(client, &format!("/api/v1/namespaces/{}/configmaps", segment(ns))).await {
            Ok(Some(text)) => Ok((format!("live:k8s/configmaps-{ns}.json"), text)),
            Ok(None) => continue,
            Err(e) => Err(format!(
                "cannot read the ConfigMaps of {ns} (the kubernetes-mode hook template is in one): {}; the job pods' service account stays unknown",
                describe(&e)
            )),
        };
        if !done(answer) {
            return;
        }
    }
}

/// Runner pods in the order their logs are read: one of each scale set in turn (sets in the
/// order they were listed), so that of 2,500 runners the [`LOG_PODS`] read give every set's
/// pulse row its loop counts, not the first namespace's 50.
pub fn take_turns(mut pods: Vec<LogPod>) -> Vec<LogPod> {
    let mut sets: std::collections::HashMap<String, (usize, usize)> = std::collections::HashMap::new();
    let mut turn = Vec::with_capacity(pods.len());
    for p in &pods {
        let next = sets.len();
        let (order, seen) = sets.entry(p.scale_set.clone()).or_insert((next, 0));
        turn.push((*seen, *order));
        *seen += 1;
    }
    let mut keyed: Vec<((usize, usize), LogPod)> = turn.into_iter().zip(pods.drain(..)).collect();
    keyed.sort_by_key(|(k, _)| *k);
    keyed.into_iter().map(|(_, p)| p).collect()
}

/// What reading the recent logs said beside the logs: how many runners were left out.
pub fn logs_left_out(runners: usize) -> Option<String> {
    (runners > LOG_PODS)
        .then(|| format!("read the logs of {LOG_PODS} of {runners} runner pods; `arcscope explain` reads any other"))
}

/// The last [`LOG_TAIL`] lines of each container of `pods` (the first [`LOG_PODS`]), as the
/// bundle's `logs/<namespace>/<pod>/<container>.log`, [`LOG_CONCURRENCY`] at a time, each handed
/// to `done` in order as it is read; a log that cannot be read is a warning, not fatal.
/// `done` returns false to stop.
pub async fn read_logs(
    client: &kube::Client,
    pods: &[LogPod],
    mut done: impl FnMut(Result<Option<crate::model::LogFile>, String>) -> bool,
) {
    use futures::StreamExt;
    let requests = pods.iter().take(LOG_PODS).flat_map(|p| p.containers.iter().map(move |c| (p, c.clone())));
    let mut answers = futures::stream::iter(requests)
        .map(|(p, c)| async move {
            let (ns, pod) = (&p.namespace, &p.pod);
            let path = format!(
                "/api/v1/namespaces/{}/pods/{}/log?container={}&tailLines={LOG_TAIL}",
                segment(ns),
                segment(pod),
                segment(&c)
            );
            match get(client, &path).await {
                Ok(Some(text)) => Ok(Some(crate::model::LogFile {
                    path: format!("logs/{ns}/{pod}/{c}.log"),
                    kind: crate::model::LogKind::Container {
                        namespace: ns.clone(),
                        pod: pod.clone(),
                        container: c.clone(),
                    },
                    text,
                })),
                Ok(None) => Ok(None),
                Err(e) => Err(format!("logs of {ns}/{pod} container {c}: {}", describe(&e))),
            }
        })
        .buffered(LOG_CONCURRENCY);
    while let Some(answer) = answers.next().await {
        if !done(answer) {
            return;
        }
    }
}

/// How many container logs [`read_logs`] reads for `pods`.
pub fn logs_to_read(pods: &[LogPod]) -> usize {
    pods.iter().take(LOG_PODS).map(|p| p.containers.len()).sum()
}

async fn recent_logs(client: &kube::Client, inv: &mut Inventory) {
    let pods = take_turns(inv.pods.iter().filter_map(LogPod::of).collect());
    let mut documents = Vec::new();
    hook_templates(client, &pods, |answer| {
        documents.push(answer);
        true
    })
    .await;
    for d in documents {
        match d {
            Ok((name, text)) => {
                if let Err(e) = super::bundle::add_file(inv, &name, text.as_bytes()) {
                    inv.warnings.push(e.to_string());
                }
            }
            Err(w) => inv.warnings.push(w),
        }
    }
    inv.warnings.extend(logs_left_out(pods.len()));
    read_logs(client, &pods, |answer| {
        match answer {
            Ok(Some(log)) => inv.logs.push(log),
            Ok(None) => {}
            Err(w) => inv.warnings.push(w),
        }
        true
    })
    .await;
}

enum Listed {
    Ok,
    NotFound,
    Forbidden(String),
}

/// One page of a list: its version, where it continues, and its items each left as JSON text —
/// no `serde_json::Value` tree of the whole page (3 MB at 500 pods), each item parsed once into
/// the typed fields arcscope reads (`model::Parsed`).
#[derive(serde::Deserialize)]
struct ListPage {
    #[serde(default)]
    metadata: ListMeta,
    items: Option<Vec<Box<RawValue>>>,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListMeta {
    resource_version: String,
    #[serde(rename = "continue")]
    cont: Option<String>,
}

/// Why an answer that is not a list page is not one, in words (read again only on this error
/// path): a list's `items` is an array; anything else would otherwise read as an empty cluster.
fn not_a_list(text: &str, e: serde_json::Error) -> kube::Error {
    use serde::de::Error as _;
    let got = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => match v.get("items") {
            None | Some(serde_json::Value::Null) => "no `items`".to_string(),
            Some(serde_json::Value::Array(_)) => return kube::Error::SerdeError(e),
            Some(v) => format!("`items` is {}", json_kind(v)),
        },
        Err(_) => return kube::Error::SerdeError(e),
    };
    kube::Error::SerdeError(serde_json::Error::custom(format!("not a List ({got}; a list's `items` is an array)")))
}

/// The one pager (`limit=500`, `continue`) for lists and watches: each page of one list parsed
/// by `parse` and handed to `page(parsed, items, last)` in order as it arrives (a 10,000-pod list
/// never sits in memory whole); `page` returns false to stop. Pipelined: a page is parsed on the
/// blocking pool while the next is fetched, so the server's time and ours overlap instead of
/// adding up. `Ok(Some((resourceVersion of the first page, truncated)))`; `Ok(None)` for 404, the
/// kind is not installed. A repeated continue token stops the pager instead of looping it
/// forever (truncated).
pub(crate) async fn each_page<T: Send + 'static>(
    client: &kube::Client,
    base: &str,
    parse: impl Fn(Vec<Box<RawValue>>) -> T + Send + Clone + 'static,
    mut page: impl FnMut(T, usize, bool) -> bool,
) -> Result<Option<(String, bool)>, kube::Error> {
    let mut resource_version: Option<String> = None;
    let mut cont: Option<String> = None;
    let mut seen_tokens: Vec<String> = Vec::new();
    // The page before, being parsed: delivered once the next has been fetched.
    let mut parsing: Option<(tokio::task::JoinHandle<T>, usize)> = None;
    loop {
        let mut path = format!("{base}?limit=500");
        if let Some(c) = &cont {
            path.push_str("&continue=");
            path.push_str(&segment(c));
        }
        let fetched = match parsing.take() {
            None => get(client, &path).await,
            Some((job, n)) => {
                let (fetched, parsed) = futures::join!(get(client, &path), job);
                if !page(parsed.map_err(not_parsed)?, n, false) {
                    return Ok(Some((resource_version.unwrap_or_default(), false)));
                }
                fetched
            }
        };
        let Some(text) = fetched? else { return Ok(None) };
        let (meta, items) = match serde_json::from_str::<ListPage>(&text) {
            Ok(ListPage { metadata, items: Some(items) }) => (metadata, items),
            Ok(ListPage { items: None, .. }) => {
                use serde::de::Error as _;
                return Err(not_a_list(&text, serde_json::Error::custom("no items")));
            }
            Err(e) => return Err(not_a_list(&text, e)),
        };
        drop(text);
        resource_version.get_or_insert(meta.resource_version);
        let next = meta.cont.filter(|c| !c.is_empty());
        let truncated = next.as_ref().is_some_and(|c| seen_tokens.contains(c) || seen_tokens.len() >= 10_000);
        let n = items.len();
        let parse = parse.clone();
        let job = tokio::task::spawn_blocking(move || parse(items));
        if next.is_none() || truncated {
            page(job.await.map_err(not_parsed)?, n, true);
            return Ok(Some((resource_version.unwrap_or_default(), truncated)));
        }
        parsing = Some((job, n));
        let c = next.expect("not last");
        seen_tokens.push(c.clone());
        cont = Some(c);
    }
}

/// A page's parse that did not finish (it cannot panic; the runtime was going away).
fn not_parsed(e: tokio::task::JoinError) -> kube::Error {
    use serde::de::Error as _;
    kube::Error::SerdeError(serde_json::Error::custom(format!("a list page was not parsed: {e}")))
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// One page's items parsed as `kind` on the reading thread, those `keep` accepts (only they
/// cost their kept text); and why each one that cannot be read as its kind cannot.
pub(crate) fn parse_page(
    kind: Kind,
    raw: &[Box<RawValue>],
    keep: impl Fn(&crate::model::Typed) -> bool,
) -> (Vec<Parsed>, Vec<String>) {
    let (mut items, mut unreadable) = (Vec::with_capacity(raw.len()), Vec::new());
    for r in raw {
        match Parsed::from_json_if(kind, r.get(), &keep) {
            Ok(Some(p)) => items.push(p),
            Ok(None) => {}
            Err(e) => unreadable.push(e),
        }
    }
    (items, unreadable)
}

/// Every page of one list of `kind` into `inv`, each item parsed as it arrives (`limit=500`): a
/// 36,000-pod list never sits in memory as JSON at once, only as the typed objects the store keeps.
async fn list_all(client: &kube::Client, inv: &mut Inventory, kind: Kind, base: &str) -> Result<Listed, kube::Error> {
    let listed = each_page(
        client,
        base,
        move |raw| parse_page(kind, &raw, |_| true),
        |(items, unreadable), _, _| {
            for p in items {
                inv.put_parsed(p, false);
            }
            inv.warnings.extend(unreadable.into_iter().map(|e| format!("{base}: a {kind}: {e}")));
            true
        },
    )
    .await;
    match listed {
        Ok(Some((_, truncated))) => {
            if truncated {
                inv.warnings.push(format!("{base}: the server repeated a continue token; the list may be incomplete"));
            }
            Ok(Listed::Ok)
        }
        Ok(None) => Ok(Listed::NotFound),
        Err(kube::Error::Api(s)) if s.code == 403 => Ok(Listed::Forbidden(s.message)),
        Err(e) => Err(e),
    }
}

/// A 403, as `kubectl auth can-i` would ask it — named from the API server's own message.
fn forbidden(verb: &str, resource: &str, message: &str) -> String {
    format!(
        "cannot {verb} {resource} (kubectl auth can-i {verb} {resource}): {message}; views that need them say unknown"
    )
}

fn add(inv: &mut Inventory, path: &str, text: &str) {
    let name = format!("live:{path}.json");
    if let Err(e) = bundle::add_file(inv, &name, text.as_bytes()) {
        inv.warnings.push(e.to_string());
    }
}

/// Answers received so far by [`get`], process-wide: what [`load_blocking`] watches to tell a
/// slow cluster (answers keep coming) from a hang it cannot time out from inside — kube runs a
/// kubeconfig's exec credential plugin (`aws eks get-token`) synchronously on the runtime's
/// thread, where no timer fires.
static ANSWERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How long [`load_blocking`] waits with no answer before giving up.
pub const NO_PROGRESS: Duration = Duration::from_secs(25);

/// Connect and load on a small runtime on its own thread; for the synchronous commands. Ends
/// with a message after [`NO_PROGRESS`] without an answer, whatever is stuck.
pub fn load_blocking(args: &LiveArgs) -> Result<Inventory, LiveError> {
    use std::sync::atomic::Ordering;
    let (tx, rx) = std::sync::mpsc::channel();
    let job = args.clone();
    std::thread::spawn(move || {
        let result = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| LiveError::Config(e.to_string()))
            .and_then(|rt| {
                rt.block_on(async {
                    let (client, url) = connect(&job).await?;
                    load(&client, &url, job.namespace.as_deref()).await
                })
            });
        let _ = tx.send(result);
    });
    let mut seen = ANSWERS.load(Ordering::Relaxed);
    let mut since = std::time::Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(result) => return result,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(LiveError::Config("the cluster reader stopped unexpectedly".into()));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        let now = ANSWERS.load(Ordering::Relaxed);
        if now != seen {
            (seen, since) = (now, std::time::Instant::now());
        } else if since.elapsed() >= NO_PROGRESS {
            return Err(LiveError::Stalled { server: server_of(args), secs: NO_PROGRESS.as_secs() });
        }
    }
}

/// The kubeconfig's context names and the one `args` uses (`--context`, else its current one),
/// for `:ctx`. Empty when it cannot be read (the connection says why).
pub fn contexts(args: &LiveArgs) -> (Vec<String>, Option<String>) {
    use kube::config::Kubeconfig;
    let kc = match &args.kubeconfig {
        Some(p) if precheck_kubeconfig(p).is_ok() => Kubeconfig::read_from(p),
        Some(_) => return (Vec::new(), args.context.clone()),
        None => Kubeconfig::read(),
    };
    let Ok(kc) = kc else { return (Vec::new(), args.context.clone()) };
    let current = args.context.clone().or(kc.current_context.clone());
    (kc.contexts.into_iter().map(|c| c.name).collect(), current)
}

/// The server the kubeconfig names, for a message (best effort: `?` when it cannot be read).
fn server_of(args: &LiveArgs) -> String {
    use kube::config::Kubeconfig;
    let kc = match &args.kubeconfig {
        Some(p) => Kubeconfig::read_from(p),
        None => Kubeconfig::read(),
    };
    let Ok(kc) = kc else { return "?".into() };
    let context = args.context.clone().or(kc.current_context.clone());
    let cluster = kc
        .contexts
        .iter()
        .find(|c| Some(&c.name) == context.as_ref())
        .and_then(|c| c.context.as_ref())
        .map(|c| c.cluster.clone());
    kc.clusters
        .iter()
        .find(|c| Some(&c.name) == cluster.as_ref())
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::{LogPod, take_turns};

    #[test]
    fn recent_logs_take_turns_by_scale_set_in_listed_order() {
        let pod = |set: &str, n: usize| LogPod {
            namespace: "ns".into(),
            pod: format!("{set}-{n}"),
            containers: vec!["runner".into()],
            scale_set: if set.is_empty() { String::new() } else { format!("ns/{set}") },
            hook_template: false,
        };
        let pods = vec![pod("a", 1), pod("a", 2), pod("a", 3), pod("b", 1), pod("", 1), pod("b", 2)];
        let order: Vec<String> = take_turns(pods).into_iter().map(|p| p.pod).collect();
        assert_eq!(order, ["a-1", "b-1", "-1", "a-2", "b-2", "a-3"]);
    }
}
