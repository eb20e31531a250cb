"""The architecture's rules, checked on the source: who imports what, who may print."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wscli"
MODULES = sorted(PACKAGE.rglob("*.py"))
PURE = {
    "config",
    "codes",
    "errors",
    "events",
    "options",
    "outcome",
    "payload",
    "render",
    "request",
    "slotted",
    "status",
}
CORES = {"client", "link", "connect_errors", "handshake"}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _in_cli(path: Path) -> bool:
    return _name(path) == "wscli.cli" or _name(path).startswith("wscli.cli.")


def _short(path: Path) -> str:
    return _name(path).split(".")[-1]


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_only_the_cli_package_imports_click(path: Path) -> None:
    """click is imported by wscli.cli alone."""
    uses_click = any(m.split(".")[0] == "click" for m in _imports(path, top_level_only=False))
    assert not uses_click or _in_cli(path), _name(path)


@pytest.mark.parametrize("path", [p for p in MODULES if _short(p) in PURE], ids=_name)
def test_pure_modules_import_only_the_standard_library(path: Path) -> None:
    """Pure modules (rendering, parsing, verdicts) use the standard library and each other."""
    module = _short(path)
    for imported in _imports(path, top_level_only=False):
        top = imported.split(".")[0]
        if top == "wscli":
            assert imported.split(".")[1] in PURE, (module, imported)
        else:
            assert top in sys.stdlib_module_names, (module, imported)


def _in_core(path: Path) -> bool:
    return _short(path) in CORES or _name(path).startswith("wscli.server")


@pytest.mark.parametrize("path", [p for p in MODULES if _in_core(p)], ids=_name)
def test_cores_never_print(path: Path) -> None:
    """The client and server cores never write to the terminal."""
    source = path.read_text(encoding="utf-8")
    assert "print(" not in source and "sys.stdout" not in source and "sys.stderr" not in source
    assert not {"wscli.output", "wscli.render", "wscli.cli", "rich"} & _imports(
        path, top_level_only=False
    )


def _in_repl(path: Path) -> bool:
    return _name(path).startswith("wscli.repl.")


@pytest.mark.parametrize("path", [p for p in MODULES if not _in_repl(p)], ids=_name)
def test_heavy_libraries_are_imported_lazily(path: Path) -> None:
    """rich, prompt_toolkit and the REPL never load at import time outside the REPL package:
    start-up matters for scripts."""
    imported = _imports(path, top_level_only=True)
    heavy = {m.split(".")[0] for m in imported}
    assert not heavy & {"rich", "prompt_toolkit"}, _name(path)
    assert not any(m.startswith("wscli.repl") for m in imported), _name(path)


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_grows_past_400_lines(path: Path) -> None:
    """Modules are split by responsibility before they pass about 400 lines."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 420


def test_nothing_but_the_entry_point_exits() -> None:
    """One error path: only the cli entry point ends the process."""
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        if "sys.exit(" in source or "os._exit(" in source:
            assert _name(path) == "wscli.cli", _name(path)
