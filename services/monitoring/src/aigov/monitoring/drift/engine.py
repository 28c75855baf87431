"""The drift engine: pure functions over numpy arrays, no I/O.

Per feature it computes one drift statistic (the method), its verdict against a threshold, and
the Population Stability Index (PSI) with its band as a second opinion. The default method is
chosen the way Evidently 0.7's data-drift preset chooses it
(``evidently/legacy/calculations/stattests/registry.py::_get_default_stattest``):

* reference of at most 1000 values: Kolmogorov-Smirnov (p-value < 0.05) for numeric features with
  more than 5 distinct values; chi-squared (p < 0.05) for categoricals and low-cardinality numerics
  with more than 2 values, a two-proportion Z-test for binary ones;
* reference above 1000 values: Wasserstein-1 distance normalised by the reference standard
  deviation (>= 0.1) for numeric features with more than 5 distinct values, Jensen-Shannon distance
  (natural log, >= 0.1) otherwise.

NaN and +-inf are dropped first (and counted), as Evidently does. A feature with too few values
left is reported as ``insufficient_data`` with a reason, never as "no drift".

Numeric features are sorted once; Wasserstein, the KS statistic and every histogram come from
the sorted arrays (binary searches and one linear merge), so a million rows is a few sorts.
"""

from __future__ import annotations

import math
import os
import warnings
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats
from scipy.spatial import distance

FeatureKind = Literal["numeric", "categorical"]
Method = Literal["ks", "chisquare", "z", "jensenshannon", "wasserstein", "psi"]
Status = Literal["ok", "insufficient_data"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

METHODS: tuple[str, ...] = ("ks", "chisquare", "z", "jensenshannon", "wasserstein", "psi")
# Evidently's default thresholds; p-value methods flag drift below, distances at or above.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "ks": 0.05,
    "chisquare": 0.05,
    "z": 0.05,
    "jensenshannon": 0.1,
    "wasserstein": 0.1,
    "psi": 0.1,
}
P_VALUE_METHODS = frozenset({"ks", "chisquare", "z"})
# PSI rule of thumb: < 0.1 no significant change, 0.1-0.25 moderate, > 0.25 major.
PSI_BANDS: tuple[tuple[float, str], ...] = ((0.1, "none"), (0.25, "moderate"))
PSI_MAJOR = "major"
SMALL_SAMPLE = 1000  # Evidently switches from tests to distances above this reference size
LOW_CARDINALITY = 5  # distinct values at or below which a numeric feature is treated as discrete
KEYED_BINS_MAX = 20  # a numeric reference with at most this many values is binned per value
WASSERSTEIN_MIN_STD = 0.001
DEFAULT_MIN_SAMPLES = 30
DEFAULT_DRIFT_SHARE = 0.5


class DriftInputError(ValueError):
    """The inputs cannot be compared at all (schema mismatch, unknown method)."""


@dataclass(frozen=True)
class FeatureData:
    """One feature's two windows.

    Numeric: float arrays (NaN and inf allowed; they are dropped and counted).
    Categorical: integer codes into ``categories`` shared by both windows; -1 means missing.
    """

    name: str
    kind: FeatureKind
    reference: npt.NDArray[np.generic]
    current: npt.NDArray[np.generic]
    categories: Sequence[str] | None = None


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: FeatureKind
    status: Status
    method: str | None
    threshold: float | None
    score: float | None
    drifted: bool | None
    reference_size: int
    current_size: int
    dropped_reference: int = 0
    dropped_current: int = 0
    psi: float | None = None
    psi_band: str | None = None
    bin_edges: list[float] | None = None
    bins: list[str] | None = None
    reference_distribution: list[float] | None = None
    current_distribution: list[float] | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class DatasetDrift:
    status: Status
    drift_share_threshold: float
    features_evaluated: int
    features_drifted: int
    drifted_share: float | None
    dataset_drift: bool | None
    features: list[FeatureDrift] = field(default_factory=list)
    reason: str | None = None

    @property
    def insufficient(self) -> list[str]:
        return [f.feature for f in self.features if f.status == "insufficient_data"]


