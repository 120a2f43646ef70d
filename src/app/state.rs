//! Application state and `update`: the only place state changes, one `Action` at a time.

use regex::Regex;
use std::collections::HashMap;
use std::sync::Arc;
use tui_input::Input;

use crate::chain::link;
use crate::chain::{Chain, CheckOptions, Verdict, resolve_all};
use crate::logs::Analysis;
use crate::logs::fold::FoldLimits;
use crate::logs::reader::{MAX_LINE, for_each_line};
use crate::model::Inventory;

use super::Action;
use super::filter::{Filter, MAX_PATTERN, paste_text};
use super::keymap::{Context, Keymap};

/// The list views and the chain view (k9s "resources").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Pulse,
    /// Runners, optionally of one scale set (`namespace/name`).
    Runners {
        scale_set: Option<String>,
    },
    ServiceAccounts,
    Roles,
    Chain {
        subject: String,
    },
    Logs {
        subject: String,
    },
}

impl View {
    pub fn title(&self) -> String {
        match self {
            View::Pulse => "pulse".into(),
            View::Runners { scale_set: None } => "runners".into(),
            View::Runners { scale_set: Some(s) } => format!("runners({s})"),
            View::ServiceAccounts => "serviceaccounts".into(),
            View::Roles => "roles".into(),
            View::Chain { subject } => format!("chain({subject})"),
            View::Logs { subject } => format!("logs({subject})"),
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            View::Pulse => "pulse",
            View::Runners { .. } => "runners",
            View::ServiceAccounts => "sa",
            View::Roles => "roles",
            View::Chain { .. } => "chain",
            View::Logs { .. } => "logs",
        }
    }
    pub fn is_table(&self) -> bool {
        matches!(self, View::Pulse | View::Runners { .. } | View::ServiceAccounts | View::Roles)
    }
}

pub enum Mode {
    Normal,
    Command(Input),
    Filter(Input),
    Help,
    Text {
        title: String,
        text: String,
        scroll: usize,
    },
    /// A question before something is sent: `y` goes ahead, any other key cancels.
    ConfirmProbe(crate::probe::ProbePlan),
    /// The setup wizard's form (`:wizard`); `esc` leaves it, the answers stay for the next visit.
    Wizard(Box<crate::wizard::form::WizardForm>),
}

#[derive(Debug, Clone)]
pub struct Row {
    pub cells: Vec<String>,
    /// What the row stands for: a subject, SA `ns/name`, role ARN, scale set key.
    pub key: String,
    pub verdict: Option<Verdict>,
}

#[derive(Debug, Clone, Default)]
pub struct TableData {
    pub columns: Vec<&'static str>,
    /// Shared: a live change patches the runners table in place and the rows it did not touch
    /// stay as they were.
    pub rows: Vec<Arc<Row>>,
    /// Indexes of rows that pass the filter, in display (sorted) order.
    pub visible: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct TableState {
    pub selected: usize,
    pub sort: Option<(usize, bool)>,
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Steps,
    Logs,
}

/// What-ifs in the chain view, re-simulated instantly.
#[derive(Debug, Clone, Default)]
pub struct Sim {
    pub skip_tags: bool,
    pub target: Option<String>,
    pub duration: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct ChainState {
    pub chains: Vec<Chain>,
    pub selected_step: usize,
    /// The step panel's scroll (pgup/pgdn with the steps focused); the panel clamps it.
    pub detail_scroll: std::cell::Cell<usize>,
    /// The step panel's height as last drawn: a page of it.
    pub detail_page: std::cell::Cell<usize>,
    pub sim: Sim,
    pub focus: Focus,
    pub log_scroll: usize,
    pub autoscroll: bool,
    pub wrap: bool,
    pub timestamps: bool,
    pub fullscreen: bool,
    pub search_hit: Option<usize>,
    /// The container whose log is followed (live), when not the runner container.
    pub log_container: Option<String>,
    /// Read the previous instance of the container (`kubectl logs --previous`).
    pub log_previous: bool,
    /// `--since` window in seconds; `None`: the last lines.
    pub log_since: Option<u32>,
}

/// How the app starts: what `main` knows of the source and the flags.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub keymap: Keymap,
    /// When the data was read (RFC 3339); for a bundle, when it was taken.
    pub loaded_at: String,
    /// `loaded_at` is when an offline bundle was taken (ages read from it), not when it was read.
    pub captured: bool,
    /// A live cluster is the source: log options and the probe apply.
    pub live: bool,
    /// IAM comes from live AWS (not a bundle, not `--no-aws`): read at start, `r` reads it again.
    pub aws_live: bool,
    /// Started with `--allow-live-probe`: the probe may be offered (and still asks first).
    pub allow_live_probe: bool,
    /// Job logs replay over time, as they would arrive live (`--demo`).
    pub replay: bool,
}

impl Options {
    /// Defaults, with the data read at `loaded_at`.
    pub fn at(loaded_at: impl Into<String>) -> Options {
        Options { loaded_at: loaded_at.into(), ..Options::default() }
    }
}

/// What the app asks the terminal loop to do: the only way state reaches outside the app.
#[derive(Debug)]
pub enum Effect {
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Read IAM again from live AWS.
    ReadIam,
    /// Run a probe the user confirmed.
    Probe(crate::probe::Confirmed),
    /// Stop as SIGTSTP would (`ctrl-z`: raw mode delivers the key, not the signal).
    Suspend,
}

pub struct App {
    pub inv: Inventory,
    pub chains: Vec<Chain>,
    pub analysis: Analysis,
    pub keymap: Keymap,
    pub stack: Vec<View>,
    pub mode: Mode,
    pub tables: HashMap<&'static str, TableState>,
    pub table: TableData,
    pub chain: ChainState,
    pub namespace: Option<String>,
    pub frozen: bool,
    pub status: Option<String>,
    pub warnings: Vec<String>,
    pub quit: bool,
    /// Effects for the terminal loop, in order; it drains them after every update.
    effects: Vec<Effect>,
    pub loaded_at: String,
    /// `loaded_at` is when an offline bundle was taken (ages read from it), not when it was read.
    pub(crate) captured: bool,
    /// "Now" for ages, seconds since the epoch (fixed in tests so renders are stable).
    pub now: i64,
    /// Rows a page moves (set by the renderer from the visible height).
    pub page: usize,
    /// Screen row of the first table row and the index it shows (set by the renderer; mouse).
    pub table_top: u16,
    pub table_offset: usize,
    /// The demo's job log, replayed a line per tick so the loop visibly grows.
    replay: Option<Replay>,
    /// Role ARN → the runners' base roles whose sessions may assume it (the evaluator's answer).
    pub assumable_by: HashMap<String, Vec<String>>,
    /// Live events carry the generation they were started for; others are stale and dropped.
    pub generation: u64,
    /// Generation of the followed log (bumped on every switch of the followed container).
    pub log_generation: u64,
    /// The watch streams' state, for the header (`watching`, `reconnecting 2`).
    pub stream_state: std::collections::BTreeMap<&'static str, String>,
    /// The followed log's stream state (`streaming`, `reconnecting 2`, `forbidden`).
    pub log_state: Option<String>,
    /// Runners whose rows a live change touched since the table was built (patched in place
    /// before the next frame); `None`: everything changed, rebuild.
    dirty_subjects: Option<Vec<String>>,
    /// The view the table was built for.
    table_view: Option<View>,
    /// Live changes arrived since the table was built: `ui::layout` rebuilds it before the next
    /// frame (once per frame, not once per change).
    pub table_stale: bool,
    /// A live cluster is the source: log options and the probe apply.
    pub(crate) live: bool,
    /// IAM comes from live AWS (not a bundle, not `--no-aws`): `r` reads it again.
    pub(crate) aws_live: bool,
    /// The live IAM read: `loading…`, `throttled: retrying …`; `None` once loaded.
    pub iam_state: Option<String>,
    /// When live IAM was last read (its age is in the header).
    pub iam_loaded_at: Option<std::time::Instant>,
    /// Data ticks so far.
    ticks: u64,
    /// Started with `--allow-live-probe`: the probe may be offered (and still asks first).
    allow_live_probe: bool,
    /// The last probe's answers.
    pub probe: Option<crate::probe::ProbeReport>,
    /// The wizard's answers while it is closed.
    wizard: Option<Box<crate::wizard::form::WizardForm>>,
    /// The followed log's source label, when lines are streaming in.
    stream_source: Option<(u64, String)>,
    /// Events held while frozen, applied on thaw.
    held: Vec<crate::sources::watch::StoreEvent>,
    /// The current table's filter, compiled once per change of its pattern (the frames that
    /// highlight matches read it); `Err`: why the pattern cannot be used, shown in the prompt.
    pub filter: Result<Option<Filter>, String>,
    /// The confirmation on screen has been drawn and the input queued before it discarded: only
    /// a key pressed after this answers it (a paste or type-ahead never does).
    confirm_armed: bool,
    /// A word beside the prompt's text (a paste that was cut), until the next key.
    pub prompt_note: Option<String>,
}

struct Replay {
    source: String,
    lines: Vec<String>,
    next: usize,
}

pub const COMMANDS: &[(&str, &str)] = &[
    ("pulse", "scale sets at a glance"),
    ("runners", "runner pods, EphemeralRunners (pods, po)"),
    ("sa", "service accounts (alias serviceaccounts)"),
    ("roles", "IAM roles"),
    ("chain", "selected runner's chain (else the worst)"),
    ("logs", "logs of the selected runner"),
    ("ns", "namespace: ns NAME, ns all"),
    ("warnings", "what could not be read, and why"),
    ("wizard", "write a working setup, verified"),
    ("help", "keys"),
    ("q", "quit"),
];

fn canonical_command(word: &str) -> Option<&'static str> {
    Some(match word {
        "pulse" | "p" => "pulse",
        "runners" | "runner" | "pods" | "pod" | "po" => "runners",
        "sa" | "serviceaccounts" | "serviceaccount" => "sa",
        "roles" | "role" => "roles",
        "chain" | "chains" => "chain",
        "logs" | "log" => "logs",
        "ns" | "namespace" | "namespaces" => "ns",
        "warnings" | "warning" | "warn" => "warnings",
        "wizard" | "setup" => "wizard",
        "help" | "?" => "help",
        "q" | "q!" | "quit" | "exit" => "q",
        _ => return None,
    })
}

