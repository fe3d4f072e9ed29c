/*
 * verify.c - a structural check of a store's data file before LMDB maps it
 * (offlog_open with OFFLOG_OPEN_VERIFY).
 *
 * LMDB trusts the pages it reads: a damaged page number, node offset or
 * size sends it outside the map or its buffers. This walk reads every page
 * reachable from the newest meta page with pread, never through a map, and
 * checks what LMDB relies on: each page's number and kind, its node table
 * inside the page, every key and value inside its page, every child and
 * overflow page inside the file and reached once, tree depths within LMDB's
 * cursor stack, and the free list's page numbers in range and not in use.
 * It costs one read of the file. Layout: LMDB 0.9's, which is the host's
 * word size and byte order (verify.h); a file of another layout is
 * refused before any of this (meta_probe).
 */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGEHDR LMDB_PAGEHDR
#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define F_BIGDATA 0x01
#define F_SUBDATA 0x02
#define F_DUPDATA 0x04
#define NODEHDR 8
#define MAX_DEPTH 30     /* LMDB's cursor stack holds 32 pages */
#define MAX_TABLES 32
#define MAX_KEY 511      /* LMDB's longest key */

enum { K_MAIN, K_TABLE, K_FREE };

typedef struct walk {
	int fd;
	uint32_t psize;
	uint64_t npages;   /* pages in the file */
	uint64_t last;     /* the meta page's last page in use */
	uint8_t *seen;     /* a bit per page */
	uint64_t txnid;    /* the newest meta page's transaction */
	int leaf_depth;    /* of the tree being walked: every leaf at the same depth */
	uint32_t nodemax;  /* the largest node LMDB keeps in a page */
	const char *file;
} walk;

typedef struct dbrec {
	uint16_t flags;
	uint16_t depth;
	uint64_t root;
} dbrec;

/* Fields in the host's byte order, at any alignment. */
static uint16_t u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* A tree's root: LMDB's "none" is a word of ones, UINT64_MAX here. */
static uint64_t root_at(const uint8_t *p)
{
	uint64_t r = ol_get_word(p);
	return r == (uint64_t)SIZE_MAX ? UINT64_MAX : r;
}

/* A node's data size, or a branch node's child page: 32 bits at its start
 * (two 16-bit halves, the low one first in memory on a little-endian
 * host), on a 64-bit host 16 more in the flags' place. */
static uint32_t node_dsize(const uint8_t *node)
{
	return u32(node);
}

static uint64_t node_child(const uint8_t *node)
{
#if LMDB_WORD == 8
	return u32(node) | (uint64_t)u16(node + 4) << 32;
#else
	return u32(node);
#endif
}

static int bad(const walk *w, uint64_t pgno, const char *what)
{
	return ol_err(OFFLOG_ECORRUPT, "%s is damaged: page %llu: %s", w->file,
	              (unsigned long long)pgno, what);
}

static bool seen(const walk *w, uint64_t pgno)
{
	return w->seen[pgno / 8] & (1u << (pgno % 8));
}

static void mark(walk *w, uint64_t pgno)
{
	w->seen[pgno / 8] |= (uint8_t)(1u << (pgno % 8));
}

static int read_page(walk *w, uint64_t pgno, uint8_t *buf)
{
	if (pgno < 2 || pgno > w->last || pgno >= w->npages)
		return bad(w, pgno, "page number out of range");
	if (seen(w, pgno))
		return bad(w, pgno, "page reached twice");
	mark(w, pgno);
	if (pread(w->fd, buf, w->psize, (off_t)(pgno * w->psize)) != (ssize_t)w->psize)
		return bad(w, pgno, "cannot be read");
	if (ol_get_word(buf) != pgno)
		return bad(w, pgno, "holds another page's number");
	return 0;
}

