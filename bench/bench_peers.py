"""obrazci against its peers, in one run: plain WeasyPrint and Chromium on the same composed HTML.

    .venv/bin/python bench/bench_peers.py [--repeat 15] [--layout ID ...] [--clients 8]
        [--seconds 20] [--skip http,throughput,cold]

1. Warm, every layout in sl and sl+hu: obrazci in-process (``Pipeline.render``: validate,
   compose, lay out, check, finish) and through HTTP (``POST /v1/render/{id}`` to a
   ``renderer serve`` the bench starts on a loopback port), against plain WeasyPrint
   (``HTML(string=...).write_pdf()`` of the composed HTML with its CSS inlined, nothing kept
   between renders) and Chromium (Debian's /usr/bin/chromium driven by Playwright: one
   persistent browser, one reused tab, ``set_content`` + ``page.pdf``, as Gotenberg and
   jsreport drive it). The systems take turns within each round, so a load spike on the
   shared machine hits all of them. Prints the median ms, the p10–p90 spread and the ratios,
   then the mean CPU ms per document of each (less sensitive to the machine's load: the
   obrazci process's own CPU time, the service's and Chromium's processes' ticks).
   The peers get the page size obrazci delivers (the directory sign's measured height), the
   whole books written out (every page, numbered), and only what the layout composes
   otherwise: where obrazci delivers more pages than the peers render (an uploaded scan's
   pages, the register's repeated spreads) the ``pages`` column says so.
2. Throughput: ``--clients`` clients for ``--seconds`` each, every layout's Slovenian sample
   in turn: obrazci through HTTP (the service's default workers) and Chromium (one browser, a
   tab per client); requests/s and the peak memory (summed PSS) of each side's processes.
3. Cold start: spawning ``renderer serve`` until it is ready and until the first envelope
   PDF, then the first request of every format after ready against the second; against
   Chromium's launch + first envelope PDF.

Chromium absent (no /usr/bin/chromium or no playwright) skips its columns with a line saying
so. Not a test: nothing is asserted; timings are noisy on a shared machine, so compare the
ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import io
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from bench_books import WHOLE_BOOKS, plain_book_html
from common import standalone_html
from weasyprint import HTML

from renderer.options import RenderOptions
from renderer.pipeline import Pipeline
from renderer.uploads import check_attachment, check_scan

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LANGUAGE_SETS = (("sl",), ("sl", "hu"))
PDF = RenderOptions("pdf")
PT_PER_MM = 72 / 25.4


# --- the documents ---------------------------------------------------------------------


@dataclass
class Case:
    layout_id: str
    languages: tuple[str, ...]
    body: dict
    scan: object
    attachment: object
    html: str  # the same composition, standalone, for the peers
    base_url: str
    http_body: bytes = b""
    http_type: str = "application/json"
    ours_pages: int = 0
    peer_pages: int = 0
    signed: bool = False  # the service hands it out signed only: no HTTP column without a signer
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # mean CPU ms per document

    @property
    def name(self) -> str:
        return f"{self.layout_id} {'+'.join(self.languages)}"


def _multipart(fields: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = b""
    for name, filename, data, media_type in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
            f"Content-Type: {media_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def make_case(pipeline: Pipeline, layout, languages) -> Case:
    body = layout.sample(languages)
    part = layout.upload or layout.attachment
    upload = layout.sample_upload(part) if part else None
    scan = check_scan(upload) if layout.upload else None
    attachment = check_attachment(upload, part, part) if layout.attachment else None
    rendered = pipeline.render(layout.id, body, PDF, scan, attachment)
    if layout.id in WHOLE_BOOKS:  # every page of the book, as the pipeline delivers it
        html, base_url = plain_book_html(pipeline, layout.id, languages)
    else:
        request = pipeline.validate(layout, body)
        composition = pipeline.composer.compose(layout, request)
        height = None
        if (
            layout.page.auto_height
        ):  # the height obrazci measured, so every side prints the same page
            with pikepdf.open(io.BytesIO(rendered.content)) as pdf:
                height = round(
                    float(pdf.pages[0].trimbox[3] - pdf.pages[0].trimbox[1]) / PT_PER_MM, 3
                )
        html, base_url = (
            standalone_html(pipeline, layout, composition, height),
            composition.base_url,
        )
    case = Case(
        layout.id,
        languages,
        body,
        scan,
        attachment,
        html,
        base_url,
        ours_pages=rendered.pages,
        signed=layout.signed,
        peer_pages=len(HTML(string=html, base_url=base_url).render().pages),
    )
    if part:
        case.http_body, case.http_type = _multipart(
            [
                ("request", "", json.dumps(body).encode(), "application/json"),
                (part, f"{part}.pdf", upload, "application/pdf"),
            ]
        )
    else:
        case.http_body = json.dumps(body).encode()
    return case


# --- the systems -------------------------------------------------------------------------


class Chromium:
    """One persistent browser and one reused tab on a file: page, so that the composition's
    relative asset URLs and the fonts' file: URLs load as they do for WeasyPrint."""

    def __init__(self, workdir: Path):
        from playwright.sync_api import sync_playwright

        self.blank = workdir / "blank.html"
        self.blank.write_text("<!doctype html><html></html>", encoding="utf-8")
        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        self.page = self.browser.new_page()
        self.page.goto(self.blank.as_uri())

    @staticmethod
    def document(case: Case) -> str:
        return case.html.replace("<head>", f'<head><base href="{case.base_url}">', 1)

    def pdf(self, html: str) -> bytes:
        self.page.set_content(html)
        return self.page.pdf(prefer_css_page_size=True, print_background=True)

    def close(self) -> None:
        self.browser.close()
        self._playwright.stop()