impl App {
    pub fn new(inv: Inventory, options: Options) -> App {
        let Options { keymap, loaded_at, captured, live, aws_live, allow_live_probe, replay } = options;
        let mut chains = resolve_all(&inv, &CheckOptions::default()).unwrap_or_default();
        // Subject order (stable: a subject's chains keep theirs), kept by live changes.
        chains.sort_by(|a, b| a.subject.cmp(&b.subject));
        let mut analysis = Analysis::new(FoldLimits::default());
        let mut replaying = None;
        for log in &inv.logs {
            if replay && replaying.is_none() && log.kind == crate::model::LogKind::Job {
                replaying = Some(Replay {
                    source: log.path.clone(),
                    lines: log.text.lines().map(str::to_string).collect(),
                    next: 0,
                });
                continue;
            }
            analysis.begin_source(&log.path);
            let _ = for_each_line(log.text.as_bytes(), MAX_LINE, |l| analysis.push(l));
        }
        link::link(&mut analysis, &chains);
        let warnings = keymap.warnings.clone();
        let mut app = App {
            inv,
            chains,
            analysis,
            keymap,
            stack: vec![View::Pulse],
            mode: Mode::Normal,
            tables: HashMap::new(),
            table: TableData::default(),
            chain: ChainState { autoscroll: true, ..ChainState::default() },
            namespace: None,
            frozen: false,
            status: None,
            warnings,
            quit: false,
            effects: Vec::new(),
            now: crate::iam::condition::parse_date(&loaded_at).unwrap_or(0),
            loaded_at,
            captured,
            page: 10,
            table_top: 0,
            table_offset: 0,
            replay: replaying,
            assumable_by: HashMap::new(),
            generation: 1,
            log_generation: 0,
            stream_state: std::collections::BTreeMap::new(),
            log_state: None,
            stream_source: None,
            table_stale: false,
            aws_live,
            iam_state: aws_live.then(|| "reading…".to_string()),
            iam_loaded_at: None,
            ticks: 0,
            dirty_subjects: None,
            table_view: None,
            live,
            allow_live_probe,
            probe: None,
            wizard: None,
            held: Vec::new(),
            filter: Ok(None),
            confirm_armed: false,
            prompt_note: None,
        };
        app.compute_reach();
        if let Some(r) = &app.replay {
            app.analysis.begin_source(&r.source.clone());
        }
        app.refresh_table();
        if aws_live {
            app.effects.push(Effect::ReadIam);
        }
        app
    }

    /// Effects are waiting: the loop runs them before it reads more input.
    pub fn has_effects(&self) -> bool {
        !self.effects.is_empty()
    }

    /// Before a frame: what live changes left pending (the table, patched or rebuilt once per
    /// frame, not once per change).
    pub fn settle(&mut self) {
        if self.table_stale {
            self.refresh_stale();
        }
    }

    /// The effects asked for since the last call, in order (the terminal loop runs them).
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Who can assume what, from the runners' base roles (hop 1 of their chains).
    fn compute_reach(&mut self) {
        let mut bases: Vec<crate::iam::arn::RoleArn> = self
            .chains
            .iter()
            .filter_map(|c| c.steps.first())
            .filter(|s| s.decision == crate::iam::eval::Decision::Allow)
            .filter_map(|s| crate::iam::arn::RoleArn::parse(&s.resource))
            .collect();
        bases.sort_by_key(|r| r.arn());
        bases.dedup();
        for reach in crate::chain::reach::who_can_assume(&self.inv, &bases) {
            for (target, d) in reach.targets {
                if d == crate::iam::eval::Decision::Allow {
                    self.assumable_by
                        .entry(target)
                        .or_default()
                        .push(reach.caller.rsplit('/').next().unwrap_or(&reach.caller).to_string());
                }
            }
        }
    }

