//! Compiles proto/ with protox (pure Rust, no system protoc) and generates buffa messages plus Connect
//! service stubs with connectrpc-build. The descriptor set is also kept for runtime schema lookups.
use std::error::Error;
use std::path::PathBuf;

const FILES: &[&str] = &[
    "types/value.proto",
    "v1/crypto.proto",
    "v1/config.proto",
    "v1/restic.proto",
    "v1/operations.proto",
    "v1/service.proto",
    "v1/authentication.proto",
    "v1sync/syncservice.proto",
    "cairn/v1/cairn.proto",
    "google/rpc/error_details.proto",
];

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_root = manifest.join("../../proto");
    println!("cargo:rerun-if-changed={}", proto_root.display());
    for f in FILES {
        println!("cargo:rerun-if-changed={}", proto_root.join(f).display());
    }
    let mut compiler = protox::Compiler::new([&proto_root])?;
    compiler.include_imports(true).include_source_info(true);
    compiler.open_files(FILES)?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptor_path = out_dir.join("cairn_descriptor.bin");
    std::fs::write(&descriptor_path, compiler.encode_file_descriptor_set())?;
    connectrpc_build::Config::new()
        .files(FILES)
        .descriptor_set(&descriptor_path)
        .include_file("_connectrpc.rs")
        .emit_rerun_directives(false)
        .compile()?;
    Ok(())
}
