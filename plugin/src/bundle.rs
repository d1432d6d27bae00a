//! Reading the Lever bundle: raw Lever responses in, a [`HiredCandidate`] out.
//!
//! The bundle holds Lever objects exactly as Lever returns them (each
//! response's `data`). Unknown keys are ignored; a value we need that has the
//! wrong type is reported with its path, and every such problem is reported at
//! once, never just the first.

use serde_json::{Map, Value};

use crate::types::{
    FieldValue, HiredCandidate, InputProblem, JobTitle, LabelledField, MapOptions, MappingError,
    Offer, Phone, PhoneKind, Posting, Requisition, ResumeFile,
};

/// The largest bundle we read. Lever objects for one hire are a few hundred KiB
/// at most; anything far larger is not a bundle.
pub const MAX_BUNDLE_BYTES: usize = 16 * 1024 * 1024;

/// The title of the profile form read by default.
pub const DEFAULT_FORM_TITLE: &str = "Namely Form";

/// Offer statuses used, when no offer is signed, newest first (warning `offer_not_signed`).
const UNSIGNED_USABLE: &[&str] = &["approved", "sent", "sent-manually", "opened"];

/// A bundle reduced to what the mapping needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    pub candidate: HiredCandidate,
    /// `namely_job_titles`, when the bundle carries them.
    pub job_titles: Option<Vec<JobTitle>>,
    /// Why the candidate is or is not a hire, in words.
    pub hire_status: String,
}

/// Parse a bundle from JSON text.
pub fn parse(json: &str, options: &MapOptions) -> Result<Bundle, MappingError> {
    if json.len() > MAX_BUNDLE_BYTES {
        return Err(bad("(bundle)", format!("is {} bytes; the limit is {MAX_BUNDLE_BYTES}", json.len())));
    }
    let value: Value = serde_json::from_str(json).map_err(|e| {
        bad("(bundle)", format!("is not valid JSON: {e}"))
    })?;
    from_value(&value, options)
}

/// Reduce an already parsed bundle.
pub fn from_value(value: &Value, options: &MapOptions) -> Result<Bundle, MappingError> {
    let mut r = Reader::default();
    let Some(root) = value.as_object() else {
        return Err(bad("(bundle)", format!("must be a JSON object with the key `opportunity`; found {}", kind(value))));
    };
    let candidate = read_candidate(&mut r, root, options);
    let job_titles = root.get("namely_job_titles").and_then(|v| read_job_titles(&mut r, unwrap(v)));
    if !r.problems.is_empty() {
        return Err(MappingError::BadInput(r.problems));
    }
    let (candidate, hire_status) = candidate.expect("a candidate is read whenever there are no problems");
    Ok(Bundle { candidate, job_titles, hire_status })
}

fn bad(path: &str, message: String) -> MappingError {
    MappingError::BadInput(vec![InputProblem { path: path.to_string(), message }])
}

