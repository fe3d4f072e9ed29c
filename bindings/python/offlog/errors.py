"""Exceptions: one class per OFFLOG_E* code, all subclasses of OfflogError.

The codes' values are not written here: each class names its C constant
(``OFFLOG_ENOTOPIC``), and the number is read from the loaded library.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

from . import _abi


class OfflogError(Exception):
    """An error reported by libofflog.

    Attributes:
        code: the negative ``OFFLOG_E*`` code.
        name: its symbolic name, e.g. ``"OFFLOG_ERANGE"``.
        message: the library's detail message for this failure (which topic,
            which offset range), or its one-line description of the code when
            there is no detail.
    """

    errname: str = ""

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(code, name, message)
        self.code = code
        self.name = name
        self.message = message

    def __str__(self) -> str:
        return "%s: %s" % (self.name, self.message)


def _cls(errname: str, pyname: str, doc: str, *bases: type) -> Type[OfflogError]:
    cls = type(pyname, (OfflogError,) + bases, {"__doc__": doc, "errname": errname,
                                                 "__module__": __name__})
    return cls


InvalidArgument = _cls("OFFLOG_EINVAL", "InvalidArgument",
                       "Invalid argument: a bad flag, option or value.", ValueError)
InvalidName = _cls("OFFLOG_ENAME", "InvalidName", "Invalid topic or group name.", ValueError)
UnknownTopic = _cls("OFFLOG_ENOTOPIC", "UnknownTopic", "Unknown topic.", LookupError)
UnknownPartition = _cls("OFFLOG_ENOPART", "UnknownPartition",
                        "Unknown partition of an existing topic.", LookupError)
AlreadyExists = _cls("OFFLOG_EEXIST", "AlreadyExists",
                     "The topic (or, for a backup, the store) already exists.")
InvalidOffset = _cls("OFFLOG_EOFFSET", "InvalidOffset",
                     "Invalid offset value (negative, or a special value not allowed here).",
                     ValueError)
OffsetOutOfRange = _cls("OFFLOG_ERANGE", "OffsetOutOfRange",
                        "Offset below the log start or beyond the log end offset.")
NoOffset = _cls("OFFLOG_ENOOFFSET", "NoOffset",
                "No committed offset and the reset policy is \"none\".")
TooLarge = _cls("OFFLOG_ETOOBIG", "TooLarge",
                "A record, key, header or metadata string exceeds its limit.")
NotAStore = _cls("OFFLOG_ENOTSTORE", "NotAStore",
                 "The path exists but is not an offlog store.")
NotFound = _cls("OFFLOG_ENOENT", "NotFound", "No store at the path, or no such group.",
                LookupError)
UnsupportedVersion = _cls("OFFLOG_EVERSION", "UnsupportedVersion",
                          "The store has a newer on-disk format than the library.")
MapFull = _cls("OFFLOG_EMAPFULL", "MapFull", "The map reached max_map_size or could not grow.")
NoSpace = _cls("OFFLOG_ENOSPC", "NoSpace", "No space left on the device.")
IOFailure = _cls("OFFLOG_EIO", "IOFailure", "I/O error from the operating system.")
OutOfMemory = _cls("OFFLOG_ENOMEM", "OutOfMemory", "Out of memory.")
Corrupt = _cls("OFFLOG_ECORRUPT", "Corrupt", "The store's contents are inconsistent.")
ReadOnly = _cls("OFFLOG_EREADONLY", "ReadOnly", "A write on a store opened read-only.")
PermissionDenied = _cls("OFFLOG_EPERM", "PermissionDenied",
                        "Permission denied by the operating system, or an unsafe directory.")
Busy = _cls("OFFLOG_EBUSY", "Busy",
            "The store is already open in this process, or handles are still open at close.")
ReadersFull = _cls("OFFLOG_EREADERS", "ReadersFull", "All reader slots are in use.")
TransactionError = _cls("OFFLOG_ETXN", "TransactionError",
                        "Transaction misuse: nested, failed, or used by another thread.")
InvalidState = _cls("OFFLOG_ESTATE", "InvalidState",
                    "Not valid in the handle's state (partition not assigned, no group, ...).")
Timeout = _cls("OFFLOG_ETIMEDOUT", "Timeout", "A wait reached its deadline.")
QueueFull = _cls("OFFLOG_EQUEUEFULL", "QueueFull", "The producer's queue is full.")
OutOfOrderSequence = _cls("OFFLOG_ESEQUENCE", "OutOfOrderSequence",
                          "Idempotent producer: a sequence number out of order.")
Purged = _cls("OFFLOG_EPURGED", "Purged",
              "The producer was closed with purge before the record was written.")
Fenced = _cls("OFFLOG_EFENCED", "Fenced",
              "A zombie group member's commit, or a producer fenced by a newer one.")
GroupLive = _cls("OFFLOG_EGROUPLIVE", "GroupLive", "The group has live members.")
StoreFull = _cls("OFFLOG_ESTOREFULL", "StoreFull",
                 "The store holds max_store_bytes and nothing may be dropped.")
Fatal = _cls("OFFLOG_EFATAL", "Fatal",
             "The handle cannot recover from a failed write: close and reopen the store.")
PlatformMismatch = _cls("OFFLOG_EPLATFORM", "PlatformMismatch",
                        "The store was written by a build of another word size or byte order.")
Wakeup = _cls("OFFLOG_EWAKEUP", "Wakeup", "The call was interrupted by Consumer.wakeup().")

#: Every exception class by its C name.
BY_NAME: Dict[str, Type[OfflogError]] = {
    c.errname: c for c in (
        InvalidArgument, InvalidName, UnknownTopic, UnknownPartition, AlreadyExists,
        InvalidOffset, OffsetOutOfRange, NoOffset, TooLarge, NotAStore, NotFound,
        UnsupportedVersion, MapFull, NoSpace, IOFailure, OutOfMemory, Corrupt, ReadOnly,
        PermissionDenied, Busy, ReadersFull, TransactionError, InvalidState, Timeout,
        QueueFull, OutOfOrderSequence, Purged, Fenced, GroupLive, StoreFull, Fatal,
        PlatformMismatch, Wakeup)
}

__all__ = ["OfflogError"] + [c.__name__ for c in BY_NAME.values()]

#: Every exception class by its code, as the loaded library numbers them.
BY_CODE: Dict[int, Type[OfflogError]] = {}
for _name, _cls_ in BY_NAME.items():
    if _name in _abi.CONSTANTS:
        BY_CODE[_abi.CONSTANTS[_name]] = _cls_


def error(code: int, detail: Optional[bytes] = None) -> OfflogError:
    """The exception for ``code`` with ``detail`` as its message.

    ``detail`` None means the calling thread's ``offlog_errmsg()``. An empty
    detail falls back to ``offlog_strerror(code)``.
    """
    lib = _abi.lib
    if detail is None:
        detail = lib.offlog_errmsg()
    message = (detail or b"").decode("utf-8", "replace") or \
        lib.offlog_strerror(code).decode("utf-8", "replace")
    name = lib.offlog_errname(code).decode("ascii", "replace")
    return BY_CODE.get(code, OfflogError)(code, name, message)


def check(code: int) -> None:
    """Raise the exception for ``code`` unless it is 0."""
    if code:
        raise error(code)


def make(short: str, message: str) -> OfflogError:
    """The exception for ``OFFLOG_<short>`` with a message of the binding's own."""
    name = "OFFLOG_" + short
    code = _abi.const(name)
    return BY_CODE.get(code, OfflogError)(code, name, message)
