//! The application: state, the actions that change it, and the keymap. No terminal here —
//! `ui/` draws an `&App`, `tui.rs` runs the loop.

pub mod keymap;
pub mod state;

pub use state::App;

/// Everything a key can ask for. State changes only through these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Back,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Command,
    Filter,
    Help,
    Yaml,
    Logs,
    Sort,
    SortReverse,
    Freeze,
    ToggleTags,
    NextTarget,
    NextDuration,
    CopyFix,
    Focus,
    Autoscroll,
    Wrap,
    Timestamps,
    Fullscreen,
    SearchNext,
    SearchPrev,
    ServiceAccount,
}

const NAMES: &[(&str, Action)] = &[
    ("quit", Action::Quit),
    ("back", Action::Back),
    ("up", Action::Up),
    ("down", Action::Down),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("page_up", Action::PageUp),
    ("page_down", Action::PageDown),
    ("open", Action::Open),
    ("command", Action::Command),
    ("filter", Action::Filter),
    ("help", Action::Help),
    ("yaml", Action::Yaml),
    ("logs", Action::Logs),
    ("sort", Action::Sort),
    ("sort_reverse", Action::SortReverse),
    ("freeze", Action::Freeze),
    ("toggle_tags", Action::ToggleTags),
    ("next_target", Action::NextTarget),
    ("next_duration", Action::NextDuration),
    ("copy_fix", Action::CopyFix),
    ("focus", Action::Focus),
    ("autoscroll", Action::Autoscroll),
    ("wrap", Action::Wrap),
    ("timestamps", Action::Timestamps),
    ("fullscreen", Action::Fullscreen),
    ("search_next", Action::SearchNext),
    ("search_prev", Action::SearchPrev),
    ("service_account", Action::ServiceAccount),
];

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, a)| *a == self).map(|(n, _)| *n).unwrap_or("?")
    }
}