/// Accept a response as recorded (`[{method, path, status, body}]`) or whole
/// (`{"data": …}`) as well as its `data`.
fn unwrap(v: &Value) -> &Value {
    if let Some(first) = v.as_array().and_then(|a| a.first()) {
        if let Some(body) = first.as_object().filter(|o| o.contains_key("path")).and_then(|o| o.get("body")) {
            return unwrap(body);
        }
    }
    match v.as_object() {
        Some(o) if o.contains_key("data") && !o.contains_key("id") => &o["data"],
        _ => v,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Collects every problem with a path, so one error can name them all.
#[derive(Default)]
struct Reader {
    problems: Vec<InputProblem>,
}

impl Reader {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(InputProblem { path: path.to_string(), message: message.into() });
    }

    fn object<'a>(&mut self, v: &'a Value, path: &str) -> Option<&'a Map<String, Value>> {
        match v {
            Value::Object(o) => Some(o),
            other => {
                self.problem(path, format!("expected an object, found {}", kind(other)));
                None
            }
        }
    }

    /// A list; absent or null is empty.
    fn list<'a>(&mut self, v: Option<&'a Value>, path: &str) -> &'a [Value] {
        match v {
            None | Some(Value::Null) => &[],
            Some(Value::Array(a)) => a,
            Some(other) => {
                self.problem(path, format!("expected a list, found {}", kind(other)));
                &[]
            }
        }
    }

    /// Text; absent or null is `None`. Numbers are accepted as text.
    fn text(&mut self, v: Option<&Value>, path: &str) -> Option<String> {
        match v {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => {
                self.problem(path, format!("expected text, found {}", kind(other)));
                None
            }
        }
    }

    /// An id: text that must be present.
    fn id(&mut self, o: &Map<String, Value>, path: &str) -> Option<String> {
        let p = format!("{path}.id");
        match self.text(o.get("id"), &p) {
            Some(s) if !s.trim().is_empty() => Some(s),
            Some(_) => {
                self.problem(&p, "is empty");
                None
            }
            // A null id is as missing as an absent one.
            None if o.get("id").is_none_or(Value::is_null) => {
                self.problem(&p, "is missing");
                None
            }
            // `text` has named the wrong type.
            None => None,
        }
    }

    /// An epoch-milliseconds timestamp; absent or null is `None`.
    fn millis(&mut self, v: Option<&Value>, path: &str) -> Option<i64> {
        match v {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite() && f.abs() < 9.0e15).map(|f| f as i64)) {
                Some(ms) => Some(ms),
                None => {
                    self.problem(path, format!("expected epoch milliseconds, found {n}"));
                    None
                }
            },
            Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            Some(other) => {
                self.problem(path, format!("expected epoch milliseconds, found {}", kind(other)));
                None
            }
        }
    }

    /// The id of a reference that Lever gives as an id or, expanded, an object.
    fn reference(&mut self, v: Option<&Value>, path: &str) -> Option<String> {
        match v {
            Some(Value::Object(o)) => self.text(o.get("id"), &format!("{path}.id")),
            other => self.text(other, path),
        }
    }
}

fn read_candidate(r: &mut Reader, root: &Map<String, Value>, options: &MapOptions) -> Option<(HiredCandidate, String)> {
    let Some(opp_value) = root.get("opportunity").map(unwrap).filter(|v| !v.is_null()) else {
        r.problem("opportunity", "is missing: the bundle needs the opportunity from GET /opportunities/:id?expand=applications");
        return None;
    };
    let opp = r.object(opp_value, "opportunity")?;
    let opportunity_id = r.id(opp, "opportunity");
    let name = r.text(opp.get("name"), "opportunity.name").unwrap_or_default();

    let mut emails = Vec::new();
    for (i, e) in r.list(opp.get("emails"), "opportunity.emails").iter().enumerate() {
        if let Some(s) = r.text(Some(e), &format!("opportunity.emails[{i}]")) {
            emails.push(s);
        }
    }
    let mut phones = Vec::new();
    for (i, p) in r.list(opp.get("phones"), "opportunity.phones").iter().enumerate() {
        let path = format!("opportunity.phones[{i}]");
        let Some(po) = r.object(p, &path) else { continue };
        let kind = match r.text(po.get("type"), &format!("{path}.type")).as_deref().map(str::trim) {
            Some("mobile") => PhoneKind::Mobile,
            Some("home") => PhoneKind::Home,
            Some("work") => PhoneKind::Work,
            Some("skype") => PhoneKind::Skype,
            _ => PhoneKind::Other,
        };
        if let Some(value) = r.text(po.get("value"), &format!("{path}.value")) {
            phones.push(Phone { kind, value });
        }
    }
    let mut links = Vec::new();
    for (i, l) in r.list(opp.get("links"), "opportunity.links").iter().enumerate() {
        if let Some(s) = r.text(Some(l), &format!("opportunity.links[{i}]")) {
            links.push(s);
        }
    }

    // The archive state and the Hired reason.
    let mut archived_at = None;
    let mut archive_reason = None;
    match opp.get("archived") {
        None | Some(Value::Null) => {}
        Some(a) => {
            if let Some(ao) = r.object(a, "opportunity.archived") {
                archived_at = r.millis(ao.get("archivedAt"), "opportunity.archived.archivedAt");
                archive_reason = r.text(ao.get("reason"), "opportunity.archived.reason");
            }
        }
    }
    let (hired, hire_status) = read_hire_status(r, root, archive_reason.as_deref());

    // The application: its posting and the requisition it was hired against.
    let mut posting_id = None;
    let mut requisition_for_hire = None;
    for (i, app) in r.list(opp.get("applications"), "opportunity.applications").iter().enumerate() {
        let path = format!("opportunity.applications[{i}]");
        // Not expanded: a bare id, which tells us nothing more.
        let Some(ao) = app.as_object() else { continue };
        if posting_id.is_none() {
            posting_id = r.reference(ao.get("posting"), &format!("{path}.posting"));
        }
        if requisition_for_hire.is_none() {
            requisition_for_hire = match ao.get("requisitionForHire") {
                None | Some(Value::Null) => None,
                Some(v) => r.reference(Some(v), &format!("{path}.requisitionForHire")),
            };
        }
    }

    let offer = read_offer(r, root.get("offers").map(unwrap));
    let namely_form = read_form(r, root.get("forms").map(unwrap), options.form_title.as_deref().unwrap_or(DEFAULT_FORM_TITLE));
    let requisition = read_requisition(r, root.get("requisition").map(unwrap), requisition_for_hire.as_deref(), offer.as_ref().map(|o| o.id.as_str()));
    let posting = read_posting(r, root.get("posting").map(unwrap), posting_id.as_deref());
    let resume = read_resume(r, root.get("resumes").map(unwrap), root.get("files").map(unwrap));

    Some((
        HiredCandidate {
            opportunity_id: opportunity_id?,
            name,
            emails,
            phones,
            links,
            hired,
            archived_at,
            offer,
            namely_form,
            requisition,
            posting,
            resume,
        },
        hire_status,
    ))
}

