"""The images: what a platform team checks before a Dockerfile reaches a registry.

There is no Docker engine on our machines, so the Dockerfiles are read and checked here, and the
build stage is replayed with uv into a temporary directory: the same files are copied and the same
`uv sync` commands run, then the resulting environment must serve the component.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.deploy.dockerfiles import COMPONENTS, ROOT, Dockerfile, Stage, parse

PACKAGE_MANAGERS = re.compile(r"\b(apt-get|apt|apk|dnf|yum|pip|pip3|uv|gcc|make|build-essential)\b")


def dockerfile(component: str) -> Dockerfile:
    return parse(ROOT / COMPONENTS[component][0] / "Dockerfile")


def env_of(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in stage.all("ENV"):
        for word in instruction.words():
            key, _, value = word.partition("=")
            env[key] = value
    return env


def workspace_members() -> list[str]:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members: list[str] = []
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        members += sorted(
            str(p.parent.relative_to(ROOT)) for p in ROOT.glob(f"{pattern}/pyproject.toml")
        )
    return members


def workspace_closure(member: str) -> set[str]:
    """The member and the workspace members it depends on, transitively (as directories)."""
    by_name = {
        tomllib.loads((ROOT / m / "pyproject.toml").read_text())["project"]["name"]: m
        for m in workspace_members()
    }
    seen: set[str] = set()
    todo = [member]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        project = tomllib.loads((ROOT / current / "pyproject.toml").read_text())["project"]
        for requirement in project.get("dependencies", []):
            name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
            if name in by_name:
                todo.append(by_name[name])
    return seen


components = pytest.mark.parametrize("component", list(COMPONENTS))


@components
def test_multi_stage_from_pinned_images(component: str) -> None:
    df = dockerfile(component)
    assert len(df.stages) >= 3, "uv, build and runtime stages"
    uv = df.stages[0]
    assert re.fullmatch(r"ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+", uv.base), uv.base
    default_base = {i.words()[0].partition("=")[0]: i.words()[0] for i in df.global_args}
    assert default_base["PYTHON_IMAGE"] == "PYTHON_IMAGE=python:3.11-slim"
    assert df.stage("build").base == "${PYTHON_IMAGE}"
    assert df.final.base == "${PYTHON_IMAGE}"


@components
def test_build_stage_installs_only_this_member_from_the_lock(component: str) -> None:
    build = dockerfile(component).stage("build")
    syncs = [i.words() for i in build.all("RUN") if "uv sync" in i.args]
    assert syncs, "the build stage runs uv sync"
    for words in syncs:
        assert words[:2] == ["uv", "sync"]
        assert {"--locked", "--no-dev", "--no-editable"} <= set(words)
        assert words[words.index("--package") + 1] == f"aigov-{component}"
    assert env_of(build)["UV_PROJECT_ENVIRONMENT"] == "/app/.venv"
    assert env_of(build)["UV_PYTHON_DOWNLOADS"] == "never"
    copied = {i.words()[0] for i in build.all("COPY") if "from" not in i.flags()}
    # `--locked` compares the lock with every member's manifest, so all of them are needed.
    for member in workspace_members():
        assert f"{member}/pyproject.toml" in copied, member
    needed = {f"{m}/src" for m in workspace_closure(COMPONENTS[component][0])}
    copied_src = {c for c in copied if c.endswith("/src")}
    assert copied_src == needed, "exactly this member's code and its workspace dependencies"


@components
def test_runtime_stage_is_non_root_and_minimal(component: str) -> None:
    final = dockerfile(component).final
    users = final.all("USER")
    assert users, "no USER in the final stage"
    assert users[-1].args == "10001:10001"  # numeric, so runAsNonRoot can verify it
    for run in final.all("RUN"):
        # The only package-manager call allowed removes the base image's installer.
        args = re.sub(r"python -m pip uninstall [^&;]*", "", run.args)
        assert not PACKAGE_MANAGERS.search(args), f"build tooling in the runtime: {run.args}"
    removal = [r.args for r in final.all("RUN") if "pip uninstall" in r.args]
    assert removal, "pip, setuptools and wheel are removed from the runtime"
    assert {"pip", "setuptools", "wheel"} <= set(removal[0].split())
    copies = final.all("COPY") + final.all("ADD")
    assert copies, "the runtime copies the virtual environment"
    for copy in copies:
        assert copy.keyword == "COPY"
        assert copy.flags().get("from") == "build", "the runtime copies only from the build stage"
        assert copy.words() == ["/app/.venv", "/app/.venv"]
    env = env_of(final)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PATH"].startswith("/app/.venv/bin:")
    assert env["TMPDIR"] == "/tmp"


@components
def test_serves_the_component_with_a_health_check(component: str) -> None:
    final = dockerfile(component).final
    port = COMPONENTS[component][1]
    assert [i.args for i in final.all("EXPOSE")] == [str(port)]
    cmd = final.all("CMD")[-1].words()
    assert cmd[:2] == ["uvicorn", f"aigov.{component}.main:app"]
    assert cmd[cmd.index("--port") + 1] == str(port)
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    (health,) = final.all("HEALTHCHECK")
    assert re.search(r"--interval=\d+s", health.args)
    probe = health.args[health.args.index("CMD") + 3 :].strip()
    words = json.loads(probe)
    assert words[:2] == ["python", "-c"]
    assert f"http://127.0.0.1:{port}/healthz" in words[2]
    assert "urllib.request" in words[2]


def test_dockerignore_keeps_the_context_to_sources() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "**", "deny by default, then allow what the images copy"
    allowed = {line[1:] for line in lines if line.startswith("!")}
    assert {"pyproject.toml", "uv.lock", "shared/src/**"} <= allowed
    assert not any(a.startswith((".git", ".venv", "var", "tests")) for a in allowed)


def uv_command() -> list[str]:
    """The uv that runs these tests (`uv run` exports it as UV), else one on the PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    return [found] if found else ["python3", "-m", "uv"]


