"""Our drift engine against Evidently 0.7.23's data-drift preset on the same data."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aigov.monitoring.drift.engine import (
    DriftOptions,
    FeatureData,
    dataset_drift,
    encode_categories,
    sturges_edges,
    wasserstein_sorted,
)

NAMES = {
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
    "Jensen-Shannon distance": "jensenshannon",
    "Wasserstein distance (normed)": "wasserstein",
    "PSI": "psi",
}


def frames(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str]]:
    """Location, scale and shape shifts, an unchanged column, a low-cardinality numeric, a
    categorical gaining an unseen category, a binary one and a column with NaN and inf."""
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "location": rng.normal(0, 1, n),
            "scale": rng.normal(0, 1, n),
            "shape": rng.normal(0, 1, n),
            "same": rng.normal(5, 2, n),
            "small_shift": rng.normal(0, 1, n),
            "few_values": rng.integers(0, 4, n).astype(float),
            "dirty": rng.normal(0, 1, n),
            "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
            "binary": rng.choice(["yes", "no"], n, p=[0.5, 0.5]),
            "stable_cat": rng.choice(["a", "b", "c", "d"], n),
        }
    )
    cur = pd.DataFrame(
        {
            "location": rng.normal(0.6, 1, n),
            "scale": rng.normal(0, 2.5, n),
            "shape": rng.exponential(1, n) - 1,
            "same": rng.normal(5, 2, n),
            "small_shift": rng.normal(0.05, 1, n),
            "few_values": rng.integers(0, 5, n).astype(float),
            "dirty": rng.normal(0.1, 1, n),
            "colour": rng.choice(["red", "green", "blue", "purple"], n, p=[0.3, 0.3, 0.2, 0.2]),
            "binary": rng.choice(["yes", "no"], n, p=[0.65, 0.35]),
            "stable_cat": rng.choice(["a", "b", "c", "d"], n),
        }
    )
    cur.loc[::17, "dirty"] = np.nan
    cur.loc[5, "dirty"] = np.inf
    ref.loc[::23, "dirty"] = -np.inf
    # Evidently's dataset-level count keeps +-inf in a column that has no NaN (its NaN check
    # does not see inf), while its per-column ValueDrift drops them; with a NaN in both windows
    # the two agree, and we match both (we always drop inf).
    ref.loc[1, "dirty"] = np.nan
    numeric = ["location", "scale", "shape", "same", "small_shift", "few_values", "dirty"]
    categorical = ["colour", "binary", "stable_cat"]
    return ref, cur, numeric, categorical


def evidently_drift(
    ref: pd.DataFrame, cur: pd.DataFrame, numeric: list[str], categorical: list[str], **kw: Any
) -> tuple[dict[str, tuple[str, float, float]], dict[str, float]]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report([DataDriftPreset(**kw)]).run(
            Dataset.from_pandas(cur, data_definition=definition),
            Dataset.from_pandas(ref, data_definition=definition),
        )
    per_feature: dict[str, tuple[str, float, float]] = {}
    dataset: dict[str, float] = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if "column" in config:
            per_feature[config["column"]] = (
                NAMES.get(config["method"], config["method"]),
                float(metric["value"]),
                float(config["threshold"]),
            )
        else:
            dataset = {k: float(v) for k, v in metric["value"].items()}
    return per_feature, dataset


def ours(
    ref: pd.DataFrame, cur: pd.DataFrame, numeric: list[str], categorical: list[str], **kw: Any
) -> Any:
    features = [
        FeatureData(name, "numeric", ref[name].to_numpy(), cur[name].to_numpy()) for name in numeric
    ]
    for name in categorical:
        r, c, vocab = encode_categories(list(ref[name]), list(cur[name]))
        features.append(FeatureData(name, "categorical", r, c, vocab))
    return dataset_drift(features, DriftOptions(min_samples=1, **kw))


def evidently_verdict(method: str, score: float, threshold: float) -> bool:
    if method == "ks":
        return score <= threshold
    if method in ("chisquare", "z"):
        return score < threshold
    return score >= threshold


@pytest.mark.parametrize(("n", "seed"), [(200, 1), (1000, 2), (4000, 3)])
def test_default_methods_scores_and_verdicts_match_evidently(n: int, seed: int) -> None:
    ref, cur, numeric, categorical = frames(n, seed)
    theirs, their_dataset = evidently_drift(ref, cur, numeric, categorical)
    result = ours(ref, cur, numeric, categorical)
    assert result.status == "ok"
    methods_seen = set()
    for feature in result.features:
        method, score, threshold = theirs[feature.feature]
        methods_seen.add(method)
        assert feature.method == method, feature.feature
        assert feature.threshold == pytest.approx(threshold)
        assert feature.score == pytest.approx(score, rel=1e-9, abs=1e-12), feature.feature
        assert feature.drifted == evidently_verdict(method, score, threshold), feature.feature
    assert result.drifted_share == pytest.approx(their_dataset["share"])
    assert result.features_drifted == their_dataset["count"]
    # Every default branch is exercised somewhere across the sizes.
    expected = {"ks", "chisquare", "z"} if n <= 1000 else {"wasserstein", "jensenshannon"}
    assert methods_seen == expected


def test_location_scale_and_shape_shifts_are_flagged_and_noise_is_not() -> None:
    ref, cur, numeric, categorical = frames(4000, 7)
    by_name = {f.feature: f for f in ours(ref, cur, numeric, categorical).features}
    for shifted in ("location", "scale", "shape", "colour", "binary"):
        assert by_name[shifted].drifted is True, shifted
    assert by_name["same"].drifted is False
    assert by_name["stable_cat"].drifted is False
    assert by_name["dirty"].dropped_current == len(range(0, 4000, 17)) + 1
    assert by_name["dirty"].dropped_reference == len(range(0, 4000, 23)) + 1


@pytest.mark.parametrize("method", ["psi", "jensenshannon", "ks", "wasserstein"])
def test_overridden_numeric_method_matches_evidently(method: str) -> None:
    ref, cur, numeric, _ = frames(3000, 11)
    numeric = [c for c in numeric if c != "few_values"]
    theirs, _ = evidently_drift(ref, cur, numeric, [], method=method)
    for feature in ours(ref, cur, numeric, [], method=method).features:
        their_method, score, threshold = theirs[feature.feature]
        assert feature.method == their_method == method
        assert feature.score == pytest.approx(score, rel=1e-9, abs=1e-12), feature.feature
        assert feature.drifted == evidently_verdict(method, score, threshold)


@pytest.mark.parametrize("method", ["psi", "jensenshannon", "chisquare"])
def test_overridden_categorical_method_with_unseen_category_matches_evidently(
    method: str,
) -> None:
    ref, cur, _, categorical = frames(2500, 13)
    theirs, _ = evidently_drift(ref, cur, [], categorical, method=method)
    for feature in ours(ref, cur, [], categorical, method=method).features:
        _, score, threshold = theirs[feature.feature]
        assert feature.score == pytest.approx(score, rel=1e-9, abs=1e-12), feature.feature
        assert feature.drifted == evidently_verdict(method, score, threshold)
    colour = next(f for f in ours(ref, cur, [], categorical).features if f.feature == "colour")
    assert colour.bins == ["blue", "green", "purple", "red"]
    assert colour.reference_distribution is not None
    assert colour.reference_distribution[2] == 0.0  # purple is unseen in the reference


def test_sturges_edges_and_wasserstein_equal_numpy_and_scipy() -> None:
    rng = np.random.default_rng(5)
    for n_ref, n_cur in [(50, 70), (1000, 333), (20000, 5000), (3000, 3000)]:
        a, b = rng.gamma(2, size=n_ref), rng.normal(2, 1, n_cur).round(1)
        both = np.concatenate([a, b])
        np.testing.assert_allclose(
            sturges_edges(both.min(), both.max(), both.size),
            np.histogram_bin_edges(both, bins="sturges"),
        )
        assert wasserstein_sorted(np.sort(a), np.sort(b)) == pytest.approx(
            stats.wasserstein_distance(a, b), rel=1e-10
        )


def test_psi_bands_and_bin_edges_are_recorded() -> None:
    ref, cur, numeric, _ = frames(5000, 17)
    result = ours(ref, cur, ["location", "same"], [], method="psi")
    by_name = {f.feature: f for f in result.features}
    assert by_name["location"].psi_band in ("moderate", "major")
    assert by_name["same"].psi_band == "none"
    edges = by_name["location"].bin_edges
    assert edges is not None
    assert len(edges) == int(np.ceil(np.log2(10000) + 1)) + 1
    assert by_name["location"].reference_size == 5000
    assert by_name["location"].current_size == 5000
