"""What tagging costs: the warm pipeline rendering a layout untagged (format=pdf and
pdfa-2b, the baselines, same run) against tagged (pdfua-1 and pdfa-2a: WeasyPrint's
structure tree, the finisher's additions and the Matterhorn checks it runs), in sl and
sl+it. Prints median ms, file size, and the ratios tagged / untagged; then the checks alone
(``renderer.accessible.problems``) on the tagged file. Times are the process's CPU time
(``time.process_time``), which other work on a shared machine disturbs far less than wall
time. Not a test: nothing is asserted.

    .venv/bin/python bench/bench_tagging.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from io import BytesIO

import pikepdf

from renderer.accessible import problems
from renderer.options import RenderOptions
from renderer.pipeline import Pipeline

LAYOUTS = (
    "e-delivery.slip",
    "e-delivery.notice",
    "certification.signature",
    "notice.office-hours",
    "complaint-book.notice",
    "certification.electronic-copy",
)
PAIRS = (("pdf", "pdfua-1"), ("pdfa-2b", "pdfa-2a"))


def median_ms(fn, repeat: int) -> float:
    """Median CPU time of ``fn`` in ms, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    pipeline = Pipeline()
    print("untagged (baseline) vs tagged, warm: median CPU ms, bytes, ratio tagged/untagged")
    for layout_id in LAYOUTS:
        for languages in (("sl",), ("sl", "it")):
            for plain, tagged in PAIRS:
                if layout_id == "certification.electronic-copy":  # embeds the scan: PDF/A-3
                    plain, tagged = plain.replace("2", "3"), tagged.replace("2", "3")

                def render(fmt, langs=languages, lid=layout_id):
                    return pipeline.render_sample(lid, langs, RenderOptions(fmt)).content

                ms = [median_ms(lambda f=f: render(f), repeat) for f in (plain, tagged)]
                size = [len(render(f)) for f in (plain, tagged)]
                print(
                    f"   {layout_id:<30} {'+'.join(languages):<5} {plain:>7} {ms[0]:7.1f} ms "
                    f"{size[0]:7d} B   {tagged:>7} {ms[1]:7.1f} ms {size[1]:7d} B   "
                    f"time {ms[1] / ms[0]:.2f}x  size {size[1] / size[0]:.2f}x"
                )
    print("the checks alone on the tagged file (sl+it), median CPU ms")
    for layout_id in LAYOUTS:
        content = pipeline.render_sample(layout_id, ("sl", "it"), RenderOptions("pdfua-1")).content

        def check(data=content):
            with pikepdf.open(BytesIO(data)) as pdf:
                return problems(pdf, ("sl", "it"))

        print(f"   {layout_id:<30} {median_ms(check, repeat):7.1f} ms")


if __name__ == "__main__":
    main()
