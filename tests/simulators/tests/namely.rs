//! The Namely simulator: auth, the profiles envelope and paging, creation
//! and its validation, updates, fields, job titles, files and the 406 throttle.

mod common;

use std::time::Duration;

use common::*;
use lever_namely_simulators::{demo_namely_seed, AuthOutcome, Direction, NamelyHandle, TokenSeed};
use serde_json::{json, Value};

async fn demo() -> NamelyHandle {
    NamelyHandle::start(demo_namely_seed()).await.unwrap()
}

fn add_tokens(n: &NamelyHandle) {
    n.with_data(|d| {
        d.tokens.push(TokenSeed { token: "employee-token".into(), admin: false, active: true, profile_id: None });
        d.tokens.push(TokenSeed { token: "gone-token".into(), admin: true, active: false, profile_id: None });
    });
}

fn check_error(v: &Value) {
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert!(v["errors"].is_array(), "{v}");
}

#[tokio::test]
async fn refuses_missing_wrong_and_deactivated_tokens() {
    let n = demo().await;
    add_tokens(&n);
    let url = format!("{}/profiles", n.base_url());
    let missing = send("GET", &url, &[], None).await;
    assert_eq!(missing.status, 401);
    check_error(&missing.json());
    assert_eq!(n.requests().last().unwrap().auth, AuthOutcome::Missing);
    let wrong = namely_get_as(&n, "/profiles", "nope").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["errors"], json!([]));
    let basic_auth = send("GET", &url, &[("authorization", basic(&n.token(), ""))], None).await;
    assert_eq!(basic_auth.status, 401);
    let gone = namely_get_as(&n, "/profiles", "gone-token").await;
    assert_eq!(gone.status, 403);
    check_error(&gone.json());
    assert_eq!(n.requests().last().unwrap().auth, AuthOutcome::Forbidden);
    let ok = namely_get(&n, "/profiles").await;
    assert_eq!(ok.status, 200);
    let last = n.requests().last().unwrap().clone();
    assert!(last.authorization_equals(&n.expected_authorization()));
    assert_eq!(last.auth, AuthOutcome::Accepted);
    assert!(n.violations().is_empty(), "{:?}", n.violations());
}

