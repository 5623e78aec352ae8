"""The internals renderer/sign/compat.py relies on, asserted as the pinned pyHanko and
pyhanko-certvalidator have them: an upgrade that changes one fails here, and one that
makes a patch unnecessary (the quirk fixed upstream) fails here too, so it can go."""

import asyncio
import hashlib
import inspect
import threading
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pikepdf
from asn1crypto import core, ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko_certvalidator.authority import CertTrustAnchor
from pyhanko_certvalidator.context import bootstrap_validation_data_handlers
from pyhanko_certvalidator.revinfo import validate_ocsp
from pyhanko_certvalidator.revinfo.archival import OCSPContainer
from pyhanko_certvalidator.revinfo.manager import RevinfoManager

from renderer.sign import compat

PRODUCER = "obrazci test"


def small_pdf() -> bytes:
    """A PDF with an Info Producer and an XMP packet, as the finisher writes them."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdf:Producer"] = PRODUCER
    pdf.docinfo["/Producer"] = PRODUCER
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def producer_after_a_revision(pdf: bytes) -> tuple[str, bytes]:
    """Info's Producer and the XMP after pyHanko writes one (empty) revision."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    out = BytesIO()
    writer.write(out)
    with pikepdf.open(BytesIO(out.getvalue())) as doc:
        return str(doc.docinfo["/Producer"]), doc.Root.Metadata.read_bytes()


def original_xmp(pdf: bytes) -> bytes:
    with pikepdf.open(BytesIO(pdf)) as doc:
        return doc.Root.Metadata.read_bytes()


def test_every_revision_pyhanko_writes_goes_through_update_meta():
    source = inspect.getsource(BasePdfFileWriter._prep_dom_for_writing)
    assert "self._update_meta()" in source
    update_meta = inspect.unwrap(BasePdfFileWriter._update_meta)
    assert list(inspect.signature(update_meta).parameters) == ["self"]


def test_pyhanko_still_rewrites_the_metadata_and_the_guard_keeps_it():
    pdf = small_pdf()
    producer, xmp = producer_after_a_revision(pdf)
    # upstream: "; pyHanko x" appended to Info and XMP rewritten; if this stops, drop the patch
    assert producer.startswith(PRODUCER + "; pyHanko") and xmp != original_xmp(pdf)
    with compat.document_metadata_kept():
        producer, xmp = producer_after_a_revision(pdf)
    assert producer == PRODUCER and xmp == original_xmp(pdf)


def test_the_guard_holds_only_where_it_is_open():
    """Another thread writing while a signature is made gets pyHanko's own behaviour, and
    nothing stays changed afterwards (a patch of the class would leak into both)."""
    pdf = small_pdf()
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def sign_in_a_thread():
        with compat.document_metadata_kept():
            inside.set()
            done.wait(10)
            seen["inside"] = producer_after_a_revision(pdf)[0]

    thread = threading.Thread(target=sign_in_a_thread)
    thread.start()
    assert inside.wait(10)
    seen["elsewhere"] = producer_after_a_revision(pdf)[0]
    done.set()
    thread.join(10)
    assert seen["inside"] == PRODUCER
    assert seen["elsewhere"].startswith(PRODUCER + "; pyHanko")
    assert producer_after_a_revision(pdf)[0].startswith(PRODUCER + "; pyHanko")


def _cert(subject: str, issuer: str, key, issuer_key, serial: int) -> asn1_x509.Certificate:
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(issuer_key, hashes.SHA256())
    )
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _answer_about(cert: asn1_x509.Certificate, ca: asn1_x509.Certificate) -> OCSPContainer:
    """An (unsigned) OCSP answer whose CertID names ``cert``: enough for CertID matching."""
    now = datetime.now(UTC).replace(microsecond=0)
    single = {
        "cert_id": {
            "hash_algorithm": {"algorithm": "sha1"},
            "issuer_name_hash": hashlib.sha1(cert.issuer.dump()).digest(),
            "issuer_key_hash": ca.public_key.sha1,
            "serial_number": cert.serial_number,
        },
        "cert_status": ocsp.CertStatus(name="good", value=core.Null()),
        "this_update": now,
        "next_update": now + timedelta(minutes=10),
    }
    basic = ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": {
                "responder_id": {"by_key": ca.public_key.sha1},
                "produced_at": now,
                "responses": [single],
            },
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": core.OctetBitString(b"\x00"),
        }
    )
    response = ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
        }
    )
    return OCSPContainer(ocsp.OCSPResponse.load(response.dump()))


def _ca_and_two_certs():
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("CA", "CA", ca_key, ca_key, 1)
    return ca, _cert("one", "CA", key, ca_key, 2), _cert("two", "CA", key, ca_key, 3)


def test_the_ocsp_check_asks_the_revinfo_manager_for_its_answers():
    original = inspect.unwrap(RevinfoManager.async_retrieve_ocsps)
    assert list(inspect.signature(original).parameters) == ["self", "cert", "authority"]
    assert inspect.iscoroutinefunction(original)
    for check in (
        validate_ocsp.verify_ocsp_response,
        validate_ocsp.collect_relevant_responses_with_paths,
    ):
        assert "revinfo_manager.async_retrieve_ocsps(" in inspect.getsource(check)


def test_certvalidator_still_counts_an_answer_about_another_certificate_as_a_failure():
    """The quirk the CertID filter works around; when this fails, upstream has fixed it and
    compat.install_ocsp_certid_filter can go."""
    ca, one, two = _ca_and_two_certs()
    authority = CertTrustAnchor(ca).authority
    errors = validate_ocsp._OCSPErrs()
    assert not validate_ocsp._match_ocsp_certid(one, authority, _answer_about(two, ca), errors)
    assert errors.failures and errors.freshness_failures_only is False


def test_the_filter_hands_on_only_answers_naming_the_certificate():
    ca, one, two = _ca_and_two_certs()
    authority = CertTrustAnchor(ca).authority
    about_one, about_two = _answer_about(one, ca), _answer_about(two, ca)
    assert compat.names_certificate(about_one, one, authority)
    assert not compat.names_certificate(about_two, one, authority)
    compat.install_ocsp_certid_filter()
    compat.install_ocsp_certid_filter()  # idempotent: wrapped once
    wrapped = RevinfoManager.async_retrieve_ocsps
    assert not hasattr(wrapped.__wrapped__, "__wrapped__")
    manager = bootstrap_validation_data_handlers(
        fetchers=None, ocsps=[about_one, about_two]
    ).revinfo_manager
    assert asyncio.run(manager.async_retrieve_ocsps(one, authority)) == [about_one]
    unfiltered = wrapped.__wrapped__(manager, one, authority)
    held = asyncio.run(unfiltered)  # in the manager's own order
    assert len(held) == 2 and about_one in held and about_two in held
