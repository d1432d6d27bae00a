//! POST /files (multipart upload, part `file`) and downloading an upload.

use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::ctx::{error, NamelyCtx};
use super::seed::UploadedFile;
use crate::record::{Direction, Violation};

const WHAT: &str = "error uploading file";

fn refuse(ctx: &NamelyCtx, problem: &str) -> Response {
    // Not JSON, so no schema file: the contract is "multipart/form-data with a part named file".
    ctx.core.recorder.violation(Violation {
        endpoint: "POST /api/v1/files".into(),
        direction: Direction::Request,
        schema: "multipart/form-data with a part named file".into(),
        pointer: String::new(),
        message: problem.into(),
    });
    error(StatusCode::UNPROCESSABLE_ENTITY, WHAT, vec![problem.into()])
}

/// A content type from the file name when the part names none.
fn guess_type(name: &str) -> String {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    crate::lever::content_type(ext).to_string()
}

/// POST /files: 200 with `{"files": [{id, filename, mime_type, original}]}`.
pub(crate) async fn upload(
    State(ctx): State<Arc<NamelyCtx>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(mut multipart) = multipart else { return refuse(&ctx, "the body is not multipart/form-data") };
    let mut found = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let filename = field.file_name().unwrap_or("upload").to_string();
                let mime = field.content_type().map(str::to_string).unwrap_or_else(|| guess_type(&filename));
                match field.bytes().await {
                    Ok(bytes) => found = Some((filename, mime, bytes.to_vec())),
                    Err(_) => return refuse(&ctx, "the multipart body is malformed"),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => return refuse(&ctx, "the multipart body is malformed"),
        }
    }
    let Some((filename, mime_type, bytes)) = found else { return refuse(&ctx, "file is required (a part named file)") };
    let mut st = ctx.lock();
    let id = st.rng.uuid();
    let body = json!({ "files": [{
        "id": id, "filename": filename, "mime_type": mime_type, "original": format!("/files/{id}/download"),
    }]});
    st.data.files.push(UploadedFile { id, filename, mime_type, bytes });
    Json(body).into_response()
}

/// GET /files/{id}/download: the uploaded bytes.
pub(crate) async fn download(State(ctx): State<Arc<NamelyCtx>>, Path(id): Path<String>) -> Response {
    let st = ctx.lock();
    match st.data.files.iter().find(|f| f.id == id) {
        Some(f) => {
            let ct =
                HeaderValue::from_str(&f.mime_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
            (StatusCode::OK, [(CONTENT_TYPE, ct)], f.bytes.clone()).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "File not found", vec![]),
    }
}
