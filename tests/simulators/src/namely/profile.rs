//! The Namely profile model: building a full profile from a write (POST or
//! PUT), Namely's validation rules, and what a token may see.

use serde_json::{json, Map, Value};

use super::seed::NamelySeed;

/// `employee_type` values Namely documents (Profile_employee_type).
pub(crate) const EMPLOYEE_TYPES: &[&str] = &["Full Time", "Part Time", "Intern", "Contractor", "Freelance"];

/// Fields only an administrator token sees and writes.
pub(crate) const ADMIN_ONLY: &[&str] = &["salary", "home"];

/// Plain text fields (null is stored as "").
const TEXT_FIELDS: &[&str] = &[
    "first_name",
    "middle_name",
    "last_name",
    "preferred_name",
    "email",
    "personal_email",
    "mobile_phone",
    "home_phone",
    "linkedin_url",
    "departure_date",
    "employee_id",
    "gender",
];

/// Keys the API computes; written values are ignored.
const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "full_name", "links", "access_role", "image"];

/// A profile with every standard key at its empty value.
pub(crate) fn blank(id: &str, now: i64) -> Value {
    json!({
        "id": id, "email": "", "first_name": "", "last_name": "", "user_status": "active",
        "updated_at": now, "created_at": now, "preferred_name": "", "full_name": "",
        "job_title": null, "reports_to": [], "employee_type": null, "access_role": "Employee",
        "links": {"job_title": null, "groups": [], "teams": []},
        "middle_name": "", "start_date": "", "personal_email": "", "linkedin_url": "",
        "home_phone": "", "mobile_phone": "", "home": null, "resume": null, "salary": null,
    })
}

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// `YYYY-MM-DD` (also `YYYY-M-D` and `YYYY/M/D`, which Namely accepted in 2014)
/// as the canonical `YYYY-MM-DD` and its day number.
pub(crate) fn parse_date(s: &str) -> Option<(String, i64)> {
    let parts: Vec<&str> = s.trim().split(['-', '/']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let max = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1000..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > max[(m - 1) as usize] {
        return None;
    }
    Some((format!("{y:04}-{m:02}-{d:02}"), days(y, m, d)))
}

fn valid_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None) if !a.is_empty() && b.contains('.') && !b.starts_with('.') && !b.ends_with('.'))
}

/// What a write may refer to.
pub(crate) struct Lookups<'a> {
    pub(crate) data: &'a NamelySeed,
    /// Profiles created earlier in the same request, not yet stored.
    pub(crate) pending: &'a [Value],
    /// Whether the writer is an administrator (non-admins cannot write salary or home).
    pub(crate) admin: bool,
    /// A fresh id for a new salary record.
    pub(crate) salary_guid: String,
}

