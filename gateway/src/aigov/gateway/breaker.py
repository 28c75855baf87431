"""A circuit breaker per service: closed -> open after consecutive transport failures ->
half-open after a pause (one probe request) -> closed on success, open again on failure.

While open, callers get a 503 problem with ``Retry-After`` at once instead of waiting on a
connection that is known to fail. Only transport failures count (refused, reset, timed out);
an HTTP answer of any status proves the service is there.
"""

from __future__ import annotations

import enum
import math
import time

from prometheus_client import Counter, Gauge

from aigov.shared.problems import ServiceUnavailable

CIRCUIT_STATE = Gauge(
    "aigov_gateway_circuit_state",
    "Circuit breaker state per service: 0 closed, 1 half-open, 2 open.",
    ["service"],
)
CIRCUIT_REJECTED = Counter(
    "aigov_gateway_circuit_rejected_total",
    "Requests answered 503 at once because the service's circuit was open.",
    ["service"],
)


class State(enum.IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitOpen(ServiceUnavailable):
    def __init__(self, service: str, retry_after_s: int) -> None:
        super().__init__(
            f"the {service} service is failing; the gateway stops calling it for a while",
            service=service,
            retry_after_s=retry_after_s,
        )
        self.retry_after_s = retry_after_s


class CircuitBreaker:
    def __init__(self, service: str, *, failure_threshold: int, open_s: float) -> None:
        self.service = service
        self.failure_threshold = failure_threshold
        self.open_s = open_s
        self.state = State.CLOSED
        self.failures = 0
        self.opened_at = 0.0
        self._probing = False
        self._probe_started = 0.0
        CIRCUIT_STATE.labels(service).set(0)

    def _set(self, state: State) -> None:
        self.state = state
        CIRCUIT_STATE.labels(self.service).set(int(state))

    def before_call(self, now: float | None = None) -> None:
        """Raises :class:`CircuitOpen` when the call must not go out."""
        now = time.monotonic() if now is None else now
        if self.state is State.OPEN:
            remaining = self.opened_at + self.open_s - now
            if remaining > 0:
                CIRCUIT_REJECTED.labels(self.service).inc()
                raise CircuitOpen(self.service, max(1, math.ceil(remaining)))
            self._set(State.HALF_OPEN)
            self._probing = False
        if self.state is State.HALF_OPEN:
            # A probe that never reported (its caller went away) frees the slot after a pause.
            if self._probing and now - self._probe_started < self.open_s:
                CIRCUIT_REJECTED.labels(self.service).inc()
                raise CircuitOpen(self.service, 1)
            self._probing = True
            self._probe_started = now

    def record_success(self) -> None:
        self.failures = 0
        self._probing = False
        if self.state is not State.CLOSED:
            self._set(State.CLOSED)

    def record_failure(self, now: float | None = None) -> None:
        self.failures += 1
        self._probing = False
        if self.state is State.HALF_OPEN or self.failures >= self.failure_threshold:
            self.opened_at = time.monotonic() if now is None else now
            self._set(State.OPEN)
