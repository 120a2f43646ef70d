//! IAM wildcard matching: `*` matches any run of characters (including `/` and `:`), `?` exactly one.
//!
//! Used for `Action` (case-insensitive, R26), `Resource` and `ArnLike` (case-sensitive, R27) and
//! `StringLike`. Iterative two-pointer matcher: linear-ish, no recursion, no allocation.

/// Does `text` match the IAM wildcard `pattern`?
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let eq = |a: u8, b: u8| {
        if ignore_case { a.eq_ignore_ascii_case(&b) } else { a == b }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<usize> = None;
    let mut star_t = 0usize;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            star_t = ti;
        } else if pi < p.len() && (p[pi] == b'?' || eq(p[pi], t[ti])) {
            // `?` consumes one character; for multi-byte UTF-8 text consume the whole code point.
            if p[pi] == b'?' {
                ti += utf8_len(t[ti]);
            } else {
                ti += 1;
            }
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            star_t += 1;
            ti = star_t;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn star_spans_slashes_and_colons_r27() {
        assert!(matches("arn:aws:iam::*:role/arc-runner-*", "arn:aws:iam::111122223333:role/arc-runner-x", false));
        assert!(matches("arn:aws:iam::1:role/*", "arn:aws:iam::1:role/path/to/r", false));
        assert!(matches("*", "", false));
        assert!(!matches("a*b", "a/c", false));
    }

    #[test]
    fn question_mark_is_one_character() {
        assert!(matches("sts:Assume?ole", "sts:AssumeRole", false));
        assert!(!matches("sts:Assume?ole", "sts:AssumeRRole", false));
        assert!(matches("a?c", "aéc", false));
    }

    #[test]
    fn case_rules_r26_r27() {
        // Actions are case-insensitive (R26) …
        assert!(matches("STS:assumerole", "sts:AssumeRole", true));
        // … resources are not: `Bucket/*` does not match `bucket/x` (R27 worked verdict).
        assert!(!matches("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", false));
    }

    #[test]
    fn backtracking_is_bounded() {
        let text = "a".repeat(5000);
        assert!(!matches(&format!("{}b", "*a".repeat(50)), &text, false));
    }
}
