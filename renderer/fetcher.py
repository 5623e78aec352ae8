"""The only way WeasyPrint can load anything: files under the project's asset roots.

No network, no ``data:`` URLs, no ``file:`` outside ``templates/`` and ``fonts/``. Every
refusal is counted and logged, so tests can prove that nothing was fetched.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .paths import ASSET_ROOTS

log = logging.getLogger(__name__)


class RefusedURL(ValueError):
    pass


class AssetFetcher(URLFetcher):
    def __init__(self, roots=ASSET_ROOTS):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.refused = 0

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused {url[:200]!r}: only the project's own assets are served")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise RefusedURL(f"refused {url[:200]!r}: not one of the project's assets")
        return path

    def fetch(self, url, headers=None):
        try:
            path = self.resolve(url)
        except RefusedURL as exc:
            self.refused += 1
            log.warning("%s", exc)
            raise
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": media_type})
