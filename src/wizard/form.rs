//! The wizard's form in the TUI (`:wizard`, `arcscope wizard`): pages of fields built on
//! tui-input, validated as typed by the same rules as an answers file (the reason beside the
//! field), back and forth without losing answers, a review page with the verification and every
//! file, and a write that asks before it replaces anything. No terminal here: keys in, state out.

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::generate::{File, generate};
use super::verify::Verification;
use super::{Answers, Invalid, verify};
use crate::model::Inventory;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Cycled with ←/→ or space.
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone)]
pub struct Field {
    /// `runners.namespace`; a target's fields are `role`, `preset`…
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub input: Input,
    pub help: &'static str,
}

fn text(key: &'static str, label: &'static str, value: &str, help: &'static str) -> Field {
    Field { key, label, kind: Kind::Text, input: Input::new(value.to_string()), help }
}

fn choice(key: &'static str, label: &'static str, options: &'static [&'static str], value: &str) -> Field {
    Field { key, label, kind: Kind::Choice(options), input: Input::new(value.to_string()), help: "←/→ to change" }
}

pub const PAGES: &[&str] = &["GitHub", "runners", "AWS", "target roles", "review"];
const BOOL: &[&str] = &["true", "false"];

/// A policy field: the JSON as typed, or `file://PATH` read as the AWS CLI reads it (a policy is
/// rarely typed on one line).
fn policy_text(key: &str, v: &str) -> Result<String, Invalid> {
    match v.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Invalid { key: key.into(), reason: format!("{path}: cannot read: {e}") }),
        None => Ok(v.to_string()),
    }
}

/// What the cluster or bundle already says, to start from.
#[derive(Debug, Clone, Default)]
pub struct Prefill {
    pub config_url: Option<String>,
    pub secret_name: Option<String>,
    pub scale_set_name: Option<String>,
    pub namespace: Option<String>,
    pub service_account: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub oidc_issuer: Option<String>,
    /// The boundary the scale set's role already has (an organisation's rule, most likely).
    pub permissions_boundary: Option<String>,
    /// The role the scale set's service account already names (or, when that account is in the
    /// wrong namespace, the one of that name elsewhere names): reused, not invented.
    pub base_role: Option<String>,
    /// The role the scale set's jobs assume (their workflow's role-to-assume), by name.
    pub target_role: Option<String>,
}

impl Prefill {
    /// What the data says, from its first scale set.
    pub fn from_inventory(inv: &Inventory) -> Prefill {
        Prefill::for_scale_set(inv, &[], None, None)
    }

    /// What the data says (a cluster, an account, a bundle) about one scale set: `scale_set`
    /// (`namespace/name`, the one selected) or else the first in `namespace` (`-n`, `:ns`) or
    /// else the first; its namespace and service account, the role that account names (or the
    /// one of that name elsewhere names), the role its jobs assume (from `chains`), the account,
    /// region and issuer, and the boundary its role has.
    pub fn for_scale_set(
        inv: &Inventory,
        chains: &[crate::chain::Chain],
        scale_set: Option<&str>,
        namespace: Option<&str>,
    ) -> Prefill {
        let ars = scale_set
            .and_then(|k| inv.runner_sets.iter().find(|a| a.metadata.key() == k))
            .or_else(|| namespace.and_then(|ns| inv.runner_sets.iter().find(|a| a.metadata.ns() == ns)))
            .or(inv.runner_sets.first());
        let account = inv
            .iam_accounts
            .iter()
            .next()
            .cloned()
            .or_else(|| inv.caller.as_deref().and_then(|c| c.split(':').nth(4)).map(str::to_string));
        let sa_name = ars.map(|a| a.spec.template.spec.service_account().to_string());
        // The account the runners use, or (misplaced in another namespace) the one of its name.
        let role_arn = ars.zip(sa_name.as_deref()).and_then(|(a, sa)| {
            inv.service_account(a.metadata.ns(), sa)
                .and_then(|x| x.irsa_role())
                .or_else(|| inv.service_accounts_named(sa).find_map(|x| x.irsa_role()))
        });
        let key = ars.map(|a| a.metadata.key());
        let target_role = chains
            .iter()
            .filter(|c| c.scale_set.is_some() && c.scale_set == key)
            .flat_map(|c| c.steps.iter())
            .find(|s| s.hop > 1 && s.action == "sts:AssumeRole")
            .and_then(|s| s.resource.rsplit_once(":role/").map(|(_, n)| n.rsplit('/').next().unwrap_or(n).to_string()));
        Prefill {
            config_url: ars.and_then(|a| a.spec.github_config_url.clone()),
            secret_name: None,
            scale_set_name: ars.map(|a| a.scale_set_name().to_string()),
            namespace: ars.map(|a| a.metadata.ns().to_string()),
            service_account: sa_name,
            account_id: account,
            region: inv.cluster_issuer.as_deref().and_then(|i| i.split('.').nth(2)).map(str::to_string),
            oidc_issuer: inv.cluster_issuer.clone(),
            permissions_boundary: role_arn.and_then(|arn| inv.role(arn)).and_then(|r| r.boundary.clone()),
            base_role: role_arn
                .and_then(|arn| arn.rsplit_once(":role/"))
                .map(|(_, n)| n.rsplit('/').next().unwrap_or(n).to_string()),
            target_role,
        }
    }
}

