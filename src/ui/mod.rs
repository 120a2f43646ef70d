//! Drawing: `&App` in, a frame out. `layout` records the screen sizes the app needs (page length,
//! where the table starts) before a frame; `draw` only reads.

pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row as TRow, Table, Wrap};

use crate::app::App;
use crate::app::logview::{logs_lines, without_timestamp};
use crate::app::rows::{self, decision_label, verdict_label};
use crate::app::state::{Focus, Mode, View};
use crate::iam::eval::Decision;
use crate::logs::signatures::Severity;
use theme::{Slot, Theme};

/// Below this the UI says so instead of drawing.
pub const MIN_WIDTH: u16 = 20;
pub const MIN_HEIGHT: u16 = 5;

/// The screen's split: header, breadcrumbs, body, status, hints.
fn areas(area: Rect) -> [Rect; 5] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// What the app needs to know of the screen — the page length, where the table's first row is
/// (for mouse clicks) — computed before a frame, so drawing only reads the app.
pub fn layout(app: &mut App, area: Rect) {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return;
    }
    let [_, _, body, _, _] = areas(area);
    app.page = body.height.saturating_sub(3).max(1) as usize;
    // First data row: below the border and the column header.
    app.table_top = body.y + 2;
    app.table_offset = table_offset(app, body);
}

pub fn draw(f: &mut Frame, app: &App, t: &Theme) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let p = Paragraph::new("terminal too small").wrap(Wrap { trim: true });
        f.render_widget(p, area);
        return;
    }
    let [header, crumbs, body, status, hints] = areas(area);
    draw_header(f, app, t, header);
    draw_crumbs(f, app, t, crumbs);
    match app.view() {
        View::Chain { .. } => draw_chain(f, app, t, body),
        View::Logs { .. } => draw_logs(f, app, t, body, true),
        _ => draw_table(f, app, t, body),
    }
    draw_status(f, app, t, status);
    draw_hints(f, app, t, hints);
    match &app.mode {
        Mode::Help => draw_help(f, app, t, body),
        Mode::Text { title, text, scroll } => draw_text(f, t, body, title, text, *scroll),
        Mode::ConfirmProbe(plan) => draw_confirm(f, t, body, plan),
        Mode::Wizard(form) => draw_wizard(f, app, t, body, form),
        _ => {}
    }
    neutralise(f.buffer_mut());
}

/// ratatui drops control characters from what it draws, but not the bidi controls, which would
/// reorder what the terminal shows (a role name read backwards): each cell holding one shows `�`.
fn neutralise(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        if cell.symbol().chars().any(crate::text::unsafe_char) {
            cell.set_symbol("\u{fffd}");
        }
    }
}

