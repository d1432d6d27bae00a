//! Contract checks: every response the simulators give for the demo seed
//! validates against `schemas/`, request bodies that break their schema are
//! recorded as violations, and the schemas README covers every file.

mod common;

use common::*;
use lever_namely_simulators::{demo_opportunity_id, schemas, Direction, NewHire, Simulators, TokenSeed};
use serde_json::json;

#[tokio::test]
async fn every_demo_response_matches_its_schema() {
    let s = Simulators::start_demo().await.unwrap();
    let (l, n) = (&s.lever, &s.namely);
    l.add_hire(NewHire { confidential: true, ..NewHire::numbered(1) });
    let opp = format!("/opportunities/{}", demo_opportunity_id());
    let resume = lever_get(l, &format!("{opp}/resumes")).await.json()["data"][0]["id"].as_str().unwrap().to_string();
    let app = lever_get(l, &format!("{opp}/applications")).await.json()["data"][0]["id"].as_str().unwrap().to_string();
    let note =
        lever_post(l, &format!("{opp}/notes"), &json!({"value": "Synced", "secret": false, "notifyFollowers": false}))
            .await;
    assert_eq!(note.status, 201);
    let note_id = note.json()["data"]["id"].as_str().unwrap().to_string();
    let hook = lever_post(l, "/webhooks", &json!({"event": "candidateHired", "url": "https://example.com/hook"})).await;
    assert_eq!(hook.status, 201);
    let lever_paths = [
        opp.clone(),
        format!("{opp}?expand=applications"),
        "/opportunities?confidentiality=all&expand=applications&limit=1".into(),
        format!("{opp}/applications/{app}"),
        format!("{opp}/offers"),
        format!("{opp}/forms"),
        format!("{opp}/notes"),
        format!("{opp}/notes/{note_id}"),
        format!("{opp}/resumes"),
        format!("{opp}/resumes/{resume}"),
        format!("{opp}/files"),
        "/archive_reasons".into(),
        format!("/archive_reasons/{}", lever_namely_simulators::HIRED_REASON_ID),
        "/requisitions?confidentiality=all".into(),
        "/requisitions/5e90e000-0000-4000-8000-000000000001".into(),
        "/postings".into(),
        "/postings/b0571000-0000-4000-8000-000000000001".into(),
        "/users".into(),
        "/users/a11ce000-0000-4000-8000-000000000001".into(),
        "/stages".into(),
        "/requisition_fields".into(),
        "/webhooks".into(),
        // Errors have their own schema.
        "/opportunities/nope".into(),
        "/opportunities?offset=bogus".into(),
        format!("{opp}/resumes?limit=5"),
    ];
    for p in &lever_paths {
        lever_get(l, p).await;
    }
    let contact = l.opportunity(demo_opportunity_id()).unwrap()["contact"].as_str().unwrap().to_string();
    assert_eq!(lever_get(l, &format!("/contacts/{contact}")).await.status, 200);
    send("GET", &format!("{}/stages", l.base_url()), &[], None).await;

    n.with_data(|d| d.tokens.push(TokenSeed { token: "limited".into(), admin: false, active: true, profile_id: None }));
    let mut body = new_profile("bob@acme.example");
    body["profiles"][0]["salary"] = json!({"currency_type": "USD", "date": "2026-08-03", "yearly_amount": 145000});
    body["profiles"][0]["job_title"] = json!({"title": "Senior Software Engineer"});
    let created = namely_send(n, "POST", "/profiles", &body).await;
    assert_eq!(created.status, 201);
    let id = created.json()["profiles"][0]["id"].as_str().unwrap().to_string();
    let (ct, bytes) = multipart("file", "cv.pdf", "application/pdf", b"%PDF");
    let up = send(
        "POST",
        &format!("{}/files", n.base_url()),
        &[("authorization", n.expected_authorization()), ("content-type", ct)],
        Some(bytes),
    )
    .await;
    let file = up.json()["files"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        namely_send(n, "PUT", &format!("/profiles/{id}"), &json!({"profiles": [{"resume": file}]})).await.status,
        200
    );
    for p in [
        "/profiles",
        "/profiles.json?page=2&per_page=1",
        "/profiles/me",
        "/profiles/fields",
        "/job_titles",
        "/profiles/nope",
    ] {
        namely_get(n, p).await;
        namely_get_as(n, p, "limited").await;
    }
    namely_get(n, &format!("/profiles/{id}")).await;
    namely_send(n, "POST", "/profiles", &new_profile("BOB@acme.example")).await;
    namely_get_as(n, "/profiles", "wrong").await;

    let responses: Vec<_> = l.violations().into_iter().chain(n.violations()).collect();
    assert!(responses.is_empty(), "{responses:#?}");
    assert!(l.requests().len() > 25 && n.requests().len() > 15);
}

#[tokio::test]
async fn requests_that_break_their_schema_are_recorded() {
    let s = Simulators::start_demo().await.unwrap();
    let opp = format!("/opportunities/{}", demo_opportunity_id());
    let r = lever_post(&s.lever, &format!("{opp}/notes"), &json!({"text": "typo for value", "secret": "no"})).await;
    assert_eq!(r.status, 400, "Lever still answers as it would");
    let v = s.lever.violations();
    assert!(
        v.iter().all(|v| v.direction == Direction::Request && v.endpoint == "POST /v1/opportunities/{id}/notes"),
        "{v:?}"
    );
    assert!(v.iter().any(|v| v.pointer.is_empty() && v.message.contains("value")), "missing value: {v:?}");
    assert!(v.iter().any(|v| v.pointer == "/secret"), "wrong type: {v:?}");
    assert!(v.iter().all(|v| v.schema == "lever/create-note.request.json"));

    let url = format!("{}/profiles", s.namely.base_url());
    let plain =
        send("POST", &url, &[("authorization", s.namely.expected_authorization())], Some(b"first_name=Ada".to_vec()))
            .await;
    assert_eq!(plain.status, 422);
    let v = s.namely.violations();
    assert!(v.iter().any(|v| v.message.contains("Content-Type")), "{v:?}");
    assert!(v.iter().any(|v| v.message.contains("not JSON")), "{v:?}");

    s.namely.clear_log();
    let mut body = new_profile("a@acme.example");
    body["profiles"][0]["job_title"] = json!(["Senior Software Engineer"]);
    namely_send(&s.namely, "POST", "/profiles", &body).await;
    let v = s.namely.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].pointer, "/profiles/0/job_title");
    assert_eq!(v[0].schema, "namely/post-profiles.request.json");
}

#[tokio::test]
async fn seeded_data_that_breaks_the_contract_is_reported_as_a_response_violation() {
    let s = Simulators::start_demo().await.unwrap();
    s.lever.update_opportunity(demo_opportunity_id(), |o| o["emails"] = json!("not-a-list"));
    assert_eq!(lever_get(&s.lever, &format!("/opportunities/{}", demo_opportunity_id())).await.status, 200);
    let v = s.lever.violations();
    assert!(v.iter().any(|v| v.direction == Direction::Response && v.pointer == "/data/emails"), "{v:?}");
}

#[test]
fn the_schemas_readme_names_every_schema_file() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/README.md")).unwrap();
    for name in schemas::names() {
        assert!(readme.contains(&format!("`{name}`")), "schemas/README.md does not mention {name}");
        assert!(schemas::text(name).is_some());
    }
}
