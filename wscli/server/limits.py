"""How many connections ``wscli listen`` can hold: the open-files limit, raised to the
hard limit at start (as Go's runtime and most servers do), decides ``--max-connections``'
default, so a client over it gets 503 instead of an accept that fails with EMFILE."""

import resource

__all__ = ["RESERVED_FILES", "default_max_connections", "raise_file_limit"]

#: Files kept free for what is not a connection: stdio, the event loop, the listening
#: sockets, a key log, the REPL's history, a refused client's socket while it gets its 503.
RESERVED_FILES = 64
#: Files one connection takes: its socket; with --exec also its program's stdin and stdout
#: pipes (both ends while it starts).
FILES_PER_CONNECTION = {"exec": 4}


def raise_file_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit; return the limit
    now in force (the old one if it cannot be raised)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    infinite = resource.RLIM_INFINITY
    wanted = hard if hard != infinite else 1 << 20
    if soft != infinite and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft if soft != infinite else wanted


def default_max_connections(file_limit: int, mode: str) -> int:
    """The most connections ``file_limit`` open files hold in ``mode``, with room to spare."""
    per_connection = FILES_PER_CONNECTION.get(mode, 1)
    return max(1, (file_limit - RESERVED_FILES) // per_connection)
