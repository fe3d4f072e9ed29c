"""Child processes of the tests (not a test module): python3 children.py MODE ARGS..."""

import json
import os
import sys
import time

import offlog


def member(store_dir, topic, group, stop_file, out_file):
    """A group member: consume and commit until stop_file exists, then report."""
    seen = []
    with offlog.Store(store_dir) as store, \
            offlog.Consumer(store, group, auto_offset_reset="earliest",
                            enable_auto_commit=False, heartbeat_interval_ms=100) as c:
        c.subscribe([topic])
        while not os.path.exists(stop_file):
            recs = c.poll(0.1)
            if recs:
                seen += [[r.partition, r.offset, r.value.decode()] for r in recs]
                c.commit()
    with open(out_file + ".tmp", "w") as f:
        json.dump({"records": seen, "pid": os.getpid()}, f)
    os.rename(out_file + ".tmp", out_file)


def crash(store_dir):
    """Append, produce, consume and commit, open a transaction, then wait to be killed."""
    store = offlog.Store(store_dir)
    store.create_topic("c", 2)
    for p in (0, 1):
        store.append_batch("c", [b"%d-%d" % (p, i) for i in range(50)], partition=p)
    producer = offlog.Producer(store)
    for i in range(20):
        producer.send("c", b"sent-%d" % i, partition=i % 2)
    producer.flush(30)
    c = offlog.Consumer(store, "g", auto_offset_reset="earliest", enable_auto_commit=False,
                        max_poll_records=7)
    c.assign([("c", 0), ("c", 1)])
    got = 0
    while got < 40:
        got += len(c.poll(5))
    c.commit()
    positions = {p: c.position("c", p) for p in (0, 1)}
    got += len(c.poll(5))  # read on past the commit: not committed
    txn = store.transaction()
    txn.append("c", b"uncommitted", partition=0)
    txn.commit_offsets("g", {("c", 0): 60})
    print(json.dumps(positions), flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    {"member": member, "crash": crash}[sys.argv[1]](*sys.argv[2:])
