//! Application state: the views, modes and tables, the `App` itself and what it starts from
//! (`Options`) and asks for (`Effect`). State changes only in `update(Action)` (`state/update.rs`,
//! keys mapped in `state/input.rs`, `:` commands in `state/command.rs`) and `apply(Msg)`
//! (`state/live.rs`); `state/table.rs` keeps the list views' rows.

use std::collections::HashMap;
use std::sync::Arc;
use tui_input::Input;

use crate::chain::link;
use crate::chain::{Chain, CheckOptions, Verdict, resolve_all};
use crate::logs::Analysis;
use crate::logs::fold::FoldLimits;
use crate::logs::reader::{MAX_LINE, for_each_line};
use crate::model::{Inventory, Kind};

use super::filter::Filter;
use super::keymap::{Context, Keymap};

mod command;
mod describe;
pub mod logview;
pub mod rows;
pub use command::{COMMANDS, Cmd, CommandSpec};
mod input;
mod live;
pub mod picker;
pub mod search;
mod table;
mod update;

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
    /// The keys and commands, scrolled by `scroll` lines.
    Help {
        scroll: usize,
    },
    Text {
        title: String,
        text: String,
        scroll: usize,
    },
    /// A question before something is sent: `y` goes ahead, any other key cancels.
    ConfirmProbe(crate::probe::ProbePlan),
    /// The setup wizard's form (`:wizard`); `esc` leaves it, the answers stay for the next visit.
    Wizard(Box<crate::wizard::form::WizardForm>),
    /// `R`: the what-if's target role, picked from a filtered list.
    PickRole(Box<picker::RolePicker>),
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

impl Sim {
    /// A what-if is on: the chain shown is not what the workflow does (the title and the header
    /// say WHAT-IF).
    pub fn active(&self) -> bool {
        self.skip_tags || self.target.is_some() || self.duration.is_some()
    }
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
    /// The logs pane (and the logs view): scroll, options, what is followed.
    pub log: LogView,
}

/// The logs pane and view: where it is scrolled, how lines show, which container and window a
/// live cluster streams.
#[derive(Debug, Clone, Default)]
pub struct LogView {
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
    /// Running inside tmux (`$TMUX` set): a copy says what tmux needs to pass it on.
    pub tmux: bool,
    /// The kubeconfig's contexts and the one in use (live), for `:ctx`.
    pub contexts: Vec<String>,
    pub context: Option<String>,
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
    /// Watch another kubeconfig context (`:ctx NAME`): the app has forgotten the old cluster.
    SwitchContext(String),
}

/// The data and what arcscope makes of it.
pub struct Data {
    pub inv: Inventory,
    /// Every runner's chains, in subject order (kept by live changes).
    pub chains: Vec<Chain>,
    /// The logs, folded, with their findings linked to the chains.
    pub analysis: Analysis,
    /// Role ARN → the runners' base roles whose sessions may assume it (the evaluator's answer).
    pub assumable_by: HashMap<String, Vec<String>>,
}

/// Where the user is.
pub struct Navigation {
    /// The views opened, the current last (never empty).
    pub stack: Vec<View>,
    pub mode: Mode,
    /// Selection, sort and filter of each list view, by kind.
    pub tables: HashMap<&'static str, TableState>,
    /// The current list view's rows.
    pub table: TableData,
    /// `:ns NAME`; `None`: all namespaces.
    pub namespace: Option<String>,
    /// The `/` prompt of the logs and text views, while a search is typed (it has every key).
    pub search: Option<search::SearchPrompt>,
    /// The pattern searched for last, highlighted, and its current match.
    pub found: Option<search::Found>,
}

/// What this session can do: a live cluster (log options, the probe), live AWS, the probe at all;
/// and whether the data is a capture (ages read from when it was taken).
#[derive(Debug, Default)]
pub struct Capabilities {
    /// A live cluster is the source: log options and the probe apply.
    pub live: bool,
    /// IAM comes from live AWS (not a bundle, not `--no-aws`): `r` reads it again.
    pub aws_live: bool,
    /// Started with `--allow-live-probe`: the probe may be offered (and still asks first).
    pub allow_live_probe: bool,
    /// `loaded_at` is when an offline bundle was taken (ages read from it), not when it was read.
    pub captured: bool,
    /// Inside tmux (`$TMUX`): OSC 52 reaches the clipboard only with `set-clipboard on`.
    pub tmux: bool,
}

/// What the last layout measured of the screen (`ui::layout` sets it before a frame).
#[derive(Debug, Default)]
pub struct LayoutFeedback {
    /// Rows a page moves (set by the renderer from the visible height).
    pub page: usize,
    /// Screen row of the first table row and the index it shows (set by the renderer; mouse).
    pub table_top: u16,
    pub table_offset: usize,
}

