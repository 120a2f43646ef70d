//! The chain view: the steps of the runner's chain, and the step panel (the deciding statement,
//! the fixes, AWS's message, the linked log lines).

use super::logs::{Pane, draw_logs};
use super::table::{fit, fit_columns, spacing};
use super::theme::{Slot, Theme};
use crate::app::App;
use crate::app::state::Focus;
use crate::app::state::logview::without_timestamp;
use crate::app::state::rows::{chain_label, step_label};
use crate::iam::eval::Decision;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row as TRow, Table, Wrap};

pub(super) fn draw_chain(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    if app.chain.log.fullscreen && app.chain.focus == Focus::Logs {
        return draw_logs(f, app, t, area, Pane::Full);
    }
    let Some(chain) = app.current_chain() else {
        f.render_widget(Paragraph::new("no chain for this runner"), area);
        return;
    };
    // What the job does (its own requests) goes under the hops, after a row that says so (#17.5).
    let requests_from = chain.requests_from.filter(|&i| i < chain.steps.len());
    let steps_h = (chain.steps.len() as u16 + 3 + requests_from.is_some() as u16).min(area.height / 2).max(4);
    let [top, bottom] = Layout::vertical([Constraint::Length(steps_h), Constraint::Min(3)]).areas(area);
    let title = format!(
        " {}{} {} · SA {} · {} · {} ",
        if app.chain.sim.active() { "WHAT-IF (X resets) · " } else { "" },
        chain_label(chain),
        chain.subject,
        chain.service_account,
        chain.credential_source,
        chain.job.as_deref().unwrap_or("no job")
    );
    let block = t.pane(app.chain.focus == Focus::Steps).title(Span::styled(title, t.verdict(chain.verdict)));
    let inner = block.inner(top);
    f.render_widget(block, top);
    draw_steps(f, app, t, chain, requests_from, inner);

    if bottom.width < 100 && bottom.height < SPLIT_HEIGHT {
        // Too low for two panes with something in each: the focused one, whole (tab switches).
        return match app.chain.focus {
            Focus::Logs => draw_logs(f, app, t, bottom, Pane::Alone),
            Focus::Steps => draw_step_detail(f, app, t, bottom, true),
        };
    }
    let [detail, logs] = if bottom.width >= 100 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom)
    } else {
        Layout::vertical([Constraint::Fill(2), Constraint::Fill(1)]).areas(bottom)
    };
    draw_step_detail(f, app, t, detail, false);
    draw_logs(f, app, t, logs, Pane::Beside);
}

/// The chain's steps, one row each, the job's own requests after a row that says so.
fn draw_steps(
    f: &mut Frame,
    app: &App,
    t: &Theme,
    chain: &crate::chain::Chain,
    requests_from: Option<usize>,
    inner: Rect,
) {
    // Sized to the content as the tables are (#15.1): a role's name whole, or cut with `…`.
    const HEADERS: [&str; 6] = ["HOP", "DECISION", "ACTION", "TARGET", "DECIDED BY", "VIA"];
    let cells: Vec<[String; 6]> = chain
        .steps
        .iter()
        .map(|s| {
            [
                s.hop.to_string(),
                step_label(s).to_string(),
                s.action.clone(),
                // A role by its name; what the job's requests touch (a repository, objects) whole.
                if s.resource.contains(":role/") {
                    s.resource.rsplit('/').next().unwrap_or(&s.resource).to_string()
                } else {
                    s.resource.clone()
                },
                s.decided_by.as_str().to_string(),
                s.via.clone(),
            ]
        })
        .collect();
    let slices: Vec<&[String]> = cells.iter().map(|c| c.as_slice()).collect();
    let widths = fit_columns(&HEADERS, &slices, None, inner.width);
    let shown: Vec<usize> = (0..HEADERS.len()).filter(|&c| widths[c] > 0).collect();
    let mut rows: Vec<TRow> = chain
        .steps
        .iter()
        .zip(&cells)
        .enumerate()
        .map(|(i, (s, cells))| {
            let r = TRow::new(shown.iter().map(|&c| {
                let text = fit(&cells[c], widths[c] as usize).into_owned();
                if c == 1 { Cell::from(Span::styled(text, t.decision(s.decision))) } else { Cell::from(text) }
            }));
            if i == app.chain.selected_step && app.chain.focus == Focus::Steps { r.style(t.selection()) } else { r }
        })
        .collect();
    let mut selected = app.chain.selected_step;
    if let Some(at) = requests_from {
        // The label under ACTION (the widest shown if ACTION is not), so it is whole at 80 columns.
        let label_col = if widths[2] >= 17 { 2 } else { shown.iter().copied().max_by_key(|&c| widths[c]).unwrap_or(0) };
        let label = TRow::new(shown.iter().map(|&c| {
            Cell::from(if c == label_col {
                fit("what the job does", widths[c] as usize).into_owned()
            } else {
                String::new()
            })
        }))
        .style(t.fg(Slot::Muted).add_modifier(Modifier::ITALIC));
        rows.insert(at, label);
        if selected >= at {
            selected += 1;
        }
    }
    let header = TRow::new(shown.iter().map(|&c| Cell::from(fit(HEADERS[c], widths[c] as usize).into_owned())))
        .style(t.fg(Slot::Accent).add_modifier(Modifier::BOLD));
    let constraints: Vec<Constraint> = shown.iter().map(|&c| Constraint::Length(widths[c])).collect();
    // Scrolled so the selected step (the failing hop, at first) is always on screen (#15.10).
    let mut state = ratatui::widgets::TableState::default().with_selected(Some(selected));
    f.render_stateful_widget(
        Table::new(rows, constraints).header(header).column_spacing(spacing(inner.width)),
        inner,
        &mut state,
    );
}

