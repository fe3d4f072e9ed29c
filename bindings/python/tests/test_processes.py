"""Across processes: a consumer group of two Python processes, and a resume after kill -9."""

import json
import os
import signal
import subprocess
import time
import unittest

from support import StoreTestCase, offlog, spawn


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class GroupAcrossProcessesTest(StoreTestCase):

    def test_two_processes_share_the_partitions(self):
        self.store.create_topic("work", 4)
        stop = os.path.join(self.tmp, "stop")
        outs = [os.path.join(self.tmp, "member%d.json" % i) for i in range(2)]
        procs = [spawn("member", self.path, "work", "workers", stop, out) for out in outs]
        try:
            def split():
                try:
                    d = self.store.describe_group("workers")
                except offlog.NotFound:
                    return False
                return (d.state == "Stable" and len(d.members) == 2
                        and all(m.owned for m in d.members))
            wait_for(split, 60, "both members to own partitions")
            expected = set()
            for i in range(200):
                part, off = self.store.append("work", b"job-%d" % i, key=b"k%d" % i)
                expected.add((part, off))

            def all_committed():
                return all((self.store.committed("workers", "work", p) or
                            offlog.Committed(0, "", 0)).offset ==
                           self.store.watermarks("work", p).log_end for p in range(4))
            wait_for(all_committed, 60, "the group to commit every record")
            owners = {m.pid: {tp.partition for tp in m.owned}
                      for m in self.store.describe_group("workers").members}
        finally:
            open(stop, "w").close()
            for p in procs:
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        results = []
        for p, out in zip(procs, outs):
            self.assertEqual(p.returncode, 0)
            with open(out) as f:
                results.append(json.load(f))
        sets = [{(r[0], r[1]) for r in res["records"]} for res in results]
        self.assertTrue(sets[0] and sets[1], "each member consumed a part")
        self.assertEqual(sets[0] & sets[1], set())
        self.assertEqual(sets[0] | sets[1], expected)
        # Each read only the partitions it owned, and together they owned all.
        self.assertEqual(sorted(p for owned in owners.values() for p in owned), [0, 1, 2, 3])
        for res, got in zip(results, sets):
            self.assertEqual(len(res["records"]), len(got))  # nothing read twice
            self.assertTrue(owners[res["pid"]])
            self.assertLessEqual({p for p, _ in got}, owners[res["pid"]])


class KillResumeTest(StoreTestCase):

    def setUp(self):
        super().setUp()
        self.store.close()  # the child creates and fills the store

    def test_kill_9_resumes_at_the_committed_offsets(self):
        child = spawn("crash", self.path, stdout=subprocess.PIPE, text=True)
        try:
            line = child.stdout.readline()
            positions = {int(k): v for k, v in json.loads(line).items()}
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            child.stdout.close()
        self.assertEqual(child.returncode, -signal.SIGKILL)
        self.assertEqual(sum(positions.values()) >= 40, True)

        self.store = offlog.Store(self.path)
        # Every append and produced record is there; the open transaction is not.
        self.assertEqual(self.store.watermarks("c", 0).log_end, 60)
        self.assertEqual(self.store.watermarks("c", 1).log_end, 60)
        recs, _ = self.store.fetch("c", 0, 50)
        self.assertEqual([r.value for r in recs], [b"sent-%d" % i for i in range(0, 20, 2)])
        for p in (0, 1):
            self.assertEqual(self.store.committed("g", "c", p).offset, positions[p])
        with offlog.Consumer(self.store, "g", auto_offset_reset="earliest",
                             enable_auto_commit=False) as c:
            c.assign([("c", 0), ("c", 1)])
            for p in (0, 1):
                self.assertEqual(c.position("c", p), positions[p])
            rest = list(c.records(idle_timeout=0.5))
        for p in (0, 1):
            offs = [r.offset for r in rest if r.partition == p]
            self.assertEqual(offs, list(range(positions[p], 60)))
        # The killed process's store is writable again.
        self.assertEqual(self.store.append("c", b"after", partition=0), (0, 60))


if __name__ == "__main__":
    unittest.main()
