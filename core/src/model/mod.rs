//! The one model every source fills and every view reads: Kubernetes objects (of a [`Kind`]),
//! IAM, workflows, logs. The bundle loader, the demo, the live cluster's lists and watches and
//! live AWS all fill an `Inventory`; live changes upsert and remove objects in place.

pub mod aws;
pub mod k8s;
pub mod kind;
pub mod object;
pub mod org;
pub mod workflow;

use std::collections::{BTreeMap, BTreeSet};

use crate::iam::arn;
use crate::iam::policy::PolicyDocument;
use aws::{ManagedPolicy, OidcProvider, PodIdentityAssociation, Role};
use k8s::*;
pub use kind::Kind;
pub use object::{Parsed, Typed};
use workflow::Workflow;

/// A Kubernetes object kept for browsing: compact JSON text (`managedFields` dropped), parsed
/// again only when shown, so a big dump costs about its own size in memory.
#[derive(Debug, Clone)]
pub struct KubeObject {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub raw: Box<str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogKind {
    /// `logs/<namespace>/<pod>/<container>.log`
    Container { namespace: String, pod: String, container: String },
    /// Any other `*.log`: a GitHub job log.
    Job,
}

#[derive(Debug, Clone)]
pub struct LogFile {
    pub path: String,
    pub kind: LogKind,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Where the data came from: `demo`, a bundle path, a live context.
    pub source: String,
    pub pods: Vec<Pod>,
    pub service_accounts: Vec<ServiceAccount>,
    pub namespaces: BTreeSet<String>,
    pub events: Vec<Event>,
    pub runner_sets: Vec<AutoscalingRunnerSet>,
    pub ephemeral_runner_sets: Vec<EphemeralRunnerSet>,
    pub ephemeral_runners: Vec<EphemeralRunner>,
    pub listeners: Vec<AutoscalingListener>,
    /// Every object for browsing, unknown kinds included; never Secrets.
    pub objects: Vec<KubeObject>,
    /// Secrets seen and skipped (count only; their data is never read).
    pub secrets_skipped: usize,
    /// Roles by ARN, across accounts.
    pub roles: BTreeMap<String, Role>,
    pub managed_policies: BTreeMap<String, ManagedPolicy>,
    /// Accounts whose full authorization details were loaded.
    pub iam_accounts: BTreeSet<String>,
    /// Accounts not read whole whose role list was (`aws iam list-roles`): the ARN of every
    /// role in them, so a policy's `role/ci-*` can be matched to the roles that exist.
    pub listed_roles: BTreeMap<String, BTreeSet<String>>,
    pub oidc_providers: Vec<OidcProvider>,
    /// Accounts whose `list-open-id-connect-providers` was read (empty or not): a provider not in
    /// it is missing, not unknown (R37).
    pub oidc_listed: BTreeSet<String>,
    /// An empty provider list was read that names no account (a bundle's bare file): it is the
    /// account's only when the data holds one account (R37).
    pub oidc_empty_unattributed: bool,
    /// `get-open-id-connect-provider` outputs by URL (no ARN in that output).
    pub oidc_client_ids_by_url: BTreeMap<String, Vec<String>>,
    pub cluster_issuer: Option<String>,
    pub cluster_name: Option<String>,
    /// The organization's tree, SCPs and RCPs (R2, R3).
    pub org: org::Organization,
    /// Resources' own policies (#17.2): ECR repositories by repository ARN, S3 buckets by bucket
    /// ARN (`arn:aws:s3:::NAME`), with the file they came from.
    pub resource_policies: BTreeMap<String, (String, PolicyDocument)>,
    /// S3 buckets whose default encryption is SSE-KMS with a customer key: bucket → the
    /// `KMSMasterKeyID` as `get-bucket-encryption` gives it (an ARN, a key id or an alias).
    pub bucket_keys: BTreeMap<String, String>,
    /// S3 buckets by the account that owns them, from each account's `list-buckets` (an S3 ARN
    /// names no account): account → its buckets.
    pub buckets_listed: BTreeMap<String, BTreeSet<String>>,
    pub pod_identity: Vec<PodIdentityAssociation>,
    /// The cluster's Pod Identity associations as `list-pod-identity-associations` gives them
    /// (namespace, service account), when that list is in the data: a service account not in it
    /// has none. `None`: not listed, so a missing association is unknown, never "none".
    pub pod_identity_listed: Option<Vec<(String, String)>>,
    pub workflows: Vec<Workflow>,
    pub logs: Vec<LogFile>,
    /// Files of valid JSON/YAML whose shape arcscope does not know (kept, not an error).
    pub unknown_files: Vec<String>,
    pub warnings: Vec<String>,
    /// What live AWS could not read (a refresh replaces them).
    pub iam_warnings: Vec<String>,
    /// The live AWS caller (`sts:GetCallerIdentity` ARN), shown in the header.
    pub caller: Option<String>,
    /// Documents read live from AWS, by bundle path: `bundle export` writes them as they were read.
    pub aws_documents: Vec<(String, serde_json::Value)>,
}

/// Unique role IDs resolve against the loaded roles (R10).
impl crate::iam::eval::KnownIds for Inventory {
    fn arn_of(&self, unique_id: &str) -> Option<String> {
        self.roles.values().find(|r| r.role_id.as_deref() == Some(unique_id)).map(|r| r.arn.arn())
    }
}

/// What arcscope knows about an OIDC provider for an issuer in an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderLookup {
    Found {
        arn: String,
        client_ids: Option<Vec<String>>,
    },
    Missing,
    /// No provider data for that account in the bundle.
    Unknown,
}

