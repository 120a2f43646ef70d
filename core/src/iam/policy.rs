//! The IAM policy language as data: identity, trust, boundary, session and SCP documents.
//!
//! Parsing is strict where IAM is strict (unknown condition operators, wrong element types) and
//! every error carries the JSON path of the offending element, so a bad document in a bundle is
//! reported as `roles[2].AssumeRolePolicyDocument: $.Statement[0].Condition.StringEqulas: …`.
//! Documents may arrive as JSON objects, JSON text, or URL-encoded JSON text (IAM APIs return
//! them encoded; iam-rules §6.2).

use serde_json::Value;
use std::fmt;

use super::condition::{ConditionClause, parse_condition_block};
pub use super::error::PolicyError;
use super::error::kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: a list of wildcard patterns, maybe negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternList {
    pub negated: bool,
    pub patterns: Vec<String>,
}

/// The principal types of R28.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalType {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }
}

/// `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalSpec {
    pub negated: bool,
    /// `"*"` as the whole element (≡ `{"AWS":"*"}`, R28).
    pub any: bool,
    pub entries: Vec<(PrincipalType, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalSpec>,
    pub action: PatternList,
    pub resource: Option<PatternList>,
    pub conditions: Vec<ConditionClause>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Policy variables are only substituted with `"Version": "2012-10-17"` (R30).
    pub fn variables_enabled(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }

    /// Parse a document given as a JSON object, JSON text, or URL-encoded JSON text.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        match value {
            Value::String(s) => Self::from_text(s),
            Value::Object(_) => parse_document(value),
            other => Err(PolicyError::new("$", format!("expected a policy object or string, found {}", kind(other)))),
        }
    }

    /// Parse JSON text, percent-decoding it first when it is URL-encoded (IAM's form, §6.2).
    pub fn from_text(text: &str) -> Result<Self, PolicyError> {
        let trimmed = text.trim();
        let decoded;
        let json = if trimmed.starts_with('{') {
            trimmed
        } else {
            // `+` is not a space in IAM's encoding (BUILD-NOTES: moto gap notes).
            decoded = percent_encoding::percent_decode_str(trimmed)
                .decode_utf8()
                .map_err(|e| PolicyError::new("$", format!("URL-encoded policy is not UTF-8: {e}")))?;
            decoded.trim()
        };
        let value: Value =
            serde_json::from_str(json).map_err(|e| PolicyError::new("$", format!("not valid JSON: {e}")))?;
        super::dupkeys::check(json).map_err(|e| PolicyError::new("$", duplicate_key_message(&e)))?;
        parse_document(&value)
    }
}

/// A duplicate key in a policy, and why it matters.
pub fn duplicate_key_message(duplicate: &str) -> String {
    format!(
        "{duplicate}: IAM rejects a policy with duplicate keys (MalformedPolicyDocument), and JSON readers disagree on which one counts"
    )
}

impl PatternList {
    fn to_json(&self) -> Value {
        match self.patterns.as_slice() {
            [one] => Value::String(one.clone()),
            many => Value::Array(many.iter().cloned().map(Value::String).collect()),
        }
    }
}

impl Statement {
    /// The statement as JSON, elements in the conventional order.
    pub fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        if let Some(sid) = &self.sid {
            m.insert("Sid".into(), Value::String(sid.clone()));
        }
        m.insert("Effect".into(), Value::String(self.effect.to_string()));
        if let Some(p) = &self.principal {
            let v = if p.any {
                Value::String("*".into())
            } else {
                let mut pm = serde_json::Map::new();
                for (t, v) in &p.entries {
                    let e = pm.entry(t.as_str()).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(a) = e {
                        a.push(Value::String(v.clone()));
                    }
                }
                for v in pm.values_mut() {
                    if let Value::Array(a) = v
                        && a.len() == 1
                    {
                        *v = a.remove(0);
                    }
                }
                Value::Object(pm)
            };
            m.insert(if p.negated { "NotPrincipal" } else { "Principal" }.into(), v);
        }
        m.insert(if self.action.negated { "NotAction" } else { "Action" }.into(), self.action.to_json());
        if let Some(r) = &self.resource {
            m.insert(if r.negated { "NotResource" } else { "Resource" }.into(), r.to_json());
        }
        if !self.conditions.is_empty() {
            let mut cm = serde_json::Map::new();
            for c in &self.conditions {
                let op = cm.entry(c.operator.name.clone()).or_insert_with(|| Value::Object(serde_json::Map::new()));
                if let Value::Object(keys) = op {
                    let v = match c.values.as_slice() {
                        [one] => Value::String(one.clone()),
                        many => Value::Array(many.iter().cloned().map(Value::String).collect()),
                    };
                    keys.insert(c.key.clone(), v);
                }
            }
            m.insert("Condition".into(), Value::Object(cm));
        }
        Value::Object(m)
    }
}