static int mark_overflow(walk *w, uint64_t pgno, uint64_t data_size)
{
	uint8_t *buf = malloc(w->psize);
	if (!buf)
		return ol_err(OFFLOG_ENOMEM, "verify: out of memory");
	int rc = read_page(w, pgno, buf);
	uint32_t pages = rc ? 0 : u32(buf + PAGEHDR - 4);
	/* Exactly: a page marked dirty would be written through the map. */
	if (rc == 0 && u16(buf + LMDB_PAGE_FLAGS) != P_OVERFLOW)
		rc = bad(w, pgno, "an overflow page of the wrong kind");
	else if (rc == 0 && (pages == 0 || pgno + pages - 1 > w->last || pgno + pages > w->npages ||
	                     (uint64_t)pages * w->psize - PAGEHDR < data_size))
		rc = bad(w, pgno, "overflow run out of range");
	for (uint64_t p = pgno + 1; rc == 0 && p < pgno + pages; p++) {
		if (seen(w, p))
			rc = bad(w, p, "page reached twice");
		mark(w, p);
	}
	free(buf);
	return rc;
}

/* A free list record: keyed by an earlier transaction's id; a count, then
 * that many page numbers, in descending order, each in range and not in use
 * by a table (the tables are walked first). */
static int check_free_ids(walk *w, uint64_t pgno, const uint8_t *key, uint16_t ksize,
                          const uint8_t *ids, uint32_t dsize)
{
	/* Keys are the ids of the transactions that freed the pages, never 0:
	 * LMDB takes a last id of 0 for "none used yet" and would hand the
	 * pages of such a record out twice. */
	if (ksize != LMDB_WORD || ol_get_word(key) > w->txnid || ol_get_word(key) == 0)
		return bad(w, pgno, "a free list record of a transaction not yet made");
	if (dsize < LMDB_WORD || dsize % LMDB_WORD)
		return bad(w, pgno, "a free list record of the wrong size");
	uint64_t n = ol_get_word(ids);
	if (n > dsize / LMDB_WORD - 1)
		return bad(w, pgno, "a free list record longer than its value");
	for (uint64_t i = 1, prev = UINT64_MAX; i <= n; i++) {
		uint64_t id = ol_get_word(ids + LMDB_WORD * i);
		if (id < 2 || id > w->last || seen(w, id) || id >= prev)
			return bad(w, pgno, "a free page out of range, out of order, twice or in use");
		mark(w, id);   /* a page listed twice would be handed out twice */
		prev = id;
	}
	return 0;
}

/* One node of a leaf page, `room` bytes from its start to the page's end. */
static int check_leaf_node(walk *w, uint64_t pgno, const uint8_t *node, size_t room, int kind,
                           int *ntables, dbrec *tables)
{
	uint32_t dsize = node_dsize(node);
	uint16_t flags = u16(node + 4), ksize = u16(node + 6);
	if (NODEHDR + (size_t)ksize > room)
		return bad(w, pgno, "key runs past the page");
	if (flags & F_DUPDATA)
		return bad(w, pgno, "duplicate values, which no table of a store has");
	if ((flags & ~(F_BIGDATA | F_SUBDATA)) || flags == (F_BIGDATA | F_SUBDATA) ||
	    (kind == K_FREE && (flags & F_SUBDATA)))
		return bad(w, pgno, "a node of an unknown kind");
	if (flags & F_BIGDATA) {
		if (NODEHDR + (size_t)ksize + LMDB_WORD > room)
			return bad(w, pgno, "overflow reference runs past the page");
		uint64_t first = ol_get_word(node + NODEHDR + ksize);
		int rc = mark_overflow(w, first, dsize);
		if (rc || kind != K_FREE)
			return rc;
		/* A long free list: its page list lies in the overflow run. */
		uint8_t *ids = malloc(dsize ? dsize : 1);
		if (!ids)
			return ol_err(OFFLOG_ENOMEM, "verify: out of memory");
		if (pread(w->fd, ids, dsize, (off_t)(first * w->psize + PAGEHDR)) != (ssize_t)dsize)
			rc = bad(w, first, "cannot be read");
		else
			rc = check_free_ids(w, pgno, node + NODEHDR, ksize, ids, dsize);
		free(ids);
		return rc;
	}
	if (NODEHDR + (size_t)ksize + dsize > room)
		return bad(w, pgno, "value runs past the page");
	if (kind == K_FREE)
		return check_free_ids(w, pgno, node + NODEHDR, ksize, node + NODEHDR + ksize, dsize);
	if (flags & F_SUBDATA) {
		if (kind != K_MAIN || dsize != LMDB_DB_SIZE || *ntables >= MAX_TABLES)
			return bad(w, pgno, "a table record out of place");
		const uint8_t *db = node + NODEHDR + ksize;
		tables[(*ntables)++] = (dbrec){u16(db + 4), u16(db + 6), root_at(db + LMDB_DB_ROOT)};
	}
	return 0;
}

