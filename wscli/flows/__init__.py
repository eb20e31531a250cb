"""What a command does, click-free: each flow runs on the cores and writes through the front
end (:mod:`wscli.output`).

- :mod:`~wscli.flows.runner`: the event loop, signals and the one error path.
- :mod:`~wscli.flows.stdin`: stdin lines as batches of messages.
- :mod:`~wscli.flows.feed`: one loop from an input source to a link (or to every client).
- :mod:`~wscli.flows.exchange`: ``connect`` in a pipe and ``send``: feed, wait, close, judge.
- :mod:`~wscli.flows.close_check`: ``close``: the closing handshake, reported.
- :mod:`~wscli.flows.serve`: ``listen`` off a terminal.
- :mod:`~wscli.flows.program`: ``listen --exec``: a program at the other end of a link.
- :mod:`~wscli.flows.entry`: each command's entry point: option sets in, exit status out.
"""
