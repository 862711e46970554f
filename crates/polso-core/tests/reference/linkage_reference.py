#!/usr/bin/env python3
"""Independent reference for polso-core's EX-CX linkage statistics (issues 4 and 15).

Usage: linkage_reference.py INPUT.json OUTPUT.json

INPUT (written by crates/polso-core/tests/it/linkage_reference.rs):
  {"max_lag": 8, "min_within_pairs": 10, "min_between_teams": 4, "min_pairs_for_team_mean": 4,
   "max_autocorrelation_lag": 10, "min_effective_n": 20.0, "false_discovery_rate": 0.05,
   "max_difference_gap": 4, "published_between_r": 0.33, "target_power": 0.8,
   "ex": [{"team": str, "week": int, "metric": str, "value": float}, ...],
   "cx": [... the same for CX ...],
   "cells": [{"ex_metric": str, "cx_metric": str, "lag": int}, ...]}

CX rows may carry "n", the number of customer responses (null: not known); the input has
"min_cx_responses". Weeks are continuous week numbers (polso's IsoWeek::index). Everything below is computed here with
numpy and scipy from the definitions in polso-core's linkage module header, without the Rust
numbers:
  - CX rows with n below min_cx_responses are dropped (and counted) before anything else;
  - one common window of EX weeks: first EX week .. last CX week - max_lag; EX of week w is paired
    with the same team's CX of week w + lag; teams with one pair are left out of within figures;
  - "within" (the default): residuals of both sides on team and week dummies, by least squares
    (numpy.linalg.lstsq), the absorbed rank by numpy.linalg.matrix_rank;
  - "team_demeaned": each team's own means removed;
  - "first_difference": per team, differences of consecutive pairs at most max_difference_gap
    weeks apart, dated at the later week, then the same least-squares two-way residuals;
  - n_eff = m / (1 + 2 sum_k r_x(k) r_y(k)), m = n - rank + 1, k over calendar lags 1..K with
    K = min(max_autocorrelation_lag, floor(longest span in weeks / 4)), clamped to [min(3, m), m];
    a within figure needs n >= min_within_pairs, variation, and n_eff >= min_effective_n;
  - Pearson (scipy.stats.pearsonr) and Spearman (scipy.stats.spearmanr) on the pooled residuals;
  - between-team: team means over teams with at least min_pairs_for_team_mean pairs;
  - Fisher-z 95% interval with scipy.stats.norm.ppf, p from scipy.stats.t.sf with n_eff - 2 df;
  - Benjamini-Hochberg per family (scipy.stats.false_discovery_control);
  - the Benjamini-Yekutieli (2005) false-coverage interval of each finding (adjusted p <= q) at
    confidence 1 - R q / m, R findings of m estimated cells in the family;
  - each pair's strongest lag (largest |atanh r| sqrt(n_eff - 3) of the default figure, shorter lag
    on a tie), whether it is an edge (0 or max_lag), and the ranking of pairs by (adjusted p,
    -evidence);
  - the between-team power at r = 0.33 and the teams needed for 80% power (norm.cdf / norm.ppf);
  - for each cell of "permutation_cells", the team-permutation test of the default figure: the T
    teams of the observed figure (two or more pairs) in name order; for each cyclic shift s = 1..T-1,
    team k's EX (week w) paired with team (k + s) mod T's CX (week w + lag), the same least-squares
    two-way residuals, Pearson (shifts whose residuals do not vary are left out);
    p = (1 + #{|r_s| >= |r_observed|}) / (1 + shifts); not computed below min_permutation_teams
    teams or when the observed figure has no estimate.
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
    return stats.false_discovery_control(p_values, method="bh")


def index_series(rows):
    """metric -> team -> {week: value}"""
    series = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        series[row["metric"]][row["team"]][int(row["week"])] = float(row["value"])
    return series


def paired(ex_by_team, cx_by_team, lag, window):
    """[(weeks, ex, cx)] for teams with at least one pair in the window, teams in name order."""
    start, end = window
    result = []
    for team in sorted(set(ex_by_team) & set(cx_by_team)):
        ex_weeks = ex_by_team[team]
        cx_weeks = cx_by_team[team]
        weeks = [w for w in sorted(ex_weeks) if start <= w <= end and (w + lag) in cx_weeks]
        if weeks:
            result.append(
                (
                    np.array(weeks, dtype=np.int64),
                    np.array([ex_weeks[w] for w in weeks]),
                    np.array([cx_weeks[w + lag] for w in weeks]),
                )
            )
    return result


def team_demeaned(teams):
    teams = [t for t in teams if len(t[0]) >= 2]
    return [(w, x - x.mean(), y - y.mean()) for w, x, y in teams], len(teams)


def two_way(teams):
    """Least-squares residuals on team and week dummies, and the dummies' rank."""
    teams = [t for t in teams if len(t[0]) >= 2]
    if not teams:
        return [], 0
    all_weeks = sorted({int(w) for weeks, _, _ in teams for w in weeks})
    week_column = {w: i for i, w in enumerate(all_weeks)}
    n = sum(len(weeks) for weeks, _, _ in teams)
    design = np.zeros((n, len(teams) + len(all_weeks)))
    row = 0
    for t, (weeks, _, _) in enumerate(teams):
        for w in weeks:
            design[row, t] = 1.0
            design[row, len(teams) + week_column[int(w)]] = 1.0
            row += 1
    x = np.concatenate([x for _, x, _ in teams])
    y = np.concatenate([y for _, _, y in teams])
    x_residual = x - design @ np.linalg.lstsq(design, x, rcond=None)[0]
    y_residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    rank = int(np.linalg.matrix_rank(design))
    result = []
    position = 0
    for weeks, _, _ in teams:
        k = len(weeks)
        result.append((weeks, x_residual[position : position + k], y_residual[position : position + k]))
        position += k
    return result, rank


