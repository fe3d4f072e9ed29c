# bench/bench.mk - `make bench`, included by the top-level Makefile.
#
#   make bench                  full run (under 10 minutes)
#   BENCH_QUICK=1 make bench    short run (under 1 minute)
#
# Prints one line per comparison and writes $(BUILD)/bench/results.csv (one
# row per system per comparison) and, when gnuplot is installed,
# $(BUILD)/bench/w2-threads.png. Then the Python binding's loops against the
# same loops in C (bench-python). The Redis Streams baseline runs when
# redis-server is installed (a private server on 127.0.0.1, started and
# stopped by the benchmark); both are looked up at run time, and what is
# missing is skipped with a message. The benchmark is always built with -O2,
# whatever CFLAGS says, so figures from different builds compare.

BENCH_SRC := $(wildcard bench/*.c)
BENCH_HDR := $(wildcard bench/*.h)
BENCH_BIN := $(BUILD)/bench/offlog-bench
BENCH_CSV := $(BUILD)/bench/results.csv

# Expanded when the recipe runs, after bench-deps may have installed sqlite3.
SQLITE_CFLAGS = $(shell $(PKG_CONFIG) --cflags sqlite3 2>/dev/null)
SQLITE_LIBS = $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null || echo -lsqlite3)

.PHONY: bench-deps

bench-deps: | $(DEPS_STAMP)
	@if $(PKG_CONFIG) --exists sqlite3 2>/dev/null; then :; else \
	  $(MAKE) --no-print-directory deps EXTRA_PKGS=libsqlite3-dev; fi

$(BENCH_BIN): $(BENCH_SRC) $(BENCH_HDR) $(STLIB) include/offlog.h | bench-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 $(SQLITE_CFLAGS) $(LDFLAGS) -o $@ $(BENCH_SRC) $(STLIB) \
	  $(SQLITE_LIBS) $(LMDB_LIBS) $(THREAD_LIBS)

bench: $(BENCH_BIN) lib
	BENCH_QUICK="$(BENCH_QUICK)" $(BENCH_BIN) --csv $(BENCH_CSV)
	@$(MAKE) --no-print-directory bench-python

# The Python package against the same loops in C, built by the script from
# bindings/python/bench/c_loop.c on the same shared library, in the same
# rounds (ratios binding / C).
.PHONY: bench-python
bench-python: lib
	@if command -v python3 >/dev/null; then OFFLOG_LIBRARY=$(CURDIR)/$(BUILD)/libofflog.so \
	  BENCH_QUICK="$(BENCH_QUICK)" python3 bindings/python/bench/bench.py; \
	else echo "bench-python: python3 not found: skipped"; fi
