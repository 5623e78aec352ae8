"""WeasyPrint's native bindings loaded in a tenth of the time: their C declarations parsed
once, not in every process, and their libraries found without starting a compiler.

WeasyPrint reaches Pango, HarfBuzz and Fontconfig through cffi in ABI mode, and loading
that costs about half a second in every process (the service's master, each batch worker,
the CLI), for two reasons:

- **Parsing.** Importing it hands cffi about 460 lines of C declarations, which cffi parses
  with pycparser, and every new C type a render names (``ffi.new("PangoRectangle *")``) is
  parsed again together with a typedef for each type known so far. ``install(folder)``
  keeps what pycparser makes of each source text (a tree of plain nodes) in ``folder``,
  named by a digest of the text and the versions of pycparser and cffi, and reads it back
  instead of parsing: it wraps ``pycparser.c_parser.CParser.parse``, the public method cffi
  calls. The folder is the warm cache's (``warmcache.py``): the service's own, which
  already holds compiled templates it executes. A file that cannot be read back is parsed
  again; files are written whole.
- **Finding the libraries.** WeasyPrint tries several names for each of its seven
  libraries (Windows and macOS ones first); for every name dlopen cannot load as it is,
  cffi asks ``ctypes.util.find_library``, which runs ``ldconfig -p`` and, when that does
  not know the name, gcc and ld: about 50 processes. While WeasyPrint's bindings load,
  ``find_library`` reads ``ldconfig -p`` once and answers from it as ctypes would, without
  the compiler fallbacks (those find libraries ldconfig does not know, which dlopen then
  could not load by the names WeasyPrint gives anyway); it is ctypes' own afterwards.

``install`` must run before WeasyPrint is imported (it imports WeasyPrint's bindings
itself); a process that never calls it loads them as before. ``tests/test_ffiload.py``
fails when cffi no longer parses WeasyPrint's declarations through ``CParser.parse`` or no
longer looks its libraries up through ``find_library``.
"""

from __future__ import annotations

import ctypes.util
import functools
import hashlib
import logging
import os
import pickle
import re
import struct
import subprocess
from importlib import metadata
from pathlib import Path

from .warmcache import write_whole

log = logging.getLogger("obrazci.ffiload")

#: ldconfig's name for this process's ABI, as ctypes.util matches it
_ABIS = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}

_installed: Path | None = None
_real_find_library = ctypes.util.find_library


def install(folder: Path) -> None:
    """Parse C declarations through the cache in ``folder`` from now on, and load
    WeasyPrint's bindings (once per process)."""
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
    ctypes.util.find_library = _find_library_in_ldconfig
    try:
        import weasyprint.text.ffi  # noqa: F401 - its libraries found here
    finally:
        ctypes.util.find_library = _real_find_library


@functools.cache
def _ldconfig_listing() -> bytes | None:
    try:
        return subprocess.run(
            ["/sbin/ldconfig", "-p"],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env={"LC_ALL": "C", "LANG": "C"},
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def _find_library_in_ldconfig(name: str) -> str | None:
    """``ctypes.util.find_library`` from one ``ldconfig -p`` listing (ctypes' own, compiler
    fallbacks included, where there is no ldconfig)."""
    listing = _ldconfig_listing()
    if listing is None:
        return _real_find_library(name)
    bits = "-32" if struct.calcsize("l") == 4 else "-64"
    abi = _ABIS.get(os.uname().machine + bits, "libc6")
    found = re.search(
        os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"),
        listing,
    )
    return os.fsdecode(found.group(1)) if found else None


def _store(path: Path, tree) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        log.debug("cannot keep a parsed C declaration in %s: %s", path.parent, exc)
