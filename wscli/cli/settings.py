"""Where option values come from besides the command line: ``WSCLI_<OPTION>`` environment
variables, the config file's ``[defaults]`` and ``[profiles.NAME]`` (``@NAME`` as the URL).

Precedence, strongest first: the command line, the environment, the profile, ``[defaults]``,
the built-in default.
"""

import math
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import click

from wscli.config import Config, OptionSpec, Profile, config_path, load_config
from wscli.errors import UsageError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

__all__ = [
    "Seconds",
    "complete_close_codes",
    "complete_profiles",
    "config_defaults",
    "env_var_name",
    "option_specs",
    "use_env_vars",
]


class Seconds(click.FloatRange):
    """A number of seconds in a range (FloatRange alone lets ``nan`` through, from the
    command line, a variable or the config file)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds


#: Options that take no environment variable.
_NO_ENV = {"help", "version"}


def _options(group: click.Group) -> Iterator[tuple[click.Command, click.Option]]:
    for command in group.commands.values():
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in _NO_ENV and not param.hidden:
                yield command, param


def _long_name(option: click.Option) -> str:
    longs = [opt for opt in option.opts if opt.startswith("--")]
    return longs[0][2:] if longs else str(option.name).replace("_", "-")


def env_var_name(option: click.Option) -> str:
    """``WSCLI_MAX_SIZE`` for ``--max-size``."""
    return "WSCLI_" + _long_name(option).upper().replace("-", "_")


class _Lines(click.types.StringParamType):
    """Text whose environment variable holds one value per line (click splits on any
    whitespace by default, which would cut ``X-Token: abc`` in two)."""

    envvar_list_splitter = "\n"


def use_env_vars(group: click.Group) -> None:
    """Give every option of every command its ``WSCLI_<OPTION>`` variable (shown in
    ``--help``). Repeatable options take one value per line."""
    for _, option in _options(group):
        option.envvar = env_var_name(option)
        option.show_envvar = True
        if option.multiple and isinstance(option.type, click.types.StringParamType):
            option.type = _Lines()


def option_specs(group: click.Group) -> dict[str, OptionSpec]:
    """Every option's long name -> what a config file may set it to."""
    specs: dict[str, OptionSpec] = {}
    for _, option in _options(group):
        if option.multiple:
            kind = "list"
        elif option.is_flag:
            kind = "bool"
        elif isinstance(option.type, click.types.IntParamType):
            kind = "int"
        elif isinstance(option.type, click.types.FloatParamType):
            kind = "float"
        else:
            kind = "str"
        choices = tuple(option.type.choices) if isinstance(option.type, click.Choice) else ()
        name = _long_name(option)
        known = specs.get(name)
        if known is not None and known.kind != kind:
            # listen --origin is repeatable, connect's is not: either form is accepted, and
            # config_defaults fits the value to each command.
            kind = "list" if {known.kind, kind} == {"str", "list"} else known.kind
        specs[name] = OptionSpec(str(option.name), kind, tuple(map(str, choices)))
    return specs


def _fit(option: click.Option, key: str, value: Any) -> Any:
    """A config value in the form ``option`` takes.

    Raises:
        UsageError: a list of several values for an option that takes one.
    """
    if option.multiple:
        return [value] if isinstance(value, str) else value
    if isinstance(value, list):
        if len(value) != 1:
            raise UsageError(
                f"config: {key} takes one value for this command, not {len(value)}",
                f'write {key} = "..."',
            )
        return value[0]
    if option.is_flag and not option.is_bool_flag:  # --echo, --broadcast: a mode's flag
        return option.flag_value if value else None
    return value


def _load(group: click.Group, environ: Mapping[str, str]) -> Config:
    return load_config(config_path(environ), option_specs(group))


def config_defaults(
    group: click.Group, argv: list[str], environ: Mapping[str, str]
) -> tuple[list[str], dict[str, Any] | None]:
    """``argv`` with ``@NAME`` replaced by the profile's URL (and its messages added), and
    the ``default_map`` for click built from ``[defaults]`` and the profile.

    Raises:
        UsageError: a bad config file, an unknown profile, a profile without a URL, or an
            ``auth-env`` variable that is not set.
    """
    path = config_path(environ)
    if not path.is_file() and not any(token.startswith("@") for token in argv):
        return argv, None  # the common case costs one stat()
    command_name, url, position = _command_and_url(group, argv)
    config = _load(group, environ)
    profile: Profile | None = None
    if url is not None and url.startswith("@"):
        profile = config.profiles.get(url[1:])
        if profile is None:
            known = ", ".join("@" + name for name in config.profiles) or "none"
            where = config.path or path
            raise UsageError(f"no profile {url[1:]!r} in {where}", f"profiles defined: {known}")
        if profile.url is None:
            raise UsageError(
                f"profile {profile.name!r} has no url",
                f'add url = "ws://..." to [profiles.{profile.name}]',
            )
        argv = [*argv[:position], profile.url, *argv[position + 1 :]]

    default_map: dict[str, Any] = {}
    for name, command in group.commands.items():
        params = {_long_name(p): p for p in command.params if isinstance(p, click.Option)}
        values: dict[str, Any] = {}
        layers = [config.defaults]
        if profile is not None and name == command_name:
            layers.append(profile.options)
        for layer in layers:
            for key, value in layer.items():
                if key in params:
                    fitted = _fit(params[key], key, value)
                    if fitted is not None:
                        values[str(params[key].name)] = fitted
        if profile is not None and name == command_name:
            values.update(_profile_values(profile, command, params, argv, environ))
        if values:
            default_map[name] = values
    return argv, default_map or None