/// The verification of the answers as they stand (the review page).
#[derive(Debug, Clone)]
pub struct Review {
    pub files: Vec<File>,
    pub verification: Verification,
    pub allowed: bool,
    /// The permissions boundary the roles get.
    pub boundary: Option<String>,
    /// The verification's failing actions, grouped once (the review is drawn every frame).
    pub problems: Vec<super::verify::ActionProblem>,
}

/// What a key does in the form (the app's keymap binds the keys, `Context::Wizard*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    Leave,
    NextPage,
    PrevPage,
    NextField,
    PrevField,
    /// The next field, or the next page after the last.
    Submit,
    ChoiceNext,
    ChoicePrev,
    AddTarget,
    RemoveTarget,
    TargetNext,
    TargetPrev,
    Write,
    NextFile,
    PrevFile,
    ScrollDown,
    ScrollUp,
}

#[derive(Debug, Clone)]
pub struct WizardForm {
    pub page: usize,
    pub focus: usize,
    /// Pages 0–2: `(page, field)`.
    pub fields: Vec<(usize, Field)>,
    pub targets: Vec<Vec<Field>>,
    pub target: usize,
    /// The first problem of the answers as they stand.
    pub error: Option<Invalid>,
    pub review: Option<Review>,
    pub preview: usize,
    /// The review's scroll: rows from its top, or from the previewed file when `scroll_to_preview`
    /// (tab jumps there).
    pub scroll: i32,
    pub scroll_to_preview: bool,
    /// The directory the user was asked about overwriting (a second ctrl-w writes there).
    pub asked_overwrite: Option<std::path::PathBuf>,
    /// The review's scroll as last drawn (clamped to its length): pgup/pgdn move from there.
    pub shown_scroll: std::cell::Cell<i32>,
    pub out_dir: Input,
    pub message: Option<String>,
    /// What the data on screen (a cluster or bundle) lacks against the reviewed setup.
    pub repair: Option<Vec<String>>,
}

fn target_fields() -> Vec<Field> {
    target_fields_for(None)
}

/// A target's fields, its role named when the workflow's role-to-assume is known.
fn target_fields_for(role: Option<&str>) -> Vec<Field> {
    vec![
        text("role", "role name", role.unwrap_or(""), "the IAM role the jobs assume"),
        choice("preset", "permissions", &["ecr-push", "ecr-pull", "s3-read", "s3-read-write", "custom"], "ecr-push"),
        text("repository", "ECR repository", "", "ecr presets; empty: every repository"),
        text("bucket", "S3 bucket", "", "s3 presets"),
        text("policy", "custom policy JSON", "", "custom preset: the policy, or file://policy.json"),
        choice("session_tags", "jobs pass session tags", BOOL, "true"),
        text("session_name", "role session name", "", "empty: the action's GitHubActions"),
    ]
}