    /// A live store event. Returns whether anything visible changed.
    pub fn apply(&mut self, ev: crate::sources::watch::StoreEvent) -> bool {
        use crate::sources::watch::Change;
        let current = if ev.kind == "Log" { self.log_generation } else { self.generation };
        if ev.generation != current {
            return false; // from a connection or view that is gone
        }
        if let Change::Probe(report) = ev.change {
            let failed = report.lines.iter().filter(|l| !l.ok).count();
            let disagree = report.lines.iter().filter(|l| l.disagrees).count();
            self.status = Some(match (disagree, failed) {
                (0, 0) => format!("probe of {} done: AWS agrees with the prediction", report.subject),
                (0, n) => {
                    format!("probe of {}: {n} call(s) refused, as predicted — see the step panel", report.subject)
                }
                (d, _) => {
                    format!("⚠ probe of {}: AWS disagrees with {d} prediction(s) — see the step panel", report.subject)
                }
            });
            self.probe = Some(report);
            return true;
        }
        if let Change::Iam(fresh) = ev.change {
            let fresh = *fresh;
            self.inv.roles = fresh.roles;
            self.inv.managed_policies = fresh.managed_policies;
            self.inv.iam_accounts = fresh.iam_accounts;
            self.inv.listed_roles = fresh.listed_roles;
            self.inv.oidc_providers = fresh.oidc_providers;
            self.inv.oidc_client_ids_by_url = fresh.oidc_client_ids_by_url;
            self.inv.aws_documents = fresh.aws_documents;
            self.inv.iam_warnings = fresh.iam_warnings;
            self.inv.caller = fresh.caller.or(self.inv.caller.take());
            self.iam_state = None;
            self.iam_loaded_at = Some(std::time::Instant::now());
            let throttled = self.inv.iam_warnings.iter().find(|w| w.contains("throttled")).cloned();
            self.status = Some(match (&self.inv.caller, self.inv.iam_warnings.first()) {
                (Some(_), _) => match throttled {
                    Some(t) => format!("IAM read from live AWS — {t}"),
                    None => "IAM read from live AWS".into(),
                },
                (None, Some(w)) => format!("⚠ {w}"),
                (None, None) => "no live AWS identity".into(),
            });
            // Who can assume each role (the Roles view) depends on IAM alone.
            self.compute_reach();
            self.recompute();
            return true;
        }
        if let Change::State(s) = &ev.change
            && ev.kind == "IAM"
        {
            self.iam_state = Some(s.clone());
            return true;
        }
        if let Change::State(s) = &ev.change {
            if ev.kind == "Log" {
                self.log_state = Some(s.clone());
            } else {
                self.stream_state.insert(ev.kind, s.clone());
            }
            return true;
        }
        if self.frozen {
            self.held.push(ev);
            return false;
        }
        match ev.change {
            Change::LogLine { path, line } => {
                // Same folding and linking as a bundle's logs; lines of one stream fold together.
                let stream = (ev.generation, path);
                if self.stream_source.as_ref() != Some(&stream) {
                    // A new stream re-reads the log from its window: what was read of it before
                    // (the load's recent lines, an earlier stream) is replaced, not counted twice.
                    self.analysis.forget_source(&stream.1);
                    self.analysis.begin_source(&stream.1);
                    self.stream_source = Some(stream);
                }
                self.ingest(&line);
                return true;
            }
            Change::Applied(v) => {
                let id = object_id(&v);
                let scale_set = v
                    .pointer("/metadata/labels/actions.github.com~1scale-set-name")
                    .and_then(serde_json::Value::as_str)
                    .map(|n| format!("{}/{n}", id.0));
                // A scale set's placeholder chain changes only when a runner comes or goes, not
                // when one is modified (most events): only then is the set re-resolved.
                let added = !self.inv.upsert_object(ev.kind, v);
                self.recompute_one(ev.kind, &id, scale_set.filter(|_| added));
            }
            Change::Deleted { namespace, name } => {
                // The last runner of a scale set gone: its placeholder chain comes back. Which set
                // it was in is on its chain (found by binary search: chains are in subject order).
                let key = format!("{namespace}/{name}");
                let at = self.chains.partition_point(|c| c.subject < key);
                let scale_set = self.chains.get(at).filter(|c| c.subject == key).and_then(|c| c.scale_set.clone());
                self.inv.remove_object(ev.kind, &namespace, &name);
                self.recompute_one(ev.kind, &(namespace, name), scale_set);
            }
            Change::Relisted { items, first, last } => {
                // Page by page: the first replaces the kind's objects; each page's items are
                // new to the store then, so no lookups; chains are re-simulated after the last.
                if first {
                    self.inv.clear_kind(ev.kind);
                }
                for v in items {
                    self.inv.push_object(ev.kind, v);
                }
                if !last {
                    return false;
                }
                if shapes_chains(ev.kind) {
                    self.recompute();
                } else {
                    self.table_stale = true;
                }
            }
            Change::State(_) | Change::Probe(_) | Change::Iam(_) => {}
        }
        true
    }

    /// After one object changed: re-simulate only the chains it can affect — its own runner
    /// (pod or EphemeralRunner), its scale set's placeholder chain, or every runner of a service
    /// account — instead of every chain (10,000 runners: microseconds, not a quarter second).
    fn recompute_one(&mut self, kind: &str, (ns, name): &(String, String), scale_set: Option<String>) {
        if !shapes_chains(kind) {
            // Events, EphemeralRunnerSets, listeners: shown beside the chains, never part of one.
            self.table_stale = true;
            return;
        }
        let key = format!("{ns}/{name}");
        let mut subjects: Vec<String> = match kind {
            "ServiceAccount" => {
                self.chains.iter().filter(|c| c.service_account == key).map(|c| c.subject.clone()).collect()
            }
            // The scale set's template shapes its placeholder chain and is the runners' context.
            "AutoscalingRunnerSet" => self
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
            let lo = self.chains.partition_point(|c| c.subject.as_str() < s.as_str());
            let hi = self.chains.partition_point(|c| c.subject.as_str() <= s.as_str());
            let opts = CheckOptions { pod: Some(s.clone()), ..CheckOptions::default() };
            // Gone (or no longer a runner): its chains go.
            let fresh = resolve_all(&self.inv, &opts).unwrap_or_default();
            if fresh.len() == hi - lo {
                for (slot, c) in self.chains[lo..hi].iter_mut().zip(fresh) {
                    *slot = c;
                }
            } else {
                self.chains.splice(lo..hi, fresh);
            }
        }
        link::link(&mut self.analysis, &self.chains);
        if let View::Chain { subject } | View::Logs { subject } = self.view().clone() {
            self.resimulate(&subject);
        }
        // Rebuilt once before the next frame, however many changes arrive until then.
        self.table_stale = true;
    }

