//! One test per rule of the mapping spec, on typed candidates.

use super::*;
use crate::types::{JobTitle, Offer, Phone, Posting, Requisition};

const JAN_1_2024: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
const HIRED_AT: i64 = 1_706_745_600_000; // 2024-02-01T00:00:00Z

pub(crate) fn candidate() -> HiredCandidate {
    HiredCandidate {
        opportunity_id: "opp-1".into(),
        name: "Ada Lovelace".into(),
        emails: vec!["ada@example.com".into()],
        phones: vec![],
        links: vec![],
        hired: true,
        archived_at: Some(HIRED_AT),
        offer: None,
        namely_form: None,
        requisition: None,
        posting: None,
        resume: None,
    }
}

pub(crate) fn options() -> MapOptions {
    MapOptions {
        record_type: RecordType::Hris,
        timezone: None,
        employee_types: vec![],
        salary_currencies: vec![],
        offer_identifiers: vec![],
        form_title: None,
    }
}

fn text(label: &str, v: &str) -> LabelledField {
    LabelledField { identifier: None, label: label.into(), value: FieldValue::Text(v.into()) }
}

fn offer_field(identifier: &str, label: &str, value: FieldValue) -> LabelledField {
    LabelledField { identifier: Some(identifier.into()), label: label.into(), value }
}

fn offer(status: &str, fields: Vec<LabelledField>) -> Offer {
    Offer { id: "offer-1".into(), status: status.into(), created_at: Some(JAN_1_2024), fields }
}

fn map(c: &HiredCandidate) -> Mapping {
    map_candidate(c, &NamelyContext { job_titles: None }, &options()).expect("maps")
}

fn codes(m: &Mapping) -> Vec<&str> {
    m.warnings.iter().map(|w| w.code.as_str()).collect()
}

fn request(m: &Mapping) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&m.request_json).unwrap();
    v["profiles"][0].clone()
}

#[test]
fn names_come_from_the_form_before_the_candidate_name() {
    let mut c = candidate();
    c.name = "Robert \"Bob\" de la Cruz".into();
    let m = map(&c);
    assert_eq!((m.profile.first_name.as_str(), m.profile.last_name.as_str()), ("Robert", "de la Cruz"));
    assert_eq!(m.profile.preferred_name.as_deref(), Some("Bob"));

    c.namely_form = Some(vec![text("First Name", "Rob"), text("last name", "Cruz"), text("Middle name", "J"),
        text("Preferred name", "Bobby")]);
    let m = map(&c);
    assert_eq!(m.profile.first_name, "Rob");
    assert_eq!(m.profile.middle_name.as_deref(), Some("J"));
    assert_eq!(m.profile.last_name, "Cruz");
    assert_eq!(m.profile.preferred_name.as_deref(), Some("Bobby"));
}

#[test]
fn empty_form_values_do_not_override() {
    let mut c = candidate();
    c.namely_form = Some(vec![text("First name", "   "), text("Last name", "")]);
    let m = map(&c);
    assert_eq!((m.profile.first_name.as_str(), m.profile.last_name.as_str()), ("Ada", "Lovelace"));
}

#[test]
fn emails_default_to_the_candidates_first_email() {
    let m = map(&candidate());
    assert_eq!(m.profile.email, "ada@example.com");
    assert_eq!(m.profile.personal_email.as_deref(), Some("ada@example.com"));

    let mut c = candidate();
    c.namely_form = Some(vec![text("Email", "ada@acme.com"), text("Personal email", "ada@home.org")]);
    let m = map(&c);
    assert_eq!(m.profile.email, "ada@acme.com");
    assert_eq!(m.profile.personal_email.as_deref(), Some("ada@home.org"));

    c.namely_form = Some(vec![text("Work email", "work@acme.com"), text("Email", "other@acme.com")]);
    assert_eq!(map(&c).profile.email, "work@acme.com");
}

#[test]
fn invalid_emails_count_as_missing() {
    for bad in ["ada", "ada@@example.com", "ada@example", "a b@example.com", "@example.com", "ada@example..com"] {
        assert!(!is_valid_email(bad), "{bad}");
    }
    let mut c = candidate();
    c.emails = vec!["not-an-email".into(), "ada@example.com".into()];
    c.namely_form = Some(vec![text("Work email", "ada@acme")]);
    let m = map(&c);
    assert_eq!(m.profile.email, "ada@example.com");
    assert!(codes(&m).contains(&"email_invalid"));
}

