//! The logs pane (beside the chain) and the logs view (full screen): folded lines, counts, links.

use super::theme::{Slot, Theme};
use crate::app::App;
use crate::app::state::Focus;
use crate::app::state::logview::logs_lines;
use crate::logs::signatures::Severity;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Where the logs are drawn: beside the step panel, in its place on a low terminal, or over the
/// whole body (the logs view, `f`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pane {
    Beside,
    Alone,
    Full,
}

pub(super) fn draw_logs(f: &mut Frame, app: &App, t: &Theme, area: Rect, pane: Pane) {
    let lines = logs_lines(app);
    let full = pane == Pane::Full;
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
        " logs{stream}{}{}{}{}{} ",
        if app.chain.log.autoscroll { " · autoscroll" } else { "" },
        if app.chain.log.wrap { " · wrap" } else { "" },
        if app.chain.log.timestamps { " · timestamps" } else { "" },
        if app.streams.frozen { " · frozen" } else { "" },
        if pane == Pane::Alone { " · tab: steps" } else { "" }
    );
    // Full screen it is the only pane: no focus to show.
    let block = t.pane(focused && !full).title(Span::styled(flags, t.title()));
    let inner = block.inner(area);
    let height = inner.height as usize;
    let rendered: Vec<Line> = if lines.is_empty() {
        let msg = if app.caps.live && app.log_target().is_some() {
            "no lines yet from the followed container (the job log lives on GitHub: arcscope explain --runner)"
        } else {
            "no logs for this runner in the data (the job log lives on GitHub: arcscope explain --runner)"
        };
        vec![Line::from(Span::styled(msg, t.muted()))]
    } else {
        // Each log line as the rows it takes on screen: one, or with wrap on as many as its
        // width needs, each continuation row under the text (the count's gutter left blank).
        // Scrolling counts rows, so autoscroll, G and pgdn reach the last one (#15.2).
        // Rows are counted for every line, but built only for the lines on screen (a render
        // path: a 10,000-line log is not laid out each frame).
        let width = if app.chain.log.wrap { inner.width as usize } else { usize::MAX };
        let mut starts = Vec::with_capacity(lines.len() + 1);
        let mut total = 0;
        for l in &lines {
            starts.push(total);
            total += row_count(l, width);
        }
        let max_scroll = total.saturating_sub(height);
        let scroll = if app.chain.log.autoscroll {
            max_scroll
        } else {
            starts.get(app.chain.log.log_scroll).copied().unwrap_or(max_scroll).min(max_scroll)
        };
        let first = starts.partition_point(|&s| s <= scroll).saturating_sub(1);
        let mut rows: Vec<Line> = Vec::new();
        for (i, l) in lines.iter().enumerate().skip(first) {
            if rows.len() >= (scroll - starts[first]) + height.max(1) {
                break;
            }
            rows.extend(log_rows(app, t, i, l, width));
        }
        rows.into_iter().skip(scroll - starts[first]).take(height.max(1)).collect()
    };
    f.render_widget(Paragraph::new(rendered).block(block), area);
}

/// How many rows [`log_rows`] makes of `l` at `width`.
fn row_count(l: &crate::app::state::logview::LogLine, width: usize) -> usize {
    if width == usize::MAX {
        return 1;
    }
    let (chars, avail) = if l.header {
        (l.text.chars().count() + 3, width)
    } else {
        let link = l.link.as_ref().map_or(0, |k| k.chars().count() + 3);
        (link + l.text.chars().count(), width.saturating_sub(GUTTER).max(1))
    };
    chars.div_ceil(avail.max(1)).max(1)
}

/// The count's gutter (`×12  `) and the search mark: every row of a line starts with this wide.
const GUTTER: usize = 7;

