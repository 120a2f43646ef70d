//! Live changes reach the state here: store messages (watch changes, log lines, stream states,
//! IAM and probe results) and the demo's replay, re-simulating only the chains a change touches.

use crate::chain::link;
use crate::chain::{CheckOptions, resolve_all};

use crate::model::{Inventory, Kind};
use crate::sources::msg::{Change, Msg, Stream};

use super::{App, STATUS_TICKS, View};

impl App {
    /// A message from a live source. Returns whether anything visible changed.
    pub fn apply(&mut self, msg: Msg) -> bool {
        let current = if msg.from == Stream::Log { self.streams.log_generation } else { self.streams.generation };
        if msg.generation != current {
            return false; // from a connection or view that is gone
        }
        match (msg.from, msg.change) {
            (_, Change::Probe(report)) => self.probe_answered(report),
            (_, Change::Iam(fresh)) => self.iam_read(*fresh),
            (Stream::Iam, Change::State(s)) => self.streams.iam_state = Some(s),
            (Stream::Log, Change::State(s)) => self.streams.log_state = Some(s),
            (Stream::Kind(kind), Change::State(s)) => {
                if s == "listing" {
                    self.streams.listing.entry(kind).or_insert(0);
                } else {
                    self.streams.listing.remove(&kind);
                }
                self.streams.stream_state.insert(kind.as_str(), s);
            }
            (Stream::Probe, Change::State(_)) => return false,
            (_, Change::Warning(w)) => {
                if !self.data.inv.warnings.contains(&w) {
                    self.data.inv.warnings.push(w);
                }
            }
            (_, Change::LogsRead { done, of }) => {
                self.streams.logs_read = (done < of).then_some((done, of));
            }
            (from, change) if self.streams.frozen => {
                self.streams.held.push(Msg { generation: msg.generation, from, change });
                return false;
            }
            (_, Change::LogLine { path, line }) => self.log_line(msg.generation, path, &line),
            (_, Change::Document { name, text }) => self.document(&name, &text),
            (_, Change::RecentLog(log)) => self.recent_log(log),
            (Stream::Kind(kind), change) => return self.object_changed(kind, change),
            (_, Change::Applied(_) | Change::Deleted { .. } | Change::Relisted { .. }) => return false,
            (_, Change::State(_)) => return false,
        }
        true
    }

    fn probe_answered(&mut self, report: crate::probe::ProbeReport) {
        let failed = report.lines.iter().filter(|l| !l.ok).count();
        let disagree = report.lines.iter().filter(|l| l.disagrees).count();
        self.status = Some(match (disagree, failed) {
            (0, 0) => format!("probe of {} done: AWS agrees with the prediction", report.subject),
            (0, n) => format!("probe of {}: {n} call(s) refused, as predicted — see the step panel", report.subject),
            (d, _) => {
                format!("⚠ probe of {}: AWS disagrees with {d} prediction(s) — see the step panel", report.subject)
            }
        });
        self.probe = Some(report);
    }

    /// IAM read again from live AWS: its parts replace the store's.
    fn iam_read(&mut self, fresh: Inventory) {
        self.data.inv.roles = fresh.roles;
        self.data.inv.managed_policies = fresh.managed_policies;
        self.data.inv.iam_accounts = fresh.iam_accounts;
        self.data.inv.listed_roles = fresh.listed_roles;
        self.data.inv.oidc_providers = fresh.oidc_providers;
        self.data.inv.oidc_client_ids_by_url = fresh.oidc_client_ids_by_url;
        self.data.inv.aws_documents = fresh.aws_documents;
        self.data.inv.iam_warnings = fresh.iam_warnings;
        self.data.inv.caller = fresh.caller.or(self.data.inv.caller.take());
        self.streams.iam_state = None;
        self.streams.iam_loaded_at = Some(std::time::Instant::now());
        let throttled = self.data.inv.iam_warnings.iter().find(|w| w.contains("throttled")).cloned();
        self.status = Some(match (&self.data.inv.caller, self.data.inv.iam_warnings.first()) {
            (Some(_), _) => match throttled {
                Some(t) => format!("IAM read from live AWS — {t}"),
                None => "IAM read from live AWS".into(),
            },
            (None, Some(w)) => format!("⚠ {w}"),
            (None, None) => "no live AWS identity".into(),
        });
        // Who can assume each role (the Roles view): from the chains' base roles as simulated now.
        self.recompute();
        self.compute_reach();
        self.table_stale = true;
    }

    /// A file as a bundle holds it (the cluster's OIDC discovery document): read by the bundle's
    /// own reader, so live and offline cannot disagree.
    fn document(&mut self, name: &str, text: &str) {
        if let Err(e) = crate::sources::bundle::add_file(&mut self.data.inv, name, text.as_bytes()) {
            self.data.inv.warnings.push(e.to_string());
        }
        self.streams.chains_stale = true;
        self.table_stale = true;
    }

