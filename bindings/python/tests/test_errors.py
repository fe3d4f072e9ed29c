"""Errors: each exception class, raised by a real failing call, with its detail."""

import os
import threading
import unittest

from support import StoreTestCase, offlog


class ErrorsTest(StoreTestCase):

    def setUp(self):
        super().setUp()
        self.store.create_topic("t", 2)
        self.store.append_batch("t", [b"x"] * 10, partition=0)

    def consumer(self, group="g", **kw):
        c = offlog.Consumer(self.store, group, **kw)
        self.addCleanup(c.close)
        return c

    def assertError(self, cls, fn, *args, contains=None, **kwargs):
        with self.assertRaises(cls) as cm:
            fn(*args, **kwargs)
        e = cm.exception
        self.assertIsInstance(e, offlog.OfflogError)
        self.assertEqual(e.name, getattr(cls, "errname", e.name))
        self.assertLess(e.code, 0)
        self.assertTrue(e.message)
        if contains:
            self.assertIn(contains, e.message)
        return e

    def test_every_code_has_its_class(self):
        codes = {name: value for name, value in offlog.abi_description["constants"].items()
                 if name.startswith("OFFLOG_E") and value < 0}
        self.assertEqual(len(codes), len(offlog.errors.BY_NAME))
        for name, value in codes.items():
            cls = offlog.errors.BY_NAME[name]
            self.assertIs(offlog.errors.BY_CODE[value], cls)
            self.assertIs(getattr(offlog, cls.__name__), cls)

    def test_unknown_topic_and_partition(self):
        self.assertError(offlog.UnknownTopic, self.store.append, "nope", b"x", contains="nope")
        self.assertError(offlog.UnknownPartition, self.store.append, "t", b"x", partition=7)
        self.assertError(LookupError, self.store.watermarks, "nope", 0)

    def test_names_and_arguments(self):
        self.assertError(offlog.InvalidName, self.store.create_topic, "bad/name")
        self.assertError(offlog.InvalidName, self.store.create_topic, "x" * 250)
        self.assertError(offlog.AlreadyExists, self.store.create_topic, "t")
        self.assertError(offlog.InvalidArgument, self.store.create_topic, "u", 0)
        self.assertError(ValueError, self.store.append, "t", b"x", timestamp=-5)

    def test_offsets(self):
        c = self.consumer(auto_offset_reset="none")
        c.assign([("t", 0)])
        self.assertError(offlog.NoOffset, c.poll, 0)
        self.assertError(offlog.OffsetOutOfRange, c.commit, {("t", 0): 11})
        self.assertError(offlog.InvalidOffset, c.seek, "t", 0, -5)
        self.store.delete_records("t", 0, 5)
        c.commit({("t", 0): 2})
        e = self.assertError(offlog.OffsetOutOfRange, c.poll, 0)
        self.assertIn("5", e.message)  # the detail names the valid range
        self.assertError(offlog.OffsetOutOfRange, self.store.fetch, "t", 0, 20)

    def test_too_large(self):
        self.store.create_topic("small", 1, max_message_bytes=100)
        self.assertError(offlog.TooLarge, self.store.append, "small", b"x" * 200)
        self.assertError(offlog.TooLarge, self.store.append, "t", b"x", key=b"k" * 70000)

    def test_store_open_errors(self):
        self.assertError(offlog.NotFound, offlog.Store, os.path.join(self.tmp, "none"),
                         create=False)
        plain = os.path.join(self.tmp, "file")
        with open(plain, "wb") as f:
            f.write(b"not a store" * 100)
        self.assertError(offlog.NotAStore, offlog.Store, plain)
        self.assertError(offlog.Busy, offlog.Store, self.path)

    def test_store_full(self):
        with offlog.Store(os.path.join(self.tmp, "capped"), max_store_bytes=1000) as capped:
            capped.create_topic("t")
            capped.append("t", b"x" * 600)
            self.assertError(offlog.StoreFull, capped.append, "t", b"x" * 600)

    def test_map_full(self):
        mib = 1 << 20
        with offlog.Store(os.path.join(self.tmp, "small"), map_size=mib,
                          max_map_size=mib) as small:
            small.create_topic("t")
            with self.assertRaises(offlog.MapFull):
                for _ in range(1000):
                    small.append_batch("t", [b"x" * 1000] * 100, partition=0)

    @unittest.skipIf(os.geteuid() == 0, "root may open any store")
    def test_permission_denied_for_a_world_writable_directory(self):
        shared = os.path.join(self.tmp, "shared")
        os.mkdir(shared)
        os.chmod(shared, 0o777)
        self.assertError(offlog.PermissionDenied, offlog.Store, shared)
        offlog.Store(shared, insecure=True).close()

    def test_read_only(self):
        self.store.close()
        with offlog.Store(self.path, read_only=True) as ro:
            self.assertEqual(ro.watermarks("t", 0).log_end, 10)
            self.assertError(offlog.ReadOnly, ro.append, "t", b"x")

    def test_state(self):
        c = self.consumer()
        self.assertError(offlog.InvalidState, c.position, "t", 0)
        no_group = self.consumer(None)
        self.assertError(offlog.InvalidState, no_group.commit)
        c.close()
        self.assertError(offlog.InvalidState, c.poll, 0)

    def test_group_errors(self):
        self.assertError(offlog.NotFound, self.store.describe_group, "nobody")
        c = self.consumer("live", heartbeat_interval_ms=100)
        c.subscribe(["t"])
        c.poll(0.2)
        self.assertError(offlog.GroupLive, self.store.delete_group, "live")

    def test_fenced_static_member(self):
        a = self.consumer("static", group_instance_id="i1")
        a.subscribe(["t"])
        a.poll(0.2)
        b = self.consumer("static", group_instance_id="i1")
        b.subscribe(["t"])
        b.poll(0.2)
        self.assertError(offlog.Fenced, a.poll, 0.2)

    def test_queue_full(self):
        p = offlog.Producer(self.store, queue_bytes=1000, queue_full="fail", linger_ms=10000,
                            batch_records=1000000)
        self.addCleanup(p.close, True)
        with self.assertRaises(offlog.QueueFull):
            for _ in range(100):
                p.send("t", b"x" * 100, partition=1)

    def test_flush_timeout(self):
        # Another thread's open transaction holds the store's write lock, so
        # the producer cannot write until it ends.
        began, end = threading.Event(), threading.Event()

        def hold():
            txn = self.store.transaction()
            began.set()
            end.wait(30)
            txn.abort()
        t = threading.Thread(target=hold)
        t.start()
        try:
            began.wait(10)
            with offlog.Producer(self.store) as p:
                fut = p.send("t", b"x", partition=1)
                self.assertError(offlog.Timeout, p.flush, 0.3)
                self.assertFalse(fut.done())
                end.set()
                p.flush(10)
                self.assertEqual(fut.result(), (1, 0))
        finally:
            end.set()
            t.join()

    def test_transaction_error(self):
        txn = self.store.transaction()
        try:
            self.assertError(offlog.TransactionError, self.store.transaction)
        finally:
            txn.abort()

    def test_wakeup(self):
        c = self.consumer()
        c.assign([("t", 1)])
        c.wakeup()
        self.assertError(offlog.Wakeup, c.poll, None)

    def test_errors_pickle(self):
        import pickle
        e = offlog.UnknownTopic(-3, "OFFLOG_ENOTOPIC", "unknown topic")
        e2 = pickle.loads(pickle.dumps(e))
        self.assertEqual((type(e2), e2.code, e2.message), (offlog.UnknownTopic, -3,
                                                           "unknown topic"))


if __name__ == "__main__":
    unittest.main()
