"""Timestamps the way Docker writes them: RFC 3339 with nanoseconds, UTC."""

import calendar
import time

ZERO_TIME = "0001-01-01T00:00:00Z"


def now_rfc3339() -> str:
    ns = time.time_ns()
    secs, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{frac:09d}Z"


def parse_rfc3339(value: str) -> float:
    """Seconds since the epoch; ZERO_TIME and '' give 0."""
    if not value or value.startswith("0001-"):
        return 0.0
    main, _, rest = value.partition(".")
    if not rest:
        main = main.rstrip("Z")
        frac = 0.0
    else:
        digits = "".join(c for c in rest if c.isdigit())
        frac = float("0." + digits) if digits else 0.0
    tm = time.strptime(main[:19], "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(tm) + frac
