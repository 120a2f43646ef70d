//! Condition operators (iam-rules §4.2): parsing and three-valued evaluation.
//!
//! Rules implemented here: R31 (missing keys; negated operators; `IfExists`; `Null`), R32 (AND
//! across operators and keys, OR across values, AND for negated operators), R33 (`ForAllValues:`
//! true when the key is absent; `ForAnyValue:` false), R34 (key names case-insensitive), R35
//! (policy variables in String/ARN condition values).

use serde_json::Value;
use std::net::IpAddr;

use super::context::{CtxValue, RequestContext, Substituted, Tri, substitute};
use super::error::{PolicyError, kind};
use super::glob;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: &[(&str, OpKind)] = &[
    ("StringEquals", OpKind::StringEquals),
    ("StringNotEquals", OpKind::StringNotEquals),
    ("StringEqualsIgnoreCase", OpKind::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", OpKind::StringNotEqualsIgnoreCase),
    ("StringLike", OpKind::StringLike),
    ("StringNotLike", OpKind::StringNotLike),
    ("NumericEquals", OpKind::NumericEquals),
    ("NumericNotEquals", OpKind::NumericNotEquals),
    ("NumericLessThan", OpKind::NumericLessThan),
    ("NumericLessThanEquals", OpKind::NumericLessThanEquals),
    ("NumericGreaterThan", OpKind::NumericGreaterThan),
    ("NumericGreaterThanEquals", OpKind::NumericGreaterThanEquals),
    ("DateEquals", OpKind::DateEquals),
    ("DateNotEquals", OpKind::DateNotEquals),
    ("DateLessThan", OpKind::DateLessThan),
    ("DateLessThanEquals", OpKind::DateLessThanEquals),
    ("DateGreaterThan", OpKind::DateGreaterThan),
    ("DateGreaterThanEquals", OpKind::DateGreaterThanEquals),
    ("Bool", OpKind::Bool),
    ("BinaryEquals", OpKind::BinaryEquals),
    ("IpAddress", OpKind::IpAddress),
    ("NotIpAddress", OpKind::NotIpAddress),
    ("ArnEquals", OpKind::ArnEquals),
    ("ArnLike", OpKind::ArnLike),
    ("ArnNotEquals", OpKind::ArnNotEquals),
    ("ArnNotLike", OpKind::ArnNotLike),
    ("Null", OpKind::Null),
];

impl OpKind {
    /// Negated operators: true when the key is absent (R31); several values AND together (R32).
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            OpKind::StringNotEquals
                | OpKind::StringNotEqualsIgnoreCase
                | OpKind::StringNotLike
                | OpKind::NumericNotEquals
                | OpKind::DateNotEquals
                | OpKind::NotIpAddress
                | OpKind::ArnNotEquals
                | OpKind::ArnNotLike
        )
    }

    fn supports_variables(self) -> bool {
        matches!(
            self,
            OpKind::StringEquals
                | OpKind::StringNotEquals
                | OpKind::StringEqualsIgnoreCase
                | OpKind::StringNotEqualsIgnoreCase
                | OpKind::StringLike
                | OpKind::StringNotLike
                | OpKind::ArnEquals
                | OpKind::ArnLike
                | OpKind::ArnNotEquals
                | OpKind::ArnNotLike
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub kind: OpKind,
    pub if_exists: bool,
    pub set: Option<SetOp>,
}

impl Operator {
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetOp::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOp::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let kind = OPERATORS.iter().find(|(n, _)| *n == base).map(|(_, k)| *k)?;
        if kind == OpKind::Null && (if_exists || set.is_some()) {
            return None; // `Null` takes no IfExists (§4.2) and no set qualifier.
        }
        Some(Operator { name: name.to_string(), kind, if_exists, set })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConditionClause {
    pub operator: Operator,
    /// Key as written in the policy (for messages).
    pub key: String,
    pub values: Vec<String>,
}

/// Why a condition clause did not hold (for explanations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionMiss {
    pub operator: String,
    pub key: String,
    pub expected: Vec<String>,
    /// What the request had: `None` = key absent.
    pub actual: Option<Vec<String>>,
}

pub fn parse_condition_block(v: &Value, path: &str) -> Result<Vec<ConditionClause>, PolicyError> {
    let obj = v.as_object().ok_or_else(|| PolicyError::new(path, format!("expected an object, found {}", kind(v))))?;
    let mut out = Vec::new();
    for (op_name, keys) in obj {
        let op_path = format!("{path}.{op_name}");
        let operator = Operator::parse(op_name).ok_or_else(|| {
            let hint = closest_operator(op_name).map(|c| format!(" (did you mean {c}?)")).unwrap_or_default();
            PolicyError::new(&op_path, format!("unknown condition operator {op_name:?}{hint}"))
        })?;
        let keys = keys
            .as_object()
            .ok_or_else(|| PolicyError::new(&op_path, format!("expected an object of keys, found {}", kind(keys))))?;
        for (key, values) in keys {
            let key_path = format!("{op_path}.{key}");
            let values: Vec<String> = match values {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        scalar(item).ok_or_else(|| {
                            PolicyError::new(
                                format!("{key_path}[{i}]"),
                                format!("expected a string, number or boolean, found {}", kind(item)),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
                other => vec![scalar(other).ok_or_else(|| {
                    PolicyError::new(&key_path, format!("expected a value or list, found {}", kind(other)))
                })?],
            };
            if values.is_empty() {
                return Err(PolicyError::new(&key_path, "empty value list"));
            }
            if operator.kind == OpKind::Null && values.iter().any(|v| v != "true" && v != "false") {
                return Err(PolicyError::new(&key_path, "Null takes \"true\" or \"false\""));
            }
            out.push(ConditionClause { operator: operator.clone(), key: key.clone(), values });
        }
    }
    Ok(out)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Suggest the operator with the smallest edit distance, for typo'd operators.
fn closest_operator(name: &str) -> Option<&'static str> {
    let base = name.trim_start_matches("ForAllValues:").trim_start_matches("ForAnyValue:").trim_end_matches("IfExists");
    OPERATORS
        .iter()
        .map(|(n, _)| (*n, edit_distance(&base.to_ascii_lowercase(), &n.to_ascii_lowercase())))
        .filter(|(_, d)| *d <= 3)
        .min_by_key(|(_, d)| *d)
        .map(|(n, _)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Evaluate one clause. `variables`: whether policy variables are substituted (R30).
pub fn eval_clause(clause: &ConditionClause, ctx: &RequestContext, variables: bool) -> (Tri, Option<ConditionMiss>) {
    let op = &clause.operator;
    let actual = ctx.get(&clause.key);
    let miss = |actual: Option<Vec<String>>| ConditionMiss {
        operator: op.name.clone(),
        key: clause.key.clone(),
        expected: clause.values.clone(),
        actual,
    };
    if op.kind == OpKind::Null {
        let want_absent = clause.values.iter().any(|v| v == "true");
        let want_present = clause.values.iter().any(|v| v == "false");
        let present = match actual {
            None => false,
            Some(CtxValue::Multi(v)) => !v.is_empty(),
            Some(_) => true,
        };
        let ok = (want_absent && !present) || (want_present && present);
        let shown = actual.map(describe);
        return if ok { (Tri::True, None) } else { (Tri::False, Some(miss(shown))) };
    }
    let request_values: Vec<String> = match actual {
        None => {
            // R31/R33: absent key.
            let result = if op.if_exists {
                true
            } else {
                match op.set {
                    Some(SetOp::ForAllValues) => true,
                    Some(SetOp::ForAnyValue) => false,
                    None => op.kind.is_negated(),
                }
            };
            return if result { (Tri::True, None) } else { (Tri::False, Some(miss(None))) };
        }
        Some(CtxValue::Unknown) => {
            return (Tri::Unknown, Some(miss(Some(vec!["<unknown>".into()]))));
        }
        Some(CtxValue::Single(v)) => vec![v.clone()],
        Some(CtxValue::Multi(v)) => v.clone(),
    };
    if request_values.is_empty() {
        let result = match op.set {
            Some(SetOp::ForAllValues) => true,
            Some(SetOp::ForAnyValue) => false,
            None => op.kind.is_negated() || op.if_exists,
        };
        return if result { (Tri::True, None) } else { (Tri::False, Some(miss(Some(Vec::new())))) };
    }
    // Resolve policy values (variables).
    let mut policy_values = Vec::with_capacity(clause.values.len());
    let mut unknown_var = false;
    for v in &clause.values {
        if variables && op.kind.supports_variables() {
            match substitute(v, ctx) {
                Substituted::Value(s) => policy_values.push(s),
                Substituted::Unresolvable(_) => {} // matches nothing
                Substituted::Unknown(_) => unknown_var = true,
            }
        } else {
            policy_values.push(v.clone());
        }
    }
    // Per request value: does it match any policy value (positive form)?
    let positive = |rv: &str| -> Tri {
        let hit = policy_values.iter().any(|pv| positive_match(op.kind, pv, rv));
        if hit {
            Tri::True
        } else if unknown_var {
            Tri::Unknown
        } else {
            Tri::False
        }
    };
    let per_value = |rv: &str| -> Tri {
        let p = positive(rv);
        if op.kind.is_negated() { p.negate() } else { p }
    };
    let result = match op.set {
        Some(SetOp::ForAllValues) => request_values.iter().fold(Tri::True, |acc, rv| acc.and(per_value(rv))),
        Some(SetOp::ForAnyValue) => request_values.iter().fold(Tri::False, |acc, rv| acc.or(per_value(rv))),
        None => {
            if op.kind.is_negated() {
                // R32: negated operators must match none of the values.
                request_values.iter().fold(Tri::True, |acc, rv| acc.and(per_value(rv)))
            } else {
                request_values.iter().fold(Tri::False, |acc, rv| acc.or(per_value(rv)))
            }
        }
    };
    match result {
        Tri::True => (Tri::True, None),
        other => (other, Some(miss(Some(request_values)))),
    }
}

fn describe(v: &CtxValue) -> Vec<String> {
    match v {
        CtxValue::Single(s) => vec![s.clone()],
        CtxValue::Multi(m) => m.clone(),
        CtxValue::Unknown => vec!["<unknown>".into()],
    }
}

/// The positive form of the operator (`StringNotEquals` → equality, etc.).
fn positive_match(kind: OpKind, policy: &str, request: &str) -> bool {
    use OpKind::*;
    match kind {
        StringEquals | StringNotEquals => policy == request,
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => policy.to_lowercase() == request.to_lowercase(),
        StringLike | StringNotLike => glob::matches(policy, request, false),
        NumericEquals | NumericNotEquals => num_cmp(policy, request, |a, b| a == b),
        NumericLessThan => num_cmp(policy, request, |p, r| r < p),
        NumericLessThanEquals => num_cmp(policy, request, |p, r| r <= p),
        NumericGreaterThan => num_cmp(policy, request, |p, r| r > p),
        NumericGreaterThanEquals => num_cmp(policy, request, |p, r| r >= p),
        DateEquals | DateNotEquals => date_cmp(policy, request, |p, r| p == r),
        DateLessThan => date_cmp(policy, request, |p, r| r < p),
        DateLessThanEquals => date_cmp(policy, request, |p, r| r <= p),
        DateGreaterThan => date_cmp(policy, request, |p, r| r > p),
        DateGreaterThanEquals => date_cmp(policy, request, |p, r| r >= p),
        Bool => policy.eq_ignore_ascii_case(request),
        BinaryEquals => policy == request,
        IpAddress | NotIpAddress => ip_in_cidr(policy, request),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => arn_like(policy, request),
        Null => false,
    }
}

fn num_cmp(policy: &str, request: &str, f: impl Fn(f64, f64) -> bool) -> bool {
    match (policy.trim().parse::<f64>(), request.trim().parse::<f64>()) {
        (Ok(p), Ok(r)) => f(p, r),
        _ => false,
    }
}

fn date_cmp(policy: &str, request: &str, f: impl Fn(i64, i64) -> bool) -> bool {
    match (parse_date(policy), parse_date(request)) {
        (Some(p), Some(r)) => f(p, r),
        _ => false,
    }
}

/// Seconds since the epoch from ISO 8601 (`2026-06-20`, `2026-06-20T10:15:32Z`, with fraction or
/// `±hh:mm` offset) or epoch seconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if b.len() == 10 {
        return Some(secs);
    }
    if b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let (hh, mm) = (num(11..13)?, num(14..16)?);
    let mut i = 16;
    let mut ss = 0;
    if b.get(16) == Some(&b':') {
        ss = num(17..19)?;
        i = 19;
    }
    secs += hh * 3600 + mm * 60 + ss;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match b.get(i) {
        None | Some(b'Z') | Some(b'z') => Some(secs),
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(i + 1..i + 3)?;
            let om = if b.get(i + 3) == Some(&b':') { num(i + 4..i + 6)? } else { num(i + 3..i + 5).unwrap_or(0) };
            let off = oh * 3600 + om * 60;
            Some(if *sign == b'+' { secs - off } else { secs + off })
        }
        _ => None,
    }
}

/// Like [`parse_date`], keeping the fraction of a second (for log rates).
pub fn parse_date_fraction(s: &str) -> Option<f64> {
    let whole = parse_date(s)? as f64;
    let frac = s
        .get(19..)
        .and_then(|rest| rest.strip_prefix('.'))
        .map(|rest| rest.bytes().take_while(u8::is_ascii_digit).collect::<Vec<u8>>())
        .filter(|d| !d.is_empty())
        .and_then(|d| format!("0.{}", String::from_utf8_lossy(&d)).parse::<f64>().ok())
        .unwrap_or(0.0);
    Some(whole + frac)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn ip_in_cidr(cidr: &str, ip: &str) -> bool {
    let (net, len) = match cidr.split_once('/') {
        Some((n, l)) => (n, l.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let (Ok(net), Ok(ip)) = (net.trim().parse::<IpAddr>(), ip.trim().parse::<IpAddr>()) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let len = len.unwrap_or(32).min(32);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            (u32::from(n) & mask) == (u32::from(i) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let len = len.unwrap_or(128).min(128);
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            (u128::from(n) & mask) == (u128::from(i) & mask)
        }
        _ => false,
    }
}

/// `ArnLike`: each of the six colon-separated parts matched separately, case-sensitively (R27).
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    if p.len() != 6 || a.len() != 6 {
        return glob::matches(pattern, arn, false);
    }
    p.iter().zip(a.iter()).all(|(ps, as_)| glob::matches(ps, as_, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(op: &str, key: &str, values: &[&str]) -> ConditionClause {
        ConditionClause {
            operator: Operator::parse(op).expect("operator"),
            key: key.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn eval(op: &str, key: &str, values: &[&str], ctx: &RequestContext) -> Tri {
        eval_clause(&clause(op, key, values), ctx, true).0
    }

    #[test]
    fn missing_key_r31() {
        let ctx = RequestContext::new();
        assert_eq!(eval("StringEquals", "sts:ExternalId", &["x"], &ctx), Tri::False);
        // Worked verdict: `StringNotLike`, key absent → condition true.
        assert_eq!(eval("StringNotLike", "aws:PrincipalArn", &["arn:*"], &ctx), Tri::True);
        assert_eq!(eval("StringEqualsIfExists", "aws:PrincipalArn", &["x"], &ctx), Tri::True);
        assert_eq!(eval("Null", "aws:PrincipalArn", &["true"], &ctx), Tri::True);
        assert_eq!(eval("Null", "aws:PrincipalArn", &["false"], &ctx), Tri::False);
    }

    #[test]
    fn values_or_negated_and_r32() {
        let mut ctx = RequestContext::new();
        ctx.set("k", "b");
        assert_eq!(eval("StringEquals", "k", &["a", "b"], &ctx), Tri::True);
        assert_eq!(eval("StringNotEquals", "k", &["a", "b"], &ctx), Tri::False);
        assert_eq!(eval("StringNotEquals", "k", &["a", "c"], &ctx), Tri::True);
    }

    #[test]
    fn set_operators_r33() {
        let mut ctx = RequestContext::new();
        assert_eq!(eval("ForAllValues:StringEquals", "aws:TagKeys", &["GitHub"], &ctx), Tri::True);
        assert_eq!(eval("ForAnyValue:StringEquals", "aws:TagKeys", &["GitHub"], &ctx), Tri::False);
        ctx.set_multi("aws:TagKeys", vec!["GitHub".into(), "Repository".into()]);
        assert_eq!(eval("ForAllValues:StringEquals", "aws:TagKeys", &["GitHub"], &ctx), Tri::False);
        assert_eq!(eval("ForAllValues:StringEquals", "aws:TagKeys", &["GitHub", "Repository", "x"], &ctx), Tri::True);
        assert_eq!(eval("ForAnyValue:StringEquals", "aws:TagKeys", &["Repository"], &ctx), Tri::True);
        assert_eq!(eval("ForAnyValue:StringLike", "aws:TagKeys", &["Rep*"], &ctx), Tri::True);
    }

    #[test]
    fn key_names_case_insensitive_r34_and_variables_r35() {
        let mut ctx = RequestContext::new();
        ctx.set("aws:PrincipalTag/Team", "pay").set("s3:prefix", "home/pay/x");
        assert_eq!(eval("StringEquals", "AWS:principaltag/team", &["pay"], &ctx), Tri::True);
        assert_eq!(eval("StringLike", "s3:prefix", &["home/${aws:PrincipalTag/Team}/*"], &ctx), Tri::True);
        // R30: without a 2012-10-17 version the variable is literal.
        let c = clause("StringLike", "s3:prefix", &["home/${aws:PrincipalTag/Team}/*"]);
        assert_eq!(eval_clause(&c, &ctx, false).0, Tri::False);
    }

    #[test]
    fn unknown_values_stay_unknown() {
        let mut ctx = RequestContext::new();
        ctx.set_unknown("token.actions.githubusercontent.com:sub");
        assert_eq!(eval("StringLike", "token.actions.githubusercontent.com:sub", &["repo:o/r:*"], &ctx), Tri::Unknown);
    }

    #[test]
    fn numeric_date_bool_ip_arn() {
        let mut ctx = RequestContext::new();
        ctx.set("n", "3600").set("d", "2026-06-20T10:15:32Z").set("b", "true").set("ip", "10.1.2.3");
        ctx.set("arn", "arn:aws:iam::111122223333:role/path/x");
        assert_eq!(eval("NumericLessThanEquals", "n", &["3600"], &ctx), Tri::True);
        assert_eq!(eval("NumericGreaterThan", "n", &["3600"], &ctx), Tri::False);
        assert_eq!(eval("DateLessThan", "d", &["2026-06-21"], &ctx), Tri::True);
        assert_eq!(eval("DateGreaterThan", "d", &["2026-06-20T12:15:32+02:00"], &ctx), Tri::False);
        assert_eq!(eval("Bool", "b", &["True"], &ctx), Tri::True);
        assert_eq!(eval("IpAddress", "ip", &["10.0.0.0/8"], &ctx), Tri::True);
        assert_eq!(eval("NotIpAddress", "ip", &["10.1.2.3"], &ctx), Tri::False);
        assert_eq!(eval("ArnLike", "arn", &["arn:aws:iam::*:role/*"], &ctx), Tri::True);
        assert_eq!(eval("ArnLike", "arn", &["arn:aws:iam::*:user/*"], &ctx), Tri::False);
        assert_eq!(eval("ArnNotEquals", "arn", &["arn:aws:iam::111122223333:role/path/x"], &ctx), Tri::False);
    }

    #[test]
    fn operator_parsing() {
        assert!(Operator::parse("ForAnyValue:StringLikeIfExists").is_some());
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("StringEqulas").is_none());
        assert_eq!(closest_operator("StringEqulas"), Some("StringEquals"));
    }

    #[test]
    fn dates_parse() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_date("garbage"), None);
    }
}
