//! Runtime view of the compiled .proto schema: for each message, the JSON keys it accepts (json_name and
//! proto name) and which of them hold nested messages. Used to tell the keys of a JSON document that
//! this build understands from those it does not (so they can be preserved, not dropped), and which
//! RPCs stream (so a request in a unary content type can be told it has the wrong one).
use buffa::Message;
use buffa_descriptor::generated::descriptor::{
    DescriptorProto, FileDescriptorSet, field_descriptor_proto,
};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// One field of a message as seen from JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonField {
    /// The key written on output (json_name).
    pub json_name: String,
    /// Fully-qualified message type (without leading dot) when the field holds a message.
    pub message_type: Option<String>,
    pub repeated: bool,
    /// The name in the .proto file.
    pub proto_name: String,
    /// The field holds a string (or strings, when repeated).
    pub string: bool,
    /// The oneof the field belongs to (its index in the message), if any.
    pub oneof: Option<i32>,
}

/// Every message of the schema, by fully-qualified name (e.g. `v1.Config`).
#[derive(Debug, Default)]
pub struct Schema {
    messages: HashMap<String, HashMap<String, JsonField>>,
    /// Paths (`/package.Service/Method`) of the RPCs that stream in either direction.
    streaming: HashSet<String>,
}

impl Schema {
    /// The schema compiled into this crate (parsed once).
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| Schema::parse(crate::FILE_DESCRIPTOR_SET))
    }

    fn parse(bytes: &[u8]) -> Schema {
        let mut schema = Schema::default();
        // The bytes were produced by our own build script; an undecodable set is a build defect and
        // leaves the schema empty, which only disables unknown-key preservation.
        if let Ok(set) = FileDescriptorSet::decode_from_slice(bytes) {
            for file in &set.file {
                let package = file.package.clone().unwrap_or_default();
                for msg in &file.message_type {
                    schema.add_message(&package, msg);
                }
                for service in &file.service {
                    let name = service.name.clone().unwrap_or_default();
                    for m in &service.method {
                        if m.client_streaming == Some(true) || m.server_streaming == Some(true) {
                            let method = m.name.clone().unwrap_or_default();
                            schema
                                .streaming
                                .insert(format!("/{package}.{name}/{method}"));
                        }
                    }
                }
            }
        }
        schema
    }

    fn add_message(&mut self, scope: &str, msg: &DescriptorProto) {
        let name = format!("{scope}.{}", msg.name.clone().unwrap_or_default());
        let mut fields = HashMap::new();
        for f in &msg.field {
            let proto_name = f.name.clone().unwrap_or_default();
            let is_message = f.r#type == Some(field_descriptor_proto::Type::TYPE_MESSAGE);
            let field = JsonField {
                json_name: f.json_name.clone().unwrap_or_else(|| proto_name.clone()),
                message_type: is_message.then(|| {
                    f.type_name
                        .clone()
                        .unwrap_or_default()
                        .trim_start_matches('.')
                        .to_string()
                }),
                repeated: f.label == Some(field_descriptor_proto::Label::LABEL_REPEATED),
                proto_name: proto_name.clone(),
                string: f.r#type == Some(field_descriptor_proto::Type::TYPE_STRING),
                oneof: f.oneof_index,
            };
            fields.insert(field.json_name.clone(), field.clone());
            fields.insert(proto_name, field);
        }
        for nested in &msg.nested_type {
            self.add_message(&name, nested);
        }
        self.messages.insert(name, fields);
    }

    /// The field a JSON key names in `message`, if this build knows it.
    pub fn field(&self, message: &str, json_key: &str) -> Option<&JsonField> {
        self.messages.get(message)?.get(json_key)
    }

    /// Every field of `message`, in no particular order (empty for an unknown message).
    pub fn fields(&self, message: &str) -> Vec<&JsonField> {
        let mut fields: Vec<&JsonField> = self
            .messages
            .get(message)
            .into_iter()
            .flat_map(|m| m.iter())
            .filter(|(key, f)| **key == f.proto_name)
            .map(|(_, f)| f)
            .collect();
        fields.sort_by(|a, b| a.proto_name.cmp(&b.proto_name));
        fields
    }

    /// True if the RPC at `path` (`/package.Service/Method`) streams.
    pub fn is_streaming(&self, path: &str) -> bool {
        self.streaming.contains(path)
    }

    /// True if the schema has this message.
    pub fn has_message(&self, message: &str) -> bool {
        self.messages.contains_key(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_json_names_proto_names_and_nested_types() {
        let s = Schema::get();
        let sync = s.field("v1.Config", "sync").unwrap();
        assert_eq!(sync.message_type.as_deref(), Some("v1.Multihost"));
        assert_eq!(s.field("v1.Config", "multihost"), Some(sync));
        let repos = s.field("v1.Config", "repos").unwrap();
        assert!(repos.repeated);
        assert_eq!(
            s.field("v1.Plan", "backup_flags").unwrap().json_name,
            "backup_flags"
        );
        assert_eq!(
            s.field("v1.Repo", "prunePolicy")
                .unwrap()
                .message_type
                .as_deref(),
            Some("v1.PrunePolicy")
        );
        assert!(s.has_message("v1.Multihost.Peer"));
        assert_eq!(
            s.field("v1.Multihost.Peer", "keyId").unwrap().json_name,
            "keyId"
        );
        assert!(s.field("v1.Config", "nonsense").is_none());
    }

    #[test]
    fn knows_which_rpcs_stream() {
        let s = Schema::get();
        for path in [
            "/v1.Backrest/GetOperationEvents",
            "/v1.Backrest/GetLogs",
            "/v1sync.BackrestSyncService/Sync",
        ] {
            assert!(s.is_streaming(path), "{path}");
        }
        assert!(!s.is_streaming("/v1.Backrest/GetConfig"));
    }
}
