//! A fingerprint per log line that ignores what varies between repeats of the same message:
//! timestamps (GitHub job log, .NET `u`, kubelet/klog, Go `time=`/`ts=`, JSON loggers), attempt
//! counters, durations, `aws-sdk-js-session-<ms>` names, hex ids, UUIDs, ARC's random name
//! suffixes, masked `***` account ids, ANSI colour codes. One pass over the bytes, no regex, no
//! allocation beyond the hasher: this runs on every line of a flood.

use std::hash::Hasher;

/// Strip ANSI escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`) and a trailing `\r`.
pub fn clean(line: &str) -> std::borrow::Cow<'_, str> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    // GitHub's downloaded job logs start with a byte-order mark.
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    if !line.contains('\x1b') {
        return std::borrow::Cow::Borrowed(line);
    }
    let b = line.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == 0x1b {
            match b.get(i + 1) {
                Some(b'[') => {
                    i += 2;
                    while i < b.len() && !(0x40..=0x7e).contains(&b[i]) {
                        i += 1;
                    }
                    i += 1;
                }
                Some(b']') => {
                    i += 2;
                    while i < b.len() && b[i] != 0x07 && !(b[i] == 0x1b && b.get(i + 1) == Some(&b'\\')) {
                        i += 1;
                    }
                    i += if b.get(i) == Some(&0x07) { 1 } else { 2 };
                }
                _ => i += 2,
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    // Only whole escape sequences were removed, so the rest is still UTF-8.
    std::borrow::Cow::Owned(
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// ARC's generated-name alphabet (k8s `SafeEncodeString`: no vowels, no 0/1/3; arc.md §2.2).
fn is_safe_alnum(c: u8) -> bool {
    matches!(c, b'b'..=b'd' | b'f'..=b'h' | b'j'..=b'n' | b'p'..=b't' | b'v' | b'w' | b'x' | b'z' | b'2' | b'4'..=b'9')
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `8-4-4-4-12` hex digits, not followed by another word character.
fn is_uuid(b: &[u8]) -> bool {
    b.len() >= 36
        && b[..36]
            .iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
        && !b.get(36).is_some_and(|c| is_word(*c))
}

/// Hash of the normalised line. Equal for lines that differ only in variable parts.
pub fn fingerprint(line: &str) -> u64 {
    fingerprint_with(line, &mut Vec::new())
}

/// [`fingerprint`] reusing `buf` for the normalised bytes (no allocation per line).
pub fn fingerprint_with(line: &str, buf: &mut Vec<u8>) -> u64 {
    buf.clear();
    normalise(line, buf);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(buf);
    h.finish()
}

/// Append the normalised form of `line` to `h`: variable parts become `#`.
fn normalise(line: &str, h: &mut Vec<u8>) {
    let b = line.as_bytes();
    let mut i = 0;
    let n = b.len();
    while i < n {
        let c = b[i];
        // `***` (masked values) and runs of digits fold to one placeholder.
        if c == b'*' && b.get(i + 1) == Some(&b'*') && b.get(i + 2) == Some(&b'*') {
            h.push(b'#');
            i += 3;
            while i < n && b[i] == b'*' {
                i += 1;
            }
            continue;
        }
        if is_word(c) && (i == 0 || !is_word(b[i - 1])) && is_uuid(&b[i..]) {
            h.push(b'#');
            i += 36;
            continue;
        }
        if is_word(c) && (i == 0 || !is_word(b[i - 1])) {
            // A whole token: digits, hex ids, ARC suffixes are variable.
            let start = i;
            let mut j = i;
            let (mut digits, mut hex, mut safe) = (0usize, true, true);
            while j < n && is_word(b[j]) {
                digits += usize::from(b[j].is_ascii_digit());
                hex &= b[j].is_ascii_hexdigit();
                safe &= is_safe_alnum(b[j]);
                j += 1;
            }
            let len = j - start;
            let prev_dash = start > 0 && b[start - 1] == b'-';
            let variable = digits == len // a number
                || (hex && digits > 0 && len >= 8) // hex id, UUID part, commit sha
                || (prev_dash && safe && (len == 5 || len == 8 || len == 10)); // ARC name suffix, pod-template-hash
            if variable {
                h.push(b'#');
            } else if digits > 0 {
                // Words with embedded numbers (`aws-sdk-js-session-1718…` splits at `-`; `12ms`):
                // keep letters, fold digit runs.
                let mut k = start;
                while k < j {
                    if b[k].is_ascii_digit() {
                        h.push(b'#');
                        while k < j && b[k].is_ascii_digit() {
                            k += 1;
                        }
                    } else {
                        h.push(b[k]);
                        k += 1;
                    }
                }
            } else {
                h.extend_from_slice(&b[start..j]);
            }
            i = j;
            continue;
        }
        h.push(c);
        i += 1;
    }
}

/// A timestamp at the start of the line, in the formats runners, kubelet, GitHub and Go/JSON
/// loggers write; returned as written.
pub fn leading_timestamp(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    // 2026-06-20T10:15:43.1234567Z  |  2026-06-20 10:15:32Z  (GitHub job log, .NET `u`, RFC 3339)
    // The fixed-width forms are ASCII: a multi-byte character inside would put the cut inside it
    // (found by tests/fuzz.rs).
    if b.len() >= 19
        && b[..19].is_ascii()
        && (0..4).all(digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
    {
        let mut end = 19;
        while end < b.len() {
            let c = b[end];
            if c.is_ascii_digit() || matches!(c, b'.' | b'Z' | b'z' | b'+' | b'-') || (c == b':' && digit(end + 1)) {
                end += 1;
            } else {
                break;
            }
        }
        return Some(&line[..end]);
    }
    // klog: I0620 10:15:32.123456
    if b.len() > 21
        && b[..21].is_ascii()
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && (1..5).all(digit)
        && b[5] == b' '
        && b[8] == b':'
    {
        return Some(&line[..21.min(line.len())]);
    }
    // Go logfmt / slog: time="2026-…" or time=2026-…, ts=…
    for key in ["time=\"", "time=", "ts="] {
        if let Some(rest) = line.strip_prefix(key) {
            let end = rest.find(['"', ' ']).unwrap_or(rest.len());
            return Some(&rest[..end]);
        }
    }
    // JSON loggers: {"ts":"…"} / {"time":"…"} / {"timestamp":"…"}
    if line.starts_with('{') {
        for key in ["\"ts\":\"", "\"time\":\"", "\"timestamp\":\""] {
            if let Some(pos) = line.find(key) {
                let rest = &line[pos + key.len()..];
                return rest.find('"').map(|end| &rest[..end]);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_of_the_retry_line_share_a_fingerprint() {
        let a = "2026-06-20T10:15:43.1234567Z Retry AssumeRole: attempt 3 of 12 failed: Could not assume role with user credentials: User: arn:aws:sts::111122223333:assumed-role/base/aws-sdk-js-session-1781950543187 is not authorized to perform: sts:TagSession on resource: arn:aws:iam::111122223333:role/x. Retrying after 812ms.";
        let b = "2026-06-20T10:16:01.0000001Z Retry AssumeRole: attempt 11 of 12 failed: Could not assume role with user credentials: User: arn:aws:sts::***:assumed-role/base/aws-sdk-js-session-1781950561999 is not authorized to perform: sts:TagSession on resource: arn:aws:iam::***:role/x. Retrying after 61ms.";
        assert_eq!(fingerprint(a), fingerprint(b));
        let c = b.replace("sts:TagSession", "sts:AssumeRole");
        assert_ne!(fingerprint(a), fingerprint(&c));
    }

    #[test]
    fn ids_and_arc_suffixes_are_variable() {
        assert_eq!(
            fingerprint("pod arc-runner-set-x7c2p-runner-4h9sd uid 5c1e9d7a-3b2f-4e8a-9c61-2f0d8b7a4e13 started"),
            fingerprint("pod arc-runner-set-q2w8z-runner-n5d2c uid 0d6c1b2a-aaaa-4e8a-bbbb-2f0d8b7a4e99 started")
        );
        // Real words after a dash are not suffixes (they contain vowels).
        assert_ne!(fingerprint("arc-runner-start"), fingerprint("arc-runner-check"));
    }

    #[test]
    fn ansi_and_crlf_are_cleaned() {
        assert_eq!(clean("\x1b[32m√ Connected to GitHub\x1b[0m\r"), "√ Connected to GitHub");
        assert_eq!(clean("\x1b]0;title\x07x"), "x");
    }

    #[test]
    fn timestamps() {
        assert_eq!(leading_timestamp("2026-06-20T10:15:43.1234567Z ##[error]x"), Some("2026-06-20T10:15:43.1234567Z"));
        assert_eq!(leading_timestamp("2026-06-20 10:15:32Z: Listening for Jobs"), Some("2026-06-20 10:15:32Z"));
        assert_eq!(leading_timestamp("time=\"2026-06-20T10:15:21.40Z\" level=info"), Some("2026-06-20T10:15:21.40Z"));
        assert_eq!(leading_timestamp("time=2026-06-20T10:15:30.118Z level=INFO"), Some("2026-06-20T10:15:30.118Z"));
        assert_eq!(leading_timestamp("I0620 10:15:32.123456   12 x.go:1] m"), Some("I0620 10:15:32.123456"));
        assert_eq!(leading_timestamp(r#"{"ts":"2026-06-20T10:15:03Z","msg":"m"}"#), Some("2026-06-20T10:15:03Z"));
        assert_eq!(leading_timestamp("Assuming role with user credentials"), None);
    }
}
