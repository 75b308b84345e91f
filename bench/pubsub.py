"""PUBLISH fan-out: one publisher, S subscribers of one channel, messages
delivered per second.

redis-benchmark has no subscribers, so this test drives the server itself
(``run_fanout``), with the same small RESP code on both servers:

* a **subscriber process** opens S connections, SUBSCRIBEs each to
  ``bench:fanout`` (and checks the confirmation bytes), then reads all of
  them with one selector loop. Every message has the same length (the
  payload is a zero-padded sequence number), so the whole stream a
  subscriber must receive is known in advance: each chunk read is compared
  in place with it (``bytes.startswith`` at the subscriber's offset: a
  memcmp, no copy). A missing, extra, reordered or altered message fails
  the run. It records when the last subscriber had its last byte.
* the **publisher** (the harness process) sends the N ``PUBLISH`` commands
  in batches of ``pipeline`` (one ``sendall`` of pre-built bytes), reading
  each batch's replies before the next one: every reply must be ``:S``
  (all subscribers still there).

The time measured runs from the publisher's first byte to the last
subscriber's last byte (CLOCK_MONOTONIC is system-wide, so the two
processes' readings compare), and the rate is N * S / that time. The
publisher and the subscriber reader are separate processes so that neither
waits for the other's Python; the server's own CPU time per delivered
message, read around the run by the caller, tells how much work each
server did when the clients are the bottleneck.

Sizes: a message is 63 bytes on the wire (20-byte payload), so a
subscriber's stream for N messages is 63 * N bytes; the default
client-output-buffer-limit for pub/sub clients (32 MB hard) is far above
what a lagging reader can let pile up in a run of this size.
"""

import multiprocessing
import selectors
import socket
import time

from bench.servers import BenchError, encode

CHANNEL = b"bench:fanout"
PAYLOAD_DIGITS = 20


def _message(i):
    """The bytes a RESP2 subscriber receives for message number ``i``."""
    payload = b"%0*d" % (PAYLOAD_DIGITS, i)
    return (b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
            % (len(CHANNEL), CHANNEL, len(payload), payload))


def expected_stream(n):
    """Everything one subscriber must read for messages 0..n-1, in order."""
    return b"".join(_message(i) for i in range(n))


def publish_commands(n):
    """The N PUBLISH commands, and each one's end offset in the blob."""
    parts = [encode(b"PUBLISH", CHANNEL, b"%0*d" % (PAYLOAD_DIGITS, i)) for i in range(n)]
    ends, pos = [], 0
    for p in parts:
        pos += len(p)
        ends.append(pos)
    return b"".join(parts), ends


def _subscribe_all(port, subscribers, timeout):
    confirm = (b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(CHANNEL), CHANNEL))
    socks = []
    for _ in range(subscribers):
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(encode(b"SUBSCRIBE", CHANNEL))
        socks.append(s)
    for s in socks:
        got = b""
        while len(got) < len(confirm):
            chunk = s.recv(len(confirm) - len(got))
            if not chunk:
                raise BenchError("a subscriber was closed before its confirmation")
            got += chunk
        if got != confirm:
            raise BenchError("unexpected SUBSCRIBE confirmation %r" % got)
        s.setblocking(False)
    return socks


def _read_all(socks, stream, timeout):
    """Read every subscriber to the end of ``stream``, checking each byte;
    the monotonic time at which the last one finished."""
    total = len(stream)
    offsets = [0] * len(socks)
    buf = bytearray(1 << 18)
    view = memoryview(buf)
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, i)
    left = len(socks)
    last = None
    deadline = time.monotonic() + timeout
    while left:
        events = sel.select(1.0)
        if not events and time.monotonic() > deadline:
            raise BenchError("subscribers still missing %d message bytes after %.0f s"
                             % (sum(total - o for o in offsets), timeout))
        for key, _mask in events:
            i = key.data
            try:
                n = key.fileobj.recv_into(buf)
            except BlockingIOError:
                continue
            if n == 0:
                raise BenchError("the server closed subscriber %d after %d of %d bytes"
                                 % (i, offsets[i], total))
            off = offsets[i]
            if off + n > total or not stream.startswith(view[:n], off):
                raise BenchError("subscriber %d received bytes that differ from the "
                                 "published messages at offset %d" % (i, off))
            offsets[i] = off + n
            if off + n == total:
                sel.unregister(key.fileobj)
                left -= 1
                last = time.monotonic()
    sel.close()
    return last


def _subscriber_main(port, subscribers, n, timeout, conn):
    """The subscriber process: subscribe, say ready, read, report."""
    socks = []
    try:
        stream = expected_stream(n)
        socks = _subscribe_all(port, subscribers, timeout)
        conn.send(("ready", None))
        conn.send(("done", _read_all(socks, stream, timeout)))
    except BaseException as e:         # reported to the harness, which raises it
        conn.send(("error", "%s: %s" % (type(e).__name__, e)))
    finally:
        for s in socks:
            s.close()
        conn.close()


def _publish(port, blob, ends, pipeline, subscribers, timeout):
    """Send the commands in batches of ``pipeline``; check every reply.
    The monotonic time of the first byte sent."""
    reply = b":%d\r\n" % subscribers
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    view = memoryview(blob)
    try:
        start = time.monotonic()
        prev = 0
        for b in range(0, len(ends), pipeline):
            batch = ends[b:b + pipeline]
            sock.sendall(view[prev:batch[-1]])
            prev = batch[-1]
            want = len(reply) * len(batch)
            got = b""
            while len(got) < want:
                chunk = sock.recv(want - len(got))
                if not chunk:
                    raise BenchError("the server closed the publisher")
                got += chunk
            if got != reply * len(batch):
                raise BenchError("PUBLISH answered %r, expected %r each (a subscriber "
                                 "was dropped?)" % (got[:40], reply))
        return start
    finally:
        sock.close()


def run_fanout(port, messages, pipeline, subscribers, timeout=300.0, prepared=None):
    """One fan-out run against the server on ``port``: ``messages`` PUBLISH
    commands to ``subscribers`` subscribers. Returns {"deliveries_per_s",
    "publishes_per_s", "seconds"}. ``prepared`` is publish_commands(messages)
    when the caller reuses it across runs."""
    blob, ends = prepared or publish_commands(messages)
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_subscriber_main,
                       args=(port, subscribers, messages, timeout, child), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise BenchError("the subscribers did not get ready in %.0f s" % timeout)
        state, value = parent.recv()
        if state != "ready":
            raise BenchError("subscribers: %s" % value)
        start = _publish(port, blob, ends, pipeline, subscribers, timeout)
        if not parent.poll(timeout):
            raise BenchError("the subscribers did not finish in %.0f s" % timeout)
        state, value = parent.recv()
        if state != "done":
            raise BenchError("subscribers: %s" % value)
        seconds = value - start
    except EOFError:
        raise BenchError("the subscriber process ended without a report")
    finally:
        parent.close()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join()
    return {"deliveries_per_s": messages * subscribers / seconds,
            "publishes_per_s": messages / seconds, "seconds": seconds}
