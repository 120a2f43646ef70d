//! Duplicate keys in a JSON object. serde_json (like most parsers) keeps the last of two equal
//! keys silently; IAM refuses such a policy (`MalformedPolicyDocument`), and two readers of one
//! file can then disagree on what it says. [`check`] walks the text once and names the first
//! duplicate by its JSON path.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// `Err("duplicate key \"Effect\" at $.Statement[0]")` for the first duplicate; `Ok` when there
/// is none (or the text is not JSON: its parser says why elsewhere).
pub fn check(text: &str) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_str(text);
    match (Walk { path: "$".into() }).deserialize(&mut de) {
        Err(e) if e.is_data() => Err(e.to_string().split(" at line ").next().unwrap_or_default().to_string()),
        _ => Ok(()),
    }
}

struct Walk {
    path: String,
}

impl<'de> DeserializeSeed<'de> for Walk {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq.next_element_seed(Walk { path: format!("{}[{i}]", self.path) })?.is_some() {
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!("duplicate key \"{key}\" at {}", self.path)));
            }
            map.next_value_seed(Walk { path: format!("{}.{key}", self.path) })?;
            seen.push(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn names_the_first_duplicate_by_its_path() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Deny","Action":"s3:*"}]}"#;
        assert_eq!(check(doc), Err("duplicate key \"Effect\" at $.Statement[0]".into()));
        assert_eq!(check(r#"{"a":1,"a":2}"#), Err("duplicate key \"a\" at $".into()));
    }

    #[test]
    fn equal_keys_in_different_objects_are_fine_and_non_json_is_left_to_the_parser() {
        assert_eq!(check(r#"{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}"#), Ok(()));
        assert_eq!(check("{not json"), Ok(()));
        assert_eq!(check(&"[".repeat(100_000)), Ok(()), "the recursion limit is the parser's to report");
    }
}
