/*
 * base_fsync.c - the fsync floor: the fastest a durable commit can be on
 * this file system. Each step overwrites 100 bytes in place and waits for
 * fdatasync; no durable commit can sync more often than that.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FLOOR_FILE_SIZE (1u << 20)
#define FLOOR_WRITE 100

/* Real blocks, written and synced before the clock starts: fallocate alone
 * would leave unwritten extents, and converting them on the first overwrite
 * is metadata that fdatasync would have to journal. */
static void preallocate(int fd, const char *path)
{
	static const char zeros[64 * 1024];
	for (size_t done = 0; done < FLOOR_FILE_SIZE; done += sizeof zeros)
		if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros)
			die("fsync floor: write %s: %s", path, strerror(errno));
	if (fsync(fd) != 0)
		die("fsync floor: fsync %s: %s", path, strerror(errno));
}

double fsync_floor_run(const char *dir, size_t syncs)
{
	char path[4096], rec[FLOOR_WRITE];
	int n = snprintf(path, sizeof path, "%s/floor.dat", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		die("fsync floor: path too long: %s", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		die("fsync floor: open %s: %s", path, strerror(errno));
	preallocate(fd, path);
	memset(rec, 'r', sizeof rec);
	double t0 = now_sec();
	for (size_t i = 0; i < syncs; i++) {
		rec[0] = (char)('a' + i % 26);
		if (pwrite(fd, rec, sizeof rec, 0) != (ssize_t)sizeof rec)
			die("fsync floor: pwrite %s: %s", path, strerror(errno));
		if (fdatasync(fd) != 0)
			die("fsync floor: fdatasync %s: %s", path, strerror(errno));
	}
	double secs = now_sec() - t0;
	if (close(fd) != 0)
		die("fsync floor: close %s: %s", path, strerror(errno));
	return secs;
}
