"""`renderer serve` as an operator sees it: start-up, health under load, memory over time.

    .venv/bin/python bench/bench_service.py [--renders 10000] [--clients 8] [--workers 2]

1. **Start**: from the exec of `renderer serve` to the first `/readyz` 200: the first start
   in an empty data directory (the baseline: every worker draws the cached layers and
   compiles the templates), then ``--restarts`` starts in that same directory (what the
   first one stored, ``renderer/warmcache.py``, is read back), median; beside them, the
   floor: a bare interpreter importing the service's code. Then the first render of each
   format (pdf, pdfa-1b, pdfa-2b, pdfa-3b, pdfx-4, png) after ready, against the same
   render warm (its 5th repetition) — the ratio says whether the first request of a format
   runs at warm speed.
2. **Health under load**: `/healthz` latency (median, p90, max of 50) while ``--clients``
   threads render the envelope (PDF/A-2b) without pause, beside the same with no load.
3. **Memory**: ``--renders`` renders of the stamp (pdf) from ``--clients`` clients with
   worker recycling on (OBRAZCI_MAX_REQUESTS=1000): the resident memory of every HTTP worker
   every 500 renders (from /proc), the peak, and how many workers were started.

Not a test; prints a table. The machine's load (uptime) is printed with it.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port, method, path, body=None, timeout=120):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            method, path, body=body, headers={"Content-Type": "application/json"} if body else {}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def sample(layout: str) -> bytes:
    return (ROOT / "samples" / f"{layout}.json").read_bytes()


class Service:
    def __init__(self, workers: int, env: dict | None = None, data_dir: Path | None = None):
        """``data_dir``: the data directory to start in (kept); a temporary one by default."""
        self.port = free_port()
        self.tmp = None if data_dir else tempfile.TemporaryDirectory()
        environment = dict(
            os.environ,
            OBRAZCI_DATA_DIR=str(data_dir or self.tmp.name),
            OBRAZCI_LOG_LEVEL="warning",
            **(env or {}),
        )
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "renderer",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def ready_after(self) -> float:
        while True:
            try:
                if request(self.port, "GET", "/readyz", timeout=5) == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.02)

    def workers(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                    if (
                        ppid == self.process.pid
                        and b"renderer.batch" not in (entry / "cmdline").read_bytes()
                    ):
                        found.append(int(entry.name))
                except (OSError, ValueError):
                    pass
        return found

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by the master, each HTTP worker and the batch runner (with
        its batch workers): on a shared machine, what the start costs whatever the load."""
        used = {"master": cpu_of(self.process.pid)}
        for pid in sorted(set(children_of(self.process.pid))):
            try:
                runner = b"renderer.batch" in Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if runner:
                used["runner"] = cpu_of(pid) + sum(cpu_of(c) for c in children_of(pid))
            else:
                used[f"worker {pid}"] = cpu_of(pid)
        return used

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)
        if self.tmp:
            self.tmp.cleanup()


def children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
            except (OSError, ValueError):
                pass
    return found


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def describe_cpu(used: dict[str, float]) -> str:
    """The CPU seconds of a start, and what they would take on two free cores: the master,
    then the slowest HTTP worker (the workers and the runner run side by side)."""
    workers = [v for k, v in used.items() if k.startswith("worker")]
    parts = ", ".join(f"{k.split()[0]} {v:.2f}" for k, v in used.items())
    return f"CPU s: {parts}; master + slowest worker {used['master'] + max(workers, default=0):.2f}"


def rss_mib(pid: int) -> float:
    try:
        return (
            int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            * os.sysconf("SC_PAGE_SIZE")
            / 2**20
        )
    except OSError:
        return 0.0


def timed(port, method, path, body=None) -> float:
    started = time.perf_counter()
    status = request(port, method, path, body)
    assert status == 200, (path, status)
    return time.perf_counter() - started


def import_floor() -> float:
    """Seconds for a new interpreter to import what the service's master imports."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import renderer.http.app, renderer.pipeline, renderer.cli"],
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - started


def layers_drawn_after(service: Service, data: Path, timeout: float = 300) -> float:
    """Seconds from the service's spawn until its warm cache is complete."""
    deadline = time.monotonic() + timeout
    while not any((data / "cache").glob("warm-*/complete")):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the warm cache in {data} was not completed in {timeout} s")
        time.sleep(0.05)
    return time.perf_counter() - service.started


FIRST_FORMATS = ("pdf", "pdfa-1b", "pdfa-2b", "pdfa-3b", "pdfx-4", "png")