@dataclass(frozen=True)
class DriftOptions:
    method: str | None = None  # one method for every feature, or None for the default choice
    per_feature_method: dict[str, str] = field(default_factory=dict)
    threshold: float | None = None
    per_feature_threshold: dict[str, float] = field(default_factory=dict)
    drift_share: float = DEFAULT_DRIFT_SHARE
    min_samples: int = DEFAULT_MIN_SAMPLES
    workers: int | None = None

    def __post_init__(self) -> None:
        for method in [self.method, *self.per_feature_method.values()]:
            if method is not None and method not in METHODS:
                raise DriftInputError(f"unknown drift method {method!r}; one of {list(METHODS)}")
        if not 0 < self.drift_share <= 1:
            raise DriftInputError("drift_share must be in (0, 1]")
        if self.min_samples < 1:
            raise DriftInputError("min_samples must be at least 1")


def psi_band(value: float) -> str:
    for upper, band in PSI_BANDS:
        if value < upper:
            return band
    return PSI_MAJOR


def default_method(kind: FeatureKind, reference_size: int, distinct_values: int) -> str:
    """Evidently's choice of test for a feature (see the module docstring)."""
    if reference_size <= SMALL_SAMPLE:
        if kind == "numeric" and distinct_values > LOW_CARDINALITY:
            return "ks"
        return "chisquare" if distinct_values > 2 else "z"
    if kind == "numeric" and distinct_values > LOW_CARDINALITY:
        return "wasserstein"
    return "jensenshannon"


def sturges_edges(lo: float, hi: float, n: int) -> FloatArray:
    """``np.histogram_bin_edges(x, "sturges")`` from the range and size alone."""
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    width = (hi - lo) / (math.log2(n) + 1.0)
    bins = max(1, math.ceil((hi - lo) / width))
    return np.linspace(lo, hi, bins + 1)


def _hist_sorted(sorted_values: FloatArray, edges: FloatArray) -> IntArray:
    """``np.histogram(values, edges)[0]`` for sorted values: bins are [a, b), the last [a, b]."""
    pos = np.searchsorted(sorted_values, edges[:-1], side="left")
    end = np.searchsorted(sorted_values, edges[-1], side="right")
    return np.diff(np.append(pos, end)).astype(np.int64)


