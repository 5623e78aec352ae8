"""Signing over HTTP: sign-on-render options, POST /v1/sign and POST /v1/verify."""

from __future__ import annotations

import falcon

from ..signing import LEVELS, ServiceFailure, SigningService
from ..verify import NotAPdf, verify_pdf
from .problems import Problem, bad_parameter

MAX_PDF_BYTES = 32 * 1024 * 1024


def signing_request(req: falcon.Request, signing: SigningService) -> tuple[str, str] | None:
    """(profile, level) if the request asks for a signature, after checking the caller's
    API key (X-API-Key) may use that profile; None if no signature is asked for."""
    profile = req.get_param("sign")
    if profile is None:
        return None
    if profile not in signing.loaded:
        raise bad_parameter("sign", f"no signer profile {profile!r}")
    level = req.get_param("level") or "B-B"
    if level not in LEVELS:
        raise bad_parameter("level", f"must be one of {', '.join(LEVELS)}")
    verdict = signing.config.authorise(req.get_header("X-API-Key"), profile)
    if verdict == "unauthenticated":
        raise Problem(falcon.HTTP_401, "API key required", "signing needs a valid X-API-Key header")
    if verdict == "forbidden":
        raise Problem(falcon.HTTP_403, "Not allowed", f"this API key may not sign with the profile {profile!r}")
    return profile, level


def sign_or_fail(signing: SigningService, pdf: bytes, profile: str, level: str) -> bytes:
    try:
        return signing.sign(pdf, profile, level)
    except ServiceFailure as exc:
        status = falcon.HTTP_503 if exc.unreachable else falcon.HTTP_502
        problem = Problem(status, f"{exc.service} failed", f"{exc.service}: {exc.reason}; the document was not signed at {level}")
        problem.errors = [{"service": exc.service, "detail": exc.reason}]
        raise problem from None


def read_pdf(req: falcon.Request) -> bytes:
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/pdf":
        raise Problem(falcon.HTTP_415, "Unsupported media type", "the body must be application/pdf")
    if req.content_length is not None and req.content_length > MAX_PDF_BYTES:
        raise Problem(falcon.HTTP_413, "Request body too large", f"the limit is {MAX_PDF_BYTES} bytes")
    data = req.bounded_stream.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        raise Problem(falcon.HTTP_413, "Request body too large", f"the limit is {MAX_PDF_BYTES} bytes")
    if not data.startswith(b"%PDF-"):
        raise Problem(falcon.HTTP_422, "Not a PDF", "the body does not start with %PDF-",
                      [{"pointer": "", "detail": "not a PDF file"}])
    return data


class SignResource:
    def __init__(self, signing: SigningService):
        self.signing = signing

    def on_post(self, req, resp):
        asked = signing_request(req, self.signing)
        if asked is None:
            raise bad_parameter("sign", "name the signer profile: ?sign=PROFILE&level=B-B|B-T|B-LT|B-LTA")
        pdf = read_pdf(req)
        try:
            signed = sign_or_fail(self.signing, pdf, *asked)
        except (ValueError, KeyError, TypeError) as exc:
            raise Problem(falcon.HTTP_422, "Cannot sign this PDF", f"{type(exc).__name__}: {exc}"[:300]) from None
        resp.content_type = "application/pdf"
        resp.data = signed
        resp.set_header("Content-Disposition", 'inline; filename="signed.pdf"')


class VerifyResource:
    def __init__(self, signing: SigningService):
        self.signing = signing

    def on_post(self, req, resp):
        pdf = read_pdf(req)
        try:
            resp.media = verify_pdf(pdf, self.signing.trust_roots)
        except NotAPdf as exc:
            raise Problem(falcon.HTTP_422, "Not a readable PDF", str(exc), [{"pointer": "", "detail": str(exc)}]) from None
