"""``renderer serve --dev``: the layouts' own files are live. Every studio request first looks
at the files under ``templates/``, ``renderer/locale/`` and ``samples/`` (their modification
times and sizes: a few hundred ``stat`` calls); what changed is loaded again, and only that:

- a layout's folder (``layout.toml``, template, CSS): that layout is read again and its
  stylesheet parsed again at the next render;
- ``templates/common/`` (shared CSS, macros, assets): every layout's stylesheets;
- a catalog (``renderer/locale/``): the catalogs, for every layout;
- a sample (``samples/<id>…``): that layout's sample sets and its pre-rendered layers.

The studio polls ``GET /v1/studio/{id}/changes`` for the layout's version (a digest of its
files, the same in every worker) and renders again when it moves. What is wrong in the files
(a template's syntax, a CSS declaration WeasyPrint ignores, ``layout.toml``, a catalog) is
reported with file, line and message, and a template that fails while rendering is a 422
naming the same, not a 500. Nothing of this is installed without ``--dev``."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import traceback
from pathlib import Path

import falcon
import jinja2

from ..catalogs import Catalogs
from ..compose import Composer
from ..http.problems import Problem
from ..paths import LOCALE_DIR, PROJECT_ROOT, SAMPLES_DIR, TEMPLATES_DIR
from ..pipeline import Pipeline
from ..registry import Layout, LayoutError

ALL = "*"  # problems that concern every layout (shared files, catalogs)
LINE = re.compile(r"at (\d+):\d+|line (\d+)")


def _shown(path: Path | str) -> str:
    """A path as the designer knows it: relative to the project (or to the templates)."""
    path = Path(path)
    for root in (PROJECT_ROOT, TEMPLATES_DIR.parent):
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return str(path)


def _problem(path, detail: str, line: int | None = None) -> dict:
    if line is None:
        match = LINE.search(detail)
        line = int(match.group(1) or match.group(2)) if match else None
    return {"file": _shown(path), "line": line, "detail": detail}


def _snapshot() -> dict[str, tuple[int, int]]:
    found = {}
    for root in (TEMPLATES_DIR, LOCALE_DIR, SAMPLES_DIR):
        for folder, _, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except FileNotFoundError:
                    continue
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class DevReload:
    def __init__(self, studio):
        self.studio = studio
        self.pipeline: Pipeline = studio.pipeline
        self._lock = threading.Lock()
        self._files = _snapshot()
        self._problems: dict[str, list[dict]] = {}

    # --- what the studio asks -----------------------------------------------------------------

    def version(self, layout_id: str) -> str:
        """A digest of every file the layout is made from, equal in every worker."""
        own = str(TEMPLATES_DIR / layout_id) + os.sep
        common = str(TEMPLATES_DIR / "common") + os.sep
        samples = str(SAMPLES_DIR / layout_id) + "."
        locale = str(LOCALE_DIR) + os.sep
        digest = hashlib.sha256()
        for path, stamp in sorted(self._files.items()):
            if (
                path.startswith((own, common, locale))
                or path.startswith(samples)
                and self._layout_of_sample(path) == layout_id
            ):
                digest.update(f"{path}\0{stamp}\n".encode())
        return digest.hexdigest()[:16]

    def problems(self, layout_id: str) -> list[dict]:
        return self._problems.get(layout_id, []) + self._problems.get(ALL, [])

    def check(self) -> None:
        """Load again what changed since the last look."""
        with self._lock:
            files = _snapshot()
            changed = {
                p for p in files.keys() | self._files.keys() if files.get(p) != self._files.get(p)
            }
            self._files = files
            if changed:
                self._apply(changed)

    def guard(self, layout, draw):
        """``draw`` with what breaks in the layout's own files answered as a 422 that names the
        file and line (a template error, a failing filter), instead of a 500."""

        def run():
            try:
                return draw()
            except jinja2.TemplateSyntaxError as exc:
                raise self._template_error(
                    layout,
                    [
                        _problem(
                            exc.filename or layout.template_name,
                            exc.message or str(exc),
                            exc.lineno,
                        )
                    ],
                ) from None
            except (
                jinja2.TemplateError,
                ArithmeticError,
                AttributeError,
                KeyError,
                TypeError,
                ValueError,
            ) as exc:
                if not isinstance(exc, jinja2.TemplateError) and not self._template_frames(exc):
                    raise  # not from the layout's own code: the request's errors keep their answers
                raise self._template_error(layout, [self._from_traceback(layout, exc)]) from None

        return run

    # --- reloading ----------------------------------------------------------------------------

    def _apply(self, changed: set[str]) -> None:
        layouts: set[str] = set()
        everything = catalogs = False
        for path in map(Path, changed):
            if path.is_relative_to(LOCALE_DIR):
                catalogs = True
            elif path.is_relative_to(SAMPLES_DIR):
                layout_id = self._layout_of_sample(str(path))
                if layout_id:
                    layouts.add(layout_id)
            elif path.is_relative_to(TEMPLATES_DIR):
                top = path.relative_to(TEMPLATES_DIR).parts[0]
                if (TEMPLATES_DIR / top / "layout.toml").is_file() or top in self.pipeline.registry:
                    layouts.add(top)
                else:
                    everything = True
        if catalogs:
            self._reload_catalogs()
        if everything or catalogs:
            self.pipeline.renderer.forget()
            layouts = set(self.pipeline.registry.ids()) | layouts
        for layout_id in sorted(layouts):
            self._reload_layout(layout_id)
        Pipeline._layer.cache_clear()  # pre-rendered layers are made from the layouts' files
        Pipeline.register_plan.cache_clear()  # and the registers' plans
        if everything or catalogs:
            self.studio.forget()

    def _reload_catalogs(self) -> None:
        try:
            catalogs = Catalogs()
        except Exception as exc:  # noqa: BLE001 - a broken catalog is the designer's to fix; the old one stays
            self._problems[ALL] = [self._catalog_problem(exc)]
            return
        self._problems.pop(ALL, None)
        self.pipeline.catalogs = catalogs
        self.pipeline.composer = Composer(catalogs)
        self.studio.renew()

    def _catalog_problem(self, exc: Exception) -> dict:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".po")]
        where = next(
            (Path(a) for a in getattr(exc, "args", ()) if isinstance(a, str) and a.endswith(".po")),
            LOCALE_DIR,
        )
        line = getattr(exc, "lineno", None) or (frames[-1].lineno if frames else None)
        return _problem(where, f"{type(exc).__name__}: {exc}", line)

    def _reload_layout(self, layout_id: str) -> None:
        directory = TEMPLATES_DIR / layout_id
        problems = []
        if (directory / "layout.toml").is_file():
            layout: Layout | None
            try:
                layout = self.pipeline.registry.reload(directory)
            except LayoutError as exc:
                problems.append(_problem(directory / "layout.toml", str(exc).split(": ", 1)[-1]))
                layout = (
                    self.pipeline.layout(layout_id) if layout_id in self.pipeline.registry else None
                )
            if layout is not None:
                problems += self._template_problems(layout) + self._css_problems(layout)
        self.pipeline.renderer.forget(layout_id)
        self.studio.forget(layout_id)
        if problems:
            self._problems[layout_id] = problems
        else:
            self._problems.pop(layout_id, None)

    def _template_problems(self, layout) -> list[dict]:
        try:
            self.studio.drafts.composer.env.get_template(layout.template_name)
        except jinja2.TemplateSyntaxError as exc:
            return [
                _problem(exc.filename or layout.template_name, exc.message or str(exc), exc.lineno)
            ]
        except jinja2.TemplateError as exc:
            return [_problem(layout.template_name, str(exc))]
        return []

    def _css_problems(self, layout) -> list[dict]:
        """What WeasyPrint ignores in the layout's stylesheet (it logs, it does not raise)."""
        handler = _Warnings()
        logger = logging.getLogger("weasyprint")
        level = logger.level
        logger.setLevel(logging.WARNING)  # the service's logging keeps WeasyPrint to errors
        logger.addHandler(handler)
        try:
            self.pipeline.renderer.forget(layout.id)
            self.pipeline.renderer.stylesheets(layout)
        except Exception as exc:  # noqa: BLE001 - an unreadable stylesheet is reported, not raised
            handler.messages.append(f"{type(exc).__name__}: {exc}")
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        return [_problem(layout.stylesheet, message) for message in handler.messages]

    def _layout_of_sample(self, path: str) -> str | None:
        name = Path(path).name
        matches = [i for i in self.pipeline.registry.ids() if name.startswith(i + ".")]
        return max(matches, key=len) if matches else None

    @staticmethod
    def _template_frames(exc: Exception) -> list:
        """The frames of the layouts' templates (Jinja2 names them by file and line)."""
        return [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if Path(f.filename).is_relative_to(TEMPLATES_DIR)
        ]

    def _from_traceback(self, layout, exc: Exception) -> dict:
        frames = self._template_frames(exc)
        if frames:
            return _problem(frames[-1].filename, f"{type(exc).__name__}: {exc}", frames[-1].lineno)
        return _problem(layout.directory / "template.html.j2", f"{type(exc).__name__}: {exc}", None)

    def _template_error(self, layout, problems: list[dict]) -> Problem:
        first = problems[0]
        where = f"{first['file']}" + (f", line {first['line']}" if first["line"] else "")
        return Problem(
            falcon.HTTP_422,
            "The layout's files have an error",
            f"{where}: {first['detail']}",
            [{"file": p["file"], "line": p["line"], "detail": p["detail"]} for p in problems],
        )
