//! A small WebDriver client for driving headless Chromium through
//! chromedriver (Debian's `chromium` and `chromium-driver` packages), for the
//! console's browser tests. Plain HTTP/1.1 over loopback, blocking.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A headless Chromium session.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: crate::TempDir,
}

fn find(candidates: &[&str]) -> Option<String> {
    candidates.iter().find(|p| Path::new(p).exists()).map(|p| p.to_string())
}

impl Browser {
    /// Start chromedriver and a headless Chromium session. The error says
    /// what to install when either is missing.
    pub fn start() -> Result<Browser, String> {
        let driver_path = std::env::var("CHROMEDRIVER").ok().or_else(|| find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]));
        let chromium = std::env::var("CHROMIUM").ok().or_else(|| find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]));
        let (Some(driver_path), Some(chromium)) = (driver_path, chromium) else {
            return Err("the browser tests need Chromium and ChromeDriver: apt-get install chromium chromium-driver \
                        (or set CHROMIUM and CHROMEDRIVER to their paths)"
                .into());
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {driver_path}: {e}"))?;
        let profile = crate::TempDir::new("chromium-profile");
        let mut b = Browser { driver, port, session: String::new(), _profile: profile };
        let deadline = Instant::now() + Duration::from_secs(30);
        while b.http("GET", "/status", None).map(|v| v["value"]["ready"] != json!(true)).unwrap_or(true) {
            if Instant::now() > deadline {
                return Err("chromedriver did not become ready in 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // The flags a root, offline machine needs (no sandbox, no background
        // calls to Google), and a fresh profile.
        let args = json!([
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900",
            format!("--user-data-dir={}", b._profile.0.display())
        ]);
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": chromium, "args": args}}}});
        let created = b.http("POST", "/session", Some(caps))?;
        b.session = created["value"]["sessionId"].as_str().ok_or_else(|| format!("no session: {created}"))?.to_string();
        Ok(b)
    }

    fn http(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        s.write_all(head.as_bytes()).and_then(|_| s.write_all(body.as_bytes())).map_err(|e| e.to_string())?;
        // chromedriver may keep the connection open: read by the declared length.
        let mut raw = Vec::new();
        let mut buf = [0u8; 16384];
        let payload = loop {
            let n = s.read(&mut buf).map_err(|e| e.to_string())?;
            raw.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&raw).into_owned();
            if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                let lower = head.to_ascii_lowercase();
                let length = lower.lines().find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()));
                match length {
                    Some(len) if rest.len() >= len => break rest[..len].to_string(),
                    None if lower.contains("transfer-encoding: chunked") && rest.ends_with("0\r\n\r\n") => break dechunk(rest),
                    _ if n == 0 => break rest.to_string(),
                    _ => {}
                }
            } else if n == 0 {
                return Err("no HTTP answer from chromedriver".into());
            }
        };
        let head = "chromedriver";
        serde_json::from_str(&payload).map_err(|e| format!("chromedriver answered {head}: {e}"))
    }

    /// A WebDriver command in this session; an error carries WebDriver's message.
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = self.http(method, &format!("/session/{}{path}", self.session), body).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        if let Some(err) = v["value"]["error"].as_str() {
            panic!("{method} {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    /// Send `Authorization` with every request the page makes (none to clear).
    pub fn authorization(&self, value: Option<&str>) {
        self.cmd("POST", "/goog/cdp/execute", Some(json!({"cmd": "Network.enable", "params": {}})));
        let headers = value.map(|v| json!({"Authorization": v})).unwrap_or(json!({}));
        self.cmd("POST", "/goog/cdp/execute", Some(json!({"cmd": "Network.setExtraHTTPHeaders", "params": {"headers": headers}})));
    }

    /// Load a page.
    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    /// The current page's HTML.
    pub fn source(&self) -> String {
        self.cmd("GET", "/source", None).as_str().unwrap_or_default().to_string()
    }

    /// The current URL.
    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    fn element(&self, css: &str) -> String {
        let v = self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}")).to_string()
    }

    /// Click the element `css` selects.
    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Type into the element `css` selects.
    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.cmd("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.cmd("POST", &format!("/element/{id}/value"), Some(json!({"text": text})));
    }

    /// The visible text of the element `css` selects.
    pub fn text(&self, css: &str) -> String {
        let id = self.element(css);
        self.cmd("GET", &format!("/element/{id}/text"), None).as_str().unwrap_or_default().to_string()
    }

    /// An attribute of the element `css` selects.
    pub fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let id = self.element(css);
        self.cmd("GET", &format!("/element/{id}/attribute/{name}"), None).as_str().map(str::to_string)
    }

    /// Wait (up to 10 s) until the current URL contains `part`: a click
    /// that submits a form may return before the next page has loaded.
    pub fn wait_for_url(&self, part: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.url().contains(part) {
            assert!(Instant::now() < deadline, "the browser never reached a URL with {part:?}; it is at {}", self.url());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Save a PNG of the page.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap_or_default()).expect("a base64 PNG");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let Some(chunk) = after.get(..n).filter(|_| n > 0) else { break };
        out.push_str(chunk);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.http("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
