"""A raw WebSocket frame fuzzer for wscli (issue 13, "Fuzzing").

No WebSocket library on the fuzzer's side: frames are written byte by byte, so they can
break every rule of RFC 6455.

- :mod:`~tests.fuzz.wire`: frames, masks and the opening handshake by hand;
- :mod:`~tests.fuzz.oracle`: the reference receiver, what RFC 6455 prescribes for a stream;
- :mod:`~tests.fuzz.frames`: the seeded generator of cases (:mod:`~tests.fuzz.case`);
- :mod:`~tests.fuzz.peer`: the raw server (for ``connect`` and ``send``) and raw client
  (for ``listen --echo``), which record what wscli sends back;
- :mod:`~tests.fuzz.runner`: one case against ``connect`` or ``send``, and the properties;
- :mod:`~tests.fuzz.listener` and :mod:`~tests.fuzz.crowd`: cases against one ``listen
  --echo`` while 20 well-behaved clients echo through it.

tests/test_fuzz.py runs a fixed range of seeds in CI; ``python -m tests.fuzz --minutes N``
runs them without the bound (``--help``).
"""
