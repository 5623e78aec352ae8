"""B-LTA validates offline after the revocation data it embeds has expired.

The files are signed against the test PKI (tests/pki.py); then the PKI is shut down and every
network connection is refused and recorded, so all that counts is what the files carry. The
later moment is simulated: the validation time is passed to the verifier (``at``), the clock
is not touched. It is chosen after every OCSP answer and CRL in the files has passed its
nextUpdate and after the short-lived signer's certificate has expired.
"""

import hashlib
import json
import os
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from falcon import testing
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.revinfo.manager import RevinfoManager

from renderer.http.app import create_app
from renderer.options import RenderOptions
from renderer.signing import SigningConfig, SigningService
from renderer.verify import verify_pdf

from .pki import SHORT_LIFE, start_pki

PASSPHRASE = "geslo-za-lta"
KEY = "lta-key"
PROFILES = {
    "office": "signer",
    "short": "signer-short",
}  # OCSP signer; CRL-only signer that expires soon

pytestmark = pytest.mark.slow


def config_text(pki) -> str:
    profiles = "".join(
        f"""
[profiles.{name}]
kind = "pkcs12"
path = "{cert}.p12"
passphrase_env = "OBRAZCI_TEST_LTA_P12"
trust_roots = ["root.cert.pem"]
trusted_tsa_certs = ["tsa.cert.pem"]
tsa_url = "{pki.tsa_url}"
"""
        for name, cert in PROFILES.items()
    )
    return (
        profiles
        + f"""
[api_keys.lta]
sha256 = "{hashlib.sha256(KEY.encode()).hexdigest()}"
profiles = {json.dumps(list(PROFILES))}
"""
    )


class Offline:
    """Refuses every outgoing connection and remembers that one was tried."""

    def __init__(self, monkeypatch):
        self.attempts = []
        for name in ("connect", "connect_ex"):
            monkeypatch.setattr(socket.socket, name, self._refuse)

    def _refuse(self, sock, address):
        self.attempts.append(address)
        raise ConnectionRefusedError(f"offline test: no connection to {address}")


@pytest.fixture(scope="module")
def files(tmp_path_factory, pipeline):
    """B-LT and B-LTA files of both signers, made while the PKI runs; then the PKI stops."""
    pki = start_pki(tmp_path_factory.mktemp("lta-pki"), PASSPHRASE.encode())
    os.environ["OBRAZCI_TEST_LTA_P12"] = PASSPHRASE
    (pki.directory / "signing.toml").write_text(config_text(pki))
    service = SigningService(SigningConfig.from_file(pki.directory / "signing.toml"))
    pdf = pipeline.render_sample("stamp.receipt", ("sl",), RenderOptions("pdfa-2b")).content
    signed = {
        (profile, level): service.sign(pdf, profile, level)
        for profile in PROFILES
        for level in ("B-LT", "B-LTA")
    }
    pki.stop()
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", pki.port), timeout=2),
    ):
        pass  # nothing answers on the PKI's port any more
    return pki, service, signed


@pytest.fixture
def offline(monkeypatch):
    guard = Offline(monkeypatch)
    yield guard
    assert guard.attempts == [], "the verification tried to go online"


def dss_contents(pdf: bytes):
    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(pdf)))
    ocsps = [asn1_ocsp.OCSPResponse.load(r.get_object().data) for r in dss.ocsps]
    crls = [asn1_crl.CertificateList.load(r.get_object().data) for r in dss.crls]
    return ocsps, crls


def single(response):
    return response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]


def later_moment(files) -> datetime:
    """A moment after every answer in every file has expired and the short signer's
    certificate too: the simulated validation time."""
    pki, _, signed = files
    ends = [load_cert_from_pemder(str(pki.cert("signer-short"))).not_valid_after]
    for pdf in signed.values():
        ocsps, crls = dss_contents(pdf)
        ends += [single(o)["next_update"].native for o in ocsps]
        ends += [c["tbs_cert_list"]["next_update"].native for c in crls]
    return max(ends) + timedelta(days=1)


def test_embedded_answers_carry_next_update_and_expire(files):
    pki, _, signed = files
    ocsps, crls = dss_contents(signed["office", "B-LTA"])
    assert (
        len(ocsps) == 3 and not crls
    )  # signer, TSA of the signature timestamp, TSA of the document timestamp
    for response in ocsps:
        answer = single(response)
        assert answer["cert_status"].name == "good"
        assert answer["next_update"].native - answer["this_update"].native == timedelta(minutes=10)
    ocsps, crls = dss_contents(signed["short", "B-LTA"])
    assert (
        len(ocsps) == 2 and len(crls) == 1
    )  # the CRL-only signer's status comes from the root's CRL
    tbs = crls[0]["tbs_cert_list"]
    assert tbs["next_update"].native - tbs["this_update"].native == timedelta(days=30)
    short = load_cert_from_pemder(str(pki.cert("signer-short")))
    now = datetime.now(UTC)
    assert now < short.not_valid_after <= now + SHORT_LIFE
    assert later_moment(files) > now + timedelta(days=1)


