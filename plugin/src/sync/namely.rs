//! What the sync reads from and writes to Namely.

use futures_concurrency::future::Join;
use serde_json::{json, Value};

use super::api::{error_detail, Api, CallError, Client};
use super::lever::encode;
use super::transport::{Request, Transport};
use crate::types::JobTitle;

/// A Namely profile that already exists for the hire.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: String,
    pub matched_by: &'static str,
}

impl<'a, T: Transport> Client<'a, T> {
    fn namely(&self, path: &str) -> String {
        format!("{}{path}", self.settings.namely_base)
    }

    /// The tenant's job titles.
    pub async fn namely_job_titles(&self) -> Result<Vec<JobTitle>, CallError> {
        let v = self.get_json(Api::Namely, "listing job titles", self.namely("/job_titles")).await?;
        let list = v.get("job_titles").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(list
            .iter()
            .filter_map(|t| Some(JobTitle { id: t.get("id")?.as_str()?.to_string(), title: t.get("title")?.as_str()?.to_string() }))
            .collect())
    }

    /// A profile whose work email is `email` or whose personal email is
    /// `personal`, compared case-insensitively (Namely's filters may be partial).
    pub async fn namely_find(&self, email: &str, personal: Option<&str>) -> Result<Option<Found>, CallError> {
        // A backfill's prefetched index answers without a request each.
        if let Some(index) = &self.settings.profile_index {
            let look = |e: &str| index.get(&e.trim().to_lowercase()).cloned();
            if let Some(id) = look(email) {
                return Ok(Some(Found { id, matched_by: "email" }));
            }
            return Ok(personal.and_then(look).map(|id| Found { id, matched_by: "personal_email" }));
        }
        self.namely_lookup(email, personal).await
    }

    /// [`Client::namely_find`] asking Namely itself, never a prefetched index
    /// (which cannot know of a profile created a moment ago).
    pub async fn namely_lookup(&self, email: &str, personal: Option<&str>) -> Result<Option<Found>, CallError> {
        let query = |field: &'static str, value: &str| {
            let url = self.namely(&format!("/profiles?filter[{field}]={}&per_page=50", encode(value)));
            async move { self.get_json(Api::Namely, "looking up existing profiles", url).await }
        };
        let by_personal = async {
            match personal {
                Some(p) => query("personal_email", p).await.map(Some),
                None => Ok(None),
            }
        };
        let (by_email, by_personal) = (query("email", email), by_personal).join().await;
        let matches = |v: &Value, field: &str, want: &str| -> Option<String> {
            v.get("profiles")?.as_array()?.iter().find_map(|p| {
                let got = p.get(field)?.as_str()?;
                got.trim().eq_ignore_ascii_case(want.trim()).then(|| p.get("id")?.as_str().map(str::to_string)).flatten()
            })
        };
        if let Some(id) = matches(&by_email?, "email", email) {
            return Ok(Some(Found { id, matched_by: "email" }));
        }
        if let (Some(v), Some(p)) = (by_personal?, personal) {
            if let Some(id) = matches(&v, "personal_email", p) {
                return Ok(Some(Found { id, matched_by: "personal_email" }));
            }
        }
        Ok(None)
    }

    /// POST /profiles once. Returns the new profile's id.
    pub async fn namely_create(&self, request_json: &str) -> Result<String, CallError> {
        let what = "creating the profile";
        let body: Value = serde_json::from_str(request_json).unwrap_or(Value::Null);
        let r = self.send(Api::Namely, what, Request::json("POST", self.namely("/profiles"), &body)).await?;
        if !(200..300).contains(&r.status) {
            return Err(CallError::Status { api: Api::Namely, status: r.status, what: what.into(), detail: error_detail(&r.body) });
        }
        serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| v.get("profiles")?.get(0)?.get("id")?.as_str().map(str::to_string))
            .ok_or_else(|| CallError::BadBody { api: Api::Namely, what: what.into(), detail: "no profiles[0].id".into() })
    }

    /// Upload a file (multipart, part `file`); returns its Namely file id.
    pub async fn namely_upload(&self, name: &str, content_type: &str, bytes: Vec<u8>) -> Result<String, CallError> {
        let what = "uploading the resume";
        let boundary = "lever-namely-7d3f0a1c5b9e4d2a";
        let safe_name: String = name.chars().map(|c| if c == '"' || c.is_control() { '_' } else { c }).collect();
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{safe_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = Request {
            method: "POST",
            url: self.namely("/files"),
            headers: vec![
                ("accept".into(), "application/json".into()),
                ("content-type".into(), format!("multipart/form-data; boundary={boundary}")),
            ],
            body,
        };
        let r = self.send(Api::Namely, what, request).await?;
        if !(200..300).contains(&r.status) {
            return Err(CallError::Status { api: Api::Namely, status: r.status, what: what.into(), detail: error_detail(&r.body) });
        }
        serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| v.get("files")?.get(0)?.get("id")?.as_str().map(str::to_string))
            .ok_or_else(|| CallError::BadBody { api: Api::Namely, what: what.into(), detail: "no files[0].id".into() })
    }

    /// Attach an uploaded file as the profile's resume.
    pub async fn namely_set_resume(&self, profile_id: &str, file_id: &str) -> Result<(), CallError> {
        let what = "attaching the resume";
        let url = self.namely(&format!("/profiles/{}", encode(profile_id)));
        let r = self.send(Api::Namely, what, Request::json("PUT", url, &json!({"profiles": [{"resume": file_id}]}))).await?;
        if !(200..300).contains(&r.status) {
            return Err(CallError::Status { api: Api::Namely, status: r.status, what: what.into(), detail: error_detail(&r.body) });
        }
        // Only Namely's profile JSON says the resume is attached; anything
        // else (a proxy's page, a cut body) is reported, never taken as done.
        let updated = serde_json::from_slice::<Value>(&r.body).ok().is_some_and(|v| v.get("profiles").is_some_and(Value::is_array));
        if updated {
            Ok(())
        } else {
            Err(CallError::BadBody { api: Api::Namely, what: what.into(), detail: "not Namely's profile JSON".into() })
        }
    }
}
