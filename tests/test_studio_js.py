"""The studio's ES modules without a browser: their JSDoc types (``tsc``) and the scanner that
finds where the editor's JSON stops being JSON (``assets/jsonsyntax.js``, run by Node), held
against Python's own JSON parser. Each test is skipped, saying why, where the tool is absent."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

STUDIO = Path(__file__).resolve().parent.parent / "renderer" / "studio"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
NODE = shutil.which("node")
TSC = os.environ.get("OBRAZCI_TSC") or shutil.which("tsc")


def _scan(texts: list[str]) -> list[dict | None]:
    """syntaxError(text) for each text, run by Node on the module the browser loads."""
    module = json.dumps((STUDIO / "assets" / "jsonsyntax.js").as_uri())
    script = (
        f"import {{ syntaxError }} from {module};\n"
        "let input = '';\n"
        "process.stdin.on('data', (d) => { input += d; });\n"
        "process.stdin.on('end', () => {\n"
        "  process.stdout.write(JSON.stringify(JSON.parse(input).map(syntaxError)));\n"
        "});\n"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _python_error(text: str) -> json.JSONDecodeError | None:
    def refuse(name):
        raise json.JSONDecodeError(f"{name} is not JSON", text, 0)

    try:
        json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        return exc
    return None


@pytest.mark.skipif(NODE is None, reason="node is not installed: the scanner is not run")
def test_the_json_scanner_names_the_first_error_where_python_finds_it():
    cases = {
        '{"data": {': (10, "expected a member name in double quotes, found the end of the text"),
        '{"a": 1,}': (8, "expected a member name in double quotes, found “}”"),
        "[1,]": (3, "expected a value, found “]”"),
        '{"a" 1}': (5, "expected “:” after the member name, found “1”"),
        "{a: 1}": (1, "expected a member name in double quotes, found “a”"),
        "[1 2]": (3, "expected “,” or “]”, found “2”"),
        '{"a": 1}}': (8, "expected the end of the text, found “}”"),
        "": (0, "expected a value, found the end of the text"),
        "01": (1, "a number does not start with 0"),
        '["\\x"]': (3, "an unknown escape \\x in a string"),
        '["\\u12g4"]': (3, "\\u takes four hexadecimal digits"),
        '["a\tb"]': (
            3,
            "a control character in a string: write it as an escape (\\n, \\t, \\u0000)",
        ),
        '{"a": "b': (8, 'the string is not closed (a " is missing)'),
        '{"a": [1, {"b": null}], "c": "\\u00e9\\n"}': None,
        " [[[[]]]] ": None,
    }
    found = _scan(list(cases))
    for (text, expected), problem in zip(cases.items(), found, strict=True):
        if expected is None:
            assert problem is None and _python_error(text) is None, text
        else:
            assert problem == {"offset": expected[0], "detail": expected[1]}, text
            assert _python_error(text) is not None, text


@pytest.mark.skipif(NODE is None, reason="node is not installed: the scanner is not run")
def test_the_json_scanner_agrees_with_python_on_mangled_requests():
    """Every sample with one character deleted or inserted somewhere: valid exactly when
    Python parses it, and where Python expects something else (not a string's inner error)
    the offset is Python's."""
    rng = random.Random(16)
    texts = []
    for path in sorted(SAMPLES.glob("stamp.*.json")) + sorted(SAMPLES.glob("sign.*.json")):
        text = json.dumps(json.loads(path.read_text()), ensure_ascii=True, indent=2)
        for _ in range(40):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.5 and at < len(text):
                texts.append(text[:at] + text[at + 1 :])
            else:
                texts.append(text[:at] + rng.choice(',:{}[]"x0-.\\ e') + text[at:])
    found = _scan(texts)
    compared = 0
    for text, problem in zip(texts, found, strict=True):
        error = _python_error(text)
        assert (problem is None) == (error is None), (text, problem, error)
        if error is not None and error.msg.startswith("Expecting"):
            assert problem["offset"] == error.pos, (text, problem, error.msg)
            compared += 1
    assert compared > 100


@pytest.mark.skipif(
    TSC is None, reason="tsc is not installed (npm install typescript; or set OBRAZCI_TSC)"
)
def test_the_studio_modules_typecheck():
    done = subprocess.run(
        [TSC, "--project", str(STUDIO)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
