//! Themes: semantic colour slots from TOML (`themes/*.toml`, compiled in), partial user
//! overrides merged over a built-in base, `NO_COLOR` → mono. Verdicts are never colour alone:
//! every verdict cell also carries ✔/✘/? and a word.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::chain::Verdict;
use crate::iam::eval::Decision;

pub const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// A theme's colour slots: what a colour is for, not which colour it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    Text,
    Muted,
    Accent,
    Title,
    Border,
    HeaderBg,
    HeaderFg,
    SelectionBg,
    SelectionFg,
    HintKey,
    HintDesc,
    FilterMatch,
    Allow,
    ImplicitDeny,
    ExplicitDeny,
    Error,
    Unknown,
    Stale,
    Warning,
}

impl Slot {
    pub const ALL: [Slot; 19] = [
        Slot::Text,
        Slot::Muted,
        Slot::Accent,
        Slot::Title,
        Slot::Border,
        Slot::HeaderBg,
        Slot::HeaderFg,
        Slot::SelectionBg,
        Slot::SelectionFg,
        Slot::HintKey,
        Slot::HintDesc,
        Slot::FilterMatch,
        Slot::Allow,
        Slot::ImplicitDeny,
        Slot::ExplicitDeny,
        Slot::Error,
        Slot::Unknown,
        Slot::Stale,
        Slot::Warning,
    ];

    /// The key in a theme file's `[colors]`.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Text => "text",
            Slot::Muted => "muted",
            Slot::Accent => "accent",
            Slot::Title => "title",
            Slot::Border => "border",
            Slot::HeaderBg => "header_bg",
            Slot::HeaderFg => "header_fg",
            Slot::SelectionBg => "selection_bg",
            Slot::SelectionFg => "selection_fg",
            Slot::HintKey => "hint_key",
            Slot::HintDesc => "hint_desc",
            Slot::FilterMatch => "filter_match",
            Slot::Allow => "allow",
            Slot::ImplicitDeny => "implicit_deny",
            Slot::ExplicitDeny => "explicit_deny",
            Slot::Error => "error",
            Slot::Unknown => "unknown",
            Slot::Stale => "stale",
            Slot::Warning => "warning",
        }
    }

    fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    /// A built-in theme this one overrides (user files).
    base: Option<String>,
    #[serde(default)]
    colors: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    colors: BTreeMap<Slot, Color>,
    pub mono: bool,
}

