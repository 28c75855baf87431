"""A real MLflow tracking server (SQLite backend) posting its webhooks to the running platform.

Registering models, versions and aliases in MLflow must show up in the inventory: on the system
that lists the model, on the system a registry tag names, or as a discovered model for triage.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.infra import free_port

pytestmark = pytest.mark.e2e

SECRET = "mlflow-e2e-webhook-secret-0123456789"
# Webhook changes reach MLflow's workers after this many seconds (default 60).
CACHE_TTL_S = 1


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    env = {
        **os.environ,
        # What a local http receiver needs (see ../shared/reference/ecosystem.md): http and a
        # private address allowed, and one encryption key for stored webhook secrets; without
        # it each worker makes its own key and deliveries silently fail.
        "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
        "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
        "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "MLFLOW_WEBHOOK_CACHE_TTL": str(CACHE_TTL_S),
    }
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("mlflow")),
            "server",
            "--backend-store-uri",
            f"sqlite:///{home / 'mlflow.db'}",
            "--artifacts-destination",
            str(home / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        cwd=home,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a cold start compiles and migrates its database
        while True:
            if proc.poll() is not None:
                raise AssertionError((home / "server.log").read_text(errors="replace"))
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError((home / "server.log").read_text(errors="replace"))
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def eventually(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"not reached in {timeout} s: {what}")


def test_mlflow_registry_events_reach_the_inventory(gateway: str, mlflow_server: str) -> None:
    from mlflow import MlflowClient

    suffix = uuid.uuid4().hex[:8]
    listed_model, tagged_model, unknown_model = (
        f"fraud-{suffix}",
        f"churn-{suffix}",
        f"shadow-{suffix}",
    )
    with httpx.Client(base_url=gateway, timeout=10) as api:
        assert api.put("/v1/ingest/secrets/mlflow", json={"secret": SECRET}).status_code == 200
        listing = api.post(
            "/v1/systems",
            json={
                "name": "Payment fraud scoring",
                "intended_purpose": "flag suspicious card payments for review",
                "business_owner": "payments",
                "models": [{"registry": "mlflow", "name": listed_model}],
            },
        )
        assert listing.status_code == 201, listing.text
        tagged = api.post(
            "/v1/systems",
            json={
                "name": "Churn predictor",
                "intended_purpose": "predict contract churn",
                "business_owner": "retention",
            },
        )
        assert tagged.status_code == 201, tagged.text
        listing_id, tagged_id = listing.json()["id"], tagged.json()["id"]

        client = MlflowClient(tracking_uri=mlflow_server, registry_uri=mlflow_server)
        client.create_webhook(
            name=f"aigov-{suffix}",
            url=f"{gateway}/v1/ingest/mlflow/local",
            events=[
                "registered_model.created",
                "model_version.created",
                "model_version_tag.set",
                "model_version_alias.created",
                "model_version_alias.deleted",
            ],
            secret=SECRET,
        )
        time.sleep(CACHE_TTL_S + 1)  # let every MLflow worker see the new webhook

        run = client.create_run(experiment_id="0")  # MLflow's Default experiment
        source = f"{run.info.artifact_uri}/model"
        client.create_registered_model(listed_model)
        client.create_model_version(listed_model, source, run_id=run.info.run_id)
        client.create_model_version(listed_model, source, run_id=run.info.run_id)
        client.set_registered_model_alias(listed_model, "champion", "2")
        client.create_registered_model(tagged_model, tags={"aigov.system_id": tagged_id})
        client.create_model_version(tagged_model, source, run_id=run.info.run_id)
        client.create_registered_model(unknown_model)
        client.create_model_version(unknown_model, source, run_id=run.info.run_id)
        client.set_model_version_tag(unknown_model, "1", "owner", "data-science")

        # The listed model: both versions known, version 2 deployed as production by its alias.
        def deployed() -> dict[str, Any] | None:
            system: dict[str, Any] = api.get(f"/v1/systems/{listing_id}").json()
            prod = [d for d in system["deployments"] if d["environment"] == "production"]
            return system if prod and prod[0]["model_version"] == "2" else None

        system = eventually(deployed, "the champion alias deploys version 2")
        versions = {m["version"]: m for m in system["models"] if m["name"] == listed_model}
        assert set(versions) == {"1", "2"}
        assert versions["2"]["aliases"] == ["champion"]
        assert system["deployments"][0]["alias"] == "champion"
        revisions = api.get(f"/v1/systems/{listing_id}/revisions").json()["items"]
        assert {r["actor"] for r in revisions} >= {"registry:mlflow"}

        # The tagged model: linked to the system its registry tag names.
        def linked() -> list[dict[str, Any]]:
            models = api.get(f"/v1/systems/{tagged_id}").json()["models"]
            return [m for m in models if m["name"] == tagged_model and m["version"] == "1"]

        eventually(linked, "the aigov.system_id tag links the model")

        # The model nobody registered: kept for triage with what MLflow said about it.
        def discovered() -> list[dict[str, Any]]:
            items = api.get("/v1/discovered-models").json()
            return [
                m
                for m in items
                if m["name"] == unknown_model and m["tags"].get("owner") == "data-science"
            ]

        found = eventually(discovered, "the unknown model is discovered")[0]
        assert found["registry"] == "mlflow"
        assert found["versions"] == ["1"]
        assert found["assigned_system_id"] is None

        # Triage: assigning the discovered model links it; its next version lands on the system.
        assigned = api.post(
            f"/v1/discovered-models/{found['id']}/assign", json={"system_id": tagged_id}
        )
        assert assigned.status_code == 200, assigned.text
        client.create_model_version(unknown_model, source, run_id=run.info.run_id)

        def second_version() -> list[dict[str, Any]]:
            models = api.get(f"/v1/systems/{tagged_id}").json()["models"]
            return [m for m in models if m["name"] == unknown_model and m["version"] == "2"]

        eventually(second_version, "a version of the assigned model reaches its system")

        # Taking the production alias away leaves the deployment on record, inactive.
        client.delete_registered_model_alias(listed_model, "champion")

        def inactive() -> bool:
            system = api.get(f"/v1/systems/{listing_id}").json()
            return bool(system["deployments"][0]["status"] == "inactive")

        eventually(inactive, "deleting the champion alias deactivates the deployment")

        # Each real delivery was verified and stored once (MLflow signs with our secret).
        def delivered() -> list[dict[str, Any]]:
            deliveries = api.get("/v1/ingest/deliveries", params={"limit": 500}).json()
            ours = [d for d in deliveries if suffix in d["raw_body"]]
            return ours if len(ours) >= 11 else []

        ours = eventually(delivered, "all eleven deliveries stored")
        assert len(ours) == 11
        assert {d["status"] for d in ours} == {"accepted"}
        assert len({d["delivery_id"] for d in ours}) == 11
