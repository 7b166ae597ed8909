//! A repository's verify policy (cairn's own): its schedule, and a sample that is either a number of
//! files within bounds or a share of the bytes above 0 and at most 100.
use super::{Check, schedule};
use cairn_proto::v1::__buffa::oneof::verify_policy::Sample;
use cairn_proto::v1::VerifyPolicy;

/// The most files one verification restores.
pub const MAX_VERIFY_FILES: i32 = 1000;

pub(super) fn check(k: &mut Check, path: &str, policy: &VerifyPolicy) {
    schedule::check_field(
        k,
        &format!("{path}.verifyPolicy.schedule"),
        policy.schedule.as_option(),
    );
    match policy.sample {
        Some(Sample::Files(n)) if !(1..=MAX_VERIFY_FILES).contains(&n) => k.err(
            format!("{path}.verifyPolicy.files"),
            format!("must be from 1 to {MAX_VERIFY_FILES} files per run"),
        ),
        Some(Sample::BytesPercent(p)) if !(p > 0.0 && p <= 100.0) => k.err(
            format!("{path}.verifyPolicy.bytesPercent"),
            "must be above 0 and at most 100 (the share of one snapshot's bytes restored per run)",
        ),
        _ => {}
    }
}
