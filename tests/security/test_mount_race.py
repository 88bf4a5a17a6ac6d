"""Bind destinations inside a directory another container changes while a container
starts (CVE-2021-30465): the attacker exchanges a directory with a symlink to
``/proc`` (``renameat2(RENAME_EXCHANGE)`` in a loop) in a volume both share, and the
victim binds a host directory read-only onto that directory.

A path resolved once and then handed to ``mount(2)`` as a string lets the kernel
resolve it again, through whatever is there by then: on the old code (bfd8bdd) the
read-only bind came up read-write (the remount landed elsewhere; the victim wrote
into the host directory) or the bind covered the victim's ``/proc``. Now each
start either mounts where it should, read-only, or is refused as an attack; the
host directory never changes, and the supervisor serves everyone throughout.
"""

import os
from pathlib import Path

from rt_support import Supervisor

from berth.errors import BerthError

ROUNDS = 60
"""Victim starts against the swapper. On bfd8bdd the first bad start came at round 2, 1,
2 and 2 of four runs here (in one the victim wrote into the read-only host directory);
60 starts are 30 times the latest first seen, at about 10 s."""

PROBE = ("stat -f -c %T /proc; touch /data/d/x 2>/dev/null && echo RW || echo RO")


def _bind(source: Path, destination: str, *options: str) -> dict:
    return {"destination": destination, "type": "bind", "source": str(source),
            "options": ["rbind", *options]}


def test_a_swapped_bind_destination_is_never_followed(supervisor: Supervisor,
                                                      tmp_path: Path) -> None:
    volume, secret = tmp_path / "volume", tmp_path / "readonly"
    (volume / "d").mkdir(parents=True)
    (volume / "l").symlink_to("/proc")
    secret.mkdir()
    attacker, _, conn = supervisor.start(
        ["/attack", "swap", "/v/d", "/v/l"],
        edit=lambda spec: spec["mounts"].append(_bind(volume, "/v", "rw")))
    outcomes: dict[str, int] = {}
    bad = []
    try:
        for n in range(ROUNDS):
            def mounts(spec: dict) -> None:
                spec["mounts"] += [_bind(volume, "/data", "rw"),
                                   _bind(secret, "/data/d", "ro", "rprivate")]
            try:
                result = supervisor.run(["sh", "-c", PROBE], edit=mounts)
            except BerthError as e:
                assert any(w in e.message for w in ("attack", "/proc", "data/d")), e.message
                outcomes["refused"] = outcomes.get("refused", 0) + 1
                continue
            supervisor.remove(result.id)
            seen = result.stdout.decode()
            outcomes[seen] = outcomes.get(seen, 0) + 1
            if seen != "proc\nRO\n" or os.listdir(secret):
                bad.append((n + 1, seen, os.listdir(secret)))
    finally:
        supervisor.client.kill(attacker, 9)
        conn.close()
    assert not bad, f"first at round {bad[0][0]} of {ROUNDS}: {bad[:5]}; all: {outcomes}"
    assert outcomes.get("proc\nRO\n"), outcomes  # the race let some starts through
    assert os.listdir(secret) == []
    assert sorted(os.listdir(volume)) == ["d", "l"]
    assert all(not os.listdir(p) for p in volume.iterdir() if not p.is_symlink())
    assert supervisor.run(["true"]).exit_code == 0
