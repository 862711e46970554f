#!/usr/bin/env python3
"""The linkage benchmark's baseline (cargo xtask bench, benchmark 6): the full EX-CX linkage grid
computed with pandas, numpy and scipy, as an analyst would, from the same observations that
polso-core's linkage module gets.

Usage: linkage_pandas.py DATA_DIR OUTPUT.json

DATA_DIR holds what crates/polso-bench writes: meta.json (metric keys, max lag, minimums) and, for
"ex" and "cx", four little-endian column files: <side>_team.u32, <side>_week.i64 (continuous week
numbers, polso's IsoWeek::index), <side>_metric.u8 (an index into meta's metric keys) and
<side>_value.f64. Loading them is not timed; everything after is: pandas pivots each metric into a
team x week table, and for every EX metric x CX metric x lag this computes what polso-core's
linkage module header defines:
  - within-team: pairs (EX of week w, CX of week w + lag) demeaned per team (teams with at least
    two pairs), pooled; Pearson (scipy.stats.pearsonr) and Spearman (scipy.stats.spearmanr);
    n_eff = m / (1 + 2 sum_k r_x(k) r_y(k)) with m = n - (T - 1), clamped to [min(3, m), m];
  - between-team: team means over teams with at least min_pairs_for_team_mean pairs;
  - Fisher-z 95% interval, two-sided p from Student's t (scipy.stats.t.sf), and Benjamini-Hochberg
    (scipy.stats.false_discovery_control) per family.
OUTPUT gets the cells, the elapsed wall and CPU seconds and this process's peak resident memory.
"""

import json
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

FAMILIES = ("within_pearson", "within_spearman", "between_pearson", "between_spearman")


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


def estimate(r, n_eff):
    low, high, p = interval_and_p(r, n_eff)
    return {"r": r, "ci_low": low, "ci_high": high, "n_eff": n_eff, "p": p}


def correlations(x, y):
    """Pearson and Spearman, or None when either side does not vary."""
    if np.all(x == x[0]) or np.all(y == y[0]):
        return None
    return float(stats.pearsonr(x, y).statistic), float(stats.spearmanr(x, y).statistic)


def cell(ex_table, cx_table, lag, meta):
    n_weeks = ex_table.shape[1]
    x = ex_table[:, : n_weeks - lag]
    y = cx_table[:, lag:]
    mask = ~np.isnan(x) & ~np.isnan(y)
    counts = mask.sum(axis=1)
    x0 = np.where(mask, x, 0.0)
    y0 = np.where(mask, y, 0.0)
    result = {}

    within = counts >= 2
    n_within = int(counts[within].sum())
    result["within_n"] = n_within
    result["within_pearson"] = result["within_spearman"] = None
    if n_within >= meta["min_within_pairs"]:
        w_mask = mask[within]
        w_counts = counts[within]
        dx = np.where(w_mask, x0[within] - (x0[within].sum(axis=1) / w_counts)[:, None], 0.0)
        dy = np.where(w_mask, y0[within] - (y0[within].sum(axis=1) / w_counts)[:, None], 0.0)
        pooled_x = dx[w_mask]
        pooled_y = dy[w_mask]
        found = correlations(pooled_x, pooled_y)
        if found is not None:
            m = n_within - (int(within.sum()) - 1)
            cutoff = min(meta["max_autocorrelation_lag"], int(w_counts.max()) // 4)
            x_squares = float((pooled_x * pooled_x).sum())
            y_squares = float((pooled_y * pooled_y).sum())
            total = 0.0
            if x_squares > 0 and y_squares > 0:
                for k in range(1, cutoff + 1):
                    x_products = float((dx[:, :-k] * dx[:, k:]).sum())
                    y_products = float((dy[:, :-k] * dy[:, k:]).sum())
                    total += (x_products / x_squares) * (y_products / y_squares)
            denominator = 1.0 + 2.0 * total
            n_eff = m / denominator if denominator > 0 else float(m)
            n_eff = float(min(max(n_eff, min(3.0, m)), m))
            result["within_pearson"] = estimate(found[0], n_eff)
            result["within_spearman"] = estimate(found[1], n_eff)

    between = counts >= meta["min_pairs_for_team_mean"]
    result["between_n"] = int(between.sum())
    result["between_pearson"] = result["between_spearman"] = None
    if result["between_n"] >= meta["min_between_teams"]:
        team_x = x0[between].sum(axis=1) / counts[between]
        team_y = y0[between].sum(axis=1) / counts[between]
        found = correlations(team_x, team_y)
        if found is not None:
            n = float(result["between_n"])
            result["between_pearson"] = estimate(found[0], n)
            result["between_spearman"] = estimate(found[1], n)
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
    # Metric codes follow polso-core's grid order (meta.json lists the metrics in it).
    cx_codes = sorted(cx_tables)
    cells = []
    for ex_code in sorted(ex_tables):
        for cx_code in cx_codes:
            for lag in range(meta["max_lag"] + 1):
                result = cell(ex_tables[ex_code], cx_tables[cx_code], lag, meta)
                result["ex_metric"] = meta["ex_metrics"][ex_code]
                result["cx_metric"] = meta["cx_metrics"][cx_code]
                result["lag"] = lag
                cells.append(result)
    for family in FAMILIES:
        estimated = [c[family] for c in cells if c[family] is not None]
        if estimated:
            adjusted = stats.false_discovery_control([e["p"] for e in estimated], method="bh")
            for entry, p_adjusted in zip(estimated, adjusted):
                entry["p_adjusted"] = float(p_adjusted)
    elapsed = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(output_path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu_seconds,
                "peak_memory_mib": peak_kib / 1024.0,
                "versions": {"pandas": pd.__version__, "numpy": np.__version__, "scipy": __import__("scipy").__version__},
                "cells": cells,
            },
            handle,
        )


if __name__ == "__main__":
    main()
