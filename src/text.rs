//! Text from data on its way to a terminal or a text report. Cluster objects, IAM documents,
//! bundle file names and logs are written by others: an SA annotation, a Sid or a pod name can
//! hold ESC sequences that recolour, move the cursor or retitle the terminal, a CR or BS that
//! overwrites what was printed, or a bidi override that shows text in another order (the
//! "Trojan Source" class). [`shown`] makes each visible and inert; it is the one function the
//! text reports (`check`, `explain`, the messages on stderr) use. JSON output keeps the data
//! exact — JSON escaping already makes control characters inert.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that are never written as they are: C0 controls (newline and tab included: a
/// value cannot start a line of its own), DEL, C1 controls (U+009B is a one-byte CSI), and the
/// bidirectional controls of Unicode's UAX #9.
pub fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as an escape (`\x1b`, `\n`, `\u{202e}`); borrowed
/// when there is none.
pub fn shown(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) && (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A message of several lines (a warning, an error chain): each line [`shown`], the line breaks
/// kept.
pub fn shown_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && unsafe_char(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(shown).collect::<Vec<_>>().join("\n"))
}

/// An error in words: its message and each cause's, once each (a cause already quoted by its
/// parent is not repeated) — never the error type's debug form.
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cur {
        let text = c.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = c.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        assert!(matches!(shown("arc-runners/arc-runner-set-x7c2p · ✔ allow"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_c0_c1_del_and_bidi_controls() {
        assert_eq!(shown("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(shown("x\ry\x08z\x07"), "x\\ry\\x08z\\x07");
        assert_eq!(shown("line\nforged ✔ allow"), "line\\nforged ✔ allow");
        assert_eq!(shown("\u{9b}31m"), "\\x9b31m");
        assert_eq!(shown("\x7f"), "\\x7f");
        assert_eq!(shown("admin\u{202e}txt.exe"), "admin\\u{202e}txt.exe");
        assert_eq!(shown("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        for s in ["\x1b]0;title\x07", "\u{9b}2J", "\u{202d}", "\u{200f}"] {
            assert!(!shown(s).chars().any(unsafe_char), "{s:?}");
        }
    }

    #[test]
    fn lines_keep_their_breaks_and_lose_their_escapes() {
        assert_eq!(shown_lines("one\ntwo\x1b[31m"), "one\ntwo\\x1b[31m");
        assert!(matches!(shown_lines("one\ntwo"), Cow::Borrowed(_)));
    }
}
