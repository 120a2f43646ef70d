//! The command line: flags, sources, and the `check` report. The binary is a thin wrapper.

pub mod check;
pub mod config;
pub mod explain;
pub mod export;
pub mod wizard;

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
    /// Live cluster: kubeconfig file (default: KUBECONFIG, then ~/.kube/config)
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Live cluster: kubeconfig context
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,
    /// Live cluster: one namespace (default: all the user may list)
    #[arg(short = 'n', long, value_name = "NAMESPACE", global = true, conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Live cluster: all namespaces (the default)
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// Live AWS: the profile to read IAM with (default: AWS_PROFILE, then the default chain)
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,
    /// Live AWS: the region (default: AWS_REGION, then the profile's)
    #[arg(long, value_name = "REGION", global = true)]
    pub region: Option<String>,
    /// Live AWS: read another account the chains reach with this profile (repeatable)
    #[arg(long = "aws-profile", value_name = "ACCOUNT_ID=PROFILE", global = true, value_parser = parse_account_profile)]
    pub aws_profiles: Vec<(String, String)>,
    /// Live AWS: the EKS cluster whose issuer and Pod Identity associations to read (default: the
    /// one the kubeconfig context names, as `aws eks update-kubeconfig` writes it)
    #[arg(long, value_name = "NAME", global = true)]
    pub eks_cluster: Option<String>,
    /// Live: do not read AWS (IAM hops say unknown unless --bundle brings an IAM dump)
    #[arg(long, global = true)]
    pub no_aws: bool,
}

fn parse_account_profile(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, p)) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => {
            Ok((a.to_string(), p.to_string()))
        }
        _ => Err(format!("{s:?}: expected ACCOUNT_ID=PROFILE, a 12-digit account ID and a profile name")),
    }
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
    /// The live cluster's connection flags, when the source is live.
    pub fn live_args(&self) -> Option<crate::sources::cluster::LiveArgs> {
        (!self.demo && (self.bundle.is_none() || self.live_flags())).then(|| crate::sources::cluster::LiveArgs {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone().filter(|_| !self.all_namespaces),
        })
    }

    pub fn aws_args(&self) -> crate::sources::aws::AwsArgs {
        crate::sources::aws::AwsArgs {
            profile: self.profile.clone(),
            region: self.region.clone(),
            account_profiles: self.aws_profiles.clone(),
            observer: None,
            eks_cluster: match &self.eks_cluster {
                Some(name) => {
                    Some(crate::sources::context::EksCluster { name: name.clone(), region: self.region.clone() })
                }
                None if self.live_flags() || self.bundle.is_none() => {
                    crate::sources::context::eks_cluster(self.kubeconfig.as_deref(), self.context.as_deref())
                }
                None => None,
            },
        }
    }

    /// A cluster flag was given: with `--bundle`, the live cluster joins the bundle.
    fn live_flags(&self) -> bool {
        self.kubeconfig.is_some() || self.context.is_some() || self.namespace.is_some() || self.all_namespaces
    }

    /// A source was named on the command line (the wizard connects to nothing unasked).
    pub fn named(&self) -> bool {
        self.demo || self.bundle.is_some() || self.live_flags()
    }

    /// Live AWS was named on the command line (`--profile`, `--region`, `--aws-profile`), with no
    /// cluster: the wizard then reads the caller's account alone.
    pub fn names_aws(&self) -> bool {
        !self.no_aws && (self.profile.is_some() || self.region.is_some() || !self.aws_profiles.is_empty())
    }

    /// The wizard's data: what was named — a bundle, the demo, a cluster (with live AWS), or live
    /// AWS alone. `None`: nothing was named (it connects to nothing unasked).
    pub fn load_named(&self) -> Result<Option<Inventory>, UsageError> {
        if self.named() {
            return self.load().map(Some);
        }
        if !self.names_aws() {
            return Ok(None);
        }
        let mut inv = Inventory { source: "live AWS".into(), ..Inventory::default() };
        crate::sources::aws::load_live_blocking(&mut inv, &self.aws_args(), &crate::chain::CheckOptions::default());
        Ok(Some(inv))
    }

    /// IAM comes from live AWS: neither the demo nor a bundle brings it, and AWS is not switched off.
    pub fn reads_aws(&self) -> bool {
        !self.demo && self.bundle.is_none() && !self.no_aws
    }

    pub fn load(&self) -> Result<Inventory, UsageError> {
        self.load_for(&crate::chain::CheckOptions::default())
    }

    /// Load; live AWS reads the roles the chains of `opts` reach (its `--workflow` files too).
    pub fn load_for(&self, opts: &crate::chain::CheckOptions) -> Result<Inventory, UsageError> {
        if self.demo {
            return crate::demo::load().map_err(|e| UsageError(format!("embedded demo: {e}")));
        }
        if let Some(dir) = &self.bundle
            && !self.live_flags()
        {
            return crate::sources::bundle::load_dir(dir).map_err(|e| UsageError(e.to_string()));
        }
        // Live: the cluster of the kubeconfig context, read-only; IAM from live AWS, or from the
        // bundle when one is joined.
        let args = self.live_args().expect("neither demo nor a bundle alone: live");
        let mut inv = crate::sources::cluster::load_blocking(&args).map_err(|e| UsageError(e.to_string()))?;
        self.join(&mut inv, opts)?;
        Ok(inv)
    }

    /// For the TUI: the inventory to open the screen on before anything is read from the
    /// network. Live, it holds no cluster data yet (the watches' lists fill it page by page) but
    /// the joined bundle's IAM, workflows and logs; a kubeconfig that cannot be used is still an
    /// error here, before the screen. Offline, the whole source.
    pub fn open(&self) -> Result<Inventory, UsageError> {
        let Some(args) = self.live_args() else { return self.load() };
        let url = crate::sources::cluster::server_url(&args).map_err(|e| UsageError(e.to_string()))?;
        let mut inv = Inventory { source: format!("live {url}"), ..Inventory::default() };
        if let Some(dir) = &self.bundle {
            inv.merge_offline(crate::sources::bundle::load_dir(dir).map_err(|e| UsageError(e.to_string()))?);
        }
        Ok(inv)
    }

    /// The bundle's IAM, workflows and logs, or live AWS, joined to a live cluster's data.
    fn join(&self, inv: &mut Inventory, opts: &crate::chain::CheckOptions) -> Result<(), UsageError> {
        // `--bundle` with cluster flags: the live cluster, joined with the bundle's IAM, workflows, logs.
        if let Some(dir) = &self.bundle {
            inv.merge_offline(crate::sources::bundle::load_dir(dir).map_err(|e| UsageError(e.to_string()))?);
        } else if self.reads_aws() {
            crate::sources::aws::load_live_blocking(inv, &self.aws_args(), opts);
        }
        Ok(())
    }
}
