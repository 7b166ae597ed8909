//! The config.json format: protobuf canonical JSON of `v1.Config` (2-space indent, Backrest's key
//! names), with parse errors that name the offending field and unknown keys carried through.
use crate::unknown;
use cairn_proto::schema::Schema;
use cairn_proto::v1::Config;
use serde_json::Value;

/// A parsed config file: the typed config plus the keys this build did not understand.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The config as this build understands it (`v1.Config`).
    pub config: Config,
    /// Keys this build does not know, as a sparse overlay in the document's shape; merged back on
    /// render so they survive a round trip. None when there were none.
    pub unknown: Option<Value>,
}

/// Why a config document cannot be read or written as JSON.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The text is not JSON at all.
    #[error("not valid JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    /// The text is JSON but not an object.
    #[error("the top level must be a JSON object")]
    NotAnObject,
    /// One value has the wrong type or an unknown enum name.
    #[error("{path}: {source}")]
    BadValue {
        /// The JSON path of the value, e.g. `plans[1].schedule.clock`.
        path: String,
        /// What the decoder found wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The config could not be turned into JSON.
    #[error("cannot render the config as JSON: {0}")]
    Render(#[source] serde_json::Error),
}

/// Parses config JSON. Errors name the JSON path of the bad value.
pub fn parse(text: &str) -> Result<Document, CodecError> {
    let raw: Value = serde_json::from_str(text).map_err(CodecError::NotJson)?;
    if !raw.is_object() {
        return Err(CodecError::NotAnObject);
    }
    let config: Config = serde_path_to_error::deserialize(&raw).map_err(|e| {
        let path = e.path().to_string();
        CodecError::BadValue {
            path,
            source: e.into_inner(),
        }
    })?;
    let unknown = unknown::extract(Schema::get(), "v1.Config", &raw);
    Ok(Document { config, unknown })
}

/// Renders a config as Backrest writes it (multi-line, 2-space indent), re-adding unknown keys.
pub fn render(doc: &Document) -> Result<String, CodecError> {
    let mut value = serde_json::to_value(&doc.config).map_err(CodecError::Render)?;
    if let Some(overlay) = &doc.unknown {
        unknown::merge(Schema::get(), "v1.Config", &mut value, overlay);
    }
    let mut text = serde_json::to_string_pretty(&value).map_err(CodecError::Render)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_value_is_reported_with_its_path() {
        let err =
            parse(r#"{"plans":[{"id":"a"},{"id":"b","schedule":{"clock":"CLOCK_SOMETIMES"}}]}"#)
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("plans[1].schedule.clock"), "{err}");
        let err = parse(r#"{"repos":[{"id":"r","autoUnlock":"yes"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("repos[0].autoUnlock"), "{err}");
        assert!(
            parse("[1]")
                .unwrap_err()
                .to_string()
                .contains("JSON object")
        );
        assert!(
            parse("{")
                .unwrap_err()
                .to_string()
                .contains("not valid JSON")
        );
    }

    #[test]
    fn int64_is_written_as_a_string_and_enums_by_name() {
        let doc = parse(
            r#"{"repos":[{"id":"r","prunePolicy":{"maxUnusedBytes":"5",
            "schedule":{"clock":"CLOCK_UTC","maxFrequencyDays":3}}}]}"#,
        )
        .unwrap();
        let text = render(&doc).unwrap();
        assert!(text.contains(r#""maxUnusedBytes": "5""#), "{text}");
        assert!(text.contains(r#""clock": "CLOCK_UTC""#), "{text}");
        assert!(text.contains(r#""maxFrequencyDays": 3"#), "{text}");
    }
}
