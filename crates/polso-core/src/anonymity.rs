//! The release rules that keep aggregates anonymous: the minimum group size k
//! and secondary suppression over the organisation → departments → teams
//! hierarchy (DESIGN.md, privacy model point 5).
//!
//! A cell (one unit, one week, one item or metric) is released only when at
//! least k devices contributed to it. That alone is not enough: totals add up,
//! so a department's released total minus its released teams would give back
//! a suppressed team. [`suppress_hierarchy`] therefore withholds further cells
//! until no suppressed cell can be computed from the released ones.
//!
//! The rule, stated on the tree of cells (each parent is the sum of its
//! children), for cells with at least one contribution:
//!
//! 1. a cell with fewer than k contributions is suppressed (primary);
//! 2. a released parent has either no suppressed child or at least two;
//! 3. a suppressed parent has at least one suppressed child (otherwise the sum
//!    of its released children gives it away).
//!
//! Empty cells (n = 0) are shown as suppressed too, but they protect nothing:
//! someone may know that a team was on holiday, so they are treated as known.
//! Under rules 2 and 3 every connected group of unknown cells has more unknowns
//! than equations and every unknown lies on a path between two free ends, so no
//! single suppressed cell is determined by the released ones; the tests check
//! exactly that with linear algebra over many generated hierarchies.
//!
//! Pure: no IO. The server reads k from the organisation's settings and never
//! from a request.

/// The lowest k Polso accepts: a group of fewer than three could point at a person.
pub const K_MIN: u32 = 3;

/// The k an organisation starts with.
pub const K_DEFAULT: u32 = 5;

/// Why a value cannot be a threshold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnonymityError {
    /// k was asked below [`K_MIN`].
    #[error("k = {k} is below the minimum of {K_MIN}: groups that small could point at a person")]
    ThresholdBelowMinimum {
        /// The k that was asked for.
        k: u32,
    },
}

/// The minimum number of contributions a released cell needs: k, never below [`K_MIN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Threshold(u32);

impl Threshold {
    /// The lowest threshold, k = [`K_MIN`].
    pub const MINIMUM: Threshold = Threshold(K_MIN);

    /// The threshold an organisation starts with, k = [`K_DEFAULT`].
    pub const DEFAULT: Threshold = Threshold(K_DEFAULT);

    /// The threshold `k`, refused below [`K_MIN`].
    pub fn new(k: u32) -> Result<Threshold, AnonymityError> {
        if k < K_MIN {
            return Err(AnonymityError::ThresholdBelowMinimum { k });
        }
        Ok(Threshold(k))
    }

    /// The value of k.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Threshold {
    fn default() -> Threshold {
        Threshold::DEFAULT
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "k = {}", self.0)
    }
}

/// Whether a cell of `n` contributions may be released under `k`, on its own.
/// Secondary suppression may still withhold it; see [`suppress_hierarchy`].
pub fn release(n: u32, k: Threshold) -> bool {
    n >= k.get()
}

/// What may be shown of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disclosure {
    /// The cell's values may be shown.
    Released,
    /// Fewer than k contributions (possibly none).
    FewerThanK,
    /// Enough contributions, but withheld so that another suppressed cell
    /// cannot be recovered by subtraction. Callers must not tell this apart
    /// from [`Disclosure::FewerThanK`] when they show a cell: saying so
    /// would reveal that the cell holds at least k.
    ProtectsAnotherCell,
}

impl Disclosure {
    /// Whether the cell's values may be shown.
    pub fn is_released(self) -> bool {
        self == Disclosure::Released
    }
}

/// The contributions per team of one (week, key), grouped by department.
/// Departments and organisation counts are the sums of their teams.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HierarchyCounts {
    /// For each department, the number of contributions of each of its teams.
    pub teams_by_department: Vec<Vec<u32>>,
}

/// The decision for every cell of a [`HierarchyCounts`], in the same shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HierarchyDisclosure {
    /// The organisation's cell.
    pub organisation: Disclosure,
    /// Each department's cell, in the order given.
    pub departments: Vec<Disclosure>,
    /// Each team's cell, by department, in the order given.
    pub teams_by_department: Vec<Vec<Disclosure>>,
}

/// One cell of the tree, as the suppression works on it.
#[derive(Debug, Clone)]
struct Cell {
    n: u64,
    children: Vec<usize>,
    disclosure: Disclosure,
}

