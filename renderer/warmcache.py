"""What ``Pipeline.warm()`` makes that can be kept on disk, so that a new process starts
warm without making it again: the cached layers (``Pipeline._layer``, e.g. the envelope's
pre-print), the registers' plans (``Pipeline.register_plan``: where the cells are) and the
compiled templates (Jinja2's bytecode).

Drawing the layers is most of what ``warm()`` costs (seconds, against milliseconds to read
them back); compiling the templates a fifth of the rest. Neither depends on a request,
only on the project's own files and the libraries that make them, so the files live in a
folder named by a digest of all of those: the templates, samples, fonts, the renderer's
code and catalogs, and the versions of WeasyPrint, pydyf, pikepdf, fontTools and PDFium.
Any change gives a new folder; a folder never holds what other code made. Each file is
written whole (a temporary file, then renamed), so a process killed mid-write leaves no
half file, and processes sharing the folder (the service's workers) read one another's.
Old folders are left in place (a few hundred kB each).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from jinja2 import FileSystemBytecodeCache

from .paths import FONTS_DIR, PROJECT_ROOT, SAMPLES_DIR, TEMPLATES_DIR

log = logging.getLogger("obrazci.warmcache")

CODE_DIR = PROJECT_ROOT / "renderer"  # the code and its catalogs (renderer/locale)
LIBRARIES = ("weasyprint", "pydyf", "pikepdf", "fonttools", "pypdfium2")


@functools.cache
def inputs_digest() -> str:
    """A digest of everything a layer is drawn from (files by path and content, libraries
    by version); computed once per process."""
    digest = hashlib.sha256()
    for root in (TEMPLATES_DIR, SAMPLES_DIR, FONTS_DIR, CODE_DIR):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(f"{root.name}/{path.relative_to(root)}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name}=={version}\0".encode())
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class StoredLayer:
    pdf: bytes
    pages: int


class WarmCache:
    """Layers and compiled templates on disk under ``root/warm-<digest>/``."""

    def __init__(self, root: Path):
        self.folder = Path(root) / f"warm-{inputs_digest()}"
        self._warned = False

    @property
    def cdefs(self) -> Path:
        """The folder of WeasyPrint's C declarations, parsed (``ffiload.py``)."""
        return self.folder / "cdefs"

    def templates(self) -> FileSystemBytecodeCache | None:
        """Jinja2's bytecode cache in the folder (it writes each file whole and checks the
        template's source and Python's version on reading), or None if it cannot be made."""
        folder = self.folder / "templates"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._warn(exc)
            return None
        return FileSystemBytecodeCache(str(folder))

    def _warn(self, exc: OSError) -> None:
        if not self._warned:
            self._warned = True
            log.warning("cannot keep what warm-up makes in %s: %s", self.folder, exc)

    @staticmethod
    def _name(
        layout_id: str,
        languages: tuple[str, ...],
        variant: str,
        bleed_mm: float,
        spots,
        edition: tuple[tuple[str, object], ...] = (),
    ) -> str:
        """The file name of a layer: its key, ``edition`` (the data fields the layer depends
        on, e.g. the envelope's size) as ``field=value`` with anything but word characters
        replaced."""
        name = f"{layout_id}.{'-'.join(languages)}.{variant}.bleed-{bleed_mm:g}"
        for field, value in edition:
            name += "." + re.sub(r"[^\w=-]", "_", f"{field}={value}")
        return name + (".spots" if spots else "")

    def complete(self) -> bool:
        """Whether ``renderer warm`` stored every layer here (``mark_complete``)."""
        return (self.folder / "complete").is_file()

    def mark_complete(self) -> None:
        try:
            write_whole(self.folder / "complete", b"")
        except OSError as exc:
            self._warn(exc)

    def holds(self, layout_id, languages, variant, bleed_mm, spots, edition=()) -> bool:
        """Whether a layer is stored (its meta file is written last, see ``store_layer``)."""
        name = self._name(layout_id, languages, variant, bleed_mm, spots, edition)
        return (self.folder / "layers" / f"{name}.json").is_file()

    def layer(
        self, layout_id, languages, variant, bleed_mm, spots, edition=()
    ) -> StoredLayer | None:
        """The stored layer, or None if there is none (or it cannot be read)."""
        name = self._name(layout_id, languages, variant, bleed_mm, spots, edition)
        folder = self.folder / "layers"
        try:
            meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            pdf = (folder / f"{name}.pdf").read_bytes()
        except (OSError, ValueError):
            return None
        if len(pdf) != meta.get("bytes") or not pdf.startswith(b"%PDF-"):
            return None  # never a file another version or a failed write left
        return StoredLayer(pdf, int(meta["pages"]))

    def store_layer(
        self, layout_id, languages, variant, bleed_mm, spots, layer: StoredLayer, edition=()
    ) -> None:
        """Store a layer; a folder that cannot be written only costs the next process the
        drawing (logged once per process)."""
        name = self._name(layout_id, languages, variant, bleed_mm, spots, edition)
        meta = {"pages": layer.pages, "bytes": len(layer.pdf)}
        folder = self.folder / "layers"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # the PDF first: a meta file names a PDF that is complete
            write_whole(folder / f"{name}.pdf", layer.pdf)
            write_whole(folder / f"{name}.json", json.dumps(meta).encode())
        except OSError as exc:
            self._warn(exc)

    def plan(self, layout_id: str, languages: tuple[str, ...]) -> dict | None:
        """A register's stored plan (``press.register.Plan`` as JSON), or None."""
        path = self.folder / "plans" / f"{layout_id}.{'-'.join(languages)}.json"
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return stored if isinstance(stored, dict) else None

    def store_plan(self, layout_id: str, languages: tuple[str, ...], plan: dict) -> None:
        folder = self.folder / "plans"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_whole(
                folder / f"{layout_id}.{'-'.join(languages)}.json", json.dumps(plan).encode()
            )
        except OSError as exc:
            self._warn(exc)


def write_whole(path: Path, data: bytes) -> None:
    """Write a file whole: a temporary file beside it, then renamed over it (a reader sees
    the old file or the new one, never half of one)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
