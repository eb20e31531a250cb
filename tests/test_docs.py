"""The generated docs (completions/, man/, README's option reference) are fresh, lint-clean
and complete: `python -m wscli._docgen --check` fails when any is stale."""

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.conftest import TIMEOUT, run_wscli
from wscli.cli import wscli
from wscli.cli.generated_docs import BEGIN_MARKER, END_MARKER
from wscli.manpage import escape, prose_to_roff

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["wscli", *(f"wscli-{name}" for name in wscli.commands)]
SECTIONS = [
    "NAME",
    "SYNOPSIS",
    "DESCRIPTION",
    "OPTIONS",
    "EXIT STATUS",
    "ENVIRONMENT",
    "FILES",
    "EXAMPLES",
    "SEE ALSO",
]
COMPLETIONS = {"bash": "wscli.bash", "zsh": "_wscli", "fish": "wscli.fish"}


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m wscli._docgen --check`` on the wscli package under ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "wscli._docgen", "--check"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def _copy_repository(target: Path) -> Path:
    """The repository's files (tracked, and new ones not ignored) copied into ``target``."""
    names = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in names:
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def _options(command: click.Command) -> Iterator[click.Option]:
    """The command's documented options (hidden ones are internal: send's profile
    messages, set from the config file)."""
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            yield param


def _commands() -> dict[str, click.Command]:
    return {"wscli": wscli, **{f"wscli-{n}": c for n, c in wscli.commands.items()}}


