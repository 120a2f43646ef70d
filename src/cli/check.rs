//! `arcscope check`: every runner's identity chain, as text or as the stable JSON contract.

use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::chain::{Chain, CheckOptions, Step, Verdict, resolve_all};
use crate::iam::eval::Decision;
use crate::model::workflow;
use crate::text::shown;

use super::{SourceArgs, UsageError};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Check one runner: NAMESPACE/NAME of a pod, EphemeralRunner or scale set
    #[arg(long, value_name = "NAMESPACE/NAME")]
    pub pod: Option<String>,
    /// A workflow file whose configure-aws-credentials steps apply to every runner (repeatable)
    #[arg(long, value_name = "FILE")]
    pub workflow: Vec<PathBuf>,
    /// Simulate this target role instead of what the workflows say
    #[arg(long, value_name = "ARN")]
    pub role_to_assume: Option<String>,
    /// Simulate `role-skip-session-tagging: true`
    #[arg(long)]
    pub skip_session_tagging: bool,
    /// Simulate `role-duration-seconds`
    #[arg(long, value_name = "N")]
    pub duration_seconds: Option<u32>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Serialize)]
struct Report<'a> {
    chains: &'a [Chain],
    /// `[{role, policy, statement, code, message}]`: what the policies get wrong beside the
    /// verdicts (never changing one).
    lint: &'a [crate::chain::lint::Lint],
}

/// `--workflow` files, parsed, with their text.
pub(super) fn read_workflows(paths: &[std::path::PathBuf]) -> Result<Vec<(workflow::Workflow, String)>, UsageError> {
    let mut workflows = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| UsageError(format!("{shown}: cannot read: {e}")))?;
        let docs = crate::sources::bundle::parse_yaml(&text)
            .map_err(|e| UsageError(format!("{shown}: malformed YAML: {e}")))?;
        let doc = docs
            .into_iter()
            .find(workflow::is_workflow)
            .ok_or_else(|| UsageError(format!("{shown}: not a GitHub workflow (no `jobs:` map)")))?;
        workflows.push((workflow::parse(&shown, &doc), text));
    }
    Ok(workflows)
}

/// Run `check`; returns the exit status (0 all allowed, 1 a denial or unknown, 2 unusable input).
pub fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, UsageError> {
    let workflows = read_workflows(&args.workflow)?.into_iter().map(|(w, _)| w).collect();
    if let Some(pod) = &args.pod
        && !pod.contains('/')
    {
        return Err(UsageError(format!("--pod {pod}: expected NAMESPACE/NAME")));
    }
    let opts = CheckOptions {
        pod: args.pod.clone(),
        workflows,
        role_to_assume: args.role_to_assume.clone(),
        skip_session_tagging: args.skip_session_tagging,
        duration_seconds: args.duration_seconds,
    };
    let inv = args.source.load_for(&opts)?;
    let chains = resolve_all(&inv, &opts).map_err(UsageError)?;
    for w in inv.warnings.iter().chain(&inv.iam_warnings) {
        let _ = writeln!(err, "warning: {}", shown(w));
    }
    for f in &inv.unknown_files {
        let _ =
            writeln!(err, "note: {}: valid JSON/YAML of a shape arcscope does not use; kept for browsing", shown(f));
    }
    // Lint of the roles the chains touch: beside the verdicts, never changing one (#16.6).
    let lint = crate::chain::lint::lint_roles(&inv, crate::chain::lint::roles_of(&chains));
    match args.format {
        Format::Json => {
            super::write_json(out, &Report { chains: &chains, lint: &lint })?;
        }
        Format::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            super::output_result(write_text(out, &inv.source, &chains, color))?;
            super::output_result(write_lint(out, &lint))?;
        }
    }
    Ok(if !chains.is_empty() && chains.iter().all(|c| c.verdict == Verdict::Allow) || chains.is_empty() {
        0
    } else {
        1
    })
}

/// The lint section of the text report: one line per finding, after the chains.
pub fn write_lint(out: &mut dyn Write, lint: &[crate::chain::lint::Lint]) -> std::io::Result<()> {
    if lint.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "lint ({}; never changes a verdict):", lint.len())?;
    for l in lint {
        writeln!(out, "  {} {} statement {}: {}", l.code, shown(&l.policy), l.statement, shown(&l.message))?;
    }
    Ok(())
}

fn mark(d: Decision, color: bool) -> String {
    let (sym, code) = match d {
        Decision::Allow => ("✔", "32"),
        Decision::ImplicitDeny | Decision::ExplicitDeny | Decision::Error => ("✘", "31"),
        Decision::Unknown => ("?", "33"),
    };
    if color { format!("\x1b[{code}m{sym}\x1b[0m") } else { sym.to_string() }
}

fn verdict_mark(v: Verdict, color: bool) -> String {
    mark(
        match v {
            Verdict::Allow => Decision::Allow,
            Verdict::Deny => Decision::ImplicitDeny,
            Verdict::Unknown => Decision::Unknown,
        },
        color,
    )
}

