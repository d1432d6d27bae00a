//! Lever's list pagination: `limit` (1–100) and an opaque `offset` token
//! taken from the previous page's `next`. Only tokens this simulator issued
//! are accepted, as on the real API ("Invalid offset token").

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::query::Query;
use crate::rng::Rng;

/// Items per page when the client sends no `limit`.
pub(crate) const DEFAULT_LIMIT: usize = 100;

/// The message Lever was observed to answer for a foreign offset token.
pub(crate) const INVALID_OFFSET: &str = "Invalid offset token: Offset token is invalid for sort";

/// Where a token resumes: after the item with `last_id`, or (if that item is
/// gone) at index `next`. Resuming after an id keeps pages stable when items
/// are appended meanwhile (new hires arriving during a sync).
struct Cursor {
    scope: String,
    last_id: Option<Value>,
    next: usize,
}

/// Issued tokens and the RNG that makes them.
pub(crate) struct Pager {
    rng: Rng,
    tokens: HashMap<String, Cursor>,
}

impl Pager {
    pub(crate) fn new(seed: u64) -> Pager {
        Pager { rng: Rng::new(seed), tokens: HashMap::new() }
    }

    /// One page of `items` as `{data, hasNext, next?}`. `scope` names the list
    /// (endpoint plus path ids) so a token only works where it was issued.
    /// `Err` carries the 400 message.
    pub(crate) fn page(&mut self, scope: &str, items: Vec<Value>, q: &Query) -> Result<Value, String> {
        let limit = match q.get("limit") {
            None => DEFAULT_LIMIT,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => return Err(format!("Invalid limit: {v}. The limit must be between 1 and 100")),
            },
        };
        let start = match q.get("offset") {
            None => 0,
            Some(token) => match self.tokens.get(token) {
                Some(c) if c.scope == scope => c
                    .last_id
                    .as_ref()
                    .and_then(|id| items.iter().position(|v| v.get("id") == Some(id)).map(|i| i + 1))
                    .unwrap_or(c.next),
                _ => return Err(INVALID_OFFSET.to_string()),
            },
        };
        let start = start.min(items.len());
        let end = (start + limit).min(items.len());
        let has_next = end < items.len();
        let data: Vec<Value> = items[start..end].to_vec();
        let mut body = json!({ "data": data, "hasNext": has_next });
        if has_next {
            let token = format!("{:016x}{:08x}", self.rng.next_u64(), self.tokens.len());
            let last_id = items[end - 1].get("id").cloned();
            self.tokens.insert(token.clone(), Cursor { scope: scope.to_string(), last_id, next: end });
            body["next"] = Value::String(token);
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!({"id": format!("i{i}")})).collect()
    }

    #[test]
    fn pages_follow_tokens_and_refuse_foreign_ones() {
        let mut p = Pager::new(1);
        let first = p.page("s", items(5), &Query::parse(Some("limit=2"))).unwrap();
        assert_eq!(first["data"].as_array().unwrap().len(), 2);
        assert_eq!(first["hasNext"], true);
        let token = first["next"].as_str().unwrap().to_string();
        // An item appended meanwhile does not shift the next page.
        let second = p.page("s", items(6), &Query::parse(Some(&format!("limit=2&offset={token}")))).unwrap();
        assert_eq!(second["data"][0]["id"], "i2");
        assert_eq!(
            p.page("other", items(5), &Query::parse(Some(&format!("offset={token}")))).unwrap_err(),
            INVALID_OFFSET
        );
        assert!(p.page("s", items(5), &Query::parse(Some("offset=bogus"))).is_err());
        assert!(p.page("s", items(5), &Query::parse(Some("limit=0"))).is_err());
        assert!(p.page("s", items(5), &Query::parse(Some("limit=101"))).is_err());
        let last = p.page("s", items(2), &Query::parse(None)).unwrap();
        assert_eq!(last, json!({"data": items(2), "hasNext": false}));
    }
}