def chromium_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium skipped: {CHROMIUM} is absent (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Chromium skipped: playwright is not installed (pip install playwright)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """``renderer serve`` on a loopback port, as deployed (its default workers), no batches."""

    def __init__(self, workdir: Path, data_dir: Path | None = None):
        self.port = free_port()
        self.started = time.perf_counter()
        data_dir = data_dir or workdir / f"var-{self.port}"
        env = {**os.environ, "OBRAZCI_DATA_DIR": str(data_dir)}
        self.log = open(workdir / f"serve-{self.port}.log", "wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "renderer",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-batches",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(
                method, path, body, {"Content-Type": content_type} if content_type else {}
            )
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def wait_ready(self, timeout: float = 300) -> float:
        """Seconds from the spawn until the service answers its readiness (or liveness) probe."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"renderer serve exited with {self.process.returncode}; see {self.log.name}"
                )
            for probe in ("/readyz", "/healthz"):
                try:
                    status, _ = self.request("GET", probe, timeout=2)
                except OSError:
                    break
                if status == 200:
                    return time.perf_counter() - self.started
                if status != 404:
                    break  # not ready yet
            time.sleep(0.01)
        raise RuntimeError("renderer serve did not become ready")

    def render(self, case: Case, fmt: str = "pdf") -> bytes:
        status, content = self.request(
            "POST", f"/v1/render/{case.layout_id}?format={fmt}", case.http_body, case.http_type
        )
        if status != 200:
            raise RuntimeError(f"{case.name} {fmt}: HTTP {status} {content[:300]!r}")
        return content

    def pids(self) -> list[int]:
        return [self.process.pid, *descendants(self.process.pid)]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- measuring ---------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def browser_pids(pid: int) -> list[int]:
    """Chromium's processes under ``pid`` (not Playwright's driver)."""
    found = []
    for child in descendants(pid):
        try:
            with open(f"/proc/{child}/comm") as comm:
                if comm.read().startswith("chrom"):
                    found.append(child)
        except OSError:
            pass
    return found


def pss_mib(pids) -> float:
    """The proportional set size of some processes, summed: shared pages counted once
    between them (Chromium's processes share much; so do gunicorn's forked workers)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total / 1024


class PeakMemory:
    """The peak of the summed memory (PSS) of some processes, sampled every 100 ms."""

    def __init__(self, pids_of):
        self.pids_of, self.peak, self._stop = pids_of, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, pss_mib(self.pids_of()))
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    low, high = math.floor(index), math.ceil(index)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU time each process has used so far (clock-tick resolution)."""
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            pass
    return used


def cpu_clock(pids_of):
    """A CPU clock for a system: this process's own (in-process renders) or the ticks of
    each process that does the work (the service's workers, Chromium's processes)."""
    if pids_of is None:
        return lambda: {0: time.process_time()}
    return lambda: cpu_seconds(pids_of())


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """The CPU time used between two readings: what each process that is in both used, and
    all of a process that started between them (a worker that exited in between, recycled
    after its requests, is not counted: its time is gone with it)."""
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


def measure(case: Case, systems: dict, repeat: int, budget_s: float) -> None:
    """Every system once to warm up, then rounds in which each takes its turn, ``repeat``
    rounds or as many as fit in ``budget_s`` (at least 5). ``systems`` maps a name to
    (render, CPU clock); per system the wall times of the rounds and the mean CPU time."""
    for fn, _ in systems.values():
        fn()
    case.times = {name: [] for name in systems}
    cpu = dict.fromkeys(systems, 0.0)
    started = time.perf_counter()
    rounds = 0
    for round_ in range(repeat):
        for name, (fn, clock) in systems.items():
            before = clock()
            case.times[name].append(timed(fn))
            cpu[name] += cpu_used(before, clock())
        rounds += 1
        if round_ >= 4 and time.perf_counter() - started > budget_s:
            break
    case.cpu = {name: total * 1000 / rounds for name, total in cpu.items()}


# --- the passes --------------------------------------------------------------------------


def warm_pass(pipeline, cases, chromium, service, args) -> None:
    columns = [
        "obrazci",
        *(["HTTP"] if service else []),
        "WeasyPrint",
        *(["Chromium"] if chromium else []),
    ]
    print(
        f"\n## Warm, median ms [p10–p90] over the rounds (repeat {args.repeat}, "
        f"at most {args.budget:g} s a case)\n"
    )
    ratio_heads = ["obrazci/WP"] + (
        ["obrazci/Chr", "HTTP/Chr"] if chromium and service else ["obrazci/Chr"] if chromium else []
    )
    print(
        "| layout | langs | pages ours/peers | "
        + " | ".join(columns)
        + " | "
        + " | ".join(ratio_heads)
        + " |"
    )
    print("|---" * (3 + len(columns) + len(ratio_heads)) + "|")
    ratios: dict[str, list[float]] = {head: [] for head in ratio_heads}
    worst: dict[str, tuple[float, str]] = {}
    for case in cases:
        own = cpu_clock(None)
        systems = {
            "obrazci": (
                lambda c=case: pipeline.render(c.layout_id, c.body, PDF, c.scan, c.attachment),
                own,
            )
        }
        if service and not case.signed:
            systems["HTTP"] = (lambda c=case: service.render(c), cpu_clock(service.pids))
        systems["WeasyPrint"] = (
            lambda c=case: HTML(string=c.html, base_url=c.base_url).write_pdf(),
            own,
        )
        if chromium:
            document = Chromium.document(case)
            systems["Chromium"] = (
                lambda d=document: chromium.pdf(d),
                cpu_clock(lambda: browser_pids(os.getpid())),
            )
        measure(case, systems, args.repeat, args.budget)
        med = {name: statistics.median(values) for name, values in case.times.items()}
        cells = [
            f"{med[name]:.1f} [{percentile(case.times[name], 0.1):.0f}–"
            f"{percentile(case.times[name], 0.9):.0f}]"
            if name in med
            else "signed only"
            for name in columns
        ]
        row = {"obrazci/WP": med["obrazci"] / med["WeasyPrint"]}
        if chromium:
            row["obrazci/Chr"] = med["obrazci"] / med["Chromium"]
            if "HTTP" in med:
                row["HTTP/Chr"] = med["HTTP"] / med["Chromium"]
        for head, value in row.items():
            ratios[head].append(value)
            if value > worst.get(head, (0.0, ""))[0]:
                worst[head] = (value, case.name)
        pages = f"{case.ours_pages}/{case.peer_pages}"
        print(
            f"| {case.layout_id} | {'+'.join(case.languages)} | {pages} | "
            + " | ".join(cells)
            + " | "
            + " | ".join(f"{row[h]:.2f}" if h in row else "–" for h in ratio_heads)
            + " |",
            flush=True,
        )
    print()
    summarise(ratios, worst)
    print(
        "\n## Warm, CPU ms per document (mean over the same rounds: this process for obrazci "
        "in-process and WeasyPrint, the service's processes for HTTP, Chromium's processes "
        "— not Playwright's driver — for "
        "Chromium)\n"
    )
    print("| layout | langs | " + " | ".join(columns) + " | " + " | ".join(ratio_heads) + " |")
    print("|---" * (2 + len(columns) + len(ratio_heads)) + "|")
    ratios = {head: [] for head in ratio_heads}
    worst = {}
    for case in cases:
        row = {"obrazci/WP": case.cpu["obrazci"] / case.cpu["WeasyPrint"]}
        if chromium:
            row["obrazci/Chr"] = case.cpu["obrazci"] / case.cpu["Chromium"]
            if "HTTP" in case.cpu:
                row["HTTP/Chr"] = case.cpu["HTTP"] / case.cpu["Chromium"]
        for head, value in row.items():
            ratios[head].append(value)
            if value > worst.get(head, (0.0, ""))[0]:
                worst[head] = (value, case.name)
        print(
            f"| {case.layout_id} | {'+'.join(case.languages)} | "
            + " | ".join(f"{case.cpu[n]:.1f}" if n in case.cpu else "signed only" for n in columns)
            + " | "
            + " | ".join(f"{row[h]:.2f}" if h in row else "–" for h in ratio_heads)
            + " |"
        )
    print()
    summarise(ratios, worst)


def summarise(ratios: dict[str, list[float]], worst: dict[str, tuple[float, str]]) -> None:
    for head, values in ratios.items():
        over = sum(value > 1.0 for value in values)
        print(
            f"{head}: geometric mean {statistics.geometric_mean(values):.2f}, "
            f"worst {worst[head][0]:.2f} "
            f"({worst[head][1]}), {over} of {len(values)} above 1.00"
        )


def _client_mix(cases) -> list[Case]:
    return [case for case in cases if case.languages == ("sl",) and not case.signed]


def throughput_pass(cases, chromium_ok, service, args) -> None:
    mix = _client_mix(cases)
    print(
        f"\n## Throughput: {args.clients} clients for {args.seconds:g} s, "
        f"the {len(mix)} Slovenian samples in turn\n"
    )
    print("| system | requests | requests/s | peak memory (PSS) MiB |")
    print("|---|---|---|---|")
    results = {}
    if service:
        counts = [0] * args.clients
        stop = time.perf_counter() + args.seconds

        def client(index):
            i = index
            while time.perf_counter() < stop:
                service.render(mix[i % len(mix)])
                counts[index] += 1
                i += 1

        with PeakMemory(service.pids) as memory:
            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        results["obrazci HTTP"] = (sum(counts), sum(counts) / elapsed, memory.peak)
    if chromium_ok:
        results["Chromium"] = asyncio.run(_chromium_throughput(mix, args))
    for name, (requests, rate, peak) in results.items():
        print(f"| {name} | {requests} | {rate:.1f} | {peak:.0f} |")
    if len(results) == 2:
        ours, theirs = results["obrazci HTTP"], results["Chromium"]
        print(
            f"\nobrazci/Chromium: {ours[1] / theirs[1]:.2f}× the requests/s "
            f"at {ours[2] / theirs[2]:.2f}× the memory"
        )


async def _chromium_throughput(mix, args):
    from playwright.async_api import async_playwright

    documents = [Chromium.document(case) for case in mix]
    workdir = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    blank = workdir / "blank.html"
    blank.write_text("<!doctype html><html></html>", encoding="utf-8")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = [await browser.new_page() for _ in range(args.clients)]
        for page in pages:
            await page.goto(blank.as_uri())
        for page, document in zip(pages, documents, strict=False):  # warm every tab once
            await page.set_content(document)
            await page.pdf(prefer_css_page_size=True, print_background=True)
        counts = [0] * args.clients
        stop = time.perf_counter() + args.seconds

        async def client(index):
            i = index
            while time.perf_counter() < stop:
                await pages[index].set_content(documents[i % len(documents)])
                await pages[index].pdf(prefer_css_page_size=True, print_background=True)
                counts[index] += 1
                i += 1

        with PeakMemory(lambda: browser_pids(os.getpid())) as memory:
            started = time.perf_counter()
            await asyncio.gather(*(client(i) for i in range(args.clients)))
            elapsed = time.perf_counter() - started
        await browser.close()
    shutil.rmtree(workdir, ignore_errors=True)
    return sum(counts), sum(counts) / elapsed, memory.peak


FIRST_FORMATS = ("pdf", "pdfa-1b", "pdfa-2b", "pdfa-3b", "pdfx-4", "png")


def cold_pass(pipeline, chromium_ok, workdir: Path, args) -> None:
    envelope = make_case(pipeline, pipeline.layout("envelope.personal-delivery"), ("sl",))
    print(f"\n## Cold start ({args.cold_runs} runs each, median)\n")
    # the first run on an empty data directory (a first start: its layers are drawn in the
    # background), the others restart on the same one (every later start, an image built
    # with `renderer warm`)
    data_dir = workdir / "var-cold"
    shutil.rmtree(data_dir, ignore_errors=True)
    ready, first, per_format = [], [], {fmt: [] for fmt in FIRST_FORMATS}
    for _ in range(args.cold_runs + 1):
        service = Service(workdir, data_dir)
        try:
            ready.append(service.wait_ready())
            service.render(envelope)
            first.append(time.perf_counter() - service.started)
            if len(first) == 1:
                continue  # the first start: its figures apart, not the formats
            for (
                fmt
            ) in FIRST_FORMATS:  # the first request of each format after ready, then the second
                cold = timed(lambda s=service, f=fmt: s.render(envelope, f))
                warm = timed(lambda s=service, f=fmt: s.render(envelope, f))
                per_format[fmt].append((cold, warm))
        finally:
            service.stop()
    first_start_ready, first_start_envelope = ready.pop(0), first.pop(0)
    print("| obrazci (renderer serve) | first start s | restart, median s |")
    print("|---|---|---|")
    print(f"| spawn → ready | {first_start_ready:.2f} | {statistics.median(ready):.2f} |")
    print(
        f"| spawn → first envelope PDF | {first_start_envelope:.2f} | "
        f"{statistics.median(first):.2f} |"
    )
    print("\n| envelope, after ready | first request ms | second ms | first/second |")
    print("|---|---|---|---|")
    for fmt, pairs in per_format.items():
        cold = statistics.median(p[0] for p in pairs)
        warm = statistics.median(p[1] for p in pairs)
        print(f"| {fmt} | {cold:.1f} | {warm:.1f} | {cold / warm:.2f} |")
    if not chromium_ok:
        return
    from playwright.sync_api import sync_playwright

    document = Chromium.document(envelope)
    blank = workdir / "cold-blank.html"
    blank.write_text("<!doctype html><html></html>", encoding="utf-8")
    launches = []
    with sync_playwright() as playwright:
        for _ in range(args.cold_runs):
            started = time.perf_counter()
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(blank.as_uri())
            page.set_content(document)
            page.pdf(prefer_css_page_size=True, print_background=True)
            launches.append(time.perf_counter() - started)
            browser.close()
    chromium_first = statistics.median(launches)
    print(
        f"\nChromium launch + first envelope PDF: {chromium_first:.2f} s; "
        "obrazci spawn → first envelope / Chromium: "
        f"restart {statistics.median(first) / chromium_first:.2f}, "
        f"first start {first_start_envelope / chromium_first:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="rounds per case (default 15)")
    parser.add_argument(
        "--budget",
        type=float,
        default=4.0,
        help="at most this many seconds a case (at least 5 rounds)",
    )
    parser.add_argument("--layout", action="append", help="only these layouts (default: all)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20, help="length of each throughput run")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma-separated: http, throughput, cold")
    args = parser.parse_args()
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}

    print(
        f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}; "
        f"{os.cpu_count()} cores"
    )
    pipeline = Pipeline()
    pipeline.warm()
    cases = [
        make_case(pipeline, layout, languages)
        for layout in pipeline.registry
        if not args.layout or layout.id in args.layout
        for languages in LANGUAGE_SETS
    ]
    workdir = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    missing = chromium_missing()
    if missing:
        print(missing)
    chromium = None if missing else Chromium(workdir)
    service = None
    try:
        if "http" not in skip:
            service = Service(workdir)
            print(f"renderer serve ready in {service.wait_ready():.2f} s (port {service.port})")
        warm_pass(pipeline, cases, chromium, service, args)
        if chromium:
            chromium.close()
            chromium = None
        if "throughput" not in skip:
            throughput_pass(cases, not missing, service, args)
        if service:
            service.stop()
            service = None
        if "cold" not in skip:
            cold_pass(pipeline, not missing, workdir, args)
    finally:
        if chromium:
            chromium.close()
        if service:
            service.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nuptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
