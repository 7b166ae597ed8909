//! Escaping for command hooks. A command hook's template renders a shell script; every value an
//! action prints is passed to the script in an environment variable and the script text only names
//! it, quoted for where it stands: `"${CAIRN_HOOK_VALUE_1}"` between words, `${...}` inside double
//! quotes and unquoted here-documents, `'"${...}"'` inside single quotes. So a file name such as
//! `$(touch owned)`, an error text with backticks or a plan name with quotes stays data: the shell
//! never parses it. Words that `ShellEscape` quoted are kept as they are between words (configs that
//! already escape keep working, without double quoting); inside a quoted here-document, where no
//! expansion happens, a value is written out as it is unless it would end the here-document.
use super::marks::{Part, Piece};
use std::sync::LazyLock;

/// The prefix of the environment variables that carry a script's values.
pub const VAR_PREFIX: &str = "CAIRN_HOOK_VALUE_";

/// A rendered script and the values it reads from its environment.
#[derive(Debug, Default, PartialEq)]
pub struct Script {
    /// The script text, which refers to values only by their variables.
    pub text: String,
    /// The values as `(name, value)` pairs, named `CAIRN_HOOK_VALUE_1`, `_2`, ... in order.
    pub env: Vec<(String, String)>,
}

/// A word exactly as `ShellEscape` makes one: single-quoted, each `'` inside written `'\''`.
static QUOTED_WORD: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^'(?:[^']|'\\'')*'$").unwrap_or_else(|_| unreachable!()));

/// Where in the script the next character stands.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Frame {
    /// Between words: the top level, `( ... )`, `$( ... )` or backquotes.
    Bare {
        closer: Option<char>,
    },
    Single,
    AnsiC,
    Double,
}

/// A here-document announced by `<<WORD`, waiting for its line to end.
#[derive(Clone, Debug)]
struct HereDoc {
    delimiter: String,
    quoted: bool,
    strip_tabs: bool,
}

/// The here-document being read.
struct Body {
    doc: HereDoc,
    line: String,
    line_has_value: bool,
}

/// Reading the word after `<<`.
struct Delimiter {
    word: String,
    quoted: bool,
    strip_tabs: bool,
    quote: Option<char>,
    started: bool,
}

#[derive(Default)]
struct Scanner {
    stack: Vec<Frame>,
    escaped: bool,
    comment: bool,
    prev: Option<char>,
    delimiter: Option<Delimiter>,
    pending: Vec<HereDoc>,
    body: Option<Body>,
    out: Script,
}

/// Where a value cannot stand in a script, because no quoting would keep it a plain value there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    /// A line made with a value would match a here-document's delimiter.
    #[error("a value would end the here-document <<{0} early; read it from a variable instead")]
    EndsHereDocument(String),
    /// A value in the place of a here-document's delimiter word.
    #[error("a here-document's delimiter cannot come from a value")]
    DelimiterFromValue,
    /// A value right after an unquoted backslash.
    #[error("a value cannot follow a backslash in a command")]
    AfterBackslash,
}

/// Turns a rendered, marked script into one whose values come from its environment.
pub fn escape(pieces: Vec<Piece>) -> Result<Script, ShellError> {
    let mut s = Scanner {
        stack: vec![Frame::Bare { closer: None }],
        ..Default::default()
    };
    for piece in pieces {
        match piece {
            Piece::Text(t) => t.chars().try_for_each(|c| s.text(c))?,
            Piece::Action(parts) => s.value(&parts)?,
        }
    }
    Ok(s.out)
}

impl Scanner {
    fn top(&self) -> Frame {
        self.stack
            .last()
            .copied()
            .unwrap_or(Frame::Bare { closer: None })
    }

    /// One character of the template's own text.
    fn text(&mut self, c: char) -> Result<(), ShellError> {
        self.out.text.push(c);
        if self.body.is_some() {
            return self.body_char(c, false);
        }
        if self.delimiter.is_some() {
            self.delimiter_char(c);
        } else if self.escaped {
            self.escaped = false;
        } else if self.comment {
            self.comment = c != '\n';
            if c == '\n' {
                self.start_bodies();
            }
        } else {
            self.syntax_char(c);
        }
        self.prev = Some(c);
        Ok(())
    }