/// Below this height the step panel and the logs share no column: only the focused one shows.
const SPLIT_HEIGHT: u16 = 12;

/// `alone`: the logs pane is not drawn (a low terminal); the title says tab shows it.
pub(super) fn draw_step_detail(f: &mut Frame, app: &App, t: &Theme, area: Rect, alone: bool) {
    let Some(chain) = app.current_chain() else { return };
    let Some(step) = chain.steps.get(app.chain.selected_step) else { return };
    // Sections apart when there is room; packed in a small panel.
    let mut p = Panel { lines: Vec::new(), gap: area.height >= 16 };
    // The live probe's answers for this runner, above the prediction they check.
    probe_section(&mut p, app, t, chain);
    // The role by name here; its ARN is in AWS's message below.
    let role = step.resource.rsplit_once(":role/").map_or(step.resource.as_str(), |(_, r)| r);
    p.lines.push(Line::from(vec![
        Span::styled(step_label(step), t.decision(step.decision)),
        Span::raw(format!("  {} → {role}  ", step.action)),
        Span::styled(format!("decided by {}", step.decided_by), t.muted()),
    ]));
    // What the allow takes for granted comes first: it is not proven (#15.13).
    for a in &step.assumptions {
        p.lines.push(Line::from(Span::styled(format!("✔* assumed: {a}"), t.fg(Slot::Warning))));
    }
    // A small panel shows what matters first: why it is denied and the smallest fix; then what
    // AWS says, who asks, the statements and the policy text.
    why_and_fix(&mut p, t, step);
    lint_section(&mut p, app, t, step);
    logs_section(&mut p, app, t, chain, step);
    aws_section(&mut p, t, step);
    // The deciding policy's text, the deciding statement highlighted.
    if let Some(text) = policy_lines(app, t, step) {
        p.gap();
        p.lines.extend(text);
    }
    for n in &step.notes {
        p.lines.push(Line::from(Span::styled(format!("note: {n}"), t.muted())));
    }
    events_section(&mut p, app, t, chain);
    // What the chain as a whole says: the job's commands not checked, the subject it was simulated
    // from (#17.1: never a silent gap).
    if !chain.notes.is_empty() {
        p.section(Line::from(Span::styled("the chain", t.title())));
        for n in &chain.notes {
            let style = if n.contains("not checked") { t.fg(Slot::Warning) } else { t.muted() };
            p.lines.push(Line::from(Span::styled(format!("note: {n}"), style)));
        }
    }
    draw_scrolled(f, app, t, area, p.lines, alone);
}

/// The step panel's lines, section by section.
struct Panel<'a> {
    lines: Vec<Line<'a>>,
    /// A blank line between sections.
    gap: bool,
}

impl<'a> Panel<'a> {
    fn gap(&mut self) {
        if self.gap {
            self.lines.push(Line::from(""));
        }
    }

    fn section(&mut self, title: Line<'a>) {
        self.gap();
        self.lines.push(title);
    }
}

fn probe_section(p: &mut Panel<'_>, app: &App, t: &Theme, chain: &crate::chain::Chain) {
    let Some(report) = app.probe.as_ref().filter(|r| r.subject == chain.subject) else { return };
    p.lines.push(Line::from(Span::styled("live probe", t.title())));
    for l in &report.lines {
        let (mark, style) = if l.ok { ("✔", t.fg(Slot::Allow)) } else { ("✘", t.fg(Slot::Error)) };
        p.lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::raw(format!("{}: ", l.call)),
            Span::styled(l.outcome.clone(), style),
        ]));
        if l.disagrees {
            p.lines.push(Line::from(Span::styled(
                "  ⚠ AWS DISAGREES WITH THE PREDICTION: the model or the data is wrong (stale IAM? a policy arcscope cannot see?)",
                t.fg(Slot::Error).add_modifier(Modifier::BOLD | Modifier::REVERSED),
            )));
        }
    }
    p.lines.push(Line::from(""));
}

