//! Offline bundles: a directory of files as `kubectl` and the AWS CLI write them, each file
//! recognised by its content, not its name (issue #2 §5). The embedded demo is such a bundle.
//!
//! Every `*.json`/`*.yaml`/`*.yml` must parse; valid JSON or YAML of an unknown shape is kept
//! and listed, not an error. Secrets are skipped without reading their data. Parsers are depth
//! limited (serde_json: 128 levels; YAML: 128) so absurd nesting is an error, not a stack overflow.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

use crate::iam::policy::PolicyDocument;
use crate::model::aws::{self, OidcProvider, PodIdentityAssociation};
use crate::model::workflow;
use crate::model::{Inventory, Kind, KubeObject, LogFile, LogKind};

mod resource;
use resource::resource_policy_document;

/// A bundle problem, naming the file and what is wrong.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}: {message}")]
pub struct BundleError {
    pub file: String,
    pub message: String,
}

fn err(file: &str, message: impl Into<String>) -> BundleError {
    BundleError { file: file.to_string(), message: message.into() }
}

const MAX_DIR_DEPTH: usize = 32;
const YAML_MAX_DEPTH: usize = 128;

/// Load every file below `dir`.
pub fn load_dir(dir: &Path) -> Result<Inventory, BundleError> {
    let shown = dir.display().to_string();
    let meta = fs::metadata(dir).map_err(|e| err(&shown, format!("cannot read bundle directory: {e}")))?;
    if !meta.is_dir() {
        return Err(err(&shown, "not a directory (a bundle is a directory of kubectl/AWS CLI outputs)"));
    }
    let mut walk = Walk::default();
    walk.collect(dir, dir, 0)?;
    let Walk { mut files, skipped, .. } = walk;
    if files.is_empty() {
        return Err(err(&shown, "the bundle directory holds no files"));
    }
    files.sort();
    let mut inv = Inventory { source: format!("bundle {shown}"), ..Inventory::default() };
    inv.warnings.extend(skipped);
    for (rel, path) in files {
        let shown = path.display().to_string();
        let bytes = if extension(&rel) == "log" {
            read_log(&path, &rel, &mut inv).map_err(|e| err(&shown, format!("cannot read: {e}")))?
        } else {
            read_document(&path).map_err(|e| BundleError { file: shown.clone(), message: e })?
        };
        add_file(&mut inv, &rel, &bytes).map_err(|e| BundleError { file: shown, message: e.message })?;
    }
    finish(&mut inv);
    Ok(inv)
}

/// The most of one log a bundle keeps: its last lines up to this many bytes (a 1 GB log cost
/// 2.1 GB before). `arcscope explain FILE` folds a whole log of any size in bounded memory.
pub const MAX_LOG_KEPT: usize = 16 << 20;

/// A log through the bounded line reader `explain` uses, keeping its tail ([`MAX_LOG_KEPT`]);
/// what falls out is counted in a warning.
fn read_log(path: &Path, rel: &str, inv: &mut Inventory) -> std::io::Result<Vec<u8>> {
    use crate::logs::reader::{MAX_LINE, for_each_line};
    let file = fs::File::open(path)?;
    let mut kept: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    let (mut size, mut dropped) = (0usize, 0u64);
    for_each_line(std::io::BufReader::new(file), MAX_LINE, |line| {
        size += line.len() + 1;
        kept.push_back(line.to_string());
        while size > MAX_LOG_KEPT {
            let Some(old) = kept.pop_front() else { break };
            size -= old.len() + 1;
            dropped += 1;
        }
    })?;
    if dropped > 0 {
        inv.warnings.push(format!(
            "{rel}: longer than {} MiB; its last {} lines are read, {dropped} earlier ones are not (`arcscope explain {rel}` folds all of it)",
            MAX_LOG_KEPT >> 20,
            kept.len()
        ));
    }
    let mut text = String::with_capacity(size);
    for l in kept {
        text.push_str(&l);
        text.push('\n');
    }
    Ok(text.into_bytes())
}

