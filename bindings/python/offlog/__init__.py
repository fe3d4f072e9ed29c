"""offlog: Kafka's offset semantics in-process, on LMDB (Python binding).

A ctypes binding of libofflog, using only the standard library::

    import offlog

    with offlog.Store("/tmp/demo-store") as store:
        store.create_topic("readings", partitions=4)
        store.append("readings", b"21.5", key=b"sensor-7")
        with offlog.Consumer(store, "forwarder", auto_offset_reset="earliest") as c:
            c.subscribe(["readings"])
            for rec in c.records(idle_timeout=1.0):
                print(rec.partition, rec.offset, rec.key, rec.value)
            c.commit()

The library is found through the environment variable OFFLOG_LIBRARY (a
path), then a build tree (``build/libofflog.so`` above the package), then
``ctypes.util.find_library("offlog")``. At import, the structs declared here
are checked against the library's own description of its ABI, and an
ImportError names any mismatch.
"""

from . import _abi
from ._consumer import POLL_SLICE, Consumer
from ._producer import DeliveryFuture, DeliveryReport, Producer
from ._store import Store, Transaction
from ._types import (
    LAG_UNKNOWN, OFFSET_BEGINNING, OFFSET_END, OFFSET_INVALID, OFFSET_STORED, PARTITION_ANY,
    TIMESTAMP_NOW, Committed, GroupDescription, GroupMember, GroupPartition, Lag, PartitionInfo,
    Record, TopicInfo, TopicPartition, Watermarks, offset_tail,
)
from .errors import *  # noqa: F401,F403  (the exception classes)
from .errors import BY_NAME as _BY_NAME, OfflogError

__version__ = "0.2.0"

#: The loaded library's version string ("0.2.0").
library_version: str = _abi.lib.offlog_version_string().decode("ascii")
#: The loaded library's path (or name).
library_path: str = _abi.library_path() or ""
#: The library's ABI description, as parsed from offlog_abi_describe().
abi_description = _abi.DESCRIPTION

__all__ = [
    "Store", "Transaction", "Producer", "DeliveryFuture", "DeliveryReport", "Consumer",
    "Record", "TopicPartition", "Watermarks", "PartitionInfo", "TopicInfo", "Committed", "Lag",
    "GroupDescription", "GroupMember", "GroupPartition", "OfflogError",
    "OFFSET_BEGINNING", "OFFSET_END", "OFFSET_STORED", "OFFSET_INVALID", "PARTITION_ANY",
    "TIMESTAMP_NOW", "LAG_UNKNOWN", "POLL_SLICE", "offset_tail", "library_version",
    "library_path", "abi_description",
] + sorted(c.__name__ for c in _BY_NAME.values())
