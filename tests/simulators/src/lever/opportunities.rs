//! Opportunity endpoints: the opportunity itself (and its list with the
//! hire-polling filters), its applications, offers, forms and notes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::ctx::{bad_request, not_found, ok, LeverCtx};
use crate::query::Query;

/// Values of `expand` Lever documents for opportunities.
const EXPANDABLE: &[&str] = &["applications", "stage", "owner", "followers", "sourcedBy", "contact"];

/// Whether `expand=applications` was asked for. Lever wants one `expand` key
/// per value; `expand[]=…` and comma-joined values are refused.
/// `Err` is the 400 message.
fn expand_applications(q: &Query) -> Result<bool, String> {
    if let Some(v) = q.get("expand[]") {
        return Err(format!("{v} is not expandable"));
    }
    let mut apps = false;
    for v in q.all("expand") {
        if !EXPANDABLE.contains(&v) {
            return Err(format!("{v} is not expandable"));
        }
        apps |= v == "applications";
    }
    Ok(apps)
}

/// The opportunity as served: application objects collapse to their ids
/// unless expanded. Other expansions are accepted but not applied.
fn render(opp: &Value, expand: bool) -> Value {
    let mut o = opp.clone();
    if !expand {
        if let Some(apps) = o.get_mut("applications").and_then(Value::as_array_mut) {
            for a in apps.iter_mut() {
                if let Some(id) = a.get("id").cloned() {
                    *a = id;
                }
            }
        }
    }
    o
}

pub(crate) fn find<'a>(list: &'a [Value], id: &str) -> Option<&'a Value> {
    list.iter().find(|v| v.get("id").and_then(Value::as_str) == Some(id))
}

/// GET /opportunities/{id}
pub(crate) async fn get_one(State(ctx): State<Arc<LeverCtx>>, Path(id): Path<String>, uri: Uri) -> Response {
    let q = Query::parse(uri.query());
    let expand = match expand_applications(&q) {
        Ok(e) => e,
        Err(m) => return bad_request(&m),
    };
    let st = ctx.lock();
    match find(&st.data.opportunities, &id) {
        Some(opp) => ok(json!({ "data": render(opp, expand) })),
        None => not_found("Opportunity", &id),
    }
}

/// The list filters of GET /opportunities this simulator honours.
struct Filter {
    archived: Option<bool>,
    reasons: Vec<String>,
    archived_at: (Option<i64>, Option<i64>),
    updated_at: (Option<i64>, Option<i64>),
    created_at: (Option<i64>, Option<i64>),
    confidentiality: Option<&'static str>,
    stage: Vec<String>,
    contact: Vec<String>,
    email: Vec<String>,
    tag: Vec<String>,
    origin: Vec<String>,
    posting: Vec<String>,
}

impl Filter {
    fn parse(q: &Query) -> Result<Filter, String> {
        let archived = match q.get("archived") {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(v) => return Err(format!("Invalid value for archived: {v}")),
        };
        // Lever lists leave confidential opportunities out unless asked.
        let confidentiality = match q.get("confidentiality") {
            None | Some("non-confidential") => Some("non-confidential"),
            Some("confidential") => Some("confidential"),
            Some("all") => None,
            Some(v) => return Err(format!("Invalid value for confidentiality: {v}")),
        };
        let range = |a: &str, b: &str| -> Result<(Option<i64>, Option<i64>), String> { Ok((q.int(a)?, q.int(b)?)) };
        let strings = |k: &str| q.all(k).into_iter().map(str::to_string).collect::<Vec<_>>();
        Ok(Filter {
            archived,
            reasons: strings("archive_reason_id"),
            archived_at: range("archived_at_start", "archived_at_end")?,
            updated_at: range("updated_at_start", "updated_at_end")?,
            created_at: range("created_at_start", "created_at_end")?,
            confidentiality,
            stage: strings("stage_id"),
            contact: strings("contact_id"),
            email: q.all("email").into_iter().map(str::to_ascii_lowercase).collect(),
            tag: strings("tag"),
            origin: strings("origin"),
            posting: strings("posting_id"),
        })
    }

