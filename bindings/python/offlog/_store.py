"""Store: an open offlog store directory, and its transactions."""

from __future__ import annotations

import array
import ctypes
import itertools
import os
import threading
from ctypes import POINTER, byref, c_char_p, c_int32, c_int64, c_size_t, c_uint64, c_void_p
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from . import _abi
from ._types import (
    PARTITION_ANY, BytesLike, GroupDescription, HeadersArg, PartitionInfo, Record, TopicInfo,
    Watermarks, Committed, committed_from, copy_records, fill_message, group_description_from,
    message, name_bytes, new_committed, read_names, to_bytes,
)
from .errors import check, error, make

lib = _abi.lib

_DURABILITY = {"sync": "DURABILITY_SYNC", "nometasync": "DURABILITY_NOMETASYNC",
               "async": "DURABILITY_ASYNC"}
_STORE_FULL = {"reject": "STORE_FULL_REJECT", "drop_oldest": "STORE_FULL_DROP_OLDEST"}
_CLEANUP = {"delete": "CLEANUP_DELETE", "compact": "CLEANUP_COMPACT"}


def choice(value: Union[str, int], table: dict, what: str) -> int:
    """The C constant for a keyword (``"sync"``) or an int passed through."""
    if isinstance(value, int):
        return value
    try:
        return _abi.const(table[value.lower().replace("-", "_")])
    except (KeyError, AttributeError):
        raise ValueError("%s: %r is not one of %s" % (what, value, ", ".join(table))) from None


def versioned(cname: str, init: Any) -> Any:
    """A caller-allocated versioned struct filled by its _init() function.

    The buffer has the library's size for the struct (it may be newer and
    larger than the fields declared here: _init() writes all of them); then
    `version` is set to the version declared here, which tells the library
    which fields this caller knows.
    """
    cls, version = _abi.STRUCTS[cname]
    size = max(ctypes.sizeof(cls), _abi.DESCRIPTION["structs"][cname]["size"])
    buf = ctypes.create_string_buffer(size)
    check(init(buf))
    obj = cls.from_buffer(buf)
    obj._buf = buf
    obj.version = version
    return obj


def set_fields(obj: Any, values: dict) -> None:
    """Set the fields of obj named in values, skipping those given as None."""
    for name, value in values.items():
        if value is not None:
            setattr(obj, name, value)


