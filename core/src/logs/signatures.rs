//! The signature catalog (`signatures.yaml`, compiled in) and line classification.

use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    id: String,
    needle: String,
    pattern: String,
    severity: Severity,
    hop: String,
    #[serde(default)]
    wrapper: bool,
    #[serde(default, rename = "loop")]
    is_loop: bool,
    meaning: String,
    #[serde(default)]
    fixes: Vec<String>,
}

#[derive(Debug)]
pub struct Signature {
    pub id: String,
    pub needle: String,
    pub regex: Regex,
    pub severity: Severity,
    /// Which hop kind it implicates (see the catalog's header).
    pub hop: String,
    pub wrapper: bool,
    pub is_loop: bool,
    pub meaning: String,
    pub fixes: Vec<String>,
}

const CATALOG: &str = include_str!("signatures.yaml");

/// Parse a catalog; errors name the entry.
pub fn parse_catalog(text: &str) -> Result<Vec<Signature>, String> {
    let raw: Vec<RawSignature> = serde_saphyr::from_str(text).map_err(|e| format!("signature catalog: {e}"))?;
    raw.into_iter()
        .map(|r| {
            let regex = Regex::new(&r.pattern).map_err(|e| format!("signature {}: bad pattern: {e}", r.id))?;
            if r.needle.is_empty() {
                return Err(format!("signature {}: empty needle", r.id));
            }
            Ok(Signature {
                id: r.id,
                needle: r.needle,
                regex,
                severity: r.severity,
                hop: r.hop,
                wrapper: r.wrapper,
                is_loop: r.is_loop,
                meaning: r.meaning,
                fixes: r.fixes,
            })
        })
        .collect()
}

/// The built-in catalog.
pub fn catalog() -> &'static [Signature] {
    static CAT: OnceLock<Vec<Signature>> = OnceLock::new();
    CAT.get_or_init(|| parse_catalog(CATALOG).expect("the built-in catalog is valid (tested)"))
}

/// One signature matched on one line, with what it extracted.
#[derive(Debug, Clone)]
pub struct Match {
    pub signature: &'static Signature,
    pub principal: Option<String>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub attempt: Option<u32>,
    pub max: Option<u32>,
}

/// Trailing punctuation is not part of an ARN: `…:role/x. Retrying after 61ms.` → `…:role/x`.
fn trim_arn(s: &str) -> String {
    s.trim_end_matches(['.', ',', ';', ':', ')', '\'', '"']).to_string()
}

/// Every signature that matches `line`. Wrappers are dropped when a specific signature matches,
/// except loop wrappers (the retry line), which count attempts.
pub fn classify(line: &str) -> Vec<Match> {
    let mut out: Vec<Match> = Vec::new();
    for sig in catalog() {
        if !line.contains(sig.needle.as_str()) {
            continue;
        }
        let Some(caps) = sig.regex.captures(line) else { continue };
        let get = |name: &str| caps.name(name).map(|m| m.as_str().to_string());
        out.push(Match {
            signature: sig,
            principal: get("principal").map(|p| trim_arn(&p)),
            action: get("action"),
            resource: get("resource").map(|r| trim_arn(&r)),
            attempt: get("attempt").and_then(|a| a.parse().ok()),
            max: get("max").and_then(|a| a.parse().ok()),
        });
    }
    // The generic "is not authorized" signature only when no specific one matched.
    if out.iter().any(|m| m.signature.id == "sts-tag-session-denied" || m.signature.id == "sts-assume-role-denied") {
        out.retain(|m| m.signature.id != "sts-action-denied");
    }
    if out.iter().any(|m| !m.signature.wrapper) {
        out.retain(|m| !m.signature.wrapper || m.signature.is_loop);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalog_parses_and_every_pattern_contains_its_needle_literally() {
        let cat = catalog();
        assert!(cat.len() >= 40);
        let mut ids: Vec<&str> = cat.iter().map(|s| s.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), cat.len(), "ids are unique");
        for s in cat {
            assert!(["info", "warning", "error"].contains(&format!("{:?}", s.severity).to_lowercase().as_str()));
        }
    }

    #[test]
    fn bad_catalogs_are_errors_naming_the_entry() {
        let e =
            parse_catalog("- {id: x, needle: a, pattern: '(', severity: error, hop: none, meaning: m}").unwrap_err();
        assert!(e.contains("signature x"), "{e}");
        assert!(parse_catalog("- {id: x, needle: a, pattern: a, severity: fatal, hop: none, meaning: m}").is_err());
    }

    #[test]
    fn v62_retry_line_extracts_and_trims_the_arn() {
        let line = "Retry AssumeRole: attempt 1 of 12 failed: Could not assume role with user credentials: User: arn:aws:sts::***:assumed-role/terraform-deployer/deploy-uat is not authorized to perform: sts:TagSession on resource: arn:aws:iam::***:role/terraform-deployer. Retrying after 33ms.";
        let m = classify(line);
        let ids: Vec<&str> = m.iter().map(|m| m.signature.id.as_str()).collect();
        assert_eq!(ids, vec!["cac-retry", "sts-tag-session-denied"]);
        let tag = &m[1];
        assert_eq!(tag.resource.as_deref(), Some("arn:aws:iam::***:role/terraform-deployer"));
        assert_eq!(tag.principal.as_deref(), Some("arn:aws:sts::***:assumed-role/terraform-deployer/deploy-uat"));
        assert_eq!(m[0].attempt, Some(1));
        assert_eq!(m[0].max, Some(12));
    }

    #[test]
    fn v1_unprefixed_error_and_generic_denial() {
        let m = classify(
            "##[error]User: arn:aws:iam::***:user/deployer is not authorized to perform: sts:TagSession on resource: arn:aws:iam::***:role/devops",
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].signature.id, "sts-tag-session-denied");
        let m = classify(
            "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k",
        );
        assert_eq!(m[0].signature.id, "sts-action-denied");
        assert_eq!(m[0].action.as_deref(), Some("s3:PutObject"));
    }

    #[test]
    fn wrappers_only_without_a_specific_match() {
        let m = classify("##[error]Could not assume role with user credentials: something else entirely");
        assert_eq!(m.iter().map(|m| m.signature.id.as_str()).collect::<Vec<_>>(), vec!["cac-failed-user-credentials"]);
        let m = classify(
            "Error: Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers",
        );
        assert_eq!(m.iter().map(|m| m.signature.id.as_str()).collect::<Vec<_>>(), vec!["sdk-no-credentials"]);
    }
}
