"""Signing over HTTP: sign-on-render options, POST /v1/sign and POST /v1/verify."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

import falcon

from .. import metrics
from ..options import RenderOptions
from ..sign.config import LEVELS, VisibleStamp
from ..sign.errors import NotAPdf, ServiceFailure
from ..sign.service import SigningService
from ..units import MM_PER_PT
from ..uploads import check_cost, check_pdf
from .capacity import render_slot
from .problems import Problem, bad_parameter
from .readers import read_pdf


@dataclass(frozen=True)
class SigningAsk:
    profile: str
    level: str
    stamp_at: tuple[int, float, float] | None  # (page index, x mm, y mm) of a visible signature


def signing_request(
    req: falcon.Request, signing: SigningService, always: bool = False
) -> SigningAsk | None:
    """What the request asks to sign, after checking the caller's API key (X-API-Key) may use
    that profile; None if no signature is asked for. A layout that is ``always`` signed uses
    the default profile and level when the request names none (and signing is configured)."""
    profile = req.get_param("sign")
    default = always and profile is None and signing.config.default_profile is not None
    if default:
        profile = signing.config.default_profile
    if profile is None:
        for name in ("level", "stamp", "stamp_page"):  # said, not silently ignored
            if req.get_param(name) is not None:
                raise bad_parameter(name, "applies only when signing: give sign=PROFILE")
        return None
    if profile not in signing.loaded:
        raise bad_parameter("sign", f"no signer profile {profile!r}")
    level = req.get_param("level") or (signing.config.default_level if default else "B-B")
    if level not in LEVELS:
        raise bad_parameter("level", f"must be one of {', '.join(LEVELS)}")
    if (
        level != "B-B" and not signing.loaded[profile].profile.tsa_url
    ):  # the service's set-up, not a failing TSA
        detail = f"the profile {profile!r} has no TSA configured (tsa_url); it signs at B-B only"
        raise Problem(
            falcon.HTTP_409,
            "Level not available",
            detail,
            [{"parameter": "level", "detail": detail}],
        )
    verdict = signing.config.authorise(req.get_header("X-API-Key"), profile)
    if verdict == "unauthenticated":
        raise Problem(falcon.HTTP_401, "API key required", "signing needs a valid X-API-Key header")
    if verdict == "forbidden":
        raise Problem(
            falcon.HTTP_403,
            "Not allowed",
            f"this API key may not sign with the profile {profile!r}",
        )
    return SigningAsk(profile, level, _stamp_at(req))


def _stamp_at(req: falcon.Request) -> tuple[int, float, float] | None:
    """``stamp=X,Y`` (mm from the page's top left) and ``stamp_page=N`` (1-based) ask for a
    visible signature."""
    where = req.get_param("stamp")
    if where is None:
        return None
    try:
        x, y = (float(v) for v in where.split(","))
        page = int(req.get_param("stamp_page") or 1)
    except ValueError:
        raise bad_parameter(
            "stamp", "give the stamp's position as X,Y in mm, e.g. stamp=130,250"
        ) from None
    if not (0 <= x <= 2000 and 0 <= y <= 2000 and page >= 1):
        raise bad_parameter("stamp", "the position must lie on the page")
    return page - 1, x, y


def visible_stamp(
    pipeline, signing: SigningService, ask: SigningAsk, pdf: bytes
) -> VisibleStamp | None:
    """Render the signature's appearance (the layout marked ``signature_appearance`` in its
    layout.toml: signature.stamp) for a visible signature."""
    if ask.stamp_at is None:
        return None
    page, x, y = ask.stamp_at
    pages, width, height = _page_sizes(pdf)
    stamp_layout = pipeline.registry.signature_appearance()
    if page >= pages:
        raise bad_parameter("stamp_page", f"the document has {pages} page(s)")
    if (
        x + stamp_layout.page.width_mm > width[page] + 0.01
        or y + stamp_layout.page.height_mm > height[page] + 0.01
    ):
        raise bad_parameter(
            "stamp",
            f"a {stamp_layout.page.width_mm:g} x {stamp_layout.page.height_mm:g} mm stamp "
            f"at {x:g},{y:g} does not fit the {width[page]:.0f} x {height[page]:.0f} mm page",
        )
    profile = signing.loaded[ask.profile].profile
    data = {
        "signer": signing.signer_name(ask.profile),
        "signed_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "reason": profile.reason,
        "verify_url": profile.verify_url,
    }
    rendered = pipeline.render(
        stamp_layout.id, {"languages": ["sl"], "data": data}, RenderOptions("pdfa-1b")
    )
    return VisibleStamp(rendered.content, page, x, y)


def _page_sizes(pdf: bytes):
    import pikepdf

    try:
        with pikepdf.open(BytesIO(pdf)) as doc:
            boxes = [[float(v) for v in p.MediaBox] for p in doc.pages]
    except pikepdf.PdfError:
        raise Problem(falcon.HTTP_422, "Not a readable PDF", "the PDF cannot be parsed") from None
    return (
        len(boxes),
        [(b[2] - b[0]) * MM_PER_PT for b in boxes],
        [(b[3] - b[1]) * MM_PER_PT for b in boxes],
    )


def sign_or_fail(pipeline, signing: SigningService, pdf: bytes, ask: SigningAsk) -> bytes:
    stamp = visible_stamp(pipeline, signing, ask, pdf)
    level = ask.level
    try:
        with metrics.SIGN_SECONDS.labels(level).time():
            return signing.sign(pdf, ask.profile, level, stamp)
    except ServiceFailure as exc:
        metrics.SIGNING_FAILURES.labels(exc.service).inc()
        status = falcon.HTTP_503 if exc.unreachable else falcon.HTTP_502
        problem = Problem(
            status,
            f"{exc.service} failed",
            f"{exc.service}: {exc.reason}; the document was not signed at {level}",
        )
        problem.errors = [{"service": exc.service, "detail": exc.reason}]
        raise problem from None


class SignResource:
    def __init__(self, pipeline, signing: SigningService):
        self.pipeline = pipeline
        self.signing = signing

    def on_post(self, req, resp):
        asked = signing_request(req, self.signing)
        if asked is None:
            raise bad_parameter(
                "sign", "name the signer profile: ?sign=PROFILE&level=B-B|B-T|B-LT|B-LTA"
            )
        pdf = read_pdf(req, self.pipeline.limits)
        with render_slot():
            # the checks of every upload; a file with active content is not signed as it is
            check_pdf(pdf, "document", self.pipeline.limits, refuse_active=True)
            signed = self._sign(pdf, asked)
        resp.content_type = "application/pdf"
        resp.data = signed
        resp.set_header("Content-Disposition", 'inline; filename="signed.pdf"')

    def _sign(self, pdf: bytes, asked: SigningAsk) -> bytes:
        """A checked PDF signed; one whose structure pyHanko cannot work with is a 422."""
        try:
            return sign_or_fail(self.pipeline, self.signing, pdf, asked)
        except (ValueError, KeyError, TypeError) as exc:
            detail = f"{type(exc).__name__}: {exc}"[:300]
            raise Problem(
                falcon.HTTP_422, "Cannot sign this PDF", detail, [{"pointer": "", "detail": detail}]
            ) from None


class VerifyResource:
    def __init__(self, signing: SigningService):
        self.signing = signing

    def on_post(self, req, resp):
        from ..sign.verify import verify_pdf  # pyHanko: loaded at the first use (sign/service.py)

        at = _validation_time(req)
        pdf = read_pdf(req)
        try:
            with render_slot():
                check_cost(pdf)
                resp.media = verify_pdf(
                    pdf, self.signing.trust_roots, self.signing.trusted_tsa, at=at
                )
        except NotAPdf as exc:
            raise Problem(
                falcon.HTTP_422,
                "Not a readable PDF",
                str(exc),
                [{"pointer": "", "detail": str(exc)}],
            ) from None


def _validation_time(req: falcon.Request) -> datetime | None:
    """``at``: validate as of this moment instead of now (ISO 8601 with a time zone), e.g.
    to see what a verifier will make of the file once its revocation data has expired."""
    value = req.get_param("at")
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(
            value.strip().replace(" ", "+")
        )  # an unencoded '+' arrives as a space
    except ValueError:
        raise bad_parameter(
            "at", "give the validation time in ISO 8601, e.g. 2030-01-01T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise bad_parameter(
            "at", "the validation time needs a time zone, e.g. 2030-01-01T00:00:00Z"
        )
    return moment
