"""WeasyPrint's C declarations parsed once, not in every process.

WeasyPrint reaches Pango, HarfBuzz and Fontconfig through cffi in ABI mode: importing it
hands cffi about 460 lines of C declarations, which cffi parses with pycparser, and every
new C type a render names (``ffi.new("PangoRectangle *")``) is parsed again together with a
typedef for each type known so far. That is about a third of a second at import and a fifth
at the first render, in every process: the service's master, each batch worker, the CLI.

``install(folder)`` keeps what pycparser makes of each source text (a tree of plain nodes)
in ``folder``, named by a digest of the text and the versions of pycparser and cffi, and
reads it back instead of parsing. It wraps ``pycparser.c_parser.CParser.parse``, the public
method cffi calls; it must run before WeasyPrint is imported, and a process that never
installs it parses as before. The folder is the warm cache's (``warmcache.py``): the
service's own, which already holds compiled templates it executes. A file that cannot be
read back is parsed again; files are written whole. ``tests/test_cdefcache.py`` fails when
cffi no longer parses WeasyPrint's declarations through this method.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from importlib import metadata
from pathlib import Path

log = logging.getLogger("obrazci.cdefcache")

_installed: Path | None = None


def install(folder: Path) -> None:
    """Parse C declarations through the cache in ``folder`` from now on (once per process)."""
    global _installed
    if _installed is not None:
        return
    from pycparser import c_parser

    versions = f"pycparser-{metadata.version('pycparser')}-cffi-{metadata.version('cffi')}"
    _installed = Path(folder) / versions
    parse = c_parser.CParser.parse

    def cached_parse(self, text, filename="", debug=False):
        if filename or debug or not isinstance(text, str):
            return parse(self, text, filename, debug)
        assert _installed is not None
        path = _installed / f"{hashlib.sha256(text.encode()).hexdigest()}.pickle"
        try:
            return pickle.loads(path.read_bytes())
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 - whatever a damaged file raises, it is parsed again
            log.debug("parsing again what %s held: %s", path, exc)
        tree = parse(self, text)
        _store(path, tree)
        return tree

    c_parser.CParser.parse = cached_parse


def _store(path: Path, tree) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        log.debug("cannot keep a parsed C declaration in %s: %s", path.parent, exc)
        return
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(tree, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError as exc:
        log.debug("cannot keep a parsed C declaration in %s: %s", path.parent, exc)
        Path(temporary).unlink(missing_ok=True)
