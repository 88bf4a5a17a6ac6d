"""The CI flow against berth's own registry: build, run the image's tests with ``berth run``,
push; then a runner with nothing stored (another berthd, no image, no build cache) pulls
the base from the registry and rebuilds with ``--cache-from`` the pushed image: every
step is a hit, no step runs, and the image is the very same."""

import json
from pathlib import Path
from typing import Any

from registry_helpers import Registry

DOCKERFILE = """\
FROM {registry}/ci/busybox:1
WORKDIR /app
COPY app.sh test.sh ./
RUN chmod +x app.sh test.sh && ./app.sh > built.txt
ENV MODE=release
CMD ["./app.sh"]
"""


def _context(tmp_path: Path, registry: Registry) -> Path:
    ctx = tmp_path / "ci"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE.format(registry=registry.host))
    (ctx / "app.sh").write_text("#!/bin/sh\necho app output\n")
    (ctx / "test.sh").write_text("#!/bin/sh\n[ \"$(./app.sh)\" = 'app output' ] && echo PASS\n")
    return ctx


def _id(d: Any, ref: str) -> str:
    r = d.cli("image", "inspect", ref)
    assert r.returncode == 0, r.stderr
    return str(json.loads(r.stdout)[0]["Id"])


def test_a_fresh_runner_rebuilds_from_the_registry_s_cache(daemon: Any, own_daemon: Any,
                                                           registry: Registry,
                                                           tmp_path: Path) -> None:
    base = f"{registry.host}/ci/busybox:1"
    app = f"{registry.host}/ci/app:main"
    assert daemon.cli("tag", "busybox:latest", base).returncode == 0
    assert daemon.cli("push", base).returncode == 0
    ctx = _context(tmp_path, registry)
    built = daemon.cli("build", "--progress", "plain", "-t", app, str(ctx), timeout=120)
    assert built.returncode == 0, built.stdout + built.stderr
    tested = daemon.cli("run", "--rm", app, "./test.sh")
    assert tested.stdout == "PASS\n", tested.stderr
    pushed = daemon.cli("push", app)
    assert pushed.returncode == 0, pushed.stderr
    image_id = _id(daemon, app)

    runner = own_daemon  # a second berthd: nothing of the first's is there
    assert runner.cli("rmi", "busybox").returncode == 0
    assert runner.cli("images", "-aq").stdout == ""
    rebuilt = runner.cli("build", "--progress", "plain", "--cache-from", app, "-t", "ci:local",
                         str(ctx), timeout=180)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert rebuilt.stdout.count(" ---> Using cache") == 5, rebuilt.stdout
    assert "Running in" not in rebuilt.stdout
    assert _id(runner, "ci:local") == image_id
    assert runner.cli("run", "--rm", "ci:local", "cat", "built.txt").stdout == "app output\n"
    # and the cache now lives on the runner: a build without --cache-from hits too
    again = runner.cli("build", "--progress", "plain", "-t", "ci:local", str(ctx))
    assert again.stdout.count(" ---> Using cache") == 5
