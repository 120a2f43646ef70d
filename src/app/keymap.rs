//! Keys as data: one list of bindings (key, action, description, context). The `?` overlay and
//! the hint bar are generated from it, so help cannot drift from the keys. Users remap keys in
//! `keymap.toml`; an unknown action or an unparsable key is a warning shown in the UI.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;

use super::Action;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    Table,
    Chain,
    Logs,
    /// A text shown over the view (YAML, warnings).
    Pager,
    /// A question before something is sent.
    Confirm,
    /// The `:` command line and the `/` filter.
    Prompt,
    /// The setup wizard's form, every page.
    Wizard,
    /// The wizard's target roles page, over `Wizard`.
    WizardTargets,
    /// The wizard's review page, over `Wizard`.
    WizardReview,
}

impl Context {
    /// Every context, in the order help lists them.
    pub const ALL: [Context; 10] = [
        Context::Global,
        Context::Table,
        Context::Chain,
        Context::Logs,
        Context::Pager,
        Context::Confirm,
        Context::Prompt,
        Context::Wizard,
        Context::WizardTargets,
        Context::WizardReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Table => "tables",
            Context::Chain => "chain",
            Context::Logs => "logs",
            Context::Pager => "text (yaml, warnings)",
            Context::Confirm => "confirmation",
            Context::Prompt => "command line and filter",
            Context::Wizard => "wizard",
            Context::WizardTargets => "wizard: target roles",
            Context::WizardReview => "wizard: review",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        // Shifted letters arrive as the upper-case char; SHIFT itself is redundant then.
        let mut mods = e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if let KeyCode::Char(c) = e.code
            && (c.is_uppercase() || !c.is_alphabetic())
        {
            mods.remove(KeyModifiers::SHIFT);
        }
        // Shift-tab arrives as BackTab, with or without SHIFT set.
        if e.code == KeyCode::BackTab {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key { code: e.code, mods }
    }

    /// `j`, `G`, `ctrl-c`, `enter`, `esc`, `pgup`, `pgdn`, `up`, `down`, `tab`, `?`, `/`, `:`.
    pub fn parse(s: &str) -> Option<Key> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            s if s.chars().count() == 1 => KeyCode::Char(s.chars().next()?),
            _ => return None,
        };
        Some(Key { code, mods })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "enter".to_string(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "backtab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::Char(' ') => "space".into(),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".into(),
        };
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("alt-");
        }
        s + &base
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub context: Context,
    pub desc: &'static str,
    /// Shown in the hint bar.
    pub hint: bool,
}

