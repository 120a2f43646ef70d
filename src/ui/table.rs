//! The list views' table: columns sized to the screen, the selection, filter matches highlighted.

use super::theme::{Slot, Theme};
use crate::app::App;
use crate::app::state::View;
use crate::app::state::rows::{self};
use crate::iam::eval::Decision;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row as TRow, Table, Wrap};

/// The first visible row of the table view for this body area (keeps the selection in view).
pub(super) fn table_offset(app: &App, area: Rect) -> usize {
    let height = area.height.saturating_sub(3) as usize;
    let visible = app.nav.table.visible.len();
    if height == 0 {
        0
    } else {
        app.table_state().selected.saturating_sub(height - 1).min(visible.saturating_sub(height))
    }
}

pub(super) fn draw_table(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.fg(Slot::Border))
        .title(Span::styled(format!(" {} ", app.view().title()), t.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let st = app.table_state();
    let height = inner.height.saturating_sub(1) as usize;
    let visible = &app.nav.table.visible;
    if visible.is_empty() {
        let msg = if !app.nav.table.rows.is_empty() {
            "no row matches the filter".to_string()
        } else if let Some(loading) = app.loading_summary() {
            format!("{loading} — rows appear as they are read")
        } else if matches!(app.view(), View::Pulse) && !app.data.chains.is_empty() {
            // Runners without a scale set read (ARC's kinds forbidden or not installed).
            format!(
                "no scale set (AutoscalingRunnerSet) in the data; {} — :runners lists them",
                rows::runners_word(app.data.chains.len())
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
    let verdict_col =
        app.nav.table.columns.iter().position(|c| *c == "VERDICT" || *c == "STATUS" || *c == "TAGSESSION");
    let rows: Vec<TRow> = visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(pos, &i)| {
            let row = &app.nav.table.rows[i];
            let cells: Vec<Cell> = row
                .cells
                .iter()
                .enumerate()
                .map(|(c, text)| {
                    let mut base = t.text();
                    if Some(c) == verdict_col || (app.nav.table.columns[c] == "VERDICT") {
                        if let Some(v) = row.verdict.filter(|_| app.nav.table.columns[c] == "VERDICT") {
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
    let header = TRow::new(app.nav.table.columns.iter().enumerate().map(|(c, h)| {
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
pub(super) fn column_widths(app: &App, total: u16) -> Vec<Constraint> {
    let n = app.nav.table.columns.len();
    let mut w: Vec<u16> = app.nav.table.columns.iter().map(|c| c.chars().count() as u16 + 1).collect();
    for &i in app.nav.table.visible.iter().take(500) {
        for (c, cell) in app.nav.table.rows[i].cells.iter().enumerate() {
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

/// Split `text` into spans with regex matches highlighted.
pub(super) fn highlight<'a>(text: &'a str, re: Option<&regex::Regex>, base: Style, hi: Style) -> Line<'a> {
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