/// A role by its name; any other resource (a repository, a bucket's objects) as its ARN.
fn role_name(arn: &str) -> &str {
    if arn.contains(":role/") { arn.rsplit('/').next().unwrap_or(arn) } else { arn }
}

/// The text report: one block per chain, a line per step, the deciding statement, the fix.
pub fn write_text(out: &mut dyn Write, source: &str, chains: &[Chain], color: bool) -> std::io::Result<()> {
    writeln!(out, "arcscope check — {} (read-only)", shown(source))?;
    if chains.is_empty() {
        writeln!(out, "no runner pods, EphemeralRunners or scale sets found")?;
        return Ok(());
    }
    // Runners of one scale set whose chains are the same, step for step, are one block with a
    // count: 40 identical runners are one finding, not 40 (#15.15).
    let signature = |c: &Chain| {
        (
            c.scale_set.clone(),
            c.service_account.clone(),
            c.job.clone(),
            serde_json::to_string(&c.steps).unwrap_or_default(),
        )
    };
    let signatures: Vec<_> = chains.iter().map(signature).collect();
    let mut shown_already = vec![false; chains.len()];
    for (i, c) in chains.iter().enumerate() {
        if shown_already[i] {
            continue;
        }
        let same: Vec<usize> = (i + 1..chains.len())
            .filter(|&j| !shown_already[j] && c.scale_set.is_some() && signatures[j] == signatures[i])
            .collect();
        for &j in &same {
            shown_already[j] = true;
        }
        writeln!(out)?;
        let subject = shown(&c.subject);
        let (star, verdict) = if c.assumed() { ("*", "allow (assumed)") } else { ("", c.verdict.as_str()) };
        writeln!(out, "{}{star} {verdict} {subject}  [{}]", verdict_mark(c.verdict, color), kind(c))?;
        if !same.is_empty() {
            let names: Vec<String> = same.iter().map(|&j| shown(&chains[j].subject).to_string()).collect();
            writeln!(out, "  ×{} runners with this same chain: {} and {}", same.len() + 1, subject, names.join(", "))?;
        }
        let mut facts = vec![
            format!("service account {}", shown(&c.service_account)),
            format!("credentials {}", c.credential_source),
        ];
        if let Some(s) = &c.scale_set {
            facts.insert(0, format!("scale set {}", shown(s)));
        }
        writeln!(out, "  {}", facts.join(" · "))?;
        if let Some(j) = &c.job {
            writeln!(out, "  job {}", shown(j))?;
        }
        for n in &c.notes {
            writeln!(out, "  note: {}", shown(n))?;
        }
        for s in &c.steps {
            write_step(out, s, color)?;
        }
    }
    let count = |v: Verdict| chains.iter().filter(|c| c.verdict == v).count();
    writeln!(out)?;
    writeln!(
        out,
        "{} {}: {} allow, {} deny, {} unknown",
        chains.len(),
        if chains.len() == 1 { "chain" } else { "chains" },
        count(Verdict::Allow),
        count(Verdict::Deny),
        count(Verdict::Unknown)
    )?;
    Ok(())
}

fn kind(c: &Chain) -> &'static str {
    match c.subject_kind {
        crate::chain::SubjectKind::Pod => "pod",
        crate::chain::SubjectKind::EphemeralRunner => "EphemeralRunner, no pod",
        crate::chain::SubjectKind::AutoscalingRunnerSet => "scale set, no runner",
    }
}

fn write_step(out: &mut dyn Write, s: &Step, color: bool) -> std::io::Result<()> {
    let decided = match s.decision {
        Decision::Allow => format!("allowed by {}", s.decided_by),
        d => format!("{} by {}", d.as_str(), s.decided_by),
    };
    let star = if s.decision == Decision::Allow && !s.assumptions.is_empty() { "*" } else { "" };
    writeln!(
        out,
        "  {}{star} hop {} {} → {}   {}   via {}",
        mark(s.decision, color),
        s.hop,
        shown(&s.action),
        shown(role_name(&s.resource)),
        decided,
        shown(&s.via)
    )?;
    for st in &s.statements {
        let sid = st.sid.as_deref().map(|x| format!(" (Sid {})", shown(x))).unwrap_or_default();
        writeln!(out, "      {} statement {}{} of {}", st.effect, st.index, sid, shown(&st.policy))?;
    }
    if s.decision != Decision::Allow {
        for m in &s.non_matching {
            let sid = m.sid.as_deref().map(|x| format!(" (Sid {})", shown(x))).unwrap_or_default();
            writeln!(out, "      why: {} statement {}{}: {}", shown(&m.policy), m.index, sid, shown(&m.reason))?;
        }
    }
    for a in &s.assumptions {
        writeln!(out, "      assumed: {}", shown(a))?;
    }
    if let Some(m) = &s.message {
        writeln!(out, "      error: {}", shown(m))?;
    }
    if let (Some(d), Some(m)) = (&s.documented_message, &s.message)
        && d != m
    {
        writeln!(out, "      documented form: {}", shown(d))?;
    }
    for n in &s.notes {
        writeln!(out, "      note: {}", shown(n))?;
    }
    for f in &s.fixes {
        writeln!(out, "      fix: {}", shown(f))?;
    }
    Ok(())
}
