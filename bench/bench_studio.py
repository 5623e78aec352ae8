"""Edit → new preview shown in the studio, and on the envelope the switches a designer makes
between edits (language set, separation, compare), measured in headless Chromium (Debian's
chromium driven by Playwright).

The service runs as deployed (``renderer serve``, one warm gunicorn worker). For each layout
the studio is opened, a field is changed N times (each value new, so nothing is cached) and
the studio's own clock is read: from the editor's input event (so the debounce is included)
to the new page image decoded and shown. The baseline, in the same run and the same page:
the plain API call for the same document, ``POST /v1/render/{id}?format=png&dpi=…``, from
fetch to the image decoded.

Switches, on the envelope: after each edit the studio is left alone for ``--idle`` ms (the
designer looks at the page; the studio renders the other language sets and separations in the
background), then the switch is timed from the click to the new page on screen: language
sl → sl + it and back, separation (variant preprint) one ink and back to all inks, compare
with sl + hu (the red difference drawn). The same switches with the background rendering off
(``window.studio.prefetch = false``) and the page's memory emptied before each switch show
what it saves (what the server keeps still counts: a page switched back to, the pre-print
drawn once per language set).

    .venv/bin/python bench/bench_studio.py [--edits 25] [--switches 15] [--idle 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
EDITS = {  # layout → the field changed by each edit
    "envelope.personal-delivery": "content",
    "stamp.receipt": "sig_code",
    "stamp.certified-copy": "place",
}

BASELINE_JS = """async ([id, body, dpi]) => {
  const t0 = performance.now();
  const resp = await fetch(`/v1/render/${id}?format=png&dpi=${dpi}`, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const blob = await resp.blob();
  const img = new Image();
  img.src = URL.createObjectURL(blob);
  await img.decode();
  return performance.now() - t0;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(port: int) -> subprocess.Popen:
    service = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "renderer",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # the worker warms every layout before it answers
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return service
        except OSError:
            time.sleep(0.5)
    service.kill()
    raise SystemExit("the service did not start")


def measure(
    page, base: str, layout_id: str, field: str, edits: int, prefetch: bool = True
) -> tuple[list[float], list[float], list[float]]:
    page.goto(f"{base}/studio/{layout_id}?set=sample")  # not the draft an earlier run left
    page.wait_for_function("window.studio && window.studio.renders >= 1", timeout=120_000)
    page.evaluate(f"window.studio.prefetch = {str(prefetch).lower()}")
    body = json.loads(page.input_value("#editor"))
    original = body["data"].get(field) or "x"
    studio, server, baseline = [], [], []
    for i in range(edits + 3):  # the first three warm the path
        body["data"][field] = f"{original[:15]} {i}"
        count = page.evaluate("window.studio.renders")
        page.fill("#editor", json.dumps(body, ensure_ascii=False, indent=2))
        page.wait_for_function(f"window.studio.renders > {count}", timeout=60_000)
        if i >= 3:
            studio.append(page.evaluate("window.studio.timings.at(-1)"))
            server.append(page.evaluate("window.studio.state.preview.timing_ms.total"))
    dpi = page.evaluate("window.studio.state.preview.dpi")
    for i in range(edits + 3):
        body["data"][field] = f"{original[:15]} b{i}"
        ms = page.evaluate(BASELINE_JS, [layout_id, body, dpi])
        if i >= 3:
            baseline.append(ms)
    return studio, server, baseline


SWITCH_JS = """async ([action, value]) => {
  const t0 = performance.now();
  const count = window.studio.renders;
  if (action === 'lang') document.querySelector(`#languages button[data-languages='${value}']`).click();
  else { const s = document.querySelector(action === 'sep' ? '#separation' : '#diff'); s.value = value; s.dispatchEvent(new Event('change')); }
  if (action === 'diff') {
    const before = window.studio.diff;
    while (window.studio.diff === before) await new Promise(r => setTimeout(r, 1));
    return window.studio.diff.ms;
  }
  while (window.studio.renders === count) await new Promise(r => setTimeout(r, 1));
  return window.studio.last.ms;
}"""


SWITCHES = (
    "language sl → sl + it",
    "language back to sl",
    "separation: one ink",
    "separation: all inks",
    "compare with sl + hu",
)


def edit(page, body: dict, field: str, value: str) -> None:
    body["data"][field] = value
    count = page.evaluate("window.studio.renders")
    page.fill("#editor", json.dumps(body, ensure_ascii=False, indent=2))
    page.wait_for_function(f"window.studio.renders > {count}", timeout=60_000)


def switches(page, base: str, rounds: int, idle_ms: int, prefetch: bool) -> dict[str, list[float]]:
    """Per switch, the ms from the click to the new page (or the difference) on screen."""
    times: dict[str, list[float]] = {name: [] for name in SWITCHES}
    # the studio restores the last run's work (variant preprint): the link names the start
    page.goto(f"{base}/studio/envelope.personal-delivery?set=sample&variant=proof")
    page.wait_for_function("window.studio && window.studio.renders >= 1", timeout=120_000)
    page.evaluate(f"window.studio.prefetch = {str(prefetch).lower()}")
    body = json.loads(page.input_value("#editor"))
    tag = "kept" if prefetch else "cold"
    for i in range(rounds + 2):  # the first two warm the path
        edit(page, body, "content", f"sklep {tag} {i}")  # values new to the server too
        page.wait_for_timeout(idle_ms)
        if not prefetch:
            page.evaluate("window.studio.state.cache.clear()")
        there = page.evaluate(SWITCH_JS, ["lang", "sl,it"])
        if not prefetch:
            page.evaluate("window.studio.state.cache.clear()")
        back = page.evaluate(SWITCH_JS, ["lang", "sl"])
        page.wait_for_timeout(idle_ms // 4)
        if not prefetch:
            page.evaluate("window.studio.state.cache.clear()")
        compare = page.evaluate(SWITCH_JS, ["diff", "lang:sl,hu"])
        page.select_option("#diff", "")
        if i >= 2:
            times["language sl → sl + it"].append(there)
            times["language back to sl"].append(back)
            times["compare with sl + hu"].append(compare)
    page.select_option("#variant", "preprint")
    page.wait_for_function("!document.querySelector('#separation').disabled", timeout=60_000)
    inks = page.evaluate("window.studio.state.preview.separations")
    for i in range(rounds + 2):
        edit(page, body, "content", f"odločba {tag} {i}")
        page.wait_for_timeout(idle_ms)
        if not prefetch:
            page.evaluate("window.studio.state.cache.clear()")
        one = page.evaluate(SWITCH_JS, ["sep", inks[i % len(inks)]])
        page.wait_for_timeout(idle_ms // 4)
        if not prefetch:
            page.evaluate("window.studio.state.cache.clear()")
        all_inks = page.evaluate(SWITCH_JS, ["sep", ""])
        if i >= 2:
            times["separation: one ink"].append(one)
            times["separation: all inks"].append(all_inks)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=25)
    parser.add_argument("--switches", type=int, default=15)
    parser.add_argument(
        "--idle", type=int, default=1000, help="ms the studio is left alone after an edit"
    )
    args = parser.parse_args()
    port = free_port()
    service = start_service(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            print(
                f"{'layout':28} {'studio p50':>11} {'p90':>7} {'server p50':>11} {'API png p50':>12} {'ratio':>6}"
            )
            for layout_id, field in EDITS.items():
                studio, server, baseline = measure(
                    page, f"http://127.0.0.1:{port}", layout_id, field, args.edits
                )
                p50, base = statistics.median(studio), statistics.median(baseline)
                p90 = statistics.quantiles(studio, n=10)[-1]
                print(
                    f"{layout_id:28} {p50:9.0f}ms {p90:5.0f}ms {statistics.median(server):9.0f}ms "
                    f"{base:10.0f}ms {p50 / base:6.2f}"
                )
                if layout_id == "envelope.personal-delivery":
                    envelope_edit, envelope_base = p50, base
                    alone, _, _ = measure(
                        page,
                        f"http://127.0.0.1:{port}",
                        layout_id,
                        field,
                        args.edits,
                        prefetch=False,
                    )
                    print(
                        f"{'  without background renders':28} {statistics.median(alone):9.0f}ms "
                        f"{statistics.quantiles(alone, n=10)[-1]:5.0f}ms"
                    )
            base_url = f"http://127.0.0.1:{port}"
            shown = switches(page, base_url, args.switches, args.idle, prefetch=True)
            cold = switches(page, base_url, args.switches, args.idle, prefetch=False)
            print(f"\nenvelope switches (p50 / p90, ms; {args.idle} ms idle after each edit)")
            print(f"{'':26} {'studio':>15} {'not prefetched':>15} {'ratio to edit':>14}")
            print(f"{'edit (p50)':26} {envelope_edit:9.0f}{'':6} {'':15} {1:14.2f}")
            for name in SWITCHES:
                warm, none = shown[name], cold[name]
                q = lambda v: (statistics.median(v), statistics.quantiles(v, n=10)[-1])  # noqa: E731
                print(
                    f"{name:26} {q(warm)[0]:7.0f} / {q(warm)[1]:4.0f} {q(none)[0]:7.0f} / {q(none)[1]:4.0f}"
                    f" {q(warm)[0] / envelope_edit:14.2f}"
                )
            print(f"(API png p50 for the envelope: {envelope_base:.0f} ms)")
            browser.close()
    finally:
        service.terminate()
        service.wait(timeout=30)
    print(
        "studio: edit (input event, 40 ms debounce included) → the new page image on screen "
        "(its geometry and checks come in the same answer);"
        " API png: fetch → image decoded, same dpi; one gunicorn worker, warm;"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
