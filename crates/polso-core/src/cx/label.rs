//! Labels folded for comparison: how a header name, a metric label or an answer label written in
//! English or Italian, in any case, with or without accents, spaces and punctuation, is matched
//! against the names Polso knows (`Metrìca` is `metrica`, `N. risposte` is `nrisposte`), and how a
//! custom metric's label becomes its key. Used by [`super::metric`], [`super::columns`] and the
//! survey importer ([`crate::survey`]).
//!
//! Pure: no IO.

/// A label folded for comparison: lowercase, common Latin accents removed, only letters and digits.
pub(crate) fn fold(label: &str) -> String {
    label.chars().flat_map(char::to_lowercase).map(strip_accent).filter(|c| c.is_alphanumeric()).collect()
}

/// The common Latin accented letters of Italian, French, Spanish and German without their accent.
pub(crate) fn strip_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    }
}

/// A custom metric's key: lowercase, accents removed, runs of other characters made one `_`.
pub(crate) fn custom_key(label: &str) -> String {
    let mut key = String::new();
    let mut pending_separator = false;
    for c in label.chars().flat_map(char::to_lowercase).map(strip_accent) {
        if c.is_ascii_alphanumeric() {
            if pending_separator && !key.is_empty() {
                key.push('_');
            }
            pending_separator = false;
            key.push(c);
        } else {
            pending_separator = true;
        }
    }
    key
}
