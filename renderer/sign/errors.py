"""Our typed signing errors, and trust-service failures told apart by pyHanko's own types.

A signature asked at B-T or above needs a TSA, and from B-LT up the OCSP responders or CRLs
of the chain; when one of them fails the asked level cannot be reached, and the document is
not returned at a lower one. ``service_failure`` reads the chain of exceptions pyHanko
raised: a ``TimestampRequestError`` is the TSA's; a fetch error of pyhanko-certvalidator
(``OCSPFetchError``, ``CRLFetchError``, ``CertificateFetchError``) or a ``SigningError``
caused by a failed path validation (pyHanko's answer when, hard-failing, the revocation
data could not be had; the fetch errors behind it are kept by ``fetching``) is the OCSP/CRL
services'. Whether the service answered at all is aiohttp's distinction (pyHanko's HTTP
client): a connection error or a timeout is "unreachable" (503); a response that is not
what was asked for (``ClientResponseError``, ``ContentTypeError``, a refused or unreadable
answer) is a 502.
"""

from __future__ import annotations

from collections.abc import Sequence


class SigningConfigError(RuntimeError):
    """A signer profile cannot be loaded; the service must not start."""


class ServiceFailure(RuntimeError):
    """A trust service (TSA, OCSP/CRL) failed; the asked level cannot be reached."""

    def __init__(self, service: str, reason: str, unreachable: bool):
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.unreachable = unreachable


class NotAPdf(ValueError):
    """What was given to verify is not a readable PDF."""


def service_failure(
    exc: BaseException, fetch_failures: Sequence[BaseException] = ()
) -> ServiceFailure | None:
    """The trust service behind a signing failure, or None if none failed.
    ``fetch_failures`` are the OCSP/CRL fetch errors met while signing (``fetching``): a
    failed path validation does not carry them. (pyHanko's types are imported here, not
    with the module: the configuration's errors are needed before pyHanko is.)"""
    import aiohttp
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps import TimestampRequestError
    from pyhanko_certvalidator.errors import (
        CertificateFetchError,
        CRLFetchError,
        OCSPFetchError,
        PathBuildingError,
        PathValidationError,
    )

    revocation_fetch = (OCSPFetchError, CRLFetchError, CertificateFetchError)
    validation = (PathValidationError, PathBuildingError)
    no_answer = (aiohttp.ClientConnectionError, ConnectionError, TimeoutError)
    chain = _chain(exc)
    if any(isinstance(c, TimestampRequestError) for c in chain):
        service, evidence = "TSA", chain
    elif any(isinstance(c, revocation_fetch) for c in chain):
        service, evidence = "OCSP/CRL", chain
    elif any(isinstance(c, SigningError) and isinstance(c.__cause__, validation) for c in chain):
        service = "OCSP/CRL"
        evidence = [c for failure in fetch_failures for c in _chain(failure)] or chain
    else:
        return None
    answered = any(isinstance(c, aiohttp.ClientResponseError) for c in evidence)
    unreachable = not answered and any(isinstance(c, no_answer) for c in evidence)
    told = chain if evidence is chain else [*evidence, *chain]
    reason = " ".join(f"{type(c).__name__}: {c}" for c in told)
    return ServiceFailure(service, reason[:300], unreachable)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it, outermost first."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain
