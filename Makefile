# offlog - Kafka offset semantics in-process, on LMDB.
#
#   make            build the static and shared libraries, the examples and the offlog tool
#   make run        build and run the quickstart on a default store (./offlog-data)
#   make check      build and run every test and example (and, when librdkafka is
#                   installed, the comparison with Kafka: make compare-kafka)
#   make bench      run the benchmarks (BENCH_QUICK=1 for a short run)
#   make asan       the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make tsan       the tests under ThreadSanitizer
#   make valgrind   the tests under valgrind memcheck
#   make lint-man   mandoc -T lint on every man page
#   make layers     check that lib/'s files call each other only downwards (lib/README.md)
#   make install    PREFIX=/usr/local DESTDIR= (also uninstall)
#   make deps       install the build dependencies (Debian: apt-get); the only
#                   target that installs packages, run for you by `make run`
#                   and `make check` when something is missing
#
# CFLAGS, LDFLAGS, CC, AR, LD, OBJCOPY, PKG_CONFIG, PREFIX, DESTDIR are honoured.
# Cross-compiling: make CROSS=aarch64-linux-gnu- (the toolchain's prefix).

# The version is written once, in include/offlog.h.
offlog_version = $(shell sed -n 's/^\#define OFFLOG_VERSION_$(1) \([0-9][0-9]*\)$$/\1/p' include/offlog.h)
VERSION_MAJOR := $(call offlog_version,MAJOR)
VERSION_MINOR := $(call offlog_version,MINOR)
VERSION_PATCH := $(call offlog_version,PATCH)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
# The ABI's major number (OFFLOG_ABI_MAJOR) names the shared library.
ABI_MAJOR := $(shell sed -n 's/^\#define OFFLOG_ABI_MAJOR \([0-9][0-9]*\)$$/\1/p' include/offlog.h)

PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(EXEC_PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

# The toolchain. CROSS is the prefix of a cross toolchain (Debian:
# gcc-aarch64-linux-gnu gives aarch64-linux-gnu-gcc, -ld, -objcopy; pkgconf:arm64
# gives aarch64-linux-gnu-pkg-config). CC=aarch64-linux-gnu-gcc alone implies it.
# make's built-in CC, AR and LD (cc, ar, ld) count as unset: `?=` would keep them.
ifneq ($(filter default undefined,$(origin CC)),)
CC = $(if $(CROSS),$(CROSS)gcc,cc)
else
CROSS ?= $(patsubst %gcc,%,$(filter %-gcc,$(notdir $(firstword $(CC)))))
endif
ifneq ($(filter default undefined,$(origin AR)),)
AR = $(CROSS)ar
endif
ifneq ($(filter default undefined,$(origin LD)),)
LD = $(CROSS)ld
endif
OBJCOPY ?= $(CROSS)objcopy
# Without the prefixed pkg-config, the target's multiarch directory.
ifeq ($(origin PKG_CONFIG),undefined)
ifeq ($(CROSS),)
PKG_CONFIG := pkg-config
else ifneq ($(shell command -v $(CROSS)pkg-config 2>/dev/null),)
PKG_CONFIG := $(CROSS)pkg-config
else
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/$(CROSS:%-=%)/pkgconfig:/usr/share/pkgconfig pkg-config
endif
endif
INSTALL ?= install
CFLAGS ?= -O2 -g
BUILD ?= build

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wconversion
# 64-bit file offsets on 32-bit targets too: a store may pass 2 GiB, and
# readdir() fails with EOVERFLOW on large inode numbers otherwise.
DEFS := -D_XOPEN_SOURCE=700 -D_FILE_OFFSET_BITS=64
LMDB_CFLAGS = $(shell $(PKG_CONFIG) --cflags lmdb 2>/dev/null)
LMDB_LIBS = $(shell $(PKG_CONFIG) --libs lmdb 2>/dev/null || echo -llmdb)
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
THREAD_LIBS := -pthread

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
LIB_HDR := include/offlog.h $(wildcard lib/*.h)
SONAME := libofflog.so.$(ABI_MAJOR)
SHLIB := $(BUILD)/libofflog.so.$(VERSION)
STLIB := $(BUILD)/libofflog.a

TEST_SRC := $(wildcard tests/test_*.c)
TESTS := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_HELPERS := tests/helpers.c
EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLES := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
MAN3 := $(wildcard man/man3/*.3)
MAN1 := $(wildcard man/man1/*.1)
TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%.o)
TOOL := $(BUILD)/tools/offlog

ALL_CFLAGS = $(WARN) $(DEFS) -Iinclude $(LMDB_CFLAGS) $(CFLAGS)

.PHONY: all lib examples tool check run bench asan tsan valgrind lint-man layers install uninstall \
        deps clean test-bins stress fuzz compare-kafka

all: lib examples tool

lib: $(STLIB) $(SHLIB)

# ---- dependencies -----------------------------------------------------------
# `make deps` is the only target that installs packages. Building needs LMDB
# and the tests need cmocka; when one is missing the build stops and names it,
# except under `make run` and `make check` (the README's two commands, which
# must work on a fresh machine): those run `make deps` first.

DEPS_PKGS := pkg-config liblmdb-dev libcmocka-dev
DEPS_AUTO := $(if $(filter run check,$(MAKECMDGOALS)),1)
# A module is there when pkg-config knows it or, without its .pc file, when
# the compiler finds its header.
have = { $(PKG_CONFIG) --exists $(1) 2>/dev/null || \
         printf '\#include <$(2)>\n' | $(CC) $(CFLAGS) -E -o /dev/null - 2>/dev/null; }
# $(call require,module,header,what,Debian package,other systems' packages)
require = $(call have,$(1),$(2)) || { [ -n "$(DEPS_AUTO)" ] && $(MAKE) --no-print-directory deps && \
  $(call have,$(1),$(2)); } || { \
  echo "offlog: $(3) not found ($(PKG_CONFIG) $(1), <$(2)>): install $(4)$(if $(CROSS),:<arch> (Debian: the target's package$(comma) after dpkg --add-architecture <arch>),\
 (Debian$(comma) Ubuntu: \`make deps\` installs it)); elsewhere $(5)" >&2; exit 1; }
comma := ,

$(BUILD)/.have-lmdb:
	@$(call require,lmdb,lmdb.h,LMDB,liblmdb-dev,lmdb-devel or lmdb-dev)
	@mkdir -p $(dir $@) && touch $@

$(BUILD)/.have-cmocka:
	@$(call require,cmocka,cmocka.h,cmocka (needed by the tests only),libcmocka-dev,libcmocka-devel or cmocka-dev)
	@mkdir -p $(dir $@) && touch $@

deps:
	@if command -v apt-get >/dev/null 2>&1; then \
	  echo "offlog: installing build dependencies: $(DEPS_PKGS) $(EXTRA_PKGS)"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq build-essential $(DEPS_PKGS) $(EXTRA_PKGS); \
	else \
	  echo "offlog: please install with your package manager: a C compiler, make, pkg-config, LMDB (liblmdb / lmdb-devel) and cmocka (libcmocka / cmocka-devel)" >&2; \
	  exit 1; \
	fi

# ---- library ----------------------------------------------------------------

# -MMD -MP: each object's dependency file lists the headers it includes, so
# a header edit rebuilds only the files that use it.
$(BUILD)/lib/%.o: lib/%.c | $(BUILD)/.have-lmdb
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -fPIC -fvisibility=hidden -c $< -o $@

-include $(LIB_OBJ:.o=.d)
# An object built before it had a dependency file: every header, once.
$(filter-out $(patsubst %.d,%.o,$(wildcard $(LIB_OBJ:.o=.d))),$(LIB_OBJ)): $(LIB_HDR)

# The static library is one relocatable object whose internal symbols are
# made local, so only offlog_* can clash with a program's own names.
$(STLIB): $(LIB_OBJ)
	$(LD) -r --force-group-allocation -o $(BUILD)/offlog-all.o $(LIB_OBJ)
	$(OBJCOPY) --localize-hidden $(BUILD)/offlog-all.o
	rm -f $@
	$(AR) rcs $@ $(BUILD)/offlog-all.o

$(SHLIB): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) $(LDFLAGS) $(CFLAGS) -o $@ $(LIB_OBJ) $(LMDB_LIBS) $(THREAD_LIBS)
	ln -sf libofflog.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libofflog.so

# ---- examples and tests -----------------------------------------------------

examples: $(EXAMPLES)

$(BUILD)/examples/%: examples/%.c $(STLIB) include/offlog.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(STLIB) $(LMDB_LIBS) $(THREAD_LIBS)

$(BUILD)/tests/%: tests/%.c $(TEST_HELPERS) tests/helpers.h $(LIB_OBJ) $(LIB_HDR) | $(BUILD)/.have-cmocka
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Ilib $(LDFLAGS) -o $@ $< $(TEST_HELPERS) $(LIB_OBJ) \
	  $(CMOCKA_LIBS) $(LMDB_LIBS) $(THREAD_LIBS)

# ---- the offlog command-line tool --------------------------------------------
# Public API only, linked with the static library like the examples.

tool: $(TOOL)

$(BUILD)/tools/%.o: tools/%.c tools/cli.h include/offlog.h | $(BUILD)/.have-lmdb
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(TOOL): $(TOOL_OBJ) $(STLIB)
	$(CC) $(LDFLAGS) $(CFLAGS) -o $@ $(TOOL_OBJ) $(STLIB) $(LMDB_LIBS) $(THREAD_LIBS)

# ---- the comparison with Kafka -----------------------------------------------
# tests/compare/kafka_compare.c runs the same scenarios against librdkafka's
# in-process mock cluster and against offlog (public API, static library).
# Optional: built and run by `make check` only when pkg-config finds rdkafka
# (Debian: librdkafka-dev).

RDKAFKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags rdkafka 2>/dev/null)
RDKAFKA_LIBS = $(shell $(PKG_CONFIG) --libs rdkafka 2>/dev/null || echo -lrdkafka)
HAVE_RDKAFKA := $(shell $(PKG_CONFIG) --exists rdkafka 2>/dev/null && echo 1)
COMPARE := $(BUILD)/compare/kafka_compare
# Why `check` does not run it (empty: it does). Under valgrind it runs (about
# 20 s). Under ThreadSanitizer it cannot: librdkafka starts its threads with
# C11 thrd_create(), which ThreadSanitizer (gcc 12, clang 14) does not
# intercept, so the first allocation in such a thread crashes.
COMPARE_SKIP := $(strip $(if $(HAVE_RDKAFKA),$(if $(findstring -fsanitize=thread,$(CFLAGS) $(LDFLAGS)),\
  under ThreadSanitizer: the comparison with Kafka is skipped (librdkafka's threads are invisible to it)),\
  librdkafka not found: the comparison with Kafka is skipped))

$(COMPARE): tests/compare/kafka_compare.c $(STLIB) include/offlog.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(RDKAFKA_CFLAGS) $(LDFLAGS) -o $@ $< $(STLIB) $(RDKAFKA_LIBS) \
	  $(LMDB_LIBS) $(THREAD_LIBS)

compare-kafka:
	@$(PKG_CONFIG) --exists rdkafka 2>/dev/null || \
	  { echo "librdkafka not found (pkg-config rdkafka): install librdkafka-dev" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(COMPARE)
	./$(COMPARE)

test-bins: lib $(TESTS) $(EXAMPLES) $(TOOL) $(if $(COMPARE_SKIP),,$(COMPARE))

# The Python and Node packages' tests (bindings/*/run-tests.sh: each skips
# itself when its interpreter is missing), against this build's shared
# library. Not under a sanitizer or valgrind: the interpreter, not the
# library, would be the program checked.
BINDINGS_TESTS := $(wildcard bindings/*/run-tests.sh)
BINDINGS_SKIP := $(strip $(if $(TEST_WRAP)$(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),\
  the bindings' tests run only in the plain build (make check)))

# TEST_WRAP runs each binary under a tool (valgrind); tests are run one after
# another and every failure is reported before make fails.
TEST_WRAP ?=
check: test-bins
	@fail=0; for t in $(TESTS); do \
	  echo "== $$t"; $(TEST_WRAP) $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; \
	for e in $(EXAMPLES); do \
	  echo "== $$e"; d=$$(mktemp -d); (cd $$d && $(TEST_WRAP) $(CURDIR)/$$e >/dev/null) || { echo "FAILED: $$e"; fail=1; }; rm -rf $$d; \
	done; \
	echo "== tests/cli_test.sh"; \
	OFFLOG_CLI_WRAP="$(TEST_WRAP)" bash tests/cli_test.sh $(CURDIR)/$(TOOL) || { echo "FAILED: tests/cli_test.sh"; fail=1; }; \
	if [ -n "$(COMPARE_SKIP)" ]; then echo "$(COMPARE_SKIP)"; \
	else echo "== $(COMPARE)"; $(TEST_WRAP) $(COMPARE) || { echo "FAILED: $(COMPARE)"; fail=1; }; fi; \
	if [ -n "$(BINDINGS_SKIP)" ]; then echo "$(BINDINGS_SKIP)"; \
	else for b in $(BINDINGS_TESTS); do \
	  echo "== $$b"; OFFLOG_LIBRARY=$(CURDIR)/$(BUILD)/libofflog.so bash $$b || { echo "FAILED: $$b"; fail=1; }; \
	done; fi; \
	if [ $$fail = 0 ]; then echo "all tests passed"; else echo "some tests FAILED"; exit 1; fi

run: $(BUILD)/examples/quickstart
	./$(BUILD)/examples/quickstart offlog-data

# The long modes of the reliability harnesses: the tests read OFFLOG_STRESS.
stress: test-bins
	OFFLOG_STRESS=1 $(MAKE) --no-print-directory check

# libFuzzer targets (clang): each fuzz/NAME.c runs FUZZ_SECONDS from its seed
# corpus fuzz/corpus/NAME (new inputs go to a scratch directory, not the
# repository; a crashing input is kept as build-fuzz/artifacts/NAME-crash-*).
# `make fuzz FUZZ_SECONDS=600` for a long run. The seeds are written by
# fuzz/gen/gen_corpus.c (how to run it: its first comment).
FUZZ_SRC := $(wildcard fuzz/*.c)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
# `make fuzz FUZZ_TARGETS=api_ops` runs only those.
FUZZ_TARGETS ?= $(FUZZ_SRC:fuzz/%.c=%)
FUZZ_SECONDS ?= 20
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

# FUZZ_LMDB_SRC=DIR (a folder holding LMDB's mdb.c, midl.c, lmdb.h and
# midl.h, e.g. from `apt-get source lmdb`) builds LMDB into the targets with
# AddressSanitizer and coverage, so a fault inside LMDB is reported where it
# happens and the fuzzer sees LMDB's branches. Without it: the system's LMDB.
FUZZ_LMDB_SRC ?=
ifneq ($(FUZZ_LMDB_SRC),)
FUZZ_LMDB_OBJ := build-fuzz/lmdb/mdb.o build-fuzz/lmdb/midl.o
FUZZ_LMDB_CFLAGS := -I$(FUZZ_LMDB_SRC)
FUZZ_LMDB_LIBS := $(FUZZ_LMDB_OBJ)
.SECONDARY: $(FUZZ_LMDB_OBJ)
build-fuzz/lmdb/%.o: $(FUZZ_LMDB_SRC)/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -w -fsanitize=fuzzer-no-link,address -c -o $@ $<
else
FUZZ_LMDB_OBJ :=
FUZZ_LMDB_CFLAGS = $(LMDB_CFLAGS)
FUZZ_LMDB_LIBS = $(LMDB_LIBS)
endif

build-fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(LIB_SRC) $(LIB_HDR) $(FUZZ_LMDB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(WARN) $(DEFS) -Iinclude -Ilib $(FUZZ_LMDB_CFLAGS) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) \
	  $(FUZZ_LMDB_LIBS) $(THREAD_LIBS)

fuzz: $(FUZZ_TARGETS:%=build-fuzz/%)
	@for f in $(FUZZ_TARGETS:%=build-fuzz/%); do \
	  n=$$(basename $$f); scratch=$$(mktemp -d); echo "== fuzz $$n ($(FUZZ_SECONDS) s)"; \
	  mkdir -p build-fuzz/artifacts; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/artifacts/$$n- $$scratch fuzz/corpus/$$n \
	    || { rm -rf $$scratch; exit 1; }; rm -rf $$scratch; \
	done

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" check

tsan:
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp $(TSAN_OPTIONS)" \
	  $(MAKE) BUILD=build-tsan CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" check

valgrind:
	$(MAKE) BUILD=build-vg CFLAGS="-O1 -g" \
	  TEST_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" check

# lib/'s files stand on floors: no loop of calls between them but the
# consumer's (lib/README.md). Read from the objects with nm.
layers: lib
	NM="$(CROSS)nm" bash .ci/layers $(BUILD)

# Pages that only hold `.so` (one per function name) are checked for their
# target; mandoc lints the pages with content (it warns on every `.so`).
lint-man:
	@command -v mandoc >/dev/null || { echo "mandoc is not installed (apt-get install mandoc)"; exit 1; }
	@cd man && for f in $(MAN3:man/%=%) $(MAN1:man/%=%); do \
	  if head -n1 $$f | grep -q '^\.so '; then \
	    t=$$(head -n1 $$f | cut -d' ' -f2); [ -f "$$t" ] || { echo "$$f: missing $$t"; exit 1; }; \
	  else pages="$$pages $$f"; fi; \
	done; out=$$(mandoc -T lint -W warning $$pages); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; echo "man pages: lint clean"

# ---- the ABI ----------------------------------------------------------------
# `make abi-check` compares the ABI the shared library exports, as the public
# header declares it (its types; not lib/'s private ones), with the baseline
# abi/libofflog.abi; `make abi-baseline` writes that baseline. Both need
# abidw and abidiff (Debian, Ubuntu: abigail-tools) and build the library
# apart, in ABI_BUILD, with the debugging information they read the types
# from. The check (.ci/abi-compare) fails on any change but added functions
# and the versioned structs (abi/libofflog.abignore) growing at their end,
# unless OFFLOG_ABI_MAJOR moved: the baseline then names another SONAME, and
# the check passes, saying to refresh it. The baseline is of one architecture
# (x86_64): elsewhere the check says so and compares nothing.
ABI_BUILD ?= build-abi
ABI_BASELINE := abi/libofflog.abi
ABI_SUPPR := abi/libofflog.abignore
ABI_SHLIB := $(ABI_BUILD)/libofflog.so.$(VERSION)
ABI_CURRENT := $(ABI_BUILD)/libofflog.abi
# No absolute paths, locations or DT_NEEDED in the XML: it changes only when
# the ABI does.
ABIDW_FLAGS := --headers-dir include --drop-private-types --drop-undefined-syms \
  --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed

.PHONY: abi-check abi-baseline abi-lib
abi-lib:
	@command -v abidw >/dev/null && command -v abidiff >/dev/null || { \
	  echo "abidw and abidiff not found: install abigail-tools (Debian, Ubuntu)" >&2; exit 1; }
	@$(MAKE) --no-print-directory BUILD=$(ABI_BUILD) CFLAGS="-O2 -g" $(ABI_SHLIB)

abi-baseline: abi-lib
	@mkdir -p $(dir $(ABI_BASELINE))
	abidw $(ABIDW_FLAGS) --out-file $(ABI_BASELINE) $(ABI_SHLIB)
	@echo "abi-baseline: wrote $(ABI_BASELINE) ($(SONAME)); commit it"

abi-check: abi-lib
	abidw $(ABIDW_FLAGS) --out-file $(ABI_CURRENT) $(ABI_SHLIB)
	bash .ci/abi-compare $(ABI_BASELINE) $(ABI_CURRENT) $(SONAME) $(ABI_SUPPR)

# ---- benchmarks -------------------------------------------------------------

-include bench/bench.mk

# ---- install ----------------------------------------------------------------

# The .pc file and the CMake package name their directories relative to the
# prefix where they can (pkg-config --define-prefix, a moved tree); LMDB is
# named through its own .pc file when it has one.
CMAKEDIR ?= $(LIBDIR)/cmake/offlog
relto = $(if $(filter $(2),$(1)),$(3),$(patsubst $(2)/%,$(3)/%,$(1)))
PC_EXEC_PREFIX = $(call relto,$(EXEC_PREFIX),$(PREFIX),$${prefix})
PC_LIBDIR = $(call relto,$(LIBDIR),$(EXEC_PREFIX),$${exec_prefix})
PC_INCLUDEDIR = $(call relto,$(INCLUDEDIR),$(PREFIX),$${prefix})
HAVE_LMDB_PC = $(shell $(PKG_CONFIG) --exists lmdb 2>/dev/null && echo 1)
# From the library directory to the header's: ../include for lib,
# ../../include for lib/x86_64-linux-gnu; absolute when not under PREFIX.
LIB_UNDER_PREFIX = $(patsubst $(PREFIX)/%,%,$(filter $(PREFIX)/%,$(LIBDIR)))
INC_UNDER_PREFIX = $(patsubst $(PREFIX)/%,%,$(filter $(PREFIX)/%,$(INCLUDEDIR)))
CMAKE_INCLUDEDIR = $(if $(and $(LIB_UNDER_PREFIX),$(INC_UNDER_PREFIX)),$(subst $(eval) ,/,$(patsubst %,..,\
  $(subst /, ,$(LIB_UNDER_PREFIX))) $(INC_UNDER_PREFIX)),$(INCLUDEDIR))
SIZEOF_VOID_P = $(shell printf '__SIZEOF_POINTER__\n' | $(CC) $(CFLAGS) -E -P - 2>/dev/null | tail -n1)
CMAKE_FILES := $(BUILD)/cmake/offlogConfig.cmake $(BUILD)/cmake/offlogConfigVersion.cmake

SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@EXEC_PREFIX@|$(PC_EXEC_PREFIX)|g' \
  -e 's|@LIBDIR@|$(PC_LIBDIR)|g' -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|g' \
  -e 's|@REQUIRES_PRIVATE@|$(if $(HAVE_LMDB_PC),lmdb)|g' \
  -e 's|@LIBS_PRIVATE@|$(if $(HAVE_LMDB_PC),,-llmdb )-pthread|g' \
  -e 's|@CMAKE_INCLUDEDIR@|$(CMAKE_INCLUDEDIR)|g' -e 's|@SIZEOF_VOID_P@|$(SIZEOF_VOID_P)|g' \
  -e 's|@VERSION@|$(VERSION)|g' -e 's|@VERSION_MAJOR@|$(VERSION_MAJOR)|g' \
  -e 's|@VERSION_MINOR@|$(VERSION_MINOR)|g' -e 's|@ABI_MAJOR@|$(ABI_MAJOR)|g'

# Written at every install: they hold PREFIX and LIBDIR, which may change.
.PHONY: $(BUILD)/offlog.pc $(CMAKE_FILES)
$(BUILD)/offlog.pc: offlog.pc.in
	@mkdir -p $(BUILD)
	$(SUBST) $< | sed -e '/^Requires.private: *$$/d' > $@

$(CMAKE_FILES): $(BUILD)/cmake/%.cmake: cmake/%.cmake.in
	@mkdir -p $(dir $@)
	$(SUBST) $< > $@

install: lib $(TOOL) $(BUILD)/offlog.pc $(CMAKE_FILES)
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(TOOL) $(DESTDIR)$(BINDIR)/offlog
	$(INSTALL) -m 644 include/offlog.h $(DESTDIR)$(INCLUDEDIR)/offlog.h
	$(INSTALL) -m 644 $(STLIB) $(DESTDIR)$(LIBDIR)/libofflog.a
	$(INSTALL) -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/libofflog.so.$(VERSION)
	ln -sf libofflog.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libofflog.so
	$(INSTALL) -m 644 $(BUILD)/offlog.pc $(DESTDIR)$(PKGCONFIGDIR)/offlog.pc
	$(INSTALL) -m 644 $(CMAKE_FILES) $(DESTDIR)$(CMAKEDIR)/
	for m in $(MAN3); do $(INSTALL) -m 644 $$m $(DESTDIR)$(MANDIR)/man3/; done
	for m in $(MAN1); do $(INSTALL) -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/offlog.h $(DESTDIR)$(LIBDIR)/libofflog.a \
	  $(DESTDIR)$(LIBDIR)/libofflog.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libofflog.so $(DESTDIR)$(PKGCONFIGDIR)/offlog.pc \
	  $(DESTDIR)$(CMAKEDIR)/offlogConfig.cmake $(DESTDIR)$(CMAKEDIR)/offlogConfigVersion.cmake \
	  $(DESTDIR)$(BINDIR)/offlog
	rmdir $(DESTDIR)$(CMAKEDIR) 2>/dev/null || true
	for m in $(notdir $(MAN3)); do rm -f $(DESTDIR)$(MANDIR)/man3/$$m; done
	for m in $(notdir $(MAN1)); do rm -f $(DESTDIR)$(MANDIR)/man1/$$m; done

clean:
	rm -rf build build-asan build-tsan build-vg build-fuzz offlog-data