    fn syntax_char(&mut self, c: char) {
        let prev = self.prev;
        match (self.top(), c) {
            (Frame::Single, '\'') | (Frame::AnsiC, '\'') | (Frame::Double, '"') => {
                self.stack.pop();
            }
            (Frame::Single, _) => {}
            (Frame::AnsiC | Frame::Double, '\\') => self.escaped = true,
            (Frame::AnsiC, _) => {}
            (Frame::Double, '`') => self.stack.push(Frame::Bare { closer: Some('`') }),
            (Frame::Double, '(') if prev == Some('$') => {
                self.stack.push(Frame::Bare { closer: Some(')') })
            }
            (Frame::Double, _) => {}
            (Frame::Bare { closer }, c) => self.bare_char(closer, c, prev),
        }
    }

    fn bare_char(&mut self, closer: Option<char>, c: char, prev: Option<char>) {
        let word_start = prev.is_none_or(|p| p.is_whitespace() || ";&|()<>".contains(p));
        match c {
            '\\' => self.escaped = true,
            '\'' if prev == Some('$') => self.stack.push(Frame::AnsiC),
            '\'' => self.stack.push(Frame::Single),
            '"' => self.stack.push(Frame::Double),
            c if Some(c) == closer => {
                self.stack.pop();
            }
            '`' => self.stack.push(Frame::Bare { closer: Some('`') }),
            '(' => self.stack.push(Frame::Bare { closer: Some(')') }),
            '#' if word_start => self.comment = true,
            '<' if prev == Some('<') => {
                self.delimiter = Some(Delimiter {
                    word: String::new(),
                    quoted: false,
                    strip_tabs: false,
                    quote: None,
                    started: false,
                })
            }
            '\n' => self.start_bodies(),
            _ => {}
        }
    }

    /// The word after `<<` (and `-`), with its quotes removed; `<<<` is a here-string, not a document.
    fn delimiter_char(&mut self, c: char) {
        let Some(d) = self.delimiter.as_mut() else {
            return;
        };
        if !d.started {
            match c {
                '<' if self.prev == Some('<') && d.word.is_empty() => {
                    self.delimiter = None;
                    return;
                }
                '-' if !d.strip_tabs => {
                    d.strip_tabs = true;
                    return;
                }
                ' ' | '\t' => return,
                _ => d.started = true,
            }
        }
        match (d.quote, c) {
            (Some(q), c) if c == q => d.quote = None,
            (Some(_), c) => d.word.push(c),
            (None, '\'' | '"') => {
                d.quoted = true;
                d.quote = Some(c);
            }
            (None, '\\') => d.quoted = true,
            (None, c) if c.is_whitespace() || ";&|()<>".contains(c) => {
                let d = self.delimiter.take();
                if let Some(d) = d {
                    self.pending.push(HereDoc {
                        delimiter: d.word,
                        quoted: d.quoted,
                        strip_tabs: d.strip_tabs,
                    });
                }
                if c == '\n' {
                    self.start_bodies();
                }
            }
            (None, c) => d.word.push(c),
        }
    }

    /// At the end of a line, the first here-document announced on it begins.
    fn start_bodies(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let doc = self.pending.remove(0);
        self.body = Some(Body {
            doc,
            line: String::new(),
            line_has_value: false,
        });
    }

    /// One character of a here-document's body, from the template's text or from a value.
    fn body_char(&mut self, c: char, from_value: bool) -> Result<(), ShellError> {
        let Some(body) = self.body.as_mut() else {
            return Ok(());
        };
        if c != '\n' {
            body.line.push(c);
            body.line_has_value |= from_value;
            return Ok(());
        }
        let line = if body.doc.strip_tabs {
            body.line.trim_start_matches('\t')
        } else {
            body.line.as_str()
        };
        if line == body.doc.delimiter {
            if body.line_has_value || from_value {
                return Err(ShellError::EndsHereDocument(body.doc.delimiter.clone()));
            }
            self.body = None;
            self.prev = Some('\n');
            self.start_bodies();
            return Ok(());
        }
        body.line.clear();
        body.line_has_value = false;
        Ok(())
    }

    /// A new environment variable holding `value`; returns its name.
    fn var(&mut self, value: String) -> String {
        let name = format!("{VAR_PREFIX}{}", self.out.env.len() + 1);
        self.out.env.push((name.clone(), value));
        name
    }

