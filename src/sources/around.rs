//! What the live view reads once beside the watches: the namespaces (for `:ns` and the RBAC
//! messages), the cluster's OIDC discovery document (the issuer IRSA tokens carry) and the
//! runners' recent logs — those only after the first pod list, a few at a time and one scale set
//! after another, so they never hold the first rows back. Each answer is a message as it comes; GET only.

use std::sync::mpsc::Sender;

use super::cluster::{self, LogPod};
use super::msg::{Change, Msg, Stream};
use crate::model::Kind;

/// Read the namespaces and the discovery document, then the recent logs of the runner pods the
/// pod watch's first list hands over on `runners`.
pub async fn read(
    client: &kube::Client,
    generation: u64,
    tx: &Sender<Msg>,
    runners: tokio::sync::oneshot::Receiver<Vec<LogPod>>,
) {
    let send = |from: Stream, change: Change| tx.send(Msg { generation, from, change }).is_ok();
    let namespaces = async {
        let (mut first, mut listed) = (true, 0);
        let parse = |raw: Vec<Box<serde_json::value::RawValue>>| cluster::parse_page(Kind::Namespace, &raw, |_| true).0;
        let outcome = cluster::each_page(client, "/api/v1/namespaces", parse, |items, n, last| {
            listed += n;
            let go =
                send(Stream::Kind(Kind::Namespace), Change::Relisted { namespace: None, items, first, last, listed });
            first = false;
            go
        })
        .await;
        // Namespaces are cluster-scoped: a namespaced user may not list them, and nothing else
        // depends on it.
        match outcome {
            Err(kube::Error::Api(s)) if s.code == 403 => {
                send(
                    Stream::Cluster,
                    Change::Warning(format!(
                        "cannot list namespaces (kubectl auth can-i list namespaces): {}; `:ns` completes only the namespaces seen",
                        crate::text::shown(&s.message)
                    )),
                );
            }
            Err(e) => {
                send(Stream::Cluster, Change::Warning(format!("cannot list namespaces: {}", cluster::describe(&e))));
            }
            Ok(_) => {}
        }
    };
    let issuer = async {
        const DISCOVERY: &str = "/.well-known/openid-configuration";
        if let Ok(Some(text)) = cluster::get(client, DISCOVERY).await {
            send(Stream::Cluster, Change::Document { name: format!("live:{DISCOVERY}.json"), text });
        }
    };
    let logs = async {
        // The pod watch drops its end when it cannot list pods: then there are no logs to read.
        let Ok(pods) = runners.await else { return };
        let pods = cluster::take_turns(pods);
        // R38: the hook templates first (a few namespaces): they decide the job pods' identity.
        cluster::hook_templates(client, &pods, |answer| match answer {
            Ok((name, text)) => send(Stream::Cluster, Change::Document { name, text }),
            Err(w) => send(Stream::Cluster, Change::Warning(w)),
        })
        .await;
        if let Some(w) = cluster::logs_left_out(pods.len()) {
            send(Stream::Cluster, Change::Warning(w));
        }
        let of = cluster::logs_to_read(&pods);
        if of == 0 {
            return;
        }
        let mut done = 0;
        send(Stream::Cluster, Change::LogsRead { done, of });
        cluster::read_logs(client, &pods, |answer| {
            done += 1;
            let told = match answer {
                Ok(Some(log)) => send(Stream::Cluster, Change::RecentLog(log)),
                Ok(None) => true,
                Err(w) => send(Stream::Cluster, Change::Warning(w)),
            };
            told && send(Stream::Cluster, Change::LogsRead { done, of })
        })
        .await;
    };
    futures::future::join3(namespaces, issuer, logs).await;
}
