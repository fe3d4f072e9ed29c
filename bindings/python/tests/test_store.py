"""Store: topics, appends, watermarks, describe, fetch, and records read back."""

import unittest

from support import StoreTestCase, offlog


class StoreTest(StoreTestCase):

    def test_append_returns_partition_and_offset_per_partition(self):
        self.store.create_topic("t", 3)
        self.assertEqual(self.store.append("t", b"a", partition=1), (1, 0))
        self.assertEqual(self.store.append("t", b"b", partition=1), (1, 1))
        self.assertEqual(self.store.append("t", b"c", partition=2), (2, 0))

    def test_key_chooses_the_murmur2_partition(self):
        self.store.create_topic("t", 12)
        part, _ = self.store.append("t", b"v", key=b"sensor-7")
        self.assertEqual(part, self.store.partition_for_key(b"sensor-7", 12))
        for _ in range(3):
            self.assertEqual(self.store.append("t", b"v", key="sensor-7")[0], part)

    def test_append_batch_gives_consecutive_offsets(self):
        self.store.create_topic("t", 2)
        self.store.append("t", b"x", partition=0)
        part, base = self.store.append_batch("t", [b"a", b"b", b"c"], partition=0)
        self.assertEqual((part, base), (0, 1))
        part, base = self.store.append_batch(
            "t", [(b"v1", b"k"), {"value": b"v2", "key": b"k", "headers": {"h": b"1"}},
                  (None, b"k", None, 1234)])
        recs, nxt = self.store.fetch("t", part, base)
        self.assertEqual([r.offset for r in recs], [base, base + 1, base + 2])
        self.assertEqual([r.value for r in recs], [b"v1", b"v2", None])
        self.assertEqual(recs[1].headers, [("h", b"1")])
        self.assertEqual(recs[2].timestamp, 1234)
        self.assertEqual(nxt, base + 3)

    def test_watermarks_and_describe(self):
        self.store.create_topic("t", 2, retention_ms=60000, max_message_bytes=4096)
        self.store.append_batch("t", [b"0123456789"] * 5, partition=1)
        self.assertEqual(self.store.watermarks("t", 1), (0, 5, 5))
        self.assertEqual(self.store.watermarks("t", 0), (0, 0, 0))
        info = self.store.describe("t")
        self.assertEqual(info.name, "t")
        self.assertEqual(len(info.partitions), 2)
        self.assertEqual(info.partitions[1].records, 5)
        self.assertEqual(info.partitions[1].bytes, 50)
        self.assertEqual(info.retention_ms, 60000)
        self.assertEqual(info.max_message_bytes, 4096)
        self.assertEqual(self.store.delete_records("t", 1, 2), 2)
        self.assertEqual(self.store.watermarks("t", 1).log_start, 2)

    def test_topics_listed_and_deleted(self):
        self.store.create_topic("b")
        self.store.create_topic("a", 2)
        self.assertEqual(self.store.topics(), ["a", "b"])
        self.store.delete_topic("a")
        self.assertEqual(self.store.topics(), ["b"])
        self.store.create_topic("a")
        self.assertEqual(self.store.append("a", b"new"), (0, 0))

    def test_record_fields_and_types(self):
        self.store.create_topic("t")
        self.store.append("t", "text", key=b"", headers=[("n", None), ("b", b"\x00\xff")],
                          timestamp=1700000000000)
        self.store.append("t", None, key=None)
        (r0, r1), _ = self.store.fetch("t", 0, offlog.OFFSET_BEGINNING)
        self.assertEqual(r0, offlog.Record("t", 0, 0, 1700000000000, b"", b"text",
                                           [("n", None), ("b", b"\x00\xff")]))
        self.assertIsNone(r1.key)
        self.assertIsNone(r1.value)
        self.assertEqual(r1.headers, [])

    def test_records_outlive_the_next_poll_and_the_store(self):
        # Each record's bytes are copied out of the map: they stay intact when
        # the consumer moves on and when the store is closed.
        self.store.create_topic("t")
        values = [bytes([i]) * 200 for i in range(50)]
        self.store.append_batch("t", values, partition=0)
        with offlog.Consumer(self.store, None, auto_offset_reset="earliest",
                             max_poll_records=10) as c:
            c.assign([("t", 0)])
            first = c.poll(1)
            rest = c.poll(1) + c.poll(1)
        self.store.append_batch("t", [b"z" * 200] * 50, partition=0)
        self.store.close()
        self.assertEqual([r.value for r in first + rest], values[:30])

    def test_stat_and_backup(self):
        self.store.create_topic("t")
        self.store.append("t", b"x")
        st = self.store.stat()
        self.assertGreater(st["map_size"], 0)
        self.assertEqual(st["read_only"], 0)
        self.store.backup(self.path + "-copy")
        with offlog.Store(self.path + "-copy", read_only=True) as copy:
            self.assertEqual(copy.watermarks("t", 0).log_end, 1)

    def test_store_close_closes_its_handles(self):
        self.store.create_topic("t")
        c = offlog.Consumer(self.store, "g")
        p = offlog.Producer(self.store)
        fut = p.send("t", b"x")
        self.store.close()
        self.assertTrue(c.closed and p.closed and self.store.closed)
        self.assertEqual(fut.result(0), (0, 0))
        with self.assertRaises(offlog.InvalidState):
            self.store.append("t", b"x")


if __name__ == "__main__":
    unittest.main()
