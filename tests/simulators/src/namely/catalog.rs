//! GET /profiles/fields and GET /job_titles.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::ctx::NamelyCtx;
use super::profile::ADMIN_ONLY;

/// (name, label, type, section, valid format) of one profile field.
type FieldDef = (&'static str, &'static str, &'static str, &'static str, &'static str);

/// The profile fields a Lever → Namely sync maps.
const FIELDS: &[FieldDef] = &[
    ("first_name", "First name", "text", "personal", "generic text"),
    ("middle_name", "Middle name", "text", "personal", "generic text"),
    ("last_name", "Last name", "text", "personal", "generic text"),
    ("preferred_name", "Preferred name", "text", "personal", "generic text"),
    ("email", "Company email", "email", "personal", "email address, unique across all profiles"),
    ("personal_email", "Personal email", "email", "personal", "email address"),
    ("mobile_phone", "Mobile phone", "text", "personal", "generic text"),
    ("home_phone", "Home phone", "text", "personal", "generic text"),
    ("linkedin_url", "LinkedIn URL", "text", "personal", "generic text"),
    (
        "home",
        "Home address",
        "address",
        "personal",
        "address1, address2, city, state_id, country_id (ISO 3166-1 alpha-2), zip",
    ),
    ("resume", "Resume", "file", "personal", "file id (UUID v4) from POST /files"),
    ("user_status", "User status", "referenceselect", "job", "One of 'active','inactive','pending'"),
    ("start_date", "Start date", "date", "job", "YYYY-MM-DD"),
    ("job_title", "Job title", "referencehistory", "job", "{\"id\": job title id} or {\"title\": exact title}"),
    (
        "employee_type",
        "Employee type",
        "select",
        "job",
        "One of 'Full Time','Part Time','Intern','Contractor','Freelance'",
    ),
    ("salary", "Salary", "salary", "compensation", "currency_type (USD), date (YYYY-MM-DD), yearly_amount (integer)"),
];

const SECTIONS: &[(&str, &str)] =
    &[("personal", "Personal information"), ("job", "Job"), ("compensation", "Compensation")];

fn field_id(i: usize) -> String {
    format!("f1e1d000-0000-4000-8000-{:012x}", i + 1)
}

fn section_id(key: &str) -> String {
    let i = SECTIONS.iter().position(|(k, _)| *k == key).unwrap_or(0);
    format!("5ec70000-0000-4000-8000-{:012x}", i + 1)
}

/// GET /profiles/fields. A non-admin token does not see `salary` or `home`,
/// which is how a client can tell those fields will not be written.
pub(crate) async fn fields(State(ctx): State<Arc<NamelyCtx>>, headers: HeaderMap) -> Response {
    let admin = ctx.caller(&headers).is_some_and(|t| t.admin);
    let shown: Vec<(usize, &FieldDef)> =
        FIELDS.iter().enumerate().filter(|(_, f)| admin || !ADMIN_ONLY.contains(&f.0)).collect();
    let fields: Vec<Value> = shown
        .iter()
        .map(|(i, (name, label, kind, section, format))| {
            json!({
                "id": field_id(*i), "name": name, "label": label, "type": kind,
                "default": true, "deletable": false, "valid_format_info": format, "block_index": 0,
                "links": { "section": section_id(section) },
            })
        })
        .collect();
    let sections: Vec<Value> = SECTIONS
        .iter()
        .filter_map(|(key, title)| {
            let ids: Vec<String> = shown.iter().filter(|(_, f)| f.3 == *key).map(|(i, _)| field_id(*i)).collect();
            (!ids.is_empty()).then(
                || json!({ "id": section_id(key), "title": title, "block_titles": [], "links": { "fields": ids } }),
            )
        })
        .collect();
    let count = fields.len();
    Json(json!({
        "fields": fields,
        "meta": { "count": count, "status": 200 },
        "links": { "fields.sections": "sections" },
        "linked": { "sections": sections },
    }))
    .into_response()
}

/// GET /job_titles: every title, unpaginated (none is documented).
pub(crate) async fn job_titles(State(ctx): State<Arc<NamelyCtx>>) -> Response {
    let titles = ctx.lock().data.job_titles.clone();
    let count = titles.len();
    Json(json!({ "job_titles": titles, "meta": { "count": count, "status": 200 }, "links": {}, "linked": {} }))
        .into_response()
}
