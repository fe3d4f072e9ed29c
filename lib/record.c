/*
 * record.c - the stored form of a record.
 *
 *   flags (1 byte: bits 0-2 key, value, headers present; bit 3 padded;
 *          bits 4-7 the number of timestamp bytes, 0..8)
 *   timestamp (that many bytes, little-endian: ms since the epoch, >= 0)
 *   [key length] [value length] [header count, headers length]   (varints)
 *   key bytes, value bytes, headers
 *   [padding: 1 to 3 bytes, the last holding their number]
 *
 * The padding makes the stored size a multiple of 4, and with it the LMDB
 * node (8-byte header, 12-byte key, value): LMDB walks a page of such nodes
 * about twice as fast as one whose nodes are 2 bytes off that alignment.
 *
 * Each header is: name length, name, value length + 1 (0 = null value), value.
 * Lengths are LEB128 varints. A 128-byte value with a timestamp of today
 * costs 9 bytes of framing, and the timestamp decodes with one load.
 * The decoder checks every length against the stored size: a damaged record
 * is reported, never read past.
 */
#include "record.h"

#include "codec.h"


enum { F_KEY = 1, F_VALUE = 2, F_HEADERS = 4, F_PAD = 8, F_TS_SHIFT = 4 };

static size_t pad_of(size_t n)
{
	return (4 - n % 4) % 4;
}