def pair_series(ex_weeks, cx_weeks, lag, window):
    """One EX series against one CX series: (weeks, ex, cx) over the window, CX lag weeks later."""
    start, end = window
    weeks = [w for w in sorted(ex_weeks) if start <= w <= end and (w + lag) in cx_weeks]
    return (
        np.array(weeks, dtype=np.int64),
        np.array([ex_weeks[w] for w in weeks]),
        np.array([cx_weeks[w + lag] for w in weeks]),
    )


def pooled_pearson(residuals):
    """Pearson on the pooled residuals, or None when either side does not vary."""
    if not residuals:
        return None
    x = np.concatenate([x for _, x, _ in residuals])
    y = np.concatenate([y for _, _, y in residuals])
    if not (varies(x) and varies(y)):
        return None
    return float(stats.pearsonr(x, y).statistic)


def permutation_test(ex_by_team, cx_by_team, lag, window, data):
    """The team-permutation test of one cell's default figure (module docstring)."""
    observed = within_figures(*two_way(paired(ex_by_team, cx_by_team, lag, window)), data, False)
    if observed["pearson"] is None:
        return {"reason": observed["reason"]}
    r_observed = observed["pearson"]["r"]
    teams = [team for team in sorted(set(ex_by_team) & set(cx_by_team))
             if len(pair_series(ex_by_team[team], cx_by_team[team], lag, window)[0]) >= 2]
    if len(teams) < data["min_permutation_teams"]:
        return {"reason": "too_few_teams", "teams": len(teams)}
    shifts = 0
    at_least_as_large = 0
    for shift in range(1, len(teams)):
        permuted = [pair_series(ex_by_team[teams[k]], cx_by_team[teams[(k + shift) % len(teams)]], lag, window)
                    for k in range(len(teams))]
        r = pooled_pearson(two_way([p for p in permuted if len(p[0]) > 0])[0])
        if r is not None:
            shifts += 1
            at_least_as_large += int(abs(r) >= abs(r_observed))
    return {"r_observed": r_observed, "p": (1 + at_least_as_large) / (1 + shifts), "permutations": shifts,
            "at_least_as_large": at_least_as_large, "n_teams": len(teams)}


def first_differences(teams, max_gap):
    result = []
    for weeks, x, y in teams:
        keep = [i for i in range(1, len(weeks)) if weeks[i] - weeks[i - 1] <= max_gap]
        if keep:
            keep = np.array(keep)
            result.append((weeks[keep], x[keep] - x[keep - 1], y[keep] - y[keep - 1]))
    return result