/// Log line `i` as screen rows `width` wide (`usize::MAX`: one row, cut by the pane).
fn log_rows(
    app: &App,
    t: &Theme,
    i: usize,
    l: &crate::app::state::logview::LogLine,
    width: usize,
) -> Vec<Line<'static>> {
    if l.header {
        return chunks(vec![(format!("── {}", l.text), t.muted())], width).into_iter().map(Line::from).collect();
    }
    let count = if l.count > 1 { format!("×{:<4}", l.count) } else { "     ".into() };
    let style = match (l.finding, l.severity) {
        (true, Some(Severity::Error)) => t.fg(Slot::Error).add_modifier(Modifier::BOLD),
        (true, Some(Severity::Warning)) => t.fg(Slot::Warning),
        (true, _) => t.fg(Slot::Accent),
        _ => t.text(),
    };
    let mark = if Some(i) == app.chain.log.search_hit { "▶ " } else { "  " };
    // The link before the text, so a long line cannot push it off screen.
    let mut body = Vec::new();
    if let Some(link) = &l.link {
        body.push((format!("[{link}] "), t.fg(Slot::Accent).add_modifier(Modifier::BOLD)));
    }
    match app.found_in(crate::app::state::search::Target::Log) {
        Some(found) => {
            let hi =
                if found.hit == Some(i) { t.filter_match().add_modifier(Modifier::REVERSED) } else { t.filter_match() };
            body.extend(super::table::matched(&l.text, &found.regex, style, hi));
        }
        None => body.push((l.text.clone(), style)),
    }
    chunks(body, width.saturating_sub(GUTTER).max(1))
        .into_iter()
        .enumerate()
        .map(|(r, mut spans)| {
            let gutter = if r == 0 {
                vec![Span::styled(count.clone(), t.fg(Slot::Warning).add_modifier(Modifier::BOLD)), Span::raw(mark)]
            } else {
                vec![Span::raw(" ".repeat(GUTTER))]
            };
            let mut row = gutter;
            row.append(&mut spans);
            Line::from(row)
        })
        .collect()
}

/// Styled text cut into rows of `width` characters (terminal-style wrapping: a long ARN is cut
/// where the row ends, not moved whole to the next); `usize::MAX`: one row.
fn chunks(parts: Vec<(String, Style)>, width: usize) -> Vec<Vec<Span<'static>>> {
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for (text, style) in parts {
        let mut piece = String::new();
        for ch in text.chars() {
            if used == width {
                rows.last_mut().expect("a row").push(Span::styled(std::mem::take(&mut piece), style));
                rows.push(Vec::new());
                used = 0;
            }
            piece.push(ch);
            used += 1;
        }
        if !piece.is_empty() {
            rows.last_mut().expect("a row").push(Span::styled(piece, style));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::{GUTTER, chunks, row_count};
    use crate::app::state::logview::LogLine;
    use ratatui::style::Style;

    /// The rows counted for scrolling are the rows drawn, at every width.
    #[test]
    fn rows_counted_are_rows_drawn() {
        let line = |text: &str, link: Option<&str>, header: bool| LogLine {
            text: text.into(),
            count: 3,
            finding: false,
            severity: None,
            header,
            link: link.map(str::to_string),
        };
        let long = "x".repeat(157);
        for l in [
            line("", None, false),
            line(&long, None, false),
            line(&long, Some("hop 2 TagSession"), false),
            line(&long, None, true),
        ] {
            for width in [8, 9, 20, 80, 164, usize::MAX] {
                let parts = if l.header {
                    vec![(format!("── {}", l.text), Style::default())]
                } else {
                    let mut p: Vec<_> = l.link.iter().map(|k| (format!("[{k}] "), Style::default())).collect();
                    p.push((l.text.clone(), Style::default()));
                    p
                };
                let avail = if l.header || width == usize::MAX { width } else { width.saturating_sub(GUTTER).max(1) };
                assert_eq!(row_count(&l, width), chunks(parts, avail).len(), "width {width}, header {}", l.header);
            }
        }
    }
}