impl PolicyDocument {
    /// The document as one line of JSON (`Version` first), as a command line passes it.
    pub fn to_compact(&self) -> String {
        let mut m = serde_json::Map::new();
        if let Some(v) = &self.version {
            m.insert("Version".into(), Value::String(v.clone()));
        }
        m.insert("Statement".into(), Value::Array(self.statements.iter().map(Statement::to_json).collect()));
        Value::Object(m).to_string()
    }

    /// Pretty JSON, one statement per block, for display.
    pub fn to_pretty(&self) -> String {
        let mut out = String::from("{\n");
        if let Some(v) = &self.version {
            out.push_str(&format!("  \"Version\": \"{v}\",\n"));
        }
        out.push_str("  \"Statement\": [\n");
        for (i, s) in self.statements.iter().enumerate() {
            let text = serde_json::to_string_pretty(&s.to_json()).unwrap_or_default();
            for line in text.lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
            if i + 1 < self.statements.len() {
                out.pop();
                out.push_str(",\n");
            }
        }
        out.push_str("  ]\n}");
        out
    }
}

/// Look a key up case-insensitively (IAM element names are case-sensitive in theory, but real
/// documents written by tools are consistent; we accept any case and reject duplicates).
fn get<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

const KNOWN_DOC_KEYS: &[&str] = &["Version", "Id", "Statement"];
const KNOWN_STMT_KEYS: &[&str] =
    &["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

fn parse_document(value: &Value) -> Result<PolicyDocument, PolicyError> {
    let obj =
        value.as_object().ok_or_else(|| PolicyError::new("$", format!("expected an object, found {}", kind(value))))?;
    for k in obj.keys() {
        if !KNOWN_DOC_KEYS.iter().any(|known| known.eq_ignore_ascii_case(k)) {
            return Err(PolicyError::new(format!("$.{k}"), "unknown policy element"));
        }
    }
    let version = match get(obj, "Version") {
        None => None,
        Some(Value::String(s)) if s == "2012-10-17" || s == "2008-10-17" => Some(s.clone()),
        Some(Value::String(s)) => {
            return Err(PolicyError::new("$.Version", format!("unsupported version {s:?} (use \"2012-10-17\")")));
        }
        Some(other) => {
            return Err(PolicyError::new("$.Version", format!("expected a string, found {}", kind(other))));
        }
    };
    let statements = match get(obj, "Statement") {
        None => return Err(PolicyError::new("$", "missing \"Statement\"")),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| parse_statement(s, &format!("$.Statement[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(single @ Value::Object(_)) => vec![parse_statement(single, "$.Statement")?],
        Some(other) => {
            return Err(PolicyError::new("$.Statement", format!("expected an object or array, found {}", kind(other))));
        }
    };
    Ok(PolicyDocument { version, statements })
}

fn parse_statement(value: &Value, path: &str) -> Result<Statement, PolicyError> {
    let obj = value
        .as_object()
        .ok_or_else(|| PolicyError::new(path, format!("expected an object, found {}", kind(value))))?;
    for k in obj.keys() {
        if !KNOWN_STMT_KEYS.iter().any(|known| known.eq_ignore_ascii_case(k)) {
            return Err(PolicyError::new(format!("{path}.{k}"), "unknown statement element"));
        }
    }
    let sid = match get(obj, "Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(PolicyError::new(format!("{path}.Sid"), format!("expected a string, found {}", kind(other))));
        }
    };
    let effect = match get(obj, "Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(PolicyError::new(
                format!("{path}.Effect"),
                format!("must be \"Allow\" or \"Deny\", found {s:?}"),
            ));
        }
        Some(other) => {
            return Err(PolicyError::new(
                format!("{path}.Effect"),
                format!("expected a string, found {}", kind(other)),
            ));
        }
        None => return Err(PolicyError::new(path, "missing \"Effect\"")),
    };
    let action = exclusive_patterns(obj, path, "Action", "NotAction")?
        .ok_or_else(|| PolicyError::new(path, "missing \"Action\" or \"NotAction\""))?;
    let resource = exclusive_patterns(obj, path, "Resource", "NotResource")?;
    let principal = match (get(obj, "Principal"), get(obj, "NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::new(path, "both \"Principal\" and \"NotPrincipal\" given"));
        }
        (Some(p), None) => Some(parse_principal(p, &format!("{path}.Principal"), false)?),
        (None, Some(p)) => Some(parse_principal(p, &format!("{path}.NotPrincipal"), true)?),
        (None, None) => None,
    };
    let conditions = match get(obj, "Condition") {
        None => Vec::new(),
        Some(c) => parse_condition_block(c, &format!("{path}.Condition"))?,
    };
    Ok(Statement { sid, effect, principal, action, resource, conditions })
}

fn exclusive_patterns(
    obj: &serde_json::Map<String, Value>,
    path: &str,
    name: &str,
    not_name: &str,
) -> Result<Option<PatternList>, PolicyError> {
    match (get(obj, name), get(obj, not_name)) {
        (Some(_), Some(_)) => Err(PolicyError::new(path, format!("both \"{name}\" and \"{not_name}\" given"))),
        (Some(v), None) => {
            Ok(Some(PatternList { negated: false, patterns: string_list(v, &format!("{path}.{name}"))? }))
        }
        (None, Some(v)) => {
            Ok(Some(PatternList { negated: true, patterns: string_list(v, &format!("{path}.{not_name}"))? }))
        }
        (None, None) => Ok(None),
    }
}

