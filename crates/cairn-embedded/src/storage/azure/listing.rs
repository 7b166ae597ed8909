//! Reads one page of Azure Blob Storage's List Blobs answer (`<EnumerationResults>`): each blob's
//! `<Name>` and `<Properties><Content-Length>`, and the `<NextMarker>` that continues the listing. The
//! answer is tokenised by xmlparser (already in the tree through rusty-s3); every other element is passed
//! over, so new fields in the service's answer do not break it.
use cairn_proto::quoted;
use xmlparser::{ElementEnd, Token, Tokenizer};

/// The blobs of one page (full names and sizes) and the marker for the next page, if any.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListingPage {
    pub blobs: Vec<(String, u64)>,
    pub next_marker: Option<String>,
}

/// Why a List Blobs answer cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    /// The answer is not XML.
    #[error("not XML: {0}")]
    NotXml(#[from] xmlparser::Error),
    /// A blob's size is not a number.
    #[error("a blob's Content-Length is {}", quoted(.0))]
    BadLength(String),
    /// A blob without its name or its size.
    #[error("a listed blob has no {0}")]
    Missing(&'static str),
}

/// Parses a List Blobs answer; the error names what is wrong with it.
pub fn parse(xml: &str) -> Result<ListingPage, ListingError> {
    let mut page = ListingPage::default();
    let mut path: Vec<String> = Vec::new();
    let mut blob: (Option<String>, Option<u64>) = (None, None);
    for token in Tokenizer::from(xml) {
        match token? {
            Token::ElementStart { local, .. } => path.push(local.as_str().to_string()),
            Token::ElementEnd { end, .. } => match end {
                ElementEnd::Open => {}
                ElementEnd::Empty | ElementEnd::Close(..) => {
                    if path.pop().as_deref() == Some("Blob") && path.len() == 2 {
                        page.blobs.push(finished(&mut blob)?);
                    }
                }
            },
            Token::Text { text } | Token::Cdata { text, .. } => {
                let value = unescape(text.as_str());
                let at = |p: &[&str]| path.iter().map(String::as_str).eq(p.iter().copied());
                if at(&["EnumerationResults", "Blobs", "Blob", "Name"]) {
                    blob.0 = Some(value);
                } else if at(&[
                    "EnumerationResults",
                    "Blobs",
                    "Blob",
                    "Properties",
                    "Content-Length",
                ]) {
                    let size = value
                        .trim()
                        .parse()
                        .map_err(|_| ListingError::BadLength(value))?;
                    blob.1 = Some(size);
                } else if at(&["EnumerationResults", "NextMarker"]) && !value.trim().is_empty() {
                    page.next_marker = Some(value);
                }
            }
            _ => {}
        }
    }
    Ok(page)
}

/// The blob just closed, which must have had a name and a size.
fn finished(blob: &mut (Option<String>, Option<u64>)) -> Result<(String, u64), ListingError> {
    match std::mem::take(blob) {
        (Some(name), Some(size)) => Ok((name, size)),
        (None, _) => Err(ListingError::Missing("Name")),
        (Some(_), None) => Err(ListingError::Missing("Content-Length")),
    }
}

/// Replaces XML's five predefined entities and numeric character references.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..end];
        let replaced = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match replaced {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="c">
  <Prefix>repo/data/</Prefix><MaxResults>5000</MaxResults>
  <Blobs>
    <Blob><Name>repo/data/ab/ab01</Name><Properties><Creation-Time>x</Creation-Time>
      <Content-Length>1234</Content-Length><Content-Type>application/octet-stream</Content-Type>
      <Content-MD5 /></Properties><Metadata/></Blob>
    <Blob><Name>repo/a&amp;b&#x41;</Name><Properties><Content-Length>0</Content-Length></Properties></Blob>
  </Blobs>
  <NextMarker>2!96!MDAw&amp;</NextMarker>
</EnumerationResults>"#;

    #[test]
    fn names_sizes_and_the_next_marker_are_read() {
        let page = parse(PAGE).unwrap();
        assert_eq!(
            page.blobs,
            vec![
                ("repo/data/ab/ab01".to_string(), 1234),
                ("repo/a&bA".to_string(), 0)
            ]
        );
        assert_eq!(page.next_marker.as_deref(), Some("2!96!MDAw&"));
        let last = parse("<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>").unwrap();
        assert_eq!(last, ListingPage::default());
    }

    #[test]
    fn a_broken_answer_says_what_is_wrong() {
        assert!(parse("<EnumerationResults><Blobs><Blob><Name>x</Name></Blob></Blobs></EnumerationResults>")
            .unwrap_err()
            .to_string()
            .contains("Content-Length"));
        assert!(parse("<a <b").unwrap_err().to_string().contains("not XML"));
        assert!(parse(
            "<EnumerationResults><Blobs><Blob><Name>x</Name><Properties><Content-Length>big</Content-Length></Properties></Blob></Blobs></EnumerationResults>"
        )
        .unwrap_err()
        .to_string()
        .contains("big"));
    }
}
