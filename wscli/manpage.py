"""Man pages in roff (man(7) macros) from a plain description of the commands and prose.

Pure (standard library only): ``wscli.cli.generated_docs`` reads the click tree into the
dataclasses below, and this module writes them out, with the hand-written prose of
``man/prose/*.md``, as pages that pass ``mandoc -T lint`` and ``groff -ww``.

The prose format is a small subset of Markdown:

- ``# SECTION`` starts a section, ``## Title`` a subsection;
- paragraphs are separated by blank lines;
- a paragraph indented by four spaces is a literal block (an example);
- a paragraph of ``- item`` lines is a bullet list;
- a paragraph whose second line starts with ``:`` is a definition: the first line is the
  term, the rest its description;
- in text, ```code``` is bold and ``*word*`` italic.
"""

import re
import textwrap
from dataclasses import dataclass

__all__ = [
    "CommandDoc",
    "OptionDoc",
    "OptionGroup",
    "Page",
    "escape",
    "parse_prose",
    "prose_to_roff",
    "render_page",
]

#: Sections in the order a page has them; the ones in SHARED_SECTIONS also take the prose
#: shared by every page, before the page's own.
SECTION_ORDER = (
    "NAME",
    "SYNOPSIS",
    "DESCRIPTION",
    "COMMANDS",
    "OPTIONS",
    "EXIT STATUS",
    "ENVIRONMENT",
    "FILES",
    "EXAMPLES",
    "SEE ALSO",
)
SHARED_SECTIONS = ("ENVIRONMENT", "FILES")


@dataclass(frozen=True)
class OptionDoc:
    """One option: ``flags`` as typed (``-s``, ``--subprotocol``), its value's name
    (``NAME``; alternatives as ``text|hex``; None for a flag), help, shown default and its
    environment variable."""

    flags: tuple[str, ...]
    metavar: str | None
    help: str
    default: str | None = None
    envvar: str | None = None
    repeatable: bool = False


@dataclass(frozen=True)
class OptionGroup:
    """Options shown together under ``title`` (None: the command's own)."""

    title: str | None
    options: tuple[OptionDoc, ...]


@dataclass(frozen=True)
class CommandDoc:
    """A command: ``name`` as typed (``wscli connect``), its arguments' synopsis words
    (``[URL]``, ``[MESSAGE]...``), one-line summary, help paragraphs and options."""

    name: str
    arguments: tuple[str, ...]
    summary: str
    help: str
    groups: tuple[OptionGroup, ...]

    @property
    def page(self) -> str:
        """``wscli-connect`` for ``wscli connect``."""
        return self.name.replace(" ", "-")


@dataclass(frozen=True)
class Page:
    """What a man page is made of besides its command."""

    date: str
    version: str
    prose: dict[str, str]
    shared: dict[str, str]
    exit_status: tuple[tuple[int, str], ...]
    see_also: tuple[str, ...]
    commands: tuple[CommandDoc, ...] = ()


#: An option (``--max-size``: every hyphen a minus) or a hyphen not inside a word.
_MINUS = re.compile(r"(?<![\w-])--?[A-Za-z0-9][\w-]*|(?<!\w)-|-(?!\w)")
_SPECIAL = {"\\": r"\e", "'": r"\(aq", "`": r"\(ga", "^": r"\(ha", "~": r"\(ti"}


def escape(text: str, *, code: bool = False) -> str:
    """``text`` for a roff text line: backslashes and quotes escaped, the hyphens of
    options (and every hyphen, for ``code``) as ``\\-``, non-ASCII as ``\\[uXXXX]``."""
    if code:
        text = text.replace("-", "\0")
    else:
        text = _MINUS.sub(lambda m: m.group().replace("-", "\0"), text)
    out = "".join(_SPECIAL.get(char, char) for char in text).replace("\0", r"\-")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in out)