def start_pass(workers: int, restarts: int) -> None:
    print("## start")
    floors = [import_floor() for _ in range(3)]
    with tempfile.TemporaryDirectory() as data:
        first = Service(workers, data_dir=Path(data))
        baseline = first.ready_after()
        print(
            f"load average {os.getloadavg()[0]:.2f}: first start (nothing stored): "
            f"{baseline:.2f} s; {describe_cpu(first.cpu_seconds())}"
        )
        # its layers are drawn in the background (renderer warm --background): the restarts
        # start from the complete cache, as every start after the first does
        drawn = layers_drawn_after(first, Path(data))
        print(f"first start: every layer drawn in the background {drawn:.2f} s after the spawn")
        first.stop()
        readies = []
        for run in range(restarts):
            service = Service(workers, data_dir=Path(data))
            readies.append(service.ready_after())
            print(
                f"load average {os.getloadavg()[0]:.2f}: restart {run + 1}: {readies[-1]:.2f} s; "
                f"{describe_cpu(service.cpu_seconds())}"
            )
            if run < restarts - 1:
                service.stop()
        body = sample("envelope.personal-delivery")
        for fmt in FIRST_FORMATS:
            path = f"/v1/render/envelope.personal-delivery?format={fmt}"
            cold = timed(service.port, "POST", path, body)
            warm = [timed(service.port, "POST", path, body) for _ in range(5)][-1]
            print(
                f"first {fmt:8s} render after ready: {cold * 1000:7.1f} ms, "
                f"warm {warm * 1000:7.1f} ms, ratio {cold / warm:.2f}"
            )
        service.stop()
    median = statistics.median(readies)
    print(
        f"load average {os.getloadavg()[0]:.2f}: time to ready, restarts: median {median:.2f} s "
        f"(of {', '.join(f'{r:.2f}' for r in readies)}); first start {baseline:.2f} s; "
        f"ratio {median / baseline:.2f}"
    )
    print(
        f"floor, importing the service's code: median {statistics.median(floors):.2f} s "
        f"(of {', '.join(f'{f:.2f}' for f in floors)})"
    )


def health_pass(workers: int, clients: int) -> None:
    print(f"## /healthz with {clients} clients rendering the envelope (PDF/A-2b)")
    service = Service(workers)
    service.ready_after()
    stop = threading.Event()
    body = sample("envelope.personal-delivery")

    def load():
        while not stop.is_set():
            request(
                service.port, "POST", "/v1/render/envelope.personal-delivery?format=pdfa-2b", body
            )

    def probe(n=50):
        times = []
        for _ in range(n):
            times.append(timed(service.port, "GET", "/healthz"))
            time.sleep(0.05)
        times.sort()
        return statistics.median(times), times[int(0.9 * len(times))], times[-1]

    idle = probe()
    threads = [threading.Thread(target=load) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    loaded = probe()
    stop.set()
    for thread in threads:
        thread.join()
    service.stop()
    for name, (median, p90, worst) in (("idle", idle), ("loaded", loaded)):
        print(
            f"{name:7s} median {median * 1000:6.1f} ms  p90 {p90 * 1000:6.1f} ms  "
            f"max {worst * 1000:6.1f} ms"
        )
    print(f"ratio loaded/idle (median): {loaded[0] / idle[0]:.1f}")


def memory_pass(workers: int, clients: int, renders: int) -> None:
    print(
        f"## memory over {renders} stamp renders, {clients} clients, recycling after 1000 requests"
    )
    service = Service(
        workers, {"OBRAZCI_MAX_REQUESTS": "1000", "OBRAZCI_MAX_REQUESTS_JITTER": "100"}
    )
    service.ready_after()
    body = sample("stamp.receipt")
    done = 0
    lock = threading.Lock()
    seen: set[int] = set()
    peak = 0.0

    def client():
        nonlocal done
        while True:
            with lock:
                if done >= renders:
                    return
                done += 1
            request(service.port, "POST", "/v1/render/stamp.receipt", body)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    mark = 0
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        pids = service.workers()
        seen.update(pids)
        sizes = [rss_mib(pid) for pid in pids]
        peak = max([peak, *sizes])
        if done >= mark:
            print(f"{done:6d} renders: workers {' '.join(f'{s:6.0f}' for s in sizes)} MiB")
            mark += 500 * max(1, renders // 10000)
    elapsed = time.perf_counter() - started
    service.stop()
    print(
        f"peak worker RSS {peak:.0f} MiB; {len(seen)} HTTP workers started; "
        f"{renders / elapsed:.1f} renders/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--restarts", type=int, default=3, help="starts with what is stored")
    parser.add_argument("--only", choices=["start", "health", "memory"])
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.only in (None, "start"):
        start_pass(args.workers, args.restarts)
    if args.only in (None, "health"):
        health_pass(args.workers, args.clients)
    if args.only in (None, "memory"):
        memory_pass(args.workers, args.clients, args.renders)


if __name__ == "__main__":
    main()
