"""Scale: ``wscli listen --echo`` holding 10,000 idle connections, 1,000 of them echoing,
and what the clients over a limit get.

Run from the repository root (wscli installed):

    python tests/bench/bench_scale.py                                    # full size
    python tests/bench/bench_scale.py --connections 1000 --echoing 100   # quicker

The clients are CLIENT_PROCESSES processes of tests/bench/_soak_clients.py (a raw
minimal client: no compression, zero mask key; each process raises its own
RLIMIT_NOFILE as it needs), the connections split evenly between them.

a. Scale: ``wscli listen 0 --echo``. This script raises its own soft RLIMIT_NOFILE, and
   the listen process's (preexec_fn, up to the hard limit), when it is below what
   CONNECTIONS need, and says so. After one warm-up connection (opened, echoed, closed)
   wscli's VmRSS; then CONNECTIONS connections opened at once (25 handshakes in flight
   per process: listen's backlog is 100) and wscli's status line for each awaited; its
   VmRSS again. Reported: the accept rate (connections per second, from the first
   handshake sent to the last one answered), KiB per connection ((after - before) /
   count); then ECHOING of them each do ROUND_TRIPS sequential round trips of 100 bytes
   (round trips/s, latency p50 and p99); then every connection one more round trip
   (none dropped meanwhile: keepalive pings are answered).
b. ``--max-connections K``: K connections, then one more: it must get 503 and the K
   must still echo.
c. The file limit: listen started with RLIMIT_NOFILE NOFILE (preexec_fn), NOFILE - 32
   connections, then 64 more (5 s each to answer): what each batch got, whether the
   open ones still echo, whether a new connection is served once they are closed, and
   any Traceback on wscli's stderr. Target (issue 13): a clear 503 for the client over
   the limit, the others untouched, no traceback.

No targets on the numbers; it prints plain tables and exits 0 (1 only when the bench
cannot run).
"""

import argparse
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _soak_clients import Clients, raise_nofile, split
from bench_listen import cpu_seconds
from bench_soak import Listen

EXTRA_FILES = 256  # what listen needs besides its connections, with a margin


def statuses(replies: list[dict]) -> Counter[str]:
    return sum((Counter(reply["statuses"]) for reply in replies), Counter())


def shown(counts: Counter[str]) -> str:
    return ", ".join(f"{status} x {count:,}" for status, count in counts.most_common())


def row(name: str, value: str) -> None:
    print(f"  {name:<34} {value}")


def file_limits(connections: int) -> int | None:
    """Raise this process's RLIMIT_NOFILE if needed; the limit for listen, or None."""
    need = connections + EXTRA_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    print(f"RLIMIT_NOFILE: soft {soft}, hard {hard}; {connections:,} connections need {need:,}")
    note = raise_nofile(need)
    if note is None:
        print("  high enough: not raised")
        return None
    print(f"  this script: {note}; wscli listen: raised to the same (preexec_fn)")
    if hard != resource.RLIM_INFINITY and hard < need:
        print(f"  the hard limit {hard} is too low: connections over it will fail")
        return hard
    return need


def fill(total: int, shares: list[int]) -> list[int]:
    """``total`` taken from the first shares, as few as hold it."""
    taken = []
    for share in shares:
        taken.append(min(share, total - sum(taken)))
    return taken


def warm_up(clients: Clients, url: str) -> None:
    """One connection opened, echoed and closed: its one-time costs are not counted."""
    clients.command([["open", url, 1, 30]], 60)
    clients.command([["rt", 1, 10, 1, 0, 0, 30]], 60)
    clients.command([["close"]], 60)


