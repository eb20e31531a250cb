"""``wscli listen``."""

from typing import Any

import click
from click.core import ParameterSource

from wscli.cli.framing_options import framing_of, framing_options
from wscli.cli.script_options import script_values, var_option
from wscli.cli.settings import Seconds
from wscli.cli.shared_options import (
    ENVIRONMENT_EPILOG,
    EXIT_EPILOG,
    current_env,
    option,
    output_options,
    output_settings,
)
from wscli.cli.stream_options import pass_env_option
from wscli.errors import UsageError
from wscli.options import SERVER_DIALECT_NAMES, ListenMode, ListenOptions
from wscli.protocol.target import parse_auth, parse_size

__all__ = ["listen_command"]

_FILE = click.Path(dir_okay=False)
_SECONDS = Seconds(min=0)  # (FloatRange takes nan)


@click.command("listen", epilog=EXIT_EPILOG + ENVIRONMENT_EPILOG)
@click.argument("port", type=click.IntRange(0, 65535), default=8765, required=False)
@option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind (0.0.0.0 or :: to accept other machines: explicit on purpose).",
)
@option("--echo", "mode", flag_value="echo", help="Echo every message back to its sender.")
@option(
    "--broadcast",
    "mode",
    flag_value="broadcast",
    help="Relay every message to all other clients (a chat room).",
)
@option(
    "--exec",
    "program",
    metavar="CMD",
    help="Run CMD (a shell command) per connection: messages become lines on its stdin, "
    "its stdout lines become messages (--input-format jsonl: JSON Lines both ways, with"
    " pings and closes); request details are in its environment.",
)
@pass_env_option
@option(
    "-s",
    "--subprotocol",
    "subprotocols",
    multiple=True,
    metavar="NAME",
    help="Support this subprotocol (repeatable); the first one of the client's offer that "
    "is supported is picked.",
)
@option(
    "--require-subprotocol",
    is_flag=True,
    help="Answer 400 to clients that offer none of the -s subprotocols.",
)
@option("--cert", type=_FILE, metavar="FILE", help="TLS certificate (PEM): serve wss://.")
@option("--key", type=_FILE, metavar="FILE", help="The certificate's private key (PEM).")
@option(
    "--client-ca",
    type=_FILE,
    metavar="FILE",
    help="Mutual TLS: require a client certificate signed by this CA (PEM); a client"
    " without one is refused at the TLS handshake. The subject is in the open event,"
    " /clients and --exec's SSL_CLIENT_S_DN.",
)
@option("--auth", metavar="USER:PASS", help="Require these HTTP Basic credentials (401).")
@option(
    "--origin",
    "origins",
    multiple=True,
    metavar="ORIGIN",
    help="Admit browser pages from this origin only (repeatable; 403 otherwise). Clients "
    "that send no Origin, and wscli's own page, are always admitted.",
)
@option(
    "--max-connections",
    type=click.IntRange(min=1),
    metavar="N",
    help="Answer 503 beyond N open connections. Default: what the open-files limit holds"
    " (raised to the hard limit at start; less 64 files, a quarter of that with --exec),"
    " so a client over it gets 503, not a failed accept.",
)
@option(
    "--max-size",
    default="64M",
    show_default=True,
    metavar="BYTES",
    help="Largest message accepted (k/M/G suffixes; 0 for no limit); bigger: close 1009.",
)
@option("--path", metavar="PATH", help="Upgrade only on PATH (404 for other paths).")
@option(
    "--once",
    is_flag=True,
    help="Serve one connection, then exit with the status its close code maps to.",
)
@option(
    "--ping-interval",
    type=_SECONDS,
    default=20.0,
    show_default=True,
    metavar="SECONDS",
    help="Send a keepalive ping to each client this often (0: never).",
)
@option(
    "--ping-timeout",
    type=_SECONDS,
    default=20.0,
    show_default=True,
    metavar="SECONDS",
    help=(
        "Drop a client (1011) that sends nothing at all, pong or message, this long"
        " after a keepalive ping (0: never): a client busy sending is alive. wscli"
        " hands each socket at most about 512 KiB at a time, so its pings never wait"
        " behind more than that and the socket's buffer."
    ),
)
@option(
    "--compression/--no-compression",
    default=True,
    show_default=True,
    help="Accept permessage-deflate.",
)
@option("--no-page", is_flag=True, help="No browser console page on GET /.")
@option(
    "--unix-socket",
    metavar="PATH",
    help="Serve on this Unix-domain socket instead of TCP (removed on exit; a stale one"
    " left by a server that is gone is replaced). Clients: wscli connect --unix-socket PATH.",
)
@option(
    "--socket-mode",
    default="600",
    show_default=True,
    metavar="OCTAL",
    help="The --unix-socket file's permissions.",
)
@option(
    "--dialect",
    type=click.Choice(tuple(SERVER_DIALECT_NAMES)),
    help="Speak the server's side of this protocol with each client: its opening and"
    " heartbeats; client messages and --echo's answers are its application messages"
    " (the default mode, --echo and --script).",
)
@option(
    "--script",
    "script_path",
    metavar="FILE",
    type=_FILE,
    help="Play the server's side of this .wscli script with each client (a mock server):"
    " wait for a message matching each > line, send each < line, close as it says; a"
    " client that deviates is closed with 1008 (with --once: exit 9).",
)
@var_option(" in --script")
@output_options
@framing_options
def listen_command(
    port: int,
    host: str,
    mode: ListenMode | None,
    program: str | None,
    script_path: str | None,
    variables: tuple[str, ...],
    **values: Any,
) -> int:
    """Listen on PORT (default 8765; 0 picks a free one) for WebSocket clients.

    Prints "listening on ws://HOST:PORT" on stderr when ready (and a "listening" event
    with --jsonl). Each connection gets a number. On a terminal, a prompt: typed lines go
    to every client, or to one after /to N; /clients, /kick N, /ping N, /help. Otherwise
    stdin lines go to every client (EOF does not stop the server) and client messages go
    to stdout (--jsonl: every event, with the client's "id").

    --echo, --broadcast, --exec and --script do not read stdin. A plain GET / answers a
    browser console page over the WebSocket API; /healthz answers 200. Ctrl-C or SIGTERM
    closes every client with 1001 and exits 0.
    """
    output = output_settings(values)._replace(framing=framing_of(values))
    if script_path is not None:
        if mode is not None or program is not None:
            given = f"--{mode}" if mode is not None else "--exec"
            raise UsageError(f"--script and {given} contradict each other", "give one mode")
        mode = "script"
    options = _with_dialect(_listen_options(port, host, mode, program, values))
    env = current_env()
    if script_path is not None:
        from wscli.cli.run import setting_option
        from wscli.flows.run_scripts import load_scripts
        from wscli.flows.serve import serve

        known = script_values(variables, env)
        script = load_scripts([script_path], known, side="server")[0]
        for name, _, line in script.options:  # a client's settings; checked all the same
            if name != "auth-env":
                setting_option(script, name, line)
        if not options.subprotocols:  # the script's own, as its client offers them
            settings = [v for n, v, _ in script.options if n == "subprotocol"]
            offered = [v for v in settings if "{{" not in v]
            options = options._replace(subprotocols=tuple(offered))
        return serve(env, options, output, script=script, values=known)
    if env.interactive and options.mode == "default" and not output.jsonl:
        from wscli.repl.start import interact_listen

        return interact_listen(env, options, output)
    from wscli.flows.serve import serve

    return serve(env, options, output)


