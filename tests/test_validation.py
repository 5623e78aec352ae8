"""Request validation: each bad input names its field (JSON pointer) and the reason."""

import pytest

from renderer.schemas.signs import NamePlate
from renderer.schemas.stamps import ReceiptStamp
from renderer.validation import InvalidRequest, validate_request


def errors(model, body):
    with pytest.raises(InvalidRequest) as exc:
        validate_request(model, body)
    return {e.pointer: e.reason for e in exc.value.errors}


def test_body_must_be_an_object_with_data():
    assert errors(ReceiptStamp, []) == {"": "the request body must be a JSON object"}
    assert errors(ReceiptStamp, {"languages": ["sl"]}) == {"/data": "is required"}
    assert errors(ReceiptStamp, {"data": "x"}) == {"/data": "must be a JSON object"}
    assert "/colour" in errors(ReceiptStamp, {"data": {"authority": "A"}, "colour": "red"})


@pytest.mark.parametrize(
    "languages", [["it"], ["sl", "de"], ["it", "sl"], ["sl", "it", "hu"], "sl", []]
)
def test_only_the_three_language_sets(languages):
    assert "/languages" in errors(
        ReceiptStamp, {"languages": languages, "data": {"authority": "A"}}
    )


def test_area_gives_the_languages():
    for area, expected in [
        ("Koper", ("sl", "it")),
        ("Capodistria", ("sl", "it")),
        ("Lendava", ("sl", "hu")),
        ("Hodoš", ("sl", "hu")),
        ("Ljubljana", ("sl",)),
    ]:
        data = (
            {"authority": {lang: "X" for lang in expected}}
            if len(expected) > 1
            else {"authority": "X"}
        )
        assert validate_request(ReceiptStamp, {"area": area, "data": data}).languages == expected
    assert "/area" in errors(ReceiptStamp, {"area": 12, "data": {"authority": "A"}})


def test_bilingual_wording_required_for_every_language():
    base = {"languages": ["sl", "it"]}
    reason = errors(ReceiptStamp, {**base, "data": {"authority": "Upravna enota Koper"}})[
        "/data/authority"
    ]
    assert "each language" in reason and "sl, it" in reason
    assert errors(ReceiptStamp, {**base, "data": {"authority": {"sl": "UE Koper"}}}) == {
        "/data/authority": "lacks the wording in it"
    }
    assert errors(
        ReceiptStamp, {**base, "data": {"authority": {"sl": "A", "it": "B", "hu": "C"}}}
    ) == {"/data/authority": "has wording in hu, which the request does not print"}
    assert (
        "[it] must not be empty"
        in errors(ReceiptStamp, {**base, "data": {"authority": {"sl": "A", "it": " "}}})[
            "/data/authority"
        ]
    )


def test_text_limits_and_characters():
    assert errors(ReceiptStamp, {"data": {"authority": "A" * 121}}) == {
        "/data/authority": "is 121 characters long; the limit is 120"
    }
    assert (
        "control character U+0007"
        in errors(ReceiptStamp, {"data": {"authority": "A\x07B"}})["/data/authority"]
    )
    assert "U+4E2D" in errors(ReceiptStamp, {"data": {"authority": "中文"}})["/data/authority"]
    assert "U+202E" in errors(ReceiptStamp, {"data": {"authority": "A\u202eB"}})["/data/authority"]
    assert errors(ReceiptStamp, {"data": {"authority": 5}}) == {
        "/data/authority": "must be a string or an object of strings keyed by language"
    }
    assert errors(NamePlate, {"data": {"name": ["Ana"], "position": "x"}}) == {
        "/data/name": "must be a string"
    }


def test_missing_unknown_and_wrongly_typed_fields():
    found = errors(
        ReceiptStamp, {"data": {"received": "20. 11. 2026", "colour": "red", "with_cc": "maybe"}}
    )
    assert found["/data/authority"] == "is required"
    assert found["/data/colour"] == "is not a field of this layout"
    assert "/data/received" in found and "date" in found["/data/received"]
    assert "/data/with_cc" in found


def test_values_are_normalised():
    request = validate_request(
        ReceiptStamp, {"data": {"authority": "  Upravna enota Kranj ", "case_code": "  "}}
    )
    assert (
        request.data.authority == {"sl": "Upravna enota Kranj"} and request.data.case_code is None
    )
    decomposed = "Obc\u030cina"  # č as c + combining caron
    assert (
        validate_request(ReceiptStamp, {"data": {"authority": decomposed}}).data.authority["sl"]
        == "Občina"
    )


def test_name_plate_one_title_only():
    body = {
        "data": {
            "name": "Ana Novak",
            "position": "svetovalka",
            "scientific_title": "mag.",
            "professional_title": "univ. dipl. ekon.",
        }
    }
    assert list(errors(NamePlate, body)) == ["/data/professional_title"]
    del body["data"]["scientific_title"]
    assert validate_request(NamePlate, body).data.display_name == "ANA NOVAK, univ. dipl. ekon."
