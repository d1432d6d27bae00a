//! Logging to standard error: text for people, JSON lines for machines.
//! Callers pass ids and outcomes as fields; secrets are never passed here.

use std::sync::OnceLock;

/// The log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

static FORMAT: OnceLock<Format> = OnceLock::new();

/// Choose the format once, at start-up (text otherwise).
pub fn init(format: Format) {
    let _ = FORMAT.set(format);
}

/// One log line in `format`.
pub fn line(format: Format, level: &str, message: &str, fields: &[(&str, &str)]) -> String {
    match format {
        Format::Text => {
            let mut s = format!("lever-namely: {level}: {message}");
            for (k, v) in fields {
                s.push_str(&format!(" {k}={v:?}"));
            }
            s
        }
        Format::Json => {
            let mut o = serde_json::Map::new();
            let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
            o.insert("ts_ms".into(), serde_json::json!(ms as u64));
            o.insert("level".into(), level.into());
            o.insert("message".into(), message.into());
            for (k, v) in fields {
                o.insert((*k).into(), (*v).into());
            }
            serde_json::Value::Object(o).to_string()
        }
    }
}

fn emit(level: &str, message: &str, fields: &[(&str, &str)]) {
    eprintln!("{}", line(*FORMAT.get().unwrap_or(&Format::Text), level, message, fields));
}

pub fn info(message: &str, fields: &[(&str, &str)]) {
    emit("info", message, fields);
}

pub fn warn(message: &str, fields: &[(&str, &str)]) {
    emit("warn", message, fields);
}

pub fn error(message: &str, fields: &[(&str, &str)]) {
    emit("error", message, fields);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_carry_the_ids_as_fields() {
        let l = line(Format::Json, "info", "sync attempt finished", &[("opportunity_id", "o-1"), ("status", "done\"\n")]);
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!((v["level"].as_str(), v["opportunity_id"].as_str(), v["status"].as_str()), (Some("info"), Some("o-1"), Some("done\"\n")));
        assert!(!l.contains('\n'));
    }

    #[test]
    fn text_lines_quote_values() {
        assert_eq!(line(Format::Text, "warn", "refused", &[("kind", "bad signature")]), "lever-namely: warn: refused kind=\"bad signature\"");
    }
}
