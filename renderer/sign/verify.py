"""Verify: a JSON report on every signature and document timestamp of a PDF (pyHanko),
against the configured trust roots, offline (no fetching: what the file carries counts).

Two checks per signature. The first (``intact``/``valid``/``trusted``) asks whether the
signature is sound and its certificate chains to a trusted root at the validation time. The
second (``ades``) is the AdES validation of ETSI EN 319 102-1 at that time with the file's own
validation data only: basic, with time (a signature timestamp) or, for a signature followed
by document timestamps, the long-term (LTA) validation, in which the document timestamps prove
that the signature and the revocation data in the DSS existed at their time (POE), so that the
signature still validates after those OCSP answers and CRLs, or the signer's certificate,
have expired ("past validation").

The newest document timestamp has nothing later to prove it: offline it is valid only while
the revocation data of its TSA is fresh, or for as long as its TSA's certificate is trusted
as such (``trusted_tsa``, the way a trusted list names a qualified TSA).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.ades import (
    ades_basic_validation,
    ades_lta_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from .compat import install_ocsp_certid_filter
from .errors import NotAPdf

install_ocsp_certid_filter()  # see compat: the LTA validation needs it


def _pdfa_claim(reader: PdfFileReader) -> str | None:
    try:
        xmp = reader.root["/Metadata"].get_object().data.decode("utf-8", "replace")
    except (KeyError, AttributeError):
        return None
    part = re.search(r"pdfaid:part[>=\"']+\s*(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance[>=\"']+\s*([ABUabu])", xmp)
    return f"PDF/A-{part.group(1)}{conformance.group(1).lower()}" if part and conformance else None


def _time(value):
    return value.isoformat() if value is not None else None


def _dss(reader: PdfFileReader) -> LocalKnowledge:
    """The certificates, OCSP answers and CRLs in the document security store."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return LocalKnowledge()
    ocsps = [
        c
        for ref in dss.ocsps
        for c in OCSPContainer.load_multi(asn1_ocsp.OCSPResponse.load(ref.get_object().data))
    ]
    crls = [CRLContainer(asn1_crl.CertificateList.load(ref.get_object().data)) for ref in dss.crls]
    return LocalKnowledge(known_ocsps=ocsps, known_crls=crls, known_certs=list(dss.load_certs()))


def _revocation_data(knowledge: LocalKnowledge) -> list[dict]:
    out = []
    for answer in knowledge.known_ocsps:
        single = answer.extract_single_response()
        if single is None:
            continue
        out.append(
            {
                "kind": "OCSP",
                "status": single["cert_status"].name,
                "this_update": _time(single["this_update"].native),
                "next_update": _time(single["next_update"].native),
            }
        )  # None: "ask again any time"
    for crl in knowledge.known_crls:
        tbs = crl.crl_data["tbs_cert_list"]
        out.append(
            {
                "kind": "CRL",
                "this_update": _time(tbs["this_update"].native),
                "next_update": _time(tbs["next_update"].native),
            }
        )
    return out


def _ades_spec(trust_roots, trusted_tsa, knowledge: LocalKnowledge) -> PdfSignatureValidationSpec:
    """Revocation is checked where a certificate names an OCSP responder or CRL; an answer
    counts between its thisUpdate and nextUpdate (later, only through a proof of existence).
    Nothing is fetched."""
    rule = RevocationCheckingRule.CHECK_IF_DECLARED
    revocation = CertRevTrustPolicy(RevocationCheckingPolicy(rule, rule))
    signers = CertValidationPolicySpec(
        SimpleTrustManager.build(trust_roots=list(trust_roots)), revocation
    )
    stamps = CertValidationPolicySpec(
        SimpleTrustManager.build(trust_roots=[*trust_roots, *trusted_tsa]), revocation
    )
    offline = RevocationInfoGatheringSpec(
        RevinfoOnlineFetchingRule.LOCAL_ONLY,
        certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            signers,
            revinfo_gathering_policy=offline,
            ts_cert_validation_policy=stamps,
            local_knowledge=knowledge,
        )
    )


def _indication(result) -> dict:
    sub = result.ades_subindic
    passed = sub == AdESPassed.OK
    return {
        "indication": sub.status.name,
        "subindication": None if passed else sub.name,
        "detail": None
        if passed
        else (str(result.failure_msg)[:300] if result.failure_msg else None),
    }