/// `assumed-role/oncall/me` of a caller ARN (the account is in the header already).
fn short_arn(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

fn region(app: &App) -> Option<String> {
    let issuer = app.inv.cluster_issuer.as_deref()?;
    let host = crate::iam::arn::issuer_host_path(issuer);
    host.strip_prefix("oidc.eks.").and_then(|r| r.split('.').next()).map(str::to_string)
}

fn draw_header(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let accounts: Vec<&str> = app.inv.iam_accounts.iter().map(String::as_str).collect();
    let mut parts = vec![
        Span::styled(" arcscope ", t.header().add_modifier(Modifier::BOLD)),
        Span::styled(format!("│ {} ", app.inv.source), t.header()),
        Span::styled(format!("│ cluster {} ", app.inv.cluster_name.as_deref().unwrap_or("?")), t.header()),
        Span::styled(
            format!("│ account {} ", if accounts.is_empty() { "?".into() } else { accounts.join(",") }),
            t.header(),
        ),
        Span::styled(format!("│ {} ", region(app).unwrap_or_else(|| "region ?".into())), t.header()),
        // The live AWS caller (sts:GetCallerIdentity); offline (a bundle, --no-aws) there is none
        // and no AWS call is made, so no segment: the width goes to what is there.
        Span::styled(
            match (app.inv.caller.as_deref(), app.aws_live) {
                (Some(c), _) => format!("│ caller: {} ", short_arn(c)),
                (None, true) => "│ caller: … ".to_string(),
                (None, false) => String::new(),
            },
            t.header(),
        ),
        Span::styled("│ 🔒 read-only ", t.header()),
        Span::styled(
            if app.captured {
                // An offline bundle: when it was taken (the date matters for a past incident).
                format!("│ as of {}Z ", app.loaded_at.replacen('T', " ", 1).get(..16).unwrap_or(&app.loaded_at))
            } else {
                format!("│ loaded {} ", app.loaded_at.split_once('T').map_or(app.loaded_at.as_str(), |(_, t)| t))
            },
            t.header(),
        ),
    ];
    // Live IAM: its state while reading, else its age (`r` reads it again).
    if app.inv.caller.is_some() || app.iam_state.is_some() {
        let iam = match (&app.iam_state, app.iam_loaded_at) {
            (Some(s), _) => s.clone(),
            (None, Some(at)) => format!("read {} ago", rows::age(at.elapsed().as_secs() as i64)),
            (None, None) => "read".into(),
        };
        parts.push(Span::styled(format!("│ iam {iam} "), t.header()));
    }
    if let Some(state) = app.watch_summary() {
        parts.push(Span::styled(format!("│ {state} "), t.header()));
    }
    if app.frozen {
        parts.push(Span::styled("│ ❄ frozen ", t.header().add_modifier(Modifier::BOLD)));
    }
    if app.namespace.is_some() {
        parts.push(Span::styled(format!("│ ns {} ", app.namespace.as_deref().unwrap_or("")), t.header()));
    }
    f.render_widget(Paragraph::new(Line::from(parts)).style(t.header()), area);
}

fn draw_crumbs(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let mut spans = Vec::new();
    for (i, v) in app.stack.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", t.muted()));
        }
        let style = if i + 1 == app.stack.len() { t.title() } else { t.muted() };
        spans.push(Span::styled(v.title(), style));
    }
    let filter = app.table_state().filter;
    if app.view().is_table() && !filter.is_empty() {
        spans.push(Span::styled(format!("  /{filter}"), t.filter_match()));
    }
    if app.view().is_table() {
        spans.push(Span::styled(format!("  [{}/{}]", app.table.visible.len(), app.table.rows.len()), t.muted()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Split `text` into spans with regex matches highlighted.
fn highlight<'a>(text: &'a str, re: Option<&regex::Regex>, base: Style, hi: Style) -> Line<'a> {
    let Some(re) = re else { return Line::from(Span::styled(text, base)) };
    let mut spans = Vec::new();
    let mut last = 0;
    for m in re.find_iter(text) {
        if m.start() > last {
            spans.push(Span::styled(&text[last..m.start()], base));
        }
        if m.end() > m.start() {
            spans.push(Span::styled(&text[m.start()..m.end()], hi));
        }
        last = m.end();
    }
    spans.push(Span::styled(&text[last..], base));
    Line::from(spans)
}

/// The first visible row of the table view for this body area (keeps the selection in view).
fn table_offset(app: &App, area: Rect) -> usize {
    let height = area.height.saturating_sub(3) as usize;
    let visible = app.table.visible.len();
    if height == 0 {
        0
    } else {
        app.table_state().selected.saturating_sub(height - 1).min(visible.saturating_sub(height))
    }
}

fn draw_table(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.fg(Slot::Border))
        .title(Span::styled(format!(" {} ", app.view().title()), t.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let st = app.table_state();
    let height = inner.height.saturating_sub(1) as usize;
    let visible = &app.table.visible;
    if visible.is_empty() {
        let msg = if !app.table.rows.is_empty() {
            "no row matches the filter".to_string()
        } else if matches!(app.view(), View::Pulse) && !app.chains.is_empty() {
            // Runners without a scale set read (ARC's kinds forbidden or not installed).
            format!(
                "no scale set (AutoscalingRunnerSet) in the data; {} — :runners lists them",
                rows::runners_word(app.chains.len())
            )
        } else {
            "nothing here".to_string()
        };
        f.render_widget(Paragraph::new(Span::styled(msg, t.muted())).wrap(Wrap { trim: false }), inner);
        return;
    }
    let offset = table_offset(app, area);
    let filter = app.filter_regex();
    let re = filter.filter(|(_, inv)| !inv).map(|(r, _)| r);
    let verdict_col = app.table.columns.iter().position(|c| *c == "VERDICT" || *c == "STATUS" || *c == "TAGSESSION");
    let rows: Vec<TRow> = visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(pos, &i)| {
            let row = &app.table.rows[i];
            let cells: Vec<Cell> = row
                .cells
                .iter()
                .enumerate()
                .map(|(c, text)| {
                    let mut base = t.text();
                    if Some(c) == verdict_col || (app.table.columns[c] == "VERDICT") {
                        if let Some(v) = row.verdict.filter(|_| app.table.columns[c] == "VERDICT") {
                            base = t.verdict(v);
                        } else if text.starts_with('✘') {
                            base = t.decision(Decision::ImplicitDeny);
                        } else if text.starts_with('✔') {
                            base = t.decision(Decision::Allow);
                        }
                    }
                    Cell::from(highlight(text, re, base, t.filter_match()))
                })
                .collect();
            let r = TRow::new(cells);
            if pos == st.selected { r.style(t.selection()) } else { r }
        })
        .collect();
    let widths = column_widths(app, inner.width);
    let header = TRow::new(app.table.columns.iter().enumerate().map(|(c, h)| {
        let mark = match st.sort {
            Some((col, false)) if col == c => "↑",
            Some((col, true)) if col == c => "↓",
            _ => "",
        };
        Cell::from(format!("{h}{mark}"))
    }))
    .style(t.fg(Slot::Accent).add_modifier(Modifier::BOLD));
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(2), inner);
}

