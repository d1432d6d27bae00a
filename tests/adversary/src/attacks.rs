//! The attacks. Each returns what it saw, one finding per line.

use crate::bindings::wasi::config::store;
use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{ErrorCode, Fields, Method, OutgoingRequest, Scheme};
use crate::bindings::wasi::io::streams::StreamError;

pub fn spin() -> Vec<String> {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

pub fn allocate() -> Vec<String> {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every page so nothing is optimised away.
        hoard.push(vec![0xA5; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}

pub fn sleep() -> Vec<String> {
    let hour = 3_600_000_000_000u64;
    crate::bindings::wasi::clocks::monotonic_clock::subscribe_duration(hour).block();
    vec!["slept an hour".into()]
}

/// `scheme://authority/path` → its parts; no URL crate in a tiny guest.
fn split(url: &str) -> Option<(Scheme, String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.into()),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    Some((scheme, authority.to_string(), path.to_string()))
}

/// GET `url`: the status and the Location header, or why it failed.
fn get(url: &str) -> Result<(u16, Option<String>), String> {
    let (scheme, authority, path) = split(url).ok_or_else(|| format!("not a URL: {url}"))?;
    let request = OutgoingRequest::new(Fields::new());
    request.set_method(&Method::Get).map_err(|_| "method refused".to_string())?;
    request.set_scheme(Some(&scheme)).map_err(|_| "scheme refused".to_string())?;
    request.set_authority(Some(&authority)).map_err(|_| format!("authority {authority:?} refused"))?;
    request.set_path_with_query(Some(&path)).map_err(|_| "path refused".to_string())?;
    let pending = outgoing_handler::handle(request, None).map_err(describe)?;
    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(r))) => r,
        Some(Ok(Err(e))) => return Err(describe(e)),
        _ => return Err("no response".into()),
    };
    let location = response.headers().get("location").into_iter().next().map(|v| String::from_utf8_lossy(&v).into_owned());
    // Read the whole body: a body cap shows only when the body is read.
    let body = response.consume().map_err(|_| "no body".to_string())?;
    let stream = body.stream().map_err(|_| "no body stream".to_string())?;
    loop {
        match stream.blocking_read(65536) {
            Ok(_) => {}
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                let code = crate::bindings::wasi::http::types::http_error_code(&e);
                return Err(format!("body error {code:?}: {}", e.to_debug_string()));
            }
        }
    }
    drop(stream);
    Ok((response.status(), location))
}

fn describe(e: ErrorCode) -> String {
    format!("error {e:?}")
}

pub fn egress() -> Vec<String> {
    let targets = store::get("adversary.targets").ok().flatten().unwrap_or_default();
    let mut seen = Vec::new();
    for first in targets.lines().filter(|l| !l.trim().is_empty()) {
        let mut url = first.trim().to_string();
        // Follow redirects by hand, as a guest must: each hop is a new request.
        for hop in 0..5 {
            match get(&url) {
                Ok((status, Some(next))) if (300..400).contains(&status) => {
                    seen.push(format!("{first} hop {hop}: {url} -> {status} to {next}"));
                    url = next;
                }
                Ok((status, _)) => {
                    seen.push(format!("{first} hop {hop}: {url} -> {status}"));
                    break;
                }
                Err(e) => {
                    seen.push(format!("{first} hop {hop}: {url} -> {e}"));
                    break;
                }
            }
        }
    }
    seen
}

pub fn authorization() -> Vec<String> {
    let mut seen = Vec::new();
    for name in ["authorization", "Authorization", "proxy-authorization"] {
        let value = b"Basic c3RvbGVuOg==".to_vec();
        seen.push(format!("from_list {name}: {:?}", Fields::from_list(&[(name.to_string(), value.clone())]).map(|_| ())));
        let fields = Fields::new();
        seen.push(format!("set {name}: {:?}", fields.set(name, &[value.clone()])));
        seen.push(format!("append {name}: {:?}", fields.append(name, &value)));
    }
    seen
}

pub fn environment() -> Vec<String> {
    let mut seen = vec![
        format!("env vars: {}", std::env::vars_os().count()),
        format!("args: {}", std::env::args_os().count()),
        format!("cwd: {:?}", std::env::current_dir().ok()),
    ];
    // Every setting the host passed, so a test can check no secret is among them.
    match store::get_all() {
        Ok(all) => seen.extend(all.into_iter().map(|(k, v)| format!("setting {k} = {v}"))),
        Err(e) => seen.push(format!("settings: {e:?}")),
    }
    seen
}

#[cfg(feature = "reads-files")]
pub fn files() -> Vec<String> {
    vec![
        format!("read_dir /: {:?}", std::fs::read_dir("/").map(|d| d.count())),
        format!("read /etc/passwd: {:?}", std::fs::read("/etc/passwd").map(|b| b.len())),
    ]
}
