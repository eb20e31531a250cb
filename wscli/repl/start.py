"""The prompts' entry points: ``connect`` and ``listen`` on a terminal. Option sets in,
exit status out."""

import asyncio
from typing import TYPE_CHECKING

from wscli.env import Env
from wscli.flows.entry import connect_target, start_recording
from wscli.flows.runner import exit_status_of
from wscli.flows.serve import start_listener
from wscli.options import (
    ConnectOptions,
    ListenOptions,
    OutputOptions,
    RecordOptions,
    StreamRules,
)
from wscli.output import Output, StatusWriter
from wscli.protocol.verdict import Verdict

if TYPE_CHECKING:
    from wscli.dialect.base import DialectSettings

__all__ = ["interact", "interact_listen"]


def interact(
    env: Env,
    options: ConnectOptions,
    output_options: OutputOptions,
    *,
    first_messages: list[str | bytes],
    reconnect: bool = False,
    record: RecordOptions | None = None,
    streams: StreamRules | None = None,
    dialect: "DialectSettings | None" = None,
) -> int:
    """``connect``'s prompt; return the exit status."""
    status = StatusWriter(env, output_options)
    recorder = None if record is None else start_recording(record, options.url)
    if recorder is not None:
        recorder.application_sends = dialect is not None

    async def main(interrupt: asyncio.Event) -> Verdict:
        from wscli.client.session import Session
        from wscli.repl.connect_prompt import ConnectPrompt

        async with connect_target(options, status) as target:
            prompt = ConnectPrompt(
                Session(target),
                env,
                first_messages=first_messages,
                view=output_options.binary_as,
                timestamps=output_options.timestamps,
                show_ping_pong=output_options.show_ping_pong,
                reconnect=reconnect,
                recorder=recorder,
                streams=streams,
                dialect=dialect,
            )
            return await prompt.interact(interrupt)

    try:
        return exit_status_of(main, status, debug=output_options.debug)
    finally:
        if recorder is not None:
            recorder.close()


def interact_listen(env: Env, options: ListenOptions, output_options: OutputOptions) -> int:
    """``listen``'s prompt; return the exit status."""
    output = Output(env, output_options)

    async def main(interrupt: asyncio.Event) -> Verdict:
        from wscli.repl.listen_prompt import ListenPrompt

        listener = await start_listener(options, output)
        return await ListenPrompt(listener, env, output_options).interact(interrupt)

    return exit_status_of(main, output.status, debug=output_options.debug)
