"""The interactive session of ``wscli connect`` on a terminal.

``commands`` (slash-command parser) and ``toolbar`` (state to styled fragments) are pure;
``completion`` and ``keys`` build prompt-toolkit objects and load it only when called;
``session`` runs the prompt loop.
"""
