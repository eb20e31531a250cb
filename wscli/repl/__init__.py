"""The prompts of ``wscli connect`` and ``wscli listen`` on a terminal.

Pure parts: ``inputs`` (what a typed line asks for), ``commands`` (one table of slash
commands per prompt), ``toolbar`` (state to styled fragments) and ``backoff``. The rest
builds prompt-toolkit objects: ``prompt`` (what both prompts share), ``connect_prompt`` and
``listen_prompt``, ``lifecycle`` (a client connection's life, reconnects included),
``completer``, ``keys``, ``terminal``, ``view``; ``start`` holds the entry points.
"""
