"""Evaluations: drift, performance and bias over a reference and a current window."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.monitoring.drift import engine, quality
from aigov.monitoring.drift.models import EvaluationRun
from aigov.monitoring.errors import EmptyWindow, RunNotFound, SchemaMismatch
from aigov.monitoring.events import emit
from aigov.monitoring.incident.service import evaluate_rules
from aigov.monitoring.metrics import DRIFT_SCORE, DRIFTED_SHARE, EVALUATIONS
from aigov.monitoring.observation.service import WindowData, get_system, load_window
from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.contracts.monitoring import (
    BiasEvaluatedV1,
    DriftEvaluatedV1,
    FeatureDriftSummaryV1,
    PerformanceEvaluatedV1,
)
from aigov.shared.problems import Unprocessable


@dataclass(frozen=True)
class CurrentWindow:
    last_n: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "last_n": self.last_n,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


async def _windows(
    session: AsyncSession,
    *,
    system: MonitoredSystem,
    model_version: str,
    current: CurrentWindow,
    max_rows: int,
) -> tuple[WindowData, WindowData]:
    reference = await load_window(
        session,
        system_id=system.system_id,
        model_version=model_version,
        window="reference",
        max_rows=max_rows,
    )
    if reference.rows == 0:
        raise EmptyWindow(
            f"no reference window for model version {model_version!r}: send observations with "
            "window=reference first",
            window="reference",
        )
    cur = await load_window(
        session,
        system_id=system.system_id,
        model_version=model_version,
        window="current",
        last_n=current.last_n,
        since=current.since,
        until=current.until,
        max_rows=max_rows,
    )
    if cur.rows == 0:
        raise EmptyWindow("the current window holds no observations", window="current")
    return reference, cur


def build_features(
    reference: WindowData, current: WindowData, *, only: Sequence[str] | None, strict: bool
) -> tuple[list[engine.FeatureData], dict[str, list[str]]]:
    """Arrays per feature; a feature typed differently in the two windows is a schema mismatch.

    ``strict``: features present in only one window are an error; otherwise they are skipped
    and listed (automatic runs must not fail on a new feature).
    """
    ref_names, cur_names = set(reference.kinds), set(current.kinds)
    wanted = set(only) if only else ref_names | cur_names
    unknown = wanted - (ref_names | cur_names)
    if unknown:
        raise SchemaMismatch(f"unknown features: {sorted(unknown)}", unknown=sorted(unknown))
    missing = {
        "missing_in_current": sorted((wanted & ref_names) - cur_names),
        "missing_in_reference": sorted((wanted & cur_names) - ref_names),
    }
    if strict and (missing["missing_in_current"] or missing["missing_in_reference"]):
        raise SchemaMismatch("the reference and current windows have different features", **missing)
    features: list[engine.FeatureData] = []
    for name in sorted(wanted & ref_names & cur_names):
        kind = reference.kinds[name]
        if current.kinds[name] != kind:
            raise SchemaMismatch(
                f"feature {name!r} is {kind} in the reference window but "
                f"{current.kinds[name]} in the current one",
                feature=name,
            )
        ref_values = reference.columns[f"f:{name}"]
        cur_values = current.columns[f"f:{name}"]
        if kind == "numeric":
            features.append(
                engine.FeatureData(
                    name,
                    "numeric",
                    np.array(ref_values, dtype=np.float64),
                    np.array(cur_values, dtype=np.float64),
                )
            )
        else:
            r, c, vocab = engine.encode_categories(ref_values, cur_values)
            features.append(engine.FeatureData(name, "categorical", r, c, vocab))
    if not features:
        raise SchemaMismatch("no feature is present in both windows", **missing)
    return features, missing


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """JSON (and PostgreSQL's JSON above all) has no NaN or infinity: store them as null."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}


async def run_drift(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    model_version: str,
    current: CurrentWindow,
    options: engine.DriftOptions,
    features: Sequence[str] | None,
    max_rows: int,
    trigger: str = "api",
) -> EvaluationRun:
    system = await get_system(session, organisation_id=organisation_id, system_id=system_id)
    reference, cur = await _windows(
        session, system=system, model_version=model_version, current=current, max_rows=max_rows
    )
    data, missing = build_features(reference, cur, only=features, strict=trigger == "api")
    try:
        # The statistics are CPU work: off the event loop.
        result = await asyncio.to_thread(engine.dataset_drift, data, options)
    except engine.DriftInputError as exc:
        raise Unprocessable(str(exc)) from exc
    details = [_finite(f.as_dict()) for f in result.features]
    summary: dict[str, Any] = {
        "status": result.status,
        "dataset_drift": result.dataset_drift,
        "drifted_share": result.drifted_share,
        "drift_share_threshold": result.drift_share_threshold,
        "features_evaluated": result.features_evaluated,
        "features_drifted": result.features_drifted,
        "insufficient_features": result.insufficient,
        "max_psi": max((f.psi for f in result.features if f.psi is not None), default=None),
        "reason": result.reason,
        **missing,
    }
    run = EvaluationRun(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        system_id=system_id,
        model_version=model_version,
        kind="drift",
        trigger=trigger,
        status=result.status,
        reference_size=reference.rows,
        current_size=cur.rows,
        windows={
            "reference": reference.describe(),
            "current": cur.describe() | {"selection": current.describe()},
        },
        options={
            "method": options.method,
            "per_feature_method": options.per_feature_method,
            "threshold": options.threshold,
            "per_feature_threshold": options.per_feature_threshold,
            "drift_share": options.drift_share,
            "min_samples": options.min_samples,
        },
        summary=summary,
        details=details,
    )
    session.add(run)
    emit(
        session,
        DriftEvaluatedV1(
            system_id=system_id,
            run_id=run.id,
            model_version=model_version,
            status=result.status,
            dataset_drift=result.dataset_drift,
            drifted_share=result.drifted_share,
            drift_share_threshold=result.drift_share_threshold,
            features_evaluated=result.features_evaluated,
            features_drifted=result.features_drifted,
            reference_size=reference.rows,
            current_size=cur.rows,
            features=[
                FeatureDriftSummaryV1(
                    feature=f.feature,
                    kind=f.kind,
                    status=f.status,
                    method=f.method,
                    threshold=f.threshold,
                    score=f.score,
                    drifted=f.drifted,
                    psi=f.psi,
                    psi_band=f.psi_band,
                    reference_size=f.reference_size,
                    current_size=f.current_size,
                    bin_edges=f.bin_edges,
                    reason=f.reason,
                )
                for f in result.features
            ],
            trigger="automatic" if trigger == "automatic" else "api",
        ),
        organisation_id=organisation_id,
        system_id=system_id,
    )
    EVALUATIONS.labels("drift", result.status).inc()
    if result.status == "ok":
        system.last_drifted_share = result.drifted_share
        system.last_dataset_drift = result.dataset_drift
        DRIFTED_SHARE.observe(result.drifted_share or 0.0)
        for f in result.features:
            if f.score is not None and f.method is not None:
                DRIFT_SCORE.labels(f.method).observe(f.score)
    if trigger == "automatic" or current.last_n is None:
        system.rows_since_drift = 0
    await session.flush()
    await evaluate_rules(
        session,
        system=system,
        values={"drifted_share": result.drifted_share, "max_psi": summary["max_psi"]},
        run_id=run.id,
    )
    return run


async def maybe_run_automatic_drift(
    session: AsyncSession,
    *,
    system: MonitoredSystem,
    model_version: str,
    window_rows: int,
    min_samples: int,
    max_rows: int,
) -> EvaluationRun | None:
    """After ingestion: a drift run over the last ``window_rows`` rows once that many arrived."""
    if window_rows <= 0 or system.rows_since_drift < window_rows:
        return None
    try:
        return await run_drift(
            session,
            organisation_id=system.organisation_id,
            system_id=system.system_id,
            model_version=model_version,
            current=CurrentWindow(last_n=window_rows),
            options=engine.DriftOptions(min_samples=min_samples, workers=1),
            features=None,
            max_rows=max_rows,
            trigger="automatic",
        )
    except (EmptyWindow, SchemaMismatch):
        # No reference yet, or nothing comparable: wait for more data, do not fail the batch.
        system.rows_since_drift = 0
        return None


def _labelled(window: WindowData) -> tuple[list[Any], list[Any], list[Any], list[int]]:
    labels = window.columns.get("label", [None] * window.rows)
    preds = window.columns.get("prediction", [None] * window.rows)
    scores = window.columns.get("score", [None] * window.rows)
    idx = [i for i in range(window.rows) if labels[i] is not None and preds[i] is not None]
    return labels, preds, scores, idx


def _performance(
    window: WindowData, *, task: quality.Task, positive_label: str, min_samples: int
) -> quality.PerformanceResult:
    labels, preds, scores, idx = _labelled(window)
    score_values = [scores[i] for i in idx]
    return quality.performance(
        task=task,
        labels=[labels[i] for i in idx],
        predictions=[preds[i] for i in idx],
        scores=None if any(s is None for s in score_values) or not idx else score_values,
        positive_label=positive_label,
        min_samples=min_samples,
    )


async def run_performance(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    model_version: str,
    current: CurrentWindow,
    task: quality.Task,
    positive_label: str,
    min_samples: int,
    max_rows: int,
) -> EvaluationRun:
    system = await get_system(session, organisation_id=organisation_id, system_id=system_id)
    reference, cur = await _windows(
        session, system=system, model_version=model_version, current=current, max_rows=max_rows
    )
    try:
        ref_perf = _performance(
            reference, task=task, positive_label=positive_label, min_samples=min_samples
        )
        cur_perf = _performance(
            cur, task=task, positive_label=positive_label, min_samples=min_samples
        )
    except ValueError as exc:
        raise Unprocessable(f"labels or predictions cannot be compared: {exc}") from exc
    degradation = (
        quality.degradation(ref_perf.metrics, cur_perf.metrics)
        if ref_perf.status == "ok" and cur_perf.status == "ok"
        else {}
    )
    status = cur_perf.status
    run = EvaluationRun(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        system_id=system_id,
        model_version=model_version,
        kind="performance",
        status=status,
        reference_size=ref_perf.sample_size,
        current_size=cur_perf.sample_size,
        windows={"reference": reference.describe(), "current": cur.describe()},
        options={"task": task, "positive_label": positive_label, "min_samples": min_samples},
        summary={
            "status": status,
            "metrics": cur_perf.metrics,
            "reference_metrics": ref_perf.metrics,
            "reference_status": ref_perf.status,
            "degradation": degradation,
            "reason": cur_perf.reason or ref_perf.reason,
        },
        details=[
            {"metric": k, "current": v, "reference": ref_perf.metrics.get(k)}
            for k, v in cur_perf.metrics.items()
        ],
    )
    session.add(run)
    emit(
        session,
        PerformanceEvaluatedV1(
            system_id=system_id,
            run_id=run.id,
            model_version=model_version,
            status=status,
            task=task,
            sample_size=cur_perf.sample_size,
            metrics=cur_perf.metrics,
            reference_metrics=ref_perf.metrics,
            degradation=degradation,
        ),
        organisation_id=organisation_id,
        system_id=system_id,
    )
    EVALUATIONS.labels("performance", status).inc()
    await session.flush()
    await evaluate_rules(
        session,
        system=system,
        values={"performance_degradation": max(degradation.values(), default=None)},
        run_id=run.id,
    )
    return run


async def run_bias(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    model_version: str,
    current: CurrentWindow,
    attribute: str,
    positive_label: str,
    min_group_size: int,
    max_rows: int,
) -> EvaluationRun:
    system = await get_system(session, organisation_id=organisation_id, system_id=system_id)
    cur = await load_window(
        session,
        system_id=system_id,
        model_version=model_version,
        window="current",
        last_n=current.last_n,
        since=current.since,
        until=current.until,
        max_rows=max_rows,
    )
    if cur.rows == 0:
        raise EmptyWindow("the current window holds no observations", window="current")
    column = cur.columns.get(f"p:{attribute}")
    if column is None:
        raise SchemaMismatch(
            f"no observation carries the protected attribute {attribute!r}", attribute=attribute
        )
    preds = cur.columns.get("prediction", [None] * cur.rows)
    labels = cur.columns.get("label")
    idx = [i for i in range(cur.rows) if preds[i] is not None]
    has_labels = labels is not None and all(labels[i] is not None for i in idx)
    result = quality.bias(
        attribute=attribute,
        groups=[column[i] for i in idx],
        predictions=[preds[i] for i in idx],
        labels=[labels[i] for i in idx] if has_labels and labels is not None else None,
        positive_label=positive_label,
        min_group_size=min_group_size,
    )
    summary = {
        "status": result.status,
        "attribute": attribute,
        "demographic_parity_difference": result.demographic_parity_difference,
        "disparate_impact_ratio": result.disparate_impact_ratio,
        "four_fifths_rule_passed": result.four_fifths_rule_passed,
        "equal_opportunity_difference": result.equal_opportunity_difference,
        "equalised_odds_difference": result.equalised_odds_difference,
        "excluded_groups": result.excluded_groups,
        "reason": result.reason,
    }
    run = EvaluationRun(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        system_id=system_id,
        model_version=model_version,
        kind="bias",
        status=result.status,
        reference_size=0,
        current_size=len(idx),
        windows={"current": cur.describe()},
        options={
            "attribute": attribute,
            "positive_label": positive_label,
            "min_group_size": min_group_size,
        },
        summary=summary,
        details=[g.__dict__ for g in result.groups],
    )
    session.add(run)
    emit(
        session,
        BiasEvaluatedV1(
            system_id=system_id,
            run_id=run.id,
            model_version=model_version,
            status=result.status,
            attribute=attribute,
            min_group_size=min_group_size,
            demographic_parity_difference=result.demographic_parity_difference,
            disparate_impact_ratio=result.disparate_impact_ratio,
            four_fifths_rule_passed=result.four_fifths_rule_passed,
            equal_opportunity_difference=result.equal_opportunity_difference,
            equalised_odds_difference=result.equalised_odds_difference,
        ),
        organisation_id=organisation_id,
        system_id=system_id,
    )
    EVALUATIONS.labels("bias", result.status).inc()
    await session.flush()
    await evaluate_rules(
        session,
        system=system,
        values={
            "disparate_impact_ratio": result.disparate_impact_ratio,
            "demographic_parity_difference": result.demographic_parity_difference,
        },
        run_id=run.id,
    )
    return run


async def get_run(
    session: AsyncSession, *, organisation_id: str, run_id: uuid.UUID
) -> EvaluationRun:
    run = await session.get(EvaluationRun, run_id)
    if run is None or run.organisation_id != organisation_id:
        raise RunNotFound(f"evaluation run {run_id} not found")
    return run


async def list_runs(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID, kind: str | None
) -> Sequence[EvaluationRun]:
    query = select(EvaluationRun).where(
        EvaluationRun.organisation_id == organisation_id, EvaluationRun.system_id == system_id
    )
    if kind is not None:
        query = query.where(EvaluationRun.kind == kind)
    return (await session.scalars(query.order_by(EvaluationRun.created_at.desc()).limit(200))).all()
