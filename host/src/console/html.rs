//! HTML building blocks for the console: escaping, the page frame, labels.
//! Server-rendered, no scripts needed; every value from the journal goes
//! through [`esc`].

use lever_namely_service::journal::Status;
use serde_json::Value;

/// Text made safe for HTML bodies and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text made safe inside a URL path segment or query value.
pub fn url_part(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const STYLE: &str = "
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#22303c;color:#fff;padding:.6rem 1.5rem}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #dde1e6;vertical-align:top}
caption{text-align:left;padding:.4rem 0;color:#555}
.status{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.85rem;font-weight:600}
.synced{background:#d8f3dc;color:#1b5e20}.failed{background:#fde2e1;color:#8a1c1c}.retrying,.syncing{background:#fff3cd;color:#6b4f00}
.pending{background:#e3ecfa;color:#1d3f73}.not-hired{background:#eceff1;color:#37474f}
form.inline{display:inline}button{font:inherit;padding:.3rem .9rem;cursor:pointer}
label{margin-right:.3rem}input,select{font:inherit;margin-right:1rem}
pre{background:#fff;border:1px solid #dde1e6;padding:.6rem;overflow:auto;font-size:.85rem}
section.attempt{background:#fff;border:1px solid #dde1e6;padding:.2rem 1rem;margin:1rem 0}
.notice{background:#e3ecfa;padding:.5rem 1rem}.fix{background:#fde2e1;padding:.5rem 1rem}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #4c8bf5;outline-offset:1px}
";

/// A whole page.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · lever-namely</title><style>{STYLE}</style></head>\
         <body><header><a href=\"/console\">lever-namely console</a></header><main>{body}</main></body></html>",
        esc(title)
    )
}

/// The operator's word for a status, which is also its CSS class.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Done => "synced",
        Status::Pending => "pending",
        Status::Running => "syncing",
        Status::Retrying => "retrying",
        Status::Failed => "failed",
        Status::NotHired => "not-hired",
    }
}

/// The status as a badge.
pub fn badge(s: Status) -> String {
    let label = status_label(s);
    format!("<span class=\"status {label}\">{}</span>", label.replace('-', " "))
}

/// Epoch milliseconds as a UTC time, e.g. `2026-12-03 19:02:11 UTC`.
pub fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_else(|| ms.to_string())
}

/// JSON, pretty and escaped, in a `<pre>`.
pub fn json_block(v: &Value) -> String {
    format!("<pre>{}</pre>", esc(&serde_json::to_string_pretty(v).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_journal_values_is_escaped() {
        assert_eq!(esc("<script>alert('x')</script> & \"q\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
        assert_eq!(url_part("a b/c?d"), "a%20b%2Fc%3Fd");
    }
}