/// Decides which cells of one (week, key) may be released under `k`: the
/// primary suppressions (n < k) and then the secondary ones, to a fixed point.
///
/// Where a cell must be sacrificed, the smallest released sibling is chosen
/// (then the first in order), so as little as possible is lost and the result
/// is deterministic.
pub fn suppress_hierarchy(counts: &HierarchyCounts, k: Threshold) -> HierarchyDisclosure {
    // Cell 0 is the organisation, then each department followed later by its teams.
    let mut cells = vec![Cell { n: 0, children: Vec::new(), disclosure: Disclosure::Released }];
    let mut team_positions = Vec::with_capacity(counts.teams_by_department.len());
    for teams in &counts.teams_by_department {
        let department = cells.len();
        cells.push(Cell { n: 0, children: Vec::new(), disclosure: Disclosure::Released });
        cells[0].children.push(department);
        let mut positions = Vec::with_capacity(teams.len());
        for &n_team in teams {
            let team = cells.len();
            cells.push(Cell { n: u64::from(n_team), children: Vec::new(), disclosure: Disclosure::Released });
            cells[department].children.push(team);
            cells[department].n += u64::from(n_team);
            positions.push(team);
        }
        cells[0].n += cells[department].n;
        team_positions.push(positions);
    }

    for cell in &mut cells {
        if cell.n < u64::from(k.get()) {
            cell.disclosure = Disclosure::FewerThanK;
        }
    }

    while suppress_one_more(&mut cells) {}

    HierarchyDisclosure {
        organisation: cells[0].disclosure,
        departments: cells[0].children.iter().map(|&department| cells[department].disclosure).collect(),
        teams_by_department: team_positions
            .iter()
            .map(|positions| positions.iter().map(|&team| cells[team].disclosure).collect())
            .collect(),
    }
}