pub fn parse_color(s: &str) -> Option<Color> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    Some(match s.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark_gray" | "dark_grey" => Color::DarkGray,
        "light_red" => Color::LightRed,
        "light_green" => Color::LightGreen,
        "light_yellow" => Color::LightYellow,
        "light_blue" => Color::LightBlue,
        "light_magenta" => Color::LightMagenta,
        "light_cyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

impl Theme {
    pub fn built_in(name: &str) -> Option<Theme> {
        let text = BUILT_IN.iter().find(|(n, _)| *n == name)?.1;
        Some(Theme::parse(text, None, "built-in").expect("built-in themes are valid (tested)"))
    }

    /// Parse a theme file; `base` fills slots the file leaves out. Errors name the file and key.
    pub fn parse(text: &str, base: Option<&Theme>, file: &str) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| format!("{file}: {}", e.message()))?;
        let base_owned;
        let base = match (&f.base, base) {
            (Some(b), _) => {
                base_owned = Theme::built_in(b)
                    .ok_or_else(|| format!("{file}: base: no built-in theme {b:?} (dark, light, mono)"))?;
                Some(&base_owned)
            }
            (None, b) => b,
        };
        let mut colors = base.map(|b| b.colors.clone()).unwrap_or_default();
        for (k, v) in &f.colors {
            let Some(slot) = Slot::from_name(k) else {
                let all: Vec<&str> = Slot::ALL.iter().map(|s| s.name()).collect();
                return Err(format!("{file}: colors.{k}: unknown slot (one of {})", all.join(", ")));
            };
            let c =
                parse_color(v).ok_or_else(|| format!("{file}: colors.{k}: {v:?} is not a colour name or #rrggbb"))?;
            colors.insert(slot, c);
        }
        if let Some(missing) = Slot::ALL.iter().find(|s| !colors.contains_key(*s)) {
            return Err(format!("{file}: colors.{} is missing", missing.name()));
        }
        let name = f.name.or(f.base.clone()).or(base.map(|b| b.name.clone())).unwrap_or_else(|| "custom".into());
        Ok(Theme { mono: name == "mono", name, colors })
    }

    fn c(&self, slot: Slot) -> Color {
        self.colors.get(&slot).copied().unwrap_or(Color::Reset)
    }

    pub fn fg(&self, slot: Slot) -> Style {
        Style::default().fg(self.c(slot))
    }
    pub fn text(&self) -> Style {
        self.fg(Slot::Text)
    }
    pub fn muted(&self) -> Style {
        if self.mono { Style::default().add_modifier(Modifier::DIM) } else { self.fg(Slot::Muted) }
    }
    pub fn title(&self) -> Style {
        self.fg(Slot::Title).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        Style::default().fg(self.c(Slot::HeaderFg)).bg(self.c(Slot::HeaderBg))
    }
    pub fn selection(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.c(Slot::SelectionFg)).bg(self.c(Slot::SelectionBg)).add_modifier(Modifier::BOLD)
        }
    }
    /// A pane's box: the focused one's border is thick and in the accent colour, so focus shows
    /// without colour too (NO_COLOR, mono) (#15.8).
    pub fn pane(&self, focused: bool) -> ratatui::widgets::Block<'static> {
        use ratatui::widgets::{Block, BorderType, Borders};
        let block = Block::default().borders(Borders::ALL);
        if focused {
            block.border_type(BorderType::Thick).border_style(self.fg(Slot::Accent))
        } else {
            block.border_style(self.fg(Slot::Border))
        }
    }

    pub fn filter_match(&self) -> Style {
        self.fg(Slot::FilterMatch).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn decision(&self, d: Decision) -> Style {
        let slot = match d {
            Decision::Allow => Slot::Allow,
            Decision::ImplicitDeny => Slot::ImplicitDeny,
            Decision::ExplicitDeny => Slot::ExplicitDeny,
            Decision::Error => Slot::Error,
            Decision::Unknown => Slot::Unknown,
        };
        let s = self.fg(slot);
        if d == Decision::Allow { s } else { s.add_modifier(Modifier::BOLD) }
    }

    pub fn verdict(&self, v: Verdict) -> Style {
        self.decision(match v {
            Verdict::Allow => Decision::Allow,
            Verdict::Deny => Decision::ImplicitDeny,
            Verdict::Unknown => Decision::Unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_are_complete() {
        for (name, _) in BUILT_IN {
            assert_eq!(Theme::built_in(name).unwrap().name, *name);
        }
    }

    #[test]
    fn partial_override_merges_over_its_base() {
        let t = Theme::parse("base = \"dark\"\n[colors]\nallow = \"#00ff00\"\n", None, "theme.toml").unwrap();
        assert_eq!(t.c(Slot::Allow), Color::Rgb(0, 255, 0));
        assert_eq!(t.c(Slot::Accent), Theme::built_in("dark").unwrap().c(Slot::Accent));
    }

    #[test]
    fn errors_name_file_and_key() {
        let e = Theme::parse("base = \"dark\"\n[colors]\nalow = \"red\"\n", None, "theme.toml").unwrap_err();
        assert!(e.contains("theme.toml") && e.contains("colors.alow"), "{e}");
        let e = Theme::parse("base = \"dark\"\n[colors]\nallow = \"chartreuse\"\n", None, "t.toml").unwrap_err();
        assert!(e.contains("colors.allow"), "{e}");
        assert!(Theme::parse("[colors]\nallow = \"red\"\n", None, "t.toml").unwrap_err().contains("missing"));
        assert!(Theme::parse("not toml [", None, "t.toml").unwrap_err().starts_with("t.toml"));
    }
}
