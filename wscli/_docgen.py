"""Regenerate completions/, man/ and README's option reference from the click tree.

``python -m wscli._docgen`` writes the files that changed; ``python -m wscli._docgen
--check`` writes nothing and exits 1, naming the stale files, when any is out of date (the
test suite runs it). The repository is the parent of the ``wscli`` package's directory.
"""

import argparse
import sys
from pathlib import Path

__all__ = ["ROOT", "main", "stale_files"]

ROOT = Path(__file__).resolve().parent.parent

#: Generated man pages live here; a page no command produces any more is stale too.
_MAN_GLOB = "man/wscli*.1"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def stale_files(root: Path, files: dict[str, str]) -> list[str]:
    """The generated files under ``root`` that differ from ``files``, are missing, or are
    left over (man pages no command has any more)."""
    stale = [name for name, text in files.items() if _read(root / name) != text]
    leftovers = {p.relative_to(root).as_posix() for p in root.glob(_MAN_GLOB)} - set(files)
    return sorted(stale) + sorted(leftovers)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) the generated files; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m wscli._docgen",
        description="Regenerate completions/, man/ and README's option reference.",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is stale"
    )
    args = parser.parse_args(argv)

    from wscli.cli import wscli
    from wscli.cli.generated_docs import generated_files

    try:
        files = generated_files(ROOT, wscli)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"python -m wscli._docgen: error: {exc}\n")
        return 2
    stale = stale_files(ROOT, files)
    if args.check:
        if stale:
            sys.stderr.write(
                "stale generated files (run python -m wscli._docgen):\n"
                + "".join(f"  {name}\n" for name in stale)
            )
            return 1
        return 0
    for name in stale:
        path = ROOT / name
        if name in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[name], encoding="utf-8", newline="\n")
            print(f"wrote {name}")
        else:
            path.unlink()
            print(f"removed {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
