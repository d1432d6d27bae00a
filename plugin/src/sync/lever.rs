//! What the sync reads from (and writes to) Lever.

use futures_concurrency::future::Join;
use serde_json::{json, Map, Value};

use super::api::{Api, CallError, Client};
use super::transport::{Request, Transport};

/// Percent-encode a query or path value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The most list pages we follow; Lever lists for one hire are short.
const MAX_PAGES: usize = 50;

impl<'a, T: Transport> Client<'a, T> {
    fn lever(&self, path: &str) -> String {
        format!("{}{path}", self.settings.lever_base)
    }

    /// A single Lever object: the response's `data`.
    pub async fn lever_object(&self, what: &str, path: &str) -> Result<Value, CallError> {
        let v = self.get_json(Api::Lever, what, self.lever(path)).await?;
        match v.get("data") {
            Some(d) if d.is_object() => Ok(d.clone()),
            _ => Err(CallError::BadBody { api: Api::Lever, what: what.into(), detail: "no `data` object".into() }),
        }
    }

    /// Every item of a Lever list, following `hasNext`/`next`.
    pub async fn lever_list(&self, what: &str, path: &str, paginated: bool) -> Result<Vec<Value>, CallError> {
        let mut items = Vec::new();
        let mut offset: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match (&offset, paginated) {
                (_, false) => self.lever(path),
                (None, true) => self.lever(&format!("{path}{sep}limit=100")),
                (Some(o), true) => self.lever(&format!("{path}{sep}limit=100&offset={}", encode(o))),
            };
            let v = self.get_json(Api::Lever, what, url).await?;
            let Some(data) = v.get("data").and_then(Value::as_array) else {
                return Err(CallError::BadBody { api: Api::Lever, what: what.into(), detail: "no `data` list".into() });
            };
            items.extend(data.iter().cloned());
            match (v.get("hasNext").and_then(Value::as_bool), v.get("next").and_then(Value::as_str)) {
                (Some(true), Some(next)) if paginated => offset = Some(next.to_string()),
                _ => return Ok(items),
            }
        }
        Ok(items)
    }

    /// Wave one: the opportunity (applications expanded) and the archive reasons.
    pub async fn lever_opportunity(&self, id: &str) -> Result<(Value, Vec<Value>), CallError> {
        let path = format!("/opportunities/{}?expand=applications", encode(id));
        let (opp, reasons) =
            (self.lever_object("the opportunity", &path), self.lever_list("the archive reasons", "/archive_reasons", true)).join().await;
        Ok((opp?, reasons?))
    }

    /// Wave two: everything else about the hire, at once. Returns the bundle
    /// (in the shape `bundle::parse` reads) and the candidate's notes.
    pub async fn lever_details(&self, id: &str, opportunity: Value, reasons: Vec<Value>) -> Result<(Value, Vec<Value>), CallError> {
        let e = encode(id);
        let app = opportunity.get("applications").and_then(Value::as_array).and_then(|a| a.iter().find(|x| x.is_object())).cloned();
        let reference = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(str::to_string),
            _ => None,
        };
        let requisition_id = app.as_ref().and_then(|a| reference(a.get("requisitionForHire")));
        let posting_id = app.as_ref().and_then(|a| reference(a.get("posting")));
        let optional = |what: &'static str, path: Option<String>| async move {
            match path {
                Some(p) => self.lever_object(what, &p).await.map(Some),
                None => Ok(None),
            }
        };
        let (offers, forms, resumes, files, notes, requisition, posting) = (
            self.lever_list("the offers", &format!("/opportunities/{e}/offers"), true),
            self.lever_list("the profile forms", &format!("/opportunities/{e}/forms"), true),
            self.lever_list("the resumes", &format!("/opportunities/{e}/resumes"), false),
            self.lever_list("the files", &format!("/opportunities/{e}/files"), false),
            self.lever_list("the notes", &format!("/opportunities/{e}/notes"), true),
            optional("the requisition", requisition_id.map(|r| format!("/requisitions/{}", encode(&r)))),
            optional("the posting", posting_id.map(|p| format!("/postings/{}", encode(&p)))),
        )
            .join()
            .await;
        let mut requisition = requisition?.map_or(Value::Null, |r| r);
        let offers = offers?;
        // No requisition hired against: the one listing the chosen offer
        // (bundle::parse picks it from the list).
        if requisition.is_null() && !offers.is_empty() {
            requisition = Value::Array(self.lever_list("the requisitions", "/requisitions?confidentiality=all", true).await?);
        }
        let mut b = Map::new();
        b.insert("opportunity".into(), opportunity);
        b.insert("archive_reasons".into(), Value::Array(reasons));
        b.insert("offers".into(), Value::Array(offers));
        b.insert("forms".into(), Value::Array(forms?));
        b.insert("resumes".into(), Value::Array(resumes?));
        b.insert("files".into(), Value::Array(files?));
        b.insert("requisition".into(), requisition);
        b.insert("posting".into(), posting?.unwrap_or(Value::Null));
        Ok((Value::Object(b), notes?))
    }

    /// Download a resume or file's bytes.
    pub async fn lever_download(&self, opportunity: &str, source: &str, id: &str) -> Result<(Vec<u8>, Option<String>), CallError> {
        let kind = if source == "file" { "files" } else { "resumes" };
        let what = "the resume download";
        let url = self.lever(&format!("/opportunities/{}/{kind}/{}/download", encode(opportunity), encode(id)));
        let mut attempt = 1;
        loop {
            let mut r = Request::get(url.clone());
            r.headers.clear();
            let result = self.send(Api::Lever, what, r).await;
            let (err, resp) = match result {
                Ok(r) if (200..300).contains(&r.status) => {
                    let ct = r.header("content-type").map(str::to_string);
                    return Ok((r.body, ct));
                }
                Ok(r) => (CallError::Status { api: Api::Lever, status: r.status, what: what.into(), detail: String::new() }, Some(r)),
                Err(e) => (e, None),
            };
            if !err.retryable() || attempt >= self.settings.max_attempts {
                return Err(err);
            }
            self.transport.sleep(self.wait(Api::Lever, resp.as_ref(), attempt, &url)).await;
            attempt += 1;
        }
    }

    /// Post a note (once; the caller checks before retrying).
    pub async fn lever_post_note(&self, opportunity: &str, text: &str) -> Result<(), CallError> {
        let what = "posting the note";
        let url = self.lever(&format!("/opportunities/{}/notes", encode(opportunity)));
        let body = json!({ "value": text, "secret": false, "notifyFollowers": false });
        let r = self.send(Api::Lever, what, Request::json("POST", url, &body)).await?;
        if !(200..300).contains(&r.status) {
            return Err(CallError::Status { api: Api::Lever, status: r.status, what: what.into(), detail: super::api::error_detail(&r.body) });
        }
        // A 2xx that is not Lever's `{"data": {…note…}}` (a proxy's page, a
        // cut body) does not say the note was stored: report it unclear, so
        // the caller looks at the notes before posting again.
        let stored = serde_json::from_slice::<Value>(&r.body).ok().is_some_and(|v| v.get("data").is_some_and(Value::is_object));
        if stored {
            Ok(())
        } else {
            Err(CallError::BadBody { api: Api::Lever, what: what.into(), detail: "not Lever's note JSON".into() })
        }
    }
}
