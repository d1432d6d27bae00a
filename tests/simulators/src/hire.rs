//! One hired candidate's Lever records: the opportunity archived as Hired
//! (its application expanded, with posting and requisitionForHire), a
//! contact, a signed offer, a "Namely Form" profile form and a resume. Used
//! by the demo seed and by `LeverHandle::add_hire`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::lever::{Blob, LeverSeed};
use crate::rng::Rng;

/// The hired archive reason id used when a seed has none (Lever's own, as recorded).
pub const HIRED_REASON_ID: &str = "0092d31b-502b-4f0d-b4da-3827e1a2991f";

/// A home address as answered on the "Namely Form".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street line.
    pub address1: String,
    /// City.
    pub city: String,
    /// State, as the candidate wrote it (e.g. "California").
    pub state: String,
    /// Country, as written (e.g. "United States").
    pub country: String,
    /// Postal code.
    pub zip: String,
}

/// A hired candidate to put into a Lever simulator. `Default` is the demo's
/// Robert "Bob" de la Cruz; [`NewHire::numbered`] makes distinct ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewHire {
    /// Full name as in Lever (a nickname in double quotes is allowed).
    pub name: String,
    /// The candidate's emails, first one first.
    pub emails: Vec<String>,
    /// "Personal email" on the Namely Form; `None` leaves the question out.
    pub personal_email: Option<String>,
    /// Mobile phone.
    pub mobile_phone: Option<String>,
    /// Home phone.
    pub home_phone: Option<String>,
    /// LinkedIn URL, added to the links.
    pub linkedin: Option<String>,
    /// Offer `job_title`.
    pub job_title: String,
    /// Offer `employment_status`.
    pub employment_status: String,
    /// Offer `salary_amount` (annual).
    pub salary_amount: i64,
    /// Offer `salary_currency`.
    pub salary_currency: String,
    /// Offer `salary_interval`.
    pub salary_interval: String,
    /// Offer `anticipated_start_date`, epoch ms.
    pub start_date_ms: i64,
    /// When archived as Hired, epoch ms; `None` for now.
    pub archived_at_ms: Option<i64>,
    /// The Namely Form's address; `None` leaves those questions out.
    pub address: Option<Address>,
    /// Whether the opportunity is confidential.
    pub confidential: bool,
    /// Whether to attach a resume (with a small PDF download).
    pub resume: bool,
}

impl Default for NewHire {
    fn default() -> NewHire {
        NewHire {
            name: "Robert \"Bob\" de la Cruz".into(),
            emails: vec!["bob.delacruz@example.com".into()],
            personal_email: Some("bob.home@example.org".into()),
            mobile_phone: Some("+1 415 555 0100".into()),
            home_phone: Some("(415) 555-0101".into()),
            linkedin: Some("https://www.linkedin.com/in/bobdelacruz".into()),
            job_title: "Senior Software Engineer".into(),
            employment_status: "Full-time".into(),
            salary_amount: 145_000,
            salary_currency: "USD".into(),
            salary_interval: "per-year-salary".into(),
            // 2026-08-03T00:00:00Z
            start_date_ms: 1_785_715_200_000,
            archived_at_ms: Some(1_782_973_996_415),
            address: Some(Address {
                address1: "500 Market St".into(),
                city: "San Francisco".into(),
                state: "California".into(),
                country: "United States".into(),
                zip: "94105".into(),
            }),
            confidential: false,
            resume: true,
        }
    }
}

impl NewHire {
    /// A distinct hire for bulk tests: "Hire{n} Test", `hire{n}@example.com`.
    pub fn numbered(n: usize) -> NewHire {
        NewHire {
            name: format!("Hire{n} Test"),
            emails: vec![format!("hire{n}@example.com")],
            personal_email: Some(format!("hire{n}.home@example.org")),
            linkedin: None,
            archived_at_ms: None,
            ..NewHire::default()
        }
    }
}

/// The ids of one hire's records.
#[derive(Debug, Clone)]
pub(crate) struct HireIds {
    pub(crate) opportunity: String,
    pub(crate) application: String,
    pub(crate) contact: String,
    pub(crate) offer: String,
    pub(crate) form: String,
    pub(crate) resume: String,
}

impl HireIds {
    /// Fresh ids from the simulator's seeded RNG.
    pub(crate) fn random(rng: &mut Rng) -> HireIds {
        HireIds {
            opportunity: rng.uuid(),
            application: rng.uuid(),
            contact: rng.uuid(),
            offer: rng.uuid(),
            form: rng.uuid(),
            resume: rng.uuid(),
        }
    }
}

