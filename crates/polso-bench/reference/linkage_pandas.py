#!/usr/bin/env python3
"""The linkage benchmark's baseline (cargo xtask bench, benchmark 6): the full EX-CX linkage grid
computed with pandas, numpy and scipy, as an analyst would, from the same observations that
polso-core's linkage module gets.

Usage: linkage_pandas.py DATA_DIR OUTPUT.json

DATA_DIR holds what crates/polso-bench writes: meta.json (metric keys, max lag, minimums) and, for
"ex" and "cx", four little-endian column files: <side>_team.u32, <side>_week.i64 (continuous week
numbers, polso's IsoWeek::index), <side>_metric.u8 (an index into meta's metric keys) and
<side>_value.f64. Loading them is not timed; everything after is: pandas pivots each metric into a
team x week table once, and for every EX metric x CX metric x lag this computes what polso-core's
linkage module header defines, vectorised over that table (a lag is an offset into it):
  - one common window of EX weeks: first EX week .. last CX week - max_lag; EX of week w with the
    same team's CX of week w + lag; teams with one pair are left out of the within figures;
  - within (the default): two-way fixed-effects residuals (team and week), by alternating
    projections on the masked table to convergence (the test suite's reference computes the same
    projection by least squares on dummies, which does not fit in memory at this size), the
    absorbed rank T + W - C with C the connected components of the team-week graph
    (scipy.sparse.csgraph); Pearson (scipy.stats.pearsonr) and Spearman (scipy.stats.spearmanr, on
    residuals at 9 significant digits);
  - team-demeaned Pearson (rank T), and first differences (consecutive pairs at most
    max_difference_gap weeks apart, dated at the later week) two-way demeaned, Pearson;
  - n_eff = m / (1 + 2 sum_k r_x(k) r_y(k)), m = n - rank + 1, k = 1..min(max_autocorrelation_lag,
    floor(longest span in weeks / 4)), clamped to [min(3, m), m]; no estimate below min_effective_n;
  - between-team: team means over teams with at least min_pairs_for_team_mean pairs.
The Fisher-z intervals and p-values (scipy.stats.norm.ppf, scipy.stats.t.sf), Benjamini-Hochberg
per family with the false-coverage intervals of the findings (scipy.stats.false_discovery_control),
each pair's strongest lag by evidence and the ranking of pairs are the test suite's own functions,
imported from crates/polso-core/tests/reference/linkage_reference.py, so they are written once.
OUTPUT gets the cells, the pairs and ranking, the elapsed wall and CPU seconds and this process's
peak resident memory.
"""

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy import sparse, stats
from scipy.sparse import csgraph

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "polso-core" / "tests" / "reference"))
from linkage_reference import adjust_families, estimate, pick_and_rank, tie_safe  # noqa: E402


def load(data_dir, side):
    return pd.DataFrame(
        {
            "team": np.fromfile(data_dir / f"{side}_team.u32", dtype="<u4"),
            "week": np.fromfile(data_dir / f"{side}_week.i64", dtype="<i8"),
            "metric": np.fromfile(data_dir / f"{side}_metric.u8", dtype="u1"),
            "value": np.fromfile(data_dir / f"{side}_value.f64", dtype="<f8"),
        }
    )


def tables(frame, teams, weeks):
    """metric code -> team x week array of values, NaN where there is none."""
    result = {}
    for code, rows in frame.groupby("metric", sort=True):
        table = rows.pivot(index="team", columns="week", values="value").reindex(index=teams, columns=weeks)
        result[int(code)] = table.to_numpy(dtype=float)
    return result


