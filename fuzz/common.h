/*
 * common.h - the scratch directory of a fuzz target.
 *
 * Each process works in <tmp>/offlog-fuzz-<pid>-XXXXXX, <tmp> being /dev/shm
 * when writable (syncs cost nothing there), else $TMPDIR or /tmp. A crash
 * skips atexit(), and libFuzzer's fork mode crashes many children, so each
 * process first removes the directories of processes that no longer exist:
 * on tmpfs their stores would hold memory.
 */
#ifndef OFFLOG_FUZZ_COMMON_H
#define OFFLOG_FUZZ_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int fuzz_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void fuzz_rm_rf(const char *path)
{
	nftw(path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_remove_stale(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		long pid;
		char path[1024];
		if (sscanf(de->d_name, "offlog-fuzz-%ld-", &pid) != 1 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof path, "%s/%s", tmp, de->d_name);
		fuzz_rm_rf(path);
	}
	closedir(d);
}

/* Create this process's scratch directory into base (size n). */
static void fuzz_scratch_dir(char *base, size_t n)
{
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	fuzz_remove_stale(tmp);
	snprintf(base, n, "%s/offlog-fuzz-%ld-XXXXXX", tmp, (long)getpid());
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		abort();
	}
}

#endif
