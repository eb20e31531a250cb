"""``SSLKEYLOGFILE`` for both sides' TLS contexts, from the injected environment."""

import ssl

from wscli.errors import UsageError

__all__ = ["keylog"]


def keylog(context: ssl.SSLContext, path: str | None) -> None:
    """Append the session keys to ``path`` (``SSLKEYLOGFILE``, the format Wireshark reads);
    None: no key log, even if the process's environment names one.

    Raises:
        UsageError: the file cannot be opened for appending.
    """
    try:
        context.keylog_filename = path  # type: ignore[assignment]
    except OSError as exc:
        raise UsageError(
            f"cannot write SSLKEYLOGFILE {path}: {exc.strerror or exc}",
            "point SSLKEYLOGFILE at a writable file, or unset it",
        ) from None
