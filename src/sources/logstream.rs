//! Following a container's log (`kubectl logs -f`): `follow=true&timestamps=true`, the last 1,000
//! lines or a `--since` window first (or the previous container's log, read once); on a dropped stream, reconnect with backoff from `sinceTime` (the API's second
//! precision overlaps a little) and drop the overlap by timestamp, so there are neither
//! duplicates nor gaps. Lines go to the store as events with the stream's state.

use http::Request;
use std::sync::mpsc::Sender;

use super::cluster::{LiveArgs, connect_streaming};
use super::msg::{Change, Msg, Stream};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The previous (terminated) instance of the container (`kubectl logs --previous`): read
    /// once, not followed.
    pub previous: bool,
    /// `--since`: only lines of the last this many seconds; `None`: the last [`TAIL`] lines.
    pub since_seconds: Option<u32>,
}

/// Lines read first when no `--since` window is set (`kubectl logs --tail`).
pub const TAIL: usize = 1000;

impl LogTarget {
    /// The runner's current container, its last [`TAIL`] lines.
    pub fn new(namespace: &str, pod: &str, container: &str) -> Self {
        LogTarget {
            namespace: namespace.into(),
            pod: pod.into(),
            container: container.into(),
            previous: false,
            since_seconds: None,
        }
    }

    /// The bundle path the lines are filed under (`<container>.previous.log` for `--previous`).
    pub fn path(&self) -> String {
        let suffix = if self.previous { ".previous" } else { "" };
        format!("logs/{}/{}/{}{suffix}.log", self.namespace, self.pod, self.container)
    }

    /// The log request: follow the current container; read the previous one once. The first
    /// request starts at the window; a reconnect at `since_time`.
    pub fn url(&self, since_time: Option<&str>) -> String {
        let from = match (since_time, self.since_seconds) {
            (Some(t), _) => {
                format!("sinceTime={}", percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC))
            }
            (None, Some(s)) => format!("sinceSeconds={s}"),
            (None, None) => format!("tailLines={TAIL}"),
        };
        let mode = if self.previous { "previous=true" } else { "follow=true" };
        format!(
            "/api/v1/namespaces/{}/pods/{}/log?container={}&{mode}&timestamps=true&{from}",
            super::cluster::segment(&self.namespace),
            super::cluster::segment(&self.pod),
            super::cluster::segment(&self.container)
        )
    }
}

/// De-duplication across reconnects: lines at or before the last timestamp seen are the overlap.
#[derive(Debug, Default)]
pub struct Dedup {
    last_ts: String,
    at_last: Vec<String>,
}

impl Dedup {
    /// `line` is `<RFC3339Nano> <text>`. Returns the text when it is new.
    pub fn accept<'a>(&mut self, line: &'a str) -> Option<&'a str> {
        let (ts, text) = line.split_once(' ').unwrap_or((line, ""));
        match ts.cmp(self.last_ts.as_str()) {
            std::cmp::Ordering::Less => None,
            std::cmp::Ordering::Equal => {
                if self.at_last.iter().any(|t| t == text) {
                    None
                } else {
                    self.at_last.push(text.to_string());
                    Some(text)
                }
            }
            std::cmp::Ordering::Greater => {
                self.last_ts = ts.to_string();
                self.at_last = vec![text.to_string()];
                Some(text)
            }
        }
    }

    /// `sinceTime` for a reconnect: the last timestamp, cut to the API's second precision.
    pub fn since(&self) -> Option<String> {
        (self.last_ts.len() >= 19).then(|| format!("{}Z", &self.last_ts[..19]))
    }
}

/// Follow `target` on a background thread until `stop` is set or the receiver is dropped.
pub fn follow(
    args: LiveArgs,
    target: LogTarget,
    generation: u64,
    tx: Sender<Msg>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            let stopped = || stop.load(std::sync::atomic::Ordering::Relaxed);
            let send = |change: Change| !stopped() && tx.send(Msg { generation, from: Stream::Log, change }).is_ok();
            let client = match connect_streaming(&args).await {
                Ok(c) => c,
                Err(e) => {
                    let _ = send(Change::State(format!("not connected: {e}")));
                    return;
                }
            };
            let path = target.path();
            let mut dedup = Dedup::default();
            let mut failures: u32 = 0;
            loop {
                super::watch::backoff(failures).await;
                let url = target.url(dedup.since().as_deref());
                let reader =
                    match client.request_stream(Request::get(url).body(Vec::new()).expect("valid request")).await {
                        Ok(r) => r,
                        // 400: no previous instance, or the container is not in the pod.
                        Err(kube::Error::Api(s)) if matches!(s.code, 400 | 403 | 404) => {
                            let state = match s.code {
                                403 => "forbidden".to_string(),
                                404 => "gone".to_string(),
                                _ => format!("unavailable: {}", s.message),
                            };
                            let _ = send(Change::State(state));
                            return;
                        }
                        Err(_) => {
                            if !super::watch::failed_attempt(&send, &mut failures) {
                                return;
                            }
                            continue;
                        }
                    };
                if !send(Change::State("streaming".into())) {
                    return;
                }
                // Bounded and lossy, line by line: an endless line costs 64 KiB, a bad byte one
                // character (never the whole log).
                let mut lines = super::lines::Lines::new(Box::pin(reader), crate::logs::reader::MAX_LINE);
                let mut broke = false;
                loop {
                    match lines.next().await {
                        Ok(None) => break,
                        Ok(Some(l)) => {
                            if let Some(text) = dedup.accept(&l.text)
                                && !send(Change::LogLine { path: path.clone(), line: text.to_string() })
                            {
                                return;
                            }
                        }
                        Err(_) => {
                            broke = true;
                            break;
                        }
                    }
                }
                if broke {
                    if !super::watch::failed_attempt(&send, &mut failures) {
                        return;
                    }
                    continue;
                }
                if target.previous {
                    let _ = send(Change::State("ended (previous container)".into()));
                    return;
                }
                // A clean end: the container stopped (or the server closed): reconnect to find out.
                failures = 1;
                if !send(Change::State("ended; reconnecting".into())) {
                    return;
                }
            }
        });
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_dropped_and_equal_timestamps_kept_once() {
        let mut d = Dedup::default();
        assert_eq!(d.accept("2026-06-20T10:15:43.000000001Z a"), Some("a"));
        assert_eq!(d.accept("2026-06-20T10:15:43.000000001Z b"), Some("b"));
        assert_eq!(d.since().as_deref(), Some("2026-06-20T10:15:43Z"));
        // Reconnect from the second: the server repeats what we had.
        assert_eq!(d.accept("2026-06-20T10:15:43.000000000Z older"), None);
        assert_eq!(d.accept("2026-06-20T10:15:43.000000001Z a"), None);
        assert_eq!(d.accept("2026-06-20T10:15:43.000000001Z b"), None);
        assert_eq!(d.accept("2026-06-20T10:15:44.000000000Z c"), Some("c"));
    }
}
