//! The sync: gather what Lever knows about a hire, map it, and create the
//! Namely record exactly once.
//!
//! Requests go out in waves of concurrent calls, so a full sync costs five
//! round trips: (1) the opportunity and the archive reasons; (2) offers,
//! forms, resumes, files, notes, requisition, posting and Namely's job titles;
//! (3) the existing-profile lookups and the resume download; (4) the profile
//! and the resume upload; (5) attaching the resume and the Lever note.

pub mod api;
pub mod lever;
pub mod namely;
pub mod note;
pub mod settings;
pub mod transport;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "wasm32")]
pub mod wasi;

use futures_concurrency::future::Join;

use crate::bindings::exports::lever_namely::plugin::sync::{Created, ExistingProfile, Failure, SyncOutcome, SyncPlan};
use crate::bundle;
use crate::mapping;
use crate::types::{Mapping, MappingError, NamelyContext, RecordType, ResumeFile, Warning};
use api::{Api, CallError, Client};
use namely::Found;
use settings::Settings;
use transport::Transport;

/// Why a sync stopped before writing.
enum Stop {
    NotHired(String),
    Failed(Failure),
}

fn failure(reason: String, retryable: bool) -> Stop {
    Stop::Failed(Failure { reason, retryable, note_posted: false })
}

impl From<CallError> for Stop {
    fn from(e: CallError) -> Self {
        failure(e.reason(), e.retryable())
    }
}

/// Everything known before anything is written.
enum Prepared {
    /// The hire is already in Namely; the mapping is there unless the data
    /// has since become unmappable (a hire synced before is still done).
    Existing { existing: ExistingProfile, mapping: Option<Mapping> },
    /// The hire is to be created. The resume, and in a run its download,
    /// which went out with the lookups.
    New { mapping: Mapping, resume: Option<(ResumeFile, Option<Download>)> },
}

/// A downloaded file and its content type.
type Download = Result<(Vec<u8>, Option<String>), CallError>;

fn record_words(r: RecordType) -> (&'static str, &'static str) {
    match r {
        RecordType::Hris => ("hris", "HRIS record"),
        RecordType::Onboarding => ("onboarding", "Onboarding draft"),
    }
}

/// Waves 1 to 3: read, map, look for the hire in Namely. With `fetch_resume`
/// (a run), the resume download goes out with the lookups, one wave rather
/// than two; it is wasted only when the hire turns out to be in Namely.
async fn prepare<T: Transport>(c: &Client<'_, T>, id: &str, fetch_resume: bool) -> Result<Prepared, Stop> {
    let (opportunity, reasons) = c.lever_opportunity(id).await.map_err(|e| match e.status() {
        Some(404) => failure(format!("Lever has no opportunity {id} (404); check the opportunity id."), false),
        _ => Stop::from(e),
    })?;
    // Not hired: stop before reading anything else.
    let quick = serde_json::json!({ "opportunity": opportunity, "archive_reasons": reasons });
    match bundle::from_value(&quick, &c.settings.options) {
        Ok(b) if !b.candidate.hired => return Err(Stop::NotHired(format!("opportunity {id} is not hired: {}", b.hire_status))),
        Ok(_) => {}
        Err(e) => return Err(failure(format!("Lever's opportunity could not be read: {}", mapping_error_text(&e)), false)),
    }
    let (details, titles) = (c.lever_details(id, opportunity, reasons), c.namely_job_titles()).join().await;
    let (bundle_value, notes) = details?;
    let titles = titles?;
    let b = bundle::from_value(&bundle_value, &c.settings.options)
        .map_err(|e| failure(format!("Lever's data for this hire could not be read: {}", mapping_error_text(&e)), false))?;
    let recorded = note::recorded_namely_id(&notes);
    let lever_note = |id: String| ExistingProfile { namely_id: id, matched_by: "lever-note".into() };
    let mapping = match mapping::map_candidate(&b.candidate, &NamelyContext { job_titles: Some(titles) }, &c.settings.options) {
        Ok(m) => m,
        Err(e) => {
            return match recorded {
                Some(id) => Ok(Prepared::Existing { existing: lever_note(id), mapping: None }),
                None => Err(failure(mapping_error_text(&e), false)),
            };
        }
    };
    let fetch = fetch_resume && recorded.is_none();
    let resume = b.candidate.resume;
    let lookup = async {
        match recorded {
            Some(id) => Ok(Some(lever_note(id))),
            None => c
                .namely_find(&mapping.profile.email, mapping.profile.personal_email.as_deref())
                .await
                .map(|found| found.map(|Found { id, matched_by }| ExistingProfile { namely_id: id, matched_by: matched_by.into() })),
        }
    };
    let download = async {
        match &resume {
            Some(r) if fetch => Some(c.lever_download(id, &r.source, &r.id).await),
            _ => None,
        }
    };
    let (existing, downloaded) = (lookup, download).join().await;
    Ok(match existing? {
        Some(existing) => Prepared::Existing { existing, mapping: Some(mapping) },
        None => Prepared::New { mapping, resume: resume.map(|r| (r, downloaded)) },
    })
}