    /// A runner container's recent log, read after the first frame: analysed like a bundle's.
    /// The followed stream of the same container reads its own window: then this is not
    /// counted again.
    fn recent_log(&mut self, log: crate::model::LogFile) {
        let followed = self.streams.stream_source.as_ref().is_some_and(|(_, path)| *path == log.path);
        if !followed {
            self.data.analysis.begin_source(&log.path);
            let _ = crate::logs::reader::for_each_line(log.text.as_bytes(), crate::logs::reader::MAX_LINE, |l| {
                self.data.analysis.push(l)
            });
            link::link(&mut self.data.analysis, &self.data.chains);
        }
        self.data.inv.logs.push(log);
        self.table_stale = true;
    }

    /// One line of the followed log: the same folding and linking as a bundle's logs; lines of
    /// one stream fold together.
    fn log_line(&mut self, generation: u64, path: String, line: &str) {
        let stream = (generation, path);
        if self.streams.stream_source.as_ref() != Some(&stream) {
            // A new stream re-reads the log from its window: what was read of it before (the
            // load's recent lines, an earlier stream) is replaced, not counted twice.
            self.data.analysis.forget_source(&stream.1);
            self.data.analysis.begin_source(&stream.1);
            self.streams.stream_source = Some(stream);
        }
        self.ingest(line);
    }

    /// A watched object added, modified or deleted, or a relist page. Returns whether anything
    /// visible changed.
    fn object_changed(&mut self, kind: Kind, change: Change) -> bool {
        match change {
            Change::Applied(p) => {
                let id = p.id();
                let scale_set = p
                    .meta()
                    .and_then(|m| m.labels.get(crate::model::k8s::SCALE_SET_NAME_LABEL))
                    .map(|n| format!("{}/{n}", id.0));
                // A scale set's placeholder chain changes only when a runner comes or goes, not
                // when one is modified (most events): only then is the set re-resolved.
                let added = !self.data.inv.put_parsed(*p, true);
                self.recompute_one(kind, &id, scale_set.filter(|_| added));
            }
            Change::Deleted { namespace, name } => {
                // The last runner of a scale set gone: its placeholder chain comes back. Which set
                // it was in is on its chain (found by binary search: chains are in subject order).
                let key = format!("{namespace}/{name}");
                let at = self.data.chains.partition_point(|c| c.subject < key);
                let scale_set = self.data.chains.get(at).filter(|c| c.subject == key).and_then(|c| c.scale_set.clone());
                self.data.inv.remove_object(kind, &namespace, &name);
                self.recompute_one(kind, &(namespace, name), scale_set);
            }
            Change::Relisted { namespace, items, first, last, listed } => {
                // Page by page, each on screen as it comes: the first replaces the kind's
                // objects; each page's items are new to the store then, so no lookups; chains
                // are simulated again before the next frame (once for all pages in between).
                // A page with nothing kept (9,500 of 10,000 pods are not ARC's) changes no chain.
                let changed = first || !items.is_empty();
                if first {
                    self.data.inv.clear_kind(kind, namespace.as_deref());
                }
                for p in items {
                    self.data.inv.put_parsed(p, false);
                }
                if last {
                    self.streams.listing.remove(&kind);
                } else {
                    self.streams.listing.insert(kind, listed);
                }
                if kind.shapes_chains() && changed {
                    self.streams.chains_stale = true;
                }
                self.table_stale |= changed || last;
            }
            _ => return false,
        }
        true
    }

