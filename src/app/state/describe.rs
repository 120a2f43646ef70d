//! `d` and `:events`: the selected object as `kubectl describe` shows it — its fields, then the
//! events about it, warnings first — and every event the data holds. Text for the pager, so it
//! scrolls and searches like YAML. Environment values are not shown (they may hold what a Secret
//! should: `kubectl describe` prints them, arcscope says only that they are set).

use std::fmt::Write;

use crate::model::Inventory;
use crate::model::k8s::{Event, ObjectMeta, PodSpec};

use super::{App, View};

/// `d`: the selected row as `(title, text)`, or why there is nothing to describe.
pub(super) fn describe(app: &App) -> Result<(String, String), String> {
    let inv = &app.data.inv;
    let row = app.selected_row().map(|r| r.key.clone());
    let subject = match app.view() {
        View::Chain { subject } | View::Logs { subject } => Some(subject.clone()),
        _ => None,
    };
    let key = subject.or(row).ok_or_else(|| "nothing selected to describe".to_string())?;
    let (ns, name) = key.split_once('/').unwrap_or(("", key.as_str()));
    let mut out = String::new();
    let title = match app.view() {
        View::Roles => {
            let role = inv.roles.get(&key).ok_or("the role is not in the data")?;
            return Ok((format!("describe role {}", role.arn.name), super::rows::role_text(inv, role)));
        }
        View::Pulse => {
            let set = inv
                .runner_sets
                .iter()
                .find(|s| s.metadata.ns() == ns && s.metadata.name == name)
                .ok_or("the scale set is not in the data")?;
            meta(&mut out, &set.metadata);
            field(&mut out, "GitHub config URL", set.spec.github_config_url.as_deref());
            field(&mut out, "Runner scale set", set.spec.runner_scale_set_name.as_deref());
            field(&mut out, "Min runners", set.spec.min_runners.map(|n| n.to_string()).as_deref());
            field(&mut out, "Max runners", set.spec.max_runners.map(|n| n.to_string()).as_deref());
            out.push_str("Pod template:\n");
            pod_spec(&mut out, &set.spec.template.spec, "  ");
            format!("describe autoscalingrunnerset {key}")
        }
        View::ServiceAccounts => {
            let sa = inv.service_account(ns, name).ok_or("the service account is not in the data (missing)")?;
            meta(&mut out, &sa.metadata);
            let users: Vec<&str> =
                app.data.chains.iter().filter(|c| c.service_account == key).map(|c| c.subject.as_str()).collect();
            field(
                &mut out,
                "Used by",
                Some(&if users.is_empty() { "no runner in the data".into() } else { users.join(", ") }),
            );
            format!("describe serviceaccount {key}")
        }
        _ => describe_runner(&mut out, inv, ns, name)?,
    };
    events_of(&mut out, inv, ns, name);
    Ok((title, out))
}

/// A runner: its pod when there is one, else its EphemeralRunner.
fn describe_runner(out: &mut String, inv: &Inventory, ns: &str, name: &str) -> Result<String, String> {
    if let Some(pod) = inv.pods.iter().find(|p| p.metadata.ns() == ns && p.metadata.name == name) {
        meta(out, &pod.metadata);
        field(out, "Service Account", Some(pod.spec.service_account()));
        field(out, "Node", pod.spec.node_name.as_deref());
        field(out, "Start Time", pod.status.start_time.as_deref());
        field(out, "Status", pod.status.phase.as_deref());
        field(out, "Reason", pod.status.reason.as_deref());
        field(out, "Message", pod.status.message.as_deref());
        pod_spec(out, &pod.spec, "");
        if !pod.status.container_statuses.is_empty() {
            out.push_str("Container statuses:\n");
            for c in &pod.status.container_statuses {
                let _ = writeln!(out, "  {}: ready {}, restarts {}", c.name, c.ready, c.restart_count);
            }
        }
        return Ok(format!("describe pod {ns}/{name}"));
    }
    let er = inv.ephemeral_runner(ns, name).ok_or("no pod or EphemeralRunner of that name in the data")?;
    meta(out, &er.metadata);
    field(out, "Phase", er.status.phase.as_deref());
    field(out, "Reason", er.status.reason.as_deref());
    field(out, "Message", er.status.message.as_deref());
    field(out, "Job", er.status.job_display_name.as_deref());
    field(out, "Repository", er.status.job_repository_name.as_deref());
    pod_spec(out, &er.spec.spec, "");
    Ok(format!("describe ephemeralrunner {ns}/{name}"))
}

fn field(out: &mut String, label: &str, value: Option<&str>) {
    let _ = writeln!(out, "{:<20}{}", format!("{label}:"), value.unwrap_or("<none>"));
}