fn read_hire_status(r: &mut Reader, root: &Map<String, Value>, reason: Option<&str>) -> (bool, String) {
    let Some(reason) = reason else {
        return (false, "the opportunity is not archived".to_string());
    };
    let Some(reasons) = root.get("archive_reasons").map(unwrap).filter(|v| !v.is_null()) else {
        r.problem("archive_reasons", "is missing: it is needed to recognise the Hired archive reason (GET /archive_reasons)");
        return (false, String::new());
    };
    for (i, item) in r.list(Some(reasons), "archive_reasons").iter().enumerate() {
        let path = format!("archive_reasons[{i}]");
        let Some(o) = r.object(item, &path) else { continue };
        if r.text(o.get("id"), &format!("{path}.id")).as_deref() == Some(reason) {
            let text = r.text(o.get("text"), &format!("{path}.text")).unwrap_or_default();
            let typ = r.text(o.get("type"), &format!("{path}.type")).unwrap_or_default();
            return if typ == "hired" {
                (true, format!("archived as \"{text}\", the Hired reason"))
            } else {
                (false, format!("archived as \"{text}\" (type {typ}), not Hired"))
            };
        }
    }
    (false, format!("archived with reason {reason}, which is not among the archive reasons given, so it is not the Hired reason"))
}

/// The value of an offer or form field, if it holds something usable.
fn field_value(r: &mut Reader, v: Option<&Value>, path: &str) -> Option<FieldValue> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(FieldValue::Text(s.clone())),
        Some(Value::Number(n)) => n.as_f64().map(FieldValue::Number),
        Some(Value::Bool(b)) => Some(FieldValue::Text(if *b { "yes" } else { "no" }.to_string())),
        // Multiple-select answers.
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Object(o) => o.get("text").and_then(Value::as_str).map(str::to_string),
                    _ => None,
                })
                .collect();
            (!parts.is_empty()).then(|| FieldValue::Text(parts.join(", ")))
        }
        // Currency answers carry `{currency, value}`; option answers `{text}`.
        Some(Value::Object(o)) => match o.get("value").or_else(|| o.get("text")) {
            Some(inner) if !inner.is_object() => field_value(r, Some(inner), &format!("{path}.value")),
            _ => None,
        },
    }
}

