//! `arcscope explain [FILE|-]`: fold a log's loops, recognise known failures, and — with a bundle
//! or the demo — name the chain hop each finding explains, with its verdict and fix.

use crate::text::shown;
use serde::Serialize;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;

use crate::chain::link;
use crate::chain::{CheckOptions, resolve_all};
use crate::logs::fold::{Entry, FoldLimits};
use crate::logs::reader::{MAX_LINE, for_each_line};
use crate::logs::signatures::Severity;
use crate::logs::{Analysis, Finding};

use super::check::Format;
use super::{SourceArgs, UsageError};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExplainArgs {
    /// The log to read: a GitHub job log, `kubectl logs` output, or `-` for stdin. Without it:
    /// every log of --bundle/--demo, else stdin.
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Fetch and explain the GitHub job log of this runner (NAMESPACE/NAME of an EphemeralRunner
    /// or its pod; needs --bundle or --demo for the runner's job fields, and a GitHub token)
    #[arg(long, value_name = "NAMESPACE/NAME")]
    pub runner: Option<String>,
    /// GitHub API base URL (GitHub Enterprise Server: https://HOST/api/v3)
    #[arg(long, env = "GITHUB_API_URL", default_value = crate::sources::github::DEFAULT_API)]
    pub github_api_url: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Where `--runner`'s job log is: repository, run id, runner name (from the EphemeralRunner).
fn runner_job(inv: &crate::model::Inventory, key: &str) -> Result<(String, i64, String), UsageError> {
    let (ns, name) =
        key.split_once('/').ok_or_else(|| UsageError(format!("--runner {key}: expected NAMESPACE/NAME")))?;
    let er_name = inv
        .pods
        .iter()
        .find(|p| p.metadata.ns() == ns && p.metadata.name == name)
        .and_then(|p| p.owner_ephemeral_runner())
        .unwrap_or(name);
    let er = inv
        .ephemeral_runner(ns, er_name)
        .ok_or_else(|| UsageError(format!("--runner {key}: no EphemeralRunner {ns}/{er_name} in {}", inv.source)))?;
    let st = &er.status;
    match (&st.job_repository_name, st.workflow_run_id) {
        (Some(repo), Some(run)) => {
            Ok((repo.clone(), run, st.runner_name.clone().unwrap_or_else(|| er.metadata.name.clone())))
        }
        _ => Err(UsageError(format!(
            "--runner {key}: the EphemeralRunner has no job (status.jobRepositoryName / workflowRunId are set only while it runs one)"
        ))),
    }
}

#[derive(Serialize)]
struct FoldedOut<'a> {
    sample: &'a str,
    count: u64,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    first_line: u64,
    last_line: u64,
    rate_per_sec: Option<f64>,
    source: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    folded: Vec<FoldedOut<'a>>,
    findings: &'a [Finding],
    lines: u64,
    evicted_lines: u64,
}

/// Run `explain`; returns the exit status (0 no error finding, 1 an error finding, 2 unusable input).
pub fn run(
    args: &ExplainArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, UsageError> {
    let has_source = args.source.demo || args.source.bundle.is_some();
    let inv = if has_source { Some(args.source.load()?) } else { None };
    let mut analysis = Analysis::new(FoldLimits::default());
    let read_err = |what: &str, e: std::io::Error| UsageError(format!("{what}: cannot read: {e}"));
    if let Some(key) = &args.runner {
        let inv = inv.as_ref().ok_or_else(|| {
            UsageError("--runner needs --bundle DIR or --demo: the EphemeralRunner's status names the job".into())
        })?;
        let (repo, run_id, runner) = runner_job(inv, key)?;
        let gh = crate::sources::github::GitHub::new(
            &args.github_api_url,
            crate::sources::github::token_from_env(&args.github_api_url),
        );
        let fetched = gh.find_job(&repo, run_id, &runner).and_then(|job| {
            let label = format!("github:{repo}/actions/runs/{run_id}/job/{} ({})", job.id, job.name);
            gh.job_log(&repo, job.id).map(|reader| (label, reader))
        });
        match fetched {
            Ok((label, reader)) => {
                analysis.begin_source(&label);
                for_each_line(BufReader::with_capacity(1 << 16, reader), MAX_LINE, |l| analysis.push(l))
                    .map_err(|e| read_err(&label, e))?;
            }
            Err(crate::sources::github::GitHubError::NoToken) => {
                // Nothing else breaks: say how to get a token and explain the runner's own logs.
                let _ =
                    writeln!(err, "note: cannot fetch the job log: {}", crate::sources::github::GitHubError::NoToken);
                let prefix = format!("logs/{key}/");
                for log in inv.logs.iter().filter(|l| l.path.contains(&prefix)) {
                    analysis.begin_source(&log.path);
                    for_each_line(log.text.as_bytes(), MAX_LINE, |l| analysis.push(l))
                        .map_err(|e| read_err(&log.path, e))?;
                }
            }
            Err(e) => return Err(UsageError(e.to_string())),
        }
    }
    match (&args.file, &inv) {
        _ if args.runner.is_some() => {}
        (Some(p), _) if p.as_os_str() == "-" => {
            analysis.begin_source("stdin");
            for_each_line(BufReader::new(stdin), MAX_LINE, |l| analysis.push(l)).map_err(|e| read_err("stdin", e))?;
        }
        (Some(p), _) => {
            let shown = p.display().to_string();
            let f = std::fs::File::open(p).map_err(|e| read_err(&shown, e))?;
            if f.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(UsageError(format!("{shown}: is a directory (pass a log file, or --bundle DIR)")));
            }
            analysis.begin_source(&shown);
            for_each_line(BufReader::with_capacity(1 << 16, f), MAX_LINE, |l| analysis.push(l))
                .map_err(|e| read_err(&shown, e))?;
        }
        (None, Some(inv)) => {
            if inv.logs.is_empty() {
                return Err(UsageError(format!("{}: holds no *.log files; pass a log file or `-`", inv.source)));
            }
            for log in &inv.logs {
                analysis.begin_source(&log.path);
                for_each_line(log.text.as_bytes(), MAX_LINE, |l| analysis.push(l))
                    .map_err(|e| read_err(&log.path, e))?;
            }
        }
        (None, None) => {
            analysis.begin_source("stdin");
            for_each_line(BufReader::new(stdin), MAX_LINE, |l| analysis.push(l)).map_err(|e| read_err("stdin", e))?;
        }
    }
    if let Some(inv) = &inv {
        let chains = resolve_all(inv, &CheckOptions::default()).map_err(UsageError)?;
        link::link(&mut analysis, &chains);
    }
    let source = inv.as_ref().map(|i| i.source.clone());
    match args.format {
        Format::Json => {
            let folded = analysis.folded().map(|e| folded_out(&analysis, e)).collect();
            let report = Report {
                folded,
                findings: &analysis.findings,
                lines: analysis.lines(),
                evicted_lines: analysis.evicted_lines(),
            };
            super::write_json(out, &report)?;
        }
        Format::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            super::output_result(write_text(out, &analysis, source.as_deref(), color))?;
        }
    }
    Ok(if analysis.has_error() { 1 } else { 0 })
}