def _code(text: str, font: str = "B") -> str:
    r"""``text`` in bold (or ``font``), every character literal, words never hyphenated
    (long paths may break after a slash)."""
    words = (r"\%" + escape(word, code=True).replace("/", r"/\:") for word in text.split(" "))
    return rf"\f{font}" + " ".join(words) + r"\fR"


_INLINE = re.compile(r"`([^`]+)`|(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])")


def _inline(text: str) -> str:
    """Prose text with ```code``` in bold and ``*word*`` in italic."""
    parts: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        parts.append(escape(text[last : match.start()]))
        if match.group(1) is not None:
            parts.append(_code(match.group(1)))
        else:
            parts.append(r"\fI" + escape(match.group(2)) + r"\fR")
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def _lines(text: str) -> list[str]:
    """roff text lines for filled text: at most 80 characters where spaces allow, none
    starting with a dot (a request)."""
    words = text.split()
    out = textwrap.wrap(" ".join(words), width=80, break_long_words=False, break_on_hyphens=False)
    return [r"\&" + line if line.startswith(".") else line for line in out]


def parse_prose(source: str) -> dict[str, str]:
    """``# SECTION`` -> that section's prose, from a prose file."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in source.splitlines():
        if line.startswith("# "):
            current = sections.setdefault(line[2:].strip().upper(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip("\n") for name, lines in sections.items()}


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    block: list[str] = []
    for line in text.splitlines():
        if line.strip():
            block.append(line.rstrip())
        elif block:
            paragraphs.append(block)
            block = []
    if block:
        paragraphs.append(block)
    return paragraphs


def _kind(block: list[str]) -> str:
    if all(line.startswith("    ") for line in block):
        return "literal"
    if block[0].startswith("- "):
        return "bullets"
    if len(block) > 1 and block[1].lstrip().startswith(":"):
        return "definition"
    return "text"


def prose_to_roff(text: str) -> list[str]:
    """roff lines for prose in the format of the module docstring."""
    out: list[str] = []
    for block in _paragraphs(text):
        if block[0].startswith("## "):
            out.append(".SS " + _inline(block[0][3:].strip()))
            block = block[1:]
            if not block:
                continue
        kind = _kind(block)
        if kind in ("text", "literal") and out and not out[-1].startswith(".SS"):
            out.append(".PP")
        if kind == "literal":
            out += [".RS 4", ".EX"]
            out += [r"\&" + escape(line[4:], code=True) for line in block]
            out += [".EE", ".RE"]
        elif kind == "bullets":
            items: list[str] = []
            for line in block:
                if line.startswith("- "):
                    items.append(line[2:])
                else:
                    items[-1] += "\n" + line
            for item in items:
                out += [r".IP \(bu 2", *_lines(_inline(item))]
        elif kind == "definition":
            description = "\n".join([block[1].lstrip()[1:], *block[2:]])
            out += [".TP", *_lines(_inline(block[0])), *_lines(_inline(description))]
        else:
            out += _lines(_inline("\n".join(block)))
    return out


def _help_to_roff(text: str) -> list[str]:
    r"""roff lines for a click help text: paragraphs, and ``\b`` blocks kept as lines."""
    out: list[str] = []
    for block in _paragraphs(text):
        if out:
            out.append(".PP")
        if block[0].strip() == "\b":
            out += [".RS 4", ".EX"]
            out += [r"\&" + escape(line.strip(), code=True) for line in block[1:]]
            out += [".EE", ".RE"]
        else:
            out += _lines(escape("\n".join(block)))
    return out


def _synopsis_word(word: str) -> str:
    r"""``[URL]`` -> ``[\fIURL\fR]``; ``bash|zsh`` -> bold alternatives."""
    if "|" in word:
        return "|".join(_code(part) for part in word.split("|"))
    return re.sub(
        r"[A-Z][A-Z0-9_]*", lambda m: r"\fI" + m.group() + r"\fR", escape(word, code=True)
    )


def _synopsis(command: CommandDoc) -> str:
    """The synopsis line's roff text: the command in bold, placeholders in italic."""
    words = [_code(command.name)]
    if command.groups:
        words.append(r"[\fIOPTION\fR]...")
    words += [_synopsis_word(word) for word in command.arguments]
    return " ".join(words)


def _option_head(option: OptionDoc) -> str:
    r"""``\fB\-s\fR, \fB\-\-subprotocol\fR \fINAME\fR``."""
    flags = ", ".join(_code(flag) for flag in option.flags)
    if option.metavar is None:
        return flags
    if "|" in option.metavar and " " not in option.metavar:
        value = "|".join(_code(part, "I") for part in option.metavar.split("|"))
    else:
        value = _code(option.metavar, "I")
    return f"{flags} {value}"


def _option(option: OptionDoc) -> list[str]:
    out = [".TP", _option_head(option), *_lines(escape(option.help))]
    if option.default is not None:
        out.append("Default: " + _code(option.default) + ".")
    if option.envvar is not None:
        per_line = " (one value per line)" if option.repeatable else ""
        out.append("Environment: " + _code(option.envvar) + per_line + ".")
    return out


def _options(command: CommandDoc) -> list[str]:
    out: list[str] = []
    for group in command.groups:
        if group.title is not None:
            out.append(".SS " + escape(group.title))
        for option in group.options:
            out += _option(option)
    return out


def _commands(page: Page) -> list[str]:
    out: list[str] = []
    for command in page.commands:
        out += [".TP", _synopsis(command), *_lines(escape(command.summary + "."))]
        out.append("See " + _code(command.page) + "(1).")
    return out


def _exit_status(page: Page) -> list[str]:
    out: list[str] = []
    for status, meaning in page.exit_status:
        out += [".TP", rf"\fB{status}\fR", *_lines(escape(meaning))]
    return out


def _see_also(page: Page) -> list[str]:
    out = [r".BR \%" + escape(name, code=True) + " (1)," for name in page.see_also]
    if out:
        out[-1] = out[-1].removesuffix(",")
    return out


def _lower_first(sentence: str) -> str:
    """``Connect to URL`` -> ``connect to URL``; an acronym (``TLS ...``) stays."""
    word = sentence.split(" ", 1)[0]
    if sum(char.isupper() for char in word) == 1:
        return sentence[0].lower() + sentence[1:]
    return sentence


def render_page(command: CommandDoc, page: Page) -> str:
    """The man page of ``command``: the click tree's parts and the prose, in roff."""
    title = escape(command.page.upper(), code=True)
    sections: dict[str, list[str]] = {
        "NAME": [escape(command.page, code=True) + r" \- " + escape(_lower_first(command.summary))],
        "SYNOPSIS": [_synopsis(command)],
        "DESCRIPTION": _help_to_roff(command.help),
        "COMMANDS": _commands(page),
        "OPTIONS": _options(command),
        "EXIT STATUS": _exit_status(page),
        "SEE ALSO": _see_also(page),
    }
    if page.commands:
        sections["SYNOPSIS"] = [_synopsis(command)]
        sections["SYNOPSIS"] += [line for sub in page.commands for line in (".br", _synopsis(sub))]
    for name in SECTION_ORDER:
        parts = [page.shared.get(name, "")] if name in SHARED_SECTIONS else []
        parts.append(page.prose.get(name, ""))
        extra = prose_to_roff("\n\n".join(part for part in parts if part))
        if extra:
            existing = sections.setdefault(name, [])
            if existing and not extra[0].startswith((".SS", ".TP", ".IP")):
                existing.append(".PP")
            existing += extra
    lines = [
        r".\" Generated by python -m wscli._docgen from the click tree and",
        rf".\" man/prose/{command.page}.md: edit those, not this file.",
        f'.TH {title} 1 {page.date} "wscli {escape(page.version)}" "User Commands"',
    ]
    for name in SECTION_ORDER:
        if sections.get(name):
            lines.append(f'.SH "{name}"' if " " in name else f".SH {name}")
            lines += sections[name]
    return "\n".join(lines) + "\n"