#[tokio::test]
async fn profiles_list_pages_filters_and_json_suffix() {
    let n = demo().await;
    for i in 0..60 {
        let r = namely_send(&n, "POST", "/profiles", &new_profile(&format!("p{i}@acme.example"))).await;
        assert_eq!(r.status, 201);
    }
    let first = namely_get(&n, "/profiles").await.json();
    assert_eq!(first["profiles"].as_array().unwrap().len(), 30, "default per_page");
    assert_eq!(first["meta"], json!({"count": 30, "total_count": 60, "status": 200}));
    assert_eq!(first["links"], json!({}));
    assert_eq!(first["linked"], json!({}));
    let big = namely_get(&n, "/profiles?per_page=500&page=1").await.json();
    assert_eq!(big["profiles"].as_array().unwrap().len(), 50, "per_page is capped at 50");
    let second = namely_get(&n, "/profiles.json?page=2&per_page=50").await.json();
    assert_eq!(second["meta"]["count"], 10);
    let past = namely_get(&n, "/profiles?page=9&per_page=50").await.json();
    assert_eq!(past["profiles"], json!([]));
    assert_eq!(past["meta"]["count"], 0);

    let by_email = namely_get(&n, "/profiles?filter[email]=P7%40ACME.example&per_page=50").await.json();
    assert_eq!(by_email["profiles"].as_array().unwrap().len(), 1);
    assert_eq!(by_email["profiles"][0]["email"], "p7@acme.example");
    let encoded = namely_get(&n, "/profiles?filter%5Bemail%5D=p7%40acme.example").await.json();
    assert_eq!(encoded["meta"]["total_count"], 1);
    let partial = namely_get(&n, "/profiles?filter[email]=p7").await.json();
    assert_eq!(partial["meta"]["total_count"], 0, "filters are exact");
    let personal = namely_get(&n, "/profiles?filter[personal_email]=ADA@example.org").await.json();
    assert_eq!(personal["meta"]["total_count"], 60);

    let id = by_email["profiles"][0]["id"].as_str().unwrap().to_string();
    let one = namely_get(&n, &format!("/profiles/{id}.json")).await.json();
    assert_eq!(one["profiles"][0]["id"], id.as_str());
    let missing = namely_get(&n, "/profiles/nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json(), json!({"message": "Profile not found", "errors": []}));
    assert!(n.violations().is_empty(), "{:?}", n.violations());
}

#[tokio::test]
async fn creating_a_profile_answers_201_with_the_envelope() {
    let n = demo().await;
    let mut body = new_profile("bob.delacruz@acme.example");
    body["profiles"][0]["job_title"] = json!({"id": "10b71000-0000-4000-8000-000000000001"});
    body["profiles"][0]["employee_type"] = json!("Full Time");
    body["profiles"][0]["salary"] = json!({"currency_type": "USD", "date": "2026-08-03", "yearly_amount": 145000});
    body["profiles"][0]["home"] = json!({"address1": "500 Market St", "city": "San Francisco", "state_id": "CA", "country_id": "US", "zip": "94105"});
    let r = namely_send(&n, "POST", "/profiles", &body).await;
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(v["meta"], json!({"count": 1, "status": 201}));
    assert_eq!(v["links"], json!({}));
    let p = &v["profiles"][0];
    let id = p["id"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(
        p["job_title"],
        json!({"id": "10b71000-0000-4000-8000-000000000001", "title": "Senior Software Engineer"})
    );
    assert_eq!(p["employee_type"], json!({"title": "Full Time"}));
    assert_eq!(p["salary"]["yearly_amount"], 145000);
    assert_eq!(p["home"]["state_id"], "CA");
    assert_eq!(p["full_name"], "Ada Lovelace");
    assert_eq!(n.profile(id).unwrap()["email"], "bob.delacruz@acme.example");
    assert_eq!(n.write_counts().get("POST /api/v1/profiles"), Some(&1));
    assert!(n.violations().is_empty(), "{:?}", n.violations());
}

#[tokio::test]
async fn invalid_profiles_get_422_with_namely_messages() {
    let n = demo().await;
    let post = |body: Value| {
        let n = n.clone();
        async move { namely_send(&n, "POST", "/profiles", &body).await }
    };
    let r = post(json!({"profiles": [{"last_name": "X", "email": "x@acme.example", "user_status": "pending"}]})).await;
    assert_eq!(r.status, 422);
    let v = r.json();
    assert_eq!(v["message"], "error creating profile");
    let errors: Vec<String> = serde_json::from_value(v["errors"].clone()).unwrap();
    assert!(errors.contains(&"first_name is a required field".to_string()), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("personal_email is a required field")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("start_date is a required field")), "{errors:?}");

    assert_eq!(post(new_profile("dup@acme.example")).await.status, 201);
    let dup = post(new_profile("DUP@Acme.Example")).await;
    assert_eq!(dup.status, 422);
    assert_eq!(dup.json()["errors"], json!(["DUP@Acme.Example is already taken"]));

    let mut bad = new_profile("new@acme.example");
    bad["profiles"][0]["job_title"] = json!({"id": "no-such-title"});
    assert_eq!(post(bad.clone()).await.status, 422);
    bad["profiles"][0]["job_title"] = json!({"title": "senior software engineer"});
    assert_eq!(post(bad.clone()).await.status, 422, "titles match exactly");
    bad["profiles"][0]["job_title"] = json!({"title": "Senior Software Engineer"});
    bad["profiles"][0]["salary"] = json!({"currency_type": "EUR", "date": "2026-08-03", "yearly_amount": 1});
    let eur = post(bad.clone()).await;
    assert_eq!(eur.status, 422);
    assert!(eur.json()["errors"][0].as_str().unwrap().contains("USD"));
    bad["profiles"][0]["salary"]["currency_type"] = json!("USD");
    bad["profiles"][0]["user_status"] = json!("hired");
    assert_eq!(post(bad.clone()).await.status, 422);
    bad["profiles"][0]["user_status"] = json!("active");
    assert_eq!(post(bad).await.status, 201);
    assert_eq!(post(json!({"nope": []})).await.status, 422);
    // Every refused body broke the request schema too, and was recorded as such.
    let violations = n.violations();
    assert!(violations.iter().all(|v| v.direction == Direction::Request), "{violations:?}");
    assert!(
        violations.iter().any(|v| v.pointer == "/profiles/0" && v.message.contains("first_name")),
        "{violations:?}"
    );
    assert!(violations.iter().any(|v| v.pointer == "/profiles/0/salary/currency_type"), "{violations:?}");
    assert_eq!(n.profiles().len(), 2);
}

#[tokio::test]
async fn updates_change_only_what_is_sent() {
    let n = demo().await;
    let created = namely_send(&n, "POST", "/profiles", &new_profile("up@acme.example")).await.json();
    let id = created["profiles"][0]["id"].as_str().unwrap().to_string();

    let missing_file =
        namely_send(&n, "PUT", &format!("/profiles/{id}"), &json!({"profiles": [{"resume": "not-uploaded"}]})).await;
    assert_eq!(missing_file.status, 422);
    assert_eq!(missing_file.json()["message"], "error updating profile");

    let (ct, body) = multipart("file", "cv.pdf", "application/pdf", b"%PDF-1.4 tiny");
    let url = format!("{}/files", n.base_url());
    let up =
        send("POST", &url, &[("authorization", n.expected_authorization()), ("content-type", ct)], Some(body)).await;
    assert_eq!(up.status, 200);
    let file = up.json()["files"][0].clone();
    let file_id = file["id"].as_str().unwrap().to_string();
    assert_eq!(file["filename"], "cv.pdf");
    assert_eq!(file["mime_type"], "application/pdf");
    assert_eq!(file["original"], format!("/files/{file_id}/download"));
    assert_eq!(n.files()[0].bytes, b"%PDF-1.4 tiny");

    let r = namely_send(
        &n,
        "PUT",
        &format!("/profiles/{id}"),
        &json!({"profiles": [{"resume": file_id, "middle_name": "B"}]}),
    )
    .await;
    assert_eq!(r.status, 200);
    let p = &r.json()["profiles"][0];
    assert_eq!(p["resume"], file_id.as_str());
    assert_eq!(p["middle_name"], "B");
    assert_eq!(p["first_name"], "Ada");
    assert_eq!(namely_send(&n, "PUT", "/profiles/nope", &json!({"profiles": [{}]})).await.status, 404);
    let download = send(
        "GET",
        &format!("{}/files/{file_id}/download", n.base_url()),
        &[("authorization", n.expected_authorization())],
        None,
    )
    .await;
    assert_eq!(&download.body[..], b"%PDF-1.4 tiny");
    assert_eq!(n.write_count(), 5, "POST, 3 PUTs and the upload");
    assert!(n.violations().iter().all(|v| v.endpoint == "PUT /api/v1/profiles/{id}"), "{:?}", n.violations());
}

#[tokio::test]
async fn uploads_must_be_multipart_with_a_file_part() {
    let n = demo().await;
    let url = format!("{}/files", n.base_url());
    let auth = ("authorization", n.expected_authorization());
    let json_body =
        send("POST", &url, &[auth.clone(), ("content-type", "application/json".into())], Some(b"{}".to_vec())).await;
    assert_eq!(json_body.status, 422);
    check_error(&json_body.json());
    let (ct, body) = multipart("attachment", "cv.pdf", "application/pdf", b"x");
    let wrong_part = send("POST", &url, &[auth, ("content-type", ct)], Some(body)).await;
    assert_eq!(wrong_part.status, 422);
    assert_eq!(n.violations().len(), 2);
    assert!(n.files().is_empty());
}

#[tokio::test]
async fn non_admin_tokens_do_not_see_salary_or_home() {
    let n = demo().await;
    add_tokens(&n);
    assert!(n.profiles().is_empty(), "the demo has no profiles");
    let me = namely_get(&n, "/profiles/me").await.json();
    assert_eq!(me["profiles"][0]["access_role"], "Administrator");
    assert_eq!(me["profiles"][0]["full_name"], "API User");
    // A token tied to a profile shows that profile.
    let owner = namely_send(&n, "POST", "/profiles", &new_profile("owner@acme.example")).await.json();
    let owner_id = owner["profiles"][0]["id"].as_str().unwrap().to_string();
    n.with_data(|d| {
        d.tokens.push(TokenSeed { token: "owned".into(), admin: true, active: true, profile_id: Some(owner_id) })
    });
    assert_eq!(namely_get_as(&n, "/profiles/me", "owned").await.json()["profiles"][0]["email"], "owner@acme.example");
    let fields = namely_get(&n, "/profiles/fields").await.json();
    let names: Vec<&str> = fields["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    for f in [
        "first_name",
        "middle_name",
        "last_name",
        "preferred_name",
        "email",
        "personal_email",
        "user_status",
        "start_date",
        "mobile_phone",
        "home_phone",
        "linkedin_url",
        "job_title",
        "employee_type",
        "salary",
        "home",
        "resume",
    ] {
        assert!(names.contains(&f), "{f}");
    }
    let me2 = namely_get_as(&n, "/profiles/me", "employee-token").await.json();
    assert_eq!(me2["profiles"][0]["access_role"], "Employee");
    let limited = namely_get_as(&n, "/profiles/fields", "employee-token").await.json();
    let names: Vec<&str> = limited["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert!(!names.contains(&"salary") && !names.contains(&"home"), "{names:?}");

    let mut body = new_profile("e@acme.example");
    body["profiles"][0]["salary"] = json!({"currency_type": "USD", "date": "2026-08-03", "yearly_amount": 5});
    let created = namely_send_as(&n, "POST", "/profiles", &body, "employee-token").await;
    assert_eq!(created.status, 201);
    let id = created.json()["profiles"][0]["id"].as_str().unwrap().to_string();
    assert!(created.json()["profiles"][0].get("salary").is_none());
    assert_eq!(n.profile(&id).unwrap()["salary"], Value::Null, "the salary write was dropped");

    let titles = namely_get(&n, "/job_titles").await.json();
    assert_eq!(titles["job_titles"].as_array().unwrap().len(), 4);
    assert_eq!(titles["job_titles"][0]["title"], "Senior Software Engineer");
    assert!(n.violations().is_empty(), "{:?}", n.violations());
}

#[tokio::test]
async fn get_profiles_is_throttled_with_406_past_the_limit() {
    let n = demo().await;
    assert_eq!(namely_send(&n, "POST", "/profiles", &new_profile("t@acme.example")).await.status, 201);
    n.faults().set_profiles_rate_limit(5, Duration::from_secs(60));
    for _ in 0..3 {
        assert_eq!(namely_get(&n, "/profiles").await.status, 200);
    }
    assert_eq!(namely_get(&n, "/profiles/me").await.status, 200);
    let id = n.profiles()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(namely_get(&n, &format!("/profiles/{id}")).await.status, 200);
    // Fields and job titles are not throttled.
    assert_eq!(namely_get(&n, "/profiles/fields").await.status, 200);
    assert_eq!(namely_get(&n, "/job_titles").await.status, 200);
    let r = namely_get(&n, "/profiles?page=1").await;
    assert_eq!(r.status, 406);
    assert_eq!(r.json(), json!({"message": "Too many requests", "errors": []}));
    assert!(r.header("retry-after").is_none());
    assert_eq!(namely_get(&n, "/profiles.json").await.status, 406);
    assert_eq!(
        namely_send(&n, "POST", "/profiles", &new_profile("w@acme.example")).await.status,
        201,
        "writes are not throttled"
    );

    // A short rolling window drains by itself.
    n.faults().set_profiles_rate_limit(2, Duration::from_millis(300));
    assert_eq!(namely_get(&n, "/profiles").await.status, 200);
    assert_eq!(namely_get(&n, "/profiles").await.status, 200);
    assert_eq!(namely_get(&n, "/profiles").await.status, 406);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(namely_get(&n, "/profiles").await.status, 200);
}

#[tokio::test]
async fn the_default_throttle_is_100_per_minute() {
    let n = demo().await;
    for i in 0..100 {
        assert_eq!(namely_get(&n, "/profiles").await.status, 200, "request {i}");
    }
    assert_eq!(namely_get(&n, "/profiles").await.status, 406);
}

#[tokio::test]
async fn bad_seeds_fail_at_start() {
    let mut seed = demo_namely_seed();
    seed.profiles.push(json!({"first_name": "No", "last_name": "Email", "user_status": "active"}));
    let err = NamelyHandle::start(seed).await.err().expect("a profile without email must be refused");
    assert!(err.to_string().contains("email is a required field"), "{err}");
}
