"""Prometheus metrics, by hand, in the text exposition format 0.0.4.

One ``Metrics`` object per application (``Services.metrics``), fed by the access-log
middleware (every request), the error handlers (every refusal, by reason) and read
from the executor (workers busy and idle) when ``/metrics`` is scraped.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Upper bounds (seconds) of the latency histogram's buckets.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.rejections: dict[str, int] = defaultdict(int)
        self._buckets: dict[str, list[int]] = {}
        self._sum: dict[str, float] = defaultdict(float)
        self._count: dict[str, int] = defaultdict(int)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered request."""
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            counts = self._buckets.setdefault(route, [0] * len(BUCKETS))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            self._sum[route] += seconds
            self._count[route] += 1

    def reject(self, reason: str) -> None:
        """One request refused (rate limit, too large, timeout...)."""
        with self._lock:
            self.rejections[reason] += 1

    def render(self, gauges: Mapping[str, Mapping[str, int]] | None = None) -> str:
        """The exposition text; ``gauges``: {metric name: {state label: value}}."""
        out: list[str] = []
        with self._lock:
            _head(out, "accord_requests_total", "counter", "HTTP requests answered.")
            for (method, route, status), n in sorted(self.requests.items()):
                out.append(
                    f"accord_requests_total{_labels(method=method, route=route, status=status)} {n}"
                )
            name = "accord_request_duration_seconds"
            _head(out, name, "histogram", "Time from request to the end of the answer.")
            for route in sorted(self._buckets):
                for bound, n in zip(BUCKETS, self._buckets[route], strict=True):
                    out.append(f"{name}_bucket{_labels(route=route, le=f'{bound:g}')} {n}")
                count = self._count[route]
                out.append(f"{name}_bucket{_labels(route=route, le='+Inf')} {count}")
                out.append(f"{name}_sum{_labels(route=route)} {self._sum[route]:.6f}")
                out.append(f"{name}_count{_labels(route=route)} {count}")
            _head(out, "accord_query_timeouts_total", "counter", "Queries stopped on timeout.")
            out.append(f"accord_query_timeouts_total {self.rejections.get('timeout', 0)}")
            _head(out, "accord_rejections_total", "counter", "Requests refused, by reason.")
            for reason, n in sorted(self.rejections.items()):
                out.append(f"accord_rejections_total{_labels(reason=reason)} {n}")
        for gauge, values in (gauges or {}).items():
            _head(out, gauge, "gauge", "Query worker processes, by state.")
            for state, n in sorted(values.items()):
                out.append(f"{gauge}{_labels(state=state)} {n}")
        return "\n".join(out) + "\n"


def _head(out: list[str], name: str, kind: str, help_text: str) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