def two_way_residuals(values, mask):
    """Residuals of values (0 off the mask) on team and week effects, by alternating projections."""
    weights = mask.astype(float)
    team_counts = weights.sum(axis=1)
    week_counts = weights.sum(axis=0)
    present_weeks = week_counts > 0
    residual = values * weights
    tolerance = 1e-13 * max(float(np.abs(residual).max(initial=0.0)), 1e-300)
    for _ in range(10_000):
        team_means = residual.sum(axis=1) / team_counts
        residual = (residual - team_means[:, None]) * weights
        week_means = np.divide(residual.sum(axis=0), week_counts, out=np.zeros_like(week_counts), where=present_weeks)
        residual = (residual - week_means[None, :]) * weights
        change = max(float(np.abs(team_means).max(initial=0.0)), float(np.abs(week_means).max(initial=0.0)))
        if change <= tolerance:
            break
    return residual


def two_way_rank(mask):
    """T + W - C of the team-week graph of the mask (teams and weeks with an observation)."""
    n_teams, n_weeks = mask.shape
    rows, columns = np.nonzero(mask)
    graph = sparse.coo_matrix((np.ones(rows.size), (rows, n_teams + columns)), shape=(n_teams + n_weeks,) * 2)
    components = csgraph.connected_components(graph, directed=False, return_labels=False)
    # Weeks without an observation are isolated nodes: not parameters, and each its own component.
    empty_weeks = int(np.sum(~mask.any(axis=0)))
    return n_teams + (n_weeks - empty_weeks) - (components - empty_weeks)