/// A JSON or YAML file, refused at its first bytes when they are binary (a 3 GB file of NULs
/// fails at byte 1, not after it is read).
fn read_document(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut file = fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut head = vec![0u8; 4096];
    let n = read_full(&mut file, &mut head).map_err(|e| format!("cannot read: {e}"))?;
    head.truncate(n);
    if let Some(at) = head.iter().position(|&b| b == 0) {
        return Err(format!("binary data (a NUL byte at offset {at}), not a kubectl or AWS CLI output"));
    }
    file.read_to_end(&mut head).map_err(|e| format!("cannot read: {e}"))?;
    Ok(head)
}

/// Read until `buf` is full or the end.
fn read_full(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The files of a bundle directory, symlinked directories followed (each real directory once,
/// so a loop ends), and every entry that is not read, with why.
#[derive(Default)]
struct Walk {
    files: Vec<(String, PathBuf)>,
    skipped: Vec<String>,
    visited: std::collections::BTreeSet<PathBuf>,
}

impl Walk {
    fn collect(&mut self, root: &Path, dir: &Path, depth: usize) -> Result<(), BundleError> {
        if depth > MAX_DIR_DEPTH {
            return Err(err(&dir.display().to_string(), "directory nesting deeper than 32 levels"));
        }
        if let Ok(real) = fs::canonicalize(dir)
            && !self.visited.insert(real)
        {
            self.skipped.push(format!(
                "{}: skipped: the same directory as one already read (a symlink loop or a second link to it)",
                rel(root, dir)
            ));
            return Ok(());
        }
        let entries = fs::read_dir(dir).map_err(|e| err(&dir.display().to_string(), format!("cannot list: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| err(&dir.display().to_string(), format!("cannot list: {e}")))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            // What the entry is, through a symlink.
            let kind = match fs::metadata(&path) {
                Ok(m) => m.file_type(),
                Err(e) => {
                    self.skipped.push(format!("{}: skipped: a symlink to nothing readable ({e})", rel(root, &path)));
                    continue;
                }
            };
            if kind.is_dir() {
                self.collect(root, &path, depth + 1)?;
            } else if kind.is_file() {
                self.files.push((rel(root, &path), path));
            } else {
                use std::os::unix::fs::FileTypeExt;
                let what = if kind.is_fifo() {
                    "a FIFO"
                } else if kind.is_socket() {
                    "a socket"
                } else if kind.is_char_device() || kind.is_block_device() {
                    "a device"
                } else {
                    "not a regular file"
                };
                self.skipped.push(format!("{}: skipped: {what}, not a file a bundle holds", rel(root, &path)));
            }
        }
        Ok(())
    }
}

/// `path` relative to the bundle's root, `/`-separated.
fn rel(root: &Path, path: &Path) -> String {
    let r = path.strip_prefix(root).unwrap_or(path);
    let s = r.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
    if s.is_empty() { ".".into() } else { s }
}

/// Load a bundle given as `(relative path, bytes)` pairs (the embedded demo).
pub fn load_files<'a>(
    source: &str,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<Inventory, BundleError> {
    let mut inv = Inventory { source: source.to_string(), ..Inventory::default() };
    for (name, bytes) in files {
        add_file(&mut inv, name, bytes)?;
    }
    finish(&mut inv);
    Ok(inv)
}

fn finish(inv: &mut Inventory) {
    // Namespaces seen on objects count as existing even without Namespace objects.
    let seen: Vec<String> = inv.objects.iter().filter_map(|o| o.namespace.clone()).collect();
    inv.namespaces.extend(seen);
}

fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// Add one already-parsed document (a live list, say), recognised like a file's.
pub fn add_value(inv: &mut Inventory, name: &str, doc: Value) -> Result<(), BundleError> {
    classify(inv, name, doc).map(|_| ())
}

/// Add one file to the inventory.
pub fn add_file(inv: &mut Inventory, name: &str, bytes: &[u8]) -> Result<(), BundleError> {
    let ext = extension(name);
    if ext == "log" {
        inv.logs.push(LogFile {
            path: name.to_string(),
            kind: log_kind(name),
            text: String::from_utf8_lossy(bytes).into_owned(),
        });
        return Ok(());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        err(name, format!("binary data, not a UTF-8 text file (invalid byte at offset {}); a bundle holds JSON, YAML and .log files", e.valid_up_to()))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        if matches!(ext.as_str(), "json" | "yaml" | "yml") {
            return Err(err(name, "empty file"));
        }
        return Ok(());
    }
    let strict = matches!(ext.as_str(), "json" | "yaml" | "yml");
    let starts_json = text.trim_start().starts_with(['{', '[']);
    let docs: Vec<Value> = if ext == "json" || (starts_json && ext != "yaml" && ext != "yml") {
        match serde_json::from_str::<Value>(text) {
            // IAM documents hold policies: a duplicate key in one is refused by IAM and read
            // differently by different tools (the last one wins here), so it is named.
            Ok(v) if is_iam(&v) => {
                crate::iam::dupkeys::check(text)
                    .map_err(|e| err(name, crate::iam::policy::duplicate_key_message(&e)))?;
                vec![v]
            }
            Ok(v) => vec![v],
            Err(e) if strict || starts_json => {
                return Err(err(name, format!("malformed JSON: {e}")));
            }
            Err(_) => return Ok(()),
        }
    } else {
        match parse_yaml(text) {
            Ok(docs) => docs,
            Err(e) if strict => return Err(err(name, format!("malformed YAML: {e}"))),
            Err(_) => {
                inv.warnings.push(format!("{name}: skipped, neither JSON nor YAML"));
                return Ok(());
            }
        }
    };
    let mut recognised = false;
    for doc in docs {
        recognised |= classify(inv, name, doc)?;
    }
    if !recognised && strict {
        inv.unknown_files.push(name.to_string());
    }
    Ok(())
}

/// Does this document carry IAM policies (authorization details, a role, a policy version, a
/// policy itself)?
fn is_iam(v: &Value) -> bool {
    ["RoleDetailList", "Policies", "Role", "PolicyVersion", "Statement", "Policy"].iter().any(|k| v.get(k).is_some())
}

/// Multi-document YAML into JSON values. Strict booleans keep a workflow's `on:` a string key.
pub fn parse_yaml(text: &str) -> Result<Vec<Value>, String> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: YAML_MAX_DEPTH,
            // A big valid dump is real input: lift the size budgets, keep the depth limit.
            max_events: 200_000_000,
            max_nodes: 100_000_000,
            max_total_scalar_bytes: 1 << 30,
            max_documents: 1_000_000,
        },
    };
    serde_saphyr::from_multiple_with_options::<Value>(text, options).map_err(|e| {
        let s = e.to_string();
        // Keep one line: serde-saphyr may render a multi-line snippet.
        s.lines().map(str::trim).filter(|l| !l.is_empty()).take(3).collect::<Vec<_>>().join(" ")
    })
}

fn log_kind(name: &str) -> LogKind {
    let parts: Vec<&str> = name.split('/').collect();
    if let Some(i) = parts.iter().position(|p| *p == "logs")
        && parts.len() == i + 4
    {
        let container = parts[i + 3].trim_end_matches(".log");
        return LogKind::Container {
            namespace: parts[i + 1].into(),
            pod: parts[i + 2].into(),
            container: container.into(),
        };
    }
    LogKind::Job
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Classify one document. Returns whether its shape was recognised.
fn classify(inv: &mut Inventory, file: &str, doc: Value) -> Result<bool, BundleError> {
    if !doc.is_object() {
        return Ok(false);
    }
    let is_kube = s(&doc, "kind").is_some() && (doc.get("apiVersion").is_some() || doc.get("items").is_some());
    if is_kube {
        return kube_document(inv, file, doc).map(|()| true);
    }
    // Organizations first: `list-policies-for-target` has a `Policies` list too.
    if organizations_document(inv, file, &doc)?
        || resource_policy_document(inv, file, &doc)?
        || iam_document(inv, file, &doc)?
        || eks_document(inv, &doc)
    {
        return Ok(true);
    }
    if workflow::is_workflow(&doc) {
        inv.workflows.push(workflow::parse(file, &doc));
        return Ok(true);
    }
    Ok(false)
}

/// `kubectl get … -o json`: one object, or a list of them (`List`, `PodList`, …).
fn kube_document(inv: &mut Inventory, file: &str, mut doc: Value) -> Result<(), BundleError> {
    let kind = s(&doc, "kind").unwrap_or("").to_string();
    if (kind == "List" || kind.ends_with("List"))
        && let Some(Value::Array(items)) = doc.as_object_mut().and_then(|o| o.remove("items"))
    {
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty()).map(str::to_string);
        let api_version = s(&doc, "apiVersion").map(str::to_string);
        for mut item in items {
            if let Some(obj) = item.as_object_mut() {
                // Typed lists (`PodList`) from the API omit kind/apiVersion on items.
                if !obj.contains_key("kind")
                    && let Some(k) = &item_kind
                {
                    obj.insert("kind".into(), Value::String(k.clone()));
                }
                if !obj.contains_key("apiVersion")
                    && let Some(a) = &api_version
                {
                    obj.insert("apiVersion".into(), Value::String(a.clone()));
                }
            }
            add_kube_object(inv, file, item)?;
        }
        return Ok(());
    }
    add_kube_object(inv, file, doc)
}

/// `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`…
fn is_region(c: &str) -> bool {
    let parts: Vec<&str> = c.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts.last().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A 12-digit AWS account ID among a file's path components (`iam/111122223333/…`).
fn account_in_path(file: &str) -> Option<&str> {
    file.split(['/', '\\', ':']).find(|c| c.len() == 12 && c.bytes().all(|b| b.is_ascii_digit()))
}

/// The AWS CLI's IAM outputs: `get-account-authorization-details`, `get-role`, `list-roles`,
/// `list-open-id-connect-providers`, `get-open-id-connect-provider`.
fn iam_document(inv: &mut Inventory, file: &str, doc: &Value) -> Result<bool, BundleError> {
    if doc.get("RoleDetailList").is_some() || doc.get("Policies").is_some() || doc.get("UserDetailList").is_some() {
        add_authorization_details(inv, file, doc)?;
        return Ok(true);
    }
    if let Some(role) = doc.get("Role").filter(|r| r.get("Arn").is_some()) {
        // `aws iam get-role`: adds MaxSessionDuration and tags.
        let parsed = aws::parse_role(role, 0).map_err(|e| err(file, e.to_string()))?;
        let key = parsed.arn.arn();
        match inv.roles.get_mut(&key) {
            Some(existing) => {
                existing.max_session_duration = parsed.max_session_duration.or(existing.max_session_duration);
                if existing.tags.is_empty() {
                    existing.tags = parsed.tags;
                }
            }
            None => {
                inv.roles.insert(key, parsed);
            }
        }
        return Ok(true);
    }
    if let Some(list) = doc.get("Roles").and_then(Value::as_array) {
        // `aws iam list-roles`: which roles exist (their policies are read elsewhere).
        for (i, r) in list.iter().enumerate() {
            let arn = s(r, "Arn").and_then(crate::iam::arn::RoleArn::parse).ok_or_else(|| {
                err(file, format!("Roles[{i}]: no role ARN (`Arn`); `aws iam list-roles` output names each role's"))
            })?;
            inv.listed_roles.entry(arn.account.clone()).or_default().insert(arn.arn());
        }
        return Ok(true);
    }
    if let Some(list) = doc.get("OpenIDConnectProviderList").and_then(Value::as_array) {
        for p in list {
            if let Some(arn) = s(p, "Arn") {
                if let Some(a) = crate::iam::arn::parse(arn) {
                    inv.oidc_listed.insert(a.account.to_string());
                }
                if !inv.oidc_providers.iter().any(|x| x.arn == arn) {
                    inv.oidc_providers.push(OidcProvider { arn: arn.to_string(), client_ids: None });
                }
            }
        }
        // R37: whose list it is, when its path says (`bundle export` and live reads write
        // `iam/<account>/open-id-connect-providers.json`); else an empty one is attributed later.
        match account_in_path(file) {
            Some(account) => {
                inv.oidc_listed.insert(account.to_string());
            }
            None if list.is_empty() => inv.oidc_empty_unattributed = true,
            None => {}
        }
        return Ok(true);
    }
    if let (Some(url), Some(ids)) = (s(doc, "Url"), doc.get("ClientIDList").and_then(Value::as_array)) {
        let ids = ids.iter().filter_map(Value::as_str).map(str::to_string).collect();
        inv.oidc_client_ids_by_url.insert(crate::iam::arn::issuer_host_path(url).to_string(), ids);
        return Ok(true);
    }
    Ok(false)
}

/// EKS: `describe-cluster` (or the issuer's discovery document) and Pod Identity associations.
fn eks_document(inv: &mut Inventory, doc: &Value) -> bool {
    if let Some(cluster) = doc.get("cluster").filter(|c| c.get("identity").is_some() || c.get("arn").is_some()) {
        inv.cluster_issuer = cluster
            .pointer("/identity/oidc/issuer")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(inv.cluster_issuer.take());
        inv.cluster_name = s(cluster, "name").map(str::to_string).or(inv.cluster_name.take());
        return true;
    }
    if let (Some(issuer), true) = (s(doc, "issuer"), doc.get("jwks_uri").is_some()) {
        inv.cluster_issuer = Some(issuer.to_string());
        return true;
    }
    // `list-pod-identity-associations` (the whole list, even empty: a service account not in it has
    // none) names no role; `describe-pod-identity-association` gives it.
    if let Some(list) = doc.get("associations").and_then(Value::as_array) {
        let listed = inv.pod_identity_listed.get_or_insert_with(Vec::new);
        for a in list {
            if let (Some(ns), Some(sa)) = (s(a, "namespace"), s(a, "serviceAccount")) {
                listed.push((ns.to_string(), sa.to_string()));
            }
        }
    }
    let associations: Vec<&Value> = match (doc.get("association"), doc.get("associations").and_then(Value::as_array)) {
        (Some(a), _) => vec![a],
        (None, Some(list)) => list.iter().collect(),
        _ => return false,
    };
    for a in associations {
        // A list entry has no role: its describe output gives it.
        let (Some(ns), Some(sa), Some(role)) = (s(a, "namespace"), s(a, "serviceAccount"), s(a, "roleArn")) else {
            continue;
        };
        inv.pod_identity.push(PodIdentityAssociation {
            cluster: s(a, "clusterName").map(str::to_string),
            namespace: ns.to_string(),
            service_account: sa.to_string(),
            role_arn: role.to_string(),
            target_role_arn: s(a, "targetRoleArn").map(str::to_string),
            disable_session_tags: a.get("disableSessionTags").and_then(Value::as_bool).unwrap_or(false),
        });
    }
    true
}

/// The AWS Organizations outputs (R2, R3): `describe-policy` (an SCP or RCP), `list-roots` (the
/// root, the management account and the enabled policy types), `describe-organization`,
/// `list-parents` and `list-policies-for-target` (their output names no child or target, so a path
/// component does: `organizations/<account, ou-… or r-…>/…`), and the error body
/// `AWSOrganizationsNotInUseException` (not in an organization: no SCPs or RCPs apply).
fn organizations_document(inv: &mut Inventory, file: &str, doc: &Value) -> Result<bool, BundleError> {
    use crate::model::org::{OrgPolicy, OrgStatus, PolicyKind};
    let error_code = s(doc, "__type").or_else(|| doc.pointer("/Error/Code").and_then(Value::as_str));
    if error_code.is_some_and(|c| c.ends_with("AWSOrganizationsNotInUseException")) {
        inv.org.status = OrgStatus::NotInUse;
        return Ok(true);
    }
    // Another error body saved from an Organizations read (a member account's AccessDenied):
    // the policies could not be read, so what they could change stays unknown (never "none").
    if let Some(code) = error_code.filter(|_| file.contains("organizations")) {
        let message = s(doc, "Message").or_else(|| doc.pointer("/Error/Message").and_then(Value::as_str));
        let what = file.rsplit(['/', '\\']).next().unwrap_or(file).trim_end_matches(".json");
        inv.org.status = OrgStatus::Unreadable(format!(
            "{what} answered {code}{}",
            message.map(|m| format!(" ({})", m.chars().take(200).collect::<String>())).unwrap_or_default()
        ));
        return Ok(true);
    }
    let org = &mut inv.org;
    let read = |org: &mut crate::model::org::Organization| {
        if org.status == OrgStatus::NoData {
            org.status = OrgStatus::Read;
        }
    };
    if let Some(policy) = doc.get("Policy").filter(|p| p.get("Content").is_some()) {
        let id = policy.pointer("/PolicySummary/Id").and_then(Value::as_str).unwrap_or("").to_string();
        let name = policy.pointer("/PolicySummary/Name").and_then(Value::as_str).unwrap_or("SCP").to_string();
        let kind = policy.pointer("/PolicySummary/Type").and_then(Value::as_str).unwrap_or("SERVICE_CONTROL_POLICY");
        let Some(kind) = PolicyKind::from_api(kind) else {
            inv.warnings.push(format!(
                "{file}: organizations policy {name} of type {kind} is neither an SCP nor an RCP; ignored"
            ));
            return Ok(true);
        };
        let doc = PolicyDocument::from_value(&policy["Content"]).map_err(|e| err(file, format!("{name}: {e}")))?;
        let id = if id.is_empty() { name.clone() } else { id };
        org.policies.insert(id.clone(), OrgPolicy { id, name, kind, doc });
        read(org);
        org.index();
        return Ok(true);
    }
    if let Some(roots) = doc.get("Roots").and_then(Value::as_array) {
        for r in roots {
            org.root = s(r, "Id").map(str::to_string).or(org.root.take());
            // `arn:aws:organizations::<management account>:root/o-…/r-…`
            if let Some(account) = s(r, "Arn").and_then(|a| a.split(':').nth(4)).filter(|a| !a.is_empty()) {
                org.management_account = Some(account.to_string());
            }
            let enabled = r.get("PolicyTypes").and_then(Value::as_array).into_iter().flatten().filter_map(|t| {
                (s(t, "Status") == Some("ENABLED")).then(|| s(t, "Type").and_then(PolicyKind::from_api)).flatten()
            });
            org.enabled = Some(enabled.collect());
        }
        read(org);
        return Ok(true);
    }
    if let Some(o) = doc.get("Organization").filter(|o| o.get("MasterAccountId").is_some() || o.get("Arn").is_some()) {
        org.management_account = s(o, "MasterAccountId").map(str::to_string).or(org.management_account.take());
        read(org);
        return Ok(true);
    }
    org_tree_document(inv, file, doc)
}

/// `list-parents` / `list-policies-for-target`: the child or target is named by the path.
fn org_tree_document(inv: &mut Inventory, file: &str, doc: &Value) -> Result<bool, BundleError> {
    use crate::model::org::{OrgStatus, PolicyKind};
    let org = &mut inv.org;
    let parents = doc.get("Parents").and_then(Value::as_array);
    let authorization_details =
        ["RoleDetailList", "UserDetailList", "GroupDetailList"].iter().any(|k| doc.get(k).is_some());
    let attached =
        doc.get("Policies").filter(|_| !authorization_details).and_then(Value::as_array).filter(|ps| {
            ps.iter().all(|p| s(p, "Type").and_then(PolicyKind::from_api).is_some() && p.get("Id").is_some())
        });
    if parents.is_none() && attached.is_none() {
        return Ok(false);
    }
    let Some(target) = org_target_in_path(file) else {
        inv.warnings.push(format!(
            "{file}: an Organizations list output names no child or target: put it under organizations/<account id, ou-… or r-…>/ to use it"
        ));
        return Ok(true);
    };
    if let Some(parent) = parents.and_then(|p| p.first()).and_then(|p| s(p, "Id")) {
        org.parents.insert(target.to_string(), parent.to_string());
    }
    let org = &mut inv.org;
    for p in attached.into_iter().flatten() {
        let kind = s(p, "Type").and_then(PolicyKind::from_api).expect("filtered above");
        let ids = org.attached.entry((target.to_string(), kind)).or_default();
        ids.extend(s(p, "Id").map(str::to_string));
    }
    // An empty `Policies` list says nothing of its kind: record the kind the path names, if any.
    if attached.is_some_and(|a| a.is_empty()) {
        for kind in [PolicyKind::Scp, PolicyKind::Rcp] {
            if file.contains(&kind.api_type().to_ascii_lowercase())
                || file.contains(match kind {
                    PolicyKind::Scp => "scp",
                    PolicyKind::Rcp => "rcp",
                })
            {
                org.attached.entry((target.to_string(), kind)).or_default();
            }
        }
    }
    if org.status == OrgStatus::NoData {
        org.status = OrgStatus::Read;
    }
    org.index();
    Ok(true)
}

/// An account id, `ou-…` or `r-…` among a file's path components, the last one first (the file
/// stem counts).
fn org_target_in_path(file: &str) -> Option<&str> {
    file.split(['/', '\\', ':']).rev().map(|c| c.strip_suffix(".json").unwrap_or(c)).find(|c| {
        let id_chars = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        (c.len() == 12 && c.bytes().all(|b| b.is_ascii_digit()))
            || c.strip_prefix("ou-").is_some_and(|r| r.split('-').count() == 2 && r.split('-').all(id_chars))
            || c.strip_prefix("r-").is_some_and(id_chars)
    })
}

fn add_kube_object(inv: &mut Inventory, file: &str, mut obj: Value) -> Result<(), BundleError> {
    let kind = s(&obj, "kind").unwrap_or("").to_string();
    if kind == "Secret" {
        inv.secrets_skipped += 1;
        return Ok(());
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    let api_version = s(&obj, "apiVersion").unwrap_or("").to_string();
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
    let namespace = obj.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_string);
    let what = format!("{kind} {}{name}", namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default());
    fn typed<T: serde::de::DeserializeOwned>(file: &str, what: &str, v: &Value) -> Result<T, BundleError> {
        T::deserialize(v).map_err(|e| err(file, format!("{what}: {e}")))
    }
    match Kind::of(&kind, &api_version) {
        Some(Kind::Pod) => inv.pods.push(typed(file, &what, &obj)?),
        Some(Kind::ServiceAccount) => inv.service_accounts.push(typed(file, &what, &obj)?),
        Some(Kind::Namespace) => {
            inv.namespaces.insert(name.clone());
        }
        Some(Kind::Event) => inv.events.push(typed(file, &what, &obj)?),
        Some(Kind::AutoscalingRunnerSet) => inv.runner_sets.push(typed(file, &what, &obj)?),
        Some(Kind::EphemeralRunnerSet) => inv.ephemeral_runner_sets.push(typed(file, &what, &obj)?),
        Some(Kind::EphemeralRunner) => inv.ephemeral_runners.push(typed(file, &what, &obj)?),
        Some(Kind::AutoscalingListener) => inv.listeners.push(typed(file, &what, &obj)?),
        None => {}
    }
    inv.objects.push(KubeObject { api_version, kind, namespace, name, raw: obj.to_string().into_boxed_str() });
    Ok(())
}

fn add_authorization_details(inv: &mut Inventory, file: &str, doc: &Value) -> Result<(), BundleError> {
    let mut roles = Vec::new();
    for (i, r) in doc.get("RoleDetailList").and_then(Value::as_array).into_iter().flatten().enumerate() {
        roles.push(aws::parse_role(r, i).map_err(|e| err(file, e.to_string()))?);
    }
    let mut policies = Vec::new();
    for (i, p) in doc.get("Policies").and_then(Value::as_array).into_iter().flatten().enumerate() {
        policies.push(aws::parse_managed_policy(p, i).map_err(|e| err(file, e.to_string()))?);
    }
    // `IsTruncated: true`: a page, or the roles arcscope could read one by one — not the whole
    // account, so a role missing from it is unknown, not absent.
    let truncated = doc.get("IsTruncated").and_then(Value::as_bool) == Some(true);
    match aws::account_of(&roles, &policies) {
        Some(account) if truncated => inv.warnings.push(format!(
            "{file}: a partial view of account {account} (IsTruncated): roles not in it are unknown, not absent"
        )),
        Some(account) => {
            inv.iam_accounts.insert(account);
        }
        None => {
            inv.warnings.push(format!("{file}: authorization details name no role or customer policy; account unknown"))
        }
    }
    for r in roles {
        inv.roles.insert(r.arn.arn(), r);
    }
    for p in policies {
        inv.managed_policies.insert(p.arn.clone(), p);
    }
    Ok(())
}
