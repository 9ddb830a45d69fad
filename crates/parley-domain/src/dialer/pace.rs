//! A campaign's pace: at most so many new calls per second (or one per so many seconds), as a
//! token bucket per campaign kept in this node's memory.
//!
//! The bucket refills at the campaign's rate and holds at most one second's worth (at least one
//! call). A claim finding it empty is handed back due at the instant its token would be there,
//! so excess claims wait in the store instead of being polled.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

use crate::ids::CampaignId;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

/// Buckets of the campaigns this node dials.
#[derive(Debug, Default)]
pub(crate) struct Pace {
    buckets: Mutex<HashMap<CampaignId, Bucket>>,
}

impl Pace {
    /// Takes a token of `campaign` at `now` for `rate` calls per second: `None` when one was
    /// there (dial now), else the instant to look again, the `queued`-th claim already waiting
    /// for this campaign in this round counted (from 0).
    pub(crate) fn take(
        &self,
        campaign: CampaignId,
        rate: f64,
        now: DateTime<Utc>,
        queued: u32,
    ) -> Option<DateTime<Utc>> {
        let burst = rate.max(1.0);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(campaign).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = (now - bucket.at).num_milliseconds().max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return None;
        }
        let missing = f64::from(queued) + 1.0 - bucket.tokens;
        // A hair under, so float noise does not add a millisecond.
        let wait_ms = (missing / rate * 1000.0 - 1e-6).ceil().max(1.0);
        Some(now + TimeDelta::milliseconds(wait_ms as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excess_claims_wait_for_their_tokens() {
        let pace = Pace::default();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let c = CampaignId(1);
        assert_eq!(pace.take(c, 2.0, t0, 0), None);
        assert_eq!(pace.take(c, 2.0, t0, 0), None);
        assert_eq!(
            pace.take(c, 2.0, t0, 0),
            Some(t0 + TimeDelta::milliseconds(500))
        );
        assert_eq!(pace.take(c, 2.0, t0, 1), Some(t0 + TimeDelta::seconds(1)));
        assert_eq!(
            pace.take(c, 2.0, t0 + TimeDelta::milliseconds(500), 0),
            None
        );
        // One call per 30 s.
        let slow = CampaignId(2);
        assert_eq!(pace.take(slow, 1.0 / 30.0, t0, 0), None);
        assert_eq!(
            pace.take(slow, 1.0 / 30.0, t0 + TimeDelta::seconds(10), 0),
            Some(t0 + TimeDelta::seconds(30))
        );
    }
}
