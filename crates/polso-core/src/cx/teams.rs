//! Team names as a file writes them matched to the organisation's teams: exactly, then ignoring
//! case and surrounding or repeated spaces; for a name that matches none, the closest known team
//! by edit distance, so the error can say which was probably meant. Used by both CX readers.
//!
//! Pure: no IO.

use std::collections::HashMap;

/// Matches team names as written in a file to the organisation's teams.
pub(crate) struct TeamMatcher {
    names: Vec<String>,
    exact: HashMap<String, usize>,
    normalized: HashMap<String, usize>,
    closest_cache: HashMap<String, Option<String>>,
}

/// The organisation's teams, in the order given; the first of two names that differ only in
/// case or spacing is the one matched.
impl TeamMatcher {
    pub(crate) fn new<T: AsRef<str>>(teams: &[T]) -> TeamMatcher {
        let names: Vec<String> = teams.iter().map(|team| team.as_ref().to_owned()).collect();
        let mut exact = HashMap::new();
        let mut normalized = HashMap::new();
        // The first team wins when two names differ only in case or spacing.
        for (index, name) in names.iter().enumerate().rev() {
            exact.insert(name.trim().to_owned(), index);
            normalized.insert(normalize_team(name), index);
        }
        TeamMatcher { names, exact, normalized, closest_cache: HashMap::new() }
    }

    /// The index of the team `given` names, if any.
    pub(crate) fn find(&self, given: &str) -> Option<usize> {
        self.exact.get(given).or_else(|| self.normalized.get(&normalize_team(given))).copied()
    }

    /// The known team whose name is closest to `given` (fewest edits, ignoring case and spacing);
    /// `None` when the organisation has no teams.
    pub(crate) fn closest(&mut self, given: &str) -> Option<String> {
        if let Some(cached) = self.closest_cache.get(given) {
            return cached.clone();
        }
        let wanted: Vec<char> = normalize_team(given).chars().collect();
        let closest = self
            .names
            .iter()
            .min_by_key(|name| edit_distance(&wanted, &normalize_team(name).chars().collect::<Vec<char>>()))
            .cloned();
        self.closest_cache.insert(given.to_owned(), closest.clone());
        closest
    }

    /// The name of the team at `index`, as the organisation spells it.
    pub(crate) fn name(&self, index: usize) -> &str {
        &self.names[index]
    }
}

/// Lowercase, trimmed, runs of whitespace made one space.
fn normalize_team(name: &str) -> String {
    name.split_whitespace().collect::<Vec<&str>>().join(" ").to_lowercase()
}

/// Levenshtein distance between two character sequences, in O(len_a · len_b) time and O(len_b) memory.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, char_a) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, char_b) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(char_a != char_b);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        let chars = |text: &str| text.chars().collect::<Vec<char>>();
        assert_eq!(edit_distance(&chars("support"), &chars("suport")), 1);
        assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting")), 3);
    }

    #[test]
    fn names_match_ignoring_case_and_spacing_and_the_closest_is_named() {
        let mut teams = TeamMatcher::new(&["Support", "Sales, North", "support"]);
        assert_eq!(teams.find("Support"), Some(0));
        assert_eq!(teams.find("  sales,   NORTH "), Some(1));
        assert_eq!(teams.find("SUPPORT"), Some(0));
        assert_eq!(teams.find("Billing"), None);
        assert_eq!(teams.closest("Suport").as_deref(), Some("Support"));
        assert_eq!(teams.name(1), "Sales, North");
    }
}