def effective_size(dx, dy, mask, absorbed, meta):
    n = int(mask.sum())
    m = n - absorbed + 1
    columns = np.arange(mask.shape[1])
    first = np.where(mask, columns, mask.shape[1]).min(axis=1)
    last = np.where(mask, columns, -1).max(axis=1)
    longest_span = int((last - first + 1).max())
    cutoff = min(meta["max_autocorrelation_lag"], longest_span // 4)
    x_squares = float((dx * dx).sum())
    y_squares = float((dy * dy).sum())
    total = 0.0
    if x_squares > 0 and y_squares > 0:
        for k in range(1, cutoff + 1):
            x_products = float((dx[:, :-k] * dx[:, k:]).sum())
            y_products = float((dy[:, :-k] * dy[:, k:]).sum())
            total += (x_products / x_squares) * (y_products / y_squares)
    denominator = 1.0 + 2.0 * total
    value = m / denominator if denominator > 0 else float(m)
    return float(min(max(value, min(3.0, m)), m))


def varies(values):
    return values.size >= 2 and float(np.sum((values - values.mean()) ** 2)) > 0


def within_figure(x, y, mask, how, meta, with_spearman):
    """(n, Pearson, Spearman) of one within-team figure; x and y are 0 off the mask."""
    counts = mask.sum(axis=1)
    kept = counts >= 2
    x, y, mask = x[kept], y[kept], mask[kept]
    n = int(mask.sum())
    if n < meta["min_within_pairs"]:
        return n, None, None
    if how == "team":
        weights = mask.astype(float)
        team_counts = weights.sum(axis=1)
        dx = (x - (x.sum(axis=1) / team_counts)[:, None]) * weights
        dy = (y - (y.sum(axis=1) / team_counts)[:, None]) * weights
        absorbed = int(kept.sum())
    else:
        dx = two_way_residuals(x, mask)
        dy = two_way_residuals(y, mask)
        absorbed = two_way_rank(mask)
    pooled_x, pooled_y = dx[mask], dy[mask]
    if not (varies(pooled_x) and varies(pooled_y)):
        return n, None, None
    n_eff = effective_size(dx, dy, mask, absorbed, meta)
    if n_eff < meta["min_effective_n"]:
        return n, None, None
    n_teams = int(mask.any(axis=1).sum())
    pearson = estimate(float(stats.pearsonr(pooled_x, pooled_y).statistic), n_eff, n, n_teams)
    spearman = None
    if with_spearman:
        rho = float(stats.spearmanr(tie_safe(pooled_x), tie_safe(pooled_y)).statistic)
        spearman = estimate(rho, n_eff, n, n_teams)
    return n, pearson, spearman


def first_differences(x, y, mask, max_gap):
    """Each team's change from one paired week to its previous paired week at most max_gap earlier."""
    columns = np.arange(mask.shape[1])
    seen = np.maximum.accumulate(np.where(mask, columns, -1), axis=1)
    previous = np.concatenate([np.full((mask.shape[0], 1), -1), seen[:, :-1]], axis=1)
    valid = mask & (previous >= 0) & (columns - previous <= max_gap)
    rows = np.arange(mask.shape[0])[:, None]
    source = np.maximum(previous, 0)
    dx = np.where(valid, x - x[rows, source], 0.0)
    dy = np.where(valid, y - y[rows, source], 0.0)
    return dx, dy, valid


def cell(ex_table, cx_table, lag, window, meta):
    start, end = window
    x = ex_table[:, start : end + 1]
    y = cx_table[:, start + lag : end + 1 + lag]
    mask = ~np.isnan(x) & ~np.isnan(y)
    x0 = np.where(mask, x, 0.0)
    y0 = np.where(mask, y, 0.0)
    counts = mask.sum(axis=1)
    result = {}

    n, result["within_pearson"], result["within_spearman"] = within_figure(x0, y0, mask, "two_way", meta, True)
    result["within_n"] = n
    n, result["team_demeaned_pearson"], _ = within_figure(x0, y0, mask, "team", meta, False)
    result["team_demeaned_n"] = n
    dx, dy, valid = first_differences(x0, y0, mask, meta["max_difference_gap"])
    n, result["first_difference_pearson"], _ = within_figure(dx, dy, valid, "two_way", meta, False)
    result["first_difference_n"] = n

    between = counts >= meta["min_pairs_for_team_mean"]
    n_between = int(between.sum())
    result["between_n"] = n_between
    result["between_pearson"] = result["between_spearman"] = None
    if n_between >= meta["min_between_teams"]:
        team_x = x0[between].sum(axis=1) / counts[between]
        team_y = y0[between].sum(axis=1) / counts[between]
        if varies(team_x) and varies(team_y):
            k = float(n_between)
            result["between_pearson"] = estimate(float(stats.pearsonr(team_x, team_y).statistic), k, n_between, n_between)
            result["between_spearman"] = estimate(float(stats.spearmanr(team_x, team_y).statistic), k, n_between, n_between)
    return result


def main():
    data_dir, output_path = Path(sys.argv[1]), sys.argv[2]
    meta = json.loads((data_dir / "meta.json").read_text(encoding="utf-8"))
    ex = load(data_dir, "ex")
    cx = load(data_dir, "cx")

    start = time.perf_counter()
    cpu_start = time.process_time()
    teams = np.union1d(ex["team"].unique(), cx["team"].unique())
    first_week = int(min(ex["week"].min(), cx["week"].min()))
    last_week = int(max(ex["week"].max(), cx["week"].max()))
    weeks = np.arange(first_week, last_week + 1)
    ex_tables = tables(ex, teams, weeks)
    cx_tables = tables(cx, teams, weeks)
    # The common window, as column indexes of the tables.
    window = (int(ex["week"].min()) - first_week, int(cx["week"].max()) - meta["max_lag"] - first_week)
    # Metric codes follow polso-core's grid order (meta.json lists the metrics in it).
    cells = []
    for ex_code in sorted(ex_tables):
        for cx_code in sorted(cx_tables):
            for lag in range(meta["max_lag"] + 1):
                result = cell(ex_tables[ex_code], cx_tables[cx_code], lag, window, meta)
                result["ex_metric"] = meta["ex_metrics"][ex_code]
                result["cx_metric"] = meta["cx_metrics"][cx_code]
                result["lag"] = lag
                cells.append(result)
    adjust_families(cells, meta["false_discovery_rate"])
    pairs, ranking = pick_and_rank(cells, meta["max_lag"])
    elapsed = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu_seconds,
                "peak_memory_mib": peak_kib / 1024.0,
                "versions": {"pandas": pd.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
                "cells": cells,
                "pairs": pairs,
                "ranking": ranking,
            },
            handle,
        )


if __name__ == "__main__":
    main()
