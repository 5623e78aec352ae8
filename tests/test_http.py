"""The HTTP API through Falcon's test client: documents, catalog, and every 4xx."""

import io
import json

import pytest
from falcon import testing
from PIL import Image

from renderer.http.app import create_app
from renderer.options import LANGUAGE_SETS, Limits
from renderer.pipeline import Pipeline
from renderer.registry import Registry

from .conftest import sample
from .helpers import post_json as post
from .pdfmeasure import page_boxes_mm

LAYOUTS = Registry().ids()
PROBLEM = "application/problem+json"


def assert_problem(resp, status):
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    return body


def test_catalog_lists_every_layout(client):
    resp = client.simulate_get("/v1/layouts")
    ids = [layout["id"] for layout in resp.json["layouts"]]
    assert ids == LAYOUTS
    receipt = next(lay for lay in resp.json["layouts"] if lay["id"] == "stamp.receipt")
    assert receipt["page"] == {"width_mm": 65.0, "height_mm": 25.0}
    assert set(receipt["title"]) == {"sl", "it", "hu"}


@pytest.mark.parametrize("layout_id", LAYOUTS)
def test_one_layout_with_its_json_schema(client, layout_id):
    resp = client.simulate_get(f"/v1/layouts/{layout_id}")
    assert resp.status_code == 200
    schema = resp.json["request_schema"]
    assert schema["required"] == ["data"] and "properties" in schema["properties"]["data"]


def test_render_returns_the_document(client):
    resp = post(
        client, "/v1/render/stamp.receipt?format=pdfa-2b", sample("stamp.receipt", ("sl", "it"))
    )
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["content-disposition"] == 'inline; filename="stamp.receipt.sl-it.pdf"'
    assert resp.content.startswith(b"%PDF-")
    width, height = page_boxes_mm(resp.content)["MediaBox"]
    assert abs(width - 65) <= 0.1 and abs(height - 25) <= 0.1


@pytest.mark.parametrize("languages", LANGUAGE_SETS, ids=["+".join(s) for s in LANGUAGE_SETS])
def test_sample_as_png_with_dpi(client, languages):
    resp = client.simulate_get(
        "/v1/layouts/stamp.certified-copy/sample",
        params={"format": "png", "dpi": "300", "languages": ",".join(languages)},
    )
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(resp.content))
    width, height = image.size
    assert abs(width - 70 / 25.4 * 300) <= 1 and abs(height - 30 / 25.4 * 300) <= 1
    assert resp.headers["content-disposition"].endswith(f'.{"-".join(languages)}.png"')


