//! Why a delivery was refused, the HTTP status to answer with, and advice.
//!
//! Reasons go to the caller and to logs, so they name what to fix and never
//! include a signature token. Text taken from the request (the event name) is
//! shortened and escaped, so a hostile body cannot forge log lines.

use std::fmt;

/// Why [`verify`](super::verify) refused a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The body is longer than the configured limit.
    TooLarge {
        /// The configured limit in bytes.
        limit: usize,
        /// The body's length in bytes.
        size: usize,
    },
    /// The body is not a Lever webhook envelope: what is wrong with it.
    Malformed(String),
    /// The envelope has no `signature` or no `token`, so it cannot be checked.
    Unsigned {
        /// The missing field's name.
        missing: &'static str,
    },
    /// No signature token is configured for this event, so it cannot be checked.
    UnknownEvent(String),
    /// The signature does not match the token configured for the event.
    BadSignature {
        /// The event whose token was tried.
        event: String,
    },
    /// The signature is right but `triggeredAt` is outside the allowed window.
    Stale {
        /// `now - triggeredAt` in milliseconds: positive when the delivery is
        /// old, negative when it claims to come from the future.
        skew_ms: i64,
        /// The allowed skew either way, in milliseconds.
        limit_ms: i64,
    },
}

impl Refusal {
    /// The HTTP status to answer with.
    ///
    /// - 413 too large, 400 malformed: the request itself is unusable.
    /// - 401 unsigned or bad signature: the sender is not proven to be Lever
    ///   (or the token configured here is not this webhook's).
    /// - 403 stale: the sender *is* proven, but the delivery is outside the
    ///   replay window; distinct from 401 so an operator looking at Lever's
    ///   delivery log can tell "wrong token" from "clock or replay".
    /// - 422 unknown event: well formed, but this service has no token to
    ///   verify that event with; 404 would wrongly suggest a bad URL.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::TooLarge { .. } => 413,
            Refusal::Malformed(_) => 400,
            Refusal::Unsigned { .. } | Refusal::BadSignature { .. } => 401,
            Refusal::Stale { .. } => 403,
            Refusal::UnknownEvent(_) => 422,
        }
    }

    /// A short, stable name for metrics labels and log fields.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::TooLarge { .. } => "too_large",
            Refusal::Malformed(_) => "malformed",
            Refusal::Unsigned { .. } => "unsigned",
            Refusal::UnknownEvent(_) => "unknown_event",
            Refusal::BadSignature { .. } => "bad_signature",
            Refusal::Stale { .. } => "stale",
        }
    }

    /// What went wrong and what to do about it. Never contains a secret.
    pub fn reason(&self) -> String {
        match self {
            Refusal::TooLarge { limit, size } => format!(
                "the body is {size} bytes, over the {limit}-byte limit; Lever's webhook bodies are small, \
                 so this is probably not a Lever delivery (raise max_body_bytes if it is)"
            ),
            Refusal::Malformed(what) => format!("not a Lever webhook delivery: {what}"),
            Refusal::Unsigned { missing } => format!(
                "the delivery has no `{missing}`; Lever signs every webhook delivery, so this did not come from Lever"
            ),
            Refusal::UnknownEvent(event) => format!(
                "no signature token is configured for the event {}; copy that webhook's signature token from \
                 Lever (Settings → Integrations and API → Webhooks) into this service's configuration, \
                 or turn that webhook off in Lever",
                quote(event)
            ),
            Refusal::BadSignature { event } => format!(
                "the signature does not match the token configured for {}; each Lever webhook has its own \
                 signature token: copy the one shown for this event's webhook in Lever (regenerating it in \
                 Lever invalidates the old one)",
                quote(event)
            ),
            Refusal::Stale { skew_ms, limit_ms } => {
                let (secs, limit) = (skew_ms.unsigned_abs() / 1000, limit_ms / 1000);
                let when = if *skew_ms >= 0 { format!("{secs} s old") } else { format!("{secs} s in the future") };
                format!(
                    "the delivery is signed correctly but is {when}, outside the ±{limit} s window; check this \
                     machine's clock (NTP), or raise max_skew if Lever retried it late. A replayed old delivery \
                     is refused on purpose"
                )
            }
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason())
    }
}

impl std::error::Error for Refusal {}

/// Request text for a message: at most 64 characters, quoted and escaped.
pub(crate) fn quote(text: &str) -> String {
    let mut short: String = text.chars().take(64).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    format!("{short:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(Refusal::TooLarge { limit: 1, size: 2 }.status(), 413);
        assert_eq!(Refusal::Malformed("x".into()).status(), 400);
        assert_eq!(Refusal::Unsigned { missing: "signature" }.status(), 401);
        assert_eq!(Refusal::BadSignature { event: "candidateHired".into() }.status(), 401);
        assert_eq!(Refusal::Stale { skew_ms: 1, limit_ms: 0 }.status(), 403);
        assert_eq!(Refusal::UnknownEvent("x".into()).status(), 422);
    }

    #[test]
    fn request_text_is_escaped_and_shortened() {
        let reason = Refusal::UnknownEvent(format!("evil\nFAKE LOG LINE{}", "x".repeat(500))).reason();
        assert!(!reason.contains('\n'));
        assert!(reason.contains("\\n"));
        assert!(reason.len() < 400, "{reason}");
    }

    #[test]
    fn stale_says_which_way() {
        assert!(Refusal::Stale { skew_ms: 360_000, limit_ms: 300_000 }.reason().contains("360 s old"));
        assert!(Refusal::Stale { skew_ms: -360_000, limit_ms: 300_000 }.reason().contains("in the future"));
    }
}
