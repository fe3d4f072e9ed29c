"""Value types returned by the binding, and the helpers that convert
between them and the C structs."""

from __future__ import annotations

import ctypes
import struct
import sys
from ctypes import byref, c_size_t, string_at
from typing import (
    Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union,
)

from . import _abi
from .errors import check

lib = _abi.lib

#: A value accepted where bytes are expected; str is encoded as UTF-8.
BytesLike = Union[bytes, bytearray, memoryview, str]
#: Record headers as given to an append: a list of (name, value) pairs or a mapping.
HeadersArg = Optional[Union[Sequence[Tuple[Union[str, bytes], Optional[BytesLike]]],
                            Mapping[Union[str, bytes], Optional[BytesLike]]]]


class Record(NamedTuple):
    """One record as read. Its bytes are copies, valid for as long as it is kept."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: Optional[bytes]
    value: Optional[bytes]
    headers: List[Tuple[str, Optional[bytes]]]


class TopicPartition(NamedTuple):
    """A (topic, partition) pair."""

    topic: str
    partition: int


class Watermarks(NamedTuple):
    """The watermarks of one partition."""

    log_start: int
    high_watermark: int
    log_end: int


class PartitionInfo(NamedTuple):
    """Watermarks and size of one partition, from Store.describe()."""

    partition: int
    log_start: int
    high_watermark: int
    log_end: int
    records: int
    bytes: int


class TopicInfo(NamedTuple):
    """A topic's description, from Store.describe()."""

    name: str
    created_ms: int
    partitions: List[PartitionInfo]
    retention_ms: int
    retention_bytes: int
    cleanup_policy: int
    delete_retention_ms: int
    max_message_bytes: int
    protected_groups: List[str]


class Committed(NamedTuple):
    """A committed offset: the next offset to read, with its metadata and time."""

    offset: int
    metadata: str
    commit_time_ms: int


class Lag(NamedTuple):
    """Lag of a partition; None stands for unknown (nothing committed, position unknown)."""

    lag: Optional[int]
    position_lag: Optional[int]


class GroupMember(NamedTuple):
    """A live member of a group, from Store.describe_group()."""

    member_id: str
    instance_id: Optional[str]
    pid: int
    last_heartbeat_ms: int
    owned: List[TopicPartition]
    target: List[TopicPartition]
    subscription: List[str]


class GroupPartition(NamedTuple):
    """One partition of a group, from Store.describe_group()."""

    topic: str
    partition: int
    committed: Optional[int]
    log_start_offset: int
    log_end_offset: int
    high_watermark: int
    lag: Optional[int]
    member_id: Optional[str]


class GroupDescription(NamedTuple):
    """A consumer group as Store.describe_group() finds it."""

    group: str
    state: str
    generation: int
    assignor: int
    members: List[GroupMember]
    partitions: List[GroupPartition]


def to_bytes(data: Optional[BytesLike]) -> Optional[bytes]:
    """bytes for a key, value or header: str is UTF-8 encoded, None stays None."""
    if data is None or type(data) is bytes:
        return data  # type: ignore[return-value]
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError("expected bytes, str or None, not %s" % type(data).__name__)


def name_bytes(name: Union[str, bytes]) -> bytes:
    """A topic or group name as bytes."""
    if isinstance(name, str):
        return name.encode("utf-8")
    if isinstance(name, bytes):
        return name
    raise TypeError("a name is str or bytes, not %s" % type(name).__name__)


def _headers(headers: HeadersArg, keep: List[Any]) -> Tuple[Any, int]:
    if not headers:
        return None, 0
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    arr = (_abi.Header * len(items))()
    for h, (name, value) in zip(arr, items):
        n = name_bytes(name)
        v = to_bytes(value)
        h.name = n
        h.name_len = len(n)
        h.value = v
        h.value_len = len(v) if v is not None else 0
    keep.append(arr)
    return arr, len(items)


def fill_message(m: _abi.Message, value: Optional[BytesLike], key: Optional[BytesLike],
                 headers: HeadersArg, timestamp: Optional[int], keep: List[Any]) -> None:
    """Fill one offlog_message. Objects its pointers refer to are appended to keep."""
    k = to_bytes(key)
    v = to_bytes(value)
    m.key = k
    m.key_len = len(k) if k is not None else 0
    m.value = v
    m.value_len = len(v) if v is not None else 0
    m.timestamp = TIMESTAMP_NOW if timestamp is None else int(timestamp)
    if headers:
        arr, n = _headers(headers, keep)
        m.headers = ctypes.cast(arr, ctypes.POINTER(_abi.Header))
        m.header_count = n


