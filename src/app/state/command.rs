//! The `:` commands: one table drives dispatch, completion and help.

use super::{App, Mode, View};

/// What a `:` command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Pulse,
    Runners,
    ServiceAccounts,
    Roles,
    Chain,
    Logs,
    Namespace,
    Warnings,
    Events,
    Context,
    Wizard,
    Help,
    Quit,
}

/// One `:` command: its name (shown in help, completed first), the other words that run it, the
/// ones tab also offers, and its line in help.
pub struct CommandSpec {
    pub cmd: Cmd,
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub completes: &'static [&'static str],
    pub help: &'static str,
}

const fn spec(
    cmd: Cmd,
    name: &'static str,
    aliases: &'static [&'static str],
    completes: &'static [&'static str],
    help: &'static str,
) -> CommandSpec {
    CommandSpec { cmd, name, aliases, completes, help }
}

pub const COMMANDS: &[CommandSpec] = &[
    spec(Cmd::Pulse, "pulse", &["p"], &[], "scale sets at a glance"),
    spec(
        Cmd::Runners,
        "runners",
        &["runner", "pods", "pod", "po"],
        &["pods"],
        "runner pods, EphemeralRunners (pods, po)",
    ),
    spec(
        Cmd::ServiceAccounts,
        "sa",
        &["serviceaccounts", "serviceaccount"],
        &["serviceaccounts"],
        "service accounts (alias serviceaccounts)",
    ),
    spec(Cmd::Roles, "roles", &["role"], &[], "IAM roles"),
    spec(Cmd::Chain, "chain", &["chains"], &[], "selected runner's chain (else the worst)"),
    spec(Cmd::Logs, "logs", &["log"], &[], "logs of the selected runner"),
    spec(Cmd::Namespace, "ns", &["namespace", "namespaces"], &[], "namespace: ns NAME, ns all"),
    spec(Cmd::Warnings, "warnings", &["warning", "warn"], &[], "what could not be read, and why"),
    spec(Cmd::Events, "events", &["event", "ev"], &[], "Kubernetes events, warnings first (in :ns)"),
    spec(Cmd::Context, "ctx", &["context", "contexts"], &[], "kubeconfig contexts; ctx NAME switches (live)"),
    spec(Cmd::Wizard, "wizard", &["setup"], &[], "write a working setup, verified"),
    spec(Cmd::Help, "help", &["?"], &[], "keys"),
    spec(Cmd::Quit, "q", &["q!", "quit", "exit"], &[], "quit"),
];

/// The command a word names, by its name or an alias.
pub fn command(word: &str) -> Option<Cmd> {
    COMMANDS.iter().find(|c| c.name == word || c.aliases.contains(&word)).map(|c| c.cmd)
}

impl App {
    /// Run a `:` command line.
    pub fn run_command(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        let Some(word) = words.next() else { return };
        let arg = words.next();
        match command(word) {
            Some(Cmd::Pulse) => self.switch(View::Pulse),
            Some(Cmd::Runners) => self.switch(View::Runners { scale_set: None }),
            Some(Cmd::ServiceAccounts) => self.switch(View::ServiceAccounts),
            Some(Cmd::Roles) => self.switch(View::Roles),
            Some(Cmd::Chain) => {
                match arg.map(str::to_string).or_else(|| self.selected_subject()).or_else(|| self.worst_subject()) {
                    Some(s) => self.push(View::Chain { subject: s }),
                    None => self.status = Some("no runner to show".into()),
                }
            }
            Some(Cmd::Logs) => {
                match arg.map(str::to_string).or_else(|| self.selected_subject()).or_else(|| self.worst_subject()) {
                    Some(s) => self.push(View::Logs { subject: s }),
                    None => self.status = Some("no runner to show".into()),
                }
            }
            Some(Cmd::Namespace) => self.set_namespace(arg),
            Some(Cmd::Events) => {
                let (title, text) = super::describe::all_events(&self.data.inv, self.nav.namespace.as_deref());
                self.show_text(title, text);
            }
            Some(Cmd::Context) => self.switch_context(arg),
            Some(Cmd::Warnings) => {
                let all = self.all_warnings();
                let text = if all.is_empty() {
                    "nothing: every source was read".to_string()
                } else {
                    all.iter().map(|w| format!("⚠ {w}")).collect::<Vec<_>>().join("\n")
                };
                let title = format!("{} warning(s)", all.len());
                self.show_text(title, text);
            }
            Some(Cmd::Wizard) => self.open_wizard(),
            Some(Cmd::Help) => self.nav.mode = Mode::Help { scroll: 0 },
            Some(Cmd::Quit) => self.quit = true,
            _ => self.status = Some(format!("unknown command :{word} (try :help)")),
        }
    }

