//! Secrets by schema: every string field reachable from `v1.Config` is declared either secret or
//! public, and the typed walker reaches exactly the declared secrets. Configs are generated from the
//! compiled schema with every string field holding its own value (each oneof member in turn), so a new
//! field, a new hook action or a walker that misses one fails here, not in a user's GetConfig.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_config::secrets::{PUBLIC_FIELDS, SECRET_FIELDS, for_each_secret, is_secret_env_name};
use cairn_proto::schema::Schema;
use cairn_proto::v1::Config;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};

/// Builds sample configs: each string gets a unique marker, remembered with its field.
struct Sampler<'a> {
    schema: &'a Schema,
    /// Which member of each oneof to fill: the `variant`-th, wrapping around.
    variant: usize,
    markers: HashMap<String, String>,
}

impl Sampler<'_> {
    fn marker(&mut self, field: &str) -> String {
        let m = format!("<m{}>", self.markers.len());
        self.markers.insert(m.clone(), field.to_string());
        m
    }

    fn message(&mut self, name: &str, depth: usize) -> Value {
        assert!(depth < 12, "the schema nests too deep at {name}");
        let fields = self.schema.fields(name);
        let mut members: HashMap<i32, Vec<&str>> = HashMap::new();
        for f in &fields {
            if let Some(o) = f.oneof {
                members.entry(o).or_default().push(&f.proto_name);
            }
        }
        let mut obj = Map::new();
        for f in fields {
            if let Some(o) = f.oneof {
                let list = &members[&o];
                if list[self.variant % list.len()] != f.proto_name {
                    continue;
                }
            }
            let path = format!("{name}.{}", f.proto_name);
            let value = if path == "v1.Repo.env" {
                let secret = self.marker(&path);
                let public = self.marker("env: a public name");
                assert!(is_secret_env_name("API_TOKEN") && !is_secret_env_name("REGION"));
                json!([format!("API_TOKEN={secret}"), format!("REGION={public}")])
            } else if f.string {
                let m = self.marker(&path);
                if f.repeated { json!([m]) } else { json!(m) }
            } else if let Some(child) = &f.message_type {
                if child.starts_with("google.") {
                    continue;
                }
                let v = self.message(child, depth + 1);
                if f.repeated { json!([v]) } else { v }
            } else {
                continue;
            };
            obj.insert(f.json_name.clone(), value);
        }
        Value::Object(obj)
    }
}

/// Every string field reachable from `message`.
fn string_fields(schema: &Schema, message: &str, out: &mut BTreeSet<String>) {
    for f in schema.fields(message) {
        if f.string {
            out.insert(format!("{message}.{}", f.proto_name));
        } else if let Some(child) = &f.message_type {
            string_fields(schema, child, out);
        }
    }
}

#[test]
fn every_string_field_is_declared_secret_or_public_once() {
    let mut fields = BTreeSet::new();
    string_fields(Schema::get(), "v1.Config", &mut fields);
    let secret: BTreeSet<String> = SECRET_FIELDS.iter().map(|f| f.name.to_string()).collect();
    let public: BTreeSet<String> = PUBLIC_FIELDS.iter().map(|f| f.to_string()).collect();
    assert_eq!(
        secret.len(),
        SECRET_FIELDS.len(),
        "a secret field is listed twice"
    );
    assert_eq!(
        public.len(),
        PUBLIC_FIELDS.len(),
        "a public field is listed twice"
    );
    let both: Vec<_> = secret.intersection(&public).collect();
    assert!(both.is_empty(), "declared both secret and public: {both:?}");
    let declared: BTreeSet<String> = secret.union(&public).cloned().collect();
    let undeclared: Vec<_> = fields.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "string fields neither secret nor public (add each to cairn_config::secrets): {undeclared:?}"
    );
    let gone: Vec<_> = declared.difference(&fields).collect();
    assert!(
        gone.is_empty(),
        "declared fields the schema no longer has: {gone:?}"
    );
}

#[test]
fn the_walker_reaches_exactly_the_declared_secrets() {
    let schema = Schema::get();
    let mut seen = BTreeSet::new();
    for variant in 0..16 {
        let mut s = Sampler {
            schema,
            variant,
            markers: HashMap::new(),
        };
        let doc = s.message("v1.Config", 0);
        let mut config: Config = serde_json::from_value(doc.clone())
            .unwrap_or_else(|e| panic!("sample {variant} does not parse: {e}\n{doc:#}"));
        let mut visited = HashMap::new();
        for_each_secret::<()>(&mut config, &mut |field, value| {
            visited.insert(value.clone(), field.name);
            Ok(())
        })
        .unwrap();
        for (value, field) in &visited {
            assert_eq!(
                s.markers.get(value).map(String::as_str),
                Some(*field),
                "the walker called {value:?} part of {field}"
            );
            seen.insert(field.to_string());
        }
        for (marker, field) in &s.markers {
            let secret = SECRET_FIELDS.iter().any(|f| f.name == field);
            assert_eq!(
                visited.contains_key(marker),
                secret,
                "{field} ({marker}) in sample {variant}"
            );
        }
    }
    let missing: Vec<_> = SECRET_FIELDS
        .iter()
        .filter(|f| !seen.contains(f.name))
        .map(|f| f.name)
        .collect();
    assert!(
        missing.is_empty(),
        "secret fields no sample reached: {missing:?}"
    );
}
