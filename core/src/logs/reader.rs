//! Splitting a byte stream into lines with bounded memory: a line longer than `max_line` bytes
//! is cut (the rest skipped up to the newline), invalid UTF-8 is replaced, never an error.

use std::io::{self, BufRead};

/// Longest line kept, in bytes. Longer lines are cut; the tail is skipped.
pub const MAX_LINE: usize = 64 * 1024;

/// Call `f` for every line of `input` (without `\n`; `\r` is removed by the folder).
pub fn for_each_line(mut input: impl BufRead, max_line: usize, mut f: impl FnMut(&str)) -> io::Result<()> {
    let mut line: Vec<u8> = Vec::with_capacity(256);
    let mut skipping = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut start = 0;
        while start < len {
            match buf[start..].iter().position(|&b| b == b'\n') {
                Some(pos) => {
                    if !skipping {
                        let take = pos.min(max_line.saturating_sub(line.len()));
                        line.extend_from_slice(&buf[start..start + take]);
                    }
                    f(&String::from_utf8_lossy(&line));
                    line.clear();
                    skipping = false;
                    start += pos + 1;
                }
                None => {
                    if !skipping {
                        let take = (len - start).min(max_line.saturating_sub(line.len()));
                        line.extend_from_slice(&buf[start..start + take]);
                        skipping = line.len() >= max_line;
                    }
                    start = len;
                }
            }
        }
        input.consume(len);
    }
    if !line.is_empty() {
        f(&String::from_utf8_lossy(&line));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut out = Vec::new();
        // A tiny buffer exercises lines that span reads.
        for_each_line(io::BufReader::with_capacity(3, input), max, |l| out.push(l.to_string())).unwrap();
        out
    }

    #[test]
    fn splits_cuts_and_replaces() {
        assert_eq!(lines(b"a\r\nbb\n\nccc", 100), vec!["a\r", "bb", "", "ccc"]);
        assert_eq!(lines(b"0123456789\nx\n", 4), vec!["0123", "x"]);
        assert_eq!(lines(b"ok \xff\xfe bad\n", 100), vec!["ok \u{fffd}\u{fffd} bad"]);
    }
}
