"""Render one document: POST a layout's request (JSON) to /v1/render/{layout}, save the answer.

    python render.py stamp.receipt samples/stamp.receipt.json stamp.pdf [FORMAT]

OBRAZCI_URL names the service (default http://127.0.0.1:8000). An error answer is
problem+json (RFC 9457): its errors[] are printed, each with where it is (a JSON pointer
into the request, a parameter, a header), and the script exits 1."""

import json
import os
import sys
from pathlib import Path

import httpx

URL = os.environ.get("OBRAZCI_URL", "http://127.0.0.1:8000")


def problem_lines(response: httpx.Response) -> list[str]:
    """What an error answer says: title and detail, then one line for each of its errors."""
    if not response.headers.get("Content-Type", "").startswith("application/problem+json"):
        return [f"{response.status_code} {response.reason_phrase}"]
    problem = response.json()
    lines = [f"{problem['status']} {problem['title']}: {problem.get('detail', '')}"]
    for error in problem.get("errors", []):
        where = " ".join(f"{key}={value}" for key, value in error.items() if key != "detail")
        lines.append(f"  {where}: {error.get('detail', '')}")
    return lines


def main(layout: str, request_file: str, out: str, fmt: str = "pdf") -> int:
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    response = httpx.post(
        f"{URL}/v1/render/{layout}", params={"format": fmt}, json=request, timeout=120
    )
    if response.is_error:
        print(*problem_lines(response), sep="\n", file=sys.stderr)
        return 1
    for finding in json.loads(response.headers.get("X-Findings", "[]")):  # advice, not errors
        print(f"finding {finding['pointer']}: {finding['detail']}", file=sys.stderr)
    Path(out).write_bytes(response.content)
    print(f"{out}: {len(response.content)} bytes, {response.headers['Content-Type']}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