    fn accepts(&self, o: &Value) -> bool {
        let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("");
        let n = |v: Option<&Value>| v.and_then(Value::as_i64);
        let within = |v: Option<i64>, (lo, hi): (Option<i64>, Option<i64>)| {
            if lo.is_none() && hi.is_none() {
                return true;
            }
            v.is_some_and(|v| lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi))
        };
        let archived = o.get("archived").filter(|a| a.is_object());
        let strs = |k: &str| -> Vec<String> {
            o.get(k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let postings: Vec<String> = o
            .get("applications")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("posting").and_then(Value::as_str).map(str::to_string))
            .collect();
        let any = |want: &[String], have: &[String]| want.is_empty() || want.iter().any(|w| have.contains(w));
        self.archived.is_none_or(|want| want == archived.is_some())
            && (self.reasons.is_empty()
                || archived
                    .and_then(|a| a.get("reason"))
                    .and_then(Value::as_str)
                    .is_some_and(|r| self.reasons.iter().any(|x| x == r)))
            && within(n(archived.and_then(|a| a.get("archivedAt"))), self.archived_at)
            && within(n(o.get("updatedAt")), self.updated_at)
            && within(n(o.get("createdAt")), self.created_at)
            && self.confidentiality.is_none_or(|c| {
                s("confidentiality") == c || (c == "non-confidential" && s("confidentiality").is_empty())
            })
            && any(&self.stage, &[s("stage").to_string()])
            && any(&self.contact, &[s("contact").to_string()])
            && any(&self.email, &strs("emails").iter().map(|e| e.to_ascii_lowercase()).collect::<Vec<_>>())
            && any(&self.tag, &strs("tags"))
            && any(&self.origin, &[s("origin").to_string()])
            && any(&self.posting, &postings)
    }
}

/// GET /opportunities
pub(crate) async fn list(State(ctx): State<Arc<LeverCtx>>, uri: Uri) -> Response {
    let q = Query::parse(uri.query());
    let expand = match expand_applications(&q) {
        Ok(e) => e,
        Err(m) => return bad_request(&m),
    };
    let filter = match Filter::parse(&q) {
        Ok(f) => f,
        Err(m) => return bad_request(&m),
    };
    let mut st = ctx.lock();
    let items: Vec<Value> =
        st.data.opportunities.iter().filter(|o| filter.accepts(o)).map(|o| render(o, expand)).collect();
    match st.pager.page("opportunities", items, &q) {
        Ok(body) => ok(body),
        Err(m) => bad_request(&m),
    }
}

/// GET /opportunities/{id}/applications
pub(crate) async fn applications(State(ctx): State<Arc<LeverCtx>>, Path(id): Path<String>, uri: Uri) -> Response {
    let q = Query::parse(uri.query());
    let mut st = ctx.lock();
    let Some(opp) = find(&st.data.opportunities, &id) else { return not_found("Opportunity", &id) };
    let apps: Vec<Value> = opp.get("applications").and_then(Value::as_array).cloned().unwrap_or_default();
    let apps = apps.into_iter().filter(Value::is_object).collect();
    match st.pager.page(&format!("applications/{id}"), apps, &q) {
        Ok(body) => ok(body),
        Err(m) => bad_request(&m),
    }
}

/// GET /opportunities/{id}/applications/{sub}
pub(crate) async fn application(State(ctx): State<Arc<LeverCtx>>, Path((id, app)): Path<(String, String)>) -> Response {
    let st = ctx.lock();
    let Some(opp) = find(&st.data.opportunities, &id) else { return not_found("Opportunity", &id) };
    let apps = opp.get("applications").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    match find(apps, &app) {
        Some(a) => ok(json!({ "data": a })),
        None => not_found("Application", &app),
    }
}

