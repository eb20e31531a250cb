"""Why ``wscli listen`` could not bind, in one line: OS errors to wscli errors with hints."""

import errno
import os
import os.path
import socket
import ssl
import stat

from wscli.errors import ConnectFailed, TLSFailed, UsageError, WscliError
from wscli.options import ListenOptions

__all__ = ["bind_error", "remove_stale"]


def bind_error(exc: OSError, options: ListenOptions) -> WscliError:
    """The error to report when binding ``options.host:options.port`` (or the Unix
    socket) raised ``exc``."""
    where = f"{options.host}:{options.port}"
    if options.unix_socket is not None:
        where = options.unix_socket
        if exc.errno in (errno.EADDRINUSE, errno.EEXIST):
            return ConnectFailed(
                f"cannot listen on {where}: a server is listening there, or the path is taken",
                "stop that server, or remove the file if nothing uses it",
            )
        if exc.errno in (errno.EACCES, errno.EPERM, errno.ENOENT):
            return ConnectFailed(
                f"cannot listen on {where}: {exc.strerror}", "check the folder and its permissions"
            )
    if isinstance(exc, ssl.SSLError):
        return TLSFailed(
            f"cannot use --cert {options.cert} / --key {options.key}: {exc}",
            "give a PEM certificate and its private key",
        )
    if exc.errno == errno.EADDRINUSE:
        return ConnectFailed(
            f"cannot listen on {where}: the address is already in use",
            "choose another port, or 0 for a free one",
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ConnectFailed(
            f"cannot listen on {where}: permission denied",
            "ports below 1024 need privileges; choose a higher one",
        )
    if exc.errno == errno.ENOENT and options.cert:
        missing = [
            f"--{name} {path}"
            for name, path in (("cert", options.cert), ("key", options.key))
            if path is not None and not os.path.exists(path)
        ]
        return UsageError(
            f"cannot read {' and '.join(missing) or '--cert/--key'}: {exc.strerror}",
            "check the paths",
        )
    return ConnectFailed(f"cannot listen on {where}: {exc.strerror or exc}", "")


def remove_stale(path: str) -> None:
    """A socket file left by a server that is gone is removed; anything else stays and
    binding fails (asyncio would remove a live server's socket file: never).

    Raises:
        OSError: EADDRINUSE, a server is listening at ``path``.
    """
    try:
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            return
    except OSError:
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
        return
    except OSError:
        pass
    finally:
        probe.close()
    raise OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE), path)