fn meta(out: &mut String, m: &ObjectMeta) {
    field(out, "Name", Some(&m.name));
    field(out, "Namespace", m.namespace.as_deref());
    field(out, "Created", m.creation_timestamp.as_deref());
    let pairs = |map: &std::collections::BTreeMap<String, String>| {
        if map.is_empty() {
            "<none>".to_string()
        } else {
            map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n                    ")
        }
    };
    field(out, "Labels", Some(&pairs(&m.labels)));
    field(out, "Annotations", Some(&pairs(&m.annotations)));
    if let Some(o) = m.owner_references.first() {
        field(out, "Controlled By", Some(&format!("{}/{}", o.kind, o.name)));
    }
}

fn pod_spec(out: &mut String, spec: &PodSpec, indent: &str) {
    let _ = writeln!(out, "{indent}{:<20}{}", "Service Account:", spec.service_account());
    let _ = writeln!(out, "{indent}Containers:");
    for c in &spec.containers {
        let _ = writeln!(out, "{indent}  {}:", c.name);
        let _ = writeln!(out, "{indent}    Image:        {}", c.image.as_deref().unwrap_or("<none>"));
        if !c.env.is_empty() {
            let _ = writeln!(out, "{indent}    Environment:");
            for e in &c.env {
                // Names only: a value may be what a Secret should hold.
                let how = if e.value_from.is_some() { "<set from a reference>" } else { "<set>" };
                let _ = writeln!(out, "{indent}      {}: {how}", e.name);
            }
        }
    }
    for v in &spec.volumes {
        if let Some(p) = &v.projected {
            for s in p.sources.iter().filter_map(|s| s.service_account_token.as_ref()) {
                let _ = writeln!(
                    out,
                    "{indent}Projected token:    volume {}, audience {}, expires in {} s",
                    v.name,
                    s.audience.as_deref().unwrap_or("<api server's>"),
                    s.expiration_seconds.unwrap_or(3600)
                );
            }
        }
    }
}

/// The events about one object, warnings first, as `kubectl describe` ends.
fn events_of(out: &mut String, inv: &Inventory, ns: &str, name: &str) {
    let mut events: Vec<&Event> = inv
        .events
        .iter()
        .filter(|e| e.involved_object.name == name && e.involved_object.namespace.as_deref().unwrap_or(ns) == ns)
        .collect();
    events.sort_by_key(|e| e.type_.as_deref() != Some("Warning"));
    out.push_str("Events:");
    if events.is_empty() {
        out.push_str("           <none in the data>\n");
        return;
    }
    out.push('\n');
    for e in events {
        event_line(out, e, false);
    }
}

fn event_line(out: &mut String, e: &Event, object: bool) {
    let when = e.last_timestamp.as_deref().or(e.event_time.as_deref()).unwrap_or("-");
    let count = e.count.filter(|c| *c > 1).map(|c| format!(" (×{c})")).unwrap_or_default();
    let what = match (object, e.involved_object.namespace.as_deref()) {
        (false, _) => String::new(),
        (true, Some(ns)) => format!("{}/{ns}/{} ", e.involved_object.kind.to_lowercase(), e.involved_object.name),
        (true, None) => format!("{}/{} ", e.involved_object.kind.to_lowercase(), e.involved_object.name),
    };
    let _ = writeln!(
        out,
        "  {when}  {:<8} {:<20} {what}{}{count}",
        e.type_.as_deref().unwrap_or("?"),
        e.reason.as_deref().unwrap_or(""),
        e.message.as_deref().unwrap_or("")
    );
}

/// `:events`: every event in the data (in the namespace chosen with `:ns`), warnings first, the
/// latest first within each.
pub(super) fn all_events(inv: &Inventory, namespace: Option<&str>) -> (String, String) {
    let mut events: Vec<&Event> = inv
        .events
        .iter()
        .filter(|e| {
            namespace
                .is_none_or(|ns| e.involved_object.namespace.as_deref().or(e.metadata.namespace.as_deref()) == Some(ns))
        })
        .collect();
    let when = |e: &Event| e.last_timestamp.clone().or_else(|| e.event_time.clone()).unwrap_or_default();
    events.sort_by(|a, b| {
        (a.type_.as_deref() != Some("Warning"))
            .cmp(&(b.type_.as_deref() != Some("Warning")))
            .then(when(b).cmp(&when(a)))
    });
    let mut out = String::new();
    if events.is_empty() {
        let why = if inv.events.is_empty() {
            "no events in the data (a bundle holds them from `kubectl get events -A -o json`; live, they are watched)"
        } else {
            "no events in this namespace"
        };
        out.push_str(why);
    }
    for e in &events {
        event_line(&mut out, e, true);
    }
    (format!("events{} · {}", namespace.map(|n| format!(" in {n}")).unwrap_or_default(), events.len()), out)
}