    /// After one object changed: re-simulate only the chains it can affect — its own runner
    /// (pod or EphemeralRunner), its scale set's placeholder chain, or every runner of a service
    /// account — instead of every chain (10,000 runners: microseconds, not a quarter second).
    pub(super) fn recompute_one(&mut self, kind: Kind, (ns, name): &(String, String), scale_set: Option<String>) {
        if !kind.shapes_chains() {
            // Events, EphemeralRunnerSets, listeners: shown beside the chains, never part of one.
            self.table_stale = true;
            return;
        }
        let key = format!("{ns}/{name}");
        let mut subjects: Vec<String> = match kind {
            Kind::ServiceAccount => {
                self.data.chains.iter().filter(|c| c.service_account == key).map(|c| c.subject.clone()).collect()
            }
            // The scale set's template shapes its placeholder chain and is the runners' context.
            Kind::AutoscalingRunnerSet => self
                .data
                .chains
                .iter()
                .filter(|c| c.scale_set.as_deref() == Some(key.as_str()))
                .map(|c| c.subject.clone())
                .chain([key.clone()])
                .collect(),
            _ => vec![key],
        };
        subjects.extend(scale_set);
        subjects.sort();
        subjects.dedup();
        if let Some(dirty) = &mut self.dirty_subjects {
            dirty.extend(subjects.iter().cloned());
        }
        for s in &subjects {
            // The subject's chains, found by binary search (the chains are in subject order) and
            // replaced in place when as many come back — nothing shifts among 10,000 on a modify.
            let lo = self.data.chains.partition_point(|c| c.subject.as_str() < s.as_str());
            let hi = self.data.chains.partition_point(|c| c.subject.as_str() <= s.as_str());
            let opts = CheckOptions { pod: Some(s.clone()), ..CheckOptions::default() };
            // Gone (or no longer a runner): its chains go.
            let fresh = resolve_all(&self.data.inv, &opts).unwrap_or_default();
            if fresh.len() == hi - lo {
                for (slot, c) in self.data.chains[lo..hi].iter_mut().zip(fresh) {
                    *slot = c;
                }
            } else {
                self.data.chains.splice(lo..hi, fresh);
            }
        }
        link::link(&mut self.data.analysis, &self.data.chains);
        if let View::Chain { subject } | View::Logs { subject } = self.view().clone() {
            self.resimulate(&subject);
        }
        // Rebuilt once before the next frame, however many changes arrive until then.
        self.table_stale = true;
    }

    /// Chains, links and rows after the model changed.
    /// Another cluster from now on (`:ctx`): what the old one's watches sent is dropped (a new
    /// generation), its objects and logs are forgotten, IAM (the account's) is kept. The views
    /// start again from the pulse, in every namespace.
    pub(super) fn begin_context(&mut self, name: &str) {
        self.streams.generation += 1;
        self.streams.log_generation += 1;
        self.streams.stream_state.clear();
        self.streams.listing.clear();
        self.streams.logs_read = None;
        self.streams.log_state = None;
        self.streams.held.clear();
        let inv = &mut self.data.inv;
        for kind in Kind::WATCHED {
            inv.clear_kind(kind, None);
        }
        inv.namespaces.clear();
        inv.objects.clear();
        inv.logs.clear();
        inv.warnings.clear();
        inv.cluster_issuer = None;
        inv.cluster_name = None;
        inv.source = format!("live {name}");
        self.data.analysis = crate::logs::Analysis::new(crate::logs::fold::FoldLimits::default());
        self.context = Some(name.to_string());
        self.nav.namespace = None;
        self.nav.stack = vec![View::Pulse];
        self.nav.tables.clear();
        self.status = Some(format!("context {name}: watching…"));
        self.recompute();
        self.compute_reach();
        self.after_view_change();
        self.status = Some(format!("context {name}: watching…"));
    }

    pub(super) fn recompute(&mut self) {
        self.dirty_subjects = None;
        self.data.chains = resolve_all(&self.data.inv, &CheckOptions::default()).unwrap_or_default();
        self.data.chains.sort_by(|a, b| a.subject.cmp(&b.subject));
        link::link(&mut self.data.analysis, &self.data.chains);
        if let View::Chain { subject } | View::Logs { subject } = self.view().clone() {
            self.resimulate(&subject);
        }
        self.refresh_table();
    }

    /// Who can assume what, from the runners' base roles (hop 1 of their chains).
    pub(super) fn compute_reach(&mut self) {
        self.data.assumable_by.clear();
        let mut bases: Vec<crate::iam::arn::RoleArn> = self
            .data
            .chains
            .iter()
            .filter_map(|c| c.steps.first())
            .filter(|s| s.decision == crate::iam::eval::Decision::Allow)
            .filter_map(|s| crate::iam::arn::RoleArn::parse(&s.resource))
            .collect();
        bases.sort_by_key(|r| r.arn());
        bases.dedup();
        for reach in crate::chain::reach::who_can_assume(&self.data.inv, &bases) {
            for (target, d) in reach.targets {
                if d == crate::iam::eval::Decision::Allow {
                    self.data
                        .assumable_by
                        .entry(target)
                        .or_default()
                        .push(reach.caller.rsplit('/').next().unwrap_or(&reach.caller).to_string());
                }
            }
        }
        // The requests the jobs really make (with their session tags, names, durations): a trust
        // that asks for aws:RequestTag/GitHub is met by them though not by a bare AssumeRole
        // (#15.12: the docs runner's publisher role read `-`).
        for c in &self.data.chains {
            for s in c
                .steps
                .iter()
                .filter(|s| s.action == "sts:AssumeRole" && s.decision == crate::iam::eval::Decision::Allow)
            {
                let Some(caller) = s.principal.split_once(":assumed-role/").and_then(|(_, r)| r.split('/').next())
                else {
                    continue;
                };
                let by = self.data.assumable_by.entry(s.resource.clone()).or_default();
                if !by.iter().any(|b| b == caller) {
                    by.push(caller.to_string());
                }
            }
        }
    }

