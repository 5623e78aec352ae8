"""Where the project's own assets live. The renderer reads nothing outside these roots."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
FONTS_DIR = PROJECT_ROOT / "fonts"
SAMPLES_DIR = PROJECT_ROOT / "samples"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: Roots the WeasyPrint URL fetcher may serve files from.
ASSET_ROOTS = (TEMPLATES_DIR, FONTS_DIR)
