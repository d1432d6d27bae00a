//! Countries and states for Namely's home address: ISO 3166-1 alpha-2
//! countries, and two-letter state codes for the US and Canada only.

#[path = "places_data.rs"]
mod data;

use super::labels::normalize;

/// The ISO 3166-1 alpha-2 code for a country given by code or English name.
pub fn country_code(input: &str) -> Option<&'static str> {
    let t = input.trim();
    let upper = t.to_uppercase();
    let key = normalize(t);
    if key.is_empty() {
        return None;
    }
    data::COUNTRIES.iter().find_map(|(a2, a3, names)| {
        let hit = upper == *a2 || upper == *a3 || names.iter().any(|n| normalize(n) == key);
        hit.then_some(*a2)
    })
}

/// The two-letter code of a US state or Canadian province given by code or
/// name; `None` for other countries or unknown names.
pub fn state_code(country: &str, input: &str) -> Option<&'static str> {
    let table = match country {
        "US" => data::US_SUBDIVISIONS,
        "CA" => data::CA_SUBDIVISIONS,
        _ => return None,
    };
    let upper = input.trim().to_uppercase();
    let key = normalize(input);
    table.iter().find_map(|(code, name)| (upper == *code || normalize(name) == key).then_some(*code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_names_and_codes_become_alpha_2() {
        for (given, want) in [("United States", "US"), ("USA", "US"), ("us", "US"), ("Canada", "CA"), ("CAN", "CA"),
            ("United Kingdom", "GB"), ("Germany", "DE"), ("  france ", "FR"), ("South Korea", "KR")] {
            assert_eq!(country_code(given), Some(want), "{given}");
        }
        assert_eq!(country_code("Atlantis"), None);
        assert_eq!(country_code(""), None);
    }

    #[test]
    fn states_only_for_us_and_canada() {
        assert_eq!(state_code("US", "California"), Some("CA"));
        assert_eq!(state_code("US", "ny"), Some("NY"));
        assert_eq!(state_code("CA", "Ontario"), Some("ON"));
        assert_eq!(state_code("CA", "Quebec"), Some("QC"));
        assert_eq!(state_code("US", "Ontario"), None);
        assert_eq!(state_code("DE", "Bavaria"), None);
    }
}