def test_openapi_has_a_typed_path_per_layout(client):
    doc = client.simulate_get("/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    for layout_id in LAYOUTS:
        op = doc["paths"][f"/v1/render/{layout_id}"]["post"]
        content = op["requestBody"]["content"]
        if "application/json" in content:
            ref = content["application/json"]["schema"]["$ref"]
        else:  # a layout that always takes a file: the request is the multipart's JSON part
            ref = content["multipart/form-data"]["schema"]["properties"]["request"]["$ref"]
        assert ref.split("/")[-1] in doc["components"]["schemas"]
        assert {"400", "413", "415", "422"} <= set(op["responses"])


def test_healthz_says_only_that_the_process_lives(client):
    assert client.simulate_get("/healthz").json == {"status": "ok"}


def test_readyz_reports_each_component(client):
    resp = client.simulate_get("/readyz")
    assert resp.status_code == 200 and resp.json["status"] == "ready"
    assert resp.json["components"]["batch_store"] == {"ready": True}
    assert resp.json["components"]["renderer"]["ready"]


def test_index_opens_the_studio_for_every_layout(client):
    resp = client.simulate_get("/")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    for layout_id in LAYOUTS:
        assert f'href="/studio/{layout_id}"' in resp.text
        assert f'src="/v1/layouts/{layout_id}/sample?format=png&amp;dpi=36"' in resp.text


# --- errors -------------------------------------------------------------------------------


def test_400_malformed_json(client):
    body = assert_problem(post(client, "/v1/render/stamp.receipt", '{"data": {\n  "a": }'), 400)
    assert "line 2" in body["detail"]
    assert body["errors"] == [{"pointer": "", "line": 2, "column": 8, "detail": body["detail"]}]
    assert_problem(post(client, "/v1/render/stamp.receipt", '{"data": NaN}'), 400)
    assert_problem(post(client, "/v1/render/stamp.receipt", b"\xff\xfe"), 400)


def test_422_json_beyond_its_limits(client):
    """Depth and number length are refused before the parser works on them, naming the limit."""
    for text, limit in (
        ("[" * 100000 + "]" * 100000, "max_json_depth"),
        ('{"data": ' + "[" * 40 + "]" * 40 + "}", "max_json_depth"),
        ('{"data": {"n": ' + "9" * 5000 + "}}", "max_number_length"),
        ('{"data": {"n": 1e999}}', "max_number_length"),
    ):
        body = assert_problem(post(client, "/v1/render/stamp.receipt", text), 422)
        assert body["errors"][0]["limit"] == limit
    body = assert_problem(
        post(client, "/v1/render/stamp.receipt", '{"data": {"authority": "\\ud800"}}'), 422
    )
    assert body["errors"][0]["pointer"] == "/data/authority"


def test_charset_is_decoded_as_declared(client):
    body = sample("e-delivery.accepted")
    body["data"]["addressee"] = "Žiga Čeh, Šmartno 3, 8000 Novo mesto"
    resp = client.simulate_post(
        "/v1/render/e-delivery.accepted",
        params={"format": "txt"},
        body=json.dumps(body, ensure_ascii=False).encode("iso-8859-2"),
        headers={"Content-Type": "application/json; charset=iso-8859-2"},
    )
    assert resp.status_code == 200, resp.text
    assert "Žiga Čeh, Šmartno 3" in resp.text
    body = assert_problem(
        client.simulate_post(
            "/v1/render/e-delivery.accepted",
            body=b"{}",
            headers={"Content-Type": "application/json; charset=klingon"},
        ),
        415,
    )
    assert body["errors"][0]["header"] == "Content-Type"


def test_400_bad_query_parameters(client):
    body = assert_problem(
        post(client, "/v1/render/stamp.receipt?format=docx", sample("stamp.receipt")), 400
    )
    assert body["errors"] == [
        {
            "parameter": "format",
            "detail": "must be one of pdf, pdfa-1b, pdfa-2b, pdfa-3b, pdfx-4, pdfua-1, pdfa-2a, "
            "pdfa-3a, png, txt, html",
        }
    ]
    for dpi in ("0", "9999", "abc"):
        body = assert_problem(
            client.simulate_get(
                "/v1/layouts/stamp.receipt/sample", params={"format": "png", "dpi": dpi}
            ),
            400,
        )
        assert body["errors"][0]["parameter"] == "dpi"
    body = assert_problem(
        client.simulate_get("/v1/layouts/stamp.receipt/sample", params={"languages": "sl,de"}), 400
    )
    assert body["errors"][0]["parameter"] == "languages"


def test_404_unknown_layout_and_route(client):
    body = assert_problem(post(client, "/v1/render/stamp.nope", sample("stamp.receipt")), 404)
    assert "stamp.nope" in body["detail"]
    assert_problem(client.simulate_get("/v1/layouts/stamp.nope"), 404)
    assert_problem(client.simulate_get("/v1/layouts/stamp.nope/sample"), 404)
    assert_problem(client.simulate_get("/v2/whatever"), 404)


def test_405_wrong_method(client):
    assert_problem(client.simulate_get("/v1/render/stamp.receipt"), 405)


def test_413_body_too_large(client, pipeline):
    big = {
        "data": {"authority": "A"},
        "languages": ["sl"],
        "pad": "x" * (pipeline.limits.max_body_bytes + 1),
    }
    body = assert_problem(post(client, "/v1/render/stamp.receipt", big), 413)
    assert str(pipeline.limits.max_body_bytes) in body["detail"]


def test_415_wrong_content_type(client):
    body = assert_problem(
        post(client, "/v1/render/stamp.receipt", sample("stamp.receipt"), "text/plain"), 415
    )
    assert "text/plain" in body["detail"]
    assert_problem(
        post(
            client,
            "/v1/render/stamp.receipt",
            sample("stamp.receipt"),
            "application/x-www-form-urlencoded",
        ),
        415,
    )


def test_422_names_every_field(client):
    resp = post(
        client,
        "/v1/render/sign.name-plate",
        {
            "languages": ["sl", "hu"],
            "data": {
                "name": "Ana Novak",
                "scientific_title": "dr.",
                "professional_title": "univ. dipl. prav.",
                "position": "svetovalka",
                "room": "12",
            },
        },
    )
    body = assert_problem(resp, 422)
    pointers = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert set(pointers) == {"/data/professional_title", "/data/position", "/data/room"}
    assert "never both" in pointers["/data/professional_title"]


def test_422_value_that_does_not_fit(client):
    resp = post(
        client, "/v1/render/stamp.receipt", {"data": {"authority": "Upravna enota " + "W" * 60}}
    )
    body = assert_problem(resp, 422)
    assert body["errors"] == [
        {
            "pointer": "/data/authority/sl",
            "detail": "does not fit its box (62.0 x 7.0 mm); shorten it",
        }
    ]


def test_422_png_too_large():
    small = testing.TestClient(create_app(Pipeline(Limits(max_png_pixels=1_000_000))))
    resp = small.simulate_get(
        "/v1/layouts/sign.unit-door/sample", params={"format": "png", "dpi": "300"}
    )
    body = assert_problem(resp, 422)
    assert body["errors"][0]["parameter"] == "dpi" and "1000000" in body["detail"]


def test_framework_errors_name_the_path_or_method(client):
    resp = client.simulate_get("/v1/nothing-here")
    assert resp.status_code == 404 and resp.json["errors"][0]["path"] == "/v1/nothing-here"
    resp = client.simulate_get("/v1/render/stamp.receipt")
    assert resp.status_code == 405 and resp.json["errors"][0]["method"] == "GET"
