//! Input: a key, a paste or a mouse event becomes an `Action` through the keymap, or text for the
//! input that has focus (command line, filter, wizard field), or the answer to a confirmation.

use tui_input::Input;

use super::super::Action;
use super::super::filter::{MAX_PATTERN, paste_text};
use super::{App, Effect, Mode};

impl App {
    /// One key press in normal mode.
    pub fn handle_key(&mut self, key: &ratatui::crossterm::event::KeyEvent) {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
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
        let k = crate::app::keymap::Key::from_event(key);
        if let Some(a) = self.keymap.lookup(k, &self.contexts()) {
            self.update(a);
        }
    }

    /// Keys typed while an input (command, filter) or overlay is open. Returns true when handled.
    pub fn handle_mode_key(&mut self, key: &ratatui::crossterm::event::KeyEvent) -> bool {
        use ratatui::crossterm::event::KeyCode;
        use tui_input::backend::crossterm::EventHandler;
        self.prompt_note = None;
        match &mut self.mode {
            Mode::Normal => false,
            Mode::Help => {
                self.mode = Mode::Normal;
                true
            }
            Mode::Wizard(form) => {
                let has_data = !self.inv.objects.is_empty() || !self.inv.roles.is_empty();
                let open = form.handle(key, has_data.then_some(&self.inv));
                if !open {
                    // Leaving keeps the answers for the next `:wizard`.
                    if let Mode::Wizard(form) = std::mem::replace(&mut self.mode, Mode::Normal) {
                        self.wizard = Some(form);
                    }
                }
                true
            }
            Mode::ConfirmProbe(_) => {
                // Input that was queued before the question was drawn is not an answer.
                if !self.confirm_armed {
                    return true;
                }
                let Mode::ConfirmProbe(plan) = std::mem::replace(&mut self.mode, Mode::Normal) else {
                    unreachable!("matched above")
                };
                self.confirm_armed = false;
                if key.code == KeyCode::Char('y') && key.kind == ratatui::crossterm::event::KeyEventKind::Press {
                    self.status = Some(format!("probing {} …", plan.subject));
                    self.effects.push(Effect::Probe(plan.confirm()));
                } else {
                    self.status = Some("probe cancelled: nothing was sent".into());
                }
                true
            }
            Mode::Text { scroll, .. } => {
                match key.code {
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('y') => self.mode = Mode::Normal,
                    KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                    KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                    KeyCode::PageDown => *scroll += self.page,
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(self.page),
                    KeyCode::Char('g') => *scroll = 0,
                    _ => {}
                }
                true
            }
            Mode::Command(input) => {
                match key.code {
                    KeyCode::Esc => self.mode = Mode::Normal,
                    KeyCode::Enter => {
                        let line = input.value().to_string();
                        self.mode = Mode::Normal;
                        self.run_command(&line);
                    }
                    KeyCode::Tab => {
                        if let Some(c) = App::complete(input.value()) {
                            *input = Input::new(c);
                        }
                    }
                    _ => {
                        input.handle_event(&ratatui::crossterm::event::Event::Key(*key));
                    }
                }
                true
            }
            Mode::Filter(input) => {
                match key.code {
                    KeyCode::Esc => {
                        self.mode = Mode::Normal;
                        self.table_state_mut().filter.clear();
                        self.apply_filter();
                    }
                    KeyCode::Enter if self.filter.is_err() => {
                        self.status = Some("fix the pattern, or esc to clear it".into());
                    }
                    KeyCode::Enter => self.mode = Mode::Normal,
                    KeyCode::Char(_) if input.value().chars().count() >= MAX_PATTERN => {
                        self.prompt_note = Some(format!("at most {MAX_PATTERN} characters are used"));
                    }
                    _ => {
                        input.handle_event(&ratatui::crossterm::event::Event::Key(*key));
                        let v = input.value().to_string();
                        self.table_state_mut().filter = v;
                        self.apply_filter();
                    }
                }
                true
            }
        }
    }

    /// A bracketed paste: text for the input that has focus (the command line, the filter, a
    /// wizard field), never commands. Outside an input it is dropped with a word.
    pub fn handle_paste(&mut self, text: &str) {
        use tui_input::InputRequest;
        let text = paste_text(text);
        match &mut self.mode {
            Mode::Command(input) | Mode::Filter(input) => {
                let room = MAX_PATTERN.saturating_sub(input.value().chars().count());
                let cut = text.chars().count() > room;
                for c in text.chars().take(room) {
                    input.handle(InputRequest::InsertChar(c));
                }
                if let Mode::Filter(input) = &self.mode {
                    let v = input.value().to_string();
                    self.table_state_mut().filter = v;
                    self.apply_filter();
                }
                if cut {
                    self.prompt_note = Some(format!("the paste was cut: at most {MAX_PATTERN} characters are used"));
                }
            }
            Mode::Wizard(form) => form.paste(&text),
            Mode::ConfirmProbe(_) => {
                self.status = Some("a paste is not an answer: press y to send, any other key cancels".into())
            }
            Mode::Normal | Mode::Help | Mode::Text { .. } => {
                self.status = Some("paste ignored: it is text for : or /, never keys".into())
            }
        }
    }

    /// Mouse (opt-in): the wheel moves, a click selects a row, a click on the selected row opens it.
    pub fn handle_mouse(&mut self, m: &ratatui::crossterm::event::MouseEvent) {
        use ratatui::crossterm::event::{MouseButton, MouseEventKind};
        if !matches!(self.mode, Mode::Normal) {
            return;
        }
        match m.kind {
            MouseEventKind::ScrollDown => self.update(Action::Down),
            MouseEventKind::ScrollUp => self.update(Action::Up),
            MouseEventKind::Down(MouseButton::Left) if self.view().is_table() && m.row >= self.table_top => {
                let index = self.table_offset + (m.row - self.table_top) as usize;
                if index < self.table.visible.len() {
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
        matches!(self.mode, Mode::ConfirmProbe(_))
    }
}
