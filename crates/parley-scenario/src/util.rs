//! Small helpers shared by the loader and the interpreter: name checks, "did you mean" and JSON paths.

use crate::Value;

/// Whether `name` can be a variable name (usable in expressions and templates).
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let mut best: Option<(&str, f64)> = None;
    for cand in candidates {
        let cand_lower = cand.to_lowercase();
        let distance = strsim::osa_distance(&word_lower, &cand_lower);
        let similarity = strsim::jaro_winkler(&word_lower, &cand_lower);
        let allowed = (cand.chars().count() / 3).max(1);
        let close = distance <= allowed || similarity >= 0.88;
        if close && best.is_none_or(|(_, s)| similarity > s) {
            best = Some((cand, similarity));
        }
    }
    best.map(|(c, _)| c)
}

/// `did you mean `x`?` for the closest candidate.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Splits a save path such as `data.items.0.name` into segments; `.` alone is the whole document.
pub(crate) fn split_path(path: &str) -> Option<Vec<String>> {
    let path = path.trim();
    if path == "." {
        return Some(Vec::new());
    }
    let segments: Vec<String> = path.split('.').map(str::to_owned).collect();
    if segments.iter().any(String::is_empty) {
        return None;
    }
    Some(segments)
}

/// Follows path segments into a JSON value: object keys, or array indexes for numeric segments.
pub(crate) fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = value;
    for segment in path {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// A value as plain text: strings without quotes, null as empty, the rest as JSON.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers() {
        assert!(is_identifier("client_name"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("client-name"));
        assert!(!is_identifier(""));
    }

    #[test]
    fn closest_finds_typos_only() {
        let names = ["greet", "ask_rating", "bye"];
        assert_eq!(closest("gret", names), Some("greet"));
        assert_eq!(closest("ask_ratnig", names), Some("ask_rating"));
        assert_eq!(closest("completely_else", names), None);
        assert_eq!(closest("sya", ["say", "ask"]), Some("say"));
        assert_eq!(
            did_you_mean("nxt", ["next", "id"]).as_deref(),
            Some("did you mean `next`?")
        );
    }

    #[test]
    fn paths() {
        let doc = json!({"data": {"items": [{"name": "a"}, {"name": "b"}]}});
        let path = split_path("data.items.1.name").unwrap();
        assert_eq!(lookup(&doc, &path), Some(&json!("b")));
        assert_eq!(lookup(&doc, &split_path("data.missing").unwrap()), None);
        assert_eq!(lookup(&doc, &split_path(".").unwrap()), Some(&doc));
        assert_eq!(split_path("a..b"), None);
    }
}
