/*
 * notify.c - the descriptors of offlog_producer_fd() and offlog_consumer_fd().
 *
 * signal writes and drain reads, both without blocking: a full pipe or an
 * eventfd at its limit is readable already, which is all a signal means.
 */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

void ol_notify_init(ol_notify *n)
{
	atomic_init(&n->rfd, -1);
	n->wfd = -1;
}

int ol_notify_open(ol_notify *n)
{
	if (atomic_load(&n->rfd) >= 0)
		return 0;
#ifdef __linux__
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return ol_err(OFFLOG_ENOMEM, "cannot create an eventfd: %s", strerror(errno));
	n->wfd = fd;
	atomic_store(&n->rfd, fd);
#else
	int p[2];
	if (pipe(p) != 0)
		return ol_err(OFFLOG_ENOMEM, "cannot create a pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
		fcntl(p[i], F_SETFD, FD_CLOEXEC);
	}
	n->wfd = p[1];
	atomic_store(&n->rfd, p[0]);
#endif
	return 0;
}

void ol_notify_signal(ol_notify *n)
{
	if (atomic_load(&n->rfd) < 0)
		return;
	int saved = errno;   /* from a signal handler: errno is the interrupted code's */
#ifdef __linux__
	uint64_t one = 1;
	ssize_t w = write(n->wfd, &one, sizeof one);
#else
	char one = 1;
	ssize_t w = write(n->wfd, &one, 1);
#endif
	OL_UNUSED(w);   /* EAGAIN: readable already */
	errno = saved;
}

void ol_notify_drain(ol_notify *n)
{
	int fd = atomic_load(&n->rfd);
	if (fd < 0)
		return;
	char buf[64];
	while (read(fd, buf, sizeof buf) > 0)
		;
}

void ol_notify_close(ol_notify *n)
{
	int fd = atomic_exchange(&n->rfd, -1);
	if (fd < 0)
		return;
	if (n->wfd != fd)
		close(n->wfd);
	close(fd);
	n->wfd = -1;
}
