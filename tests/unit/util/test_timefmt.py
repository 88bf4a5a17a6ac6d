"""docker's timestamps and Go durations, as filters and --since take them."""

import pytest

from berth.util.timefmt import parse_go_duration, parse_rfc3339, parse_timestamp

NOW = 1_700_000_000.0


@pytest.mark.parametrize(("text", "seconds"), [
    ("10m", 600.0), ("1h30m", 5400.0), ("1.5s", 1.5), ("300ms", 0.3), ("0", 0.0),
    ("2h0m0s", 7200.0)])
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "10", "m", "1d", "1h 2m", "-5m", "1.2.3s"])
def test_not_go_durations(text: str) -> None:
    assert parse_go_duration(text) is None


@pytest.mark.parametrize(("text", "seconds"), [
    ("1h", NOW - 3600), ("0", 0.0), ("1699999000", 1_699_999_000.0),
    ("1699999000.5", 1_699_999_000.5),
    ("2023-11-14T22:13:20Z", NOW), ("2023-11-14T22:13:20.25Z", NOW + 0.25),
    ("2023-11-14T23:13:20+01:00", NOW), ("2023-11-14", NOW - (22 * 3600 + 13 * 60 + 20)),
    ("2023-11-14T22:13:20", NOW), ("2023-11-14 22:13:20", NOW)])
def test_timestamps(text: str, seconds: float) -> None:
    assert parse_timestamp(text, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["yesterday", "2023-13-01", "12:00"])
def test_bad_timestamps(text: str) -> None:
    with pytest.raises(ValueError, match="failed to parse value as time or duration"):
        parse_timestamp(text, NOW)


@pytest.mark.parametrize(("text", "seconds"), [
    ("2024-01-01T00:00:00Z", 1_704_067_200.0),
    ("2024-01-01T02:00:00.5+02:00", 1_704_067_200.5),
    ("2023-12-31T19:30:00-04:30", 1_704_067_200.0),
    ("2024-01-01T00:00:00.123456789Z", 1_704_067_200.123456789),
    ("2024-01-01T00:00:00", 1_704_067_200.0),
    ("0001-01-01T00:00:00Z", 0.0), ("", 0.0)])
def test_rfc3339_counts_the_zone(text: str, seconds: float) -> None:
    assert parse_rfc3339(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["yesterday", "2024-01-01", "2024-01-01T00:00:00+0200x"])
def test_rfc3339_refuses_what_is_not_one(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)
