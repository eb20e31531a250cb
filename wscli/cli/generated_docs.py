"""The generated documentation, from the click tree: shell completions, man pages and
README's option reference. ``python -m wscli._docgen`` writes them; ``--check`` compares.

Everything here is deterministic: no clock, no terminal width, no absolute path. The man
pages' date is ``MAN_DATE`` and their version the one in ``pyproject.toml``.
"""

import re
import textwrap
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from wscli.cli.completion import SHELLS, completion_script
from wscli.cli.shared_options import connection_options, output_options, wait_options
from wscli.manpage import CommandDoc, OptionDoc, OptionGroup, Page, parse_prose, render_page
from wscli.status import EXIT_STATUS_HELP

__all__ = [
    "BEGIN_MARKER",
    "END_MARKER",
    "MAN_DATE",
    "describe",
    "generated_files",
    "readme_reference",
]

#: The date the man pages carry (fixed, so that generating them is reproducible): move it
#: forward when the pages change in substance, e.g. at a release.
MAN_DATE = "2026-11-26"

BEGIN_MARKER = "<!-- BEGIN GENERATED OPTIONS (python -m wscli._docgen) -->"
END_MARKER = "<!-- END GENERATED OPTIONS -->"

COMPLETION_FILES = {"bash": "wscli.bash", "zsh": "_wscli", "fish": "wscli.fish"}

#: The option sets several commands share, by their decorator in wscli.cli.shared_options.
SHARED_GROUPS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("Connection options", connection_options),
    ("Input and output options", output_options),
    ("Options for waiting for replies", wait_options),
)

_HELP = OptionDoc(("-h", "--help"), None, "Show the command's help and exit.")


def _signature(option: click.Option) -> tuple[Any, ...]:
    return (tuple(option.opts), tuple(option.secondary_opts), option.help)


def _shared_signatures() -> list[tuple[str, set[tuple[Any, ...]]]]:
    """Each shared group's title and its options' signatures (flags and help)."""
    groups = []
    for title, decorator in SHARED_GROUPS:

        def sample() -> None:
            """A stand-in for a command, to collect the decorator's options."""

        params = getattr(decorator(sample), "__click_params__", [])
        groups.append((title, {_signature(p) for p in params if isinstance(p, click.Option)}))
    return groups


def _metavar(option: click.Option) -> str | None:
    if option.is_flag or option.count:
        return None
    if option.metavar:
        return option.metavar
    if isinstance(option.type, click.Choice):
        return "|".join(str(choice) for choice in option.type.choices)
    if isinstance(option.type, click.types.StringParamType):
        longs = [opt for opt in option.opts if opt.startswith("--")] or option.opts
        return longs[0].lstrip("-").upper().replace("-", "_")
    return option.type.name.upper()


def _default(option: click.Option) -> str | None:
    if isinstance(option.show_default, str):
        return option.show_default
    if not option.show_default:
        return None
    default = option.default
    if option.is_flag and option.secondary_opts and isinstance(default, bool):
        return option.opts[0] if default else option.secondary_opts[0]
    if isinstance(default, bool) or not isinstance(default, str | int | float):
        return None
    return str(default)


def _option_doc(option: click.Option) -> OptionDoc:
    envvar = option.envvar if isinstance(option.envvar, str) else None
    return OptionDoc(
        flags=(*option.opts, *option.secondary_opts),
        metavar=_metavar(option),
        help=" ".join((option.help or "").split()),
        default=_default(option),
        envvar=envvar,
        repeatable=option.multiple,
    )


def _summary(help_text: str) -> str:
    """The help's first sentence, up to a colon, without its period."""
    first = " ".join(help_text.split("\n\n")[0].split())
    match = re.match(r"(.+?)(\.|:)(\s|$)", first)
    return match.group(1) if match else first


def _argument_word(argument: click.Argument) -> str:
    if isinstance(argument.type, click.Choice):
        word = "|".join(str(choice) for choice in argument.type.choices)
    else:
        word = re.sub(r"[\[\].]", "", argument.metavar or str(argument.name).upper())
    if not argument.required:
        word = f"[{word}]"
    return word + ("..." if argument.nargs == -1 else "")


def _command_doc(
    name: str, command: click.Command, shared: list[tuple[str, set[tuple[Any, ...]]]]
) -> CommandDoc:
    options = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
    taken: set[int] = set()
    groups: list[OptionGroup] = []
    for title, signatures in shared:
        members = [o for o in options if _signature(o) in signatures]
        if signatures and len(members) == len(signatures):
            groups.append(OptionGroup(title, tuple(_option_doc(o) for o in members)))
            taken.update(id(o) for o in members)
    own = [_option_doc(o) for o in options if id(o) not in taken]
    arguments = [_argument_word(p) for p in command.params if isinstance(p, click.Argument)]
    if isinstance(command, click.Group):
        arguments += ["COMMAND", "[ARG]..."]
    return CommandDoc(
        name=name,
        arguments=tuple(arguments),
        summary=_summary(command.help or ""),
        help=command.help or "",
        groups=(OptionGroup(None, (*own, _HELP)), *groups),
    )


