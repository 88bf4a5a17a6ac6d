"""Authorization for registry requests: anonymous, basic, and docker's bearer tokens.

The first request goes out anonymously; a 401's ``WWW-Authenticate`` says what
the registry wants. ``Basic`` gets the credentials on every later request.
``Bearer realm=...,service=...,scope=...`` sends us to the token server: a GET
with the credentials as basic auth (or a POST of the identity token as an
OAuth2 refresh token), whose ``token``/``access_token`` is cached per
(realm, service, scope) until its ``expires_in`` (60 s when absent) runs out.
"""

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from berth.errors import Unauthorized
from berth.registry.client import transport
from berth.registry.client.dockerconfig import Credentials
from berth.registry.client.endpoint import Endpoint

_MIN_EXPIRY = 60


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # lower-case: "basic", "bearer"
    params: dict[str, str] = field(default_factory=dict)


def parse_challenges(header: str) -> list[Challenge]:
    """``Bearer realm="https://a/token",service="reg",scope="x:y:pull,push"`` (quoted
    values may hold commas), possibly several challenges."""
    out: list[Challenge] = []
    i, n = 0, len(header)
    while i < n:
        while i < n and header[i] in " ,":
            i += 1
        start = i
        while i < n and header[i] not in " ,=":
            i += 1
        token = header[start:i]
        if not token:
            break
        if i < n and header[i] == "=":  # a parameter of the current challenge
            i += 1
            value, i = _value(header, i)
            if out:
                out[-1].params[token.lower()] = value
            continue
        out.append(Challenge(token.lower()))
    return out


def _value(text: str, i: int) -> tuple[str, int]:
    if i < len(text) and text[i] == '"':
        out = []
        i += 1
        while i < len(text) and text[i] != '"':
            if text[i] == "\\" and i + 1 < len(text):
                i += 1
            out.append(text[i])
            i += 1
        return "".join(out), i + 1
    start = i
    while i < len(text) and text[i] != ",":
        i += 1
    return text[start:i].strip(), i


class Authorizer:
    """The ``Authorization`` of one registry's requests, shared by threads."""

    def __init__(self, endpoint: Endpoint, creds: Credentials | None = None) -> None:
        self.endpoint = endpoint
        self.creds = creds or Credentials()
        self._challenge: Challenge | None = None
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def header(self, scope: str) -> dict[str, str]:
        ch = self._challenge
        if ch is None:
            return {}
        if ch.scheme == "basic":
            if self.creds.empty:
                return {}
            pair = f"{self.creds.username}:{self.creds.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        if ch.scheme == "bearer":
            return {"Authorization": "Bearer " + self.token(ch, scope)}
        return {}

    def challenged(self, resp: transport.Response, scope: str) -> bool:
        """Learn from a 401; True when a retry with new authorization may succeed."""
        found = [c for c in parse_challenges(resp.header("WWW-Authenticate"))
                 if c.scheme in ("basic", "bearer")]
        if not found:
            return False
        ch = next((c for c in found if c.scheme == "bearer"), found[0])
        previous = self._challenge
        self._challenge = ch
        if previous is None or previous.scheme != ch.scheme:
            return ch.scheme == "bearer" or not self.creds.empty
        if ch.scheme == "bearer":  # a token that was refused: fetch a fresh one once
            key = self._key(ch, scope)
            with self._lock:
                return self._tokens.pop(key, None) is not None
        return False

    def _key(self, ch: Challenge, scope: str) -> tuple[str, str, str]:
        return ch.params.get("realm", ""), ch.params.get("service", ""), scope

    def token(self, ch: Challenge, scope: str) -> str:
        key = self._key(ch, scope)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        token, expires = self._fetch(ch, scope)
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + expires - 5)
        return token

    def _fetch(self, ch: Challenge, scope: str) -> tuple[str, float]:
        realm = ch.params.get("realm")
        if not realm:
            raise Unauthorized("bearer challenge without a realm")
        query = {"service": ch.params.get("service", "")}
        scopes = [s for s in (scope or ch.params.get("scope", "")).split(" ") if s]
        headers: dict[str, str] = {}
        body: bytes | None = None
        if self.creds.identity_token:
            method = "POST"
            form = {"grant_type": "refresh_token", "refresh_token": self.creds.identity_token,
                    "client_id": "berth", **query}
            form_pairs = list(form.items()) + [("scope", s) for s in scopes]
            body = urlencode(form_pairs).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            url = realm
        else:
            method = "GET"
            pairs = [(k, v) for k, v in query.items() if v] + [("scope", s) for s in scopes]
            if self.creds.username:
                pairs.append(("account", self.creds.username))
                pair = f"{self.creds.username}:{self.creds.password}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            url = realm + ("&" if "?" in realm else "?") + urlencode(pairs)
        with transport.send(self.endpoint, method, url, headers, body) as resp:
            data = resp.read(1 << 20)
            if resp.status in (401, 403):
                raise Unauthorized(f"unauthorized: {transport.error_text(resp, data)}")
            if resp.status != 200:
                raise Unauthorized(f"token server {realm}: {transport.error_text(resp, data)}")
        try:
            j = json.loads(data)
            token = str(j.get("token") or j.get("access_token") or "")
            expires = float(j.get("expires_in") or _MIN_EXPIRY)
        except (ValueError, AttributeError, TypeError):
            raise Unauthorized(f"token server {realm}: not a token response") from None
        if not token:
            raise Unauthorized(f"token server {realm}: no token in its answer")
        return token, max(expires, _MIN_EXPIRY)