/// The GitHub page: where the runners register.
fn github_fields(p: &Prefill) -> Vec<Field> {
    let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
    vec![
        text("github.config_url", "GitHub config URL", &or(&p.config_url, ""), "https://github.com/ORG or …/ORG/REPO"),
        text(
            "github.secret_name",
            "GitHub secret name",
            &or(&p.secret_name, "arc-github-app"),
            "an existing Secret in the runner namespace",
        ),
    ]
}

/// The runners page: the scale set, its namespaces, service account and scheduling.
fn runner_fields(p: &Prefill) -> Vec<Field> {
    let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
    vec![
        text(
            "runners.scale_set_name",
            "scale set name",
            &or(&p.scale_set_name, "arc-runner-set"),
            "the runs-on label; 1–45 characters",
        ),
        text(
            "runners.namespace",
            "runner namespace",
            &or(&p.namespace, "arc-runners"),
            "where ARC creates the runner pods",
        ),
        text("runners.controller_namespace", "controller namespace", "arc-systems", ""),
        text(
            "runners.service_account",
            "runner service account",
            &or(&p.service_account, "arc-runner"),
            "in the runner namespace",
        ),
        choice("runners.architecture", "architecture", &["amd64", "arm64"], "amd64"),
        text("runners.tolerations", "tolerations", "", "comma-separated key=value:Effect"),
        choice("runners.container_mode", "container mode", &["dind", "kubernetes", "none"], "dind"),
        text("runners.min_runners", "min runners", "0", ""),
        text("runners.max_runners", "max runners", "5", ""),
        choice("runners.karpenter_do_not_disrupt", "karpenter.sh/do-not-disrupt", BOOL, "true"),
    ]
}

/// The AWS page: the account, the identity, the base role, the action version, the boundary.
fn aws_fields(p: &Prefill) -> Vec<Field> {
    let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
    vec![
        text("aws.account_id", "AWS account", &or(&p.account_id, ""), "12 digits"),
        text("aws.region", "region", &or(&p.region, "eu-west-1"), ""),
        choice("aws.identity", "identity", &["irsa", "pod-identity"], "irsa"),
        text(
            "aws.oidc_issuer",
            "cluster OIDC issuer",
            &or(&p.oidc_issuer, ""),
            "IRSA: https://oidc.eks.REGION.amazonaws.com/id/ID",
        ),
        text("aws.cluster_name", "cluster name", "", "Pod Identity: the EKS cluster"),
        text("aws.base_role", "base role name", &or(&p.base_role, "arc-runner-base"), "the runners' own role"),
        choice("aws.action_version", "configure-aws-credentials", &["v4", "v5", "v6"], "v4"),
        text(
            "aws.permissions_boundary",
            "permissions boundary",
            &or(&p.permissions_boundary, ""),
            "optional: a managed policy ARN every role gets",
        ),
        text(
            "aws.permissions_boundary_policy",
            "boundary policy JSON",
            "",
            "when no account is read: the JSON, or file://boundary.json",
        ),
    ]
}

impl WizardForm {
    pub fn new(p: &Prefill) -> WizardForm {
        let pages = [github_fields(p), runner_fields(p), aws_fields(p)];
        let fields = pages.into_iter().enumerate().flat_map(|(i, fs)| fs.into_iter().map(move |f| (i, f))).collect();
        WizardForm {
            page: 0,
            focus: 0,
            fields,
            targets: vec![target_fields_for(p.target_role.as_deref())],
            target: 0,
            error: None,
            review: None,
            preview: 0,
            scroll: 0,
            scroll_to_preview: false,
            shown_scroll: std::cell::Cell::new(0),
            asked_overwrite: None,
            out_dir: Input::new("./arc-setup".into()),
            message: None,
            repair: None,
        }
        .validated()
    }

    fn validated(mut self) -> Self {
        self.validate();
        self
    }

    /// The fields of the page on screen: those that apply to the answers so far (the cluster
    /// name only for Pod Identity, a bucket only for an S3 preset…).
    pub fn page_fields(&self) -> Vec<&Field> {
        match self.page {
            0..=2 => {
                self.fields.iter().filter(|(p, f)| *p == self.page && self.applies(f, None)).map(|(_, f)| f).collect()
            }
            3 => self.targets[self.target].iter().filter(|f| self.applies(f, Some(self.target))).collect(),
            _ => Vec::new(),
        }
    }

