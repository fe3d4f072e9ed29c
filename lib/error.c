/* error.c - result codes, their names and texts, per-thread detail messages. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char errbuf[512];

struct errdesc {
	int code;
	const char *name;
	const char *text;
};

static const struct errdesc errors[] = {
	{OFFLOG_OK, "OFFLOG_OK", "success"},
	{OFFLOG_EINVAL, "OFFLOG_EINVAL", "invalid argument"},
	{OFFLOG_ENAME, "OFFLOG_ENAME", "invalid topic or group name"},
	{OFFLOG_ENOTOPIC, "OFFLOG_ENOTOPIC", "unknown topic"},
	{OFFLOG_ENOPART, "OFFLOG_ENOPART", "unknown partition"},
	{OFFLOG_EEXIST, "OFFLOG_EEXIST", "topic already exists"},
	{OFFLOG_EOFFSET, "OFFLOG_EOFFSET", "invalid offset"},
	{OFFLOG_ERANGE, "OFFLOG_ERANGE", "offset out of range"},
	{OFFLOG_ENOOFFSET, "OFFLOG_ENOOFFSET", "no committed offset"},
	{OFFLOG_ETOOBIG, "OFFLOG_ETOOBIG", "too large"},
	{OFFLOG_ENOTSTORE, "OFFLOG_ENOTSTORE", "not an offlog store"},
	{OFFLOG_ENOENT, "OFFLOG_ENOENT", "not found"},
	{OFFLOG_EVERSION, "OFFLOG_EVERSION", "store format is newer than this library"},
	{OFFLOG_EMAPFULL, "OFFLOG_EMAPFULL", "map full"},
	{OFFLOG_ENOSPC, "OFFLOG_ENOSPC", "no space left on device"},
	{OFFLOG_EIO, "OFFLOG_EIO", "I/O error"},
	{OFFLOG_ENOMEM, "OFFLOG_ENOMEM", "out of memory"},
	{OFFLOG_ECORRUPT, "OFFLOG_ECORRUPT", "store is corrupt"},
	{OFFLOG_EREADONLY, "OFFLOG_EREADONLY", "store is read-only"},
	{OFFLOG_EPERM, "OFFLOG_EPERM", "permission denied"},
	{OFFLOG_EBUSY, "OFFLOG_EBUSY", "store busy"},
	{OFFLOG_EREADERS, "OFFLOG_EREADERS", "no free reader slot"},
	{OFFLOG_ETXN, "OFFLOG_ETXN", "transaction misuse"},
	{OFFLOG_ESTATE, "OFFLOG_ESTATE", "not valid in this state"},
	{OFFLOG_ETIMEDOUT, "OFFLOG_ETIMEDOUT", "timed out"},
	{OFFLOG_EQUEUEFULL, "OFFLOG_EQUEUEFULL", "producer queue full"},
	{OFFLOG_ESEQUENCE, "OFFLOG_ESEQUENCE", "sequence number out of order"},
	{OFFLOG_EPURGED, "OFFLOG_EPURGED", "purged before it was written"},
	{OFFLOG_EFENCED, "OFFLOG_EFENCED", "fenced: a newer owner took over (group member or producer id)"},
	{OFFLOG_EGROUPLIVE, "OFFLOG_EGROUPLIVE", "group has live members"},
	{OFFLOG_ESTOREFULL, "OFFLOG_ESTOREFULL", "store size cap reached"},
	{OFFLOG_EFATAL, "OFFLOG_EFATAL", "store handle failed: reopen the store"},
	{OFFLOG_EPLATFORM, "OFFLOG_EPLATFORM",
	 "store was written by a build of another word size or byte order: not readable here"},
	{OFFLOG_EWAKEUP, "OFFLOG_EWAKEUP", "interrupted by offlog_consumer_wakeup()"},
};

static const struct errdesc *find(int code)
{
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
		if (errors[i].code == code)
			return &errors[i];
	return NULL;
}

OFFLOG_API const char *offlog_strerror(int err)
{
	const struct errdesc *d = find(err);
	return d ? d->text : "unknown error";
}

OFFLOG_API const char *offlog_errname(int err)
{
	const struct errdesc *d = find(err);
	return d ? d->name : "OFFLOG_E?";
}

OFFLOG_API const char *offlog_errmsg(void)
{
	return errbuf;
}

int ol_err(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	return code;
}

/* A caller's output struct of a newer header may be larger than this
 * library's, which would leave fields it expects unset: it is refused, as
 * is version 0, the mark of a struct the caller never initialised. */
int ol_check_version(unsigned version, unsigned known, const char *type)
{
	if (version == 0 || version > known)
		return ol_err(OFFLOG_EINVAL, "%s.version %u is not supported (this library knows %u%s)",
		              type, version, known, version ? "" : "; is it declared with its _INIT?");
	return 0;
}

