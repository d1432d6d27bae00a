//! The Lever simulator: auth, envelopes, pagination, filters, documents, notes.

mod common;

use common::*;
use lever_namely_simulators::{demo_lever_seed, AuthOutcome, LeverHandle, NewHire, HIRED_REASON_ID};
use serde_json::{json, Value};

async fn demo() -> LeverHandle {
    LeverHandle::start(demo_lever_seed()).await.unwrap()
}

fn opp_path() -> String {
    format!("/opportunities/{}", lever_namely_simulators::demo_opportunity_id())
}

#[tokio::test]
async fn refuses_missing_or_wrong_credentials_with_lever_error_bodies() {
    let l = demo().await;
    let url = format!("{}/archive_reasons", l.base_url());
    let key = l.api_key();
    for (auth, outcome) in [
        (None, AuthOutcome::Missing),
        (Some(basic("wrong-key", "")), AuthOutcome::Rejected),
        (Some(basic(&key, "a-password")), AuthOutcome::Rejected),
        (Some(format!("Bearer {key}")), AuthOutcome::Rejected),
    ] {
        let headers: Vec<(&str, String)> = auth.into_iter().map(|a| ("authorization", a)).collect();
        let r = send("GET", &url, &headers, None).await;
        assert_eq!(r.status, 401);
        let body = r.json();
        assert_eq!(body["code"], "Unauthorized");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(l.requests().last().unwrap().auth, outcome);
    }
    let ok = lever_get(&l, "/archive_reasons").await;
    assert_eq!(ok.status, 200);
    let last = l.requests().last().unwrap().clone();
    assert_eq!(last.auth, AuthOutcome::Accepted);
    assert!(last.authorization_equals(&l.expected_authorization()));
    assert!(!last.authorization_equals(&basic("wrong-key", "")));
    assert_eq!(last.auth_scheme.as_deref(), Some("Basic"));
    assert!(!format!("{last:?}").contains(&key), "the log must not hold the key");
    assert!(l.violations().is_empty(), "{:?}", l.violations());
}

#[tokio::test]
async fn single_objects_and_lists_use_lever_envelopes() {
    let l = demo().await;
    let one = lever_get(&l, &opp_path()).await;
    assert_eq!(one.status, 200);
    let data = &one.json()["data"];
    assert_eq!(data["name"], "Robert \"Bob\" de la Cruz");
    assert!(data["applications"][0].is_string(), "applications are ids without expand");

    let expanded = lever_get(&l, &format!("{}?expand=applications&expand=stage", opp_path())).await.json();
    let app = &expanded["data"]["applications"][0];
    assert!(app["posting"].is_string());
    assert_eq!(app["archived"]["reason"], HIRED_REASON_ID);
    assert!(app["requisitionForHire"]["id"].is_string());

    for bad in ["?expand=applications,stage", "?expand[]=applications", "?expand=offers"] {
        let r = lever_get(&l, &format!("{}{bad}", opp_path())).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.json()["message"].as_str().unwrap().ends_with("is not expandable"));
    }

    let list = lever_get(&l, "/archive_reasons").await.json();
    assert_eq!(list["hasNext"], false);
    assert!(list.get("next").is_none());
    assert_eq!(list["data"].as_array().unwrap().iter().filter(|r| r["type"] == "hired").count(), 1);
    let reason = lever_get(&l, &format!("/archive_reasons/{HIRED_REASON_ID}")).await.json();
    assert_eq!(reason["data"]["text"], "Hired");

    let missing = lever_get(&l, "/opportunities/nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["code"], "ResourceNotFound");
    assert_eq!(lever_get(&l, "/no/such/path").await.status, 404);

    for path in ["/requisitions/5e90e000-0000-4000-8000-000000000001", "/postings/b0571000-0000-4000-8000-000000000001"]
    {
        assert_eq!(lever_get(&l, path).await.status, 200, "{path}");
    }
    let users = lever_get(&l, "/users").await.json();
    let user_id = users["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(lever_get(&l, &format!("/users/{user_id}")).await.json()["data"]["id"], user_id.as_str());
    for sub in ["offers", "forms", "notes"] {
        let r = lever_get(&l, &format!("{}/{sub}", opp_path())).await.json();
        assert_eq!(r["hasNext"], false, "{sub}");
    }
    let offer = &lever_get(&l, &format!("{}/offers", opp_path())).await.json()["data"][0];
    assert_eq!(offer["status"], "signed");
    let ids: Vec<&str> = offer["fields"].as_array().unwrap().iter().filter_map(|f| f["identifier"].as_str()).collect();
    for id in [
        "anticipated_start_date",
        "job_title",
        "employment_status",
        "salary_amount",
        "salary_currency",
        "salary_interval",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    let form = &lever_get(&l, &format!("{}/forms", opp_path())).await.json()["data"][0];
    assert_eq!(form["text"], "Namely Form");
    assert!(l.violations().is_empty(), "{:?}", l.violations());
}

#[tokio::test]
async fn pagination_follows_issued_tokens_only() {
    let l = demo().await;
    let mut expected: Vec<String> = vec![lever_namely_simulators::demo_opportunity_id().to_string()];
    for n in 0..4 {
        expected.push(l.add_hire(NewHire::numbered(n)));
    }
    let mut seen = Vec::new();
    let mut path = "/opportunities?limit=2".to_string();
    loop {
        let page = lever_get(&l, &path).await.json();
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|o| o["id"].as_str().unwrap().to_string()));
        if page["hasNext"] == false {
            assert!(page.get("next").is_none());
            break;
        }
        path = format!("/opportunities?limit=2&offset={}", page["next"].as_str().unwrap());
    }
    assert_eq!(seen, expected);

    let bad = lever_get(&l, "/opportunities?offset=not-a-token").await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["message"].as_str().unwrap().starts_with("Invalid offset token"));
    // A token from one list is no good for another.
    let token = lever_get(&l, "/opportunities?limit=1").await.json()["next"].as_str().unwrap().to_string();
    assert_eq!(lever_get(&l, &format!("/archive_reasons?offset={token}")).await.status, 400);
    for limit in ["0", "101", "x"] {
        assert_eq!(lever_get(&l, &format!("/opportunities?limit={limit}")).await.status, 400, "limit={limit}");
    }
    assert_eq!(lever_get(&l, "/opportunities?limit=100").await.status, 200);
}

