"""The signed-in user: their API key in an HttpOnly, SameSite=Strict cookie, HMAC-signed so it
cannot be swapped by script, plus a per-session CSRF token for every form."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

COOKIE = "aigov_session"


@dataclass(frozen=True)
class Session:
    api_key: str | None
    csrf: str


def _sign(secret: str, body: bytes) -> str:
    return base64.urlsafe_b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()
    ).decode()


def encode(session: Session, secret: str) -> str:
    body = json.dumps({"k": session.api_key, "c": session.csrf}).encode()
    return base64.urlsafe_b64encode(body).decode() + "." + _sign(secret, body)


def decode(cookie: str | None, secret: str) -> Session | None:
    if not cookie or "." not in cookie:
        return None
    body_b64, mac = cookie.rsplit(".", 1)
    try:
        body = base64.urlsafe_b64decode(body_b64)
    except ValueError:
        return None
    if not hmac.compare_digest(mac, _sign(secret, body)):
        return None
    data = json.loads(body)
    return Session(api_key=data.get("k"), csrf=str(data.get("c")))


def new_session(api_key: str | None) -> Session:
    return Session(api_key=api_key, csrf=secrets.token_urlsafe(24))
