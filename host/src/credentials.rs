//! Secrets: read from the environment variables the config names, held only
//! by the host, and never printed.

/// A secret value, shared with the service: `Debug` and `Display` print `[redacted]`.
pub use lever_namely_service::Secret;

/// The two API credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub lever_api_key: Secret,
    pub namely_access_token: Secret,
}

impl Credentials {
    /// Read both from the environment; the error names each variable that is unset.
    pub fn from_env(lever_var: &str, namely_var: &str) -> anyhow::Result<Self> {
        let read = |var: &str| std::env::var(var).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let (lever, namely) = (read(lever_var), read(namely_var));
        let mut missing = Vec::new();
        if lever.is_none() {
            missing.push(format!("{lever_var} (the Lever API key; [lever] api_key_env names it)"));
        }
        if namely.is_none() {
            missing.push(format!("{namely_var} (the Namely access token; [namely] access_token_env names it)"));
        }
        if !missing.is_empty() {
            anyhow::bail!("set the environment variable{} {}", if missing.len() > 1 { "s" } else { "" }, missing.join(" and "));
        }
        Ok(Credentials { lever_api_key: Secret::new(lever.unwrap()), namely_access_token: Secret::new(namely.unwrap()) })
    }

    /// `Authorization` for Lever: Basic, the key as user, an empty password.
    pub fn lever_authorization(&self) -> Secret {
        Secret::new(format!("Basic {}", base64(&format!("{}:", self.lever_api_key.expose()))))
    }

    /// `Authorization` for Namely: a bearer token.
    pub fn namely_authorization(&self) -> Secret {
        Secret::new(format!("Bearer {}", self.namely_access_token.expose()))
    }
}

/// Standard base64 with padding.
pub fn base64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "[redacted] [redacted]");
        let c = Credentials { lever_api_key: Secret::new("LEVERKEY123"), namely_access_token: Secret::new("NAMELYTOKEN456") };
        let shown = format!("{c:?} {:?} {:?}", c.lever_authorization(), c.namely_authorization());
        assert!(!shown.contains("LEVERKEY123") && !shown.contains("NAMELYTOKEN456") && !shown.contains("TEVWRVJ"), "{shown}");
    }

    #[test]
    fn lever_uses_basic_with_the_key_as_user() {
        let c = Credentials { lever_api_key: Secret::new("abc"), namely_access_token: Secret::new("t") };
        assert_eq!(c.lever_authorization().expose(), "Basic YWJjOg==");
        assert_eq!(c.namely_authorization().expose(), "Bearer t");
        assert_eq!(base64("hello"), "aGVsbG8=");
    }

    #[test]
    fn missing_variables_are_named() {
        let e = Credentials::from_env("LEVER_NAMELY_TEST_UNSET_A", "LEVER_NAMELY_TEST_UNSET_B").unwrap_err().to_string();
        assert!(e.contains("LEVER_NAMELY_TEST_UNSET_A") && e.contains("LEVER_NAMELY_TEST_UNSET_B"), "{e}");
    }
}
