//! The `/` filter of the table views: a case-insensitive regex, `!` inverts. Compiled once per
//! change of the pattern (a paste is one change), kept beside the rows for the frames that
//! highlight matches, and bounded: a pattern is at most [`MAX_PATTERN`] characters and its
//! compiled program at most 1 MiB, so no input can stall a keystroke. An invalid pattern is an
//! error shown in the prompt — never matched as a literal or as nothing.

use regex::{Regex, RegexBuilder};

/// Longest filter pattern, in characters (a k9s filter is a word or two; 8 KB pastes froze the
/// TUI before this cap).
pub const MAX_PATTERN: usize = 1024;

/// The compiled program's size limit (the regex crate's default is 10 MiB).
const SIZE_LIMIT: usize = 1 << 20;

/// A compiled filter: rows whose cells match (or, inverted, do not) are shown.
#[derive(Debug, Clone)]
pub struct Filter {
    pub regex: Regex,
    pub invert: bool,
}

impl Filter {
    /// `Ok(None)`: no filter (empty pattern). `Err`: why the pattern cannot be used, in one line.
    pub fn compile(text: &str) -> Result<Option<Filter>, String> {
        let (invert, pattern) = match text.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, text),
        };
        if pattern.is_empty() {
            return Ok(None);
        }
        pattern_regex(pattern).map(|regex| regex.map(|regex| Filter { regex, invert }))
    }

    pub fn keeps(&self, cells: &[String]) -> bool {
        cells.iter().any(|c| self.regex.is_match(c)) != self.invert
    }
}

/// A `/` pattern as a case-insensitive regex, bounded like the filter's (the search of the logs
/// and text views uses it; there `!` is a character like any other). `Ok(None)`: empty.
pub fn pattern_regex(pattern: &str) -> Result<Option<Regex>, String> {
    if pattern.is_empty() {
        return Ok(None);
    }
    let n = pattern.chars().count();
    if n > MAX_PATTERN {
        return Err(format!("the pattern is {n} characters; at most {MAX_PATTERN} are used"));
    }
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map(Some)
        .map_err(|e| one_line(&e))
}

/// The regex crate's message is several lines (the pattern, a caret, the error): the last line
/// says what is wrong.
fn one_line(e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(_) => "the pattern is too complex (its compiled form passes 1 MiB)".into(),
        _ => {
            let text = e.to_string();
            let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("invalid pattern");
            format!("invalid regex: {}", last.trim().trim_start_matches("error: "))
        }
    }
}

/// Text pasted into a one-line input: control characters (newlines, tabs, escapes) become spaces.
pub fn paste_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_case_insensitive_and_invert_with_a_bang() {
        let f = Filter::compile("QV8").unwrap().unwrap();
        assert!(f.keeps(&["runner-qv8mz".into()]));
        let f = Filter::compile("!qv8").unwrap().unwrap();
        assert!(!f.keeps(&["runner-qv8mz".into()]));
        assert!(Filter::compile("").unwrap().is_none());
        assert!(Filter::compile("!").unwrap().is_none());
    }

    #[test]
    fn an_invalid_regex_is_an_error_in_one_line_not_a_literal() {
        let e = Filter::compile("runner-(x").unwrap_err();
        assert!(e.starts_with("invalid regex:") && !e.contains('\n'), "{e}");
        assert!(e.contains("unclosed group"), "{e}");
    }

    #[test]
    fn long_and_explosive_patterns_are_refused_quickly() {
        let long = "a".repeat(MAX_PATTERN + 1);
        assert!(Filter::compile(&long).unwrap_err().contains("at most 1024"));
        assert!(Filter::compile(&"a".repeat(MAX_PATTERN)).unwrap().is_some());
        let bomb = "(((a{50}){50}){50})";
        assert!(Filter::compile(bomb).unwrap_err().contains("too complex"));
    }

    #[test]
    fn pasted_control_characters_become_spaces() {
        assert_eq!(paste_text("a\nb\tc\x1b[31m"), "a b c [31m");
    }
}