/* Keys: bytewise, except the free list's, integers (words). */
typedef struct key {
	const uint8_t *p;
	size_t n;
} key;

static int key_cmp(int kind, key a, key b)
{
	if (kind == K_FREE && a.n == LMDB_WORD && b.n == LMDB_WORD) {
		uint64_t x = ol_get_word(a.p), y = ol_get_word(b.p);
		return (x > y) - (x < y);
	}
	size_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.p, b.p, n) : 0;
	return c ? c : (a.n > b.n) - (a.n < b.n);
}

typedef struct span {
	uint32_t off, size;
} span;

static int by_off(const void *a, const void *b)
{
	const span *x = a, *y = b;
	return (x->off > y->off) - (x->off < y->off);
}

static int check_packing(walk *w, uint64_t pgno, const uint8_t *buf, unsigned n, uint16_t upper,
                         bool leaf)
{
	span *sp = malloc((n ? n : 1) * sizeof *sp);
	if (!sp)
		return ol_err(OFFLOG_ENOMEM, "verify: out of memory");
	int rc = 0;
	for (unsigned i = 0; i < n && rc == 0; i++) {
		const uint8_t *node = buf + u16(buf + PAGEHDR + 2 * i);
		uint32_t size = NODEHDR + u16(node + 6);
		if (leaf) {
			size += (u16(node + 4) & F_BIGDATA) ? LMDB_WORD : node_dsize(node);
		}
		/* LMDB splits pages on the basis that no node is larger than
		 * this (larger values go to overflow pages). */
		if (size > w->nodemax)
			rc = bad(w, pgno, "a node larger than a page holds");
		sp[i] = (span){u16(buf + PAGEHDR + 2 * i), (size + 1) & ~1u};
	}
	if (rc == 0)
		qsort(sp, n, sizeof *sp, by_off);
	/* Even offsets and sizes, as LMDB writes them, none over another. */
	if (rc == 0 && upper % 2)
		rc = bad(w, pgno, "nodes overlap or run past the page");
	uint64_t end = upper;
	for (unsigned i = 0; i < n && rc == 0; i++) {
		if (sp[i].off < end || sp[i].off % 2 || (uint64_t)sp[i].off + sp[i].size > w->psize)
			rc = bad(w, pgno, "nodes overlap or run past the page");
		end = (uint64_t)sp[i].off + sp[i].size;
	}
	free(sp);
	return rc;
}

/* Every key of the tree at pgno lies in [lo, hi) (NULL: unbounded), and
 * keys increase within each page: LMDB's searches and its free list rely
 * on the order. */
static int walk_tree(walk *w, uint64_t pgno, int depth, int kind, int *ntables, dbrec *tables,
                     const key *lo, const key *hi);

/* A whole tree, whose recorded depth (pages from root to leaf) must be its
 * real one: LMDB sizes its cursor work by it. */
static int walk_root(walk *w, uint64_t root, uint16_t depth, int kind, int *ntables, dbrec *tables)
{
	if (root == UINT64_MAX)
		return depth == 0 ? 0 : bad(w, root, "an empty tree with a depth");
	w->leaf_depth = -1;
	int rc = walk_tree(w, root, 0, kind, ntables, tables, NULL, NULL);
	if (rc == 0 && w->leaf_depth + 1 != (int)depth)
		rc = bad(w, root, "a tree's recorded depth is not its own");
	return rc;
}

