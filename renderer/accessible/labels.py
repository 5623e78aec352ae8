"""The words a tagged PDF gives assistive technology, in one language, from the catalogs.

They are written in ``templates/common/accessible.j2`` (so the catalogs' extraction and
their completeness test see them like every text a template prints) and read from it here
once per language.
"""

from __future__ import annotations

import functools

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..catalogs import Catalogs
from ..paths import TEMPLATES_DIR

TEMPLATE = "common/accessible.j2"


@functools.cache
def _catalogs() -> Catalogs:
    return Catalogs()


@functools.cache
def labels(lang: str) -> dict[str, str]:
    """``{"blank": "(prazno)", "struck": …, "signature": …, "timestamp": …, "scan_page": …}``
    in ``lang``; ``scan_page`` has a ``%(page)s`` placeholder."""
    catalogs = _catalogs()
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), undefined=StrictUndefined)
    module = env.get_template(TEMPLATE).make_module(
        {"_": functools.partial(catalogs.gettext, lang)}
    )
    return dict(module.__dict__["labels"])  # the template's top-level {% set labels %}
