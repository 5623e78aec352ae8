"""The same request gives the same bytes: in two processes, seconds apart, in every kind of
output; the document's date comes from the request (``document_date``)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest

from .conftest import sample

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    ("stamp.receipt", "pdf"),
    ("stamp.receipt", "pdfa-2b"),
    ("sign.name-plate", "pdfx-4"),
    ("e-delivery.notice", "pdfa-1b"),
    ("envelope.personal-delivery", "png"),
    (
        "envelope.personal-delivery",
        "pdf",
    ),  # the proof: the pre-print drawn under the variable layer
    ("e-delivery.notice", "txt"),
]

RENDER = """
import sys
from renderer.pipeline import Pipeline
from renderer.options import RenderOptions
from tests.conftest import sample
pipeline = Pipeline()
for layout, fmt in [tuple(case.split(":")) for case in sys.argv[1:]]:
    rendered = pipeline.render(layout, sample(layout), RenderOptions(fmt))
    sys.stdout.buffer.write(rendered.content + b"\\n--8<--\\n")
"""


def render_in_a_new_process() -> list[bytes]:
    done = subprocess.run(
        [sys.executable, "-c", RENDER, *[f"{layout}:{fmt}" for layout, fmt in CASES]],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=300,
    )
    return done.stdout.split(b"\n--8<--\n")[:-1]


def test_the_same_request_gives_the_same_bytes_in_two_processes():
    first = render_in_a_new_process()
    time.sleep(1.5)  # a second apart: no clock may show in the bytes
    second = render_in_a_new_process()
    assert len(first) == len(CASES)
    for (layout, fmt), a, b in zip(CASES, first, second, strict=True):
        assert a == b, f"{layout} {fmt}"


def test_the_document_date_comes_from_the_request(pipeline):
    from renderer.options import RenderOptions

    body = dict(sample("stamp.receipt"), document_date="2026-11-20T09:30:00+01:00")
    rendered = pipeline.render("stamp.receipt", body, RenderOptions("pdfa-2b"))
    with pikepdf.open(__import__("io").BytesIO(rendered.content)) as pdf:
        assert str(pdf.docinfo.CreationDate) == "D:20261120083000+00'00'"
        with pdf.open_metadata() as xmp:
            assert xmp["xmp:CreateDate"].startswith("2026-11-20T08:30:00")
    other = pipeline.render(
        "stamp.receipt", dict(body, document_date="2026-11-21"), RenderOptions("pdfa-2b")
    )
    assert other.content != rendered.content


@pytest.mark.parametrize("value", ["20. 11. 2026", "2026-11-20T09:30:00", "2026-13-01", 20261120])
def test_a_bad_document_date_is_a_422_naming_it(client, value):
    resp = client.simulate_post(
        "/v1/render/stamp.receipt", json=dict(sample("stamp.receipt"), document_date=value)
    )
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"] == "/document_date"