@pytest.mark.parametrize("profile", PROFILES)
def test_b_lta_validates_offline_after_its_validation_data_expired(files, offline, profile):
    _, service, signed = files
    at = later_moment(files)
    report = verify_pdf(signed[profile, "B-LTA"], service.trust_roots, service.trusted_tsa, at=at)
    assert report["validation_time"] == at.isoformat() and report["simulated_time"] is True
    assert all(datetime.fromisoformat(r["next_update"]) < at for r in report["revocation_data"])
    signature, stamp = report["signatures"]
    ades = signature["ades"]
    assert ades["process"] == "long-term (LTA)" and ades["indication"] == "PASSED", ades
    # the signer's chain held at a past control time, backed by the document timestamp's POE
    assert ades["past_validation"] is True
    if (
        profile == "office"
    ):  # at that moment the file's data alone no longer validates the signature
        assert ades["passes_without_poe"] is False and ades["without_poe"] == "TRY_LATER"
    else:  # pyHanko's validation with time accepts an expired certificate on the signature timestamp
        assert ades["passes_without_poe"] is True
    assert ades["poe_document_timestamp"] == stamp["time"]
    assert ades["best_signature_time"] == signature["timestamp"]["time"] <= stamp["time"]
    assert report["level"] == "B-LTA"
    if profile == "short":  # the signer's certificate itself has expired by then
        assert signature["trusted"] is False


@pytest.mark.parametrize("profile", PROFILES)
def test_b_lt_does_not_survive_the_same_moment(files, offline, profile):
    _, service, signed = files
    at = later_moment(files)
    now = verify_pdf(signed[profile, "B-LT"], service.trust_roots, service.trusted_tsa)
    assert now["level"] == "B-LT" and now["signatures"][0]["ades"]["indication"] == "PASSED"
    later = verify_pdf(signed[profile, "B-LT"], service.trust_roots, service.trusted_tsa, at=at)
    ades = later["signatures"][0]["ades"]
    assert ades["past_validation"] is False
    if profile == "office":  # its OCSP answers have expired: the revocation status is open
        assert ades["indication"] == "INDETERMINATE" and ades["subindication"] == "TRY_LATER"
        assert later["level"] == "B-T"
    else:
        # pyHanko's validation with time lets the signature timestamp, made before the
        # certificate expired, stand in without checking revocation (its own comment: it
        # cannot process expiration there); the chain check at that moment says expired
        assert ades["indication"] == "PASSED" and later["signatures"][0]["trusted"] is False
        assert later["level"] is None


def test_newest_timestamp_needs_a_trusted_tsa_offline(files, offline):
    """Nothing later proves the newest document timestamp; offline, after its TSA's answer
    expired, it only stands if the TSA's certificate is trusted as such."""
    _, service, signed = files
    report = verify_pdf(signed["office", "B-LTA"], service.trust_roots, (), at=later_moment(files))
    ades = report["signatures"][0]["ades"]
    assert ades["indication"] == "INDETERMINATE" and ades["poe_document_timestamp"] is None
    assert report["level"] == "B-T"


def test_or_a_fresh_answer_about_the_tsa(files, offline):
    """What trusting the TSA stands for: a verifier online at that moment would fetch the TSA's
    status. The test PKI issues that answer dated at the simulated moment (no network), and
    with it, and no TSA trusted as such, the long-term validation passes again."""
    import asyncio

    from certomancer.registry import ServiceLabel
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import LocalKnowledge
    from pyhanko_certvalidator.authority import CertTrustAnchor
    from pyhanko_certvalidator.fetchers.common_utils import format_ocsp_request
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.revinfo.archival import OCSPContainer

    from renderer.verify import _ades_spec

    pki, service, signed = files
    at = later_moment(files)
    root, tsa = (load_cert_from_pemder(str(pki.cert(n))) for n in ("root", "tsa"))
    request = format_ocsp_request(
        tsa, CertTrustAnchor(root).authority, certid_hash_algo="sha256", request_nonces=False
    )
    fresh = pki.arch.service_registry.summon_responder(
        ServiceLabel("root"), at_time=at
    ).build_ocsp_response(request)
    reader = PdfFileReader(BytesIO(signed["office", "B-LTA"]))

    def lta(knowledge):
        spec = _ades_spec(service.trust_roots, (), knowledge)
        return asyncio.run(
            ades_lta_validation(
                reader.embedded_regular_signatures[0],
                spec,
                timing_info=ValidationTimingInfo(at, at, True),
            )
        )

    assert lta(LocalKnowledge()).ades_subindic.status.name == "INDETERMINATE"
    result = lta(LocalKnowledge(known_ocsps=OCSPContainer.load_multi(fresh)))
    assert result.ades_subindic.status.name == "PASSED"
    assert result.oldest_evidence_record_timestamp is not None


