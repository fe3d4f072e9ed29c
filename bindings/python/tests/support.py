"""Shared by the tests: the package on sys.path, temporary stores, child processes."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)

import offlog  # noqa: E402


class StoreTestCase(unittest.TestCase):
    """A fresh store in a temporary directory per test, closed and removed after it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="offlog-py-")
        self.path = os.path.join(self.tmp, "store")
        self.store = offlog.Store(self.path)

    def tearDown(self):
        self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def child_env():
    """The environment of a child Python process: it imports this package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OFFLOG_LIBRARY", offlog.library_path)
    return env


def spawn(*args, **kwargs):
    """Start tests/children.py with args in a child Python process."""
    return subprocess.Popen([sys.executable, os.path.join(TESTS_DIR, "children.py")]
                            + [str(a) for a in args], env=child_env(), **kwargs)