fn folded_out<'a>(a: &Analysis, e: &'a Entry) -> FoldedOut<'a> {
    FoldedOut {
        sample: &e.sample,
        count: e.count,
        first_seen: e.first_seen.as_deref(),
        last_seen: e.last_seen.as_deref(),
        first_line: e.first_line,
        last_line: e.last_line,
        rate_per_sec: e.rate_per_sec(),
        source: a.entry_source(e),
    }
}

/// At most `max` characters of a log line, made safe for a terminal ([`shown`]).
fn cut(s: &str, max: usize) -> String {
    let s = if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    };
    shown(&s).into_owned()
}

fn write_text(out: &mut dyn Write, a: &Analysis, source: Option<&str>, color: bool) -> std::io::Result<()> {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let entries: Vec<&Entry> = a.folded().collect();
    writeln!(
        out,
        "arcscope explain{} — {} lines, {} folded",
        source.map(|s| format!(" ({})", shown(s))).unwrap_or_default(),
        a.lines(),
        entries.len()
    )?;
    if a.evicted_lines() > 0 {
        writeln!(out, "  ({} older lines fell out of the bounded buffer)", a.evicted_lines())?;
    }
    let mut last_source = None;
    for e in entries.iter().filter(|e| !e.sample.trim().is_empty()) {
        let src = a.entry_source(e);
        if src != last_source {
            writeln!(out)?;
            writeln!(out, "{}", paint("1", &shown(src.as_deref().unwrap_or("log"))))?;
            last_source = src;
        }
        let count = if e.count > 1 { paint("33", &format!("×{:<4}", e.count)) } else { "     ".to_string() };
        let span = match (&e.first_seen, &e.last_seen, e.count > 1) {
            (Some(f), Some(l), true) => {
                let rate = e.rate_per_sec().map(|r| format!(", {r:.2}/s")).unwrap_or_default();
                format!("   ({f} → {l}{rate})")
            }
            _ => String::new(),
        };
        writeln!(out, "  {count} {}{span}", cut(&e.sample, 220))?;
    }
    writeln!(out)?;
    if a.findings.is_empty() {
        writeln!(out, "no known failure signatures")?;
        return Ok(());
    }
    writeln!(out, "{}", paint("1", "Findings"))?;
    let mut fixed: Vec<(String, usize, String)> = Vec::new();
    for f in &a.findings {
        let (mark, code) = match f.severity {
            Severity::Error => ("✘", "31"),
            Severity::Warning => ("!", "33"),
            Severity::Info => ("·", "36"),
        };
        let times = if f.count > 1 { format!(" ×{}", f.count) } else { String::new() };
        let attempts = f.attempts.map(|(n, m)| format!(" (attempt {n} of {m})")).unwrap_or_default();
        // Where to look: the file and its own line number (not a count across every file read).
        let at = match a.locate(f.first_line) {
            Some((file, n)) => format!("{}:{n}", shown(file)),
            None => format!("line {}", f.first_line),
        };
        writeln!(out, "  {} {}{times}{attempts}  {at}", paint(code, mark), f.signature)?;
        writeln!(out, "      {}", cut(&f.sample, 300))?;
        writeln!(out, "      means: {}", shown(&f.message))?;
        match &f.linked_step {
            Some(l) => {
                writeln!(
                    out,
                    "      → hop {} {} → {}: {} by {}  ({}{})",
                    l.hop,
                    shown(&l.action),
                    shown(l.resource.rsplit('/').next().unwrap_or(&l.resource)),
                    l.decision.as_str(),
                    l.decided_by,
                    shown(&l.subject),
                    l.job.as_deref().map(|j| format!(", {}", shown(j))).unwrap_or_default()
                )?;
                // A step's fixes once: the findings after the first that explain it point back.
                let step = (l.subject.clone(), l.hop, l.action.clone());
                if fixed.contains(&step) {
                    if !l.fixes.is_empty() {
                        writeln!(out, "      fix: as above for hop {} {}", l.hop, shown(&l.action))?;
                    }
                } else {
                    for fix in &l.fixes {
                        writeln!(out, "      fix: {}", shown(fix))?;
                    }
                    fixed.push(step);
                }
            }
            None => {
                for fix in &f.fixes {
                    writeln!(out, "      fix: {}", shown(fix))?;
                }
            }
        }
    }
    Ok(())
}