/// Column widths from the content (capped), the last column takes the rest.
fn column_widths(app: &App, total: u16) -> Vec<Constraint> {
    let n = app.table.columns.len();
    let mut w: Vec<u16> = app.table.columns.iter().map(|c| c.chars().count() as u16 + 1).collect();
    for &i in app.table.visible.iter().take(500) {
        for (c, cell) in app.table.rows[i].cells.iter().enumerate() {
            w[c] = w[c].max(cell.chars().count().min(60) as u16);
        }
    }
    // Too wide: take from the widest column first, down to 6.
    let spacing = 2 * (n.saturating_sub(1)) as u16;
    let mut sum: u16 = w.iter().sum::<u16>() + spacing;
    // Middle columns give way first (widest first, down to 8), then the last (down to 16), then
    // the first: names and verdicts stay readable.
    let order = |i: usize| {
        if i == 0 {
            2
        } else if i + 1 == n {
            1
        } else {
            0
        }
    };
    let floor = |i: usize| if order(i) == 1 { 16 } else { 8 };
    while sum > total {
        let pick = (0..3).find_map(|o| (0..n).filter(|&i| order(i) == o && w[i] > floor(i)).max_by_key(|&i| w[i]));
        let Some(i) = pick else { break };
        w[i] -= 1;
        sum -= 1;
    }
    w.iter()
        .enumerate()
        .map(|(c, width)| if c + 1 == n { Constraint::Min(*width) } else { Constraint::Length(*width) })
        .collect()
}

fn draw_chain(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    if app.chain.fullscreen && app.chain.focus == Focus::Logs {
        return draw_logs(f, app, t, area, true);
    }
    let Some(chain) = app.current_chain() else {
        f.render_widget(Paragraph::new("no chain for this runner"), area);
        return;
    };
    let steps_h = (chain.steps.len() as u16 + 3).min(area.height / 2).max(4);
    let [top, bottom] = Layout::vertical([Constraint::Length(steps_h), Constraint::Min(3)]).areas(area);
    let title = format!(
        " {} {} · SA {} · {} · {} ",
        verdict_label(chain.verdict),
        chain.subject,
        chain.service_account,
        chain.credential_source,
        chain.job.as_deref().unwrap_or("no job")
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.fg(Slot::Border))
        .title(Span::styled(title, t.verdict(chain.verdict)));
    let inner = block.inner(top);
    f.render_widget(block, top);
    let rows: Vec<TRow> = chain
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let r = TRow::new(vec![
                Cell::from(s.hop.to_string()),
                Cell::from(Span::styled(decision_label(s.decision), t.decision(s.decision))),
                Cell::from(s.action.clone()),
                Cell::from(s.resource.rsplit('/').next().unwrap_or(&s.resource).to_string()),
                Cell::from(s.decided_by.as_str()),
                Cell::from(s.via.clone()),
            ]);
            if i == app.chain.selected_step && app.chain.focus == Focus::Steps { r.style(t.selection()) } else { r }
        })
        .collect();
    let header = TRow::new(["HOP", "DECISION", "ACTION", "ROLE", "DECIDED BY", "VIA"])
        .style(t.fg(Slot::Accent).add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(3),
        Constraint::Length(17),
        Constraint::Length(30),
        Constraint::Length(34),
        Constraint::Length(24),
        Constraint::Min(10),
    ];
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);

    let [detail, logs] = if bottom.width >= 100 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom)
    } else {
        Layout::vertical([Constraint::Fill(2), Constraint::Fill(1)]).areas(bottom)
    };
    draw_step_detail(f, app, t, detail);
    draw_logs(f, app, t, logs, false);
}