impl Inventory {
    /// Add or replace one Kubernetes object of `kind` (a watch's ADDED/MODIFIED).
    /// `true` when an object of that name was there and is replaced (a MODIFIED), `false` when
    /// it is new.
    pub fn upsert_object(&mut self, kind: Kind, obj: serde_json::Value) -> bool {
        self.put_object(kind, obj, true)
    }

    /// Add an object known to be absent (a relist page after `clear_kind`): no lookup.
    pub fn push_object(&mut self, kind: Kind, obj: serde_json::Value) {
        self.put_object(kind, obj, false);
    }

    fn put_object(&mut self, kind: Kind, obj: serde_json::Value, replace: bool) -> bool {
        let id = |p: &str| obj.pointer(p).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
        let (ns, name) = (id("/metadata/namespace"), id("/metadata/name"));
        match Parsed::from_value(kind, obj) {
            Ok(p) => self.put_parsed(p, replace),
            Err(e) => {
                // Not readable as its kind: what was stored under its name goes, and it is said.
                let had = self.has_object(kind, &ns, &name);
                self.remove_object(kind, if ns.is_empty() { "default" } else { &ns }, &name);
                self.warnings.push(format!("{kind} {ns}/{name}: {e}"));
                had
            }
        }
    }

    fn has_object(&self, kind: Kind, ns: &str, name: &str) -> bool {
        self.objects
            .iter()
            .any(|o| o.kind == kind.as_str() && o.namespace.as_deref().unwrap_or("") == ns && o.name == name)
    }

    /// Add or replace (`replace`: look for it first) an object parsed off the UI thread. `true`
    /// when one of that name was there.
    pub fn put_parsed(&mut self, p: Parsed, replace: bool) -> bool {
        let Parsed { typed, object, .. } = p;
        let ns = object.namespace.clone().unwrap_or_default();
        let name = object.name.clone();
        // Replaced in place (a MODIFIED keeps its position; nothing shifts in a 10,000-pod list).
        macro_rules! put {
            ($vec:expr, $t:expr) => {{
                let at = if replace {
                    $vec.iter().position(|o| {
                        o.metadata.ns() == object.namespace.as_deref().unwrap_or("default") && o.metadata.name == name
                    })
                } else {
                    None
                };
                match at {
                    Some(i) => $vec[i] = $t,
                    None => $vec.push($t),
                }
            }};
        }
        match typed {
            Typed::Pod(t) => put!(self.pods, *t),
            Typed::ServiceAccount(t) => put!(self.service_accounts, t),
            Typed::Event(t) => put!(self.events, *t),
            Typed::AutoscalingRunnerSet(t) => put!(self.runner_sets, *t),
            Typed::EphemeralRunnerSet(t) => put!(self.ephemeral_runner_sets, t),
            Typed::EphemeralRunner(t) => put!(self.ephemeral_runners, *t),
            Typed::AutoscalingListener(t) => put!(self.listeners, t),
            Typed::Namespace => {
                self.namespaces.insert(name.clone());
            }
        }
        if !ns.is_empty() {
            self.namespaces.insert(ns);
        }
        let same = |o: &KubeObject| o.kind == object.kind && o.namespace == object.namespace && o.name == object.name;
        match if replace { self.objects.iter().position(same) } else { None } {
            Some(i) => {
                self.objects[i] = object;
                true
            }
            None => {
                self.objects.push(object);
                false
            }
        }
    }

