//! Folding: repeats of a message within a window of lines become one entry with a count.
//!
//! The window is counted in lines, not time (timestamps can be missing or out of order). Memory
//! is bounded: at most `max_entries` entries and `max_bytes` of kept samples; when either bound
//! is reached the oldest entries are evicted (and counted), so a flood cannot grow it.

use std::collections::{HashMap, VecDeque};

use super::fingerprint::{clean, fingerprint_with, leading_timestamp};

/// Bounds of a [`Folder`]. The defaults are documented here and in the README.
#[derive(Debug, Clone, Copy)]
pub struct FoldLimits {
    /// A repeat folds into an entry last seen at most this many lines earlier. Default 1,000.
    pub window: u64,
    /// Entries kept. Default 10,000.
    pub max_entries: usize,
    /// Bytes of samples kept. Default 8 MiB.
    pub max_bytes: usize,
    /// A sample longer than this is cut (on a character boundary). Default 4 KiB.
    pub max_sample: usize,
}

impl Default for FoldLimits {
    fn default() -> Self {
        FoldLimits { window: 1_000, max_entries: 10_000, max_bytes: 8 << 20, max_sample: 4 << 10 }
    }
}

/// One folded message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// The first occurrence, verbatim (cleaned of ANSI codes and `\r`, cut at `max_sample`).
    pub sample: String,
    pub count: u64,
    /// 1-based line numbers of the first and last occurrence.
    pub first_line: u64,
    pub last_line: u64,
    /// Timestamps as written on the first and last occurrence, when the lines carry them.
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    #[serde(skip)]
    pub fingerprint: u64,
    #[serde(skip)]
    id: u64,
}

impl Entry {
    /// Repeats per second between first and last occurrence, when both carry a parseable time.
    pub fn rate_per_sec(&self) -> Option<f64> {
        let first = crate::iam::condition::parse_date_fraction(self.first_seen.as_deref()?)?;
        let last = crate::iam::condition::parse_date_fraction(self.last_seen.as_deref()?)?;
        let span = last - first;
        (self.count > 1 && span > 0.0).then(|| (self.count - 1) as f64 / span)
    }
}

#[derive(Debug)]
pub struct Folder {
    limits: FoldLimits,
    entries: VecDeque<Entry>,
    /// fingerprint → entry id (ids grow monotonically; id - front id = index).
    index: HashMap<u64, u64>,
    next_id: u64,
    bytes: usize,
    lines: u64,
    /// Scratch buffer for the normalised line.
    scratch: Vec<u8>,
    /// Mixed into every fingerprint: lines of different logs never fold together.
    salt: u64,
    /// Lines whose entries were evicted to stay within the bounds.
    pub evicted_lines: u64,
}

impl Default for Folder {
    fn default() -> Self {
        Folder::new(FoldLimits::default())
    }
}

impl Folder {
    pub fn new(limits: FoldLimits) -> Self {
        Folder {
            limits,
            entries: VecDeque::new(),
            index: HashMap::new(),
            next_id: 0,
            bytes: 0,
            lines: 0,
            scratch: Vec::new(),
            salt: 0,
            evicted_lines: 0,
        }
    }

    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Start another log: its lines fold only with each other.
    pub fn next_source(&mut self) {
        self.salt += 1;
    }

    /// Add one line (without its newline). Returns the entry it folded into, and whether it is new.
    pub fn push(&mut self, raw: &str) -> (&Entry, bool) {
        self.lines += 1;
        let line = clean(raw);
        let fp = fingerprint_with(&line, &mut self.scratch) ^ self.salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let ts = leading_timestamp(&line);
        if let Some(&id) = self.index.get(&fp) {
            let front = self.entries.front().map_or(0, |e| e.id);
            if id >= front {
                let idx = (id - front) as usize;
                let window = self.limits.window;
                let e = &mut self.entries[idx];
                if self.lines - e.last_line <= window {
                    e.count += 1;
                    e.last_line = self.lines;
                    if let Some(ts) = ts {
                        match &mut e.last_seen {
                            Some(s) => {
                                s.clear();
                                s.push_str(ts);
                            }
                            None => e.last_seen = Some(ts.to_string()),
                        }
                    }
                    return (&self.entries[idx], false);
                }
            }
        }
        let ts = ts.map(str::to_string);
        let mut sample = line.into_owned();
        if sample.len() > self.limits.max_sample {
            let mut cut = self.limits.max_sample;
            while !sample.is_char_boundary(cut) {
                cut -= 1;
            }
            sample.truncate(cut);
            sample.push('…');
        }
        self.bytes += sample.len();
        let id = self.next_id;
        self.next_id += 1;
        self.index.insert(fp, id);
        self.entries.push_back(Entry {
            sample,
            count: 1,
            first_line: self.lines,
            last_line: self.lines,
            first_seen: ts.clone(),
            last_seen: ts,
            fingerprint: fp,
            id,
        });
        // Evict the oldest entries; one still repeating within the window (a live loop) is moved
        // to the back instead, at most once per entry per eviction round.
        let mut rotations = self.entries.len();
        while self.entries.len() > self.limits.max_entries
            || (self.bytes > self.limits.max_bytes && self.entries.len() > 1)
        {
            let mut old = self.entries.pop_front().expect("non-empty");
            if rotations > 0 && self.lines - old.last_line <= self.limits.window && old.count > 1 {
                rotations -= 1;
                old.id = self.next_id;
                self.next_id += 1;
                self.index.insert(old.fingerprint, old.id);
                self.entries.push_back(old);
                continue;
            }
            self.bytes -= old.sample.len();
            self.evicted_lines += old.count;
            if self.index.get(&old.fingerprint) == Some(&old.id) {
                self.index.remove(&old.fingerprint);
            }
        }
        let new = self.entries.iter().rposition(|e| e.id == id).expect("just pushed");
        (&self.entries[new], true)
    }

