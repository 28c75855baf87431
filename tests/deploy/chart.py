"""Rendering the Helm chart for the tests: the helm CLI built by scripts/helm.sh, offline."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.dockerfiles import ROOT

CHART = ROOT / "deploy" / "helm" / "aigov"
KUBE_VERSION = "1.34.0"  # the Kubernetes the manifests are rendered for and validated against
RELEASE = "aigov"
NAMESPACE = "compliance"
VALUES_FILES = {
    "default": None,
    "production": CHART / "ci" / "production-values.yaml",
    "strimzi": CHART / "ci" / "strimzi-values.yaml",
}

Manifest = dict[str, Any]


@functools.cache
def helm() -> str:
    """AIGOV_HELM, else the cached build (scripts/helm.sh builds it on first use)."""
    if os.environ.get("AIGOV_HELM"):
        return os.environ["AIGOV_HELM"]
    out = subprocess.run(
        [str(ROOT / "scripts" / "helm.sh")], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def run_helm(*args: str, chart: Path = CHART) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            helm(),
            "template",
            RELEASE,
            str(chart),
            "--namespace",
            NAMESPACE,
            "--kube-version",
            KUBE_VERSION,
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={
            **os.environ,
            "HELM_CACHE_HOME": "/tmp/aigov-helm/cache",
            "HELM_CONFIG_HOME": "/tmp/aigov-helm/config",
            "HELM_DATA_HOME": "/tmp/aigov-helm/data",
        },
    )


def set_args(values: dict[str, Any] | None) -> list[str]:
    args: list[str] = []
    for key, value in (values or {}).items():
        args += ["--set-json", f"{key}={json.dumps(value)}"]
    return args


@functools.cache
def _render(values_name: str, overrides: str) -> tuple[Manifest, ...]:
    args: list[str] = []
    values_file = VALUES_FILES[values_name]
    if values_file is not None:
        args += ["-f", str(values_file)]
    args += set_args(json.loads(overrides))
    result = run_helm(*args)
    if result.returncode != 0:
        raise RenderError(result.stderr)
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


class RenderError(Exception):
    pass


def render(values_name: str = "default", values: dict[str, Any] | None = None) -> list[Manifest]:
    """The rendered manifests (fresh copies); ``values`` are --set-json paths and values."""
    key = json.dumps(values or {}, sort_keys=True)
    return [json.loads(json.dumps(m)) for m in _render(values_name, key)]


def render_error(values: dict[str, Any]) -> str:
    result = run_helm(*set_args(values))
    assert result.returncode != 0, "expected helm to refuse these values"
    return result.stderr


def render_notes(values_name: str = "default") -> str:
    """NOTES.txt as an install prints it (helm template leaves it out): rendered as a value."""
    tmp = Path("/tmp/aigov-helm/notes-chart")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(CHART, tmp)
    (tmp / "notes.txt").write_text((tmp / "templates" / "NOTES.txt").read_text())
    (tmp / "templates" / "NOTES.txt").unlink()
    (tmp / "templates" / "zz-notes.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n"
        'data:\n  notes: {{ tpl (.Files.Get "notes.txt") . | toJson }}\n'
    )
    args = ["--show-only", "templates/zz-notes.yaml"]
    values_file = VALUES_FILES[values_name]
    if values_file is not None:
        args += ["-f", str(values_file)]
    result = run_helm(*args, chart=tmp)
    assert result.returncode == 0, result.stderr
    return str(yaml.safe_load(result.stdout)["data"]["notes"])


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    (found,) = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    return found


def component(manifest: Manifest) -> str:
    return str(manifest["metadata"]["labels"]["app.kubernetes.io/component"])


def pod_spec(manifest: Manifest) -> dict[str, Any]:
    if manifest["kind"] == "Pod":
        return manifest["spec"]  # type: ignore[no-any-return]
    return manifest["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def pod_labels(manifest: Manifest) -> dict[str, str]:
    if manifest["kind"] == "Pod":
        return manifest["metadata"]["labels"]  # type: ignore[no-any-return]
    return manifest["spec"]["template"]["metadata"]["labels"]  # type: ignore[no-any-return]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e for e in container.get("env", [])}