    /// Remove one object (a watch's DELETED).
    pub fn remove_object(&mut self, kind: Kind, ns: &str, name: &str) {
        let hit = |m: &k8s::ObjectMeta| m.ns() == ns && m.name == name;
        match kind {
            Kind::Pod => self.pods.retain(|o| !hit(&o.metadata)),
            Kind::ServiceAccount => self.service_accounts.retain(|o| !hit(&o.metadata)),
            Kind::Event => self.events.retain(|o| !hit(&o.metadata)),
            Kind::AutoscalingRunnerSet => self.runner_sets.retain(|o| !hit(&o.metadata)),
            Kind::EphemeralRunnerSet => self.ephemeral_runner_sets.retain(|o| !hit(&o.metadata)),
            Kind::EphemeralRunner => self.ephemeral_runners.retain(|o| !hit(&o.metadata)),
            Kind::AutoscalingListener => self.listeners.retain(|o| !hit(&o.metadata)),
            Kind::Namespace => {
                self.namespaces.remove(name);
            }
        }
        self.objects.retain(|o| {
            !(o.kind == kind.as_str() && o.namespace.as_deref().unwrap_or("default") == ns && o.name == name)
        });
    }

    /// Forget every object of `kind` — or only those in `namespace`, when one namespace is
    /// listed again (the RBAC fallback watches each allowed namespace on its own) — before a
    /// relist replaces them.
    pub fn clear_kind(&mut self, kind: Kind, namespace: Option<&str>) {
        let keep = |m: &k8s::ObjectMeta| namespace.is_some_and(|n| m.ns() != n);
        match kind {
            Kind::Pod => self.pods.retain(|o| keep(&o.metadata)),
            Kind::ServiceAccount => self.service_accounts.retain(|o| keep(&o.metadata)),
            Kind::Event => self.events.retain(|o| keep(&o.metadata)),
            Kind::AutoscalingRunnerSet => self.runner_sets.retain(|o| keep(&o.metadata)),
            Kind::EphemeralRunnerSet => self.ephemeral_runner_sets.retain(|o| keep(&o.metadata)),
            Kind::EphemeralRunner => self.ephemeral_runners.retain(|o| keep(&o.metadata)),
            Kind::AutoscalingListener => self.listeners.retain(|o| keep(&o.metadata)),
            // Cluster-scoped: only a cluster-wide list replaces them.
            Kind::Namespace if namespace.is_none() => self.namespaces.clear(),
            Kind::Namespace => {}
        }
        self.objects.retain(|o| {
            o.kind != kind.as_str() || namespace.is_some_and(|n| o.namespace.as_deref().unwrap_or("default") != n)
        });
    }

    /// Take everything that is not cluster state from `other` (IAM, OIDC providers, SCPs, Pod
    /// Identity, workflows, logs): a live cluster joined with an offline bundle's account.
    pub fn merge_offline(&mut self, other: Inventory) {
        self.roles.extend(other.roles);
        self.managed_policies.extend(other.managed_policies);
        self.iam_accounts.extend(other.iam_accounts);
        self.listed_roles.extend(other.listed_roles);
        self.oidc_providers.extend(other.oidc_providers);
        self.oidc_listed.extend(other.oidc_listed);
        self.oidc_empty_unattributed |= other.oidc_empty_unattributed;
        self.oidc_client_ids_by_url.extend(other.oidc_client_ids_by_url);
        self.org.merge(other.org);
        self.resource_policies.extend(other.resource_policies);
        self.bucket_keys.extend(other.bucket_keys);
        for (account, buckets) in other.buckets_listed {
            self.buckets_listed.entry(account).or_default().extend(buckets);
        }
        self.pod_identity.extend(other.pod_identity);
        if let Some(listed) = other.pod_identity_listed {
            self.pod_identity_listed.get_or_insert_with(Vec::new).extend(listed);
        }
        self.workflows.extend(other.workflows);
        self.logs.extend(other.logs);
        self.aws_documents.extend(other.aws_documents);
        self.caller = self.caller.take().or(other.caller);
        self.cluster_issuer = self.cluster_issuer.take().or(other.cluster_issuer);
        self.cluster_name = self.cluster_name.take().or(other.cluster_name);
        self.warnings.extend(other.warnings);
        self.iam_warnings.extend(other.iam_warnings);
        self.source = format!("{} + {}", self.source, other.source);
    }