fn read_fields(r: &mut Reader, v: Option<&Value>, path: &str, with_identifier: bool) -> Vec<LabelledField> {
    let mut fields = Vec::new();
    for (i, f) in r.list(v, &format!("{path}.fields")).iter().enumerate() {
        let fpath = format!("{path}.fields[{i}]");
        let Some(fo) = r.object(f, &fpath) else { continue };
        let label = r.text(fo.get("text"), &format!("{fpath}.text")).unwrap_or_default();
        let identifier = if with_identifier { r.text(fo.get("identifier"), &format!("{fpath}.identifier")) } else { None };
        if let Some(value) = field_value(r, fo.get("value"), &format!("{fpath}.value")) {
            fields.push(LabelledField { identifier, label, value });
        }
    }
    fields
}

/// The newest signed offer; else the newest approved, sent, sent-manually or
/// opened one. Ties on `createdAt` go to the later offer in Lever's list.
fn read_offer(r: &mut Reader, offers: Option<&Value>) -> Option<Offer> {
    let mut best: Option<(u8, i64, usize, &Map<String, Value>)> = None;
    for (i, item) in r.list(offers, "offers").iter().enumerate() {
        let path = format!("offers[{i}]");
        let Some(o) = r.object(item, &path) else { continue };
        let status = r.text(o.get("status"), &format!("{path}.status")).unwrap_or_default();
        let rank = match status.trim() {
            "signed" => 2,
            s if UNSIGNED_USABLE.contains(&s) => 1,
            _ => continue,
        };
        let created = r.millis(o.get("createdAt"), &format!("{path}.createdAt")).unwrap_or(i64::MIN);
        if best.is_none_or(|(br, bc, bi, _)| (rank, created, i) > (br, bc, bi)) {
            best = Some((rank, created, i, o));
        }
    }
    let (_, created, i, o) = best?;
    let path = format!("offers[{i}]");
    Some(Offer {
        id: r.id(o, &path).unwrap_or_default(),
        status: r.text(o.get("status"), &format!("{path}.status")).unwrap_or_default().trim().to_string(),
        created_at: (created != i64::MIN).then_some(created),
        fields: read_fields(r, o.get("fields"), &path, true),
    })
}

/// The fields of the newest form with the given title that is not deleted.
fn read_form(r: &mut Reader, forms: Option<&Value>, title: &str) -> Option<Vec<LabelledField>> {
    let wanted = title.trim().to_lowercase();
    let mut best: Option<(i64, usize, &Map<String, Value>)> = None;
    for (i, item) in r.list(forms, "forms").iter().enumerate() {
        let path = format!("forms[{i}]");
        let Some(o) = r.object(item, &path) else { continue };
        let text = r.text(o.get("text"), &format!("{path}.text")).unwrap_or_default();
        if text.trim().to_lowercase() != wanted || o.get("deletedAt").is_some_and(|d| !d.is_null()) {
            continue;
        }
        let when = r
            .millis(o.get("completedAt"), &format!("{path}.completedAt"))
            .or_else(|| r.millis(o.get("createdAt"), &format!("{path}.createdAt")))
            .unwrap_or(i64::MIN);
        if best.is_none_or(|(bw, bi, _)| (when, i) > (bw, bi)) {
            best = Some((when, i, o));
        }
    }
    let (_, i, o) = best?;
    Some(read_fields(r, o.get("fields"), &format!("forms[{i}]"), false))
}

/// The requisition: given whole, or picked from a list by the hire's
/// `requisitionForHire`, else by the chosen offer's id in `offerIds`.
fn read_requisition(r: &mut Reader, v: Option<&Value>, for_hire: Option<&str>, offer_id: Option<&str>) -> Option<Requisition> {
    let (o, path) = match v? {
        Value::Null => return None,
        Value::Array(items) => {
            let pick = items.iter().position(|it| for_hire.is_some() && it.get("id").and_then(Value::as_str) == for_hire).or_else(|| {
                items.iter().position(|it| {
                    offer_id.is_some()
                        && it.get("offerIds").and_then(Value::as_array).is_some_and(|ids| ids.iter().any(|x| x.as_str() == offer_id))
                })
            })?;
            let path = format!("requisition[{pick}]");
            (r.object(&items[pick], &path)?, path)
        }
        other => (r.object(other, "requisition")?, "requisition".to_string()),
    };
    Some(Requisition {
        id: r.id(o, &path).unwrap_or_default(),
        name: r.text(o.get("name"), &format!("{path}.name")),
        employment_status: r.text(o.get("employmentStatus"), &format!("{path}.employmentStatus")),
    })
}