def _profile_values(
    profile: Profile,
    command: click.Command,
    params: dict[str, click.Option],
    argv: list[str],
    environ: Mapping[str, str],
) -> dict[str, Any]:
    """What a profile sets besides options: --auth from ``auth-env`` (unless given), and its
    messages (connect's -x, send's first messages)."""
    values: dict[str, Any] = {}
    given = environ.get("WSCLI_AUTH") or any(
        token == "--auth" or token.startswith("--auth=") for token in argv
    )
    if profile.auth_env is not None and "auth" in params and not given:
        secret = environ.get(profile.auth_env)
        if secret is None:
            raise UsageError(
                f"profile {profile.name!r} takes --auth from ${profile.auth_env}, which is not set",
                f"export {profile.auth_env}=USER:PASS",
            )
        values["auth"] = secret
    if profile.messages and "execute" in params:  # connect -x/--execute
        values[str(params["execute"].name)] = list(profile.messages)
    if profile.messages and "profile_messages" in {p.name for p in command.params}:
        values["profile_messages"] = list(profile.messages)  # send: sent first
    return values


def _command_and_url(group: click.Group, argv: list[str]) -> tuple[str | None, str | None, int]:
    """The command's name, its URL argument and that argument's index in ``argv``."""
    for index, token in enumerate(argv):
        if token in group.commands:
            command = group.commands[token]
            rest = argv[index + 1 :]
            try:
                ctx = command.make_context(token, list(rest), resilient_parsing=True)
            except click.exceptions.ClickException:
                return token, None, -1
            url = ctx.params.get("url")
            if not isinstance(url, str):
                return token, None, -1
            for offset, value in enumerate(rest):
                if value == url:
                    return token, url, index + 1 + offset
            return token, url, -1
        if not token.startswith("-"):
            break
    return None, None, -1


def complete_profiles(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> "list[CompletionItem]":
    """Shell completion of ``@NAME`` for the URL argument, from the config file."""
    from click.shell_completion import CompletionItem

    if incomplete and not incomplete.startswith("@"):
        return []
    group = ctx.find_root().command
    try:
        assert isinstance(group, click.Group)
        profiles = _load(group, os.environ).profiles
    except (UsageError, AssertionError):
        return []
    return [
        CompletionItem("@" + name, help=profile.url or "")
        for name, profile in profiles.items()
        if ("@" + name).startswith(incomplete)
    ]


def complete_close_codes(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> "list[CompletionItem]":
    """Shell completion of close codes, each with its name from the registry."""
    from click.shell_completion import CompletionItem

    from wscli.protocol.codes import SENDABLE_CODES, close_code_name

    choices = [(str(code), name) for code, name in sorted(SENDABLE_CODES.items())]
    choices += [("3000", close_code_name(3000)), ("4000", close_code_name(4000))]
    if param.name == "code":
        choices.append(("none", "an empty close frame"))
    return [
        CompletionItem(value, help=name) for value, name in choices if value.startswith(incomplete)
    ]


def complete_variables(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> "list[CompletionItem]":
    """Shell completion of ``--var NAME=``: the names the scripts given so far use
    without capturing them (``run SCRIPT...``, or ``listen --script FILE``)."""
    from pathlib import Path

    from click.shell_completion import CompletionItem

    from wscli.script.match import needed_names
    from wscli.script.syntax import parse_script

    side, paths = "client", [Path(p) for p in ctx.params.get("scripts") or _typed_scripts()]
    if ctx.params.get("script_path"):
        side, paths = "server", [Path(ctx.params["script_path"])]
    files = [found for path in paths for found in (sorted(path.glob("*.wscli")) or [path])]
    names: list[str] = []
    for path in files:
        try:
            names += needed_names(parse_script(path.read_text(encoding="utf-8"), str(path)), side)
        except (OSError, UnicodeDecodeError, UsageError):
            continue
    return [
        CompletionItem(f"{name}=", help="a value for {{" + name + "}}")
        for name in dict.fromkeys(names)
        if f"{name}=".startswith(incomplete)
    ]


def _typed_scripts() -> list[str]:
    """The SCRIPT arguments typed on ``wscli run``'s line being completed. (click parses
    no argument of a line that ends with an option waiting for its value, as ``--var``
    does here: the shell's words, which click's completion scripts pass in COMP_WORDS.)"""
    import shlex

    try:
        words = shlex.split(os.environ.get("COMP_WORDS", ""))
    except ValueError:
        return []
    scripts, skip = [], False
    for word in words[words.index("run") + 1 :] if "run" in words else []:
        if skip or word.startswith("-"):
            skip = word in ("--url", "--var", "--junit") and not skip
            continue
        scripts.append(word)
    return scripts
