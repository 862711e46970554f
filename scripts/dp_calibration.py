#!/usr/bin/env python3
"""Calibrates Polso's differential privacy (issue 11, item 4) by simulation.

The mechanism simulated is the one in crates/polso-server/src/privacy.rs,
applied once per published week to every released cell (a unit, a week, a key):

- the count n, sensitivity 1, plus discrete Laplace noise of scale 1/eps_n,
  then clamped to at least k;
- the sum of values shifted to start at the scale's minimum and rounded to a
  whole number, sensitivity = the scale's range R, plus discrete Laplace noise
  of scale R/eps_sum, then clamped to [0, noisy n * R];
- the histogram (released only at n >= 2k), L1 sensitivity 1, one discrete
  Laplace noise of scale 1/eps_hist per bin, clamped to >= 0;
- mean = minimum + noisy sum / noisy count.

eps_cell = eps_n + eps_sum + eps_hist (basic composition), split by fixed
weights (w_n, w_sum, w_hist). Discrete Laplace noise is drawn exactly as the
difference of two geometric variables: P(x) is proportional to exp(-|x|/t).
Neighbouring data sets differ by one person's reports (added or removed).

It also simulates one proposed change, the centred sum: summing (value -
midpoint) instead of (value - minimum) halves the sum's sensitivity and makes
an error of the noisy count move the mean far less, so the same accuracy costs
about half the epsilon (see `released_mean`). The recommended constants
(RECOMMENDED below) assume it; FALLBACK_AS_BUILT is for the sum as built.

The bar (issue 11): for a team of 10, the released mean on the 0-100 scale is
within +-5 points of the exact mean at least 90% of the time, for realistic
answer distributions (team means 40, 60 and 80). The script finds the smallest
eps_cell and the best weights that meet it, checks the chosen constants with a
fresh seed and numpy's own geometric sampler, and prints what a year costs.

numpy only, seeded, a few seconds. Run it with any Python that has numpy:

    python3 -m venv .venv-dp && .venv-dp/bin/pip install numpy
    .venv-dp/bin/python scripts/dp_calibration.py

(or with the interpreter `bash scripts/python-reference-env.sh` prints).
"""

from fractions import Fraction

import numpy as np

SEED = 20261211
K = 5                      # the default k; histograms and sd only at n >= 2k
TOLERANCE_POINTS = 5.0     # on the 0-100 scale
TARGET = 0.90              # share of releases within the tolerance
TEAM_MEANS = (40, 60, 80)  # realistic team means on the 0-100 scale
N_TRIALS_SEARCH = 10_000   # per team mean, common random numbers
N_TRIALS_CHECK = 50_000    # per team mean, fresh seed, numpy's geometric

# The schedule (crates/polso-core/src/schedule.rs): cycles of four weeks; three
# regular weeks of five items, each item scoring its own metric (wellbeing core
# plus four drivers or the instrument), and one WHO-5 week of five items
# scoring one metric. Three levels: team, department, organisation.
LEVELS = 3
WEEKS_PER_YEAR = 52
BOUND_KEYS_PER_WEEK = 5 + 5    # at most 5 item cells and 5 metric cells a week
CELLS_PER_CYCLE_WEEKLY = 3 * (5 + 5) + (5 + 1)  # 36 keys a cycle per level
# Four-week cells: distinct keys a cycle. Items: the two wellbeing items
# (wb.1, wb.2 take turns), twelve slot items, five WHO-5 items. Metrics:
# wellbeing, eleven drivers, the instrument (burnout or eNPS), WHO-5.
CELLS_PER_CYCLE_FOUR_WEEKLY = (2 + 12 + 5) + (1 + 11 + 1 + 1)  # 33


