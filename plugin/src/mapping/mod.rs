//! The mapping rules: a [`HiredCandidate`] becomes a Namely profile.
//!
//! Which Lever object wins, highest first: the "Namely Form", the chosen offer,
//! the requisition, the posting, the candidate. A rule that cannot be applied
//! leaves a [`Warning`] with a stable code; nothing is dropped silently. Missing
//! required fields give no request at all.

pub mod dates;
pub mod employment;
pub mod labels;
pub mod names;
pub mod places;
mod request;

use chrono_tz::Tz;

use crate::bundle;
use crate::types::{
    Address, FieldValue, HiredCandidate, InputProblem, JobTitleRef, LabelledField, MapOptions, Mapping, MappingError,
    MissingField, NamelyContext, NamelyProfile, PhoneKind, RecordType, Salary, Warning,
};
use labels::{by_identifier, by_label, text_of};

/// Currencies a salary may be sent in when none are configured: Namely's API
/// documents USD as the only valid `currency_type`.
pub const DEFAULT_SALARY_CURRENCIES: &[&str] = &["USD"];

/// The offer fields we read, with their default identifiers.
pub const OFFER_IDENTIFIERS: &[&str] =
    &["job_title", "employment_status", "anticipated_start_date", "salary_amount", "salary_interval", "salary_currency"];

/// Labels of the Namely Form (and, where noted, offer) fields we read.
mod label {
    pub const FIRST: &[&str] = &["First name"];
    pub const MIDDLE: &[&str] = &["Middle name"];
    pub const LAST: &[&str] = &["Last name"];
    pub const PREFERRED: &[&str] = &["Preferred name"];
    pub const EMAIL: &[&str] = &["Work email", "Email"];
    pub const PERSONAL_EMAIL: &[&str] = &["Personal email"];
    pub const MOBILE: &[&str] = &["Mobile phone"];
    pub const HOME_PHONE: &[&str] = &["Home phone"];
    pub const LINKEDIN: &[&str] = &["LinkedIn URL", "LinkedIn"];
    pub const START: &[&str] = &["Start date", "Anticipated start date"];
    pub const JOB_TITLE: &[&str] = &["Job title", "Title"];
    pub const EMPLOYEE_TYPE: &[&str] = &["Employment type", "Employee type"];
    pub const SALARY: &[&str] = &["Salary", "Base salary", "Salary amount"];
    pub const INTERVAL: &[&str] = &["Salary interval", "Pay frequency"];
    pub const CURRENCY: &[&str] = &["Salary currency", "Currency"];
    pub const ADDRESS1: &[&str] = &["Address 1"];
    pub const ADDRESS2: &[&str] = &["Address 2"];
    pub const CITY: &[&str] = &["City"];
    pub const STATE: &[&str] = &["State"];
    pub const COUNTRY: &[&str] = &["Country"];
    pub const ZIP: &[&str] = &["Zip", "Postal code"];
}

/// `candidate-from-bundle`, then `map-candidate` with the bundle's job titles.
pub fn map_bundle(json: &str, options: &MapOptions) -> Result<Mapping, MappingError> {
    let b = bundle::parse(json, options)?;
    if !b.candidate.hired {
        return Err(not_hired(&b.candidate, &b.hire_status));
    }
    map_candidate(&b.candidate, &NamelyContext { job_titles: b.job_titles }, options)
}

fn not_hired(c: &HiredCandidate, why: &str) -> MappingError {
    let why = if why.is_empty() { "it is not archived with the Hired reason" } else { why };
    MappingError::NotHired(format!("opportunity {} is not hired: {why}", c.opportunity_id))
}

/// Map a hired candidate to a Namely profile and its exact request body.
pub fn map_candidate(c: &HiredCandidate, ctx: &NamelyContext, o: &MapOptions) -> Result<Mapping, MappingError> {
    let tz = check_options(o)?;
    if !c.hired {
        return Err(not_hired(c, ""));
    }
    let mut m = Mapper { c, o, tz, warnings: Vec::new(), missing: Vec::new() };
    if let Some(offer) = &c.offer {
        if offer.status != "signed" {
            m.warn("offer_not_signed", "offer", format!(
                "No signed offer was found, so the newest offer with status \"{}\" ({}) was used; check its terms before the record is finalised.",
                offer.status, offer.id
            ));
        }
    }
    let profile = m.profile(ctx);
    if !m.missing.is_empty() {
        return Err(MappingError::MissingFields(m.missing));
    }
    let profile = profile.expect("a profile is built whenever no required field is missing");
    Ok(Mapping { record_type: o.record_type, request_json: request::body(&profile), profile, warnings: m.warnings })
}

