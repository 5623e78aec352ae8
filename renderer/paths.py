"""Where the project's own assets live. The renderer reads nothing outside these roots.

``templates/``, ``fonts/`` and ``samples/`` are top-level folders of the repository; a wheel
carries them inside the package as ``renderer/_data/<name>/`` (see setup.py). A source
checkout or an editable install reads the repository's folders, an installed wheel its own
copy, so the renderer works from any directory either way.
``OBRAZCI_TEMPLATES_DIR`` names another templates folder (a designer's working copy; the
tests of ``renderer serve --dev`` edit a throw-away copy)."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def _shipped(name: str) -> Path:
    """The folder ``name`` as a wheel installs it, else the repository's."""
    installed = PACKAGE_DIR / "_data" / name
    return installed if installed.is_dir() else PROJECT_ROOT / name


TEMPLATES_DIR = Path(os.environ.get("OBRAZCI_TEMPLATES_DIR") or _shipped("templates")).resolve()
FONTS_DIR = _shipped("fonts")
SAMPLES_DIR = _shipped("samples")
LOCALE_DIR = PACKAGE_DIR / "locale"

#: Roots the WeasyPrint URL fetcher may serve files from.
ASSET_ROOTS = (TEMPLATES_DIR, FONTS_DIR)
