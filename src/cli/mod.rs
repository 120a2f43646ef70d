//! The command line: flags, sources, and the `check` report. The binary is a thin wrapper.

pub mod check;
pub mod config;
pub mod explain;

use std::path::PathBuf;

use crate::model::Inventory;

/// Where the data comes from.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SourceArgs {
    /// Use the embedded demo scenario
    #[arg(long, conflicts_with = "bundle", global = true)]
    pub demo: bool,
    /// Read an offline bundle directory (kubectl and AWS CLI JSON/YAML outputs, workflows, logs)
    #[arg(long, value_name = "DIR", global = true)]
    pub bundle: Option<PathBuf>,
}

/// An error for the user: printed on stderr, exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Output errors: a closed pipe (`arcscope check | head`) ends the output quietly.
pub(crate) fn output_result(r: std::io::Result<()>) -> Result<(), UsageError> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(UsageError(format!("cannot write the report: {e}"))),
        Ok(()) => Ok(()),
    }
}

/// The JSON report, then a newline.
pub(crate) fn write_json(out: &mut dyn std::io::Write, value: &impl serde::Serialize) -> Result<(), UsageError> {
    output_result(
        serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from).and_then(|()| writeln!(out)),
    )
}

impl SourceArgs {
    pub fn load(&self) -> Result<Inventory, UsageError> {
        if self.demo {
            return crate::demo::load().map_err(|e| UsageError(format!("embedded demo: {e}")));
        }
        if let Some(dir) = &self.bundle {
            return crate::sources::bundle::load_dir(dir).map_err(|e| UsageError(e.to_string()));
        }
        Err(UsageError(
            "no data source: pass --demo or --bundle DIR (reading a live cluster and AWS account arrives with the live sources)".into(),
        ))
    }
}
