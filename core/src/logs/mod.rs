//! Log intelligence: fold looping messages, recognise known failures, link them to the hop of
//! the identity chain that causes them. Pure: lines in, findings out (the reader below only
//! splits a byte stream into bounded lines).

pub mod fingerprint;
pub mod fold;
pub mod reader;
pub mod signatures;

use serde::Serialize;
use std::collections::HashMap;

use crate::iam::eval::Decision;

use fold::{Entry, FoldLimits, Folder};
use signatures::{Severity, classify};

/// A recognised message, once per (signature, folded entry).
/// The chain step a finding explains, as the chain linker found it (`chain::link`).
#[derive(Debug, Clone, Serialize)]
pub struct LinkedStep {
    pub subject: String,
    pub job: Option<String>,
    pub hop: usize,
    pub action: String,
    pub resource: String,
    pub decision: Decision,
    pub decided_by: String,
    pub message: Option<String>,
    pub fixes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub signature: String,
    pub severity: Severity,
    /// What it means.
    pub message: String,
    /// The line, verbatim (first occurrence).
    pub sample: String,
    /// How many lines folded into it.
    pub count: u64,
    pub first_line: u64,
    /// Which log it came from, when several were read.
    pub source: Option<String>,
    pub hop: String,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub resource: Option<String>,
    /// The highest `attempt N of M` seen, and M.
    pub attempts: Option<(u32, u32)>,
    pub fixes: Vec<String>,
    pub linked_step: Option<LinkedStep>,
    #[serde(skip)]
    pub(crate) is_loop: bool,
    #[serde(skip)]
    sig: &'static signatures::Signature,
}

/// Folded entries and findings of one or more logs.
#[derive(Debug, Default)]
pub struct Analysis {
    folder: Folder,
    /// Source label of each entry, by first line number.
    sources: Vec<(u64, String)>,
    pub findings: Vec<Finding>,
    by_fingerprint: HashMap<u64, Vec<usize>>,
}

/// At most this many findings are kept (a flood of distinct errors cannot grow memory).
pub const MAX_FINDINGS: usize = 10_000;

impl Analysis {
    pub fn new(limits: FoldLimits) -> Self {
        Analysis { folder: Folder::new(limits), ..Analysis::default() }
    }

    /// Lines read so far.
    pub fn lines(&self) -> u64 {
        self.folder.lines()
    }

    /// Start reading another log; its entries and findings carry `label`.
    pub fn begin_source(&mut self, label: &str) {
        if !self.sources.is_empty() {
            self.folder.next_source();
        }
        self.sources.push((self.folder.lines() + 1, label.to_string()));
    }

    /// Forget every entry and finding read from `label` (a followed log that reconnects from
    /// its start replaces the lines read before, instead of counting them twice).
    pub fn forget_source(&mut self, label: &str) {
        let sources = &self.sources;
        let of = |line: u64| sources.iter().rev().find(|(first, _)| *first <= line).map(|(_, l)| l.as_str());
        self.folder.retain(|e| of(e.first_line) != Some(label));
        self.findings.retain(|f| f.source.as_deref() != Some(label));
        let fp_by_line: HashMap<u64, u64> = self.folder.entries().map(|e| (e.first_line, e.fingerprint)).collect();
        self.by_fingerprint.clear();
        for (i, f) in self.findings.iter().enumerate() {
            if let Some(fp) = fp_by_line.get(&f.first_line) {
                self.by_fingerprint.entry(*fp).or_default().push(i);
            }
        }
    }

    /// Where line `line` (counted across every source) was read: its source's label and its
    /// 1-based line number in that source, as an editor or `sed -n` would count it.
    pub fn locate(&self, line: u64) -> Option<(&str, u64)> {
        self.sources.iter().rev().find(|(first, _)| *first <= line).map(|(first, l)| (l.as_str(), line - first + 1))
    }

    fn source_at(&self, line: u64) -> Option<String> {
        self.sources.iter().rev().find(|(first, _)| *first <= line).map(|(_, l)| l.clone())
    }

