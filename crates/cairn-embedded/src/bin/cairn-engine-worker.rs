//! The embedded engine's worker as a program of its own, for this crate's tests and benchmarks (the
//! `cairn` binary serves the same role as `cairn engine-worker`).
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(u8::try_from(cairn_embedded::worker_main()).unwrap_or(1))
}
