"""What ``wscli run`` reports: a line per step, a summary, JUnit XML. Pure."""

import json
from datetime import UTC, datetime
from typing import NamedTuple
from xml.etree import ElementTree

from wscli.script.syntax import Script, Step
from wscli.status import ExitStatus

__all__ = ["ScriptResult", "StepResult", "junit_xml", "step_json", "step_lines", "summary_line"]


class StepResult(NamedTuple):
    step: Step
    ok: bool
    seconds: float
    #: Why it failed, and the messages skipped on the way (one line each).
    details: tuple[str, ...] = ()
    #: The message an expectation matched (shown with -v).
    matched: str = ""


class ScriptResult(NamedTuple):
    script: Script
    status: ExitStatus
    steps: tuple[StepResult, ...]
    seconds: float
    #: The first failure in one line (for the summary and JUnit), "" when it passed.
    failure: str = ""
    failed_line: int = 0


def _where(script: Script, step: Step) -> str:
    return f"{script.path}:{step.line}" if step.line else f"{script.path}:end"


def step_lines(script: Script, result: StepResult, *, verbose: bool = False) -> list[str]:
    """``ok``/``FAIL``, file:line, the step, its time; then the details, indented (and,
    ``verbose``, the message an expectation matched)."""
    mark = "ok  " if result.ok else "FAIL"
    head = f"{mark} {_where(script, result.step)}  {result.step.source.strip()}"
    lines = [f"{head}  ({result.seconds * 1000:.1f} ms)"]
    lines += [f"       {detail}" for detail in result.details]
    if verbose and result.matched:
        lines.append(f"       got: {result.matched}")
    return lines


def step_json(script: Script, result: StepResult, at: float) -> str:
    """One step as a JSON Lines record (``--jsonl``); ``at``: when it ended (epoch)."""
    record = {
        "event": "step",
        "time": datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "script": script.path,
        "line": result.step.line,
        "step": result.step.source.strip(),
        "ok": result.ok,
        "seconds": round(result.seconds, 6),
        "details": list(result.details),
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def summary_line(results: list[ScriptResult], seconds: float) -> str:
    passed = sum(result.status is ExitStatus.OK for result in results)
    steps = sum(len(result.steps) for result in results)
    failed = len(results) - passed
    noun = "script" if len(results) == 1 else "scripts"
    return (
        f"{len(results)} {noun}: {passed} passed, {failed} failed; {steps} steps; {seconds:.2f} s"
    )


def junit_xml(results: list[ScriptResult], seconds: float) -> str:
    """One testsuite, one testcase per script (its failure: the message and the line)."""
    failures = sum(result.status is not ExitStatus.OK for result in results)
    suite = ElementTree.Element(
        "testsuite",
        name="wscli run",
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{seconds:.3f}",
    )
    for result in results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname="wscli.run",
            name=result.script.path,
            time=f"{result.seconds:.3f}",
        )
        if result.status is not ExitStatus.OK:
            where = (
                f"{result.script.path}:{result.failed_line}"
                if result.failed_line
                else result.script.path
            )
            failure = ElementTree.SubElement(
                case,
                "failure",
                message=result.failure or result.status.name,
                type=result.status.name,
            )
            detail = [f"{where}: {result.failure}"]
            for step in result.steps:
                if not step.ok:
                    detail += list(step.details)
            failure.text = "\n".join(detail)
    ElementTree.indent(suite)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suite, encoding="unicode")
        + "\n"
    )
