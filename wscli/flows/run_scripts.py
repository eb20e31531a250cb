"""``wscli run``'s entry point: scripts in, exit status out. Click-free.

Every script is read, and its names resolved, before anything connects; then each plays
over its own connection, in order. A line per step on stderr (``-q``: failures only), a
summary line, JUnit XML with ``--junit``; the exit status is the first failing script's.
"""

import asyncio
import functools
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from wscli.env import Env
from wscli.errors import UsageError
from wscli.flows.runner import exit_status_of
from wscli.options import ConnectOptions, OutputOptions
from wscli.output import Output
from wscli.protocol.events import Event
from wscli.protocol.verdict import Verdict
from wscli.render import event_json
from wscli.script.match import check_names
from wscli.script.report import (
    ScriptResult,
    StepResult,
    junit_xml,
    step_json,
    step_lines,
    summary_line,
)
from wscli.script.syntax import Script, parse_script
from wscli.status import ExitStatus

if TYPE_CHECKING:
    from wscli.dialect.base import Dialect

__all__ = ["load_scripts", "run_scripts"]

#: Connect options of a script: (script, its URL) -> ConnectOptions (the cli's parser).
OptionsOf = Callable[[Script, str], "tuple[ConnectOptions, Dialect | None]"]


def load_scripts(
    paths: list[str],
    values: Mapping[str, str],
    stdin: Callable[[], bytes] | None = None,
    *,
    side: str = "client",
) -> list[Script]:
    """Read every script (a directory: its ``*.wscli`` files, sorted; ``-``: stdin) and
    check its names for ``side`` (client: ``run``; server: ``listen --script``). Raises
    UsageError (ScriptError: file, line, what is wrong)."""
    files: list[Path | str] = []
    for name in paths:
        if name == "-" and stdin is not None:
            files.append("-")
            continue
        path = Path(name)
        if path.is_dir():
            found = sorted(path.glob("*.wscli"))
            if not found:
                raise UsageError(
                    f"no *.wscli script in {name}", "give script files or a folder of them"
                )
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"no such script: {name}", "give a .wscli file or a folder")
    scripts = []
    for entry in files:
        try:
            if isinstance(entry, str):
                assert stdin is not None
                text = stdin().decode("utf-8")
            else:
                text = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"cannot read {entry}: {exc}", "a script is a UTF-8 text file"
            ) from None
        script = parse_script(text, "stdin" if isinstance(entry, str) else str(entry))
        check_names(script, values, side=side)
        scripts.append(script)
    return scripts


def run_scripts(
    env: Env,
    scripts: list[Script],
    options_of: OptionsOf,
    *,
    url: str | None,
    values: Mapping[str, str],
    output_options: OutputOptions,
    junit: str | None,
) -> int:
    """Play ``scripts`` (``url``: instead of each script's); return the exit status."""
    from wscli.script.match import fill

    plans: list[tuple[Script, tuple[ConnectOptions, Dialect | None]]] = []
    for script in scripts:
        target = url or (fill(script.url, values) if script.url else None)
        if target is None:
            raise UsageError(f"{script.path}: no url", "add a `url` line, or pass --url")
        plans.append((script, options_of(script, target)))
    output = Output(env, output_options)
    status = output.status

    async def main(interrupt: asyncio.Event) -> Verdict:
        from wscli.flows.play import play

        started = time.monotonic()
        results: list[ScriptResult] = []
        reporter = _Reporter(output, output_options)
        on_events = reporter.events if output_options.jsonl else None
        for script, (options, dialect) in plans:
            report = functools.partial(reporter.step, script)
            result = await play(script, options, values, report, interrupt, on_events, dialect)
            results.append(result)
            if result.status is not ExitStatus.OK and not result.steps:
                status.line(f"FAIL {script.path}: {result.failure}", "bad", always=True)
            if result.status is ExitStatus.INTERRUPTED:
                break
        seconds = time.monotonic() - started
        failed = [result for result in results if result.status is not ExitStatus.OK]
        status.line(summary_line(results, seconds), "bad" if failed else "good", always=True)
        if junit is not None:
            _write_junit(junit, junit_xml(results, seconds))
        return Verdict(failed[0].status if failed else ExitStatus.OK)

    return exit_status_of(main, status, debug=output_options.debug)


class _Reporter:
    """Where a run's steps and events go: stderr lines, and JSON Lines on stdout."""

    def __init__(self, output: Output, options: OutputOptions) -> None:
        self.output = output
        self.options = options

    def step(self, script: Script, step: StepResult) -> None:
        output, options = self.output, self.options
        if options.jsonl:
            output.data(step_json(script, step, time.time()))
            output.flush()
        if step.ok and options.quiet:
            return
        for line in step_lines(script, step, verbose=options.verbose):
            output.status.line(line, "good" if step.ok else "bad", always=not step.ok)

    def events(self, batch: list[Event]) -> None:
        for event in batch:
            self.output.data(event_json(event))
        self.output.flush()


def _write_junit(path: str, xml: str) -> None:
    try:
        Path(path).write_text(xml, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write --junit {path}: {exc.strerror}", "check the path") from None