#[test]
fn phones_by_type_with_other_as_the_mobile_fallback() {
    let mut c = candidate();
    c.phones = vec![
        Phone { kind: PhoneKind::Work, value: "111".into() },
        Phone { kind: PhoneKind::Other, value: " 222 ".into() },
        Phone { kind: PhoneKind::Home, value: "(415) 555-0101".into() },
    ];
    let m = map(&c);
    assert_eq!(m.profile.mobile_phone.as_deref(), Some("222"));
    assert_eq!(m.profile.home_phone.as_deref(), Some("(415) 555-0101"));
    c.phones.push(Phone { kind: PhoneKind::Mobile, value: "+1 415 555 0100".into() });
    assert_eq!(map(&c).profile.mobile_phone.as_deref(), Some("+1 415 555 0100"));
    c.namely_form = Some(vec![text("Mobile Phone", "999"), text("Home phone", "888")]);
    let m = map(&c);
    assert_eq!((m.profile.mobile_phone.as_deref(), m.profile.home_phone.as_deref()), (Some("999"), Some("888")));
}

#[test]
fn linkedin_from_the_first_linkedin_link_with_a_scheme() {
    let mut c = candidate();
    c.links = vec!["https://github.com/ada".into(), "https://notlinkedin.com/x".into(), "www.linkedin.com/in/ada".into()];
    assert_eq!(map(&c).profile.linkedin_url.as_deref(), Some("https://www.linkedin.com/in/ada"));
    c.links = vec!["http://linkedin.com/in/ada".into()];
    assert_eq!(map(&c).profile.linkedin_url.as_deref(), Some("http://linkedin.com/in/ada"));
    c.links = vec!["https://linkedin.com.evil.example/in/ada".into()];
    assert_eq!(map(&c).profile.linkedin_url, None);
    c.namely_form = Some(vec![text("LinkedIn", "linkedin.com/in/ada-form")]);
    assert_eq!(map(&c).profile.linkedin_url.as_deref(), Some("https://linkedin.com/in/ada-form"));
}

#[test]
fn job_title_from_offer_then_posting_then_requisition() {
    let mut c = candidate();
    c.requisition = Some(Requisition { id: "r".into(), name: Some("Req Name".into()), employment_status: None });
    assert_eq!(map(&c).profile.job_title, Some(JobTitleRef::Title("Req Name".into())));
    c.posting = Some(Posting { id: "p".into(), title: Some(" Posting Title ".into()), commitment: None });
    assert_eq!(map(&c).profile.job_title, Some(JobTitleRef::Title("Posting Title".into())));
    c.offer = Some(offer("signed", vec![text("Title", "Offer Title")]));
    assert_eq!(map(&c).profile.job_title, Some(JobTitleRef::Title("Offer Title".into())));
    c.offer = Some(offer("signed", vec![text("Title", "Offer Title"), offer_field("job_title", "Role", FieldValue::Text("By Id".into()))]));
    assert_eq!(map(&c).profile.job_title, Some(JobTitleRef::Title("By Id".into())));
}

#[test]
fn job_title_resolves_to_a_namely_id_when_titles_are_known() {
    let mut c = candidate();
    c.posting = Some(Posting { id: "p".into(), title: Some("software   ENGINEER".into()), commitment: None });
    let ctx = NamelyContext { job_titles: Some(vec![JobTitle { id: "jt-9".into(), title: "Software Engineer".into() }]) };
    let m = map_candidate(&c, &ctx, &options()).unwrap();
    assert_eq!(m.profile.job_title, Some(JobTitleRef::Id("jt-9".into())));
    assert_eq!(request(&m)["job_title"], serde_json::json!({"id": "jt-9"}));

    c.posting = Some(Posting { id: "p".into(), title: Some("Astronaut".into()), commitment: None });
    let m = map_candidate(&c, &ctx, &options()).unwrap();
    assert_eq!(m.profile.job_title, None);
    let w = m.warnings.iter().find(|w| w.code == "job_title_not_found").unwrap();
    assert!(w.message.contains("Astronaut"));
    assert!(request(&m).get("job_title").is_none());
}

