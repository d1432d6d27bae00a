//! The JSON Schemas under `schemas/`, compiled once and offline.
//!
//! They are embedded with `include_str!` so the simulators (and the
//! standalone binary) validate without reading files at run time, and
//! registered under a `.invalid` base URI so a `$ref` can never turn into a
//! network fetch.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

/// Base URI every schema's `$id` lives under.
const BASE: &str = "https://lever-namely.invalid/schemas/";

macro_rules! schema_files {
    ($($name:literal),* $(,)?) => {
        /// Every schema file, by its path under `schemas/`.
        const FILES: &[(&str, &str)] = &[$(($name, include_str!(concat!("../schemas/", $name)))),*];
    };
}

schema_files![
    "lever/components.json",
    "lever/application.response.json",
    "lever/applications.response.json",
    "lever/archive-reason.response.json",
    "lever/archive-reasons.response.json",
    "lever/contact.response.json",
    "lever/create-note.request.json",
    "lever/create-note.response.json",
    "lever/create-webhook.request.json",
    "lever/create-webhook.response.json",
    "lever/error.response.json",
    "lever/file.response.json",
    "lever/files.response.json",
    "lever/forms.response.json",
    "lever/note.response.json",
    "lever/notes.response.json",
    "lever/offers.response.json",
    "lever/opportunities.response.json",
    "lever/opportunity.response.json",
    "lever/posting.response.json",
    "lever/postings.response.json",
    "lever/requisition-fields.response.json",
    "lever/requisition.response.json",
    "lever/requisitions.response.json",
    "lever/resume.response.json",
    "lever/resumes.response.json",
    "lever/stages.response.json",
    "lever/user.response.json",
    "lever/users.response.json",
    "lever/webhooks.response.json",
    "namely/components.json",
    "namely/error.response.json",
    "namely/job-titles.response.json",
    "namely/post-files.response.json",
    "namely/post-profiles.request.json",
    "namely/profile-fields.response.json",
    "namely/profiles.response.json",
    "namely/put-profile.request.json",
];

/// One way a body breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer into the body (`""` is the whole body).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

struct Compiled {
    validators: HashMap<&'static str, Validator>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        static REGISTRY: OnceLock<Registry<'static>> = OnceLock::new();
        let registry = REGISTRY.get_or_init(|| {
            let docs = FILES.iter().map(|(name, text)| (format!("{BASE}{name}"), parse(name, text)));
            Registry::new()
                .draft(Draft::Draft202012)
                .extend(docs)
                .and_then(|b| b.prepare())
                .unwrap_or_else(|e| panic!("schemas/ do not form a registry: {e}"))
        });
        let validators = FILES
            .iter()
            .filter(|(name, _)| !name.ends_with("components.json"))
            .map(|(name, text)| {
                let v = jsonschema::options()
                    .with_draft(Draft::Draft202012)
                    .with_registry(registry)
                    .offline()
                    .build(&parse(name, text))
                    .unwrap_or_else(|e| panic!("schemas/{name} does not compile: {e}"));
                (*name, v)
            })
            .collect();
        Compiled { validators }
    })
}

fn parse(name: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("schemas/{name} is not JSON: {e}"))
}

/// Names of every endpoint schema (all files except the shared `components.json`).
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<_> = compiled().validators.keys().copied().collect();
    v.sort_unstable();
    v
}

/// The text of a schema file, e.g. `schemas::text("namely/post-profiles.request.json")`.
pub fn text(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Validate `value` against the schema file `name`; `Err` lists every problem.
///
/// # Panics
/// If `name` is not one of [`names`]: that is a bug in the caller.
pub fn validate(name: &str, value: &Value) -> Result<(), Vec<SchemaError>> {
    let validator = compiled().validators.get(name).unwrap_or_else(|| panic!("no schema named {name}"));
    let errors: Vec<SchemaError> = validator
        .iter_errors(value)
        .map(|e| SchemaError { pointer: e.instance_path().as_str().to_string(), message: e.to_string() })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_schema_compiles_and_is_listed() {
        assert_eq!(names().len(), FILES.len() - 2);
    }

    #[test]
    fn pointer_and_message_name_the_problem() {
        let errs = validate(
            "namely/post-profiles.request.json",
            &json!({"profiles": [{"last_name": "X", "email": "a@b.c", "user_status": "pending"}]}),
        )
        .unwrap_err();
        assert!(errs.iter().any(|e| e.pointer == "/profiles/0" && e.message.contains("first_name")), "{errs:?}");
        assert!(errs.iter().any(|e| e.message.contains("personal_email")), "{errs:?}");
        assert!(validate("lever/error.response.json", &json!({"code": "X", "message": "y"})).is_ok());
    }
}
