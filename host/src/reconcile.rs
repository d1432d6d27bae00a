//! Reconciliation: find hires whose webhook never came, and queue them.
//!
//! Lever is asked for opportunities archived with the Hired reason since a
//! date (`confidentiality=all`, so confidential hires are not missed); every
//! one the journal has not synced is queued.

use std::sync::Arc;

use lever_namely_service::journal::{Journal, Reconciled};

use crate::check::get;
use crate::config::Endpoints;
use crate::credentials::Credentials;

/// What a reconciliation found.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Report {
    /// Hires Lever lists since the date.
    pub found: usize,
    /// Of those, newly queued (or re-queued).
    pub queued: usize,
    /// Of those, already synced or already queued.
    pub known: usize,
}

/// `YYYY-MM-DD` (UTC midnight) or epoch milliseconds, as epoch milliseconds.
pub fn parse_since(text: &str) -> anyhow::Result<i64> {
    let t = text.trim();
    if let Ok(ms) = t.parse::<i64>() {
        return Ok(ms);
    }
    let parts: Vec<&str> = t.split('-').collect();
    let bad = || anyhow::anyhow!("--since \"{t}\" is not a date; write YYYY-MM-DD (UTC) or epoch milliseconds");
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let (y, m, d): (i64, i64, i64) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400_000)
}

/// The id of the account's Hired archive reason (the one of type `hired`).
pub async fn hired_reason_id(e: &Endpoints, c: &Credentials) -> anyhow::Result<String> {
    let url = format!("{}/archive_reasons", e.lever_base);
    let v = match get(&url, &c.lever_authorization()).await {
        Ok((200, v)) => v,
        Ok((s, v)) => anyhow::bail!("Lever answered {s} to {url}: {v}"),
        Err(m) => anyhow::bail!("Lever: {m}"),
    };
    v["data"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["type"] == "hired"))
        .and_then(|r| r["id"].as_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("Lever shows no archive reason of type hired to this key"))
}

/// The ids of opportunities archived as Hired since `since_ms`.
pub async fn hires_since(e: &Endpoints, c: &Credentials, since_ms: i64) -> anyhow::Result<Vec<String>> {
    let auth = c.lever_authorization();
    let answer = |url: String| {
        let auth = auth.clone();
        async move {
            match get(&url, &auth).await {
                Ok((200, v)) => Ok(v),
                Ok((s, v)) => anyhow::bail!("Lever answered {s} to {url}: {v}"),
                Err(m) => anyhow::bail!("Lever: {m}"),
            }
        }
    };
    let hired = hired_reason_id(e, c).await?;
    let mut ids = Vec::new();
    let mut offset: Option<String> = None;
    for _ in 0..10_000 {
        let mut url = format!(
            "{}/opportunities?archived=true&archive_reason_id={hired}&archived_at_start={since_ms}&confidentiality=all&limit=100",
            e.lever_base
        );
        if let Some(o) = &offset {
            url.push_str(&format!("&offset={}", o.replace('%', "%25").replace('&', "%26").replace('=', "%3D").replace('+', "%2B")));
        }
        let page = answer(url).await?;
        ids.extend(page["data"].as_array().into_iter().flatten().filter_map(|o| o["id"].as_str().map(str::to_string)));
        match (page["hasNext"].as_bool(), page["next"].as_str()) {
            (Some(true), Some(next)) => offset = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(ids)
}

/// Queue every hire since `since_ms` that the journal has not synced.
pub async fn queue_missed(journal: &Arc<Journal>, e: &Endpoints, c: &Credentials, since_ms: i64) -> anyhow::Result<Report> {
    let ids = hires_since(e, c, since_ms).await?;
    let j = journal.clone();
    tokio::task::spawn_blocking(move || {
        let mut r = Report { found: ids.len(), ..Report::default() };
        for id in &ids {
            match j.enqueue_reconciled(id, crate::serve::worker::now_ms())? {
                Reconciled::Known(_) => r.known += 1,
                _ => r.queued += 1,
            }
        }
        Ok::<_, anyhow::Error>(r)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_utc_midnight_in_milliseconds() {
        assert_eq!(parse_since("1970-01-01").unwrap(), 0);
        assert_eq!(parse_since("2024-01-01").unwrap(), 1_704_067_200_000);
        assert_eq!(parse_since("2024-03-01").unwrap(), 1_709_251_200_000);
        assert_eq!(parse_since("1704067200000").unwrap(), 1_704_067_200_000);
        assert!(parse_since("last week").unwrap_err().to_string().contains("YYYY-MM-DD"));
        assert!(parse_since("2024-13-01").is_err());
    }
}
