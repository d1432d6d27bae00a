//! `wasi:config/store`: sealed keys from the block, the rest from the host.

use crate::bindings;
use crate::bindings::exports::wasi::config::store::{Error, Guest};
use crate::bindings::wasi::config::store as host;
use crate::layout::{parse_settings, Block, CAPACITY, DATA_AT, LEN_AT};

/// The block `build-tenant` fills. Padded with spaces rather than zeros so
/// that the whole block stays one initialised data segment in the module.
#[used]
static SEALED: Block = Block::EMPTY;

/// The sealed settings, read once per instance.
fn sealed() -> &'static [(String, String)] {
    static PARSED: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        // Volatile reads, a byte at a time: the compiler must not fold what
        // it believes is a constant, since the bytes are rewritten after
        // compilation.
        let base = std::ptr::addr_of!(SEALED).cast::<u8>();
        // SAFETY: every index read is inside `SEALED` (`DATA_AT + CAPACITY`
        // is its size), a static that lives as long as the program.
        let byte = |i: usize| unsafe { std::ptr::read_volatile(base.add(i)) };
        let len = u32::from_le_bytes([byte(LEN_AT), byte(LEN_AT + 1), byte(LEN_AT + 2), byte(LEN_AT + 3)]) as usize;
        let json: Vec<u8> = (0..len.min(CAPACITY)).map(|i| byte(DATA_AT + i)).collect();
        parse_settings(&json).unwrap_or_default()
    })
}

fn from_host(e: host::Error) -> Error {
    match e {
        host::Error::Upstream(m) => Error::Upstream(m),
        host::Error::Io(m) => Error::Io(m),
    }
}

struct SealedSettings;

impl Guest for SealedSettings {
    fn get(key: String) -> Result<Option<String>, Error> {
        match sealed().iter().find(|(k, _)| *k == key) {
            Some((_, v)) => Ok(Some(v.clone())),
            None => host::get(&key).map_err(from_host),
        }
    }

    fn get_all() -> Result<Vec<(String, String)>, Error> {
        let sealed = sealed();
        let mut all = sealed.to_vec();
        all.extend(host::get_all().map_err(from_host)?.into_iter().filter(|(k, _)| !sealed.iter().any(|(s, _)| s == k)));
        Ok(all)
    }
}

bindings::export!(SealedSettings with_types_in bindings);
