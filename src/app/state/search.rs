//! `/` outside the tables: search the logs (the chain view's pane, the logs view) or the text open
//! over a view (YAML, the chain as JSON, warnings). Incremental, as in less and k9s: each key moves
//! to the first match at or after where the search began; enter keeps it, `n`/`N` go on (wrapping
//! at the ends), esc puts the view back where it was. The prompt owns every typed character, so
//! `/Tag` never toggles the tags what-if (T) or jumps to a service account (a) (#15.3).

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use regex::Regex;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::super::Action;
use super::super::filter::{MAX_PATTERN, pattern_regex};
use super::logview::logs_lines;
use super::{App, Focus, Mode, View};

/// What a search looks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The log lines of the runner on screen.
    Log,
    /// The text open over the view (`Mode::Text`).
    Text,
}

/// The `/` prompt while a search is typed.
pub struct SearchPrompt {
    pub input: Input,
    /// Why the pattern cannot be used (shown beside it); the view stays where it was.
    pub error: Option<String>,
    target: Target,
    /// Where the view was when `/` was pressed: matches are looked for from here, esc returns.
    origin: Position,
}

/// A log's or a text's place: the first line shown (`None`: the log follows its end).
#[derive(Debug, Clone, Copy)]
struct Position {
    top: Option<usize>,
}

/// The pattern searched for, highlighted where it matches, and the line of the current match.
#[derive(Debug, Clone)]
pub struct Found {
    pub regex: Regex,
    pub target: Target,
    pub hit: Option<usize>,
}

impl App {
    /// `/` in the chain or logs view (the log) or over a text (the text). Elsewhere nothing:
    /// the tables' `/` is their filter.
    pub(super) fn start_search(&mut self) {
        let target = match (&self.nav.mode, self.view()) {
            (Mode::Text { .. }, _) => Target::Text,
            (Mode::Normal, View::Chain { .. } | View::Logs { .. }) => Target::Log,
            (Mode::Help { .. }, _) => {
                self.status = Some("help cannot be searched: j/k and pgdn scroll it".into());
                return;
            }
            _ => return,
        };
        if target == Target::Log {
            // n/N are keys of the logs: the pane searched gets the focus.
            self.chain.focus = Focus::Logs;
        }
        let origin = self.position(target);
        self.nav.found = None;
        self.nav.search = Some(SearchPrompt { input: Input::default(), error: None, target, origin });
    }

    fn position(&self, target: Target) -> Position {
        match (target, &self.nav.mode) {
            (Target::Text, Mode::Text { scroll, .. }) => Position { top: Some(*scroll) },
            _ => Position { top: (!self.chain.log.autoscroll).then_some(self.chain.log.log_scroll) },
        }
    }

    fn set_position(&mut self, target: Target, p: Position) {
        match target {
            Target::Text => {
                if let Mode::Text { scroll, .. } = &mut self.nav.mode {
                    *scroll = p.top.unwrap_or(0);
                }
            }
            Target::Log => match p.top {
                Some(top) => {
                    self.chain.log.autoscroll = false;
                    self.chain.log.log_scroll = top;
                }
                None => self.chain.log.autoscroll = true,
            },
        }
    }

    /// The lines a search of `target` looks through, in display order.
    fn search_lines(&self, target: Target) -> Vec<String> {
        match (target, &self.nav.mode) {
            (Target::Text, Mode::Text { text, .. }) => text.lines().map(str::to_string).collect(),
            (Target::Text, _) => Vec::new(),
            (Target::Log, _) => logs_lines(self).into_iter().map(|l| l.text).collect(),
        }
    }

    /// A key while the `/` prompt is open: enter keeps the search, esc undoes it, anything else
    /// edits the pattern and moves to its first match. Every key is the prompt's.
    pub(super) fn search_key(&mut self, key: &KeyEvent, action: Option<Action>) {
        let Some(prompt) = self.nav.search.as_mut() else { return };
        match action {
            Some(Action::Back) => {
                let (target, origin) = (prompt.target, prompt.origin);
                self.nav.search = None;
                self.nav.found = None;
                self.chain.log.search_hit = None;
                self.set_position(target, origin);
            }
            Some(Action::Submit) => {
                if let Some(e) = prompt.error.clone() {
                    self.status = Some(format!("{e}: fix the pattern, or esc"));
                    return;
                }
                let pattern = prompt.input.value().to_string();
                self.nav.search = None;
                self.status = Some(self.match_count(&pattern));
            }
            _ if matches!(key.code, KeyCode::Char(_)) && prompt.input.value().chars().count() >= MAX_PATTERN => {
                self.prompt_note = Some(format!("at most {MAX_PATTERN} characters are used"));
            }
            _ => {
                prompt.input.handle_event(&Event::Key(*key));
                self.search_changed();
            }
        }
    }

