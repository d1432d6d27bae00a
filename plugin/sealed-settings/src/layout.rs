//! The layout of the sealed block, shared by the component (which reads it)
//! and `build-tenant` (which writes it). Pure, so it is tested natively.

/// Marks the start of the block in the built component; it occurs there once.
pub const MAGIC: [u8; 32] = *b"lever-namely:sealed-settings:v1\n";

/// The largest sealed JSON, in bytes.
pub const CAPACITY: usize = 64 * 1024;

/// The block as it lies in memory: the magic, the capacity and the length
/// (both little-endian u32), then the JSON, padded with spaces.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Block {
    magic: [u8; 32],
    capacity: [u8; 4],
    len: [u8; 4],
    data: [u8; CAPACITY],
}

/// Where the length starts, counted from the magic.
pub const LEN_AT: usize = 36;
/// Where the JSON starts, counted from the magic.
pub const DATA_AT: usize = 40;

const _: () = assert!(std::mem::size_of::<Block>() == DATA_AT + CAPACITY, "the block is laid out as documented");

/// The settings in a block's JSON (empty JSON: none); `None` if it is not
/// an object of strings.
pub fn parse_settings(json: &[u8]) -> Option<Vec<(String, String)>> {
    if json.is_empty() {
        return Some(Vec::new());
    }
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(json).ok()?;
    object.into_iter().map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect()
}

impl Block {
    /// The unfilled block of the template: no settings.
    pub const EMPTY: Block =
        Block { magic: MAGIC, capacity: (CAPACITY as u32).to_le_bytes(), len: [0; 4], data: [b' '; CAPACITY] };

    /// The settings in the block; `None` if it does not hold valid ones.
    pub fn settings(&self) -> Option<Vec<(String, String)>> {
        parse_settings(self.data.get(..u32::from_le_bytes(self.len) as usize)?)
    }
}

/// Why a component could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    /// The template holds no block, or more than one.
    Blocks(usize),
    /// The block's capacity is not this layout's.
    Capacity(u32),
    /// The settings are larger than the block.
    TooLarge(usize),
    /// The block was filled already.
    AlreadySealed,
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealError::Blocks(0) => write!(f, "the template component holds no sealed-settings block; build it from plugin/sealed-settings"),
            SealError::Blocks(n) => write!(f, "the template component holds {n} sealed-settings blocks, not one"),
            SealError::Capacity(c) => write!(f, "the template's block holds {c} bytes, but this layout is for {CAPACITY}; rebuild the template with this version"),
            SealError::TooLarge(n) => write!(f, "the settings are {n} bytes of JSON, over the {CAPACITY}-byte block of a tenant build"),
            SealError::AlreadySealed => write!(f, "this component is sealed already; seal the unfilled template instead"),
        }
    }
}

impl std::error::Error for SealError {}

/// Where [`MAGIC`] starts in `component`. Every plugin load asks (to show a
/// tenant build's settings), so a window is compared only when its first
/// byte matches: a plain scan compares all 32 bytes at each of ~2 million
/// offsets.
fn blocks(component: &[u8]) -> impl Iterator<Item = usize> + '_ {
    component.windows(MAGIC.len()).enumerate().filter(|(_, w)| w[0] == MAGIC[0] && *w == MAGIC).map(|(i, _)| i)
}

/// Write `settings` (as a JSON object of strings) into the one block of
/// `component`, a copy of the unfilled template. Offsets do not move.
pub fn seal(component: &[u8], settings: &[(String, String)]) -> Result<Vec<u8>, SealError> {
    let at: Vec<usize> = blocks(component).collect();
    let [at] = at[..] else { return Err(SealError::Blocks(at.len())) };
    let field = |from: usize| component.get(at + from..at + from + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let capacity = field(32).ok_or(SealError::Blocks(0))?;
    if capacity as usize != CAPACITY || component.len() < at + DATA_AT + CAPACITY {
        return Err(SealError::Capacity(capacity));
    }
    if field(LEN_AT) != Some(0) {
        return Err(SealError::AlreadySealed);
    }
    let object: serde_json::Map<String, serde_json::Value> =
        settings.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    let json = serde_json::to_vec(&object).expect("a map of strings serialises");
    if json.len() > CAPACITY {
        return Err(SealError::TooLarge(json.len()));
    }
    let mut out = component.to_vec();
    out[at + LEN_AT..at + DATA_AT].copy_from_slice(&(json.len() as u32).to_le_bytes());
    out[at + DATA_AT..at + DATA_AT + json.len()].copy_from_slice(&json);
    Ok(out)
}

/// The settings sealed into `component`, if it is a sealed tenant build.
pub fn unseal(component: &[u8]) -> Option<Vec<(String, String)>> {
    let at = blocks(component).next()?;
    let len = u32::from_le_bytes(component.get(at + LEN_AT..at + DATA_AT)?.try_into().ok()?) as usize;
    parse_settings(component.get(at + DATA_AT..at + DATA_AT + len)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for a built template: the block between other bytes.
    fn template() -> Vec<u8> {
        // SAFETY: `Block` is `repr(C)` plain bytes with no padding.
        let block: [u8; std::mem::size_of::<Block>()] = unsafe { std::mem::transmute(Block::EMPTY) };
        [b"\0asm-before".as_slice(), &block, b"after"].concat()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn sealing_writes_in_place_and_reads_back() {
        let t = template();
        let s = pairs(&[("lever.base_url", "https://api.lever.co/v1"), ("record_type", "onboarding")]);
        let sealed = seal(&t, &s).unwrap();
        assert_eq!(sealed.len(), t.len(), "offsets must not move");
        assert_eq!(&sealed[sealed.len() - 5..], b"after");
        assert_eq!(unseal(&sealed).unwrap(), s);
        assert_eq!(unseal(&t).unwrap(), vec![]);
        assert_eq!(seal(&sealed, &s).unwrap_err(), SealError::AlreadySealed);
    }

    #[test]
    fn a_template_without_exactly_one_block_or_too_much_is_refused() {
        assert_eq!(seal(b"no block here", &[]).unwrap_err(), SealError::Blocks(0));
        let t = template();
        assert_eq!(seal(&[t.clone(), t.clone()].concat(), &[]).unwrap_err(), SealError::Blocks(2));
        let big = pairs(&[("k", &"x".repeat(CAPACITY))]);
        let e = seal(&t, &big).unwrap_err();
        assert!(matches!(e, SealError::TooLarge(_)) && e.to_string().contains("65536-byte block"), "{e}");
    }

    #[test]
    fn the_block_reads_its_own_settings() {
        assert_eq!(Block::EMPTY.settings(), Some(vec![]));
    }
}
