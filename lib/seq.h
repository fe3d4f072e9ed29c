/* seq.h - the idempotent producer's state (sequence.c): T_PRODUCERS. */
#ifndef OFFLOG_SEQ_H
#define OFFLOG_SEQ_H

#include "db.h"

#define OL_SEQ_RUNS 32

typedef struct ol_seqrun {
	int64_t seq;
	int64_t offset;
	int64_t count;
} ol_seqrun;

typedef struct ol_seqstate {
	int64_t next;        /* the sequence number the next record must have */
	unsigned nruns;
	ol_seqrun runs[OL_SEQ_RUNS];
} ol_seqstate;

int seq_get(ol_txn *t, uint64_t pid, uint32_t tid, int32_t part, ol_seqstate *s);
int seq_put(ol_txn *t, uint64_t pid, uint32_t tid, int32_t part, const ol_seqstate *s);
/* Note that count records from sequence seq were appended at offset. */
void seq_record(ol_seqstate *s, int64_t seq, int64_t offset, int64_t count);
/* The offset of a stored sequence number; 1 if it is not remembered. */
int seq_lookup(const ol_seqstate *s, int64_t seq, int64_t *offset);
/* The open of an idempotent producer: with want 0 a new id of the store's
 * range (OFFLOG_PRODUCER_ID_STORE_MIN up, never handed out before), else the
 * caller's (OFFLOG_EINVAL for an id of the store's range it has not handed
 * out), whose stored epoch is bumped, fencing every earlier producer with it.
 * *pid and *epoch get the producer's id and epoch. */
int seq_open_producer(ol_txn *t, uint64_t want, uint64_t *pid, uint64_t *epoch);
/* OFFLOG_EFENCED unless the stored epoch of pid is still epoch. */
int seq_check_epoch(ol_txn *t, uint64_t pid, uint64_t epoch);
/* A T_PRODUCERS key, for check.c: 1 a sequence state's (*pid, *tid,
 * *part), 0 an epoch's (*pid), -1 damaged. */
int seq_key_decode(const ol_val *k, uint64_t *pid, uint32_t *tid, int32_t *part);
int seq_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done);

#endif
