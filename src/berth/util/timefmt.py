"""Timestamps the way Docker writes them: RFC 3339 with nanoseconds, UTC."""

import calendar
import re
import time

ZERO_TIME = "0001-01-01T00:00:00Z"


def now_rfc3339() -> str:
    ns = time.time_ns()
    secs, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{frac:09d}Z"


_RFC3339 = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$", re.IGNORECASE)


def parse_rfc3339(value: str) -> float:
    """Seconds since the epoch; ZERO_TIME and '' give 0. The zone offset counts: an
    image's config written elsewhere says ``02:00:00+02:00`` for midnight UTC, and
    ``Created``, ``history`` and the ``before``/``since`` filters must agree on it."""
    if not value or value.startswith("0001-"):
        return 0.0
    m = _RFC3339.match(value)
    if m is None:
        raise ValueError(f"not an RFC 3339 time: {value!r}")
    tm = time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    frac = float("0." + m.group(2)) if m.group(2) else 0.0
    zone = m.group(3) or "Z"
    offset = 0 if zone in ("Z", "z") else (
        (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60))
    return calendar.timegm(tm) + frac - offset


_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_go_duration(text: str) -> float | None:
    """Seconds of a Go duration (``1h30m``, ``10m``, ``1.5s``); None when it is not one."""
    if not text or text == "0":
        return 0.0 if text == "0" else None
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    return total if pos == len(text) else None


def parse_timestamp(text: str, now: float) -> float:
    """docker's GetTimestamp: a Unix time (``1700000000.5``), an RFC 3339 time or date
    (local forms without a zone are UTC), or a Go duration back from ``now``."""
    duration = parse_go_duration(text) if text != "0" else None  # "0" is the epoch
    if duration is not None:
        return now - duration
    try:
        return float(text)
    except ValueError:
        pass
    value = text.replace(" ", "T", 1)
    zone = 0.0
    m = re.search(r"([+-])(\d\d):?(\d\d)$", value) if "T" in value else None
    if m:
        zone = (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)
        value = value[:m.start()]
    value = value.rstrip("Z")
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            tm = time.strptime(value.partition(".")[0], fmt)
        except ValueError:
            continue
        frac = value.partition(".")[2]
        return calendar.timegm(tm) + (float("0." + frac) if frac.isdigit() else 0.0) - zone
    raise ValueError(f"failed to parse value as time or duration: {text!r}")


def rfc3339_of(seconds: float) -> str:
    """A Unix time as RFC 3339 in UTC, with nanoseconds (docker's format)."""
    whole = int(seconds)
    frac = round((seconds - whole) * 1e9)
    if frac >= 1_000_000_000:
        whole, frac = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{frac:09d}Z"
