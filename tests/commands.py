"""Run each of wscli's connecting commands the same way, and read their error lines.

``run_command("send", url, *options)`` sends one message ``hello`` and ends after one reply:

- ``send URL hello --count 1 OPTIONS``
- ``connect URL --count 1 OPTIONS`` with ``hello`` on stdin
- ``close URL --send hello OPTIONS``
"""

from tests.conftest import PROCESS_VARIABLES, Result, run_wscli, run_wscli_process

#: The commands that open a connection; every connection option applies to all of them.
COMMANDS = ("send", "connect", "close")


def command_args(command: str, url: str, *options: str) -> tuple[list[str], bytes]:
    """The arguments and stdin that make ``command`` send ``hello`` once and end."""
    if command == "send":
        return ["send", url, "hello", "--count", "1", *options], b""
    if command == "connect":
        return ["connect", url, "--count", "1", *options], b"hello\n"
    if command == "close":
        return ["close", url, "--send", "hello", *options], b""
    raise ValueError(command)


def run_command(
    command: str,
    url: str,
    *options: str,
    expect: int | None = 0,
    env: dict[str, str] | None = None,
) -> Result:
    """Run ``command`` against ``url`` (see the module docstring) and check its exit code;
    in a process of its own when ``env`` sets a variable only the process environment
    carries (a proxy)."""
    args, stdin = command_args(command, url, *options)
    if env is not None and PROCESS_VARIABLES & {name.lower() for name in env}:
        return run_wscli_process(*args, input=stdin, expect=expect, env=env)
    return run_wscli(*args, input=stdin, expect=expect, env=env)


def error_line(result: Result) -> str:
    """The one ``wscli: error:`` line on stderr (asserts there is exactly one)."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("wscli: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def replied(command: str, result: Result) -> bool:
    """Whether the run printed the echo of ``hello`` (``close`` prints its report instead)."""
    if command == "close":
        return "wasClean: true" in result.lines
    return result.lines == ["hello"]