    pub fn service_account(&self, namespace: &str, name: &str) -> Option<&ServiceAccount> {
        self.service_accounts.iter().find(|s| s.metadata.ns() == namespace && s.metadata.name == name)
    }

    /// When an offline bundle was taken, as near as it tells: the newest object creation, event or
    /// timestamped log line in it (seconds since the epoch). Ages in a bundle read from there, not
    /// from today.
    pub fn captured_at(&self) -> Option<i64> {
        let created = self
            .pods
            .iter()
            .map(|o| &o.metadata)
            .chain(self.ephemeral_runners.iter().map(|o| &o.metadata))
            .chain(self.ephemeral_runner_sets.iter().map(|o| &o.metadata))
            .chain(self.runner_sets.iter().map(|o| &o.metadata))
            .chain(self.listeners.iter().map(|o| &o.metadata))
            .chain(self.service_accounts.iter().map(|o| &o.metadata))
            .chain(self.events.iter().map(|o| &o.metadata))
            .filter_map(|m| m.creation_timestamp.as_deref());
        let happened =
            self.events.iter().flat_map(|e| [e.last_timestamp.as_deref(), e.event_time.as_deref()]).flatten();
        // Each log's last timestamped line (a runner logs past its pod's creation).
        let logged = self.logs.iter().filter_map(|l| {
            l.text.lines().rev().take(200).find_map(|line| {
                let ts = crate::logs::fingerprint::leading_timestamp(line)?;
                crate::iam::condition::parse_date(ts.trim_end_matches(':'))
            })
        });
        created.chain(happened).filter_map(crate::iam::condition::parse_date).chain(logged).max()
    }

