"""Producer: queued, batched appends with delivery reports served on the
application's thread (OFFLOG_DELIVERY_POLL)."""

from __future__ import annotations

import asyncio
import itertools
import time
import ctypes
from ctypes import byref, c_int, c_int64, c_size_t, c_uint64, c_void_p, string_at
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Union

from . import _abi
from ._store import Store, choice, set_fields, versioned
from ._types import (
    MEM, MEM_LEN, PARTITION_ANY, BytesLike, HeadersArg, fill_message, layout, name_bytes,
)
from .errors import OfflogError, check, error, make

lib = _abi.lib

_Message = _abi.Message
_NOW = _abi.const("TIMESTAMP_NOW")
_EQUEUEFULL = _abi.const("EQUEUEFULL")
# offlog_delivery's fields the reports need, read with one unpack_from.
_DELIVERY, _ = layout(_abi.Delivery, ("partition", "offset", "sequence", "duplicate", "err",
                                      "msg_opaque", "errmsg"))
# offlog_producer_send without ctypes' per-argument conversion (the send
# path's largest cost): the handle and the token are passed as c_void_p,
# the topic as bytes (char *), the partition as a C int (int32_t), the
# message by reference.
_send = lib["offlog_producer_send"]
_send.restype = c_int
_QUEUE_FULL = {"block": "QUEUE_BLOCK", "fail": "QUEUE_FAIL"}

#: Longest single wait inside flush(), poll() and DeliveryFuture.result(), in
#: seconds: Ctrl-C interrupts a wait within this time.
WAIT_SLICE = 0.1


class DeliveryReport(NamedTuple):
    """The outcome of one sent record. error is None when it was written."""

    topic: str
    partition: int
    offset: int
    sequence: int
    duplicate: bool
    error: Optional[OfflogError]


DeliveryCallback = Callable[[DeliveryReport], None]


class DeliveryFuture:
    """The pending outcome of Producer.send(), settled when its report is served.

    Reports are served by Producer.poll(), flush() and close(); result()
    polls the producer itself while it waits.
    """

    __slots__ = ("_producer", "_report", "_callbacks")

    def __init__(self, producer: "Producer") -> None:
        self._producer = producer
        self._report: Optional[DeliveryReport] = None
        self._callbacks: List[Callable[["DeliveryFuture"], None]] = []

    def done(self) -> bool:
        """True once the record's report was served."""
        return self._report is not None

    def report(self, timeout: Optional[float] = None) -> DeliveryReport:
        """The delivery report, waiting up to ``timeout`` seconds (None: no limit) by
        polling the producer; raises Timeout if it does not come in time."""
        if self._report is None:
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._report is None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise make("ETIMEDOUT", "no delivery report within %g s" % timeout)
                self._producer.poll(WAIT_SLICE if left is None else min(WAIT_SLICE, left))
        return self._report

    def result(self, timeout: Optional[float] = None) -> Tuple[int, int]:
        """(partition, offset) of the written record, or raise its error."""
        r = self.report(timeout)
        if r.error is not None:
            raise r.error
        return r.partition, r.offset

    def exception(self, timeout: Optional[float] = None) -> Optional[OfflogError]:
        """The record's error, or None when it was written."""
        return self.report(timeout).error

    def add_done_callback(self, fn: Callable[["DeliveryFuture"], None]) -> None:
        """Call fn(future) when the report is served (at once if it already was)."""
        if self._report is not None:
            fn(self)
        else:
            self._callbacks.append(fn)

    def __await__(self) -> Any:
        return self._producer._await(self).__await__()


