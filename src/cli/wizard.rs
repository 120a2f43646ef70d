//! `arcscope wizard --answers FILE.toml --out DIR`: the setup from an answers file, for review in
//! a pull request. The generated setup is simulated first; files are written only when every hop
//! is ✔, into a directory that does not exist or is empty, or with `--overwrite` (the setup's own
//! files replaced, nothing else touched).

use std::path::PathBuf;

use super::UsageError;
use crate::wizard::{Answers, generate, verify};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct WizardArgs {
    /// The answers (TOML: [github], [runners], [aws], [[targets]]; see the README)
    #[arg(long, value_name = "FILE.toml")]
    pub answers: Option<PathBuf>,
    /// Where to write the files (must not exist or be empty, unless --overwrite)
    #[arg(long, value_name = "DIR", requires = "answers")]
    pub out: Option<PathBuf>,
    /// Write into a --out directory that has files: the setup's own files are replaced, others kept
    #[arg(long, requires = "out")]
    pub overwrite: bool,
    /// Print a starting answers file, pre-filled from --demo, --bundle or a cluster; name the
    /// target roles in it, then pass it to --answers
    #[arg(long, conflicts_with_all = ["answers", "out"])]
    pub init: bool,
    /// Compare with what exists (`--demo`, `--bundle DIR`, a cluster flag, or live AWS alone with
    /// `--profile`/`--region`): a repair guide, and the permissions boundary's document
    #[command(flatten)]
    pub source: super::SourceArgs,
}

/// Exit 0 written (or, without `--out`, verified); 1 a hop or a granted action would fail (nothing
/// written); 2 bad answers.
pub fn run(args: &WizardArgs, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> Result<i32, UsageError> {
    if args.init {
        return init(args, out);
    }
    let Some(path) = &args.answers else {
        return Err(UsageError(
            "the interactive wizard needs a terminal: run arcscope wizard in one, or write the answers as TOML and run arcscope wizard --answers FILE.toml --out DIR"
                .into(),
        ));
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| UsageError(format!("{shown}: cannot read: {e}")))?;
    let answers = Answers::from_toml(&text).map_err(|e| UsageError(format!("{shown}: {e}")))?;
    let files = generate::generate(&answers);
    // What exists (`--demo`, `--bundle`, a cluster or account): the boundary's document comes from
    // it, and the repair guide compares against it.
    let s = &args.source;
    let existing = s.load_named()?;
    // What could not be read (a denied IAM read…): the verification below says unknown there.
    for w in existing.iter().flat_map(|inv| inv.warnings.iter().chain(&inv.iam_warnings)) {
        let _ = writeln!(err, "arcscope: ⚠ {}", crate::text::shown(w));
    }
    let verification =
        verify::verify(&answers, &files, existing.as_ref()).map_err(|e| UsageError(format!("verification: {e}")))?;
    let color = false;
    super::output_result(super::check::write_text(out, "the generated setup", &verification.chains, color))?;
    write_actions(out, &answers, &verification);
    // A repair guide: what exists, against the generated setup, and how the generated jobs would
    // fare on it today.
    if let Some(mut existing) = existing {
        let differences = verify::diff(&answers, &existing);
        let _ = writeln!(out, "\nagainst {}:", existing.source);
        if differences.is_empty() {
            let _ = writeln!(out, "  nothing missing");
        }
        for d in &differences {
            let _ = writeln!(out, "  ✘ {d}");
        }
        if let Some(wf) = files.iter().find(|f| f.path == "workflows/aws-roles.yml") {
            existing.workflows.clear();
            crate::sources::bundle::add_file(&mut existing, "wizard:workflows/aws-roles.yml", wf.text.as_bytes())
                .map_err(|e| UsageError(e.to_string()))?;
            let today =
                crate::chain::resolve_all(&existing, &crate::chain::CheckOptions::default()).map_err(UsageError)?;
            let today: Vec<_> =
                today.into_iter().filter(|c| c.job.as_deref().is_some_and(|j| j.contains("aws-roles.yml"))).collect();
            if !today.is_empty() {
                let _ = writeln!(out);
                super::output_result(super::check::write_text(
                    out,
                    "the existing setup running the generated jobs",
                    &today,
                    color,
                ))?;
            }
        }
    }
    if !verification.allowed() {
        let _ = writeln!(err, "arcscope: the generated setup would fail (above): nothing written");
        return Ok(1);
    }
    let Some(dir) = &args.out else {
        let _ = writeln!(err, "every hop ✔; pass --out DIR to write the {} files", files.len());
        return Ok(0);
    };
    let what = match crate::wizard::write_files(dir, &files, args.overwrite) {
        Ok(w) => w.describe(dir),
        Err(e @ crate::wizard::WriteError::NotEmpty { .. }) => {
            return Err(UsageError(format!("{e}: pass --overwrite to replace the setup's files there")));
        }
        Err(e) => return Err(UsageError(e.to_string())),
    };
    let _ = writeln!(err, "every hop ✔; {what} (apply order: its README.md)");
    Ok(0)
}

/// The target roles' actions: a count when all are allowed, each one that is not with the
/// statements that decide it.
fn write_actions(out: &mut dyn std::io::Write, answers: &Answers, v: &verify::Verification) {
    if v.actions.is_empty() && v.unchecked.is_empty() {
        return;
    }
    let under = match &answers.aws.permissions_boundary {
        Some(b) => format!(" under the permissions boundary {b}"),
        None => String::new(),
    };
    let ok = v.actions.len() - v.failing_actions();
    let _ = writeln!(out, "\nthe target roles' permissions{under}: {ok} of {} actions allowed", v.actions.len());
    for p in v.action_problems() {
        let _ = writeln!(out, "  {}", p.headline);
        for why in &p.why {
            let _ = writeln!(out, "    {why}");
        }
    }
    for u in &v.unchecked {
        let _ = writeln!(out, "  ? not checked: {u}");
    }
}

/// `--init`: the answers the TUI form would start from, as a file to edit.
fn init(args: &WizardArgs, out: &mut dyn std::io::Write) -> Result<i32, UsageError> {
    let named = args.source.load_named()?;
    let from = named.as_ref().map_or(String::new(), |inv| format!(" (pre-filled from {})", inv.source));
    let existing = named.unwrap_or_default();
    // The scale set of `-n` when given; the role its jobs assume, from their chains.
    let chains = crate::chain::resolve_all(&existing, &crate::chain::CheckOptions::default()).unwrap_or_default();
    let prefill =
        crate::wizard::form::Prefill::for_scale_set(&existing, &chains, None, args.source.namespace.as_deref());
    let form = crate::wizard::form::WizardForm::new(&prefill);
    let text = form.to_toml().map_err(|e| UsageError(e.to_string()))?;
    let _ = write!(
        out,
        "# arcscope wizard answers{from}: name each [[targets]] role and its preset (ecr-push, ecr-pull,\n# s3-read, s3-read-write with bucket, custom with policy), then\n#   arcscope wizard --answers THIS_FILE --out DIR\n{text}"
    );
    Ok(0)
}
