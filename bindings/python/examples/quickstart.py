#!/usr/bin/env python3
"""The quickstart in Python: append keyed records to a 12-partition topic,
consume part of them in a group and commit, reopen, resume exactly at the
committed offsets, print a lag table, then consume the rest.

    python3 quickstart.py [STORE_DIR]      (default ./offlog-data-py)
"""

import sys

import offlog

TOPIC, GROUP, PARTITIONS = "quickstart", "quickstart-group", 12


def consume(store, limit):
    """Consume up to `limit` records in the group, commit, and return them."""
    got = []
    with offlog.Consumer(store, GROUP, auto_offset_reset="earliest",
                         enable_auto_commit=False, max_poll_records=100) as c:
        c.assign([(TOPIC, p) for p in range(PARTITIONS)])
        while len(got) < limit:
            recs = c.poll(1.0)
            if not recs:
                break
            taken = recs[:limit - len(got)]
            got += taken
            # Processed, then committed: the next offset to read, per partition.
            c.commit({(r.topic, r.partition): r.offset + 1 for r in taken})
    return got


def main(path):
    with offlog.Store(path) as store:
        if TOPIC not in store.topics():
            store.create_topic(TOPIC, PARTITIONS)
        with offlog.Producer(store) as producer:
            futures = [producer.send(TOPIC, b"reading %d" % i, key=b"sensor-%d" % (i % 40))
                       for i in range(1200)]
            producer.flush()
        counts = [0] * PARTITIONS
        for f in futures:
            counts[f.result()[0]] += 1
        print("produced 1200 records; per partition:", *counts)
        print("consumed %d records and committed" % len(consume(store, 500)))

    with offlog.Store(path) as store:
        committed = [store.committed(GROUP, TOPIC, p) for p in range(PARTITIONS)]
        with offlog.Consumer(store, GROUP) as c:
            c.assign([(TOPIC, p) for p in range(PARTITIONS)])
            resumed = all(c.position(TOPIC, p) == (committed[p].offset if committed[p] else 0)
                          for p in range(PARTITIONS) if committed[p])
            print("restarted: resumes at the committed offsets:", "yes" if resumed else "no")
            print("\n%-10s %9s %16s %14s %5s" % ("TOPIC", "PARTITION", "COMMITTED-OFFSET",
                                                  "LOG-END-OFFSET", "LAG"))
            for p in range(PARTITIONS):
                end = store.watermarks(TOPIC, p).log_end
                lag = c.lag(TOPIC, p).lag
                print("%-10s %9d %16s %14d %5s" % (
                    TOPIC, p, committed[p].offset if committed[p] else "-", end,
                    end if lag is None else lag))
        rest = consume(store, 10 ** 9)
        total = sum(p.lag or 0 for p in store.describe_group(GROUP).partitions)
        print("\nconsumed the remaining %d records and committed: total lag %d"
              % (len(rest), total))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "offlog-data-py")