def replay_build(component: str, workdir: Path) -> Path:
    """Runs the build stage's COPY and `uv sync` steps against a temporary tree."""
    build = dockerfile(component).stage("build")
    src, venv = workdir / "src", workdir / "venv"
    src.mkdir()
    env = dict(os.environ) | env_of(build)
    env |= {
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON": sys.executable,
        "UV_COMPILE_BYTECODE": "0",  # the image compiles; here it would only cost time
        "UV_LINK_MODE": "copy",
    }
    env.pop("VIRTUAL_ENV", None)
    for instruction in build.instructions:
        if instruction.keyword == "COPY" and "from" not in instruction.flags():
            *sources, dest = instruction.words()
            for source in sources:
                origin = ROOT / source
                target = src / dest / origin.name if dest.endswith("/") else src / dest
                if origin.is_dir():
                    shutil.copytree(
                        origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                    )
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target)
        elif instruction.keyword == "RUN" and "uv sync" in instruction.args:
            words = instruction.words()
            command = [*uv_command(), *words[1:], "--quiet"]
            subprocess.run(command, cwd=src, env=env, check=True, timeout=300)
    return venv


PROBE = """
import importlib, importlib.resources, importlib.util, sys
component = sys.argv[1]
module = importlib.import_module(f"aigov.{component}.main")
assert module.app is not None
package = importlib.import_module(f"aigov.{component}")
print(package.__file__)
if component != "gateway":
    migrations = importlib.resources.files(f"aigov.{component}") / "migrations"
    assert (migrations / "env.py").is_file(), "migrations missing from the wheel"
    assert any(p.name.endswith(".py") for p in (migrations / "versions").iterdir())
for dev_only in ("pytest", "mypy", "ruff", "kubernetes_validate"):
    assert importlib.util.find_spec(dev_only) is None, dev_only + " in the image"
print("ok")
"""


@components
def test_build_stage_replayed_gives_a_working_non_editable_environment(
    component: str, tmp_path: Path
) -> None:
    venv = replay_build(component, tmp_path)
    assert (venv / "bin" / "uvicorn").exists()
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", PROBE, component],
        capture_output=True,
        text=True,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    package_file, status = result.stdout.split()
    assert package_file.startswith(str(venv)), "installed as a copy, not linked to the sources"
    assert status == "ok"
    if component == "gateway":  # the console it serves: pages and static files in the wheel
        console = next((venv / "lib").glob("python*/site-packages/aigov/console"))
        assert any((console / "templates").iterdir())
        assert (console / "static").is_dir()
    others = {c for c in COMPONENTS if c != component}
    installed = {p.name for p in (venv / "lib").glob("python*/site-packages/aigov/*")}
    assert not installed & others, f"other components installed: {installed & others}"
