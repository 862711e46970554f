"""Reference for HR's driver priorities (crates/polso-desktop/src/priorities.rs).

Reads a JSON file with engagement's and each driver's team-period figures and writes, per driver,
from the definitions alone with scipy: the pairs (team-periods with both figures), the distinct
teams, Pearson's r (scipy.stats.pearsonr), its 95% Fisher-z interval counting each team once
(scipy.stats.norm for the quantile), the level (mean of the driver's paired figures) and whether
the interval lies above 0.

Usage: python priorities_reference.py INPUT.json OUTPUT.json
"""

import json
import math
import sys

import numpy as np
import scipy
from scipy import stats


def relation(engagement, driver, min_teams, min_pairs):
    by_key = {(figure["team"], figure["period"]): figure["value"] for figure in engagement}
    xs, ys, teams = [], [], set()
    for figure in driver:
        key = (figure["team"], figure["period"])
        if key in by_key:
            xs.append(figure["value"])
            ys.append(by_key[key])
            teams.add(figure["team"])
    result = {"pairs": len(xs), "teams": len(teams)}
    if len(xs) < min_pairs or len(teams) < min_teams:
        result.update(r=None, ci_low=None, ci_high=None, level=None, likely_related=False)
        return result
    r = float(stats.pearsonr(xs, ys).statistic)
    half = stats.norm.ppf(0.975) / math.sqrt(len(teams) - 3)
    low, high = math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)
    result.update(r=r, ci_low=low, ci_high=high, level=float(np.mean(xs)), likely_related=bool(low > 0))
    return result


def main():
    with open(sys.argv[1]) as handle:
        data = json.load(handle)
    drivers = [
        relation(data["engagement"], driver, data["min_teams"], data["min_pairs"]) for driver in data["drivers"]
    ]
    with open(sys.argv[2], "w") as handle:
        json.dump({"scipy_version": scipy.__version__, "drivers": drivers}, handle)


if __name__ == "__main__":
    main()
