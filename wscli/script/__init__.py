"""Scripted conversations: the .wscli format (syntax) and matching (match). Pure."""