static unsigned ts_len(uint64_t ts)
{
	unsigned n = 0;
	while (ts) {
		ts >>= 8;
		n++;
	}
	return n;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static bool varint_slow(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* Read a varint from [*p, end); false if truncated or too long. Lengths
 * under 16 KiB, one or two bytes, take the inline path. */
static inline bool varint_get(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	const uint8_t *q = *p;
	if (end - q >= 2) {
		if (q[0] < 0x80) {
			*out = q[0];
			*p = q + 1;
			return true;
		}
		if (q[1] < 0x80) {
			*out = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
			*p = q + 2;
			return true;
		}
	}
	return varint_slow(p, end, out);
}

static size_t headers_size(const offlog_message *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->header_count; i++) {
		const offlog_header *h = &m->headers[i];
		n += varint_len(h->name_len) + h->name_len + varint_len(h->value ? h->value_len + 1 : 0) +
		     (h->value ? h->value_len : 0);
	}
	return n;
}

static int check_headers(const offlog_message *m)
{
	if (m->header_count && !m->headers)
		return ol_err(OFFLOG_EINVAL, "header_count is %zu but headers is NULL", m->header_count);
	if (m->header_count > OFFLOG_HEADER_COUNT_MAX)
		return ol_err(OFFLOG_ETOOBIG, "%zu headers; at most %d per record", m->header_count,
		              OFFLOG_HEADER_COUNT_MAX);
	size_t total = 0;
	for (size_t i = 0; i < m->header_count; i++) {
		const offlog_header *h = &m->headers[i];
		if (!h->name || h->name_len == 0)
			return ol_err(OFFLOG_EINVAL, "header %zu has no name", i);
		if (h->name_len > OFFLOG_HEADER_NAME_MAX)
			return ol_err(OFFLOG_ETOOBIG, "header %zu name is %zu bytes; at most %d", i, h->name_len,
			              OFFLOG_HEADER_NAME_MAX);
		if (!h->value && h->value_len)
			return ol_err(OFFLOG_EINVAL, "header %zu value is NULL with length %zu", i, h->value_len);
		if (h->value_len > OFFLOG_HEADERS_MAX)
			return ol_err(OFFLOG_ETOOBIG, "header %zu value is %zu bytes; headers total at most %d",
			              i, h->value_len, OFFLOG_HEADERS_MAX);
		total += h->name_len + h->value_len;
	}
	if (total > OFFLOG_HEADERS_MAX)
		return ol_err(OFFLOG_ETOOBIG, "headers total %zu bytes; at most %d", total, OFFLOG_HEADERS_MAX);
	return 0;
}

int rec_check(const offlog_message *m, int64_t ts, int32_t max_message_bytes, size_t *size,
              size_t *payload)
{
	if (!m)
		return ol_err(OFFLOG_EINVAL, "message is NULL");
	if (!m->key && m->key_len)
		return ol_err(OFFLOG_EINVAL, "key is NULL with key_len %zu", m->key_len);
	if (!m->value && m->value_len)
		return ol_err(OFFLOG_EINVAL, "value is NULL with value_len %zu", m->value_len);
	if (m->timestamp < 0 && m->timestamp != OFFLOG_TIMESTAMP_NOW)
		return ol_err(OFFLOG_EINVAL, "timestamp %lld: must be >= 0 or OFFLOG_TIMESTAMP_NOW",
		              (long long)m->timestamp);
	if (m->key_len > OFFLOG_KEY_MAX)
		return ol_err(OFFLOG_ETOOBIG, "key is %zu bytes; at most %d", m->key_len, OFFLOG_KEY_MAX);
	if (m->value_len > (size_t)max_message_bytes)
		return ol_err(OFFLOG_ETOOBIG, "value is %zu bytes; the topic's max_message_bytes is %d",
		              m->value_len, max_message_bytes);
	int rc = check_headers(m);
	if (rc)
		return rc;
	size_t hs = headers_size(m);
	size_t pay = m->key_len + m->value_len + hs;
	if (pay > (size_t)max_message_bytes)
		return ol_err(OFFLOG_ETOOBIG, "record is %zu bytes; the topic's max_message_bytes is %d", pay,
		              max_message_bytes);
	size_t n = 1 + ts_len((uint64_t)ts);
	if (m->key)
		n += varint_len(m->key_len);
	if (m->value)
		n += varint_len(m->value_len);
	if (m->header_count)
		n += varint_len(m->header_count) + varint_len(hs);
	*size = n + pay + pad_of(n + pay);
	*payload = pay;
	return 0;
}

static uint8_t *headers_put(uint8_t *p, const offlog_message *m)
{
	for (size_t i = 0; i < m->header_count; i++) {
		const offlog_header *h = &m->headers[i];
		p = varint_put(p, h->name_len);
		memcpy(p, h->name, h->name_len);
		p += h->name_len;
		p = varint_put(p, h->value ? h->value_len + 1 : 0);
		if (h->value_len)
			memcpy(p, h->value, h->value_len);
		p += h->value_len;
	}
	return p;
}

void rec_encode(uint8_t *dst, const offlog_message *m, int64_t timestamp)
{
	uint8_t *p = dst;
	unsigned tl = ts_len((uint64_t)timestamp);
	uint8_t *flags = p++;
	*flags = (uint8_t)((m->key ? F_KEY : 0) | (m->value ? F_VALUE : 0) |
	                   (m->header_count ? F_HEADERS : 0) | tl << F_TS_SHIFT);
	for (unsigned i = 0; i < tl; i++)
		*p++ = (uint8_t)((uint64_t)timestamp >> (8 * i));
	if (m->key)
		p = varint_put(p, m->key_len);
	if (m->value)
		p = varint_put(p, m->value_len);
	if (m->header_count) {
		p = varint_put(p, m->header_count);
		p = varint_put(p, headers_size(m));
	}
	if (m->key_len)
		memcpy(p, m->key, m->key_len);
	p += m->key_len;
	if (m->value_len)
		memcpy(p, m->value, m->value_len);
	p += m->value_len;
	p = headers_put(p, m);
	size_t pad = pad_of((size_t)(p - dst));
	if (pad) {
		*flags |= F_PAD;
		memset(p, 0, pad - 1);
		p[pad - 1] = (uint8_t)pad;
	}
}

/* The record every scan meets most: a value and a timestamp, nothing else.
 * Decoded with a few loads; anything else takes the general path. */
static bool decode_value_only(offlog_record *r, const uint8_t *p, size_t n)
{
	static const uint64_t mask[9] = {0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff,
	                                 0xffffffffffff, 0xffffffffffffff, 0x7fffffffffffffff};
	unsigned tl = p[0] >> F_TS_SHIFT;
	if (n < 12 || (p[0] & 0x07) != F_VALUE || tl > 8)
		return false;
	if (p[0] & F_PAD) {
		if (p[n - 1] < 1 || p[n - 1] > 3)
			return false;
		n -= p[n - 1];
	}
	uint64_t ts = ol_get_le64(p + 1);
	const uint8_t *q = p + 1 + tl;
	size_t vl, hdr;
	if (q[0] < 0x80) {
		vl = q[0];
		hdr = 2 + tl;
	} else if (q[1] < 0x80) {
		vl = (size_t)(q[0] & 0x7f) | (size_t)q[1] << 7;
		hdr = 3 + tl;
	} else {
		return false;
	}
	/* A timestamp with bit 63 set would be negative: the general path says so. */
	if (hdr + vl != n || (tl == 8 && (ts >> 63)))
		return false;
	r->timestamp = (int64_t)(ts & mask[tl]);
	r->key = NULL;
	r->key_len = 0;
	r->value = p + hdr;
	r->value_len = vl;
	r->headers = NULL;
	r->headers_len = 0;
	r->header_count = 0;
	return true;
}

/* A timestamp of tl bytes (at most 8, all before end): one load when the
 * record has 8 bytes left, as most do. */
static inline uint64_t ts_get(const uint8_t *p, const uint8_t *end, unsigned tl)
{
	uint64_t ts = 0;
	if (end - p >= 8) {
		ts = ol_get_le64(p);
		if (tl < 8)
			ts &= ((uint64_t)1 << (8 * tl)) - 1;
	} else {
		for (unsigned i = 0; i < tl; i++)
			ts |= (uint64_t)p[i] << (8 * i);
	}
	return ts;
}

int rec_decode(offlog_record *r, const void *data, size_t n)
{
	const uint8_t *p = data, *end = p + n;
	uint64_t ts, klen = 0, vlen = 0, hcount = 0, hlen = 0;
	if (decode_value_only(r, p, n))
		return 0;
	if (n < 1)
		goto corrupt;
	uint8_t flags = *p++;
	if (flags & F_PAD) {
		uint8_t pad = ((const uint8_t *)data)[n - 1];
		if (pad < 1 || pad > 3 || pad >= n)
			goto corrupt;
		end -= pad;
	}
	unsigned tl = flags >> F_TS_SHIFT;
	if (tl > 8 || tl > (size_t)(end - p))
		goto corrupt;
	ts = ts_get(p, end, tl);
	p += tl;
	if (ts > INT64_MAX)
		goto corrupt;
	if ((flags & F_KEY) && !varint_get(&p, end, &klen))
		goto corrupt;
	if ((flags & F_VALUE) && !varint_get(&p, end, &vlen))
		goto corrupt;
	if ((flags & F_HEADERS) &&
	    (!varint_get(&p, end, &hcount) || hcount == 0 || !varint_get(&p, end, &hlen)))
		goto corrupt;
	size_t left = (size_t)(end - p);
	if (klen > left || vlen > left - klen || hlen != left - klen - vlen)
		goto corrupt;
	r->timestamp = (int64_t)ts;
	r->key = (flags & F_KEY) ? p : NULL;
	r->key_len = (size_t)klen;
	p += klen;
	r->value = (flags & F_VALUE) ? p : NULL;
	r->value_len = (size_t)vlen;
	p += vlen;
	r->headers = hcount ? p : NULL;
	r->headers_len = (size_t)hlen;
	r->header_count = (size_t)hcount;
	return 0;
corrupt:
	return ol_err(OFFLOG_ECORRUPT, "stored record is damaged");
}

size_t rec_payload(const offlog_record *r)
{
	return r->key_len + r->value_len + r->headers_len;
}

OFFLOG_API int offlog_record_headers(offlog_header *headers, size_t capacity, size_t *count,
                                     const offlog_record *record)
{
	if (!count || !record || (capacity && !headers))
		return ol_err(OFFLOG_EINVAL, "offlog_record_headers: NULL argument");
	*count = 0;
	if (!record->headers && (record->header_count || record->headers_len))
		return ol_err(OFFLOG_ECORRUPT, "record headers are missing");
	const uint8_t *p = record->headers, *end = p ? p + record->headers_len : NULL;
	size_t i;
	for (i = 0; i < record->header_count && i < capacity; i++) {
		uint64_t nlen, vlen;
		if (!varint_get(&p, end, &nlen) || nlen > (uint64_t)(end - p))
			return ol_err(OFFLOG_ECORRUPT, "record header %zu is damaged", i);
		headers[i].name = (const char *)p;
		headers[i].name_len = (size_t)nlen;
		p += nlen;
		if (!varint_get(&p, end, &vlen) || (vlen && vlen - 1 > (uint64_t)(end - p)))
			return ol_err(OFFLOG_ECORRUPT, "record header %zu is damaged", i);
		headers[i].value = vlen ? p : NULL;
		headers[i].value_len = vlen ? (size_t)(vlen - 1) : 0;
		p += vlen ? vlen - 1 : 0;
	}
	*count = i;
	return 0;
}