    /// What one action printed, written as fits where it stands.
    fn value(&mut self, parts: &[Part]) -> Result<(), ShellError> {
        let plain = Piece::plain(parts);
        if self.delimiter.is_some() {
            return Err(ShellError::DelimiterFromValue);
        }
        if self.escaped {
            return Err(ShellError::AfterBackslash);
        }
        if let Some(body) = &self.body {
            if body.doc.quoted {
                self.out.text.push_str(&plain);
                return plain.chars().try_for_each(|c| self.body_char(c, true));
            }
            let name = self.var(plain);
            self.out.text.push_str(&format!("${{{name}}}"));
            return Ok(());
        }
        let text = if self.comment {
            format!("${{{}}}", self.var(plain))
        } else {
            match self.top() {
                Frame::Bare { .. } => self.between_words(parts),
                Frame::Double => format!("${{{}}}", self.var(plain)),
                Frame::Single => format!("'\"${{{}}}\"'", self.var(plain)),
                Frame::AnsiC => format!("'\"${{{}}}\"$'", self.var(plain)),
            }
        };
        self.out.text.push_str(&text);
        if !text.is_empty() {
            self.prev = Some('"');
        }
        Ok(())
    }

    fn between_words(&mut self, parts: &[Part]) -> String {
        let mut text = String::new();
        for part in parts {
            match part {
                Part::ShellWord(w) if QUOTED_WORD.is_match(w) => text.push_str(w),
                Part::Raw(s) | Part::ShellWord(s) | Part::Json(s) => {
                    text.push_str(&format!("\"${{{}}}\"", self.var(s.clone())))
                }
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::marks::{ACTION, SHELL_WORD, split, wrap};
    use super::*;

    fn value(s: &str) -> String {
        wrap(ACTION, s)
    }

    fn script(src: &str) -> Script {
        escape(split(src)).unwrap()
    }

    #[test]
    fn values_become_variables_quoted_for_where_they_stand() {
        let v = value("$(touch owned)");
        let cases = [
            (format!("echo {v} x"), "echo \"${CAIRN_HOOK_VALUE_1}\" x"),
            (
                format!("echo \"a {v}\""),
                "echo \"a ${CAIRN_HOOK_VALUE_1}\"",
            ),
            (
                format!("echo 'a {v}'"),
                "echo 'a '\"${CAIRN_HOOK_VALUE_1}\"''",
            ),
            (
                format!("echo $'a {v}'"),
                "echo $'a '\"${CAIRN_HOOK_VALUE_1}\"$''",
            ),
            (
                format!("x=$(echo {v})"),
                "x=$(echo \"${CAIRN_HOOK_VALUE_1}\")",
            ),
            (
                format!("x=\"$(echo {v})\""),
                "x=\"$(echo \"${CAIRN_HOOK_VALUE_1}\")\"",
            ),
            (
                format!("# note {v}\necho"),
                "# note ${CAIRN_HOOK_VALUE_1}\necho",
            ),
            (
                format!("cat <<EOF\n{v}\nEOF\necho {v}"),
                "cat <<EOF\n${CAIRN_HOOK_VALUE_1}\nEOF\necho \"${CAIRN_HOOK_VALUE_2}\"",
            ),
        ];
        for (src, want) in cases {
            let s = script(&src);
            assert_eq!(s.text, want, "{src:?}");
            assert_eq!(s.env[0].1, "$(touch owned)");
        }
    }

    #[test]
    fn shell_escaped_words_are_kept_between_words_only() {
        let word = value(&wrap(SHELL_WORD, r"'it'\''s'"));
        assert_eq!(script(&format!("echo {word}")).text, r"echo 'it'\''s'");
        assert!(script(&format!("echo {word}")).env.is_empty());
        let s = script(&format!("echo \"{word}\""));
        assert_eq!(s.text, "echo \"${CAIRN_HOOK_VALUE_1}\"");
        assert_eq!(s.env[0].1, r"'it'\''s'");
        // A word that is not exactly ShellEscape's output is a value.
        let forged = value(&wrap(SHELL_WORD, "'x'$(id)'y'"));
        assert_eq!(
            script(&format!("echo {forged}")).text,
            "echo \"${CAIRN_HOOK_VALUE_1}\""
        );
    }

    #[test]
    fn quoted_here_documents_take_values_as_they_are_unless_they_end_it() {
        let src = format!("cat <<'EOF'\nError: {}\nEOF\n", value("a $(b)"));
        assert_eq!(script(&src).text, "cat <<'EOF'\nError: a $(b)\nEOF\n");
        let src = format!("cat <<-\"END\"\n{}\nEND\n", value("x\n\tEND\nrm -rf ~"));
        let e = escape(split(&src)).unwrap_err();
        assert!(e.to_string().contains("here-document"), "{e}");
    }

    #[test]
    fn a_here_string_is_not_a_document() {
        let s = script(&format!("cat <<< {}\necho {}", value("a"), value("b")));
        assert_eq!(
            s.text,
            "cat <<< \"${CAIRN_HOOK_VALUE_1}\"\necho \"${CAIRN_HOOK_VALUE_2}\""
        );
    }
}