class Producer:
    """A batching producer on a store: send() queues, a thread of the library writes
    in batches, and each record's delivery report is served on this thread.

    ``Producer(store, on_delivery=None, **options)``; use it as a context
    manager (close() flushes). Reports are served inside poll(), flush(),
    close() and DeliveryFuture.result(); each settles the record's future and
    calls ``on_delivery(report)`` (the producer's, then the send's own). An
    exception raised by a callback is re-raised by the call that served it.
    Call poll() regularly (or flush()): reports not yet served count against
    queue_bytes, as librdkafka's do.

    Options (omitted ones keep the library's defaults): linger_ms,
    batch_records, batch_bytes, queue_bytes, block_ms, idempotent,
    producer_id, and queue_full ("block" or "fail"). With "block" (the
    default) a send that finds the queue full serves delivery reports,
    which frees room, for up to block_ms before it raises QueueFull.
    """

    def __init__(self, store: Store, on_delivery: Optional[DeliveryCallback] = None, *,
                 linger_ms: Optional[int] = None, batch_records: Optional[int] = None,
                 batch_bytes: Optional[int] = None, queue_bytes: Optional[int] = None,
                 queue_full: Union[str, int, None] = None, block_ms: Optional[int] = None,
                 idempotent: Optional[bool] = None, producer_id: Optional[int] = None) -> None:
        self._p: Optional[int] = None
        self._store = store
        self._on_delivery = on_delivery
        self._pending: List[BaseException] = []
        self._inflight: Dict[int, Tuple[DeliveryFuture, Optional[DeliveryCallback], str]] = {}
        self._tokens = itertools.count(1)
        self._topics: Dict[str, bytes] = {}
        opts = versioned("offlog_producer_options", lib.offlog_producer_options_init)
        set_fields(opts, {
            "linger_ms": linger_ms, "batch_records": batch_records, "batch_bytes": batch_bytes,
            "queue_bytes": queue_bytes, "block_ms": block_ms,
            "queue_full": None if queue_full is None else choice(queue_full, _QUEUE_FULL,
                                                                 "queue_full"),
            "idempotent": None if idempotent is None else int(idempotent),
            "producer_id": producer_id,
        })
        # Reports not yet served hold queue room, and they are served only on
        # this thread: a send blocking inside the library would wait for
        # room that only this thread can free. So the library fails at once,
        # and send() waits here, serving reports (and letting Ctrl-C in).
        self._block = opts.queue_full != _abi.const("QUEUE_FAIL")
        self._block_s = opts.block_ms / 1000.0
        opts.queue_full = _abi.const("QUEUE_FAIL")
        self._cb = _abi.DeliveryCb(self._delivered)
        opts.on_delivery = self._cb
        opts.delivery_mode = _abi.const("DELIVERY_POLL")
        p = c_void_p()
        check(lib.offlog_producer_open(byref(p), store.handle, byref(opts)))
        self._p = p.value
        self._hv = p
        store._adopt(self)

    # -- reports --------------------------------------------------------------

    def _delivered(self, opaque: Any, address: int) -> None:
        try:
            if address + _DELIVERY.size <= MEM_LEN:
                part, off, seq, dup, err, token, errmsg = _DELIVERY.unpack_from(MEM, address)
            else:
                r = _abi.Delivery.from_address(address)
                part, off, seq, dup, err, token = (r.partition, r.offset, r.sequence,
                                                   r.duplicate, r.err, r.msg_opaque)
                errmsg = ctypes.cast(r.errmsg, c_void_p).value
            entry = self._inflight.pop(token, None)
            if entry is None:
                return
            fut, own, topic = entry
            exc = error(err, string_at(errmsg) if errmsg else b"") if err else None
            fut._report = rep = DeliveryReport(topic, part, off, seq, bool(dup), exc)
            if self._on_delivery is not None:
                self._on_delivery(rep)
            if own is not None:
                own(rep)
            for fn in fut._callbacks:
                fn(fut)
        except BaseException as e:  # re-raised by the call that served the report
            self._pending.append(e)

    def _check(self, rc: int, detail: Optional[bytes] = None) -> None:
        if self._pending:
            pending, self._pending = self._pending[0], []
            raise pending
        if rc:
            raise error(rc, detail)

    # -- lifetime -------------------------------------------------------------

    @property
    def handle(self) -> int:
        """The offlog_producer pointer; InvalidState once closed."""
        if self._p is None:
            raise make("ESTATE", "the producer is closed")
        return self._p

    def close(self, purge: bool = False) -> None:
        """Write what is queued (or, with purge, report it as Purged unwritten), serve
        every report, and close. Closing twice does nothing."""
        if self._p is None:
            return
        p, self._p = self._p, None
        self._store._forget(self)
        flags = _abi.const("PRODUCER_PURGE") if purge else 0
        self._check(lib.offlog_producer_close(p, flags))

    @property
    def closed(self) -> bool:
        """True once close() has run."""
        return self._p is None

    def __enter__(self) -> "Producer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<offlog.Producer%s>" % (" closed" if self.closed else "")

    # -- sending --------------------------------------------------------------

    def send(self, topic: str, value: Optional[BytesLike], key: Optional[BytesLike] = None,
             partition: int = PARTITION_ANY, headers: HeadersArg = None,
             timestamp: Optional[int] = None,
             on_delivery: Optional[DeliveryCallback] = None) -> DeliveryFuture:
        """Queue a record (copied by the library); returns its DeliveryFuture at once.

        Errors found at send (QueueFull, TooLarge, InvalidName, Fenced) are
        raised here; those of the write (UnknownTopic, a full disk) come in
        the report.
        """
        keep: List[Any] = []
        if headers is None and type(value) is bytes and (key is None or type(key) is bytes):
            # The common case, built in one constructor call.
            m = _Message(key, len(key) if key is not None else 0, value, len(value),
                         _NOW if timestamp is None else int(timestamp))
        else:
            m = _Message()
            fill_message(m, value, key, headers, timestamp, keep)
        t = self._topics.get(topic)
        if t is None:
            t = self._topics[topic] = name_bytes(topic)
            if len(self._topics) > 1000:
                self._topics.clear()
        if self._p is None:
            raise make("ESTATE", "the producer is closed")
        token = next(self._tokens)
        fut = DeliveryFuture(self)
        self._inflight[token] = (fut, on_delivery, topic)
        rc = _send(self._hv, t, partition, byref(m), c_void_p(token))
        if rc == _EQUEUEFULL and self._block:
            rc = self._send_blocking(t, partition, m, token)
        if rc:
            del self._inflight[token]
            self._check(rc)
        return fut

    def _send_blocking(self, topic: bytes, partition: int, m: Any, token: int) -> int:
        deadline = time.monotonic() + self._block_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return _EQUEUEFULL
            self.poll(min(WAIT_SLICE, left))
            if self._p is None:
                return _abi.const("ESTATE")
            rc = _send(self._hv, topic, partition, byref(m), c_void_p(token))
            if rc != _EQUEUEFULL:
                return rc

    def poll(self, timeout: Optional[float] = 0) -> int:
        """Serve the delivery reports waiting; when none waits, wait up to ``timeout``
        seconds (None: until one comes) for the first. Returns how many were served."""
        h = self.handle
        served = c_size_t()
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            ms = int(WAIT_SLICE * 1000) if left is None else \
                max(0, min(int(WAIT_SLICE * 1000), int(left * 1000 + 0.999)))
            rc = lib.offlog_producer_poll(byref(served), h, ms)
            self._check(rc)
            if served.value or (left is not None and left <= WAIT_SLICE):
                return served.value

    def flush(self, timeout: Optional[float] = None) -> None:
        """Wait until every record sent so far is written and its report served, at most
        ``timeout`` seconds (None: no limit); raises Timeout after that."""
        h = self.handle
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        etimedout = _abi.const("ETIMEDOUT")
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            ms = int(WAIT_SLICE * 1000) if left is None else \
                max(0, min(int(WAIT_SLICE * 1000), int(left * 1000 + 0.999)))
            rc = lib.offlog_producer_flush(h, ms)
            if rc != etimedout or (left is not None and left <= WAIT_SLICE):
                self._check(rc)
                return

    def fileno(self) -> int:
        """A descriptor readable while delivery reports wait: for selectors or asyncio
        (then call poll(0)). Only wait on it."""
        fd = c_int()
        self._check(lib.offlog_producer_fd(byref(fd), self.handle))
        return fd.value

    async def _await(self, fut: DeliveryFuture) -> Tuple[int, int]:
        await self._wait(fut)
        return fut.result()

    async def _wait(self, fut: DeliveryFuture) -> None:
        loop = asyncio.get_running_loop()
        fd = self.fileno()
        while not fut.done():
            self.poll(0)
            if fut.done():
                break
            ready = loop.create_future()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await asyncio.wait_for(ready, 1.0)
            except asyncio.TimeoutError:
                pass
            finally:
                loop.remove_reader(fd)

    async def flush_async(self) -> None:
        """flush() for asyncio: serves reports as the descriptor says they wait."""
        while self._inflight:
            await self._wait(next(iter(self._inflight.values()))[0])

    @property
    def id(self) -> int:
        """The producer id (idempotent producers; 0 otherwise)."""
        out = c_uint64()
        self._check(lib.offlog_producer_id(byref(out), self.handle))
        return out.value

    def next_sequence(self, topic: str, partition: int) -> int:
        """Idempotent producer: the sequence number the next record of the partition gets."""
        out = c_int64()
        self._check(lib.offlog_producer_next_sequence(byref(out), self.handle,
                                                      name_bytes(topic), partition))
        return out.value
