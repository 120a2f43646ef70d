//! Lines of an endless HTTP stream (a followed log, a watch), bounded: a line longer than its cap
//! is cut there and the rest of it dropped up to the next newline, so a server that streams
//! without a newline costs `max` bytes, not all of memory; bytes that are not UTF-8 are decoded
//! lossily, one line at a time, so one bad byte costs one character, not the stream.

use futures::{AsyncBufRead, AsyncBufReadExt};

/// One line: its text (lossily decoded) and whether it was cut at the cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub cut: bool,
}

/// Reads `reader` line by line, each line at most `max` bytes.
pub struct Lines<R> {
    reader: R,
    max: usize,
    buf: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    pub fn new(reader: R, max: usize) -> Lines<R> {
        Lines { reader, max, buf: Vec::new() }
    }

    /// The next line; `None` at the end of the stream (a last line without a newline counts).
    pub async fn next(&mut self) -> std::io::Result<Option<Line>> {
        self.buf.clear();
        let mut cut = false;
        let mut any = false;
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                return Ok(any.then(|| self.line(cut)));
            }
            any = true;
            let (chunk, used, end) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            let room = self.max.saturating_sub(self.buf.len());
            if chunk.len() > room {
                cut = true;
            }
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            self.reader.consume_unpin(used);
            if end {
                return Ok(Some(self.line(cut)));
            }
        }
    }

    fn line(&mut self, cut: bool) -> Line {
        let bytes = self.buf.strip_suffix(b"\r").unwrap_or(&self.buf);
        Line { text: String::from_utf8_lossy(bytes).into_owned(), cut }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize, chunk: usize) -> Vec<Line> {
        let reader = futures::io::BufReader::with_capacity(chunk, input);
        let mut l = Lines::new(reader, max);
        let mut out = Vec::new();
        futures::executor::block_on(async {
            while let Some(line) = l.next().await.unwrap() {
                out.push(line);
            }
        });
        out
    }

    #[test]
    fn splits_on_newlines_across_chunks_and_keeps_a_last_partial_line() {
        let got = lines(b"one\r\ntwo\nthree", 100, 2);
        let texts: Vec<&str> = got.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["one", "two", "three"]);
        assert!(got.iter().all(|l| !l.cut));
        assert!(lines(b"", 100, 4).is_empty());
    }

    #[test]
    fn a_long_line_is_cut_at_the_cap_and_the_next_line_is_whole() {
        let mut input = vec![b'x'; 10_000];
        input.extend_from_slice(b"\nnext\n");
        let got = lines(&input, 64, 7);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].text.len(), 64);
        assert!(got[0].cut);
        assert_eq!(got[1], Line { text: "next".into(), cut: false });
    }

    #[test]
    fn invalid_utf8_costs_one_character_not_the_line() {
        let got = lines(b"ok \xff\xfe still here\n\xc3\xa9t\xc3\xa9\n", 100, 3);
        assert_eq!(got[0].text, "ok \u{fffd}\u{fffd} still here");
        assert_eq!(got[1].text, "été");
    }
}