/// A mapping error in one paragraph.
pub fn mapping_error_text(e: &MappingError) -> String {
    match e {
        MappingError::BadInput(p) => p.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; "),
        MappingError::MissingFields(f) => format!(
            "required Namely fields are missing: {}. Fill them in Lever (e.g. on the \"Namely Form\") and sync again.",
            f.iter().map(|f| format!("{} (looked in {})", f.field, f.looked_in.join("; "))).collect::<Vec<_>>().join("; ")
        ),
        MappingError::BadOption(p) => format!("the setting {} is not valid: {}", p.path, p.message),
        MappingError::NotHired(why) => why.clone(),
    }
}

/// What `run` would do, writing nothing.
pub async fn plan<T: Transport>(t: &T, s: &Settings, id: &str) -> SyncPlan {
    let c = Client { transport: t, settings: s };
    let mut plan = SyncPlan { opportunity_id: id.into(), mapping: None, existing: None, steps: vec![], outcome: String::new(), reason: None };
    match prepare(&c, id, false).await {
        Err(Stop::NotHired(why)) => {
            plan.outcome = "not-hired".into();
            plan.reason = Some(why);
        }
        Err(Stop::Failed(f)) => {
            plan.outcome = "would-fail".into();
            plan.reason = Some(f.reason);
        }
        Ok(Prepared::Existing { existing, mapping }) => {
            plan.outcome = "already-synced".into();
            if existing.matched_by != "lever-note" {
                plan.steps.push(format!(
                    "Post a note on the Lever candidate recording the existing Namely profile {} (POST {}/opportunities/{id}/notes)",
                    existing.namely_id, s.lever_base
                ));
            }
            plan.existing = Some(existing);
            plan.mapping = mapping;
        }
        Ok(Prepared::New { mapping, resume }) => {
            plan.outcome = "would-create".into();
            let (_, words) = record_words(s.options.record_type);
            if let Some((r, _)) = &resume {
                let name = r.name.clone().unwrap_or_else(|| r.id.clone());
                plan.steps.push(format!("Download the resume \"{name}\" from Lever and upload it to Namely (POST {}/files)", s.namely_base));
            }
            plan.steps.push(format!("Create a Namely {words} (POST {}/profiles) with the request shown", s.namely_base));
            if resume.is_some() {
                plan.steps.push(format!("Attach the uploaded resume to the new profile (PUT {}/profiles/{{id}})", s.namely_base));
            }
            plan.steps.push(format!(
                "Post a note with the Namely ID, a link and every warning on the Lever candidate (POST {}/opportunities/{id}/notes)",
                s.lever_base
            ));
            plan.mapping = Some(mapping);
        }
    }
    plan
}

/// Sync one opportunity.
pub async fn run<T: Transport>(t: &T, s: &Settings, id: &str) -> SyncOutcome {
    let c = Client { transport: t, settings: s };
    let (mapping, resume) = match prepare(&c, id, true).await {
        Ok(Prepared::New { mapping, resume }) => (mapping, resume),
        Ok(Prepared::Existing { existing, .. }) => {
            if existing.matched_by != "lever-note" {
                // Found in Namely but never noted in Lever (an earlier sync was
                // cut short, or someone created it by hand): record it, once.
                let url = profile_url(s, &existing.namely_id);
                let text = note::synced(&format!("existing Namely profile found by {}", existing.matched_by), &existing.namely_id, &url, &[]);
                let _ = post_note_once(&c, id, &text).await;
            }
            return SyncOutcome::AlreadySynced(existing);
        }
        Err(Stop::NotHired(why)) => return SyncOutcome::NotHired(why),
        Err(Stop::Failed(mut f)) => {
            if s.failure_notes && !f.retryable {
                f.note_posted = post_failure_note(&c, id, &f.reason).await;
            }
            return SyncOutcome::Failed(f);
        }
    };
    let (kind, words) = record_words(s.options.record_type);
    // Wave 3 ran in prepare: the lookups and the resume download together.
    let resume = match resume {
        Some((r, Some(got))) => Some((r, got)),
        Some((r, None)) => {
            let got = c.lever_download(id, &r.source, &r.id).await;
            Some((r, got))
        }
        None => None,
    };
    // Wave 4: create the profile and upload the resume at once.
    let upload = async {
        match resume {
            Some((r, Ok((bytes, ct)))) => {
                let name = r.name.clone().unwrap_or_else(|| format!("resume-{}", r.id));
                let ct = ct.unwrap_or_else(|| "application/octet-stream".into());
                // Repeating an upload whose answer was lost can at worst leave
                // an unattached file in Namely, never a second profile; a
                // resume missing from the profile is the worse outcome.
                Some(c.retrying(Api::Namely, "resume upload", async || c.namely_upload(&name, &ct, bytes.clone()).await).await)
            }
            Some((_, Err(e))) => Some(Err(e)),
            None => None,
        }
    };
    let (created, uploaded) = (create_once(&c, &mapping), upload).join().await;
    let namely_id = match created {
        Ok(id) => id,
        Err(e) => {
            let mut f = Failure { reason: e.reason(), retryable: e.retryable(), note_posted: false };
            if s.failure_notes && !f.retryable {
                f.note_posted = post_failure_note(&c, id, &f.reason).await;
            }
            return SyncOutcome::Failed(f);
        }
    };
    let mut warnings = mapping.warnings.clone();
    let file_id = match uploaded {
        Some(Ok(file_id)) => Some(file_id),
        Some(Err(e)) => {
            warnings.push(Warning {
                code: "resume_upload_failed".into(),
                field: "resume".into(),
                message: format!("The resume could not be copied to Namely ({}); attach it in Namely by hand.", e.reason()),
            });
            None
        }
        None => None,
    };
    // Wave 5: attach the resume and post the note.
    let url = profile_url(s, &namely_id);
    let attach = async {
        match &file_id {
            // Setting the profile's resume is idempotent: safe to repeat.
            Some(f) => c.retrying(Api::Namely, "resume attach", async || c.namely_set_resume(&namely_id, f).await).await.err(),
            None => None,
        }
    };
    let note_text = note::synced(&format!("{words} created"), &namely_id, &url, &warnings);
    let (attach_error, note_posted) = (attach, post_note_once(&c, id, &note_text)).join().await;
    let mut resume_file_id = file_id.clone();
    if let Some(e) = attach_error {
        resume_file_id = None;
        warnings.push(Warning {
            code: "resume_upload_failed".into(),
            field: "resume".into(),
            message: format!("The resume was uploaded but could not be attached to the profile ({}).", e.reason()),
        });
    }
    SyncOutcome::Created(Created { namely_id, profile_url: url, record_type: kind.into(), resume_file_id, note_posted, warnings })
}

