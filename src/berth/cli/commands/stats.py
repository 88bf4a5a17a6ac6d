"""``berth stats``: CONTAINER ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, NET I/O,
BLOCK I/O, PIDS, computed from the daemon's samples the way the docker CLI does.

``--no-stream`` prints one table (each container sampled in parallel, a
second apart as dockerd does); otherwise the table is redrawn every second.
"""

from __future__ import annotations

import sys
import threading
import time

from berth.cli.format import bytes_size, human_size, short_id, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

HEADER = ("CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O",
          "BLOCK I/O", "PIDS")


def cpu_percent(sample: dict[str, Any]) -> float:
    cpu, pre = sample.get("cpu_stats") or {}, sample.get("precpu_stats") or {}
    cpu_delta = ((cpu.get("cpu_usage") or {}).get("total_usage", 0)
                 - (pre.get("cpu_usage") or {}).get("total_usage", 0))
    system_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    cpus = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or [])
    if system_delta > 0 and cpu_delta > 0:
        return cpu_delta / system_delta * cpus * 100.0
    return 0.0


def memory_usage(memory: dict[str, Any]) -> int:
    """docker's ``calculateMemUsageUnixNoCache``: usage less the inactive file cache."""
    usage = int(memory.get("usage") or 0)
    inactive = (memory.get("stats") or {}).get("total_inactive_file")
    if inactive is not None and inactive < usage:
        return usage - int(inactive)
    return usage


def row(sample: dict[str, Any], no_trunc: bool) -> tuple[str, ...]:
    memory = sample.get("memory_stats") or {}
    used, limit = memory_usage(memory), int(memory.get("limit") or 0)
    blk_read = blk_write = 0
    for entry in (sample.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []:
        op = str(entry.get("op", "")).lower()
        if op == "read":
            blk_read += int(entry.get("value") or 0)
        elif op == "write":
            blk_write += int(entry.get("value") or 0)
    rx = sum(int(n.get("rx_bytes") or 0) for n in (sample.get("networks") or {}).values())
    tx = sum(int(n.get("tx_bytes") or 0) for n in (sample.get("networks") or {}).values())
    running = bool(memory)
    return (
        short_id(sample.get("id", ""), no_trunc), str(sample.get("name", "")).lstrip("/"),
        f"{cpu_percent(sample):.2f}%" if running else "--",
        f"{bytes_size(used)} / {bytes_size(limit)}" if running else "-- / --",
        f"{used / limit * 100:.2f}%" if running and limit else "--",
        f"{human_size(rx)} / {human_size(tx)}" if running else "-- / --",
        f"{human_size(blk_read)} / {human_size(blk_write)}" if running else "-- / --",
        str((sample.get("pids_stats") or {}).get("current", 0)) if running else "--",
    )


def _targets(args: argparse.Namespace, client: Client) -> list[str]:
    if args.containers:
        return list(args.containers)
    return [c["Id"] for c in client.containers.list(all=args.all)]


def _one(client: Client, ref: str, out: dict[str, Any]) -> None:
    from berth.client import Client as Fresh
    from berth.client.errors import APIError

    try:
        with Fresh(client.host, version=client.api_version) as own:
            out[ref] = next(own.containers.stats(ref), None)
    except APIError as e:
        out[ref] = e


def run(args: argparse.Namespace, client: Client) -> int:
    from berth.client.errors import APIError

    while True:
        refs = _targets(args, client)
        results: dict[str, Any] = {}
        threads = [threading.Thread(target=_one, args=(client, ref, results)) for ref in refs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rows, status = [], 0
        for ref in refs:
            result = results.get(ref)
            if isinstance(result, APIError):
                print(f"Error response from daemon: {result.message}", file=sys.stderr)
                status = 1
            elif result is not None:
                rows.append(row(result, args.no_trunc))
        if args.no_stream or status:
            if rows or not status:
                print(table(HEADER, rows), end="")
            return status
        if sys.stdout.isatty():
            print("\033[2J\033[H", end="")
        print(table(HEADER, rows), end="", flush=True)
        time.sleep(0.1)