    /// The value of a field of pages 0–2.
    fn value(&self, key: &str) -> &str {
        self.fields.iter().find(|(_, f)| f.key == key).map_or("", |(_, f)| f.input.value().trim())
    }

    /// Does a field apply to the answers as they stand? (`target`: of which target role.)
    fn applies(&self, f: &Field, target: Option<usize>) -> bool {
        let preset = || {
            target
                .and_then(|t| self.targets.get(t))
                .and_then(|fs| fs.iter().find(|x| x.key == "preset"))
                .map_or(String::new(), |x| x.input.value().to_string())
        };
        match (target, f.key) {
            (None, "aws.oidc_issuer") => self.value("aws.identity") == "irsa",
            (None, "aws.cluster_name") => self.value("aws.identity") == "pod-identity",
            (None, "aws.permissions_boundary_policy") => !self.value("aws.permissions_boundary").is_empty(),
            (Some(_), "repository") => preset().starts_with("ecr"),
            (Some(_), "bucket") => preset().starts_with("s3"),
            (Some(_), "policy") => preset() == "custom",
            _ => true,
        }
    }

    fn focused_mut(&mut self) -> Option<&mut Field> {
        let key = self.page_fields().get(self.focus).map(|f| f.key)?;
        let (page, target) = (self.page, self.target);
        match page {
            0..=2 => self.fields.iter_mut().find(|(p, f)| *p == page && f.key == key).map(|(_, f)| f),
            3 => self.targets[target].iter_mut().find(|f| f.key == key),
            _ => None,
        }
    }

    /// The full key of a field on screen (`targets[1].bucket` for a target's).
    pub fn full_key(&self, f: &Field) -> String {
        if self.page == 3 { format!("targets[{}].{}", self.target, f.key) } else { f.key.to_string() }
    }

