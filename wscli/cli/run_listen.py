"""Glue between ``wscli listen`` and the server core: binds, announces, runs a front end."""

import errno
import ipaddress
from typing import TYPE_CHECKING

from wscli.env import Env
from wscli.errors import ConnectFailed, TLSFailed, UsageError
from wscli.options import ListenOptions, OutputOptions

if TYPE_CHECKING:
    import asyncio

    from wscli.outcome import Verdict
    from wscli.server.core import Listener

__all__ = ["run_listen"]


def run_listen(env: Env, options: ListenOptions, output_options: OutputOptions) -> int:
    """Run ``listen`` and return the exit status."""
    from wscli.listen import ListenOutput
    from wscli.runner import execute

    output = ListenOutput(env, output_options)
    interactive = env.interactive and options.mode == "default" and not output_options.jsonl

    async def main(interrupt: "asyncio.Event") -> "Verdict":
        from wscli.listen import serve_pipe
        from wscli.pipe import stdin_source
        from wscli.server.page import page_html

        listener = await _start(options, page_html(options.path or "/") if options.page else None)
        listener.report_sent = output.wants_sent
        if options.mode == "exec" and options.auth is None and not _is_loopback(options.host):
            output.status.line(
                f"WARNING: --exec on {options.host} without --auth: anyone who can reach "
                "this port runs the command",
                "bad",
                always=True,
            )
        output.listening(listener.url)
        if interactive:
            from wscli.repl.listen import ListenRepl

            return await ListenRepl(listener, env, output_options).run(interrupt)
        stdin = None
        if options.mode == "default" and not _background_terminal(env):
            stdin = stdin_source(env.stdin, options.input_format)
        return await serve_pipe(listener, output, stdin=stdin, interrupt=interrupt)

    return execute(main, output.status, debug=output_options.debug)


async def _start(options: ListenOptions, page: bytes | None) -> "Listener":
    from wscli.server.core import Listener

    listener = Listener(options, page=page)
    where = f"{options.host}:{options.port}"
    try:
        await listener.start()
    except OSError as exc:
        import ssl

        if isinstance(exc, ssl.SSLError):
            raise TLSFailed(
                f"cannot use --cert {options.cert} / --key {options.key}: {exc}",
                "give a PEM certificate and its private key",
            ) from None
        if exc.errno == errno.EADDRINUSE:
            raise ConnectFailed(
                f"cannot listen on {where}: the address is already in use",
                "choose another port, or 0 for a free one",
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise ConnectFailed(
                f"cannot listen on {where}: permission denied",
                "ports below 1024 need privileges; choose a higher one",
            ) from None
        if exc.errno == errno.ENOENT and options.cert:
            import os.path

            missing = [
                f"--{name} {path}"
                for name, path in (("cert", options.cert), ("key", options.key))
                if path is not None and not os.path.exists(path)
            ]
            raise UsageError(
                f"cannot read {' and '.join(missing) or '--cert/--key'}: {exc.strerror}",
                "check the paths",
            ) from None
        raise ConnectFailed(f"cannot listen on {where}: {exc.strerror or exc}", "") from None
    return listener


def _background_terminal(env: Env) -> bool:
    """stdin is the terminal of a shell that runs wscli in the background (``&``):
    reading it would stop wscli (SIGTTIN), so the server would serve nobody."""
    if not env.stdin_isatty:
        return False
    import os

    try:
        return os.tcgetpgrp(env.stdin.fileno()) != os.getpgrp()
    except OSError:
        return False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
