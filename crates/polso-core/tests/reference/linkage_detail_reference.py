#!/usr/bin/env python3
"""Independent reference for the linkage detail's newer figures (issue 15): how teams differ
(polso_core::linkage::teams) and what the number of customers changes
(polso_core::linkage::customers).

Usage: linkage_detail_reference.py INPUT.json OUTPUT.json

INPUT (written by crates/polso-core/tests/it/linkage_detail_reference.rs): the constants, "pooled"
(whether CX is pooled over four weeks first), "ex" and "cx" rows as in linkage_reference.py (CX
rows carry "n", null when not known) and "cells" ({"ex_metric", "cx_metric", "lag"}).

The pairing, the common window, the two-way residuals (least squares on team and week dummies) and
the effective size come from linkage_reference.py, the reference of the grid. Everything else is
written out here from the formulas, with numpy and scipy only. statsmodels is not in the reference
environment, so its combine_effects (DerSimonian-Laird) and WLS are not used: the meta-analysis is
the textbook formulas below, and the weighted fixed effects are numpy.linalg.lstsq on the
sqrt-weighted dummy matrix, which is what WLS solves.

OUTPUT:
  - "cx_used": the CX rows after four-week pooling (or as given): for each row, the customer-weighted
    mean of its team's rows of the same metric in weeks w-3..w, weights n (an unknown n weighs the
    median n of the metric's known rows, 1 if none), n the sum (null if any n is unknown);
  - "cx_cells_too_few_responses": rows of "cx_used" below min_cx_responses;
  - per cell, "teams": each team's Pearson r of its own two-way residuals (teams with at least
    min_team_pairs pairs, residuals that vary, |r| < 1 and n_eff at least min_team_effective_n), its
    effective size m_t / (1 + 2 sum_k r_x(k) r_y(k)) clamped to [3, m_t] with m_t = n_t (n - rank + 1) / n
    and cutoff min(10, span_t // 4), se = 1 / sqrt(n_eff - 3), then DerSimonian-Laird:
        w = 1/v, z_FE = sum w z / sum w, Q = sum w (z - z_FE)^2, df = k - 1,
        tau^2 = max(0, (Q - df) / (sum w - sum w^2 / sum w)), I^2 = max(0, (Q - df) / Q),
        w* = 1/(v + tau^2), mu = sum w* z / sum w*, se_mu = 1/sqrt(sum w*),
        p_Q = chi2.sf(Q, df), typical range tanh(mu -/+ 1.959964 tau),
        B = tau^2 / (tau^2 + v), z_shrunk = mu + B (z - mu);
    or {"too_few_teams": k} below min_meta_teams;
  - per cell, "weighted": the two-way residuals by weighted least squares (weight: the CX cell's n,
    unknown n the median of the cell's known n, all 1 if none), weighted Pearson, and n_eff the
    grid's effective size of those residuals times Kish's (sum w)^2 / (n sum w^2);
  - "reliability" per CX metric: over rows with known n >= min_cx_responses of teams with two or more,
    s2_within = sum (y - team mean)^2 / (N - T) (when N >= min_reliability_cells), the mean sampling
    variance (CSAT, FCR: 100^2 p (1 - p) / n; NPS: 100^2 (1 - (s/100)^2) / n; others unknown),
    reliability = clip(1 - sampling / s2_within, 0, 1) and its square root.
"""

import json
import math
import os
import sys
from collections import defaultdict

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linkage_reference as grid  # noqa: E402

Z975 = stats.norm.ppf(0.975)


def pool_four_weeks(rows, weeks):
    known = defaultdict(list)
    groups = defaultdict(list)
    for row in rows:
        if row["n"] is not None:
            known[row["metric"]].append(float(row["n"]))
        groups[(row["team"], row["metric"])].append(row)
    medians = {metric: float(np.median(counts)) for metric, counts in known.items()}
    pooled = []
    for row in rows:
        week = int(row["week"])
        members = [r for r in groups[(row["team"], row["metric"])] if week - weeks + 1 <= int(r["week"]) <= week]
        weights = np.array([float(r["n"]) if r["n"] is not None else medians.get(row["metric"], 1.0) for r in members])
        values = np.array([float(r["value"]) for r in members])
        counts = [r["n"] for r in members]
        n = None if any(c is None for c in counts) else int(sum(counts))
        pooled.append(dict(row, value=float(np.sum(weights * values) / np.sum(weights)), n=n))
    return pooled


def paired_named(ex_by_team, cx_by_team, lag, window):
    """Like linkage_reference.paired, with the team names."""
    start, end = window
    result = []
    for team in sorted(set(ex_by_team) & set(cx_by_team)):
        weeks = [w for w in sorted(ex_by_team[team]) if start <= w <= end and (w + lag) in cx_by_team[team]]
        if weeks:
            result.append((team, (np.array(weeks, dtype=np.int64), np.array([ex_by_team[team][w] for w in weeks]),
                                  np.array([cx_by_team[team][w + lag] for w in weeks]))))
    return result