class Scale:
    """A key's values: minimum, range R (the sum's sensitivity), histogram bins."""

    def __init__(self, name, minimum, value_range, discrete, n_bins):
        self.name = name
        self.minimum = minimum
        self.range = value_range
        self.discrete = discrete
        self.n_bins = n_bins

    def to_points(self, difference):
        """A difference on this scale, in points of the 0-100 scale."""
        return difference * 100.0 / self.range

    def bin_values(self):
        if self.discrete:
            return self.minimum + np.arange(self.n_bins, dtype=float)
        return np.minimum(np.arange(self.n_bins) * 10.0 + 5.0, 100.0)

    def bins_of(self, values):
        if self.discrete:
            return (values - self.minimum).astype(int)
        return np.minimum((values // 10).astype(int), self.n_bins - 1)


METRIC = Scale("0-100 metric", 0, 100, discrete=False, n_bins=10)
ITEM_1_5 = Scale("1-5 item (x25)", 1, 4, discrete=True, n_bins=5)
ITEM_0_5 = Scale("0-5 item (x20)", 0, 5, discrete=True, n_bins=6)
ITEM_0_10 = Scale("0-10 item (x10)", 0, 10, discrete=True, n_bins=11)


def team_values(rng, scale, team_mean_points, n_people, n_weeks, n_trials):
    """Realistic answers: a fresh team per trial, each person with a level of
    their own (beta across people, sd ~ 20 points) and week-to-week wobble.
    Returns shape (n_trials, n_people * n_weeks) on the scale's own units."""
    centre = team_mean_points / 100.0
    concentration = 4.0  # a+b of the beta: sd ~ 20 points around 50
    person = rng.beta(centre * concentration, (1 - centre) * concentration, size=(n_trials, n_people, 1))
    if n_weeks > 1:
        wobble = rng.normal(0.0, 0.08, size=(n_trials, n_people, n_weeks))
        person = np.clip(person + wobble, 0.0, 1.0)
    else:
        person = np.repeat(person, n_weeks, axis=2)
    person = person.reshape(n_trials, n_people * n_weeks)
    if scale.discrete:
        # Each answer: binomial over the scale's points around the person's level.
        return scale.minimum + rng.binomial(scale.range, person).astype(float)
    # Metric scores are floats (means of items); keep one decimal.
    return np.round(person * 100.0, 1)


def exponentials(rng, n_trials):
    """Two Exp(1) draws per noise: floor(E * t) is geometric with P(G >= g) =
    exp(-g/t), so floor(E1*t) - floor(E2*t) is discrete Laplace of scale t.
    Common random numbers: the same draws serve every epsilon searched."""
    return rng.exponential(1.0, size=(4, n_trials))


def discrete_laplace_from(e1, e2, scale_t):
    return np.floor(e1 * scale_t) - np.floor(e2 * scale_t)


def discrete_laplace(rng, scale_t, size):
    """Exact sampler for the check: difference of two geometric variables."""
    p_success = 1.0 - np.exp(-1.0 / scale_t)
    return rng.geometric(p_success, size) - rng.geometric(p_success, size)


def released_mean(values, scale, count_noise, sum_noise, k, centred):
    """privacy.rs's noisy_cell, the mean only (the histogram does not feed it).

    `centred=False` is the mechanism as built: the sum of (value - minimum),
    sensitivity R, mean = minimum + noisy sum / noisy n. `centred=True` is the
    proposed change: the sum of (value - midpoint), sensitivity R/2, mean =
    midpoint + noisy sum / noisy n (Google's differential-privacy library's
    BoundedMean does the same). It is kept in whole numbers by summing
    2 * (value - minimum) - R, sensitivity R in those half units. Centring
    halves the sum's noise for the same eps and makes a wrong noisy count
    move the mean by (mean - midpoint) * error / n instead of
    (mean - minimum) * error / n."""
    n = values.shape[1]
    noisy_n = np.maximum(n + count_noise, k)
    if centred:
        half_units = np.round(2 * values.sum(axis=1) - n * (2 * scale.minimum + scale.range))
        noisy = np.clip(half_units + sum_noise, -noisy_n * scale.range, noisy_n * scale.range)
        return scale.minimum + scale.range / 2 + noisy / (2 * noisy_n)
    shifted_sum = np.round(values.sum(axis=1) - n * scale.minimum)
    noisy_sum = np.clip(shifted_sum + sum_noise, 0, noisy_n * scale.range)
    return scale.minimum + noisy_sum / noisy_n


def share_within(values, scale, eps_n, eps_sum, noise, factor, centred):
    """P(|released mean - exact mean| <= 5 points), the worst over team means."""
    count_noise = discrete_laplace_from(noise[0], noise[1], factor / eps_n)
    sum_noise = discrete_laplace_from(noise[2], noise[3], factor * scale.range / eps_sum)
    shares = []
    for team in values:
        released = released_mean(team, scale, count_noise, sum_noise, K, centred)
        error = scale.to_points(released - team.mean(axis=1))
        shares.append(np.mean(np.abs(error) <= TOLERANCE_POINTS))
    return min(shares)


def smallest_total(values, scale, share_of_count, noise, factor, centred):
    """The smallest eps_n + eps_sum meeting the bar when eps_n is
    `share_of_count` of it, by bisection (monotone under common noise)."""
    low, high = 0.05, 40.0
    for _ in range(18):
        middle = (low + high) / 2
        eps_n, eps_sum = share_of_count * middle, (1 - share_of_count) * middle
        if share_within(values, scale, eps_n, eps_sum, noise, factor, centred) >= TARGET:
            high = middle
        else:
            low = middle
    return high


COUNT_SHARES = np.round(np.arange(0.10, 0.61, 0.05), 2)


def calibrate(rng, scale, n_people, n_weeks, factor, centred):
    """The best count share w_n / (w_n + w_sum) and the smallest eps_n + eps_sum."""
    values = [team_values(rng, scale, mean, n_people, n_weeks, N_TRIALS_SEARCH) for mean in TEAM_MEANS]
    noise = exponentials(rng, N_TRIALS_SEARCH)
    return min((smallest_total(values, scale, share, noise, factor, centred), share) for share in COUNT_SHARES)


def check(rng, scale, n_people, n_weeks, factor, eps_n, eps_sum, eps_hist, centred):
    """The full mechanism with numpy's geometric sampler and a fresh seed.
    Returns the worst share within +-5 points over the team means, the worst
    90% half-width of the mean's error, of the sd's error (when eps_hist), and
    how well the sum's noise masks one person: the 90% half-width of the sum
    noise in points, i.e. how far from the truth someone who knows every other
    member's value exactly still is about this one's."""
    worst_share, worst_half_width, worst_sd = 1.0, 0.0, 0.0
    for mean in TEAM_MEANS:
        values = team_values(rng, scale, mean, n_people, n_weeks, N_TRIALS_CHECK)
        count_noise = discrete_laplace(rng, factor / eps_n, N_TRIALS_CHECK)
        sum_noise = discrete_laplace(rng, factor * scale.range / eps_sum, N_TRIALS_CHECK)
        released = released_mean(values, scale, count_noise, sum_noise, K, centred)
        error = np.abs(scale.to_points(released - values.mean(axis=1)))
        worst_share = min(worst_share, np.mean(error <= TOLERANCE_POINTS))
        worst_half_width = max(worst_half_width, np.quantile(error, TARGET))
        if eps_hist:
            worst_sd = max(worst_sd, sd_half_width(rng, scale, values, factor / eps_hist))
    # In a 4-week cell one person adds up to `factor` values: the mask is per
    # value of theirs (on their mean over the weeks).
    sum_units_per_value = (2.0 if centred else 1.0) * factor
    mask = np.quantile(np.abs(sum_noise), TARGET) / sum_units_per_value
    return worst_share, worst_half_width, worst_sd, scale.to_points(mask)


def sd_half_width(rng, scale, values, bin_scale_t, n_rows=20_000):
    """90% half-width of the released sd's error, in points, the sd computed as
    privacy.rs does (bin values, n - 1) from the noisy and the exact histogram."""
    values = values[:n_rows]
    bins = scale.bins_of(values)
    histogram = np.stack([(bins == b).sum(axis=1) for b in range(scale.n_bins)], axis=1).astype(float)
    noisy = np.maximum(histogram + discrete_laplace(rng, bin_scale_t, histogram.shape), 0)
    centres = scale.bin_values()

    def sd(h):
        total = h.sum(axis=1)
        mean = (h * centres).sum(axis=1) / np.maximum(total, 1)
        squares = (h * (centres[None, :] - mean[:, None]) ** 2).sum(axis=1)
        return np.where(total >= 2, np.sqrt(squares / np.maximum(total - 1, 1)), 0.0)

    return np.quantile(np.abs(scale.to_points(sd(noisy) - sd(histogram))), TARGET)


# The recommendation: (mechanism, eps_cell, (w_n, w_sum, w_hist)).
F = Fraction
RECOMMENDED = ("centred", F(13, 2), (F(1, 3), F(1, 2), F(1, 6)))
FALLBACK_AS_BUILT = ("as built", F(10), (F(2, 5), F(11, 20), F(1, 20)))
BEFORE = ("as built", F(2), (F(1, 3), F(1, 3), F(1, 3)))  # privacy.rs's default before this calibration


def main():
    rng = np.random.default_rng(SEED)
    print("Polso differential-privacy calibration (scripts/dp_calibration.py, issue 11)")
    print(f"bar: released mean within +-{TOLERANCE_POINTS:g} points of the exact mean (0-100 scale) in at "
          f"least {TARGET:.0%} of releases, for each team mean {TEAM_MEANS}; k = {K}; seed {SEED}\n")

    cases = [
        ("(1) team of 10, weekly, 0-100 metric", METRIC, 10, 1, 1),
        ("(2) team of 10, weekly, 1-5 item (x25)", ITEM_1_5, 10, 1, 1),
        ("    team of 10, weekly, 0-10 item (x10)", ITEM_0_10, 10, 1, 1),
        ("(3) team of 10, 4-week cell, metric, n=40, sens. x4", METRIC, 10, 4, 4),
        ("(3) team of 10, 4-week cell, 1-5 item, n=40, sens. x4", ITEM_1_5, 10, 4, 4),
        ("    team of 5 (n = k), weekly, metric", METRIC, 5, 1, 1),
        ("    team of 20, weekly, metric", METRIC, 20, 1, 1),
        ("    department of 50, weekly, metric", METRIC, 50, 1, 1),
    ]
    print("A. Smallest eps_n + eps_sum that meets the bar, and the best share w_n/(w_n+w_sum)")
    print(f"   {'case':54} {'as built':>15} {'centred sum':>15}")
    for name, scale, n_people, n_weeks, factor in cases:
        built, built_share = calibrate(rng, scale, n_people, n_weeks, factor, centred=False)
        centred, centred_share = calibrate(rng, scale, n_people, n_weeks, factor, centred=True)
        print(f"   {name:54} {built:6.2f} at {built_share:.2f}  {centred:6.2f} at {centred_share:.2f}")

    check_rng = np.random.default_rng(SEED + 1)
    print(f"\nB. Constants checked with a fresh seed and numpy's geometric sampler, "
          f"{N_TRIALS_CHECK:,} releases per team mean.")
    print("   'masks' = 90% half-width of the sum's noise in points: someone who knows every other")
    print("   member's value exactly is still this far from the truth about the last one's.")
    print(f"   {'constants / case':50} {'eps_n':>6} {'eps_sum':>7} {'eps_hist':>8} {'P(+-5)':>7} "
          f"{'mean 90%+-':>10} {'sd 90%+-':>8} {'masks':>6}")
    check_cases = [
        ("team 10, metric, histogram (n = 10 = 2k)", METRIC, 10, 1, 1, True),
        ("team 10, 1-5 item, histogram", ITEM_1_5, 10, 1, 1, True),
        ("team 10, 0-10 item, histogram", ITEM_0_10, 10, 1, 1, True),
        ("team 10, 0-5 item, histogram", ITEM_0_5, 10, 1, 1, True),
        ("team of 5 (n = k), metric, no histogram", METRIC, 5, 1, 1, False),
        ("team of 7, metric, no histogram", METRIC, 7, 1, 1, False),
        ("team 10, 4-week cell x4, metric, histogram", METRIC, 10, 4, 4, True),
        ("department of 50, metric, histogram", METRIC, 50, 1, 1, True),
    ]
    for label, constants, n_cases in (("recommended", RECOMMENDED, len(check_cases)),
                                      ("the sum as built, at the cap eps = 10 (misses the 1-5 item bar)", FALLBACK_AS_BUILT, 2),
                                      ("before this calibration: eps 2, equal thirds", BEFORE, 2)):
        mechanism, eps_cell, (w_n, w_sum, w_hist) = constants
        print(f"   {label}: {mechanism} sum, eps_cell = {eps_cell}, "
              f"(w_n, w_sum, w_hist) = ({w_n}, {w_sum}, {w_hist})")
        for name, scale, n_people, n_weeks, factor, with_histogram in check_cases[:n_cases]:
            eps_n, eps_sum = float(w_n * eps_cell), float(w_sum * eps_cell)
            eps_hist = float(w_hist * eps_cell) if with_histogram else None
            share, half_width, sd_width, mask = check(
                check_rng, scale, n_people, n_weeks, factor, eps_n, eps_sum, eps_hist, mechanism == "centred"
            )
            hist_text = f"{eps_hist:8.3f}" if eps_hist else f"{'-':>8}"
            sd_text = f"{sd_width:8.1f}" if eps_hist else f"{'-':>8}"
            print(f"     {name:48} {eps_n:6.3f} {eps_sum:7.3f} {hist_text} {share:7.3f} "
                  f"{half_width:10.1f} {sd_text} {mask:6.0f}")

    mechanism, eps_cell, (w_n, w_sum, w_hist) = RECOMMENDED
    print(f"\nC. Trade-off, team of 10, 0-100 metric, {mechanism} sum, split (w_n, w_sum) = ({w_n}, {w_sum}) "
          "of eps_cell (histogram share apart)")
    print(f"   {'eps_cell':>8} {'P(+-5)':>7} {'mean 90%+-':>10} {'masks':>6}")
    for eps in (F(1), F(2), F(3), F(4), F(6), eps_cell, F(8), F(10)):
        share, half_width, _, mask = check(
            check_rng, METRIC, 10, 1, 1, float(w_n * eps), float(w_sum * eps), None, True
        )
        print(f"   {str(eps):>8} {share:7.3f} {half_width:10.1f} {mask:6.0f}")

    print(f"\nD. Yearly eps per person, basic composition, eps_cell = {eps_cell} (every released cell "
          "counted at its full eps_cell)")
    rows = [
        ("bound: 52 weeks x (5 item + 5 metric cells) x 3 levels", WEEKS_PER_YEAR * BOUND_KEYS_PER_WEEK * LEVELS),
        ("the schedule exactly: 13 cycles x 36 keys x 3 levels", 13 * CELLS_PER_CYCLE_WEEKLY * LEVELS),
        ("4-week cells, the schedule: 13 cycles x 33 keys x 3 levels",
         13 * CELLS_PER_CYCLE_FOUR_WEEKLY * LEVELS),
        ("team cells only, bound: 52 x 10", WEEKS_PER_YEAR * BOUND_KEYS_PER_WEEK),
        ("one week, bound: 10 keys x 3 levels", BOUND_KEYS_PER_WEEK * LEVELS),
        ("one cell", 1),
    ]
    for name, cells in rows:
        print(f"   {name:62} {cells:5d} cells  eps = {float(cells * eps_cell):g}")
    print("   If every key were asked every week, 4-week cells would cost about the same eps_cell\n"
          "   (sensitivity x4 and n x4 cancel) and release a quarter as many cells. Polso's schedule\n"
          "   already asks each driver once in four weeks: a 4-week cell of a driver is its one weekly\n"
          "   cell (sensitivity x1, n = 10), so pooling saves only the wellbeing repeats: 1404 -> 1287.")


if __name__ == "__main__":
    main()
