//! The logs pane (beside the chain) and the logs view (full screen): folded lines, counts, links.

use super::theme::{Slot, Theme};
use crate::app::App;
use crate::app::state::Focus;
use crate::app::state::logview::logs_lines;
use crate::logs::signatures::Severity;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub(super) fn draw_logs(f: &mut Frame, app: &App, t: &Theme, area: Rect, full: bool) {
    let lines = logs_lines(app);
    let focused = app.chain.focus == Focus::Logs || full;
    // Live: which container, which window, and the stream's state.
    let stream = app
        .log_target()
        .filter(|_| app.caps.live)
        .map(|t| {
            let window = match t.since_seconds {
                Some(s) => format!("since {}m", s / 60),
                None => format!("last {}", crate::sources::logstream::TAIL),
            };
            format!(
                " · {}{} {window} · {}",
                t.container,
                if t.previous { " (previous)" } else { "" },
                app.streams.log_state.as_deref().unwrap_or("connecting")
            )
        })
        .unwrap_or_default();
    let flags = format!(
        " logs{stream}{}{}{}{} ",
        if app.chain.log.autoscroll { " · autoscroll" } else { "" },
        if app.chain.log.wrap { " · wrap" } else { "" },
        if app.chain.log.timestamps { " · timestamps" } else { "" },
        if app.streams.frozen { " · frozen" } else { "" }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.fg(Slot::Accent) } else { t.fg(Slot::Border) })
        .title(Span::styled(flags, t.title()));
    let inner = block.inner(area);
    let height = inner.height as usize;
    let max_scroll = lines.len().saturating_sub(height);
    let scroll = if app.chain.log.autoscroll { max_scroll } else { app.chain.log.log_scroll.min(max_scroll) };
    let rendered: Vec<Line> = if lines.is_empty() {
        let msg = if app.caps.live && app.log_target().is_some() {
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
                let mark = if Some(i) == app.chain.log.search_hit { "▶ " } else { "  " };
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
    if app.chain.log.wrap {
        p = p.wrap(Wrap { trim: false });
    }
    f.render_widget(p, area);
}
