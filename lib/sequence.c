/*
 * sequence.c - the idempotent producer's state: per (producer id, topic,
 * partition), the next sequence number and the offsets of the last runs of
 * sequence numbers, stored in the same transaction as the records; per
 * producer id, its epoch; and the ids the store hands out.
 *
 * T_PRODUCERS holds two kinds of entries:
 *  - sequence state. Key: producer id (be64), topic id (be32), partition
 *    (be32). Value: format byte, 3 spare, number of runs (u32 LE), next
 *    sequence (i64 LE), then runs of (first sequence, first offset, count),
 *    oldest first.
 *  - epoch. Key: producer id (be64) alone, so it sorts before the id's
 *    sequence states. Value: format byte, 7 spare, epoch (u64 LE).
 *
 * Epochs are Kafka's producer epochs: every open of an idempotent producer
 * with an id takes the next epoch of that id, and a producer may write only
 * while the stored epoch is its own, so an older instance still running
 * with the id (a zombie) is fenced by the newer one. An id without an epoch
 * entry is at epoch 0: an id the store has just handed out (nobody else can
 * hold it, so nothing is written for it), and every id of a store written
 * before epochs existed.
 *
 * Ids: the store hands out OFFLOG_PRODUCER_ID_STORE_MIN, +1, +2, ..., each
 * once ("next_producer_id" in T_META, be64); ids below are the
 * applications' own. Stores written before the ranges were split handed out
 * 1, 2, ...: those ids stay usable (they are below the store's range now)
 * and the store goes on from OFFLOG_PRODUCER_ID_STORE_MIN. Neither entry
 * changes how an earlier version reads the store: it skips keys of 8 bytes,
 * and goes on counting from the stored next id.
 */
#include "seq.h"

#include "codec.h"
#include "db.h"


#define SEQ_FMT 1
#define EPOCH_FMT 1
#define SEQ_KEY 16        /* producer id, topic id, partition */
#define EPOCH_KEY 8       /* producer id */
#define SEQ_SPARE 3
#define EPOCH_SPARE 7
#define SEQ_VAL_MAX (1 + SEQ_SPARE + 4 + 8 + OL_SEQ_RUNS * 24)
#define EPOCH_VAL (1 + EPOCH_SPARE + 8)

static void seq_key(uint8_t k[SEQ_KEY], uint64_t pid, uint32_t tid, int32_t part)
{
	ol_wr w = {k};
	wr_be64(&w, pid);
	wr_be32(&w, tid);
	wr_be32(&w, (uint32_t)part);
}

int seq_key_decode(const ol_val *k, uint64_t *pid, uint32_t *tid, int32_t *part)
{
	ol_rd r = rd_of(k->p, k->n);
	*pid = rd_be64(&r);
	if (rd_done(&r))
		return 0;   /* an epoch */
	*tid = rd_be32(&r);
	*part = (int32_t)rd_be32(&r);
	return rd_done(&r) ? 1 : -1;
}

/* Is k a sequence state of topic tid (not an epoch, nor another topic's)? */
static bool key_of_topic(const ol_val *k, uint32_t tid)
{
	ol_rd r = rd_of(k->p, k->n);
	rd_be64(&r);
	uint32_t id = rd_be32(&r);
	rd_be32(&r);
	return rd_done(&r) && id == tid;
}

static bool seq_decode(ol_seqstate *s, const ol_val *v)
{
	ol_rd r = rd_of(v->p, v->n);
	uint8_t fmt = rd_u8(&r);
	rd_skip(&r, SEQ_SPARE);
	uint32_t n = rd_u32(&r);
	s->next = rd_i64(&r);
	if (r.bad || fmt != SEQ_FMT || n > OL_SEQ_RUNS)
		return false;
	for (s->nruns = 0; s->nruns < n; s->nruns++) {
		ol_seqrun *run = &s->runs[s->nruns];
		run->seq = rd_i64(&r);
		run->offset = rd_i64(&r);
		run->count = rd_i64(&r);
	}
	return rd_done(&r);
}

