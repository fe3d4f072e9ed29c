"""The self-description check: the structs declared by the package against the
library's offlog_abi_describe(), offlog_abi_sizeof/_offsetof and _constant."""

import copy
import ctypes
import os
import subprocess
import sys
import unittest

from support import PACKAGE_DIR, child_env, offlog
from offlog import _abi


class AbiTest(unittest.TestCase):

    def test_description_matches_every_declared_struct(self):
        self.assertEqual(_abi.check_description(offlog.abi_description), [])
        self.assertEqual(offlog.abi_description["abi"], _abi.ABI_MAJOR)
        self.assertGreaterEqual(_abi.lib.offlog_version(), _abi.MIN_VERSION)
        self.assertEqual(offlog.library_version, offlog.abi_description["version"])

    def test_sizeof_and_offsetof_agree(self):
        size, off = ctypes.c_size_t(), ctypes.c_size_t()
        for cname, (cls, version) in _abi.STRUCTS.items():
            self.assertEqual(_abi.lib.offlog_abi_sizeof(ctypes.byref(size), cname.encode()), 0)
            if version is None:
                self.assertEqual(size.value, ctypes.sizeof(cls), cname)
            else:
                self.assertGreaterEqual(size.value, ctypes.sizeof(cls), cname)
            for field, _ in cls._fields_:
                rc = _abi.lib.offlog_abi_offsetof(ctypes.byref(off), cname.encode(),
                                                  field.encode())
                self.assertEqual((rc, off.value), (0, getattr(cls, field).offset),
                                 "%s.%s" % (cname, field))
        self.assertNotEqual(_abi.lib.offlog_abi_sizeof(ctypes.byref(size), b"no_such"), 0)

    def test_constants_agree(self):
        value = ctypes.c_int64()
        for name, expected in offlog.abi_description["constants"].items():
            rc = _abi.lib.offlog_abi_constant(ctypes.byref(value), name.encode())
            # offlog_abi_constant() gives the 64 bits, also of an unsigned
            # constant beyond INT64_MAX (OFFLOG_PRODUCER_ID_STORE_MIN).
            self.assertEqual((rc, value.value % 2 ** 64), (0, expected % 2 ** 64), name)
        self.assertNotEqual(_abi.lib.offlog_abi_constant(ctypes.byref(value), b"OFFLOG_NOPE"), 0)
        self.assertEqual(offlog.OFFSET_END, offlog.abi_description["constants"]
                         ["OFFLOG_OFFSET_END"])

    def test_a_mismatch_is_reported(self):
        desc = copy.deepcopy(offlog.abi_description)
        rec = desc["structs"]["offlog_record"]
        rec["size"] += 8
        next(f for f in rec["fields"] if f["name"] == "offset")["offset"] += 4
        desc["structs"]["offlog_consumer_options"]["fields"].pop()
        del desc["structs"]["offlog_delivery"]
        problems = "\n".join(_abi.check_description(desc))
        self.assertIn("offlog_record: size", problems)
        self.assertIn("offlog_record.offset", problems)
        self.assertIn("offlog_consumer_options.records_lost_opaque", problems)
        self.assertIn("offlog_delivery: not described", problems)
        desc = copy.deepcopy(offlog.abi_description)
        desc["abi"] += 1
        self.assertIn("ABI", "".join(_abi.check_description(desc)))

    def test_import_fails_clearly(self):
        env = child_env()
        env["OFFLOG_LIBRARY"] = os.path.join(PACKAGE_DIR, "no-such-libofflog.so")
        out = subprocess.run([sys.executable, "-c", "import offlog"], env=env,
                             capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("ImportError", out.stderr)
        self.assertIn("no-such-libofflog.so", out.stderr)

    def test_library_lookup_order(self):
        old = os.environ.get("OFFLOG_LIBRARY")
        try:
            os.environ["OFFLOG_LIBRARY"] = "/x/libofflog.so"
            self.assertEqual(_abi.candidates(), ["/x/libofflog.so"])
            del os.environ["OFFLOG_LIBRARY"]
            tree = os.path.join(os.path.dirname(os.path.dirname(PACKAGE_DIR)), "build",
                                "libofflog.so")
            if os.path.exists(tree):
                self.assertEqual(_abi.candidates()[0], tree)
        finally:
            if old is None:
                os.environ.pop("OFFLOG_LIBRARY", None)
            else:
                os.environ["OFFLOG_LIBRARY"] = old


if __name__ == "__main__":
    unittest.main()
