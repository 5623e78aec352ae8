"""The key-caching signer gives what stock pyHanko gives, through pyHanko's public hooks."""

import asyncio
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers

from renderer.sign.config import Pkcs12Key, SignerProfile
from renderer.sign.signer import CachedKeySigner, PadesSignedAttributes, load_profile


def p12_file(tmp_path, monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Uradna Oseba Enota")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "unit.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"unit", key, cert, None, serialization.BestAvailableEncryption(b"geslo")
        )
    )
    monkeypatch.setenv("OBRAZCI_TEST_UNIT_P12", "geslo")
    return path, key.public_key()


def test_signed_attributes_are_stock_pyhankos_for_pades(tmp_path, monkeypatch):
    path, _ = p12_file(tmp_path, monkeypatch)
    ours = load_profile(
        SignerProfile("unit", Pkcs12Key(str(path), passphrase_env="OBRAZCI_TEST_UNIT_P12"))
    ).signer
    assert isinstance(ours, CachedKeySigner)
    assert isinstance(ours.signed_attr_prov_spec, PadesSignedAttributes)
    stock = signers.SimpleSigner.load_pkcs12(str(path), passphrase=b"geslo")
    digest = hashlib.sha256(b"the document").digest()

    def attributes(signer):
        return asyncio.run(signer.signed_attrs(digest, "sha256", use_pades=True)).dump()

    assert attributes(ours) == attributes(stock)
    assert attributes(ours) == attributes(ours)  # the cached attribute, encoded again


def test_the_cached_key_signs_as_the_stock_one(tmp_path, monkeypatch):
    path, public = p12_file(tmp_path, monkeypatch)
    ours = load_profile(
        SignerProfile("unit", Pkcs12Key(str(path), passphrase_env="OBRAZCI_TEST_UNIT_P12"))
    ).signer
    stock = signers.SimpleSigner.load_pkcs12(str(path), passphrase=b"geslo")
    data = b"signed attributes"
    signature = asyncio.run(ours.async_sign_raw(data, "sha256"))
    assert signature == asyncio.run(stock.async_sign_raw(data, "sha256"))  # PKCS#1 v1.5
    public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
