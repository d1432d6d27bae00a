//! Employee types and annual salaries.

use super::labels::normalize;

/// Namely's employee types.
pub const NAMELY_EMPLOYEE_TYPES: &[&str] = &["Full Time", "Part Time", "Intern", "Contractor", "Freelance"];

/// Normalise Lever's free-text employment status to a Namely employee type.
///
/// A configured table (Lever text to Namely type, compared as labels are) is
/// consulted first; then the words decide: full, part, intern, contract(or),
/// temp/temporary/freelance.
pub fn employee_type(text: &str, table: &[(String, String)]) -> Option<String> {
    let key = normalize(text);
    if let Some((_, namely)) = table.iter().find(|(lever, _)| normalize(lever) == key) {
        return Some(namely.trim().to_string());
    }
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    let found = if has(&["full", "fulltime"]) {
        "Full Time"
    } else if has(&["part", "parttime"]) {
        "Part Time"
    } else if words.iter().any(|w| w.starts_with("intern")) {
        "Intern"
    } else if has(&["contract", "contractor", "contractors"]) {
        "Contractor"
    } else if has(&["temp", "temporary", "freelance", "freelancer"]) {
        "Freelance"
    } else {
        return None;
    };
    Some(found.to_string())
}

/// Whether a pay interval is annual (`per-year-salary`, `annual`, `yearly`, `per year`).
pub fn is_annual(interval: &str) -> bool {
    interval
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .any(|w| matches!(w.as_str(), "year" | "years" | "yearly" | "annual" | "annually" | "annum" | "peryear" | "yr"))
}

/// A salary amount from text such as `"$120,000.00"` or `"USD 95000"`.
pub fn parse_amount(text: &str) -> Option<f64> {
    let mut t = text.trim();
    // A currency code before or after the number. `get` and not indexing:
    // the third byte from either end may be inside a character ("5€").
    let code = |part: Option<&str>| part.is_some_and(|p| p.chars().all(|c| c.is_ascii_alphabetic()));
    for _ in 0..2 {
        if t.len() > 3 && code(t.get(..3)) {
            t = t[3..].trim_start();
        }
        let n = t.len();
        if n > 3 && code(t.get(n - 3..)) {
            t = t[..n - 3].trim_end();
        }
    }
    let cleaned: String =
        t.chars().filter(|c| !matches!(c, ',' | '$' | '€' | '£' | '¥' | '_') && !c.is_whitespace()).collect();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A currency as an ISO 4217 code; the dollar sign is read as USD.
pub fn currency_code(text: &str) -> String {
    match text.trim() {
        "$" | "US$" => "USD".to_string(),
        "€" => "EUR".to_string(),
        "£" => "GBP".to_string(),
        other => other.to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_statuses_normalise_by_words() {
        for (given, want) in [
            ("Exempt Full-Time", "Full Time"),
            ("Non-Exempt Full Time", "Full Time"),
            ("full-time", "Full Time"),
            ("Full-time", "Full Time"),
            ("Part-Time", "Part Time"),
            ("part-time", "Part Time"),
            ("Internship", "Intern"),
            ("intern", "Intern"),
            ("Contract", "Contractor"),
            ("contractor", "Contractor"),
            ("Temporary", "Freelance"),
            ("temp-worker", "Freelance"),
            ("Freelance", "Freelance"),
        ] {
            assert_eq!(employee_type(given, &[]).as_deref(), Some(want), "{given}");
        }
        assert_eq!(employee_type("Volunteer", &[]), None);
        assert_eq!(employee_type("", &[]), None);
    }

    #[test]
    fn configured_table_adds_and_overrides() {
        let table = vec![("Seasonal".to_string(), "Freelance".to_string()), ("contract".to_string(), "Freelance".to_string())];
        assert_eq!(employee_type("seasonal", &table).as_deref(), Some("Freelance"));
        assert_eq!(employee_type("Contract", &table).as_deref(), Some("Freelance"));
        assert_eq!(employee_type("Full-time", &table).as_deref(), Some("Full Time"));
    }

    #[test]
    fn annual_intervals() {
        for yes in ["per-year-salary", "annual", "Annually", "yearly", "per year", "Per Year"] {
            assert!(is_annual(yes), "{yes}");
        }
        for no in ["per-hour-wage", "hourly", "monthly", "weekly", "per-month-salary", "biweekly"] {
            assert!(!is_annual(no), "{no}");
        }
    }

    #[test]
    fn amounts_from_text() {
        assert_eq!(parse_amount("$120,000.00"), Some(120000.0));
        assert_eq!(parse_amount("USD 95000"), Some(95000.0));
        assert_eq!(parse_amount("95,000 USD"), Some(95000.0));
        assert_eq!(parse_amount("120k"), None);
        assert_eq!(parse_amount("-5"), None);
        assert_eq!(parse_amount(""), None);
    }

    /// Found by fuzzing: a character of more than one byte where a currency
    /// code could be panicked (a trap in the component) instead of giving no amount.
    #[test]
    fn amounts_next_to_multibyte_characters_do_not_panic() {
        assert_eq!(parse_amount("5€"), Some(5.0));
        assert_eq!(parse_amount("₹5"), None);
        assert_eq!(parse_amount("a🄀"), None);
        assert_eq!(parse_amount("€95000"), Some(95000.0));
    }
}
