"""Pure pieces (standard library only): events, close codes, the target URL and headers,
payload decoding and the verdict (how a session ended, as an exit status)."""