def test_a_broken_document_timestamp_proves_nothing(files, offline):
    _, service, signed = files
    pdf = bytearray(signed["short", "B-LTA"])
    start = pdf.rfind(b"/Contents <") + len(b"/Contents <")
    end = pdf.index(b">", start)
    der_end = start + len(bytes(pdf[start:end]).rstrip(b"0"))
    pdf[der_end - 40] = (
        ord("0") if pdf[der_end - 40] != ord("0") else ord("1")
    )  # inside the TSA's signature value
    report = verify_pdf(
        bytes(pdf), service.trust_roots, service.trusted_tsa, at=later_moment(files)
    )
    assert report["signatures"][1]["valid"] is False
    assert report["signatures"][0]["ades"]["indication"] != "PASSED"
    assert report["level"] is None


def test_the_library_quirk_the_verifier_works_around(files, offline, monkeypatch):
    """Without the CertID filter in renderer.verify, pyhanko-certvalidator counts the TSA's
    OCSP answer as a failed check of the signer (same CA) and never tries past validation."""
    _, service, signed = files
    monkeypatch.setattr(
        RevinfoManager, "async_retrieve_ocsps", RevinfoManager.async_retrieve_ocsps.__wrapped__
    )
    report = verify_pdf(
        signed["office", "B-LTA"], service.trust_roots, service.trusted_tsa, at=later_moment(files)
    )
    ades = report["signatures"][0]["ades"]
    assert ades["subindication"] == "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    assert "Past validation not applicable" in ades["detail"]


def test_verify_endpoint_reports_what_it_checked(files, offline, pipeline):
    _, service, signed = files
    client = testing.TestClient(create_app(pipeline, service))
    at = later_moment(files)
    resp = client.simulate_post(
        "/v1/verify",
        params={"at": at.isoformat()},
        body=signed["office", "B-LTA"],
        headers={"Content-Type": "application/pdf"},
    )
    assert resp.status_code == 200, resp.text
    report = resp.json
    assert report["level"] == "B-LTA" and report["simulated_time"] is True
    signature, stamp = report["signatures"]
    assert signature["level"] == "B-LTA" and signature["ades"]["past_validation"] is True
    assert (
        signature["timestamp"]["time"] and stamp["kind"] == "document-timestamp" and stamp["time"]
    )
    now = client.simulate_post(
        "/v1/verify", body=signed["office", "B-LTA"], headers={"Content-Type": "application/pdf"}
    )
    assert (
        now.json["simulated_time"] is False
        and now.json["signatures"][0]["ades"]["passes_without_poe"] is True
    )
    for bad in ("tomorrow", "2030-01-01T00:00:00"):  # not a time; no time zone
        resp = client.simulate_post(
            "/v1/verify",
            params={"at": bad},
            body=signed["office", "B-LTA"],
            headers={"Content-Type": "application/pdf"},
        )
        assert resp.status_code == 400 and resp.json["errors"][0]["parameter"] == "at"


def covered_and_token(pdf: bytes, index: int):
    from .test_signing import cms_and_signed_bytes

    return cms_and_signed_bytes(pdf, index)


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], capture_output=True, text=True, input=stdin)


def test_openssl_agrees_the_chain_was_complete_at_timestamp_time(files, offline, tmp_path):
    """A second implementation: OpenSSL checks the document timestamp over the bytes it
    covers (which include the DSS), and the short signer's chain with the DSS's CRL at the
    timestamp's time (good) and at the simulated later moment (expired)."""
    pki, service, signed = files
    pdf = signed["short", "B-LTA"]
    token, covered = covered_and_token(pdf, 1)
    (tmp_path / "token.der").write_bytes(token)
    (tmp_path / "covered.bin").write_bytes(covered)
    assert b"/DSS" in covered
    result = openssl(
        "ts",
        "-verify",
        "-token_in",
        "-in",
        str(tmp_path / "token.der"),
        "-data",
        str(tmp_path / "covered.bin"),
        "-CAfile",
        str(pki.cert("root")),
        "-untrusted",
        str(pki.cert("tsa")),
    )
    assert result.returncode == 0 and "Verification: OK" in result.stdout, (
        result.stdout + result.stderr
    )
    stamp_time = datetime.fromisoformat(
        verify_pdf(pdf, service.trust_roots, service.trusted_tsa)["signatures"][1]["time"]
    )
    _, crls = dss_contents(pdf)
    (tmp_path / "crl.der").write_bytes(crls[0].dump())
    crl_pem = openssl("crl", "-inform", "DER", "-in", str(tmp_path / "crl.der"))
    (tmp_path / "crl.pem").write_text(crl_pem.stdout)

    def chain_at(moment):
        return openssl(
            "verify",
            "-attime",
            str(int(moment.timestamp())),
            "-crl_check",
            "-CRLfile",
            str(tmp_path / "crl.pem"),
            "-CAfile",
            str(pki.cert("root")),
            str(pki.cert("signer-short")),
        )

    good = chain_at(stamp_time)
    assert good.returncode == 0 and ": OK" in good.stdout, good.stdout + good.stderr
    late = chain_at(later_moment(files))
    assert late.returncode != 0 and "expired" in (late.stdout + late.stderr)