def _listen_options(
    port: int, host: str, mode: ListenMode | None, program: str | None, values: dict[str, Any]
) -> ListenOptions:
    if program is not None and mode is not None:
        # The command line beats the config file and WSCLI_ variables; within one, two
        # modes contradict each other.
        ctx = click.get_current_context()
        exec_given = ctx.get_parameter_source("program") is ParameterSource.COMMANDLINE
        mode_given = ctx.get_parameter_source("mode") is ParameterSource.COMMANDLINE
        if exec_given == mode_given:
            raise UsageError(f"--exec and --{mode} contradict each other", "give one mode")
        if mode_given:
            program = None
    if program is not None:
        mode = "exec"
    if bool(values["cert"]) != bool(values["key"]):
        raise UsageError("--cert and --key go together", "give both files (PEM)")
    if values["client_ca"] and not values["cert"]:
        raise UsageError(
            "--client-ca needs --cert and --key", "serve wss:// to ask for certificates"
        )
    path = values["path"]
    if path is not None and not path.startswith("/"):
        raise UsageError(f"--path {path!r} must start with /", f"try --path /{path}")
    if values["require_subprotocol"] and not values["subprotocols"]:
        raise UsageError("--require-subprotocol needs -s NAME", "name the subprotocols")
    return ListenOptions(
        host=host,
        port=port,
        mode=mode or "default",
        program=program,
        input_format=values["input_format"],
        binary_as=values["binary_as"] if values["binary_as"] != "raw" else "hex",
        subprotocols=tuple(values["subprotocols"]),
        require_subprotocol=values["require_subprotocol"],
        cert=values["cert"],
        key=values["key"],
        client_ca=values["client_ca"],
        keylog=current_env().environ.get("SSLKEYLOGFILE") or None,
        auth=parse_auth(values["auth"]) if values["auth"] is not None else None,
        origins=tuple(values["origins"]),
        max_connections=values["max_connections"],
        max_size=parse_size(values["max_size"]),
        path=path,
        once=values["once"],
        page=not values["no_page"],
        compression=values["compression"],
        ping_interval=values["ping_interval"] or None,
        ping_timeout=values["ping_timeout"] or None,
        dialect=values["dialect"],
        unix_socket=values["unix_socket"],
        socket_mode=_socket_mode(values["socket_mode"]),
        pass_env=tuple(values["pass_env"]),
        # The program writes JSON Lines: it reads them too (--jsonl is listen's stdout).
        program_jsonl=program is not None and values["input_format"] == "jsonl",
    )


def _with_dialect(options: ListenOptions) -> ListenOptions:
    """--dialect: not with --exec or --broadcast; its subprotocol supported first."""
    if options.dialect is None:
        return options
    if options.mode not in ("default", "echo", "script"):
        raise UsageError(
            "listen --dialect works in the default mode, with --echo and with --script",
            "drop --exec or --broadcast",
        )
    from wscli.dialect.serving import SERVER_DIALECTS

    own = SERVER_DIALECTS[options.dialect].subprotocols
    extra = tuple(name for name in options.subprotocols if name not in own)
    return options._replace(subprotocols=(*own, *extra))


def _socket_mode(text: str) -> int:
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise UsageError(f"--socket-mode {text!r} is not an octal mode", "e.g. 600 or 660")
    return mode