#[test]
fn employee_type_from_offer_then_requisition_then_posting() {
    let mut c = candidate();
    c.posting = Some(Posting { id: "p".into(), title: None, commitment: Some("Internship".into()) });
    assert_eq!(map(&c).profile.employee_type.as_deref(), Some("Intern"));
    c.requisition = Some(Requisition { id: "r".into(), name: None, employment_status: Some("part-time".into()) });
    assert_eq!(map(&c).profile.employee_type.as_deref(), Some("Part Time"));
    c.offer = Some(offer("signed", vec![offer_field("employment_status", "Employment Status", FieldValue::Text("Exempt Full-Time".into()))]));
    let m = map(&c);
    assert_eq!(m.profile.employee_type.as_deref(), Some("Full Time"));
    assert_eq!(request(&m)["employee_type"], "Full Time");
}

#[test]
fn unknown_employee_types_are_left_out_with_a_warning() {
    let mut c = candidate();
    c.posting = Some(Posting { id: "p".into(), title: None, commitment: Some("Volunteer".into()) });
    let m = map(&c);
    assert_eq!(m.profile.employee_type, None);
    assert_eq!(codes(&m), vec!["start_date_from_hire_date", "employee_type_unmapped"]);
    let mut o = options();
    o.employee_types = vec![("volunteer".into(), "Freelance".into())];
    let m = map_candidate(&c, &NamelyContext { job_titles: None }, &o).unwrap();
    assert_eq!(m.profile.employee_type.as_deref(), Some("Freelance"));
}

#[test]
fn start_date_from_form_then_offer_then_hire_date() {
    let mut c = candidate();
    let m = map(&c);
    assert_eq!(m.profile.start_date.as_deref(), Some("2024-02-01"));
    assert!(codes(&m).contains(&"start_date_from_hire_date"));

    c.offer = Some(offer("signed", vec![offer_field("anticipated_start_date", "Anticipated start date", FieldValue::Number(JAN_1_2024 as f64))]));
    let m = map(&c);
    assert_eq!(m.profile.start_date.as_deref(), Some("2024-01-01"));
    assert!(codes(&m).is_empty());

    c.namely_form = Some(vec![text("Start Date", "2024-03-15")]);
    assert_eq!(map(&c).profile.start_date.as_deref(), Some("2024-03-15"));
}

#[test]
fn start_date_is_taken_in_the_configured_time_zone() {
    let mut c = candidate();
    c.offer = Some(offer("signed", vec![offer_field("anticipated_start_date", "Start", FieldValue::Number(JAN_1_2024 as f64))]));
    let mut o = options();
    o.timezone = Some("America/Los_Angeles".into());
    let ctx = NamelyContext { job_titles: None };
    assert_eq!(map_candidate(&c, &ctx, &o).unwrap().profile.start_date.as_deref(), Some("2023-12-31"));
    // A date string is never shifted.
    c.offer = Some(offer("signed", vec![offer_field("anticipated_start_date", "Start", FieldValue::Text("2024-01-01".into()))]));
    assert_eq!(map_candidate(&c, &ctx, &o).unwrap().profile.start_date.as_deref(), Some("2024-01-01"));
    // The hire-date fallback follows the same rule: 2024-02-01T00:00Z is Jan 31 in LA.
    c.offer = None;
    assert_eq!(map_candidate(&c, &ctx, &o).unwrap().profile.start_date.as_deref(), Some("2024-01-31"));
}

#[test]
fn unreadable_start_dates_fall_through_with_a_warning() {
    let mut c = candidate();
    c.namely_form = Some(vec![text("Start date", "ASAP")]);
    let m = map(&c);
    assert_eq!(m.profile.start_date.as_deref(), Some("2024-02-01"));
    assert_eq!(codes(&m), vec!["start_date_unreadable", "start_date_from_hire_date"]);
}

#[test]
fn unknown_time_zones_are_a_bad_option() {
    let mut o = options();
    o.timezone = Some("Mars/Olympus".into());
    match map_candidate(&candidate(), &NamelyContext { job_titles: None }, &o) {
        Err(MappingError::BadOption(p)) => assert!(p.path == "timezone" && p.message.contains("Mars/Olympus")),
        other => panic!("{other:?}"),
    }
}

fn salary_offer(fields: Vec<LabelledField>) -> HiredCandidate {
    let mut c = candidate();
    let mut all = vec![offer_field("anticipated_start_date", "Start", FieldValue::Text("2024-03-01".into()))];
    all.extend(fields);
    c.offer = Some(offer("signed", all));
    c
}

