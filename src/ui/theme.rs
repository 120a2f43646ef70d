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

const SLOTS: &[&str] = &[
    "text",
    "muted",
    "accent",
    "title",
    "border",
    "header_bg",
    "header_fg",
    "selection_bg",
    "selection_fg",
    "hint_key",
    "hint_desc",
    "filter_match",
    "allow",
    "implicit_deny",
    "explicit_deny",
    "error",
    "unknown",
    "stale",
    "warning",
];

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
    colors: BTreeMap<String, Color>,
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
            if !SLOTS.contains(&k.as_str()) {
                return Err(format!("{file}: colors.{k}: unknown slot (one of {})", SLOTS.join(", ")));
            }
            let c =
                parse_color(v).ok_or_else(|| format!("{file}: colors.{k}: {v:?} is not a colour name or #rrggbb"))?;
            colors.insert(k.clone(), c);
        }
        if let Some(missing) = SLOTS.iter().find(|s| !colors.contains_key(**s)) {
            return Err(format!("{file}: colors.{missing} is missing"));
        }
        let name = f.name.or(f.base.clone()).or(base.map(|b| b.name.clone())).unwrap_or_else(|| "custom".into());
        Ok(Theme { mono: name == "mono", name, colors })
    }

    fn c(&self, slot: &str) -> Color {
        self.colors.get(slot).copied().unwrap_or(Color::Reset)
    }

    pub fn fg(&self, slot: &str) -> Style {
        Style::default().fg(self.c(slot))
    }
    pub fn text(&self) -> Style {
        self.fg("text")
    }
    pub fn muted(&self) -> Style {
        if self.mono { Style::default().add_modifier(Modifier::DIM) } else { self.fg("muted") }
    }
    pub fn title(&self) -> Style {
        self.fg("title").add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        Style::default().fg(self.c("header_fg")).bg(self.c("header_bg"))
    }
    pub fn selection(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.c("selection_fg")).bg(self.c("selection_bg")).add_modifier(Modifier::BOLD)
        }
    }
    pub fn filter_match(&self) -> Style {
        self.fg("filter_match").add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn decision(&self, d: Decision) -> Style {
        let slot = match d {
            Decision::Allow => "allow",
            Decision::ImplicitDeny => "implicit_deny",
            Decision::ExplicitDeny => "explicit_deny",
            Decision::Error => "error",
            Decision::Unknown => "unknown",
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
        assert_eq!(t.c("allow"), Color::Rgb(0, 255, 0));
        assert_eq!(t.c("accent"), Theme::built_in("dark").unwrap().c("accent"));
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
