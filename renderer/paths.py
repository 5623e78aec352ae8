"""Where the project's own assets live. The renderer reads nothing outside these roots.
``OBRAZCI_TEMPLATES_DIR`` names another templates folder (a designer's working copy; the
tests of ``renderer serve --dev`` edit a throw-away copy)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = Path(
    os.environ.get("OBRAZCI_TEMPLATES_DIR") or PROJECT_ROOT / "templates"
).resolve()
FONTS_DIR = PROJECT_ROOT / "fonts"
SAMPLES_DIR = PROJECT_ROOT / "samples"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: Roots the WeasyPrint URL fetcher may serve files from.
ASSET_ROOTS = (TEMPLATES_DIR, FONTS_DIR)
