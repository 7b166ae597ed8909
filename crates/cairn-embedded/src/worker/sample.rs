//! Drawing regular files at random from one snapshot for a restore verification: the snapshot's trees
//! are walked once and each non-empty regular file is offered to a reservoir (Algorithm R), so any
//! number of files costs memory for the draw only. A share draws each file with that probability
//! first. The seed fixes the draw, so a run can be repeated.
use super::{Fail, Out, repo};
use crate::protocol::Job;
use cairn_engine::shared::snapshot_path::child_path;
use cairn_engine::verify::{Draw, MAX_DRAWN, SampledFile};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustic_core::{IndexedTree, Repository, TreeId};

pub fn run(
    job: &Job,
    out: &Out,
    snapshot: &str,
    draw: Draw,
    seed: u64,
) -> Result<serde_json::Value, Fail> {
    let repo = repo::open(job, out, false)?.repo.to_indexed_ids()?;
    let snap = repo.get_snapshot_from_str(snapshot, |_| true)?;
    let mut picker = Picker::new(draw, seed);
    walk(&repo, snap.tree, &mut |file| picker.offer(file))?;
    Ok(Out::json(&picker.drawn))
}

/// Calls `file` with every non-empty regular file below the root tree, depth first.
fn walk<S: IndexedTree>(
    repo: &Repository<S>,
    root: TreeId,
    file: &mut dyn FnMut(SampledFile),
) -> Result<(), Fail> {
    let mut pending = vec![("/".to_string(), root)];
    while let Some((dir, id)) = pending.pop() {
        for node in repo.get_tree(&id)?.nodes {
            // A name that is not UTF-8 cannot be named to a restore; what it holds is not drawn.
            let Some(name) = node.name().to_str().map(str::to_string) else {
                continue;
            };
            let path = child_path(&dir, &name);
            if let Some(subtree) = node.subtree {
                pending.push((path, subtree));
            } else if node.is_file() && node.meta.size > 0 {
                file(SampledFile {
                    path,
                    size: node.meta.size,
                });
            }
        }
    }
    Ok(())
}

/// A reservoir of at most `keep` files, each offered file equally likely to end in it.
struct Picker {
    draw: Draw,
    keep: usize,
    seen: u64,
    drawn: Vec<SampledFile>,
    rng: StdRng,
}

impl Picker {
    fn new(draw: Draw, seed: u64) -> Self {
        let keep = match draw {
            Draw::Files(n) => (n as usize).min(MAX_DRAWN),
            Draw::Share(_) => MAX_DRAWN,
        };
        Picker {
            draw,
            keep,
            seen: 0,
            drawn: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    fn offer(&mut self, file: SampledFile) {
        if let Draw::Share(p) = self.draw
            && !self.rng.gen_bool(p.clamp(0.0, 1.0))
        {
            return;
        }
        self.seen += 1;
        if self.drawn.len() < self.keep {
            self.drawn.push(file);
            return;
        }
        let slot = self.rng.gen_range(0..self.seen);
        if let Some(kept) = usize::try_from(slot)
            .ok()
            .and_then(|i| self.drawn.get_mut(i))
        {
            *kept = file;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(n: u64) -> impl Iterator<Item = SampledFile> {
        (0..n).map(|i| SampledFile {
            path: format!("/f{i}"),
            size: i + 1,
        })
    }

    fn drawn(draw: Draw, seed: u64, n: u64) -> Vec<SampledFile> {
        let mut p = Picker::new(draw, seed);
        files(n).for_each(|f| p.offer(f));
        p.drawn
    }

    #[test]
    fn a_count_draws_that_many_distinct_files_or_all_of_fewer() {
        let d = drawn(Draw::Files(10), 1, 1000);
        assert_eq!(d.len(), 10);
        let mut paths: Vec<_> = d.iter().map(|f| f.path.clone()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), 10);
        assert_eq!(drawn(Draw::Files(10), 1, 4).len(), 4);
        assert_eq!(drawn(Draw::Files(1_000_000), 1, 5000).len(), MAX_DRAWN);
    }

    #[test]
    fn the_seed_fixes_the_draw_and_another_seed_changes_it() {
        assert_eq!(drawn(Draw::Files(5), 7, 500), drawn(Draw::Files(5), 7, 500));
        assert_ne!(drawn(Draw::Files(5), 7, 500), drawn(Draw::Files(5), 8, 500));
    }

    #[test]
    fn every_file_is_about_equally_likely() {
        // 2,000 draws of 1 file out of 4: each should come up near 500 times.
        let mut counts = [0u32; 4];
        for seed in 0..2000 {
            let d = drawn(Draw::Files(1), seed, 4);
            let i: usize = d[0].path[2..].parse().unwrap();
            counts[i] += 1;
        }
        assert!(counts.iter().all(|c| (400..600).contains(c)), "{counts:?}");
    }

    #[test]
    fn a_share_takes_about_that_share_of_the_files() {
        let d = drawn(Draw::Share(0.1), 3, 5000);
        assert!((350..=650).contains(&d.len()), "{}", d.len());
        assert!(drawn(Draw::Share(0.0), 3, 100).is_empty());
        assert_eq!(drawn(Draw::Share(1.0), 3, 100).len(), 100);
    }
}
