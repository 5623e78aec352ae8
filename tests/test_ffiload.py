"""renderer/ffiload.py: WeasyPrint's C declarations parsed once and read back, and its
libraries found from one ldconfig listing, in a fresh process each time (it must be
installed before WeasyPrint is imported)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from pycparser import c_parser

    from renderer import ffiload

    parsed = []
    original = c_parser.CParser.parse
    c_parser.CParser.parse = lambda self, text, *a, **k: parsed.append(text) or original(
        self, text, *a, **k
    )
    import ctypes.util
    import subprocess

    started = []
    popen = subprocess.Popen.__init__
    subprocess.Popen.__init__ = lambda self, args, *a, **k: started.append(args) or popen(
        self, args, *a, **k
    )
    ffiload.install(Path(sys.argv[1]))
    import weasyprint.text.ffi as ffi
    from weasyprint import HTML

    pdf = HTML(string="<p>Čšž ẞ</p>").write_pdf()
    rectangle = ffi.ffi.new("PangoRectangle *")
    looked_up = ffiload._ldconfig_listing.cache_info()
    restored = ctypes.util.find_library is ffiload._real_find_library
    print(len(parsed), len(pdf) > 1000, ffi.ffi.sizeof(rectangle[0]), len(started),
          looked_up.hits > 0, restored)
    """
)


def _probe(folder: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_second_process_parses_no_declaration_and_renders_the_same(tmp_path):
    first = _probe(tmp_path)
    # cffi still parses WeasyPrint's declarations through CParser.parse (else: upstream
    # changed, and the cache no longer does anything)
    assert int(first[0]) > 0 and first[1] == "True"
    # one ldconfig, no compiler: and cffi still asks find_library for WeasyPrint's names
    assert first[3:] == ["1", "True", "True"], first
    stored = list(tmp_path.rglob("*.pickle"))
    assert len(stored) >= 1 and all("pycparser-" in str(p.parent.name) for p in stored)
    second = _probe(tmp_path)
    assert second == ["0", "True", first[2], "1", "True", "True"]


def test_a_damaged_file_is_parsed_again(tmp_path):
    _probe(tmp_path)
    for stored in tmp_path.rglob("*.pickle"):
        stored.write_bytes(b"not a pickle")
    again = _probe(tmp_path)
    assert int(again[0]) > 0 and again[1] == "True"
    assert all(p.read_bytes() != b"not a pickle" for p in tmp_path.rglob("*.pickle"))