/// Why it is denied, then the smallest fix first (`c` copies it), then the same change in other
/// tools, or a way around.
fn why_and_fix(p: &mut Panel<'_>, t: &Theme, step: &crate::chain::Step) {
    if !step.non_matching.is_empty() && step.decision != Decision::Allow {
        p.section(Line::from(Span::styled("why", t.title())));
        for m in &step.non_matching {
            p.lines.push(Line::from(format!("• {} #{}: {}", m.policy, m.index, m.reason)));
        }
    }
    if !step.fixes.is_empty() {
        let keys = match step.fixes.len() {
            1 => "c copies it".to_string(),
            n => format!("c copies 1, keys 1–{} each", n.min(4)),
        };
        p.section(Line::from(vec![
            Span::styled("fix", t.title()),
            Span::styled(format!("  smallest first · {keys}"), t.muted()),
        ]));
        for (i, fix) in step.fixes.iter().enumerate() {
            let style = if i == 0 { t.fg(Slot::Allow) } else { t.text() };
            p.lines.push(Line::from(vec![
                Span::styled(format!("{}. ", i + 1), t.muted()),
                Span::styled(fix.clone(), style),
            ]));
            // What the key copies, when it is a command or a line to paste.
            // What the key copies, when it is a command the words do not already show.
            if let Some(r) = step.runnable.iter().find(|r| r.fix == i && !fix.contains(r.text.as_str())) {
                p.lines.push(Line::from(vec![
                    Span::styled(format!("   copies {}: ", r.kind), t.muted()),
                    Span::styled(command_preview(&r.text), t.fg(Slot::Accent)),
                ]));
            }
        }
    }
}

/// A command as one line, its policy document (the long part) shortened to `'{…}'`.
fn command_preview(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    match first.find(" '{") {
        Some(at) => format!("{} '{{…}}'{}", &first[..at], if first.ends_with('\'') { "" } else { " …" }),
        None => one_line(first, 100),
    }
}

/// What the step's role's policies get wrong beside the verdict (#16.6): never a verdict itself.
fn lint_section(p: &mut Panel<'_>, app: &App, t: &Theme, step: &crate::chain::Step) {
    let Some(role) = app.data.inv.role(&step.resource) else { return };
    let lint = crate::chain::lint::lint_role(&app.data.inv, role);
    if lint.is_empty() {
        return;
    }
    p.section(Line::from(vec![
        Span::styled("lint", t.title()),
        Span::styled("  of the role's policies · never changes a verdict", t.muted()),
    ]));
    for l in lint {
        p.lines.push(Line::from(vec![
            Span::styled(format!("⚠ {} ", l.code), t.fg(Slot::Warning)),
            Span::styled(format!("{} #{}: ", l.policy, l.statement), t.muted()),
            Span::raw(l.message),
        ]));
    }
}

/// What the logs say about this very step (folded, counted): the loop the on-call engineer saw.
fn logs_section(p: &mut Panel<'_>, app: &App, t: &Theme, chain: &crate::chain::Chain, step: &crate::chain::Step) {
    let in_logs: Vec<&crate::logs::Finding> = app
        .data
        .analysis
        .findings
        .iter()
        .filter(|f| {
            f.linked_step
                .as_ref()
                .is_some_and(|l| l.subject == chain.subject && l.hop == step.hop && l.action == step.action)
        })
        .collect();
    if in_logs.is_empty() {
        return;
    }
    p.section(Line::from(Span::styled("in the logs", t.title())));
    for f in in_logs.iter().take(3) {
        let count = if f.count > 1 { format!("×{} ", f.count) } else { String::new() };
        p.lines.push(Line::from(vec![
            Span::styled(count, t.fg(Slot::Warning).add_modifier(Modifier::BOLD)),
            Span::raw(one_line(without_timestamp(&f.sample), 160)),
        ]));
    }
}

