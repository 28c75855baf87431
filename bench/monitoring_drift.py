"""Drift over a reference and a current window (default 1,000,000 rows x 50 features: 40 numeric,
10 categorical): aigov's engine against Evidently 0.7.23's DataDriftPreset on the same data, and
observations ingested per second end to end through Kafka.

Each tool runs in its own subprocess that generates the same data from the same seed, so each
peak memory (``ru_maxrss``) is that tool's alone; both include the data itself.

    python3 -m uv run python bench/monitoring_drift.py                 # ours only, 1M rows
    python3 -m uv run python bench/monitoring_drift.py --evidently     # + Evidently (minutes)
    python3 -m uv run python bench/monitoring_drift.py --rows 100000 --evidently   # quick
    python3 -m uv run python bench/monitoring_drift.py --kafka         # + Kafka throughput
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N_NUMERIC, N_CATEGORICAL, N_CATEGORIES = 40, 10, 8


def numeric_column(i: int, n: int, seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Reference and current values of numeric feature ``i``: a third location-shifted, a third
    scale-shifted (some slightly), a third unchanged, with different shapes."""
    rng = np.random.default_rng([seed, i])
    shape = i % 4
    if shape == 0:
        ref = rng.normal(0, 1, n)
    elif shape == 1:
        ref = rng.lognormal(0, 0.6, n)
    elif shape == 2:
        ref = rng.gamma(2.0, 2.0, n)
    else:
        ref = rng.uniform(-3, 3, n)
    kind = i % 3
    cur = ref[rng.permutation(n)]
    if kind == 0:
        cur = cur + (0.02 if i % 2 else 0.5) * float(np.std(ref))
    elif kind == 1:
        cur = (cur - ref.mean()) * (1.05 if i % 2 else 1.6) + ref.mean()
    cur = cur + rng.normal(0, 1e-3, n)
    return ref, cur


def categorical_column(
    j: int, n: int, seed: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Codes 0..N_CATEGORIES-1 in the reference; the current window shifts shares for half the
    features and brings an unseen category (code N_CATEGORIES) for some."""
    rng = np.random.default_rng([seed, 1000 + j])
    p = rng.dirichlet(np.ones(N_CATEGORIES) * 2)
    ref = rng.choice(N_CATEGORIES, n, p=p).astype(np.int32)
    if j % 2:
        cur = rng.choice(N_CATEGORIES, n, p=p).astype(np.int32)
    else:
        q = np.append(np.roll(p, 1) * 0.9, 0.1) if j % 4 == 0 else np.append(np.roll(p, 1), 0)
        cur = rng.choice(N_CATEGORIES + 1, n, p=q / q.sum()).astype(np.int32)
    return ref, cur


def categories() -> list[str]:
    return [f"cat_{k}" for k in range(N_CATEGORIES + 1)]


def say(*parts: object) -> None:
    """The benchmark's output (stdout)."""
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def our_features(rows: int, seed: int) -> Iterator[Any]:
    from aigov.monitoring.drift.engine import FeatureData

    for i in range(N_NUMERIC):
        ref, cur = numeric_column(i, rows, seed)
        yield FeatureData(f"num_{i}", "numeric", ref, cur)
    for j in range(N_CATEGORICAL):
        ref, cur = categorical_column(j, rows, seed)
        yield FeatureData(f"cat_{j}", "categorical", ref, cur, categories())


def worker_ours(rows: int, seed: int, *, lazy: bool = False) -> dict[str, Any]:
    """``lazy``: columns are produced one at a time while the engine runs (as a columnar store
    would hand them over), instead of all being in memory first."""
    from aigov.monitoring.drift.engine import dataset_drift

    features: Iterable[Any] = our_features(rows, seed)
    if not lazy:
        features = list(features)
    data_mb = peak_mb()
    start = time.perf_counter()
    result = dataset_drift(features)
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
        "peak_mb": peak_mb(),
        "data_mb": data_mb,
        "drifted_share": result.drifted_share,
        "dataset_drift": result.dataset_drift,
        "features": {
            f.feature: {"method": f.method, "score": f.score, "drifted": f.drifted}
            for f in result.features
        },
    }


METHOD_NAMES = {
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
}


