"""Strict parameters: every operation refuses a query parameter it does not declare (400
naming it), a parameter given twice, and the values /openapi.json forbids; and the document
declares only what the service takes."""

import jsonschema
import pytest

from .conftest import sample

UNKNOWN = "zz_unknown"


def _document(client) -> dict:
    return client.simulate_get("/openapi.json").json


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def _concrete(path: str) -> str:
    return (
        path.replace("{layout_id}", "certification.copy")
        .replace("{batch_id}", "b1")
        .replace("{job_id}", "b1")
        .replace("{name}", "merged.pdf")
    )


def test_every_operation_refuses_a_parameter_it_does_not_declare(client):
    document = _document(client)
    checked = 0
    for method, path, _ in _operations(document):
        resp = client.simulate_request(method, _concrete(path), params={UNKNOWN: "1"})
        assert resp.status_code == 400, (method, path, resp.text)
        assert resp.json["errors"][0]["parameter"] == UNKNOWN, (method, path)
        checked += 1
    assert checked > 50


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("fromat=png", "fromat"),
        ("strict=true", "strict"),
        ("format=png&format=pdf", "format"),
        ("sign=", "sign"),
        ("stamp=", "stamp"),
        ("format=pdf&dpi=100", "dpi"),
        ("format=txt", "format"),
    ],
)
def test_bad_render_parameters_are_400s_naming_them(client, query, parameter):
    resp = client.simulate_post(
        "/v1/render/stamp.receipt", query_string=query, json=sample("stamp.receipt")
    )
    assert resp.status_code == 400, resp.text
    assert resp.json["errors"][0]["parameter"] == parameter


def test_strict_is_named_where_it_belongs(client):
    resp = client.simulate_post(
        "/v1/render/stamp.receipt", params={"strict": "true"}, json=sample("stamp.receipt")
    )
    assert "inside data" in resp.json["errors"][0]["detail"]


@pytest.mark.parametrize(
    "method, path, parameter",
    [
        ("post", "/v1/render/stamp.receipt", "sign"),
        ("post", "/v1/render/stamp.receipt", "stamp"),
        ("post", "/v1/batches", "shop"),
        ("get", "/v1/print-jobs", "state"),
    ],
)
def test_the_document_forbids_the_empty_values_the_service_refuses(client, method, path, parameter):
    operation = _document(client)["paths"][path][method]
    schema = next(p["schema"] for p in operation["parameters"] if p["name"] == parameter)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("", schema)


def test_each_layout_offers_the_formats_it_renders(client):
    document = _document(client)
    for path, item in document["paths"].items():
        if not path.startswith("/v1/render/"):
            continue
        parameters = {p["name"]: p["schema"] for p in item["post"]["parameters"]}
        formats = parameters["format"]["enum"]
        layout_id = path.rsplit("/", 1)[1]
        layout = client.simulate_get(f"/v1/layouts/{layout_id}").json
        assert ("png" in formats) == ("dpi" in parameters), layout_id
        assert "default" not in parameters.get("dpi", {}), layout_id  # only with png
        assert parameters["variant"]["enum"] == layout["variants"], layout_id
        if layout["signed"]:
            assert formats and all(f.startswith("pdf") for f in formats), layout_id
    receipt = document["paths"]["/v1/render/stamp.receipt"]["post"]["parameters"]
    assert "txt" not in next(p for p in receipt if p["name"] == "format")["schema"]["enum"]


def test_documented_answers_of_the_print_shop_status(client):
    responses = _document(client)["paths"]["/v1/print-jobs/{job_id}/status"]["post"]["responses"]
    assert {"400", "415", "422"} <= set(responses)


def test_json_answers_declare_a_schema(client):
    """A 200 or 202 with a JSON body says what is in it (a conformance check is then real)."""
    bare = []
    for method, path, operation in _operations(_document(client)):
        for status, response in operation["responses"].items():
            json_body = response.get("content", {}).get("application/json")
            if status.startswith("2") and json_body is not None:
                schema = json_body.get("schema", {})
                described = schema.get("$ref") or schema.get("properties")
                a_file = schema.get("format") == "binary"  # a batch's manifest.json
                if not (described or a_file or path == "/openapi.json"):
                    bare.append(f"{method} {path} {status}")
    assert bare == []


def test_no_python_names_in_the_descriptions(client):
    text = client.simulate_get("/openapi.json").text
    assert "REGISTER_ROWS" not in text


def _request_validator(document: dict, layout_id: str) -> jsonschema.Draft202012Validator:
    schema = {
        "$ref": f"#/components/schemas/Request.{layout_id}",
        "components": document["components"],
    }
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(
    "layout_id, change",
    [
        ("envelope.personal-delivery", lambda data: data.update(item_number="RR12345678SI")),
        ("sign.directory", lambda data: data.update(units=data["floors"][0]["units"])),
        ("sign.directory", lambda data: data.pop("floors")),
    ],
    ids=["S10 shape", "units and floors", "neither"],
)
def test_what_json_schema_can_say_of_a_422_the_document_says(client, layout_id, change):
    """The service's 422 and the document's schema agree on these rules."""
    document = _document(client)
    body = sample(layout_id)
    validator = _request_validator(document, layout_id)
    assert not list(validator.iter_errors(body))  # the sample is valid by both
    assert client.simulate_post(f"/v1/render/{layout_id}", json=body).status_code == 200
    change(body["data"])
    assert list(validator.iter_errors(body)), "the document lets it through"
    assert client.simulate_post(f"/v1/render/{layout_id}", json=body).status_code == 422
