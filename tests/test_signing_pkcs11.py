"""Signing with a key that never leaves a PKCS#11 token (SoftHSM 2)."""

import datetime
import os
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from renderer.options import RenderOptions
from renderer.signing import SignerProfile, SigningConfig, SigningConfigError, SigningService
from renderer.verify import verify_pdf

from .test_signing import pki  # noqa: F401 - the loopback test PKI

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "4321"


@pytest.fixture(scope="module")
def token(pki, tmp_path_factory):  # noqa: F811
    if not (os.path.exists(MODULE) and shutil.which("softhsm2-util")):
        if os.environ.get("CI"):
            pytest.fail("SoftHSM missing: .ci/setup installs softhsm2")
        pytest.skip("SoftHSM missing")
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.rsa import encode_rsa_public_key

    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "obrazci",
            "--pin",
            PIN,
            "--so-pin",
            "87654321",
        ],
        check=True,
        capture_output=True,
    )
    token = pkcs11.lib(MODULE).get_token(token_label="obrazci")
    with token.open(rw=True, user_pin=PIN) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA, 2048, label="signer", id=b"\x01", store=True
        )
        public_key = serialization.load_der_public_key(_spki(encode_rsa_public_key(public)))
        root_key = serialization.load_pem_private_key(
            (pki.directory / "keys" / "root.key.pem").read_bytes(), None
        )
        root = x509.load_pem_x509_certificate(pki.cert("root").read_bytes())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "SI"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Uradna Oseba HSM"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(root.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
            )
            .sign(root_key, hashes.SHA256())
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "signer",
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    return pki


def _spki(rsa_public_key_der: bytes) -> bytes:
    """Wrap a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo."""
    from asn1crypto import keys

    return keys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "rsa"},
            "public_key": keys.RSAPublicKey.load(rsa_public_key_der),
        }
    ).dump()


def profile(pki, pin_env):
    return SignerProfile(
        name="hsm",
        kind="pkcs11",
        module=MODULE,
        token_label="obrazci",
        key_label="signer",
        pin_env=pin_env,
        trust_roots=(str(pki.cert("root")),),
        tsa_url=pki.tsa_url,
    )


def test_sign_with_the_token(token, pipeline, monkeypatch):
    monkeypatch.setenv("OBRAZCI_TEST_PIN", PIN)
    service = SigningService(SigningConfig({"hsm": profile(token, "OBRAZCI_TEST_PIN")}))
    pdf = pipeline.render_sample("stamp.certified-copy", ("sl",), RenderOptions("pdfa-2b")).content
    report = verify_pdf(service.sign(pdf, "hsm", "B-T"), service.trust_roots)
    assert report["level"] == "B-T"
    assert "Uradna Oseba HSM" in report["signatures"][0]["signer"]


def test_wrong_pin_refuses_to_start(token, monkeypatch):
    monkeypatch.setenv("OBRAZCI_TEST_PIN", "0000")
    with pytest.raises(SigningConfigError) as exc:
        SigningService(SigningConfig({"hsm": profile(token, "OBRAZCI_TEST_PIN")}))
    assert "hsm" in str(exc.value) and "0000" not in str(exc.value)