/// A string or a non-empty list of strings.
pub(crate) fn string_list(v: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => {
            if items.is_empty() {
                return Err(PolicyError::new(path, "empty list"));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(PolicyError::new(
                        format!("{path}[{i}]"),
                        format!("expected a string, found {}", kind(other)),
                    )),
                })
                .collect()
        }
        other => Err(PolicyError::new(path, format!("expected a string or list of strings, found {}", kind(other)))),
    }
}

fn parse_principal(v: &Value, path: &str, negated: bool) -> Result<PrincipalSpec, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(PrincipalSpec { negated, any: true, entries: Vec::new() }),
        Value::String(s) => Err(PolicyError::new(path, format!("a bare string principal must be \"*\", found {s:?}"))),
        Value::Object(map) => {
            let mut entries = Vec::new();
            for (k, val) in map {
                let ty = match k.as_str() {
                    "AWS" => PrincipalType::Aws,
                    "Service" => PrincipalType::Service,
                    "Federated" => PrincipalType::Federated,
                    "CanonicalUser" => PrincipalType::CanonicalUser,
                    other => {
                        return Err(PolicyError::new(
                            format!("{path}.{other}"),
                            "unknown principal type (expected AWS, Service, Federated or CanonicalUser)",
                        ));
                    }
                };
                for value in string_list(val, &format!("{path}.{k}"))? {
                    entries.push((ty, value));
                }
            }
            if entries.is_empty() {
                return Err(PolicyError::new(path, "empty principal"));
            }
            Ok(PrincipalSpec { negated, any: false, entries })
        }
        other => Err(PolicyError::new(path, format!("expected \"*\" or an object, found {}", kind(other)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_statement_and_string_forms() {
        let doc = PolicyDocument::from_value(&json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
        }))
        .unwrap();
        assert_eq!(doc.statements.len(), 1);
        assert_eq!(doc.statements[0].action.patterns, vec!["sts:AssumeRole"]);
        assert!(doc.variables_enabled());
    }

    #[test]
    fn url_encoded_text_is_decoded_and_plus_is_not_space() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22a%2Bb%22%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";
        let doc = PolicyDocument::from_text(enc).unwrap();
        assert_eq!(doc.statements[0].sid.as_deref(), Some("a+b"));
        let doc = PolicyDocument::from_value(&json!(
            "{\"Statement\":[{\"Effect\":\"Deny\",\"NotAction\":[\"iam:*\"],\"NotResource\":\"x\"}]}"
        ))
        .unwrap();
        assert!(doc.statements[0].action.negated);
        assert!(doc.statements[0].resource.as_ref().unwrap().negated);
        assert!(!doc.variables_enabled());
    }

    #[test]
    fn principal_forms_r28() {
        let doc = PolicyDocument::from_value(&json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::1:role/r"], "Service": "pods.eks.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "*", "Resource": "*"}
        ]}))
        .unwrap();
        assert!(doc.statements[0].principal.as_ref().unwrap().any);
        assert_eq!(doc.statements[1].principal.as_ref().unwrap().entries.len(), 3);
        assert!(doc.statements[2].principal.as_ref().unwrap().negated);
    }

    #[test]
    fn errors_name_the_json_path() {
        let err = PolicyDocument::from_value(&json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Condition": {"StringEqulas": {"a:b": "c"}}}
        ]}))
        .unwrap_err();
        assert_eq!(err.path, "$.Statement[1].Condition.StringEqulas");
        assert!(err.message.contains("unknown condition operator"), "{err}");

        let err = PolicyDocument::from_value(&json!({"Statement": [{"Effect": "allow", "Action": "x"}]})).unwrap_err();
        assert_eq!(err.path, "$.Statement[0].Effect");
        let err = PolicyDocument::from_value(&json!({"Statement": [{"Effect": "Allow"}]})).unwrap_err();
        assert!(err.message.contains("Action"));
        let err = PolicyDocument::from_value(&json!({"Version": "2020-01-01", "Statement": []})).unwrap_err();
        assert_eq!(err.path, "$.Version");
        let err = PolicyDocument::from_text("%7Bnot json").unwrap_err();
        assert!(err.message.contains("not valid JSON"));
        let err =
            PolicyDocument::from_value(&json!({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}))
                .unwrap_err();
        assert_eq!(err.path, "$.Statement[0].Action");
        let err = PolicyDocument::from_value(
            &json!({"Statement": [{"Effect": "Allow", "Principal": {"Aws": "x"}, "Action": "a"}]}),
        )
        .unwrap_err();
        assert_eq!(err.path, "$.Statement[0].Principal.Aws");
    }
}
