"""Model performance once labels arrive, and bias across protected groups: pure numpy.

Both return explicit ``insufficient_data`` results (with a reason) instead of numbers computed on
too little data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Task = Literal["classification", "regression"]
FloatArray = npt.NDArray[np.float64]

# Metrics where a lower value is better (degradation = increase).
LOWER_IS_BETTER = frozenset({"mae", "rmse"})
FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class PerformanceResult:
    status: Literal["ok", "insufficient_data"]
    task: Task
    sample_size: int
    metrics: dict[str, float | None] = field(default_factory=dict)
    reason: str | None = None


def _auc(labels: npt.NDArray[np.bool_], scores: FloatArray) -> float | None:
    """ROC AUC by the rank-sum (Mann-Whitney) identity, ties averaged."""
    pos = int(labels.sum())
    neg = labels.size - pos
    if pos == 0 or neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    rank_sum = float(ranks[labels].sum())
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg)


def performance(
    *,
    task: Task,
    labels: Sequence[float | int | str],
    predictions: Sequence[float | int | str],
    scores: Sequence[float] | None = None,
    positive_label: str = "1",
    min_samples: int = 30,
) -> PerformanceResult:
    n = len(labels)
    if n != len(predictions):
        raise ValueError("labels and predictions differ in length")
    if n < min_samples:
        return PerformanceResult(
            status="insufficient_data",
            task=task,
            sample_size=n,
            reason=f"needs at least {min_samples} labelled observations, has {n}",
        )
    if task == "regression":
        y = np.asarray(labels, dtype=np.float64)
        p = np.asarray(predictions, dtype=np.float64)
        ok = np.isfinite(y) & np.isfinite(p)
        y, p = y[ok], p[ok]
        if y.size < min_samples:
            return PerformanceResult(
                status="insufficient_data",
                task=task,
                sample_size=int(y.size),
                reason=f"needs at least {min_samples} finite pairs, has {y.size}",
            )
        err = p - y
        return PerformanceResult(
            status="ok",
            task=task,
            sample_size=int(y.size),
            metrics={
                "mae": float(np.mean(np.abs(err))),
                "rmse": float(math.sqrt(float(np.mean(err**2)))),
            },
        )
    y_true = np.array([str(v) for v in labels]) == positive_label
    y_pred = np.array([str(v) for v in predictions]) == positive_label
    tp = int(np.sum(y_true & y_pred))
    fp = int(np.sum(~y_true & y_pred))
    fn = int(np.sum(y_true & ~y_pred))
    accuracy = float(
        np.mean(np.array([str(v) for v in labels]) == np.array([str(v) for v in predictions]))
    )
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else None
    )
    auc = None
    if scores is not None:
        s = np.asarray(scores, dtype=np.float64)
        if s.size == n and np.all(np.isfinite(s)):
            auc = _auc(y_true, s)
    return PerformanceResult(
        status="ok",
        task=task,
        sample_size=n,
        metrics={
            "accuracy": accuracy,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "auc": auc,
        },
    )


def degradation(
    reference: dict[str, float | None], current: dict[str, float | None]
) -> dict[str, float]:
    """How much worse each metric is than the reference (positive = worse)."""
    out: dict[str, float] = {}
    for name, ref in reference.items():
        cur = current.get(name)
        if ref is None or cur is None:
            continue
        out[name] = (cur - ref) if name in LOWER_IS_BETTER else (ref - cur)
    return out


@dataclass(frozen=True)
class GroupRate:
    group: str
    size: int
    selection_rate: float
    true_positive_rate: float | None
    false_positive_rate: float | None


@dataclass(frozen=True)
class BiasResult:
    status: Literal["ok", "insufficient_data"]
    attribute: str
    groups: list[GroupRate]
    excluded_groups: dict[str, int]
    min_group_size: int
    demographic_parity_difference: float | None = None
    disparate_impact_ratio: float | None = None
    four_fifths_rule_passed: bool | None = None
    equal_opportunity_difference: float | None = None
    equalised_odds_difference: float | None = None
    reason: str | None = None


def bias(
    *,
    attribute: str,
    groups: Sequence[str | None],
    predictions: Sequence[object],
    labels: Sequence[object] | None = None,
    positive_label: str = "1",
    min_group_size: int = 30,
) -> BiasResult:
    """Fairness of positive outcomes across the values of one protected attribute.

    Groups smaller than ``min_group_size`` are left out (and listed), since rates on a handful of
    people say nothing; fewer than two groups left means ``insufficient_data``.
    """
    n = len(groups)
    if len(predictions) != n or (labels is not None and len(labels) != n):
        raise ValueError("groups, predictions and labels differ in length")
    g = np.array(["" if v is None else str(v) for v in groups])
    pred = np.array([str(v) for v in predictions]) == positive_label
    lab = None if labels is None else np.array([str(v) for v in labels]) == positive_label
    rates: list[GroupRate] = []
    excluded: dict[str, int] = {}
    for value in sorted(set(g.tolist()) - {""}):
        mask = g == value
        size = int(mask.sum())
        if size < min_group_size:
            excluded[value] = size
            continue
        tpr = fpr = None
        if lab is not None:
            pos, neg = mask & lab, mask & ~lab
            tpr = float(pred[pos].mean()) if pos.any() else None
            fpr = float(pred[neg].mean()) if neg.any() else None
        rates.append(GroupRate(value, size, float(pred[mask].mean()), tpr, fpr))
    if len(rates) < 2:
        return BiasResult(
            status="insufficient_data",
            attribute=attribute,
            groups=rates,
            excluded_groups=excluded,
            min_group_size=min_group_size,
            reason=f"needs two groups of at least {min_group_size}; has {len(rates)}",
        )
    sel = [r.selection_rate for r in rates]
    dpd = max(sel) - min(sel)
    dir_ = (min(sel) / max(sel)) if max(sel) > 0 else None
    tprs = [r.true_positive_rate for r in rates if r.true_positive_rate is not None]
    fprs = [r.false_positive_rate for r in rates if r.false_positive_rate is not None]
    eod = (max(tprs) - min(tprs)) if len(tprs) >= 2 else None
    fpd = (max(fprs) - min(fprs)) if len(fprs) >= 2 else None
    eq_odds = (
        max(v for v in (eod, fpd) if v is not None) if eod is not None or fpd is not None else None
    )
    return BiasResult(
        status="ok",
        attribute=attribute,
        groups=rates,
        excluded_groups=excluded,
        min_group_size=min_group_size,
        demographic_parity_difference=dpd,
        disparate_impact_ratio=dir_,
        four_fifths_rule_passed=None if dir_ is None else dir_ >= FOUR_FIFTHS,
        equal_opportunity_difference=eod,
        equalised_odds_difference=eq_odds,
    )
