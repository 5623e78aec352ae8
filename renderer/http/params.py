"""Query parameters shared by the render endpoints, validated into a RenderOptions spec."""

from __future__ import annotations

import falcon

from ..options import FORMATS, LANGUAGE_SETS, OptionError, RenderOptions
from .problems import bad_parameter


def render_options(req: falcon.Request) -> RenderOptions:
    """format, dpi, variant and marks; whether the layout offers the variant is checked later."""
    fmt = req.get_param("format") or "pdf"
    if fmt not in FORMATS:
        raise bad_parameter("format", f"must be one of {', '.join(FORMATS)}")
    dpi_text = req.get_param("dpi")
    dpi = RenderOptions.dpi
    if dpi_text is not None:
        if (
            not dpi_text.isdigit()
            or not RenderOptions.MIN_DPI <= int(dpi_text) <= RenderOptions.MAX_DPI
        ):
            raise bad_parameter(
                "dpi",
                f"must be a whole number from {RenderOptions.MIN_DPI} to {RenderOptions.MAX_DPI}",
            )
        dpi = int(dpi_text)
        if fmt != "png":
            raise bad_parameter("dpi", "applies only to format=png")
    try:
        return RenderOptions(fmt, dpi, req.get_param("variant"), req.get_param("marks"))
    except OptionError as exc:  # e.g. marks with png
        raise bad_parameter(exc.parameter, exc.reason) from None


def languages(req: falcon.Request) -> tuple[str, ...]:
    text = req.get_param("languages") or "sl"
    value = tuple(part.strip() for part in text.split(","))
    if value not in LANGUAGE_SETS:
        raise bad_parameter("languages", "must be sl, sl,it or sl,hu")
    return value