static int walk_tree(walk *w, uint64_t pgno, int depth, int kind, int *ntables, dbrec *tables,
                     const key *lo, const key *hi)
{
	if (depth > MAX_DEPTH)
		return bad(w, pgno, "tree too deep");
	uint8_t *buf = malloc(w->psize);
	if (!buf)
		return ol_err(OFFLOG_ENOMEM, "verify: out of memory");
	int rc = read_page(w, pgno, buf);
	uint16_t flags = rc ? 0 : u16(buf + LMDB_PAGE_FLAGS), lower = u16(buf + LMDB_WORD + 4),
	         upper = u16(buf + LMDB_WORD + 6);
	bool branch = flags & P_BRANCH, leaf = flags & P_LEAF;
	/* Exactly one kind and no other flag: LMDB writes in place to a page
	 * marked dirty, and treats a page marked as a sub-page or loose apart. */
	if (rc == 0 && flags != P_BRANCH && flags != P_LEAF)
		rc = bad(w, pgno, "not a tree page");
	if (rc == 0 && (lower < PAGEHDR || upper > w->psize || lower > upper || (lower - PAGEHDR) % 2))
		rc = bad(w, pgno, "bounds out of order");
	if (rc == 0 && leaf && w->leaf_depth >= 0 && w->leaf_depth != depth)
		rc = bad(w, pgno, "leaves at different depths");
	if (rc == 0 && leaf)
		w->leaf_depth = depth;
	unsigned n = rc ? 0 : (unsigned)(lower - PAGEHDR) / 2;
	/* LMDB never leaves an empty page, nor a branch with one child. */
	if (rc == 0 && n < (branch ? 2u : 1u))
		rc = bad(w, pgno, "a page with too few nodes");
	/* First every node's key, checked for place and order. */
	key *keys = rc ? NULL : malloc((n ? n : 1) * sizeof *keys);
	if (rc == 0 && !keys)
		rc = ol_err(OFFLOG_ENOMEM, "verify: out of memory");
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		uint16_t off = u16(buf + PAGEHDR + 2 * i);
		if (off < upper || (size_t)off + NODEHDR > w->psize) {
			rc = bad(w, pgno, "node outside the page");
			break;
		}
		keys[i] = (key){buf + off + NODEHDR, u16(buf + off + 6)};
		if (NODEHDR + keys[i].n > w->psize - off || keys[i].n > MAX_KEY) {
			rc = bad(w, pgno, "key runs past the page");
			break;
		}
		bool first_branch_key = branch && i == 0;   /* empty in LMDB: the page's low end */
		if (first_branch_key)
			continue;
		if (kind == K_FREE && keys[i].n != LMDB_WORD) {   /* integers, compared as such */
			rc = bad(w, pgno, "a free list key of the wrong size");
			break;
		}
		if ((lo && key_cmp(kind, keys[i], *lo) < 0) || (hi && key_cmp(kind, keys[i], *hi) >= 0) ||
		    (i > (branch ? 1u : 0u) && key_cmp(kind, keys[i - 1], keys[i]) >= 0))
			rc = bad(w, pgno, "keys out of order");
	}
	/* Nodes are packed between `upper` and the page's end, each of even
	 * size, none over another: LMDB moves them with memmove on that basis. */
	if (rc == 0 && (rc = check_packing(w, pgno, buf, n, upper, leaf)) != 0)
		n = 0;
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		const uint8_t *node = buf + u16(buf + PAGEHDR + 2 * i);
		size_t room = w->psize - u16(buf + PAGEHDR + 2 * i);
		if (leaf) {
			rc = check_leaf_node(w, pgno, node, room, kind, ntables, tables);
		} else {
			rc = walk_tree(w, node_child(node), depth + 1, kind, ntables, tables, i ? &keys[i] : lo,
			               i + 1 < n ? &keys[i + 1] : hi);
		}
	}
	free(keys);
	free(buf);
	return rc;
}

/* Where a layout puts the magic and the version: after a page header of a
 * word and 8 bytes. */
static bool meta_of_layout(const uint8_t *page, size_t n, size_t word, bool swap)
{
	if (n < word + 16)
		return false;
	uint32_t magic = u32(page + word + 8), version = u32(page + word + 12);
	if (swap) {
		magic = __builtin_bswap32(magic);
		version = __builtin_bswap32(version);
	}
	return magic == LMDB_META_MAGIC && version == LMDB_DATA_VERSION;
}

