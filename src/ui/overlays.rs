//! The status line, the key hints, and what opens over a view: help, the probe's question, text.

use super::theme::{Slot, Theme};
use crate::app::App;
use crate::app::state::Mode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub(super) fn draw_status(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    if let Some(search) = &app.nav.search {
        return draw_prompt(f, app, t, area, ("/", &search.input), search.error.as_ref());
    }
    if let Mode::Command(input) | Mode::Filter(input) = &app.nav.mode {
        let (sigil, error) = match &app.nav.mode {
            Mode::Filter(_) => ("/", app.filter.as_ref().err()),
            _ => (":", None),
        };
        return draw_prompt(f, app, t, area, (sigil, input), error);
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

/// An input on the status line: its sigil, the text scrolled to keep the cursor in view, and the
/// error (or a note) after it, always in view.
fn draw_prompt(
    f: &mut Frame,
    app: &App,
    t: &Theme,
    area: Rect,
    (sigil, input): (&'static str, &tui_input::Input),
    error: Option<&String>,
) {
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
}

pub(super) fn draw_hints(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    // As many as fit, in order; the last (help) always.
    let hints = app.footer_hints();
    let width = |(k, d): &(String, &str)| k.chars().count() + d.chars().count() + 5;
    let mut room = area.width as usize;
    if let Some(last) = hints.last() {
        room = room.saturating_sub(width(last));
    }
    let mut spans = Vec::new();
    for (i, h) in hints.iter().enumerate() {
        let last = i + 1 == hints.len();
        if !last {
            if width(h) > room {
                continue;
            }
            room -= width(h);
        }
        spans.push(Span::styled(format!("<{}>", h.0), t.fg(Slot::HintKey)));
        spans.push(Span::styled(format!(" {}  ", h.1), t.fg(Slot::HintDesc)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

pub(super) fn draw_help(f: &mut Frame, app: &App, t: &Theme, area: Rect, scroll: usize) {
    use crate::app::keymap::Context;
    // This view's keys first (the most specific first), the other views' and the commands next;
    // then the keys of what opens over a view.
    let (views, modes) = Context::ALL.split_at(4);
    let mut order: Vec<Context> = app.view_contexts().into_iter().rev().collect();
    let others: Vec<Context> = views.iter().copied().filter(|c| !order.contains(c)).collect();
    order.extend(others);
    let mut lines = Vec::new();
    for ctx in order {
        help_context(&mut lines, app, t, ctx);
    }
    lines.push(Line::from(Span::styled("commands", t.title())));
    for c in crate::app::state::COMMANDS {
        let name = c.name;
        lines.push(Line::from(vec![Span::styled(format!("  :{name:<13}"), t.fg(Slot::HintKey)), Span::raw(c.help)]));
    }
    for ctx in modes {
        help_context(&mut lines, app, t, *ctx);
    }
    // As many columns as the lines need, as far as the screen allows.
    const COL: u16 = 58;
    let rows = (area.height.saturating_sub(2) as usize).max(1);
    let columns = lines.len().div_ceil(rows).clamp(1, (area.width.saturating_sub(2) / COL).max(1) as usize);
    let height = lines.len().div_ceil(columns).min(rows);
    // What does not fit scrolls (j/k, pgdn/pgup, g/G), clamped to the last screenful.
    let capacity = height * columns;
    let first = scroll.min(lines.len().saturating_sub(capacity));
    let title = if lines.len() > capacity {
        let last = (first + capacity).min(lines.len());
        format!(" help {}–{last} of {} (j/k pgdn scroll · esc closes) ", first + 1, lines.len())
    } else {
        " help (esc closes) ".to_string()
    };
    let r = centered(area, COL * columns as u16 + 2, height as u16 + 2);
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(title, t.title()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let cols = Layout::horizontal(vec![Constraint::Length(COL); columns]).split(inner);
    let mut rest = lines.into_iter().skip(first);
    for col in cols.iter() {
        let chunk: Vec<Line> = rest.by_ref().take(height).collect();
        f.render_widget(Paragraph::new(chunk), *col);
    }
}

/// One context's keys: each description once, with every key bound to it.
fn help_context(lines: &mut Vec<Line<'static>>, app: &App, t: &Theme, ctx: crate::app::keymap::Context) {
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

/// The probe's confirmation: every call it will make, before anything is sent.
pub(super) fn draw_confirm(f: &mut Frame, t: &Theme, area: Rect, plan: &crate::probe::ProbePlan) {
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

pub(super) fn draw_text(f: &mut Frame, app: &App, t: &Theme, area: Rect, (title, text, scroll): (&str, &str, usize)) {
    f.render_widget(Clear, area);
    // Clamped to the last screenful (pgdn never scrolls into blank space; G is the end), and
    // where it is said in the title.
    let rows = area.height.saturating_sub(2) as usize;
    let total = text.lines().count();
    let first = scroll.min(total.saturating_sub(rows));
    let position = if total > rows {
        format!(" {}–{} of {}", first + 1, (first + rows).min(total), total)
    } else {
        String::new()
    };
    let title = super::table::fit(title, (area.width as usize).saturating_sub(position.chars().count() + 18));
    // Where it is, on the right: a long title (a pod's name) cut on the left cannot hide it.
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.fg(Slot::Accent))
        .title(Span::styled(format!(" {title} "), t.title()))
        .title_top(Line::from(Span::styled(format!("{position} · esc closes "), t.muted())).right_aligned());
    // The search's matches highlighted, the current one reversed too (seen without colour).
    let found = app.found_in(crate::app::state::search::Target::Text);
    let lines: Vec<Line> = text
        .lines()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, l)| {
            let hi = match found.and_then(|f| f.hit) {
                Some(h) if h == i => t.filter_match().add_modifier(Modifier::REVERSED),
                _ => t.filter_match(),
            };
            let mut spans = Vec::new();
            for (part, style) in syntax(l, t) {
                match found {
                    Some(f) => spans.extend(
                        super::table::matched(part, &f.regex, style, hi).into_iter().map(|(s, st)| Span::styled(s, st)),
                    ),
                    None => spans.push(Span::styled(part.to_string(), style)),
                }
            }
            Line::from(spans)
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// `R`'s list: the filter on top, the roles that match below, the selected one reversed; each
/// says whether the runner's base role may assume it.
pub(super) fn draw_picker(
    f: &mut Frame,
    app: &App,
    t: &Theme,
    area: Rect,
    picker: &crate::app::state::picker::RolePicker,
) {
    let choices = app.choices(picker.input.value());
    let total = app.data.inv.roles.len();
    let width = area.width.saturating_sub(4).clamp(20, 110);
    let height = ((choices.len() + 3) as u16).min(area.height.saturating_sub(2)).max(5);
    let r = centered(area, width, height);
    f.render_widget(Clear, r);
    let shown = choices.iter().filter(|c| c.arn.is_some()).count();
    let title = format!(" target role · {shown} of {total} · type to filter · enter simulates · esc keeps ");
    let block =
        Block::default().borders(Borders::ALL).border_style(t.fg(Slot::Accent)).title(Span::styled(title, t.title()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let rows = (inner.height as usize).saturating_sub(1).max(1);
    let first = picker.selected.saturating_sub(rows.saturating_sub(1));
    let mut lines =
        vec![Line::from(vec![Span::styled("role: ", t.fg(Slot::Accent)), Span::raw(picker.input.value().to_string())])];
    if choices.is_empty() {
        lines.push(Line::from(Span::styled("no role's ARN contains that", t.muted())));
    }
    let name_width = choices
        .iter()
        .filter_map(|c| c.arn.as_deref())
        .map(|a| a.split_once(":role/").map_or(a, |(_, n)| n).chars().count())
        .max()
        .unwrap_or(0)
        .min(44);
    for (i, c) in choices.iter().enumerate().skip(first).take(rows) {
        let (text, mark) = match &c.arn {
            None => ("the workflow's own role-to-assume".to_string(), ""),
            Some(arn) => {
                // The name first (what people search by), its account after.
                let (account, name) = match arn.split_once(":role/") {
                    Some((head, name)) => (head.rsplit(':').next().unwrap_or(""), name),
                    None => ("", arn.as_str()),
                };
                (
                    format!("{name:<name_width$}  {account}"),
                    if c.assumable { "  ✔ the runner's role may assume it" } else { "" },
                )
            }
        };
        let style = if i == picker.selected { t.selection() } else { t.text() };
        let marker = if i == picker.selected { "▶ " } else { "  " };
        lines.push(Line::from(vec![Span::styled(format!("{marker}{text}"), style), Span::styled(mark, t.muted())]));
    }
    f.render_widget(Paragraph::new(lines), inner);
    let x = inner.x + 6 + picker.input.visual_cursor() as u16;
    if x < inner.x + inner.width {
        f.set_cursor_position((x, inner.y));
    }
}

/// A YAML or JSON line in two colours (#15.6): the key (and a list's dash) in the accent, the
/// value as text, a comment muted. Not a parser: a line that is not `key: value` is all text.
fn syntax<'a>(line: &'a str, t: &Theme) -> Vec<(&'a str, ratatui::style::Style)> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') {
        return vec![(line, t.muted())];
    }
    // `key: value`, `- key: value`, `"key": value` — the colon after the key, outside quotes.
    let body = line.len() - trimmed.len() + usize::from(trimmed.starts_with("- ")) * 2;
    let rest = &line[body..];
    let key_end = if let Some(q) = rest.strip_prefix('"') {
        q.find('"').map(|e| e + 2).filter(|&e| rest[e..].starts_with(':'))
    } else {
        rest.find(": ").or_else(|| rest.strip_suffix(':').map(str::len)).filter(|&e| !rest[..e].contains(' '))
    };
    match key_end {
        Some(e) => vec![(&line[..body + e + 1], t.fg(Slot::Accent)), (&line[body + e + 1..], t.text())],
        None => vec![(line, t.text())],
    }
}
