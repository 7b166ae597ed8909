//! How cairn quotes a value inside a message a person reads (an error, a log line, a validation
//! problem): in double quotes, with quotes, backslashes and control characters escaped, so that an
//! empty name, a trailing space or a newline shows exactly, and a value cannot forge a line of its own.
//! Every crate quotes with this one helper instead of Rust's Debug formatting.
use std::fmt::{self, Write};

/// A text value that displays quoted; made by [`quoted`].
#[derive(Clone, Copy, Debug)]
pub struct Quoted<'a>(&'a str);

/// Quotes `value` for a message: `quoted("a b")` displays as `"a b"`, `quoted("x\ny")` as `"x\ny"`
/// with the newline written as backslash and n.
pub fn quoted<S: AsRef<str> + ?Sized>(value: &S) -> Quoted<'_> {
    Quoted(value.as_ref())
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                c if c.is_control() => write!(f, "{}", c.escape_default())?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn values_show_exactly_and_stay_on_one_line() {
        assert_eq!(quoted("plan 1").to_string(), "\"plan 1\"");
        assert_eq!(quoted("").to_string(), "\"\"");
        assert_eq!(quoted("a\"b\\c").to_string(), "\"a\\\"b\\\\c\"");
        assert_eq!(quoted("x\ny\r\tz").to_string(), "\"x\\ny\\r\\tz\"");
        assert_eq!(quoted("\u{1b}[31m").to_string(), "\"\\u{1b}[31m\"");
        assert_eq!(quoted("für").to_string(), "\"für\"");
        assert_eq!(quoted(&String::from("s")).to_string(), "\"s\"");
    }
}
