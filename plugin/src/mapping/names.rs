//! Splitting a candidate's full name into Namely's name fields.

/// Lower-case surname particles that, standing before the last word, begin the last name.
pub const SURNAME_PARTICLES: &[&str] =
    &["de", "del", "della", "der", "di", "da", "dos", "das", "du", "la", "le", "van", "von", "bin", "ibn", "al", "st"];

/// A full name split into its parts.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SplitName {
    pub first: Option<String>,
    pub middle: Option<String>,
    pub last: Option<String>,
    /// A nickname given in double quotes, e.g. `Bob` in `Robert "Bob" Smith`.
    pub nickname: Option<String>,
}

/// Split a full name: a quoted nickname is taken out; one word is a first
/// name only; otherwise first word, middle words, last word, with surname
/// particles (`de la`, `van`) starting the last name.
pub fn split(full: &str) -> SplitName {
    let (rest, nickname) = take_nickname(full);
    let words: Vec<&str> = rest.split_whitespace().collect();
    let mut out = SplitName { nickname, ..SplitName::default() };
    match words.len() {
        0 => {}
        1 => out.first = Some(words[0].to_string()),
        n => {
            let mut start = n - 1;
            while start > 1 && SURNAME_PARTICLES.contains(&words[start - 1]) {
                start -= 1;
            }
            out.first = Some(words[0].to_string());
            out.last = Some(words[start..].join(" "));
            if start > 1 {
                out.middle = Some(words[1..start].join(" "));
            }
        }
    }
    out
}

/// Remove the first double-quoted part (straight or curly quotes).
fn take_nickname(full: &str) -> (String, Option<String>) {
    for (open, close) in [('"', '"'), ('\u{201C}', '\u{201D}')] {
        if let Some(start) = full.find(open) {
            let after = start + open.len_utf8();
            if let Some(len) = full[after..].find(close) {
                let nick = full[after..after + len].split_whitespace().collect::<Vec<_>>().join(" ");
                let rest = format!("{} {}", &full[..start], &full[after + len + close.len_utf8()..]);
                return (rest, (!nick.is_empty()).then_some(nick));
            }
        }
    }
    (full.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(full: &str) -> (Option<String>, Option<String>, Option<String>, Option<String>) {
        let s = split(full);
        (s.first, s.middle, s.last, s.nickname)
    }
    fn o(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn two_words_are_first_and_last() {
        assert_eq!(parts("Ada Lovelace"), (o("Ada"), None, o("Lovelace"), None));
    }

    #[test]
    fn whitespace_is_trimmed_and_collapsed() {
        assert_eq!(parts("  Ada \t  King   Lovelace "), (o("Ada"), o("King"), o("Lovelace"), None));
    }

    #[test]
    fn one_word_gives_only_a_first_name() {
        assert_eq!(parts("Cher"), (o("Cher"), None, None, None));
        assert_eq!(parts("   "), (None, None, None, None));
    }

    #[test]
    fn words_between_are_the_middle_name() {
        assert_eq!(parts("John Ronald Reuel Tolkien"), (o("John"), o("Ronald Reuel"), o("Tolkien"), None));
    }

    #[test]
    fn quoted_nickname_becomes_preferred_name() {
        assert_eq!(parts("Robert \"Bob\" Smith"), (o("Robert"), None, o("Smith"), o("Bob")));
        assert_eq!(parts("Robert \u{201C}Bobby Joe\u{201D} Smith"), (o("Robert"), None, o("Smith"), o("Bobby Joe")));
        assert_eq!(parts("Robert \"\" Smith"), (o("Robert"), None, o("Smith"), None));
    }

    #[test]
    fn surname_particles_begin_the_last_name() {
        assert_eq!(parts("Maria de la Cruz"), (o("Maria"), None, o("de la Cruz"), None));
        assert_eq!(parts("Ludwig van Beethoven"), (o("Ludwig"), None, o("van Beethoven"), None));
        assert_eq!(parts("Juan Carlos de la Cruz"), (o("Juan"), o("Carlos"), o("de la Cruz"), None));
        for p in SURNAME_PARTICLES {
            assert_eq!(split(&format!("Ann {p} Smith")).last, Some(format!("{p} Smith")), "particle {p}");
        }
    }

    #[test]
    fn capitalised_particles_are_middle_names() {
        assert_eq!(parts("Maria De La Cruz"), (o("Maria"), o("De La"), o("Cruz"), None));
    }

    #[test]
    fn the_first_word_is_never_a_particle() {
        assert_eq!(parts("van Morrison"), (o("van"), None, o("Morrison"), None));
    }
}
