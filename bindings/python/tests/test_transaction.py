"""Transactions: appends and offset commits that become visible together, or not at all."""

import threading
import unittest

from support import StoreTestCase, offlog


class TransactionTest(StoreTestCase):

    def setUp(self):
        super().setUp()
        self.store.create_topic("in", 1)
        self.store.create_topic("out", 2)
        self.store.append_batch("in", [b"1", b"2", b"3"], partition=0)

    def test_commit_makes_appends_and_offsets_visible_at_once(self):
        with self.store.transaction() as txn:
            self.assertEqual(txn.append("out", b"a", partition=0), (0, 0))
            self.assertEqual(txn.append("out", b"b", partition=1), (1, 0))
            txn.commit_offsets("g", {("in", 0): 3})
            # Not visible before the commit.
            self.assertEqual(self.store.watermarks("out", 0).log_end, 0)
        self.assertFalse(txn.open)
        self.assertEqual(self.store.watermarks("out", 0).log_end, 1)
        self.assertEqual(self.store.watermarks("out", 1).log_end, 1)
        self.assertEqual(self.store.committed("g", "in", 0).offset, 3)

    def test_exception_in_the_block_aborts(self):
        with self.assertRaises(RuntimeError):
            with self.store.transaction() as txn:
                txn.append("out", b"a", partition=0)
                txn.commit_offsets("g", [("in", 0, 2, "meta")])
                raise RuntimeError("abort")
        self.assertFalse(txn.open)
        self.assertEqual(self.store.watermarks("out", 0).log_end, 0)
        self.assertIsNone(self.store.committed("g", "in", 0))

    def test_explicit_abort(self):
        txn = self.store.transaction()
        txn.append("out", b"a", partition=1)
        txn.abort()
        txn.abort()
        self.assertEqual(self.store.watermarks("out", 1).log_end, 0)
        self.assertEqual(self.store.append("out", b"b", partition=1), (1, 0))

    def test_consume_transform_produce(self):
        c = offlog.Consumer(self.store, "xf", auto_offset_reset="earliest",
                            enable_auto_commit=False)
        self.addCleanup(c.close)
        c.assign([("in", 0)])
        recs = c.poll(1)
        with self.store.transaction() as txn:
            for r in recs:
                txn.append("out", r.value * 2, partition=0)
            txn.commit_consumer(c)
        self.assertEqual(c.committed("in", 0).offset, 3)
        out, _ = self.store.fetch("out", 0, 0)
        self.assertEqual([r.value for r in out], [b"11", b"22", b"33"])

    def test_bound_to_its_thread(self):
        txn = self.store.transaction()
        with self.assertRaises(offlog.TransactionError):
            self.store.append("out", b"x")  # this thread's write while its txn is open
        with self.assertRaises(offlog.TransactionError):
            self.store.transaction()  # nested
        errors = []

        def other():
            try:
                txn.commit()
            except offlog.OfflogError as e:
                errors.append(e)
        t = threading.Thread(target=other)
        t.start()
        t.join()
        self.assertIsInstance(errors[0], offlog.TransactionError)
        self.assertTrue(txn.open)  # still open, still this thread's
        txn.append("out", b"x", partition=0)
        txn.commit()
        self.assertEqual(self.store.watermarks("out", 0).log_end, 1)


if __name__ == "__main__":
    unittest.main()
