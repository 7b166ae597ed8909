//! Marks in rendered output: what a template's actions printed is wrapped in private-use characters
//! so that escaping can tell the template's own text (written by whoever wrote the config) from the
//! values it printed (file names, error texts, plan names). Values and template sources have every
//! such character removed first, so no value can forge a mark.
use gtmpl::Value;

/// Around everything one action printed.
pub const ACTION: (char, char) = ('\u{E000}', '\u{E001}');
/// Around a word `ShellEscape` quoted for the shell.
pub const SHELL_WORD: (char, char) = ('\u{E002}', '\u{E003}');
/// Around JSON text `JsonMarshal` produced.
pub const JSON_TEXT: (char, char) = ('\u{E004}', '\u{E005}');

fn is_mark(c: char) -> bool {
    ('\u{E000}'..='\u{E005}').contains(&c)
}

/// `s` between the marks `m`.
pub fn wrap(m: (char, char), s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 6);
    out.push(m.0);
    out.push_str(s);
    out.push(m.1);
    out
}

/// `s` without any mark (and without NUL, which no command argument or environment value can hold).
pub fn strip(s: &str) -> String {
    s.chars()
        .filter(|c| !is_mark(*c))
        .map(|c| if c == '\0' { '\u{FFFD}' } else { c })
        .collect()
}

/// A value with every string in it stripped of marks.
pub fn strip_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(strip(s)),
        Value::Array(a) => Value::Array(a.iter().map(strip_value).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (strip(k), strip_value(v))).collect())
        }
        Value::Map(o) => Value::Map(o.iter().map(|(k, v)| (strip(k), strip_value(v))).collect()),
        other => other.clone(),
    }
}

/// One part of what an action printed.
#[derive(Debug, PartialEq)]
pub enum Part {
    /// A value as it is: it must be escaped for where it lands.
    Raw(String),
    /// A word `ShellEscape` quoted.
    ShellWord(String),
    /// JSON text from `JsonMarshal`.
    Json(String),
}

/// A piece of rendered output.
#[derive(Debug, PartialEq)]
pub enum Piece {
    /// The template's own text.
    Text(String),
    /// What one action printed.
    Action(Vec<Part>),
}

impl Piece {
    /// What an action printed, as plain text.
    pub fn plain(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| match p {
                Part::Raw(s) | Part::ShellWord(s) | Part::Json(s) => s.as_str(),
            })
            .collect()
    }
}

/// Splits marked output into the template's text and what each action printed. A mark that is cut
/// off or unbalanced (a `printf "%.3s"` of an escaped word, say) makes its part a raw value, so
/// nothing counts as escaped unless it arrived whole.
pub fn split(s: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != ACTION.0 {
            if !is_mark(c) {
                text.push(c);
            }
            continue;
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut text)));
        }
        let mut parts = Vec::new();
        let mut raw = String::new();
        while let Some(c) = chars.next() {
            if c == ACTION.1 {
                break;
            }
            let close = match c {
                c if c == SHELL_WORD.0 => SHELL_WORD.1,
                c if c == JSON_TEXT.0 => JSON_TEXT.1,
                c if is_mark(c) => continue,
                c => {
                    raw.push(c);
                    continue;
                }
            };
            let mut inner = String::new();
            let mut closed = false;
            while let Some(&d) = chars.peek() {
                if d == close {
                    chars.next();
                    closed = true;
                    break;
                }
                if is_mark(d) {
                    break;
                }
                inner.push(d);
                chars.next();
            }
            if !closed {
                raw.push_str(&inner);
                continue;
            }
            if !raw.is_empty() {
                parts.push(Part::Raw(std::mem::take(&mut raw)));
            }
            parts.push(if close == SHELL_WORD.1 {
                Part::ShellWord(inner)
            } else {
                Part::Json(inner)
            });
        }
        if !raw.is_empty() {
            parts.push(Part::Raw(raw));
        }
        pieces.push(Piece::Action(parts));
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_splits_into_text_and_marked_parts() {
        let s = format!(
            "echo {} and {}",
            wrap(ACTION, &format!("x{}", wrap(SHELL_WORD, "'a b'"))),
            wrap(ACTION, &wrap(JSON_TEXT, "\"j\""))
        );
        assert_eq!(
            split(&s),
            vec![
                Piece::Text("echo ".into()),
                Piece::Action(vec![Part::Raw("x".into()), Part::ShellWord("'a b'".into())]),
                Piece::Text(" and ".into()),
                Piece::Action(vec![Part::Json("\"j\"".into())]),
            ]
        );
    }

    #[test]
    fn a_cut_off_mark_makes_a_raw_value() {
        let s = wrap(ACTION, "\u{E002}'$(x)");
        assert_eq!(
            split(&s),
            vec![Piece::Action(vec![Part::Raw("'$(x)".into())])]
        );
    }

    #[test]
    fn values_cannot_carry_marks_or_nul() {
        assert_eq!(strip("a\u{E002}b\u{E001}\0c"), "ab\u{FFFD}c");
    }
}