class Store:
    """An open offlog store: a directory holding topics, records and committed offsets.

    ``Store(path, **options)`` opens the store, creating it unless
    ``create=False``. Use it as a context manager, or call close(). One
    Store per directory per process (a second open of the same store in the
    process raises Busy); share it between threads.

    Options (all optional; omitted ones keep the library's defaults):
        durability: "sync" (default), "nometasync" or "async".
        map_size, max_map_size, max_readers, flush_interval_ms, file_mode,
        maintenance_interval_ms, max_store_bytes: as offlog_options.
        store_full_policy: "reject" or "drop_oldest".
        read_only, create, insecure, verify: the OFFLOG_OPEN_* flags.
    """

    def __init__(self, path: Union[str, os.PathLike], *, durability: Union[str, int, None] = None,
                 map_size: Optional[int] = None, max_map_size: Optional[int] = None,
                 max_readers: Optional[int] = None, flush_interval_ms: Optional[int] = None,
                 file_mode: Optional[int] = None, maintenance_interval_ms: Optional[int] = None,
                 max_store_bytes: Optional[int] = None,
                 store_full_policy: Union[str, int, None] = None, read_only: bool = False,
                 create: bool = True, insecure: bool = False, verify: bool = False) -> None:
        self._env: Optional[int] = None
        # Producers and consumers open on the store, closed by close(): held
        # here, so one that is dropped unclosed stays open until then.
        self._children: Set[Any] = set()
        opts = versioned("offlog_options", lib.offlog_options_init)
        set_fields(opts, {
            "durability": None if durability is None else choice(durability, _DURABILITY,
                                                                 "durability"),
            "map_size": map_size, "max_map_size": max_map_size, "max_readers": max_readers,
            "flush_interval_ms": flush_interval_ms, "file_mode": file_mode,
            "maintenance_interval_ms": maintenance_interval_ms,
            "max_store_bytes": max_store_bytes,
            "store_full_policy": None if store_full_policy is None else
            choice(store_full_policy, _STORE_FULL, "store_full_policy"),
        })
        flags = 0
        for on, name in ((read_only, "OPEN_READONLY"), (not create, "OPEN_NOCREATE"),
                         (insecure, "OPEN_INSECURE"), (verify, "OPEN_VERIFY")):
            if on:
                flags |= _abi.const(name)
        opts.flags |= flags
        env = c_void_p()
        self.path = os.fspath(path)
        check(lib.offlog_open(byref(env), os.fsencode(self.path), byref(opts)))
        self._env = env.value

    # -- lifetime ----------------------------------------------------------

    @property
    def handle(self) -> int:
        """The offlog_env pointer; InvalidState once closed."""
        if self._env is None:
            raise make("ESTATE", "the store is closed")
        return self._env

    def close(self) -> None:
        """Close the store, after closing the producers and consumers still open on it.

        Closing twice does nothing.
        """
        if self._env is None:
            return
        first: Optional[BaseException] = None
        for child in list(self._children):
            try:
                child.close()
            except Exception as e:  # the others are closed still; raised below
                first = first or e
        env, self._env = self._env, None
        rc = lib.offlog_close(env)
        if rc:
            if rc == _abi.const("EBUSY"):
                self._env = env
            raise error(rc)
        if first is not None:
            raise first

    @property
    def closed(self) -> bool:
        """True once close() has run."""
        return self._env is None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_env", None) is not None and not self._children:
            try:
                lib.offlog_close(self._env)
            except Exception:
                pass

    def _adopt(self, child: Any) -> None:
        self._children.add(child)

    def _forget(self, child: Any) -> None:
        self._children.discard(child)

    def __repr__(self) -> str:
        return "<offlog.Store %r%s>" % (self.path, " closed" if self.closed else "")

    def flush(self) -> None:
        """Make everything committed durable (a sync; in the deferred modes, the flush)."""
        check(lib.offlog_flush(self.handle))

    def stat(self) -> dict:
        """Facts about the open store (map size and use, readers, format, mode) as a dict."""
        info = _abi.StoreInfo()
        info.version = _abi.STRUCTS["offlog_store_info"][1]
        check(lib.offlog_store_stat(byref(info), self.handle))
        return {name: getattr(info, name) for name, _ in info._fields_ if name != "version"}

    def backup(self, directory: Union[str, os.PathLike]) -> None:
        """Write a consistent, compacted copy of the store into a new directory."""
        check(lib.offlog_backup(self.handle, os.fsencode(os.fspath(directory))))

    # -- topics -------------------------------------------------------------

    def create_topic(self, name: str, partitions: int = 1, *, retention_ms: Optional[int] = None,
                     retention_bytes: Optional[int] = None,
                     cleanup_policy: Union[str, int, None] = None,
                     delete_retention_ms: Optional[int] = None,
                     max_message_bytes: Optional[int] = None,
                     protected_groups: Optional[Sequence[str]] = None) -> None:
        """Create a topic of ``partitions`` partitions.

        cleanup_policy is "delete" (default), "compact" or "compact,delete";
        the other options are those of offlog_topic_config (omitted ones keep
        the library's defaults). Raises AlreadyExists, InvalidName, InvalidArgument.
        """
        cfg = self._config(retention_ms, retention_bytes, cleanup_policy, delete_retention_ms,
                           max_message_bytes, protected_groups)
        check(lib.offlog_topic_create(self.handle, name_bytes(name), partitions, byref(cfg)))

    def _config(self, retention_ms: Optional[int], retention_bytes: Optional[int],
                cleanup_policy: Union[str, int, None], delete_retention_ms: Optional[int],
                max_message_bytes: Optional[int],
                protected_groups: Optional[Sequence[str]]) -> Any:
        cfg = versioned("offlog_topic_config", lib.offlog_topic_config_init)
        policy: Optional[int] = None
        if isinstance(cleanup_policy, str):
            policy = 0
            for part in cleanup_policy.split(","):
                policy |= choice(part.strip(), _CLEANUP, "cleanup_policy")
        elif cleanup_policy is not None:
            policy = cleanup_policy
        set_fields(cfg, {"retention_ms": retention_ms, "retention_bytes": retention_bytes,
                         "cleanup_policy": policy, "delete_retention_ms": delete_retention_ms,
                         "max_message_bytes": max_message_bytes})
        if protected_groups:
            groups = (c_char_p * len(protected_groups))(
                *[name_bytes(g) for g in protected_groups])
            cfg._groups = groups
            cfg.protected_groups = groups
            cfg.protected_group_count = len(protected_groups)
        return cfg

    def delete_topic(self, name: str) -> None:
        """Delete a topic, its records and every group's committed offsets for it."""
        check(lib.offlog_topic_delete(self.handle, name_bytes(name)))

    def add_partitions(self, name: str, total: int) -> None:
        """Grow a topic to ``total`` partitions (the new total, as Kafka's createPartitions)."""
        check(lib.offlog_topic_add_partitions(self.handle, name_bytes(name), total))

    def topics(self) -> List[str]:
        """The names of all topics, sorted."""
        names = POINTER(c_char_p)()
        count = c_size_t()
        check(lib.offlog_topic_list(byref(names), byref(count), self.handle))
        try:
            return read_names(names, count.value)
        finally:
            lib.offlog_names_free(names, count.value)

    def describe(self, name: str) -> TopicInfo:
        """A topic's configuration and every partition's watermarks, from one snapshot."""
        info = POINTER(_abi.TopicInfo)()
        check(lib.offlog_topic_describe(byref(info), self.handle, name_bytes(name)))
        try:
            t = info.contents
            parts = [PartitionInfo(p.partition, p.log_start, p.high_watermark, p.log_end,
                                   p.records, p.bytes)
                     for p in t.partitions[:t.partition_count]]
            c = t.config
            groups = read_names(c.protected_groups, c.protected_group_count) \
                if c.version >= 2 and c.protected_group_count else []
            return TopicInfo(t.name.decode("utf-8"), t.created_ms, parts, c.retention_ms,
                             c.retention_bytes, c.cleanup_policy, c.delete_retention_ms,
                             c.max_message_bytes, groups)
        finally:
            lib.offlog_topic_info_free(info)

    def watermarks(self, topic: str, partition: int) -> Watermarks:
        """(log_start, high_watermark, log_end) of one partition."""
        lo, hw, end = c_int64(), c_int64(), c_int64()
        check(lib.offlog_watermarks_get(byref(lo), byref(hw), byref(end), self.handle,
                                        name_bytes(topic), partition))
        return Watermarks(lo.value, hw.value, end.value)

    def delete_records(self, topic: str, partition: int, before_offset: int) -> int:
        """Make records below ``before_offset`` unreadable; returns the new log start."""
        lo = c_int64()
        check(lib.offlog_delete_records(byref(lo), self.handle, name_bytes(topic), partition,
                                        before_offset))
        return lo.value

    def maintain(self, max_records: int = 0) -> int:
        """Run retention and compaction now; returns how many records were removed."""
        removed = c_uint64()
        check(lib.offlog_maintain(self.handle, max_records, byref(removed)))
        return removed.value

    def partition_for_key(self, key: BytesLike, partition_count: int) -> int:
        """The partition Kafka's default (murmur2) partitioner gives ``key``."""
        k = to_bytes(key) or b""
        out = c_int32()
        check(lib.offlog_partition_for_key(byref(out), k, len(k), partition_count))
        return out.value

    # -- appending ----------------------------------------------------------

    def append(self, topic: str, value: Optional[BytesLike], key: Optional[BytesLike] = None,
               partition: int = PARTITION_ANY, headers: HeadersArg = None,
               timestamp: Optional[int] = None) -> Tuple[int, int]:
        """Append one record; returns (partition, offset) once it is committed.

        value and key are bytes (str is UTF-8 encoded) or None; headers a
        list of (name, value) pairs or a dict; timestamp ms since the epoch
        (None: the append time). partition PARTITION_ANY chooses by key
        (murmur2), round-robin without one.
        """
        m, keep = message(value, key, headers, timestamp)
        off, part = c_int64(), c_int32()
        check(lib.offlog_append(byref(off), byref(part), self.handle, name_bytes(topic),
                                partition, byref(m)))
        return part.value, off.value

    def append_batch(self, topic: str,
                     records: Iterable[Union[Optional[BytesLike], Tuple[Any, ...], dict]],
                     partition: int = PARTITION_ANY) -> Tuple[int, int]:
        """Append records to one partition atomically; returns (partition, base_offset).

        Each record is a value (bytes, str or None), a tuple (value, key,
        headers, timestamp) of which trailing items may be left out, or a
        dict with those keys. The records get consecutive offsets from
        base_offset. With PARTITION_ANY their keys must all map to one
        partition (round-robin when no record has a key).
        """
        msgs, keep = build_messages(records)
        base, part = c_int64(), c_int32()
        check(lib.offlog_append_batch(byref(base), byref(part), self.handle, name_bytes(topic),
                                      partition, msgs, len(msgs)))
        return part.value, base.value

    # -- reading without a consumer -------------------------------------------

    def fetch(self, topic: str, partition: int, offset: int, max_records: int = 0,
              max_bytes: int = 0) -> Tuple[List[Record], int]:
        """Read records of one partition from ``offset``; returns (records, next_offset)."""
        batch = c_void_p()
        check(lib.offlog_fetch(byref(batch), self.handle, name_bytes(topic), partition, offset,
                               max_records, max_bytes))
        try:
            recs, n, nxt = c_void_p(), c_size_t(), c_int64()
            check(lib.offlog_batch_records(byref(recs), byref(n), byref(nxt), batch))
            return copy_records(recs.value or 0, n.value), nxt.value
        finally:
            lib.offlog_batch_free(batch)

    # -- groups ---------------------------------------------------------------

    def committed(self, group: str, topic: str, partition: int) -> Optional[Committed]:
        """A group's committed offset for a partition, or None when nothing is committed."""
        c = new_committed()
        check(lib.offlog_group_committed(byref(c), self.handle, name_bytes(group),
                                         name_bytes(topic), partition))
        return committed_from(c)

    def groups(self) -> List[str]:
        """The groups of the store (with members or committed offsets), sorted."""
        names = POINTER(c_char_p)()
        count = c_size_t()
        check(lib.offlog_group_list(byref(names), byref(count), self.handle))
        try:
            return read_names(names, count.value)
        finally:
            lib.offlog_names_free(names, count.value)

    def describe_group(self, group: str) -> GroupDescription:
        """A group's live members, what they own, and per partition its committed offset
        and lag, from one snapshot. Raises NotFound for an unknown group."""
        d = POINTER(_abi.GroupDescription)()
        check(lib.offlog_group_describe(byref(d), self.handle, name_bytes(group)))
        try:
            return group_description_from(d.contents)
        finally:
            lib.offlog_group_description_free(d)

    def delete_group(self, group: str) -> None:
        """Delete a group's committed offsets and state (GroupLive while it has members)."""
        check(lib.offlog_group_delete(self.handle, name_bytes(group)))

    # -- transactions ---------------------------------------------------------

    def transaction(self) -> "Transaction":
        """Begin a transaction: appends and offset commits that become visible together.

        Use it as a context manager: it commits when the block ends normally
        and aborts when it raises. A transaction belongs to the thread that
        began it, which may have one open at a time; while it is open, that
        thread's other writes (Store.append, commits) raise TransactionError.
        """
        return Transaction(self)


