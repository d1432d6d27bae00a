//! Refused webhook deliveries, kept so that `events` shows them. Only the
//! newest [`KEPT_REFUSALS`] are kept: anyone can send us refusable requests,
//! and they must not be able to grow the journal without bound.

use anyhow::Result;
use serde::Serialize;

use super::Journal;

/// How many refusals the journal keeps.
pub const KEPT_REFUSALS: i64 = 1000;

/// One refused delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalRecord {
    /// When it arrived, epoch milliseconds.
    pub received_at: i64,
    /// The refusal's kind, e.g. `bad-signature`.
    pub kind: String,
    /// The HTTP status answered.
    pub status: u16,
    /// Why, as advice (never a token or raw request text).
    pub reason: String,
}

impl Journal {
    /// Record a refused delivery, dropping the oldest beyond [`KEPT_REFUSALS`].
    pub fn record_refusal(&self, r: &RefusalRecord) -> Result<()> {
        self.write("record a refusal", |tx| {
            tx.execute(
                "INSERT INTO refusals (received_at, kind, status, reason) VALUES (?1, ?2, ?3, ?4)",
                (r.received_at, &r.kind, r.status, &r.reason),
            )?;
            tx.execute("DELETE FROM refusals WHERE id <= (SELECT max(id) FROM refusals) - ?1", [KEPT_REFUSALS])?;
            Ok(())
        })
    }

    /// The newest refusals, newest first.
    pub fn refusals(&self, limit: usize) -> Result<Vec<RefusalRecord>> {
        self.read("list refusals", |conn| {
            let mut stmt = conn.prepare("SELECT received_at, kind, status, reason FROM refusals ORDER BY id DESC LIMIT ?1")?;
            let rows = stmt.query_map([limit as i64], |row| {
                Ok(RefusalRecord { received_at: row.get(0)?, kind: row.get(1)?, status: row.get(2)?, reason: row.get(3)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_listed_newest_first_and_capped() {
        let dir = std::env::temp_dir().join(format!("lever-namely-refusals-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j.db");
        let _ = std::fs::remove_file(&path);
        let j = Journal::open(&path).unwrap();
        for i in 0..(KEPT_REFUSALS + 5) {
            j.record_refusal(&RefusalRecord { received_at: i, kind: "bad-signature".into(), status: 401, reason: format!("r{i}") }).unwrap();
        }
        let all = j.refusals(usize::MAX).unwrap();
        assert_eq!(all.len() as i64, KEPT_REFUSALS);
        assert_eq!(all[0].reason, format!("r{}", KEPT_REFUSALS + 4));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
