//! The note posted back on the Lever candidate, and the marker in it that
//! lets any later sync recognise the hire as done.

use serde_json::Value;

use crate::types::Warning;

/// The machine-readable last line of our notes.
pub const MARKER: &str = "[lever-namely] namely-id=";

/// The note for a created (or found) profile.
pub fn synced(record: &str, namely_id: &str, profile_url: &str, warnings: &[Warning]) -> String {
    let mut s = format!("Synced to Namely by lever-namely: {record}.\nNamely ID: {namely_id}\nProfile: {profile_url}\n");
    if warnings.is_empty() {
        s.push_str("Warnings: none\n");
    } else {
        s.push_str("Warnings:\n");
        for w in warnings {
            s.push_str(&format!("- {} ({})\n", w.message, w.code));
        }
    }
    s.push_str(&format!("{MARKER}{namely_id}"));
    s
}

/// The note for a sync that failed.
pub fn failed(reason: &str) -> String {
    format!("lever-namely could not sync this hire to Namely.\nReason: {reason}\n[lever-namely] failed")
}

/// Every text of a Lever note (its `fields[].value`, and `text`).
fn texts(note: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = note
        .get("fields")
        .and_then(Value::as_array)
        .map(|f| f.iter().filter_map(|x| x.get("value").and_then(Value::as_str)).collect())
        .unwrap_or_default();
    if let Some(t) = note.get("value").and_then(Value::as_str) {
        out.push(t);
    }
    out
}

/// The Namely id recorded by an earlier sync's note, if any (deleted notes do not count).
pub fn recorded_namely_id(notes: &[Value]) -> Option<String> {
    notes.iter().filter(|n| n.get("deletedAt").is_none_or(Value::is_null)).find_map(|n| {
        texts(n).into_iter().find_map(|t| {
            let at = t.find(MARKER)?;
            let id: String = t[at + MARKER.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            (!id.is_empty()).then_some(id)
        })
    })
}

/// Whether a note with exactly this text is already there.
pub fn has_note(notes: &[Value], text: &str) -> bool {
    notes.iter().any(|n| texts(n).contains(&text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_marker_is_found_in_lever_note_shapes() {
        let text = synced("HRIS record created", "abc-123", "https://acme.namely.com/people/abc-123", &[]);
        let note = json!({"id": "n1", "fields": [{"type": "note", "text": "Comment", "value": text}], "deletedAt": null});
        assert_eq!(recorded_namely_id(&[note]), Some("abc-123".to_string()));
        let deleted = json!({"fields": [{"value": text}], "deletedAt": 1});
        assert_eq!(recorded_namely_id(&[deleted]), None);
        assert_eq!(recorded_namely_id(&[json!({"fields": [{"value": "Great interview"}]})]), None);
    }

    #[test]
    fn notes_list_every_warning() {
        let w = Warning { code: "salary_not_annual".into(), field: "salary".into(), message: "Hourly.".into() };
        let t = synced("Onboarding draft created", "x", "u", &[w]);
        assert!(t.contains("- Hourly. (salary_not_annual)") && t.ends_with("namely-id=x"));
    }
}