def _message_args(rec: Any) -> Tuple[Any, Any, Any, Any]:
    if rec is None or isinstance(rec, (bytes, bytearray, memoryview, str)):
        return rec, None, None, None
    if isinstance(rec, dict):
        return rec.get("value"), rec.get("key"), rec.get("headers"), rec.get("timestamp")
    t = tuple(rec) + (None,) * (4 - len(rec))
    return t[0], t[1], t[2], t[3]


def build_messages(records: Iterable[Any]) -> Tuple[Any, List[Any]]:
    """An offlog_message array for append_batch, and the objects it points into."""
    items = records if isinstance(records, (list, tuple)) else list(records)
    n = len(items)
    msgs = (_abi.Message * n)()
    keep: List[Any] = [items]
    if n and _WORDS is not None and all(type(r) is bytes for r in items):
        return _values_only(items, n)
    for m, rec in zip(msgs, items):
        value, key, headers, ts = _message_args(rec)
        fill_message(m, value, key, headers, ts, keep)
    return msgs, keep


_TIMESTAMP_NOW = _abi.const("TIMESTAMP_NOW")


def _message_words() -> Optional[Dict[str, int]]:
    """The word index of each offlog_message field when every field is one 8-byte
    word (64-bit systems), else None."""
    cls = _abi.Message
    if ctypes.sizeof(cls) != 8 * len(cls._fields_):
        return None
    words = {}
    for name, _ in cls._fields_:
        f = getattr(cls, name)
        if f.size != 8 or f.offset % 8:
            return None
        words[name] = f.offset // 8
    return words


