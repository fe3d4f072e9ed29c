/*
 * files.c - the files of a store directory: opened without following links,
 * owned by the directory's owner, created with their mode exactly, and their
 * names made durable.
 *
 * LMDB opens data.mdb and lock.mdb by name and follows symbolic links: a
 * lock.mdb planted as a link to another file would have that file truncated
 * and overwritten by whoever opens the store (root opening a user's store,
 * or the owner of a group-writable store). So the library opens each file
 * first, through a descriptor of the directory, with O_NOFOLLOW (O_EXCL when
 * it creates one), and checks on that descriptor what it opened: a regular
 * file with one link (a hard link to another file is refused too), owned by
 * the directory's owner or by this process's user. When LMDB has opened the
 * files, db.c checks that they are the ones checked here (files_same), so a
 * name swapped in between fails the open.
 *
 * A file the library creates as root in a directory that belongs to another
 * user is given to that user, so that a root process (an `offlog check` by
 * an administrator) does not lock the owner out of the store.
 *
 * POSIX does not promise that a file's fsync makes its name durable, so a
 * new store's directory is synced after its data file, and the parent after
 * a directory the library made (files_sync_dir).
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int ol_errno_code(int e, const char *what, const char *path)
{
	switch (e) {
	case EACCES:
	case EPERM:
		return ol_err(OFFLOG_EPERM, "%s %s: %s", what, path, strerror(e));
	case ENOENT:
		return ol_err(OFFLOG_ENOENT, "%s %s: %s", what, path, strerror(e));
	case ENOTDIR:
		return ol_err(OFFLOG_ENOTSTORE, "%s %s: %s", what, path, strerror(e));
	case ENOSPC:
	case EDQUOT:
		return ol_err(OFFLOG_ENOSPC, "%s %s: %s", what, path, strerror(e));
	case EROFS:
		return ol_err(OFFLOG_EREADONLY, "%s %s: %s", what, path, strerror(e));
	case ENOMEM:
		return ol_err(OFFLOG_ENOMEM, "%s %s: %s", what, path, strerror(e));
	default:
		return ol_err(OFFLOG_EIO, "%s %s: %s", what, path, strerror(e));
	}
}

int files_dir_open(ol_dir *d, const char *path)
{
	struct stat st;
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return ol_errno_code(errno, "open directory", path);
	if (fstat(d->fd, &st) != 0) {
		int e = errno;
		files_dir_close(d);
		return ol_errno_code(e, "stat", path);
	}
	d->uid = st.st_uid;
	d->gid = st.st_gid;
	d->path = path;
	return 0;
}

void files_dir_close(ol_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* The checks on what a name led to, made on the open descriptor. */
static int check_file(const ol_dir *d, const char *name, int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return ol_errno_code(errno, "stat", name);
	if (!S_ISREG(st.st_mode))
		return ol_err(OFFLOG_ENOTSTORE, "%s/%s is not a regular file", d->path, name);
	if (st.st_nlink != 1)
		return ol_err(OFFLOG_EPERM,
		              "%s/%s has %lu links: a store file is never linked elsewhere, and "
		              "writing to it could change another file",
		              d->path, name, (unsigned long)st.st_nlink);
	if (st.st_uid != d->uid && st.st_uid != geteuid())
		return ol_err(OFFLOG_EPERM,
		              "%s/%s belongs to uid %u, neither the store directory's owner (uid %u) "
		              "nor this process's user: someone else may have put it there",
		              d->path, name, (unsigned)st.st_uid, (unsigned)d->uid);
	return 0;
}

/* A new file: its mode exactly (not filtered by the umask), and its owner
 * the directory's when root made it. */
static int settle_new_file(const ol_dir *d, const char *name, int fd, mode_t mode)
{
	if (fchmod(fd, mode) != 0)
		return ol_errno_code(errno, "chmod", name);
	if (geteuid() == 0 && d->uid != 0 && fchown(fd, d->uid, d->gid) != 0)
		return ol_errno_code(errno, "chown", name);
	return 0;
}

int files_open(const ol_dir *d, const char *name, int flags, bool create, mode_t mode,
               bool *created, int *out)
{
	int fd, rc;
	*created = false;
	*out = -1;
	for (int tries = 0;; tries++) {
		fd = openat(d->fd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		if (fd >= 0 || errno != ENOENT || !create)
			break;
		fd = openat(d->fd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_CREAT | O_EXCL,
		            mode);
		if (fd >= 0) {
			*created = true;
			break;
		}
		/* Another process created it in between: open that one. */
		if (errno != EEXIST || tries > 3)
			break;
	}
	if (fd < 0) {
		if (errno == ELOOP)
			return ol_err(OFFLOG_EPERM,
			              "%s/%s is a symbolic link: a store's files are never links "
			              "(whoever put it there could have another file overwritten)",
			              d->path, name);
		return ol_errno_code(errno, "open", name);
	}
	rc = check_file(d, name, fd);
	if (rc == 0 && *created)
		rc = settle_new_file(d, name, fd, mode);
	if (rc) {
		if (*created)
			unlinkat(d->fd, name, 0);
		close(fd);
		*created = false;
		return rc;
	}
	*out = fd;
	return 0;
}

int files_same(const ol_dir *d, const char *name, int fd)
{
	struct stat a, b;
	if (fstat(fd, &a) != 0)
		return ol_errno_code(errno, "stat", name);
	if (fstatat(d->fd, name, &b, AT_SYMLINK_NOFOLLOW) != 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino)
		return ol_err(OFFLOG_EPERM,
		              "%s/%s was replaced while the store was being opened: someone else "
		              "writes in the store directory",
		              d->path, name);
	return 0;
}

int files_sync_fd(int fd, const char *what)
{
	/* EINVAL: the file system cannot sync directories (it needs not). */
	if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
		return ol_errno_code(errno, "sync", what);
	return 0;
}

int files_sync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return ol_errno_code(errno, "open", path);
	int rc = files_sync_fd(fd, path);
	close(fd);
	return rc;
}

int files_sync_parent(const char *path)
{
	char parent[4096];
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	if (n == 0)
		return files_sync_path(".", true);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= sizeof parent)
		return 0;
	memcpy(parent, path, n);
	parent[n] = '\0';
	return files_sync_path(parent, true);
}
