/*
 * offlog.h - Kafka offset semantics in-process, on LMDB.
 *
 * This header is the reference manual. Every function is documented where it
 * is declared; man pages in section 3 repeat the same text per API group.
 * The words used here (offset, position, committed offset, log start, high
 * watermark, log end offset, reset policy) have the meanings of the contract
 * in SEMANTICS: see offlog(3).
 *
 * Conventions, true of every function unless its comment says otherwise:
 *  - The return value is 0 on success or a negative OFFLOG_E* code.
 *    offlog_strerror() and offlog_errname() map a code to text;
 *    offlog_errmsg() gives the detail of the last failing call in the
 *    calling thread (which topic, which offset range, which limit).
 *  - Results are written through pointer arguments, which come first.
 *  - On any error nothing in the store has changed: the LMDB transaction
 *    was aborted.
 *  - Strings are NUL-terminated UTF-8 unless a length is passed with them.
 *  - Ownership of every returned pointer is stated: "owned by X, valid until Y".
 *
 * Threads: an offlog_env is shared by all threads of a process. A consumer,
 * a transaction and a fetch batch are used by one thread at a time; a
 * transaction only by the thread that began it. A store directory may be
 * opened by several processes at once; each sees a consistent snapshot.
 * Handles do not survive fork(): in the child every call on a handle opened
 * before the fork fails with OFFLOG_ESTATE at once (offlog_close() only frees
 * its memory); the child opens the store itself. A store handle that was
 * closed is refused with OFFLOG_ESTATE too (a second offlog_close(), a call
 * after close), as long as no new handle was given the same address.
 *
 * This version: topics, appends (with group commit), the batching and
 * idempotent producer, reads, consumers (manually assigned, or sharing a
 * group's partitions between threads and processes with rebalancing and
 * fencing), committed offsets, transactions, retention, compaction and
 * delete-records, and a size cap on the store.
 *
 * Copyright (c) the offlog authors. MIT License, see LICENSE.
 */
#ifndef OFFLOG_H
#define OFFLOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OFFLOG_BUILDING) && defined(__GNUC__)
#define OFFLOG_API __attribute__((visibility("default")))
#else
#define OFFLOG_API
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

#define OFFLOG_VERSION_MAJOR 0
#define OFFLOG_VERSION_MINOR 2
#define OFFLOG_VERSION_PATCH 0
#define OFFLOG_VERSION_NUMBER \
	(OFFLOG_VERSION_MAJOR * 10000 + OFFLOG_VERSION_MINOR * 100 + OFFLOG_VERSION_PATCH)
/* "MAJOR.MINOR.PATCH", made from the three numbers above (the Makefile
 * reads them too: the version is written only here). OFFLOG_INTERNAL_STR_*
 * are the header's own helpers, not part of the API. */
#define OFFLOG_INTERNAL_STR_(x) #x
#define OFFLOG_INTERNAL_STR(x) OFFLOG_INTERNAL_STR_(x)
#define OFFLOG_VERSION_STRING                                                              \
	OFFLOG_INTERNAL_STR(OFFLOG_VERSION_MAJOR) "." OFFLOG_INTERNAL_STR(OFFLOG_VERSION_MINOR) \
	"." OFFLOG_INTERNAL_STR(OFFLOG_VERSION_PATCH)

/* The major number of the library's ABI: its SONAME is libofflog.so.N with
 * this N. Within one N, a program built against an older header keeps
 * working with a newer library (CI compares the exported ABI with a stored
 * baseline, abi/libofflog.abi); any incompatible change moves N. The
 * README's "ABI" section tells what each kind of struct promises. */
#define OFFLOG_ABI_MAJOR 1

/* On-disk format version written by this library. A store with a larger
 * format version is refused with OFFLOG_EVERSION. */
#define OFFLOG_FORMAT_VERSION 1

/* The library's version as MAJOR*10000 + MINOR*100 + PATCH; compare it with
 * OFFLOG_VERSION_NUMBER to detect a header/library mismatch. */
OFFLOG_API int offlog_version(void);

