"""Edit → new preview shown in the studio, measured in headless Chromium (Debian's chromium
driven by Playwright), for the envelope and the stamps.

The service runs as deployed (``renderer serve``, one warm gunicorn worker). For each layout
the studio is opened, a field is changed N times (each value new, so nothing is cached) and
the studio's own clock is read: from the editor's input event (so the debounce is included)
to the new page image decoded and shown. The baseline, in the same run and the same page:
the plain API call for the same document, ``POST /v1/render/{id}?format=png&dpi=…``, from
fetch to the image decoded.

    .venv/bin/python bench/bench_studio.py [--edits 25]
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
    service = subprocess.Popen([sys.executable, "-m", "renderer", "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", "1"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # the worker warms every layout before it answers
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return service
        except OSError:
            time.sleep(0.5)
    service.kill()
    raise SystemExit("the service did not start")


def measure(page, base: str, layout_id: str, field: str, edits: int) -> tuple[list[float], list[float], list[float]]:
    page.goto(f"{base}/studio/{layout_id}")
    page.wait_for_function("window.studio && window.studio.renders >= 1", timeout=120_000)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=25)
    args = parser.parse_args()
    port = free_port()
    service = start_service(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            print(f"{'layout':28} {'studio p50':>11} {'p90':>7} {'server p50':>11} {'API png p50':>12} {'ratio':>6}")
            for layout_id, field in EDITS.items():
                studio, server, baseline = measure(page, f"http://127.0.0.1:{port}", layout_id, field, args.edits)
                p50, base = statistics.median(studio), statistics.median(baseline)
                p90 = statistics.quantiles(studio, n=10)[-1]
                print(f"{layout_id:28} {p50:9.0f}ms {p90:5.0f}ms {statistics.median(server):9.0f}ms "
                      f"{base:10.0f}ms {p50 / base:6.2f}")
            browser.close()
    finally:
        service.terminate()
        service.wait(timeout=30)
    print("studio: edit (input event, 40 ms debounce included) → the new page image on screen (its geometry and checks come in the same answer);"
          " API png: fetch → image decoded, same dpi; one gunicorn worker, warm;"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