fn profile_url(s: &Settings, namely_id: &str) -> String {
    format!("{}/people/{namely_id}", s.namely_web_root())
}

/// POST /profiles, never blindly twice: after a timeout, a dropped
/// connection or a 5xx the profile may exist, so look for it first.
async fn create_once<T: Transport>(c: &Client<'_, T>, m: &Mapping) -> Result<String, CallError> {
    let mut attempt = 1;
    loop {
        let err = match c.namely_create(&m.request_json).await {
            Ok(id) => return Ok(id),
            Err(e) => e,
        };
        let unknown = match &err {
            CallError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 406,
            CallError::Transport { error, .. } => !matches!(error, transport::TransportError::Denied(_)),
            CallError::BadBody { .. } => true,
        };
        if !unknown || attempt >= c.settings.max_attempts {
            return Err(err);
        }
        c.transport.sleep(api::backoff(c.settings.base_delay, c.settings.max_delay, attempt, "create")).await;
        if let Some(found) = c.namely_lookup(&m.profile.email, m.profile.personal_email.as_deref()).await? {
            return Ok(found.id);
        }
        attempt += 1;
    }
}

/// Post a note unless the same text is already there; after an unclear
/// failure, look again before posting again. Returns whether it is there.
async fn post_note_once<T: Transport>(c: &Client<'_, T>, id: &str, text: &str) -> bool {
    let notes_path = format!("/opportunities/{}/notes", lever::encode(id));
    let mut attempt = 1;
    loop {
        match c.lever_post_note(id, text).await {
            Ok(()) => return true,
            Err(e) if !e.retryable() || attempt >= c.settings.max_attempts => return false,
            Err(_) => {}
        }
        c.transport.sleep(api::backoff(c.settings.base_delay, c.settings.max_delay, attempt, "note")).await;
        if let Ok(notes) = c.lever_list("the notes", &notes_path, true).await {
            if note::has_note(&notes, text) {
                return true;
            }
        }
        attempt += 1;
    }
}

async fn post_failure_note<T: Transport>(c: &Client<'_, T>, id: &str, reason: &str) -> bool {
    let text = note::failed(reason);
    let notes_path = format!("/opportunities/{}/notes", lever::encode(id));
    if let Ok(notes) = c.lever_list("the notes", &notes_path, true).await {
        if note::has_note(&notes, &text) {
            return true;
        }
    }
    post_note_once(c, id, &text).await
}

/// The component's entry points: settings from `wasi:config/store`, HTTP over `wasi:http`.
#[cfg(target_arch = "wasm32")]
pub mod entry {
    use super::*;

    fn settings() -> Result<Settings, String> {
        Settings::read(|k| crate::bindings::wasi::config::store::get(k).ok().flatten())
    }

    pub fn plan(id: &str) -> SyncPlan {
        match settings() {
            Ok(s) => wstd::runtime::block_on(async { super::plan(&wasi::WasiTransport::new(s.timeout), &s, id).await }),
            Err(reason) => SyncPlan {
                opportunity_id: id.into(),
                mapping: None,
                existing: None,
                steps: vec![],
                outcome: "would-fail".into(),
                reason: Some(reason),
            },
        }
    }

    pub fn run(id: &str) -> SyncOutcome {
        match settings() {
            Ok(s) => wstd::runtime::block_on(async { super::run(&wasi::WasiTransport::new(s.timeout), &s, id).await }),
            Err(reason) => SyncOutcome::Failed(Failure { reason, retryable: false, note_posted: false }),
        }
    }
}
