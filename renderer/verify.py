"""Verify: a JSON report on every signature and document timestamp of a PDF (pyHanko),
against the configured trust roots, offline (no fetching: what the file carries counts)."""

from __future__ import annotations

import re
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext


class NotAPdf(ValueError):
    pass


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


def verify_pdf(pdf_bytes: bytes, trust_roots) -> dict:
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:
        raise NotAPdf(f"not a readable PDF ({type(exc).__name__})") from None
    context = lambda: ValidationContext(trust_roots=list(trust_roots), allow_fetching=False,  # noqa: E731
                                        revocation_mode="soft-fail")
    entries = []
    for sig in signatures:
        is_timestamp = sig.sig_object.get("/Type") == "/DocTimeStamp"
        try:
            if is_timestamp:
                status = validate_pdf_timestamp(sig, validation_context=context())
            else:
                status = validate_pdf_signature(sig, signer_validation_context=context(),
                                                ts_validation_context=context())
        except Exception as exc:
            entries.append({"field": sig.field_name, "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        entry = {
            "field": sig.field_name,
            "kind": "document-timestamp" if is_timestamp else "signature",
            "intact": status.intact,
            "valid": status.valid,
            "trusted": status.trusted,
            "coverage": status.coverage.name if status.coverage else None,
            "modifications": status.modification_level.name if status.modification_level else None,
            "signer": status.signing_cert.subject.human_friendly if status.signing_cert else None,
        }
        if not is_timestamp:
            ts = status.timestamp_validity
            entry.update({
                "claimed_signing_time": _time(getattr(status, "signer_reported_dt", None)),
                "timestamp": None if ts is None else {
                    "time": _time(ts.timestamp), "intact": ts.intact, "valid": ts.valid, "trusted": ts.trusted},
            })
        else:
            entry["time"] = _time(status.timestamp)
        entries.append(entry)
    dss = reader.root.get("/DSS")
    dss = dss.get_object() if dss is not None else None
    has_revocation = bool(dss) and any(k in dss for k in ("/OCSPs", "/CRLs"))
    return {
        "pdfa": _pdfa_claim(reader),
        "signatures": entries,
        "level": _level(entries, has_revocation),
    }


def _level(entries: list[dict], has_revocation: bool) -> str | None:
    """The PAdES baseline level the file reaches as read here: B-B (a valid, trusted
    signature), B-T (plus a valid signature timestamp), B-LT (plus revocation data in the
    DSS), B-LTA (plus a later, valid document timestamp)."""
    sigs = [e for e in entries if e.get("kind") == "signature"]
    if not sigs or not all(e["intact"] and e["valid"] and e["trusted"] for e in sigs):
        return None
    level = "B-B"
    if all(e.get("timestamp") and e["timestamp"]["valid"] and e["timestamp"]["trusted"] for e in sigs):
        level = "B-T"
        if has_revocation:
            level = "B-LT"
            stamps = [e for e in entries if e.get("kind") == "document-timestamp"]
            if stamps and all(e["intact"] and e["valid"] and e["trusted"] for e in stamps):
                level = "B-LTA"
    return level
