"""``python -m tests.fuzz --minutes N``: the fuzzers of tests/test_fuzz.py, without their
CI bound.

Plays random cases (seeds S, S+1, ...) against each target until its share of the time
is up (``--target all``: a third each), prints the cases run per target, the known
deviations (as websockets: see tests.fuzz.runner.KNOWN) and every failure with its seed
and the command that replays it; exits 1 on any failure. ``--cases 1 --seed S -v``
replays one case and shows it in full.
"""

import argparse
import collections
import itertools
import random
import sys
import time
from collections.abc import Iterable, Iterator

from tests.fuzz.case import Case
from tests.fuzz.frames import TARGETS, generate
from tests.fuzz.listener import ListenTarget
from tests.fuzz.peer import FuzzServer
from tests.fuzz.runner import KNOWN, Result, describe, run_client_cases


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument(
        "--minutes", type=float, help="how long (default: 1, or no limit with --cases)"
    )
    parser.add_argument("--seed", type=int, help="the first seed (default: random)")
    parser.add_argument("--target", choices=(*TARGETS, "all"), default="all")
    parser.add_argument("--cases", type=int, help="stop after this many cases per target")
    parser.add_argument("--clients", type=int, default=20, help="listen: well-behaved clients")
    parser.add_argument(
        "--process", action="store_true", help="connect, send: run wscli as a process"
    )
    parser.add_argument("--strict", action="store_true", help="known deviations fail too")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every case")
    return parser.parse_args(argv)


def _cases(target: str, seed: int, deadline: float, limit: int | None) -> Iterator[Case]:
    """The cases of seeds ``seed``, ``seed + 1``... until the deadline or the limit."""
    for number in itertools.islice(itertools.count(seed), limit):
        if time.monotonic() >= deadline:
            return
        yield generate(number, target)


def _client_results(cases: Iterable[Case], *, process: bool) -> tuple[list[Result], list[str]]:
    with FuzzServer() as server:
        return list(run_client_cases(server, cases, process=process)), []


def _listen_results(cases: Iterable[Case], *, clients: int) -> tuple[list[Result], list[str]]:
    with ListenTarget(clients) as server:
        results = list(server.run(iter(cases)))
        problems = server.finish()
        print(f"listen: the crowd: {server.crowd_summary}")
        return results, problems


def _report(
    target: str, results: list[Result], problems: list[str], args: argparse.Namespace
) -> int:
    """Print one target's summary and failures; return how many failed."""
    deviations = collections.Counter(r.deviation for r in results if r.deviation)
    failed = [r for r in results if not r.ok or (args.strict and r.deviation)]
    for result in results if args.verbose else failed:
        print(describe(result, verbose=args.verbose))
        if result.deviation:
            print(f"  known deviation: {result.deviation}")
    kinds = collections.Counter(r.case.kind for r in results)
    print(
        f"{target}: {len(results)} cases, {len(failed)} failed, "
        f"{sum(deviations.values())} known deviations {dict(deviations)}"
    )
    if args.verbose:
        print(f"  classes: {dict(sorted(kinds.items()))}")
    for problem in problems:
        print(f"{target}: {problem}")
    return len(failed) + len(problems)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    seed = args.seed if args.seed is not None else random.randrange(10**9)
    targets = TARGETS if args.target == "all" else (args.target,)
    minutes = args.minutes if args.minutes is not None else 1e6 if args.cases else 1.0
    share = minutes * 60 / len(targets)
    limit = f"{args.cases} cases" if args.cases else f"{share:.0f} s"
    print(f"fuzzing {', '.join(targets)}: {limit} each, from seed {seed}")
    failures = 0
    seen: set[str] = set()
    for target in targets:
        cases = _cases(target, seed, time.monotonic() + share, args.cases)
        if target == "listen":
            results, problems = _listen_results(cases, clients=args.clients)
        else:
            results, problems = _client_results(cases, process=args.process)
        failures += _report(target, results, problems, args)
        seen.update(r.deviation for r in results if r.deviation)
    for name in sorted(seen):
        print(f"known deviation {name}: {KNOWN[name]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
