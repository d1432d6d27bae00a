//! Finding a field by its label: trimmed, case- and punctuation-insensitive.

use crate::types::{FieldValue, LabelledField};

/// The comparable form of a label: its letters and digits, lower-cased.
/// `"Work E-mail:"`, `"work email"` and `"WorkEmail"` are all `workemail`.
pub fn normalize(label: &str) -> String {
    label.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Whether a value holds something: empty text never overrides another source.
pub fn is_empty(v: &FieldValue) -> bool {
    match v {
        FieldValue::Text(t) => t.trim().is_empty(),
        FieldValue::Number(n) => !n.is_finite(),
    }
}

/// The text of a value, trimmed; numbers print without a fraction when whole.
pub fn text_of(v: &FieldValue) -> String {
    match v {
        FieldValue::Text(t) => t.trim().to_string(),
        FieldValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        FieldValue::Number(n) => n.to_string(),
    }
}

/// The first non-empty field whose label matches one of `labels`, trying the
/// labels in order of preference.
pub fn by_label<'a>(fields: &'a [LabelledField], labels: &[&str]) -> Option<&'a LabelledField> {
    labels.iter().find_map(|want| {
        let want = normalize(want);
        fields.iter().find(|f| normalize(&f.label) == want && !is_empty(&f.value))
    })
}

/// The first non-empty field with the given offer identifier.
pub fn by_identifier<'a>(fields: &'a [LabelledField], identifier: &str) -> Option<&'a LabelledField> {
    fields.iter().find(|f| f.identifier.as_deref().map(str::trim) == Some(identifier) && !is_empty(&f.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(label: &str, value: &str) -> LabelledField {
        LabelledField { identifier: None, label: label.into(), value: FieldValue::Text(value.into()) }
    }

    #[test]
    fn labels_match_ignoring_case_space_and_punctuation() {
        assert_eq!(normalize("  Work E-mail: "), "workemail");
        let fields = vec![field("LINKEDIN  url!", "x")];
        assert!(by_label(&fields, &["LinkedIn URL"]).is_some());
    }

    #[test]
    fn empty_values_do_not_count() {
        let fields = vec![field("Email", "  "), field("Work email", "a@b.co")];
        assert_eq!(by_label(&fields, &["Email", "Work email"]).unwrap().label, "Work email");
    }

    #[test]
    fn earlier_labels_are_preferred() {
        let fields = vec![field("Email", "e@b.co"), field("Work email", "w@b.co")];
        assert_eq!(text_of(&by_label(&fields, &["Work email", "Email"]).unwrap().value), "w@b.co");
    }

    #[test]
    fn whole_numbers_print_without_a_fraction() {
        assert_eq!(text_of(&FieldValue::Number(120000.0)), "120000");
        assert_eq!(text_of(&FieldValue::Number(1.5)), "1.5");
    }
}
