/* files.h - the store directory's files (files.c): opened through the
 * directory, never through a link, and made durable by name. */
#ifndef OFFLOG_FILES_H
#define OFFLOG_FILES_H

#include "internal.h"

#include <sys/types.h>

/* The store directory, open for the life of the handle: its files are opened
 * through it. */
typedef struct ol_dir {
	int fd;
	uid_t uid;          /* its owner */
	gid_t gid;
	const char *path;
} ol_dir;

/* OFFLOG_E* for an errno value, with `what` and `path` in the detail. */
int ol_errno_code(int e, const char *what, const char *path);
int files_dir_open(ol_dir *d, const char *path);
void files_dir_close(ol_dir *d);
/* Open `name` of the directory with `flags` (O_RDONLY or O_RDWR), never
 * through a link: it must be a regular file with one link, owned by the
 * directory's owner or this process's user. With `create` a missing file is
 * made (O_EXCL) with `mode` exactly, and given to the directory's owner when
 * root makes it; *created says so. *fd gets the descriptor. */
int files_open(const ol_dir *d, const char *name, int flags, bool create, mode_t mode,
               bool *created, int *fd);
/* Does `name` still lead, without a link, to the file open as fd? */
int files_same(const ol_dir *d, const char *name, int fd);
/* Make a file's contents, or a directory's entries, durable. */
int files_sync_fd(int fd, const char *what);
int files_sync_path(const char *path, bool dir);
/* Sync the directory holding path (its entry for path). */
int files_sync_parent(const char *path);

#endif
