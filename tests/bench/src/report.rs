//! Results as Markdown: one table of goal against result, each section's
//! details, and the machine they were measured on.

use std::time::Duration;

/// One figure, with its goal.
pub struct Row {
    pub what: String,
    pub goal: String,
    pub result: String,
    /// `None` for a figure with no goal of its own.
    pub met: Option<bool>,
}

impl Row {
    pub fn new(what: impl Into<String>, goal: impl Into<String>, result: impl Into<String>, met: Option<bool>) -> Row {
        Row { what: what.into(), goal: goal.into(), result: result.into(), met }
    }

    /// A figure reported for context, with no goal.
    pub fn info(what: impl Into<String>, result: impl Into<String>) -> Row {
        Row::new(what, "—", result, None)
    }
}

/// One measurement's figures, how it was made, and the load around it.
pub struct Section {
    pub number: usize,
    pub title: &'static str,
    pub rows: Vec<Row>,
    /// Method and raw numbers, one Markdown paragraph or list item each.
    pub details: Vec<String>,
    pub load_before: String,
    pub load_after: String,
}

/// The 1, 5 and 15 minute load averages, e.g. `3.65 4.03 4.54`. Other builds
/// share this machine, so every figure is reported beside them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_else(|_| "?".into())
}

/// Cores, CPU model, memory, kernel and compiler.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| l.strip_prefix("model name")).map(|m| m.trim_start_matches([' ', '\t', ':']).to_string()).unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cores} cores ({model}), {:.1} GiB memory, Linux {}, {}",
        mem_kib as f64 / (1024.0 * 1024.0),
        kernel.trim(),
        command_output("rustc", &["--version"])
    )
}

/// Today's date (UTC), from `date`.
pub fn today() -> String {
    command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| format!("({cmd} not found)"))
}

/// The marker below which `BENCHMARKS.md` is written by hand and kept when
/// the file is regenerated.
pub const NOTES_MARKER: &str = "<!-- Written by hand below this line; kept when the file is regenerated. -->";

/// The whole report. `notes` is the hand-written part of an existing file.
pub fn render(command: &str, sections: &[Section], notes: Option<&str>) -> String {
    let mut s = String::from("# Benchmarks\n\n");
    s.push_str("How close lever-namely comes to the limits that decide whether it is usable at scale ");
    s.push_str("(issue 7). Every figure below comes from one command:\n\n");
    s.push_str(&format!("```sh\n{command}\n```\n\n"));
    s.push_str(&format!("- Date: {}\n- Machine: {}\n", today(), machine()));
    s.push_str("- Other builds may share the machine: the load average (1, 5, 15 minutes) is given before and after each measurement.\n\n");
    s.push_str("| # | measure | goal | result | met | load before → after |\n|---|---|---|---|---|---|\n");
    for sec in sections {
        for r in &sec.rows {
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            s.push_str(&format!("| {} | {} | {} | {} | {} | {} → {} |\n", sec.number, r.what, r.goal, r.result, met, sec.load_before, sec.load_after));
        }
    }
    for sec in sections {
        s.push_str(&format!("\n## {}. {}\n\n", sec.number, sec.title));
        for d in &sec.details {
            s.push_str(d);
            s.push('\n');
        }
    }
    s.push_str(&format!("\n{NOTES_MARKER}\n"));
    if let Some(n) = notes {
        s.push_str(n.trim_start_matches('\n'));
    }
    s
}

/// The hand-written part of an existing report, if any.
pub fn kept_notes(existing: &str) -> Option<&str> {
    existing.split_once(NOTES_MARKER).map(|(_, notes)| notes)
}

/// The `p`th percentile (0–100) of sorted samples, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Microseconds with one decimal.
pub fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Bytes as MiB with two decimals.
pub fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&v[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn hand_written_notes_survive_a_regeneration() {
        let section = Section {
            number: 1,
            title: "T",
            rows: vec![Row::new("x", "< 1", "2", Some(false))],
            details: vec!["how".into()],
            load_before: "1".into(),
            load_after: "2".into(),
        };
        let first = render("cmd", std::slice::from_ref(&section), Some("\n## Why\nbecause\n"));
        assert!(first.contains("| 1 | x | < 1 | 2 | **no** | 1 → 2 |"), "{first}");
        let again = render("cmd", &[section], kept_notes(&first));
        assert!(again.ends_with("## Why\nbecause\n"), "{again}");
    }
}
