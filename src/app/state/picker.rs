//! `R` in the chain view: pick the target role of the what-if from a filtered list (an account
//! has hundreds of roles; cycling through them one key at a time was no way to find one). Typed
//! text filters (case-insensitive, anywhere in the ARN), ↑/↓ and pgup/pgdn move, enter
//! simulates the chain with that target, esc leaves the what-ifs as they were.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::super::Action;
use super::{App, Mode};

/// The picker's state: the filter typed and the row selected among the matches.
pub struct RolePicker {
    pub input: Input,
    pub selected: usize,
}

/// One choice: `None` is the workflow's own target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub arn: Option<String>,
    /// The runner's base role may assume it (the evaluator's answer, as the roles view shows).
    pub assumable: bool,
}

impl App {
    pub(super) fn open_role_picker(&mut self) {
        if self.data.inv.roles.is_empty() {
            self.status = Some("no IAM roles in the data to pick from".into());
            return;
        }
        // Start on the target in use.
        let mut picker = RolePicker { input: Input::default(), selected: 0 };
        let current = self.chain.sim.target.clone();
        picker.selected = self.choices("").iter().position(|c| c.arn == current).unwrap_or(0);
        self.nav.mode = Mode::PickRole(Box::new(picker));
    }

    /// The choices `filter` leaves: the workflow's own target first (while the filter is
    /// empty), then every role whose ARN contains it.
    pub fn choices(&self, filter: &str) -> Vec<Choice> {
        let needle = filter.to_lowercase();
        let base = self.current_chain().and_then(|c| c.steps.first()).map(|s| s.resource.clone());
        let base_name = base.as_deref().and_then(|b| b.rsplit('/').next()).unwrap_or("");
        let mut out = Vec::new();
        if needle.is_empty() {
            out.push(Choice { arn: None, assumable: true });
        }
        for arn in self.data.inv.roles.keys().filter(|a| a.to_lowercase().contains(&needle)) {
            let assumable = self.data.assumable_by.get(arn).is_some_and(|by| by.iter().any(|b| b == base_name));
            out.push(Choice { arn: Some(arn.clone()), assumable });
        }
        out
    }

    /// A key while the picker is open: it has every key (typed letters filter, never act).
    pub(super) fn picker_key(&mut self, key: &KeyEvent, action: Option<Action>) {
        let Mode::PickRole(picker) = &mut self.nav.mode else { return };
        let page = self.layout.page.max(1);
        match (key.code, action) {
            (_, Some(Action::Back)) => {
                self.nav.mode = Mode::Normal;
                self.status = Some("target unchanged".into());
            }
            (_, Some(Action::Submit)) => {
                let filter = picker.input.value().to_string();
                let selected = picker.selected;
                let choices = self.choices(&filter);
                let Some(choice) = choices.get(selected.min(choices.len().saturating_sub(1))).cloned() else {
                    self.status = Some(format!("no role matches {filter:?}"));
                    return;
                };
                self.nav.mode = Mode::Normal;
                self.change_what_if(|s| s.target = choice.arn);
            }
            (KeyCode::Down, _) => picker.selected = picker.selected.saturating_add(1),
            (KeyCode::Up, _) => picker.selected = picker.selected.saturating_sub(1),
            (KeyCode::PageDown, _) => picker.selected = picker.selected.saturating_add(page),
            (KeyCode::PageUp, _) => picker.selected = picker.selected.saturating_sub(page),
            _ => {
                picker.input.handle_event(&Event::Key(*key));
                picker.selected = 0;
            }
        }
        // Kept on a match as the list shrinks.
        if let Mode::PickRole(picker) = &self.nav.mode {
            let n = self.choices(picker.input.value()).len();
            let selected = picker.selected.min(n.saturating_sub(1));
            if let Mode::PickRole(picker) = &mut self.nav.mode {
                picker.selected = selected;
            }
        }
    }
}