def scale(args: argparse.Namespace, nofile: int | None) -> None:
    server, clients = Listen(nofile=nofile), Clients(args.client_processes)
    shares = split(args.connections, args.client_processes)
    pid, found = server.process.pid, {}
    try:
        found["listening"] = server.kib()
        warm_up(clients, server.url)
        found["before"], mark, cpu = server.kib(), len(server.stderr.lines), cpu_seconds(pid)
        start = time.perf_counter()
        found["opened"] = clients.command([["open", server.url, k, 60] for k in shares], 900)
        found["seconds"] = time.perf_counter() - start
        count = statuses(found["opened"])["101"]
        server.stderr.wait(lambda: len(server.stderr.lines) - mark >= count, 60)
        found["cpu"] = (cpu_seconds(pid) - cpu) / (time.perf_counter() - start)
        found["after"], found["peak"] = server.kib(), server.kib("VmHWM")
        echo = [
            ["rt", k, args.round_trips, 1, 0, 1, 900] if k else []
            for k in fill(args.echoing, shares)
        ]
        cpu = cpu_seconds(pid)
        found["echoed"] = clients.command(echo, 1200)
        found["echo_cpu"] = cpu_seconds(pid) - cpu
        found["check"] = clients.command([["rt", k, 1, 1, 0, 0, 120] for k in shares], 300)
        clients.command([["close"]] * len(shares), 300)
    finally:
        clients.finish()
        found["code"] = server.stop()
    print(f"\na. {args.connections:,} idle connections to wscli listen --echo", end=" ")
    print(f"from {len(shares)} client processes")
    report_scale(found, count, args.round_trips)
    row(
        "wscli exit status (SIGTERM)",
        f"{found['code']}; Tracebacks on stderr: {server.tracebacks()}",
    )


def report_scale(found: dict, count: int, each: int) -> None:
    row("opened", f"{shown(statuses(found['opened']))} in {found['seconds']:.2f} s")
    row("accept rate", f"{count / found['seconds']:,.0f} connections/s")
    row("  wscli's CPU meanwhile", f"{found['cpu']:.0%} of a core")
    report_accepts(found["opened"])
    row("wscli RSS listening", f"{found['listening'] / 1024:.1f} MiB")
    row("after a warm-up connection", f"{found['before'] / 1024:.1f} MiB")
    after, peak = found["after"] / 1024, found["peak"] / 1024
    row(f"with {count:,} open", f"{after:.1f} MiB (peak {peak:.1f} MiB)")
    per = (found["after"] - found["before"]) / max(count, 1)
    row("memory per connection", f"{per:.1f} KiB")
    report_echo(found["echoed"], each)
    wall = max(r["seconds"] for r in found["echoed"])
    row("  wscli's CPU", f"{found['echo_cpu'] / wall:.0%} of a core")
    answered = sum(r["count"] - r["bad"] for r in found["check"])
    row("then one round trip on each", f"{answered:,} of {count:,} answered")


def report_accepts(opened: list[dict]) -> None:
    """The accept rate over each tenth of the connections (were the last as quick?)."""
    times = sorted(t for reply in opened for t in reply["times"])
    print(f"    {'open':>8} {'at s':>8} {'connections/s in this tenth':>28}")
    done, at = 0, 0.0
    for tenth in range(1, 11):
        count = len(times) * tenth // 10
        if count > done:
            rate = (count - done) / max(times[count - 1] - at, 1e-6)
            print(f"    {count:>8,} {times[count - 1]:>8.2f} {rate:>28,.0f}")
            done, at = count, times[count - 1]


def report_echo(results: list[dict], each: int) -> None:
    latencies = sorted(latency for r in results for latency in r["latencies_us"])
    wall = max(r["seconds"] for r in results)
    count, connections = len(latencies), sum(r["connections"] for r in results)
    last = max(count - 1, 0)

    def ms(share: float) -> str:
        return f"{latencies[round(last * share)] / 1000:.2f} ms" if latencies else "-"

    row("echoing", f"{connections:,} connections x {each:,} sequential round trips")
    row("round trips/s", f"{count / wall:,.0f} ({count:,} in {wall:.2f} s)")
    row("latency p50 / p99", f"{ms(0.5)} / {ms(0.99)}")
    lost, bad = sum(r["lost"] for r in results), sum(r["bad"] for r in results)
    row("lost / wrong echoes", f"{lost:,} / {bad:,}")
    row("  client processes' CPU", f"{sum(r['cpu'] for r in results) / wall:.0%} of a core")


STATUS_LINES = ("connected from", "closed by", "closed abnormally")