    /// `:ns NAME` (`all`, `-A`, `*`: every namespace). A name the data has never seen is refused
    /// with the ones it has, as kubectl's `namespaces "x" not found` would be.
    fn set_namespace(&mut self, arg: Option<&str>) {
        let wanted = match arg {
            None | Some("all") | Some("-A") | Some("*") => None,
            Some(ns) => Some(ns.to_string()),
        };
        if let Some(ns) = &wanted {
            let known = self.namespaces();
            if !known.contains(ns) {
                let some: Vec<&str> = known.iter().take(6).map(String::as_str).collect();
                let more = if known.len() > some.len() { ", …" } else { "" };
                self.status = Some(if known.is_empty() {
                    format!("namespace {ns:?} not found: no namespace has been read yet")
                } else {
                    format!("namespace {ns:?} not found (known: {}{more}; tab completes)", some.join(", "))
                });
                return;
            }
        }
        self.nav.namespace = wanted;
        self.status = Some(format!("namespace: {}", self.nav.namespace.as_deref().unwrap_or("all")));
        self.refresh_table();
    }

    /// Every namespace the data knows: listed ones and those its objects live in, sorted.
    pub fn namespaces(&self) -> Vec<String> {
        let inv = &self.data.inv;
        let mut all: std::collections::BTreeSet<String> = inv.namespaces.clone();
        all.extend(inv.pods.iter().map(|p| p.metadata.ns().to_string()));
        all.extend(inv.service_accounts.iter().map(|p| p.metadata.ns().to_string()));
        all.extend(inv.runner_sets.iter().map(|p| p.metadata.ns().to_string()));
        all.extend(inv.ephemeral_runners.iter().map(|p| p.metadata.ns().to_string()));
        all.remove("");
        all.into_iter().collect()
    }

    /// What tab offers for the word being typed: commands for the first word; for `ns` the
    /// namespaces, for `chain`/`logs` the runners, for `ctx` the contexts.
    fn candidates(&self, line: &str) -> (String, Vec<String>) {
        let l = line.trim_start();
        match l.split_once(' ') {
            None => {
                let names = COMMANDS.iter().map(|c| c.name);
                let more = COMMANDS.iter().flat_map(|c| c.completes.iter().copied());
                let mut out: Vec<String> = Vec::new();
                for c in names.chain(more).filter(|c| c.starts_with(l)) {
                    if !out.iter().any(|o| o == c) {
                        out.push(c.to_string());
                    }
                }
                (String::new(), out)
            }
            Some((word, rest)) => {
                let prefix = rest.trim_start();
                let pool: Vec<String> = match command(word) {
                    Some(Cmd::Namespace) => std::iter::once("all".to_string()).chain(self.namespaces()).collect(),
                    Some(Cmd::Chain | Cmd::Logs) => self.data.chains.iter().map(|c| c.subject.clone()).collect(),
                    Some(Cmd::Context) => self.contexts.clone(),
                    _ => Vec::new(),
                };
                let mut out: Vec<String> = pool.into_iter().filter(|c| c.starts_with(prefix)).collect();
                out.dedup();
                (format!("{word} "), out)
            }
        }
    }

    /// Tab: the next completion of the word being typed. Pressed again it cycles through the
    /// others (`:r` → runners → roles → runners), as k9s does.
    pub(super) fn complete_next(&mut self, line: &str) -> Option<String> {
        if let Some(c) = &mut self.completion
            && line == c.shown
            && !c.options.is_empty()
        {
            c.next = (c.next + 1) % c.options.len();
            c.shown = format!("{}{}", c.base, c.options[c.next]);
            return Some(c.shown.clone());
        }
        let (base, options) = self.candidates(line);
        let first = options.first()?;
        let shown = format!("{base}{first}");
        self.completion = Some(Completion { base, options, next: 0, shown: shown.clone() });
        Some(shown)
    }
}

/// Where tab's cycle is: the line's fixed part, the words offered, the one shown.
#[derive(Debug, Clone)]
pub struct Completion {
    base: String,
    options: Vec<String>,
    next: usize,
    shown: String,
}

impl App {
    /// `:ctx`: the kubeconfig's contexts; `:ctx NAME` switches the live cluster to that context
    /// (the watches start again there; IAM stays, it is the account's, not the cluster's).
    fn switch_context(&mut self, arg: Option<&str>) {
        if !self.caps.live {
            self.status = Some(
                ":ctx switches a live cluster's kubeconfig context; this data is one cluster as it was taken".into(),
            );
            return;
        }
        let Some(name) = arg else {
            let current = self.context.as_deref();
            let text = if self.contexts.is_empty() {
                "the kubeconfig names no contexts".to_string()
            } else {
                self.contexts
                    .iter()
                    .map(|c| format!("{} {c}", if Some(c.as_str()) == current { "*" } else { " " }))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            self.show_text("contexts (:ctx NAME switches)".into(), text);
            return;
        };
        if !self.contexts.iter().any(|c| c == name) {
            self.status = Some(format!("no context {name:?} in the kubeconfig (:ctx lists them; tab completes)"));
            return;
        }
        if self.context.as_deref() == Some(name) {
            self.status = Some(format!("already on context {name}"));
            return;
        }
        self.begin_context(name);
        self.effects.push(super::Effect::SwitchContext(name.to_string()));
    }
}