    /// The wizard, where it was left, or new and pre-filled from what the data says: the scale
    /// set, namespace and service account of the first scale set, the account, region and issuer.
    pub fn open_wizard(&mut self) {
        let form = self.wizard.take().unwrap_or_else(|| {
            let prefill = crate::wizard::form::Prefill::from_inventory(&self.inv);
            Box::new(crate::wizard::form::WizardForm::new(&prefill))
        });
        self.mode = Mode::Wizard(form);
    }

    /// Keymap problems, then what the sources could not read (a denied list, a denied IAM read,
    /// throttling): the status line shows the first, `:warnings` all of them.
    pub fn all_warnings(&self) -> Vec<&str> {
        self.warnings.iter().chain(&self.inv.warnings).chain(&self.inv.iam_warnings).map(String::as_str).collect()
    }

    /// The watches in one phrase for the header: `watching 7 kinds`, or the first that is not
    /// (`Pod reconnecting 2`); kinds that are not installed (ARC absent) are not a problem.
    pub fn watch_summary(&self) -> Option<String> {
        if self.stream_state.is_empty() {
            return None;
        }
        let fine = |s: &str| s == "watching" || s == "not installed";
        Some(match self.stream_state.iter().find(|(_, s)| !fine(s)) {
            Some((kind, s)) => format!("⚠ {kind} {s}"),
            None => format!("watching {} kinds", self.stream_state.values().filter(|s| *s == "watching").count()),
        })
    }

    /// The container log the live UI should follow: of the pod on screen in the chain or logs
    /// view, the runner container unless another was picked, with the chosen window.
    pub fn log_target(&self) -> Option<crate::sources::logstream::LogTarget> {
        let (View::Chain { subject } | View::Logs { subject }) = self.view() else { return None };
        let (ns, name) = subject.split_once('/')?;
        let pod = self.inv.pods.iter().find(|p| p.metadata.ns() == ns && p.metadata.name == name)?;
        let names = pod_containers(pod);
        let container = match &self.chain.log_container {
            Some(c) if names.contains(c) => c.clone(),
            _ => pod.spec.runner_container().map(|c| c.name.clone()).or_else(|| names.first().cloned())?,
        };
        let mut target = crate::sources::logstream::LogTarget::new(ns, name, &container);
        target.previous = self.chain.log_previous;
        target.since_seconds = self.chain.log_since;
        Some(target)
    }

    /// Chains, links and rows after the model changed.
    fn recompute(&mut self) {
        self.dirty_subjects = None;
        self.chains = resolve_all(&self.inv, &CheckOptions::default()).unwrap_or_default();
        self.chains.sort_by(|a, b| a.subject.cmp(&b.subject));
        link::link(&mut self.analysis, &self.chains);
        if let View::Chain { subject } | View::Logs { subject } = self.view().clone() {
            self.resimulate(&subject);
        }
        self.refresh_table();
    }

    /// Time passes: feed the next replayed log line. Returns whether anything changed.
    pub fn tick(&mut self) -> bool {
        // The header's `iam read 3m ago` ages: a redraw every 12 ticks (about 5 s) keeps it true.
        self.ticks = self.ticks.wrapping_add(1);
        let aged = self.iam_loaded_at.is_some() && self.ticks.is_multiple_of(12);
        aged | self.replay_tick()
    }

