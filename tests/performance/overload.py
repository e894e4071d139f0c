"""The flood: clients sending the largest batches the service accepts, single /predict traffic
and a /health prober, all at once against one server. Nothing may fail but shedding (503 with
Retry-After); /health must stay fast and memory flat.
"""

import http.client
import json
import random
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.performance.loadgen import STATUS_SCRIPT, LoadResult, run_wrk
from tests.performance.processes import Server
from tests.performance.report import Target

BATCH_PATH = "/models/sentiment/predict/batch"
FLOOD_CLIENTS = 4
SINGLE_CONNECTIONS = 32
PROBES_PER_SECOND = 5
PROBE_TIMEOUT_S = 5  # the ALB's health check timeout
MAX_BODY_BYTES = 1_048_576  # Settings.max_body_bytes
MAX_TEXT_CHARS = 5000  # Settings.max_text_length
# A flood request may queue behind others for seconds; the client waits for the server's answer.
FLOOD_CLIENT_TIMEOUT_S = 30
SHED = "503+retry-after"

HEALTH_P99_MAX_MS = 50.0
# Memory is bounded when the second half of the run peaks no more than 10% above the first.
MEMORY_GROWTH_MAX = 1.10

# Review-like words; the texts are random draws, so no two batches are alike.
_PHRASES = (
    "the service answered quickly and the support team was friendly but the update broke "
    "login twice this week so I waited forty minutes on hold before anyone could help me "
    "battery life is great screen scratches easily delivery arrived on time package damaged"
)
WORDS = _PHRASES.split()


def flood_bodies(directory: Path, count: int = FLOOD_CLIENTS) -> Path:
    """Bodies as large as the service accepts: texts of the longest allowed length, packed."""
    rng = random.Random(8)
    lines = []
    for _ in range(count):
        items: list[dict[str, str]] = []
        size = len('{"items":[]}')
        while True:
            item = {"text": _text(rng)}
            extra = len(json.dumps(item, separators=(",", ":"))) + (1 if items else 0)
            if size + extra > MAX_BODY_BYTES:
                break
            items.append(item)
            size += extra
        lines.append(json.dumps({"items": items}, separators=(",", ":")))
    path = directory / "flood.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _text(rng: random.Random) -> str:
    """Words drawn at random up to the longest accepted text (a few characters short)."""
    words: list[str] = []
    length = 0
    while True:
        word = rng.choice(WORDS)
        length += len(word) + (1 if words else 0)
        if length > MAX_TEXT_CHARS:
            return " ".join(words)
        words.append(word)


@dataclass
class HealthProber:
    """GET /health at a fixed rate on a fresh connection each time, as a load balancer does;
    samples the server's resident memory once a second alongside."""

    url: str
    rss_mb: Callable[[], float] = lambda: 0.0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    rss_samples: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="health-prober", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        interval = 1 / PROBES_PER_SECOND
        tick = 0
        next_at = time.perf_counter()
        while not self._stop.is_set():
            self._probe()
            if tick % PROBES_PER_SECOND == 0:
                self.rss_samples.append(self.rss_mb())
            tick += 1
            next_at += interval
            self._stop.wait(max(0.0, next_at - time.perf_counter()))

    def _probe(self) -> None:
        parts = urlsplit(self.url)
        started = time.perf_counter()
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=PROBE_TIMEOUT_S
        )
        try:
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                self.failures.append(f"status {response.status}")
        except OSError as exc:
            self.failures.append(type(exc).__name__)
        finally:
            connection.close()
            self.latencies_ms.append((time.perf_counter() - started) * 1000)


def run(
    wrk: str,
    server: Server,
    health_url: str,
    singles: Path,
    scratch: Path,
    seconds: int,
    reference_seconds: int,
) -> dict[str, Any]:
    """The single-request run alone first (the reference), then the same during the flood.

    /health is probed where the load balancer and the container check probe it (the health
    port, `health_url`) and, for the record, on the traffic port, where it queues with requests.
    """
    flood = flood_bodies(scratch)
    predict_url, batch_url = server.url + "/predict", server.url + BATCH_PATH
    reference = run_wrk(
        wrk, predict_url, singles, SINGLE_CONNECTIONS, reference_seconds, STATUS_SCRIPT
    )
    prober = HealthProber(health_url, server.rss_mb)
    traffic_prober = HealthProber(server.url)
    prober.start()
    traffic_prober.start()
    try:
        with ThreadPoolExecutor(2) as pool:
            flooding = pool.submit(
                run_wrk,
                wrk,
                batch_url,
                flood,
                FLOOD_CLIENTS,
                seconds,
                STATUS_SCRIPT,
                FLOOD_CLIENT_TIMEOUT_S,
            )
            single = pool.submit(
                run_wrk, wrk, predict_url, singles, SINGLE_CONNECTIONS, seconds, STATUS_SCRIPT
            )
            flood_result, single_result = flooding.result(), single.result()
    finally:
        prober.stop()
        traffic_prober.stop()
    return summarise(seconds, reference, single_result, flood_result, prober, traffic_prober)


