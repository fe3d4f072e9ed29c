/*
 * consumer_reset.c - where a consumer reads next when its position in a
 * partition is not known: the group's committed offset, else the reset
 * policy (auto_offset_reset).
 *
 * Kafka's rules, mirrored: the committed offset is used only when there is
 * no position, and the reset policy only when there is no committed offset
 * or the offset in use is out of range (below log start or beyond the log
 * end offset). Reading below the log start means records were removed
 * before they were read, which poll reports (on_records_lost). Poll
 * (consumer.c) and the position calls (consumer_seek.c) both resolve here.
 */
#include "consumer.h"

#include "clock.h"
#include "commit.h"
#include "db.h"
#include "log.h"
#include "topic.h"

/* A topic deleted and created again is a new log: the old position means
 * nothing there. */
int consumer_load(ol_txn *t, struct cpart *cp, ol_part *p)
{
	ol_topic tp;
	int rc = topic_get_part(t, cp->topic, cp->partition, &tp);
	if (rc)
		return rc;
	if (cp->tid != tp.id) {
		if (cp->tid != 0)
			cp->position = OFFLOG_OFFSET_INVALID;
		cp->tid = tp.id;
	}
	return part_get(t, tp.id, cp->partition, p);
}

static bool in_range(int64_t off, const ol_part *p)
{
	return off >= p->log_start && off <= p->leo;
}

/* Where the reset policy says to start; `had` is the offset that was out of
 * range, or OFFLOG_OFFSET_INVALID when there was no committed offset. */
static int apply_reset(const offlog_consumer *c, ol_txn *t, const struct cpart *cp, const ol_part *p,
                       int64_t had, int64_t *pos)
{
	int64_t end = part_read_end(p, c->opts.isolation);
	switch (c->opts.auto_offset_reset) {
	case OFFLOG_RESET_EARLIEST:
		*pos = p->log_start;
		return 0;
	case OFFLOG_RESET_LATEST:
		*pos = end;
		return 0;
	case OFFLOG_RESET_BY_DURATION:
		return log_offset_for_time(t, p, ol_now_ms() - c->opts.reset_duration_ms, end, pos);
	default:
		if (had == OFFLOG_OFFSET_INVALID)
			return ol_err(OFFLOG_ENOOFFSET,
			              "no committed offset for group %s on %s/%d and auto_offset_reset is none",
			              c->group ? c->group : "(none)", cp->topic, cp->partition);
		if (had < p->log_start)
			return ol_err(OFFLOG_ERANGE,
			              "offset %lld out of range for %s/%d: valid range is [%lld, %lld]; "
			              "records %lld to %lld were removed before they were read",
			              (long long)had, cp->topic, cp->partition, (long long)p->log_start,
			              (long long)p->leo, (long long)had, (long long)(p->log_start - 1));
		return ol_range_error(cp->topic, cp->partition, had, p);
	}
}

int consumer_resolve(const offlog_consumer *c, ol_txn *t, const struct cpart *cp, const ol_part *p,
                     int64_t *pos, int64_t *lost)
{
	if (lost)
		*lost = OFFLOG_OFFSET_INVALID;
	int64_t had = cp->position;
	if (had == OFFLOG_OFFSET_INVALID && c->group) {
		offlog_committed cm;
		int rc = commit_get(t, c->group, cp->tid, cp->partition, &cm);
		if (rc)
			return rc;
		had = cm.offset;
	}
	if (had != OFFLOG_OFFSET_INVALID && in_range(had, p)) {
		*pos = had;
		return 0;
	}
	if (lost && had != OFFLOG_OFFSET_INVALID && had < p->log_start)
		*lost = had;
	return apply_reset(c, t, cp, p, had, pos);
}

int consumer_resolve_now(const offlog_consumer *c, struct cpart *cp, ol_part *p_out)
{
	ol_txn t;
	ol_part p;
	int64_t pos;
	int rc = db_read_begin(&t, c->env);
	if (rc)
		return rc;
	if ((rc = consumer_load(&t, cp, &p)) == 0 && cp->position == OFFLOG_OFFSET_INVALID &&
	    (rc = consumer_resolve(c, &t, cp, &p, &pos, NULL)) == 0)
		cp->position = pos;
	db_abort(&t);
	if (rc == 0 && p_out)
		*p_out = p;
	return rc;
}
