//! Generated protobuf types and Connect service stubs for cairn: package `v1` (Backrest-compatible),
//! `v1sync` and `types`. Binary and JSON encodings follow protobuf's canonical JSON mapping.
#![allow(clippy::all, clippy::pedantic, missing_docs)]

connectrpc::include_generated!();

mod quoted;
pub mod schema;
mod short_id;

pub use quoted::{Quoted, quoted};
pub use short_id::short_id;

/// The encoded `FileDescriptorSet` of every .proto file, for runtime schema lookups.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/cairn_descriptor.bin"));
