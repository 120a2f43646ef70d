//! arcscope: the binary. Parses flags, runs a command, maps errors to exit status 2.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

use arcscope::cli::SourceArgs;
use arcscope::cli::check::{self, CheckArgs};

/// Why can't my ARC runner get its AWS role? Joins runner scale sets, pods, service accounts and
/// IAM roles, and simulates every assume-role hop. Read-only.
#[derive(Debug, Parser)]
#[command(name = "arcscope", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate every runner's identity chain and explain each denial (exit 0 all allowed, 1 denied, 2 bad input)
    Check(CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Check(mut a)) => {
            a.source.demo |= cli.source.demo;
            a.source.bundle = a.source.bundle.or(cli.source.bundle);
            a
        }
        // Until the TUI lands (#4), the bare command prints the check report.
        None => CheckArgs { source: cli.source, ..CheckArgs::default() },
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    match check::run(&args, &mut stdout.lock(), &mut stderr.lock()) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("arcscope: {e}");
            ExitCode::from(2)
        }
    }
}