    /// The answers as a TOML document (so the form and an answers file share every rule).
    pub fn to_toml(&self) -> Result<String, Invalid> {
        use toml::{Table, Value};
        let mut root = Table::new();
        for (_, f) in self.fields.iter().filter(|(_, f)| self.applies(f, None)) {
            let (section, name) = f.key.split_once('.').expect("section.key");
            let v = f.input.value().trim();
            let value = match name {
                "min_runners" | "max_runners" => Value::Integer(
                    v.parse::<u32>()
                        .map_err(|_| Invalid { key: f.key.into(), reason: format!("{v:?} is not a number") })?
                        .into(),
                ),
                "karpenter_do_not_disrupt" => Value::Boolean(v == "true"),
                "tolerations" => Value::Array(
                    v.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| Value::String(t.into())).collect(),
                ),
                _ if v.is_empty()
                    && matches!(
                        name,
                        "oidc_issuer" | "cluster_name" | "permissions_boundary" | "permissions_boundary_policy"
                    ) =>
                {
                    continue;
                }
                "permissions_boundary_policy" => Value::String(policy_text(f.key, v)?),
                _ => Value::String(v.to_string()),
            };
            root.entry(section)
                .or_insert_with(|| Value::Table(Table::new()))
                .as_table_mut()
                .expect("a table")
                .insert(name.into(), value);
        }
        let targets = self
            .targets
            .iter()
            .enumerate()
            .map(|(i, fields)| {
                let mut t = Table::new();
                for f in fields.iter().filter(|f| self.applies(f, Some(i))) {
                    let v = f.input.value().trim();
                    match f.key {
                        "session_tags" => {
                            t.insert(f.key.into(), Value::Boolean(v == "true"));
                        }
                        _ if v.is_empty() && f.key != "role" => {}
                        "policy" => {
                            t.insert(f.key.into(), Value::String(policy_text(&format!("targets[{i}].policy"), v)?));
                        }
                        _ => {
                            t.insert(f.key.into(), Value::String(v.to_string()));
                        }
                    }
                }
                Ok(Value::Table(t))
            })
            .collect::<Result<Vec<Value>, Invalid>>()?;
        root.insert("targets".into(), Value::Array(targets));
        toml::to_string(&root).map_err(|e| Invalid { key: "answers".into(), reason: e.to_string() })
    }

    pub fn answers(&self) -> Result<Answers, Invalid> {
        Answers::from_toml(&self.to_toml()?)
    }

    fn validate(&mut self) {
        self.error = self.answers().err();
    }

    /// The reason beside a field, when it is the problem.
    pub fn reason(&self, f: &Field) -> Option<&str> {
        let key = self.full_key(f);
        self.error.as_ref().filter(|e| e.key == key).map(|e| e.reason.as_str())
    }

    /// Does the current problem belong to this page (so "next" is blocked)?
    fn error_on_page(&self, page: usize) -> Option<&Invalid> {
        let prefix = ["github.", "runners.", "aws.", "targets"][page.min(3)];
        self.error.as_ref().filter(|e| e.key.starts_with(prefix))
    }

    fn next_page(&mut self, existing: Option<&Inventory>) {
        self.validate();
        if self.page < 4
            && let Some(e) = self.error_on_page(self.page)
        {
            self.message = Some(format!("fix first: {e}"));
            return;
        }
        if self.page < 4 {
            self.page += 1;
            self.focus = 0;
            self.message = None;
        }
        if self.page == 4 {
            (self.scroll, self.scroll_to_preview) = (0, false);
            let answers = self.answers().ok();
            // With data on screen: what it lacks against the reviewed setup (a repair guide).
            self.repair = answers.as_ref().zip(existing).map(|(a, inv)| verify::diff(a, inv));
            self.review = answers.map(|a| {
                let files = generate(&a);
                let verification = verify::verify(&a, &files, existing).unwrap_or_default();
                let allowed = verification.allowed();
                let problems = verification.action_problems();
                Review { files, verification, allowed, boundary: a.aws.permissions_boundary.clone(), problems }
            });
        }
    }

    fn write(&mut self) {
        let Some(review) = &self.review else { return };
        if !review.allowed {
            self.message = Some("not written: a hop of the generated setup would fail (above)".into());
            return;
        }
        let dir = std::path::PathBuf::from(self.out_dir.value().trim());
        // Asked once already for this very directory: ctrl-w again is the answer.
        let overwrite = self.asked_overwrite.as_ref() == Some(&dir);
        // The answers too, so the same setup can be regenerated without the form (in a PR).
        let mut files = review.files.clone();
        if let Ok(text) = self.to_toml() {
            files.push(File { path: "answers.toml".into(), text: format!("# arcscope wizard answers\n{text}") });
        }
        self.message = Some(match super::write_files(&dir, &files, overwrite) {
            Ok(w) => {
                self.asked_overwrite = None;
                format!("{} — apply order in its README.md", w.describe(&dir))
            }
            Err(e @ super::WriteError::NotEmpty { .. }) => {
                self.asked_overwrite = Some(dir);
                format!("{e} — ctrl-w again replaces the setup's files there (others are kept)")
            }
            Err(e) => e.to_string(),
        });
    }

    /// One key. `false`: leave the wizard. `existing`: the cluster or bundle on screen, if any
    /// (the review checks against it: the boundary's document, the repair guide).
    /// A bracketed paste (one line, control characters already spaces): into the focused text
    /// field, or the output directory on the review page; a choice field takes no paste.
    pub fn paste(&mut self, text: &str) {
        use tui_input::InputRequest;
        let input = if self.page == 4 {
            Some(&mut self.out_dir)
        } else {
            self.focused_mut().filter(|f| f.kind == Kind::Text).map(|f| &mut f.input)
        };
        if let Some(input) = input {
            for c in text.chars() {
                input.handle(InputRequest::InsertChar(c));
            }
            self.validate();
        }
    }

    /// One key, with what the keymap makes of it; a key with no meaning here (or none on this
    /// page) is text for the focused field. `false`: leave the wizard.
    pub fn handle(&mut self, key: &KeyEvent, action: Option<FormKey>, existing: Option<&Inventory>) -> bool {
        let targets = self.page == 3;
        let review = self.page == 4;
        match action {
            Some(FormKey::Leave) => return false,
            Some(FormKey::NextPage) => self.next_page(existing),
            Some(FormKey::PrevPage) => {
                self.page = self.page.saturating_sub(1);
                self.focus = 0;
                self.message = None;
            }
            Some(FormKey::AddTarget) if targets => {
                self.targets.push(target_fields());
                self.target = self.targets.len() - 1;
                self.focus = 0;
            }
            Some(FormKey::RemoveTarget) if targets && self.targets.len() > 1 => {
                self.targets.remove(self.target);
                self.target = self.target.min(self.targets.len() - 1);
            }
            Some(FormKey::TargetNext) if targets => self.target = (self.target + 1) % self.targets.len(),
            Some(FormKey::TargetPrev) if targets => {
                self.target = (self.target + self.targets.len() - 1) % self.targets.len()
            }
            Some(FormKey::Write) if review => self.write(),
            Some(a @ (FormKey::NextFile | FormKey::PrevFile)) if review => {
                let n = self.review.as_ref().map_or(1, |r| r.files.len().max(1));
                self.preview = if a == FormKey::NextFile { (self.preview + 1) % n } else { (self.preview + n - 1) % n };
                (self.scroll, self.scroll_to_preview) = (0, true);
            }
            Some(a @ (FormKey::ScrollDown | FormKey::ScrollUp)) if review => {
                let step = if a == FormKey::ScrollDown { 10 } else { -10 };
                let to = (self.shown_scroll.get() + step).max(0);
                (self.scroll, self.scroll_to_preview) = (to, false);
                self.shown_scroll.set(to);
            }
            Some(FormKey::NextField) => self.focus = (self.focus + 1).min(self.page_fields().len().saturating_sub(1)),
            Some(FormKey::PrevField) => self.focus = self.focus.saturating_sub(1),
            Some(FormKey::Submit) => {
                if self.focus + 1 < self.page_fields().len() {
                    self.focus += 1;
                } else {
                    self.next_page(existing);
                }
            }
            _ if review => {
                self.out_dir.handle_event(&Event::Key(*key));
            }
            Some(a @ (FormKey::ChoiceNext | FormKey::ChoicePrev))
                if matches!(self.focused_mut().map(|f| f.kind), Some(Kind::Choice(_))) =>
            {
                if let Some(f) = self.focused_mut()
                    && let Kind::Choice(options) = f.kind
                {
                    let i = options.iter().position(|o| *o == f.input.value()).unwrap_or(0);
                    let j = if a == FormKey::ChoiceNext {
                        (i + 1) % options.len()
                    } else {
                        (i + options.len() - 1) % options.len()
                    };
                    f.input = Input::new(options[j].to_string());
                }
                self.validate();
            }
            _ => {
                if let Some(f) = self.focused_mut()
                    && f.kind == Kind::Text
                {
                    f.input.handle_event(&Event::Key(*key));
                }
                self.validate();
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> WizardForm {
        let mut form = WizardForm::new(&Prefill {
            config_url: Some("https://github.com/my-org".into()),
            account_id: Some("111122223333".into()),
            oidc_issuer: Some("https://oidc.eks.eu-west-1.amazonaws.com/id/AB12".into()),
            ..Prefill::default()
        });
        let set = |fields: &mut Vec<Field>, key: &str, v: &str| {
            fields.iter_mut().find(|f| f.key == key).unwrap().input = Input::new(v.into());
        };
        set(&mut form.targets[0], "role", "deploy");
        set(&mut form.targets[0], "preset", "custom");
        form
    }

    #[test]
    fn a_policy_field_reads_file_urls_like_the_aws_cli_and_names_the_key_when_it_cannot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        let policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]\n}\n";
        std::fs::write(&path, policy).unwrap();
        let mut form = filled();
        let field = form.targets[0].iter_mut().find(|f| f.key == "policy").unwrap();
        field.input = Input::new(format!("file://{}", path.display()));
        let a = form.answers().expect("valid answers");
        assert_eq!(a.targets[0].policy.as_deref(), Some(policy), "the file's text, multi-line");

        let field = form.targets[0].iter_mut().find(|f| f.key == "policy").unwrap();
        field.input = Input::new(format!("file://{}/missing.json", dir.path().display()));
        let e = form.answers().unwrap_err();
        assert_eq!(e.key, "targets[0].policy");
        assert!(e.reason.contains("cannot read"), "{e}");
    }
}
