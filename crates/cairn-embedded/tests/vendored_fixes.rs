//! The two vendored speed fixes (see `vendor/` and docs/dependencies.md) change how work is done,
//! never its result: rustic_cdc's Rabin tables cached per thread hash exactly as freshly built ones,
//! and zstd's stream helpers on per-thread contexts produce what a fresh encoder produces, even after
//! a call that failed halfway.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use rustic_cdc::{Polynom, Polynom64, Rabin64, RollingHash64};
use std::io::Write;

/// The Rabin fingerprint of `window` straight from the definition: the bytes as a polynomial mod `p`.
fn fingerprint(window: &[u8], p: Polynom64) -> Polynom64 {
    window.iter().fold(0, |h: Polynom64, b| {
        ((h << 8) | Polynom64::from(*b)).modulo(&p)
    })
}

fn rolled(p: Polynom64, data: &[u8]) -> Vec<Polynom64> {
    let mut rabin = Rabin64::new_with_polynom(6, &p);
    data.iter()
        .map(|b| {
            rabin.slide(*b);
            *rabin.get_hash()
        })
        .collect()
}

#[test]
fn rabin_hashes_stay_right_when_polynoms_alternate() {
    // Two irreducible polynomials of degree 53, as restic repositories use.
    let polynoms: [Polynom64; 2] = [0x003D_A335_8B4D_C173, 0x0030_45a5_e2f3_a5d5];
    let data: Vec<u8> = (0..400u32).map(|i| (i * 37 % 251) as u8).collect();
    let first: Vec<Vec<Polynom64>> = polynoms.iter().map(|p| rolled(*p, &data)).collect();
    for round in 0..3 {
        for (k, p) in polynoms.iter().enumerate() {
            let hashes = rolled(*p, &data);
            assert_eq!(hashes, first[k], "round {round}, polynom {k}");
            let window = &data[data.len() - 64..];
            assert_eq!(hashes[data.len() - 1], fingerprint(window, *p));
        }
    }
}

#[test]
fn zstd_helpers_on_shared_contexts_match_a_fresh_encoder() {
    let text: Vec<u8> = (0..50_000u32)
        .flat_map(|i| format!("line {} of cairn\n", i % 977).into_bytes())
        .collect();
    for (len, level) in [(0, 3), (10, 1), (70_000, 19), (text.len(), 0), (5, 3)] {
        let data = &text[..len];
        let shared = zstd::encode_all(data, level).unwrap();
        let mut fresh = zstd::Encoder::new(Vec::new(), level).unwrap();
        fresh.write_all(data).unwrap();
        assert_eq!(shared, fresh.finish().unwrap(), "len {len} level {level}");
        // A truncated frame fails and leaves nothing behind for the next decode.
        assert!(zstd::decode_all(&shared[..shared.len() / 2]).is_err());
        assert_eq!(zstd::decode_all(&shared[..]).unwrap(), data);
    }
}

#[test]
fn zstd_helpers_work_from_many_threads_at_once() {
    let handles: Vec<_> = (0..4u8)
        .map(|t| {
            std::thread::spawn(move || {
                for n in 0..200usize {
                    let data = vec![t; n * 31 + 1];
                    let packed = zstd::encode_all(&data[..], 3).unwrap();
                    assert_eq!(zstd::decode_all(&packed[..]).unwrap(), data);
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
}