def n_eff_numpy(residuals, absorbed, max_autocorrelation_lag):
    n = sum(len(weeks) for weeks, _, _ in residuals)
    m = n - absorbed + 1
    longest_span = max(int(weeks[-1] - weeks[0] + 1) for weeks, _, _ in residuals)
    cutoff = min(max_autocorrelation_lag, longest_span // 4)
    x_squares = sum(float(np.dot(x, x)) for _, x, _ in residuals)
    y_squares = sum(float(np.dot(y, y)) for _, _, y in residuals)
    total = 0.0
    if x_squares > 0 and y_squares > 0:
        for k in range(1, cutoff + 1):
            x_products = 0.0
            y_products = 0.0
            for weeks, x, y in residuals:
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


def interval(r, n_eff, confidence):
    if n_eff <= 3:
        return -1.0, 1.0
    z = math.atanh(r)
    half = stats.norm.ppf(1.0 - (1.0 - confidence) / 2.0) / math.sqrt(n_eff - 3.0)
    return math.tanh(z - half), math.tanh(z + half)


def p_value(r, n_eff):
    df = n_eff - 2.0
    if df <= 0:
        return 1.0
    if abs(r) >= 1.0:
        return 0.0
    t = r * math.sqrt(df / (1.0 - r * r))
    return float(2.0 * stats.t.sf(abs(t), df))


def estimate(r, n_eff, n, n_teams):
    low, high = interval(r, n_eff, 0.95)
    return {"r": r, "ci_low": low, "ci_high": high, "n_eff": n_eff, "p": p_value(r, n_eff), "n": n,
            "n_teams": n_teams}


def tie_safe(values):
    """Residuals at 9 significant digits of the largest, as polso ranks them for Spearman."""
    scale = float(np.max(np.abs(values)))
    if scale == 0:
        return values
    scaled = values / scale * 1e9
    return np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)


def varies(values):
    return len(values) >= 2 and float(np.sum((values - values.mean()) ** 2)) > 0


def within_figures(residuals, absorbed, data, with_spearman):
    n = sum(len(weeks) for weeks, _, _ in residuals)
    out = {"n": n, "pearson": None, "spearman": None, "n_eff": None, "reason": None}
    if n < data["min_within_pairs"]:
        out["reason"] = "too_few_pairs"
        return out
    x = np.concatenate([x for _, x, _ in residuals])
    y = np.concatenate([y for _, _, y in residuals])
    if not (varies(x) and varies(y)):
        out["reason"] = "no_variation"
        return out
    n_eff = n_eff_numpy(residuals, absorbed, data["max_autocorrelation_lag"])
    out["n_eff"] = n_eff
    if n_eff < data["min_effective_n"]:
        out["reason"] = "small_effective_size"
        return out
    out["pearson"] = estimate(float(stats.pearsonr(x, y).statistic), n_eff, n, len(residuals))
    if with_spearman:
        rho = stats.spearmanr(tie_safe(x), tie_safe(y)).statistic
        out["spearman"] = estimate(float(rho), n_eff, n, len(residuals))
    return out


FAMILIES = ("within_pearson", "within_spearman", "team_demeaned_pearson", "first_difference_pearson",
            "between_pearson", "between_spearman")


def adjust_families(cells, q):
    """Benjamini-Hochberg per family over the cells that have an estimate, and the false-coverage
    interval of each finding. Shared with the linkage benchmark (crates/polso-bench/reference)."""
    for family in FAMILIES:
        indexes = [i for i, cell in enumerate(cells) if cell.get(family) is not None]
        if not indexes:
            continue
        adjusted = bh_adjust([cells[i][family]["p"] for i in indexes])
        findings = int(np.sum(adjusted <= q))
        confidence = 1.0 - max(findings, 1) * q / len(indexes)
        for i, p_adjusted in zip(indexes, adjusted):
            figure = cells[i][family]
            figure["p_adjusted"] = float(p_adjusted)
            figure["fcr_interval"] = list(interval(figure["r"], figure["n_eff"], confidence)) if p_adjusted <= q else None