def _tool(name: str) -> str:
    """The path of ``name``; skip without it (fail under CI, whose .ci/run installs it)."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed under CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")
    return path


def _render(page: Path) -> str:
    """The page as plain text, as man(1) shows it (groff, or mandoc without groff)."""
    if shutil.which("groff"):
        command = ["groff", "-man", "-Tutf8", "-P-cbou", str(page)]
    else:
        command = [_tool("mandoc"), "-Tutf8", str(page)]
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    return re.sub(".\b", "", out)


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def test_generated_files_are_fresh() -> None:
    """`python -m wscli._docgen --check` exits 0 on the repository: nothing is stale."""
    result = _check(ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def _stale_after(tmp_path: Path, change: str) -> tuple[subprocess.CompletedProcess[str], str]:
    copy = _copy_repository(tmp_path / "copy")
    expected = ""
    if change == "help":
        # The first option whose help text is written out in one string in wscli/cli/.
        sources = {p: p.read_text(encoding="utf-8") for p in (copy / "wscli" / "cli").glob("*.py")}
        for page, command in _commands().items():
            if page == "wscli":
                continue  # a subcommand's option: the shared groups are read too
            for option in _options(command):
                literal = f'help="{option.help}"'
                path = next((p for p, text in sources.items() if literal in text), None)
                if path is not None:
                    changed = f'help="Changed: {option.help}"'
                    path.write_text(sources[path].replace(literal, changed), encoding="utf-8")
                    return _check(copy), f"man/{page}.1"
        pytest.fail("no option help is written out in one string")
    if change == "man":
        page = copy / "man" / "wscli-send.1"
        page.write_text(page.read_text(encoding="utf-8").replace("Default:", "Default is"))
        expected = "man/wscli-send.1"
    elif change == "readme":
        readme = copy / "README.md"
        text = readme.read_text(encoding="utf-8")
        readme.write_text(text.replace(f"{END_MARKER}", f"- `--stale`: gone.\n\n{END_MARKER}"))
        expected = "README.md"
    elif change == "completion":
        (copy / "completions" / "_wscli").write_text("#compdef wscli\n", encoding="utf-8")
        expected = "completions/_wscli"
    elif change == "leftover":
        (copy / "man" / "wscli-gone.1").write_text(".TH WSCLI\\-GONE 1\n", encoding="utf-8")
        expected = "man/wscli-gone.1"
    return _check(copy), expected


@pytest.mark.parametrize("change", ["help", "man", "readme", "completion", "leftover"])
def test_check_fails_on_stale_files(tmp_path: Path, change: str) -> None:
    """--check exits 1 and names the stale file when an option's help changed in
    wscli/cli/ (its man page and README go stale), or when a man page, README's reference or
    a completion script was edited by hand, or when a man page no command has is left."""
    result, expected = _stale_after(tmp_path, change)
    assert result.returncode == 1, result.stderr
    assert "stale generated files" in result.stderr
    assert re.search(rf"^  {re.escape(expected)}$", result.stderr, re.MULTILINE), result.stderr
    if change == "help":
        assert "README.md" in result.stderr
        assert "completions/" not in result.stderr  # completions ask wscli at run time


def test_regenerating_makes_the_copy_fresh(tmp_path: Path) -> None:
    """`python -m wscli._docgen` rewrites what --check found stale, and only that."""
    copy = _copy_repository(tmp_path / "copy")
    (copy / "man" / "wscli-close.1").write_text("stale\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy)}
    written = subprocess.run(
        [sys.executable, "-m", "wscli._docgen"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    assert written.stdout == "wrote man/wscli-close.1\n"
    assert _check(copy).returncode == 0
    assert (copy / "man" / "wscli-close.1").read_bytes() == (
        ROOT / "man/wscli-close.1"
    ).read_bytes()


@pytest.mark.parametrize("page", PAGES)
def test_man_page_passes_mandoc_lint(page: str) -> None:
    """`mandoc -T lint -W warning` has nothing to say about the page."""
    result = subprocess.run(
        [_tool("mandoc"), "-T", "lint", "-W", "warning", str(ROOT / "man" / f"{page}.1")],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize("page", PAGES)
def test_man_page_has_no_groff_warnings(page: str) -> None:
    """`groff -ww -man -Tutf8 -z` formats the page without a warning."""
    result = subprocess.run(
        [_tool("groff"), "-ww", "-man", "-Tutf8", "-z", str(ROOT / "man" / f"{page}.1")],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("page", PAGES)
def test_man_page_renders_every_section(page: str) -> None:
    """The rendered page has NAME through SEE ALSO, in that order, and the full exit status
    table."""
    from wscli.status import EXIT_STATUS_HELP

    text = _render(ROOT / "man" / f"{page}.1")
    positions = [text.find(f"\n{section}\n") for section in SECTIONS]
    assert -1 not in positions, [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    exit_status = text[positions[4] : positions[5]]
    for status in EXIT_STATUS_HELP:
        assert re.search(rf"^ +{int(status)} ", exit_status, re.MULTILINE), status


@pytest.mark.parametrize("page", PAGES)
def test_man_page_lists_every_option(page: str) -> None:
    """Each option of the command is in its page: every flag, and its WSCLI_ variable."""
    text = _render(ROOT / "man" / f"{page}.1")
    options = text[text.find("\nOPTIONS\n") : text.find("\nEXIT STATUS\n")]
    for option in _options(_commands()[page]):
        for flag in (*option.opts, *option.secondary_opts):
            assert _mentions(options, flag), (page, flag)
        if isinstance(option.envvar, str):
            assert _mentions(options, option.envvar), (page, option.envvar)


def test_readme_reference_lists_every_option() -> None:
    """README's generated reference has every option of every command, with its variable."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = readme[readme.index(BEGIN_MARKER) : readme.index(END_MARKER)]
    for command in _commands().values():
        for option in _options(command):
            for flag in (*option.opts, *option.secondary_opts):
                assert _mentions(reference, flag), flag
            if isinstance(option.envvar, str):
                assert f"`{option.envvar}`" in reference, option.envvar


@pytest.mark.parametrize("shell", sorted(COMPLETIONS))
def test_completion_file_is_wscli_completion_output(shell: str) -> None:
    """completions/ holds exactly what `wscli completion SHELL` prints."""
    result = run_wscli("completion", shell)
    assert (ROOT / "completions" / COMPLETIONS[shell]).read_bytes() == result.stdout


def test_roff_escaping() -> None:
    """Text reaches roff literally: backslashes as \\e, options' hyphens as \\-, a line's
    leading dot or quote neutralised, words' own hyphens left alone."""
    assert escape(r"a\b") == r"a\eb"
    assert escape("--max-size, one-shot, '-H x'") == r"\-\-max\-size, one-shot, \(aq\-H x\(aq"
    assert escape("wss://x-y", code=True) == r"wss://x\-y"
    assert prose_to_roff(".hidden\nline") == [r"\&.hidden line"]
    assert prose_to_roff("'quoted") == [r"\(aqquoted"]
    assert prose_to_roff("    .EX in an example") == [
        ".RS 4",
        ".EX",
        r"\&.EX in an example",
        ".EE",
        ".RE",
    ]
