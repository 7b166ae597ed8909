//! Escaping for JSON templates (a webhook or Slack body that is JSON): a value inside a JSON string
//! is escaped as string content, a value between tokens becomes a JSON string unless it is a number,
//! `true`, `false` or `null`, and `JsonMarshal`'s output is kept as it is between tokens. So a file
//! name or an error text with quotes or newlines can never break the document or add fields to it.
use super::marks::{Part, Piece};

/// Whether a template is a JSON document: it starts with `{` or `[` (an action's `{{` does not count).
pub fn is_json_template(src: &str) -> bool {
    let s = src.trim_start();
    (s.starts_with('{') && !s.starts_with("{{")) || s.starts_with('[')
}

/// Turns rendered, marked JSON into JSON whose values are escaped for where they stand.
pub fn escape(pieces: Vec<Piece>) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    for piece in pieces {
        match piece {
            Piece::Text(t) => {
                for c in t.chars() {
                    out.push(c);
                    match (in_string, escaped, c) {
                        (true, true, _) => escaped = false,
                        (true, false, '\\') => escaped = true,
                        (_, false, '"') => in_string = !in_string,
                        _ => {}
                    }
                }
            }
            Piece::Action(parts) if in_string => {
                let s = serde_json::Value::from(Piece::plain(&parts)).to_string();
                out.push_str(&s[1..s.len() - 1]);
            }
            Piece::Action(parts) => parts.iter().for_each(|p| out.push_str(&between(p))),
        }
    }
    out
}

fn between(part: &Part) -> String {
    let scalar = |s: &str| {
        matches!(
            serde_json::from_str::<serde_json::Value>(s.trim()),
            Ok(serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null)
        )
    };
    match part {
        Part::Json(j) if serde_json::from_str::<serde_json::Value>(j).is_ok() => j.clone(),
        Part::Raw(s) if scalar(s) => s.trim().to_string(),
        Part::Raw(s) | Part::Json(s) | Part::ShellWord(s) => {
            serde_json::Value::from(s.as_str()).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::marks::{ACTION, JSON_TEXT, split, wrap};
    use super::*;

    #[test]
    fn values_cannot_break_a_json_body() {
        let evil = wrap(ACTION, "x\", \"admin\": true, \"y\": \"\n");
        let src = format!(
            r#"{{"text": "error: {evil}", "n": {}, "s": {evil}, "j": {}}}"#,
            wrap(ACTION, "42"),
            wrap(ACTION, &wrap(JSON_TEXT, r#"{"a":1}"#))
        );
        let out = escape(split(&src));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["text"], "error: x\", \"admin\": true, \"y\": \"\n");
        assert_eq!(v["n"], 42);
        assert_eq!(v["s"], "x\", \"admin\": true, \"y\": \"\n");
        assert_eq!(v["j"]["a"], 1);
        assert!(v.get("admin").is_none());
    }

    #[test]
    fn json_templates_are_recognised() {
        assert!(is_json_template("  {\"a\": 1}"));
        assert!(is_json_template("[1]"));
        assert!(!is_json_template("plain {{ .Summary }}"));
        assert!(!is_json_template("{{ .Plan.Id }} done"));
    }
}