    /// Fold and classify one line. Classification runs once per new entry, so a loop costs one
    /// hash lookup per repeat.
    pub fn push(&mut self, line: &str) {
        let (entry, is_new) = self.folder.push(line);
        let fp = entry.fingerprint;
        if !is_new {
            let count = entry.count;
            if let Some(ids) = self.by_fingerprint.get(&fp) {
                for &i in ids {
                    let f = &mut self.findings[i];
                    f.count = count;
                    // Retry lines: keep the highest `attempt N of M`.
                    if let Some((prev, prev_max)) = f.attempts
                        && let Some(caps) = f.sig.regex.captures(line)
                    {
                        let num = |n: &str| caps.name(n).and_then(|m| m.as_str().parse::<u32>().ok()).unwrap_or(0);
                        f.attempts = Some((prev.max(num("attempt")), prev_max.max(num("max"))));
                    }
                }
            }
            return;
        }
        let (sample, first_line) = (entry.sample.clone(), entry.first_line);
        let matches = classify(&sample);
        if matches.is_empty() || self.findings.len() >= MAX_FINDINGS {
            return;
        }
        let source = self.source_at(first_line);
        let mut ids = Vec::new();
        for m in matches {
            ids.push(self.findings.len());
            self.findings.push(Finding {
                signature: m.signature.id.clone(),
                severity: m.signature.severity,
                message: m.signature.meaning.clone(),
                sample: sample.clone(),
                count: 1,
                first_line,
                source: source.clone(),
                hop: m.signature.hop.clone(),
                action: m.action,
                principal: m.principal,
                resource: m.resource,
                attempts: m.attempt.zip(m.max),
                fixes: m.signature.fixes.clone(),
                linked_step: None,
                is_loop: m.signature.is_loop,
                sig: m.signature,
            });
        }
        self.by_fingerprint.insert(fp, ids);
    }

    /// Folded entries in order of first appearance.
    pub fn folded(&self) -> impl Iterator<Item = &Entry> {
        self.folder.entries()
    }

    pub fn evicted_lines(&self) -> u64 {
        self.folder.evicted_lines
    }

    pub fn has_error(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Source label of a folded entry.
    pub fn entry_source(&self, e: &Entry) -> Option<String> {
        self.source_at(e.first_line)
    }
}

/// Analyse a whole text (tests, small logs).
pub fn analyze_text(text: &str) -> Analysis {
    let mut a = Analysis::new(FoldLimits::default());
    for line in text.split('\n') {
        if !line.is_empty() || a.lines() > 0 {
            a.push(line);
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    const DENIED: &str = "Error: Could not assume role with OIDC: User: arn:aws:sts::111122223333:assumed-role/base/s is not authorized to perform: sts:TagSession on resource: arn:aws:iam::111122223333:role/target";

    #[test]
    fn a_source_read_again_replaces_its_entries_and_findings() {
        let mut a = Analysis::default();
        a.begin_source("logs/ns/p/dind.log");
        a.push("dind line");
        a.begin_source("logs/ns/p/runner.log");
        for _ in 0..3 {
            a.push(DENIED);
        }
        assert_eq!(a.findings.iter().find(|f| f.source.as_deref() == Some("logs/ns/p/runner.log")).unwrap().count, 3);
        // The followed stream starts again from its tail: the earlier read is forgotten.
        a.forget_source("logs/ns/p/runner.log");
        assert!(a.findings.iter().all(|f| f.source.as_deref() != Some("logs/ns/p/runner.log")));
        assert_eq!(a.folded().count(), 1, "the other source stays");
        a.begin_source("logs/ns/p/runner.log");
        a.push(DENIED);
        a.push(DENIED);
        let f = a.findings.iter().find(|f| f.source.as_deref() == Some("logs/ns/p/runner.log")).unwrap();
        assert_eq!(f.count, 2, "counted once, not on top of the first read");
        assert_eq!(a.folded().map(|e| e.count).sum::<u64>(), 3);
        // The dind entry still folds repeats after the renumbering.
        a.begin_source("logs/ns/p/dind.log");
        a.push("dind line");
        assert_eq!(a.folded().count(), 3, "a new source starts its own entries");
    }
}