/* The library's version as "MAJOR.MINOR.PATCH". Static storage. */
OFFLOG_API const char *offlog_version_string(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* Result codes. 0 is success; every error is negative and distinct.
 * The numbers are part of the ABI and never change. */
enum offlog_error {
	OFFLOG_OK = 0,
	OFFLOG_EINVAL = -1,     /* invalid argument: NULL, bad flag, bad option value */
	OFFLOG_ENAME = -2,      /* invalid topic or group name (empty, too long, bad character) */
	OFFLOG_ENOTOPIC = -3,   /* unknown topic */
	OFFLOG_ENOPART = -4,    /* unknown partition of an existing topic */
	OFFLOG_EEXIST = -5,     /* the topic already exists */
	OFFLOG_EOFFSET = -6,    /* invalid offset value (negative, or a special value not allowed here) */
	OFFLOG_ERANGE = -7,     /* offset out of range: below log start or beyond the log end offset */
	OFFLOG_ENOOFFSET = -8,  /* no committed offset and the reset policy is "none" */
	OFFLOG_ETOOBIG = -9,    /* a record, key, header or metadata string exceeds its limit */
	OFFLOG_ENOTSTORE = -10, /* the path exists but is not an offlog store */
	OFFLOG_ENOENT = -11,    /* not found: no store at the path (and OFFLOG_OPEN_NOCREATE was
	                           given), or no such group */
	OFFLOG_EVERSION = -12,  /* the store has a newer on-disk format than this library */
	OFFLOG_EMAPFULL = -13,  /* the map reached max_map_size, or could not grow */
	OFFLOG_ENOSPC = -14,    /* no space left on the device */
	OFFLOG_EIO = -15,       /* I/O error from the operating system */
	OFFLOG_ENOMEM = -16,    /* out of memory */
	OFFLOG_ECORRUPT = -17,  /* the store's contents are inconsistent */
	OFFLOG_EREADONLY = -18, /* a write on a store opened read-only */
	OFFLOG_EPERM = -19,     /* permission denied by the operating system */
	OFFLOG_EBUSY = -20,     /* store already open in this process, or handles still open at close */
	OFFLOG_EREADERS = -21,  /* all reader slots are in use (raise max_readers) */
	OFFLOG_ETXN = -22,      /* transaction misuse: nested, failed, or used by another thread */
	OFFLOG_ESTATE = -23,    /* not valid in the handle's state (partition not assigned, no group) */
	OFFLOG_ETIMEDOUT = -24, /* a wait reached its deadline (a poll that times out is not
	                           an error; a producer flush that does is) */
	OFFLOG_EQUEUEFULL = -25, /* the producer's queue is full */
	OFFLOG_ESEQUENCE = -26, /* idempotent producer: a sequence number out of order */
	OFFLOG_EPURGED = -27,   /* the producer was closed with OFFLOG_PRODUCER_PURGE before
	                           the record was written */
	OFFLOG_EFENCED = -28,   /* group member: a commit for a partition this member does not
	                           own (any more), or the member was removed from the group;
	                           idempotent producer: a newer producer opened with its id */
	OFFLOG_EGROUPLIVE = -29, /* the group has live members: refused unless forced */
	OFFLOG_ESTOREFULL = -30, /* the store holds max_store_bytes and nothing may be dropped */
	OFFLOG_EFATAL = -31,    /* a write failed where the handle cannot recover from it (the
	                           disk filled while the commit record was written): every call
	                           on the handle fails; close it and open the store again, which
	                           finds everything committed before intact */
	OFFLOG_EPLATFORM = -32, /* the store was written by a build of another word size or
	                           byte order (LMDB files are not portable between them): not
	                           readable here */
	OFFLOG_EWAKEUP = -33    /* the call was interrupted by offlog_consumer_wakeup() */
};

/* A static, one-line description of code err ("unknown topic").
 * Never NULL; unknown codes give "unknown error". */
OFFLOG_API const char *offlog_strerror(int err);

/* The symbolic name of code err ("OFFLOG_ENOTOPIC"). Static storage; never
 * NULL; unknown codes give "OFFLOG_E?". */
OFFLOG_API const char *offlog_errname(int err);

/* The detail message of the most recent failing call made by this thread,
 * e.g. "offset 5 out of range for orders/3: valid range is [10, 42]".
 * Thread-local storage, valid until this thread's next failing call.
 * Empty string if this thread has had no failure. */
OFFLOG_API const char *offlog_errmsg(void);

/* ------------------------------------------------------------------------ */
/* Special values and limits                                                */
/* ------------------------------------------------------------------------ */

/* Special offsets, with librdkafka's values. */
#define OFFLOG_OFFSET_BEGINNING (-2)   /* the log start offset */
#define OFFLOG_OFFSET_END (-1)         /* the high watermark: the next record to become readable */
#define OFFLOG_OFFSET_STORED (-1000)   /* the group's committed offset */
#define OFFLOG_OFFSET_INVALID (-1001)  /* no offset (e.g. nothing committed) */

/* Tail offsets, librdkafka's RD_KAFKA_OFFSET_TAIL(n): n records before the
 * end, resolved when used as max(log start, end - n), where end is the end
 * a consumer reads to (the high watermark, or the log end offset with
 * OFFLOG_ISOLATION_COMMITTED). n is 0 (the end) to
 * INT64_MAX + OFFLOG_OFFSET_TAIL_BASE (a larger n would overflow).
 * Every offset at or below OFFLOG_OFFSET_TAIL_BASE is a tail offset. The
 * count is of offsets: where compaction or retention left gaps inside the
 * last n offsets, fewer than n records follow. Accepted by
 * offlog_consumer_seek(). */
#define OFFLOG_OFFSET_TAIL_BASE (-2000)
#define OFFLOG_OFFSET_TAIL(n) (OFFLOG_OFFSET_TAIL_BASE - (n))

/* Partition argument meaning "choose for me": by the key with Kafka's murmur2
 * partitioner when the record has a key, round-robin when it has none. */
#define OFFLOG_PARTITION_ANY (-1)

/* Timestamp argument meaning "the append time". */
#define OFFLOG_TIMESTAMP_NOW (-1)

/* Lag value meaning "unknown": nothing is committed. */
#define OFFLOG_LAG_UNKNOWN (-1)

#define OFFLOG_NAME_MAX 249            /* topic names: 1..249 of [A-Za-z0-9._-], not "." or ".." */
#define OFFLOG_GROUP_MAX 249           /* group ids: 1..249 printable non-space ASCII bytes */
#define OFFLOG_PARTITIONS_MAX 100000   /* partitions per topic */
#define OFFLOG_KEY_MAX 65536           /* bytes in a record key */
#define OFFLOG_HEADER_COUNT_MAX 1024   /* headers per record */
#define OFFLOG_HEADER_NAME_MAX 1024    /* bytes in one header name */
#define OFFLOG_HEADERS_MAX 65536       /* bytes of all header names and values of one record */
#define OFFLOG_METADATA_MAX 4096       /* bytes in a commit's metadata string (Kafka's default) */
#define OFFLOG_MESSAGE_MAX_DEFAULT 1048576   /* default max.message.bytes of a topic */
#define OFFLOG_MESSAGE_MAX_LIMIT 67108864    /* largest allowed max.message.bytes */

/* ------------------------------------------------------------------------ */
/* Store                                                                    */
/* ------------------------------------------------------------------------ */

/* An open store. Opaque; shared by all threads of the process. */
typedef struct offlog_env offlog_env;

/* Durability modes. Each says what a successful commit (an append, an offset
 * commit, a transaction) promises if the machine loses power right after it.
 *
 * SYNC (default): durable when the call returns. Two syncs per commit (data
 *   pages, then the meta page). The high watermark equals the log end offset.
 * NOMETASYNC: one sync per commit; the meta page is made durable by the next
 *   commit or flush. A power loss can take back the last commit only; the
 *   store stays consistent. The high watermark trails by the last commit (or
 *   two, when commits race) until the next commit or flush.
 * ASYNC: no sync at commit (LMDB's MDB_NOSYNC); offlog_flush() or the flush
 *   interval makes everything committed durable, and the high watermark
 *   trails the log end offset until then, so consumers (by default) never
 *   see a record that was not yet made durable. A crash of the process alone
 *   loses nothing. A power loss or operating-system crash loses what was not
 *   yet flushed, and, because the file system may write pages out of order,
 *   can leave the store damaged beyond what LMDB recovers: choose ASYNC for
 *   data that can be rebuilt, NOMETASYNC or SYNC for data that must survive
 *   power loss. After such a loss, open with OFFLOG_OPEN_VERIFY (or run
 *   `offlog check`): it refuses with OFFLOG_ECORRUPT a store whose pages
 *   are malformed or whose tables disagree, rather than leave that to the
 *   reader that meets it. Damage that leaves every page well formed and
 *   the tables in agreement (a value's bytes from another commit) cannot be
 *   seen. */
enum offlog_durability {
	OFFLOG_DURABILITY_SYNC = 0,
	OFFLOG_DURABILITY_NOMETASYNC = 1,
	OFFLOG_DURABILITY_ASYNC = 2
};

/* Flags for offlog_options.flags. */
#define OFFLOG_OPEN_READONLY 0x1u  /* no writes; every write call fails with OFFLOG_EREADONLY */
#define OFFLOG_OPEN_NOCREATE 0x2u  /* fail with OFFLOG_ENOENT instead of creating a new store */
#define OFFLOG_OPEN_INSECURE 0x4u  /* accept a store directory that every user may write to,
                                      or that belongs to another user (see offlog_open) */
#define OFFLOG_OPEN_VERIFY 0x8u    /* check the data file's structure and that its tables
                                      agree before using it: for files of unknown origin or
                                      after a power loss in ASYNC mode (see offlog_open) */

/* What an append does when the store holds max_store_bytes. */
enum offlog_store_full {
	OFFLOG_STORE_FULL_REJECT = 0,     /* fail with OFFLOG_ESTOREFULL: keep old data */
	OFFLOG_STORE_FULL_DROP_OLDEST = 1 /* remove the oldest records (the head with the
	                                     oldest timestamp, any topic) to make room */
};

#define OFFLOG_OPTIONS_VERSION 2

/* Options of offlog_open(). Initialise with OFFLOG_OPTIONS_INIT or
 * offlog_options_init(), then change the fields you need. Fields are only
 * ever added at the end; `version` says which fields the caller knows. */
typedef struct offlog_options {
	unsigned int version;       /* OFFLOG_OPTIONS_VERSION */
	int durability;             /* enum offlog_durability; default SYNC */
	uint64_t map_size;          /* initial map size in bytes; 0 = default (1 GiB on 64-bit).
	                               The map is address space, not disk: the file grows
	                               only with its contents. */
	uint64_t max_map_size;      /* the map doubles when half full (or full), up to this;
	                               0 = no limit. It can only grow at a moment when no
	                               thread of this process holds consumer records or a
	                               fetch batch: release them promptly when idle */
	uint32_t max_readers;       /* reader slots (one per consumer or fetch batch held
	                               open, plus one per concurrent read); 0 = 256. Slots
	                               of processes that died are reclaimed (see
	                               offlog_store_reclaim_readers) */
	uint32_t flush_interval_ms; /* NOMETASYNC and ASYNC: a background thread flushes this
	                               often; 0 = only offlog_flush(). Default 1000 */
	uint32_t file_mode;         /* mode of created files; 0 = 0600. The directory gets
	                               the same bits plus search (x) where read is set.
	                               Applied exactly: the umask does not filter it */
	uint32_t flags;             /* OFFLOG_OPEN_* */
	/* Version 2 */
	uint32_t maintenance_interval_ms; /* a background thread runs offlog_maintain() this
	                                     often; 0 = never (default): retention then
	                                     advances only with appends and explicit calls */
	uint64_t max_store_bytes;   /* cap on the bytes of records (keys, values, headers) in
	                               the store, all topics; 0 = none (default). The file is
	                               larger by LMDB's page overhead. Applies to appends made
	                               through this handle */
	int store_full_policy;      /* enum offlog_store_full; default REJECT. Records that
	                               protected groups have not read are never dropped: with
	                               only those left, appends fail with OFFLOG_ESTOREFULL */
} offlog_options;

#define OFFLOG_OPTIONS_INIT \
	{ OFFLOG_OPTIONS_VERSION, OFFLOG_DURABILITY_SYNC, 0, 0, 0, 1000, 0, 0, 0, 0, \
	  OFFLOG_STORE_FULL_REJECT }

/* Fill *opts with the defaults (same as OFFLOG_OPTIONS_INIT); for bindings
 * that cannot use the macro. */
OFFLOG_API int offlog_options_init(offlog_options *opts);

/* Open the store in directory `path`, creating the directory and the store
 * when missing (unless OFFLOG_OPEN_NOCREATE). opts may be NULL for defaults.
 * On success *env is a new handle; release it with offlog_close().
 *
 * The store is three files in the directory: data.mdb and lock.mdb (LMDB's)
 * and offlog.wake, a small shared page through which appends wake consumers
 * waiting in other processes. They are never opened through a link: a file
 * that is a symbolic link, has a second (hard) link, or belongs to neither
 * the directory's owner nor this process's user is refused with
 * OFFLOG_EPERM, since whoever put it there could have another file
 * overwritten (an offlog.wake that fails these checks is left alone and
 * waits fall back to polling). The checks are made on the open descriptor;
 * a file replaced by name between that check and LMDB's own open fails the
 * open with OFFLOG_EPERM, though LMDB may by then have written to what the
 * new name leads to: keep the store directory writable only by its owner.
 * Files the library creates as root in a directory of another user are
 * given to that user. A new store is durable when the open returns, in
 * every mode: its data file, the directory's entry for it and, when the
 * open made the directory, the parent's entry for that are synced.
 *
 * Errors: OFFLOG_ENOTSTORE when path holds something that is not an offlog
 * store (a regular file, an empty or foreign data file, another program's
 * LMDB, a non-empty directory without a store); OFFLOG_EVERSION for a store
 * of a newer format; OFFLOG_EPLATFORM for a store written by a build of
 * another word size or byte order (a 64-bit store opened by a 32-bit build,
 * say: LMDB lays its file out in the machine's own, and reads no other);
 * OFFLOG_ENOENT when there is no store and OFFLOG_OPEN_NOCREATE or
 * OFFLOG_OPEN_READONLY forbids creating one; OFFLOG_EBUSY when this process
 * already has the store open (share the handle between threads instead;
 * LMDB forbids two handles on one store in one process), or when the
 * snapshot the open checks was overwritten by another process's commits
 * before it was pinned, again and again for two seconds; OFFLOG_EPERM,
 * also when the store directory is writable by every user or belongs to
 * another user (anyone who can write there can replace the store's files;
 * root may open any store), unless OFFLOG_OPEN_INSECURE;
 * OFFLOG_EINVAL for bad options or an overlong path. In every error case
 * nothing on disk has been changed.
 *
 * A truncated data file, an empty or foreign one, or one of a newer format is
 * always refused with an error (the meta pages are checked before LMDB maps
 * the file). LMDB trusts the contents of the other pages it reads, though: a
 * file whose B-tree pages were altered (bit rot, a bad copy, a crafted file)
 * can make it crash. OFFLOG_OPEN_VERIFY first reads every B-tree page and the
 * first page of every overflow run, and checks what LMDB relies on: page
 * numbers and kinds (no flag LMDB would act on), node tables, their packing
 * and sizes, keys and values inside their pages, key order and sizes, child
 * and overflow pages inside the file and reached once, tree depths, table
 * flags, the free list (in range, in order, not in use). Then, in one read
 * transaction, that the tables agree: every topic has its id entry naming it
 * back and a partition state for each of its partitions, and no state lacks
 * its topic; each state keeps 0 <= log start <= high watermark <= log end,
 * with a partition id of its own; every record belongs to a partition, lies
 * below its log end, decodes, and has a timestamp at most the partition's
 * largest; each partition's record count and bytes match
 * what its log holds, and the store's byte count their sum; every time
 * index entry belongs to a partition and points below its log end; every
 * committed offset and idempotent producer state names an existing topic
 * and partition, with offsets in [0, log end]; a topic's protected groups
 * are stored as its record says. A topic deleted but not yet purged (a
 * purge interrupted by a crash, finished by the next read-write open) may
 * keep part of its records, states, committed offsets and producer states.
 * This runs before the open changes anything, so a refused store is left as
 * it was. Without the flag such disagreements (a power loss in ASYNC mode
 * can leave pages of different commits) are found by the call that meets
 * them. The library also checks every record it decodes (partition states,
 * committed offsets, topics, records). A damaged file is refused with
 * OFFLOG_ECORRUPT by the open, naming the first damage found, or a damaged
 * record by the call that reads it; the open_store fuzz target runs damaged
 * files through open, reads and writes, LMDB included, under
 * AddressSanitizer, and finds no crash (tests/RELIABILITY.md). The page
 * check costs less than one read(2) of the file (make bench, "open"); the
 * table check adds one walk over every record and index entry, each record
 * decoded: under 100 ns a record in the page cache (a store of 1M records
 * of 100 bytes: about as long again as the page check), and memory for an
 * entry per topic and per partition. */
OFFLOG_API int offlog_open(offlog_env **env, const char *path, const offlog_options *opts);

/* Close the store. In the deferred modes, flushes first so everything
 * committed becomes durable; if that flush fails the store is still closed
 * and the flush's code returned (committed data is not lost: the next open
 * flushes it). Fails with OFFLOG_EBUSY, closing nothing, while consumers,
 * transactions or fetch batches of this env are still open, and with
 * OFFLOG_ESTATE for a handle closed already. NULL is accepted and does
 * nothing. */
OFFLOG_API int offlog_close(offlog_env *env);

/* Make everything committed so far durable and advance the high watermarks
 * to the log end offsets. A no-op beyond one sync in SYNC mode, and nothing
 * at all (returning 0) on a store opened read-only. */
OFFLOG_API int offlog_flush(offlog_env *env);

#define OFFLOG_STORE_INFO_VERSION 1

/* Facts about an open store, from offlog_store_stat(). The caller sets
 * `version` (OFFLOG_STORE_INFO_INIT does): the library fills the fields
 * that version has, so a struct of an older header is never overrun. */
typedef struct offlog_store_info {
	unsigned int version;     /* in: OFFLOG_STORE_INFO_VERSION */
	uint64_t map_size;        /* current map size in bytes */
	uint64_t map_used;        /* bytes of the map in use (high-water mark of pages) */
	uint32_t page_size;       /* LMDB page size */
	uint32_t max_readers;     /* reader slots */
	uint32_t readers_used;    /* reader slots in use, all processes */
	uint32_t format_version;  /* on-disk format of the store */
	int durability;           /* this handle's durability mode */
	int read_only;            /* 1 when opened with OFFLOG_OPEN_READONLY */
} offlog_store_info;

#define OFFLOG_STORE_INFO_INIT { OFFLOG_STORE_INFO_VERSION, 0, 0, 0, 0, 0, 0, 0, 0 }

/* Fill *info. OFFLOG_EINVAL when info->version is 0 or newer than the
 * library's. */
OFFLOG_API int offlog_store_stat(offlog_store_info *info, offlog_env *env);

/* Free the reader slots of processes that ended without closing the store
 * (killed while holding consumer records or a fetch batch). Such a slot
 * keeps every page its snapshot saw from being reused, so the file grows,
 * and a table full of them would refuse every read. The library does this
 * itself when the store is opened, when every slot is taken, and at each
 * offlog_maintain() (so also in the maintenance thread); call it to do it
 * now. *reclaimed (may be NULL) gets how many slots this call freed, *total
 * (may be NULL) how many this handle has freed since it was opened, this
 * call's included. Errors: OFFLOG_EINVAL, OFFLOG_ESTATE (a closed or
 * inherited handle). */
OFFLOG_API int offlog_store_reclaim_readers(offlog_env *env, uint32_t *reclaimed,
                                            uint64_t *total);

/* Write a consistent copy of the store, as of one moment, into directory
 * `dir` (created if missing, mode as the store's files; it must not hold a
 * store already: OFFLOG_EEXIST). The copy is compacted: free pages are left
 * out, so it can be smaller than the original. Other threads and processes
 * keep reading and writing meanwhile. The copy opens as a store of its own.
 * It is durable when the call returns: the copy, the directory's entry for
 * it and, when the call made the directory, the parent's entry are synced.
 * Errors: OFFLOG_EEXIST, OFFLOG_EPERM, OFFLOG_ENOSPC, OFFLOG_EIO. */
OFFLOG_API int offlog_backup(offlog_env *env, const char *dir);

/* ------------------------------------------------------------------------ */
/* Topics                                                                   */
/* ------------------------------------------------------------------------ */

/* Bits of offlog_topic_config.cleanup_policy. */
#define OFFLOG_CLEANUP_DELETE 0x1  /* retention deletes old records */
#define OFFLOG_CLEANUP_COMPACT 0x2 /* compaction keeps the latest record per key */

#define OFFLOG_TOPIC_CONFIG_VERSION 2

/* Per-topic configuration, kept with the topic; change it with
 * offlog_topic_alter_config(). Defaults differ from Kafka's in one place:
 * retention_ms is -1 (keep forever), because a local log that buffers while
 * offline must not drop data unless asked to.
 *
 * Retention (cleanup_policy with DELETE) removes records from the head of a
 * partition, advancing its log start offset: those older than retention_ms
 * (by record timestamp: the head is removed while its timestamp is older;
 * a record is never removed before an older-positioned one) and, while the
 * partition holds more than retention_bytes, the oldest. Compaction
 * (COMPACT) keeps the latest record of each key and removes tombstones (null
 * values) delete_retention_ms after their timestamp; kept records keep their
 * offsets and readers skip the gaps. A compacted topic refuses records
 * without a key (OFFLOG_EINVAL), as Kafka does. Records not yet below the
 * high watermark are never removed.
 *
 * Removal happens in small steps, so no append waits for a large deletion:
 * each append to a partition with retention removes a few head records, and
 * offlog_maintain() (or the background thread of
 * offlog_options.maintenance_interval_ms) does the rest, and compaction. */
typedef struct offlog_topic_config {
	unsigned int version;        /* OFFLOG_TOPIC_CONFIG_VERSION */
	int64_t retention_ms;        /* -1 = no time limit (default) */
	int64_t retention_bytes;     /* per partition, bytes of keys, values and headers;
	                                -1 = no size limit (default) */
	int cleanup_policy;          /* OFFLOG_CLEANUP_* bits; default DELETE */
	int64_t delete_retention_ms; /* how long tombstones survive compaction; default 86400000 */
	int32_t max_message_bytes;   /* key + value + encoded headers (names, values and their
	                                lengths) of one record; default 1048576, at most
	                                OFFLOG_MESSAGE_MAX_LIMIT */
	/* Version 2: consumer-aware retention, which Kafka lacks. Retention,
	 * compaction and the store's size cap never remove a record that one of
	 * these groups has not yet committed past (a group with no committed
	 * offset for a partition protects all of it). Copied; at most
	 * OFFLOG_PROTECTED_GROUPS_MAX. */
	const char *const *protected_groups;
	size_t protected_group_count;
} offlog_topic_config;

#define OFFLOG_PROTECTED_GROUPS_MAX 64

#define OFFLOG_TOPIC_CONFIG_INIT \
	{ OFFLOG_TOPIC_CONFIG_VERSION, -1, -1, OFFLOG_CLEANUP_DELETE, 86400000, \
	  OFFLOG_MESSAGE_MAX_DEFAULT, NULL, 0 }

/* Fill *cfg with the defaults (same as OFFLOG_TOPIC_CONFIG_INIT). */
OFFLOG_API int offlog_topic_config_init(offlog_topic_config *cfg);

/* Create topic `topic` with `partitions` partitions (1..OFFLOG_PARTITIONS_MAX);
 * cfg may be NULL for defaults. Every partition starts empty: log start =
 * high watermark = log end offset = 0.
 * Errors: OFFLOG_ENAME, OFFLOG_EEXIST, OFFLOG_EINVAL (partition count or a
 * config value out of range). */
OFFLOG_API int offlog_topic_create(offlog_env *env, const char *topic, int32_t partitions,
                                   const offlog_topic_config *cfg);

/* Delete a topic, its records and every group's committed offsets for it.
 * The name is free for reuse at once; a topic created again under the same
 * name is a new topic whose offsets start at 0 and which inherits nothing.
 * Once the topic is deleted the call succeeds; its records are then removed
 * in bounded steps, so a large topic never needs one huge transaction, and
 * if that is cut short (the process dies, the disk is full) the next
 * offlog_open() of the store finishes the removal. */
OFFLOG_API int offlog_topic_delete(offlog_env *env, const char *topic);

/* Replace a topic's configuration (all fields, as Kafka's alterConfigs).
 * A lower retention or a smaller max_message_bytes applies from now on: to
 * later appends, and to the records already stored at the next retention
 * step. Errors: OFFLOG_ENOTOPIC, OFFLOG_EINVAL (a value out of range). */
OFFLOG_API int offlog_topic_alter_config(offlog_env *env, const char *topic,
                                         const offlog_topic_config *cfg);

/* Kafka's deleteRecords: make every record of the partition below
 * before_offset unreadable at once, by advancing the log start offset to it
 * (never backwards: a smaller offset changes nothing), and remove them in
 * bounded steps (the rest at later appends or offlog_maintain()).
 * before_offset is at most the high watermark; OFFLOG_OFFSET_END means the
 * high watermark. *low_watermark (may be NULL) gets the new log start
 * offset. Errors: OFFLOG_ENOTOPIC, OFFLOG_ENOPART, OFFLOG_EOFFSET (negative),
 * OFFLOG_ERANGE (beyond the high watermark). */
OFFLOG_API int offlog_delete_records(int64_t *low_watermark, offlog_env *env, const char *topic,
                                     int32_t partition, int64_t before_offset);

/* Run retention and compaction on every topic now: remove at most
 * max_records records (0: no limit), in transactions of at most a thousand
 * removals each, so writers are never held up for long. *removed (may be
 * NULL) gets how many were removed. Safe to call from any thread, while
 * other threads and processes use the store. */
OFFLOG_API int offlog_maintain(offlog_env *env, uint64_t max_records, uint64_t *removed);

/* Grow a topic to `total` partitions (as Kafka's createPartitions: the new
 * total, not the increment). New partitions start empty. Partitions never
 * shrink: a total not larger than the current count is OFFLOG_EINVAL. Note
 * that, as in Kafka, adding partitions changes which partition a key maps to. */
OFFLOG_API int offlog_topic_add_partitions(offlog_env *env, const char *topic, int32_t total);

/* The names of all topics, sorted bytewise. *names is an array of *count
 * strings, owned by the caller: free it with offlog_names_free(). */
OFFLOG_API int offlog_topic_list(char ***names, size_t *count, offlog_env *env);

/* Free a list returned by offlog_topic_list(). NULL is accepted. */
OFFLOG_API void offlog_names_free(char **names, size_t count);

/* Watermarks and size of one partition. */
typedef struct offlog_partition_info {
	int32_t partition;
	int64_t log_start;      /* smallest offset still readable */
	int64_t high_watermark; /* one past the last record consumers may read */
	int64_t log_end;        /* offset the next append will receive */
	int64_t records;        /* records stored: log_end - log_start minus gaps, plus, after
	                           offlog_delete_records(), those below log start that are
	                           still being removed (at appends or offlog_maintain()) */
	int64_t bytes;          /* bytes of keys, values and headers of those records */
} offlog_partition_info;

#define OFFLOG_TOPIC_INFO_VERSION 1

/* A topic's description, from one consistent snapshot. Allocated by the
 * library, which sets `version`: fields are only ever added at the end, and
 * `config` is last so that a longer configuration moves no other field
 * (config.version tells which of its fields exist). offlog_partition_info
 * is an element of an array and never changes. */
typedef struct offlog_topic_info {
	unsigned int version;     /* OFFLOG_TOPIC_INFO_VERSION of the library that filled it */
	char name[OFFLOG_NAME_MAX + 1];
	int32_t partition_count;
	int64_t created_ms;
	offlog_partition_info *partitions; /* partition_count entries, by partition number */
	offlog_topic_config config;
} offlog_topic_info;

/* Describe a topic: its configuration and every partition's watermarks.
 * *info is owned by the caller: free it with offlog_topic_info_free(). */
OFFLOG_API int offlog_topic_describe(offlog_topic_info **info, offlog_env *env, const char *topic);

/* Free a description. NULL is accepted. */
OFFLOG_API void offlog_topic_info_free(offlog_topic_info *info);

/* The watermarks of one partition: log start, high watermark and log end
 * offset. Any out pointer may be NULL. */
OFFLOG_API int offlog_watermarks_get(int64_t *log_start, int64_t *high_watermark, int64_t *log_end,
                                     offlog_env *env, const char *topic, int32_t partition);

/* ------------------------------------------------------------------------ */
/* Records: what is appended and what is read                              */
/* ------------------------------------------------------------------------ */

/* One record header. On input, `name` points to name_len bytes and `value`
 * to value_len bytes; value NULL is a null header value. On output
 * (offlog_record_headers), the pointers point into the record's storage and
 * share its lifetime. */
typedef struct offlog_header {
	const char *name;
	size_t name_len;
	const void *value;
	size_t value_len;
} offlog_header;

/* A record to append. key NULL means no key (key_len must be 0); a non-NULL
 * key with key_len 0 is an empty key. value NULL means a null value, the
 * tombstone of compaction. All pointers need only live during the call. */
typedef struct offlog_message {
	const void *key;
	size_t key_len;
	const void *value;
	size_t value_len;
	int64_t timestamp;             /* ms since the epoch, >= 0, or OFFLOG_TIMESTAMP_NOW */
	const offlog_header *headers;  /* header_count entries, or NULL */
	size_t header_count;
} offlog_message;

/* A record as read. All pointers point into the store's memory map (zero
 * copy) or into the handle that returned it, and are valid for as long as
 * the handle's records are (see offlog_consumer_poll() and offlog_fetch()).
 * key is NULL when the record has no key; value is NULL for a null value. */
typedef struct offlog_record {
	const char *topic;
	int32_t partition;
	int64_t offset;
	int64_t timestamp;
	const void *key;
	size_t key_len;
	const void *value;
	size_t value_len;
	size_t header_count;
	const void *headers;     /* encoded headers; decode with offlog_record_headers() */
	size_t headers_len;
} offlog_record;

/* Decode up to `capacity` headers of `record` into `headers`, in the order
 * they were appended; *count receives the number written. The decoded
 * pointers share the record's lifetime. OFFLOG_ECORRUPT if the encoding is
 * damaged. */
OFFLOG_API int offlog_record_headers(offlog_header *headers, size_t capacity, size_t *count,
                                     const offlog_record *record);

/* ------------------------------------------------------------------------ */
/* Appending                                                                */
/* ------------------------------------------------------------------------ */

/* Kafka's murmur2 hash (seed 0x9747b28c) of len bytes. */
OFFLOG_API int offlog_murmur2(int32_t *hash, const void *data, size_t len);

/* The partition Kafka's default partitioner gives a key:
 * (murmur2(key) & 0x7fffffff) % partition_count. Same number as Kafka for the
 * same key bytes and partition count. */
OFFLOG_API int offlog_partition_for_key(int32_t *partition, const void *key, size_t key_len,
                                        int32_t partition_count);

/* Append one record to `topic`. partition is a partition number or
 * OFFLOG_PARTITION_ANY (by key with murmur2, round-robin when keyless).
 * Returns once the append is committed, and in SYNC mode durable.
 * Group commit: appends and commits that threads of the process make at the
 * same time share one LMDB transaction and one sync, so many threads each
 * waiting for their own durable append are served at the rate of a batch.
 * *offset receives the record's offset and *partition_out the partition used;
 * either may be NULL.
 * Errors: OFFLOG_ENOTOPIC, OFFLOG_ENOPART, OFFLOG_ETOOBIG (with the limit in
 * the detail), OFFLOG_EINVAL (bad timestamp, NULL data with a length, a
 * header without a name), OFFLOG_ETXN when this thread has an open
 * transaction (use offlog_txn_append()), OFFLOG_EREADONLY, OFFLOG_ENOSPC,
 * OFFLOG_EMAPFULL. */
OFFLOG_API int offlog_append(int64_t *offset, int32_t *partition_out, offlog_env *env,
                             const char *topic, int32_t partition, const offlog_message *msg);

/* Append `count` records to one partition, atomically: all are appended with
 * consecutive offsets starting at *base_offset, or none is. With
 * OFFLOG_PARTITION_ANY the partition is that of the records' keys, which must
 * all map to the same partition (else OFFLOG_EINVAL), or round-robin when no
 * record has a key. */
OFFLOG_API int offlog_append_batch(int64_t *base_offset, int32_t *partition_out, offlog_env *env,
                                   const char *topic, int32_t partition,
                                   const offlog_message *msgs, size_t count);

/* ------------------------------------------------------------------------ */
/* Producer: batching, asynchronous, optionally idempotent                  */
/* ------------------------------------------------------------------------ */

/* A producer queues records and appends them in batches from its own
 * thread, reporting each record's offset (or error) to a delivery callback.
 * Records of one producer keep their send order within each partition. Any
 * thread may send; the handle is shared. */
typedef struct offlog_producer offlog_producer;

#define OFFLOG_DELIVERY_VERSION 1

/* The outcome of one record, passed to the delivery callback. Pointers are
 * valid during the callback only. The library sets `version`; fields are
 * only ever added at the end. */
typedef struct offlog_delivery {
	unsigned int version; /* OFFLOG_DELIVERY_VERSION of the library */
	const char *topic;
	int32_t partition;    /* the partition written to, or as sent if none was chosen */
	int64_t offset;       /* the record's offset, or OFFLOG_OFFSET_INVALID on error */
	int64_t sequence;     /* idempotent producer: its sequence number in the partition;
	                         -1 otherwise */
	int duplicate;        /* 1 when an idempotent resend found the record already
	                         stored: offset is the original one, nothing was appended */
	int err;              /* 0, or the OFFLOG_E* code of this record */
	void *msg_opaque;     /* as given to the send call */
	const char *errmsg;   /* the detail of err, this record's own ("" when err is 0);
	                         offlog_errmsg() says nothing about the record here */
} offlog_delivery;

/* Called once per record, in send order per partition: on the producer's
 * thread (OFFLOG_DELIVERY_THREAD), or on the application's, inside
 * offlog_producer_poll(), _flush() or _close() (OFFLOG_DELIVERY_POLL). On
 * the producer's thread it must not call offlog_producer_flush() or _close()
 * of its own producer; either way it should return quickly. */
typedef void (*offlog_delivery_cb)(void *opaque, const offlog_delivery *report);

/* Which thread runs the delivery callback. */
enum offlog_delivery_mode {
	OFFLOG_DELIVERY_THREAD = 0, /* the producer's own thread, as soon as a batch is written */
	OFFLOG_DELIVERY_POLL = 1    /* the application's: reports wait until it calls
	                               offlog_producer_poll() (or _flush(), _close()), as
	                               librdkafka serves them; for bindings whose callbacks
	                               must run on their own thread (Node, Python) */
};

/* What send does when the queue is full. */
enum offlog_queue_full {
	OFFLOG_QUEUE_BLOCK = 0, /* wait up to block_ms for room, then OFFLOG_EQUEUEFULL */
	OFFLOG_QUEUE_FAIL = 1   /* fail at once with OFFLOG_EQUEUEFULL */
};

#define OFFLOG_PRODUCER_OPTIONS_VERSION 2

/* Producer ids from this one up are the store's: it hands them out (for
 * producer_id 0) in order, each once. Ids an application chooses itself are
 * 1 .. OFFLOG_PRODUCER_ID_STORE_MIN - 1. */
#define OFFLOG_PRODUCER_ID_STORE_MIN UINT64_C(0x8000000000000000)

typedef struct offlog_producer_options {
	unsigned int version;         /* OFFLOG_PRODUCER_OPTIONS_VERSION */
	uint32_t linger_ms;           /* wait this long for a batch to fill; default 5 */
	uint32_t batch_records;       /* at most this many records per batch; default 10000 */
	uint64_t batch_bytes;         /* about this many bytes per batch; default 1 MiB */
	uint64_t queue_bytes;         /* bytes of records waiting at most; default 64 MiB */
	int queue_full;               /* enum offlog_queue_full; default BLOCK */
	uint32_t block_ms;            /* with BLOCK; default 60000 */
	int idempotent;               /* 1: sequence numbers per partition, stored with the
	                                 records, so a resend is recognised; default 0 */
	uint64_t producer_id;         /* idempotent: the id to use (keep it to resend after a
	                                 restart); 0 = a new id, given by the store; see
	                                 offlog_producer_open() */
	offlog_delivery_cb on_delivery; /* may be NULL */
	void *opaque;                 /* passed to on_delivery */
	/* Version 2. */
	int delivery_mode;            /* enum offlog_delivery_mode; default THREAD */
} offlog_producer_options;

#define OFFLOG_PRODUCER_OPTIONS_INIT \
	{ OFFLOG_PRODUCER_OPTIONS_VERSION, 5, 10000, 1048576, 67108864, OFFLOG_QUEUE_BLOCK, 60000, \
	  0, 0, NULL, NULL, OFFLOG_DELIVERY_THREAD }

/* Flags of offlog_producer_close(). */
#define OFFLOG_PRODUCER_PURGE 0x1u /* drop queued records (reported with OFFLOG_EPURGED)
                                      instead of writing them */

/* Fill *opts with the defaults (same as OFFLOG_PRODUCER_OPTIONS_INIT). */
OFFLOG_API int offlog_producer_options_init(offlog_producer_options *opts);

/* Open a producer on env, with its thread. opts may be NULL for defaults.
 * Close with offlog_producer_close().
 *
 * Opening an idempotent producer writes to the store (so it fails with
 * OFFLOG_EREADONLY on a read-only store, OFFLOG_ETXN in a thread with a
 * transaction open). producer_id 0 takes a new id from the store, from
 * OFFLOG_PRODUCER_ID_STORE_MIN up, never handed out before;
 * offlog_producer_id() tells it. Any other producer_id is either an id the
 * application chose, below OFFLOG_PRODUCER_ID_STORE_MIN, or one this store
 * handed out, resumed (keep the id offlog_producer_id() gave and pass it
 * after a restart). An id of the store's range that it has not handed out
 * is refused with OFFLOG_EINVAL, so a chosen id never meets one the store
 * gives. (A store written by an earlier version handed out 1, 2, ...; those
 * ids stay valid, and the store now hands out ids of its range.)
 *
 * Fencing, as Kafka's producer epoch: every open with an id makes the new
 * producer the only one that may write with it, in this process or
 * another. An older producer still open with the id (a zombie) is fenced:
 * its records not yet written are not written, their reports carry
 * OFFLOG_EFENCED, and its sends fail with OFFLOG_EFENCED from then on;
 * close it. The newer one finds every sequence number the older stored.
 *
 * Errors: OFFLOG_EINVAL (an option, or the id above), OFFLOG_ESTATE (in a
 * child process, env was opened before fork()), OFFLOG_ENOMEM, and for an
 * idempotent producer those of a write. */
OFFLOG_API int offlog_producer_open(offlog_producer **producer, offlog_env *env,
                                    const offlog_producer_options *opts);

/* Queue a record for topic/partition (a number, or OFFLOG_PARTITION_ANY: by
 * key with murmur2, keyless records of one batch go to one partition, in
 * turn as Kafka's sticky partitioner does). The record is copied; send
 * returns at once. Its outcome reaches the delivery callback with
 * msg_opaque. Errors at send: OFFLOG_EQUEUEFULL, OFFLOG_ETOOBIG (larger than
 * the whole queue, or than the limits of offlog_append()), OFFLOG_EINVAL,
 * OFFLOG_ENAME, OFFLOG_ESTATE (closing, or a producer of the parent process
 * after fork()), OFFLOG_EFENCED (a newer producer with the same id fenced
 * this one; nothing more of it is written). Errors of the append itself
 * (OFFLOG_ENOTOPIC, OFFLOG_ENOPART, a record over the topic's
 * max_message_bytes, a full disk) come through the callback. */
OFFLOG_API int offlog_producer_send(offlog_producer *producer, const char *topic,
                                   int32_t partition, const offlog_message *msg,
                                   void *msg_opaque);

/* Idempotent producer only: queue a record with an explicit sequence number
 * in its partition (partition must be a number, or OFFLOG_PARTITION_ANY
 * with a key). Sequence numbers of a (producer id, partition) count from 0
 * without gaps, shared with offlog_producer_send(). When the store already
 * holds `sequence`, nothing is appended and the report gives the original
 * offset with duplicate = 1: this is how records whose outcome was lost (a
 * crash before the report) are sent again safely, also after a restart with
 * the same producer_id. A sequence beyond the next expected one, or too old
 * to be remembered (the store keeps the last 32 runs of them), is reported
 * with OFFLOG_ESEQUENCE. A fenced producer's records are reported with
 * OFFLOG_EFENCED, resends too: only the newest producer with the id is
 * answered. Errors at send: those of offlog_producer_send(). */
OFFLOG_API int offlog_producer_send_sequenced(offlog_producer *producer, const char *topic,
                                             int32_t partition, int64_t sequence,
                                             const offlog_message *msg, void *msg_opaque);

/* Wait until every record sent so far is written and reported, at most
 * timeout_ms (-1 = no limit): OFFLOG_ETIMEDOUT otherwise. With
 * OFFLOG_DELIVERY_POLL the reports are served on the calling thread while it
 * waits, as offlog_producer_poll() does. OFFLOG_ESTATE for a producer of the
 * parent process after fork(), as every call below. */
OFFLOG_API int offlog_producer_flush(offlog_producer *producer, int timeout_ms);

/* OFFLOG_DELIVERY_POLL: run the delivery callback of every report waiting,
 * on the calling thread; when none waits, wait up to timeout_ms (0 = do not
 * wait, -1 = no limit) for the first. *served (may be NULL) receives the
 * number of reports served. Reports not yet served keep their records'
 * bytes counted against queue_bytes, as librdkafka's do: a producer that is
 * never polled fills up (OFFLOG_EQUEUEFULL, or a send that blocks). From the
 * delivery callback it is OFFLOG_ESTATE. OFFLOG_ESTATE with
 * OFFLOG_DELIVERY_THREAD. */
OFFLOG_API int offlog_producer_poll(size_t *served, offlog_producer *producer, int timeout_ms);

/* OFFLOG_DELIVERY_POLL: a file descriptor that is readable while delivery
 * reports wait to be served, for an event loop (epoll, poll(2), asyncio's
 * add_reader, libuv's uv_poll): when it is readable, call
 * offlog_producer_poll(p, 0). Only wait on it: the producer reads it (in
 * offlog_producer_poll()) and closes it (at close). OFFLOG_ESTATE with
 * OFFLOG_DELIVERY_THREAD. */
OFFLOG_API int offlog_producer_fd(int *fd, offlog_producer *producer);

/* The detail message of the last call on this producer that failed, on
 * whichever thread it ran (offlog_errmsg() is the calling thread's), e.g.
 * for a binding that made the call from a worker thread. "" when none has.
 * A copy in thread-local storage: valid until this thread calls it again. */
OFFLOG_API const char *offlog_producer_errmsg(offlog_producer *producer);

/* Close the producer: write and report what is queued (or, with
 * OFFLOG_PRODUCER_PURGE, report it as OFFLOG_EPURGED without writing), stop
 * its thread, free it. A batch being written when close is called completes
 * or fails as a whole; no partial batch is ever left in the store.
 * NULL is accepted. In a child process, closing a producer opened before
 * fork() only frees its memory: nothing is written or reported (the
 * producer's thread stayed in the parent). */
OFFLOG_API int offlog_producer_close(offlog_producer *producer, unsigned flags);

/* The producer's id (idempotent producers; 0 otherwise). */
OFFLOG_API int offlog_producer_id(uint64_t *producer_id, offlog_producer *producer);

/* The sequence number the next record of this idempotent producer for
 * topic/partition will get, as stored (records still queued not counted). */
OFFLOG_API int offlog_producer_next_sequence(int64_t *sequence, offlog_producer *producer,
                                            const char *topic, int32_t partition);

/* ------------------------------------------------------------------------ */
/* Reading without a consumer                                               */
/* ------------------------------------------------------------------------ */

/* The records of one fetch, with the snapshot that keeps them valid. */
typedef struct offlog_batch offlog_batch;

/* Read records of one partition starting at `offset` (or the next existing
 * record when offset falls in a gap), up to the high watermark, at most
 * max_records records (0 = 500) and about max_bytes bytes of keys, values and
 * headers (0 = 1 MiB; the first record is returned even if larger).
 * offset may be OFFLOG_OFFSET_BEGINNING, or OFFLOG_OFFSET_END (the high
 * watermark: an empty batch whose next offset is the high watermark; the
 * answer of a time lookup with no such record). An offset below log start
 * or beyond the log end offset is OFFLOG_ERANGE, with the valid range in
 * the detail; an offset at or past the high watermark gives an empty batch.
 *
 * *batch owns the records and holds a read snapshot (which keeps old pages
 * of the store from being reused). Pass *batch = NULL to get a new batch, or
 * a batch from an earlier call to reuse it: its previous records become
 * invalid. Free it with offlog_batch_free(). */
OFFLOG_API int offlog_fetch(offlog_batch **batch, offlog_env *env, const char *topic,
                            int32_t partition, int64_t offset, size_t max_records,
                            size_t max_bytes);

/* The records of a batch (array owned by the batch, valid until the batch is
 * reused or freed), their number, and the offset to fetch next (last record
 * + 1, or past a trailing gap). Any out pointer may be NULL. */
OFFLOG_API int offlog_batch_records(const offlog_record **records, size_t *count,
                                    int64_t *next_offset, const offlog_batch *batch);

/* Free a batch and release its snapshot. NULL is accepted. */
OFFLOG_API void offlog_batch_free(offlog_batch *batch);

/* A (topic, partition) pair. */
typedef struct offlog_topic_partition {
	const char *topic;
	int32_t partition;
} offlog_topic_partition;

/* A (topic, partition, offset) entry of a list, with an optional commit
 * metadata string and a per-entry result code set by the call. */
typedef struct offlog_partition_offset {
	const char *topic;
	int32_t partition;
	int64_t offset;
	const char *metadata; /* commit calls only: NULL or at most OFFLOG_METADATA_MAX bytes */
	int err;              /* out: 0 or the OFFLOG_E* code of this entry */
} offlog_partition_offset;

#define OFFLOG_PARTITION_TIME_VERSION 1

/* One entry of offlog_offsets_for_times_v2(): the timestamp asked about and
 * the offset found, each in a field of its own. Fields are only ever added
 * at the end; `version` says which the caller knows, and so the size of
 * every entry: all entries of one list carry the same version (an entry
 * whose version differs from the first's fails with OFFLOG_EINVAL). */
typedef struct offlog_partition_time {
	unsigned int version;     /* OFFLOG_PARTITION_TIME_VERSION */
	const char *topic;
	int32_t partition;
	int64_t timestamp;        /* in: ms since the epoch (>= 0), or OFFLOG_OFFSET_BEGINNING
	                             / OFFLOG_OFFSET_END as in Kafka's ListOffsets */
	int64_t offset;           /* out: the earliest readable offset whose timestamp is >=
	                             `timestamp`, or OFFLOG_OFFSET_END when there is none; for
	                             BEGINNING / END: the log start / the high watermark */
	int64_t record_timestamp; /* out: the timestamp of the record at `offset` (Kafka's
	                             OffsetAndTimestamp), or -1 when no record was looked up:
	                             offset END, or a BEGINNING / END query */
	int err;                  /* out: 0 or the OFFLOG_E* code of this entry */
} offlog_partition_time;

/* An entry asking about `timestamp` on topic/partition, outputs unset. */
#define OFFLOG_PARTITION_TIME_INIT(topic, partition, timestamp) \
	{ OFFLOG_PARTITION_TIME_VERSION, (topic), (partition), (timestamp), OFFLOG_OFFSET_INVALID, \
	  -1, 0 }

/* Kafka's offsetsForTimes: for each entry, the earliest offset below the
 * high watermark whose record has a timestamp >= the entry's `timestamp`.
 * When no readable record has one (the timestamp is later than every
 * record's, or the partition is empty) the answer is OFFLOG_OFFSET_END, as
 * Kafka answers null and librdkafka -1: seeking to it, or fetching from it,
 * means the end. Correct when producer timestamps are not monotonic;
 * O(log n) through the time index. As in Kafka's ListOffsets, the timestamp
 * -2 (OFFLOG_OFFSET_BEGINNING) asks for the log start offset and -1
 * (OFFLOG_OFFSET_END) for the high watermark, as numbers; other negative
 * timestamps are OFFLOG_EINVAL. All entries are answered from one snapshot.
 * Entries that fail get their `err` set and the call returns the first
 * error. Errors: OFFLOG_EINVAL (NULL list with a count, a version not
 * supported: nothing is written then), OFFLOG_ENOTOPIC, OFFLOG_ENOPART. */
OFFLOG_API int offlog_offsets_for_times_v2(offlog_env *env, offlog_partition_time *list,
                                           size_t count);

/* The older form of offlog_offsets_for_times_v2(), kept for the callers
 * built against it: on input each entry's `offset` holds the timestamp, and
 * on output the answer, the same as offlog_offsets_for_times_v2()'s
 * (OFFLOG_OFFSET_END when no record is at or after the timestamp);
 * `metadata` is not used. */
OFFLOG_API int offlog_offsets_for_times(offlog_env *env, offlog_partition_offset *list,
                                        size_t count);

/* ------------------------------------------------------------------------ */
/* Committed offsets                                                        */
/* ------------------------------------------------------------------------ */

#define OFFLOG_COMMITTED_VERSION 1

/* A committed offset: "the next offset to read" for (group, topic, partition).
 * The caller sets `version` (OFFLOG_COMMITTED_INIT does); the library fills
 * the fields that version has. */
typedef struct offlog_committed {
	unsigned int version;    /* in: OFFLOG_COMMITTED_VERSION */
	int64_t offset;          /* OFFLOG_OFFSET_INVALID when nothing is committed */
	int64_t commit_time_ms;  /* when it was committed; 0 when nothing is */
	size_t metadata_len;
	char metadata[OFFLOG_METADATA_MAX + 1]; /* NUL-terminated */
} offlog_committed;

#define OFFLOG_COMMITTED_INIT { OFFLOG_COMMITTED_VERSION, OFFLOG_OFFSET_INVALID, 0, 0, { 0 } }

/* The committed offset of a group for one partition, read without a consumer.
 * Nothing committed is not an error: out->offset is OFFLOG_OFFSET_INVALID.
 * OFFLOG_EINVAL when out->version is 0 or newer than the library's. */
OFFLOG_API int offlog_group_committed(offlog_committed *out, offlog_env *env, const char *group,
                                      const char *topic, int32_t partition);

/* ------------------------------------------------------------------------ */
/* Consumers                                                                */
/* ------------------------------------------------------------------------ */

/* A consumer: a set of assigned partitions, a position in each, and a group
 * whose committed offsets it reads and writes.
 *
 * Used by one thread at a time, any thread. A call made while another
 * thread is inside a call on the same consumer fails at once with
 * OFFLOG_ESTATE ("consumer used from two threads at once") and changes
 * nothing, rather than corrupt it: every function taking a consumer checks
 * this. What is not detected: calls
 * that do not overlap in time but come from threads that do not
 * synchronise with each other (the application must order them, e.g. with
 * a mutex or a queue), and use of records of a poll by another thread after
 * the consumer moved on. Callbacks run inside a call on the consumer, on the
 * thread that made it: from a callback the consumer may be used except for
 * offlog_consumer_poll(), _assign(), _subscribe(), _unsubscribe() and
 * _close(), which fail with OFFLOG_ESTATE there.
 *
 * In a child process, a consumer opened before fork() fails every call with
 * OFFLOG_ESTATE at once, and offlog_consumer_close() only frees its memory:
 * it does not commit, leave the group or touch the store (the parent's
 * consumer is unaffected). */
typedef struct offlog_consumer offlog_consumer;

/* auto.offset.reset: where to start when a partition has no committed offset,
 * or when the position or committed offset is out of range. */
enum offlog_reset {
	OFFLOG_RESET_LATEST = 0,      /* the high watermark (Kafka's default) */
	OFFLOG_RESET_EARLIEST = 1,    /* the log start offset */
	OFFLOG_RESET_NONE = 2,        /* fail: OFFLOG_ENOOFFSET or OFFLOG_ERANGE */
	OFFLOG_RESET_BY_DURATION = 3  /* first offset with timestamp >= now - reset_duration_ms */
};

/* How far a consumer reads. */
enum offlog_isolation {
	OFFLOG_ISOLATION_DURABLE = 0,  /* up to the high watermark (default) */
	OFFLOG_ISOLATION_COMMITTED = 1 /* up to the log end offset: committed appends that a
	                                  power loss could still take back in a deferred mode */
};

/* How a group's partitions are shared among its members (subscribe). */
enum offlog_assignor {
	OFFLOG_ASSIGNOR_RANGE = 0,      /* per topic, contiguous ranges; Kafka's RangeAssignor
	                                   (eager: see offlog_consumer_subscribe) */
	OFFLOG_ASSIGNOR_ROUNDROBIN = 1, /* all partitions dealt in turn; RoundRobinAssignor
	                                   (eager) */
	OFFLOG_ASSIGNOR_COOPERATIVE_STICKY = 2 /* balanced, partitions stay where they are: only
	                                          the moved ones are revoked */
};

/* A rebalance callback: called on the consumer's thread, inside
 * offlog_consumer_poll(), offlog_consumer_unsubscribe() or close. The array
 * is valid during the call. The consumer may be used in the callback (commit,
 * position, seek), except for poll, assign, subscribe, unsubscribe and close
 * (OFFLOG_ESTATE).
 *
 * The three callbacks of offlog_consumer_options (on_assigned, on_revoked,
 * on_lost) have this one type and share one opaque pointer
 * (rebalance_opaque). Which event a call reports is told by which function
 * is called, not by an argument: give each field its own function. To
 * handle the events in one place, let three small functions pass the
 * event on:
 *
 *     enum app_event { APP_ASSIGNED, APP_REVOKED, APP_LOST };
 *     static void app_rebalance(struct app *a, enum app_event ev, offlog_consumer *c,
 *                               const offlog_topic_partition *tps, size_t n);
 *     static void app_assigned(void *o, offlog_consumer *c,
 *                              const offlog_topic_partition *tps, size_t n)
 *     { app_rebalance(o, APP_ASSIGNED, c, tps, n); }
 *     (app_revoked and app_lost alike)
 *     opts.on_assigned = app_assigned; opts.on_revoked = app_revoked;
 *     opts.on_lost = app_lost; opts.rebalance_opaque = &app; */
typedef void (*offlog_rebalance_cb)(void *opaque, offlog_consumer *consumer,
                                    const offlog_topic_partition *partitions, size_t count);

/* Records removed (retention, offlog_delete_records()) before the consumer
 * read them: offsets first..last of the partition. Called on the consumer's
 * thread inside offlog_consumer_poll(), which then applies the reset policy
 * (with policy "none" the poll fails with OFFLOG_ERANGE instead, its detail
 * message naming the same range). The consumer may be used in it as in a
 * rebalance callback. */
typedef void (*offlog_records_lost_cb)(void *opaque, offlog_consumer *consumer,
                                       const char *topic, int32_t partition, int64_t first,
                                       int64_t last);

#define OFFLOG_CONSUMER_OPTIONS_VERSION 2

typedef struct offlog_consumer_options {
	unsigned int version;             /* OFFLOG_CONSUMER_OPTIONS_VERSION */
	int auto_offset_reset;            /* enum offlog_reset; default LATEST */
	int64_t reset_duration_ms;        /* for OFFLOG_RESET_BY_DURATION */
	int enable_auto_commit;           /* default 1, as in Kafka; ignored without a group */
	uint32_t auto_commit_interval_ms; /* default 5000 */
	uint32_t max_poll_records;        /* default 500 */
	uint64_t max_poll_bytes;          /* keys + values + headers per poll (at least one
	                                     record is returned); default 52428800 */
	int isolation;                    /* enum offlog_isolation; default DURABLE */
	/* Version 2: group membership (offlog_consumer_subscribe). */
	uint32_t session_timeout_ms;      /* default 45000: a member not heard from for this
	                                     long (killed, hung) is removed from the group */
	uint32_t heartbeat_interval_ms;   /* default 3000; less than session_timeout_ms */
	uint32_t max_poll_interval_ms;    /* default 300000: a member that does not poll for
	                                     this long is removed from the group */
	int assignor;                     /* enum offlog_assignor; default RANGE. Members of a
	                                     group agree: the last one to join sets it */
	const char *group_instance_id;    /* static membership (NULL: dynamic): copied at open.
	                                     A second member joining with the same id takes
	                                     over; the first is fenced: its poll and commits
	                                     fail with OFFLOG_EFENCED from then on */
	offlog_rebalance_cb on_assigned;  /* partitions this member now owns (eager assignors:
	                                     its whole assignment, once per generation) */
	offlog_rebalance_cb on_revoked;   /* partitions it gives up (commits still allowed) */
	offlog_rebalance_cb on_lost;      /* partitions it lost without revoking them: it was
	                                     removed from the group; commits are fenced */
	void *rebalance_opaque;           /* first argument of the three callbacks; how to
	                                     tell them apart: see offlog_rebalance_cb */
	offlog_records_lost_cb on_records_lost; /* NULL: not reported */
	void *records_lost_opaque;        /* its first argument */
} offlog_consumer_options;

#define OFFLOG_CONSUMER_OPTIONS_INIT \
	{ OFFLOG_CONSUMER_OPTIONS_VERSION, OFFLOG_RESET_LATEST, 0, 1, 5000, 500, 52428800, \
	  OFFLOG_ISOLATION_DURABLE, 45000, 3000, 300000, OFFLOG_ASSIGNOR_RANGE, NULL, NULL, NULL, \
	  NULL, NULL, NULL, NULL }

/* Fill *opts with the defaults (same as OFFLOG_CONSUMER_OPTIONS_INIT). */
OFFLOG_API int offlog_consumer_options_init(offlog_consumer_options *opts);

/* Open a consumer. group may be NULL for a consumer that never commits (its
 * reset policy then always applies); otherwise a valid group id.
 * opts may be NULL for defaults. Free with offlog_consumer_close().
 * OFFLOG_ESTATE for a store handle closed already, or opened before fork()
 * (in the parent process). */
OFFLOG_API int offlog_consumer_open(offlog_consumer **consumer, offlog_env *env,
                                    const char *group, const offlog_consumer_options *opts);

/* Close a consumer. Outstanding asynchronous commits finish first; then,
 * with auto-commit enabled, its positions are committed (the close still
 * happens if that commit fails; its code is returned); the asynchronous
 * commits' callbacks run. A subscribed dynamic member then revokes its
 * partitions and leaves the group at once (a rebalance follows); a static
 * member (group_instance_id) stays in the group until its session times out,
 * so that, restarted within that time, it gets its partitions back without a
 * rebalance. Commits made by on_revoked finish and their callbacks run.
 * Its records become invalid. NULL is accepted.
 * Refused, the consumer staying open: OFFLOG_ESTATE from a callback or while
 * another thread uses the consumer; OFFLOG_ETXN when the calling thread has
 * a transaction open on the store and the close would commit, leave the
 * group or wait for asynchronous commits (all of which wait for that
 * transaction): close it after the transaction ends. A consumer inherited
 * across fork() is only freed (see offlog_consumer). */
OFFLOG_API int offlog_consumer_close(offlog_consumer *consumer);

/* Replace the assignment with `count` partitions (manual assignment, as
 * Kafka's assign(); OFFLOG_ESTATE while subscribed). A partition that was
 * assigned before and stays assigned keeps its position and its paused
 * state, as in Kafka: progress not yet committed is not read again. A
 * partition new to the assignment starts unknown: the first poll starts at
 * the committed offset or, without one, where the reset policy says (to
 * start elsewhere, seek after assigning: offlog_topic_partition carries no
 * offset; OFFLOG_OFFSET_TAIL(n) for the last n). One given up is forgotten:
 * assigned again later, it starts unknown. With auto-commit the old
 * assignment's positions are committed first. count 0 unassigns
 * everything. Errors: OFFLOG_ENOTOPIC, OFFLOG_ENOPART, OFFLOG_EINVAL (a
 * duplicate entry), OFFLOG_ESTATE (from a callback); the assignment is then
 * unchanged. */
OFFLOG_API int offlog_consumer_assign(offlog_consumer *consumer,
                                      const offlog_topic_partition *partitions, size_t count);

/* The current assignment (manual, or the partitions this group member owns):
 * an array owned by the consumer, valid until it next changes (assign, poll,
 * unsubscribe) or close. */
OFFLOG_API int offlog_consumer_assignment(const offlog_topic_partition **partitions,
                                          size_t *count, offlog_consumer *consumer);

/* Return the next records of the assigned, unpaused partitions: from each in
 * offset order, partitions served in turn. Waits up to timeout_ms (0 = do not
 * wait, -1 = forever) when nothing is readable. A timeout is not an error:
 * *count is 0. Each returned record moves its partition's position to its
 * offset + 1.
 *
 * *records is an array owned by the consumer. It and every pointer in it
 * (zero copy, into the store's map) stay valid until the next poll,
 * offlog_consumer_assign(), offlog_consumer_release() or close of this
 * consumer. While valid, they hold a read snapshot: release promptly when
 * idle. A failed auto-commit inside poll is not reported; it is retried at
 * the next interval.
 *
 * Errors (no record is returned and no position moves): with reset policy
 * "none", OFFLOG_ENOOFFSET when a partition has no committed offset and
 * OFFLOG_ERANGE when its offset is out of range, i.e. below the log start or
 * beyond the log end offset (the detail names that range; an offset between
 * the high watermark and the log end offset is in range and simply has
 * nothing readable yet); OFFLOG_ENOTOPIC / OFFLOG_ENOPART when an assigned
 * partition was deleted; OFFLOG_ESTATE when called from a callback, while
 * another thread uses the consumer, or for a consumer inherited across
 * fork() (the last two: of every consumer function). */
OFFLOG_API int offlog_consumer_poll(const offlog_record **records, size_t *count,
                                    offlog_consumer *consumer, int timeout_ms);

/* Release the records of the last poll and the snapshot they hold. */
OFFLOG_API int offlog_consumer_release(offlog_consumer *consumer);

/* Make a poll of this consumer that is waiting return at once with
 * OFFLOG_EWAKEUP, or, when none is waiting, the next one (as Kafka's
 * wakeup()). Positions do not move; the poll after that one is a normal
 * poll. Callable from any thread, and from a signal handler (it only stores
 * a flag, bumps the store's wake-up counter and makes a wake-up system
 * call; errno is kept), also while another thread is inside a call on the
 * consumer, but not during or after its close. The store's other waiting
 * consumers, in any process, wake too, look, and wait again. Makes the
 * consumer's descriptor (offlog_consumer_fd()) readable. */
OFFLOG_API int offlog_consumer_wakeup(offlog_consumer *consumer);

/* A file descriptor that becomes readable when records may be available to
 * the consumer (a commit in any process of the store, including by one
 * that does not write the consumer's partitions; an assign, resume, seek
 * or subscribe of the consumer) or after offlog_consumer_wakeup(), for an
 * event loop (epoll, poll(2), asyncio's add_reader, libuv's uv_poll). Where
 * the store has no shared wake-up file (a read-only directory), commits of
 * other processes are noticed within 10 ms. When it is readable, call
 * offlog_consumer_poll(c, &r, &n, 0) until it returns no record, then wait
 * again: poll reads the descriptor, and records left after a poll (more
 * than max_poll_records) do not make it readable. A group member must still
 * poll within max_poll_interval_ms and heartbeats run inside poll: poll at
 * least every heartbeat_interval_ms (a timer) while waiting on it. The
 * descriptor is the consumer's: only wait on it; close closes it. Created at
 * the first call, with a thread of the store that watches for commits
 * (one for all the consumers of a store handle). */
OFFLOG_API int offlog_consumer_fd(int *fd, offlog_consumer *consumer);

/* The detail message of the last call on this consumer that failed, on
 * whichever thread it ran (offlog_errmsg() is the calling thread's), e.g.
 * for a binding that made the call from a worker thread. "" when none has.
 * Valid until the consumer's next failing call or close. */
OFFLOG_API const char *offlog_consumer_errmsg(offlog_consumer *consumer);

/* The position of an assigned partition: the offset of the next record poll
 * will return. When not yet known it is resolved as the next poll would
 * (committed offset, else the reset policy), which may fail the same way.
 * OFFLOG_ESTATE if the partition is not assigned. */
OFFLOG_API int offlog_consumer_position(int64_t *offset, offlog_consumer *consumer,
                                        const char *topic, int32_t partition);

/* Set the position of an assigned partition. offset is an absolute offset
 * (>= 0; if out of range, the next poll applies the reset policy),
 * OFFLOG_OFFSET_BEGINNING, OFFLOG_OFFSET_END, OFFLOG_OFFSET_TAIL(n) (n
 * records before the end, at most back to the log start; resolved now) or
 * OFFLOG_OFFSET_STORED (the committed offset, else the reset policy). Never
 * changes the committed offset. Here and in the reset policy "end" and
 * "latest" mean the end the consumer reads to: the high watermark, or the
 * log end offset with OFFLOG_ISOLATION_COMMITTED. Errors: OFFLOG_ESTATE
 * (not assigned), OFFLOG_EOFFSET (another negative offset), and for
 * BEGINNING, END and TAIL OFFLOG_ENOTOPIC / OFFLOG_ENOPART. */
OFFLOG_API int offlog_consumer_seek(offlog_consumer *consumer, const char *topic,
                                    int32_t partition, int64_t offset);

/* Seek to the earliest offset whose timestamp is >= timestamp_ms; when no
 * record has one (the time lookup's answer is OFFLOG_OFFSET_END), to the end
 * (as for offlog_consumer_seek()). timestamp_ms < 0 is OFFLOG_EINVAL. */
OFFLOG_API int offlog_consumer_seek_timestamp(offlog_consumer *consumer, const char *topic,
                                              int32_t partition, int64_t timestamp_ms);

/* Shift the position by delta (negative moves back), clamped to
 * [log start, end] (end as for offlog_consumer_seek()). */
OFFLOG_API int offlog_consumer_seek_relative(offlog_consumer *consumer, const char *topic,
                                             int32_t partition, int64_t delta);

/* Stop / restart returning records from assigned partitions. Positions are
 * kept. OFFLOG_ESTATE for a partition that is not assigned. */
OFFLOG_API int offlog_consumer_pause(offlog_consumer *consumer,
                                     const offlog_topic_partition *partitions, size_t count);
OFFLOG_API int offlog_consumer_resume(offlog_consumer *consumer,
                                      const offlog_topic_partition *partitions, size_t count);

/* Commit the current position of every assigned partition whose position is
 * known, durably (per the durability mode) and atomically. Skipped, not
 * failed: a position beyond the log end offset (after a seek there; the next
 * poll applies the reset policy) and a partition whose topic was deleted (or
 * deleted and created again, where the old position means nothing).
 * OFFLOG_ESTATE if the consumer has no group. A subscribed member commits
 * only partitions it owns: OFFLOG_EFENCED (nothing committed) once it was
 * removed from the group; committing in the on_revoked callback succeeds.
 *
 * Commit order: a consumer's commits take effect in the order they are
 * made, so an older one never overwrites a newer one. This and every other
 * synchronous commit of the consumer (offlog_consumer_commit_offsets(), the
 * auto-commit in poll and close, the commit before partitions are revoked)
 * first waits until the asynchronous commits made before it are written,
 * and returns after their callbacks ran; with some still to write, a thread
 * that has a transaction open (which they wait for) gets OFFLOG_ETXN. */
OFFLOG_API int offlog_consumer_commit(offlog_consumer *consumer);

/* Completion of an asynchronous commit: err is 0 or the commit's code and
 * errmsg its detail message ("" when err is 0; offlog_errmsg() does not
 * describe it); offsets (count entries) are what was committed or
 * attempted, each entry's `err` set. errmsg and offsets are valid during
 * the call. */
typedef void (*offlog_commit_cb)(void *opaque, int err, const char *errmsg,
                                 const offlog_partition_offset *offsets, size_t count);

/* Commit the current positions (which ones: as offlog_consumer_commit())
 * without waiting: a background thread of the consumer writes them.
 * Commits take effect in the order they are made, before any later commit
 * of the consumer (see offlog_consumer_commit()); a partition given up in a
 * rebalance is given up after the asynchronous commits made while it was
 * owned. cb (may be NULL) is called, in the order the commits were made, on
 * the consumer's thread inside a later offlog_consumer_poll(),
 * offlog_consumer_commit_async(), offlog_consumer_commit(),
 * offlog_consumer_commit_offsets() or close (which waits for all of them);
 * the consumer may be used in it as in a rebalance callback.
 * OFFLOG_ESTATE if the consumer has no group, or when called from a
 * callback run by close. */
OFFLOG_API int offlog_consumer_commit_async(offlog_consumer *consumer, offlog_commit_cb cb,
                                            void *opaque);

/* Commit explicit offsets ("next offset to read") with optional metadata,
 * atomically (a subscribed member: only partitions it owns, else
 * OFFLOG_EFENCED). Each offset must be >= 0 (OFFLOG_EOFFSET) and at most the
 * partition's log end offset (OFFLOG_ERANGE); below log start is allowed and
 * simply out of range at the next read. Metadata longer than
 * OFFLOG_METADATA_MAX is OFFLOG_ETOOBIG. On error nothing is committed and
 * the failing entry's `err` says why. Waits for the asynchronous commits
 * made before, as offlog_consumer_commit(); count 0 commits nothing and only
 * waits for them. */
OFFLOG_API int offlog_consumer_commit_offsets(offlog_consumer *consumer,
                                              offlog_partition_offset *offsets, size_t count);

/* The consumer's group's committed offset for a partition (assigned or not).
 * OFFLOG_ESTATE for a consumer without a group; OFFLOG_EINVAL when
 * out->version is 0 or newer than the library's. */
OFFLOG_API int offlog_consumer_committed(offlog_committed *out, offlog_consumer *consumer,
                                         const char *topic, int32_t partition);

/* Lag of a partition. *lag = high watermark - committed offset, or
 * OFFLOG_LAG_UNKNOWN when nothing is committed; *position_lag = high
 * watermark - position (the consumer's own view), or OFFLOG_LAG_UNKNOWN when
 * the partition is not assigned or its position is not yet known. Never
 * negative otherwise. Either pointer may be NULL. */
OFFLOG_API int offlog_consumer_lag(int64_t *lag, int64_t *position_lag,
                                   offlog_consumer *consumer, const char *topic,
                                   int32_t partition);

/* ------------------------------------------------------------------------ */
/* Consumer groups: members sharing partitions                              */
/* ------------------------------------------------------------------------ */

/* Subscribe to `count` topics as a member of the consumer's group (Kafka's
 * subscribe()): the group's members, threads or processes using the same
 * store, share the partitions of the topics they subscribe to. The member
 * joins at once and a rebalance gives out the partitions anew; this member's
 * partitions then arrive in offlog_consumer_poll(), which calls on_assigned
 * (and on_revoked / on_lost as the group changes). A partition is never
 * owned by two members at once: a new owner takes it only after the old one
 * revoked it or was removed. Positions start at the committed offset, else
 * the reset policy. A topic that does not exist yet is assigned once it is
 * created (noticed at the next heartbeat), as are partitions added later.
 *
 * Rebalances. The eager assignors (range, round-robin) keep the barrier of
 * Kafka's eager protocol: in each rebalance every member first gives up
 * every partition it owns (on_revoked, after the auto-commit), and no member
 * takes a partition of the new generation before every member has done so
 * or was removed; then each member takes its whole new assignment at once,
 * in one on_assigned per generation. A member owning nothing has nothing to
 * give up and holds no one up. While a member waits at the barrier it owns
 * nothing and its polls return no records (a poll waits up to its timeout
 * and goes on as soon as the barrier is passed); it keeps heartbeating. A
 * member that does not give up its partitions (killed, or not polling)
 * holds the group up until it is removed, after session_timeout_ms or
 * max_poll_interval_ms; a new generation then starts without it. A
 * partition a member is given again after giving it up starts at the
 * committed offset: commit in on_revoked, or use auto-commit, to go on
 * where it was. With cooperative-sticky, a member gives up only the
 * partitions that move and reads the others on; it takes each new partition
 * as soon as its previous owner gave it up (an on_assigned each time).
 *
 * A member that takes over the partitions of a removed member gets them in
 * one on_assigned, at the generation that gives them (with an eager
 * assignor after it gave up what it owned, as in every rebalance): a
 * generation that starts while the member catches up is caught up with in
 * the same poll, and no partition is taken, given up and taken again: the
 * takeover delivers no record twice.
 *
 * While subscribed, a background thread of the consumer heartbeats;
 * members not heard from for session_timeout_ms, or not polling for
 * max_poll_interval_ms, are removed by the others, and their partitions
 * given out. A removed member learns it at its next poll: on_lost, then it
 * joins again as a new member.
 *
 * Calling it again replaces the subscription; count 0 is
 * offlog_consumer_unsubscribe(). Errors: OFFLOG_ESTATE (no group,
 * partitions assigned manually, or called from a callback), OFFLOG_ENAME,
 * OFFLOG_EINVAL (a duplicate topic). */
OFFLOG_API int offlog_consumer_subscribe(offlog_consumer *consumer, const char *const *topics,
                                         size_t count);

/* Revoke every owned partition (on_revoked, after the auto-commit) and
 * leave the group; a rebalance gives them to the others. Not subscribed:
 * nothing to do. OFFLOG_ESTATE from a callback. */
OFFLOG_API int offlog_consumer_unsubscribe(offlog_consumer *consumer);

/* The member id ("" when not subscribed) and the generation whose
 * assignment the member holds: it moves on when the member takes its
 * assignment of a newer generation (with cooperative-sticky: once it gave
 * up what moves), so on_assigned sees the generation it gives and
 * on_revoked the one whose partitions are given up; a member waiting at
 * the eager barrier still reports the previous one. -1 when not subscribed,
 * and after (re)joining until its first assignment. The string is owned by
 * the consumer and valid until it next changes (poll, subscribe,
 * unsubscribe) or close. Either pointer may be NULL. */
OFFLOG_API int offlog_consumer_member(const char **member_id, int64_t *generation,
                                      offlog_consumer *consumer);

/* One member of a group, as described by offlog_group_describe(). */
typedef struct offlog_group_member {
	const char *member_id;
	const char *instance_id;              /* NULL for a dynamic member */
	int32_t pid;                          /* its process */
	int64_t last_heartbeat_ms;            /* wall clock */
	const offlog_topic_partition *owned;  /* the partitions it owns now */
	size_t owned_count;
	const offlog_topic_partition *target; /* what the current generation gives it */
	size_t target_count;
	const char *const *subscription;      /* its topics */
	size_t subscription_count;
} offlog_group_member;

/* One partition of a group: subscribed by a member, or with a committed
 * offset. */
typedef struct offlog_group_partition {
	const char *topic;
	int32_t partition;
	int64_t committed;        /* OFFLOG_OFFSET_INVALID when none */
	int64_t log_start_offset;
	int64_t log_end_offset;
	int64_t high_watermark;
	int64_t lag;              /* high watermark - committed, or OFFLOG_LAG_UNKNOWN */
	const char *member_id;    /* its owner, or NULL */
} offlog_group_partition;

#define OFFLOG_GROUP_DESCRIPTION_VERSION 1

/* A group's description, allocated by the library, which sets `version`:
 * fields are only ever added at the end. offlog_group_member and
 * offlog_group_partition are elements of arrays and never change. */
typedef struct offlog_group_description {
	unsigned int version;     /* OFFLOG_GROUP_DESCRIPTION_VERSION of the library */
	const char *group;
	const char *state;        /* "Empty", "Stable" or "Rebalancing" (a member has not yet
	                             taken or given up what the current generation says) */
	int64_t generation;       /* 0 for a group that never had a member */
	int assignor;             /* enum offlog_assignor */
	const offlog_group_member *members;
	size_t member_count;
	const offlog_group_partition *partitions;   /* sorted by topic, partition */
	size_t partition_count;
} offlog_group_description;

/* Describe a group from one consistent snapshot: its live members and what
 * they own, its generation, and per partition the committed offset, the
 * watermarks and the lag. Members whose session expired are not listed.
 * OFFLOG_ENOENT for a group with neither members nor committed offsets.
 * Free with offlog_group_description_free(). */
OFFLOG_API int offlog_group_describe(offlog_group_description **description, offlog_env *env,
                                     const char *group);
OFFLOG_API void offlog_group_description_free(offlog_group_description *description);

/* The groups of the store (with members or committed offsets), sorted.
 * Free with offlog_names_free(). */
OFFLOG_API int offlog_group_list(char ***groups, size_t *count, offlog_env *env);

/* Delete a group: its committed offsets and membership state.
 * OFFLOG_EGROUPLIVE while it has live members; OFFLOG_ENOENT if it does not
 * exist. */
OFFLOG_API int offlog_group_delete(offlog_env *env, const char *group);

/* Where offlog_group_reset_offsets() moves each committed offset. The
 * values differ from enum offlog_reset's, so that passing one for the other
 * fails with OFFLOG_EINVAL instead of doing something else. */
enum offlog_reset_to {
	OFFLOG_RESET_TO_EARLIEST = 10,  /* the log start offset */
	OFFLOG_RESET_TO_LATEST = 11,    /* the high watermark */
	OFFLOG_RESET_TO_OFFSET = 12,    /* value */
	OFFLOG_RESET_TO_TIMESTAMP = 13, /* first offset with timestamp >= value (ms), else latest */
	OFFLOG_RESET_SHIFT_BY = 14,     /* committed offset + value (value may be negative);
	                                   without a committed offset: from the latest */
	OFFLOG_RESET_TO_CURRENT = 15,   /* the committed offset as it is (else latest) */
	OFFLOG_RESET_TO_LISTED = 16     /* each entry's own `offset` (an input here; >= 0),
	                                   as kafka-consumer-groups.sh --from-file */
};

/* Flags of offlog_group_reset_offsets(). */
#define OFFLOG_RESET_DRY_RUN 0x100u /* compute the new offsets, write nothing */
#define OFFLOG_RESET_FORCE 0x200u   /* even while the group has live members */

/* Reset a group's committed offsets for the `count` partitions in list
 * (topic and partition set; offset and err are outputs), as
 * kafka-consumer-groups.sh --reset-offsets: the new offset is computed by
 * `to` (with `value`) and clamped to [log start, high watermark]; each
 * entry's offset gets it. All entries are checked first, then written in one
 * transaction; metadata is cleared. With OFFLOG_RESET_DRY_RUN nothing is
 * written. Errors: OFFLOG_EGROUPLIVE while the group has live members unless
 * OFFLOG_RESET_FORCE; OFFLOG_ENOTOPIC / OFFLOG_ENOPART (that entry's err);
 * OFFLOG_EINVAL for an unknown `to` or flag, or a negative offset or
 * timestamp (with OFFLOG_RESET_TO_LISTED: that entry's err). */
OFFLOG_API int offlog_group_reset_offsets(offlog_env *env, const char *group,
                                          offlog_partition_offset *list, size_t count, int to,
                                          int64_t value, unsigned flags);

/* ------------------------------------------------------------------------ */
/* Transactions: atomic appends and offset commits (local exactly-once)     */
/* ------------------------------------------------------------------------ */

/* A write transaction. Nothing done in it is visible to anyone until
 * offlog_txn_commit(); offlog_txn_abort() discards all of it. Only one write
 * transaction runs at a time in a store (across processes): others wait.
 * Used only by the thread that began it; while it is open, that thread's
 * other writes (appends, commits, topic changes, flush) fail with
 * OFFLOG_ETXN, since they would wait for the transaction itself. */
typedef struct offlog_txn offlog_txn;

/* Begin a transaction. OFFLOG_ETXN if this thread already has one open. */
OFFLOG_API int offlog_txn_begin(offlog_txn **txn, offlog_env *env);

/* Append a record inside the transaction; arguments as offlog_append().
 * The offset returned is final if the transaction commits. After a failed
 * call the transaction can still be committed (the failed append is not in
 * it), except after OFFLOG_EMAPFULL / OFFLOG_ENOSPC / OFFLOG_EIO /
 * OFFLOG_ESTOREFULL, which leave it failed: every later call returns
 * OFFLOG_ETXN and commit aborts. Retry the whole transaction (after
 * OFFLOG_EMAPFULL the map has been grown meanwhile). */
OFFLOG_API int offlog_txn_append(int64_t *offset, int32_t *partition_out, offlog_txn *txn,
                                 const char *topic, int32_t partition,
                                 const offlog_message *msg);

/* Commit offsets for `group` inside the transaction (rules as in
 * offlog_consumer_commit_offsets()). Unfenced: a group name is all it
 * checks, so a zombie (a member removed from the group while its work was
 * under way, its partitions given to another) can move the group's offsets
 * through it. A member of a group commits with
 * offlog_txn_commit_offsets_member() or offlog_txn_commit_consumer()
 * instead; this form is for consumers of manually assigned partitions. */
OFFLOG_API int offlog_txn_commit_offsets(offlog_txn *txn, const char *group,
                                         offlog_partition_offset *offsets, size_t count);

/* Commit offsets for `group` inside the transaction in the name of one
 * member of the group, fenced as offlog_txn_commit_consumer() is (Kafka's
 * sendOffsetsToTransaction() with the consumer's group metadata): for when
 * the consumer is not at hand, in another thread or process. member_id and
 * generation are what offlog_consumer_member() tells the member's consumer
 * (copy the id: the consumer's string changes). OFFLOG_EFENCED, every
 * entry's `err` set, when that member is no longer in the group (removed
 * after its session timed out or it stopped polling, or closed), holds
 * another generation (it caught up with a rebalance since), or does not own
 * one of the partitions. Other rules as in offlog_txn_commit_offsets().
 * count 0 commits nothing and only checks the member. A call that fails
 * writes nothing and leaves the transaction usable. Errors: OFFLOG_EINVAL
 * (member_id NULL, empty or longer than any member id; generation < -1),
 * OFFLOG_ENAME, OFFLOG_EFENCED, and those of offlog_txn_commit_offsets(). */
OFFLOG_API int offlog_txn_commit_offsets_member(offlog_txn *txn, const char *group,
                                                const char *member_id, int64_t generation,
                                                offlog_partition_offset *offsets,
                                                size_t count);

/* Commit the consumer's current positions for its group inside the
 * transaction (which positions: as offlog_consumer_commit()): the
 * consume-transform-produce step. The transaction holds the store's write
 * lock, so the consumer's asynchronous commits made before and not yet
 * written cannot be waited for: they are written in the transaction, in
 * order, before the positions, and take effect with it, or not at all if it
 * is aborted (their callbacks, run later as usual, report the outcome of
 * writing them in it: 0, or for instance OFFLOG_EFENCED). A fenced member's
 * call writes nothing and leaves the transaction usable. */
OFFLOG_API int offlog_txn_commit_consumer(offlog_txn *txn, offlog_consumer *consumer);

/* Commit the transaction: everything in it becomes visible at once, durable
 * per the durability mode. The handle is freed, also on failure (then
 * nothing of the transaction happened), except when called from another
 * thread than the one that began it: OFFLOG_ETXN, and nothing is done.
 * A transaction too large for one LMDB transaction fails with OFFLOG_ETOOBIG. */
OFFLOG_API int offlog_txn_commit(offlog_txn *txn);

/* Discard the transaction and free the handle. NULL is accepted. Must be
 * called by the thread that began the transaction. */
OFFLOG_API void offlog_txn_abort(offlog_txn *txn);

/* ------------------------------------------------------------------------ */
/* The ABI described, for bindings                                          */
/* ------------------------------------------------------------------------ */

/* A binding that declares the structs and constants of this header in
 * another language (ctypes, koffi, cgo, ...) checks its copy against the
 * library it loaded, or builds it from this description, instead of
 * trusting a hand copy.
 *
 * Structs come in three kinds (the README's "ABI" section):
 *  - versioned: a `version` field first, set by whoever allocates the
 *    struct (the caller for options and for offlog_store_info /
 *    offlog_committed; the library for offlog_topic_info,
 *    offlog_group_description and offlog_delivery); fields are only added
 *    at the end, and a version says which exist;
 *  - frozen: the elements of arrays (offlog_record, offlog_message,
 *    offlog_header, offlog_topic_partition, offlog_partition_offset,
 *    offlog_partition_info, offlog_group_member, offlog_group_partition):
 *    never changed while OFFLOG_ABI_MAJOR stays;
 *  - opaque handles (offlog_env, offlog_consumer, ...): pointers only. */

/* The whole description as one JSON document, static, never NULL:
 *   {"abi": 1, "version": "0.2.0", "soname": "libofflog.so.1",
 *    "pointer_size": 8,
 *    "structs": {"offlog_record": {"size": 88, "version": null,
 *       "fields": [{"name": "topic", "offset": 0, "size": 8, "type": "pointer"}, ...]}, ...},
 *    "constants": {"OFFLOG_EINVAL": -1, ...}}
 * A field's type is one of int8..int64, uint8..uint64, size, pointer,
 * char[N], or struct NAME (another struct of the description); an int or
 * enum field is int32 (the library asserts that int has 32 bits). "version"
 * is the struct's current version number, null for frozen structs. Every
 * constant of this header that a binding needs (error codes, special
 * offsets, flags, enums, limits, struct versions) is in "constants";
 * OFFLOG_OFFSET_TAIL(n) is there as OFFLOG_OFFSET_TAIL_BASE. See
 * offlog_abi_describe(3). */
OFFLOG_API const char *offlog_abi_describe(void);

/* The size of one struct of this header ("offlog_record"), and the offset
 * of one of its fields: OFFLOG_EINVAL for a name the library does not
 * know. */
OFFLOG_API int offlog_abi_sizeof(size_t *size, const char *type);
OFFLOG_API int offlog_abi_offsetof(size_t *offset, const char *type, const char *field);

/* The value of one constant of this header ("OFFLOG_OFFSET_END"):
 * OFFLOG_EINVAL for a name the library does not know. The one constant
 * beyond INT64_MAX, OFFLOG_PRODUCER_ID_STORE_MIN (2^63), is given as its
 * bits (INT64_MIN; read them as a uint64_t); the document has its value. */
OFFLOG_API int offlog_abi_constant(int64_t *value, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* OFFLOG_H */
