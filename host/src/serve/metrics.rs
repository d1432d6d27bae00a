//! Counters for `/metrics`, in Prometheus text format.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the service counts.
#[derive(Default)]
pub struct Metrics {
    pub received: AtomicU64,
    pub verified: AtomicU64,
    pub rejected: AtomicU64,
    pub duplicates: AtomicU64,
    pub test_deliveries: AtomicU64,
    pub synced: AtomicU64,
    pub failed: AtomicU64,
    /// Sum and count of acknowledgement latencies, microseconds.
    pub ack_micros_sum: AtomicU64,
    pub ack_count: AtomicU64,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, by_status: &[(&str, u64)]) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut s = String::new();
        for (name, help, v) in [
            ("lever_namely_webhooks_received_total", "Webhook deliveries received.", g(&self.received)),
            ("lever_namely_webhooks_verified_total", "Deliveries with a valid signature.", g(&self.verified)),
            ("lever_namely_webhooks_rejected_total", "Deliveries refused.", g(&self.rejected)),
            ("lever_namely_webhooks_duplicate_total", "Deliveries already journaled.", g(&self.duplicates)),
            ("lever_namely_webhooks_test_total", "Signed test deliveries acknowledged.", g(&self.test_deliveries)),
            ("lever_namely_syncs_done_total", "Syncs that ended created or already-synced.", g(&self.synced)),
            ("lever_namely_syncs_failed_total", "Sync attempts that failed.", g(&self.failed)),
        ] {
            s.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n"));
        }
        s.push_str("# HELP lever_namely_ack_seconds Time to acknowledge a delivery (journaled).\n# TYPE lever_namely_ack_seconds summary\n");
        s.push_str(&format!("lever_namely_ack_seconds_sum {}\n", g(&self.ack_micros_sum) as f64 / 1e6));
        s.push_str(&format!("lever_namely_ack_seconds_count {}\n", g(&self.ack_count)));
        s.push_str("# HELP lever_namely_hires Hires in the journal by status.\n# TYPE lever_namely_hires gauge\n");
        for (status, n) in by_status {
            s.push_str(&format!("lever_namely_hires{{status=\"{status}\"}} {n}\n"));
        }
        s
    }
}