def other_lines(lines: list[str]) -> list[str]:
    """wscli's stderr lines but its status line for each connection opened or closed."""
    return [line for line in lines if not any(status in line for status in STATUS_LINES)]


def over_max_connections(limit: int) -> None:
    server, clients = Listen("--max-connections", limit), Clients(1)
    try:
        first = clients.command([["open", server.url, limit, 10]], 60)
        server.stderr.wait(lambda: len(server.stderr.lines) > limit, 10)
        mark = len(server.stderr.lines)
        extra = clients.command([["open", server.url, 1, 10]], 60)
        server.stderr.wait(lambda: len(server.stderr.lines) > mark, 1)
        refusal = other_lines(server.stderr.lines[mark:])
        check = clients.command([["rt", limit, 10, 1, 0, 0, 30]], 60)
        clients.command([["close"]], 60)
    finally:
        clients.finish()
        code = server.stop()
    print(f"\nb. wscli listen --echo --max-connections {limit}")
    row(f"first {limit}", shown(statuses(first)))
    row(f"connection {limit + 1}", shown(statuses(extra)))
    row("wscli's stderr about it", " | ".join(refusal) or "(nothing)")
    row(f"the first {limit}, 10 round trips each", echo_verdict(check[0], limit * 10))
    row("wscli exit status (SIGTERM)", f"{code}; Tracebacks on stderr: {server.tracebacks()}")


def echo_verdict(result: dict, expected: int) -> str:
    good = result["count"] - result["bad"]
    verdict = "untouched" if good == expected and not result["lost"] else "AFFECTED"
    return f"{good:,} of {expected:,} echoed ({verdict})"


def over_file_limit(nofile: int, hard: bool, *args: object) -> None:
    server, clients = Listen(*args, nofile=nofile, hard=hard), Clients(1)
    under, over = nofile - 32, 64
    try:
        first = clients.command([["open", server.url, under, 10]], 120)
        mark = len(server.stderr.lines)
        extra = clients.command([["open", server.url, over, 5]], 120)
        opened = extra[0]["open"]
        check = clients.command([["rt", opened, 1, 1, 0, 0, 30]], 60)
        clients.command([["close"]], 60)
        time.sleep(1)
        again = clients.command([["open", server.url, 1, 10]], 30)
        clients.command([["close"]], 30)
    finally:
        clients.finish()
        code = server.stop()
    limits = f"soft {nofile}, hard {nofile}" if hard else f"soft {nofile} only"
    print(f"\n  RLIMIT_NOFILE {limits}{''.join(f' {arg}' for arg in args)}")
    row(f"first {under} connections", shown(statuses(first)))
    row(f"{over} more (5 s each to answer)", shown(statuses(extra)))
    row(f"all {opened} open: one round trip each", echo_verdict(check[0], opened))
    row("all closed, then a new connection", shown(statuses(again)))
    row("wscli exit status (SIGTERM)", f"{code}; Tracebacks on stderr: {server.tracebacks()}")
    others = other_lines(server.stderr.lines[mark:])
    row("other stderr lines from the 64 on", f"{len(others)}; the first 12:" if others else "0")
    for line in others[:12]:
        print(f"    {line[:150]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--connections", type=int, default=10_000, help="idle connections")
    parser.add_argument("--echoing", type=int, default=1000, help="of them, echoing")
    parser.add_argument("--round-trips", type=int, default=100, help="by each echoing one")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--max-connections", type=int, default=50, help="for part b")
    parser.add_argument("--nofile", type=int, default=256, help="listen's file limit in c")
    args = parser.parse_args()
    print(f"scale benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs,", end=" ")
    print(f"load average {os.getloadavg()[0]:.2f} at the start")
    try:
        nofile = file_limits(args.connections)
        scale(args, nofile)
        over_max_connections(args.max_connections)
        print("\nc. wscli listen --echo with a low open-files limit (set by preexec_fn)")
        over_file_limit(args.nofile, False)
        over_file_limit(args.nofile, True)
        over_file_limit(args.nofile, True, "--max-connections", args.nofile * 4)
    except RuntimeError as error:
        print(f"bench_scale: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
