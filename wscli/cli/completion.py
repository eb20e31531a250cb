"""``wscli completion SHELL``: the shell's completion script, from click's own machinery."""

import click

__all__ = ["SHELLS", "completion_command", "completion_script"]

SHELLS = ("bash", "zsh", "fish")


def completion_script(group: click.Group, shell: str) -> str:
    """The completion script of ``group`` (wscli's) for ``shell``: it asks ``wscli`` itself
    for each completion (``_WSCLI_COMPLETE``), so it cannot drift from the options."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None
    return cls(group, {}, "wscli", "_WSCLI_COMPLETE").source()


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion_command(shell: str) -> int:
    """Print the completion script for SHELL (bash, zsh or fish).

    \b
    bash:  wscli completion bash > ~/.local/share/bash-completion/completions/wscli
    zsh:   wscli completion zsh > "${fpath[1]}/_wscli"
    fish:  wscli completion fish > ~/.config/fish/completions/wscli.fish
    """
    group = click.get_current_context().find_root().command
    assert isinstance(group, click.Group)
    click.echo(completion_script(group, shell), nl=False)
    return 0
