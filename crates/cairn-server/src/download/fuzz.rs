//! Fuzzing download tokens: any text in the URL is refused, a token changed in any character never
//! carries other claims than were signed, and signing round-trips any operation and path.
use super::DownloadKeys;
use proptest::prelude::*;

proptest! {
    #[test]
    fn arbitrary_tokens_are_refused(token in "\\PC{0,200}") {
        let k = DownloadKeys::generate().unwrap();
        prop_assert!(k.verify(&token).is_none());
    }

    #[test]
    fn signed_tokens_round_trip_and_any_change_is_refused(
        op in any::<i64>(),
        path in "\\PC{0,80}",
        at in any::<usize>(),
        c in "[A-Za-z0-9_.=-]",
    ) {
        let k = DownloadKeys::generate().unwrap();
        let now = chrono::Utc::now().timestamp();
        let token = k.sign(op, &path, now);
        let claims = k.verify(&token).unwrap();
        prop_assert_eq!((claims.op, claims.path.as_str()), (op, path.as_str()));
        let i = at % token.len();
        let mut changed = token.clone();
        changed.replace_range(i..=i, &c);
        // A changed token may at most still mean exactly what was signed (base64 ignores the low
        // bits of a last character); it can never carry other claims.
        if let Some(cl) = k.verify(&changed) {
            prop_assert_eq!((cl.op, cl.path), (op, path));
        }
    }
}
