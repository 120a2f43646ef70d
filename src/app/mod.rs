//! The application: state, the actions that change it, the keymap, and the models the views draw
//! (table rows, the logs pane). No terminal and no I/O here — `ui/` draws an `&App`, `tui.rs`
//! runs the loop and the effects the app asks for.

pub mod filter;
pub mod keymap;
pub mod state;

pub use state::{App, logview, rows};

use crate::wizard::form::FormKey;

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
    ResetWhatIfs,
    /// Copy fix N (1-based) of the selected step, or of the selected row's failing step.
    CopyFix(u8),
    Focus,
    Autoscroll,
    Wrap,
    Timestamps,
    Fullscreen,
    SearchNext,
    SearchPrev,
    ServiceAccount,
    /// The selected object as `kubectl describe` shows it.
    Describe,
    /// Every namespace again (k9s `0`).
    AllNamespaces,
    /// The commands and their aliases (k9s `ctrl-a`).
    Aliases,
    /// A key k9s uses to change the cluster (delete, edit, kill): arcscope says it is read-only.
    ReadOnly,
    /// Cycle the container whose log is followed (live).
    NextContainer,
    /// The previous instance of the container (`kubectl logs --previous`).
    Previous,
    /// The log window: `0` the last lines, else the last this many minutes (`--since`).
    LogSince(u16),
    /// Run the live probe (with `--allow-live-probe`, after a confirmation).
    Probe,
    /// Read IAM again from live AWS.
    Refresh,
    /// Yes to the question on screen.
    Confirm,
    /// Enter in an input: run the command, keep the filter, the wizard's next field or page.
    Submit,
    /// Complete the command line's word.
    Complete,
    /// A key of the wizard's form (its own vocabulary: `wizard/` does not know the app).
    Form(FormKey),
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
    ("reset_what_ifs", Action::ResetWhatIfs),
    ("copy_fix", Action::CopyFix(1)),
    ("copy_fix_2", Action::CopyFix(2)),
    ("copy_fix_3", Action::CopyFix(3)),
    ("copy_fix_4", Action::CopyFix(4)),
    ("focus", Action::Focus),
    ("autoscroll", Action::Autoscroll),
    ("wrap", Action::Wrap),
    ("timestamps", Action::Timestamps),
    ("fullscreen", Action::Fullscreen),
    ("search_next", Action::SearchNext),
    ("search_prev", Action::SearchPrev),
    ("service_account", Action::ServiceAccount),
    ("describe", Action::Describe),
    ("all_namespaces", Action::AllNamespaces),
    ("aliases", Action::Aliases),
    ("read_only", Action::ReadOnly),
    ("next_container", Action::NextContainer),
    ("previous", Action::Previous),
    ("log_tail", Action::LogSince(0)),
    ("log_1m", Action::LogSince(1)),
    ("log_5m", Action::LogSince(5)),
    ("log_15m", Action::LogSince(15)),
    ("log_30m", Action::LogSince(30)),
    ("log_1h", Action::LogSince(60)),
    ("probe", Action::Probe),
    ("refresh", Action::Refresh),
    ("confirm", Action::Confirm),
    ("submit", Action::Submit),
    ("complete", Action::Complete),
    ("next_page", Action::Form(FormKey::NextPage)),
    ("prev_page", Action::Form(FormKey::PrevPage)),
    ("next_field", Action::Form(FormKey::NextField)),
    ("prev_field", Action::Form(FormKey::PrevField)),
    ("choice_next", Action::Form(FormKey::ChoiceNext)),
    ("choice_prev", Action::Form(FormKey::ChoicePrev)),
    ("add_target", Action::Form(FormKey::AddTarget)),
    ("remove_target", Action::Form(FormKey::RemoveTarget)),
    ("target_next", Action::Form(FormKey::TargetNext)),
    ("target_prev", Action::Form(FormKey::TargetPrev)),
    ("write", Action::Form(FormKey::Write)),
    ("next_file", Action::Form(FormKey::NextFile)),
    ("prev_file", Action::Form(FormKey::PrevFile)),
];

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, a)| *a == self).map(|(n, _)| *n).unwrap_or("?")
    }
}