/// AWS's error as it would print it, who asks, and the statements that decided.
fn aws_section(p: &mut Panel<'_>, t: &Theme, step: &crate::chain::Step) {
    if let Some(m) = &step.message {
        // Who says it: the API server refuses the pod before AWS is asked anything; a pod
        // without the web identity environment fails in the SDK, not at STS (#15.12).
        let who = match step.decided_by {
            crate::chain::DecidedBy::ServiceAccountMissing => "Kubernetes would say",
            crate::chain::DecidedBy::WebIdentityEnvMissing => "what happens in the pod",
            crate::chain::DecidedBy::JobPodIdentity => "what happens in the job pod",
            crate::chain::DecidedBy::PodIdentityAssociationMissing => "EKS Auth would say",
            _ => "AWS would say",
        };
        p.section(Line::from(Span::styled(who, t.title())));
        p.lines.push(Line::from(Span::styled(m.clone(), t.decision(step.decision))));
    }
    p.lines.push(Line::from(Span::styled(format!("principal {}", step.principal), t.muted())));
    for s in &step.statements {
        p.lines.push(Line::from(Span::styled(
            format!(
                "{} statement {} of {}{}",
                s.effect,
                s.index,
                s.policy,
                s.sid.as_deref().map(|x| format!(" (Sid {x})")).unwrap_or_default()
            ),
            t.muted(),
        )));
    }
}

/// Kubernetes events of the runner (pod or EphemeralRunner of that name), warnings first.
fn events_section(p: &mut Panel<'_>, app: &App, t: &Theme, chain: &crate::chain::Chain) {
    let (ns, name) = chain.subject.split_once('/').unwrap_or(("", &chain.subject));
    let mut events: Vec<&crate::model::k8s::Event> = app
        .data
        .inv
        .events
        .iter()
        .filter(|e| e.involved_object.name == name && e.involved_object.namespace.as_deref().unwrap_or(ns) == ns)
        .collect();
    events.sort_by_key(|e| e.type_.as_deref() != Some("Warning"));
    if events.is_empty() {
        return;
    }
    p.section(Line::from(Span::styled("events", t.title())));
    for e in events.iter().take(5) {
        let warn = e.type_.as_deref() == Some("Warning");
        p.lines.push(Line::from(vec![
            Span::styled(
                format!("{} {} ", e.type_.as_deref().unwrap_or("?"), e.reason.as_deref().unwrap_or("")),
                if warn { t.fg(Slot::Warning) } else { t.muted() },
            ),
            Span::raw(format!(
                "{}{}",
                e.count.filter(|c| *c > 1).map(|c| format!("×{c} ")).unwrap_or_default(),
                e.message.as_deref().unwrap_or("")
            )),
        ]));
    }
}

/// The panel in its box, scrolled where the user left it; the title says where when it does not
/// fit.
fn draw_scrolled(f: &mut Frame, app: &App, t: &Theme, area: Rect, lines: Vec<Line<'_>>, alone: bool) {
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let rows = paragraph.line_count(inner.width);
    let last = rows.saturating_sub(inner.height as usize);
    let scroll = app.chain.detail_scroll.get().min(last);
    app.chain.detail_scroll.set(scroll);
    app.chain.detail_page.set(inner.height as usize);
    let more = if alone { "· tab: logs " } else { "" };
    let title = if last > 0 {
        format!(" step · {}–{} of {rows} · pgup/pgdn {more}", scroll + 1, (scroll + inner.height as usize).min(rows))
    } else {
        format!(" step {more}")
    };
    let block = t.pane(app.chain.focus == Focus::Steps).title(Span::styled(title, t.title()));
    f.render_widget(paragraph.scroll((scroll.min(u16::MAX as usize) as u16, 0)).block(block), area);
}

/// The trust policy of the step's role with the statement that decided (or failed) marked.
pub(super) fn policy_lines<'a>(app: &'a App, t: &Theme, step: &crate::chain::Step) -> Option<Vec<Line<'a>>> {
    let role = app.data.inv.roles.get(&step.resource)?;
    let key_index = step
        .non_matching
        .iter()
        .find(|m| m.layer == "trust_policy")
        .map(|m| m.index)
        .or_else(|| step.statements.iter().find(|s| s.layer == "trust_policy").map(|s| s.index));
    let mut out = vec![Line::from(Span::styled(format!("trust policy of {}", role.arn.name), t.title()))];
    for (i, s) in role.trust.statements.iter().enumerate() {
        let text = serde_json::to_string_pretty(&s.to_json()).unwrap_or_default();
        let style =
            if Some(i) == key_index { t.decision(step.decision).add_modifier(Modifier::REVERSED) } else { t.muted() };
        for l in text.lines() {
            out.push(Line::from(Span::styled(format!("  {l}"), style)));
        }
    }
    Some(out)
}

/// A log line for a one-line mention: its first line, cut on a character boundary.
pub(super) fn one_line(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    match first.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None => first.to_string(),
    }
}