/// The default keymap, k9s conventions.
const DEFAULTS: &[(&str, &str, Context, &str, bool)] = &[
    // The hint bar offers the hinted keys in this order (the focused pane's first).
    ("esc", "back", Context::Global, "back", true),
    ("/", "filter", Context::Global, "filter (tables) · search (logs)", true),
    (":", "command", Context::Global, "command", true),
    ("q", "quit", Context::Global, "quit", true),
    ("ctrl-c", "quit", Context::Global, "quit", false),
    ("?", "help", Context::Global, "help", true),
    ("-", "back", Context::Global, "back", false),
    ("j", "down", Context::Global, "down", false),
    ("down", "down", Context::Global, "down", false),
    ("k", "up", Context::Global, "up", false),
    ("up", "up", Context::Global, "up", false),
    ("g", "top", Context::Global, "top", false),
    ("home", "top", Context::Global, "top", false),
    ("G", "bottom", Context::Global, "bottom", false),
    ("end", "bottom", Context::Global, "bottom", false),
    ("pgdn", "page_down", Context::Global, "page down", false),
    ("ctrl-f", "page_down", Context::Global, "page down", false),
    ("pgup", "page_up", Context::Global, "page up", false),
    ("ctrl-b", "page_up", Context::Global, "page up", false),
    ("enter", "open", Context::Table, "open", true),
    ("o", "sort", Context::Table, "sort by next column", false),
    ("O", "sort_reverse", Context::Table, "reverse sort", false),
    ("y", "yaml", Context::Table, "yaml", true),
    ("l", "logs", Context::Table, "logs", true),
    ("a", "service_account", Context::Table, "service account", false),
    ("c", "copy_fix", Context::Table, "copy fix (the row's first)", true),
    ("d", "describe", Context::Table, "describe", true),
    ("0", "all_namespaces", Context::Table, "all namespaces", false),
    ("l", "logs", Context::Chain, "logs", false),
    ("a", "service_account", Context::Chain, "service account", false),
    ("enter", "open", Context::Chain, "open the step's role", false),
    ("d", "describe", Context::Chain, "describe the runner (fields and events)", false),
    ("y", "yaml", Context::Chain, "chain as JSON", false),
    ("pgdn", "page_down", Context::Chain, "scroll the step panel", false),
    ("pgup", "page_up", Context::Chain, "scroll the step panel", false),
    ("F", "freeze", Context::Global, "freeze updates", false),
    ("ctrl-a", "aliases", Context::Global, "commands and their aliases", false),
    ("ctrl-d", "read_only", Context::Global, "delete, edit, kill: arcscope is read-only", false),
    ("ctrl-k", "read_only", Context::Global, "delete, edit, kill: arcscope is read-only", false),
    ("e", "read_only", Context::Global, "delete, edit, kill: arcscope is read-only", false),
    ("r", "refresh", Context::Global, "read IAM again (live AWS)", false),
    ("c", "copy_fix", Context::Chain, "copy fix", true),
    ("1", "copy_fix", Context::Chain, "copy fix 1–4 (its command where it has one)", false),
    ("2", "copy_fix_2", Context::Chain, "copy fix 1–4 (its command where it has one)", false),
    ("3", "copy_fix_3", Context::Chain, "copy fix 1–4 (its command where it has one)", false),
    ("4", "copy_fix_4", Context::Chain, "copy fix 1–4 (its command where it has one)", false),
    ("tab", "focus", Context::Chain, "focus", true),
    ("T", "toggle_tags", Context::Chain, "toggle session tags", true),
    ("R", "next_target", Context::Chain, "pick the target role (what-if)", true),
    ("D", "next_duration", Context::Chain, "next duration", false),
    ("X", "reset_what_ifs", Context::Chain, "reset every what-if (T R D)", false),
    ("n", "search_next", Context::Logs, "next match/finding", true),
    ("N", "search_prev", Context::Logs, "previous match/finding", false),
    ("s", "autoscroll", Context::Logs, "autoscroll", true),
    ("w", "wrap", Context::Logs, "wrap", true),
    ("t", "timestamps", Context::Logs, "timestamps", false),
    ("f", "fullscreen", Context::Logs, "fullscreen", true),
    ("C", "next_container", Context::Logs, "next container (live)", false),
    ("p", "previous", Context::Logs, "previous container (live)", false),
    ("0", "log_tail", Context::Logs, "log window: tail, 1m 5m 15m 30m 1h (live)", false),
    ("1", "log_1m", Context::Logs, "log window: tail, 1m 5m 15m 30m 1h (live)", false),
    ("2", "log_5m", Context::Logs, "log window: tail, 1m 5m 15m 30m 1h (live)", false),
    ("3", "log_15m", Context::Logs, "log window: tail, 1m 5m 15m 30m 1h (live)", false),
    ("4", "log_30m", Context::Logs, "log window: tail, 1m 5m 15m 30m 1h (live)", false),
    ("5", "log_1h", Context::Logs, "log window: tail, 1m 5m 15m 30m 1h (live)", false),
    ("P", "probe", Context::Chain, "live probe (--allow-live-probe)", false),
    ("esc", "back", Context::Pager, "close", true),
    ("q", "back", Context::Pager, "close", false),
    ("y", "back", Context::Pager, "close", false),
    ("j", "down", Context::Pager, "scroll down", true),
    ("down", "down", Context::Pager, "scroll down", false),
    ("k", "up", Context::Pager, "scroll up", true),
    ("up", "up", Context::Pager, "scroll up", false),
    ("pgdn", "page_down", Context::Pager, "page down", false),
    ("pgup", "page_up", Context::Pager, "page up", false),
    ("g", "top", Context::Pager, "top", false),
    ("home", "top", Context::Pager, "top", false),
    ("G", "bottom", Context::Pager, "bottom", false),
    ("end", "bottom", Context::Pager, "bottom", false),
    ("?", "back", Context::Pager, "close", false),
    ("/", "filter", Context::Pager, "search", true),
    ("n", "search_next", Context::Pager, "next match", true),
    ("N", "search_prev", Context::Pager, "previous match", false),
    ("y", "confirm", Context::Confirm, "send the calls listed", true),
    ("esc", "back", Context::Confirm, "cancel (any other key too)", true),
    ("enter", "submit", Context::Prompt, "run / keep", true),
    ("esc", "back", Context::Prompt, "cancel", true),
    ("tab", "complete", Context::Prompt, "complete", true),
    ("ctrl-n", "next_page", Context::Wizard, "next page", true),
    ("ctrl-p", "prev_page", Context::Wizard, "previous page", true),
    ("tab", "next_field", Context::Wizard, "next field", true),
    ("down", "next_field", Context::Wizard, "next field", false),
    ("backtab", "prev_field", Context::Wizard, "previous field", false),
    ("up", "prev_field", Context::Wizard, "previous field", false),
    ("enter", "submit", Context::Wizard, "next field, then next page", false),
    ("right", "choice_next", Context::Wizard, "next choice", true),
    ("space", "choice_next", Context::Wizard, "next choice", false),
    ("left", "choice_prev", Context::Wizard, "previous choice", false),
    ("esc", "back", Context::Wizard, "leave (the answers are kept)", true),
    ("ctrl-t", "add_target", Context::WizardTargets, "add a target role", true),
    ("ctrl-x", "remove_target", Context::WizardTargets, "remove this target role", true),
    ("pgdn", "target_next", Context::WizardTargets, "next target role", false),
    ("pgup", "target_prev", Context::WizardTargets, "previous target role", false),
    ("ctrl-w", "write", Context::WizardReview, "write the files (asks before replacing)", true),
    ("tab", "next_file", Context::WizardReview, "preview the next file", true),
    ("backtab", "prev_file", Context::WizardReview, "preview the previous file", false),
    ("pgdn", "page_down", Context::WizardReview, "scroll", false),
    ("pgup", "page_up", Context::WizardReview, "scroll", false),
];

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
    /// Problems in the user's keymap, shown in the UI.
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct KeymapFile {
    #[serde(default)]
    keys: BTreeMap<String, String>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
            .map(|(k, a, ctx, desc, hint)| Binding {
                key: Key::parse(k).expect("default keys parse"),
                action: Action::from_name(a).expect("default actions exist"),
                context: *ctx,
                desc,
                hint: *hint,
            })
            .collect();
        Keymap { bindings, warnings: Vec::new() }
    }
}

