"""Body field names matched as Go's JSON decoder matches them: case-insensitively, the
later key winning."""

from berth.daemon.validate import EXEC_CONFIG, go_field_names


def test_names_are_folded_to_the_fields_own():
    body = {"detachKeys": "ctrl-p", "tty": True, "Cmd": ["cat"], "Unknown": 1}
    go_field_names(body, EXEC_CONFIG)
    assert body == {"DetachKeys": "ctrl-p", "Tty": True, "Cmd": ["cat"], "Unknown": 1}


def test_the_later_key_wins_either_way():
    first = {"DetachKeys": "a", "detachkeys": "b"}
    go_field_names(first, EXEC_CONFIG)
    second = {"detachkeys": "b", "DetachKeys": "a"}
    go_field_names(second, EXEC_CONFIG)
    assert (first, second) == ({"DetachKeys": "b"}, {"DetachKeys": "a"})
