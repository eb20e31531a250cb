"""The REPL's key bindings, from a factory. Only the REPL imports this module.

- Enter sends the input, whether the prompt is single- or multi-line.
- Esc-Enter and Alt-Enter (which a terminal sends as Esc, Enter) insert a newline, so one
  message can span lines; pasted text keeps its newlines (bracketed paste) and stays one
  message.
- Ctrl-C clears the input and keeps the prompt; it never ends the session. (The prompt
  reads Ctrl-C as a key; a SIGINT from elsewhere still raises ``KeyboardInterrupt``.)
- Ctrl-D on an empty input calls ``on_quit`` and then ends the prompt by raising
  ``EOFError`` from ``prompt()``/``prompt_async()``: the loop treats it as ``/quit``.
  On a non-empty input it deletes the character under the cursor, as in Emacs and bash.

These bindings are given to ``PromptSession(key_bindings=...)``, which puts them after its
own: where both bind a key, these win. While searching history (Ctrl-R) the search
field keeps prompt-toolkit's own keys: Enter accepts the match, Ctrl-C cancels the search.
"""

from collections.abc import Callable

from prompt_toolkit.application import get_app
from prompt_toolkit.enums import DEFAULT_BUFFER
from prompt_toolkit.filters import Condition, has_focus
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

__all__ = ["make_key_bindings"]


def make_key_bindings(*, on_quit: Callable[[], object] | None = None) -> KeyBindings:
    """Key bindings for the REPL prompt (see the module's description).

    Args:
        on_quit: called when Ctrl-D is pressed on an empty input, just before the prompt
            ends with ``EOFError`` (e.g. to note that the user, not the server, ended it).
    """
    bindings = KeyBindings()
    in_input = has_focus(DEFAULT_BUFFER)

    @Condition
    def input_is_empty() -> bool:
        return not get_app().current_buffer.text

    @bindings.add("enter", filter=in_input)
    def _send(event: KeyPressEvent) -> None:
        """Enter: send the input (even when the prompt is multi-line)."""
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter", filter=in_input)
    def _newline(event: KeyPressEvent) -> None:
        """Esc-Enter, Alt-Enter: a newline in the input."""
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c", filter=in_input)
    def _clear(event: KeyPressEvent) -> None:
        """Ctrl-C: clear the input, keep the prompt (history is reloaded at the next redraw)."""
        event.current_buffer.reset()

    @bindings.add("c-d", filter=in_input & input_is_empty)
    def _quit(event: KeyPressEvent) -> None:
        """Ctrl-D on an empty input: on_quit(), then end the prompt with EOFError."""
        if on_quit is not None:
            on_quit()
        event.app.exit(exception=EOFError, style="class:exiting")

    return bindings
