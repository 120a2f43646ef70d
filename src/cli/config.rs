//! Config paths (XDG) and loading the user's theme and keymap.

use std::path::PathBuf;

use crate::app::keymap::Keymap;
use crate::ui::theme::Theme;

use super::UsageError;

/// `$XDG_CONFIG_HOME/arcscope`, else `~/.config/arcscope`.
pub fn config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("arcscope"))
}

pub fn keymap_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("keymap.toml"))
}

pub fn theme_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("theme.toml"))
}

/// `--theme NAME|FILE`, `NO_COLOR`, then the user's `theme.toml` merged over the base.
pub fn load_theme(flag: Option<&str>) -> Result<Theme, UsageError> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let base_name = if no_color { "mono" } else { "dark" };
    let mut theme = Theme::built_in(base_name).expect("built-in");
    if let Some(f) = flag {
        theme = match Theme::built_in(f) {
            Some(t) => t,
            None => {
                let text = std::fs::read_to_string(f).map_err(|e| {
                    UsageError(format!(
                        "--theme {f}: not a built-in theme (dark, light, mono) and cannot read it as a file: {e}"
                    ))
                })?;
                Theme::parse(&text, Some(&theme), f).map_err(UsageError)?
            }
        };
    }
    if let Some(p) = theme_path().filter(|p| p.is_file()) {
        let text = std::fs::read_to_string(&p).map_err(|e| UsageError(format!("{}: cannot read: {e}", p.display())))?;
        theme = Theme::parse(&text, Some(&theme), &p.display().to_string()).map_err(UsageError)?;
    }
    if no_color {
        theme = Theme::built_in("mono").expect("built-in");
    }
    Ok(theme)
}

pub fn load_keymap() -> Keymap {
    match keymap_path().filter(|p| p.is_file()) {
        Some(p) => match std::fs::read_to_string(&p) {
            Ok(text) => Keymap::with_overrides(&text, &p.display().to_string()),
            Err(e) => {
                let mut k = Keymap::default();
                k.warnings.push(format!("{}: cannot read: {e}", p.display()));
                k
            }
        },
        None => Keymap::default(),
    }
}

/// `arcscope info`: version and every path arcscope reads.
pub fn info() -> String {
    let show = |p: Option<PathBuf>| {
        p.map(|p| format!("{}{}", p.display(), if p.exists() { "" } else { " (not present)" }))
            .unwrap_or_else(|| "? (no HOME)".into())
    };
    format!(
        "arcscope {}\nconfig dir: {}\nkeymap:     {}\ntheme:      {}\nthemes:     built in: dark (default), light, mono; --theme NAME|FILE; NO_COLOR → mono\ngithub api: {} (GITHUB_API_URL)\n",
        env!("CARGO_PKG_VERSION"),
        show(config_dir()),
        show(keymap_path()),
        show(theme_path()),
        std::env::var("GITHUB_API_URL").unwrap_or_else(|_| crate::sources::github::DEFAULT_API.into())
    )
}

/// Now as `YYYY-MM-DDTHH:MM:SSZ` (the header shows the time; ages are computed from it).
pub fn now_hms() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn rfc3339(secs: i64) -> String {
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem / 60) % 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_round_trips_through_the_date_parser() {
        let now = super::now_hms();
        let parsed = crate::iam::condition::parse_date(&now).expect("ISO 8601");
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!((secs - parsed).abs() < 5, "{now}");
    }
}
