//! The request context: condition keys and their values for one simulated request.
//!
//! Key names are case-insensitive (R34), so they are stored lowercased. A value can be
//! `Unknown`: the key exists but we do not know its value (e.g. a session tag whose value comes
//! from `${{ github.ref }}`). Conditions on unknown values evaluate to unknown, never to a guess.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtxValue {
    Single(String),
    Multi(Vec<String>),
    /// Present in the real request, value not knowable offline.
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    keys: HashMap<String, CtxValue>,
    /// Key prefixes (lowercased) whose unset keys are present but unknown, e.g. every claim of
    /// a GitHub OIDC token (`token.actions.githubusercontent.com:`).
    unknown_prefixes: Vec<String>,
}

static UNKNOWN: CtxValue = CtxValue::Unknown;

impl RequestContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// The global keys of a request a session of `role` makes: the principal's, known; the
    /// network's and the clock's, present but not knowable offline (R13, R36).
    pub fn for_role_session(role: &super::arn::RoleArn) -> Self {
        let mut ctx = Self::new();
        ctx.set("aws:PrincipalArn", role.arn());
        ctx.set("aws:PrincipalAccount", role.account.clone());
        ctx.set("aws:PrincipalType", "AssumedRole");
        ctx.set("aws:PrincipalIsAWSService", "false");
        ctx.set("aws:SecureTransport", "true");
        for key in [
            "aws:SourceIp",
            "aws:CurrentTime",
            "aws:EpochTime",
            "aws:RequestedRegion",
            "aws:TokenIssueTime",
            "aws:PrincipalOrgID",
            "aws:SourceVpc",
            "aws:SourceVpce",
            "aws:ViaAWSService",
            "aws:CalledVia",
        ] {
            ctx.set_unknown(key);
        }
        ctx
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), CtxValue::Single(value.into()));
        self
    }

    pub fn set_multi(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), CtxValue::Multi(values));
        self
    }

    pub fn set_unknown(&mut self, key: &str) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), CtxValue::Unknown);
        self
    }

    /// Every key with this prefix that is not set explicitly is present with an unknown value.
    pub fn set_unknown_prefix(&mut self, prefix: &str) -> &mut Self {
        self.unknown_prefixes.push(prefix.to_ascii_lowercase());
        self
    }

    pub fn remove(&mut self, key: &str) {
        self.keys.remove(&key.to_ascii_lowercase());
    }

    pub fn get(&self, key: &str) -> Option<&CtxValue> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            let lower = key.to_ascii_lowercase();
            self.keys.get(&lower).or_else(|| self.prefix_unknown(&lower))
        } else {
            self.keys.get(key).or_else(|| self.prefix_unknown(key))
        }
    }

    fn prefix_unknown(&self, lower_key: &str) -> Option<&CtxValue> {
        self.unknown_prefixes.iter().any(|p| lower_key.starts_with(p.as_str())).then_some(&UNKNOWN)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &CtxValue)> {
        self.keys.iter()
    }
}

/// Result of a three-valued test: matched, did not match, or cannot be known offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// Result of substituting policy variables (R35).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Substituted {
    Value(String),
    /// A variable names a key that is absent and has no default: the element matches nothing.
    Unresolvable(String),
    /// A variable names a key whose value is unknown offline.
    Unknown(String),
}

/// Replace `${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}` in `text` (R35).
pub fn substitute(text: &str, ctx: &RequestContext) -> Substituted {
    if !text.contains("${") {
        return Substituted::Value(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // Unterminated: IAM treats it literally.
            out.push_str(&rest[start..]);
            return Substituted::Value(out);
        };
        let inner = after[..end].trim();
        match inner {
            "*" | "?" | "$" => out.push_str(inner),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => {
                        let d = d.trim();
                        let d = d.strip_prefix('\'').and_then(|d| d.strip_suffix('\'')).unwrap_or(d);
                        (k.trim(), Some(d))
                    }
                    None => (inner, None),
                };
                match ctx.get(key) {
                    Some(CtxValue::Single(v)) => out.push_str(v),
                    Some(CtxValue::Unknown) => return Substituted::Unknown(key.to_string()),
                    // Multi-valued keys cannot be used as variables; treat like absent.
                    Some(CtxValue::Multi(_)) | None => match default {
                        Some(d) => out.push_str(d),
                        None => return Substituted::Unresolvable(key.to_string()),
                    },
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Substituted::Value(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_case_insensitive_r34() {
        let mut c = RequestContext::new();
        c.set("aws:SourceIp", "10.0.0.1");
        assert_eq!(c.get("AWS:SOURCEIP"), Some(&CtxValue::Single("10.0.0.1".into())));
    }

    #[test]
    fn variables_defaults_and_escapes_r35() {
        let mut c = RequestContext::new();
        c.set("aws:PrincipalTag/team", "payments").set_unknown("aws:RequestTag/Branch");
        assert_eq!(
            substitute("arn:aws:s3:::b/${aws:PrincipalTag/team}/*", &c),
            Substituted::Value("arn:aws:s3:::b/payments/*".into())
        );
        assert_eq!(
            substitute("${aws:PrincipalTag/dept, 'company-wide'}", &c),
            Substituted::Value("company-wide".into())
        );
        assert_eq!(substitute("a${*}b${$}", &c), Substituted::Value("a*b$".into()));
        assert!(matches!(substitute("${aws:username}", &c), Substituted::Unresolvable(_)));
        assert!(matches!(substitute("${aws:RequestTag/Branch}", &c), Substituted::Unknown(_)));
    }

    #[test]
    fn unknown_prefix_covers_unset_claims_only() {
        let mut c = RequestContext::new();
        c.set_unknown_prefix("token.actions.githubusercontent.com:")
            .set("token.actions.githubusercontent.com:aud", "sts.amazonaws.com");
        assert_eq!(c.get("token.actions.githubusercontent.com:job_workflow_ref"), Some(&CtxValue::Unknown));
        assert_eq!(
            c.get("token.actions.githubusercontent.com:aud"),
            Some(&CtxValue::Single("sts.amazonaws.com".into()))
        );
        assert_eq!(c.get("aws:SourceIp"), None);
    }

    #[test]
    fn tri_logic() {
        assert_eq!(Tri::True.and(Tri::Unknown), Tri::Unknown);
        assert_eq!(Tri::False.and(Tri::Unknown), Tri::False);
        assert_eq!(Tri::True.or(Tri::Unknown), Tri::True);
        assert_eq!(Tri::Unknown.negate(), Tri::Unknown);
    }
}