/// The live streams: the generations messages must carry, their states for the header, what
/// is held while frozen.
#[derive(Default)]
pub struct Streams {
    /// Live events carry the generation they were started for; others are stale and dropped.
    pub generation: u64,
    /// Generation of the followed log (bumped on every switch of the followed container).
    pub log_generation: u64,
    /// The watch streams' state, for the header (`watching`, `reconnecting 2`).
    pub stream_state: std::collections::BTreeMap<&'static str, String>,
    /// The followed log's stream state (`streaming`, `reconnecting 2`, `forbidden`).
    pub log_state: Option<String>,
    /// The live IAM read: `loading…`, `throttled: retrying …`; `None` once loaded.
    pub iam_state: Option<String>,
    /// When live IAM was last read (its age is in the header).
    pub iam_loaded_at: Option<std::time::Instant>,
    /// The followed log's source label, when lines are streaming in.
    pub stream_source: Option<(u64, String)>,
    /// Events held while frozen, applied on thaw.
    pub held: Vec<crate::sources::msg::Msg>,
    /// `F`: live changes are held, not applied, until thawed.
    pub frozen: bool,
    /// Kinds whose list is being read, with the objects listed so far (stored or not).
    pub listing: std::collections::BTreeMap<Kind, usize>,
    /// Recent runner logs read, of how many, while they are read.
    pub logs_read: Option<(usize, usize)>,
    /// A list page changed what chains are made of: they are simulated again before the next
    /// frame, once however many pages came in between.
    pub chains_stale: bool,
    /// When chains were last simulated for list pages: while lists are still coming, at most
    /// every [`RECHAIN_EVERY`] (a 50,000-pod list is 100 pages; simulating every chain once per
    /// page grows with the square of the cluster).
    pub rechained_at: Option<std::time::Instant>,
}

/// Ticks a status message stays (a tick is the loop's data tick, about 0.4 s).
pub const STATUS_TICKS: u64 = 24;

/// How often chains are simulated again while list pages arrive.
pub const RECHAIN_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// The whole state of the TUI: what this session can do, the data and its chains, navigation
/// (the view stack, the mode, the tables), the chain view, the live streams, the screen as last
/// measured, and the effects waiting for the loop.
pub struct App {
    /// What this session can do (set once, from `Options`).
    pub(crate) caps: Capabilities,
    /// The data, the chains simulated from it and what the logs say.
    pub data: Data,
    /// Where the user is: the view stack, the open mode, the tables.
    pub nav: Navigation,
    /// The screen as the last layout measured it.
    pub layout: LayoutFeedback,
    /// The live streams' generations and states.
    pub streams: Streams,
    /// Every context's keys (help and the footer read it too).
    pub keymap: Keymap,
    /// The chain view (and its logs pane), reset when another runner's chain opens.
    pub chain: ChainState,
    /// The status line.
    pub status: Option<String>,
    /// The status as first seen by a tick, and that tick: it goes after [`STATUS_TICKS`].
    status_since: Option<(String, u64)>,
    pub warnings: Vec<String>,
    pub quit: bool,
    /// Effects for the terminal loop, in order; it drains them after every update.
    effects: Vec<Effect>,
    pub loaded_at: String,
    /// "Now" for ages, seconds since the epoch (fixed in tests so renders are stable).
    pub now: i64,
    /// The demo's job log, replayed a line per tick so the loop visibly grows.
    replay: Option<Replay>,
    /// Runners whose rows a live change touched since the table was built (patched in place
    /// before the next frame); `None`: everything changed, rebuild.
    dirty_subjects: Option<Vec<String>>,
    /// The view the table was built for.
    table_view: Option<View>,
    /// Live changes arrived since the table was built: `settle` rebuilds it before the next
    /// frame (once per frame, not once per change).
    pub table_stale: bool,
    /// Data ticks so far.
    ticks: u64,
    /// The last probe's answers.
    pub probe: Option<crate::probe::ProbeReport>,
    /// The wizard's answers while it is closed.
    wizard: Option<Box<crate::wizard::form::WizardForm>>,
    /// The current table's filter, compiled once per change of its pattern (the frames that
    /// highlight matches read it); `Err`: why the pattern cannot be used, shown in the prompt.
    pub filter: Result<Option<Filter>, String>,
    /// The confirmation on screen has been drawn and the input queued before it discarded: only
    /// a key pressed after this answers it (a paste or type-ahead never does).
    confirm_armed: bool,
    /// A word beside the prompt's text (a paste that was cut), until the next key.
    pub prompt_note: Option<String>,
    /// Tab's place in the command line's completions.
    completion: Option<command::Completion>,
    /// The kubeconfig's contexts (live), for `:ctx`; the current one is `context`.
    pub contexts: Vec<String>,
    pub context: Option<String>,
}

struct Replay {
    source: String,
    lines: Vec<String>,
    next: usize,
}

