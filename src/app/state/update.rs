//! `update`: one `Action` at a time — navigation, the chain view's what-ifs, copy, YAML, the
//! probe's question and the followed log's options.

use tui_input::Input;

use crate::chain::{Chain, CheckOptions, Verdict, resolve_all};
use crate::iam::eval::Decision;

use super::super::Action;
use crate::model::Kind;

use super::{App, ChainState, Effect, Focus, LogView, Mode, View};

impl App {
    /// Handle one action.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.nav.mode = Mode::Help { scroll: 0 },
            Action::Command => self.nav.mode = Mode::Command(Input::default()),
            Action::Filter => {
                if self.view().is_table() {
                    let current = self.table_state().filter;
                    self.nav.mode = Mode::Filter(Input::new(current));
                } else {
                    self.start_search();
                }
            }
            Action::Back => {
                let st = self.table_state();
                if !st.filter.is_empty() {
                    self.table_state_mut().filter.clear();
                    self.apply_filter();
                } else if self.nav.stack.len() > 1 {
                    self.nav.stack.pop();
                    self.after_view_change();
                }
            }
            Action::Freeze => {
                self.streams.frozen = !self.streams.frozen;
                if !self.streams.frozen && !self.streams.held.is_empty() {
                    for ev in std::mem::take(&mut self.streams.held) {
                        self.apply(ev);
                    }
                }
                self.status =
                    Some(if self.streams.frozen { "frozen: updates paused (F resumes)".into() } else { "live".into() });
            }
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                self.move_selection(action)
            }
            Action::Open => self.open(),
            Action::Sort | Action::SortReverse => {
                let cols = self.nav.table.columns.len().max(1);
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
                None => self.status = Some("no runner here: select a runner, a scale set or a service account".into()),
            },
            Action::ToggleTags | Action::NextTarget | Action::NextDuration | Action::ResetWhatIfs => {
                self.what_if(action)
            }
            Action::CopyFix(n) => self.copy_fix(n as usize),
            Action::Focus => {
                self.chain.focus = if self.chain.focus == Focus::Steps { Focus::Logs } else { Focus::Steps };
            }
            Action::Autoscroll => self.chain.log.autoscroll = !self.chain.log.autoscroll,
            Action::Wrap => self.chain.log.wrap = !self.chain.log.wrap,
            Action::Timestamps => self.chain.log.timestamps = !self.chain.log.timestamps,
            Action::Fullscreen => self.chain.log.fullscreen = !self.chain.log.fullscreen,
            // The pattern searched for last, or without one the findings.
            Action::SearchNext | Action::SearchPrev => {
                let forward = action == Action::SearchNext;
                if !self.search_again(forward, super::search::Target::Log) {
                    self.search_findings(forward)
                }
            }
            Action::ServiceAccount => self.goto_service_account(),
            Action::Describe | Action::AllNamespaces | Action::Aliases | Action::ReadOnly => self.browse(action),
            Action::NextContainer | Action::Previous | Action::LogSince(_) => self.log_option(action),
            Action::Probe => self.ask_probe(),
            // Keys of the modes (inputs, questions, the wizard): handled where the mode is.
            Action::Confirm | Action::Submit | Action::Complete | Action::Form(_) => {}
            Action::Refresh => {
                if self.caps.live && self.caps.aws_live {
                    self.effects.push(Effect::ReadIam);
                    self.streams.iam_state = Some("loading…".into());
                } else {
                    self.status =
                        Some("r reads IAM again from live AWS: not connected (a bundle's IAM is fixed)".into());
                }
            }
        }
    }

    /// The k9s keys around the views: describe, all namespaces, the aliases, and the ones that
    /// would change the cluster (answered, never done).
    fn browse(&mut self, action: Action) {
        match action {
            Action::Describe => match super::describe::describe(self) {
                Ok((title, text)) => self.show_text(title, text),
                Err(why) => self.status = Some(why),
            },
            Action::AllNamespaces => self.run_command("ns all"),
            Action::Aliases => {
                let text = super::COMMANDS
                    .iter()
                    .map(|c| {
                        let mut words = vec![c.name];
                        words.extend(c.aliases.iter().copied());
                        format!(":{:<44} {}", words.join(" :"), c.help)
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                self.show_text("commands and aliases".into(), text);
            }
            Action::ReadOnly => {
                self.status = Some(
                    "arcscope is read-only: it never deletes, edits or kills (copy a fix with c and run it yourself)"
                        .into(),
                )
            }
            _ => {}
        }
    }

    pub(super) fn push(&mut self, v: View) {
        if self.view() != &v {
            self.nav.stack.push(v);
        }
        self.after_view_change();
    }

    pub(super) fn switch(&mut self, v: View) {
        self.nav.stack = vec![View::Pulse];
        if v != View::Pulse {
            self.nav.stack.push(v);
        }
        self.after_view_change();
    }

    pub(super) fn after_view_change(&mut self) {
        self.status = None;
        self.nav.search = None;
        self.nav.found = None;
        if let View::Chain { subject } | View::Logs { subject } = self.view().clone() {
            self.chain =
                ChainState { log: LogView { autoscroll: true, ..LogView::default() }, ..ChainState::default() };
            self.resimulate(&subject);
            if matches!(self.view(), View::Logs { .. }) {
                self.chain.focus = Focus::Logs;
                self.chain.log.fullscreen = true;
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
        self.chain.chains = resolve_all(&self.data.inv, &opts).unwrap_or_default();
        let steps = self.chain.chains.first().map_or(0, |c| c.steps.len());
        // Land on the failing step, else on the first the data cannot decide.
        self.chain.selected_step = self
            .chain
            .chains
            .first()
            .and_then(|c| {
                c.steps
                    .iter()
                    .position(|s| s.is_denied())
                    .or_else(|| c.steps.iter().position(|s| s.decision != Decision::Allow))
            })
            .unwrap_or(0)
            .min(steps.saturating_sub(1));
    }

    /// The runner with the worst verdict (for `:chain` with nothing selected).
    pub(super) fn worst_subject(&self) -> Option<String> {
        self.worst_where(|c| self.in_namespace(c.subject.split('/').next().unwrap_or("")))
    }

    /// The runner whose chain is worst (denied, then unknown) among those `keep` accepts.
    fn worst_where(&self, keep: impl Fn(&Chain) -> bool) -> Option<String> {
        let rank = |v: Verdict| match v {
            Verdict::Deny => 0,
            Verdict::Unknown => 1,
            Verdict::Allow => 2,
        };
        self.data.chains.iter().filter(|c| keep(c)).min_by_key(|c| rank(c.verdict)).map(|c| c.subject.clone())
    }

    /// The runner the selected row stands for: the row itself on the runners list; on the pulse
    /// the worst runner of the selected scale set, on the service accounts the worst runner that
    /// uses the selected one (#15.11: `:chain`, `:logs` and `l` follow the selection).
    pub(super) fn selected_subject(&self) -> Option<String> {
        match self.view() {
            View::Runners { .. } => self.selected_row().map(|r| r.key.clone()),
            View::Chain { subject } | View::Logs { subject } => Some(subject.clone()),
            View::Pulse => {
                let key = self.selected_row()?.key.clone();
                self.worst_where(|c| c.scale_set.as_deref() == Some(key.as_str()))
            }
            View::ServiceAccounts => {
                let key = self.selected_row()?.key.clone();
                self.worst_where(|c| c.service_account == key)
            }
            _ => None,
        }
    }

    pub(super) fn open(&mut self) {
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
                let Some(key) = self.selected_row().map(|r| r.key.clone()) else { return };
                let (ns, name) = key.split_once('/').unwrap_or(("", &key));
                let Some(sa) = self.data.inv.service_account(ns, name) else {
                    // A row for a service account runners name but the namespace lacks: what
                    // matters is the chain it breaks (#15.12).
                    match self.selected_subject() {
                        Some(s) => self.push(View::Chain { subject: s }),
                        None => {
                            self.status = Some(format!("service account {key} does not exist and no runner uses it"))
                        }
                    }
                    return;
                };
                match self.data.inv.service_account_role(sa).map(|(arn, _)| arn.to_string()) {
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
                    self.data.chains.iter().find(|c| c.steps.iter().any(|s| s.resource == a)).map(|c| c.subject.clone())
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
                subject
                    .and_then(|s| self.data.chains.iter().find(|c| c.subject == s))
                    .map(|c| c.service_account.clone())
            }
            View::Chain { .. } => self.current_chain().map(|c| c.service_account.clone()),
            _ => None,
        };
        if let Some(sa) = sa {
            self.push(View::ServiceAccounts);
            self.select_key(&sa);
        }
    }

    pub(super) fn move_selection(&mut self, action: Action) {
        let page = self.layout.page.max(1);
        if let View::Chain { .. } | View::Logs { .. } = self.view() {
            if self.chain.focus == Focus::Logs || matches!(self.view(), View::Logs { .. }) {
                self.chain.log.autoscroll = false;
                let s = &mut self.chain.log.log_scroll;
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
        let n = self.nav.table.visible.len();
        let st = self.table_state_mut();
        st.selected = step(st.selected, n, action, page);
    }

    pub(super) fn what_if(&mut self, action: Action) {
        match action {
            Action::ResetWhatIfs => self.change_what_if(|s| *s = Default::default()),
            Action::ToggleTags => self.change_what_if(|s| s.skip_tags = !s.skip_tags),
            // R: a filterable list of the roles (500 is normal), not a cycle through them.
            Action::NextTarget => self.open_role_picker(),
            _ => {
                const DURATIONS: &[Option<u32>] = &[None, Some(900), Some(3600), Some(7200), Some(43200)];
                self.change_what_if(|s| {
                    let i = DURATIONS.iter().position(|d| *d == s.duration).unwrap_or(0);
                    s.duration = DURATIONS[(i + 1) % DURATIONS.len()];
                })
            }
        }
    }

    /// Change the what-ifs, simulate the chain again, and say what they are now (and when the
    /// change decides nothing differently).
    pub(super) fn change_what_if(&mut self, change: impl FnOnce(&mut super::Sim)) {
        let View::Chain { subject } = self.view().clone() else { return };
        // What each hop decided before: a what-if that changes none of it says so.
        let decided =
            |chains: &[crate::chain::Chain]| -> Vec<(crate::chain::Verdict, Vec<crate::iam::eval::Decision>)> {
                chains.iter().map(|c| (c.verdict, c.steps.iter().map(|s| s.decision).collect())).collect()
            };
        let before = decided(&self.chain.chains);
        change(&mut self.chain.sim);
        self.resimulate(&subject);
        let unchanged = decided(&self.chain.chains) == before;
        let s = &self.chain.sim;
        let said = if !s.active() {
            "what-ifs reset: the chain as the workflow runs it".to_string()
        } else {
            format!(
                "what-if: session tags {} · target {} · duration {}{}",
                if s.skip_tags { "skipped" } else { "as the workflow says" },
                s.target.as_deref().map(|t| t.rsplit('/').next().unwrap_or(t)).unwrap_or("from the workflow"),
                s.duration.map(|d| format!("{d}s")).unwrap_or_else(|| "from the workflow".into()),
                if unchanged { " — changes no decision" } else { "" }
            )
        };
        self.status = Some(said);
    }

    /// Copy fix `n` (1-based): of the step selected in the chain view, or in a table of the
    /// selected row's failing step. What is copied runs or applies as it is (a command line, a
    /// workflow line) where the fix has such a form, else its words (#15.5).
    pub(super) fn copy_fix(&mut self, n: usize) {
        let step = match self.view() {
            View::Chain { .. } => self.current_chain().and_then(|c| c.steps.get(self.chain.selected_step)),
            View::Logs { .. } => None,
            _ => self.selected_subject().and_then(|subject| {
                let lo = self.data.chains.partition_point(|c| c.subject < subject);
                self.data.chains[lo..]
                    .iter()
                    .take_while(|c| c.subject == subject)
                    .find_map(|c| c.steps.iter().find(|s| s.is_denied() && !s.fixes.is_empty()))
            }),
        };
        let Some(step) = step else {
            self.status = Some(match self.view() {
                View::Chain { .. } => "this step has no fix to copy".into(),
                _ => "nothing to fix here: select a runner whose chain fails".into(),
            });
            return;
        };
        let Some(text) = step.copy_text(n - 1).map(str::to_string) else {
            self.status = Some(match step.fixes.len() {
                0 => "this step has no fix to copy".to_string(),
                k => format!("this step has {k} fix(es): press 1–{k}"),
            });
            return;
        };
        let kind = step.runnable.iter().find(|r| r.fix == n - 1).map_or("the fix's words", |r| r.kind);
        // Short enough for 80 columns: tmux passes OSC 52 on only with set-clipboard on.
        let tmux = if self.caps.tmux { " · tmux: needs set -g set-clipboard on" } else { "" };
        self.status = Some(format!("copied fix {n} ({kind}) via OSC 52{tmux}"));
        self.effects.push(Effect::Copy(text));
    }

    pub(super) fn search_findings(&mut self, forward: bool) {
        let lines = crate::app::state::logview::logs_lines(self);
        let hits: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.finding).map(|(i, _)| i).collect();
        if hits.is_empty() {
            self.status = Some("no findings in these logs".into());
            return;
        }
        let cur = self.chain.log.search_hit.unwrap_or(if forward { usize::MAX } else { 0 });
        let next = if forward {
            hits.iter().copied().find(|&h| cur == usize::MAX || h > cur).unwrap_or(hits[0])
        } else {
            hits.iter().rev().copied().find(|&h| h < cur).unwrap_or(*hits.last().expect("non-empty"))
        };
        self.chain.log.search_hit = Some(next);
        self.chain.log.autoscroll = false;
        self.chain.log.log_scroll = next;
    }

    /// Open `text` in the pager (it scrolls and searches).
    pub(super) fn show_text(&mut self, title: String, text: String) {
        self.nav.found = None;
        self.nav.mode = Mode::Text { title, text, scroll: 0 };
    }

    pub(super) fn show_yaml(&mut self) {
        let (title, text) = match self.view().clone() {
            View::Chain { subject } => {
                (format!("chain {subject}"), serde_json::to_string_pretty(&self.chain.chains).unwrap_or_default())
            }
            View::Roles => {
                let Some(role) = self.selected_row().and_then(|r| self.data.inv.roles.get(&r.key)) else { return };
                (role.arn.arn(), crate::app::state::rows::role_text(&self.data.inv, role))
            }
            View::Pulse | View::Runners { .. } | View::ServiceAccounts => {
                let Some(row) = self.selected_row() else { return };
                let key = row.key.clone();
                let (ns, name) = key.split_once('/').unwrap_or(("", &key));
                let kinds: &[Kind] = match self.view() {
                    View::Pulse => &[Kind::AutoscalingRunnerSet],
                    View::ServiceAccounts => &[Kind::ServiceAccount],
                    _ => &[Kind::Pod, Kind::EphemeralRunner, Kind::AutoscalingRunnerSet],
                };
                let obj = kinds.iter().find_map(|k| {
                    self.data
                        .inv
                        .objects
                        .iter()
                        .find(|o| o.kind == k.as_str() && o.namespace.as_deref() == Some(ns) && o.name == name)
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
        self.show_text(title, text);
    }

    /// Offer the live probe for the chain on screen: the plan's calls are shown and nothing is
    /// sent until the user says yes.
    pub(super) fn ask_probe(&mut self) {
        if !self.caps.live {
            self.status = Some("the live probe needs a live cluster (not --demo or --bundle)".into());
            return;
        }
        if !self.caps.allow_live_probe {
            self.status = Some("the live probe creates a service account token and calls STS: start arcscope with --allow-live-probe to offer it".into());
            return;
        }
        let Some(chain) = self.current_chain() else {
            self.status = Some("open a runner's chain first".into());
            return;
        };
        match crate::probe::ProbePlan::for_chain(&self.data.inv, chain) {
            Ok(mut plan) => {
                // The STS calls need live AWS (IAM read live this session).
                plan.aws = self.data.inv.caller.is_some();
                self.nav.mode = Mode::ConfirmProbe(plan);
                self.confirm_armed = false;
            }
            Err(e) => self.status = Some(format!("no probe: {e}")),
        }
    }

    /// Container, previous instance and window of the followed log. They shape the live stream
    /// only: a bundle holds the logs it holds.
    pub(super) fn log_option(&mut self, action: Action) {
        if !self.caps.live {
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
                    .data
                    .inv
                    .pods
                    .iter()
                    .find(|p| p.metadata.ns() == current.namespace && p.metadata.name == current.pod)
                    .map(|p| p.container_names().map(str::to_string).collect::<Vec<_>>())
                    .unwrap_or_default();
                let next =
                    names.iter().position(|n| *n == current.container).map_or(0, |i| (i + 1) % names.len().max(1));
                self.chain.log.log_container = names.get(next).cloned();
            }
            Action::Previous => self.chain.log.log_previous = !self.chain.log.log_previous,
            Action::LogSince(0) => self.chain.log.log_since = None,
            Action::LogSince(m) => self.chain.log.log_since = Some(u32::from(m) * 60),
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

    /// The wizard, where it was left, or new and pre-filled from what the data says of the
    /// scale set in view (the selected one, the chain's, else the first in `:ns`): its namespace
    /// and service account, the role they use, the role its jobs assume, the account, region and
    /// issuer (#15.14).
    pub fn open_wizard(&mut self) {
        let scale_set = match self.view() {
            View::Pulse => self.selected_row().map(|r| r.key.clone()),
            View::Runners { scale_set: Some(s) } => Some(s.clone()),
            _ => self
                .selected_subject()
                .and_then(|s| self.data.chains.iter().find(|c| c.subject == s).and_then(|c| c.scale_set.clone())),
        };
        let form = self.wizard.take().unwrap_or_else(|| {
            let prefill = crate::wizard::form::Prefill::for_scale_set(
                &self.data.inv,
                &self.data.chains,
                scale_set.as_deref(),
                self.nav.namespace.as_deref(),
            );
            Box::new(crate::wizard::form::WizardForm::new(&prefill))
        });
        self.nav.mode = Mode::Wizard(form);
    }
}

pub(super) fn step(cur: usize, n: usize, action: Action, page: usize) -> usize {
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
