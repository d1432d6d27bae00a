//! Query strings as both APIs use them: repeated keys (`expand=a&expand=b`,
//! `archive_reason_id=…` twice) and bracketed keys (`filter[email]`), which
//! axum's `Query<T>` extractor would flatten or reject.

/// The decoded `key=value` pairs of a query string, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    /// Decode a raw query (without the `?`).
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        Query(form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect())
    }

    /// The first value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether `key` appears at all.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// `key` as an integer: `Ok(None)` when absent, `Err` when not a number.
    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| format!("Invalid value for {key}: {v}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_bracketed_keys() {
        let q = Query::parse(Some(
            "expand=applications&expand=stage&filter[email]=A%40b.c&filter%5Bpersonal_email%5D=x&n=12",
        ));
        assert_eq!(q.all("expand"), ["applications", "stage"]);
        assert_eq!(q.get("filter[email]"), Some("A@b.c"));
        assert_eq!(q.get("filter[personal_email]"), Some("x"));
        assert_eq!(q.int("n"), Ok(Some(12)));
        assert!(q.int("expand").is_err());
        assert!(!q.has("nope"));
    }
}
