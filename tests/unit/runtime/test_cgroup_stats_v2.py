"""io.stat as dockerd's v2 blkio stats: a read and a write entry per device."""

from berth.runtime.cgroup_stats import io_stat_entries


def test_io_stat_entries() -> None:
    text = ("254:0 rbytes=4096 wbytes=3145728 rios=1 wios=3 dbytes=0 dios=0\n"
            "8:16 rbytes=0 wbytes=0 rios=0 wios=0\n")
    assert io_stat_entries(text) == [
        {"major": 254, "minor": 0, "op": "read", "value": 4096},
        {"major": 254, "minor": 0, "op": "write", "value": 3145728},
        {"major": 8, "minor": 16, "op": "read", "value": 0},
        {"major": 8, "minor": 16, "op": "write", "value": 0}]
    assert io_stat_entries("") == []
