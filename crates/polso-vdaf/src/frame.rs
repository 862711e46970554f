//! Lists of byte strings in one byte string: each item a 4-byte big-endian
//! length and its bytes. The shares of a report's cells travel this way.

use crate::VdafError;

/// The items, each with its length before it.
pub fn join<T: AsRef<[u8]>>(items: &[T]) -> Vec<u8> {
    let total: usize = items.iter().map(|item| 4 + item.as_ref().len()).sum();
    let mut out = Vec::with_capacity(total);
    for item in items {
        let item = item.as_ref();
        out.extend_from_slice(&(item.len() as u32).to_be_bytes());
        out.extend_from_slice(item);
    }
    out
}

/// The items of `bytes`, which must hold exactly `expected` of them and
/// nothing after; `what` names the list in the error.
pub fn split<'a>(bytes: &'a [u8], expected: usize, what: &str) -> Result<Vec<&'a [u8]>, VdafError> {
    let malformed = || VdafError::Malformed { what: what.to_owned() };
    let mut items = Vec::with_capacity(expected);
    let mut rest = bytes;
    while !rest.is_empty() {
        let (length, tail) = rest.split_first_chunk::<4>().ok_or_else(malformed)?;
        let length = u32::from_be_bytes(*length) as usize;
        if tail.len() < length || items.len() == expected {
            return Err(malformed());
        }
        let (item, tail) = tail.split_at(length);
        items.push(item);
        rest = tail;
    }
    if items.len() != expected {
        return Err(malformed());
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_comes_back_whole_and_a_cut_or_padded_one_is_refused() {
        let items: Vec<Vec<u8>> = vec![b"one".to_vec(), Vec::new(), vec![7; 300]];
        let joined = join(&items);
        assert_eq!(
            split(&joined, 3, "shares").expect("split"),
            items.iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        assert!(split(&joined, 2, "shares").is_err(), "more items than expected");
        assert!(split(&joined, 4, "shares").is_err(), "fewer items than expected");
        assert!(split(&joined[..joined.len() - 1], 3, "shares").is_err(), "cut");
        let mut padded = joined.clone();
        padded.push(0);
        assert!(split(&padded, 3, "shares").is_err(), "a stray byte");
    }
}
