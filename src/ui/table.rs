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
    let columns = &app.nav.table.columns;
    let sample: Vec<&[String]> = visible.iter().take(500).map(|&i| app.nav.table.rows[i].cells.as_slice()).collect();
    let widths = fit_columns(columns, &sample, st.sort.map(|(c, _)| c), inner.width);
    let shown: Vec<usize> = (0..columns.len()).filter(|&c| widths[c] > 0).collect();
    let verdict_col = columns.iter().position(|c| *c == "VERDICT" || *c == "STATUS" || *c == "TAGSESSION");
    // The cells as drawn (cut with `…` to their column), kept for the frame.
    let texts: Vec<Vec<std::borrow::Cow<str>>> = visible
        .iter()
        .skip(offset)
        .take(height)
        .map(|&i| shown.iter().map(|&c| fit(&app.nav.table.rows[i].cells[c], widths[c] as usize)).collect())
        .collect();
    let rows: Vec<TRow> = visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .zip(&texts)
        .map(|((pos, &i), texts)| {
            let row = &app.nav.table.rows[i];
            let cells: Vec<Cell> = shown
                .iter()
                .zip(texts)
                .map(|(&c, text)| {
                    let mut base = t.text();
                    if Some(c) == verdict_col || (columns[c] == "VERDICT") {
                        if let Some(v) = row.verdict.filter(|_| columns[c] == "VERDICT") {
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
    let header = TRow::new(shown.iter().map(|&c| {
        let mark = match st.sort {
            Some((col, false)) if col == c => "↑",
            Some((col, true)) if col == c => "↓",
            _ => "",
        };
        Cell::from(format!("{}{mark}", fit(columns[c], (widths[c] as usize).saturating_sub(mark.len().min(1)))))
    }))
    .style(t.fg(Slot::Accent).add_modifier(Modifier::BOLD));
    let constraints: Vec<Constraint> = shown.iter().map(|&c| Constraint::Length(widths[c])).collect();
    f.render_widget(Table::new(rows, constraints).header(header).column_spacing(spacing(inner.width)), inner);
}

/// How a column gives way when the screen is narrow (k9s-like): low-value columns go first,
/// then middle text is cut, then names and verdicts; counters are never cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Give {
    /// Names and verdicts: cut last (with `…`), never dropped.
    Keep,
    /// Numbers and short states: their header's width or more, never cut.
    Counter,
    /// Dropped before anything is cut, the lowest first.
    Drop(u8),
    /// Middle text: cut first (with `…`), down to its header's width.
    Cut,
}

fn give(name: &str, single_valued: bool) -> Give {
    match name {
        "NAME" | "SCALE SET" | "VERDICT" | "STATUS" | "DECISION" => Give::Keep,
        "HOP" | "RUNNING" | "PENDING" | "FAILED" | "READY" | "AGE" | "LOOP" | "CHAINS" | "TAGSESSION" => Give::Counter,
        "NODE" => Give::Drop(0),
        "RESTARTS" => Give::Drop(1),
        "KIND" => Give::Drop(2),
        // The chain's: the step panel says where the step comes from.
        "VIA" => Give::Drop(4),
        // The only account, or the only namespace: the header says it already.
        "ACCOUNT" | "NAMESPACE" if single_valued => Give::Drop(3),
        // No role has lint (all `-`): nothing to say in the column.
        "LINT" if single_valued => Give::Drop(0),
        _ => Give::Cut,
    }
}

/// When names, verdicts and the counters still do not fit with the middle text cut to its
/// header, middle columns go, in this order (what the step panel and `d` show anyway first).
const LATE_DROPS: [&str; 10] =
    ["JOB", "PENDING", "NAMESPACE", "PHASE", "CHAINS", "MECHANISM", "USED BY", "TRUSTS", "REACHED BY", "ASSUMABLE BY"];

/// What the last column (a verdict's text) asks for while the others are sized.
const VERDICT_ASKS: usize = 40;

/// Space between columns: two, one below 120 columns of screen (as k9s packs them).
pub(super) fn spacing(total: u16) -> u16 {
    if total < 120 { 1 } else { 2 }
}

/// The widest a column grows (a Kubernetes name is at most 63 characters; an ARN or a verdict's
/// text may be longer and is cut with `…`).
const WIDEST: usize = 72;

/// Each column's width for `total` columns of screen (0: dropped), sized to the content of the
/// first 500 visible rows and the header (with room for the sort arrow); the last shown column
/// takes what is left.
pub(super) fn fit_columns(headers: &[&str], rows: &[&[String]], sorted: Option<usize>, total: u16) -> Vec<u16> {
    let n = headers.len();
    let head = |c: usize| headers[c].chars().count() + usize::from(sorted == Some(c));
    let mut w: Vec<usize> = (0..n).map(head).collect();
    let mut first_value: Vec<Option<&str>> = vec![None; n];
    let mut single = vec![true; n];
    for cells in rows {
        for (c, cell) in cells.iter().enumerate().take(n) {
            w[c] = w[c].max(cell.chars().count().min(WIDEST));
            match first_value[c] {
                None => first_value[c] = Some(cell),
                Some(v) if v != cell => single[c] = false,
                _ => {}
            }
        }
    }
    // The last column takes whatever is left at the end: sizing asks it for no more than this,
    // so the middle columns are not cut to leave it room it would only pad.
    if let Some(last) = w.last_mut() {
        *last = (*last).min(VERDICT_ASKS);
    }
    let gives: Vec<Give> =
        (0..n).map(|c| if c == 0 { Give::Keep } else { give(headers[c], single[c] && !rows.is_empty()) }).collect();
    let mut shown = vec![true; n];
    let gap = spacing(total) as usize;
    let width = |w: &[usize], shown: &[bool]| {
        let cols = shown.iter().filter(|s| **s).count();
        (0..n).filter(|&c| shown[c]).map(|c| w[c]).sum::<usize>() + gap * cols.saturating_sub(1)
    };
    let total = total as usize;
    // 1. Low-value columns go, the lowest first (never the sorted one).
    while width(&w, &shown) > total {
        let drop = (0..n)
            .filter(|&c| shown[c] && sorted != Some(c))
            .filter_map(|c| match gives[c] {
                Give::Drop(k) => Some((k, c)),
                _ => None,
            })
            .min();
        let Some((_, c)) = drop else { break };
        shown[c] = false;
    }
    // 2. Middle text is cut, the widest first, to 16; then the verdict's text to 16; then the
    // middle text down to its header; then the name down to 12. Every cut is marked `…`.
    let floor = |c: usize, soft: bool| match gives[c] {
        Give::Keep if c == 0 || headers[c] == "NAME" => 12.min(w[c]),
        Give::Keep => 16.min(w[c]),
        _ if soft => 16.max(head(c)).min(w[c]),
        _ => head(c),
    };
    let mut w_now = w.clone();
    // The row's name (the first column, or NAME where a namespace comes first) is cut last.
    let named = |c: usize| c == 0 || headers[c] == "NAME";
    let cut = |w_now: &mut Vec<usize>, shown: &[bool], stage: Give, soft: bool, first: bool| {
        while width(w_now, shown) > total {
            let pick = (0..n)
                .filter(|&c| shown[c] && gives[c] == stage && named(c) == first && w_now[c] > floor(c, soft))
                .max_by_key(|&c| (w_now[c], c));
            let Some(c) = pick else { break };
            w_now[c] -= 1;
        }
    };
    for (stage, soft) in [(Give::Cut, true), (Give::Keep, false), (Give::Cut, false)] {
        cut(&mut w_now, &shown, stage, soft, false);
    }
    // 4. Still too wide: middle columns go (LATE_DROPS), and what they held comes back to the
    // others' cut text.
    for name in LATE_DROPS {
        if width(&w_now, &shown) <= total {
            break;
        }
        if let Some(c) = (1..n).find(|&c| shown[c] && headers[c] == name && sorted != Some(c) && gives[c] != Give::Keep)
        {
            shown[c] = false;
        }
    }
    // 5. Only then is the name cut.
    cut(&mut w_now, &shown, Give::Keep, false, true);
    for c in 0..n {
        // Regrow what was cut, the first columns first, as far as the room allows.
        while shown[c] && w_now[c] < w[c] && width(&w_now, &shown) < total {
            w_now[c] += 1;
        }
    }
    // The last shown column takes what is left.
    if let Some(last) = (0..n).rev().find(|&c| shown[c]) {
        let used = width(&w_now, &shown);
        if used < total {
            w_now[last] += total - used;
        }
    }
    (0..n).map(|c| if shown[c] { w_now[c].min(u16::MAX as usize) as u16 } else { 0 }).collect()
}

/// `text` in `width` columns: whole, or cut with `…` — never silently (a cut account ID must
/// not look like a real one).
pub(super) fn fit(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= width {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        out.push('…');
    }
    std::borrow::Cow::Owned(out)
}

/// `text` in parts, the matches of `re` in `hi` and the rest in `base`.
pub(super) fn matched(text: &str, re: &regex::Regex, base: Style, hi: Style) -> Vec<(String, Style)> {
    let mut parts = Vec::new();
    let mut last = 0;
    for m in re.find_iter(text).filter(|m| !m.is_empty()) {
        if m.start() > last {
            parts.push((text[last..m.start()].to_string(), base));
        }
        parts.push((m.as_str().to_string(), hi));
        last = m.end();
    }
    if last < text.len() || parts.is_empty() {
        parts.push((text[last..].to_string(), base));
    }
    parts
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

#[cfg(test)]
mod tests {
    use super::{fit, fit_columns};

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn low_value_columns_go_before_anything_is_cut_and_counters_never_are() {
        let headers = ["NAME", "NAMESPACE", "KIND", "PHASE", "READY", "RESTARTS", "AGE", "NODE", "JOB", "VERDICT"];
        let a = cells(&[
            "arc-runner-set-x7c2p-runner-4h9sd",
            "arc-runners",
            "Pod",
            "Running",
            "1/1",
            "0",
            "3h",
            "ip-10-0-1-23.eu-west-1.compute.internal",
            "my-org/payments-api ci.yml push-image",
            "✘ deny hop 2: sts:TagSession not allowed by the trust policy",
        ]);
        let rows: Vec<&[String]> = vec![&a];
        let wide = fit_columns(&headers, &rows, None, 250);
        assert!(wide.iter().all(|w| *w > 0), "everything fits at 250: {wide:?}");
        let w = fit_columns(&headers, &rows, None, 120);
        assert_eq!((w[7], w[5], w[2]), (0, 0, 0), "NODE, RESTARTS, KIND dropped first: {w:?}");
        assert_eq!(w[0], 33, "the name whole");
        assert!(w[3] >= 7 && w[4] >= 5 && w[6] >= 3, "counters whole: {w:?}");
        let used: u16 = w.iter().sum::<u16>() + 2 * (w.iter().filter(|w| **w > 0).count() as u16 - 1);
        assert_eq!(used, 120, "the last column takes the rest");
        // At 80: the only namespace goes too, the job is cut, the name stays whole.
        let w = fit_columns(&headers, &rows, None, 80);
        assert_eq!(w[1], 0, "{w:?}");
        assert_eq!(w[0], 33, "{w:?}");
        assert!(w[9] >= 16, "{w:?}");
        // The sorted column stays, with room for its arrow.
        let w = fit_columns(&headers, &rows, Some(7), 80);
        assert!(w[7] >= 5, "{w:?}");
    }

    #[test]
    fn a_namespace_that_differs_between_rows_is_kept() {
        let headers = ["SCALE SET", "NAMESPACE", "RUNNING", "VERDICT"];
        let (a, b) = (cells(&["set-a", "ns-1", "3", "✔ allow"]), cells(&["set-b", "ns-2", "0", "✘ deny"]));
        let w = fit_columns(&headers, &[&a, &b], None, 40);
        assert!(w[1] >= 9, "{w:?}");
        let w = fit_columns(&headers, &[&a, &a], None, 30);
        assert_eq!(w[1], 0, "{w:?}");
    }

    #[test]
    fn a_cut_is_marked() {
        assert_eq!(fit("111122223333", 12), "111122223333");
        assert_eq!(fit("111122223333", 8), "1111222…");
        assert_eq!(fit("✘ deny", 3), "✘ …");
        assert_eq!(fit("abc", 0), "");
    }
}
