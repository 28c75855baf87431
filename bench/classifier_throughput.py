"""Classifier throughput: in-process classifications per second for single systems, and the time
to reclassify N stored systems after a rulebook change (SQLite, outbox rows staged; no broker).

Run: python3 -m uv run python bench/classifier_throughput.py [N]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

from aigov.classifier.classification.service import reclassify_if_rulebook_changed
from aigov.classifier.rulebook.engine import classify
from aigov.classifier.rulebook.loader import load_rulebook
from aigov.classifier.system.service import record_snapshot
from aigov.shared.contracts.inventory import SystemFactsV1
from aigov.shared.db import create_engine, create_session_factory, transaction
from aigov.shared.migrations import upgrade_async

RB = load_rulebook()


def out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


AS_OF = date(2028, 1, 1)


def facts_for(i: int) -> dict[str, object]:
    base: dict[str, object] = {"scope.eu_nexus": True, "org.roles": ["provider", "deployer"]}
    uses = ["use.employment_recruitment", "use.creditworthiness", "interaction.direct_with_persons"]
    base[uses[i % len(uses)]] = True
    return base


def bench_engine(seconds: float = 3.0) -> None:
    n = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        classify(RB, facts_for(n), as_of=AS_OF)  # type: ignore[arg-type]
        n += 1
    elapsed = time.perf_counter() - started
    out(
        f"engine: {n} classifications in {elapsed:.2f}s = {n / elapsed:.0f}/s "
        f"({1000 * elapsed / n:.2f} ms each, unknown facts reported)"
    )


async def bench_reclassify(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade_async("aigov.classifier:migrations", url)
        engine = create_engine(url)
        factory = create_session_factory(engine)
        async with transaction(factory) as session:
            for i in range(count):
                facts = SystemFactsV1(
                    name=f"system {i}",
                    intended_purpose="bench",
                    business_owner="bench",
                    roles=["provider"],
                    countries=["DE"],
                    extra_facts={
                        k: v
                        for k, v in facts_for(i).items()
                        if k.startswith("use.") or k.startswith("interaction.")
                    },
                )
                await record_snapshot(
                    session,
                    organisation_id="org-bench",
                    system_id=uuid.uuid4(),
                    revision=1,
                    facts=facts,
                )
        started = time.perf_counter()
        first = await reclassify_if_rulebook_changed(factory, RB)
        initial = time.perf_counter() - started
        changed = replace(RB, version="bench-next", content_hash="f" * 64)
        started = time.perf_counter()
        again = await reclassify_if_rulebook_changed(factory, changed)
        elapsed = time.perf_counter() - started
        await engine.dispose()
    out(f"initial classification of {first} stored systems: {initial:.2f}s")
    out(
        f"reclassify {again} stored systems after a rulebook change: {elapsed:.2f}s "
        f"= {again / elapsed:.0f} systems/s (stored + SystemClassifiedV1 staged in the outbox)"
    )


if __name__ == "__main__":
    bench_engine()
    asyncio.run(bench_reclassify(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
