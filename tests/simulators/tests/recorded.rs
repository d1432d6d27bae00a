//! Lever's recorded responses (`tests/fixtures/lever-recorded/`) seed the
//! simulator and are served back: GETs byte-for-byte, POSTs in the same shape.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use lever_namely_simulators::{LeverHandle, LeverSeed, Recorded};
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/lever-recorded")
}

fn files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "recorded fixtures missing from {}", fixtures().display());
    v
}

/// The keys of `v`, recursively (first element of arrays): its shape, not its values.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => a.first().map(|x| json!([shape(x)])).unwrap_or(json!([])),
        _ => Value::Null,
    }
}

/// A body for re-playing a recorded POST.
fn post_body(x: &Recorded) -> Value {
    if x.path.ends_with("/notes") {
        json!({ "value": x.body["data"]["fields"][0]["value"], "secret": false })
    } else {
        let d = &x.body["data"];
        json!({ "event": d["event"], "url": d["url"], "configuration": { "conditions": d["configuration"]["conditions"] } })
    }
}

#[tokio::test]
async fn each_recorded_exchange_is_served_back_in_its_recorded_shape() {
    // Sub-resources need their opportunity, so it joins every single-file seed.
    let opportunity = LeverSeed::read_recorded_file(&fixtures().join("get-opportunity.json")).unwrap();
    for file in files() {
        let exchanges = LeverSeed::read_recorded_file(&file).unwrap();
        let mut all = exchanges.clone();
        all.extend(opportunity.iter().cloned());
        let seed = LeverSeed::from_recorded(&all).unwrap_or_else(|e| panic!("{}: {e:#}", file.display()));
        let l = LeverHandle::start(seed).await.unwrap();
        let origin = l.base_url().trim_end_matches("/v1").to_string();
        for x in &exchanges {
            let url = format!("{origin}{}", x.path);
            let headers =
                [("authorization", l.expected_authorization()), ("content-type", "application/json".to_string())];
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            if x.method == "GET" {
                let r = send("GET", &url, &headers, None).await;
                assert_eq!(r.status, x.status, "{name}");
                assert_eq!(r.json(), x.body, "{name}: GET {} differs from the recording", x.path);
            } else {
                let r = send(&x.method, &url, &headers, Some(post_body(x).to_string().into_bytes())).await;
                assert_eq!(r.status, x.status, "{name}");
                assert_eq!(shape(&r.json()), shape(&x.body), "{name}: {} {} has another shape", x.method, x.path);
            }
        }
        assert!(l.violations().is_empty(), "{}: {:?}", file.display(), l.violations());
    }
}

#[tokio::test]
async fn the_whole_recorded_directory_seeds_one_simulator() {
    let seed = LeverSeed::from_recorded_dir(fixtures()).expect("the recorded fixtures must seed cleanly");
    let hired = seed.archive_reasons.iter().filter(|r| r["type"] == "hired").count();
    assert_eq!(hired, 1);
    let l = LeverHandle::start(seed).await.unwrap();
    let opp = "6408dc54-7015-4e5b-8d60-23afff2b1efc";
    for file in files() {
        for x in LeverSeed::read_recorded_file(&file).unwrap().into_iter().filter(|x| x.method == "GET") {
            let r = lever_get(&l, x.path.trim_start_matches("/v1")).await;
            assert_eq!(r.status, 200, "{}", x.path);
        }
    }
    // The recorded application is what expand=applications serves.
    let expanded = lever_get(&l, &format!("/opportunities/{opp}?expand=applications")).await.json();
    let recorded_app =
        &LeverSeed::read_recorded_file(&fixtures().join("get-application.json")).unwrap()[0].body["data"];
    assert_eq!(&expanded["data"]["applications"][0], recorded_app);
    // The recorded created note is one of the opportunity's notes, without noteId.
    let notes = lever_get(&l, &format!("/opportunities/{opp}/notes")).await.json();
    assert!(notes["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["id"] == "7f8004a4-e5db-466a-ae31-7a26346701ed" && n.get("noteId").is_none()));
    assert!(l.violations().is_empty(), "{:?}", l.violations());
}