/// The posting: given whole, or picked from a list by the application's posting id.
fn read_posting(r: &mut Reader, v: Option<&Value>, posting_id: Option<&str>) -> Option<Posting> {
    let (o, path) = match v? {
        Value::Null => return None,
        Value::Array(items) => {
            let pick = items.iter().position(|it| posting_id.is_some() && it.get("id").and_then(Value::as_str) == posting_id)?;
            let path = format!("posting[{pick}]");
            (r.object(&items[pick], &path)?, path)
        }
        other => (r.object(other, "posting")?, "posting".to_string()),
    };
    let commitment = match o.get("categories") {
        None | Some(Value::Null) => None,
        Some(c) => {
            let cpath = format!("{path}.categories");
            let co = r.object(c, &cpath);
            co.and_then(|co| r.text(co.get("commitment"), &format!("{cpath}.commitment")))
        }
    };
    Some(Posting { id: r.id(o, &path).unwrap_or_default(), title: r.text(o.get("text"), &format!("{path}.text")), commitment })
}

/// The newest resume with a downloadable file; else the first file on the candidate.
fn read_resume(r: &mut Reader, resumes: Option<&Value>, files: Option<&Value>) -> Option<ResumeFile> {
    let mut best: Option<(i64, usize, ResumeFile)> = None;
    for (i, item) in r.list(resumes, "resumes").iter().enumerate() {
        let path = format!("resumes[{i}]");
        let Some(o) = r.object(item, &path) else { continue };
        let Some(file) = o.get("file").and_then(Value::as_object) else { continue };
        let status = file.get("status").and_then(Value::as_str).unwrap_or("");
        if matches!(status, "error" | "unsupported") {
            continue;
        }
        let Some(id) = r.id(o, &path) else { continue };
        let created = r.millis(o.get("createdAt"), &format!("{path}.createdAt")).unwrap_or(i64::MIN);
        if best.as_ref().is_none_or(|(bc, bi, _)| (created, i) > (*bc, *bi)) {
            let resume = ResumeFile {
                id,
                source: "resume".to_string(),
                name: r.text(file.get("name"), &format!("{path}.file.name")),
                download_url: r.text(file.get("downloadUrl"), &format!("{path}.file.downloadUrl")),
            };
            best = Some((created, i, resume));
        }
    }
    if let Some((_, _, resume)) = best {
        return Some(resume);
    }
    let list = r.list(files, "files");
    let first = list.first()?;
    let o = r.object(first, "files[0]")?;
    Some(ResumeFile {
        id: r.id(o, "files[0]")?,
        source: "file".to_string(),
        name: r.text(o.get("name"), "files[0].name"),
        download_url: r.text(o.get("downloadUrl"), "files[0].downloadUrl"),
    })
}

fn read_job_titles(r: &mut Reader, v: &Value) -> Option<Vec<JobTitle>> {
    // Accept Namely's envelope `{"job_titles": [...]}` as well as the list.
    let v = v.as_object().and_then(|o| o.get("job_titles")).unwrap_or(v);
    if v.is_null() {
        return None;
    }
    let mut titles = Vec::new();
    for (i, item) in r.list(Some(v), "namely_job_titles").iter().enumerate() {
        let path = format!("namely_job_titles[{i}]");
        let Some(o) = r.object(item, &path) else { continue };
        let id = r.id(o, &path);
        let title = r.text(o.get("title"), &format!("{path}.title"));
        if let (Some(id), Some(title)) = (id, title) {
            titles.push(JobTitle { id, title });
        }
    }
    Some(titles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::tests::options;

    /// Found by fuzzing: `"id": null` on the opportunity recorded no problem,
    /// so reading the bundle panicked ("a candidate is read whenever there
    /// are no problems"): a trap in the component.
    #[test]
    fn a_null_id_is_reported_as_missing() {
        match parse(r#"{"opportunity": {"id": null}}"#, &options()) {
            Err(MappingError::BadInput(p)) => {
                assert_eq!((p[0].path.as_str(), p[0].message.as_str()), ("opportunity.id", "is missing"), "{p:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
