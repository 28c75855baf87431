from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from scipy import stats

from aigov.monitoring.drift.engine import (
    DriftInputError,
    DriftOptions,
    FeatureData,
    dataset_drift,
    feature_drift,
)
from aigov.monitoring.drift.quality import bias, degradation, performance


def test_classification_metrics() -> None:
    labels = [1, 1, 1, 0, 0, 0, 1, 0] * 5
    preds = [1, 0, 1, 0, 1, 0, 1, 0] * 5
    scores = [0.9, 0.4, 0.8, 0.1, 0.6, 0.2, 0.7, 0.3] * 5
    result = performance(
        task="classification", labels=labels, predictions=preds, scores=scores, min_samples=10
    )
    assert result.status == "ok"
    assert result.metrics["accuracy"] == pytest.approx(0.75)
    assert result.metrics["precision"] == pytest.approx(0.75)
    assert result.metrics["recall"] == pytest.approx(0.75)
    assert result.metrics["f1"] == pytest.approx(0.75)
    # AUC equals the Mann-Whitney U statistic over (positives, negatives).
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    u = stats.mannwhitneyu(pos, neg).statistic
    assert result.metrics["auc"] == pytest.approx(u / (len(pos) * len(neg)))


def test_regression_metrics_and_degradation() -> None:
    y = np.arange(40.0)
    result = performance(task="regression", labels=list(y), predictions=list(y + 2), min_samples=5)
    assert result.metrics == {"mae": pytest.approx(2.0), "rmse": pytest.approx(2.0)}
    worse = degradation({"mae": 1.0, "accuracy": 0.9}, {"mae": 2.0, "accuracy": 0.8})
    assert worse == {"mae": pytest.approx(1.0), "accuracy": pytest.approx(0.1)}


def test_too_few_labels_is_insufficient_not_zero() -> None:
    result = performance(task="classification", labels=[1, 0], predictions=[1, 1])
    assert result.status == "insufficient_data"
    assert result.metrics == {}
    assert "at least 30" in (result.reason or "")


def test_bias_metrics_four_fifths_and_small_groups() -> None:
    groups = ["a"] * 100 + ["b"] * 100 + ["c"] * 5
    preds = [1] * 60 + [0] * 40 + [1] * 30 + [0] * 70 + [1] * 5
    labels = [1] * 50 + [0] * 50 + [1] * 50 + [0] * 50 + [1] * 5
    result = bias(attribute="sex", groups=groups, predictions=preds, labels=labels)
    assert result.status == "ok"
    assert result.excluded_groups == {"c": 5}
    assert result.demographic_parity_difference == pytest.approx(0.3)
    assert result.disparate_impact_ratio == pytest.approx(0.5)
    assert result.four_fifths_rule_passed is False
    # TPR: a = 50/50 = 1.0, b = 30/50 = 0.6; FPR: a = 10/50, b = 0/50.
    assert result.equal_opportunity_difference == pytest.approx(0.4)
    assert result.equalised_odds_difference == pytest.approx(0.4)


def test_bias_with_one_usable_group_is_insufficient() -> None:
    result = bias(attribute="age", groups=["x"] * 50 + ["y"] * 3, predictions=[1] * 53)
    assert result.status == "insufficient_data"
    assert result.disparate_impact_ratio is None


def test_empty_nan_and_tiny_windows_are_insufficient_not_silent() -> None:
    nan = np.full(100, np.nan)
    only_nan = feature_drift(FeatureData("x", "numeric", np.arange(100.0), nan))
    assert only_nan.status == "insufficient_data"
    assert only_nan.score is None
    assert only_nan.drifted is None
    assert only_nan.dropped_current == 100
    empty = feature_drift(FeatureData("x", "numeric", np.arange(100.0), np.array([])))
    assert empty.status == "insufficient_data"
    result = dataset_drift(
        [FeatureData("x", "numeric", np.arange(10.0), np.arange(10.0))],
        DriftOptions(min_samples=30),
    )
    assert result.status == "insufficient_data"
    assert result.dataset_drift is None
    assert result.drifted_share is None
    assert result.insufficient == ["x"]


def test_constant_feature_does_not_crash() -> None:
    same = feature_drift(FeatureData("k", "numeric", np.ones(2000), np.ones(2000)))
    assert same.status == "ok"
    assert same.drifted is False


def test_lazy_features_give_the_same_result_and_duplicates_are_refused() -> None:
    rng = np.random.default_rng(9)
    columns = [(f"f{i}", rng.normal(0, 1, 3000), rng.normal(0.1 * i, 1, 3000)) for i in range(6)]
    eager = dataset_drift(
        [FeatureData(n, "numeric", r, c) for n, r, c in columns], DriftOptions(workers=2)
    )
    produced: list[str] = []

    def lazy() -> Iterator[FeatureData]:
        for n, r, c in columns:
            produced.append(n)
            yield FeatureData(n, "numeric", r, c)

    result = dataset_drift(lazy(), DriftOptions(workers=2))
    assert [f.score for f in result.features] == [f.score for f in eager.features]
    assert produced == [n for n, _, _ in columns]
    twice = [FeatureData("x", "numeric", columns[0][1], columns[0][2])] * 2
    with pytest.raises(DriftInputError, match="twice"):
        dataset_drift(twice)
    with pytest.raises(DriftInputError, match="no features"):
        dataset_drift([])