int meta_probe(int fd, const char *file, uint64_t *mapsize)
{
	uint8_t page[40];
	_Static_assert(LMDB_META_DBS <= sizeof page, "the meta page's head");
	ssize_t got = pread(fd, page, sizeof page, 0);
	size_t n = got > 0 ? (size_t)got : 0;
	if (n >= LMDB_META_DBS && u32(page + PAGEHDR) == LMDB_META_MAGIC) {
		*mapsize = ol_get_word(page + LMDB_META_MAPSIZE);
		return 0;
	}
	/* LMDB would not read it either (it would take it for no LMDB file):
	 * say what it is, so it is not mistaken for a lost store. */
	const uint16_t one = 1;
	bool little = *(const uint8_t *)&one == 1;
	for (size_t word = 4; word <= 8; word += 4)
		for (int swap = 0; swap < 2; swap++)
			if ((word != LMDB_WORD || swap) && meta_of_layout(page, n, word, swap))
				return ol_err(OFFLOG_EPLATFORM,
				              "%s is a store of a %d-bit %s-endian build (this one is "
				              "%d-bit %s-endian): LMDB files are not portable between word "
				              "sizes or byte orders; open it with a build like the one "
				              "that wrote it",
				              file, (int)word * 8, little != (bool)swap ? "little" : "big",
				              LMDB_WORD * 8, little ? "little" : "big");
	return ol_err(OFFLOG_ENOTSTORE, "%s is not an offlog store (no LMDB header)", file);
}

/* Layout: see verify.h. The page size is kept in the free list's table
 * record's pad field. */
int meta_read(int fd, off_t size, const char *file, uint64_t want, ol_meta *m)
{
	uint8_t page[2][LMDB_META_END];
	const size_t db0 = LMDB_META_DBS, db1 = LMDB_META_DBS + LMDB_DB_SIZE;
	uint32_t psize = 0;
	bool ok = pread(fd, page[0], sizeof page[0], 0) == (ssize_t)sizeof page[0];
	if (ok)
		psize = u32(page[0] + db0);
	/* LMDB takes a page size of the machine's, at least 4 KiB here, and
	 * at most 32 KiB (node offsets are 16 bits) */
	ok = ok && psize >= 4096 && psize <= 32768 && !(psize & (psize - 1)) &&
	     (uint64_t)size >= 2 * (uint64_t)psize &&
	     pread(fd, page[1], sizeof page[1], (off_t)psize) == (ssize_t)sizeof page[1];
	for (int i = 0; ok && i < 2; i++)
		ok = u32(page[i] + PAGEHDR) == LMDB_META_MAGIC &&
		     /* LMDB takes the page size from the newer meta page: both must
		      * agree, or it would map the second one where the file has none */
		     u32(page[i] + db0) == psize;
	if (!ok)
		return ol_err(OFFLOG_ECORRUPT, "%s: damaged LMDB meta pages", file);
	int newest = ol_get_word(page[1] + LMDB_META_TXNID) > ol_get_word(page[0] + LMDB_META_TXNID);
	if (want != OL_META_NEWEST) {
		newest = (int)(want & 1);
		if (ol_get_word(page[newest] + LMDB_META_TXNID) != want)
			return 1;
	}
	const uint8_t *p = page[newest];
	/* LMDB finds the current meta page by its transaction id's parity,
	 * not by comparing the two: they must agree. */
	if ((ol_get_word(p + LMDB_META_TXNID) & 1) != (uint64_t)newest)
		return ol_err(OFFLOG_ECORRUPT, "%s: damaged LMDB meta pages", file);
	*m = (ol_meta){psize,
	               ol_get_word(p + LMDB_META_LAST),
	               ol_get_word(p + LMDB_META_TXNID),
	               {root_at(p + db0 + LMDB_DB_ROOT), root_at(p + db1 + LMDB_DB_ROOT)},
	               {u16(p + db0 + 4), u16(p + db1 + 4)},
	               {u16(p + db0 + 6), u16(p + db1 + 6)}};
	for (int i = 0; i < 2; i++)
		ok = ok && (m->root[i] == UINT64_MAX || m->root[i] <= m->last);
	/* Pages 0 and 1 are the meta pages: a last page below 1 would have
	 * LMDB hand out page 1 for data. The file may end before the last page
	 * (check_tail), but each page past its end is then on the free
	 * list, a word in the file. A transaction id in the top half of a
	 * word is no count of commits, and LMDB's reader table takes the
	 * largest for "no reader". */
	uint64_t npages = (uint64_t)size / psize;
	if (!ok || m->last < 1 ||
	    (m->last >= npages && m->last - npages >= (uint64_t)size / LMDB_WORD) ||
	    m->txnid > (uint64_t)(SIZE_MAX >> 1))
		return ol_err(OFFLOG_ECORRUPT, "%s: damaged LMDB meta pages", file);
	return 0;
}