    fn replay_tick(&mut self) -> bool {
        if self.frozen {
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
    fn ingest(&mut self, line: &str) {
        let before = self.analysis.findings.len();
        self.analysis.push(line);
        if self.analysis.findings.len() != before {
            link::link(&mut self.analysis, &self.chains);
        }
    }

    pub fn view(&self) -> &View {
        self.stack.last().expect("the stack is never empty")
    }

    pub fn contexts(&self) -> Vec<Context> {
        match self.view() {
            View::Chain { .. } if self.chain.focus == Focus::Logs => {
                vec![Context::Global, Context::Logs, Context::Chain]
            }
            View::Chain { .. } => vec![Context::Global, Context::Chain],
            View::Logs { .. } => vec![Context::Global, Context::Logs],
            _ => vec![Context::Global, Context::Table],
        }
    }

    pub fn table_state(&self) -> TableState {
        self.tables.get(self.view().kind()).cloned().unwrap_or_default()
    }

    fn table_state_mut(&mut self) -> &mut TableState {
        let kind = self.view().kind();
        self.tables.entry(kind).or_default()
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let st = self.table_state();
        self.table.visible.get(st.selected).and_then(|&i| self.table.rows.get(i)).map(|r| &**r)
    }

    fn in_namespace(&self, ns: &str) -> bool {
        self.namespace.as_deref().is_none_or(|n| n == ns)
    }

    /// Recompute the current list view's rows, then filter and sort.
    /// Before a frame, after live changes: the runners table is patched row by row when few
    /// runners changed (a change among 10,000 costs a binary search, not a rebuild); anything
    /// else is rebuilt.
    pub fn refresh_stale(&mut self) {
        let patchable = matches!(self.view(), View::Runners { .. }) && self.table_view.as_ref() == Some(self.view());
        match self.dirty_subjects.take() {
            Some(dirty) if patchable && dirty.len() <= 256 => self.patch_runner_rows(dirty),
            _ => self.refresh_table(),
        }
    }

    fn patch_runner_rows(&mut self, mut dirty: Vec<String>) {
        let View::Runners { scale_set } = self.view().clone() else { return };
        dirty.sort();
        dirty.dedup();
        for subject in dirty {
            let row = super::rows::runner_row_for(self, &subject, scale_set.as_deref())
                .filter(|r| self.in_namespace_row(r))
                .map(Arc::new);
            match (self.table.rows.binary_search_by(|r| r.key.as_str().cmp(&subject)), row) {
                (Ok(i), Some(r)) => self.table.rows[i] = r,
                (Ok(i), None) => {
                    self.table.rows.remove(i);
                }
                (Err(i), Some(r)) => self.table.rows.insert(i, r),
                (Err(_), None) => {}
            }
        }
        self.dirty_subjects = Some(Vec::new());
        self.table_stale = false;
        self.apply_filter();
    }

    pub fn refresh_table(&mut self) {
        use super::rows;
        self.table_stale = false;
        self.dirty_subjects = Some(Vec::new());
        self.table_view = Some(self.view().clone());
        let data: (Vec<&'static str>, Vec<Row>) = match self.view().clone() {
            View::Pulse => rows::pulse(self),
            View::Runners { scale_set } => rows::runners(self, scale_set.as_deref()),
            View::ServiceAccounts => rows::service_accounts(self),
            View::Roles => rows::roles(self),
            _ => return,
        };
        let data = (data.0, data.1.into_iter().map(Arc::new).collect::<Vec<_>>());
        let data = TableData {
            rows: if self.namespace.is_some() {
                data.1.into_iter().filter(|r| self.in_namespace_row(r)).collect()
            } else {
                data.1
            },
            columns: data.0,
            visible: Vec::new(),
        };
        self.table = data;
        self.apply_filter();
    }

    fn in_namespace_row(&self, r: &Row) -> bool {
        match self.view() {
            View::Roles => true,
            _ => r.key.split('/').next().is_none_or(|ns| self.in_namespace(ns)),
        }
    }

    /// Filter (regex, `!` inverts; an invalid one is an error in the prompt and filters nothing)
    /// and sort the visible rows. The pattern is compiled here, once per change.
    pub fn apply_filter(&mut self) {
        let st = self.table_state();
        self.filter = Filter::compile(&st.filter);
        let filter = self.filter.as_ref().ok().and_then(Option::as_ref);
        let mut visible: Vec<usize> =
            (0..self.table.rows.len()).filter(|&i| filter.is_none_or(|f| f.keeps(&self.table.rows[i].cells))).collect();
        if let Some((col, rev)) = st.sort {
            let rows = &self.table.rows;
            visible.sort_by(|&a, &b| {
                let (x, y) = (rows[a].cells.get(col), rows[b].cells.get(col));
                let o = match (x.and_then(|v| v.parse::<f64>().ok()), y.and_then(|v| v.parse::<f64>().ok())) {
                    (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal),
                    _ => x.cmp(&y),
                };
                if rev { o.reverse() } else { o }
            });
        }
        self.table.visible = visible;
        let len = self.table.visible.len();
        let st = self.table_state_mut();
        st.selected = st.selected.min(len.saturating_sub(1));
    }

    /// The compiled filter of the table on screen (matches are highlighted).
    pub fn filter_regex(&self) -> Option<(&Regex, bool)> {
        self.filter.as_ref().ok().and_then(Option::as_ref).map(|f| (&f.regex, f.invert))
    }

    /// A bracketed paste: text for the input that has focus (the command line, the filter, a
    /// wizard field), never commands. Outside an input it is dropped with a word.
    pub fn handle_paste(&mut self, text: &str) {
        use tui_input::InputRequest;
        let text = paste_text(text);
        match &mut self.mode {
            Mode::Command(input) | Mode::Filter(input) => {
                let room = MAX_PATTERN.saturating_sub(input.value().chars().count());
                let cut = text.chars().count() > room;
                for c in text.chars().take(room) {
                    input.handle(InputRequest::InsertChar(c));
                }
                if let Mode::Filter(input) = &self.mode {
                    let v = input.value().to_string();
                    self.table_state_mut().filter = v;
                    self.apply_filter();
                }
                if cut {
                    self.prompt_note = Some(format!("the paste was cut: at most {MAX_PATTERN} characters are used"));
                }
            }
            Mode::Wizard(form) => form.paste(&text),
            Mode::ConfirmProbe(_) => {
                self.status = Some("a paste is not an answer: press y to send, any other key cancels".into())
            }
            Mode::Normal | Mode::Help | Mode::Text { .. } => {
                self.status = Some("paste ignored: it is text for : or /, never keys".into())
            }
        }
    }

    /// The confirmation on screen was drawn and the input queued before it dropped: the next key
    /// answers it.
    pub fn arm_confirmation(&mut self) {
        self.confirm_armed = true;
    }

    /// A confirmation is on screen that no key may answer yet.
    pub fn confirmation_unarmed(&self) -> bool {
        self.confirming() && !self.confirm_armed
    }

    /// A confirmation is on screen.
    pub fn confirming(&self) -> bool {
        matches!(self.mode, Mode::ConfirmProbe(_))
    }

    fn push(&mut self, v: View) {
        if self.view() != &v {
            self.stack.push(v);
        }
        self.after_view_change();
    }

    fn switch(&mut self, v: View) {
        self.stack = vec![View::Pulse];
        if v != View::Pulse {
            self.stack.push(v);
        }
        self.after_view_change();
    }

    fn after_view_change(&mut self) {
        self.status = None;
        if let View::Chain { subject } | View::Logs { subject } = self.view().clone() {
            self.chain = ChainState { autoscroll: true, ..ChainState::default() };
            self.resimulate(&subject);
            if matches!(self.view(), View::Logs { .. }) {
                self.chain.focus = Focus::Logs;
                self.chain.fullscreen = true;
            }
        }
        self.refresh_table();
    }

    /// Re-simulate the chain view's subject with its what-ifs (the evaluator is microseconds:
    /// done inline, so the latest request always wins).
    pub fn resimulate(&mut self, subject: &str) {
        let opts = CheckOptions {
            pod: Some(subject.to_string()),
            skip_session_tagging: self.chain.sim.skip_tags,
            role_to_assume: self.chain.sim.target.clone(),
            duration_seconds: self.chain.sim.duration,
            ..CheckOptions::default()
        };
        self.chain.chains = resolve_all(&self.inv, &opts).unwrap_or_default();
        let steps = self.chain.chains.first().map_or(0, |c| c.steps.len());
        // Land on the failing step.
        self.chain.selected_step = self
            .chain
            .chains
            .first()
            .and_then(|c| c.steps.iter().position(|s| s.is_denied()))
            .unwrap_or(0)
            .min(steps.saturating_sub(1));
    }

    /// The runner with the worst verdict (for `:chain` with nothing selected).
    fn worst_subject(&self) -> Option<String> {
        let rank = |v: Verdict| match v {
            Verdict::Deny => 0,
            Verdict::Unknown => 1,
            Verdict::Allow => 2,
        };
        self.chains
            .iter()
            .filter(|c| self.in_namespace(c.subject.split('/').next().unwrap_or("")))
            .min_by_key(|c| rank(c.verdict))
            .map(|c| c.subject.clone())
    }

    fn selected_subject(&self) -> Option<String> {
        match self.view() {
            View::Runners { .. } => self.selected_row().map(|r| r.key.clone()),
            View::Chain { subject } | View::Logs { subject } => Some(subject.clone()),
            _ => None,
        }
    }

    /// Run a `:` command line.
    pub fn run_command(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        let Some(word) = words.next() else { return };
        let arg = words.next();
        match canonical_command(word) {
            Some("pulse") => self.switch(View::Pulse),
            Some("runners") => self.switch(View::Runners { scale_set: None }),
            Some("sa") => self.switch(View::ServiceAccounts),
            Some("roles") => self.switch(View::Roles),
            Some("chain") => {
                match arg.map(str::to_string).or_else(|| self.selected_subject()).or_else(|| self.worst_subject()) {
                    Some(s) => self.push(View::Chain { subject: s }),
                    None => self.status = Some("no runner to show".into()),
                }
            }
            Some("logs") => {
                match arg.map(str::to_string).or_else(|| self.selected_subject()).or_else(|| self.worst_subject()) {
                    Some(s) => self.push(View::Logs { subject: s }),
                    None => self.status = Some("no runner to show".into()),
                }
            }
            Some("ns") => {
                self.namespace = match arg {
                    None | Some("all") | Some("-A") | Some("*") => None,
                    Some(ns) => Some(ns.to_string()),
                };
                self.status = Some(format!("namespace: {}", self.namespace.as_deref().unwrap_or("all")));
                self.refresh_table();
            }
            Some("warnings") => {
                let all = self.all_warnings();
                let text = if all.is_empty() {
                    "nothing: every source was read".to_string()
                } else {
                    all.iter().map(|w| format!("⚠ {w}")).collect::<Vec<_>>().join("\n")
                };
                self.mode = Mode::Text { title: format!("{} warning(s)", all.len()), text, scroll: 0 };
            }
            Some("wizard") => self.open_wizard(),
            Some("help") => self.mode = Mode::Help,
            Some("q") => self.quit = true,
            _ => self.status = Some(format!("unknown command :{word} (try :help)")),
        }
    }

    /// Complete the first word of a command line.
    pub fn complete(line: &str) -> Option<String> {
        let l = line.trim_start();
        if l.contains(' ') || l.is_empty() {
            return None;
        }
        COMMANDS
            .iter()
            .map(|(c, _)| *c)
            .chain(["pods", "serviceaccounts"])
            .find(|c| c.starts_with(l) && *c != l)
            .map(str::to_string)
    }

    pub fn current_chain(&self) -> Option<&Chain> {
        self.chain.chains.first()
    }

    /// Handle one action.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.mode = Mode::Help,
            Action::Command => self.mode = Mode::Command(Input::default()),
            Action::Filter => {
                if self.view().is_table() {
                    let current = self.table_state().filter;
                    self.mode = Mode::Filter(Input::new(current));
                }
            }
            Action::Back => {
                let st = self.table_state();
                if !st.filter.is_empty() {
                    self.table_state_mut().filter.clear();
                    self.apply_filter();
                } else if self.stack.len() > 1 {
                    self.stack.pop();
                    self.after_view_change();
                }
            }
            Action::Freeze => {
                self.frozen = !self.frozen;
                if !self.frozen && !self.held.is_empty() {
                    for ev in std::mem::take(&mut self.held) {
                        self.apply(ev);
                    }
                }
                self.status =
                    Some(if self.frozen { "frozen: updates paused (F resumes)".into() } else { "live".into() });
            }
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                self.move_selection(action)
            }
            Action::Open => self.open(),
            Action::Sort | Action::SortReverse => {
                let cols = self.table.columns.len().max(1);
                let st = self.table_state_mut();
                st.sort = match (action, st.sort) {
                    (Action::Sort, None) => Some((0, false)),
                    (Action::Sort, Some((c, r))) => Some(((c + 1) % cols, r)),
                    (_, Some((c, r))) => Some((c, !r)),
                    (_, None) => Some((0, true)),
                };
                self.apply_filter();
            }
            Action::Yaml => self.show_yaml(),
            Action::Logs => match self.selected_subject() {
                Some(s) => self.push(View::Logs { subject: s }),
                None => self.status = Some("select a runner first".into()),
            },
            Action::ToggleTags | Action::NextTarget | Action::NextDuration => self.what_if(action),
            Action::CopyFix => self.copy_fix(),
            Action::Focus => {
                self.chain.focus = if self.chain.focus == Focus::Steps { Focus::Logs } else { Focus::Steps };
            }
            Action::Autoscroll => self.chain.autoscroll = !self.chain.autoscroll,
            Action::Wrap => self.chain.wrap = !self.chain.wrap,
            Action::Timestamps => self.chain.timestamps = !self.chain.timestamps,
            Action::Fullscreen => self.chain.fullscreen = !self.chain.fullscreen,
            Action::SearchNext | Action::SearchPrev => self.search_findings(action == Action::SearchNext),
            Action::ServiceAccount => self.goto_service_account(),
            Action::NextContainer | Action::Previous | Action::LogSince(_) => self.log_option(action),
            Action::Probe => self.ask_probe(),
            Action::Refresh => {
                if self.live && self.aws_live {
                    self.effects.push(Effect::ReadIam);
                    self.iam_state = Some("loading…".into());
                } else {
                    self.status =
                        Some("r reads IAM again from live AWS: not connected (a bundle's IAM is fixed)".into());
                }
            }
        }
    }

    /// Offer the live probe for the chain on screen: the plan's calls are shown and nothing is
    /// sent until the user says yes.
    fn ask_probe(&mut self) {
        if !self.live {
            self.status = Some("the live probe needs a live cluster (not --demo or --bundle)".into());
            return;
        }
        if !self.allow_live_probe {
            self.status = Some("the live probe creates a service account token and calls STS: start arcscope with --allow-live-probe to offer it".into());
            return;
        }
        let Some(chain) = self.current_chain() else {
            self.status = Some("open a runner's chain first".into());
            return;
        };
        match crate::probe::ProbePlan::for_chain(&self.inv, chain) {
            Ok(mut plan) => {
                // The STS calls need live AWS (IAM read live this session).
                plan.aws = self.inv.caller.is_some();
                self.mode = Mode::ConfirmProbe(plan);
                self.confirm_armed = false;
            }
            Err(e) => self.status = Some(format!("no probe: {e}")),
        }
    }

    /// Container, previous instance and window of the followed log. They shape the live stream
    /// only: a bundle holds the logs it holds.
    fn log_option(&mut self, action: Action) {
        if !self.live {
            self.status = Some(
                "container, --previous and --since pick what a live cluster streams; a bundle's logs are fixed".into(),
            );
            return;
        }
        let Some(current) = self.log_target() else {
            self.status = Some("no pod on screen to stream a log from".into());
            return;
        };
        match action {
            Action::NextContainer => {
                let names = self
                    .inv
                    .pods
                    .iter()
                    .find(|p| p.metadata.ns() == current.namespace && p.metadata.name == current.pod)
                    .map(pod_containers)
                    .unwrap_or_default();
                let next =
                    names.iter().position(|n| *n == current.container).map_or(0, |i| (i + 1) % names.len().max(1));
                self.chain.log_container = names.get(next).cloned();
            }
            Action::Previous => self.chain.log_previous = !self.chain.log_previous,
            Action::LogSince(0) => self.chain.log_since = None,
            Action::LogSince(m) => self.chain.log_since = Some(u32::from(m) * 60),
            _ => {}
        }
        if let Some(t) = self.log_target() {
            let window = match t.since_seconds {
                Some(s) => format!("since {}m", s / 60),
                None => format!("last {} lines", crate::sources::logstream::TAIL),
            };
            let which = if t.previous { "previous" } else { "current" };
            self.status = Some(format!("log: {} ({which}), {window}", t.container));
        }
    }

    fn move_selection(&mut self, action: Action) {
        let page = self.page.max(1);
        if let View::Chain { .. } | View::Logs { .. } = self.view() {
            if self.chain.focus == Focus::Logs || matches!(self.view(), View::Logs { .. }) {
                self.chain.autoscroll = false;
                let s = &mut self.chain.log_scroll;
                *s = match action {
                    Action::Up => s.saturating_sub(1),
                    Action::Down => *s + 1,
                    Action::Top => 0,
                    Action::Bottom => usize::MAX / 2,
                    Action::PageUp => s.saturating_sub(page),
                    _ => *s + page,
                };
                return;
            }
            // ↑↓ choose the step; pgup/pgdn scroll its detail (a small panel cuts it).
            let d = &self.chain.detail_scroll;
            // A page less a line, so the last line read stays on screen.
            let detail_page = self.chain.detail_page.get().saturating_sub(1).max(1);
            match action {
                Action::PageDown => d.set(d.get() + detail_page),
                Action::PageUp => d.set(d.get().saturating_sub(detail_page)),
                _ => {
                    let n = self.current_chain().map_or(0, |c| c.steps.len());
                    let before = self.chain.selected_step;
                    self.chain.selected_step = step(before, n, action, page);
                    if self.chain.selected_step != before {
                        d.set(0);
                    }
                }
            }
            return;
        }
        let n = self.table.visible.len();
        let st = self.table_state_mut();
        st.selected = step(st.selected, n, action, page);
    }

    fn open(&mut self) {
        match self.view().clone() {
            View::Pulse => {
                if let Some(r) = self.selected_row() {
                    let key = r.key.clone();
                    self.push(View::Runners { scale_set: Some(key) });
                }
            }
            View::Runners { .. } => {
                if let Some(r) = self.selected_row() {
                    let key = r.key.clone();
                    self.push(View::Chain { subject: key });
                }
            }
            View::ServiceAccounts => {
                let role = self.selected_row().and_then(|r| {
                    let (ns, name) = r.key.split_once('/')?;
                    let sa = self.inv.service_account(ns, name)?;
                    self.inv.service_account_role(sa).map(|(arn, _)| arn.to_string())
                });
                match role {
                    Some(arn) => {
                        self.push(View::Roles);
                        self.select_key(&arn);
                    }
                    None => self.status = Some("this service account names no IAM role".into()),
                }
            }
            View::Roles => {
                let arn = self.selected_row().map(|r| r.key.clone());
                let subject = arn.and_then(|a| {
                    self.chains.iter().find(|c| c.steps.iter().any(|s| s.resource == a)).map(|c| c.subject.clone())
                });
                match subject {
                    Some(s) => self.push(View::Chain { subject: s }),
                    None => self.status = Some("no runner's chain reaches this role".into()),
                }
            }
            View::Chain { .. } => {
                let resource = self
                    .current_chain()
                    .and_then(|c| c.steps.get(self.chain.selected_step))
                    .map(|s| s.resource.clone());
                if let Some(arn) = resource.filter(|r| r.starts_with("arn:aws:iam::")) {
                    self.push(View::Roles);
                    self.select_key(&arn);
                }
            }
            View::Logs { .. } => {}
        }
    }

    /// Jump from a runner to its service account (pod → SA drill-down).
    pub fn goto_service_account(&mut self) {
        let sa = match self.view() {
            View::Runners { .. } => {
                let subject = self.selected_row().map(|r| r.key.clone());
                subject.and_then(|s| self.chains.iter().find(|c| c.subject == s)).map(|c| c.service_account.clone())
            }
            View::Chain { .. } => self.current_chain().map(|c| c.service_account.clone()),
            _ => None,
        };
        if let Some(sa) = sa {
            self.push(View::ServiceAccounts);
            self.select_key(&sa);
        }
    }

    fn select_key(&mut self, key: &str) {
        if let Some(pos) = self.table.visible.iter().position(|&i| self.table.rows[i].key == key) {
            self.table_state_mut().selected = pos;
        }
    }

    fn what_if(&mut self, action: Action) {
        let View::Chain { subject } = self.view().clone() else { return };
        match action {
            Action::ToggleTags => self.chain.sim.skip_tags = !self.chain.sim.skip_tags,
            Action::NextTarget => {
                // The workflow's own target first, then every role.
                let mut targets: Vec<Option<String>> = vec![None];
                targets.extend(self.inv.roles.keys().cloned().map(Some));
                let i = targets.iter().position(|t| *t == self.chain.sim.target).unwrap_or(0);
                self.chain.sim.target = targets[(i + 1) % targets.len()].clone();
            }
            _ => {
                const DURATIONS: &[Option<u32>] = &[None, Some(900), Some(3600), Some(7200), Some(43200)];
                let i = DURATIONS.iter().position(|d| *d == self.chain.sim.duration).unwrap_or(0);
                self.chain.sim.duration = DURATIONS[(i + 1) % DURATIONS.len()];
            }
        }
        self.resimulate(&subject);
        let s = &self.chain.sim;
        self.status = Some(format!(
            "what-if: session tags {} · target {} · duration {}",
            if s.skip_tags { "skipped" } else { "as the workflow says" },
            s.target.as_deref().map(|t| t.rsplit('/').next().unwrap_or(t)).unwrap_or("from the workflow"),
            s.duration.map(|d| format!("{d}s")).unwrap_or_else(|| "from the workflow".into())
        ));
    }

    fn copy_fix(&mut self) {
        let fix = self
            .current_chain()
            .and_then(|c| c.steps.get(self.chain.selected_step))
            .and_then(|s| s.fixes.first().cloned());
        match fix {
            Some(f) => {
                self.status = Some("copied the fix to the clipboard (OSC 52)".into());
                self.effects.push(Effect::Copy(f));
            }
            None => self.status = Some("this step has no fix to copy".into()),
        }
    }

    fn search_findings(&mut self, forward: bool) {
        let lines = super::logview::logs_lines(self);
        let hits: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.finding).map(|(i, _)| i).collect();
        if hits.is_empty() {
            self.status = Some("no findings in these logs".into());
            return;
        }
        let cur = self.chain.search_hit.unwrap_or(if forward { usize::MAX } else { 0 });
        let next = if forward {
            hits.iter().copied().find(|&h| cur == usize::MAX || h > cur).unwrap_or(hits[0])
        } else {
            hits.iter().rev().copied().find(|&h| h < cur).unwrap_or(*hits.last().expect("non-empty"))
        };
        self.chain.search_hit = Some(next);
        self.chain.autoscroll = false;
        self.chain.log_scroll = next;
    }

    fn show_yaml(&mut self) {
        let (title, text) = match self.view().clone() {
            View::Chain { subject } => {
                (format!("chain {subject}"), serde_json::to_string_pretty(&self.chain.chains).unwrap_or_default())
            }
            View::Roles => {
                let Some(role) = self.selected_row().and_then(|r| self.inv.roles.get(&r.key)) else { return };
                (role.arn.arn(), super::rows::role_text(&self.inv, role))
            }
            View::Pulse | View::Runners { .. } | View::ServiceAccounts => {
                let Some(row) = self.selected_row() else { return };
                let key = row.key.clone();
                let (ns, name) = key.split_once('/').unwrap_or(("", &key));
                let kinds: &[&str] = match self.view() {
                    View::Pulse => &["AutoscalingRunnerSet"],
                    View::ServiceAccounts => &["ServiceAccount"],
                    _ => &["Pod", "EphemeralRunner", "AutoscalingRunnerSet"],
                };
                let obj = kinds.iter().find_map(|k| {
                    self.inv
                        .objects
                        .iter()
                        .find(|o| o.kind == *k && o.namespace.as_deref() == Some(ns) && o.name == name)
                });
                match obj {
                    Some(o) => {
                        let v: serde_json::Value = serde_json::from_str(&o.raw).unwrap_or_default();
                        (
                            format!("{} {key}", o.kind),
                            serde_saphyr::to_string(&v).unwrap_or_else(|e| format!("cannot render: {e}")),
                        )
                    }
                    None => {
                        self.status = Some(format!("{key} is not in the data (referenced only)"));
                        return;
                    }
                }
            }
            View::Logs { .. } => return,
        };
        self.mode = Mode::Text { title, text, scroll: 0 };
    }

    /// Keys typed while an input (command, filter) or overlay is open. Returns true when handled.
    pub fn handle_mode_key(&mut self, key: &ratatui::crossterm::event::KeyEvent) -> bool {
        use ratatui::crossterm::event::KeyCode;
        use tui_input::backend::crossterm::EventHandler;
        self.prompt_note = None;
        match &mut self.mode {
            Mode::Normal => false,
            Mode::Help => {
                self.mode = Mode::Normal;
                true
            }
            Mode::Wizard(form) => {
                let has_data = !self.inv.objects.is_empty() || !self.inv.roles.is_empty();
                let open = form.handle(key, has_data.then_some(&self.inv));
                if !open {
                    // Leaving keeps the answers for the next `:wizard`.
                    if let Mode::Wizard(form) = std::mem::replace(&mut self.mode, Mode::Normal) {
                        self.wizard = Some(form);
                    }
                }
                true
            }
            Mode::ConfirmProbe(_) => {
                // Input that was queued before the question was drawn is not an answer.
                if !self.confirm_armed {
                    return true;
                }
                let Mode::ConfirmProbe(plan) = std::mem::replace(&mut self.mode, Mode::Normal) else {
                    unreachable!("matched above")
                };
                self.confirm_armed = false;
                if key.code == KeyCode::Char('y') && key.kind == ratatui::crossterm::event::KeyEventKind::Press {
                    self.status = Some(format!("probing {} …", plan.subject));
                    self.effects.push(Effect::Probe(plan.confirm()));
                } else {
                    self.status = Some("probe cancelled: nothing was sent".into());
                }
                true
            }
            Mode::Text { scroll, .. } => {
                match key.code {
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('y') => self.mode = Mode::Normal,
                    KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                    KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                    KeyCode::PageDown => *scroll += self.page,
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(self.page),
                    KeyCode::Char('g') => *scroll = 0,
                    _ => {}
                }
                true
            }
            Mode::Command(input) => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Normal,
                    KeyCode::Enter => {
                        let line = input.value().to_string();
                        self.mode = Mode::Normal;
                        self.run_command(&line);
                    }
                    KeyCode::Tab => {
                        if let Some(c) = App::complete(input.value()) {
                            *input = Input::new(c);
                        }
                    }
                    _ => {
                        input.handle_event(&ratatui::crossterm::event::Event::Key(*key));
                    }
                }
                true
            }
            Mode::Filter(input) => {
                match key.code {
                    KeyCode::Esc => {
                        self.mode = Mode::Normal;
                        self.table_state_mut().filter.clear();
                        self.apply_filter();
                    }
                    KeyCode::Enter if self.filter.is_err() => {
                        self.status = Some("fix the pattern, or esc to clear it".into());
                    }
                    KeyCode::Enter => self.mode = Mode::Normal,
                    KeyCode::Char(_) if input.value().chars().count() >= MAX_PATTERN => {
                        self.prompt_note = Some(format!("at most {MAX_PATTERN} characters are used"));
                    }
                    _ => {
                        input.handle_event(&ratatui::crossterm::event::Event::Key(*key));
                        let v = input.value().to_string();
                        self.table_state_mut().filter = v;
                        self.apply_filter();
                    }
                }
                true
            }
        }
    }

    /// One key press in normal mode.
    pub fn handle_key(&mut self, key: &ratatui::crossterm::event::KeyEvent) {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.effects.push(Effect::Suspend);
            return;
        }
        if self.handle_mode_key(key) {
            return;
        }
        let k = super::keymap::Key::from_event(key);
        if let Some(a) = self.keymap.lookup(k, &self.contexts()) {
            self.update(a);
        }
    }

    /// Mouse (opt-in): the wheel moves, a click selects a row, a click on the selected row opens it.
    pub fn handle_mouse(&mut self, m: &ratatui::crossterm::event::MouseEvent) {
        use ratatui::crossterm::event::{MouseButton, MouseEventKind};
        if !matches!(self.mode, Mode::Normal) {
            return;
        }
        match m.kind {
            MouseEventKind::ScrollDown => self.update(Action::Down),
            MouseEventKind::ScrollUp => self.update(Action::Up),
            MouseEventKind::Down(MouseButton::Left) if self.view().is_table() && m.row >= self.table_top => {
                let index = self.table_offset + (m.row - self.table_top) as usize;
                if index < self.table.visible.len() {
                    if self.table_state().selected == index {
                        self.update(Action::Open);
                    } else {
                        self.table_state_mut().selected = index;
                    }
                }
            }
            _ => {}
        }
    }
}

/// `(namespace, name)` of a Kubernetes object.
fn object_id(v: &serde_json::Value) -> (String, String) {
    let s = |p: &str| v.pointer(p).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    (s("/metadata/namespace"), s("/metadata/name"))
}

fn step(cur: usize, n: usize, action: Action, page: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let last = n - 1;
    match action {
        Action::Up => cur.saturating_sub(1),
        Action::Down => (cur + 1).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageUp => cur.saturating_sub(page),
        Action::PageDown => (cur + page).min(last),
        _ => cur,
    }
}

/// A pod's containers, init containers (native sidecars such as dind) included.
fn pod_containers(pod: &crate::model::k8s::Pod) -> Vec<String> {
    pod.spec.containers.iter().chain(pod.spec.init_containers.iter()).map(|c| c.name.clone()).collect()
}

/// Kinds whose objects a chain is resolved from (the rest are shown beside the chains).
fn shapes_chains(kind: &str) -> bool {
    matches!(kind, "Pod" | "ServiceAccount" | "EphemeralRunner" | "AutoscalingRunnerSet")
}
