//! Resumes and files of an opportunity: unpaginated lists, single items and
//! raw downloads.

use std::sync::Arc;

use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::ctx::{bad_request, error, not_found, ok, LeverCtx};
use super::opportunities::find;
use crate::query::Query;

/// Which document list a route serves.
#[derive(Clone, Copy)]
pub(crate) enum Doc {
    Resumes,
    Files,
}

impl Doc {
    fn path(self) -> &'static str {
        match self {
            Doc::Resumes => "resumes",
            Doc::Files => "files",
        }
    }
}

/// The document with a download URL pointing at this simulator when the
/// seed left it out (seeds are written before the port is known).
fn render(ctx: &LeverCtx, doc: Doc, opp: &str, item: &Value) -> Value {
    let mut item = item.clone();
    let id = item.get("id").and_then(Value::as_str).unwrap_or("").to_string();
    let url = format!("{}/opportunities/{opp}/{}/{id}/download", ctx.base_url(), doc.path());
    let slot = match doc {
        Doc::Resumes => item.get_mut("file").filter(|f| f.is_object()),
        Doc::Files => Some(&mut item),
    };
    if let Some(obj) = slot {
        let missing = obj.get("downloadUrl").and_then(Value::as_str).is_none_or(str::is_empty);
        if missing {
            obj["downloadUrl"] = json!(url);
        }
    }
    item
}

fn items<'a>(st: &'a super::ctx::LeverState, doc: Doc, opp: &str) -> &'a [Value] {
    let map = match doc {
        Doc::Resumes => &st.data.resumes,
        Doc::Files => &st.data.files,
    };
    map.get(opp).map(Vec::as_slice).unwrap_or_default()
}

/// GET /opportunities/{id}/resumes and /files: the whole list, never paged.
pub(crate) async fn list(ctx: Arc<LeverCtx>, opp: String, uri: Uri, doc: Doc) -> Response {
    let q = Query::parse(uri.query());
    // Lever refuses paging parameters here (Pipedream's and tap-lever's experience).
    if q.has("limit") || q.has("offset") {
        return bad_request("pagination is not supported for this endpoint");
    }
    let st = ctx.lock();
    if find(&st.data.opportunities, &opp).is_none() {
        return not_found("Opportunity", &opp);
    }
    let data: Vec<Value> = items(&st, doc, &opp).iter().map(|i| render(&ctx, doc, &opp, i)).collect();
    ok(json!({ "data": data, "hasNext": false }))
}

/// GET /opportunities/{id}/resumes/{sub} and /files/{sub}.
pub(crate) async fn one(ctx: Arc<LeverCtx>, opp: String, id: String, doc: Doc) -> Response {
    let st = ctx.lock();
    match find(items(&st, doc, &opp), &id) {
        Some(item) => ok(json!({ "data": render(&ctx, doc, &opp, item) })),
        None => not_found(if matches!(doc, Doc::Resumes) { "Resume" } else { "File" }, &id),
    }
}

/// The content type Lever would send for a file extension.
pub(crate) fn content_type(ext: &str) -> &'static str {
    match ext.trim_start_matches('.').to_ascii_lowercase().as_str() {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "rtf" => "application/rtf",
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "odt" => "application/vnd.oasis.opendocument.text",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// GET /opportunities/{id}/resumes/{sub}/download and /files/{sub}/download: raw bytes.
pub(crate) async fn download(ctx: Arc<LeverCtx>, opp: String, id: String, doc: Doc) -> Response {
    let st = ctx.lock();
    let Some(item) = find(items(&st, doc, &opp), &id) else {
        return not_found(if matches!(doc, Doc::Resumes) { "Resume" } else { "File" }, &id);
    };
    let meta = match doc {
        Doc::Resumes => item.get("file").cloned().unwrap_or(Value::Null),
        Doc::Files => item.clone(),
    };
    let blob = match doc {
        Doc::Resumes => st.data.resume_bytes.get(&id),
        Doc::Files => st.data.file_bytes.get(&id),
    };
    let Some(bytes) = blob.and_then(|b| b.to_bytes().ok()) else {
        return not_found("Download for", &id);
    };
    let name = meta.get("name").and_then(Value::as_str).unwrap_or("download").replace('"', "");
    let ext = meta
        .get("ext")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| name.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_default());
    let disposition = format!("attachment; filename=\"{name}\"");
    match axum::http::HeaderValue::from_str(&disposition) {
        Ok(d) => (
            StatusCode::OK,
            [(CONTENT_TYPE, axum::http::HeaderValue::from_static(content_type(&ext))), (CONTENT_DISPOSITION, d)],
            bytes,
        )
            .into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "bad file name"),
    }
}
