//! The header (source, cluster, account, caller, read-only, data age, live state) and the
//! breadcrumbs.

use super::theme::Theme;
use crate::app::App;
use crate::app::state::rows::{self};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// `assumed-role/oncall/me` of a caller ARN (the account is in the header already).
pub(super) fn short_arn(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

pub(super) fn region(app: &App) -> Option<String> {
    let issuer = app.data.inv.cluster_issuer.as_deref()?;
    let host = crate::iam::arn::issuer_host_path(issuer);
    host.strip_prefix("oidc.eks.").and_then(|r| r.split('.').next()).map(str::to_string)
}

/// A header segment's rank: when the header does not fit, the lowest go first. What protects
/// the user (read-only, what is loading, a watch in trouble, a frozen screen) goes last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Region,
    Iam,
    Caller,
    Cluster,
    Namespace,
    Account,
    Age,
    Source,
    Alert,
    Fixed,
}

pub(super) fn draw_header(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let accounts: Vec<&str> = app.data.inv.iam_accounts.iter().map(String::as_str).collect();
    let h = t.header();
    let mut parts: Vec<(Rank, Span)> = vec![
        (Rank::Fixed, Span::styled(" arcscope ", h.add_modifier(Modifier::BOLD))),
        (Rank::Source, Span::styled(format!("│ {} ", app.data.inv.source), h)),
    ];
    // What is being read, first: while it lasts it is what the user waits on.
    if let Some(loading) = app.loading_summary() {
        parts.push((Rank::Alert, Span::styled(format!("│ {loading} "), h.add_modifier(Modifier::BOLD))));
    }
    parts.extend([
        (Rank::Cluster, Span::styled(format!("│ cluster {} ", app.data.inv.cluster_name.as_deref().unwrap_or("?")), h)),
        (
            Rank::Account,
            Span::styled(
                format!("│ account {} ", if accounts.is_empty() { "?".into() } else { accounts.join(",") }),
                h,
            ),
        ),
        (Rank::Region, Span::styled(format!("│ {} ", region(app).unwrap_or_else(|| "region ?".into())), h)),
    ]);
    // The live AWS caller (sts:GetCallerIdentity); offline (a bundle, --no-aws) there is none
    // and no AWS call is made, so no segment: the width goes to what is there.
    match (app.data.inv.caller.as_deref(), app.caps.aws_live) {
        (Some(c), _) => parts.push((Rank::Caller, Span::styled(format!("│ caller: {} ", short_arn(c)), h))),
        (None, true) => parts.push((Rank::Caller, Span::styled("│ caller: … ", h))),
        (None, false) => {}
    }
    parts.push((Rank::Fixed, Span::styled("│ 🔒 read-only ", h)));
    let age = if app.caps.captured {
        // An offline bundle: when it was taken (the date matters for a past incident).
        format!("│ as of {}Z ", app.loaded_at.replacen('T', " ", 1).get(..16).unwrap_or(&app.loaded_at))
    } else {
        format!("│ loaded {} ", app.loaded_at.split_once('T').map_or(app.loaded_at.as_str(), |(_, t)| t))
    };
    parts.push((Rank::Age, Span::styled(age, h)));
    // Live IAM: its state while reading, else its age (`r` reads it again).
    if app.data.inv.caller.is_some() || app.streams.iam_state.is_some() {
        let iam = match (&app.streams.iam_state, app.streams.iam_loaded_at) {
            (Some(s), _) => s.clone(),
            (None, Some(at)) => format!("read {} ago", rows::age(at.elapsed().as_secs() as i64)),
            (None, None) => "read".into(),
        };
        parts.push((Rank::Iam, Span::styled(format!("│ iam {iam} "), h)));
    }
    if let Some(state) = app.watch_summary() {
        parts.push((Rank::Alert, Span::styled(format!("│ {state} "), h)));
    }
    if app.chain.sim.active() && matches!(app.view(), crate::app::state::View::Chain { .. }) {
        parts.push((Rank::Alert, Span::styled("│ WHAT-IF ", h.add_modifier(Modifier::BOLD))));
    }
    if app.streams.frozen {
        parts.push((Rank::Alert, Span::styled("│ ❄ frozen ", h.add_modifier(Modifier::BOLD))));
    }
    if app.nav.namespace.is_some() {
        parts.push((Rank::Namespace, Span::styled(format!("│ ns {} ", app.nav.namespace.as_deref().unwrap_or("")), h)));
    }
    f.render_widget(Paragraph::new(Line::from(fit_header(parts, area.width as usize))).style(h), area);
}

/// The segments that fit in `width`, in their order: the lowest-ranked go first (the last of
/// equal rank first).
fn fit_header(mut parts: Vec<(Rank, Span<'_>)>, width: usize) -> Vec<Span<'_>> {
    while parts.iter().map(|(_, s)| s.width()).sum::<usize>() > width {
        let Some(i) =
            (0..parts.len()).filter(|&i| parts[i].0 != Rank::Fixed).min_by_key(|&i| (parts[i].0, usize::MAX - i))
        else {
            break;
        };
        parts.remove(i);
    }
    parts.into_iter().map(|(_, s)| s).collect()
}

pub(super) fn draw_crumbs(f: &mut Frame, app: &App, t: &Theme, area: Rect) {
    let mut spans = Vec::new();
    for (i, v) in app.nav.stack.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", t.muted()));
        }
        let style = if i + 1 == app.nav.stack.len() { t.title() } else { t.muted() };
        spans.push(Span::styled(v.title(), style));
    }
    let filter = app.table_state().filter;
    if app.view().is_table() && !filter.is_empty() {
        spans.push(Span::styled(format!("  /{filter}"), t.filter_match()));
    }
    if app.view().is_table() {
        spans
            .push(Span::styled(format!("  [{}/{}]", app.nav.table.visible.len(), app.nav.table.rows.len()), t.muted()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