_WORDS = _message_words()


def _values_only(items: List[bytes], n: int) -> Tuple[Any, List[Any]]:
    # A batch of plain values, the common case, built without a Python loop
    # per record: the values are joined into one buffer (one copy, in C),
    # and the message array is written as 8-byte words with slice
    # assignments: value pointers into the buffer, lengths, timestamps;
    # keys and headers stay NULL.
    assert _WORDS is not None
    lens = array.array("Q", map(len, items))
    buf = b"".join(items)
    base = ctypes.cast(c_char_p(buf), c_void_p).value or 0
    stride = len(_WORDS)
    words = array.array("Q", bytes(8 * stride * n))
    starts = array.array("Q", itertools.accumulate(lens, initial=base))
    del starts[-1]
    words[_WORDS["value"]::stride] = starts
    words[_WORDS["value_len"]::stride] = lens
    words[_WORDS["timestamp"]::stride] = array.array("Q", [_TIMESTAMP_NOW & (2 ** 64 - 1)]) * n
    msgs = (_abi.Message * n).from_buffer(words)
    return msgs, [buf, words]


class Transaction:
    """A write transaction (offlog_txn): see Store.transaction()."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._txn: Optional[int] = None
        self._thread = threading.get_ident()
        txn = c_void_p()
        check(lib.offlog_txn_begin(byref(txn), store.handle))
        self._txn = txn.value

    def _handle(self) -> int:
        if self._txn is None:
            raise make("ESTATE", "the transaction is committed or aborted")
        return self._txn

    def append(self, topic: str, value: Optional[BytesLike], key: Optional[BytesLike] = None,
               partition: int = PARTITION_ANY, headers: HeadersArg = None,
               timestamp: Optional[int] = None) -> Tuple[int, int]:
        """Append inside the transaction; returns (partition, offset), final if it commits."""
        m, keep = message(value, key, headers, timestamp)
        off, part = c_int64(), c_int32()
        check(lib.offlog_txn_append(byref(off), byref(part), self._handle(), name_bytes(topic),
                                    partition, byref(m)))
        return part.value, off.value

    def commit_offsets(self, group: str, offsets: Any) -> None:
        """Commit offsets for ``group`` inside the transaction (unfenced: for consumers of
        manually assigned partitions). ``offsets``: as Consumer.commit()."""
        from ._consumer import partition_offsets
        arr, n, keep = partition_offsets(offsets)
        check(lib.offlog_txn_commit_offsets(self._handle(), name_bytes(group), arr, n))

    def commit_consumer(self, consumer: Any) -> None:
        """Commit the consumer's positions for its group inside the transaction (fenced)."""
        check(lib.offlog_txn_commit_consumer(self._handle(), consumer.handle))

    def commit(self) -> None:
        """Commit: everything in the transaction becomes visible at once."""
        txn = self._handle()
        rc = lib.offlog_txn_commit(txn)
        if rc == _abi.const("ETXN") and threading.get_ident() != self._thread:
            raise error(rc)  # not this thread's: the transaction is still open
        self._txn = None
        if rc:
            raise error(rc)

    def abort(self) -> None:
        """Discard everything done in the transaction. Aborting twice does nothing."""
        if self._txn is not None:
            if threading.get_ident() != self._thread:
                raise make("ETXN", "a transaction is used only by the thread that began it")
            txn, self._txn = self._txn, None
            lib.offlog_txn_abort(txn)

    @property
    def open(self) -> bool:
        """True until the transaction is committed or aborted."""
        return self._txn is not None

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._txn is None:
            return
        if exc_type is None:
            self.commit()
        else:
            self.abort()