def pick_and_rank(cells, max_lag):
    """Each pair's strongest lag by evidence, whether it is an edge, and the ranking of pairs.
    Shared with the linkage benchmark."""
    pairs = []
    by_pair = defaultdict(list)
    for cell in cells:
        by_pair[(cell["ex_metric"], cell["cx_metric"])].append(cell)
    for (ex_metric, cx_metric), profile in by_pair.items():
        best = None
        for cell in sorted(profile, key=lambda c: c["lag"]):
            figure = cell["within_pearson"]
            if figure is None:
                continue
            evidence = abs(math.atanh(figure["r"])) * math.sqrt(figure["n_eff"] - 3.0)
            if best is None or evidence > best[1]:
                best = (cell, evidence)
        if best is None:
            pairs.append({"ex_metric": ex_metric, "cx_metric": cx_metric, "lag": None, "edge": None,
                          "p_adjusted": None, "evidence": None})
        else:
            cell, evidence = best
            pairs.append({"ex_metric": ex_metric, "cx_metric": cx_metric, "lag": cell["lag"],
                          "edge": cell["lag"] in (0, max_lag),
                          "p_adjusted": cell["within_pearson"]["p_adjusted"], "evidence": evidence})
    estimated = sorted([p for p in pairs if p["lag"] is not None], key=lambda p: (p["p_adjusted"], -p["evidence"]))
    ranking = [[p["ex_metric"], p["cx_metric"]] for p in estimated]
    return pairs, ranking


def main():
    input_path, output_path = sys.argv[1], sys.argv[2]
    with open(input_path, encoding="utf-8") as handle:
        data = json.load(handle)
    # CX cells from fewer than min_cx_responses customers are left out first (n null: unknown, kept).
    kept_cx = [o for o in data["cx"] if o.get("n") is None or o["n"] >= data["min_cx_responses"]]
    too_few = len(data["cx"]) - len(kept_cx)
    data["cx"] = kept_cx
    ex = index_series(data["ex"])
    cx = index_series(data["cx"])
    max_lag = data["max_lag"]
    window = (min(int(o["week"]) for o in data["ex"]), max(int(o["week"]) for o in data["cx"]) - max_lag)
    q = data["false_discovery_rate"]

    cells = []
    for cell_input in data["cells"]:
        lag = int(cell_input["lag"])
        teams = paired(ex[cell_input["ex_metric"]], cx[cell_input["cx_metric"]], lag, window)
        cell = {"ex_metric": cell_input["ex_metric"], "cx_metric": cell_input["cx_metric"], "lag": lag}

        within = within_figures(*two_way(teams), data, True)
        plain = within_figures(*team_demeaned(teams), data, False)
        differenced = within_figures(*two_way(first_differences(teams, data["max_difference_gap"])), data, False)
        cell["within_n"] = within["n"]
        cell["within_n_eff"] = within["n_eff"]
        cell["within_reason"] = within["reason"]
        cell["within_pearson"] = within["pearson"]
        cell["within_spearman"] = within["spearman"]
        cell["team_demeaned_pearson"] = plain["pearson"]
        cell["team_demeaned_n"] = plain["n"]
        cell["first_difference_pearson"] = differenced["pearson"]
        cell["first_difference_n"] = differenced["n"]

        means = [(x.mean(), y.mean()) for weeks, x, y in teams if len(weeks) >= data["min_pairs_for_team_mean"]]
        cell["between_n"] = len(means)
        cell["between_pearson"] = None
        cell["between_spearman"] = None
        if len(means) >= data["min_between_teams"]:
            team_x = np.array([mx for mx, _ in means])
            team_y = np.array([my for _, my in means])
            if varies(team_x) and varies(team_y):
                k = float(len(means))
                cell["between_pearson"] = estimate(float(stats.pearsonr(team_x, team_y).statistic), k, len(means), len(means))
                cell["between_spearman"] = estimate(float(stats.spearmanr(team_x, team_y).statistic), k, len(means), len(means))
        cells.append(cell)

    adjust_families(cells, q)
    pairs, ranking = pick_and_rank(cells, max_lag)

    power = {}
    z = stats.norm.ppf(0.975)
    effect = math.atanh(data["published_between_r"])
    for teams_count in (4, 10, 20, 70):
        shift = effect * math.sqrt(teams_count - 3.0)
        power[str(teams_count)] = float(stats.norm.cdf(shift - z) + stats.norm.cdf(-shift - z))
    teams_needed = math.ceil(((z + stats.norm.ppf(data["target_power"])) / effect) ** 2 + 3.0)

    permutation_tests = [
        permutation_test(ex[c["ex_metric"]], cx[c["cx_metric"]], int(c["lag"]), window, data)
        for c in data.get("permutation_cells", [])
    ]

    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump({"scipy_version": scipy.__version__, "numpy_version": np.__version__, "window": list(window),
                   "cx_cells_too_few_responses": too_few, "permutation_tests": permutation_tests,
                   "cells": cells, "pairs": pairs, "ranking": ranking, "power": power,
                   "teams_needed": teams_needed}, handle)


if __name__ == "__main__":
    main()