def worker_evidently(rows: int, seed: int) -> dict[str, Any]:
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    cats = np.array(categories())
    ref_cols: dict[str, Any] = {}
    cur_cols: dict[str, Any] = {}
    for i in range(N_NUMERIC):
        ref_cols[f"num_{i}"], cur_cols[f"num_{i}"] = numeric_column(i, rows, seed)
    for j in range(N_CATEGORICAL):
        ref, cur = categorical_column(j, rows, seed)
        # The same values as strings, in pandas' compact categorical dtype.
        ref_cols[f"cat_{j}"] = pd.Categorical.from_codes(ref, categories=cats)
        cur_cols[f"cat_{j}"] = pd.Categorical.from_codes(cur, categories=cats)
    reference, current = pd.DataFrame(ref_cols), pd.DataFrame(cur_cols)
    del ref_cols, cur_cols
    definition = DataDefinition(
        numerical_columns=[f"num_{i}" for i in range(N_NUMERIC)],
        categorical_columns=[f"cat_{j}" for j in range(N_CATEGORICAL)],
    )
    data_mb = peak_mb()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report([DataDriftPreset()]).run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
        metrics = snapshot.dict()["metrics"]
    wall = time.perf_counter() - start
    features: dict[str, Any] = {}
    share = None
    for metric in metrics:
        config = metric["config"]
        if "column" in config:
            method = METHOD_NAMES.get(config["method"], config["method"])
            score = float(metric["value"])
            threshold = float(config["threshold"])
            drifted = (
                score <= threshold
                if method == "ks"
                else (score < threshold if method in ("chisquare", "z") else score >= threshold)
            )
            features[config["column"]] = {"method": method, "score": score, "drifted": drifted}
        else:
            share = float(metric["value"]["share"])
    return {
        "wall_s": wall,
        "peak_mb": peak_mb(),
        "data_mb": data_mb,
        "drifted_share": share,
        "dataset_drift": share is not None and share >= 0.5,
        "features": features,
    }


def run_worker(kind: str, rows: int, seed: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--rows", str(rows), "--seed", str(seed)],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONWARNINGS": "ignore"},
    )
    if out.returncode != 0 or not out.stdout.strip():
        raise SystemExit(f"{kind} worker failed ({out.returncode}):\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    same_verdict = sum(
        ours["features"][k]["drifted"] == v["drifted"] for k, v in theirs["features"].items()
    )
    same_method = sum(
        ours["features"][k]["method"] == v["method"] for k, v in theirs["features"].items()
    )
    worst = max(
        abs(ours["features"][k]["score"] - v["score"]) / max(abs(v["score"]), 1e-12)
        for k, v in theirs["features"].items()
    )
    n = len(theirs["features"])
    say(
        f"evidently  wall {theirs['wall_s']:9.2f} s   peak {theirs['peak_mb']:8.0f} MB"
        f"   (data alone {theirs['data_mb']:.0f} MB)"
    )
    say(f"speed-up   {theirs['wall_s'] / ours['wall_s']:9.1f} x")
    say(f"memory     {ours['peak_mb'] / theirs['peak_mb']:9.3f} of Evidently's peak")
    say(
        f"verdicts   {same_verdict}/{n} features agree; methods {same_method}/{n};"
        f" largest relative score difference {worst:.2e}"
    )
    say(
        f"dataset    ours drifted share {ours['drifted_share']:.3f}"
        f" / Evidently {theirs['drifted_share']:.3f}"
    )


