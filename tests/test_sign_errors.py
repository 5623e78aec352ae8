"""Trust-service failures are told apart by pyHanko's exception types, not by their words."""

import aiohttp
import pytest
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator.errors import (
    CRLFetchError,
    InsufficientRevinfoError,
    OCSPFetchError,
    PathBuildingError,
)

from renderer.sign.errors import service_failure

URL = "http://127.0.0.1:9/tsa"


def raised(*chain: BaseException) -> BaseException:
    """The outermost exception, each raised ``from`` the next as pyHanko does."""
    inner: BaseException | None = None
    for exc in reversed(chain):
        try:
            raise exc from inner
        except BaseException as caught:  # noqa: B036 - building the chain
            inner = caught
    assert inner is not None
    return inner


def response_error(cls=aiohttp.ClientResponseError) -> aiohttp.ClientResponseError:
    info = aiohttp.RequestInfo(URL, "POST", {}, URL)  # type: ignore[arg-type]
    return cls(info, (), status=404, message="Not Found")


def revinfo_error(message: str) -> InsufficientRevinfoError:
    """pyhanko-certvalidator's error without the validation state it is normally made from."""
    exc = InsufficientRevinfoError.__new__(InsufficientRevinfoError)
    Exception.__init__(exc, message)
    return exc


@pytest.mark.parametrize(
    "chain, service, unreachable",
    [
        # the TSA: pyHanko's HTTPTimeStamper wraps aiohttp's error in TimestampRequestError
        (
            [TimestampRequestError("contacting"), aiohttp.ClientConnectionError("refused")],
            "TSA",
            True,
        ),
        ([TimestampRequestError("contacting"), aiohttp.ServerTimeoutError("slow")], "TSA", True),
        ([TimestampRequestError("contacting"), response_error()], "TSA", False),
        (
            [TimestampRequestError("contacting"), response_error(aiohttp.ContentTypeError)],
            "TSA",
            False,
        ),
        ([TimestampRequestError("refused our request: statusString")], "TSA", False),
        # revocation data: a fetch error, or a SigningError over a failed path validation
        ([OCSPFetchError("fetch"), aiohttp.ClientConnectionError("refused")], "OCSP/CRL", True),
        ([CRLFetchError("fetch"), response_error()], "OCSP/CRL", False),
        (
            [SigningError("not validated"), revinfo_error("no revinfo")],
            "OCSP/CRL",
            False,
        ),
        ([SigningError("not validated"), PathBuildingError("no path")], "OCSP/CRL", False),
    ],
)
def test_the_service_and_whether_it_answered(chain, service, unreachable):
    failure = service_failure(raised(*chain))
    assert failure is not None
    assert (failure.service, failure.unreachable) == (service, unreachable)
    assert type(chain[0]).__name__ in failure.reason


@pytest.mark.parametrize(
    "exc",
    [
        # the words of a trust service in errors that are not one (a substring match took them)
        ValueError("the timestamp field /M is malformed"),
        KeyError("/Timestamp"),
        ValueError("OCSP responder URL in the certificate"),
        # a document pyHanko will not sign is not a trust service's failure
        SigningError("Author signature forbids all changes"),
        raised(SigningError("cannot sign"), ValueError("validation of the field")),
    ],
)
def test_other_errors_are_not_trust_service_failures(exc):
    assert service_failure(exc) is None


def test_a_failed_validation_is_judged_by_the_fetch_errors_behind_it():
    """pyHanko's SigningError over a failed path validation does not carry the OCSP fetch
    error; the ones met while signing (renderer.sign.fetching) say whether it answered."""
    failed = raised(SigningError("not validated"), revinfo_error("no revinfo"))
    refused = raised(OCSPFetchError("Failed to fetch OCSP"), aiohttp.ClientConnectionError("x"))
    nonsense = raised(OCSPFetchError("Failed to fetch OCSP"), response_error())
    assert service_failure(failed).unreachable is False
    down = service_failure(failed, [refused])
    assert (down.service, down.unreachable) == ("OCSP/CRL", True)
    assert down.reason.startswith("OCSPFetchError: Failed to fetch OCSP")
    assert service_failure(failed, [refused, nonsense]).unreachable is False