    /// A paste into the `/` prompt: text, like typing it.
    pub(super) fn search_paste(&mut self, text: &str) {
        use tui_input::InputRequest;
        let Some(prompt) = self.nav.search.as_mut() else { return };
        let room = MAX_PATTERN.saturating_sub(prompt.input.value().chars().count());
        if text.chars().count() > room {
            self.prompt_note = Some(format!("the paste was cut: at most {MAX_PATTERN} characters are used"));
        }
        for c in text.chars().take(room) {
            prompt.input.handle(InputRequest::InsertChar(c));
        }
        self.search_changed();
    }

    /// The pattern changed: compile it and show its first match from where the search began.
    fn search_changed(&mut self) {
        let Some(prompt) = self.nav.search.as_mut() else { return };
        let (target, origin) = (prompt.target, prompt.origin);
        match pattern_regex(prompt.input.value()) {
            Ok(Some(regex)) => {
                prompt.error = None;
                self.nav.found = Some(Found { regex, target, hit: None });
                self.set_position(target, origin);
                self.seek(origin.top.unwrap_or(0), true);
            }
            Ok(None) => {
                prompt.error = None;
                self.nav.found = None;
                self.chain.log.search_hit = None;
                self.set_position(target, origin);
            }
            Err(e) => {
                prompt.error = Some(e);
                self.nav.found = None;
            }
        }
    }

    /// `n`/`N`: the next or previous match of the kept pattern. `false`: there is no pattern.
    pub(super) fn search_again(&mut self, forward: bool, target: Target) -> bool {
        let Some(found) = self.nav.found.as_ref().filter(|f| f.target == target) else { return false };
        let from = match (found.hit, forward) {
            (Some(h), true) => h + 1,
            (Some(h), false) => h,
            (None, _) => self.position(target).top.unwrap_or(0),
        };
        if self.seek(from, forward) {
            let pattern = self.nav.found.as_ref().map(|f| f.regex.as_str().to_string()).unwrap_or_default();
            self.status = Some(self.match_count(&pattern));
        }
        true
    }

    /// Move to the first line matching the pattern at or after `from` (forward) or before it,
    /// wrapping at the ends. `false`: nothing matches.
    fn seek(&mut self, from: usize, forward: bool) -> bool {
        let Some(found) = self.nav.found.as_ref() else { return false };
        let target = found.target;
        let lines = self.search_lines(target);
        let hits: Vec<usize> =
            lines.iter().enumerate().filter(|(_, l)| found.regex.is_match(l)).map(|(i, _)| i).collect();
        let next = if forward {
            hits.iter().copied().find(|&h| h >= from).or(hits.first().copied())
        } else {
            hits.iter().rev().copied().find(|&h| h < from).or(hits.last().copied())
        };
        if let Some(found) = self.nav.found.as_mut() {
            found.hit = next;
        }
        let Some(line) = next else { return false };
        match target {
            Target::Log => self.chain.log.search_hit = Some(line),
            Target::Text => {}
        }
        // A few lines of what comes before stay in view.
        self.set_position(target, Position { top: Some(line.saturating_sub(2)) });
        true
    }

    /// `match 2 of 5 for /Tag (n/N)`, or that nothing matches.
    fn match_count(&self, pattern: &str) -> String {
        let Some(found) = self.nav.found.as_ref() else { return format!("no match for /{pattern}") };
        let lines = self.search_lines(found.target);
        let hits: Vec<usize> =
            lines.iter().enumerate().filter(|(_, l)| found.regex.is_match(l)).map(|(i, _)| i).collect();
        match found.hit.and_then(|h| hits.iter().position(|&x| x == h)) {
            Some(i) => format!("match {} of {} for /{pattern} (n/N: next/previous)", i + 1, hits.len()),
            None => format!("no match for /{pattern}"),
        }
    }

    /// The pattern to highlight in `target`, when a search of it is kept or typed.
    pub fn found_in(&self, target: Target) -> Option<&Found> {
        self.nav.found.as_ref().filter(|f| f.target == target)
    }
}
