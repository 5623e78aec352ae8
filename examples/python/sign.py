"""Sign with one of the service's signer profiles (README, "Signing (PAdES)"), then have the
service verify the result (POST /v1/verify).

    python sign.py stamp.receipt samples/stamp.receipt.json signed.pdf   # render and sign
    python sign.py document.pdf signed.pdf                               # sign a PDF you have

OBRAZCI_URL names the service (default http://127.0.0.1:8000); OBRAZCI_API_KEY is a key the
service's signing configuration allows the profile ([api_keys.…]); OBRAZCI_SIGN_PROFILE
(default office) and OBRAZCI_SIGN_LEVEL (B-B, B-T, B-LT, B-LTA; default B-T, which needs a
tsa_url in the profile) choose how."""

import json
import os
import sys
from pathlib import Path

import httpx

URL = os.environ.get("OBRAZCI_URL", "http://127.0.0.1:8000")
KEY = os.environ.get("OBRAZCI_API_KEY", "")
PROFILE = os.environ.get("OBRAZCI_SIGN_PROFILE", "office")
LEVEL = os.environ.get("OBRAZCI_SIGN_LEVEL", "B-T")
PDF = {"Content-Type": "application/pdf"}


def stop_on_error(response: httpx.Response) -> None:
    """An error answer ends the script with what its problem+json (RFC 9457) says."""
    if not response.is_error:
        return
    response.read()
    lines = [f"{response.status_code} {response.reason_phrase}"]
    if response.headers.get("Content-Type", "").startswith("application/problem+json"):
        problem = response.json()
        lines = [f"{problem['status']} {problem['title']}: {problem.get('detail', '')}"]
        for error in problem.get("errors", []):
            where = " ".join(f"{key}={value}" for key, value in error.items() if key != "detail")
            lines.append(f"  {where}: {error.get('detail', '')}")
    sys.exit("\n".join(lines))


def main(args: list[str]) -> None:
    signing = {"sign": PROFILE, "level": LEVEL}
    # a visible signature: also "stamp": "X,Y" (mm from the page's top left), "stamp_page": N
    with httpx.Client(
        base_url=URL,
        headers={"X-API-Key": KEY},
        timeout=120,
        event_hooks={"response": [stop_on_error]},
    ) as service:
        if len(args) == 3:  # render and sign in one request
            layout, request_file, out = args
            request = json.loads(Path(request_file).read_text(encoding="utf-8"))
            params = {"format": "pdfa-2b", **signing}
            signed = service.post(f"/v1/render/{layout}", params=params, json=request).content
        else:  # sign a PDF as it is (incrementally: its bytes are kept, the signature added)
            document, out = args
            body = Path(document).read_bytes()
            signed = service.post("/v1/sign", params=signing, content=body, headers=PDF).content
        Path(out).write_bytes(signed)
        report = service.post("/v1/verify", content=signed, headers=PDF).json()
    print(f"{out}: {len(signed)} bytes, signed at {report['level']}")
    for signature in report["signatures"]:
        print(
            f"  {signature.get('kind')} by {signature.get('signer')}: intact"
            f" {signature.get('intact')}, valid {signature.get('valid')},"
            f" trusted {signature.get('trusted')}, level {signature.get('level')}"
        )


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1:])
