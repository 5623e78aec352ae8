"""PAdES B-B signing speed, warm, RSA-2048: our signer against stock pyHanko in one run.

    .venv/bin/python bench/bench_signing.py [--repeat 50]

Builds a throw-away key and self-signed certificate in memory, renders one stamp as PDF/A-2b
and signs it again and again: (a) stock pyHanko (SimpleSigner, no reserved size), (b) our
signing path (key parsed once, fixed signature size, PDF/A-safe field). Prints the median ms
per signature and the ratio. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
from io import BytesIO
from pathlib import Path

from common import median_ms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from renderer.options import RenderOptions
from renderer.pipeline import Pipeline
from renderer.signing import SignerProfile, load_profile, sign_pdf


def make_pkcs12(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench signer")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    p12 = directory / "bench.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"bench", key, cert, None, serialization.BestAvailableEncryption(b"bench")
        )
    )
    pem = directory / "bench.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return p12, pem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        p12, pem = make_pkcs12(Path(tmp))
        pdf = Pipeline().render_sample("stamp.receipt", ("sl",), RenderOptions("pdfa-2b")).content
        stock_signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=b"bench")

        def stock():
            writer = IncrementalPdfFileWriter(BytesIO(pdf))
            fields.append_signature_field(writer, fields.SigFieldSpec("Signature1"))
            meta = signers.PdfSignatureMetadata(
                field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES
            )
            signers.PdfSigner(meta, signer=stock_signer).sign_pdf(writer, output=BytesIO())

        os.environ["OBRAZCI_BENCH_P12"] = "bench"
        ours_loaded = load_profile(
            SignerProfile(
                name="bench",
                kind="pkcs12",
                path=str(p12),
                passphrase_env="OBRAZCI_BENCH_P12",
                trust_roots=(str(pem),),
            )
        )
        stock_ms = median_ms(stock, args.repeat)
        ours_ms = median_ms(lambda: sign_pdf(pdf, ours_loaded, "B-B"), args.repeat)
        print(
            f"PAdES B-B, RSA-2048, median of {args.repeat}: stock pyHanko {stock_ms:.1f} ms, "
            f"obrazci {ours_ms:.1f} ms, ratio {ours_ms / stock_ms:.2f}"
        )


if __name__ == "__main__":
    main()
