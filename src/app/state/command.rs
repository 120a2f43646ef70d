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
            Some(Cmd::Namespace) => {
                self.nav.namespace = match arg {
                    None | Some("all") | Some("-A") | Some("*") => None,
                    Some(ns) => Some(ns.to_string()),
                };
                self.status = Some(format!("namespace: {}", self.nav.namespace.as_deref().unwrap_or("all")));
                self.refresh_table();
            }
            Some(Cmd::Warnings) => {
                let all = self.all_warnings();
                let text = if all.is_empty() {
                    "nothing: every source was read".to_string()
                } else {
                    all.iter().map(|w| format!("⚠ {w}")).collect::<Vec<_>>().join("\n")
                };
                let title = format!("{} warning(s)", all.len());
                self.nav.found = None;
                self.nav.mode = Mode::Text { title, text, scroll: 0 };
            }
            Some(Cmd::Wizard) => self.open_wizard(),
            Some(Cmd::Help) => self.nav.mode = Mode::Help { scroll: 0 },
            Some(Cmd::Quit) => self.quit = true,
            _ => self.status = Some(format!("unknown command :{word} (try :help)")),
        }
    }

    /// Complete the first word of a command line.
    pub fn complete(line: &str) -> Option<String> {
        let l = line.trim_start();
        if l.contains(' ') || l.is_empty() {
            return None;
        }
        let names = COMMANDS.iter().map(|c| c.name);
        let more = COMMANDS.iter().flat_map(|c| c.completes.iter().copied());
        names.chain(more).find(|c| c.starts_with(l) && *c != l).map(str::to_string)
    }
}