def team_effective_size(weeks, x, y, m_team, max_lag):
    cutoff = min(max_lag, int(weeks[-1] - weeks[0] + 1) // 4)
    position = {int(w): i for i, w in enumerate(weeks)}
    total = 0.0
    xx, yy = float(np.dot(x, x)), float(np.dot(y, y))
    if xx > 0 and yy > 0:
        for k in range(1, cutoff + 1):
            xk = sum(x[i] * x[position[int(w) + k]] for i, w in enumerate(weeks) if int(w) + k in position)
            yk = sum(y[i] * y[position[int(w) + k]] for i, w in enumerate(weeks) if int(w) + k in position)
            total += (xk / xx) * (yk / yy)
    denominator = 1.0 + 2.0 * total
    value = m_team / denominator if denominator > 0 else m_team
    return float(min(max(value, min(3.0, m_team)), m_team))


def team_differences(named, data):
    kept = [(team, t) for team, t in named if len(t[0]) >= 2]
    residuals, rank = grid.two_way([t for _, t in kept])
    n = sum(len(w) for w, _, _ in residuals)
    m = n - rank + 1
    own = []
    for (team, _), (weeks, x, y) in zip(kept, residuals):
        if len(weeks) < data["min_team_pairs"] or not (grid.varies(x) and grid.varies(y)):
            continue
        r = float(stats.pearsonr(x, y).statistic)
        if abs(r) >= 1.0:
            continue
        n_eff = team_effective_size(weeks, x, y, len(weeks) * m / n, data["max_autocorrelation_lag"])
        if n_eff < data["min_team_effective_n"]:
            continue
        own.append((team, len(weeks), n_eff, r))
    if len(own) < data["min_meta_teams"]:
        return {"too_few_teams": len(own)}
    z = np.array([math.atanh(r) for *_, r in own])
    v = np.array([1.0 / (n_eff - 3.0) for _, _, n_eff, _ in own])
    w = 1.0 / v
    z_fixed = np.sum(w * z) / np.sum(w)
    q = float(np.sum(w * (z - z_fixed) ** 2))
    df = len(own) - 1
    scaling = np.sum(w) - np.sum(w ** 2) / np.sum(w)
    tau2 = max(0.0, (q - df) / scaling) if scaling > 0 else 0.0
    i2 = (q - df) / q if q > df else 0.0
    w_star = 1.0 / (v + tau2)
    mu = float(np.sum(w_star * z) / np.sum(w_star))
    se_mu = float(math.sqrt(1.0 / np.sum(w_star)))
    tau = math.sqrt(tau2)
    per_team = []
    for (team, n_team, n_eff, r), z_t, v_t in zip(own, z, v):
        se = math.sqrt(v_t)
        b = tau2 / (tau2 + v_t) if tau2 > 0 else 0.0
        per_team.append({"team": team, "n": n_team, "n_eff": n_eff, "r": r, "se": se,
                         "ci_low": math.tanh(z_t - Z975 * se), "ci_high": math.tanh(z_t + Z975 * se),
                         "shrinkage": b, "r_shrunk": math.tanh(mu + b * (z_t - mu))})
    return {"teams_left_out": len(named) - len(own), "degrees_of_freedom": df, "q": q,
            "q_p": float(stats.chi2.sf(q, df)) if q > 0 else 1.0, "tau_squared": tau2, "i_squared": i2,
            "pooled_z": mu, "pooled_se": se_mu, "pooled_ci_low": math.tanh(mu - Z975 * se_mu),
            "pooled_ci_high": math.tanh(mu + Z975 * se_mu), "typical_low": math.tanh(mu - Z975 * tau),
            "typical_high": math.tanh(mu + Z975 * tau), "per_team": per_team}


def weighted_figure(named, counts, lag, data):
    kept = [(team, t) for team, t in named if len(t[0]) >= 2]
    known = [counts.get((team, int(w) + lag)) for team, (weeks, _, _) in kept for w in weeks]
    known_values = [float(c) for c in known if c is not None]
    median = float(np.median(known_values)) if known_values else None
    weights = np.array([float(c) if c is not None else (median if median is not None else 1.0) for c in known])
    out = {"n": len(known), "cells_without_count": sum(c is None for c in known), "weight_for_unknown": median,
           "kish_ratio": float(np.sum(weights) ** 2 / (len(weights) * np.sum(weights ** 2))) if len(weights) else 1.0,
           "estimate": None}
    if not kept:
        return out
    all_weeks = sorted({int(w) for _, (weeks, _, _) in kept for w in weeks})
    column = {w: i for i, w in enumerate(all_weeks)}
    design = np.zeros((len(known), len(kept) + len(all_weeks)))
    row = 0
    for t, (_, (weeks, _, _)) in enumerate(kept):
        for w in weeks:
            design[row, t] = 1.0
            design[row, len(kept) + column[int(w)]] = 1.0
            row += 1
    root = np.sqrt(weights)
    x = np.concatenate([t[1] for _, t in kept])
    y = np.concatenate([t[2] for _, t in kept])
    x_res = x - design @ np.linalg.lstsq(design * root[:, None], x * root, rcond=None)[0]
    y_res = y - design @ np.linalg.lstsq(design * root[:, None], y * root, rcond=None)[0]
    rank = int(np.linalg.matrix_rank(design))
    residuals = []
    position = 0
    for _, (weeks, _, _) in kept:
        residuals.append((weeks, x_res[position:position + len(weeks)], y_res[position:position + len(weeks)]))
        position += len(weeks)
    if len(known) < data["min_within_pairs"]:
        return out
    xm, ym = np.sum(weights * x_res) / np.sum(weights), np.sum(weights * y_res) / np.sum(weights)
    sxy = np.sum(weights * (x_res - xm) * (y_res - ym))
    sxx = np.sum(weights * (x_res - xm) ** 2)
    syy = np.sum(weights * (y_res - ym) ** 2)
    if sxx <= 0 or syy <= 0:
        return out
    r = float(sxy / math.sqrt(sxx * syy))
    n_eff = grid.n_eff_numpy(residuals, rank, data["max_autocorrelation_lag"]) * out["kish_ratio"]
    if n_eff < data["min_effective_n"]:
        return out
    low, high = grid.interval(r, n_eff, 0.95)
    out["estimate"] = {"r": r, "n_eff": n_eff, "ci_low": low, "ci_high": high, "p": grid.p_value(r, n_eff)}
    return out


def reliability(rows, data):
    by_metric = defaultdict(lambda: defaultdict(list))
    for row in rows:
        cells = by_metric[row["metric"]]
        if row["n"] is not None and row["n"] >= data["min_cx_responses"] and math.isfinite(row["value"]):
            cells[row["team"]].append((float(row["value"]), int(row["n"])))
    result = {}
    for metric, teams in by_metric.items():
        teams = [cells for cells in teams.values() if len(cells) >= 2]
        n_cells = sum(len(cells) for cells in teams)
        squares = sum(float(np.sum((np.array([v for v, _ in c]) - np.mean([v for v, _ in c])) ** 2)) for c in teams)
        within = squares / (n_cells - len(teams)) if n_cells >= data["min_reliability_cells"] and n_cells > len(teams) else None
        variances = []
        for value, n in (cell for cells in teams for cell in cells):
            if metric in ("csat", "fcr"):
                p = min(max(value / 100.0, 0.0), 1.0)
                variances.append(100.0 ** 2 * p * (1.0 - p) / n)
            elif metric == "nps":
                s = min(max(value / 100.0, -1.0), 1.0)
                variances.append(100.0 ** 2 * (1.0 - s * s) / n)
        sampling = float(np.mean(variances)) if variances else None
        value = None
        if within is not None and sampling is not None and within > 0:
            value = min(max(1.0 - sampling / within, 0.0), 1.0)
        result[metric] = {"cells": n_cells, "teams": len(teams), "within": within, "sampling": sampling,
                          "reliability": value, "attenuation": math.sqrt(value) if value is not None else None}
    return result


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        data = json.load(handle)
    used = pool_four_weeks(data["cx"], data["pooled_weeks"]) if data["pooled"] else data["cx"]
    kept = [row for row in used if row["n"] is None or row["n"] >= data["min_cx_responses"]]
    ex = grid.index_series(data["ex"])
    cx = grid.index_series(kept)
    window = (min(int(o["week"]) for o in data["ex"]), max(int(o["week"]) for o in kept) - data["max_lag"])
    cells = []
    for cell in data["cells"]:
        lag = int(cell["lag"])
        named = paired_named(ex[cell["ex_metric"]], cx[cell["cx_metric"]], lag, window)
        counts = {(row["team"], int(row["week"])): row["n"] for row in kept if row["metric"] == cell["cx_metric"]}
        cells.append({"teams": team_differences(named, data), "weighted": weighted_figure(named, counts, lag, data)})
    with open(sys.argv[2], "w", encoding="utf-8") as handle:
        json.dump({"cx_used": [{"value": row["value"], "n": row["n"]} for row in used],
                   "cx_cells_too_few_responses": len(used) - len(kept), "cells": cells,
                   "reliability": reliability(used, data)}, handle)


if __name__ == "__main__":
    main()
