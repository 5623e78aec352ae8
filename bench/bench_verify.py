"""What the AdES report costs in /v1/verify: a B-LTA file checked three ways in one run.

    .venv/bin/python bench/bench_verify.py [--repeat 20]

Signs one stamp at B-LTA against the test PKI (tests/pki.py, on 127.0.0.1), stops the PKI,
then times (a) the baseline: pyHanko's plain checks of the signature and the document
timestamp, as /v1/verify made them before the AdES report, (b) verify_pdf now, (c) verify_pdf
at a simulated moment 40 days later (the LTA validation then needs past validation). Prints
medians and ratios to (a). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import median_ms  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402

from renderer.options import RenderOptions  # noqa: E402
from renderer.pipeline import Pipeline  # noqa: E402
from renderer.signing import SigningConfig, SigningService  # noqa: E402
from renderer.verify import verify_pdf  # noqa: E402
from tests.pki import start_pki  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pki = start_pki(Path(tmp) / "pki", b"bench")
        os.environ["OBRAZCI_BENCH_P12"] = "bench"
        (pki.directory / "signing.toml").write_text(
            '[profiles.office]\nkind = "pkcs12"\npath = "signer.p12"\npassphrase_env = "OBRAZCI_BENCH_P12"\n'
            f'trust_roots = ["root.cert.pem"]\ntrusted_tsa_certs = ["tsa.cert.pem"]\ntsa_url = "{pki.tsa_url}"\n'
        )
        service = SigningService(SigningConfig.from_file(pki.directory / "signing.toml"))
        pdf = Pipeline().render_sample("stamp.receipt", ("sl",), RenderOptions("pdfa-2b")).content
        signed = service.sign(pdf, "office", "B-LTA")
        pki.stop()
    roots, tsa = service.trust_roots, service.trusted_tsa

    def baseline():
        reader = PdfFileReader(BytesIO(signed), strict=False)
        sig, stamp = reader.embedded_signatures
        context = lambda: ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )  # noqa: E731
        validate_pdf_signature(
            sig, signer_validation_context=context(), ts_validation_context=context()
        )
        validate_pdf_timestamp(stamp, validation_context=context())

    later = datetime.now(UTC) + timedelta(days=40)
    base_ms = median_ms(baseline, args.repeat)
    now_ms = median_ms(lambda: verify_pdf(signed, roots, tsa), args.repeat)
    later_ms = median_ms(lambda: verify_pdf(signed, roots, tsa, at=later), args.repeat)
    print(
        f"B-LTA verification, median of {args.repeat}: plain checks {base_ms:.0f} ms; "
        f"with AdES report now {now_ms:.0f} ms ({now_ms / base_ms:.1f}x), "
        f"40 days later (past validation) {later_ms:.0f} ms ({later_ms / base_ms:.1f}x)"
    )


if __name__ == "__main__":
    main()