#[tokio::test]
async fn opportunity_filters_find_hires() {
    let l = demo().await;
    let late = l.add_hire(NewHire { archived_at_ms: Some(2_000_000_000_000), ..NewHire::numbered(1) });
    let secret =
        l.add_hire(NewHire { confidential: true, archived_at_ms: Some(2_000_000_000_000), ..NewHire::numbered(2) });
    l.with_data(|d| {
        d.opportunities
            .push(json!({"id": "open-one", "archived": null, "confidentiality": "non-confidential", "updatedAt": 5}))
    });
    let ids = |v: Value| -> Vec<String> {
        v["data"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect()
    };

    let hired =
        ids(lever_get(&l, &format!("/opportunities?archive_reason_id={HIRED_REASON_ID}&archive_reason_id=other"))
            .await
            .json());
    assert_eq!(hired.len(), 2, "confidential left out by default: {hired:?}");
    let all = ids(lever_get(&l, &format!("/opportunities?archive_reason_id={HIRED_REASON_ID}&confidentiality=all"))
        .await
        .json());
    assert!(all.contains(&secret));
    let only = ids(lever_get(&l, "/opportunities?confidentiality=confidential").await.json());
    assert_eq!(only, vec![secret.clone()]);
    let window =
        ids(lever_get(&l, "/opportunities?archived_at_start=2000000000000&archived_at_end=2000000000000").await.json());
    assert_eq!(window, vec![late.clone()]);
    assert_eq!(ids(lever_get(&l, "/opportunities?archived=false").await.json()), vec!["open-one".to_string()]);
    assert_eq!(ids(lever_get(&l, "/opportunities?archived=true").await.json()).len(), 2);
    let updated = ids(lever_get(&l, "/opportunities?updated_at_start=1999999999999").await.json());
    assert_eq!(updated, vec![late.clone()]);
    assert_eq!(lever_get(&l, "/opportunities?archived_at_start=yesterday").await.status, 400);
    assert_eq!(lever_get(&l, "/opportunities?confidentiality=some").await.status, 400);

    assert_eq!(l.hired_reason_id(), HIRED_REASON_ID);
    assert_ne!(l.non_hired_reason_id(), HIRED_REASON_ID);
    let opp = lever_namely_simulators::demo_opportunity_id();
    l.update_forms(opp, |forms| forms.clear());
    l.update_offers(opp, |offers| offers[0]["status"] = json!("sent"));
    assert_eq!(lever_get(&l, &format!("/opportunities/{opp}/forms")).await.json()["data"], json!([]));
    assert_eq!(lever_get(&l, &format!("/opportunities/{opp}/offers")).await.json()["data"][0]["status"], "sent");

    // "Fix the data in Lever": the change shows, and updatedAt moves forward.
    let before = l.opportunity(&late).unwrap()["updatedAt"].as_i64().unwrap();
    l.update_opportunity(&late, |o| o["emails"] = json!(["fixed@example.com"]));
    let after = lever_get(&l, &format!("/opportunities/{late}")).await.json();
    assert_eq!(after["data"]["emails"][0], "fixed@example.com");
    assert!(after["data"]["updatedAt"].as_i64().unwrap() > before);
}

#[tokio::test]
async fn resumes_and_files_refuse_pagination_and_download_raw_bytes() {
    let l = demo().await;
    for kind in ["resumes", "files"] {
        for q in ["?limit=10", "?offset=abc"] {
            let r = lever_get(&l, &format!("{}/{kind}{q}", opp_path())).await;
            assert_eq!(r.status, 400);
            assert_eq!(r.json()["message"], "pagination is not supported for this endpoint");
        }
    }
    let resumes = lever_get(&l, &format!("{}/resumes", opp_path())).await.json();
    assert_eq!(resumes["hasNext"], false);
    let resume = &resumes["data"][0];
    let url = resume["file"]["downloadUrl"].as_str().unwrap().to_string();
    assert!(url.starts_with(&l.base_url()), "{url}");
    let one = lever_get(&l, &format!("{}/resumes/{}", opp_path(), resume["id"].as_str().unwrap())).await;
    assert_eq!(one.json()["data"]["id"], resume["id"]);
    let download = send("GET", &url, &[("authorization", l.expected_authorization())], None).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    assert!(download.body.starts_with(b"%PDF-"));
    assert_eq!(download.body.len() as u64, resume["file"]["size"].as_u64().unwrap());
    assert_eq!(lever_get(&l, &format!("{}/files", opp_path())).await.json(), json!({"data": [], "hasNext": false}));

    // A seeded file downloads with the type of its extension.
    let opp = lever_namely_simulators::demo_opportunity_id();
    l.with_data(|d| {
        d.files.insert(opp.into(), vec![json!({"id": "f1", "name": "cv.docx", "ext": "docx", "uploadedAt": 1, "status": "processed", "size": 3})]);
        d.file_bytes.insert("f1".into(), lever_namely_simulators::Blob::Text("abc".into()));
    });
    let f = lever_get(&l, &format!("{}/files/f1/download", opp_path())).await;
    assert_eq!(
        f.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    assert_eq!(&f.body[..], b"abc");
    assert!(l.violations().is_empty(), "{:?}", l.violations());
}

#[tokio::test]
async fn posting_a_note_answers_201_and_the_note_is_listed() {
    let l = demo().await;
    assert_eq!(l.write_count(), 0);
    let text = "Synced to Namely: profile created.";
    let r = lever_post(
        &l,
        &format!("{}/notes", opp_path()),
        &json!({"value": text, "secret": false, "notifyFollowers": false}),
    )
    .await;
    assert_eq!(r.status, 201);
    let data = r.json()["data"].clone();
    assert_eq!(data["text"], "Note");
    assert_eq!(data["noteId"], data["id"]);
    assert_eq!(data["fields"][0]["type"], "note");
    assert_eq!(data["fields"][0]["text"], "Comment");
    assert_eq!(data["fields"][0]["value"], text);
    assert_eq!(data["fields"][0]["stage"], "offer");

    let listed = lever_get(&l, &format!("{}/notes", opp_path())).await.json();
    assert_eq!(listed["data"][0]["id"], data["id"]);
    assert!(listed["data"][0].get("noteId").is_none());
    let opp = lever_namely_simulators::demo_opportunity_id();
    assert_eq!(l.notes(opp).len(), 1);
    let by_id = lever_get(&l, &format!("{}/notes/{}", opp_path(), data["id"].as_str().unwrap())).await;
    assert_eq!(by_id.json()["data"]["fields"][0]["value"], text);

    // perform_as must name a user; an unknown opportunity is 404; both still count as writes.
    let bad_user = lever_post(&l, &format!("{}/notes?perform_as=ghost", opp_path()), &json!({"value": "x"})).await;
    assert_eq!(bad_user.status, 400);
    assert_eq!(lever_post(&l, "/opportunities/nope/notes", &json!({"value": "x"})).await.status, 404);
    assert_eq!(l.write_count(), 3);
    assert_eq!(l.write_counts().get("POST /v1/opportunities/{id}/notes"), Some(&3));
    assert!(l.violations().is_empty(), "{:?}", l.violations());
}

#[tokio::test]
async fn many_hires_and_concurrent_requests() {
    let l = demo().await;
    for n in 0..1000 {
        l.add_hire(NewHire::numbered(n));
    }
    let mut total = 0;
    let mut offset: Option<String> = None;
    loop {
        let path = match &offset {
            Some(o) => format!("/opportunities?archive_reason_id={HIRED_REASON_ID}&limit=100&offset={o}"),
            None => format!("/opportunities?archive_reason_id={HIRED_REASON_ID}&limit=100"),
        };
        let page = lever_get(&l, &path).await.json();
        total += page["data"].as_array().unwrap().len();
        match page["next"].as_str() {
            Some(n) => offset = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(total, 1001);
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let l = l.clone();
            tokio::spawn(async move { lever_get(&l, &opp_path()).await.status })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert!(l.violations().is_empty(), "{:?}", l.violations());
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let l = demo().await;
    let url = format!("{}/archive_reasons", l.base_url());
    assert!(try_send("GET", &url, &[], None).await.is_ok());
    l.shutdown();
    let mut refused = false;
    for _ in 0..50 {
        if try_send("GET", &url, &[], None).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(refused, "the server still answers after shutdown");
}
