//! `${VAR}` and `$VAR` expansion in repository URIs, env entries and flags, from the process environment
//! (an unset variable expands to nothing, as in Backrest).
/// Replaces each `${VAR}` and `$VAR` in `text` with `lookup`'s value (empty when unset); a `$`
/// not followed by a name, or an unclosed `${`, is kept as it is.
pub fn expand_env(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(body) = after.strip_prefix('{')
            && let Some(end) = body.find('}')
        {
            out.push_str(&lookup(&body[..end]).unwrap_or_default());
            rest = &body[end + 1..];
            continue;
        }
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if name_len == 0 {
            out.push('$');
            rest = after;
        } else {
            out.push_str(&lookup(&after[..name_len]).unwrap_or_default());
            rest = &after[name_len..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_both_forms_and_leaves_lone_dollars() {
        let env = |k: &str| (k == "HOME").then(|| "/home/u".to_string());
        assert_eq!(expand_env("${HOME}/x", env), "/home/u/x");
        assert_eq!(expand_env("$HOME/x and $NOPE.", env), "/home/u/x and .");
        assert_eq!(expand_env("cost $5 or $", env), "cost  or $");
        assert_eq!(expand_env("a ${unclosed", env), "a ${unclosed");
    }
}