#[test]
fn annual_salary_is_sent_rounded_and_dated_the_start_date() {
    let c = salary_offer(vec![
        offer_field("salary_amount", "Salary", FieldValue::Text("$120,000.50".into())),
        offer_field("salary_interval", "Interval", FieldValue::Text("per-year-salary".into())),
        offer_field("salary_currency", "Currency", FieldValue::Text("usd".into())),
    ]);
    let m = map(&c);
    assert_eq!(m.profile.salary, Some(Salary { currency_type: "USD".into(), yearly_amount: 120001, date: "2024-03-01".into() }));
    assert_eq!(request(&m)["salary"], serde_json::json!({"currency_type": "USD", "yearly_amount": 120001, "date": "2024-03-01"}));
    assert!(codes(&m).is_empty());
}

#[test]
fn salary_is_found_by_label_too() {
    let c = salary_offer(vec![text("Base Salary", "95000"), text("Pay frequency", "Annually")]);
    assert_eq!(map(&c).profile.salary.map(|s| s.yearly_amount), Some(95000));
}

#[test]
fn salary_without_interval_is_assumed_annual() {
    let c = salary_offer(vec![offer_field("salary_amount", "Salary", FieldValue::Number(100000.0))]);
    let m = map(&c);
    assert_eq!(m.profile.salary.as_ref().map(|s| s.yearly_amount), Some(100000));
    assert_eq!(codes(&m), vec!["salary_interval_assumed"]);
}

#[test]
fn hourly_salary_is_not_sent() {
    let c = salary_offer(vec![
        offer_field("salary_amount", "Salary", FieldValue::Number(45.0)),
        offer_field("salary_interval", "Interval", FieldValue::Text("per-hour-wage".into())),
    ]);
    let m = map(&c);
    assert_eq!(m.profile.salary, None);
    assert_eq!(codes(&m), vec!["salary_not_annual"]);
    assert!(request(&m).get("salary").is_none());
}

#[test]
fn non_usd_salary_is_not_sent_unless_allowed() {
    let c = salary_offer(vec![
        offer_field("salary_amount", "Salary", FieldValue::Number(80000.0)),
        offer_field("salary_interval", "Interval", FieldValue::Text("yearly".into())),
        offer_field("salary_currency", "Currency", FieldValue::Text("EUR".into())),
    ]);
    let m = map(&c);
    assert_eq!(m.profile.salary, None);
    assert_eq!(codes(&m), vec!["salary_currency_unsupported"]);
    let mut o = options();
    o.salary_currencies = vec!["USD".into(), "eur".into()];
    let m = map_candidate(&c, &NamelyContext { job_titles: None }, &o).unwrap();
    assert_eq!(m.profile.salary.map(|s| s.currency_type), Some("EUR".into()));
}

#[test]
fn unreadable_salary_amount_is_reported() {
    let c = salary_offer(vec![offer_field("salary_amount", "Salary", FieldValue::Text("competitive".into()))]);
    let m = map(&c);
    assert_eq!(m.profile.salary, None);
    assert_eq!(codes(&m), vec!["salary_amount_unreadable"]);
}

#[test]
fn requisition_compensation_band_is_never_a_salary() {
    // A requisition carries no salary in the typed candidate at all: only an
    // offer amount can become one.
    let mut c = candidate();
    c.requisition = Some(Requisition { id: "r".into(), name: None, employment_status: None });
    assert_eq!(map(&c).profile.salary, None);
}

#[test]
fn configured_offer_identifiers_win() {
    let c = salary_offer(vec![
        offer_field("base_pay", "Pay", FieldValue::Number(70000.0)),
        offer_field("salary_amount", "Salary", FieldValue::Number(1.0)),
        offer_field("salary_interval", "Interval", FieldValue::Text("annual".into())),
    ]);
    let mut o = options();
    o.offer_identifiers = vec![("salary_amount".into(), "base_pay".into())];
    let m = map_candidate(&c, &NamelyContext { job_titles: None }, &o).unwrap();
    assert_eq!(m.profile.salary.as_ref().map(|s| s.yearly_amount), Some(70000));
    o.offer_identifiers = vec![("bonus".into(), "x".into())];
    assert!(matches!(map_candidate(&c, &NamelyContext { job_titles: None }, &o), Err(MappingError::BadOption(_))));
}

#[test]
fn unsigned_offers_are_flagged() {
    let mut c = candidate();
    c.offer = Some(offer("sent", vec![]));
    let m = map(&c);
    let w = m.warnings.iter().find(|w| w.code == "offer_not_signed").unwrap();
    assert!(w.message.contains("sent"));
}

