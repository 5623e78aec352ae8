"""Shared by the benchmarks: timing, and a layout's composed HTML made self-contained so that
plain WeasyPrint can render it as a baseline in the same run."""

from __future__ import annotations

import statistics
import time

from renderer.render import BASE_CSS


def median_ms(fn, repeat: int) -> float:
    """Median wall time of ``fn`` in ms, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def standalone_html(pipeline, layout, composition, height_mm: float | None = None) -> str:
    """The composed HTML with fonts, base, page size and the layout's CSS inlined; the page
    ``height_mm`` tall if given (a layout whose height follows its content), else the
    layout's height (or its tallest)."""
    height = height_mm or layout.page.height_mm or layout.page.max_height_mm
    css = "\n".join(
        [
            pipeline.renderer.fonts.css(),
            BASE_CSS.read_text(encoding="utf-8"),
            f"@page {{ size: {layout.page.width_mm}mm {height}mm; margin: 0; }}",
            pipeline.renderer.own_css(layout),
        ]
    )
    return composition.html.replace("</head>", f"<style>{css}</style></head>", 1)