/// Apply `input` (one element of `profiles`) to `profile`; `Err` lists every
/// problem with Namely's wording where it is known ("first_name is a
/// required field", "<email> is already taken").
pub(crate) fn apply(
    mut profile: Value,
    input: &Map<String, Value>,
    lk: &Lookups,
    now: i64,
) -> Result<Value, Vec<String>> {
    let mut errors = Vec::new();
    let id = profile["id"].as_str().unwrap_or("").to_string();
    for (key, value) in input {
        let key = key.as_str();
        if READ_ONLY.contains(&key) || (!lk.admin && ADMIN_ONLY.contains(&key)) {
            continue;
        }
        match key {
            k if TEXT_FIELDS.contains(&k) => match value {
                Value::String(s) => profile[k] = json!(s.trim()),
                Value::Null => profile[k] = json!(""),
                _ => errors.push(format!("{k} is invalid")),
            },
            "user_status" => match value.as_str() {
                Some(s @ ("active" | "inactive" | "pending")) => profile[key] = json!(s),
                _ => errors.push("user_status must be one of active, inactive, pending".into()),
            },
            "start_date" => match value {
                Value::Null => profile[key] = json!(""),
                Value::String(s) if s.trim().is_empty() => profile[key] = json!(""),
                Value::String(s) => match parse_date(s) {
                    Some((d, _)) => profile[key] = json!(d),
                    None => errors.push(format!("start_date {s} is not a valid date (YYYY-MM-DD)")),
                },
                _ => errors.push("start_date is invalid".into()),
            },
            "job_title" => match job_title(value, lk.data) {
                Ok(v) => {
                    profile["links"]["job_title"] = v.clone();
                    profile[key] = v;
                }
                Err(e) => errors.push(e),
            },
            "employee_type" => {
                let title = value.as_str().or_else(|| value.get("title").and_then(Value::as_str));
                match title {
                    _ if value.is_null() => profile[key] = Value::Null,
                    Some(t) if EMPLOYEE_TYPES.contains(&t) => profile[key] = json!({ "title": t }),
                    _ => errors.push(format!("employee_type must be one of {}", EMPLOYEE_TYPES.join(", "))),
                }
            }
            "salary" => match salary(value, &profile["salary"], &lk.salary_guid) {
                Ok(v) => profile[key] = v,
                Err(e) => errors.extend(e),
            },
            "home" => match home(value) {
                Ok(v) => profile[key] = v,
                Err(e) => errors.extend(e),
            },
            "resume" => match value {
                Value::Null => profile[key] = Value::Null,
                Value::String(f) if lk.data.files.iter().any(|x| &x.id == f) => profile[key] = json!(f),
                _ => errors.push(format!("resume: file {} not found; upload it with POST /files first", value)),
            },
            "reports_to" => match value.as_str().and_then(|m| lk.data.profiles.iter().find(|p| p["id"] == m)) {
                Some(m) => {
                    profile[key] = json!([{"id": m["id"], "first_name": m["first_name"], "last_name": m["last_name"], "email": m["email"]}])
                }
                None if value.is_null() => profile[key] = json!([]),
                None => errors.push(format!("reports_to: profile {value} not found")),
            },
            // Custom fields are extra top-level keys.
            _ => profile[key] = value.clone(),
        }
    }
    let text = |k: &str| profile[k].as_str().unwrap_or("").to_string();
    for k in ["first_name", "last_name", "email", "user_status"] {
        if text(k).is_empty() {
            errors.push(format!("{k} is a required field"));
        }
    }
    if text("user_status") == "pending" {
        for k in ["personal_email", "start_date"] {
            if text(k).is_empty() {
                errors.push(format!("{k} is a required field for a pending profile"));
            }
        }
    }
    for k in ["email", "personal_email"] {
        if !text(k).is_empty() && !valid_email(&text(k)) {
            errors.push(format!("{k} {} is not a valid email address", text(k)));
        }
    }
    let email = text("email");
    let taken = lk
        .data
        .profiles
        .iter()
        .chain(lk.pending)
        .any(|p| p["id"] != id.as_str() && p["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(&email)));
    if !email.is_empty() && taken {
        errors.push(format!("{email} is already taken"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    profile["full_name"] = json!(format!("{} {}", text("first_name"), text("last_name")));
    profile["updated_at"] = json!(now);
    Ok(profile)
}

/// `{"id"}` must exist; `{"title"}` must match exactly (case-sensitive); a
/// plain string may be either.
fn job_title(value: &Value, data: &NamelySeed) -> Result<Value, String> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let by = |k: &str, v: &str| data.job_titles.iter().find(|t| t[k] == v);
    let found = match value {
        Value::String(s) => by("id", s).or_else(|| by("title", s)),
        Value::Object(o) => match (o.get("id").and_then(Value::as_str), o.get("title").and_then(Value::as_str)) {
            (Some(id), _) => by("id", id),
            (None, Some(title)) => by("title", title),
            _ => None,
        },
        _ => None,
    };
    found
        .map(|t| json!({"id": t["id"], "title": t["title"]}))
        .ok_or_else(|| format!("job_title {value} does not exist"))
}

fn salary(value: &Value, previous: &Value, guid: &str) -> Result<Value, Vec<String>> {
    let Some(o) = value.as_object() else {
        return if value.is_null() { Ok(Value::Null) } else { Err(vec!["salary must be an object".into()]) };
    };
    let mut errors = Vec::new();
    if o.get("currency_type").and_then(Value::as_str) != Some("USD") {
        errors.push("salary currency_type: USD is currently the only valid value".into());
    }
    let amount = o.get("yearly_amount").and_then(Value::as_i64);
    if amount.is_none() {
        errors.push("salary yearly_amount must be an integer".into());
    }
    let date = o.get("date").and_then(Value::as_str).and_then(parse_date);
    match (&date, previous.get("date").and_then(Value::as_str).and_then(parse_date)) {
        (None, _) => errors.push("salary date must be a date (YYYY-MM-DD)".into()),
        // A new salary starts at least 2 days after the one it replaces.
        (Some((_, new)), Some((_, old))) if *new < old + 2 => {
            errors.push("salary date must be at least 2 days after the previous salary's date".into())
        }
        _ => {}
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(json!({
        "currency_type": "USD", "date": date.map(|d| d.0), "yearly_amount": amount,
        "rate": "annually", "hourly": false, "guid": guid,
    }))
}

fn home(value: &Value) -> Result<Value, Vec<String>> {
    let Some(o) = value.as_object() else {
        return if value.is_null() { Ok(Value::Null) } else { Err(vec!["home must be an object".into()]) };
    };
    let get = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").trim().to_string();
    let mut errors = Vec::new();
    // Empty means "not given"; otherwise two capital letters.
    let code = |s: &str| s.is_empty() || (s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()));
    let country = get("country_id");
    if !code(&country) {
        errors.push(format!("home country_id {country} is not an ISO 3166-1 alpha-2 code"));
    }
    let state = get("state_id");
    if country == "US" && !code(&state) {
        errors.push(format!("home state_id {state} is not a two-letter US state"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(json!({
        "address1": get("address1"), "address2": get("address2"), "city": get("city"),
        "state_id": state, "country_id": country, "zip": get("zip"),
    }))
}

/// The profile as a token sees it: non-admin tokens do not see admin-only fields.
pub(crate) fn visible(profile: &Value, admin: bool) -> Value {
    let mut p = profile.clone();
    if !admin {
        if let Some(o) = p.as_object_mut() {
            for k in ADMIN_ONLY {
                o.remove(*k);
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_leniently_into_the_canonical_form() {
        assert_eq!(parse_date("2024-2-1").unwrap().0, "2024-02-01");
        assert_eq!(parse_date("2024/02/29").unwrap().0, "2024-02-29");
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("02/01/2024").is_none());
        assert_eq!(parse_date("1970-01-03").unwrap().1, 2);
    }

    #[test]
    fn emails_need_one_at_and_a_dotted_domain() {
        assert!(valid_email("a@b.co"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("a@@b.co"));
    }
}
