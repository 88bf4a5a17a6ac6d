"""``--change`` instructions in Dockerfile syntax."""

import pytest

from berth.errors import InvalidArgument
from berth.images.changes import apply_changes

CASES = [
    (['CMD ["sh", "-c", "echo hi"]'], {"Cmd": ["sh", "-c", "echo hi"]}),
    (["CMD echo hi"], {"Cmd": ["/bin/sh", "-c", "echo hi"]}),
    (["CMD [not json"], {"Cmd": ["/bin/sh", "-c", "[not json"]}),
    (['ENTRYPOINT ["/init"]'], {"Entrypoint": ["/init"]}),
    (['CMD ["a"]', 'ENTRYPOINT ["b"]'], {"Cmd": ["a"], "Entrypoint": ["b"]}),
    (["ENV A=1 B=\"two words\" C=x\\ y"], {"Env": ["A=1", "B=two words", "C=x y"]}),
    (["ENV A legacy form value"], {"Env": ["A=legacy form value"]}),
    (["ENV A=1", "ENV A=2"], {"Env": ["A=2"]}),
    (["ENV P=/bin", "ENV P=$P:/sbin Q=${P}x R=${NOPE:-d} S=${P:+set} T='$P'"],
     {"Env": ["P=/bin:/sbin", "Q=/binx", "R=d", "S=set", "T=$P"]}),
    (["WORKDIR /app", "WORKDIR sub/../src"], {"WorkingDir": "/app/src"}),
    (["WORKDIR rel"], {"WorkingDir": "/rel"}),
    (["ENV D=/data", "WORKDIR $D"], {"Env": ["D=/data"], "WorkingDir": "/data"}),
    (["USER nobody:nogroup"], {"User": "nobody:nogroup"}),
    (['LABEL a=b "c d"="e f"', "LABEL version 1.0"],
     {"Labels": {"a": "b", "c d": "e f", "version": "1.0"}}),
    (["EXPOSE 80 53/UDP 8000-8002/tcp"],
     {"ExposedPorts": {"80/tcp": {}, "53/udp": {}, "8000/tcp": {}, "8001/tcp": {},
                       "8002/tcp": {}}}),
    (['VOLUME ["/a", "/b"]', "VOLUME /c /d"],
     {"Volumes": {"/a": {}, "/b": {}, "/c": {}, "/d": {}}}),
    (["STOPSIGNAL SIGKILL"], {"StopSignal": "SIGKILL"}),
    (["ONBUILD RUN make"], {"OnBuild": ["RUN make"]}),
    (["cmd lower case works"], {"Cmd": ["/bin/sh", "-c", "lower case works"]}),
    (["CMD a\nENV X=1", "", "# comment"], {"Cmd": ["/bin/sh", "-c", "a"], "Env": ["X=1"]}),
]


@pytest.mark.parametrize(("changes", "expected"), CASES)
def test_changes(changes: list[str], expected: dict[str, object]) -> None:
    assert apply_changes({}, changes) == expected


@pytest.mark.parametrize(("change", "message"), [
    ("RUN echo", "run is not a valid change command"),
    ("FROM x", "from is not a valid change command"),
    ("ENV", "env requires at least one argument"),
    ("ENV A", "ENV must have two arguments"),
    ("ENV =x", "ENV names can not be blank: '=x'"),
    ("EXPOSE http", "invalid containerPort: http"),
    ("EXPOSE 9-1", "invalid range specified for container port: 9-1"),
    ("ENV A=\"open", None),
    ("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger"),
])
def test_bad_changes(change: str, message: str | None) -> None:
    with pytest.raises(InvalidArgument) as e:
        apply_changes({}, [change])
    if message is not None:
        assert e.value.message == message


def test_input_not_modified() -> None:
    base = {"Env": ["A=1"]}
    assert apply_changes(base, ["ENV B=2"]) == {"Env": ["A=1", "B=2"]}
    assert base == {"Env": ["A=1"]}