int seq_get(ol_txn *t, uint64_t pid, uint32_t tid, int32_t part, ol_seqstate *s)
{
	uint8_t k[SEQ_KEY];
	ol_val v;
	seq_key(k, pid, tid, part);
	s->next = 0;
	s->nruns = 0;
	int rc = db_get(t, T_PRODUCERS, k, SEQ_KEY, &v);
	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	if (!seq_decode(s, &v)) {
		s->next = 0;
		s->nruns = 0;
		return ol_err(OFFLOG_ECORRUPT, "producer %llu sequence state is damaged",
		              (unsigned long long)pid);
	}
	return 0;
}

int seq_put(ol_txn *t, uint64_t pid, uint32_t tid, int32_t part, const ol_seqstate *s)
{
	uint8_t k[SEQ_KEY], v[SEQ_VAL_MAX];
	ol_wr w = {v};
	seq_key(k, pid, tid, part);
	wr_u8(&w, SEQ_FMT);
	wr_zero(&w, SEQ_SPARE);
	wr_u32(&w, s->nruns);
	wr_i64(&w, s->next);
	for (unsigned i = 0; i < s->nruns; i++) {
		wr_i64(&w, s->runs[i].seq);
		wr_i64(&w, s->runs[i].offset);
		wr_i64(&w, s->runs[i].count);
	}
	return db_put(t, T_PRODUCERS, k, SEQ_KEY, v, wr_len(&w, v));
}

void seq_record(ol_seqstate *s, int64_t seq, int64_t offset, int64_t count)
{
	ol_seqrun *last = s->nruns ? &s->runs[s->nruns - 1] : NULL;
	if (last && last->seq + last->count == seq && last->offset + last->count == offset) {
		last->count += count;
	} else {
		if (s->nruns == OL_SEQ_RUNS) {
			memmove(s->runs, s->runs + 1, (OL_SEQ_RUNS - 1) * sizeof s->runs[0]);
			s->nruns--;
		}
		s->runs[s->nruns++] = (ol_seqrun){seq, offset, count};
	}
	s->next = seq + count;
}

int seq_lookup(const ol_seqstate *s, int64_t seq, int64_t *offset)
{
	for (unsigned i = 0; i < s->nruns; i++)
		if (seq >= s->runs[i].seq && seq < s->runs[i].seq + s->runs[i].count) {
			*offset = s->runs[i].offset + (seq - s->runs[i].seq);
			return 0;
		}
	return 1;
}

/* The id the store hands out next. */
static int next_store_id(ol_txn *t, uint64_t *id)
{
	ol_val v;
	*id = OFFLOG_PRODUCER_ID_STORE_MIN;
	int rc = db_get(t, T_META, "next_producer_id", 16, &v);
	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	if (v.n != 8)
		return ol_err(OFFLOG_ECORRUPT, "the store's next producer id is damaged");
	uint64_t stored = ol_get_be64(v.p);
	if (stored > *id)   /* below: a store that handed out 1, 2, ... */
		*id = stored;
	return 0;
}

/* A new id from the store's range, never handed out before. */
static int new_producer_id(ol_txn *t, uint64_t *pid)
{
	uint64_t id;
	int rc = next_store_id(t, &id);
	if (rc)
		return rc;
	/* The last id is never given: the one after it would wrap to 0. */
	if (id == UINT64_MAX)
		return ol_err(OFFLOG_ESTATE, "the store has handed out every producer id");
	uint8_t next[8];
	ol_be64(next, id + 1);
	if ((rc = db_put(t, T_META, "next_producer_id", 16, next, 8)) != 0)
		return rc;
	*pid = id;
	return 0;
}

static int epoch_get(ol_txn *t, uint64_t pid, uint64_t *epoch)
{
	uint8_t k[EPOCH_KEY];
	ol_val v;
	ol_be64(k, pid);
	*epoch = 0;
	int rc = db_get(t, T_PRODUCERS, k, EPOCH_KEY, &v);
	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	ol_rd r = rd_of(v.p, v.n);
	uint8_t fmt = rd_u8(&r);
	rd_skip(&r, EPOCH_SPARE);
	uint64_t e = rd_u64(&r);
	if (!rd_done(&r) || fmt != EPOCH_FMT)
		return ol_err(OFFLOG_ECORRUPT, "producer %llu epoch is damaged", (unsigned long long)pid);
	*epoch = e;
	return 0;
}

