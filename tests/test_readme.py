"""The README's batch and print-shop walkthrough, run as written against a live service."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .pki import free_port

ROOT = Path(__file__).resolve().parent.parent


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("The walkthrough below runs as written")
    return re.search(r"```sh\n(.*?)```", readme[start:], re.S).group(1)


@pytest.mark.slow
def test_the_batch_walkthrough_runs_as_written(tmp_path):
    """Slow: it starts the service and waits for it to be ready."""
    script = "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + walkthrough().replace(
        "export OBRAZCI_URL=http://127.0.0.1:8000",
        f"export OBRAZCI_URL=http://127.0.0.1:{free_port()}",
    )
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))  # the virtual environment running the tests
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OBRAZCI_", "PROMETHEUS_"))}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["state"] == "ready" and status["counts"]["done"] == 12
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"]["done"] == 12
    imposed = (tmp_path / "imposed.pdf").read_bytes()
    assert imposed.startswith(b"%PDF-")
    assert (tmp_path / "again.pdf").read_bytes() == imposed  # resumed with Range
    batch_id = json.loads((tmp_path / "batch.json").read_text())["id"]
    listed = json.loads((tmp_path / "batches.json").read_text())
    assert [(b["id"], b["state"]) for b in listed["batches"]] == [(batch_id, "collected")]
    assert listed["next_cursor"] is None
    data = tmp_path / "var" / "walkthrough"
    assert data.is_dir() and not [p for p in data.rglob("*") if batch_id in p.name]  # deleted
    assert len(list((tmp_path / "job").iterdir())) >= 2  # merged.pdf and its manifest
    assert '"jobs"' in done.stdout


def readme_tree() -> set[str]:
    """The paths named by the tree in the README's "How it is built" (```text block):
    two spaces of indent per level, a folder ends with ``/``, a description may follow."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## How it is built") :]
    block = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    paths, stack = set(), []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name = line.split()[0]
        stack[depth:] = [name.rstrip("/")]
        paths.add("/".join(stack) + ("/" if name.endswith("/") else ""))
    return paths


def test_the_readme_tree_is_the_code():
    """Every module of renderer/ is in the README's tree, and everything in it exists."""
    named = readme_tree()
    modules = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "renderer").rglob("*.py")
        if p.name != "__init__.py"
    }
    listed_modules = {p for p in named if p.endswith(".py")}
    assert sorted(modules - listed_modules) == [], "modules missing from the README's tree"
    missing = sorted(p for p in named if not (ROOT / p.rstrip("/")).exists())
    assert missing == [], "the README's tree names what does not exist"