/// Applies the first rule that a parent breaks, suppressing one more cell.
/// Returns whether it changed anything; the caller repeats until it does not.
fn suppress_one_more(cells: &mut [Cell]) -> bool {
    for parent in 0..cells.len() {
        if cells[parent].children.is_empty() || cells[parent].n == 0 {
            continue;
        }
        let n_suppressed_children = cells[parent]
            .children
            .iter()
            .filter(|&&child| cells[child].n > 0 && !cells[child].disclosure.is_released())
            .count();
        let parent_released = cells[parent].disclosure.is_released();
        let breaks_a_rule =
            if parent_released { n_suppressed_children == 1 } else { n_suppressed_children == 0 };
        if !breaks_a_rule {
            continue;
        }
        let smallest_released_child = cells[parent]
            .children
            .iter()
            .copied()
            .filter(|&child| cells[child].n > 0 && cells[child].disclosure.is_released())
            .min_by_key(|&child| (cells[child].n, child));
        match smallest_released_child {
            Some(child) => cells[child].disclosure = Disclosure::ProtectsAnotherCell,
            // No sibling can hide the suppressed child, so the parent itself goes
            // (it then equals that child and gives nothing away).
            None => cells[parent].disclosure = Disclosure::ProtectsAnotherCell,
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::splitmix::SplitMix64;

    fn k(value: u32) -> Threshold {
        Threshold::new(value).unwrap()
    }

    use Disclosure::{FewerThanK as Few, ProtectsAnotherCell as Protect, Released as Rel};

    #[test]
    fn threshold_is_never_below_three() {
        assert_eq!(Threshold::new(2), Err(AnonymityError::ThresholdBelowMinimum { k: 2 }));
        assert_eq!(Threshold::new(0), Err(AnonymityError::ThresholdBelowMinimum { k: 0 }));
        assert_eq!(Threshold::new(3).unwrap().get(), 3);
        assert_eq!(Threshold::default().get(), 5);
        assert_eq!(Threshold::MINIMUM.get(), K_MIN);
    }

    #[test]
    fn release_needs_at_least_k() {
        let table = [(0, 5, false), (4, 5, false), (5, 5, true), (6, 5, true), (2, 3, false), (3, 3, true)];
        for (n, threshold, expected) in table {
            assert_eq!(release(n, k(threshold)), expected, "n = {n}, k = {threshold}");
        }
    }

    /// Hand-made cases: (teams by department, k, expected org, departments, teams).
    #[test]
    fn hand_made_hierarchies() {
        struct Case {
            name: &'static str,
            teams: Vec<Vec<u32>>,
            k: u32,
            organisation: Disclosure,
            departments: Vec<Disclosure>,
            teams_expected: Vec<Vec<Disclosure>>,
        }
        let cases = vec![
            Case {
                name: "everything large enough is released",
                teams: vec![vec![6, 7], vec![5]],
                k: 5,
                organisation: Rel,
                departments: vec![Rel, Rel],
                teams_expected: vec![vec![Rel, Rel], vec![Rel]],
            },
            Case {
                name: "one small team takes its smallest sibling with it",
                teams: vec![vec![2, 9, 6]],
                k: 5,
                organisation: Rel,
                departments: vec![Rel],
                teams_expected: vec![vec![Few, Rel, Protect]],
            },
            Case {
                name: "two small teams protect each other",
                teams: vec![vec![2, 3, 10], vec![8]],
                k: 5,
                organisation: Rel,
                departments: vec![Rel, Rel],
                teams_expected: vec![vec![Few, Few, Rel], vec![Rel]],
            },
            Case {
                name: "a small department takes another department and one of its teams",
                teams: vec![vec![1, 2], vec![6, 7], vec![20]],
                k: 5,
                organisation: Rel,
                departments: vec![Few, Protect, Rel],
                // The department withheld for protection would equal the sum of
                // its released teams, so one of them goes too; then that
                // department has one suppressed child, which is allowed for a
                // suppressed parent.
                teams_expected: vec![vec![Few, Few], vec![Protect, Rel], vec![Rel]],
            },
            Case {
                name: "an empty team protects nothing",
                teams: vec![vec![0, 4, 9]],
                k: 5,
                organisation: Rel,
                departments: vec![Rel],
                teams_expected: vec![vec![Few, Few, Protect]],
            },
            Case {
                name: "a department with a single team equals it",
                teams: vec![vec![4], vec![12, 15]],
                k: 5,
                organisation: Rel,
                departments: vec![Few, Protect],
                teams_expected: vec![vec![Few], vec![Protect, Rel]],
            },
            Case {
                name: "an organisation below k shows nothing",
                teams: vec![vec![1, 1], vec![2]],
                k: 5,
                organisation: Few,
                departments: vec![Few, Few],
                teams_expected: vec![vec![Few, Few], vec![Few]],
            },
            Case {
                name: "one department only: the organisation goes with it",
                teams: vec![vec![3]],
                k: 3,
                organisation: Rel,
                departments: vec![Rel],
                teams_expected: vec![vec![Rel]],
            },
            Case {
                name: "no data at all",
                teams: vec![vec![0, 0], vec![]],
                k: 5,
                organisation: Few,
                departments: vec![Few, Few],
                teams_expected: vec![vec![Few, Few], vec![]],
            },
        ];
        for case in cases {
            let disclosure =
                suppress_hierarchy(&HierarchyCounts { teams_by_department: case.teams.clone() }, k(case.k));
            assert_eq!(disclosure.organisation, case.organisation, "{}: organisation", case.name);
            assert_eq!(disclosure.departments, case.departments, "{}: departments", case.name);
            assert_eq!(disclosure.teams_by_department, case.teams_expected, "{}: teams", case.name);
            assert_safe(&case.teams, &disclosure, k(case.k), case.name);
        }
    }

    /// A random hierarchy from the crate's seeded generator, so the property test is reproducible.
    fn random_hierarchy(random: &mut SplitMix64) -> Vec<Vec<u32>> {
        let n_departments = 1 + random.below(5) as usize;
        (0..n_departments)
            .map(|_| {
                let n_teams = random.below(6) as usize;
                (0..n_teams)
                    .map(|_| match random.below(4) {
                        // Many small and empty teams, where the rules matter.
                        0 => 0,
                        1 | 2 => random.below(7) as u32,
                        _ => random.below(25) as u32,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn generated_hierarchies_never_release_a_recoverable_cell() {
        let mut random = SplitMix64::new(20_260_501);
        for case in 0..3_000 {
            let teams = random_hierarchy(&mut random);
            let threshold = k(3 + random.below(5) as u32);
            let disclosure =
                suppress_hierarchy(&HierarchyCounts { teams_by_department: teams.clone() }, threshold);
            assert_safe(&teams, &disclosure, threshold, &format!("case {case}: {teams:?}, {threshold}"));
        }
    }

    /// The promises of [`suppress_hierarchy`], checked from the outside.
    fn assert_safe(teams: &[Vec<u32>], disclosure: &HierarchyDisclosure, threshold: Threshold, name: &str) {
        let department_n: Vec<u32> = teams.iter().map(|teams| teams.iter().sum()).collect();
        let organisation_n: u32 = department_n.iter().sum();

        // Every released cell has n >= k.
        if disclosure.organisation.is_released() {
            assert!(organisation_n >= threshold.get(), "{name}: organisation released below k");
        }
        for (department, released) in disclosure.departments.iter().enumerate() {
            if released.is_released() {
                assert!(
                    department_n[department] >= threshold.get(),
                    "{name}: department {department} below k"
                );
            }
        }
        for (department, team_disclosures) in disclosure.teams_by_department.iter().enumerate() {
            for (team, released) in team_disclosures.iter().enumerate() {
                if released.is_released() {
                    assert!(
                        teams[department][team] >= threshold.get(),
                        "{name}: team {department}/{team} below k"
                    );
                }
            }
        }

        // A released parent has 0 or at least 2 suppressed (non-empty) children;
        // a suppressed non-empty parent has at least one.
        let suppressed_departments = disclosure
            .departments
            .iter()
            .zip(&department_n)
            .filter(|(released, n)| !released.is_released() && **n > 0)
            .count();
        if disclosure.organisation.is_released() {
            assert!(
                suppressed_departments != 1,
                "{name}: organisation released with one suppressed department"
            );
        } else if organisation_n > 0 {
            assert!(
                suppressed_departments >= 1,
                "{name}: suppressed organisation equals its departments' sum"
            );
        }
        for (department, team_disclosures) in disclosure.teams_by_department.iter().enumerate() {
            let suppressed_teams = team_disclosures
                .iter()
                .zip(&teams[department])
                .filter(|(released, n)| !released.is_released() && **n > 0)
                .count();
            if disclosure.departments[department].is_released() {
                assert!(suppressed_teams != 1, "{name}: department {department} has one suppressed team");
            } else if department_n[department] > 0 {
                assert!(suppressed_teams >= 1, "{name}: department {department} equals its teams' sum");
            }
        }

        assert_no_suppressed_cell_is_determined(teams, disclosure, name);
    }

    /// The strongest check: treating every released and every empty cell as
    /// known, no suppressed non-empty cell is a linear combination of the
    /// hierarchy's sum equations. Unknown `x` is determined exactly when the
    /// unit vector of `x` lies in the row space of the equations' coefficients.
    fn assert_no_suppressed_cell_is_determined(
        teams: &[Vec<u32>],
        disclosure: &HierarchyDisclosure,
        name: &str,
    ) {
        // Number the unknowns.
        let mut unknown_names = Vec::new();
        let mut organisation_unknown = None;
        let department_n: Vec<u32> = teams.iter().map(|teams| teams.iter().sum()).collect();
        if !disclosure.organisation.is_released() && department_n.iter().sum::<u32>() > 0 {
            organisation_unknown = Some(unknown_names.len());
            unknown_names.push("organisation".to_owned());
        }
        let mut department_unknowns = vec![None; teams.len()];
        let mut team_unknowns: Vec<Vec<Option<usize>>> =
            teams.iter().map(|teams| vec![None; teams.len()]).collect();
        for (department, team_counts) in teams.iter().enumerate() {
            if !disclosure.departments[department].is_released() && department_n[department] > 0 {
                department_unknowns[department] = Some(unknown_names.len());
                unknown_names.push(format!("department {department}"));
            }
            for (team, &n) in team_counts.iter().enumerate() {
                if !disclosure.teams_by_department[department][team].is_released() && n > 0 {
                    team_unknowns[department][team] = Some(unknown_names.len());
                    unknown_names.push(format!("team {department}/{team}"));
                }
            }
        }
        if unknown_names.is_empty() {
            return;
        }

        // One equation per parent: parent - sum(children) = known terms.
        let mut equations: Vec<Vec<f64>> = Vec::new();
        let mut organisation_row = vec![0.0; unknown_names.len()];
        if let Some(unknown) = organisation_unknown {
            organisation_row[unknown] = 1.0;
        }
        for unknown in department_unknowns.iter().flatten() {
            organisation_row[*unknown] -= 1.0;
        }
        equations.push(organisation_row);
        for (department, team_unknowns) in team_unknowns.iter().enumerate() {
            let mut row = vec![0.0; unknown_names.len()];
            if let Some(unknown) = department_unknowns[department] {
                row[unknown] = 1.0;
            }
            for unknown in team_unknowns.iter().flatten() {
                row[*unknown] -= 1.0;
            }
            equations.push(row);
        }

        let base_rank = rank(equations.clone());
        for (unknown, unknown_name) in unknown_names.iter().enumerate() {
            let mut with_unit = equations.clone();
            let mut unit = vec![0.0; unknown_names.len()];
            unit[unknown] = 1.0;
            with_unit.push(unit);
            assert_ne!(
                rank(with_unit),
                base_rank,
                "{name}: {unknown_name} can be recovered from the released cells: {disclosure:?}"
            );
        }
    }

    /// The rank of a small matrix by Gaussian elimination. The entries are
    /// small integers, so a tolerance of 1e-9 is exact enough.
    fn rank(mut rows: Vec<Vec<f64>>) -> usize {
        let n_columns = rows.first().map_or(0, Vec::len);
        let mut rank = 0;
        for column in 0..n_columns {
            let Some(pivot) = (rank..rows.len()).find(|&row| rows[row][column].abs() > 1e-9) else {
                continue;
            };
            rows.swap(rank, pivot);
            for row in 0..rows.len() {
                if row != rank && rows[row][column].abs() > 1e-9 {
                    let factor = rows[row][column] / rows[rank][column];
                    let pivot_row = rows[rank].clone();
                    for (value, pivot_value) in rows[row].iter_mut().zip(&pivot_row) {
                        *value -= factor * pivot_value;
                    }
                }
            }
            rank += 1;
        }
        rank
    }
}