static int epoch_put(ol_txn *t, uint64_t pid, uint64_t epoch)
{
	uint8_t k[EPOCH_KEY], v[EPOCH_VAL];
	ol_wr w = {v};
	ol_be64(k, pid);
	wr_u8(&w, EPOCH_FMT);
	wr_zero(&w, EPOCH_SPARE);
	wr_u64(&w, epoch);
	return db_put(t, T_PRODUCERS, k, EPOCH_KEY, v, wr_len(&w, v));
}

/* A caller-given id: its own (below the store's range), or one the store
 * handed out, being resumed. */
static int check_given_id(ol_txn *t, uint64_t pid)
{
	uint64_t next;
	if (pid < OFFLOG_PRODUCER_ID_STORE_MIN)
		return 0;
	int rc = next_store_id(t, &next);
	if (rc || pid < next)
		return rc;
	if (next == OFFLOG_PRODUCER_ID_STORE_MIN)
		return ol_err(OFFLOG_EINVAL,
		              "producer id %llu was not handed out by this store, which has handed out "
		              "none: ids from %llu up are the store's; choose ids below, or 0 for a new one",
		              (unsigned long long)pid, (unsigned long long)OFFLOG_PRODUCER_ID_STORE_MIN);
	return ol_err(OFFLOG_EINVAL,
	              "producer id %llu was not handed out by this store (it has handed out %llu to "
	              "%llu): ids from %llu up are the store's; choose ids below, or 0 for a new one",
	              (unsigned long long)pid, (unsigned long long)OFFLOG_PRODUCER_ID_STORE_MIN,
	              (unsigned long long)(next - 1), (unsigned long long)OFFLOG_PRODUCER_ID_STORE_MIN);
}

int seq_open_producer(ol_txn *t, uint64_t want, uint64_t *pid, uint64_t *epoch)
{
	uint64_t e;
	int rc;
	if (!want) {
		/* Nobody else holds a new id: it starts at epoch 0, not stored. */
		if ((rc = new_producer_id(t, pid)) == 0)
			*epoch = 0;
		return rc;
	}
	if ((rc = check_given_id(t, want)) != 0 || (rc = epoch_get(t, want, &e)) != 0)
		return rc;
	if (e == UINT64_MAX)
		return ol_err(OFFLOG_ESTATE, "producer id %llu has used every epoch",
		              (unsigned long long)want);
	if ((rc = epoch_put(t, want, e + 1)) != 0)
		return rc;
	*pid = want;
	*epoch = e + 1;
	return 0;
}

int seq_check_epoch(ol_txn *t, uint64_t pid, uint64_t epoch)
{
	uint64_t stored;
	int rc = epoch_get(t, pid, &stored);
	if (rc == 0 && stored != epoch)
		rc = ol_err(OFFLOG_EFENCED,
		            "producer id %llu is fenced: a newer producer opened with this id (epoch "
		            "%llu; this producer has epoch %llu); nothing of this batch was written",
		            (unsigned long long)pid, (unsigned long long)stored,
		            (unsigned long long)epoch);
	return rc;
}

int seq_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done)
{
	ol_cursor c;
	ol_val k;
	uint8_t gone[SEQ_KEY];
	*done = false;
	int rc = db_cursor_open(&c, t, T_PRODUCERS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &k, NULL); rc == 0 && *budget > 0;) {
		/* Epochs (shorter keys) belong to no topic: they stay. */
		if (!key_of_topic(&k, tid)) {
			rc = db_cursor_next(&c, &k, NULL);
			continue;
		}
		memcpy(gone, k.p, SEQ_KEY);
		if ((rc = db_cursor_del(&c)) != 0)
			break;
		--*budget;
		rc = db_cursor_seek(&c, gone, SEQ_KEY, &k, NULL);
	}
	db_cursor_close(&c);
	*done = rc == 1;
	return rc < 0 ? rc : 0;
}
