"""Loading libofflog and declaring its ABI for ctypes.

The structs below are declared by hand, as ctypes needs them, and every one
is checked at import against the library's own description of its ABI
(``offlog_abi_describe()``): the size of each struct and the offset and size
of each field. A mismatch raises ImportError instead of letting a call read
or write the wrong bytes. Constants (error codes, special offsets, flags,
enums) are not copied at all: they are read from the same description.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
from ctypes import (
    CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_int, c_int32, c_int64, c_size_t,
    c_uint, c_uint32, c_uint64, c_void_p,
)
from typing import Any, Dict, List, Optional

#: The library ABI major (its SONAME number) this package is written for.
ABI_MAJOR = 1
#: The oldest library version (MAJOR*10000 + MINOR*100 + PATCH) with every call used here.
MIN_VERSION = 200

ENV_LIBRARY = "OFFLOG_LIBRARY"


# --------------------------------------------------------------------------
# Structs. Versioned structs declare the fields of the version named in
# _VERSIONS; frozen structs (array elements) must match exactly.
# --------------------------------------------------------------------------

class Options(Structure):
    _fields_ = [
        ("version", c_uint), ("durability", c_int), ("map_size", c_uint64),
        ("max_map_size", c_uint64), ("max_readers", c_uint32), ("flush_interval_ms", c_uint32),
        ("file_mode", c_uint32), ("flags", c_uint32), ("maintenance_interval_ms", c_uint32),
        ("max_store_bytes", c_uint64), ("store_full_policy", c_int),
    ]


class StoreInfo(Structure):
    _fields_ = [
        ("version", c_uint), ("map_size", c_uint64), ("map_used", c_uint64),
        ("page_size", c_uint32), ("max_readers", c_uint32), ("readers_used", c_uint32),
        ("format_version", c_uint32), ("durability", c_int), ("read_only", c_int),
    ]


class TopicConfig(Structure):
    _fields_ = [
        ("version", c_uint), ("retention_ms", c_int64), ("retention_bytes", c_int64),
        ("cleanup_policy", c_int), ("delete_retention_ms", c_int64),
        ("max_message_bytes", c_int32), ("protected_groups", POINTER(c_char_p)),
        ("protected_group_count", c_size_t),
    ]


class PartitionInfo(Structure):
    _fields_ = [
        ("partition", c_int32), ("log_start", c_int64), ("high_watermark", c_int64),
        ("log_end", c_int64), ("records", c_int64), ("bytes", c_int64),
    ]


class TopicInfo(Structure):
    pass


class Header(Structure):
    _fields_ = [
        ("name", c_char_p), ("name_len", c_size_t), ("value", c_char_p), ("value_len", c_size_t),
    ]


class Message(Structure):
    _fields_ = [
        ("key", c_char_p), ("key_len", c_size_t), ("value", c_char_p), ("value_len", c_size_t),
        ("timestamp", c_int64), ("headers", POINTER(Header)), ("header_count", c_size_t),
    ]


class RecordStruct(Structure):
    _fields_ = [
        ("topic", c_void_p), ("partition", c_int32), ("offset", c_int64),
        ("timestamp", c_int64), ("key", c_void_p), ("key_len", c_size_t),
        ("value", c_void_p), ("value_len", c_size_t), ("header_count", c_size_t),
        ("headers", c_void_p), ("headers_len", c_size_t),
    ]


class Delivery(Structure):
    _fields_ = [
        ("version", c_uint), ("topic", c_char_p), ("partition", c_int32), ("offset", c_int64),
        ("sequence", c_int64), ("duplicate", c_int), ("err", c_int), ("msg_opaque", c_void_p),
        ("errmsg", c_char_p),
    ]


# The report is passed as an address: the binding reads it with one
# struct.unpack_from (see _producer.py), faster than through ctypes fields.
DeliveryCb = CFUNCTYPE(None, c_void_p, c_void_p)


class ProducerOptions(Structure):
    _fields_ = [
        ("version", c_uint), ("linger_ms", c_uint32), ("batch_records", c_uint32),
        ("batch_bytes", c_uint64), ("queue_bytes", c_uint64), ("queue_full", c_int),
        ("block_ms", c_uint32), ("idempotent", c_int), ("producer_id", c_uint64),
        ("on_delivery", DeliveryCb), ("opaque", c_void_p), ("delivery_mode", c_int),
    ]


class TopicPartition_(Structure):
    _fields_ = [("topic", c_char_p), ("partition", c_int32)]


class PartitionOffset(Structure):
    _fields_ = [
        ("topic", c_char_p), ("partition", c_int32), ("offset", c_int64),
        ("metadata", c_char_p), ("err", c_int),
    ]


class Committed(Structure):
    pass


RebalanceCb = CFUNCTYPE(None, c_void_p, c_void_p, POINTER(TopicPartition_), c_size_t)
RecordsLostCb = CFUNCTYPE(None, c_void_p, c_void_p, c_char_p, c_int32, c_int64, c_int64)
CommitCb = CFUNCTYPE(None, c_void_p, c_int, c_char_p, POINTER(PartitionOffset), c_size_t)


class ConsumerOptions(Structure):
    _fields_ = [
        ("version", c_uint), ("auto_offset_reset", c_int), ("reset_duration_ms", c_int64),
        ("enable_auto_commit", c_int), ("auto_commit_interval_ms", c_uint32),
        ("max_poll_records", c_uint32), ("max_poll_bytes", c_uint64), ("isolation", c_int),
        ("session_timeout_ms", c_uint32), ("heartbeat_interval_ms", c_uint32),
        ("max_poll_interval_ms", c_uint32), ("assignor", c_int),
        ("group_instance_id", c_char_p), ("on_assigned", RebalanceCb),
        ("on_revoked", RebalanceCb), ("on_lost", RebalanceCb), ("rebalance_opaque", c_void_p),
        ("on_records_lost", RecordsLostCb), ("records_lost_opaque", c_void_p),
    ]


class GroupMember(Structure):
    _fields_ = [
        ("member_id", c_char_p), ("instance_id", c_char_p), ("pid", c_int32),
        ("last_heartbeat_ms", c_int64), ("owned", POINTER(TopicPartition_)),
        ("owned_count", c_size_t), ("target", POINTER(TopicPartition_)),
        ("target_count", c_size_t), ("subscription", POINTER(c_char_p)),
        ("subscription_count", c_size_t),
    ]


class GroupPartition(Structure):
    _fields_ = [
        ("topic", c_char_p), ("partition", c_int32), ("committed", c_int64),
        ("log_start_offset", c_int64), ("log_end_offset", c_int64),
        ("high_watermark", c_int64), ("lag", c_int64), ("member_id", c_char_p),
    ]


class GroupDescription(Structure):
    _fields_ = [
        ("version", c_uint), ("group", c_char_p), ("state", c_char_p), ("generation", c_int64),
        ("assignor", c_int), ("members", POINTER(GroupMember)), ("member_count", c_size_t),
        ("partitions", POINTER(GroupPartition)), ("partition_count", c_size_t),
    ]


# Sizes of char arrays are constants of the header: these two are the only
# values written here, and the check below compares them with the library's.
_NAME_MAX = 249
_METADATA_MAX = 4096

TopicInfo._fields_ = [
    ("version", c_uint), ("name", c_char * (_NAME_MAX + 1)), ("partition_count", c_int32),
    ("created_ms", c_int64), ("partitions", POINTER(PartitionInfo)), ("config", TopicConfig),
]
Committed._fields_ = [
    ("version", c_uint), ("offset", c_int64), ("commit_time_ms", c_int64),
    ("metadata_len", c_size_t), ("metadata", c_char * (_METADATA_MAX + 1)),
]

# C name -> (ctypes class, the struct version declared here, or None when frozen).
STRUCTS: Dict[str, Any] = {
    "offlog_options": (Options, 2),
    "offlog_store_info": (StoreInfo, 1),
    "offlog_topic_config": (TopicConfig, 2),
    "offlog_partition_info": (PartitionInfo, None),
    "offlog_topic_info": (TopicInfo, 1),
    "offlog_header": (Header, None),
    "offlog_message": (Message, None),
    "offlog_record": (RecordStruct, None),
    "offlog_delivery": (Delivery, 1),
    "offlog_producer_options": (ProducerOptions, 2),
    "offlog_topic_partition": (TopicPartition_, None),
    "offlog_partition_offset": (PartitionOffset, None),
    "offlog_committed": (Committed, 1),
    "offlog_consumer_options": (ConsumerOptions, 2),
    "offlog_group_member": (GroupMember, None),
    "offlog_group_partition": (GroupPartition, None),
    "offlog_group_description": (GroupDescription, 1),
}

# The C name of each struct's version constant.
VERSION_CONSTANTS = {
    "offlog_options": "OFFLOG_OPTIONS_VERSION",
    "offlog_store_info": "OFFLOG_STORE_INFO_VERSION",
    "offlog_topic_config": "OFFLOG_TOPIC_CONFIG_VERSION",
    "offlog_topic_info": "OFFLOG_TOPIC_INFO_VERSION",
    "offlog_delivery": "OFFLOG_DELIVERY_VERSION",
    "offlog_producer_options": "OFFLOG_PRODUCER_OPTIONS_VERSION",
    "offlog_committed": "OFFLOG_COMMITTED_VERSION",
    "offlog_consumer_options": "OFFLOG_CONSUMER_OPTIONS_VERSION",
    "offlog_group_description": "OFFLOG_GROUP_DESCRIPTION_VERSION",
}


# --------------------------------------------------------------------------
# Functions: name -> (restype, argtypes).
# --------------------------------------------------------------------------

_P = c_void_p
_I64P = POINTER(c_int64)
_I32P = POINTER(c_int32)

PROTOTYPES: Dict[str, Any] = {
    "offlog_version": (c_int, []),
    "offlog_version_string": (c_char_p, []),
    "offlog_strerror": (c_char_p, [c_int]),
    "offlog_errname": (c_char_p, [c_int]),
    "offlog_errmsg": (c_char_p, []),
    "offlog_abi_describe": (c_char_p, []),
    "offlog_abi_sizeof": (c_int, [POINTER(c_size_t), c_char_p]),
    "offlog_abi_offsetof": (c_int, [POINTER(c_size_t), c_char_p, c_char_p]),
    "offlog_abi_constant": (c_int, [_I64P, c_char_p]),
    # store
    "offlog_options_init": (c_int, [_P]),
    "offlog_open": (c_int, [POINTER(c_void_p), c_char_p, _P]),
    "offlog_close": (c_int, [_P]),
    "offlog_flush": (c_int, [_P]),
    "offlog_store_stat": (c_int, [POINTER(StoreInfo), _P]),
    "offlog_backup": (c_int, [_P, c_char_p]),
    # topics
    "offlog_topic_config_init": (c_int, [_P]),
    "offlog_topic_create": (c_int, [_P, c_char_p, c_int32, _P]),
    "offlog_topic_delete": (c_int, [_P, c_char_p]),
    "offlog_topic_add_partitions": (c_int, [_P, c_char_p, c_int32]),
    "offlog_topic_list": (c_int, [POINTER(POINTER(c_char_p)), POINTER(c_size_t), _P]),
    "offlog_names_free": (None, [POINTER(c_char_p), c_size_t]),
    "offlog_topic_describe": (c_int, [POINTER(POINTER(TopicInfo)), _P, c_char_p]),
    "offlog_topic_info_free": (None, [POINTER(TopicInfo)]),
    "offlog_watermarks_get": (c_int, [_I64P, _I64P, _I64P, _P, c_char_p, c_int32]),
    "offlog_delete_records": (c_int, [_I64P, _P, c_char_p, c_int32, c_int64]),
    "offlog_maintain": (c_int, [_P, c_uint64, POINTER(c_uint64)]),
    "offlog_record_headers": (c_int, [POINTER(Header), c_size_t, POINTER(c_size_t), _P]),
    "offlog_partition_for_key": (c_int, [_I32P, c_char_p, c_size_t, c_int32]),
    "offlog_append": (c_int, [_I64P, _I32P, _P, c_char_p, c_int32, POINTER(Message)]),
    "offlog_append_batch": (c_int, [_I64P, _I32P, _P, c_char_p, c_int32, POINTER(Message),
                                    c_size_t]),
    # producer
    "offlog_producer_options_init": (c_int, [_P]),
    "offlog_producer_open": (c_int, [POINTER(c_void_p), _P, _P]),
    "offlog_producer_send": (c_int, [_P, c_char_p, c_int32, POINTER(Message), c_void_p]),
    "offlog_producer_flush": (c_int, [_P, c_int]),
    "offlog_producer_poll": (c_int, [POINTER(c_size_t), _P, c_int]),
    "offlog_producer_fd": (c_int, [POINTER(c_int), _P]),
    "offlog_producer_errmsg": (c_char_p, [_P]),
    "offlog_producer_close": (c_int, [_P, c_uint]),
    "offlog_producer_id": (c_int, [POINTER(c_uint64), _P]),
    "offlog_producer_next_sequence": (c_int, [_I64P, _P, c_char_p, c_int32]),
    # fetch
    "offlog_fetch": (c_int, [POINTER(c_void_p), _P, c_char_p, c_int32, c_int64, c_size_t,
                             c_size_t]),
    "offlog_batch_records": (c_int, [POINTER(c_void_p), POINTER(c_size_t), _I64P, _P]),
    "offlog_batch_free": (None, [_P]),
    # committed offsets and groups
    "offlog_group_committed": (c_int, [POINTER(Committed), _P, c_char_p, c_char_p, c_int32]),
    "offlog_group_describe": (c_int, [POINTER(POINTER(GroupDescription)), _P, c_char_p]),
    "offlog_group_description_free": (None, [POINTER(GroupDescription)]),
    "offlog_group_list": (c_int, [POINTER(POINTER(c_char_p)), POINTER(c_size_t), _P]),
    "offlog_group_delete": (c_int, [_P, c_char_p]),
    # consumer
    "offlog_consumer_options_init": (c_int, [_P]),
    "offlog_consumer_open": (c_int, [POINTER(c_void_p), _P, c_char_p, _P]),
    "offlog_consumer_close": (c_int, [_P]),
    "offlog_consumer_assign": (c_int, [_P, POINTER(TopicPartition_), c_size_t]),
    "offlog_consumer_assignment": (c_int, [POINTER(POINTER(TopicPartition_)),
                                           POINTER(c_size_t), _P]),
    "offlog_consumer_poll": (c_int, [POINTER(c_void_p), POINTER(c_size_t), _P, c_int]),
    "offlog_consumer_release": (c_int, [_P]),
    "offlog_consumer_wakeup": (c_int, [_P]),
    "offlog_consumer_fd": (c_int, [POINTER(c_int), _P]),
    "offlog_consumer_errmsg": (c_char_p, [_P]),
    "offlog_consumer_position": (c_int, [_I64P, _P, c_char_p, c_int32]),
    "offlog_consumer_seek": (c_int, [_P, c_char_p, c_int32, c_int64]),
    "offlog_consumer_seek_timestamp": (c_int, [_P, c_char_p, c_int32, c_int64]),
    "offlog_consumer_seek_relative": (c_int, [_P, c_char_p, c_int32, c_int64]),
    "offlog_consumer_pause": (c_int, [_P, POINTER(TopicPartition_), c_size_t]),
    "offlog_consumer_resume": (c_int, [_P, POINTER(TopicPartition_), c_size_t]),
    "offlog_consumer_commit": (c_int, [_P]),
    "offlog_consumer_commit_async": (c_int, [_P, CommitCb, c_void_p]),
    "offlog_consumer_commit_offsets": (c_int, [_P, POINTER(PartitionOffset), c_size_t]),
    "offlog_consumer_committed": (c_int, [POINTER(Committed), _P, c_char_p, c_int32]),
    "offlog_consumer_lag": (c_int, [_I64P, _I64P, _P, c_char_p, c_int32]),
    "offlog_consumer_subscribe": (c_int, [_P, POINTER(c_char_p), c_size_t]),
    "offlog_consumer_unsubscribe": (c_int, [_P]),
    "offlog_consumer_member": (c_int, [POINTER(c_char_p), _I64P, _P]),
    # transactions
    "offlog_txn_begin": (c_int, [POINTER(c_void_p), _P]),
    "offlog_txn_append": (c_int, [_I64P, _I32P, _P, c_char_p, c_int32, POINTER(Message)]),
    "offlog_txn_commit_offsets": (c_int, [_P, c_char_p, POINTER(PartitionOffset), c_size_t]),
    "offlog_txn_commit_consumer": (c_int, [_P, _P]),
    "offlog_txn_commit": (c_int, [_P]),
    "offlog_txn_abort": (None, [_P]),
}


# --------------------------------------------------------------------------
# Finding and loading the library.
# --------------------------------------------------------------------------

def candidates() -> List[str]:
    """The places the library is looked for, in order.

    The environment variable ``OFFLOG_LIBRARY`` (a path) comes first; then a
    build tree: ``build/libofflog.so`` in the package's directory or one of
    its parents (a package used from a source checkout); then the system's
    libraries through ``ctypes.util.find_library("offlog")``.
    """
    found = []
    env = os.environ.get(ENV_LIBRARY)
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        path = os.path.join(here, "build", "libofflog.so")
        if os.path.exists(path):
            found.append(path)
            break
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    system = ctypes.util.find_library("offlog")
    if system:
        found.append(system)
    return found


def _load() -> ctypes.CDLL:
    tried = candidates()
    errors = []
    for path in tried:
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append("%s: %s" % (path, e))
    if os.environ.get(ENV_LIBRARY):
        raise ImportError("offlog: cannot load %s=%s: %s"
                          % (ENV_LIBRARY, os.environ[ENV_LIBRARY], "; ".join(errors)))
    detail = ": " + "; ".join(errors) if errors else ""
    raise ImportError("offlog: libofflog not found (set %s to its path, build it with `make lib`,"
                      " or install it)%s" % (ENV_LIBRARY, detail))


def _declare(lib: ctypes.CDLL) -> None:
    missing = []
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    if missing:
        raise ImportError("offlog: %s lacks %s: it is older than this package supports"
                          " (ABI %d, version %d.%d or newer)"
                          % (lib._name, ", ".join(missing), ABI_MAJOR,
                             MIN_VERSION // 10000, MIN_VERSION // 100 % 100))


def check_description(desc: Dict[str, Any]) -> List[str]:
    """Compare the structs declared here with the library's description.

    Returns a list of mismatches (empty when every declared struct, field
    offset and field size agrees). A versioned struct may have grown at its
    end in a newer library; a frozen one must match exactly.
    """
    problems = []
    if desc.get("abi") != ABI_MAJOR:
        problems.append("library ABI %r, package supports %d" % (desc.get("abi"), ABI_MAJOR))
    if desc.get("pointer_size") != ctypes.sizeof(c_void_p):
        problems.append("pointer size %r, Python's is %d"
                        % (desc.get("pointer_size"), ctypes.sizeof(c_void_p)))
    structs = desc.get("structs", {})
    for cname, (cls, version) in STRUCTS.items():
        d = structs.get(cname)
        if d is None:
            problems.append("%s: not described by the library" % cname)
            continue
        size = ctypes.sizeof(cls)
        if version is None and d.get("size") != size:
            problems.append("%s: size %r, declared %d" % (cname, d.get("size"), size))
        if version is not None:
            if (d.get("version") or 0) < version:
                problems.append("%s: library version %r, package needs %d"
                                % (cname, d.get("version"), version))
            if (d.get("size") or 0) < size:
                problems.append("%s: size %r, declared %d" % (cname, d.get("size"), size))
        fields = {f.get("name"): f for f in d.get("fields", [])}
        for fname, _ in cls._fields_:
            f = fields.get(fname)
            member = getattr(cls, fname)
            if f is None:
                problems.append("%s.%s: not described by the library" % (cname, fname))
            elif f.get("offset") != member.offset or f.get("size") != member.size:
                problems.append("%s.%s: offset %r size %r, declared offset %d size %d"
                                % (cname, fname, f.get("offset"), f.get("size"),
                                   member.offset, member.size))
    constants = desc.get("constants", {})
    for cname, const in VERSION_CONSTANTS.items():
        if const not in constants:
            problems.append("%s: not described by the library" % const)
    for const, value in (("OFFLOG_NAME_MAX", _NAME_MAX), ("OFFLOG_METADATA_MAX", _METADATA_MAX)):
        if constants.get(const) != value:
            problems.append("%s: %r, declared %d" % (const, constants.get(const), value))
    return problems


def _describe(lib: ctypes.CDLL) -> Dict[str, Any]:
    raw = lib.offlog_abi_describe()
    try:
        return json.loads(raw.decode("utf-8"))
    except (AttributeError, ValueError) as e:
        raise ImportError("offlog: offlog_abi_describe() of %s is not JSON: %s" % (lib._name, e))


lib = _load()
_declare(lib)
VERSION = lib.offlog_version()
if VERSION < MIN_VERSION:
    raise ImportError("offlog: %s is version %s; this package needs %d.%d or newer"
                      % (lib._name, lib.offlog_version_string().decode(),
                         MIN_VERSION // 10000, MIN_VERSION // 100 % 100))
DESCRIPTION = _describe(lib)
_problems = check_description(DESCRIPTION)
if _problems:
    raise ImportError("offlog: the structs of this package do not match %s (version %s): %s"
                      % (lib._name, lib.offlog_version_string().decode(),
                         "; ".join(_problems)))
CONSTANTS: Dict[str, int] = dict(DESCRIPTION.get("constants", {}))


def const(name: str) -> int:
    """The value of constant ``OFFLOG_<name>`` as the library defines it."""
    full = name if name.startswith("OFFLOG_") else "OFFLOG_" + name
    try:
        return CONSTANTS[full]
    except KeyError:
        value = c_int64()
        if lib.offlog_abi_constant(ctypes.byref(value), full.encode()) != 0:
            raise ImportError("offlog: the library does not define %s" % full) from None
        CONSTANTS[full] = value.value
        return value.value


def library_path() -> Optional[str]:
    """The path or name the library was loaded from."""
    return lib._name
