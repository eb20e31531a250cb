"""Sizes of outgoing messages, and cutting the send queue into batches."""

__all__ = ["batch_size", "message_size", "take_about"]


def take_about(
    outgoing: list[str | bytes], limit: int, queued: int
) -> tuple[list[str | bytes], int]:
    """Take the oldest of ``outgoing`` (``queued`` bytes in all, more than ``limit``):
    about ``limit`` bytes of them (at most twice, or one bigger message), and their size."""
    count = max(1, len(outgoing) * limit // queued)  # by the average size
    batch = outgoing[:count]
    size = batch_size(batch)
    if size > 2 * limit and count > 1:  # sizes vary too much: count them one by one
        size = count = 0
        for data in outgoing:
            count += 1
            size += message_size(data)
            if size >= limit:
                break
        batch = outgoing[:count]
    del outgoing[:count]
    return batch, size


def batch_size(messages: list[str | bytes]) -> int:
    """The size of several messages, in bytes."""
    try:  # all text, the common case: one pass
        joined = "".join(messages)  # type: ignore[arg-type]
    except TypeError:
        pass
    else:
        return len(joined) if joined.isascii() else message_size(joined)
    size = 0
    for data in messages:
        size += len(data) if type(data) is bytes or data.isascii() else message_size(data)
    return size


def message_size(data: str | bytes) -> int:
    """A message's size in bytes: its UTF-8 length for text (ASCII is counted cheaply)."""
    if isinstance(data, bytes) or data.isascii():
        return len(data)
    return len(data.encode("utf-8", "surrogatepass"))
