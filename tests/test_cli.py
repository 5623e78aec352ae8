"""The `renderer` command."""

import json
import subprocess
import sys
from pathlib import Path

from .conftest import SAMPLES
from .pdfmeasure import page_boxes_mm


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "renderer", *args], capture_output=True, text=True, timeout=120
    )


def test_layouts_json():
    result = run("layouts", "--json")
    assert result.returncode == 0
    ids = [layout["id"] for layout in json.loads(result.stdout)]
    assert "stamp.receipt" in ids and "sign.name-plate" in ids


def test_render_to_file(tmp_path):
    out = tmp_path / "stamp.pdf"
    result = run(
        "render",
        "stamp.certified-copy",
        str(SAMPLES / "stamp.certified-copy.sl-hu.json"),
        "-o",
        str(out),
        "--format",
        "pdfa-2b",
    )
    assert result.returncode == 0, result.stderr
    width, height = page_boxes_mm(out.read_bytes())["MediaBox"]
    assert (round(width, 1), round(height, 1)) == (70.0, 30.0)
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_invalid_request_writes_nothing(tmp_path):
    request = tmp_path / "bad.json"
    request.write_text(
        json.dumps(
            {
                "data": {
                    "name": "Ana",
                    "position": "x",
                    "scientific_title": "dr.",
                    "professional_title": "mag. farm.",
                }
            }
        )
    )
    out = tmp_path / "plate.pdf"
    result = run("render", "sign.name-plate", str(request), "-o", str(out))
    assert result.returncode == 1
    assert "/data/professional_title" in result.stderr
    assert not out.exists()


def test_unknown_layout_and_bad_file(tmp_path):
    assert (
        run(
            "render", "nope", str(SAMPLES / "stamp.receipt.json"), "-o", str(tmp_path / "x.pdf")
        ).returncode
        == 2
    )
    assert (
        run(
            "render", "stamp.receipt", str(tmp_path / "missing.json"), "-o", str(tmp_path / "x.pdf")
        ).returncode
        == 2
    )


def test_render_with_the_uploaded_file(tmp_path):
    import io

    import pikepdf

    out = tmp_path / "receipt.pdf"
    application = SAMPLES / "e-receipt.application.application.pdf"
    result = run(
        "render",
        "e-receipt.application",
        str(SAMPLES / "e-receipt.application.json"),
        "-o",
        str(out),
        "--format",
        "pdfa-3b",
        "--upload",
        str(application),
    )
    assert result.returncode == 0, result.stderr
    with pikepdf.open(io.BytesIO(out.read_bytes())) as pdf:
        assert (
            pdf.attachments["application.pdf"].get_file().read_bytes() == application.read_bytes()
        )
    refused = run(
        "render",
        "e-receipt.application",
        str(SAMPLES / "e-receipt.application.json"),
        "-o",
        str(out),
        "--upload",
        str(tmp_path / "missing.pdf"),
    )
    assert refused.returncode == 2 and "--upload: cannot read" in refused.stderr
    without = run(
        "render",
        "e-receipt.application",
        str(SAMPLES / "e-receipt.application.json"),
        "-o",
        str(out),
    )
    assert without.returncode == 1 and "/application" in without.stderr


def test_version_stdout_output_and_a_closed_pipe(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    version = subprocess.run(
        [sys.executable, "-m", "renderer", "--version"], cwd=root, capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("renderer ")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "renderer",
            "render",
            "stamp.receipt",
            "samples/stamp.receipt.json",
            "-o",
            "-",
        ],
        cwd=root,
        capture_output=True,
    )
    assert out.returncode == 0 and out.stdout.startswith(b"%PDF-") and not (root / "-").exists()
    piped = subprocess.run(
        f"{sys.executable} -m renderer layouts --json | head -c 10",
        shell=True,
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr


def test_a_missing_upload_is_named_as_the_cli_flag(tmp_path, capsys):
    from renderer.cli import main

    assert (
        main(
            [
                "render",
                "e-receipt.application",
                str(SAMPLES / "e-receipt.application.json"),
                "-o",
                str(tmp_path / "x.pdf"),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "--upload" in err and "multipart" not in err


def test_place_and_verify_on_local_files(tmp_path, capsys):
    from renderer.cli import main

    out = tmp_path / "placed.pdf"
    assert (
        main(
            [
                "place",
                "stamp.receipt",
                str(SAMPLES / "stamp.receipt.json"),
                str(SAMPLES / "e-receipt.application.application.pdf"),
                "-o",
                str(out),
                "--at",
                "10,10",
            ]
        )
        == 0
    )
    import pikepdf

    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) >= 1
    assert (
        main(["place", "sign.facade", str(SAMPLES / "stamp.receipt.json"), str(out), "-o", "-"])
        == 2
    )
    assert (
        main(
            [
                "place",
                "stamp.receipt",
                str(SAMPLES / "stamp.receipt.json"),
                str(out),
                "-o",
                "-",
                "--at",
                "nan,1",
            ]
        )
        == 2
    )
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1  # no signature: nothing valid to report
    assert json.loads(capsys.readouterr().out)["signatures"] == []
