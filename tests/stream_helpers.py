"""Helpers shared by the stream tests: masking the fields of stream replies
that hold times (they differ between two servers by a few milliseconds)."""

from resp_struct import Node

T = Node((":", "T"))          # a masked time
TIME_KEYS = (b"seen-time", b"idle")


def _mask_pending_entry(e):
    """A pending entry of XINFO STREAM FULL: [id, consumer, time, count]
    (group) or [id, time, count] (consumer); the time is masked."""
    items = list(e.value)
    at = 2 if len(items) == 4 else 1
    assert items[at].kind == ":" and items[at].value >= 0
    items[at] = T
    return Node((e.kind, tuple(items)))


def mask(node):
    """The reply tree with time values replaced by T."""
    kind, value = node
    if kind == "%":
        out = []
        for k, v in value:
            if k.value in TIME_KEYS:
                assert v.kind == ":" and v.value >= 0, v
                v = T
            elif k.value == b"pending" and v.kind == "*":
                v = Node(("*", tuple(_mask_pending_entry(e) for e in v.value)))
            else:
                v = mask(v)
            out.append((k, v))
        return Node((kind, tuple(out)))
    if kind == "*" and value is not None:
        items = list(value)
        i = 0
        while i < len(items):
            it = items[i]
            if it.kind == "$" and it.value in TIME_KEYS and i + 1 < len(items):
                assert items[i + 1].kind == ":" and items[i + 1].value >= 0
                items[i + 1] = T
                i += 2
                continue
            if (it.kind == "$" and it.value == b"pending" and i + 1 < len(items)
                    and items[i + 1].kind == "*"):
                items[i + 1] = Node(("*", tuple(_mask_pending_entry(e)
                                                for e in items[i + 1].value)))
                i += 2
                continue
            items[i] = mask(it)
            i += 1
        return Node((kind, tuple(items)))
    return node