    /// Keep only the entries `keep` accepts (a log read again from its start replaces what was
    /// read of it before). Ids are renumbered so a lookup stays one index step.
    pub fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        self.entries.retain(|e| keep(e));
        self.index.clear();
        self.bytes = 0;
        for (i, e) in self.entries.iter_mut().enumerate() {
            e.id = i as u64;
            self.index.insert(e.fingerprint, e.id);
            self.bytes += e.sample.len();
        }
        self.next_id = self.entries.len() as u64;
    }

    /// Entries in order of first appearance.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        let mut v: Vec<&Entry> = self.entries.iter().collect();
        v.sort_by_key(|e| e.first_line);
        v.into_iter()
    }

    /// Bytes of samples currently held (for the memory bound).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_attempts_fold_to_one_entry() {
        let mut f = Folder::default();
        for i in 0..12 {
            f.push(&format!("2026-06-20T10:15:{:02}.0000000Z Assuming role with user credentials", 43 + i));
        }
        let e: Vec<&Entry> = f.entries().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].count, 12);
        assert_eq!(e[0].first_seen.as_deref(), Some("2026-06-20T10:15:43.0000000Z"));
        assert_eq!(e[0].last_seen.as_deref(), Some("2026-06-20T10:15:54.0000000Z"));
        assert_eq!(e[0].rate_per_sec(), Some(1.0));
    }

    #[test]
    fn interleaved_repeats_fold_within_the_window_only() {
        let mut f = Folder::new(FoldLimits { window: 3, ..FoldLimits::default() });
        for line in ["a 1", "b", "a 2", "c", "d", "e", "a 3"] {
            f.push(line);
        }
        let counts: Vec<(String, u64)> = f.entries().map(|e| (e.sample.clone(), e.count)).collect();
        assert_eq!(
            counts,
            vec![
                ("a 1".into(), 2),
                ("b".into(), 1),
                ("c".into(), 1),
                ("d".into(), 1),
                ("e".into(), 1),
                ("a 3".into(), 1)
            ]
        );
    }

    #[test]
    fn a_flood_of_distinct_lines_stays_bounded() {
        let limits = FoldLimits { max_entries: 100, max_bytes: 10_000, max_sample: 50, window: 10 };
        let mut f = Folder::new(limits);
        for i in 0..100_000 {
            f.push(
                &format!("unique message {} {}", "x".repeat(i % 300), char::from(b'a' + (i % 26) as u8))
                    .replace(' ', &"y".repeat(i % 7)),
            );
        }
        assert!(f.entries().count() <= 100);
        assert!(f.bytes() <= 10_000 + 60);
        assert!(f.entries().all(|e| e.sample.len() <= 50 + '…'.len_utf8()));
        assert_eq!(f.evicted_lines + f.entries().map(|e| e.count).sum::<u64>(), 100_000);
    }

    #[test]
    fn a_live_loop_survives_a_flood_of_distinct_lines() {
        let mut f = Folder::new(FoldLimits { max_entries: 50, window: 100, ..FoldLimits::default() });
        let mut n = 0u64;
        for i in 0..10_000u32 {
            if i % 10 == 0 {
                f.push("Assuming role with user credentials");
                n += 1;
            } else {
                let word: String = i.to_string().chars().map(|c| char::from(b'a' + c as u8 - b'0')).collect();
                f.push(&format!("distinct {word}"));
            }
        }
        let counts: Vec<u64> = f.entries().filter(|e| e.sample.starts_with("Assuming")).map(|e| e.count).collect();
        assert_eq!(counts, vec![n]);
        assert!(f.entries().count() <= 50);
    }

    #[test]
    fn long_lines_are_cut_on_a_char_boundary() {
        let mut f = Folder::new(FoldLimits { max_sample: 5, ..FoldLimits::default() });
        let (e, _) = f.push("ééééééé");
        assert_eq!(e.sample, "éé…");
    }
}