async def _ades(
    sig, level: str, spec: PdfSignatureValidationSpec, timing: ValidationTimingInfo
) -> dict:
    """AdES validation of one signature: at the validation time with the file's data alone,
    and, for B-LTA, the long-term validation with the document timestamps' POE."""
    basic = dict(
        validation_spec=spec.signature_validation_spec,
        timing_info=timing,
        raw_digest=sig.compute_digest(),
    )
    common = dict(
        basic, extra_status_kwargs=sig.summarise_integrity_info(), status_cls=PdfSignatureStatus
    )
    if level == "B-B":
        # pyHanko 0.38's basic validation builds a CMS status that takes no PDF integrity
        # fields; the PDF's integrity (coverage, modifications) is judged in _entry
        alone = await ades_basic_validation(sig.signed_data, **basic)
        return {
            "process": "basic",
            **_indication(alone),
            "passes_without_poe": alone.ades_subindic == AdESPassed.OK,
            "past_validation": False,
        }
    alone = await ades_with_time_validation(sig.signed_data, **common)
    passes_alone = alone.ades_subindic == AdESPassed.OK
    if level != "B-LTA":
        return {
            "process": "with-time",
            **_indication(alone),
            "passes_without_poe": passes_alone,
            "past_validation": False,
            "best_signature_time": _time(alone.best_signature_time),
        }
    # pyHanko reads the DSS itself here; the spec's own copy would count everything twice
    lta_spec = replace(
        spec,
        signature_validation_spec=replace(
            spec.signature_validation_spec, local_knowledge=LocalKnowledge()
        ),
    )
    lta = await ades_lta_validation(sig, lta_spec, timing_info=timing)
    passed = lta.ades_subindic == AdESPassed.OK
    return {
        "process": "long-term (LTA)",
        **_indication(lta),
        # at the validation time with the file's data but without the document timestamps
        "passes_without_poe": passes_alone,
        "without_poe": _indication(alone)["subindication"] or "PASSED",
        # pyHanko validates the signer's chain at a past control time backed by the document
        # timestamps' POE whenever the LTA process gets this far; a pass means it held
        "past_validation": passed and lta.oldest_evidence_record_timestamp is not None,
        "best_signature_time": _time(lta.best_signature_time),
        "poe_document_timestamp": _time(lta.oldest_evidence_record_timestamp),
    }


def _structural_level(sig, has_revocation: bool, stamp_revisions: list[int]) -> str:
    """What the signature carries: a signature timestamp (B-T), validation data in the DSS
    (B-LT), a document timestamp in a later revision (B-LTA)."""
    if sig.sig_object.get("/Type") == "/DocTimeStamp":
        return "document-timestamp"
    if next(extract_tst_data_iter(sig.signer_info, signed=False), None) is None:
        return "B-B"
    if not has_revocation:
        return "B-T"
    return "B-LTA" if any(r > sig.signed_revision for r in stamp_revisions) else "B-LT"


def verify_pdf(pdf_bytes: bytes, trust_roots, trusted_tsa=(), at: datetime | None = None) -> dict:
    """The report; ``at`` validates as of another moment than now (e.g. to show what a
    verifier will see once the file's revocation data has expired)."""
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        signatures = list(reader.embedded_signatures)
        knowledge = _dss(reader)
    except Exception as exc:
        raise NotAPdf(f"not a readable PDF ({type(exc).__name__})") from None
    when = at or datetime.now(UTC)
    has_revocation = bool(knowledge.known_ocsps or knowledge.known_crls)
    stamp_revisions = [
        s.signed_revision for s in signatures if s.sig_object.get("/Type") == "/DocTimeStamp"
    ]

    def context(roots) -> ValidationContext:
        return ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=when
        )

    spec = _ades_spec(trust_roots, trusted_tsa, knowledge)
    timing = ValidationTimingInfo(
        validation_time=when, best_signature_time=when, point_in_time_validation=at is not None
    )
    entries = [
        _entry(
            sig,
            _structural_level(sig, has_revocation, stamp_revisions),
            lambda: context(list(trust_roots)),
            lambda: context([*trust_roots, *trusted_tsa]),
        )
        for sig in signatures
    ]
    regular = [
        (sig, e) for sig, e in zip(signatures, entries, strict=True) if e.get("kind") == "signature"
    ]
    if regular:
        found = asyncio.run(_ades_all([(sig, e["level"]) for sig, e in regular], spec, timing))
        for (_, entry), ades in zip(regular, found, strict=True):
            entry["ades"] = ades
    return {
        "pdfa": _pdfa_claim(reader),
        "validation_time": _time(when),
        "simulated_time": at is not None,
        "revocation_data": _revocation_data(knowledge),
        "signatures": entries,
        "level": _level(entries),
    }


