//! Organization policies as layers of levels (R2, R3): SCPs on the principal's side, RCPs on the
//! resource's. Every level from the organization's root through each OU down to the account must
//! hold an allowing statement, and a deny at any level is final. What the data cannot say (a level
//! whose attachments were not read, an organization the caller may not read) is never taken for
//! "none": an allow it could still deny becomes `unknown`.

use super::{Decision, Evaluation, Layer, LayerScan, NamedPolicy, StatementRef, Subject, must_allow, scan};

/// The organization policies of one kind that apply to one account.
#[derive(Debug, Clone, Default)]
pub enum OrgPolicies<'a> {
    /// None apply: not an organization member (a definite answer), the management account, the
    /// policy type not enabled, or no organization data in an offline bundle.
    #[default]
    None,
    /// Root first, the account last.
    Levels(Vec<OrgLevel<'a>>),
    /// They could not be read; why, in the user's words.
    Unknown(String),
}

/// One level of the organization tree and the policies attached to it.
#[derive(Debug, Clone)]
pub struct OrgLevel<'a> {
    /// `root r-ab12`, `OU ou-ab12-cd34ef56`, `account 111122223333`.
    pub target: String,
    /// `None`: what is attached there is not in the data.
    pub policies: Option<Vec<NamedPolicy<'a>>>,
}

impl<'a> OrgPolicies<'a> {
    /// Policies known only as a set, with no tree (a bundle's `describe-policy` files alone):
    /// counted as attached to the account itself, one level.
    pub fn flat(policies: Vec<NamedPolicy<'a>>) -> OrgPolicies<'a> {
        if policies.is_empty() {
            return OrgPolicies::None;
        }
        OrgPolicies::Levels(vec![OrgLevel { target: "the account".into(), policies: Some(policies) }])
    }
}

/// One kind's levels, scanned against one request.
pub(super) struct OrgScan {
    layer: Layer,
    levels: Vec<(String, Option<LayerScan>)>,
    unread: Option<String>,
}

pub(super) fn scan_org(layer: Layer, p: &OrgPolicies<'_>, sub: &Subject<'_>, notes: &mut Vec<String>) -> OrgScan {
    let mut out = OrgScan { layer, levels: Vec::new(), unread: None };
    match p {
        OrgPolicies::None => {}
        OrgPolicies::Unknown(why) => out.unread = Some(why.clone()),
        OrgPolicies::Levels(levels) => {
            for l in levels {
                let s = l.policies.as_deref().map(|ps| scan(layer, ps, sub, notes));
                out.levels.push((l.target.clone(), s));
            }
        }
    }
    out
}

fn kind_name(layer: Layer) -> &'static str {
    if layer == Layer::Scp { "SCP" } else { "RCP" }
}

impl OrgScan {
    /// The scanned levels, for the deny pass (R1).
    pub(super) fn scans(&self) -> impl Iterator<Item = &LayerScan> {
        self.levels.iter().filter_map(|(_, s)| s.as_ref())
    }

    /// R2/R3: every level must allow. A level with nothing attached allows nothing; a level whose
    /// attachments are unknown leaves the decision unknown.
    pub(super) fn must_allow(
        &self,
        statements: &mut Vec<StatementRef>,
        notes: &mut Vec<String>,
    ) -> Result<(), Evaluation> {
        let kind = kind_name(self.layer);
        for (target, s) in &self.levels {
            let Some(s) = s else {
                let mut notes = std::mem::take(notes);
                notes.push(format!("the {kind}s attached to {target} are not in the data"));
                return Err(Evaluation {
                    decision: Decision::Unknown,
                    decided_by: self.layer,
                    statements: Vec::new(),
                    non_matching: Vec::new(),
                    trust_grant: None,
                    notes,
                });
            };
            if !s.present {
                notes.push(format!("no {kind} is attached to {target}: every level must allow"));
            } else if s.allows.is_empty() && s.unknown_allows.is_empty() {
                notes.push(format!("no {kind} attached to {target} allows it"));
            }
            must_allow(s, statements, notes)?;
        }
        Ok(())
    }

    /// An allow that unread policies of this kind could still deny is `unknown` (never "none").
    pub(super) fn settle(&self, mut e: Evaluation) -> Evaluation {
        if let Some(why) = &self.unread
            && e.decision == Decision::Allow
        {
            e.decision = Decision::Unknown;
            e.decided_by = self.layer;
            e.statements.clear();
            e.notes.push(why.clone());
        }
        e
    }
}
