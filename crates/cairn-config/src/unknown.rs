//! Preserving JSON keys this build does not understand. Backrest drops unknown keys when it reads its
//! config; cairn keeps them so a config written by a newer Backrest (or with cairn extensions read by an
//! older cairn) round-trips without loss. The unknown keys are extracted into a sparse overlay that
//! mirrors the document's shape, then merged back into every document written.
use cairn_proto::schema::Schema;
use serde_json::{Map, Value};

/// The unknown keys of `raw` (a JSON value of message type `message`), or None if there are none.
/// Repeated messages whose items all carry a string `id` are keyed by id, others by index.
pub fn extract(schema: &Schema, message: &str, raw: &Value) -> Option<Value> {
    let obj = raw.as_object()?;
    let mut overlay = Map::new();
    for (key, value) in obj {
        match schema.field(message, key) {
            None => {
                overlay.insert(key.clone(), value.clone());
            }
            Some(field) => {
                let Some(child_type) = &field.message_type else {
                    continue;
                };
                let child = if field.repeated {
                    extract_repeated(schema, child_type, value)
                } else {
                    extract(schema, child_type, value)
                };
                if let Some(c) = child {
                    overlay.insert(field.json_name.clone(), c);
                }
            }
        }
    }
    (!overlay.is_empty()).then_some(Value::Object(overlay))
}

fn extract_repeated(schema: &Schema, message: &str, value: &Value) -> Option<Value> {
    let items = value.as_array()?;
    let ids: Option<Vec<&str>> = items
        .iter()
        .map(|i| i.get("id").and_then(Value::as_str))
        .collect();
    let overlays: Vec<Option<Value>> = items.iter().map(|i| extract(schema, message, i)).collect();
    if overlays.iter().all(Option::is_none) {
        return None;
    }
    match ids {
        Some(ids) => {
            let by_id: Map<String, Value> = ids
                .into_iter()
                .zip(overlays)
                .filter_map(|(id, o)| Some((id.to_string(), o?)))
                .collect();
            Some(Value::Object(by_id))
        }
        None => Some(Value::Array(
            overlays
                .into_iter()
                .map(|o| o.unwrap_or(Value::Null))
                .collect(),
        )),
    }
}

/// Merges an overlay from [`extract`] back into `out` (a document of message type `message`).
/// Keys the output already has win: a field this build understands is never overridden.
pub fn merge(schema: &Schema, message: &str, out: &mut Value, overlay: &Value) {
    let (Some(out_obj), Some(over)) = (out.as_object_mut(), overlay.as_object()) else {
        return;
    };
    for (key, value) in over {
        let Some(field) = schema.field(message, key) else {
            out_obj.entry(key.clone()).or_insert_with(|| value.clone());
            continue;
        };
        let Some(child_type) = &field.message_type else {
            continue;
        };
        let slot = out_obj.entry(field.json_name.clone()).or_insert_with(|| {
            if field.repeated {
                Value::Array(vec![])
            } else {
                Value::Object(Map::new())
            }
        });
        if !field.repeated {
            merge(schema, child_type, slot, value);
            continue;
        }
        let Some(items) = slot.as_array_mut() else {
            continue;
        };
        match value {
            Value::Object(by_id) => {
                for item in items.iter_mut() {
                    let id = item.get("id").and_then(Value::as_str).map(str::to_string);
                    if let Some(o) = id.and_then(|id| by_id.get(&id)) {
                        merge(schema, child_type, item, o);
                    }
                }
            }
            Value::Array(by_index) => {
                for (item, o) in items.iter_mut().zip(by_index) {
                    merge(schema, child_type, item, o);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_keys_survive_at_every_depth() {
        let s = Schema::get();
        let raw = json!({
            "instance": "a", "futureTop": 1,
            "repos": [{"id": "r1", "uri": "/x", "futureRepo": [1, 2],
                       "prunePolicy": {"futurePrune": "y"}}],
            "sync": {"futureSync": true}
        });
        let overlay = extract(s, "v1.Config", &raw).unwrap();
        let mut out = json!({"instance": "a", "repos": [{"id": "r0"}, {"id": "r1", "uri": "/x"}]});
        merge(s, "v1.Config", &mut out, &overlay);
        assert_eq!(out["futureTop"], 1);
        assert_eq!(out["repos"][1]["futureRepo"], json!([1, 2]));
        assert_eq!(out["repos"][1]["prunePolicy"]["futurePrune"], "y");
        assert!(
            out["repos"][0].get("futureRepo").is_none(),
            "matched by id, not index"
        );
        assert_eq!(out["sync"]["futureSync"], true);
    }

    #[test]
    fn a_document_with_only_known_keys_has_no_overlay() {
        let raw = json!({"instance": "a", "repos": [{"id": "r", "uri": "/x"}], "backup_flags": 1});
        assert_eq!(
            extract(Schema::get(), "v1.Config", &raw).map(|v| v.to_string()),
            Some(json!({"backup_flags": 1}).to_string()),
            "backup_flags is a Plan key, not a Config key"
        );
    }
}