impl Keymap {
    /// Defaults with the user's `[keys]` table (`"ctrl-t" = "toggle_tags"`) laid over them.
    pub fn with_overrides(text: &str, file: &str) -> Keymap {
        let mut km = Keymap::default();
        let parsed: KeymapFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                km.warnings.push(format!("{file}: {}; using the default keys", e.message().trim()));
                return km;
            }
        };
        for (key, action) in parsed.keys {
            let Some(k) = Key::parse(&key) else {
                km.warnings.push(format!("{file}: keys.{key:?}: not a key (e.g. \"j\", \"ctrl-t\", \"pgdn\")"));
                continue;
            };
            let Some(a) = Action::from_name(&action) else {
                km.warnings.push(format!("{file}: keys.{key:?}: unknown action {action:?}"));
                continue;
            };
            let template = km.bindings.iter().find(|b| b.action == a).cloned();
            km.bindings.retain(|b| b.key != k);
            let (context, desc, hint) =
                template.map(|t| (t.context, t.desc, t.hint)).unwrap_or((Context::Global, "", false));
            km.bindings.insert(0, Binding { key: k, action: a, context, desc, hint });
        }
        km
    }

    /// The action bound to `key` in the first of `contexts` that binds it (a page's own keys
    /// over its form's).
    pub fn lookup(&self, key: Key, contexts: &[Context]) -> Option<Action> {
        contexts
            .iter()
            .find_map(|ctx| self.bindings.iter().find(|b| b.key == key && b.context == *ctx))
            .map(|b| b.action)
    }

    /// `(key, action, description)` for the hint bar: the hinted bindings of these contexts,
    /// in the contexts' order, each description once.
    pub fn hints(&self, contexts: &[Context]) -> Vec<(String, Action, &'static str)> {
        let mut out: Vec<(String, Action, &'static str)> = Vec::new();
        for ctx in contexts {
            for b in self.bindings.iter().filter(|b| b.hint && b.context == *ctx) {
                if !out.iter().any(|(_, a, d)| *d == b.desc || *a == b.action) {
                    out.push((b.key.label(), b.action, b.desc));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for k in ["j", "G", "ctrl-c", "enter", "pgdn", "?", ":", "alt-x"] {
            assert_eq!(Key::parse(k).unwrap().label(), k);
        }
        assert!(Key::parse("ctrl-").is_none());
        assert!(Key::parse("hyper-x").is_none());
    }

    #[test]
    fn overrides_and_warnings() {
        let km = Keymap::with_overrides(
            "[keys]\n\"ctrl-t\" = \"toggle_tags\"\n\"x\" = \"launch_rockets\"\n\"ctrl-\" = \"quit\"\n",
            "keymap.toml",
        );
        assert_eq!(km.lookup(Key::parse("ctrl-t").unwrap(), &[Context::Chain]), Some(Action::ToggleTags));
        assert_eq!(km.warnings.len(), 2, "{:?}", km.warnings);
        assert!(km.warnings.iter().any(|w| w.contains("launch_rockets")));
        let km = Keymap::with_overrides("[keys\n", "keymap.toml");
        assert!(km.warnings[0].starts_with("keymap.toml"));
        assert_eq!(km.lookup(Key::parse("q").unwrap(), &[Context::Global]), Some(Action::Quit));
    }
}
