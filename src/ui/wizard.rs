//! The setup wizard's form.

use super::theme::{Slot, Theme};
use crate::app::App;
use crate::app::state::rows::{decision_label, verdict_label};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::wizard::form::{Kind, PAGES, Review, WizardForm};

/// The setup wizard: the page's fields with the reason beside a bad one, or the review.
pub(super) fn draw_wizard(f: &mut Frame, app: &App, t: &Theme, area: Rect, form: &WizardForm) {
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
    if form.page < 4 {
        let mut lines = field_lines(t, form);
        if let Some(m) = &form.message {
            lines.insert(0, Line::from(Span::styled(m.clone(), t.fg(Slot::Warning))));
        }
        // The focused text field shows the terminal's cursor where typing goes (#15.14).
        let before = lines.len() - form.page_fields().len() + form.focus;
        let rows: usize =
            lines.iter().take(before).map(|l| l.width().div_ceil(inner.width.max(1) as usize).max(1)).sum();
        if let Some(field) = form.page_fields().get(form.focus).filter(|f| f.kind == Kind::Text) {
            let x = inner.x as usize + 2 + 28 + field.input.visual_cursor();
            if rows < inner.height as usize && x < (inner.x + inner.width) as usize {
                f.set_cursor_position((x as u16, inner.y + rows as u16));
            }
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    let Some(review) = &form.review else {
        let mut lines = vec![Line::from(Span::styled(
            format!("the answers are not complete: {}", form.error.as_ref().map(|e| e.to_string()).unwrap_or_default()),
            t.fg(Slot::Error),
        ))];
        if let Some(m) = &form.message {
            lines.insert(0, Line::from(Span::styled(m.clone(), t.fg(Slot::Warning))));
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    };
    let mut lines = review_lines(app, t, form, review);
    // Where the previewed file starts in the review (tab scrolls there).
    let preview_at = lines.len();
    if let Some(file) = review.files.get(form.preview) {
        for l in file.text.lines() {
            lines.push(Line::from(Span::styled(l.to_string(), t.text())));
        }
    }
    draw_review(f, t, inner, form, lines, preview_at);
}

/// The page's fields: the focused one marked, its help beside it, or why its value is refused.
fn field_lines<'a>(t: &Theme, form: &'a WizardForm) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
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
    lines
}

/// The review: every chain of the generated setup simulated, the granted actions checked, what
/// the data lacks, and the files (the previewed one selected).
fn review_lines<'a>(app: &App, t: &Theme, form: &'a WizardForm, review: &'a Review) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(Span::styled(
        if review.allowed {
            "✔ every hop and every granted action of the generated setup is allowed (simulated):"
        } else {
            "✘ the generated setup would fail:"
        },
        if review.allowed { t.fg(Slot::Allow) } else { t.fg(Slot::Error) },
    ))];
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
        lines.push(Line::from(Span::styled(format!("against {}:", app.data.inv.source), t.title())));
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
    lines
}

/// The review scrolls under a fixed footer: where the files go, and how to write them.
fn draw_review(f: &mut Frame, t: &Theme, inner: Rect, form: &WizardForm, lines: Vec<Line<'_>>, preview_at: usize) {
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
    let base = if form.scroll_to_preview {
        Paragraph::new(lines[..preview_at].to_vec()).wrap(Wrap { trim: false }).line_count(body.width) as i32
    } else {
        0
    };
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let last = (paragraph.line_count(body.width) as i32 - body.height as i32).max(0);
    let scroll = (base + form.scroll).clamp(0, last.min(u16::MAX as i32));
    form.shown_scroll.set(scroll);
    f.render_widget(paragraph.scroll((scroll as u16, 0)), body);
    f.render_widget(footer, foot);
}