async def _ades_all(items, spec, timing) -> list[dict]:
    out = []
    for sig, level in items:
        try:
            out.append(await _ades(sig, level, spec, timing))
        except Exception as exc:  # a malformed signature is reported, not a 500
            out.append({"indication": "FAILED", "detail": f"{type(exc).__name__}: {exc}"[:300]})
    return out


def _entry(sig, level: str, context, stamp_context) -> dict:
    is_timestamp = level == "document-timestamp"
    status: DocumentTimestampStatus | PdfSignatureStatus
    try:
        if is_timestamp:
            status = validate_pdf_timestamp(sig, validation_context=stamp_context())
        else:
            status = validate_pdf_signature(
                sig, signer_validation_context=context(), ts_validation_context=stamp_context()
            )
    except Exception as exc:
        return {"field": sig.field_name, "error": f"{type(exc).__name__}: {exc}"[:300]}
    entry = {
        "field": sig.field_name,
        "kind": "document-timestamp" if is_timestamp else "signature",
        "intact": status.intact,
        "valid": status.valid,
        "trusted": status.trusted,
        "coverage": status.coverage.name if status.coverage else None,
        "modifications": status.modification_level.name if status.modification_level else None,
        # what changed after signing is what the signature's DocMDP permissions allow; after
        # a document timestamp, only validation data and further timestamps
        "modifications_allowed": (
            status.modification_level is not None
            and status.modification_level.name in ("NONE", "LTA_UPDATES")
        )
        if is_timestamp
        else bool(getattr(status, "docmdp_ok", False)),
        "signer": status.signing_cert.subject.human_friendly if status.signing_cert else None,
    }
    if isinstance(status, DocumentTimestampStatus):
        entry["time"] = _time(status.timestamp)
        return entry
    ts = status.timestamp_validity
    entry.update(
        {
            "level": level,
            "claimed_signing_time": _time(getattr(status, "signer_reported_dt", None)),
            "timestamp": None
            if ts is None
            else {
                "time": _time(ts.timestamp),
                "intact": ts.intact,
                "valid": ts.valid,
                "trusted": ts.trusted,
            },
        }
    )
    return entry


WHOLE = ("ENTIRE_FILE", "ENTIRE_REVISION")  # what a signature's byte range may cover


def _level(entries: list[dict]) -> str | None:
    """The PAdES baseline level the file reaches at the validation time: B-LTA if every
    signature passes the long-term AdES validation on the strength of a document timestamp;
    else, as far as every signature is intact, valid and trusted: B-B, B-T (plus a valid
    signature timestamp), B-LT (plus validation data in the DSS that on its own, without a
    document timestamp, still validates the signature: not after it has expired)."""
    sigs = [e for e in entries if e.get("kind") == "signature"]
    if not sigs or any("error" in e for e in entries):
        return None
    if not all(e["coverage"] in WHOLE and e["modifications_allowed"] for e in entries):
        return None  # changed after signing beyond what the signature allows: no level at all
    if all(
        e["level"] == "B-LTA"
        and e["ades"].get("indication") == "PASSED"
        and e["ades"].get("poe_document_timestamp")
        for e in sigs
    ):
        return "B-LTA"
    if not all(e["intact"] and e["valid"] and e["trusted"] for e in sigs):
        return None
    level = "B-B"
    if all(
        e.get("timestamp") and e["timestamp"]["valid"] and e["timestamp"]["trusted"] for e in sigs
    ):
        level = "B-T"
        if all(
            e["level"] in ("B-LT", "B-LTA") and e["ades"].get("passes_without_poe") for e in sigs
        ):
            level = "B-LT"
    return level