/// Validate the options; returns the time zone.
fn check_options(o: &MapOptions) -> Result<Tz, MappingError> {
    let problem = |path: &str, message: String| MappingError::BadOption(InputProblem { path: path.into(), message });
    for (field, identifier) in &o.offer_identifiers {
        if !OFFER_IDENTIFIERS.contains(&field.as_str()) {
            return Err(problem("mapping.offer_identifiers", format!(
                "\"{field}\" is not an offer field we read; use one of {}", OFFER_IDENTIFIERS.join(", "))));
        }
        if identifier.trim().is_empty() {
            return Err(problem("mapping.offer_identifiers", format!("the identifier for \"{field}\" is empty")));
        }
    }
    for (lever, namely) in &o.employee_types {
        if labels::normalize(lever).is_empty() || namely.trim().is_empty() {
            return Err(problem("mapping.employee_types", format!(
                "\"{lever}\" = \"{namely}\" needs both a Lever text and a Namely type, e.g. \"Seasonal\" = \"Freelance\"")));
        }
    }
    for cur in &o.salary_currencies {
        if cur.trim().len() != 3 || !cur.trim().chars().all(|ch| ch.is_ascii_alphabetic()) {
            return Err(problem("mapping.salary_currencies", format!("\"{cur}\" is not an ISO 4217 code such as USD")));
        }
    }
    match o.timezone.as_deref().map(str::trim) {
        None | Some("") => Ok(chrono_tz::UTC),
        Some(name) => dates::parse_timezone(name).map_err(|m| problem("timezone", m)),
    }
}

/// One mapping in progress.
struct Mapper<'a> {
    c: &'a HiredCandidate,
    o: &'a MapOptions,
    tz: Tz,
    warnings: Vec<Warning>,
    missing: Vec<MissingField>,
}

impl<'a> Mapper<'a> {
    fn warn(&mut self, code: &str, field: &str, message: String) {
        self.warnings.push(Warning { code: code.into(), field: field.into(), message });
    }

