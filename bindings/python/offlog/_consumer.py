"""Consumer: assigned or subscribed partitions, positions, commits, and waiting
for records (blocking, interruptible, or through asyncio)."""

from __future__ import annotations

import asyncio
import itertools
import time
from ctypes import POINTER, byref, c_char_p, c_int, c_int64, c_size_t, c_void_p
from typing import (
    Any, AsyncIterator, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple,
    Union,
)

from . import _abi
from ._store import Store, choice, set_fields, versioned
from ._types import (
    LAG_UNKNOWN, Committed, Lag, Record, TopicPartition, committed_from, copy_records,
    name_bytes, new_committed, read_topic_partitions, topic_partitions,
)
from .errors import OfflogError, check, error, make

lib = _abi.lib

#: How long one wait inside poll() lasts at most, in seconds. Between two
#: waits the interpreter runs its signal handlers, so Ctrl-C
#: (KeyboardInterrupt) interrupts a poll(None) within this time.
POLL_SLICE = 0.1

_RESET = {"latest": "RESET_LATEST", "earliest": "RESET_EARLIEST", "none": "RESET_NONE",
          "by_duration": "RESET_BY_DURATION"}
_ISOLATION = {"durable": "ISOLATION_DURABLE", "committed": "ISOLATION_COMMITTED"}
_ASSIGNOR = {"range": "ASSIGNOR_RANGE", "roundrobin": "ASSIGNOR_ROUNDROBIN",
             "round_robin": "ASSIGNOR_ROUNDROBIN",
             "cooperative_sticky": "ASSIGNOR_COOPERATIVE_STICKY"}

#: What commit() and Transaction.commit_offsets() accept: a mapping
#: {(topic, partition): offset} (the offset may be a pair (offset, metadata)),
#: or an iterable of (topic, partition, offset) or (topic, partition, offset, metadata).
OffsetsArg = Union[Mapping[Tuple[str, int], Union[int, Tuple[int, Optional[str]]]],
                   Iterable[Tuple[Any, ...]]]

RebalanceCallback = Callable[["Consumer", List[TopicPartition]], None]
CommitCallback = Callable[[Optional[OfflogError], List[Tuple[str, int, int, int]]], None]


def partition_offsets(offsets: OffsetsArg) -> Tuple[Any, int, List[Any]]:
    """An offlog_partition_offset array from a mapping or an iterable (see OffsetsArg)."""
    rows: List[Tuple[Any, ...]] = []
    if isinstance(offsets, Mapping):
        for (topic, partition), off in offsets.items():
            meta = None
            if isinstance(off, tuple):
                off, meta = off
            rows.append((topic, partition, off, meta))
    else:
        for row in offsets:
            row = tuple(row)
            rows.append(row + (None,) * (4 - len(row)))
    keep: List[Any] = []
    arr = (_abi.PartitionOffset * len(rows))()
    for entry, (topic, partition, off, meta) in zip(arr, rows):
        t = name_bytes(topic)
        m = None if meta is None else name_bytes(meta)
        keep += [t, m]
        entry.topic = t
        entry.partition = int(partition)
        entry.offset = int(off)
        entry.metadata = m
    return arr, len(rows), keep


def _offset_rows(ptr: Any, count: int) -> List[Tuple[str, int, int, int]]:
    return [(ptr[i].topic.decode("utf-8"), ptr[i].partition, ptr[i].offset, ptr[i].err)
            for i in range(count)]


