"""Revocation fetching that keeps the fetch errors of one signature.

Hard-failing, pyhanko-certvalidator turns an OCSP or CRL fetch that failed into a failed
path validation and pyHanko into a ``SigningError``: the fetch error, and with it whether
the responder answered at all, is not in that exception's chain. This backend (pyhanko-
certvalidator's public ``FetcherBackend`` API, around its own aiohttp backend) hands the
fetchers' ``OCSPFetchError``/``CRLFetchError`` to a list as they happen, so that
``errors.service_failure`` can tell an unreachable responder (503) from one that answered
nonsense (502).
"""

from __future__ import annotations

from collections.abc import Iterable

from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import CRLFetcher, FetcherBackend, Fetchers, OCSPFetcher


class RecordingFetcherBackend(FetcherBackend):
    def __init__(self, failures: list[Exception]):
        self.failures = failures
        self._inner = AIOHttpFetcherBackend()

    def get_fetchers(self) -> Fetchers:
        inner = self._inner.get_fetchers()
        return Fetchers(
            ocsp_fetcher=_RecordingOCSPFetcher(inner.ocsp_fetcher, self.failures),
            crl_fetcher=_RecordingCRLFetcher(inner.crl_fetcher, self.failures),
            cert_fetcher=inner.cert_fetcher,
        )

    async def close(self) -> None:
        await self._inner.close()


class _RecordingOCSPFetcher(OCSPFetcher):
    def __init__(self, inner: OCSPFetcher, failures: list[Exception]):
        self._inner = inner
        self._failures = failures

    async def fetch(self, cert, authority):
        try:
            return await self._inner.fetch(cert, authority)
        except OCSPFetchError as exc:
            self._failures.append(exc)
            raise

    def fetched_responses(self) -> Iterable:
        return self._inner.fetched_responses()

    def fetched_responses_for_cert(self, cert) -> Iterable:
        return self._inner.fetched_responses_for_cert(cert)


class _RecordingCRLFetcher(CRLFetcher):
    def __init__(self, inner: CRLFetcher, failures: list[Exception]):
        self._inner = inner
        self._failures = failures

    async def fetch(self, cert, *, use_deltas=None):
        try:
            return await self._inner.fetch(cert, use_deltas=use_deltas)
        except CRLFetchError as exc:
            self._failures.append(exc)
            raise

    def fetched_crls(self) -> Iterable:
        return self._inner.fetched_crls()

    def fetched_crls_for_cert(self, cert) -> Iterable:
        return self._inner.fetched_crls_for_cert(cert)