def _fill_zeros(percents: FloatArray) -> FloatArray:
    """Evidently's epsilon for empty bins: 1e-4, or the smallest share / 1e6 if that is smaller."""
    out = percents.copy()
    nonzero = out[out != 0]
    if nonzero.size == 0:
        return out
    smallest = float(nonzero.min())
    out[out == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return out


def _psi(ref_pct: FloatArray, cur_pct: FloatArray) -> float:
    r, c = _fill_zeros(ref_pct), _fill_zeros(cur_pct)
    return float(np.sum((r - c) * np.log(r / c)))


def _js(ref_pct: FloatArray, cur_pct: FloatArray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(distance.jensenshannon(ref_pct, cur_pct))


def _unique_sorted(sorted_values: FloatArray, limit: int) -> FloatArray | None:
    """The distinct values of a sorted array, or None when there are more than ``limit``."""
    if sorted_values.size == 0:
        return sorted_values
    keep = np.empty(sorted_values.size, dtype=bool)
    keep[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=keep[1:])
    if np.count_nonzero(keep) > limit:
        return None
    return sorted_values[keep]


def _merged_cdf_gap(rs: FloatArray, cs: FloatArray) -> tuple[FloatArray, FloatArray]:
    """|F_ref - F_cur| on each gap between consecutive merged values, and the gap widths.

    One linear merge of the two sorted arrays; the empirical CDFs at a merged value are running
    counts (ties contribute zero-width gaps, so counting ties in order is harmless).
    """
    n, m = rs.size, cs.size
    pos_c = np.searchsorted(rs, cs, side="right") + np.arange(m)
    from_ref = np.ones(n + m, dtype=bool)
    from_ref[pos_c] = False
    merged = np.empty(n + m, dtype=np.float64)
    merged[pos_c] = cs
    merged[from_ref] = rs
    del pos_c
    # F_ref - F_cur = c/n - (k - c)/m with c reference values among the first k merged ones;
    # computed in place to keep the temporaries few.
    gap = np.cumsum(from_ref[:-1], dtype=np.float64)
    del from_ref
    gap *= 1.0 / n + 1.0 / m
    gap -= np.arange(1, n + m, dtype=np.float64) / m
    np.abs(gap, out=gap)
    return gap, np.diff(merged)


def wasserstein_sorted(rs: FloatArray, cs: FloatArray) -> float:
    """First Wasserstein distance of two sorted samples (equals scipy's)."""
    if rs.size == cs.size:
        # Equal sizes: the quantile functions step together, so W1 is the mean gap between
        # order statistics (exact, and one pass instead of a merge).
        return float(np.mean(np.abs(rs - cs)))
    gap, widths = _merged_cdf_gap(rs, cs)
    return float(np.dot(gap, widths))


def _numeric(feature: FeatureData, opts: DriftOptions) -> FeatureDrift:
    ref = np.asarray(feature.reference, dtype=np.float64)
    cur = np.asarray(feature.current, dtype=np.float64)
    ref_ok, cur_ok = np.isfinite(ref), np.isfinite(cur)
    r = ref[ref_ok] if not ref_ok.all() else ref
    c = cur[cur_ok] if not cur_ok.all() else cur
    base = {
        "feature": feature.name,
        "kind": feature.kind,
        "reference_size": int(r.size),
        "current_size": int(c.size),
        "dropped_reference": int(ref.size - r.size),
        "dropped_current": int(cur.size - c.size),
    }
    if (short := _too_small(r.size, c.size, opts.min_samples)) is not None:
        return FeatureDrift(**base, **_insufficient(short))  # type: ignore[arg-type]
    rs, cs = np.sort(r), np.sort(c)
    ur = _unique_sorted(rs, KEYED_BINS_MAX)
    uc = _unique_sorted(cs, KEYED_BINS_MAX) if ur is not None else None
    union = np.union1d(ur, uc) if ur is not None and uc is not None else None
    distinct = union.size if union is not None else KEYED_BINS_MAX + 1
    method = _method_for(feature, "numeric", r.size, distinct, opts)
    threshold = _threshold_for(feature.name, method, opts)

    # Histogram: per value for a reference with few values (as Evidently does), else Sturges bins
    # over reference and current together.
    if ur is not None:
        uc_all = uc if uc is not None else _unique_sorted(cs, cs.size)
        assert uc_all is not None
        keys = union if union is not None else np.union1d(ur, uc_all)
        ref_counts = _count_keys(rs, keys)
        cur_counts = _count_keys(cs, keys)
        bin_edges: list[float] | None = None
        bins: list[str] | None = [repr(float(k)) for k in keys]
    else:
        edges = sturges_edges(float(min(rs[0], cs[0])), float(max(rs[-1], cs[-1])), r.size + c.size)
        ref_counts, cur_counts = _hist_sorted(rs, edges), _hist_sorted(cs, edges)
        bin_edges, bins = edges.tolist(), None
    ref_pct, cur_pct = ref_counts / r.size, cur_counts / c.size
    psi = _psi(ref_pct, cur_pct)

    if method == "wasserstein":
        norm = max(float(np.std(r)), WASSERSTEIN_MIN_STD)
        score = wasserstein_sorted(rs, cs) / norm
    elif method == "ks":
        score = float(stats.ks_2samp(rs, cs).pvalue)
    elif method == "psi":
        score = psi
    elif method == "jensenshannon":
        score = _js(ref_pct, cur_pct)
    else:  # chisquare / z on the distinct values
        score = _categorical_test(method, ref_counts, cur_counts)
    return FeatureDrift(
        **base,  # type: ignore[arg-type]
        status="ok",
        method=method,
        threshold=threshold,
        score=score,
        drifted=_verdict(method, score, threshold),
        psi=psi,
        psi_band=psi_band(psi),
        bin_edges=bin_edges,
        bins=bins,
        reference_distribution=ref_pct.tolist(),
        current_distribution=cur_pct.tolist(),
    )


def _count_keys(sorted_values: FloatArray, keys: FloatArray) -> IntArray:
    left = np.searchsorted(sorted_values, keys, side="left")
    right = np.searchsorted(sorted_values, keys, side="right")
    return (right - left).astype(np.int64)


def _categorical(feature: FeatureData, opts: DriftOptions) -> FeatureDrift:
    ref = np.asarray(feature.reference, dtype=np.int64)
    cur = np.asarray(feature.current, dtype=np.int64)
    categories = list(feature.categories or ())
    k = len(categories)
    if k and (ref.max(initial=-1) >= k or cur.max(initial=-1) >= k):
        raise DriftInputError(f"feature {feature.name!r}: a code falls outside its categories")
    ref_counts = np.bincount(ref[ref >= 0], minlength=k)[:k] if k else np.zeros(0, np.int64)
    cur_counts = np.bincount(cur[cur >= 0], minlength=k)[:k] if k else np.zeros(0, np.int64)
    n_r, n_c = int(ref_counts.sum()), int(cur_counts.sum())
    base = {
        "feature": feature.name,
        "kind": feature.kind,
        "reference_size": n_r,
        "current_size": n_c,
        "dropped_reference": int(ref.size - n_r),
        "dropped_current": int(cur.size - n_c),
    }
    if (short := _too_small(n_r, n_c, opts.min_samples)) is not None:
        return FeatureDrift(**base, **_insufficient(short))  # type: ignore[arg-type]
    present = (ref_counts + cur_counts) > 0
    ref_counts, cur_counts = ref_counts[present], cur_counts[present]
    keys = [c for c, p in zip(categories, present, strict=True) if p]
    method = _method_for(feature, "categorical", n_r, len(keys), opts)
    if method in ("ks", "wasserstein"):
        raise DriftInputError(f"feature {feature.name!r} is categorical; {method} needs numbers")
    threshold = _threshold_for(feature.name, method, opts)
    ref_pct, cur_pct = ref_counts / n_r, cur_counts / n_c
    psi = _psi(ref_pct, cur_pct)
    if method == "jensenshannon":
        score = _js(ref_pct, cur_pct)
    elif method == "psi":
        score = psi
    else:
        score = _categorical_test(method, ref_counts, cur_counts)
    return FeatureDrift(
        **base,  # type: ignore[arg-type]
        status="ok",
        method=method,
        threshold=threshold,
        score=score,
        drifted=_verdict(method, score, threshold),
        psi=psi,
        psi_band=psi_band(psi),
        bins=keys,
        reference_distribution=ref_pct.tolist(),
        current_distribution=cur_pct.tolist(),
    )


def _categorical_test(method: str, ref_counts: IntArray, cur_counts: IntArray) -> float:
    n_r, n_c = int(ref_counts.sum()), int(cur_counts.sum())
    if method == "z":
        return _z_test(ref_counts, cur_counts)
    # chi-squared goodness of fit of current counts against reference shares (as Evidently).
    expected = ref_counts * (n_c / n_r)
    if ref_counts.size < 2:
        return 1.0
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        p = float(stats.chisquare(cur_counts, expected).pvalue)
    return 0.0 if math.isnan(p) else p


def _z_test(ref_counts: IntArray, cur_counts: IntArray) -> float:
    """Two-proportion Z-test on the first value's share (Evidently's ``z`` test)."""
    if ref_counts.size < 2:
        return 1.0
    n1, n2 = int(ref_counts.sum()), int(cur_counts.sum())
    # Evidently counts "not the first key" as 1; keys are in sorted order here, as there.
    p1, p2 = 1 - ref_counts[0] / n1, 1 - cur_counts[0] / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    denom = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if denom == 0:
        return 1.0
    z = (p1 - p2) / denom
    return float(2 * (1 - stats.norm.cdf(abs(z))))


def _method_for(
    feature: FeatureData, kind: FeatureKind, reference_size: int, distinct: int, opts: DriftOptions
) -> str:
    chosen = opts.per_feature_method.get(feature.name) or opts.method
    if chosen is None:
        return default_method(kind, reference_size, distinct)
    return chosen


def _threshold_for(name: str, method: str, opts: DriftOptions) -> float:
    if name in opts.per_feature_threshold:
        return opts.per_feature_threshold[name]
    return opts.threshold if opts.threshold is not None else DEFAULT_THRESHOLDS[method]


def _verdict(method: str, score: float, threshold: float) -> bool:
    if method == "ks":
        return score <= threshold
    if method in P_VALUE_METHODS:
        return score < threshold
    return score >= threshold


def _too_small(n_ref: int, n_cur: int, minimum: int) -> str | None:
    if n_ref < minimum or n_cur < minimum:
        return (
            f"needs at least {minimum} finite values in each window; "
            f"reference has {n_ref}, current has {n_cur}"
        )
    return None


def _insufficient(reason: str) -> dict[str, object]:
    return {
        "status": "insufficient_data",
        "method": None,
        "threshold": None,
        "score": None,
        "drifted": None,
        "reason": reason,
    }


def feature_drift(feature: FeatureData, opts: DriftOptions | None = None) -> FeatureDrift:
    opts = opts or DriftOptions()
    if feature.kind == "numeric":
        return _numeric(feature, opts)
    if feature.kind == "categorical":
        return _categorical(feature, opts)
    raise DriftInputError(f"feature {feature.name!r}: unknown kind {feature.kind!r}")


def dataset_drift(
    features: Iterable[FeatureData], opts: DriftOptions | None = None
) -> DatasetDrift:
    """Every feature's drift and the dataset verdict: drifted share >= ``drift_share``.

    ``features`` may be a lazy iterable: at most ``workers`` features are taken at a time, so a
    caller that produces one column at a time never holds the whole dataset.
    """
    opts = opts or DriftOptions()
    workers = max(1, opts.workers or os.cpu_count() or 1)
    results: list[FeatureDrift] = []
    names: set[str] = set()

    def checked(feature: FeatureData) -> FeatureData:
        if feature.name in names:
            raise DriftInputError(f"feature {feature.name!r} appears twice")
        names.add(feature.name)
        return feature

    if workers == 1:
        results = [feature_drift(checked(f), opts) for f in features]
    else:
        # numpy sorts, searches and reductions release the GIL: threads use every core.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[Future[FeatureDrift]] = deque()
            for feature in features:
                pending.append(pool.submit(feature_drift, checked(feature), opts))
                if len(pending) >= workers:
                    results.append(pending.popleft().result())
            results.extend(f.result() for f in pending)
    if not results:
        raise DriftInputError("no features to compare")
    evaluated = [r for r in results if r.status == "ok"]
    if not evaluated:
        return DatasetDrift(
            status="insufficient_data",
            drift_share_threshold=opts.drift_share,
            features_evaluated=0,
            features_drifted=0,
            drifted_share=None,
            dataset_drift=None,
            features=results,
            reason="no feature has enough data in both windows",
        )
    drifted = sum(1 for r in evaluated if r.drifted)
    share = drifted / len(evaluated)
    return DatasetDrift(
        status="ok",
        drift_share_threshold=opts.drift_share,
        features_evaluated=len(evaluated),
        features_drifted=drifted,
        drifted_share=share,
        dataset_drift=share >= opts.drift_share,
        features=results,
    )


def encode_categories(
    reference: Sequence[object], current: Sequence[object]
) -> tuple[IntArray, IntArray, list[str]]:
    """Codes over one shared, sorted vocabulary; None (missing) becomes -1."""
    vocab = sorted(
        {str(v) for v in reference if v is not None} | {str(v) for v in current if v is not None}
    )
    index = {v: i for i, v in enumerate(vocab)}

    def codes(values: Sequence[object]) -> IntArray:
        return np.fromiter(
            (-1 if v is None else index[str(v)] for v in values), dtype=np.int64, count=len(values)
        )

    return codes(reference), codes(current), vocab
