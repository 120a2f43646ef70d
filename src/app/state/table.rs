//! The list views' table: rows built from the model (or patched in place after a live change),
//! filtered and sorted, and the per-view selection.

use regex::Regex;
use std::sync::Arc;

use super::super::filter::Filter;
use super::{App, Row, TableData, TableState, View};

impl App {
    /// Before a frame: what live changes left pending (the table, patched or rebuilt once per
    /// frame, not once per change).
    pub fn settle(&mut self) {
        let listing = self.streams.listing.keys().any(|k| k.shapes_chains());
        let due = self.streams.rechained_at.is_none_or(|at| at.elapsed() >= super::RECHAIN_EVERY);
        if self.streams.chains_stale && (!listing || due) {
            self.streams.chains_stale = false;
            self.streams.rechained_at = Some(std::time::Instant::now());
            self.recompute();
            self.compute_reach();
            if matches!(self.view(), View::Roles) {
                self.refresh_table();
            }
            return;
        }
        if self.table_stale {
            self.refresh_stale();
        }
    }

    /// Recompute the current list view's rows, then filter and sort.
    /// Before a frame, after live changes: the runners table is patched row by row when few
    /// runners changed (a change among 10,000 costs a binary search, not a rebuild); anything
    /// else is rebuilt.
    pub fn refresh_stale(&mut self) {
        let patchable = matches!(self.view(), View::Runners { .. }) && self.table_view.as_ref() == Some(self.view());
        match self.dirty_subjects.take() {
            Some(dirty) if patchable && dirty.len() <= 256 => self.patch_runner_rows(dirty),
            _ => self.refresh_table(),
        }
    }

    pub(super) fn patch_runner_rows(&mut self, mut dirty: Vec<String>) {
        let View::Runners { scale_set } = self.view().clone() else { return };
        dirty.sort();
        dirty.dedup();
        for subject in dirty {
            let row = crate::app::state::rows::runner_row_for(self, &subject, scale_set.as_deref())
                .filter(|r| self.in_namespace_row(r))
                .map(Arc::new);
            match (self.nav.table.rows.binary_search_by(|r| r.key.as_str().cmp(&subject)), row) {
                (Ok(i), Some(r)) => self.nav.table.rows[i] = r,
                (Ok(i), None) => {
                    self.nav.table.rows.remove(i);
                }
                (Err(i), Some(r)) => self.nav.table.rows.insert(i, r),
                (Err(_), None) => {}
            }
        }
        self.dirty_subjects = Some(Vec::new());
        self.table_stale = false;
        self.apply_filter();
    }

    pub fn refresh_table(&mut self) {
        use crate::app::state::rows;
        self.table_stale = false;
        self.dirty_subjects = Some(Vec::new());
        self.table_view = Some(self.view().clone());
        let data: (Vec<&'static str>, Vec<Row>) = match self.view().clone() {
            View::Pulse => rows::pulse(self),
            View::Runners { scale_set } => rows::runners(self, scale_set.as_deref()),
            View::ServiceAccounts => rows::service_accounts(self),
            View::Roles => rows::roles(self),
            _ => return,
        };
        let data = (data.0, data.1.into_iter().map(Arc::new).collect::<Vec<_>>());
        let data = TableData {
            rows: if self.nav.namespace.is_some() {
                data.1.into_iter().filter(|r| self.in_namespace_row(r)).collect()
            } else {
                data.1
            },
            columns: data.0,
            visible: Vec::new(),
        };
        self.nav.table = data;
        self.apply_filter();
    }

    pub(super) fn in_namespace_row(&self, r: &Row) -> bool {
        match self.view() {
            View::Roles => true,
            _ => r.key.split('/').next().is_none_or(|ns| self.in_namespace(ns)),
        }
    }

    pub(super) fn in_namespace(&self, ns: &str) -> bool {
        self.nav.namespace.as_deref().is_none_or(|n| n == ns)
    }

    /// Filter (regex, `!` inverts; an invalid one is an error in the prompt and filters nothing)
    /// and sort the visible rows. The pattern is compiled here, once per change.
    pub fn apply_filter(&mut self) {
        let st = self.table_state();
        self.filter = Filter::compile(&st.filter);
        let filter = self.filter.as_ref().ok().and_then(Option::as_ref);
        let mut visible: Vec<usize> = (0..self.nav.table.rows.len())
            .filter(|&i| filter.is_none_or(|f| f.keeps(&self.nav.table.rows[i].cells)))
            .collect();
        if let Some((col, rev)) = st.sort {
            let rows = &self.nav.table.rows;
            visible.sort_by(|&a, &b| {
                let (x, y) = (rows[a].cells.get(col), rows[b].cells.get(col));
                let o = match (x.and_then(|v| v.parse::<f64>().ok()), y.and_then(|v| v.parse::<f64>().ok())) {
                    (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal),
                    _ => x.cmp(&y),
                };
                if rev { o.reverse() } else { o }
            });
        }
        self.nav.table.visible = visible;
        let len = self.nav.table.visible.len();
        let st = self.table_state_mut();
        st.selected = st.selected.min(len.saturating_sub(1));
    }

    /// The compiled filter of the table on screen (matches are highlighted).
    pub fn filter_regex(&self) -> Option<(&Regex, bool)> {
        self.filter.as_ref().ok().and_then(Option::as_ref).map(|f| (&f.regex, f.invert))
    }

    pub fn table_state(&self) -> TableState {
        self.nav.tables.get(self.view().kind()).cloned().unwrap_or_default()
    }

    pub(super) fn table_state_mut(&mut self) -> &mut TableState {
        let kind = self.view().kind();
        self.nav.tables.entry(kind).or_default()
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let st = self.table_state();
        self.nav.table.visible.get(st.selected).and_then(|&i| self.nav.table.rows.get(i)).map(|r| &**r)
    }

    pub(super) fn select_key(&mut self, key: &str) {
        if let Some(pos) = self.nav.table.visible.iter().position(|&i| self.nav.table.rows[i].key == key) {
            self.table_state_mut().selected = pos;
        }
    }
}
