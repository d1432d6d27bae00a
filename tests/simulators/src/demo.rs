//! The demo seed: one hired candidate in Lever, with everything a sync reads,
//! and a Namely tenant ready to receive them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::faults::FaultPlan;
use crate::hire::{self, HireIds, NewHire, HIRED_REASON_ID};
use crate::lever::LeverSeed;
use crate::namely::{NamelySeed, TokenSeed};

/// The demo hire's opportunity id.
pub const DEMO_OPPORTUNITY_ID: &str = "7f1c2b3a-0b0b-4d1a-8c2a-de1acc0b0001";
/// The demo's Lever API key.
pub const DEMO_LEVER_API_KEY: &str = "lever-demo-api-key";
/// The demo's Namely admin token.
pub const DEMO_NAMELY_TOKEN: &str = "namely-demo-admin-token";

const RECRUITER: &str = "a11ce000-0000-4000-8000-000000000001";
const POSTING: &str = "b0571000-0000-4000-8000-000000000001";
const REQUISITION: &str = "5e90e000-0000-4000-8000-000000000001";

/// A seed file for the standalone binary: `{"lever": …, "namely": …, "faults": …}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulatorsSeed {
    /// The Lever simulator's seed.
    pub lever: LeverSeed,
    /// The Namely simulator's seed.
    pub namely: NamelySeed,
    /// Knobs applied to both simulators at start (`profiles_per_minute` concerns Namely only).
    pub faults: FaultPlan,
}

impl SimulatorsSeed {
    /// The demo seed for both simulators.
    pub fn demo() -> SimulatorsSeed {
        SimulatorsSeed { lever: demo_lever_seed(), namely: demo_namely_seed(), faults: FaultPlan::default() }
    }
}

/// Lever's default stages (recorded get-stages, trimmed).
fn stages() -> Vec<Value> {
    [
        ("lead-new", "New lead"),
        ("lead-reached-out", "Reached out"),
        ("lead-responded", "Responded"),
        ("applicant-new", "New applicant"),
        ("offer", "Offer"),
    ]
    .iter()
    .map(|(id, text)| json!({"id": id, "text": text}))
    .collect()
}

/// The Lever half of the demo: Robert "Bob" de la Cruz, hired.
pub fn demo_lever_seed() -> LeverSeed {
    let reason = |id: &str, text: &str, kind: &str| json!({"id": id, "text": text, "status": "active", "type": kind});
    let mut seed = LeverSeed {
        api_key: DEMO_LEVER_API_KEY.into(),
        default_user: Some(RECRUITER.into()),
        archive_reasons: vec![
            reason("08168d73-d2aa-4f11-898b-2d1c57f1662a", "Position filled", "non-hired"),
            reason("6039b390-1ce0-4edf-901c-b71dcf7894e1", "Withdrew", "non-hired"),
            reason(HIRED_REASON_ID, "Hired", "hired"),
            reason("a700d50e-dfe4-40bb-9069-a64f2d4f70f5", "Offer declined", "non-hired"),
        ],
        users: vec![json!({
            "id": RECRUITER, "name": "Priya Raman", "username": "priya", "email": "priya.raman@acme.example",
            "accessRole": "admin", "photo": null, "createdAt": 1_700_000_000_000i64, "deactivatedAt": null,
            "externalDirectoryId": null, "linkedContactIds": null, "jobTitle": "Recruiter", "managerId": null,
        })],
        postings: vec![json!({
            "id": POSTING, "text": "Senior Software Engineer", "state": "published", "distributionChannels": ["public", "internal"],
            "user": RECRUITER, "owner": RECRUITER, "hiringManager": RECRUITER,
            "categories": {"commitment": "Full-time", "department": "Research & Development", "level": null,
                           "location": "San Francisco, CA", "team": "Engineering", "allLocations": ["San Francisco, CA"]},
            "tags": [], "content": {"description": "Build the things.", "descriptionHtml": "<div>Build the things.</div>",
                                    "lists": [], "closing": "", "closingHtml": ""},
            "country": "US", "followers": [RECRUITER], "reqCode": null, "requisitionCodes": ["ENG-042"],
            "urls": {"list": "https://jobs.lever.co/acme", "show": format!("https://jobs.lever.co/acme/{POSTING}"),
                     "apply": format!("https://jobs.lever.co/acme/{POSTING}/apply")},
            "confidentiality": "non-confidential", "createdAt": 1_780_000_000_000i64, "updatedAt": 1_780_000_000_000i64,
            "workplaceType": "hybrid",
        })],
        requisitions: vec![json!({
            "id": REQUISITION, "createdAt": 1_779_000_000_000i64, "confidentiality": "non-confidential", "status": "open",
            "name": "Senior Software Engineer", "requisitionCode": "ENG-042", "headcountTotal": 2, "headcountHired": 1,
            "headcountInfinite": false, "backfill": false, "creator": RECRUITER, "owner": RECRUITER, "hiringManager": RECRUITER,
            "internalNotes": "", "compensationBand": {"currency": "USD", "interval": "per-year-salary", "min": 130000, "max": 170000},
            "approval": {"steps": []}, "employmentStatus": "full-time", "location": "San Francisco, CA", "team": "Engineering",
            "department": "Research & Development", "postings": [POSTING], "offerIds": [], "timeToFillStartAt": null,
            "timeToFillEndAt": null, "updatedAt": 1_779_000_000_000i64, "customFields": {}, "closedAt": null,
        })],
        stages: stages(),
        ..LeverSeed::default()
    };
    let id = |n: u8| format!("7f1c2b3a-0b0b-4d1a-8c2a-de1acc0b000{n}");
    let ids =
        HireIds { opportunity: id(1), application: id(2), contact: id(3), offer: id(4), form: id(5), resume: id(6) };
    hire::add(&mut seed, &ids, &NewHire::default(), 1_782_973_996_415);
    seed
}

/// The Namely half of the demo: matching job titles and one admin token, no profiles.
pub fn demo_namely_seed() -> NamelySeed {
    let title = |n: u8, title: &str| {
        json!({"id": format!("10b71000-0000-4000-8000-00000000000{n}"), "title": title,
               "parent_id": "71e50000-0000-4000-8000-000000000001"})
    };
    NamelySeed {
        // No profiles: a sync test expects Namely to hold exactly what it created.
        profiles: vec![],
        job_titles: vec![
            title(1, "Senior Software Engineer"),
            title(2, "Software Engineer"),
            title(3, "Recruiter"),
            title(4, "Account Executive"),
        ],
        tokens: vec![TokenSeed { token: DEMO_NAMELY_TOKEN.into(), admin: true, active: true, profile_id: None }],
        files: vec![],
    }
}