    fn form(&self, labels: &[&str]) -> Option<&'a LabelledField> {
        self.c.namely_form.as_deref().and_then(|f| by_label(f, labels))
    }

    fn form_text(&self, labels: &[&str]) -> Option<String> {
        self.form(labels).map(|f| text_of(&f.value))
    }

    /// An offer field: by identifier (configured, else default) first, then by label.
    fn offer(&self, key: &str, labels: &[&str]) -> Option<&'a LabelledField> {
        let offer = self.c.offer.as_ref()?;
        let id = self.o.offer_identifiers.iter().find(|(k, _)| k == key).map_or(key, |(_, v)| v.trim());
        by_identifier(&offer.fields, id).or_else(|| by_label(&offer.fields, labels))
    }

    /// "Namely Form field(s) "A", "B"" with what was found, for error messages.
    fn form_place(&self, labels: &[&str]) -> String {
        let list = labels.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(" / ");
        let form = self.o.form_title.as_deref().unwrap_or(bundle::DEFAULT_FORM_TITLE);
        match &self.c.namely_form {
            None => format!("profile form \"{form}\" field {list} (no such form)"),
            Some(_) => format!("profile form \"{form}\" field {list} (empty or absent)"),
        }
    }

    fn profile(&mut self, ctx: &NamelyContext) -> Option<NamelyProfile> {
        let split = names::split(&self.c.name);
        let first = self.form_text(label::FIRST).or(split.first.clone());
        let middle = self.form_text(label::MIDDLE).or(split.middle.clone());
        let last = self.form_text(label::LAST).or(split.last.clone());
        let preferred = self.form_text(label::PREFERRED).or(split.nickname.clone());
        if first.is_none() {
            let place = self.form_place(label::FIRST);
            self.missing("first_name", vec![place, format!("candidate name \"{}\" (empty)", self.c.name)]);
        }
        if last.is_none() {
            let place = self.form_place(label::LAST);
            let why = if split.first.is_some() { "one word gives only a first name" } else { "empty" };
            self.missing("last_name", vec![place, format!("candidate name \"{}\" ({why})", self.c.name.trim())]);
        }

        let email = self.email("email", label::EMAIL);
        let personal_email = self.email("personal_email", label::PERSONAL_EMAIL);
        let start_date = self.start_date();
        let onboarding = self.o.record_type == RecordType::Onboarding;
        if onboarding && personal_email.is_none() {
            let place = self.form_place(label::PERSONAL_EMAIL);
            self.missing("personal_email", vec![place, self.candidate_emails_place(), "(required for an Onboarding record)".into()]);
        }
        if onboarding && start_date.is_none() {
            let place = self.form_place(label::START);
            self.missing("start_date", vec![place, "offer field anticipated_start_date / \"Start date\"".into(),
                "the date archived as Hired (absent)".into(), "(required for an Onboarding record)".into()]);
        }

        let mobile_phone = self.form_text(label::MOBILE).or_else(|| {
            self.phone(PhoneKind::Mobile).or_else(|| self.phone(PhoneKind::Other))
        });
        let home_phone = self.form_text(label::HOME_PHONE).or_else(|| self.phone(PhoneKind::Home));
        let linkedin_url = self.form_text(label::LINKEDIN).map(|u| with_scheme(&u)).or_else(|| {
            self.c.links.iter().map(|l| l.trim()).find(|l| is_linkedin(l)).map(with_scheme)
        });
        let job_title = self.job_title(ctx);
        let employee_type = self.employee_type();
        let salary = self.salary(start_date.as_deref());
        let home = self.home();

        Some(NamelyProfile {
            first_name: first?,
            middle_name: middle,
            last_name: last?,
            preferred_name: preferred,
            email: email?,
            personal_email,
            user_status: if onboarding { "pending" } else { "active" }.to_string(),
            start_date,
            mobile_phone,
            home_phone,
            linkedin_url,
            job_title,
            employee_type,
            salary,
            home,
            resume: None,
        })
    }

    fn missing(&mut self, field: &str, looked_in: Vec<String>) {
        self.missing.push(MissingField { field: field.into(), looked_in });
    }

    fn candidate_emails_place(&self) -> String {
        if self.c.emails.is_empty() {
            "candidate emails (none)".into()
        } else {
            format!("candidate emails ({}; none valid)", self.c.emails.join(", "))
        }
    }

    /// The form's email if valid, else the candidate's first valid email.
    fn email(&mut self, field: &str, form_labels: &[&str]) -> Option<String> {
        if let Some(v) = self.form_text(form_labels) {
            if is_valid_email(&v) {
                return Some(v);
            }
            self.warn("email_invalid", field, format!(
                "The Namely Form's {} \"{v}\" is not a valid email address, so the candidate's email was used instead.",
                form_labels[0]));
        }
        let found = self.c.emails.iter().map(|e| e.trim()).find(|e| is_valid_email(e)).map(str::to_string);
        if found.is_none() && field == "email" {
            let place = self.form_place(form_labels);
            self.missing(field, vec![place, self.candidate_emails_place()]);
        }
        found
    }

    fn phone(&self, kind: PhoneKind) -> Option<String> {
        self.c.phones.iter().find(|p| p.kind == kind && !p.value.trim().is_empty()).map(|p| p.value.trim().to_string())
    }

    /// Form, else offer, else the date archived as Hired (with a warning).
    fn start_date(&mut self) -> Option<String> {
        let sources = [("Namely Form", self.form(label::START)), ("offer", self.offer("anticipated_start_date", label::START))];
        for (source, field) in sources {
            let Some(field) = field else { continue };
            match dates::date_of_value(&field.value, self.tz) {
                Ok(d) => return Some(d),
                Err(why) => self.warn("start_date_unreadable", "start_date", format!(
                    "The {source}'s \"{}\" could not be read as a date: {why}.", field.label)),
            }
        }
        let hired = self.c.archived_at.and_then(|ms| dates::date_of_millis(ms, self.tz))?;
        self.warn("start_date_from_hire_date", "start_date", format!(
            "No start date was found on the Namely Form or the offer, so the date the candidate was hired ({hired}) was used."));
        Some(hired)
    }

    fn job_title(&mut self, ctx: &NamelyContext) -> Option<JobTitleRef> {
        let text = self
            .form_text(label::JOB_TITLE)
            .or_else(|| self.offer("job_title", label::JOB_TITLE).map(|f| text_of(&f.value)))
            .or_else(|| self.c.posting.as_ref().and_then(|p| p.title.clone()))
            .or_else(|| self.c.requisition.as_ref().and_then(|r| r.name.clone()))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())?;
        let Some(titles) = &ctx.job_titles else { return Some(JobTitleRef::Title(text)) };
        let key = |s: &str| s.split_whitespace().collect::<String>().to_lowercase();
        match titles.iter().find(|t| key(&t.title) == key(&text)) {
            Some(t) => Some(JobTitleRef::Id(t.id.clone())),
            None => {
                self.warn("job_title_not_found", "job_title", format!(
                    "The job title \"{text}\" does not match any job title in Namely, so none was set; add it in Namely or correct it in Lever."));
                None
            }
        }
    }

    fn employee_type(&mut self) -> Option<String> {
        let text = self
            .form_text(label::EMPLOYEE_TYPE)
            .or_else(|| self.offer("employment_status", label::EMPLOYEE_TYPE).map(|f| text_of(&f.value)))
            .or_else(|| self.c.requisition.as_ref().and_then(|r| r.employment_status.clone()))
            .or_else(|| self.c.posting.as_ref().and_then(|p| p.commitment.clone()))
            .filter(|t| !t.trim().is_empty())?;
        let found = employment::employee_type(&text, &self.o.employee_types);
        if found.is_none() {
            self.warn("employee_type_unmapped", "employee_type", format!(
                "The employment type \"{}\" matches none of Namely's types ({}), so none was set; add it to [mapping] employee_types.",
                text.trim(), employment::NAMELY_EMPLOYEE_TYPES.join(", ")));
        }
        found
    }

    /// Only an annual salary in an allowed currency, dated the start date.
    fn salary(&mut self, start_date: Option<&str>) -> Option<Salary> {
        let amount_field = self.offer("salary_amount", label::SALARY)?;
        let amount = match &amount_field.value {
            FieldValue::Number(n) if n.is_finite() => Some(*n),
            FieldValue::Number(_) => None,
            FieldValue::Text(t) => employment::parse_amount(t),
        };
        let Some(amount) = amount.map(f64::round).filter(|a| *a > 0.0 && *a < 1e12) else {
            self.warn("salary_amount_unreadable", "salary", format!(
                "The offer's salary \"{}\" is not an amount, so no salary was sent.", text_of(&amount_field.value)));
            return None;
        };
        match self.offer("salary_interval", label::INTERVAL).map(|f| text_of(&f.value)) {
            Some(interval) if !employment::is_annual(&interval) => {
                self.warn("salary_not_annual", "salary", format!(
                    "The offer's pay interval is \"{interval}\"; Namely takes annual salaries only, so no salary was sent."));
                return None;
            }
            Some(_) => {}
            None => self.warn("salary_interval_assumed", "salary",
                "The offer gives no pay interval, so the salary was taken to be annual.".into()),
        }
        let currency = self.offer("salary_currency", label::CURRENCY).map_or("USD".into(), |f| employment::currency_code(&text_of(&f.value)));
        let allowed: Vec<String> = if self.o.salary_currencies.is_empty() {
            DEFAULT_SALARY_CURRENCIES.iter().map(|s| s.to_string()).collect()
        } else {
            self.o.salary_currencies.iter().map(|s| s.trim().to_uppercase()).collect()
        };
        if !allowed.contains(&currency) {
            self.warn("salary_currency_unsupported", "salary", format!(
                "The offer's salary is in {currency}; only {} can be sent to Namely, so no salary was sent.", allowed.join(", ")));
            return None;
        }
        let Some(date) = start_date else {
            self.warn("salary_date_missing", "salary", "No start date is known to date the salary from, so no salary was sent.".into());
            return None;
        };
        Some(Salary { currency_type: currency, yearly_amount: amount as i64, date: date.to_string() })
    }

    /// The home address from the Namely Form, as far as it is known.
    fn home(&mut self) -> Option<Address> {
        let country_text = self.form_text(label::COUNTRY);
        let country_id = country_text.as_deref().and_then(|t| {
            let code = places::country_code(t);
            if code.is_none() {
                self.warn("address_country_unknown", "home", format!(
                    "The country \"{t}\" is not one we recognise, so it was left out of the address; use a name such as United States or a code such as US."));
            }
            code.map(str::to_string)
        });
        let state_id = self.form_text(label::STATE).and_then(|t| match country_id.as_deref() {
            Some(cc @ ("US" | "CA")) => {
                let code = places::state_code(cc, &t).map(str::to_string);
                if code.is_none() {
                    self.warn("address_state_unknown", "home", format!(
                        "\"{t}\" is not a {} state or province, so it was left out of the address.", if cc == "US" { "US" } else { "Canadian" }));
                }
                code
            }
            _ => {
                self.warn("address_state_omitted", "home", format!(
                    "Namely takes a state only for US and Canadian addresses, so \"{t}\" was left out."));
                None
            }
        });
        let home = Address {
            address1: self.form_text(label::ADDRESS1),
            address2: self.form_text(label::ADDRESS2),
            city: self.form_text(label::CITY),
            state_id,
            country_id,
            zip: self.form_text(label::ZIP),
        };
        let empty = Address { address1: None, address2: None, city: None, state_id: None, country_id: None, zip: None };
        (home != empty).then_some(home)
    }
}

/// Exactly one `@`, something before it, and a dotted domain after it.
pub fn is_valid_email(e: &str) -> bool {
    let e = e.trim();
    let mut parts = e.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else { return false };
    !local.is_empty()
        && !e.chars().any(char::is_whitespace)
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

/// Whether a link's host is `linkedin.com` or a subdomain of it.
fn is_linkedin(link: &str) -> bool {
    let rest = link.split_once("://").map_or(link, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("").split(':').next().unwrap_or("").to_lowercase();
    host == "linkedin.com" || host.ends_with(".linkedin.com")
}

fn with_scheme(url: &str) -> String {
    let url = url.trim();
    if url.contains("://") { url.to_string() } else { format!("https://{url}") }
}

#[cfg(test)]
pub(crate) mod tests;