/// A small, well-formed one-page PDF naming the candidate.
pub fn resume_pdf(name: &str) -> Vec<u8> {
    let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').collect();
    format!(
        "%PDF-1.4\n% Resume of {name}\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
         3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n\
         trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

fn first_id(list: &[Value]) -> Option<String> {
    list.first().and_then(|v| v.get("id")).and_then(Value::as_str).map(str::to_string)
}

/// Add `hire`'s records to `data`, linked to the seed's hired archive reason
/// (added if missing), first user, first posting and first requisition.
pub(crate) fn add(data: &mut LeverSeed, ids: &HireIds, hire: &NewHire, now: i64) {
    let hired =
        data.archive_reasons.iter().find(|r| r["type"] == "hired").and_then(|r| r["id"].as_str()).map(str::to_string);
    let hired = hired.unwrap_or_else(|| {
        data.archive_reasons.push(json!({"id": HIRED_REASON_ID, "text": "Hired", "status": "active", "type": "hired"}));
        HIRED_REASON_ID.to_string()
    });
    let user = first_id(&data.users).unwrap_or_else(|| "00000000-0000-4000-8000-000000000000".into());
    let posting = first_id(&data.postings);
    let requisition = data.requisitions.first_mut();
    let requisition_for_hire = requisition.as_ref().map(|r| {
        json!({"id": r["id"], "requisitionCode": r.get("requisitionCode").cloned().unwrap_or(Value::Null), "hiringManagerOnHire": user})
    });
    if let Some(r) = requisition {
        if let Some(offers) = r.get_mut("offerIds").and_then(Value::as_array_mut) {
            offers.push(json!(ids.offer));
        }
    }
    let archived_at = hire.archived_at_ms.unwrap_or(now);
    let created = archived_at - 30 * 86_400_000;
    let archived = json!({ "reason": hired, "archivedAt": archived_at });
    let location = "San Francisco, CA";

    let mut phones = Vec::new();
    if let Some(p) = &hire.mobile_phone {
        phones.push(json!({"type": "mobile", "value": p}));
    }
    if let Some(p) = &hire.home_phone {
        phones.push(json!({"type": "home", "value": p}));
    }
    let links: Vec<&String> = hire.linkedin.iter().collect();
    let application = json!({
        "id": ids.application, "type": "posting", "candidateId": ids.opportunity, "opportunityId": ids.opportunity,
        "posting": posting, "postingHiringManager": user, "postingOwner": user,
        "name": null, "company": null, "phone": null, "email": null, "links": [], "comments": null,
        "user": null, "customQuestions": [], "createdAt": created, "archived": archived,
        "requisitionForHire": requisition_for_hire,
        "ipAddress": null, "referer": null, "userAgent": null, "acceptLanguage": null, "timezone": null,
    });
    data.opportunities.push(json!({
        "id": ids.opportunity, "name": hire.name, "contact": ids.contact, "headline": "",
        "stage": "offer", "confidentiality": if hire.confidential { "confidential" } else { "non-confidential" },
        "location": location, "phones": phones, "emails": hire.emails, "links": links,
        "archived": archived, "tags": [], "sources": ["Referral"],
        "stageChanges": [{"toStageId": "offer", "toStageIndex": 9, "updatedAt": archived_at - 86_400_000, "userId": user}],
        "origin": "sourced", "sourcedBy": user, "owner": user, "followers": [user],
        "applications": [application], "createdAt": created, "updatedAt": archived_at,
        "lastInteractionAt": archived_at, "lastAdvancedAt": archived_at - 86_400_000, "snoozedUntil": null,
        "urls": {"list": "https://hire.lever.co/candidates", "show": format!("https://hire.lever.co/candidates/{}", ids.opportunity)},
        "isAnonymized": false, "dataProtection": null, "opportunityLocation": location,
    }));
    data.contacts.push(json!({
        "id": ids.contact, "name": hire.name, "headline": "", "isAnonymized": false,
        "location": {"name": location}, "emails": hire.emails, "phones": phones,
    }));

    let field =
        |text: &str, identifier: &str, value: Value| json!({"text": text, "identifier": identifier, "value": value});
    let mut fields = vec![
        field("Anticipated start date", "anticipated_start_date", json!(hire.start_date_ms)),
        field("Job title", "job_title", json!(hire.job_title)),
        field("Employment status", "employment_status", json!(hire.employment_status)),
        field("Salary", "salary_amount", json!(hire.salary_amount)),
        field("Salary currency", "salary_currency", json!(hire.salary_currency)),
        field("Salary interval", "salary_interval", json!(hire.salary_interval)),
    ];
    if let Some(p) = &posting {
        fields.push(field("Job posting", "job_posting", json!(p)));
    }
    let signed = archived_at - 2 * 86_400_000;
    let document = |suffix: &str| {
        json!({"fileName": format!("Offer Letter{suffix}.pdf"), "uploadedAt": signed,
               "downloadUrl": format!("https://lever-sim.invalid/offers/{}/download", ids.offer)})
    };
    data.offers.entry(ids.opportunity.clone()).or_default().push(json!({
        "id": ids.offer, "posting": posting, "createdAt": signed - 86_400_000, "status": "signed", "creator": user,
        "fields": fields, "sentDocument": document(""), "signedDocument": document(" (signed)"),
    }));

    let question = |kind: &str, text: &str, value: &str| json!({"type": kind, "text": text, "description": "", "required": false, "value": value});
    let mut answers = Vec::new();
    if let Some(p) = &hire.personal_email {
        answers.push(question("text", "Personal email", p));
    }
    if let Some(a) = &hire.address {
        answers.push(question("text", "Address 1", &a.address1));
        answers.push(question("text", "City", &a.city));
        answers.push(question("dropdown", "State", &a.state));
        answers.push(question("dropdown", "Country", &a.country));
        answers.push(question("text", "Zip", &a.zip));
    }
    data.forms.entry(ids.opportunity.clone()).or_default().push(json!({
        "id": ids.form, "type": "form", "text": "Namely Form", "baseTemplateId": "namely-form-template",
        "stage": "offer", "user": user, "instructions": "", "createdAt": signed, "completedAt": signed + 3_600_000,
        "deletedAt": null, "fields": answers,
    }));

    if hire.resume {
        let plain: String = hire.name.replace('"', "");
        let bytes = resume_pdf(&plain);
        data.resumes.entry(ids.opportunity.clone()).or_default().push(json!({
            "id": ids.resume, "createdAt": created,
            "file": {"name": format!("{plain} - Resume.pdf"), "ext": "pdf", "uploadedAt": created, "status": "processed", "size": bytes.len()},
            "parsedData": {"positions": [], "schools": []},
        }));
        data.resume_bytes.insert(ids.resume.clone(), Blob::from_bytes(&bytes));
    }
}
