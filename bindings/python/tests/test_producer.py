"""Producer: delivery reports on the calling thread, futures, callbacks, errors."""

import asyncio
import select
import threading
import unittest

from support import StoreTestCase, offlog


class ProducerTest(StoreTestCase):

    def setUp(self):
        super().setUp()
        self.store.create_topic("t", 3)

    def test_send_flush_and_reports_on_this_thread(self):
        reports = []
        threads = set()

        def on_delivery(report):
            reports.append(report)
            threads.add(threading.get_ident())
        with offlog.Producer(self.store, on_delivery) as p:
            futs = [p.send("t", b"v%d" % i, key=b"k%d" % (i % 5)) for i in range(100)]
            p.flush(10)
            self.assertEqual(len(reports), 100)
            self.assertTrue(all(f.done() for f in futs))
        self.assertEqual(threads, {threading.get_ident()})
        self.assertTrue(all(r.error is None for r in reports))
        # Offsets increase in send order within each partition.
        for part in range(3):
            offs = [f.result()[1] for f in futs if f.result()[0] == part]
            self.assertEqual(offs, sorted(offs))
        ends = sum(self.store.watermarks("t", part).log_end for part in range(3))
        self.assertEqual(ends, 100)

    def test_future_result_polls_the_producer(self):
        with offlog.Producer(self.store) as p:
            fut = p.send("t", b"x", partition=2, headers={"h": b"1"})
            self.assertEqual(fut.result(10), (2, 0))
            own = []
            p.send("t", b"y", partition=2, on_delivery=own.append).result(10)
            self.assertEqual([(r.partition, r.offset) for r in own], [(2, 1)])
        recs, _ = self.store.fetch("t", 2, 0)
        self.assertEqual([(r.value, r.headers) for r in recs],
                         [(b"x", [("h", b"1")]), (b"y", [])])

    def test_write_errors_come_in_the_report_with_their_own_message(self):
        with offlog.Producer(self.store) as p:
            bad = p.send("missing", b"x")
            good = p.send("t", b"y", partition=0)
            err = bad.exception(10)
            self.assertIsInstance(err, offlog.UnknownTopic)
            self.assertIn("missing", err.message)
            with self.assertRaises(offlog.UnknownTopic):
                bad.result()
            self.assertEqual(good.result(10), (0, 0))

    def test_send_errors_are_raised_by_send(self):
        with offlog.Producer(self.store) as p:
            with self.assertRaises(offlog.InvalidName):
                p.send("bad name!", b"x")

    def test_callback_exception_is_raised_by_the_serving_call(self):
        def on_delivery(report):
            raise ValueError("in the callback")
        p = offlog.Producer(self.store, on_delivery)
        p.send("t", b"x")
        with self.assertRaisesRegex(ValueError, "in the callback"):
            p.flush(10)
        p.close()

    def test_close_with_purge_reports_unwritten_records(self):
        p = offlog.Producer(self.store, linger_ms=10000, batch_records=1000000)
        futs = [p.send("t", b"x", partition=0) for _ in range(10)]
        p.close(purge=True)
        errors = [f.exception(0) for f in futs]
        written = sum(e is None for e in errors)
        self.assertTrue(all(e is None or isinstance(e, offlog.Purged) for e in errors))
        self.assertEqual(self.store.watermarks("t", 0).log_end, written)

    def test_descriptor_and_await(self):
        with offlog.Producer(self.store) as p:
            fd = p.fileno()
            fut = p.send("t", b"x", partition=1)
            self.assertEqual(select.select([fd], [], [], 10)[0], [fd])
            self.assertEqual(p.poll(0), 1)
            self.assertTrue(fut.done())

            async def main():
                return await p.send("t", b"y", partition=1)
            self.assertEqual(asyncio.run(main()), (1, 1))

            async def flush():
                futs = [p.send("t", b"z", partition=1) for _ in range(5)]
                await p.flush_async()
                return [f.done() for f in futs]
            self.assertEqual(asyncio.run(flush()), [True] * 5)

    def test_a_full_queue_blocks_send_while_reports_are_served(self):
        # Unserved reports hold their queue room; a blocking send serves them.
        with offlog.Producer(self.store, queue_bytes=4096, linger_ms=0) as p:
            futs = [p.send("t", b"x" * 100, partition=0) for _ in range(500)]
            p.flush(30)
        self.assertEqual([f.result()[1] for f in futs], list(range(500)))

    def test_idempotent_producer_id_and_sequence(self):
        with offlog.Producer(self.store, idempotent=True) as p:
            self.assertGreater(p.id, 0)
            r = p.send("t", b"x", partition=0).report(10)
            self.assertEqual(r.sequence, 0)
            self.assertEqual(p.next_sequence("t", 0), 1)


if __name__ == "__main__":
    unittest.main()