def summarise(
    seconds: int,
    reference: LoadResult,
    single: LoadResult,
    flood: LoadResult,
    prober: HealthProber,
    traffic_prober: HealthProber,
) -> dict[str, Any]:
    half = len(prober.rss_samples) // 2
    return {
        "seconds": seconds,
        "flood_body_bytes": MAX_BODY_BYTES,
        "reference": reference.as_dict(),
        "single": single.as_dict(),
        "flood": flood.as_dict(),
        "shed": single.statuses.get(SHED, 0) + flood.statuses.get(SHED, 0),
        "other_5xx": _other_5xx(single) + _other_5xx(flood),
        "failures": _failures(single) + _failures(flood) + len(prober.failures),
        "health": _probe_summary(prober),
        "traffic_port_health": _probe_summary(traffic_prober),
        "rss_mb": {
            "first_half_peak": max(prober.rss_samples[:half], default=0.0),
            "second_half_peak": max(prober.rss_samples[half:], default=0.0),
            "samples": prober.rss_samples,
        },
        "throughput_vs_alone": round(single.requests_per_s / reference.requests_per_s, 3)
        if reference.requests_per_s
        else None,
    }


def _probe_summary(prober: HealthProber) -> dict[str, Any]:
    latencies = sorted(prober.latencies_ms)
    return {
        "url": prober.url,
        "probes": len(latencies),
        "failed": len(prober.failures),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(_percentile(latencies, 99), 2) if latencies else None,
        "max_ms": round(latencies[-1], 2) if latencies else None,
    }


def _other_5xx(result: LoadResult) -> int:
    return sum(n for key, n in result.statuses.items() if key.startswith("5") and key != SHED)


def _failures(result: LoadResult) -> int:
    """Anything but a 2xx or a shed: other statuses and socket errors (connect, read, timeout)."""
    statuses = sum(n for key, n in result.statuses.items() if not key.startswith("2"))
    sockets = sum(n for key, n in result.error_detail.items() if key != "status")
    return statuses - result.statuses.get(SHED, 0) + sockets


def _percentile(ordered: list[float], percent: float) -> float:
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


def targets(result: dict[str, Any]) -> list[Target]:
    rss = result["rss_mb"]
    growth = rss["second_half_peak"] / rss["first_half_peak"] if rss["first_half_peak"] else 0.0
    return [
        Target("/health p99 during the flood, health port (ms)", result["health"]["p99_ms"] or 0.0,
               HEALTH_P99_MAX_MS, False),
        Target("failures during the flood other than 503 with Retry-After",
               result["failures"], 0, False),
        Target("memory during the flood: 2nd-half peak RSS / 1st-half peak",
               round(growth, 3), MEMORY_GROWTH_MAX, False),
    ]  # fmt: skip


def markdown(result: dict[str, Any]) -> list[str]:
    single, flood, ref, health, traffic = (
        result["single"],
        result["flood"],
        result["reference"],
        result["health"],
        result["traffic_port_health"],
    )
    return [
        f"## Overload: {FLOOD_CLIENTS} clients of 1 MiB batches + {SINGLE_CONNECTIONS} "
        f"connections of /predict + /health at {PROBES_PER_SECOND}/s, {result['seconds']} s",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| /predict p50 / p99 ms (all answers, sheds included) | {single['p50_ms']:.2f} / "
        f"{single['p99_ms']:.2f} |",
        f"| /predict req/s during the flood / alone | {single['requests_per_s']:.0f} / "
        f"{ref['requests_per_s']:.0f} ({result['throughput_vs_alone']}x) |",
        f"| /predict statuses | {json.dumps(single['statuses'])} |",
        f"| flood batches answered / statuses | {flood['requests']} / "
        f"{json.dumps(flood['statuses'])} |",
        f"| shed (503 with Retry-After) | {result['shed']} |",
        f"| 5xx other than shedding | {result['other_5xx']} |",
        f"| socket errors /predict / flood | {_sockets(single)} / {_sockets(flood)} |",
        f"| /health on the health port (what the ALB probes): probes, failed, p50 / p99 / max ms"
        f" | {health['probes']}, {health['failed']}, "
        f"{health['p50_ms']} / {health['p99_ms']} / {health['max_ms']} |",
        f"| /health on the traffic port, for the record: probes, failed, p50 / p99 / max ms"
        f" | {traffic['probes']}, {traffic['failed']}, "
        f"{traffic['p50_ms']} / {traffic['p99_ms']} / {traffic['max_ms']} |",
        f"| RSS MB peak 1st half / 2nd half | {result['rss_mb']['first_half_peak']} / "
        f"{result['rss_mb']['second_half_peak']} |",
        "",
    ]


def _sockets(result: dict[str, Any]) -> int:
    return sum(n for key, n in result["error_detail"].items() if key != "status")
