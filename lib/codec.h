/*
 * codec.h - the byte orders of stored keys and values.
 *
 * Keys are big-endian, so that LMDB's byte order sorts them by number;
 * values are little-endian. Every stored integer goes through these: the
 * ol_be and ol_le helpers for a value of one field, and ol_wr/ol_rd for keys
 * and records of several fields, so no decoder counts byte offsets by hand.
 */
#ifndef OFFLOG_CODEC_H
#define OFFLOG_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void ol_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void ol_be64(uint8_t *p, uint64_t v)
{
	ol_be32(p, (uint32_t)(v >> 32));
	ol_be32(p + 4, (uint32_t)v);
}
static inline uint32_t ol_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t ol_get_be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}
static inline uint32_t ol_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void ol_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t ol_get_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}
static inline void ol_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A writer of fields into a buffer the caller sized: little-endian for
 * values, wr_be* for the fields of keys. */
typedef struct ol_wr {
	uint8_t *p;
} ol_wr;

static inline void wr_u8(ol_wr *w, uint8_t v)
{
	*w->p++ = v;
}
static inline void wr_u32(ol_wr *w, uint32_t v)
{
	ol_le32(w->p, v);
	w->p += 4;
}
static inline void wr_u64(ol_wr *w, uint64_t v)
{
	ol_le64(w->p, v);
	w->p += 8;
}
static inline void wr_i64(ol_wr *w, int64_t v)
{
	wr_u64(w, (uint64_t)v);
}
static inline void wr_bytes(ol_wr *w, const void *b, size_t n)
{
	if (n)
		memcpy(w->p, b, n);
	w->p += n;
}
/* Where the next n bytes go; the writer moves past them. */
static inline uint8_t *wr_at(ol_wr *w, size_t n)
{
	uint8_t *p = w->p;
	w->p += n;
	return p;
}
/* n zero bytes: spare room in a format. */
static inline void wr_zero(ol_wr *w, size_t n)
{
	memset(wr_at(w, n), 0, n);
}
/* A string of at most 255 bytes, after a length byte. */
static inline void wr_str(ol_wr *w, const char *s)
{
	size_t n = strlen(s);
	wr_u8(w, (uint8_t)n);
	wr_bytes(w, s, n);
}
static inline void wr_be32(ol_wr *w, uint32_t v)
{
	ol_be32(wr_at(w, 4), v);
}
static inline void wr_be64(ol_wr *w, uint64_t v)
{
	ol_be64(wr_at(w, 8), v);
}
/* Bytes written so far into buffer b. */
static inline size_t wr_len(const ol_wr *w, const void *b)
{
	return (size_t)(w->p - (const uint8_t *)b);
}

/* A bounds-checked reader of fields (little-endian; rd_be* for keys): once
 * a read would pass the end, `bad` is set and every later read yields 0, so
 * a decoder reads all its fields and checks `bad` once. */
typedef struct ol_rd {
	const uint8_t *p, *end;
	bool bad;
} ol_rd;

static inline ol_rd rd_of(const void *p, size_t n)
{
	ol_rd r = {(const uint8_t *)p, (const uint8_t *)p + n, false};
	return r;
}
static inline bool rd_take(ol_rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n)
		return !(r->bad = true);
	return true;
}
static inline uint8_t rd_u8(ol_rd *r)
{
	return rd_take(r, 1) ? *r->p++ : 0;
}
static inline uint32_t rd_u32(ol_rd *r)
{
	if (!rd_take(r, 4))
		return 0;
	uint32_t v = ol_get_le32(r->p);
	r->p += 4;
	return v;
}
static inline uint64_t rd_u64(ol_rd *r)
{
	if (!rd_take(r, 8))
		return 0;
	uint64_t v = ol_get_le64(r->p);
	r->p += 8;
	return v;
}
static inline int64_t rd_i64(ol_rd *r)
{
	return (int64_t)rd_u64(r);
}
/* n bytes, in place (NULL when short). */
static inline const uint8_t *rd_bytes(ol_rd *r, size_t n)
{
	if (!rd_take(r, n))
		return NULL;
	const uint8_t *b = r->p;
	r->p += n;
	return b;
}
static inline void rd_skip(ol_rd *r, size_t n)
{
	(void)rd_bytes(r, n);
}
/* A string of at most max bytes (max < 256), after a length byte, into buf
 * (max + 1 bytes); its length. Longer or short: `bad`, and buf is "". */
static inline size_t rd_str(ol_rd *r, char *buf, size_t max)
{
	size_t n = rd_u8(r);
	const uint8_t *b = n <= max ? rd_bytes(r, n) : NULL;
	if (!b) {
		r->bad = true;
		buf[0] = 0;
		return 0;
	}
	memcpy(buf, b, n);
	buf[n] = 0;
	return n;
}
static inline uint32_t rd_be32(ol_rd *r)
{
	const uint8_t *b = rd_bytes(r, 4);
	return b ? ol_get_be32(b) : 0;
}
static inline uint64_t rd_be64(ol_rd *r)
{
	const uint8_t *b = rd_bytes(r, 8);
	return b ? ol_get_be64(b) : 0;
}
/* Bytes not read yet (0 after a short read). */
static inline size_t rd_left(const ol_rd *r)
{
	return r->bad ? 0 : (size_t)(r->end - r->p);
}
/* Has the reader consumed exactly its input, without a short read? */
static inline bool rd_done(const ol_rd *r)
{
	return !r->bad && r->p == r->end;
}

#endif