    /// The watches in one phrase for the header: `watching 7 kinds`, or the first that is not
    /// (`Pod reconnecting 2`); kinds that are not installed (ARC absent) are not a problem.
    pub fn watch_summary(&self) -> Option<String> {
        if self.streams.stream_state.is_empty() {
            return None;
        }
        let fine = |s: &str| s == "watching" || s == "not installed" || s == "listing";
        Some(match self.streams.stream_state.iter().find(|(_, s)| !fine(s)) {
            Some((kind, s)) => format!("⚠ {kind} {s}"),
            None => {
                format!("watching {} kinds", self.streams.stream_state.values().filter(|s| *s == "watching").count())
            }
        })
    }

    /// While the cluster is being read: what, with live counts (`reading Pod 3,500… · logs
    /// 12/50`); `None` once it is all in. Before the first answer: `connecting…`.
    pub fn loading_summary(&self) -> Option<String> {
        if !self.caps.live {
            return None;
        }
        if self.streams.stream_state.is_empty() {
            return Some("connecting…".into());
        }
        let mut parts: Vec<String> = self
            .streams
            .listing
            .iter()
            .map(|(k, n)| if *n == 0 { format!("{k}…") } else { format!("{k} {}…", thousands(*n)) })
            .collect();
        if !parts.is_empty() {
            parts[0].insert_str(0, "reading ");
        }
        if let Some((done, of)) = self.streams.logs_read {
            parts.push(format!("logs {done}/{of}"));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// The container log the live UI should follow: of the pod on screen in the chain or logs
    /// view, the runner container unless another was picked, with the chosen window.
    pub fn log_target(&self) -> Option<crate::sources::logstream::LogTarget> {
        let (View::Chain { subject } | View::Logs { subject }) = self.view() else { return None };
        let (ns, name) = subject.split_once('/')?;
        let pod = self.data.inv.pods.iter().find(|p| p.metadata.ns() == ns && p.metadata.name == name)?;
        let names: Vec<String> = pod.container_names().map(str::to_string).collect();
        let container = match &self.chain.log.log_container {
            Some(c) if names.contains(c) => c.clone(),
            _ => pod.spec.runner_container().map(|c| c.name.clone()).or_else(|| names.first().cloned())?,
        };
        let mut target = crate::sources::logstream::LogTarget::new(ns, name, &container);
        target.previous = self.chain.log.log_previous;
        target.since_seconds = self.chain.log.log_since;
        Some(target)
    }

    /// Time passes: feed the next replayed log line. Returns whether anything changed.
    pub fn tick(&mut self) -> bool {
        // The header's `iam read 3m ago` ages: a redraw every 12 ticks (about 5 s) keeps it true.
        self.ticks = self.ticks.wrapping_add(1);
        let aged = self.streams.iam_loaded_at.is_some() && self.ticks.is_multiple_of(12);
        // Chains held back while pages came in: a frame simulates them once they are due.
        aged | self.status_expired() | self.streams.chains_stale | self.replay_tick()
    }

    /// A status message goes after [`STATUS_TICKS`] ticks (about 10 s), as k9s's flash does, so
    /// what it says cannot outlive what it was about (#15.12). `true`: it just went.
    fn status_expired(&mut self) -> bool {
        match (&self.status, &self.status_since) {
            (None, _) => {
                self.status_since = None;
                false
            }
            (Some(s), Some((seen, at))) if s == seen => {
                if self.ticks.wrapping_sub(*at) >= STATUS_TICKS {
                    self.status = None;
                    self.status_since = None;
                    return true;
                }
                false
            }
            (Some(s), _) => {
                self.status_since = Some((s.clone(), self.ticks));
                false
            }
        }
    }

    pub(super) fn replay_tick(&mut self) -> bool {
        if self.streams.frozen {
            return false;
        }
        let Some(r) = &mut self.replay else { return false };
        let Some(line) = r.lines.get(r.next).cloned() else { return false };
        r.next += 1;
        self.ingest(&line);
        self.refresh_table();
        true
    }

    /// One new log line (replayed or streamed). Linking runs only when the line brought a new
    /// finding: a repeat of a known line only bumps counts, which links already point at.
    pub(super) fn ingest(&mut self, line: &str) {
        let before = self.data.analysis.findings.len();
        self.data.analysis.push(line);
        if self.data.analysis.findings.len() != before {
            link::link(&mut self.data.analysis, &self.data.chains);
        }
    }
}

/// `3,500`: a count as people read it.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
