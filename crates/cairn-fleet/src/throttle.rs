//! Backpressure from a hub to its clients (`throttle`, which Backrest declares and never built): when
//! storing a client's batch takes the hub long, it asks the client to wait about as long before each
//! batch it sends; when storing is quick again, the wait is lifted. Nothing is dropped: a throttled
//! client only sends more slowly. Sent only to peers whose handshake lists [`FEATURE`] (Backrest ends a
//! session on an action it does not handle).
use std::time::Duration;

/// The handshake feature that says a peer honours `throttle`.
pub const FEATURE: &str = "throttle/1";

/// Storing a batch faster than this needs no throttle.
const QUICK: Duration = Duration::from_millis(100);
/// The longest wait a hub asks for.
const MAX_DELAY: Duration = Duration::from_secs(5);

/// The wait to ask for after a batch took `took` to store.
pub fn delay_for(took: Duration) -> Duration {
    if took < QUICK {
        Duration::ZERO
    } else {
        took.min(MAX_DELAY)
    }
}

/// Whether the client should be told `want` while it was last told `told`: when the throttle starts
/// or ends, or changes by more than half.
pub fn worth_sending(told: Duration, want: Duration) -> bool {
    if told.is_zero() || want.is_zero() {
        return told != want;
    }
    let (lo, hi) = if told < want {
        (told, want)
    } else {
        (want, told)
    };
    hi > lo + lo / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_stores_ask_for_a_bounded_wait_and_quick_ones_lift_it() {
        assert_eq!(delay_for(Duration::from_millis(20)), Duration::ZERO);
        assert_eq!(
            delay_for(Duration::from_millis(300)),
            Duration::from_millis(300)
        );
        assert_eq!(delay_for(Duration::from_secs(60)), MAX_DELAY);
        let ms = Duration::from_millis;
        assert!(worth_sending(Duration::ZERO, ms(300)), "starts");
        assert!(worth_sending(ms(300), Duration::ZERO), "ends");
        assert!(!worth_sending(Duration::ZERO, Duration::ZERO));
        assert!(
            !worth_sending(ms(300), ms(400)),
            "small changes are not sent"
        );
        assert!(worth_sending(ms(300), ms(1000)));
    }
}
