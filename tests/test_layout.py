"""The architecture's rules, checked on the source: who imports what, who may print, and
how big a module or a function may grow. README's "Architecture" section is the map."""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wscli"
MODULES = sorted(PACKAGE.rglob("*.py"))

#: Layers, lowest first: a module imports only from lower layers, or from its own package.
#: (README's "Architecture" section says the same.)
LAYERS: tuple[tuple[str, ...], ...] = (
    ("wscli", "wscli.status", "wscli.slotted"),
    ("wscli.errors", "wscli.options"),
    ("wscli.protocol", "wscli.env"),
    ("wscli.render", "wscli.config", "wscli.manpage", "wscli.script", "wscli.dialect"),
    ("wscli.output",),
    ("wscli.link",),
    ("wscli.client", "wscli.server"),
    ("wscli.flows",),
    ("wscli.repl",),
    ("wscli.cli",),
    ("wscli._docgen", "wscli.__main__"),
)
#: Pure modules: the standard library and each other only.
PURE = ("wscli.status", "wscli.slotted", "wscli.errors", "wscli.options", "wscli.protocol")
PURE += ("wscli.config", "wscli.render", "wscli.manpage", "wscli.script", "wscli.dialect")
PURE_IN_REPL = ("wscli.repl.inputs", "wscli.repl.commands", "wscli.repl.toolbar")
PURE_IN_REPL += ("wscli.repl.stream_commands",)

#: The cores: they never print.
CORES = ("wscli.link", "wscli.client", "wscli.server")
#: Functions allowed past 60 lines, and why.
LONG_FUNCTIONS: dict[str, str] = {
    "wscli.client.open_errors.describe_open_error": "a table: one branch per exception",
    "wscli.protocol.verdict.judge": "a table: README's exit codes in the order they win",
}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _package(name: str) -> str:
    """The layer entry a module belongs to (the longest matching prefix)."""
    entries = [entry for layer in LAYERS for entry in layer if _within(name, (entry,))]
    return max(entries, key=len)


def _layer(name: str) -> int:
    package = _package(name)
    return next(index for index, layer in enumerate(LAYERS) if package in layer)


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every module ``path`` imports: at the top, under TYPE_CHECKING, inside functions
    (unless ``top_level_only``), with ``from wscli.x import y`` counted as wscli.x.y when
    y is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = {f"{node.module}.{alias.name}" for alias in node.names}
            modules &= NAMES
            # ``from wscli.repl import inputs`` imports wscli.repl.inputs (and runs the
            # package's __init__, which holds only a docstring).
            found.update(modules if len(modules) == len(node.names) else {node.module})
    return found


NAMES = {_name(path) for path in MODULES}


def _wscli_imports(path: Path) -> set[str]:
    return {m for m in _imports(path) if m.split(".")[0] == "wscli" and m in NAMES}


def test_no_import_cycle() -> None:
    """The import graph of wscli's modules has no cycle, counting imports under
    TYPE_CHECKING and inside functions too."""
    graph = {_name(path): _wscli_imports(path) - {_name(path)} for path in MODULES}

    def visit(node: str, stack: list[str], done: set[str]) -> Iterator[list[str]]:
        if node in stack:
            yield [*stack[stack.index(node) :], node]
            return
        if node in done:
            return
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            yield from visit(target, stack, done)
        stack.pop()
        done.add(node)

    done: set[str] = set()
    cycles = [cycle for node in sorted(graph) for cycle in visit(node, [], done)]
    assert not cycles, cycles


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_imports_point_down(path: Path) -> None:
    """A module imports from lower layers only, or from its own package: cli -> repl ->
    flows -> client/server -> link -> output -> render -> protocol -> the base. The client
    and the server never import each other."""
    name = _name(path)
    for imported in _wscli_imports(path):
        if _package(imported) == _package(name):
            continue
        assert _layer(imported) < _layer(name), f"{name} imports {imported}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_only_the_cli_package_imports_click(path: Path) -> None:
    """click is imported by wscli.cli alone."""
    uses_click = any(m.split(".")[0] == "click" for m in _imports(path))
    assert not uses_click or _within(_name(path), ("wscli.cli",)), _name(path)


@pytest.mark.parametrize(
    "path", [p for p in MODULES if _within(_name(p), PURE + PURE_IN_REPL)], ids=_name
)
def test_pure_modules_import_only_the_standard_library(path: Path) -> None:
    """Pure modules (rendering, parsing, verdicts) use the standard library and each other."""
    for imported in _imports(path):
        if imported.split(".")[0] == "wscli":
            assert _within(imported, PURE + PURE_IN_REPL) or imported == "wscli", imported
        else:
            assert imported.split(".")[0] in sys.stdlib_module_names, imported


@pytest.mark.parametrize("path", [p for p in MODULES if _within(_name(p), CORES)], ids=_name)
def test_cores_never_print(path: Path) -> None:
    """The client and server cores and the link never write to the terminal."""
    source = path.read_text(encoding="utf-8")
    assert "print(" not in source and "sys.stdout" not in source and "sys.stderr" not in source
    assert not {"wscli.output", "wscli.render", "wscli.cli", "rich"} & _imports(path)


@pytest.mark.parametrize(
    "path", [p for p in MODULES if not _within(_name(p), ("wscli.repl",))], ids=_name
)
def test_heavy_libraries_are_imported_lazily(path: Path) -> None:
    """rich, prompt_toolkit and the REPL never load at import time outside the REPL package:
    start-up matters for scripts."""
    imported = _imports(path, top_level_only=True)
    assert not {m.split(".")[0] for m in imported} & {"rich", "prompt_toolkit"}, _name(path)
    assert not any(_within(m, ("wscli.repl",)) for m in imported), _name(path)


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_grows_past_400_lines(path: Path) -> None:
    """Modules are split by responsibility before they pass 400 lines."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


def test_no_function_grows_past_60_lines() -> None:
    """Functions stay under 60 lines, except the tables listed in LONG_FUNCTIONS."""
    long = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                where = f"{_name(path)}.{node.name}"
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60 and where not in LONG_FUNCTIONS:
                    long.append(f"{where}: {length} lines")
    assert not long, long


def test_no_two_modules_share_a_name() -> None:
    """Each module's own name says what it holds, once: no two ``listen.py``."""
    names = [path.stem for path in MODULES if path.stem not in ("__init__", "__main__")]
    assert sorted(names) == sorted(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_nothing_but_the_entry_point_exits() -> None:
    """One error path: only the cli entry point ends the process."""
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        if "sys.exit(" in source or "os._exit(" in source:
            assert _name(path) == "wscli.cli", _name(path)


def test_readme_maps_every_folder_and_top_level_module() -> None:
    """README's "Architecture" table names every package and top-level module."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    for path in sorted(PACKAGE.iterdir()):
        if path.is_dir() and (path / "__init__.py").is_file():
            assert f"`{path.name}/`" in section, path.name
        elif path.suffix == ".py" and not path.name.startswith("_"):
            assert f"`{path.name}`" in section, path.name
