//! The console's pages: the list of hires and one hire's journey.

use lever_namely_service::journal::{AttemptRecord, HireSummary, Status};
use serde_json::Value;

use super::html::{badge, esc, json_block, page, status_label, time, url_part};

/// Who a hire is, from the Namely request its last sync sent, if any: the
/// journal keeps no candidate data of its own.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// The profile a sync sent to Namely, from an attempt's recorded writes.
fn profile_sent(attempt: &AttemptRecord) -> Option<&Value> {
    let writes = attempt.plan.as_ref()?.get("writes")?.as_array()?;
    writes.iter().find(|w| w["method"] == "POST" && w["url"].as_str().is_some_and(|u| u.ends_with("/profiles")))?.get("body")?.get("profiles")?.get(0)
}

/// The person, from the latest attempt that sent a profile.
pub fn person(attempts: &[AttemptRecord]) -> Person {
    let Some(p) = attempts.iter().rev().find_map(profile_sent) else { return Person::default() };
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    let name = [text("first_name"), text("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    Person { name: (!name.is_empty()).then_some(name), email: text("email") }
}

/// Does `q` (lower-cased) match this hire's id, name or email?
pub fn matches(hire: &HireSummary, who: &Person, q: &str) -> bool {
    q.is_empty()
        || hire.opportunity_id.to_lowercase().contains(q)
        || who.name.as_deref().is_some_and(|n| n.to_lowercase().contains(q))
        || who.email.as_deref().is_some_and(|e| e.to_lowercase().contains(q))
}

const FILTERS: &[(&str, &str)] =
    &[("", "all"), ("synced", "synced"), ("pending", "pending"), ("syncing", "syncing"), ("retrying", "retrying"), ("failed", "failed"), ("not-hired", "not hired")];

/// The status filter's value for a status.
pub fn filter_of(s: Status) -> &'static str {
    status_label(s)
}

/// The list of hires, already filtered.
pub fn list(rows: &[(HireSummary, Person)], q: &str, status: &str) -> String {
    let options: String = FILTERS
        .iter()
        .map(|(v, label)| format!("<option value=\"{v}\"{}>{label}</option>", if *v == status { " selected" } else { "" }))
        .collect();
    let mut body = format!(
        "<h1>Hires</h1><form method=\"get\" action=\"/console\" role=\"search\">\
         <label for=\"q\">Search</label><input id=\"q\" name=\"q\" type=\"search\" value=\"{}\" placeholder=\"name, email or opportunity id\">\
         <label for=\"status\">Status</label><select id=\"status\" name=\"status\">{options}</select>\
         <button type=\"submit\">Filter</button></form>",
        esc(q)
    );
    body.push_str(&format!(
        "<table><caption>{} hire{}</caption><thead><tr><th scope=\"col\">Candidate</th><th scope=\"col\">Status</th>\
         <th scope=\"col\">Attempts</th><th scope=\"col\">Namely</th><th scope=\"col\">Last word</th></tr></thead><tbody>",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    for (h, who) in rows {
        let name = who.name.clone().unwrap_or_else(|| h.opportunity_id.clone());
        let email = who.email.as_deref().map(|e| format!("<br><small>{}</small>", esc(e))).unwrap_or_default();
        let namely = match (&h.namely_id, &h.profile_url) {
            (Some(id), Some(url)) => format!("<a href=\"{}\">{}</a>", esc(url), esc(id)),
            (Some(id), None) => esc(id),
            _ => String::new(),
        };
        body.push_str(&format!(
            "<tr data-opportunity=\"{id}\"><td><a href=\"/console/hires/{link}\">{}</a>{email}<br><small>{id}</small></td><td>{}</td><td>{}</td><td>{namely}</td><td>{}</td></tr>",
            esc(&name),
            badge(h.status),
            h.attempts,
            esc(h.last_reason.as_deref().unwrap_or("")),
            id = esc(&h.opportunity_id),
            link = url_part(&h.opportunity_id),
        ));
    }
    body.push_str("</tbody></table>");
    page("Hires", &body)
}

/// What the operator should do about a hire, in words.
fn advice(h: &HireSummary) -> String {
    let reason = esc(h.last_reason.as_deref().unwrap_or("no reason was recorded"));
    match (h.status, h.retryable) {
        (Status::Failed, Some(false)) => format!(
            "<div class=\"fix\" role=\"alert\"><h2>What to fix</h2><p>{reason}</p><p>Fix this in Lever (the candidate's profile, offer or \
             &ldquo;Namely Form&rdquo;), then press <strong>Replay</strong>. <strong>Plan</strong> shows what a sync would do now, without writing.</p></div>"
        ),
        (Status::Failed, _) => format!(
            "<div class=\"fix\" role=\"alert\"><h2>Why it failed</h2><p>{reason}</p><p>Lever or Namely did not answer as expected every time it was tried. \
             Once they do, <strong>Replay</strong> syncs it.</p></div>"
        ),
        (Status::Retrying, _) => format!(
            "<div class=\"notice\"><p>Retrying{}: {reason}</p></div>",
            h.next_attempt_at.map(|t| format!(" at {}", time(t))).unwrap_or_default()
        ),
        (Status::NotHired, _) => format!("<div class=\"notice\"><p>Not synced: {reason}</p></div>"),
        _ => String::new(),
    }
}

/// One recorded write, labelled for people.
fn write_block(w: &Value) -> String {
    let (method, url) = (w["method"].as_str().unwrap_or(""), w["url"].as_str().unwrap_or(""));
    let what = if url.ends_with("/profiles") && method == "POST" {
        "The Namely request (profile created)"
    } else if url.contains("/notes") {
        "The note posted on the Lever candidate"
    } else if url.contains("/files") {
        "The resume uploaded to Namely"
    } else {
        "A write"
    };
    let body = match (&w["body"], url.contains("/notes")) {
        (Value::Object(o), true) => o.get("value").and_then(Value::as_str).map(|v| format!("<pre>{}</pre>", esc(v))).unwrap_or_else(|| json_block(&w["body"])),
        (Value::Null, _) => format!("<p><small>{} bytes, not shown</small></p>", w["body_bytes"]),
        (b, _) => json_block(b),
    };
    format!("<h4>{what}</h4><p><code>{} {}</code></p>{body}", esc(method), esc(url))
}

fn attempt_block(n: usize, a: &AttemptRecord) -> String {
    let mut s = format!(
        "<section class=\"attempt\" aria-label=\"Attempt {n}\"><h3>Attempt {n}: {}</h3><p>Started {} by {}{}</p>",
        esc(a.outcome.as_deref().unwrap_or("running")),
        time(a.started_at),
        esc(&a.worker),
        a.finished_at.map(|t| format!(", finished {}", time(t))).unwrap_or_default()
    );
    if let Some(r) = &a.reason {
        s.push_str(&format!("<p><strong>Reason:</strong> {}</p>", esc(r)));
    }
    if let Some(ws) = a.warnings.as_ref().and_then(Value::as_array).filter(|w| !w.is_empty()) {
        s.push_str("<h4>Warnings</h4><ul>");
        for w in ws {
            s.push_str(&format!("<li>{} <small>({})</small></li>", esc(w["message"].as_str().unwrap_or("")), esc(w["code"].as_str().unwrap_or(""))));
        }
        s.push_str("</ul>");
    }
    if let Some(plan) = &a.plan {
        for w in plan["writes"].as_array().into_iter().flatten() {
            s.push_str(&write_block(w));
        }
        for r in plan["refused_by_host"].as_array().into_iter().flatten() {
            s.push_str(&format!("<p><strong>Refused by the host:</strong> {}</p>", esc(r.as_str().unwrap_or(""))));
        }
    }
    s.push_str("</section>");
    s
}

/// A hire's page: status, advice, the buttons, then every attempt.
pub fn hire(h: &HireSummary, who: &Person, attempts: &[AttemptRecord], csrf: &str, notice: Option<&str>) -> String {
    let title = who.name.clone().unwrap_or_else(|| h.opportunity_id.clone());
    let id = url_part(&h.opportunity_id);
    let mut body = format!("<h1>{}</h1>", esc(&title));
    if let Some(n) = notice {
        body.push_str(&format!("<div class=\"notice\" role=\"status\"><p>{}</p></div>", esc(n)));
    }
    body.push_str(&format!("<p>{} &middot; Lever opportunity <code>{}</code>", badge(h.status), esc(&h.opportunity_id)));
    if let Some(e) = &who.email {
        body.push_str(&format!(" &middot; {}", esc(e)));
    }
    body.push_str("</p>");
    if let Some(nid) = &h.namely_id {
        let link = h.profile_url.as_deref().map(|u| format!(" <a href=\"{}\" id=\"namely-link\">open the profile in Namely</a>", esc(u))).unwrap_or_default();
        body.push_str(&format!("<p>Namely ID <code id=\"namely-id\">{}</code>{link}</p>", esc(nid)));
    }
    body.push_str(&advice(h));
    let button = |action: &str, label: &str, hint: &str| {
        format!(
            "<form class=\"inline\" method=\"post\" action=\"/console/hires/{id}/{action}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\" title=\"{hint}\">{label}</button></form> ",
            esc(csrf)
        )
    };
    body.push_str(&format!("<p>{}{}</p>", button("replay", "Replay", "sync this hire again now"), button("plan", "Plan", "show what a sync would do, writing nothing")));
    body.push_str(&format!("<h2>Attempts ({})</h2>", attempts.len()));
    for (n, a) in attempts.iter().enumerate() {
        body.push_str(&attempt_block(n + 1, a));
    }
    page(&title, &body)
}

/// The result of a dry-run plan.
pub fn plan(opportunity_id: &str, plan: &Value) -> String {
    let id = url_part(opportunity_id);
    let mut body = format!("<h1>Plan for <code>{}</code></h1><p>Nothing was written: the host refuses every write during a plan.</p>", esc(opportunity_id));
    body.push_str(&format!("<p><strong>Outcome:</strong> {}</p>", esc(plan["outcome"].as_str().unwrap_or(""))));
    if let Some(r) = plan["reason"].as_str() {
        body.push_str(&format!("<p><strong>Reason:</strong> {}</p>", esc(r)));
    }
    if let Some(steps) = plan["steps"].as_array() {
        body.push_str("<h2>Steps</h2><ol>");
        for s in steps {
            body.push_str(&format!("<li>{}</li>", esc(s.as_str().unwrap_or(""))));
        }
        body.push_str("</ol>");
    }
    if !plan["mapping"].is_null() {
        body.push_str("<h2>The Namely request and warnings</h2>");
        body.push_str(&json_block(&plan["mapping"]));
    }
    body.push_str(&format!("<p><a href=\"/console/hires/{id}\">Back to the hire</a></p>"));
    page("Plan", &body)
}
