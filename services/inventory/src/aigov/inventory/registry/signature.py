"""Webhook authentication: MLflow's HMAC signature, and a shared token for the others.

MLflow 3.x signs ``f"{delivery_id}.{timestamp}.{body}"`` with HMAC-SHA256 under the webhook's
secret and sends ``X-MLflow-Signature: v1,<base64 digest>`` with ``X-MLflow-Delivery-Id`` and
``X-MLflow-Timestamp`` (Unix seconds). We recompute over the raw body, compare in constant time
and refuse timestamps outside the freshness window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from aigov.shared.tenancy import Unauthorized

SIGNATURE_HEADER = "x-mlflow-signature"
DELIVERY_HEADER = "x-mlflow-delivery-id"
TIMESTAMP_HEADER = "x-mlflow-timestamp"
TOKEN_HEADER = "x-aigov-webhook-token"


def mlflow_signature(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    message = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_mlflow(
    *,
    secret: str,
    headers: dict[str, str],
    body: bytes,
    max_age_s: int,
    now: float | None = None,
) -> str:
    """Returns the delivery id of a genuine, fresh delivery; raises Unauthorized otherwise."""
    delivery_id = headers.get(DELIVERY_HEADER, "").strip()
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    signature = headers.get(SIGNATURE_HEADER, "").strip()
    if not delivery_id or not timestamp or not signature:
        raise Unauthorized(
            "X-MLflow-Delivery-Id, X-MLflow-Timestamp and X-MLflow-Signature are required"
        )
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise Unauthorized("X-MLflow-Timestamp is not Unix seconds") from exc
    current = time.time() if now is None else now
    if abs(current - sent_at) > max_age_s:
        raise Unauthorized(f"X-MLflow-Timestamp is outside the {max_age_s} s freshness window")
    expected = mlflow_signature(secret, delivery_id, timestamp, body)
    # Several space-separated signatures may be sent while a secret is being rotated.
    if not any(hmac.compare_digest(expected, candidate) for candidate in signature.split()):
        raise Unauthorized("X-MLflow-Signature does not verify")
    return delivery_id


def verify_token(*, secret: str, headers: dict[str, str]) -> None:
    """SageMaker (EventBridge API destination), Azure (Event Grid delivery header) and
    CloudEvents senders present the organisation's secret as a bearer token."""
    presented = headers.get(TOKEN_HEADER, "")
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        presented = auth[7:].strip()
    if not presented or not hmac.compare_digest(presented.encode(), secret.encode()):
        raise Unauthorized("missing or wrong webhook token")
