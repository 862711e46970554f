#!/usr/bin/env python3
"""Independent reference for polso-core's EX-CX linkage statistics (issue 4, Tests).

Usage: linkage_reference.py INPUT.json OUTPUT.json

INPUT (written by crates/polso-core/tests/it/linkage_reference.rs):
  {"max_lag": 8, "min_within_pairs": 10, "min_between_teams": 4, "min_pairs_for_team_mean": 4,
   "max_autocorrelation_lag": 10,
   "ex": [{"team": str, "week": int, "metric": str, "value": float}, ...],
   "cx": [... the same for CX ...],
   "cells": [{"ex_metric": str, "cx_metric": str, "lag": int, "within_n_eff": float or null}, ...]}

Weeks are continuous week numbers (polso's IsoWeek::index). For every cell this script pairs EX of
week w with CX of week w + lag per team, and computes with numpy and scipy, independently of the Rust
code:
  - within-team: each team's pairs demeaned (teams with one pair left out), pooled; Pearson r
    (scipy.stats.pearsonr) and Spearman rho (scipy.stats.spearmanr, average ranks);
  - between-team: team means over teams with at least min_pairs_for_team_mean pairs;
  - Fisher-z 95% interval: tanh(atanh(r) +- norm.ppf(0.975) / sqrt(n_eff - 3));
  - two-sided p from Student's t (scipy.stats.t.sf) with n_eff - 2 degrees of freedom;
  - Benjamini-Hochberg adjusted p (scipy.stats.false_discovery_control, or the same steps in numpy
    where scipy is older than 1.11) per family: within/between x Pearson/Spearman.
The within-team n_eff used for the interval and p is the Rust one passed in "within_n_eff", so that
the comparison tests the t distribution, the interval and BH; this script also recomputes n_eff with
numpy from the formula in polso-core's linkage module and reports it as "n_eff_numpy".
"""

import json
import math
import sys
from collections import defaultdict

import numpy as np
import scipy
from scipy import stats


def bh_adjust(p_values):
    p_values = np.asarray(p_values, dtype=float)
    if p_values.size == 0:
        return p_values
    if hasattr(stats, "false_discovery_control"):
        return stats.false_discovery_control(p_values, method="bh")
    m = p_values.size
    order = np.argsort(p_values)
    scaled = p_values[order] * (m / np.arange(1, m + 1))
    scaled = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.clip(scaled, 0.0, 1.0)
    return adjusted


def index_series(rows):
    """metric -> team -> {week: value}"""
    series = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        series[row["metric"]][row["team"]][int(row["week"])] = float(row["value"])
    return series


def paired(ex_by_team, cx_by_team, lag):
    """team -> (weeks, ex values, cx values), teams with at least one pair, weeks ascending."""
    result = {}
    for team in sorted(set(ex_by_team) & set(cx_by_team)):
        ex_weeks = ex_by_team[team]
        cx_weeks = cx_by_team[team]
        weeks = [w for w in sorted(ex_weeks) if (w + lag) in cx_weeks]
        if weeks:
            result[team] = (
                np.array(weeks, dtype=np.int64),
                np.array([ex_weeks[w] for w in weeks]),
                np.array([cx_weeks[w + lag] for w in weeks]),
            )
    return result


