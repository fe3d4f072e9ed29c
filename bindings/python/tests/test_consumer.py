"""Consumer: poll, iteration, commit and committed, seek and position, lag,
wakeup, KeyboardInterrupt, and asyncio through the descriptor."""

import asyncio
import os
import select
import signal
import threading
import time
import unittest

from support import StoreTestCase, offlog


class ConsumerTest(StoreTestCase):

    def setUp(self):
        super().setUp()
        self.store.create_topic("t", 2)
        self.store.append_batch("t", [b"a%d" % i for i in range(10)], partition=0)
        self.store.append_batch("t", [b"b%d" % i for i in range(5)], partition=1)

    def consumer(self, group="g", **kw):
        kw.setdefault("auto_offset_reset", "earliest")
        kw.setdefault("enable_auto_commit", False)
        c = offlog.Consumer(self.store, group, **kw)
        self.addCleanup(c.close)
        return c

    def test_poll_returns_every_record_in_partition_order(self):
        c = self.consumer()
        c.assign([("t", 0), ("t", 1)])
        recs = list(c.records(idle_timeout=0.2))
        self.assertEqual(len(recs), 15)
        for p, n in ((0, 10), (1, 5)):
            self.assertEqual([r.offset for r in recs if r.partition == p], list(range(n)))
        self.assertEqual(c.position("t", 0), 10)
        self.assertEqual(c.poll(0), [])

    def test_iterating_the_consumer_waits_for_records(self):
        c = self.consumer()
        c.assign([offlog.TopicPartition("t", 1)])
        timer = threading.Timer(0.2, lambda: self.store.append("t", b"late", partition=1))
        timer.start()
        got = []
        for rec in c:
            got.append(rec.value)
            if len(got) == 6:
                break
        timer.join()
        self.assertEqual(got[-1], b"late")

    def test_commit_is_the_next_offset_to_read_and_resumes(self):
        c = self.consumer()
        c.assign([("t", 0)])
        self.assertIsNone(c.committed("t", 0))
        c.poll(1)
        c.commit()
        self.assertEqual(c.committed("t", 0).offset, 10)
        c.commit({("t", 0): (4, "half")})
        committed = c.committed("t", 0)
        self.assertEqual((committed.offset, committed.metadata), (4, "half"))
        self.assertGreater(committed.commit_time_ms, 0)
        self.assertEqual(self.store.committed("g", "t", 0).offset, 4)
        c.close()
        c2 = self.consumer()
        c2.assign([("t", 0)])
        self.assertEqual(c2.position("t", 0), 4)
        self.assertEqual(c2.poll(1)[0].offset, 4)

    def test_commit_async_reports_on_a_later_call(self):
        c = self.consumer()
        c.assign([("t", 0), ("t", 1)])
        while c.poll(0.2):
            pass
        done = []
        c.commit_async(lambda err, offsets: done.append((err, sorted(offsets))))
        c.commit()  # waits for the asynchronous one and runs its callback
        self.assertEqual(done, [(None, [("t", 0, 10, 0), ("t", 1, 5, 0)])])

    def test_seek_and_position(self):
        c = self.consumer()
        c.assign([("t", 0)])
        c.seek("t", 0, 7)
        self.assertEqual(c.position("t", 0), 7)
        self.assertEqual([r.offset for r in c.poll(1)], [7, 8, 9])
        c.seek("t", 0, offlog.OFFSET_BEGINNING)
        self.assertEqual(c.position("t", 0), 0)
        c.seek("t", 0, offlog.offset_tail(3))
        self.assertEqual(c.position("t", 0), 7)
        c.seek("t", 0, offlog.OFFSET_END)
        self.assertEqual(c.position("t", 0), 10)
        c.seek_relative("t", 0, -4)
        self.assertEqual(c.position("t", 0), 6)
        self.assertIsNone(c.committed("t", 0))  # seeking never commits

    def test_lag(self):
        c = self.consumer()
        c.assign([("t", 0)])
        self.assertEqual(c.lag("t", 0).lag, None)  # nothing committed: unknown
        c.seek("t", 0, 3)
        self.assertEqual(c.lag("t", 0), (None, 7))
        c.commit()
        self.assertEqual(c.lag("t", 0), (7, 7))
        self.store.append("t", b"more", partition=0)
        self.assertEqual(c.lag("t", 0), (8, 8))

    def test_pause_and_resume(self):
        c = self.consumer()
        c.assign([("t", 0), ("t", 1)])
        c.pause([("t", 0)])
        self.assertEqual({r.partition for r in c.records(idle_timeout=0.2)}, {1})
        c.resume([("t", 0)])
        self.assertEqual(len(c.poll(1)), 10)

    def test_rebalance_callbacks_run_on_this_thread(self):
        calls = []

        def assigned(consumer, tps):
            calls.append(("assigned", threading.get_ident(), sorted(tps)))
        c = self.consumer(on_assigned=assigned, heartbeat_interval_ms=100)
        c.subscribe(["t"])
        recs = []
        deadline = time.monotonic() + 10
        while len(recs) < 15 and time.monotonic() < deadline:
            recs += c.poll(0.2)
        self.assertEqual(len(recs), 15)
        self.assertEqual(calls, [("assigned", threading.get_ident(), [("t", 0), ("t", 1)])])
        self.assertEqual(sorted(c.assignment()), [("t", 0), ("t", 1)])
        member_id, generation = c.member()
        self.assertTrue(member_id)
        self.assertGreaterEqual(generation, 1)

    def test_callback_exception_is_raised_by_poll(self):
        def assigned(consumer, tps):
            raise RuntimeError("from the callback")
        c = self.consumer(on_assigned=assigned)
        c.subscribe(["t"])
        with self.assertRaisesRegex(RuntimeError, "from the callback"):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                c.poll(0.1)

    def test_wakeup_from_another_thread_interrupts_a_blocked_poll(self):
        c = self.consumer()
        c.assign([("t", 0)])
        c.seek("t", 0, offlog.OFFSET_END)
        timer = threading.Timer(0.3, c.wakeup)
        timer.start()
        t0 = time.monotonic()
        with self.assertRaises(offlog.Wakeup):
            c.poll(None)
        timer.join()
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(c.position("t", 0), 10)  # positions did not move
        self.store.append("t", b"after", partition=0)
        self.assertEqual([r.value for r in c.poll(2)], [b"after"])  # a normal poll again

    def test_keyboard_interrupt_stops_poll_forever(self):
        c = self.consumer()
        c.assign([("t", 0)])
        c.seek("t", 0, offlog.OFFSET_END)
        old = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.addCleanup(signal.signal, signal.SIGINT, old)
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        t0 = time.monotonic()
        with self.assertRaises(KeyboardInterrupt):
            c.poll(None)
        timer.join()
        self.assertLess(time.monotonic() - t0, 0.3 + 5 * offlog.POLL_SLICE)

    def test_descriptor_readable_after_append_and_wakeup(self):
        c = self.consumer()
        c.assign([("t", 0)])
        c.seek("t", 0, offlog.OFFSET_END)
        fd = c.fileno()  # the store's watcher thread starts here: no commit is missed
        self.assertEqual(c.poll(0), [])
        self.store.append("t", b"x", partition=0)
        self.assertEqual(select.select([fd], [], [], 5)[0], [fd])
        self.assertEqual([r.value for r in c.poll(0)], [b"x"])
        c.wakeup()
        self.assertEqual(select.select([fd], [], [], 5)[0], [fd])
        with self.assertRaises(offlog.Wakeup):
            c.poll(0)

    def test_asyncio_wakes_on_the_descriptor(self):
        c = self.consumer()
        c.assign([("t", 0)])
        c.seek("t", 0, offlog.OFFSET_END)

        async def main():
            loop = asyncio.get_running_loop()
            task = asyncio.ensure_future(c.poll_async(10))
            await asyncio.sleep(0.2)
            appended = loop.time()
            self.store.append("t", b"async", partition=0)
            recs = await task
            # poll_async waits on the descriptor: much sooner than its
            # one-second fallback tick.
            return recs, loop.time() - appended
        recs, waited = asyncio.run(main())
        self.assertEqual([r.value for r in recs], [b"async"])
        self.assertLess(waited, 0.8)

    def test_async_for_over_records(self):
        c = self.consumer()
        c.assign([("t", 0), ("t", 1)])

        async def main():
            return [rec.value async for rec in c.records_async(idle_timeout=0.3)]
        got = asyncio.run(main())
        self.assertEqual(len(got), 15)
        self.assertEqual(sorted(got)[:2], [b"a0", b"a1"])


if __name__ == "__main__":
    unittest.main()
