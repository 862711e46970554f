"""Reference for the heatmap's change between periods (crates/polso-desktop/src/change.rs).

Reads a JSON file of cases, each with two periods of raw answers week by week and an optional
epsilon per cell, and writes for each case, computed from the definitions alone with numpy and
scipy: each period's mean and sd over all its answers (numpy, ddof=1), the people it counts
(answers over released weeks), the noise variance of each released week's mean from the discrete
Laplace pmfs of the count and the sum summed numerically (the count clamped at k), the change, its Welch standard error
and degrees of freedom, and the 95% interval with scipy's Student t quantile.

Usage: python change_reference.py INPUT.json OUTPUT.json
"""

import json
import sys

import numpy as np
import scipy
from scipy import stats


def discrete_laplace_pmf(scale):
    # P(x) proportional to exp(-|x| / scale), normalised over a support far into the tails.
    reach = int(np.ceil(45 * scale)) + 2
    support = np.arange(-reach, reach + 1, dtype=float)
    weights = np.exp(-np.abs(support) / scale)
    return support, weights / weights.sum()


def mean_noise_variance(mean, n, epsilon, k):
    # The released mean is 50 + (C + e_s) / (2 N') with N' = max(n + e_c, k): its variance over
    # e_s (mean 0) and e_c, from the two pmfs directly.
    sum_support, sum_weights = discrete_laplace_pmf(100.0 / (epsilon / 2.0))
    sum_variance = float(np.sum(sum_weights * sum_support**2))
    count_support, count_weights = discrete_laplace_pmf(1.0 / (epsilon / 3.0))
    released = np.maximum(n + count_support, k)
    offset = (mean - 50.0) * (n / released - 1.0)
    offset_variance = float(np.sum(count_weights * offset**2) - np.sum(count_weights * offset) ** 2)
    return offset_variance + sum_variance / 4.0 * float(np.sum(count_weights / released**2))


def period(weeks, epsilon, k):
    answers = [np.asarray(week, dtype=float) for week in weeks if len(week) > 0]
    everything = np.concatenate(answers)
    total = everything.size
    mean = float(everything.mean())
    sd = float(everything.std(ddof=1))
    noise = 0.0
    if epsilon is not None:
        for week in answers:
            n = week.size
            noise += (n / total) ** 2 * mean_noise_variance(float(week.mean()), n, epsilon, k)
    return {
        "mean": mean,
        "sd": sd,
        "answers": int(total),
        "people": total / len(answers),
        "noise_variance": noise,
    }


def change(now, before):
    a = now["sd"] ** 2 / now["people"]
    b = before["sd"] ** 2 / before["people"]
    variance = a + b + now["noise_variance"] + before["noise_variance"]
    df = variance**2 / (a**2 / (now["people"] - 1) + b**2 / (before["people"] - 1))
    t = float(stats.t.ppf(0.975, df))
    difference = now["mean"] - before["mean"]
    se = float(np.sqrt(variance))
    low, high = difference - t * se, difference + t * se
    return {
        "change": difference,
        "standard_error": se,
        "degrees_of_freedom": df,
        "low": low,
        "high": high,
        "likely_real": bool(low > 0 or high < 0),
    }


def main():
    with open(sys.argv[1]) as handle:
        cases = json.load(handle)
    results = []
    for case in cases:
        epsilon = case.get("epsilon")
        now = period(case["now"], epsilon, case["k"])
        before = period(case["before"], epsilon, case["k"])
        results.append({"now": now, "before": before, "change": change(now, before)})
    with open(sys.argv[2], "w") as handle:
        json.dump({"scipy_version": scipy.__version__, "cases": results}, handle)


if __name__ == "__main__":
    main()