#[test]
fn home_address_from_the_form_as_far_as_known() {
    let mut c = candidate();
    c.namely_form = Some(vec![
        text("Address 1", "1 Main St"), text("City", "Springfield"), text("State", "Illinois"),
        text("Country", "United States"), text("Postal Code", "62701"),
    ]);
    let m = map(&c);
    assert_eq!(request(&m)["home"], serde_json::json!({
        "address1": "1 Main St", "city": "Springfield", "state_id": "IL", "country_id": "US", "zip": "62701"}));
    assert!(!codes(&m).iter().any(|c| c.starts_with("address")));
}

#[test]
fn states_are_sent_only_for_us_and_canada() {
    let mut c = candidate();
    c.namely_form = Some(vec![text("State", "Bavaria"), text("Country", "Germany")]);
    let m = map(&c);
    assert_eq!(m.profile.home.as_ref().unwrap().country_id.as_deref(), Some("DE"));
    assert_eq!(m.profile.home.as_ref().unwrap().state_id, None);
    assert!(codes(&m).contains(&"address_state_omitted"));

    c.namely_form = Some(vec![text("State", "Ontario"), text("Country", "CA")]);
    assert_eq!(map(&c).profile.home.unwrap().state_id.as_deref(), Some("ON"));

    c.namely_form = Some(vec![text("State", "Narnia"), text("Country", "USA")]);
    assert!(codes(&map(&c)).contains(&"address_state_unknown"));

    c.namely_form = Some(vec![text("Country", "Atlantis"), text("City", "Poseidonis")]);
    let m = map(&c);
    assert!(codes(&m).contains(&"address_country_unknown"));
    assert_eq!(m.profile.home.unwrap().city.as_deref(), Some("Poseidonis"));
}

#[test]
fn user_status_follows_the_record_type() {
    assert_eq!(request(&map(&candidate()))["user_status"], "active");
    let mut o = options();
    o.record_type = RecordType::Onboarding;
    let m = map_candidate(&candidate(), &NamelyContext { job_titles: None }, &o).unwrap();
    assert_eq!(request(&m)["user_status"], "pending");
    assert_eq!(m.record_type, RecordType::Onboarding);
}

#[test]
fn missing_required_fields_name_every_field_and_where_it_was_looked_for() {
    let mut c = candidate();
    c.name = "Cher".into();
    c.emails = vec!["cher-at-example".into()];
    match map_candidate(&c, &NamelyContext { job_titles: None }, &options()) {
        Err(MappingError::MissingFields(m)) => {
            let fields: Vec<_> = m.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, vec!["last_name", "email"]);
            assert!(m[0].looked_in.iter().any(|l| l.contains("Cher") && l.contains("only a first name")), "{:?}", m[0]);
            assert!(m[1].looked_in.iter().any(|l| l.contains("cher-at-example")), "{:?}", m[1]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn onboarding_also_needs_a_personal_email_and_a_start_date() {
    let mut c = candidate();
    c.emails = vec![];
    c.archived_at = None;
    c.namely_form = Some(vec![text("Work email", "ada@acme.com")]);
    let mut o = options();
    o.record_type = RecordType::Onboarding;
    match map_candidate(&c, &NamelyContext { job_titles: None }, &o) {
        Err(MappingError::MissingFields(m)) => {
            let fields: Vec<_> = m.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, vec!["personal_email", "start_date"]);
        }
        other => panic!("{other:?}"),
    }
    // The same candidate is a valid HRIS record.
    assert!(map_candidate(&c, &NamelyContext { job_titles: None }, &options()).is_ok());
}

#[test]
fn candidates_not_hired_are_not_mapped() {
    let mut c = candidate();
    c.hired = false;
    assert!(matches!(map_candidate(&c, &NamelyContext { job_titles: None }, &options()), Err(MappingError::NotHired(_))));
}

#[test]
fn request_body_has_a_fixed_key_order_and_no_absent_fields() {
    let mut c = candidate();
    c.name = "Ada King Lovelace".into();
    let m = map(&c);
    assert_eq!(
        m.request_json,
        r#"{"profiles":[{"first_name":"Ada","middle_name":"King","last_name":"Lovelace","email":"ada@example.com","personal_email":"ada@example.com","user_status":"active","start_date":"2024-02-01"}]}"#
    );
}
