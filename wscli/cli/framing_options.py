"""Options that frame messages as lines both ways, for shell users (connect, send,
listen): ``--text-prefix``, ``--binary-prefix`` (websocat's names) and ``-0``/``--null``."""

from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource

from wscli.cli.shared_options import F, option
from wscli.errors import UsageError
from wscli.options import Framing

__all__ = ["framing_of", "framing_options"]


def framing_options(function: F) -> F:
    decorators: list[Callable[[F], F]] = [
        option(
            "--text-prefix",
            metavar="P",
            help="Write each received text message after P; input lines starting with P are"
            " text messages (P removed).",
        ),
        option(
            "--binary-prefix",
            metavar="P",
            help="Write each received binary message after P, in --binary-as (base64 unless"
            " given); input lines starting with P are binary messages in that encoding. With"
            " both prefixes, an input line with neither is an error.",
        ),
        option(
            "-0",
            "--null",
            is_flag=True,
            help="End messages with NUL instead of a newline, both ways (find -print0 style):"
            " text with newlines passes intact. A received text message that itself holds NUL"
            " reads back as two: use --jsonl to be exact.",
        ),
    ]
    for decorate in reversed(decorators):
        function = decorate(function)
    return function


def framing_of(values: dict[str, Any]) -> Framing:
    """The Framing of these options (and --binary-as).

    Raises:
        UsageError: --binary-as raw with a framing (raw bytes have no end), or a prefix
            that is empty or holds the delimiter.
    """
    text, binary, null = values["text_prefix"], values["binary_prefix"], values["null"]
    end = b"\0" if null else b"\n"
    binary_as = values["binary_as"]
    if binary is not None and _default(values, "binary_as"):
        binary_as = "base64"
    framing = Framing(end, text, binary, binary_as if binary_as != "raw" else "hex")
    if framing.plain:
        return framing
    if binary_as == "raw":
        raise UsageError("--binary-as raw cannot be framed", "use base64 or hex")
    for name, prefix in (("--text-prefix", text), ("--binary-prefix", binary)):
        if prefix is not None and (not prefix or end.decode() in prefix):
            raise UsageError(f"{name} {prefix!r} cannot be empty or hold the delimiter", "")
    if text is not None and text == binary:
        raise UsageError("--text-prefix and --binary-prefix are the same", "make them differ")
    return framing


def _default(values: dict[str, Any], name: str) -> bool:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return True
    return ctx.get_parameter_source(name) in (None, ParameterSource.DEFAULT)