def message(value: Optional[BytesLike], key: Optional[BytesLike] = None,
            headers: HeadersArg = None, timestamp: Optional[int] = None
            ) -> Tuple[_abi.Message, List[Any]]:
    """A new offlog_message and the list of objects that must outlive its use."""
    m = _abi.Message()
    keep: List[Any] = []
    fill_message(m, value, key, headers, timestamp, keep)
    return m, keep


def topic_partitions(partitions: Iterable[Union[TopicPartition, Tuple[str, int]]]
                     ) -> Tuple[Any, int]:
    """An offlog_topic_partition array from (topic, partition) pairs."""
    items = [(name_bytes(t), int(p)) for t, p in partitions]
    arr = (_abi.TopicPartition_ * len(items))(*items)
    return arr, len(items)


def read_topic_partitions(ptr: Any, count: int) -> List[TopicPartition]:
    """TopicPartition values from an offlog_topic_partition array."""
    return [TopicPartition(ptr[i].topic.decode("utf-8"), ptr[i].partition)
            for i in range(count)]


def read_names(ptr: Any, count: int) -> List[str]:
    """str values from an array of C strings."""
    return [ptr[i].decode("utf-8") for i in range(count)]


def _opt_offset(value: int) -> Optional[int]:
    return None if value == OFFSET_INVALID else value


def _opt_lag(value: int) -> Optional[int]:
    return None if value == LAG_UNKNOWN else value


def committed_from(c: _abi.Committed) -> Optional[Committed]:
    """A Committed from an offlog_committed, or None when nothing is committed."""
    if c.offset == OFFSET_INVALID:
        return None
    meta = string_at(ctypes.addressof(c) + _abi.Committed.metadata.offset, c.metadata_len)
    return Committed(c.offset, meta.decode("utf-8", "replace"), c.commit_time_ms)


def new_committed() -> _abi.Committed:
    """An offlog_committed with `version` set for the fields declared here."""
    c = _abi.Committed()
    c.version = _abi.STRUCTS["offlog_committed"][1]
    return c


def group_description_from(d: _abi.GroupDescription) -> GroupDescription:
    """A GroupDescription from the library's offlog_group_description."""
    def s(b: Optional[bytes]) -> Optional[str]:
        return None if b is None else b.decode("utf-8")
    members = []
    for i in range(d.member_count):
        m = d.members[i]
        members.append(GroupMember(
            s(m.member_id) or "", s(m.instance_id), m.pid, m.last_heartbeat_ms,
            read_topic_partitions(m.owned, m.owned_count),
            read_topic_partitions(m.target, m.target_count),
            read_names(m.subscription, m.subscription_count)))
    parts = []
    for i in range(d.partition_count):
        p = d.partitions[i]
        parts.append(GroupPartition(s(p.topic) or "", p.partition, _opt_offset(p.committed),
                                    p.log_start_offset, p.log_end_offset, p.high_watermark,
                                    _opt_lag(p.lag), s(p.member_id)))
    return GroupDescription(s(d.group) or "", s(d.state) or "", d.generation, d.assignor,
                            members, parts)


# --------------------------------------------------------------------------
# Copying records out of the store's map. The record array is read with one
# struct.iter_unpack (a layout built from the ctypes offsets, which the
# ABI check compared with the library's), and each key and value is copied
# once with string_at.
# --------------------------------------------------------------------------

def layout(cls: Any, names: Sequence[str]) -> Tuple[struct.Struct, List[int]]:
    """A struct.Struct reading the given fields of ctypes struct cls, in
    offset order: native byte order, standard sizes, padding made explicit
    from the ctypes offsets (which the ABI check compared with the library's)."""
    codes = {1: "B", 2: "H", 4: "I", 8: "Q"}
    signed = {1: "b", 2: "h", 4: "i", 8: "q"}
    fields = dict(cls._fields_)
    fmt = "="
    pos = 0
    for name in names:
        desc = getattr(cls, name)
        ftype = fields[name]
        fmt += "%dx" % (desc.offset - pos) if desc.offset > pos else ""
        is_signed = ftype in (ctypes.c_int8, ctypes.c_int16, ctypes.c_int32, ctypes.c_int64,
                              ctypes.c_int)
        fmt += (signed if is_signed else codes)[desc.size]
        pos = desc.offset + desc.size
    size = ctypes.sizeof(cls)
    if size > pos:
        fmt += "%dx" % (size - pos)
    s = struct.Struct(fmt)
    assert s.size == size
    return s, [getattr(cls, n).offset for n in names]


