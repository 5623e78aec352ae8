"""A layout is data: a new folder (layout.toml, template, CSS, samples) in a templates
directory renders through the registry, the pipeline and the HTTP API with no code change,
and a broken layout.toml names its file and key.

The templates directory is fixed when ``renderer.paths`` is imported, so the renders run in
a child process with OBRAZCI_TEMPLATES_DIR set (about as long as a Pipeline's start)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2
import pytest

from renderer.paths import PROJECT_ROOT, TEMPLATES_DIR
from renderer.registry import LayoutError, Registry

NEW_LAYOUT = Path(__file__).resolve().parent / "data" / "layouts" / "test.door-card"

CHILD = """
import json, sys
from pathlib import Path
from falcon import testing
from renderer.batch.service import BatchService
from renderer.batch.specs import Access, EngineSpec
from renderer.http.app import create_app
from renderer.options import RenderOptions
from renderer.pipeline import Pipeline

out = Path(sys.argv[1])
pipeline = Pipeline()
layout = pipeline.layout("test.door-card")
direct = pipeline.render("test.door-card", layout.sample(("sl", "hu")), RenderOptions("pdf"))
(out / "direct.pdf").write_bytes(direct.content)
batches = BatchService(EngineSpec(data_dir=out / "batches"), Access())
client = testing.TestClient(create_app(pipeline, batches=batches))
catalog = client.simulate_get("/v1/layouts")
one = client.simulate_get("/v1/layouts/test.door-card")
body = {"languages": ["sl", "it"], "data": {"number": "12a"}}
http = client.simulate_post(
    "/v1/render/test.door-card", params={"format": "pdfa-2b"}, json=body
)
(out / "http.pdf").write_bytes(http.content)
refused = client.simulate_post(
    "/v1/render/test.door-card", json={"data": {"number": "1" * 13}}
)
print(json.dumps({
    "direct_pages": direct.pages,
    "catalog": [entry["id"] for entry in catalog.json["layouts"]],
    "one": one.json,
    "http": [http.status_code, http.headers["content-type"]],
    "refused": [refused.status_code, refused.json["errors"]],
}))
"""


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> Path:
    """A copy of the project's templates with the new layout folder added, nothing else."""
    root = tmp_path_factory.mktemp("adding") / "templates"
    shutil.copytree(TEMPLATES_DIR, root)
    shutil.copytree(NEW_LAYOUT, root / NEW_LAYOUT.name)
    return root


def _text(pdf: Path) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return " ".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_a_new_layout_folder_renders_with_no_code_change(templates, tmp_path):
    assert "test.door-card" not in Registry()  # not part of the project's own templates
    assert "test.door-card" in Registry(templates)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "OBRAZCI_TEMPLATES_DIR": str(templates)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert "test.door-card" in result["catalog"] and "stamp.receipt" in result["catalog"]
    assert result["one"]["page"] == {"width_mm": 100.0, "height_mm": 50.0}
    assert (
        result["one"]["request_schema"]["properties"]["data"]["properties"]["number"]["maxLength"]
        == 12
    )
    assert result["http"] == [200, "application/pdf"]
    assert result["direct_pages"] == 1
    direct, http = _text(tmp_path / "direct.pdf"), _text(tmp_path / "http.pdf")
    assert "Soba št. 417" in direct and "417. sz. szoba" in direct  # the sample, sl + hu
    assert "Soba št. 12a" in http and "Stanza n. 12a" in http  # the request, sl + it
    with pypdfium2.PdfDocument(tmp_path / "http.pdf") as document:
        width, height = document[0].get_size()
    assert (round(width / 72 * 25.4, 2), round(height / 72 * 25.4, 2)) == (100, 50)
    status, errors = result["refused"]
    assert status == 422 and errors[0]["pointer"] == "/data/number"


@pytest.mark.parametrize(
    "edit, named",
    [
        (("bleed_mm = 3", "bled_mm = 3"), "bled_mm: is not a layout.toml key"),
        (("height_mm = 30", 'height_mm = "tall"'), "page.height_mm: "),
        (("signs:RoomPlate", "signs:NoSuchPlate"), "schema: renderer.schemas.signs has no class"),
        (
            ('variants = ["screen", "print"]', 'variants = ["screen"]\nspot_variants = ["print"]'),
            "spot_variants: print not among the variants",
        ),
        (('hu = "Szobatábla"', ""), "title.hu: is required"),
        (("bleed_mm = 3", "bleed_mm = 30"), "bleed_mm: input should be less than or equal to 10"),
        (("[page]", "[page\n"), "line"),
    ],
)
def test_a_broken_layout_toml_names_the_file_and_the_key(tmp_path, edit, named):
    folder = tmp_path / "sign.room-plate"
    shutil.copytree(TEMPLATES_DIR / "sign.room-plate", folder)
    meta = folder / "layout.toml"
    original = meta.read_text(encoding="utf-8")
    assert edit[0] in original
    meta.write_text(original.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(LayoutError) as refused:
        Registry(tmp_path)
    assert str(refused.value).startswith(f"{meta}: ") and named in str(refused.value)


def test_a_book_without_a_count_needs_a_data_model_that_gives_one(tmp_path):
    folder = tmp_path / "complaint-book"
    shutil.copytree(TEMPLATES_DIR / "complaint-book", folder)
    meta = folder / "layout.toml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(re.sub(r"^count = \d+\n", "", text, flags=re.M), "utf-8")
    assert "count =" not in meta.read_text(encoding="utf-8")
    with pytest.raises(LayoutError, match="assembly.count: without it the data model"):
        Registry(tmp_path)


def test_the_cli_names_a_broken_layout_toml_without_a_traceback(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    meta = templates / "sign.room-plate" / "layout.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("bleed_mm", "bled_mm"), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "renderer", "layouts"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "OBRAZCI_TEMPLATES_DIR": str(templates)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == f"renderer: {meta}: bled_mm: is not a layout.toml key\n"


def test_the_imprint_field_map_is_checked_against_the_data_model(tmp_path):
    folder = tmp_path / "envelope.personal-delivery"
    shutil.copytree(TEMPLATES_DIR / "envelope.personal-delivery", folder)
    meta = folder / "layout.toml"
    original = meta.read_text(encoding="utf-8")
    assert 'bars = "item_number"' in original
    meta.write_text(original.replace('bars = "item_number"', 'bars = "item_no"'), "utf-8")
    with pytest.raises(LayoutError, match="imprint.barcodes: item_no is not a field of"):
        Registry(tmp_path)
    registry = Registry()
    imprint = registry.get("envelope.personal-delivery").imprint
    assert imprint is not None and set(imprint.barcodes) == {
        "/data/item_number",
        "/data/document_number",
    }
    assert [layout.id for layout in registry if layout.imprint] == ["envelope.personal-delivery"]


def test_one_layout_is_the_signature_appearance(tmp_path):
    assert Registry().signature_appearance().id == "signature.stamp"
    for name in ("signature.stamp", "stamp.receipt"):
        shutil.copytree(TEMPLATES_DIR / name, tmp_path / name)
    meta = tmp_path / "stamp.receipt" / "layout.toml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("[title]", "signature_appearance = true\n\n[title]", 1), "utf-8")
    with pytest.raises(LayoutError, match="more than one layout has signature_appearance"):
        Registry(tmp_path)