impl App {
    pub fn new(inv: Inventory, options: Options) -> App {
        let Options { keymap, loaded_at, captured, live, aws_live, allow_live_probe, replay, tmux, contexts, context } =
            options;
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
            caps: Capabilities { live, aws_live, allow_live_probe, captured, tmux },
            layout: LayoutFeedback { page: 10, ..LayoutFeedback::default() },
            streams: Streams {
                generation: 1,
                iam_state: aws_live.then(|| "reading…".to_string()),
                ..Streams::default()
            },
            data: Data { inv, chains, analysis, assumable_by: HashMap::new() },
            nav: Navigation {
                stack: vec![View::Pulse],
                mode: Mode::Normal,
                tables: HashMap::new(),
                table: TableData::default(),
                namespace: None,
                search: None,
                found: None,
            },
            keymap,
            chain: ChainState { log: LogView { autoscroll: true, ..LogView::default() }, ..ChainState::default() },
            status: None,
            status_since: None,
            warnings,
            quit: false,
            effects: Vec::new(),
            now: crate::iam::condition::parse_date(&loaded_at).unwrap_or(0),
            loaded_at,
            replay: replaying,
            table_stale: false,
            ticks: 0,
            dirty_subjects: None,
            table_view: None,
            probe: None,
            wizard: None,
            filter: Ok(None),
            confirm_armed: false,
            prompt_note: None,
            completion: None,
            contexts,
            context,
        };
        app.compute_reach();
        if let Some(r) = &app.replay {
            app.data.analysis.begin_source(&r.source.clone());
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

    /// The effects asked for since the last call, in order (the terminal loop runs them).
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Keymap problems, then what the sources could not read (a denied list, a denied IAM read,
    /// throttling): the status line shows the first, `:warnings` all of them.
    pub fn all_warnings(&self) -> Vec<&str> {
        self.warnings
            .iter()
            .chain(&self.data.inv.warnings)
            .chain(&self.data.inv.iam_warnings)
            .map(String::as_str)
            .collect()
    }

    pub fn view(&self) -> &View {
        self.nav.stack.last().expect("the stack is never empty")
    }

    /// Where keys are looked up now: the open mode's context, else the view's (first match wins).
    pub fn contexts(&self) -> Vec<Context> {
        if self.nav.search.is_some() {
            return vec![Context::Prompt];
        }
        match &self.nav.mode {
            Mode::Text { .. } | Mode::Help { .. } => return vec![Context::Pager],
            Mode::ConfirmProbe(_) => return vec![Context::Confirm],
            Mode::Command(_) | Mode::Filter(_) | Mode::PickRole(_) => return vec![Context::Prompt],
            // The page's own keys over the form's.
            Mode::Wizard(form) => {
                return match form.page {
                    3 => vec![Context::WizardTargets, Context::Wizard],
                    4 => vec![Context::WizardReview, Context::Wizard],
                    _ => vec![Context::Wizard],
                };
            }
            Mode::Normal => {}
        }
        self.view_contexts()
    }

    /// The hint bar: the keys of the focused pane first, then the view's, then everywhere's;
    /// in an input or over a view, that mode's. `?` help always comes last, so what does not fit
    /// in the width is dropped from the middle but help is always offered (#15.8).
    pub fn footer_hints(&self) -> Vec<(String, &'static str)> {
        let contexts = match (&self.nav.mode, self.view()) {
            _ if self.nav.search.is_some() => vec![Context::Prompt],
            (Mode::Normal, View::Chain { .. }) if self.chain.focus == Focus::Logs => {
                vec![Context::Logs, Context::Chain, Context::Global]
            }
            (Mode::Normal, _) => self.view_contexts().into_iter().rev().collect(),
            _ => self.contexts(),
        };
        let command = matches!(self.nav.mode, Mode::Command(_));
        let table = self.view().is_table() && !matches!(self.nav.mode, Mode::Text { .. });
        let mut out: Vec<(String, &'static str)> = Vec::new();
        let mut help = None;
        for (key, action, desc) in self.keymap.hints(&contexts) {
            let desc = match action {
                // Completion is the command line's, not the filter's or the search's.
                crate::app::Action::Complete if !command => continue,
                crate::app::Action::Filter if table => "filter",
                crate::app::Action::Filter => "search",
                crate::app::Action::Help => {
                    help = Some((key, desc));
                    continue;
                }
                _ => desc,
            };
            out.push((key, desc));
        }
        out.extend(help);
        out
    }

    /// The keys of the view on screen, the most specific last.
    pub fn view_contexts(&self) -> Vec<Context> {
        match self.view() {
            View::Chain { .. } if self.chain.focus == Focus::Logs => {
                vec![Context::Global, Context::Logs, Context::Chain]
            }
            View::Chain { .. } => vec![Context::Global, Context::Chain],
            View::Logs { .. } => vec![Context::Global, Context::Logs],
            _ => vec![Context::Global, Context::Table],
        }
    }

    pub fn current_chain(&self) -> Option<&Chain> {
        self.chain.chains.first()
    }
}