static int walk_init(walk *w, int fd, off_t size, const char *file, const ol_meta *m)
{
	*w = (walk){.fd = fd,
	            .psize = m->psize,
	            .npages = (uint64_t)size / m->psize,
	            .last = m->last,
	            .txnid = m->txnid,
	            .leaf_depth = -1,
	            .nodemax = ((m->psize - PAGEHDR) / 2 & ~1u) - 2,
	            .file = file};
	if (!(w->seen = calloc((size_t)(m->last / 8 + 1), 1)))
		return ol_err(OFFLOG_ENOMEM, "verify: out of memory");
	return 0;
}

/* LMDB does not write a page it allocated and freed in the same
 * transaction, so the file may end before the meta page's last page; every
 * page past the end must then be on the free list (after a walk of it).
 * A truncated file has pages in use there, which LMDB would read through
 * its map past the end of the file: SIGBUS. */
static int check_tail(const walk *w)
{
	for (uint64_t p = w->npages; p <= w->last; p++)
		if (!seen(w, p))
			return ol_err(OFFLOG_ECORRUPT,
			              "%s is damaged: %llu pages long, but its page %llu is in use",
			              w->file, (unsigned long long)w->npages, (unsigned long long)p);
	return 0;
}

static int check_tail_of(int fd, off_t size, const char *file, const ol_meta *m)
{
	if (m->last < (uint64_t)size / m->psize)
		return 0;
	walk w;
	dbrec ignored[MAX_TABLES];
	int none = 0;
	int rc = walk_init(&w, fd, size, file, m);
	if (rc == 0)
		rc = walk_root(&w, m->root[0], m->depth[0], K_FREE, &none, ignored);
	if (rc == 0)
		rc = check_tail(&w);
	free(w.seen);
	return rc;
}

int verify_data_file(const char *file, uint64_t txnid, bool full)
{
	walk w = {.fd = -1};
	struct stat st;
	ol_meta m;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ol_err(OFFLOG_EIO, "%s: %s", file, strerror(errno));
	int rc = fstat(fd, &st) != 0 ? ol_err(OFFLOG_EIO, "%s: %s", file, strerror(errno))
	                             : meta_read(fd, st.st_size, file, txnid, &m);
	if (rc == 0 && !full) {
		rc = check_tail_of(fd, st.st_size, file, &m);
		close(fd);
		return rc;
	}
	/* The free list's table is integer-keyed (its flags also keep some of
	 * the environment's, which LMDB does not read back: fixed map, no
	 * subdirectory), the main table plain, as a store's are: other flags
	 * would make LMDB expect structures, or keys of sizes, not there. */
	if (rc == 0 && ((m.flags[0] & ~0x4009u) != 0 || (m.flags[1] & ~0x7eu) != 0))
		rc = ol_err(OFFLOG_ECORRUPT, "%s: damaged LMDB meta pages", file);
	else if (rc == 0 && m.flags[1] != 0)
		rc = ol_err(OFFLOG_ENOTSTORE, "%s holds tables of another program", file);
	if (rc == 0)
		rc = walk_init(&w, fd, st.st_size, file, &m);
	if (rc) {
		close(fd);
		return rc;
	}
	dbrec tables[MAX_TABLES], ignored[MAX_TABLES];
	int ntables = 0, none = 0;
	rc = walk_root(&w, m.root[1], m.depth[1], K_MAIN, &ntables, tables);
	for (int i = 0; rc == 0 && i < ntables; i++) {
		if (tables[i].flags & ~0x7eu)   /* only the flags LMDB defines for tables */
			rc = ol_err(OFFLOG_ECORRUPT, "%s is damaged: a table's flags", file);
		else if (tables[i].flags)   /* a store's tables are plain: bytewise keys, one value */
			rc = ol_err(OFFLOG_ENOTSTORE, "%s holds tables of another program", file);
		else
			rc = walk_root(&w, tables[i].root, tables[i].depth, K_TABLE, &none, ignored);
	}
	/* Last: free pages must not be pages the tables use. */
	if (rc == 0)
		rc = walk_root(&w, m.root[0], m.depth[0], K_FREE, &none, ignored);
	free(w.seen);
	close(w.fd);
	return rc;
}
