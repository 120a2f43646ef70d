//! Drawing: `&App` and a `Theme` in, a frame out — the header, the view (a table, the chain, the
//! logs) and what opens over it, one module each. `layout` records the screen sizes the app needs
//! (page length, where the table starts) before a frame; `draw` only reads.

mod chain;
mod header;
mod logs;
mod overlays;
mod table;
pub mod theme;
mod wizard;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::app::state::{Mode, View};
use theme::Theme;

use chain::draw_chain;
use header::{draw_crumbs, draw_header};
use logs::draw_logs;
use overlays::{draw_confirm, draw_help, draw_hints, draw_picker, draw_status, draw_text};
use table::{draw_table, table_offset};
use wizard::draw_wizard;

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
    app.layout.page = body.height.saturating_sub(3).max(1) as usize;
    // First data row: below the border and the column header.
    app.layout.table_top = body.y + 2;
    app.layout.table_offset = table_offset(app, body);
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
        View::Logs { .. } => draw_logs(f, app, t, body, logs::Pane::Full),
        _ => draw_table(f, app, t, body),
    }
    draw_status(f, app, t, status);
    draw_hints(f, app, t, hints);
    match &app.nav.mode {
        Mode::Help { scroll } => draw_help(f, app, t, body, *scroll),
        Mode::Text { title, text, scroll } => draw_text(f, app, t, body, (title, text, *scroll)),
        Mode::ConfirmProbe(plan) => draw_confirm(f, t, body, plan),
        Mode::Wizard(form) => draw_wizard(f, app, t, body, form),
        Mode::PickRole(picker) => draw_picker(f, app, t, body, picker),
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