def kafka_throughput(batches: int, batch_rows: int) -> None:
    """Observations per second from producer to stored chunk, through the real consumer."""
    import asyncio
    import tempfile
    import uuid

    from sqlalchemy import func, select

    from aigov.monitoring.app import create_app
    from aigov.monitoring.config import MonitoringSettings
    from aigov.monitoring.observation.models import ObservationChunk
    from aigov.shared.bus import Publisher
    from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
    from aigov.shared.contracts.monitoring import ObservationBatchV1, ObservationRecord
    from aigov.shared.events import make_event
    from aigov.shared.topics import INVENTORY_EVENTS, MONITORING_OBSERVATIONS
    from tests.infra import KafkaBroker

    async def main(bootstrap: str, tmp: str) -> None:
        org = "bench-org"
        settings = MonitoringSettings(
            database_url=f"sqlite+aiosqlite:///{tmp}/monitoring.db",
            kafka_bootstrap_servers=bootstrap,
            auto_drift_rows=10_000,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            factory = app.state.runtime.session_factory
            pub = Publisher(bootstrap, client_id="bench")
            await pub.start()
            system_id = uuid.uuid4()
            facts = SystemFactsV1(name="bench", intended_purpose="bench", business_owner="b")
            event = make_event(
                SystemRegisteredV1(system_id=system_id, facts=facts),
                source="urn:bench",
                subject=None,
                organisation_id=org,
            )
            await pub.publish(INVENTORY_EVENTS, event, key=str(system_id))
            rng = np.random.default_rng(0)

            def make(window: str) -> bytes:
                x = rng.normal(0, 1, batch_rows)
                return ObservationBatchV1(
                    system_id=system_id,
                    model_version="v1",
                    window=window,
                    records=[
                        ObservationRecord(features={"x": float(v), "c": "ab"[int(v > 0)]})
                        for v in x
                    ],
                ).model_dump(mode="json")  # type: ignore[return-value]

            async def stored(window: str) -> int:
                async with factory() as session:
                    total = await session.scalar(
                        select(func.coalesce(func.sum(ObservationChunk.row_count), 0)).where(
                            ObservationChunk.window == window
                        )
                    )
                return int(total or 0)

            async def publish(window: str, count: int) -> None:
                for _ in range(count):
                    ev = make_event(
                        ObservationBatchV1.model_validate(make(window)),
                        source="urn:bench",
                        subject=str(system_id),
                        organisation_id=org,
                    )
                    await pub.publish(MONITORING_OBSERVATIONS, ev, key=str(system_id))

            await publish("reference", 4)
            while await stored("reference") < 4 * batch_rows:
                await asyncio.sleep(0.2)
            payloads = [make("current") for _ in range(batches)]
            start = time.perf_counter()
            for data in payloads:
                ev = make_event(
                    ObservationBatchV1.model_validate(data),
                    source="urn:bench",
                    subject=str(system_id),
                    organisation_id=org,
                )
                await pub.publish(MONITORING_OBSERVATIONS, ev, key=str(system_id))
            published = time.perf_counter() - start
            while await stored("current") < batches * batch_rows:
                await asyncio.sleep(0.05)
            wall = time.perf_counter() - start
            await pub.stop()
        total = batches * batch_rows
        say(
            f"kafka      {total} observations in {batches} batches: {wall:.2f} s end to end"
            f" ({total / wall:,.0f} obs/s; publishing alone {published:.2f} s)"
        )

    with tempfile.TemporaryDirectory() as tmp:
        external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        broker = None if external else KafkaBroker.create(Path(tmp) / "kafka")
        if broker is not None:
            broker.start()
        try:
            asyncio.run(main(external or broker.bootstrap, tmp))  # type: ignore[union-attr]
        finally:
            if broker is not None:
                broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--evidently", action="store_true", help="also run Evidently (slow)")
    parser.add_argument("--kafka", action="store_true", help="also measure Kafka ingestion")
    parser.add_argument("--kafka-batches", type=int, default=200)
    parser.add_argument("--kafka-batch-rows", type=int, default=500)
    parser.add_argument(
        "--worker", choices=["ours", "ours-lazy", "evidently"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        if args.worker == "evidently":
            say(json.dumps(worker_evidently(args.rows, args.seed)))
        else:
            say(json.dumps(worker_ours(args.rows, args.seed, lazy=args.worker == "ours-lazy")))
        return
    say(
        f"drift over {args.rows:,} reference + {args.rows:,} current rows x "
        f"{N_NUMERIC + N_CATEGORICAL} features ({N_NUMERIC} numeric, {N_CATEGORICAL} categorical)"
    )
    ours = run_worker("ours", args.rows, args.seed)
    lazy = run_worker("ours-lazy", args.rows, args.seed)
    say(
        f"aigov      wall {ours['wall_s']:9.2f} s   peak {ours['peak_mb']:8.0f} MB"
        f"   (data alone {ours['data_mb']:.0f} MB)   drifted share {ours['drifted_share']:.3f}"
    )
    say(
        f"aigov/col  wall {lazy['wall_s']:9.2f} s   peak {lazy['peak_mb']:8.0f} MB"
        "   (one column at a time; the wall time includes generating the data)"
    )
    if args.evidently:
        theirs = run_worker("evidently", args.rows, args.seed)
        compare(ours, theirs)
        say(
            f"column at a time: {theirs['wall_s'] / lazy['wall_s']:.1f} x faster,"
            f" {lazy['peak_mb'] / theirs['peak_mb']:.3f} of Evidently's peak memory"
        )
    if args.kafka:
        sys.path.insert(0, str(ROOT))
        kafka_throughput(args.kafka_batches, args.kafka_batch_rows)


if __name__ == "__main__":
    main()