    /// The IAM role a service account's pods get, and how: a Pod Identity association first (the
    /// webhook then injects its variables instead of IRSA's, R24), else the IRSA annotation.
    pub fn service_account_role<'a>(&'a self, sa: &'a ServiceAccount) -> Option<(&'a str, &'static str)> {
        let pi =
            self.pod_identity.iter().find(|a| a.namespace == sa.metadata.ns() && a.service_account == sa.metadata.name);
        match (pi, sa.irsa_role()) {
            (Some(a), _) => Some((a.role_arn.as_str(), "Pod Identity")),
            (None, Some(r)) => Some((r, "IRSA")),
            (None, None) => None,
        }
    }

    pub fn service_accounts_named(&self, name: &str) -> impl Iterator<Item = &ServiceAccount> {
        self.service_accounts.iter().filter(move |s| s.metadata.name == name)
    }

    /// Do we have the ServiceAccounts of this namespace at all (to tell "missing" from "not in the dump")?
    pub fn has_service_accounts_in(&self, namespace: &str) -> bool {
        self.service_accounts.iter().any(|s| s.metadata.ns() == namespace)
    }

    pub fn role(&self, arn: &str) -> Option<&Role> {
        self.roles.get(arn).or_else(|| {
            // Trust and env may name a role without its path.
            let r = arn::RoleArn::parse(arn)?;
            self.roles.values().find(|x| x.arn.account == r.account && x.arn.name == r.name && r.path == "/")
        })
    }

    pub fn iam_loaded(&self, account: &str) -> bool {
        self.iam_accounts.contains(account)
    }

    pub fn provider_for(&self, partition: &str, account: &str, issuer: &str) -> ProviderLookup {
        let want = arn::oidc_provider_arn(partition, account, issuer);
        let url = arn::issuer_host_path(issuer);
        let by_url = self.oidc_client_ids_by_url.get(url).cloned();
        if let Some(p) = self.oidc_providers.iter().find(|p| p.arn == want) {
            return ProviderLookup::Found { arn: p.arn.clone(), client_ids: p.client_ids.clone().or(by_url) };
        }
        let listed_for_account =
            self.oidc_providers.iter().any(|p| arn::parse(&p.arn).is_some_and(|a| a.account == account));
        if listed_for_account {
            return ProviderLookup::Missing;
        }
        // A `get-open-id-connect-provider` output names no account; accept it for the account
        // being asked about only when the bundle holds a single account's IAM.
        if by_url.is_some() && self.iam_accounts.len() <= 1 {
            return ProviderLookup::Found { arn: want, client_ids: by_url };
        }
        // R37: the account's provider list was read and this provider is not in it — an empty
        // list is "no provider", not "no data". A bare empty list counts for the one account
        // the data holds, and for no account when it holds several.
        if self.oidc_listed.contains(account) {
            return ProviderLookup::Missing;
        }
        if self.oidc_empty_unattributed && self.only_account() == Some(account) {
            return ProviderLookup::Missing;
        }
        ProviderLookup::Unknown
    }

    /// The policy of the resource a request is on: an ECR repository's by its ARN, an S3
    /// bucket's for the bucket or any object in it. `(name, document)`.
    pub fn resource_policy_for(&self, resource: &str) -> Option<(&str, &PolicyDocument)> {
        let key = match arn::s3_bucket(resource) {
            Some(bucket) => format!("arn:aws:s3:::{bucket}"),
            None => resource.to_string(),
        };
        // A repository policy read without its region (`ecr:*:`) stands for the repository in
        // any region.
        let any_region = key
            .strip_prefix("arn:aws:ecr:")
            .and_then(|r| r.split_once(':'))
            .map(|(_, rest)| format!("arn:aws:ecr:*:{rest}"));
        self.resource_policies
            .get(&key)
            .or_else(|| any_region.and_then(|k| self.resource_policies.get(&k)))
            .map(|(n, d)| (n.as_str(), d))
    }

    /// The SCPs that restrict a principal of `account` (R3).
    pub fn scps_for(&self, account: Option<&str>) -> crate::iam::eval::OrgPolicies<'_> {
        self.org.levels(account, org::PolicyKind::Scp)
    }

    /// The RCPs that restrict `action` on `resource` (R2): those of the resource's account, for
    /// the services that support RCPs.
    pub fn rcps_for(&self, action: &str, resource: &str) -> crate::iam::eval::OrgPolicies<'_> {
        let service = action.split(':').next().unwrap_or("");
        if !org::RCP_SERVICES.contains(&service) {
            return crate::iam::eval::OrgPolicies::None;
        }
        let account = arn::parse(resource).map(|a| a.account.to_string()).filter(|a| !a.is_empty());
        self.org.levels(account.as_deref(), org::PolicyKind::Rcp)
    }

    /// Whether `resource`, an S3 bucket or object ARN, is in another account than `caller`, as the
    /// accounts' `list-buckets` say: in a listed account's list, it is that account's; in none,
    /// but `caller`'s own list was read, it is elsewhere. `None`: not an S3 ARN, or not known.
    pub fn bucket_elsewhere(&self, resource: &str, caller: &str) -> Option<bool> {
        let bucket = arn::s3_bucket(resource)?;
        if let Some((owner, _)) = self.buckets_listed.iter().find(|(_, b)| b.contains(bucket)) {
            return Some(owner != caller);
        }
        self.buckets_listed.contains_key(caller).then_some(true)
    }

    /// The one AWS account the data holds IAM for, if it holds exactly one.
    pub fn only_account(&self) -> Option<&str> {
        let mut accounts: BTreeSet<&str> = self.iam_accounts.iter().map(String::as_str).collect();
        accounts.extend(self.listed_roles.keys().map(String::as_str));
        accounts.extend(self.roles.values().map(|r| r.arn.account.as_str()));
        match accounts.len() {
            1 => accounts.into_iter().next(),
            _ => None,
        }
    }

    pub fn ephemeral_runner(&self, namespace: &str, name: &str) -> Option<&EphemeralRunner> {
        self.ephemeral_runners.iter().find(|e| e.metadata.ns() == namespace && e.metadata.name == name)
    }

    /// The AutoscalingRunnerSet an object belongs to, by the scale-set labels (arc.md §2.6).
    pub fn runner_set_for(&self, meta: &ObjectMeta) -> Option<&AutoscalingRunnerSet> {
        let name = meta.labels.get(SCALE_SET_NAME_LABEL)?;
        let ns = meta.labels.get(SCALE_SET_NAMESPACE_LABEL).map(String::as_str).unwrap_or(meta.ns());
        self.runner_sets
            .iter()
            .find(|a| a.metadata.ns() == ns && (&a.metadata.name == name || a.scale_set_name() == name))
    }
}
