//! `arcscope bundle export DIR`: what the live source sees, written in the bundle format (objects
//! as `kubectl get -o json` Lists, the issuer document, recent logs, IAM as read from AWS) so an on-call engineer can
//! hand the incident to someone else. Secrets are never read, so never written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{SourceArgs, UsageError};
use crate::model::Inventory;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExportArgs {
    /// Directory to write (must not exist or be empty)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// A workflow whose jobs' requests should be read for (the repositories it pushes to):
    /// written into the bundle as workflows/NAME (repeatable)
    #[arg(long, value_name = "FILE")]
    pub workflow: Vec<PathBuf>,
    #[command(flatten)]
    pub source: SourceArgs,
}

fn write(path: &Path, text: &str) -> Result<(), UsageError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| UsageError(format!("{}: cannot create: {e}", parent.display())))?;
    }
    std::fs::write(path, text).map_err(|e| UsageError(format!("{}: cannot write: {e}", path.display())))
}

/// Write `inv` as a bundle into `dir`. Returns the number of files written.
pub fn write_bundle(inv: &Inventory, dir: &Path) -> Result<usize, UsageError> {
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(UsageError(format!(
            "{}: exists and is not empty; arcscope does not overwrite, pick a new directory",
            dir.display()
        )));
    }
    let mut by_kind: BTreeMap<(&str, &str), Vec<serde_json::Value>> = BTreeMap::new();
    for o in &inv.objects {
        if o.kind == "Secret" {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&o.raw).map_err(|e| UsageError(format!("{} {}: {e}", o.kind, o.name)))?;
        by_kind.entry((o.api_version.as_str(), o.kind.as_str())).or_default().push(v);
    }
    let mut files = 0;
    for ((api_version, kind), items) in by_kind {
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items});
        let group = api_version.split('/').next().filter(|g| g.contains('.')).unwrap_or("core");
        let name = format!("k8s/{group}-{}.json", kind.to_lowercase());
        write(&dir.join(name), &(serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"))?;
        files += 1;
    }
    if let Some(issuer) = &inv.cluster_issuer {
        let doc = serde_json::json!({"issuer": issuer, "jwks_uri": format!("{}/openid/v1/jwks", issuer.trim_end_matches('/'))});
        write(&dir.join("cluster/openid-configuration.json"), &(doc.to_string() + "\n"))?;
        files += 1;
    }
    // IAM as read live: `get-account-authorization-details` per account, `get-role`, OIDC providers.
    for (name, doc) in &inv.aws_documents {
        // Names carry ids from AWS's answers and repository names from workflows: never a path
        // out of the bundle.
        if std::path::Path::new(name).components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(UsageError(format!("{name}: not a path inside the bundle; nothing more written")));
        }
        write(&dir.join(name), &(serde_json::to_string_pretty(doc).unwrap_or_default() + "\n"))?;
        files += 1;
    }
    for log in &inv.logs {
        write(&dir.join(&log.path), &log.text)?;
        files += 1;
    }
    Ok(files)
}

pub fn run(args: &ExportArgs) -> Result<i32, UsageError> {
    if args.source.demo || args.source.bundle.is_some() {
        return Err(UsageError("bundle export writes what the live cluster shows: drop --demo/--bundle".into()));
    }
    let workflows = super::check::read_workflows(&args.workflow)?;
    let opts = crate::chain::CheckOptions {
        workflows: workflows.iter().map(|(w, _)| w.clone()).collect(),
        ..Default::default()
    };
    let inv = args.source.load_for(&opts)?;
    let mut n = write_bundle(&inv, &args.dir)?;
    for (path, (_, text)) in args.workflow.iter().zip(&workflows) {
        let name = path.file_name().map_or_else(|| "workflow.yml".into(), |f| f.to_string_lossy().into_owned());
        write(&args.dir.join("workflows").join(name), text)?;
        n += 1;
    }
    eprintln!("wrote {n} files to {} (Secrets are never read or written)", args.dir.display());
    for w in inv.warnings.iter().chain(&inv.iam_warnings) {
        eprintln!("warning: {w}");
    }
    Ok(0)
}
