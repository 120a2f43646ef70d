//! arcscope: the binary. Parses flags, runs a command, maps errors to exit status 2.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

use arcscope::app::App;
use arcscope::app::state::Options;
use arcscope::cli::{SourceArgs, UsageError, config};
use std::io::IsTerminal;

fn tui(source: &SourceArgs, theme: Option<&str>, mouse: bool, allow_live_probe: bool) -> Result<i32, UsageError> {
    // Live AWS is read in the background once the screen is up (the header shows its progress),
    // so a slow or throttled account does not hold the first frame.
    let aws_live = source.reads_aws();
    // Live, the screen opens before anything is read: the watches' lists fill it as pages arrive.
    let inv = source.open()?;
    let theme = config::load_theme(theme)?;
    // A bundle (or the demo) shows the cluster as it was when taken: ages read from then.
    let captured = if source.live_args().is_some() { None } else { inv.captured_at().map(config::rfc3339) };
    let at = captured.clone().unwrap_or_else(config::now_hms);
    let (contexts, context) = source.live_args().map(|a| arcscope::sources::cluster::contexts(&a)).unwrap_or_default();
    let options = Options {
        keymap: config::load_keymap(),
        loaded_at: at,
        captured: captured.is_some(),
        live: source.live_args().is_some(),
        aws_live,
        allow_live_probe,
        replay: source.demo,
        tmux: std::env::var_os("TMUX").is_some(),
        contexts,
        context,
    };
    let app = App::new(inv, options);
    // A live cluster: watched, so the screen follows the cluster; live AWS: read, and for the
    // probe's STS calls.
    let aws = aws_live.then(|| source.aws_args());
    arcscope::tui::run(app, &theme, mouse, source.live_args(), aws)
        .map_err(|e| UsageError(format!("terminal: {e}")))?;
    Ok(0)
}
/// The TUI opened on the wizard; a source only when one is named (never a surprise connection).
fn wizard_tui(source: &SourceArgs, theme: Option<&str>) -> Result<i32, UsageError> {
    let inv = source
        .load_named()?
        .unwrap_or_else(|| arcscope::model::Inventory { source: "wizard".into(), ..Default::default() });
    let theme = config::load_theme(theme)?;
    // A bundle is shown as of when it was taken, as the main TUI shows it (#15.14).
    let captured = inv.captured_at().map(config::rfc3339);
    let at = captured.clone().unwrap_or_else(config::now_hms);
    let options = Options { keymap: config::load_keymap(), captured: captured.is_some(), ..Options::at(at) };
    let mut app = App::new(inv, options);
    if let Some(ns) = &source.namespace {
        app.run_command(&format!("ns {ns}"));
    }
    app.open_wizard();
    arcscope::tui::run(app, &theme, false, None, None).map_err(|e| UsageError(format!("terminal: {e}")))?;
    Ok(0)
}

use arcscope::cli::check::{self, CheckArgs};
use arcscope::cli::explain::{self, ExplainArgs};

/// Why can't my ARC runner get its AWS role? Joins runner scale sets, pods, service accounts and
/// IAM roles, and simulates every assume-role hop. Read-only.
#[derive(Debug, Parser)]
#[command(name = "arcscope", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    source: SourceArgs,
    /// Theme: dark (default), light, mono, or a TOML file (partial files merge over dark)
    #[arg(long, value_name = "NAME|FILE", global = true)]
    theme: Option<String>,
    /// Mouse in the TUI: wheel scrolls, click selects, click again opens (off by default so the
    /// terminal's own selection and copy keep working)
    #[arg(long)]
    mouse: bool,
    /// Offer the live probe (`P` in a chain): after a confirmation that lists every call, create a
    /// service account token for the runner (and, with live AWS, assume its roles). Off by default
    #[arg(long)]
    allow_live_probe: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate every runner's identity chain and explain each denial (exit 0 all allowed, 1 denied, 2 bad input)
    Check(CheckArgs),
    /// Print the version and every path arcscope reads (config, keymap, theme)
    Info,
    /// Offline bundles
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// The setup wizard: from answers (TOML) to Helm values, the ServiceAccount, IAM (JSON, Terraform, CDK) and the workflow, every hop simulated before writing (exit 0 written, 1 a hop or a granted action would fail, 2 bad answers)
    Wizard(arcscope::cli::wizard::WizardArgs),
    /// Fold a log's repeated lines, recognise known failures and link them to the failing hop (exit 0 none, 1 an error, 2 bad input)
    Explain(ExplainArgs),
}

#[derive(Debug, Subcommand)]
enum BundleCommand {
    /// Write what the live cluster shows as a bundle directory (Secrets excluded)
    Export(arcscope::cli::export::ExportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let result = match cli.command {
        Some(Command::Explain(mut a)) => {
            a.source.demo |= cli.source.demo;
            a.source.bundle = a.source.bundle.or(cli.source.bundle.clone());
            explain::run(&a, &mut std::io::stdin().lock(), &mut stdout.lock(), &mut stderr.lock())
        }
        Some(Command::Check(mut a)) => {
            a.source.demo |= cli.source.demo;
            a.source.bundle = a.source.bundle.or(cli.source.bundle);
            check::run(&a, &mut stdout.lock(), &mut stderr.lock())
        }
        Some(Command::Bundle(BundleCommand::Export(mut a))) => {
            a.source.kubeconfig = a.source.kubeconfig.or(cli.source.kubeconfig);
            a.source.context = a.source.context.or(cli.source.context);
            a.source.namespace = a.source.namespace.or(cli.source.namespace);
            arcscope::cli::export::run(&a)
        }
        // `arcscope wizard` on a terminal: the TUI, in the wizard, pre-filled from the source if one
        // is given (--demo, --bundle, a cluster flag).
        Some(Command::Wizard(mut a)) if a.answers.is_none() && !a.init && std::io::stdout().is_terminal() => {
            a.source.demo |= cli.source.demo;
            a.source.bundle = a.source.bundle.or(cli.source.bundle);
            wizard_tui(&a.source, cli.theme.as_deref())
        }
        Some(Command::Wizard(mut a)) => {
            a.source.demo |= cli.source.demo;
            a.source.bundle = a.source.bundle.or(cli.source.bundle);
            arcscope::cli::wizard::run(&a, &mut stdout.lock(), &mut stderr.lock())
        }
        Some(Command::Info) => {
            print!("{}", config::info());
            Ok(0)
        }
        // The TUI; when stdout is not a terminal (a pipe, CI), the check report instead.
        None if std::io::stdout().is_terminal() => {
            tui(&cli.source, cli.theme.as_deref(), cli.mouse, cli.allow_live_probe)
        }
        None => check::run(
            &CheckArgs { source: cli.source, ..CheckArgs::default() },
            &mut stdout.lock(),
            &mut stderr.lock(),
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("arcscope: {}", arcscope::text::shown_lines(&e.to_string()));
            ExitCode::from(2)
        }
    }
}