class Consumer:
    """A consumer of a store: assigned partitions, a position in each, and a group.

    ``Consumer(store, group, **options)``; group None gives a consumer that
    never commits. Use it as a context manager or call close(). A consumer
    is used by one thread at a time; wakeup() may be called from any.

    Options (omitted ones keep the library's defaults):
        auto_offset_reset: "latest" (default), "earliest", "none", "by_duration".
        reset_duration_ms, enable_auto_commit, auto_commit_interval_ms,
        max_poll_records, max_poll_bytes, session_timeout_ms,
        heartbeat_interval_ms, max_poll_interval_ms, group_instance_id: as
        offlog_consumer_options.
        isolation: "durable" (default) or "committed".
        assignor: "range" (default), "roundrobin", "cooperative-sticky".
        on_assigned, on_revoked, on_lost: called as f(consumer, partitions)
            on this thread, inside poll(), unsubscribe() or close().
        on_records_lost: f(consumer, topic, partition, first, last), inside poll().
    An exception raised by a callback is re-raised by the call that ran it.
    """

    def __init__(self, store: Store, group: Optional[str] = None, *,
                 auto_offset_reset: Union[str, int, None] = None,
                 reset_duration_ms: Optional[int] = None,
                 enable_auto_commit: Optional[bool] = None,
                 auto_commit_interval_ms: Optional[int] = None,
                 max_poll_records: Optional[int] = None, max_poll_bytes: Optional[int] = None,
                 isolation: Union[str, int, None] = None,
                 session_timeout_ms: Optional[int] = None,
                 heartbeat_interval_ms: Optional[int] = None,
                 max_poll_interval_ms: Optional[int] = None,
                 assignor: Union[str, int, None] = None,
                 group_instance_id: Optional[str] = None,
                 on_assigned: Optional[RebalanceCallback] = None,
                 on_revoked: Optional[RebalanceCallback] = None,
                 on_lost: Optional[RebalanceCallback] = None,
                 on_records_lost: Optional[Callable[..., None]] = None) -> None:
        self._c: Optional[int] = None
        self._store = store
        self.group = group
        self._pending: List[BaseException] = []
        self._commit_cbs: Dict[int, Optional[CommitCallback]] = {}
        self._tokens = itertools.count(1)
        self._recs = c_void_p()
        self._n = c_size_t()
        opts = versioned("offlog_consumer_options", lib.offlog_consumer_options_init)
        set_fields(opts, {
            "auto_offset_reset": None if auto_offset_reset is None else
            choice(auto_offset_reset, _RESET, "auto_offset_reset"),
            "reset_duration_ms": reset_duration_ms,
            "enable_auto_commit": None if enable_auto_commit is None else int(enable_auto_commit),
            "auto_commit_interval_ms": auto_commit_interval_ms,
            "max_poll_records": max_poll_records, "max_poll_bytes": max_poll_bytes,
            "isolation": None if isolation is None else choice(isolation, _ISOLATION,
                                                               "isolation"),
            "session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": heartbeat_interval_ms,
            "max_poll_interval_ms": max_poll_interval_ms,
            "assignor": None if assignor is None else choice(assignor, _ASSIGNOR, "assignor"),
        })
        if group_instance_id is not None:
            self._instance = name_bytes(group_instance_id)
            opts.group_instance_id = self._instance
        # The C callbacks are kept on the instance: ctypes frees a callback
        # whose Python object is collected.
        self._rebalance = {"on_assigned": on_assigned, "on_revoked": on_revoked,
                           "on_lost": on_lost}
        for field, fn in self._rebalance.items():
            if fn is not None:
                cb = _abi.RebalanceCb(self._rebalance_trampoline(fn))
                setattr(self, "_" + field, cb)
                setattr(opts, field, cb)
        if on_records_lost is not None:
            self._on_records_lost = _abi.RecordsLostCb(self._records_lost_trampoline(
                on_records_lost))
            opts.on_records_lost = self._on_records_lost
        self._commit_cb = _abi.CommitCb(self._commit_done)
        self.heartbeat_interval = opts.heartbeat_interval_ms / 1000.0
        c = c_void_p()
        check(lib.offlog_consumer_open(byref(c), store.handle,
                                       None if group is None else name_bytes(group),
                                       byref(opts)))
        self._c = c.value
        store._adopt(self)

    # -- callbacks ------------------------------------------------------------

    def _rebalance_trampoline(self, fn: RebalanceCallback) -> Callable[..., None]:
        def call(opaque: Any, consumer: Any, tps: Any, n: int) -> None:
            try:
                fn(self, read_topic_partitions(tps, n))
            except BaseException as e:  # re-raised by the call that ran the callback
                self._pending.append(e)
        return call

    def _records_lost_trampoline(self, fn: Callable[..., None]) -> Callable[..., None]:
        def call(opaque: Any, consumer: Any, topic: bytes, partition: int, first: int,
                 last: int) -> None:
            try:
                fn(self, topic.decode("utf-8"), partition, first, last)
            except BaseException as e:
                self._pending.append(e)
        return call

    def _commit_done(self, opaque: Any, err: int, errmsg: Optional[bytes], offsets: Any,
                     count: int) -> None:
        fn = self._commit_cbs.pop(opaque or 0, None)
        if fn is None:
            return
        try:
            fn(error(err, errmsg or b"") if err else None, _offset_rows(offsets, count))
        except BaseException as e:
            self._pending.append(e)

    def _check(self, rc: int) -> None:
        """Raise a callback's exception, else the error of rc."""
        if self._pending:
            pending, self._pending = self._pending[0], []
            raise pending
        if rc:
            raise error(rc)

    # -- lifetime -------------------------------------------------------------

    @property
    def handle(self) -> int:
        """The offlog_consumer pointer; InvalidState once closed."""
        if self._c is None:
            raise make("ESTATE", "the consumer is closed")
        return self._c

    def close(self) -> None:
        """Close: wait for asynchronous commits, auto-commit, leave the group.

        Closing twice does nothing. To stop a poll running in another thread
        first, call wakeup() and let that thread close.
        """
        if self._c is None:
            return
        rc = lib.offlog_consumer_close(self._c)
        if rc in (_abi.const("ESTATE"), _abi.const("ETXN")):
            self._check(rc)  # refused: the consumer stays open
        self._c = None
        self._store._forget(self)
        self._check(rc)

    @property
    def closed(self) -> bool:
        """True once close() has run."""
        return self._c is None

    def __enter__(self) -> "Consumer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<offlog.Consumer group=%r%s>" % (self.group, " closed" if self.closed else "")

    # -- assignment and group membership ----------------------------------------

    def assign(self, partitions: Iterable[Union[TopicPartition, Tuple[str, int]]]) -> None:
        """Replace the assignment with these (topic, partition) pairs (manual assignment)."""
        arr, n = topic_partitions(partitions)
        self._check(lib.offlog_consumer_assign(self.handle, arr, n))

    def assignment(self) -> List[TopicPartition]:
        """The current assignment: manual, or the partitions this group member owns."""
        tps = POINTER(_abi.TopicPartition_)()
        n = c_size_t()
        self._check(lib.offlog_consumer_assignment(byref(tps), byref(n), self.handle))
        return read_topic_partitions(tps, n.value)

    def subscribe(self, topics: Iterable[str]) -> None:
        """Join the group and share the partitions of ``topics`` with its other members.

        This member's partitions arrive in poll(), which runs on_assigned
        (and on_revoked / on_lost as the group changes).
        """
        names = [name_bytes(t) for t in ([topics] if isinstance(topics, str) else topics)]
        arr = (c_char_p * len(names))(*names)
        self._check(lib.offlog_consumer_subscribe(self.handle, arr, len(names)))

    def unsubscribe(self) -> None:
        """Revoke every owned partition and leave the group."""
        self._check(lib.offlog_consumer_unsubscribe(self.handle))

    def member(self) -> Tuple[str, int]:
        """(member id, generation): ("", -1) when not subscribed."""
        mid = c_char_p()
        gen = c_int64()
        self._check(lib.offlog_consumer_member(byref(mid), byref(gen), self.handle))
        return (mid.value or b"").decode("utf-8"), gen.value

    # -- reading --------------------------------------------------------------

    def poll(self, timeout: Optional[float] = None) -> List[Record]:
        """The next records of the assigned partitions, waiting up to ``timeout`` seconds
        (None: until records come; 0: do not wait). An empty list when none came.

        The records' bytes are copied (once each) out of the store's map, and
        the snapshot they held is released before poll returns. The wait is
        made of slices of at most POLL_SLICE seconds, between which the
        interpreter runs signal handlers: Ctrl-C raises KeyboardInterrupt in
        a poll that waits forever. Raises Wakeup after wakeup().
        """
        h = self.handle
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        slice_ms = int(POLL_SLICE * 1000)
        recs, n = self._recs, self._n
        while True:
            if deadline is None:
                ms = slice_ms
            else:
                ms = min(slice_ms, max(0, int((deadline - time.monotonic()) * 1000 + 0.999)))
            rc = lib.offlog_consumer_poll(byref(recs), byref(n), h, ms)
            if rc or self._pending:
                self._check(rc)
            if n.value:
                out = copy_records(recs.value, n.value)
                lib.offlog_consumer_release(h)
                return out
            if deadline is not None and time.monotonic() >= deadline:
                return []

    def __iter__(self) -> Iterator[Record]:
        """Every record, forever: ``for rec in consumer:`` (wakeup() raises Wakeup in it)."""
        return self.records()

    def records(self, idle_timeout: Optional[float] = None) -> Iterator[Record]:
        """Records one by one; with an idle_timeout (seconds), stop once a poll of that
        long returns nothing."""
        while True:
            batch = self.poll(idle_timeout)
            if not batch:
                return
            yield from batch

    def wakeup(self) -> None:
        """Make a poll that is waiting (in any thread) raise Wakeup at once, or the next one
        if none is waiting. Safe from any thread and from signal handlers."""
        check(lib.offlog_consumer_wakeup(self.handle))

    def fileno(self) -> int:
        """A descriptor that becomes readable when records may be available, or after
        wakeup(): for selectors, select() or asyncio. Only wait on it; poll(0) reads it."""
        fd = c_int()
        self._check(lib.offlog_consumer_fd(byref(fd), self.handle))
        return fd.value

    async def poll_async(self, timeout: Optional[float] = None) -> List[Record]:
        """poll() for asyncio: waits on fileno() with the running loop's add_reader.

        Between waits it polls at least every heartbeat interval, which a
        group member needs. Returns an empty list when ``timeout`` seconds
        pass without records.
        """
        loop = asyncio.get_running_loop()
        fd = self.fileno()
        deadline = None if timeout is None else loop.time() + max(timeout, 0.0)
        tick = max(0.01, min(self.heartbeat_interval, 1.0))
        while True:
            recs = self.poll(0)
            if recs:
                return recs
            wait = tick if deadline is None else min(tick, deadline - loop.time())
            if wait <= 0:
                return []
            ready = loop.create_future()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await asyncio.wait_for(ready, wait)
            except asyncio.TimeoutError:
                pass
            finally:
                loop.remove_reader(fd)

    async def records_async(self, idle_timeout: Optional[float] = None
                            ) -> AsyncIterator[Record]:
        """``async for rec in consumer.records_async():`` records as they come; with an
        idle_timeout (seconds), stop after that long without a record."""
        while True:
            batch = await self.poll_async(idle_timeout)
            if not batch:
                return
            for rec in batch:
                yield rec

    # -- positions --------------------------------------------------------------

    def position(self, topic: str, partition: int) -> int:
        """The offset of the next record poll() will return for an assigned partition."""
        off = c_int64()
        self._check(lib.offlog_consumer_position(byref(off), self.handle, name_bytes(topic),
                                                 partition))
        return off.value

    def seek(self, topic: str, partition: int, offset: int) -> None:
        """Set the position of an assigned partition: an offset, OFFSET_BEGINNING,
        OFFSET_END, offset_tail(n) or OFFSET_STORED. The committed offset is unchanged."""
        self._check(lib.offlog_consumer_seek(self.handle, name_bytes(topic), partition, offset))

    def seek_timestamp(self, topic: str, partition: int, timestamp_ms: int) -> None:
        """Seek to the first offset whose timestamp is >= timestamp_ms (else the end)."""
        self._check(lib.offlog_consumer_seek_timestamp(self.handle, name_bytes(topic),
                                                       partition, timestamp_ms))

    def seek_relative(self, topic: str, partition: int, delta: int) -> None:
        """Move the position by delta records, within [log start, end]."""
        self._check(lib.offlog_consumer_seek_relative(self.handle, name_bytes(topic),
                                                      partition, delta))

    def pause(self, partitions: Iterable[Union[TopicPartition, Tuple[str, int]]]) -> None:
        """Stop returning records of these assigned partitions (positions are kept)."""
        arr, n = topic_partitions(partitions)
        self._check(lib.offlog_consumer_pause(self.handle, arr, n))

    def resume(self, partitions: Iterable[Union[TopicPartition, Tuple[str, int]]]) -> None:
        """Return records of these paused partitions again."""
        arr, n = topic_partitions(partitions)
        self._check(lib.offlog_consumer_resume(self.handle, arr, n))

    # -- commits ------------------------------------------------------------------

    def commit(self, offsets: Optional[OffsetsArg] = None) -> None:
        """Commit synchronously: the current positions, or explicit ``offsets``
        ({(topic, partition): offset} or (topic, partition, offset[, metadata]) rows,
        each "the next offset to read")."""
        if offsets is None:
            self._check(lib.offlog_consumer_commit(self.handle))
            return
        arr, n, keep = partition_offsets(offsets)
        self._check(lib.offlog_consumer_commit_offsets(self.handle, arr, n))

    def commit_async(self, callback: Optional[CommitCallback] = None) -> None:
        """Commit the current positions in the background. ``callback(error, offsets)``
        runs on this thread inside a later poll(), commit() or close(); error is None
        or the OfflogError, offsets a list of (topic, partition, offset, err)."""
        token = next(self._tokens)
        self._commit_cbs[token] = callback
        rc = lib.offlog_consumer_commit_async(self.handle, self._commit_cb, token)
        if rc:
            self._commit_cbs.pop(token, None)
        self._check(rc)

    def committed(self, topic: str, partition: int) -> Optional[Committed]:
        """The group's committed offset for a partition, or None when nothing is committed."""
        c = new_committed()
        self._check(lib.offlog_consumer_committed(byref(c), self.handle, name_bytes(topic),
                                                  partition))
        return committed_from(c)

    def lag(self, topic: str, partition: int) -> Lag:
        """(lag, position_lag): high watermark - committed offset, and - position;
        None where unknown."""
        lag, plag = c_int64(), c_int64()
        self._check(lib.offlog_consumer_lag(byref(lag), byref(plag), self.handle,
                                            name_bytes(topic), partition))
        return Lag(None if lag.value == LAG_UNKNOWN else lag.value,
                   None if plag.value == LAG_UNKNOWN else plag.value)
