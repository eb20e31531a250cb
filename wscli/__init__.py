"""wscli: a WebSocket tool for terminals, pipes and CI checks.

``__version__`` is looked up (importlib.metadata) on first use, not at import: the lookup
costs more than the rest of ``wscli --help``'s start-up.
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("wscli-tool")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            return "0+unknown"
    raise AttributeError(f"module 'wscli' has no attribute {name!r}")
