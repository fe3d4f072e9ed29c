/*
 * consumer_seek.c - where a consumer stands in its assigned partitions:
 * position, the seeks (to an offset, a time, relative), lag.
 *
 * Kafka's rules, mirrored: the position is the next offset to return and
 * moves only with poll and seek; a seek changes no committed offset. A seek
 * outside the log is taken as asked; the next poll applies the reset policy
 * to it (consumer_reset.c), as Kafka does.
 */
#include "consumer.h"

#include "commit.h"
#include "db.h"
#include "log.h"
#include "topic.h"

OFFLOG_API int offlog_consumer_position(int64_t *offset, offlog_consumer *c, const char *topic,
                                        int32_t partition)
{
	struct cpart *cp;
	if (!offset || !c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_position: NULL argument");
	int rc = consumer_enter(c, "offlog_consumer_position");
	if (rc)
		return rc;
	rc = consumer_find_assigned(&cp, c, topic, partition);
	if (rc == 0 && cp->position == OFFLOG_OFFSET_INVALID)
		rc = consumer_resolve_now(c, cp, NULL);
	if (rc == 0)
		*offset = cp->position;
	return consumer_leave(c, rc);
}

static int seek_to(offlog_consumer *c, const char *topic, int32_t partition, int64_t offset)
{
	struct cpart *cp;
	int rc = consumer_find_assigned(&cp, c, topic, partition);
	if (rc)
		return rc;
	if (offset >= 0) {
		/* The offset is meant for the topic as it is now, even if it was
		 * recreated since the last poll. */
		cp->position = offset;
		cp->tid = 0;
		return 0;
	}
	if (offset == OFFLOG_OFFSET_STORED) {
		cp->position = OFFLOG_OFFSET_INVALID;
		return 0;
	}
	bool tail = offset <= OFFLOG_OFFSET_TAIL_BASE;
	if (offset != OFFLOG_OFFSET_BEGINNING && offset != OFFLOG_OFFSET_END && !tail)
		return ol_err(OFFLOG_EOFFSET,
		              "seek to %lld: use an offset >= 0, OFFLOG_OFFSET_BEGINNING/END/STORED or "
		              "OFFLOG_OFFSET_TAIL(n)",
		              (long long)offset);
	/* Only the partition's state is needed: no committed offset, no reset
	 * policy (the topic may even have been created again since). */
	ol_txn t;
	ol_part p;
	if ((rc = db_read_begin(&t, c->env)) != 0)
		return rc;
	uint32_t tid = cp->tid;
	int64_t keep = cp->position;
	rc = consumer_load(&t, cp, &p);
	db_abort(&t);
	if (rc) {
		cp->tid = tid;
		cp->position = keep;
		return rc;
	}
	int64_t end = part_read_end(&p, c->opts.isolation);
	if (offset == OFFLOG_OFFSET_BEGINNING)
		cp->position = p.log_start;
	else if (tail) {   /* librdkafka's tail: n before the end, never before log start */
		int64_t n = OFFLOG_OFFSET_TAIL_BASE - offset;   /* >= 0; end - n cannot overflow */
		cp->position = end - n > p.log_start ? end - n : p.log_start;
	} else
		cp->position = end;
	return 0;
}

OFFLOG_API int offlog_consumer_seek(offlog_consumer *c, const char *topic, int32_t partition,
                                    int64_t offset)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_seek: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_seek");
	if (rc)
		return rc;
	rc = seek_to(c, topic, partition, offset);
	return consumer_leave_changed(c, rc);
}

static int seek_timestamp(offlog_consumer *c, const char *topic, int32_t partition,
                          int64_t timestamp_ms)
{
	struct cpart *cp;
	int rc = consumer_find_assigned(&cp, c, topic, partition);
	if (rc)
		return rc;
	if (timestamp_ms < 0)
		return ol_err(OFFLOG_EINVAL, "timestamp %lld: must be >= 0", (long long)timestamp_ms);
	ol_txn t;
	ol_part p;
	int64_t pos;
	if ((rc = db_read_begin(&t, c->env)) != 0)
		return rc;
	if ((rc = consumer_load(&t, cp, &p)) == 0)
		rc = log_offset_for_time(&t, &p, timestamp_ms, part_read_end(&p, c->opts.isolation), &pos);
	db_abort(&t);
	if (rc == 0)
		cp->position = pos;
	return rc;
}

OFFLOG_API int offlog_consumer_seek_timestamp(offlog_consumer *c, const char *topic,
                                              int32_t partition, int64_t timestamp_ms)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_seek_timestamp: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_seek_timestamp");
	if (rc)
		return rc;
	rc = seek_timestamp(c, topic, partition, timestamp_ms);
	return consumer_leave_changed(c, rc);
}

static int seek_relative(offlog_consumer *c, const char *topic, int32_t partition, int64_t delta)
{
	struct cpart *cp;
	ol_part p;
	int rc = consumer_find_assigned(&cp, c, topic, partition);
	if (rc == 0)
		rc = consumer_resolve_now(c, cp, &p);
	if (rc)
		return rc;
	int64_t end = part_read_end(&p, c->opts.isolation), pos;
	if (__builtin_add_overflow(cp->position, delta, &pos))
		pos = delta < 0 ? p.log_start : end;
	if (pos < p.log_start)
		pos = p.log_start;
	if (pos > end)
		pos = end;
	cp->position = pos;
	return 0;
}

OFFLOG_API int offlog_consumer_seek_relative(offlog_consumer *c, const char *topic,
                                             int32_t partition, int64_t delta)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_seek_relative: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_seek_relative");
	if (rc)
		return rc;
	rc = seek_relative(c, topic, partition, delta);
	return consumer_leave_changed(c, rc);
}

/* ---- lag ---------------------------------------------------------------- */

static int lag_of(int64_t *lag, int64_t *position_lag, offlog_consumer *c, const char *topic,
                  int32_t partition)
{
	ol_txn t;
	ol_topic tp;
	ol_part p;
	offlog_committed cm = {.offset = OFFLOG_OFFSET_INVALID};
	int rc = db_read_begin(&t, c->env);
	if (rc)
		return rc;
	if ((rc = topic_get_part(&t, topic, partition, &tp)) == 0 &&
	    (rc = part_get(&t, tp.id, partition, &p)) == 0 && c->group)
		rc = commit_get(&t, c->group, tp.id, partition, &cm);
	db_abort(&t);
	if (rc)
		return rc;
	struct cpart *cp = consumer_find(c, topic, partition);
	if (lag)
		*lag = cm.offset == OFFLOG_OFFSET_INVALID ? OFFLOG_LAG_UNKNOWN
		       : cm.offset >= p.hw                 ? 0
		                                           : p.hw - cm.offset;
	if (position_lag)
		*position_lag = !cp || cp->position == OFFLOG_OFFSET_INVALID ? OFFLOG_LAG_UNKNOWN
		                : cp->position >= p.hw                       ? 0
		                                                             : p.hw - cp->position;
	return 0;
}

OFFLOG_API int offlog_consumer_lag(int64_t *lag, int64_t *position_lag, offlog_consumer *c,
                                   const char *topic, int32_t partition)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_lag: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_lag");
	if (rc)
		return rc;
	rc = lag_of(lag, position_lag, c, topic, partition);
	return consumer_leave(c, rc);
}