def n_eff_numpy(teams, max_autocorrelation_lag):
    """The effective size of polso-core's linkage module header, in numpy."""
    n = sum(len(weeks) for weeks, _, _ in teams)
    m = n - (len(teams) - 1)
    longest = max(len(weeks) for weeks, _, _ in teams)
    cutoff = min(max_autocorrelation_lag, longest // 4)
    demeaned = [(weeks, x - x.mean(), y - y.mean()) for weeks, x, y in teams]
    x_squares = sum(float(np.dot(x, x)) for _, x, _ in demeaned)
    y_squares = sum(float(np.dot(y, y)) for _, _, y in demeaned)
    total = 0.0
    for k in range(1, cutoff + 1):
        x_products = 0.0
        y_products = 0.0
        for weeks, x, y in demeaned:
            position = {int(w): i for i, w in enumerate(weeks)}
            for i, w in enumerate(weeks):
                j = position.get(int(w) + k)
                if j is not None:
                    x_products += x[i] * x[j]
                    y_products += y[i] * y[j]
        total += (x_products / x_squares) * (y_products / y_squares)
    denominator = 1.0 + 2.0 * total
    value = m / denominator if denominator > 0 else float(m)
    return float(min(max(value, min(3.0, m)), m))


def interval_and_p(r, n_eff):
    if n_eff <= 3:
        low, high = -1.0, 1.0
    else:
        z = math.atanh(r)
        half = stats.norm.ppf(0.975) / math.sqrt(n_eff - 3.0)
        low, high = math.tanh(z - half), math.tanh(z + half)
    df = n_eff - 2.0
    if df <= 0:
        p = 1.0
    elif abs(r) >= 1.0:
        p = 0.0
    else:
        t = r * math.sqrt(df / (1.0 - r * r))
        p = float(2.0 * stats.t.sf(abs(t), df))
    return low, high, p


def main():
    input_path, output_path = sys.argv[1], sys.argv[2]
    with open(input_path, encoding="utf-8") as handle:
        data = json.load(handle)
    ex = index_series(data["ex"])
    cx = index_series(data["cx"])
    min_within_pairs = data["min_within_pairs"]
    min_between_teams = data["min_between_teams"]
    min_pairs_for_team_mean = data["min_pairs_for_team_mean"]
    max_autocorrelation_lag = data["max_autocorrelation_lag"]

    cells = []
    families = defaultdict(list)  # family -> [(cell index, p)]
    for cell_input in data["cells"]:
        lag = int(cell_input["lag"])
        teams = paired(ex[cell_input["ex_metric"]], cx[cell_input["cx_metric"]], lag)
        cell = {
            "ex_metric": cell_input["ex_metric"],
            "cx_metric": cell_input["cx_metric"],
            "lag": lag,
        }

        within_teams = [value for value in teams.values() if len(value[0]) >= 2]
        n_within = sum(len(weeks) for weeks, _, _ in within_teams)
        cell["within_n"] = n_within
        cell["n_eff_numpy"] = None
        if n_within >= min_within_pairs:
            pooled_x = np.concatenate([x - x.mean() for _, x, _ in within_teams])
            pooled_y = np.concatenate([y - y.mean() for _, _, y in within_teams])
            n_eff = cell_input["within_n_eff"]
            cell["n_eff_numpy"] = n_eff_numpy(within_teams, max_autocorrelation_lag)
            for method, statistic in (
                ("pearson", stats.pearsonr(pooled_x, pooled_y).statistic),
                ("spearman", stats.spearmanr(pooled_x, pooled_y).statistic),
            ):
                low, high, p = interval_and_p(float(statistic), n_eff)
                cell["within_" + method] = {"r": float(statistic), "ci_low": low, "ci_high": high, "p": p}
                families["within_" + method].append((len(cells), p))
        else:
            cell["within_pearson"] = None
            cell["within_spearman"] = None

        means = [(x.mean(), y.mean()) for weeks, x, y in teams.values() if len(weeks) >= min_pairs_for_team_mean]
        cell["between_n"] = len(means)
        if len(means) >= min_between_teams:
            team_x = np.array([mx for mx, _ in means])
            team_y = np.array([my for _, my in means])
            for method, statistic in (
                ("pearson", stats.pearsonr(team_x, team_y).statistic),
                ("spearman", stats.spearmanr(team_x, team_y).statistic),
            ):
                low, high, p = interval_and_p(float(statistic), float(len(means)))
                cell["between_" + method] = {"r": float(statistic), "ci_low": low, "ci_high": high, "p": p}
                families["between_" + method].append((len(cells), p))
        else:
            cell["between_pearson"] = None
            cell["between_spearman"] = None
        cells.append(cell)

    for family, entries in families.items():
        adjusted = bh_adjust([p for _, p in entries])
        for (index, _), p_adjusted in zip(entries, adjusted):
            cells[index][family]["p_adjusted"] = float(p_adjusted)

    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump({"scipy_version": scipy.__version__, "numpy_version": np.__version__, "cells": cells}, handle)


if __name__ == "__main__":
    main()
