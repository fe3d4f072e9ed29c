#!/usr/bin/env python3
"""The Python binding against C, in one run: 128-byte records appended with
Store.append_batch (batches of 1000), sent with Producer.send, and consumed
with Consumer.poll; the same loops in C (c_loop.c, compiled here against the
same library) measured in the same rounds. Prints one line per comparison,
with the median of the rounds and the median of the per-round ratios
(binding / C), as /work/shared/BENCH.md asks.

    python3 bindings/python/bench/bench.py [--records N] [--rounds R] [--quick]
                                           [--durability async|sync]

Stores are ASYNC (D0) with no background flush, so the figures are the cost
of the calls, not of the disk; --durability sync measures D2. BENCH_QUICK=1
(or --quick) runs a short round.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import offlog  # noqa: E402

VALUE = b"v" * 128
BATCH = 1000


DURABILITY = "async"


def open_store(directory, name):
    store = offlog.Store(os.path.join(directory, name), durability=DURABILITY,
                         flush_interval_ms=0)
    store.create_topic("bench", 1)
    return store


def python_round(directory, n):
    times = {}
    store = open_store(directory, "py-batch")
    t0 = time.perf_counter()
    done = 0
    while done < n:
        k = min(BATCH, n - done)
        store.append_batch("bench", [VALUE] * k, partition=0)
        done += k
    times["append_batch"] = time.perf_counter() - t0
    store.flush()  # ASYNC: the high watermark reaches the log end at the flush

    with offlog.Consumer(store, None, auto_offset_reset="earliest") as c:
        c.assign([("bench", 0)])
        got = 0
        total = 0
        t0 = time.perf_counter()
        while got < n:
            recs = c.poll(1.0)
            for r in recs:
                total += len(r.value) + r.value[0]
            got += len(recs)
        times["consume"] = time.perf_counter() - t0
    store.close()

    store = open_store(directory, "py-producer")
    with offlog.Producer(store) as p:
        t0 = time.perf_counter()
        send = p.send
        for i in range(n):
            while True:
                try:
                    send("bench", VALUE, partition=0)
                    break
                except offlog.QueueFull:
                    p.poll(0.1)
            if i % 1000 == 999:
                p.poll(0)
        p.flush()
        times["producer"] = time.perf_counter() - t0
    store.close()
    return times


def find_header():
    here = HERE
    while True:
        path = os.path.join(here, "include", "offlog.h")
        if os.path.exists(path):
            return os.path.dirname(path)
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def build_c(workdir):
    include = os.environ.get("OFFLOG_INCLUDE") or find_header()
    library = offlog.library_path
    cc = os.environ.get("CC", "cc")
    if not include or not os.path.isabs(library) or shutil.which(cc) is None:
        return None, "no C compiler, offlog.h or library path: the C loop is skipped"
    exe = os.path.join(workdir, "c_loop")
    cmd = [cc, "-O2", "-I", include, os.path.join(HERE, "c_loop.c"), "-o", exe,
           os.path.realpath(library), "-Wl,-rpath," + os.path.dirname(os.path.realpath(library))]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        return None, "cannot build c_loop.c: " + r.stderr.strip()
    return exe, None


def c_round(exe, directory, n):
    out = subprocess.run([exe, directory, str(n), DURABILITY], capture_output=True, text=True,
                         check=True)
    return {k: float(v) for k, v in (line.split() for line in out.stdout.splitlines())}


def fmt_rate(rate):
    return "%.2fM rec/s" % (rate / 1e6) if rate >= 1e6 else "%.0fk rec/s" % (rate / 1e3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", default=bool(os.environ.get("BENCH_QUICK")))
    ap.add_argument("--durability", choices=("async", "sync"), default="async",
                    help="async (D0, default) or sync (D2: durable at each commit)")
    args = ap.parse_args()
    global DURABILITY
    DURABILITY = args.durability
    mode = "D0" if DURABILITY == "async" else "D2"
    n = args.records or (20000 if args.quick else 200000)
    print("python binding vs C: %d records of %d B, %d rounds, library %s (%s), load %s"
          % (n, len(VALUE), args.rounds, offlog.library_version, offlog.library_path,
             " ".join("%.2f" % x for x in os.getloadavg())))
    work = tempfile.mkdtemp(prefix="offlog-pybench-")
    try:
        exe, why = build_c(work)
        if why:
            print(why)
        rows = {k: {"py": [], "c": [], "ratio": []}
                for k in ("append_batch", "producer", "consume")}
        for r in range(args.rounds):
            d = os.path.join(work, "round%d" % r)
            os.mkdir(d)
            py = python_round(d, n)
            c = c_round(exe, d, n) if exe else {}
            for k, row in rows.items():
                row["py"].append(n / py[k])
                if k in c:
                    row["c"].append(n / c[k])
                    row["ratio"].append(c[k] / py[k])
            shutil.rmtree(d)
        names = {"append_batch": "append_batch/128B/batch1000/" + mode,
                 "producer": "producer.send/128B/" + mode, "consume": "consume/128B/poll"}
        for k, row in rows.items():
            line = "%-32s python %-14s" % (names[k], fmt_rate(statistics.median(row["py"])))
            if row["c"]:
                line += " C %-14s ratio %.2f" % (fmt_rate(statistics.median(row["c"])),
                                                  statistics.median(row["ratio"]))
            print(line)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
