"""A token bucket per key, in memory, with IETF RateLimit headers.

Each identity (an API key, a token subject, or a client address for unauthenticated webhook
traffic) has a bucket of ``burst`` tokens refilled at ``per_minute / 60`` tokens a second; a
request takes one. Headers follow draft-ietf-httpapi-ratelimit-headers:
``RateLimit-Policy: "default";q=<burst>;w=<seconds to refill a full bucket>`` and
``RateLimit: "default";r=<remaining>;t=<seconds until the bucket is full again>``; a refusal adds
``Retry-After`` (seconds until one token is back).

In memory means per replica: with N replicas a key gets up to N times its limit. That is the
usual trade for no shared store on the hot path; put a shared limiter in front for hard quotas.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from aigov.shared.problems import DomainError

POLICY = "default"


class RateLimited(DomainError):
    status, title, slug = 429, "Too many requests", "rate-limited"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    quota: int
    window_s: int
    remaining: int
    reset_s: int
    retry_after_s: int

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Policy": f'"{POLICY}";q={self.quota};w={self.window_s}',
            "RateLimit": f'"{POLICY}";r={self.remaining};t={self.reset_s}',
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after_s)
        return headers


class TokenBucketLimiter:
    def __init__(self, *, per_minute: int, burst: int, max_buckets: int = 100_000) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(
        self, identity: str, *, per_minute: int | None = None, now: float | None = None
    ) -> Decision:
        rate_per_min = per_minute or self.per_minute
        capacity = float(self.burst if per_minute is None else max(per_minute, 1))
        rate = rate_per_min / 60.0
        now = time.monotonic() if now is None else now
        tokens, updated = self._buckets.pop(identity, (capacity, now))
        tokens = min(capacity, tokens + (now - updated) * rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[identity] = (tokens, now)
        if len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)  # the least recently seen identity
        return Decision(
            allowed=allowed,
            quota=int(capacity),
            window_s=max(1, math.ceil(capacity / rate)),
            remaining=int(tokens),
            reset_s=math.ceil((capacity - tokens) / rate),
            retry_after_s=0 if allowed else max(1, math.ceil((1.0 - tokens) / rate)),
        )