fn draw_step_detail(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let Some(chain) = app.current_chain() else { return };
    let Some(step) = chain.steps.get(app.chain.selected_step) else { return };
    let mut lines: Vec<Line> = Vec::new();
    // The live probe's answers for this runner, above the prediction they check.
    if let Some(report) = app.probe.as_ref().filter(|r| r.subject == chain.subject) {
        lines.push(Line::from(Span::styled("live probe", t.title())));
        for l in &report.lines {
            let (mark, style) = if l.ok { ("✔", t.fg(Slot::Allow)) } else { ("✘", t.fg(Slot::Error)) };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::raw(format!("{}: ", l.call)),
                Span::styled(l.outcome.clone(), style),
            ]));
            if l.disagrees {
                lines.push(Line::from(Span::styled(
                    "  ⚠ AWS DISAGREES WITH THE PREDICTION: the model or the data is wrong (stale IAM? a policy arcscope cannot see?)",
                    t.fg(Slot::Error).add_modifier(Modifier::BOLD | Modifier::REVERSED),
                )));
            }
        }
        lines.push(Line::from(""));
    }
    // The role by name here; its ARN is in AWS's message below.
    let role = step.resource.rsplit_once(":role/").map_or(step.resource.as_str(), |(_, r)| r);
    lines.push(Line::from(vec![
        Span::styled(decision_label(step.decision), t.decision(step.decision)),
        Span::raw(format!("  {} → {role}  ", step.action)),
        Span::styled(format!("decided by {}", step.decided_by), t.muted()),
    ]));
    // Sections apart when there is room; packed in a small panel.
    let gap = area.height >= 16;
    // A small panel shows what matters first: why it is denied and the smallest fix; then what
    // AWS says, who asks, the statements and the policy text.
    if !step.non_matching.is_empty() && step.decision != Decision::Allow {
        if gap {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled("why", t.title())));
        for m in &step.non_matching {
            lines.push(Line::from(format!("• {} #{}: {}", m.policy, m.index, m.reason)));
        }
    }
    // The smallest fix first (`c` copies it), then the same change in other tools, or a way around.
    if !step.fixes.is_empty() {
        if gap {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(vec![
            Span::styled("fix", t.title()),
            Span::styled("  smallest first · c copies it", t.muted()),
        ]));
        for (i, fix) in step.fixes.iter().enumerate() {
            let style = if i == 0 { t.fg(Slot::Allow) } else { t.text() };
            lines.push(Line::from(vec![
                Span::styled(format!("{}. ", i + 1), t.muted()),
                Span::styled(fix.clone(), style),
            ]));
        }
    }
    // What the logs say about this very step (folded, counted): the loop the on-call engineer saw.
    let in_logs: Vec<&crate::logs::Finding> = app
        .analysis
        .findings
        .iter()
        .filter(|f| {
            f.linked_step
                .as_ref()
                .is_some_and(|l| l.subject == chain.subject && l.hop == step.hop && l.action == step.action)
        })
        .collect();
    if !in_logs.is_empty() {
        if gap {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled("in the logs", t.title())));
        for f in in_logs.iter().take(3) {
            let count = if f.count > 1 { format!("×{} ", f.count) } else { String::new() };
            lines.push(Line::from(vec![
                Span::styled(count, t.fg(Slot::Warning).add_modifier(Modifier::BOLD)),
                Span::raw(one_line(without_timestamp(&f.sample), 160)),
            ]));
        }
    }
    if let Some(m) = &step.message {
        if gap {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled("AWS would say", t.title())));
        lines.push(Line::from(Span::styled(m.clone(), t.decision(step.decision))));
    }
    lines.push(Line::from(Span::styled(format!("principal {}", step.principal), t.muted())));
    for s in &step.statements {
        lines.push(Line::from(Span::styled(
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
    // The deciding policy's text, the deciding statement highlighted.
    if let Some(text) = policy_lines(app, t, step) {
        if gap {
            lines.push(Line::from(""));
        }
        lines.extend(text);
    }
    for n in &step.notes {
        lines.push(Line::from(Span::styled(format!("note: {n}"), t.muted())));
    }
    // Kubernetes events of the runner (pod or EphemeralRunner of that name), warnings first.
    let (ns, name) = chain.subject.split_once('/').unwrap_or(("", &chain.subject));
    let mut events: Vec<&crate::model::k8s::Event> = app
        .inv
        .events
        .iter()
        .filter(|e| e.involved_object.name == name && e.involved_object.namespace.as_deref().unwrap_or(ns) == ns)
        .collect();
    events.sort_by_key(|e| e.type_.as_deref() != Some("Warning"));
    if !events.is_empty() {
        if gap {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled("events", t.title())));
        for e in events.iter().take(5) {
            let warn = e.type_.as_deref() == Some("Warning");
            lines.push(Line::from(vec![
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
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let rows = paragraph.line_count(inner.width);
    let last = rows.saturating_sub(inner.height as usize);
    let scroll = app.chain.detail_scroll.get().min(last);
    app.chain.detail_scroll.set(scroll);
    app.chain.detail_page.set(inner.height as usize);
    // When it does not fit: where we are, and how to see the rest.
    let title = if last > 0 {
        format!(" step · {}–{} of {rows} · pgup/pgdn ", scroll + 1, (scroll + inner.height as usize).min(rows))
    } else {
        " step ".to_string()
    };
    let block =
        Block::default().borders(Borders::ALL).border_style(t.fg(Slot::Border)).title(Span::styled(title, t.title()));
    f.render_widget(paragraph.scroll((scroll.min(u16::MAX as usize) as u16, 0)).block(block), area);
}

/// A log line for a one-line mention: its first line, cut on a character boundary.
fn one_line(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    match first.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None => first.to_string(),
    }
}

/// The trust policy of the step's role with the statement that decided (or failed) marked.
fn policy_lines<'a>(app: &'a App, t: &Theme, step: &crate::chain::Step) -> Option<Vec<Line<'a>>> {
    let role = app.inv.roles.get(&step.resource)?;
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

fn draw_logs(f: &mut Frame, app: &App, t: &Theme, area: Rect, full: bool) {
    let lines = logs_lines(app);
    let focused = app.chain.focus == Focus::Logs || full;
    // Live: which container, which window, and the stream's state.
    let stream = app
        .log_target()
        .filter(|_| app.live)
        .map(|t| {
            let window = match t.since_seconds {
                Some(s) => format!("since {}m", s / 60),
                None => format!("last {}", crate::sources::logstream::TAIL),
            };
            format!(
                " · {}{} {window} · {}",
                t.container,
                if t.previous { " (previous)" } else { "" },
                app.log_state.as_deref().unwrap_or("connecting")
            )
        })
        .unwrap_or_default();
    let flags = format!(
        " logs{stream}{}{}{}{} ",
        if app.chain.autoscroll { " · autoscroll" } else { "" },
        if app.chain.wrap { " · wrap" } else { "" },
        if app.chain.timestamps { " · timestamps" } else { "" },
        if app.frozen { " · frozen" } else { "" }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.fg(Slot::Accent) } else { t.fg(Slot::Border) })
        .title(Span::styled(flags, t.title()));
    let inner = block.inner(area);
    let height = inner.height as usize;
    let max_scroll = lines.len().saturating_sub(height);
    let scroll = if app.chain.autoscroll { max_scroll } else { app.chain.log_scroll.min(max_scroll) };
    let rendered: Vec<Line> = if lines.is_empty() {
        let msg = if app.live && app.log_target().is_some() {
            "no lines yet from the followed container (the job log lives on GitHub: arcscope explain --runner)"
        } else {
            "no logs for this runner in the data (the job log lives on GitHub: arcscope explain --runner)"
        };
        vec![Line::from(Span::styled(msg, t.muted()))]
    } else {
        lines
            .iter()
            .enumerate()
            .skip(scroll)
            .take(height.max(1))
            .map(|(i, l)| {
                if l.header {
                    return Line::from(Span::styled(format!("── {}", l.text), t.muted()));
                }
                let count = if l.count > 1 { format!("×{:<4}", l.count) } else { "     ".into() };
                let style = match (l.finding, l.severity) {
                    (true, Some(Severity::Error)) => t.fg(Slot::Error).add_modifier(Modifier::BOLD),
                    (true, Some(Severity::Warning)) => t.fg(Slot::Warning),
                    (true, _) => t.fg(Slot::Accent),
                    _ => t.text(),
                };
                let mark = if Some(i) == app.chain.search_hit { "▶ " } else { "  " };
                let mut spans =
                    vec![Span::styled(count, t.fg(Slot::Warning).add_modifier(Modifier::BOLD)), Span::raw(mark)];
                // Before the text, so a long line cannot push it off screen.
                if let Some(link) = &l.link {
                    spans.push(Span::styled(format!("[{link}] "), t.fg(Slot::Accent).add_modifier(Modifier::BOLD)));
                }
                spans.push(Span::styled(l.text.clone(), style));
                Line::from(spans)
            })
            .collect()
    };
    let mut p = Paragraph::new(rendered).block(block);
    if app.chain.wrap {
        p = p.wrap(Wrap { trim: false });
    }
    f.render_widget(p, area);
}

fn draw_status(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    if let Mode::Command(input) | Mode::Filter(input) = &app.mode {
        let (sigil, error) = match &app.mode {
            Mode::Filter(_) => ("/", app.filter.as_ref().err()),
            _ => (":", None),
        };
        // The error (or a note) stays in view; the text scrolls to keep the cursor in the rest.
        let tail = match (error, &app.prompt_note) {
            (Some(e), _) => Some((format!("  ✘ {e}"), t.fg(Slot::Error))),
            (None, Some(n)) => Some((format!("  {n}"), t.fg(Slot::Warning))),
            (None, None) => None,
        };
        let tail_width = tail.as_ref().map_or(0, |(s, _)| s.chars().count());
        let room = (area.width as usize).saturating_sub(1 + tail_width).max(1);
        let scroll = input.visual_scroll(room);
        let shown: String = input.value().chars().skip(scroll).take(room).collect();
        let mut spans = vec![Span::styled(sigil, t.fg(Slot::Accent)), Span::raw(shown)];
        if let Some((text, style)) = tail {
            spans.push(Span::styled(text, style));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        let x = area.x + 1 + input.visual_cursor().saturating_sub(scroll) as u16;
        if x < area.x + area.width {
            f.set_cursor_position((x, area.y));
        }
        return;
    }
    let warnings = app.all_warnings();
    let line = match (&app.status, warnings.first()) {
        (Some(s), _) => Line::from(Span::styled(s.clone(), t.fg(Slot::Accent))),
        (None, Some(w)) => {
            let more = match warnings.len() {
                1 => String::new(),
                n => format!(" (+{} more: :warnings)", n - 1),
            };
            Line::from(Span::styled(format!("⚠ {w}{more}"), t.fg(Slot::Warning)))
        }
        (None, None) => Line::from(""),
    };
    f.render_widget(Paragraph::new(line), area);
}

fn draw_hints(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let mut spans = Vec::new();
    for (k, d) in app.keymap.hints(&app.contexts()) {
        spans.push(Span::styled(format!("<{k}>"), t.fg(Slot::HintKey)));
        spans.push(Span::styled(format!(" {d}  "), t.fg(Slot::HintDesc)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn draw_help(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let mut lines = Vec::new();
    for ctx in [
        crate::app::keymap::Context::Global,
        crate::app::keymap::Context::Table,
        crate::app::keymap::Context::Chain,
        crate::app::keymap::Context::Logs,
    ] {
        lines.push(Line::from(Span::styled(ctx.as_str(), t.title())));
        let mut seen: Vec<&str> = Vec::new();
        for b in app.keymap.bindings.iter().filter(|b| b.context == ctx) {
            if seen.contains(&b.desc) {
                continue;
            }
            seen.push(b.desc);
            let keys: Vec<String> = app
                .keymap
                .bindings
                .iter()
                .filter(|x| x.context == ctx && x.desc == b.desc)
                .map(|x| x.key.label())
                .collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<14}", keys.join(" ")), t.fg(Slot::HintKey)),
                Span::raw(b.desc),
            ]));
        }
    }
    lines.push(Line::from(Span::styled("commands", t.title())));
    for (c, d) in crate::app::state::COMMANDS {
        lines.push(Line::from(vec![Span::styled(format!("  :{c:<13}"), t.fg(Slot::HintKey)), Span::raw(*d)]));
    }
    // As many columns as the lines need, as far as the screen allows.
    const COL: u16 = 58;
    let rows = (area.height.saturating_sub(2) as usize).max(1);
    let columns = lines.len().div_ceil(rows).clamp(1, (area.width.saturating_sub(2) / COL).max(1) as usize);
    let height = lines.len().div_ceil(columns).min(rows);
    let r = centered(area, COL * columns as u16 + 2, height as u16 + 2);
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(" help (any key closes) ", t.title()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let cols = Layout::horizontal(vec![Constraint::Length(COL); columns]).split(inner);
    let mut rest = lines.into_iter();
    for col in cols.iter() {
        let chunk: Vec<Line> = rest.by_ref().take(height).collect();
        f.render_widget(Paragraph::new(chunk), *col);
    }
}

/// The setup wizard: the page's fields with the reason beside a bad one, or the review.
fn draw_wizard(f: &mut Frame, app: &App, t: &Theme, area: Rect, form: &crate::wizard::form::WizardForm) {
    use crate::wizard::form::{Kind, PAGES};
    f.render_widget(Clear, area);
    let pages: Vec<String> = PAGES
        .iter()
        .enumerate()
        .map(|(i, p)| if i == form.page { format!("[{}. {p}]", i + 1) } else { format!("{}. {p}", i + 1) })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.fg(Slot::Accent))
        .title(Span::styled(format!(" wizard · {} ", pages.join(" › ")), t.title()))
        .title_bottom(Span::styled(
            " ctrl-n next · ctrl-p back · tab/↑↓ fields · ←/→ choices · esc leave (answers kept) ",
            t.muted(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    // Where the previewed file starts in the review (tab scrolls there).
    let mut preview_at = None;
    if form.page < 4 {
        if form.page == 3 {
            lines.push(Line::from(Span::styled(
                format!(
                    "target {} of {} · ctrl-t add · ctrl-x remove · pgup/pgdn switch",
                    form.target + 1,
                    form.targets.len()
                ),
                t.muted(),
            )));
            lines.push(Line::from(""));
        }
        for (i, field) in form.page_fields().into_iter().enumerate() {
            let focused = i == form.focus;
            let value = match field.kind {
                Kind::Choice(_) => format!("‹ {} ›", field.input.value()),
                Kind::Text => field.input.value().to_string(),
            };
            let mut spans = vec![
                Span::styled(if focused { "› " } else { "  " }, t.fg(Slot::Accent)),
                Span::styled(format!("{:<28}", field.label), if focused { t.title() } else { t.text() }),
                Span::styled(value, if focused { t.selection() } else { t.text() }),
            ];
            match form.reason(field) {
                Some(r) => spans.push(Span::styled(format!("  ✘ {r}"), t.fg(Slot::Error))),
                None if focused && !field.help.is_empty() => {
                    spans.push(Span::styled(format!("  {}", field.help), t.muted()))
                }
                None => {}
            }
            lines.push(Line::from(spans));
        }
    } else {
        match &form.review {
            None => lines.push(Line::from(Span::styled(
                format!(
                    "the answers are not complete: {}",
                    form.error.as_ref().map(|e| e.to_string()).unwrap_or_default()
                ),
                t.fg(Slot::Error),
            ))),
            Some(review) => {
                lines.push(Line::from(Span::styled(
                    if review.allowed {
                        "✔ every hop and every granted action of the generated setup is allowed (simulated):"
                    } else {
                        "✘ the generated setup would fail:"
                    },
                    if review.allowed { t.fg(Slot::Allow) } else { t.fg(Slot::Error) },
                )));
                for c in &review.verification.chains {
                    let hops: Vec<String> =
                        c.steps.iter().map(|s| format!("{} {}", decision_label(s.decision), s.action)).collect();
                    lines.push(Line::from(format!(
                        "  {} {}: {}",
                        verdict_label(c.verdict),
                        c.job.as_deref().unwrap_or(""),
                        hops.join(" · ")
                    )));
                    // Why a hop fails, and the smallest fix.
                    for st in c.steps.iter().filter(|s| s.decision != crate::iam::eval::Decision::Allow) {
                        let why = st.message.as_deref().or(st.notes.first().map(String::as_str)).unwrap_or("");
                        lines.push(Line::from(Span::styled(
                            format!("    {} ({}): {why}", st.action, st.decided_by.as_str().replace('_', " ")),
                            t.fg(Slot::Error),
                        )));
                        if let Some(fix) = st.fixes.first() {
                            lines.push(Line::from(Span::styled(format!("      fix: {fix}"), t.muted())));
                        }
                    }
                }
                let v = &review.verification;
                if !v.actions.is_empty() {
                    let failing = v.failing_actions();
                    let under = review.boundary.as_ref().map_or(String::new(), |b| format!(" under {b}"));
                    lines.push(Line::from(format!(
                        "  {} {} of {} actions the target roles grant are allowed{under}",
                        if failing == 0 { "✔" } else { "✘" },
                        v.actions.len() - failing,
                        v.actions.len()
                    )));
                    for p in &review.problems {
                        lines.push(Line::from(Span::styled(format!("    {}", p.headline), t.fg(Slot::Error))));
                        for why in &p.why {
                            lines.push(Line::from(Span::styled(format!("      {why}"), t.muted())));
                        }
                    }
                }
                for u in &v.unchecked {
                    lines.push(Line::from(Span::styled(format!("  ? not checked: {u}"), t.fg(Slot::Warning))));
                }
                if let Some(repair) = &form.repair {
                    lines.push(Line::from(Span::styled(format!("against {}:", app.inv.source), t.title())));
                    if repair.is_empty() {
                        lines.push(Line::from(Span::styled("  nothing missing", t.fg(Slot::Allow))));
                    }
                    for r in repair {
                        lines.push(Line::from(Span::styled(format!("  ✘ {r}"), t.fg(Slot::Warning))));
                    }
                }
                lines.push(Line::from(""));
                let names: Vec<Span> = review
                    .files
                    .iter()
                    .enumerate()
                    .map(|(i, file)| {
                        let style = if i == form.preview { t.selection() } else { t.muted() };
                        Span::styled(format!(" {} ", file.path), style)
                    })
                    .collect();
                lines.push(Line::from(names));
                lines.push(Line::from(""));
                preview_at = Some(lines.len());
                if let Some(file) = review.files.get(form.preview) {
                    for l in file.text.lines() {
                        lines.push(Line::from(Span::styled(l.to_string(), t.text())));
                    }
                }
            }
        }
    }
    if form.page == 4 && form.review.is_some() {
        // The review scrolls under a fixed footer: where the files go, and how to write them.
        let mut footer = vec![Line::from(vec![
            Span::styled("write to: ", t.title()),
            Span::raw(form.out_dir.value().to_string()),
            Span::styled(
                "   ctrl-w writes (asks before replacing files) · tab/shift-tab preview a file · pgup/pgdn scroll",
                t.muted(),
            ),
        ])];
        if let Some(m) = &form.message {
            footer.insert(0, Line::from(Span::styled(m.clone(), t.fg(Slot::Warning))));
        }
        let footer = Paragraph::new(footer).wrap(Wrap { trim: false });
        let rows = (footer.line_count(inner.width) as u16).min(inner.height);
        let [body, foot] = Layout::vertical([Constraint::Min(0), Constraint::Length(rows)]).areas(inner);
        let base = match preview_at {
            Some(n) if form.scroll_to_preview => {
                Paragraph::new(lines[..n].to_vec()).wrap(Wrap { trim: false }).line_count(body.width) as i32
            }
            _ => 0,
        };
        let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
        let last = (paragraph.line_count(body.width) as i32 - body.height as i32).max(0);
        let scroll = (base + form.scroll).clamp(0, last.min(u16::MAX as i32));
        form.shown_scroll.set(scroll);
        f.render_widget(paragraph.scroll((scroll as u16, 0)), body);
        f.render_widget(footer, foot);
        return;
    }
    if let Some(m) = &form.message {
        lines.insert(0, Line::from(Span::styled(m.clone(), t.fg(Slot::Warning))));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The probe's confirmation: every call it will make, before anything is sent.
fn draw_confirm(f: &mut Frame, t: &Theme, area: Rect, plan: &crate::probe::ProbePlan) {
    let mut lines = vec![
        Line::from(Span::styled(format!("Live probe of {}", plan.subject), t.title())),
        Line::from(""),
        Line::from("These calls will be made, in this order:"),
    ];
    for (i, c) in plan.calls().iter().enumerate() {
        lines.push(Line::from(format!("{}. {c}", i + 1)));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Credentials are held in memory for the next call only, never shown, logged or written.",
        t.muted(),
    )));
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("y", t.fg(Slot::Warning).add_modifier(Modifier::BOLD)),
        Span::raw(" send these calls · any other key: cancel, nothing is sent"),
    ]));
    let width = area.width.saturating_sub(4).min(110);
    // Wrapped height (word wrap can take a little more than the characters need: one spare row).
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum::<usize>() + 1;
    let rect = centered(area, width, (rows as u16 + 2).min(area.height));
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.fg(Slot::Warning))
        .title(Span::styled(" confirm: this creates things ", t.fg(Slot::Warning).add_modifier(Modifier::BOLD)));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
}

fn draw_text(f: &mut Frame, t: &Theme, area: Rect, title: &str, text: &str, scroll: usize) {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.fg(Slot::Accent))
        .title(Span::styled(format!(" {title} (esc closes) "), t.title()));
    let lines: Vec<Line> =
        text.lines().skip(scroll).take(area.height as usize).map(|l| Line::from(l.to_string())).collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}
