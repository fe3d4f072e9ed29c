/*
 * write.h - the write transaction (write.c): how every change reaches the
 * store, whoever asks for it (a single call through group commit, a
 * maintenance step alone, a user transaction).
 */
#ifndef OFFLOG_WRITE_H
#define OFFLOG_WRITE_H

#include "db.h"

/* A change, run in a write transaction. With group commit it may run in
 * another thread's transaction, together with other requests, and more than
 * once (after a full map, or when another request of the group failed half
 * way), so it must derive everything from the transaction it is given. */
typedef int (*ol_write_fn)(ol_txn *t, void *arg);

void write_init(offlog_env *env);
void write_destroy(offlog_env *env);

/* Run fn in a write transaction and commit it, with group commit. Returns
 * fn's result, or the commit's. */
int ol_write(offlog_env *env, ol_write_fn fn, void *arg);
/* The same, alone in its own transaction (flush, recount). */
int ol_write_solo(offlog_env *env, ol_write_fn fn, void *arg);

/* Begin a write transaction: LMDB's, then the prologue (NOMETASYNC: publish
 * what the last commits appended, which this commit makes durable). A full
 * map is grown and the begin retried. */
int write_begin(ol_txn *t, offlog_env *env);
/* End t. With rc 0: the epilogue (the store's byte count), commit, then
 * note unsynced data and pending partitions and wake waiting consumers.
 * Otherwise, or when the epilogue fails, abort. Returns rc or the commit's
 * result; t is ended either way. */
int write_finish(ol_txn *t, int rc);

/* The store on which this thread has a user transaction open, or NULL. */
offlog_env *ol_thread_txn(void);
void ol_thread_set_txn(offlog_env *env);

#endif