_RECORD_FIELDS = ("topic", "partition", "offset", "timestamp", "key", "key_len", "value",
                  "value_len", "header_count")
_RECORD_LAYOUT, _ = layout(_abi.RecordStruct, _RECORD_FIELDS)
_RECORD_SIZE = _RECORD_LAYOUT.size


class _HeaderOut(ctypes.Structure):
    # offlog_header as the library writes it: pointers read as addresses.
    _fields_ = [("name", ctypes.c_void_p), ("name_len", c_size_t),
                ("value", ctypes.c_void_p), ("value_len", c_size_t)]


assert all(getattr(_HeaderOut, n).offset == getattr(_abi.Header, n).offset
           for n, _ in _HeaderOut._fields_)


def _read_headers(address: int, count: int) -> List[Tuple[str, Optional[bytes]]]:
    arr = (_HeaderOut * count)()
    n = c_size_t()
    check(lib.offlog_record_headers(ctypes.cast(arr, ctypes.POINTER(_abi.Header)), count,
                                    byref(n), address))
    out = []
    for i in range(n.value):
        h = arr[i]
        name = _copy(h.name, h.name_len).decode("utf-8", "replace")
        out.append((name, None if h.value is None else _copy(h.value, h.value_len)))
    return out


# A view of the process's memory, used only to copy the byte ranges the
# library points to: slicing it copies a key or value straight into a bytes
# object, at half the cost of a ctypes.string_at() call. Addresses beyond
# its length (none on 64-bit systems) fall back to string_at().
MEM_LEN = sys.maxsize
MEM = memoryview((ctypes.c_char * MEM_LEN).from_address(0)).cast("B")


def _copy(ptr: int, length: int) -> bytes:
    if ptr + length <= MEM_LEN:
        return MEM[ptr:ptr + length].tobytes()
    return string_at(ptr, length)


def copy_records(address: int, count: int) -> List[Record]:
    """Copy `count` offlog_record entries at `address` (and their bytes) into Records.

    Each key and value is copied once, from the store's map into its bytes
    object; the entries themselves are read with one struct.iter_unpack.
    """
    if not count:
        return []
    raw = string_at(address, count * _RECORD_SIZE)
    topics: Dict[int, str] = {}
    out = []
    append = out.append
    new = Record.__new__
    mem = MEM
    limit = MEM_LEN
    i = 0
    for (tp, part, off, ts, kp, kl, vp, vl, hc) in _RECORD_LAYOUT.iter_unpack(raw):
        topic = topics.get(tp)
        if topic is None:
            topic = topics[tp] = string_at(tp).decode("utf-8")
        if kp:
            key = mem[kp:kp + kl].tobytes() if kp + kl <= limit else string_at(kp, kl)
        else:
            key = None
        if vp:
            value = mem[vp:vp + vl].tobytes() if vp + vl <= limit else string_at(vp, vl)
        else:
            value = None
        append(new(Record, topic, part, off, ts, key, value,
                   _read_headers(address + i * _RECORD_SIZE, hc) if hc else []))
        i += 1
    return out


# Constants of the header, read from the library.
OFFSET_BEGINNING: int = _abi.const("OFFSET_BEGINNING")
OFFSET_END: int = _abi.const("OFFSET_END")
OFFSET_STORED: int = _abi.const("OFFSET_STORED")
OFFSET_INVALID: int = _abi.const("OFFSET_INVALID")
OFFSET_TAIL_BASE: int = _abi.const("OFFSET_TAIL_BASE")
PARTITION_ANY: int = _abi.const("PARTITION_ANY")
TIMESTAMP_NOW: int = _abi.const("TIMESTAMP_NOW")
LAG_UNKNOWN: int = _abi.const("LAG_UNKNOWN")


def offset_tail(n: int) -> int:
    """The special offset n records before the end (librdkafka's OFFSET_TAIL(n))."""
    if n < 0:
        raise ValueError("offset_tail(n) needs n >= 0")
    return OFFSET_TAIL_BASE - n
