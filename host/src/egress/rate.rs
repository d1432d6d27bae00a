//! Spacing requests to stay under an API's rate limit, across calls.

use std::sync::Mutex;
use std::time::Duration;

/// Spaces requests evenly: at most `per_second`, shared by every caller.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<tokio::time::Instant>,
}

impl RateLimiter {
    pub fn new(per_second: f64) -> Self {
        Self { interval: Duration::from_secs_f64(1.0 / per_second.max(0.001)), next: Mutex::new(tokio::time::Instant::now()) }
    }

    /// Wait for this request's slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap();
            let now = tokio::time::Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_are_spaced_to_the_rate() {
        let r = RateLimiter::new(100.0);
        let start = tokio::time::Instant::now();
        for _ in 0..11 {
            r.acquire().await;
        }
        // 11 requests at 100 a second: the last cannot go out before 100 ms
        // (a lower bound only: sleeps never end early, a busy machine may add).
        assert!(start.elapsed() >= Duration::from_millis(100), "{:?}", start.elapsed());
    }
}
