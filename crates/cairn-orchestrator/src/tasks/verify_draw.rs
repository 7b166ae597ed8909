//! Which snapshots a restore verification draws its files from, and how many from each. The snapshots
//! are ranked newest first and snapshot `i` is weighted 1/(i+1), so the newest is drawn most and no old
//! one is ever out of reach: with 100 snapshots the newest gets about a fifth of the files and the
//! oldest about 1 in 500. A number of files is spread over the snapshots draw by draw; a share of the
//! bytes is taken from one snapshot drawn the same way. The draw is new at each run.
use cairn_config::MAX_VERIFY_FILES;
use cairn_engine::verify::Draw;
use cairn_proto::v1::__buffa::oneof::verify_policy::Sample;
use cairn_proto::v1::{OperationVerify, VerifyPolicy};
use rand::Rng;
use rand::distributions::{Distribution, WeightedIndex};

/// Files drawn when a repository has no verify policy or its policy names no sample.
pub const DEFAULT_FILES: u32 = 20;

/// What a policy samples.
fn sample(policy: Option<&VerifyPolicy>) -> Draw {
    match policy.and_then(|p| p.sample.as_ref()) {
        Some(Sample::Files(n)) => Draw::Files(n.clamp(&1, &MAX_VERIFY_FILES).unsigned_abs()),
        Some(Sample::BytesPercent(p)) => Draw::Share((p / 100.0).clamp(0.0, 1.0)),
        None => Draw::Files(DEFAULT_FILES),
    }
}

/// Records how a policy samples on the operation: in words and as numbers.
pub fn describe(policy: Option<&VerifyPolicy>, record: &mut OperationVerify) {
    match sample(policy) {
        Draw::Files(n) => {
            let files = if n == 1 { "file" } else { "files" };
            record.sample = format!("{n} {files}, drawn across the snapshots");
            record.sample_files = i32::try_from(n).unwrap_or(i32::MAX);
        }
        Draw::Share(p) => {
            record.sample = format!("{}% of the bytes of one snapshot", p * 100.0);
            record.sample_bytes_percent = p * 100.0;
        }
    }
}

/// The draws of one run over `snapshots` snapshots (newest first): each snapshot index drawn at least
/// once, with how to draw from it, in index order.
pub fn draws(
    policy: Option<&VerifyPolicy>,
    snapshots: usize,
    rng: &mut impl Rng,
) -> Vec<(usize, Draw)> {
    let Ok(weights) = WeightedIndex::new((0..snapshots).map(|i| 1.0 / (i as f64 + 1.0))) else {
        return Vec::new();
    };
    match sample(policy) {
        Draw::Share(p) => vec![(weights.sample(rng), Draw::Share(p))],
        Draw::Files(n) => {
            let mut counts = vec![0u32; snapshots];
            for _ in 0..n {
                if let Some(c) = counts.get_mut(weights.sample(rng)) {
                    *c += 1;
                }
            }
            counts
                .into_iter()
                .enumerate()
                .filter(|(_, c)| *c > 0)
                .map(|(i, c)| (i, Draw::Files(c)))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn policy(sample: Sample) -> VerifyPolicy {
        VerifyPolicy {
            sample: Some(sample),
            ..VerifyPolicy::default()
        }
    }

    fn files(d: &[(usize, Draw)]) -> u32 {
        d.iter()
            .map(|(_, d)| match d {
                Draw::Files(n) => *n,
                Draw::Share(_) => 0,
            })
            .sum()
    }

    #[test]
    fn a_number_of_files_is_spread_over_the_snapshots_newest_most() {
        let mut rng = StdRng::seed_from_u64(1);
        let p = policy(Sample::Files(1000));
        let d = draws(Some(&p), 10, &mut rng);
        assert_eq!(files(&d), 1000);
        let of = |i: usize| {
            files(
                &d.iter()
                    .filter(|(j, _)| *j == i)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        };
        // Weights 1, 1/2, ... 1/10 sum to about 2.93: the newest gets about 341, the oldest about 34.
        assert!((280..400).contains(&of(0)), "{}", of(0));
        assert!((10..70).contains(&of(9)), "{}", of(9));
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn no_policy_draws_the_default_and_no_snapshot_draws_nothing() {
        let mut rng = StdRng::seed_from_u64(2);
        assert_eq!(files(&draws(None, 3, &mut rng)), DEFAULT_FILES);
        assert!(draws(None, 0, &mut rng).is_empty());
    }

    #[test]
    fn a_share_draws_one_snapshot_and_out_of_range_values_are_held_in_bounds() {
        let mut rng = StdRng::seed_from_u64(3);
        let d = draws(Some(&policy(Sample::BytesPercent(5.0))), 4, &mut rng);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].1, Draw::Share(0.05));
        assert_eq!(sample(Some(&policy(Sample::Files(0)))), Draw::Files(1));
        assert_eq!(
            sample(Some(&policy(Sample::Files(5000)))),
            Draw::Files(1000)
        );
        let mut record = OperationVerify::default();
        describe(Some(&policy(Sample::BytesPercent(5.0))), &mut record);
        assert_eq!(record.sample, "5% of the bytes of one snapshot");
        assert_eq!((record.sample_files, record.sample_bytes_percent), (0, 5.0));
        describe(Some(&policy(Sample::Files(1))), &mut record);
        assert_eq!(
            (record.sample.as_str(), record.sample_files),
            ("1 file, drawn across the snapshots", 1)
        );
    }
}
