/* verify.h - LMDB's meta pages and the check of its data file (verify.c). */
#ifndef OFFLOG_VERIFY_H
#define OFFLOG_VERIFY_H

#include "internal.h"

#include <sys/types.h>

/* LMDB 0.9's file layout, which is the host's: its byte order, and page
 * numbers, counts and transaction ids the size of a size_t. LMDB reads only
 * files of its own layout, so a store is not portable between word sizes
 * or byte orders. A page: its number, 2 bytes of pad, 2 of flags, then
 * the node table's bounds (or an overflow run's page count). A table
 * record: 4 bytes of pad, flags and depth (2 each), then 5 words, the root
 * last. A meta page: magic, version, address, map size, the two table
 * records, the last page, the transaction id. */
#define LMDB_META_MAGIC 0xBEEFC0DEu
#define LMDB_DATA_VERSION 1
#if SIZE_MAX > 0xffffffffu
#define LMDB_WORD 8
#else
#define LMDB_WORD 4
#endif
#define LMDB_PAGEHDR (LMDB_WORD + 8)
#define LMDB_PAGE_FLAGS (LMDB_WORD + 2)
#define LMDB_DB_SIZE (8 + 5 * LMDB_WORD)
#define LMDB_DB_ROOT (8 + 4 * LMDB_WORD)
#define LMDB_META_MAPSIZE (LMDB_PAGEHDR + 8 + LMDB_WORD)
#define LMDB_META_DBS (LMDB_PAGEHDR + 8 + 2 * LMDB_WORD)
#define LMDB_META_LAST (LMDB_META_DBS + 2 * LMDB_DB_SIZE)
#define LMDB_META_TXNID (LMDB_META_LAST + LMDB_WORD)
#define LMDB_META_END (LMDB_META_TXNID + LMDB_WORD)

/* A word of LMDB's file at p, in the host's byte order. */
static inline uint64_t ol_get_word(const uint8_t *p)
{
	size_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* The first page of a data file, open as fd: 0 when it is an LMDB meta
 * page of this build's layout (*mapsize: the map size it records),
 * OFFLOG_EPLATFORM when it is one of another word size or byte order (a
 * store made on another kind of machine), OFFLOG_ENOTSTORE otherwise. */
int meta_probe(int fd, const char *file, uint64_t *mapsize);

/* The newer of a data file's two meta pages; tables: 0 free list, 1 main. */

typedef struct ol_meta {
	uint32_t psize;
	uint64_t last;       /* last page in use */
	uint64_t txnid;
	uint64_t root[2];    /* UINT64_MAX: empty */
	uint16_t flags[2];
	uint16_t depth[2];
} ol_meta;

/* Read and check both meta pages of the data file open as fd, `size` bytes
 * long: magic, one page size, the pages in use inside the file. Refuses
 * with OFFLOG_ECORRUPT what would send LMDB past the end of its map. *m is
 * the newest meta page, or with want != OL_META_NEWEST the one of that
 * transaction: 1 when neither page holds it (the file has moved on). */
#define OL_META_NEWEST UINT64_MAX
int meta_read(int fd, off_t size, const char *file, uint64_t want, ol_meta *m);
/* Check the snapshot of transaction txnid, which the caller keeps from
 * being reused (a read transaction): with `full` (OFFLOG_OPEN_VERIFY) the
 * structure of every tree; always, that the pages past the end of the file,
 * if it ends before the meta page's last page (LMDB leaves pages it
 * allocated and freed in one transaction unwritten), are all on the free
 * list, as a truncated file's are not. 0, an OFFLOG_E* code, or 1 when the
 * file no longer holds that snapshot. */
int verify_data_file(const char *file, uint64_t txnid, bool full);

#endif
