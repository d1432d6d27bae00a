//! Running the real `lever-namely` binary: building it beside this harness,
//! pointing it at in-process simulators, and reading its memory from /proc.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use lever_namely_simulators::Simulators;

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root")
}

/// `lever-namely`, built with this harness's profile into its target
/// directory (a no-op when it is up to date), so both measure the same code.
pub fn host_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe.parent().context("the harness has no directory")?;
    let target_dir = profile_dir.parent().context("the harness is not in a target directory")?;
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root()).args(["build", "--quiet", "-p", "lever-namely", "--bin", "lever-namely"]).env("CARGO_TARGET_DIR", target_dir);
    if profile == "release" {
        cmd.arg("--release");
    }
    if !cmd.status()?.success() {
        bail!("could not build lever-namely");
    }
    Ok(profile_dir.join("lever-namely"))
}

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> anyhow::Result<Scratch> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
        let dir = std::env::temp_dir().join(format!("lever-namely-bench-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The webhook token variable the configs below name.
pub const WEBHOOK_TOKEN_ENV: &str = "LEVER_NAMELY_BENCH_WEBHOOK_TOKEN";
/// Its value.
pub const WEBHOOK_TOKEN: &str = "bench-webhook-signature-token";

/// A config file for the simulators, with `sync` and `serve` lines added to
/// those tables.
pub fn write_config(dir: &Scratch, sims: &Simulators, sync: &str, serve: &str) -> anyhow::Result<PathBuf> {
    let journal = dir.join("journal.db");
    let text = format!(
        "[lever]\nbase_url = \"{}\"\n[lever.webhook_tokens]\ncandidateHired = \"{WEBHOOK_TOKEN_ENV}\"\n\
         [namely]\nbase_url = \"{}\"\n[sandbox]\nallow_loopback = true\n[sync]\n{sync}\n[serve]\njournal = \"{}\"\n{serve}\n",
        sims.lever.base_url(),
        sims.namely.base_url(),
        journal.display()
    );
    let path = dir.join("lever-namely.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// A `lever-namely` command with the simulators' credentials in its
/// environment and its compile cache in `cache_home`.
pub fn command(bin: &Path, sims: &Simulators, cache_home: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env("LEVER_API_KEY", sims.lever.api_key())
        .env("NAMELY_ACCESS_TOKEN", sims.namely.token())
        .env(WEBHOOK_TOKEN_ENV, WEBHOOK_TOKEN)
        .env("XDG_CACHE_HOME", cache_home)
        .env("XDG_CONFIG_HOME", cache_home)
        .stdin(Stdio::null());
    cmd
}

/// Fill the compile cache in `dir` with one run, as on any run but a host's first.
pub fn warm_cache(bin: &Path, sims: &Simulators, dir: &Scratch) -> anyhow::Result<()> {
    let out = command(bin, sims, &dir.0).arg("inspect").output()?;
    if !out.status.success() {
        bail!("lever-namely inspect failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// `lever-namely serve` on a free loopback port, `serve` lines added to its
/// config, a warm compile cache, its output discarded (one log line per
/// delivery: written, as in production, but not kept); once healthy.
pub fn start_serve(bin: &Path, sims: &Simulators, dir: &Scratch, serve: &str) -> anyhow::Result<(Running, SocketAddr)> {
    let port = free_port()?;
    let cfg = write_config(dir, sims, "", &format!("listen = \"127.0.0.1:{port}\"\n{serve}"))?;
    warm_cache(bin, sims, dir)?;
    let mut cmd = command(bin, sims, &dir.0);
    cmd.args(["serve", "--config"]).arg(&cfg).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = Running(cmd.spawn()?);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    wait_for_health(addr, &mut child.0, Duration::from_secs(60))?;
    Ok((child, addr))
}

/// A free loopback port (free when asked; nothing else here binds one).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process, killed (by its own id) when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Wait until the service at `addr` answers `GET /healthz` (it binds before
/// its start-up requests are done, so a connection alone is not enough).
pub fn wait_for_health(addr: SocketAddr, child: &mut Child, within: Duration) -> anyhow::Result<()> {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Some(status) = child.try_wait()? {
            bail!("the service exited before listening ({status})");
        }
        if healthy(addr).unwrap_or(false) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("the service on {addr} was not healthy within {within:?}")
}

fn healthy(addr: SocketAddr) -> std::io::Result<bool> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(100))?;
    s.set_read_timeout(Some(Duration::from_millis(500)))?;
    s.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    Ok(answer.starts_with("HTTP/1.1 200"))
}

/// `VmRSS` and `VmHWM` (peak) of a process, in bytes.
pub fn memory(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let kib: u64 = status.lines().find_map(|l| l.strip_prefix(name))?.split_whitespace().next()?.parse().ok()?;
        Some(kib * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Run `cmd` to its end, sampling its peak RSS every 50 ms (the peak is
/// monotonic, so the last sample is the peak up to 50 ms before exit).
/// Returns the output, the wall time and the peak.
pub fn run_sampling_peak(mut cmd: Command) -> anyhow::Result<(std::process::Output, Duration, u64)> {
    let start = Instant::now();
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some((_, hwm)) = memory(pid) {
                    peak = peak.max(hwm);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        })
    };
    let output = child.wait_with_output()?;
    let wall = start.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap_or(0);
    Ok((output, wall, peak))
}
