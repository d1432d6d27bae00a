//! GET, POST and PUT /profiles.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::ctx::{error, NamelyCtx};
use super::profile::{self, Lookups};
use crate::query::Query;

/// Items per page when `per_page` is absent, and the most Namely gives.
const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 50;

/// Epoch seconds: Namely's `created_at`/`updated_at` unit.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The profiles envelope. `links`/`linked` are empty: the simulator side-loads nothing.
/// Reads carry `total_count`; writes answer `{count, status}` only.
fn envelope(profiles: Vec<Value>, total: Option<usize>, status: u16) -> Value {
    let count = profiles.len();
    let meta = match total {
        Some(total) => json!({ "count": count, "total_count": total, "status": status }),
        None => json!({ "count": count, "status": status }),
    };
    json!({ "profiles": profiles, "meta": meta, "links": {}, "linked": {} })
}

fn admin(ctx: &NamelyCtx, headers: &HeaderMap) -> bool {
    ctx.caller(headers).is_some_and(|t| t.admin)
}

/// GET /profiles: `page` from 1, `per_page` (default 30, at most 50), exact
/// case-insensitive filters; past the end, an empty page.
pub(crate) async fn list(State(ctx): State<Arc<NamelyCtx>>, headers: HeaderMap, uri: Uri) -> Response {
    let q = Query::parse(uri.query());
    let admin = admin(&ctx, &headers);
    let page = q.get("page").and_then(|p| p.trim().parse::<usize>().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let per_page = q
        .get("per_page")
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .map_or(DEFAULT_PER_PAGE, |p| p.min(MAX_PER_PAGE));
    let filters: Vec<(&str, &str)> = ["email", "personal_email", "first_name", "last_name", "user_status"]
        .into_iter()
        .filter_map(|f| q.get(&format!("filter[{f}]")).map(|v| (f, v)))
        .collect();
    let job_title = q.get("filter[job_title]");
    let st = ctx.lock();
    let matching: Vec<&Value> = st
        .data
        .profiles
        .iter()
        .filter(|p| {
            filters.iter().all(|(f, v)| p[*f].as_str().is_some_and(|x| x.trim().eq_ignore_ascii_case(v.trim())))
        })
        .filter(|p| job_title.is_none_or(|t| p["job_title"]["title"] == t))
        .collect();
    let total = matching.len();
    let items = matching
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|p| profile::visible(p, admin))
        .collect();
    Json(envelope(items, Some(total), 200)).into_response()
}

/// GET /profiles/{id}
pub(crate) async fn one(State(ctx): State<Arc<NamelyCtx>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let admin = admin(&ctx, &headers);
    let st = ctx.lock();
    match st.data.profiles.iter().find(|p| p["id"] == id.as_str()) {
        Some(p) => Json(envelope(vec![profile::visible(p, admin)], Some(1), 200)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Profile not found", vec![]),
    }
}

/// GET /profiles/me: the token owner's profile; its `access_role` says whether
/// the token is an administrator's.
pub(crate) async fn me(State(ctx): State<Arc<NamelyCtx>>, headers: HeaderMap) -> Response {
    let Some(token) = ctx.caller(&headers) else {
        return error(StatusCode::UNAUTHORIZED, "Invalid access token", vec![]);
    };
    let st = ctx.lock();
    let stored = token.profile_id.as_deref().and_then(|id| st.data.profiles.iter().find(|p| p["id"] == id));
    let mut p = match stored {
        Some(p) => p.clone(),
        None => {
            // A dedicated API user, as Namely shows one ("Admin"-style names).
            let mut p = profile::blank("00000000-0000-4000-8000-0000000000a1", 0);
            p["first_name"] = json!("API");
            p["last_name"] = json!("User");
            p["full_name"] = json!("API User");
            p["email"] = json!("api-user@namely-sim.invalid");
            p
        }
    };
    p["access_role"] = json!(if token.admin { "Administrator" } else { "Employee" });
    Json(envelope(vec![profile::visible(&p, token.admin)], Some(1), 200)).into_response()
}

/// The `profiles` array of a write body; `Err` is the problem for the 422.
fn profiles_of(body: &Bytes) -> Result<Vec<Map<String, Value>>, &'static str> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "the body is not JSON")?;
    let list = value.get("profiles").and_then(Value::as_array).ok_or("profiles must be an array")?;
    if list.is_empty() {
        return Err("profiles must not be empty");
    }
    list.iter().map(|p| p.as_object().cloned().ok_or("each profile must be an object")).collect()
}

/// POST /profiles: 201 with the created profiles, or 422 with every problem.
pub(crate) async fn create(State(ctx): State<Arc<NamelyCtx>>, headers: HeaderMap, body: Bytes) -> Response {
    const WHAT: &str = "error creating profile";
    let inputs = match profiles_of(&body) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, WHAT, vec![e.into()]),
    };
    let admin = admin(&ctx, &headers);
    let now = now_secs();
    let mut st = ctx.lock();
    let st = &mut *st;
    let mut created: Vec<Value> = Vec::new();
    let mut errors = Vec::new();
    for input in &inputs {
        let id = st.rng.uuid();
        // Later profiles in the same request must see earlier ones (unique emails).
        let lk = Lookups { data: &st.data, pending: &created, admin, salary_guid: st.rng.uuid() };
        match profile::apply(profile::blank(&id, now), input, &lk, now) {
            Ok(p) => created.push(p),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, WHAT, errors);
    }
    st.data.profiles.extend(created.iter().cloned());
    let shown = created.iter().map(|p| profile::visible(p, admin)).collect();
    (StatusCode::CREATED, Json(envelope(shown, None, 201))).into_response()
}

/// PUT /profiles/{id}: only the keys sent change; 200 with the full profile.
pub(crate) async fn update(
    State(ctx): State<Arc<NamelyCtx>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    const WHAT: &str = "error updating profile";
    let admin = admin(&ctx, &headers);
    let mut st = ctx.lock();
    let st = &mut *st;
    let Some(index) = st.data.profiles.iter().position(|p| p["id"] == id.as_str()) else {
        return error(StatusCode::NOT_FOUND, "Profile not found", vec![]);
    };
    let inputs = match profiles_of(&body) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, WHAT, vec![e.into()]),
    };
    if inputs.len() != 1 {
        return error(StatusCode::UNPROCESSABLE_ENTITY, WHAT, vec!["profiles must hold exactly one profile".into()]);
    }
    let lk = Lookups { data: &st.data, pending: &[], admin, salary_guid: st.rng.uuid() };
    match profile::apply(st.data.profiles[index].clone(), &inputs[0], &lk, now_secs()) {
        Ok(p) => {
            st.data.profiles[index] = p.clone();
            Json(envelope(vec![profile::visible(&p, admin)], None, 200)).into_response()
        }
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, WHAT, e),
    }
}