/// Which per-opportunity list a route serves.
#[derive(Clone, Copy)]
pub(crate) enum Sub {
    Offers,
    Forms,
    Notes,
}

/// GET /opportunities/{id}/offers, /forms, /notes (paginated).
pub(crate) async fn sub_list(ctx: Arc<LeverCtx>, id: String, uri: Uri, sub: Sub) -> Response {
    let q = Query::parse(uri.query());
    let mut st = ctx.lock();
    if find(&st.data.opportunities, &id).is_none() {
        return not_found("Opportunity", &id);
    }
    let (name, map) = match sub {
        Sub::Offers => ("offers", &st.data.offers),
        Sub::Forms => ("forms", &st.data.forms),
        Sub::Notes => ("notes", &st.data.notes),
    };
    let items = map.get(&id).cloned().unwrap_or_default();
    match st.pager.page(&format!("{name}/{id}"), items, &q) {
        Ok(body) => ok(body),
        Err(m) => bad_request(&m),
    }
}

/// GET /opportunities/{id}/notes/{sub}
pub(crate) async fn note(State(ctx): State<Arc<LeverCtx>>, Path((id, note)): Path<(String, String)>) -> Response {
    let st = ctx.lock();
    let notes = st.data.notes.get(&id).map(Vec::as_slice).unwrap_or_default();
    match find(notes, &note) {
        Some(n) => ok(json!({ "data": n })),
        None => not_found("Note", &note),
    }
}

/// Milliseconds since the epoch, Lever's timestamp unit.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// POST /opportunities/{id}/notes: 201 with the note and its `noteId`.
pub(crate) async fn create_note(
    State(ctx): State<Arc<LeverCtx>>,
    Path(id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let q = Query::parse(uri.query());
    let Ok(input) = serde_json::from_slice::<Value>(&body) else { return bad_request("Invalid JSON body") };
    let Some(value) = input.get("value").and_then(Value::as_str).filter(|v| !v.trim().is_empty()) else {
        return bad_request("value is required");
    };
    let now = now_ms();
    let created_at = input.get("createdAt").and_then(Value::as_i64).unwrap_or(now);
    let score = input.get("score").filter(|s| s.is_number()).cloned().unwrap_or(Value::Null);
    let secret = input.get("secret").and_then(Value::as_bool).unwrap_or(false);

    let mut st = ctx.lock();
    let st = &mut *st;
    let Some(opp) = st.data.opportunities.iter_mut().find(|o| o.get("id").and_then(Value::as_str) == Some(id.as_str()))
    else {
        return not_found("Opportunity", &id);
    };
    let user = match q.get("perform_as") {
        Some(u) if !st.data.users.is_empty() && find(&st.data.users, u).is_none() => {
            return bad_request(&format!("perform_as: user {u} not found"));
        }
        Some(u) => Some(u.to_string()),
        None => st
            .data
            .default_user
            .clone()
            .or_else(|| st.data.users.first().and_then(|u| u["id"].as_str()).map(str::to_string)),
    };
    let stage = opp.get("stage").cloned().filter(Value::is_string).unwrap_or(Value::Null);
    opp["lastInteractionAt"] = json!(now);
    let note_id = st.rng.uuid();
    let note = json!({
        "id": note_id,
        "text": "Note",
        "fields": [{
            "createdAt": created_at,
            "score": score,
            "stage": stage,
            "text": "Comment",
            "type": "note",
            "user": user,
            "value": value,
        }],
        "user": user,
        "secret": secret,
        "completedAt": created_at,
        "deletedAt": null,
        "createdAt": created_at,
    });
    st.data.notes.entry(id).or_default().push(note.clone());
    let mut data = note;
    data["noteId"] = json!(note_id);
    (StatusCode::CREATED, Json(json!({ "data": data }))).into_response()
}
