//! Input: a key, a paste or a mouse event becomes an `Action` through the keymap, or text for the
//! input that has focus (command line, filter, wizard field), or the answer to a confirmation.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::app::keymap::Key;
use crate::wizard::form::FormKey;

use super::super::Action;
use super::super::filter::{MAX_PATTERN, paste_text};
use super::search::Target;
use super::{App, Effect, Mode};

/// What an action means in the wizard's form.
fn form_key(a: Action) -> Option<FormKey> {
    Some(match a {
        Action::Back => FormKey::Leave,
        Action::Submit => FormKey::Submit,
        Action::Form(k) => k,
        Action::PageDown => FormKey::ScrollDown,
        Action::PageUp => FormKey::ScrollUp,
        _ => return None,
    })
}

impl App {
    /// One key press in normal mode.
    pub fn handle_key(&mut self, key: &KeyEvent) {
        use ratatui::crossterm::event::KeyModifiers;
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.effects.push(Effect::Suspend);
            return;
        }
        if self.handle_mode_key(key) {
            return;
        }
        if let Some(a) = self.keymap.lookup(Key::from_event(key), &self.contexts()) {
            self.update(a);
        }
    }

    /// Keys typed while an input (command, filter) or overlay is open, looked up in the mode's
    /// keymap context; what is not bound there is text for the input. Returns true when handled.
    pub fn handle_mode_key(&mut self, key: &KeyEvent) -> bool {
        self.prompt_note = None;
        if self.nav.search.is_some() {
            let action = self.keymap.lookup(Key::from_event(key), &self.contexts());
            self.search_key(key, action);
            return true;
        }
        if matches!(self.nav.mode, Mode::Normal) {
            return false;
        }
        let action = self.keymap.lookup(Key::from_event(key), &self.contexts());
        match &mut self.nav.mode {
            Mode::Normal => false,

            Mode::Wizard(_) => {
                self.wizard_key(key, action);
                true
            }
            Mode::ConfirmProbe(_) => {
                self.confirm_key(key, action);
                true
            }
            Mode::PickRole(_) => {
                self.picker_key(key, action);
                true
            }
            // Help and text (yaml, warnings) page alike; only a closing key closes them (help
            // used to close on any key, so at 80x24 most of it could not be read).
            Mode::Text { scroll, .. } | Mode::Help { scroll } => {
                match action {
                    Some(Action::Back) => {
                        self.nav.mode = Mode::Normal;
                        self.nav.found = self.nav.found.take().filter(|f| f.target != Target::Text);
                    }
                    Some(Action::Filter) => self.start_search(),
                    Some(Action::SearchNext | Action::SearchPrev) => {
                        let searched = self.search_again(action == Some(Action::SearchNext), Target::Text);
                        if !searched {
                            self.status = Some("/ searches this text; then n/N go to the next/previous match".into());
                        }
                    }
                    Some(Action::Down) => *scroll = scroll.saturating_add(1),
                    Some(Action::Up) => *scroll = scroll.saturating_sub(1),
                    Some(Action::PageDown) => *scroll = scroll.saturating_add(self.layout.page.max(1)),
                    Some(Action::PageUp) => *scroll = scroll.saturating_sub(self.layout.page.max(1)),
                    Some(Action::Top) => *scroll = 0,
                    // Drawn clamped to the last page.
                    Some(Action::Bottom) => *scroll = usize::MAX,
                    _ => {}
                }
                true
            }
            Mode::Command(input) => {
                match action {
                    Some(Action::Back) => self.nav.mode = Mode::Normal,
                    Some(Action::Submit) => {
                        let line = input.value().to_string();
                        self.nav.mode = Mode::Normal;
                        self.run_command(&line);
                    }
                    Some(Action::Complete) => {
                        let line = input.value().to_string();
                        match self.complete_next(&line) {
                            Some(c) => {
                                if let Mode::Command(input) = &mut self.nav.mode {
                                    *input = Input::new(c);
                                }
                            }
                            None => self.prompt_note = Some("no completion".into()),
                        }
                    }
                    _ => {
                        input.handle_event(&Event::Key(*key));
                    }
                }
                true
            }
            Mode::Filter(_) => {
                self.filter_key(key, action);
                true
            }
        }
    }

    /// A key in the table's `/` filter: the pattern narrows the rows as it is typed.
    fn filter_key(&mut self, key: &KeyEvent, action: Option<Action>) {
        let Mode::Filter(input) = &mut self.nav.mode else { return };
        match action {
            Some(Action::Back) => {
                self.nav.mode = Mode::Normal;
                self.table_state_mut().filter.clear();
                self.apply_filter();
            }
            Some(Action::Submit) if self.filter.is_err() => {
                self.status = Some("fix the pattern, or esc to clear it".into());
            }
            Some(Action::Submit) => self.nav.mode = Mode::Normal,
            _ if matches!(key.code, KeyCode::Char(_)) && input.value().chars().count() >= MAX_PATTERN => {
                self.prompt_note = Some(format!("at most {MAX_PATTERN} characters are used"));
            }
            _ => {
                input.handle_event(&Event::Key(*key));
                let v = input.value().to_string();
                self.table_state_mut().filter = v;
                self.apply_filter();
            }
        }
    }

    /// A key in the wizard: its action, or text for the focused field. Leaving keeps the answers
    /// for the next `:wizard`.
    fn wizard_key(&mut self, key: &KeyEvent, action: Option<Action>) {
        let has_data = !self.data.inv.objects.is_empty() || !self.data.inv.roles.is_empty();
        let Mode::Wizard(form) = &mut self.nav.mode else { return };
        if !form.handle(key, action.and_then(form_key), has_data.then_some(&self.data.inv))
            && let Mode::Wizard(form) = std::mem::replace(&mut self.nav.mode, Mode::Normal)
        {
            self.wizard = Some(form);
        }
    }

    /// The answer to the probe's question: only a fresh press of the confirm key sends; any other
    /// key cancels. Input queued before the question was drawn is not an answer.
    fn confirm_key(&mut self, key: &KeyEvent, action: Option<Action>) {
        if !self.confirm_armed {
            return;
        }
        let Mode::ConfirmProbe(plan) = std::mem::replace(&mut self.nav.mode, Mode::Normal) else { return };
        self.confirm_armed = false;
        if action == Some(Action::Confirm) && key.kind == KeyEventKind::Press {
            self.status = Some(format!("probing {} …", plan.subject));
            self.effects.push(Effect::Probe(plan.confirm()));
        } else {
            self.status = Some("probe cancelled: nothing was sent".into());
        }
    }

    /// A bracketed paste: text for the input that has focus (the command line, the filter, a
    /// wizard field), never commands. Outside an input it is dropped with a word.
    pub fn handle_paste(&mut self, text: &str) {
        use tui_input::InputRequest;
        let text = paste_text(text);
        if self.nav.search.is_some() {
            self.search_paste(&text);
            return;
        }
        match &mut self.nav.mode {
            Mode::Command(input) | Mode::Filter(input) => {
                let room = MAX_PATTERN.saturating_sub(input.value().chars().count());
                let cut = text.chars().count() > room;
                for c in text.chars().take(room) {
                    input.handle(InputRequest::InsertChar(c));
                }
                if let Mode::Filter(input) = &self.nav.mode {
                    let v = input.value().to_string();
                    self.table_state_mut().filter = v;
                    self.apply_filter();
                }
                if cut {
                    self.prompt_note = Some(format!("the paste was cut: at most {MAX_PATTERN} characters are used"));
                }
            }
            Mode::Wizard(form) => form.paste(&text),
            Mode::PickRole(picker) => {
                for c in text.chars().take(MAX_PATTERN) {
                    picker.input.handle(InputRequest::InsertChar(c));
                }
                picker.selected = 0;
            }
            Mode::ConfirmProbe(_) => {
                self.status = Some("a paste is not an answer: press y to send, any other key cancels".into())
            }
            Mode::Normal | Mode::Help { .. } | Mode::Text { .. } => {
                self.status = Some("paste ignored: it is text for : or /, never keys".into())
            }
        }
    }

    /// Mouse (opt-in): the wheel moves, a click selects a row, a click on the selected row opens it.
    pub fn handle_mouse(&mut self, m: &ratatui::crossterm::event::MouseEvent) {
        use ratatui::crossterm::event::{MouseButton, MouseEventKind};
        if !matches!(self.nav.mode, Mode::Normal) {
            return;
        }
        match m.kind {
            MouseEventKind::ScrollDown => self.update(Action::Down),
            MouseEventKind::ScrollUp => self.update(Action::Up),
            MouseEventKind::Down(MouseButton::Left) if self.view().is_table() && m.row >= self.layout.table_top => {
                let index = self.layout.table_offset + (m.row - self.layout.table_top) as usize;
                if index < self.nav.table.visible.len() {
                    if self.table_state().selected == index {
                        self.update(Action::Open);
                    } else {
                        self.table_state_mut().selected = index;
                    }
                }
            }
            _ => {}
        }
    }

    /// The confirmation on screen was drawn and the input queued before it dropped: the next key
    /// answers it.
    pub fn arm_confirmation(&mut self) {
        self.confirm_armed = true;
    }

    /// A confirmation is on screen that no key may answer yet.
    pub fn confirmation_unarmed(&self) -> bool {
        self.confirming() && !self.confirm_armed
    }

    /// A confirmation is on screen.
    pub fn confirming(&self) -> bool {
        matches!(self.nav.mode, Mode::ConfirmProbe(_))
    }
}