def describe(group: click.Group) -> tuple[CommandDoc, tuple[CommandDoc, ...]]:
    """The group's and each command's documentation, read from the click tree."""
    shared = _shared_signatures()
    commands = tuple(
        _command_doc(f"wscli {name}", command, shared) for name, command in group.commands.items()
    )
    return _command_doc("wscli", group, shared), commands


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _md(text: str) -> str:
    """Help text safe in Markdown (intra-word underscores are left alone)."""
    text = re.sub(r"([\\`*<\[\]])", r"\\\1", text)
    return re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    return textwrap.fill(
        text,
        width=96,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _md_option(option: OptionDoc) -> str:
    flags = [f"`{flag}`" for flag in option.flags]
    if option.metavar is not None:
        flags[-1] = f"`{option.flags[-1]} {option.metavar}`"
    parts = [", ".join(flags) + ":", _md(option.help)]
    if option.default is not None:
        parts.append(f"Default: `{option.default}`.")
    if option.envvar is not None:
        per_line = " (one value per line)" if option.repeatable else ""
        parts.append(f"Env: `{option.envvar}`{per_line}.")
    return _wrap(" ".join(part for part in parts if part), "- ", "  ")


def _and(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def readme_reference(root: CommandDoc, commands: Iterable[CommandDoc]) -> str:
    """README's option reference: each command's own options, then the shared sets."""
    commands = tuple(commands)
    lines: list[str] = []
    shared: dict[str, OptionGroup] = {}
    for command in (root, *commands):
        usage = " ".join([command.name, "[OPTION]...", *command.arguments])
        text = _md(command.summary) + "."
        titles = [group.title for group in command.groups if group.title is not None]
        if titles:
            links = [f"[{title.lower()}](#{_anchor(title)})" for title in titles]
            text += f" Also takes the {_and(links)}."
        lines += [f"### `{usage}`", "", _wrap(text), ""]
        for group in command.groups:
            if group.title is not None:
                shared.setdefault(group.title, group)
                continue
            options = [o for o in group.options if o is not _HELP or command is root]
            if options:
                lines += [*(_md_option(option) for option in options), ""]
    for title, group in shared.items():
        users = [f"`{c.name}`" for c in commands if any(g.title == title for g in c.groups)]
        lines += [f"### {title}", "", f"Taken by {_and(users)}.", ""]
        lines += [*(_md_option(option) for option in group.options), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _splice(readme: str, reference: str) -> str:
    """README with the text between the markers replaced by ``reference``."""
    begin, end = readme.find(BEGIN_MARKER), readme.find(END_MARKER)
    if begin < 0 or end < begin:
        raise ValueError(f"README.md lacks the markers {BEGIN_MARKER} ... {END_MARKER}")
    return readme[: begin + len(BEGIN_MARKER)] + "\n\n" + reference + "\n" + readme[end:]


def _version(root: Path) -> str:
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def _prose(path: Path) -> dict[str, str]:
    """A prose file's sections; none for a missing file (a new command's page then lacks
    DESCRIPTION prose and EXAMPLES, which tests/test_docs.py reports)."""
    try:
        return parse_prose(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def generated_files(root: Path, wscli: click.Group) -> dict[str, str]:
    """Every generated file's path (relative to the repository ``root``) -> its content,
    from the command group ``wscli``."""
    files = {
        f"completions/{COMPLETION_FILES[shell]}": completion_script(wscli, shell)
        for shell in SHELLS
    }
    group, commands = describe(wscli)
    prose_dir = root / "man" / "prose"
    shared = _prose(prose_dir / "common.md")
    exit_status = tuple((int(status), text) for status, text in EXIT_STATUS_HELP.items())
    version = _version(root)
    everything = (group, *commands)
    for command in everything:
        page = Page(
            date=MAN_DATE,
            version=version,
            prose=_prose(prose_dir / f"{command.page}.md"),
            shared=shared,
            exit_status=exit_status,
            see_also=tuple(other.page for other in everything if other is not command),
            commands=commands if command is group else (),
        )
        files[f"man/{command.page}.1"] = render_page(command, page)
    readme = (root / "README.md").read_text(encoding="utf-8")
    files["README.md"] = _splice(readme, readme_reference(group, commands))
    return files
