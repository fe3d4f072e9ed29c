/* check.h - do the store's tables agree (check.c)? */
#ifndef OFFLOG_CHECK_H
#define OFFLOG_CHECK_H

#include "internal.h"

/* The rest of OFFLOG_OPEN_VERIFY (after verify.c's page check): do the tables agree (topics and
 * their ids, partition states and their invariants, every record, index
 * entry, committed offset and producer state within a partition that
 * exists)? One read transaction, one scan of each table. 0, or
 * OFFLOG_ECORRUPT naming the first disagreement, or another OFFLOG_E* code. */
int verify_tables(offlog_env *env);

#endif
