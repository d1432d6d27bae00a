//! Account-wide Lever objects: archive reasons, requisitions, postings,
//! users, stages, contacts, requisition fields and webhooks.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::ctx::{bad_request, not_found, ok, LeverCtx, LeverState};
use super::opportunities::{find, now_ms};
use crate::query::Query;

/// Which account-wide collection a route serves.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    ArchiveReasons,
    Requisitions,
    Postings,
    Users,
    Stages,
    Contacts,
}

impl Kind {
    fn list(self, st: &LeverState) -> &[Value] {
        match self {
            Kind::ArchiveReasons => &st.data.archive_reasons,
            Kind::Requisitions => &st.data.requisitions,
            Kind::Postings => &st.data.postings,
            Kind::Users => &st.data.users,
            Kind::Stages => &st.data.stages,
            Kind::Contacts => &st.data.contacts,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::ArchiveReasons => "Archive reason",
            Kind::Requisitions => "Requisition",
            Kind::Postings => "Posting",
            Kind::Users => "User",
            Kind::Stages => "Stage",
            Kind::Contacts => "Contact",
        }
    }
}

/// GET /{collection}/{id}
pub(crate) async fn one(ctx: Arc<LeverCtx>, id: String, kind: Kind) -> Response {
    let st = ctx.lock();
    match find(kind.list(&st), &id) {
        Some(v) => ok(json!({ "data": v })),
        None => not_found(kind.name(), &id),
    }
}

/// Confidential requisitions and postings are left out of lists unless
/// `confidentiality=confidential|all`, as for opportunities.
/// `Err` is the 400 message.
fn confidentiality(q: &Query) -> Result<Option<&'static str>, String> {
    match q.get("confidentiality") {
        None | Some("non-confidential") => Ok(Some("non-confidential")),
        Some("confidential") => Ok(Some("confidential")),
        Some("all") => Ok(None),
        Some(v) => Err(format!("Invalid value for confidentiality: {v}")),
    }
}

/// GET /{collection}: paginated, with each collection's documented filters.
pub(crate) async fn list(ctx: Arc<LeverCtx>, uri: Uri, kind: Kind) -> Response {
    let q = Query::parse(uri.query());
    let conf = match kind {
        Kind::Requisitions | Kind::Postings => match confidentiality(&q) {
            Ok(c) => c,
            Err(m) => return bad_request(&m),
        },
        _ => None,
    };
    let mut st = ctx.lock();
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let items: Vec<Value> = kind
        .list(&st)
        .iter()
        .filter(|v| {
            conf.is_none_or(|c| {
                text(v, "confidentiality") == c || text(v, "confidentiality").is_empty() && c == "non-confidential"
            })
        })
        .filter(|v| match kind {
            Kind::Requisitions => q.all("requisition_code").iter().all(|c| text(v, "requisitionCode") == *c),
            Kind::Postings => q.all("state").is_empty() || q.all("state").contains(&text(v, "state").as_str()),
            Kind::Users => {
                let emails = q.all("email");
                let active = v.get("deactivatedAt").is_none_or(Value::is_null);
                (active || q.get("includeDeactivated") == Some("true"))
                    && (emails.is_empty() || emails.iter().any(|e| e.eq_ignore_ascii_case(&text(v, "email"))))
            }
            _ => true,
        })
        .cloned()
        .collect();
    let scope = format!("catalog/{}", kind.name());
    match st.pager.page(&scope, items, &q) {
        Ok(body) => ok(body),
        Err(m) => bad_request(&m),
    }
}

/// GET /requisition_fields: `{data}` only, as recorded.
pub(crate) async fn requisition_fields(State(ctx): State<Arc<LeverCtx>>) -> Response {
    ok(json!({ "data": ctx.lock().data.requisition_fields.clone() }))
}

/// GET /webhooks: `{data}` only, and without signature tokens, as recorded.
pub(crate) async fn webhooks(State(ctx): State<Arc<LeverCtx>>) -> Response {
    let mut hooks = ctx.lock().data.webhooks.clone();
    for h in &mut hooks {
        if let Some(c) = h.get_mut("configuration").and_then(Value::as_object_mut) {
            c.remove("signatureToken");
        }
    }
    ok(json!({ "data": hooks }))
}

/// POST /webhooks: 201 with the webhook and its new signature token.
pub(crate) async fn create_webhook(State(ctx): State<Arc<LeverCtx>>, body: Bytes) -> Response {
    let Ok(input) = serde_json::from_slice::<Value>(&body) else { return bad_request("Invalid JSON body") };
    let (Some(event), Some(url)) =
        (input.get("event").and_then(Value::as_str), input.get("url").and_then(Value::as_str))
    else {
        return bad_request("event and url are required");
    };
    let origins = input
        .pointer("/configuration/conditions/origins")
        .cloned()
        .unwrap_or_else(|| json!(["applied", "sourced", "referred", "university", "internal", "agency"]));
    let now = now_ms();
    let mut st = ctx.lock();
    let id = st.rng.uuid();
    let token = format!("{:016x}{:016x}{:016x}", st.rng.next_u64(), st.rng.next_u64(), st.rng.next_u64());
    let hook = json!({
        "id": id,
        "event": event,
        "url": url,
        "configuration": { "conditions": { "origins": origins }, "signatureToken": token },
        "createdAt": now,
        "updatedAt": now,
    });
    st.data.webhooks.push(hook.clone());
    (StatusCode::CREATED, Json(json!({ "data": hook }))).into_response()
}

/// DELETE /webhooks/{id}: 204.
pub(crate) async fn delete_webhook(State(ctx): State<Arc<LeverCtx>>, Path(id): Path<String>) -> Response {
    let mut st = ctx.lock();
    let before = st.data.webhooks.len();
    st.data.webhooks.retain(|h| h.get("id").and_then(Value::as_str) != Some(id.as_str()));
    if st.data.webhooks.len() == before {
        return not_found("Webhook", &id);
    }
    StatusCode::NO_CONTENT.into_response()
}
