"""The distribution as a user installs it: a wheel built from the repository carries
``templates/``, ``fonts/`` and ``samples/`` (as ``renderer/_data/…``) and the studio's pages and
assets, and once installed in a fresh virtual environment it renders from any directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pdfplumber
import pytest

ROOT = Path(__file__).resolve().parent.parent
MM_PER_PT = 25.4 / 72


def _files(*folders: str) -> list[str]:
    """The repository's files (tracked, or new and not ignored) as a build sees them."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *folders],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [name for name in out.splitlines() if (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the working tree: setuptools' build/ folder of an earlier build
    would otherwise lend the wheel files the configuration no longer ships."""
    if not (ROOT / ".git").exists():
        pytest.skip("the wheel test copies the files git knows of; this is not a git checkout")
    source = tmp_path_factory.mktemp("source")
    for name in _files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "-w", str(dist), "--no-deps", "-q"],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("obrazci-*.whl")
    return built


@pytest.mark.slow  # builds the wheel (setuptools in pip's isolated build environment)
def test_the_wheel_holds_the_assets(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "fonts", "samples"):
        files = _files(folder)
        assert files, folder
        missing = [f for f in files if f"renderer/_data/{f}" not in names]
        assert not missing, f"not in the wheel: {missing[:5]}"
    assets = ROOT / "renderer" / "studio"
    for path in [*assets.glob("assets/*"), *assets.glob("pages/*")]:
        assert f"renderer/studio/{path.parent.name}/{path.name}" in names
    assert "renderer/locale/it/LC_MESSAGES/messages.po" in names


@pytest.mark.slow  # makes a virtual environment and starts the CLI in it
def test_a_wheel_in_a_fresh_venv_renders_stamp_receipt_from_tmp(wheel, tmp_path):
    """The wheel goes into a venv of its own (no system site-packages). Its dependencies are
    borrowed, offline, from this test run's environment through a path entry added after the
    venv's own site-packages: a .pth line adds a folder, it does not run the .pth files in it,
    so the editable install of the repository there stays invisible."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(wheel)],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    request = elsewhere / "stamp.json"
    request.write_bytes((ROOT / "samples" / "stamp.receipt.json").read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OBRAZCI_"))}
    where = subprocess.run(
        [str(python), "-c", "import renderer.paths as p; print(p.__file__, p.TEMPLATES_DIR)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(w).is_relative_to(site) for w in where), where  # the wheel's, not the repo's

    done = subprocess.run(
        [str(venv / "bin" / "renderer"), "render", "stamp.receipt", "stamp.json", "-o", "out.pdf"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    with pdfplumber.open(elsewhere / "out.pdf") as pdf:
        page = pdf.pages[0]
        assert (page.width * MM_PER_PT, page.height * MM_PER_PT) == pytest.approx((65, 25), abs=0.1)
        assert "Prejeto" in page.extract_text()
