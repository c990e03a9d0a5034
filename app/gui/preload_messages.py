"""The messages between the window and its preload child (rtreview.gui.preload, rtreview.gui.preload_child):
how one travels through a pipe, how it is read back, and the size of the child's pipe.

A message (both ways) is a header (pickle length, number of out-of-band buffers, each buffer's
length and read-only flag), the pickle (protocol 5), the buffers (numpy arrays of 64 KiB and
more; the smaller ones travel inside the pickle). Read-only arrays stay read-only.
"""
from __future__ import annotations

import pickle
import struct

HEADER = struct.Struct("!QI")  # pickle length, number of out-of-band buffers
BUFFER = struct.Struct("!Q?")  # buffer length, read-only
IN_BAND_BYTES = 1 << 16
PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged process (/proc/sys/fs/pipe-max-size)


def send(out, message) -> None:
    """Write one message (see the module docstring) to the binary file ``out``."""
    buffers: list = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        if buffer.raw().nbytes < IN_BAND_BYTES:
            return True  # in band
        buffers.append(buffer)
        return False

    payload = pickle.dumps(message, protocol=5, buffer_callback=out_of_band)
    raws = [b.raw() for b in buffers]
    head = HEADER.pack(len(payload), len(raws)) + b"".join(BUFFER.pack(r.nbytes, r.readonly) for r in raws)
    for chunk in (head, payload, *raws):
        view = memoryview(chunk).cast("B")
        while len(view):
            view = view[out.write(view):]


def read_raw(read_exact):
    """One message as (pickle bytes, buffers) from ``read_exact(n)`` (None at the end of the stream);
    ``pickle.loads(payload, buffers=buffers)`` decodes it."""
    head = read_exact(HEADER.size)
    if head is None:
        return None
    def rest(n: int) -> bytearray:  # inside a message: its end must come
        data = read_exact(n) if n else bytearray()
        if data is None:
            raise OSError("the preload pipe closed mid-message")
        return data

    size, count = HEADER.unpack(head)
    specs = [BUFFER.unpack(rest(BUFFER.size)) for _ in range(count)]
    payload = rest(size)
    buffers = []
    for nbytes, readonly in specs:
        view = memoryview(rest(nbytes))
        buffers.append(view.toreadonly() if readonly else view)
    return payload, buffers


def reader(file):
    """``read_exact(n)`` over a binary file: a bytearray of n bytes, None at a clean end; OSError
    when the stream ends inside a message."""
    def read_exact(n: int) -> bytearray | None:
        data = bytearray(n)
        view, got = memoryview(data), 0
        while got < n:
            r = file.readinto(view[got:])
            if not r:
                if got == 0 and n:
                    return None
                raise OSError("the preload pipe closed mid-message")
            got += r
        return data
    return read_exact


def decode(raw):
    """The message ``read_raw`` returned as (pickle bytes, buffers)."""
    payload, buffers = raw
    return pickle.loads(payload, buffers=buffers)


def widen_pipe(fd: int) -> None:
    """A larger pipe (``PIPE_BYTES``) where the system allows it: a case of 150 MB passes in fewer, larger copies."""
    try:
        import fcntl
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (OSError, AttributeError, ImportError):
        pass
