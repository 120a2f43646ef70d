//! The logs pane's model: the folded log entries that belong to the runner on screen, with the
//! finding each one carries and the chain hop it explains. The UI draws these lines; `n`/`N` move
//! between their findings.

use crate::logs::signatures::Severity;

use super::App;
use super::View;

/// One displayed log line of the logs pane.
pub struct LogLine {
    pub text: String,
    pub count: u64,
    pub finding: bool,
    pub severity: Option<Severity>,
    pub header: bool,
    /// The chain step this line's finding explains, for the runner on screen: `hop 2 TagSession`.
    pub link: Option<String>,
}

/// The folded log entries that belong to the runner on screen: its container logs, and job
/// logs whose findings link to its chain.
pub fn logs_lines(app: &App) -> Vec<LogLine> {
    let subject = match app.view() {
        View::Chain { subject } | View::Logs { subject } => subject.clone(),
        _ => return Vec::new(),
    };
    let own = format!("logs/{subject}/");
    // The scale set's listener logs too (it lives in the controller namespace).
    let scale_set = app.data.chains.iter().find(|c| c.subject == subject).and_then(|c| c.scale_set.clone());
    let listeners: Vec<String> = app
        .data
        .inv
        .listeners
        .iter()
        .filter(|l| {
            let key = format!(
                "{}/{}",
                l.spec.autoscaling_runner_set_namespace.as_deref().unwrap_or(""),
                l.spec.autoscaling_runner_set_name.as_deref().unwrap_or("")
            );
            scale_set.as_deref() == Some(key.as_str())
        })
        .map(|l| format!("logs/{}/", l.metadata.key()))
        .collect();
    let linked_sources: Vec<Option<String>> = app
        .data
        .analysis
        .findings
        .iter()
        .filter(|f| f.linked_step.as_ref().is_some_and(|l| l.subject == subject))
        .map(|f| f.source.clone())
        .collect();
    // Strongest finding per folded entry, once: the render path stays linear.
    let mut by_entry: std::collections::HashMap<u64, (Severity, bool)> = std::collections::HashMap::new();
    let mut links: std::collections::HashMap<u64, String> = std::collections::HashMap::new();
    for f in &app.data.analysis.findings {
        let slot = by_entry.entry(f.first_line).or_insert((f.severity, false));
        if f.severity as u8 > slot.0 as u8 {
            slot.0 = f.severity;
        }
        slot.1 |= f.linked_step.is_some();
        // The link to this runner's chain, shown on the line: which hop the finding explains.
        if let Some(l) = f.linked_step.as_ref().filter(|l| l.subject == subject) {
            let action = l.action.strip_prefix("sts:").unwrap_or(&l.action);
            links.entry(f.first_line).or_insert_with(|| format!("hop {} {action}", l.hop));
        }
    }
    let mut out = Vec::new();
    let mut last: Option<String> = None;
    for e in app.data.analysis.folded() {
        let src = app.data.analysis.entry_source(e);
        let mine = src.as_deref().is_some_and(|s| s.contains(&own) || listeners.iter().any(|l| s.contains(l.as_str())))
            || linked_sources.contains(&src);
        if !mine || e.sample.trim().is_empty() {
            continue;
        }
        if src != last {
            out.push(LogLine {
                text: src.clone().unwrap_or_default(),
                count: 0,
                finding: false,
                severity: None,
                header: true,
                link: None,
            });
            last = src.clone();
        }
        let finding = by_entry.get(&e.first_line).copied();
        let text = if app.chain.log.timestamps { e.sample.clone() } else { without_timestamp(&e.sample).to_string() };
        out.push(LogLine {
            text,
            count: e.count,
            finding: finding.is_some_and(|(sev, linked)| sev != Severity::Info || linked),
            severity: finding.map(|(sev, _)| sev),
            header: false,
            link: links.get(&e.first_line).cloned(),
        });
    }
    out
}

/// A log line without its leading timestamp (the logs pane's `t` shows them).
pub fn without_timestamp(line: &str) -> &str {
    match crate::logs::fingerprint::leading_timestamp(line) {
        Some(ts) if line.starts_with(ts) => line[ts.len()..].trim_start_matches([':', ' ']),
        _ => line,
    }
}
