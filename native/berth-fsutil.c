/*
 * berth-fsutil: the few file-system system calls Node.js lacks (mknod,
 * extended attributes, mount/umount, syncfs) and batched file creation for
 * layer extraction, served to berthd as a long-lived coprocess so that
 * applying a layer with thousands of files or whiteouts costs one pipelined
 * request per entry instead of a fork per file or a thread-pool round trip
 * per system call. berthd parses and hashes the tar while this process does
 * the writing, on another CPU.
 *
 * Protocol (all integers little-endian), strictly one reply per request, in
 * request order, so the client can pipeline:
 *
 *   request: u32 body_len, body = u8 op, op arguments
 *   reply:   u32 body_len, body = i32 errno (0 = success), op result
 *            (on failure the result is the name of the failing system call)
 *
 *   argument encodings: str/bytes = u32 len + bytes (str must not hold NUL),
 *   u32, u64, i64 as fixed-width little-endian integers.
 *
 *   op 0 HELLO      ()                                   -> u32 protocol version
 *   op 1 MKNOD      (str path, u32 mode, u32 major, u32 minor, u32 flags,
 *                    u32 uid, u32 gid, i64 atime_s, u32 atime_ns,
 *                    i64 mtime_s, u32 mtime_ns)         -> ()
 *                   flags: 1 = lchown(uid, gid) after mknod, 2 = chmod(mode & 07777)
 *                   after that (chown clears set-id bits), 4 = set times (no follow).
 *   op 2 LSETXATTR  (str path, str name, bytes value, u32 flags) -> ()
 *   op 3 LGETXATTR  (str path, str name)                 -> bytes value
 *   op 4 LLISTXATTR (str path)                           -> bytes (NUL-separated names)
 *   op 5 LGETXATTRS (str path)                           -> u32 n, n x (str name, bytes value)
 *   op 6 MOUNT      (str source, str target, str fstype, u64 flags, str data, str cwd)
 *                   -> ()   cwd, when not empty, is entered for the mount(2) call only,
 *                   so that relative overlay lowerdir paths stay under the page limit.
 *   op 7 UMOUNT     (str target, u32 flags)              -> ()
 *   op 8 SYNCFS     (str path)                           -> ()
 *
 * Layer extraction, so that a tar entry costs one pipelined request instead of
 * half a dozen system calls through Node (times are i64 seconds + u32 nanoseconds,
 * "meta" = u32 mode, u32 uid, u32 gid, atime, mtime):
 *
 *   op 9  CREATE    (u32 handle, str path, meta, u32 flags, bytes data) -> ()
 *                   open(O_CREAT|O_EXCL|O_NOFOLLOW), write data; unless flags & 1
 *                   (more data follows) also fchown, fchmod, futimens and close.
 *                   With flags & 1 the file stays open under `handle`. flags & 2:
 *                   the creator's owner is right and the mode has no special bits,
 *                   so the file is created with its mode and only futimens follows.
 *   op 10 WRITE     (u32 handle, bytes data)             -> ()
 *   op 11 FINISH    (u32 handle)                         -> ()   fchown, fchmod, futimens, close
 *   op 12 ABORT     (u32 handle)                         -> ()   close without metadata
 *   op 13 MKDIR     (str path, meta, u32 flags)          -> ()
 *                   mkdir (flags & 1: an existing directory is fine), lchown, chmod;
 *                   flags & 2: also set times.
 *   op 14 SYMLINK   (str target, str path, meta)         -> ()   symlink, lchown, lutimes
 *   op 15 LINK      (str oldpath, str newpath, meta, u32 flags) -> ()
 *                   link (never following oldpath), lchown; flags & 1: chmod and times too.
 *   op 16 UTIMES    (str path, i64 as, u32 ans, i64 ms, u32 mns) -> ()  (no follow)
 *
 * Networking (engine/network), so that a container start forks no program for it:
 *
 *   op 17 NEWNETNS  (str path)                           -> ()
 *                   a new network namespace, kept by a bind mount on `path` (a file
 *                   created if missing): a child unshares CLONE_NEWNET and binds
 *                   its /proc/self/ns/net there; the reply waits for it.
 *
 * A request naming a handle that failed to open is answered EBADF.
 * Every path argument except a mount source and cwd must be absolute; the
 * caller (src/engine/layers/fsutil.ts) guarantees they lie inside Berth's
 * data root. Nothing here follows a symbolic link in the last path component
 * except chmod after mknod (the node was just created by this request).
 * The process runs with umask 0, exits when its stdin closes, and exits with
 * status 2 on a malformed frame.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#define PROTOCOL_VERSION 3u
#define MAX_FRAME (64u * 1024u * 1024u)

enum {
	OP_HELLO = 0,
	OP_MKNOD = 1,
	OP_LSETXATTR = 2,
	OP_LGETXATTR = 3,
	OP_LLISTXATTR = 4,
	OP_LGETXATTRS = 5,
	OP_MOUNT = 6,
	OP_UMOUNT = 7,
	OP_SYNCFS = 8,
	OP_CREATE = 9,
	OP_WRITE = 10,
	OP_FINISH = 11,
	OP_ABORT = 12,
	OP_MKDIR = 13,
	OP_SYMLINK = 14,
	OP_LINK = 15,
	OP_UTIMES = 16,
	OP_NEWNETNS = 17,
};

struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static struct buf in_buf, out_buf;

static void die(int code, const char *msg)
{
	fprintf(stderr, "berth-fsutil: %s\n", msg);
	exit(code);
}

static void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 65536;
	while (cap < b->len + extra)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p)
		die(3, "out of memory");
	b->p = p;
	b->cap = cap;
}

static void put_bytes(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put_bytes(b, x, 4);
}

static void patch_u32(struct buf *b, size_t at, uint32_t v)
{
	b->p[at] = (uint8_t)v;
	b->p[at + 1] = (uint8_t)(v >> 8);
	b->p[at + 2] = (uint8_t)(v >> 16);
	b->p[at + 3] = (uint8_t)(v >> 24);
}

static void put_blob(struct buf *b, const void *p, size_t n)
{
	put_u32(b, (uint32_t)n);
	put_bytes(b, p, n);
}

/* A reply under construction: begin, append results, end patches the length. */
static size_t reply_begin(int err)
{
	size_t at = out_buf.len;
	put_u32(&out_buf, 0);
	put_u32(&out_buf, (uint32_t)(int32_t)err);
	return at;
}

static void reply_end(size_t at)
{
	patch_u32(&out_buf, at, (uint32_t)(out_buf.len - at - 4));
}

static void reply_ok(void)
{
	reply_end(reply_begin(0));
}

static void reply_err(int err, const char *syscall_name)
{
	size_t at = reply_begin(err ? err : EIO);
	put_bytes(&out_buf, syscall_name, strlen(syscall_name));
	reply_end(at);
}

struct reader {
	const uint8_t *p;
	size_t left;
	int bad;
};

static uint32_t get_u32(struct reader *r)
{
	if (r->left < 4) {
		r->bad = 1;
		return 0;
	}
	uint32_t v = (uint32_t)r->p[0] | ((uint32_t)r->p[1] << 8) | ((uint32_t)r->p[2] << 16) | ((uint32_t)r->p[3] << 24);
	r->p += 4;
	r->left -= 4;
	return v;
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t lo = get_u32(r);
	uint64_t hi = get_u32(r);
	return lo | (hi << 32);
}

static uint8_t get_u8(struct reader *r)
{
	if (r->left < 1) {
		r->bad = 1;
		return 0;
	}
	uint8_t v = r->p[0];
	r->p++;
	r->left--;
	return v;
}

/* Returns a pointer into the frame; *n receives the length. */
static const uint8_t *get_blob(struct reader *r, size_t *n)
{
	uint32_t len = get_u32(r);
	if (r->bad || r->left < len) {
		r->bad = 1;
		*n = 0;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += len;
	r->left -= len;
	*n = len;
	return p;
}

/* A NUL-terminated copy of a string argument (freed by the caller). */
static char *get_str(struct reader *r)
{
	size_t n;
	const uint8_t *p = get_blob(r, &n);
	if (r->bad)
		return NULL;
	if (memchr(p, 0, n)) {
		r->bad = 1;
		return NULL;
	}
	char *s = malloc(n + 1);
	if (!s)
		die(3, "out of memory");
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static int absolute(const char *path)
{
	return path && path[0] == '/';
}

static void op_hello(void)
{
	size_t at = reply_begin(0);
	put_u32(&out_buf, PROTOCOL_VERSION);
	reply_end(at);
}

static void op_mknod(struct reader *r)
{
	char *path = get_str(r);
	uint32_t mode = get_u32(r), major_ = get_u32(r), minor_ = get_u32(r), flags = get_u32(r);
	uint32_t uid = get_u32(r), gid = get_u32(r);
	int64_t as = (int64_t)get_u64(r);
	uint32_t ans = get_u32(r);
	int64_t ms = (int64_t)get_u64(r);
	uint32_t mns = get_u32(r);
	if (r->bad) {
		free(path);
		return;
	}
	if (!absolute(path)) {
		reply_err(EINVAL, "mknod");
	} else if (mknod(path, (mode_t)mode, makedev(major_, minor_)) != 0) {
		reply_err(errno, "mknod");
	} else if ((flags & 1) && fchownat(AT_FDCWD, path, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) != 0) {
		reply_err(errno, "lchown");
	} else if ((flags & 2) && fchmodat(AT_FDCWD, path, (mode_t)(mode & 07777), 0) != 0) {
		reply_err(errno, "chmod");
	} else {
		int err = 0;
		if (flags & 4) {
			struct timespec ts[2];
			ts[0].tv_sec = (time_t)as;
			ts[0].tv_nsec = (long)ans;
			ts[1].tv_sec = (time_t)ms;
			ts[1].tv_nsec = (long)mns;
			if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0)
				err = errno;
		}
		if (err)
			reply_err(err, "utimensat");
		else
			reply_ok();
	}
	free(path);
}

static void op_lsetxattr(struct reader *r)
{
	char *path = get_str(r);
	char *name = get_str(r);
	size_t vlen;
	const uint8_t *value = get_blob(r, &vlen);
	uint32_t flags = get_u32(r);
	if (!r->bad) {
		if (!absolute(path))
			reply_err(EINVAL, "lsetxattr");
		else if (lsetxattr(path, name, value, vlen, (int)flags) != 0)
			reply_err(errno, "lsetxattr");
		else
			reply_ok();
	}
	free(path);
	free(name);
}

/* Reads one attribute value into a malloc'd buffer, growing on ERANGE. */
static ssize_t read_xattr(const char *path, const char *name, uint8_t **out)
{
	size_t cap = 256;
	for (;;) {
		uint8_t *p = malloc(cap);
		if (!p)
			die(3, "out of memory");
		ssize_t n = lgetxattr(path, name, p, cap);
		if (n >= 0) {
			*out = p;
			return n;
		}
		int err = errno;
		free(p);
		if (err != ERANGE) {
			errno = err;
			return -1;
		}
		ssize_t need = lgetxattr(path, name, NULL, 0);
		if (need < 0)
			return -1;
		cap = (size_t)need + 1 > cap * 2 ? (size_t)need + 1 : cap * 2;
	}
}

/* Reads the NUL-separated attribute name list into a malloc'd buffer. */
static ssize_t read_xattr_list(const char *path, char **out)
{
	size_t cap = 1024;
	for (;;) {
		char *p = malloc(cap);
		if (!p)
			die(3, "out of memory");
		ssize_t n = llistxattr(path, p, cap);
		if (n >= 0) {
			*out = p;
			return n;
		}
		int err = errno;
		free(p);
		if (err != ERANGE) {
			errno = err;
			return -1;
		}
		ssize_t need = llistxattr(path, NULL, 0);
		if (need < 0)
			return -1;
		cap = (size_t)need + 1 > cap * 2 ? (size_t)need + 1 : cap * 2;
	}
}

static void op_lgetxattr(struct reader *r)
{
	char *path = get_str(r);
	char *name = get_str(r);
	if (!r->bad) {
		uint8_t *value = NULL;
		ssize_t n;
		if (!absolute(path)) {
			reply_err(EINVAL, "lgetxattr");
		} else if ((n = read_xattr(path, name, &value)) < 0) {
			reply_err(errno, "lgetxattr");
		} else {
			size_t at = reply_begin(0);
			put_bytes(&out_buf, value, (size_t)n);
			reply_end(at);
		}
		free(value);
	}
	free(path);
	free(name);
}

static void op_llistxattr(struct reader *r)
{
	char *path = get_str(r);
	if (!r->bad) {
		char *list = NULL;
		ssize_t n;
		if (!absolute(path)) {
			reply_err(EINVAL, "llistxattr");
		} else if ((n = read_xattr_list(path, &list)) < 0) {
			reply_err(errno, "llistxattr");
		} else {
			size_t at = reply_begin(0);
			put_bytes(&out_buf, list, (size_t)n);
			reply_end(at);
		}
		free(list);
	}
	free(path);
}

static void op_lgetxattrs(struct reader *r)
{
	char *path = get_str(r);
	if (r->bad) {
		free(path);
		return;
	}
	char *list = NULL;
	ssize_t n;
	if (!absolute(path)) {
		reply_err(EINVAL, "llistxattr");
	} else if ((n = read_xattr_list(path, &list)) < 0) {
		reply_err(errno, "llistxattr");
	} else {
		struct buf tmp = { 0 };
		uint32_t count = 0;
		int err = 0;
		for (ssize_t off = 0; off < n;) {
			const char *name = list + off;
			size_t nlen = strnlen(name, (size_t)(n - off));
			off += (ssize_t)nlen + 1;
			if (nlen == 0)
				continue;
			uint8_t *value = NULL;
			ssize_t vlen = read_xattr(path, name, &value);
			if (vlen < 0) {
				if (errno == ENODATA)
					continue; /* removed meanwhile */
				err = errno;
				break;
			}
			put_blob(&tmp, name, nlen);
			put_blob(&tmp, value, (size_t)vlen);
			free(value);
			count++;
		}
		if (err) {
			reply_err(err, "lgetxattr");
		} else {
			size_t at = reply_begin(0);
			put_u32(&out_buf, count);
			put_bytes(&out_buf, tmp.p, tmp.len);
			reply_end(at);
		}
		free(tmp.p);
	}
	free(list);
	free(path);
}

static void op_mount(struct reader *r)
{
	char *source = get_str(r);
	char *target = get_str(r);
	char *fstype = get_str(r);
	uint64_t flags = get_u64(r);
	char *data = get_str(r);
	char *cwd = get_str(r);
	if (!r->bad) {
		if (!absolute(target)) {
			reply_err(EINVAL, "mount");
		} else if (cwd[0] && chdir(cwd) != 0) {
			reply_err(errno, "chdir");
		} else {
			int rc = mount(source, target, fstype[0] ? fstype : NULL, (unsigned long)flags, data[0] ? data : NULL);
			int err = errno;
			if (cwd[0] && chdir("/") != 0)
				die(4, "cannot return to /");
			if (rc != 0)
				reply_err(err, "mount");
			else
				reply_ok();
		}
	}
	free(source);
	free(target);
	free(fstype);
	free(data);
	free(cwd);
}

static void op_umount(struct reader *r)
{
	char *target = get_str(r);
	uint32_t flags = get_u32(r);
	if (!r->bad) {
		if (!absolute(target))
			reply_err(EINVAL, "umount2");
		else if (umount2(target, (int)flags) != 0)
			reply_err(errno, "umount2");
		else
			reply_ok();
	}
	free(target);
}

static void op_newnetns(struct reader *r)
{
	char *path = get_str(r);
	if (!r->bad) {
		int fd = absolute(path) ? open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444) : -1;
		if (!absolute(path))
			reply_err(EINVAL, "open");
		else if (fd < 0)
			reply_err(errno, "open");
		else {
			close(fd);
			pid_t pid = fork();
			if (pid < 0)
				reply_err(errno, "fork");
			else if (pid == 0) {
				if (unshare(CLONE_NEWNET) != 0)
					_exit(1);
				if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) != 0)
					_exit(2);
				_exit(0);
			} else {
				int st = 0;
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
				if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
					reply_ok();
				else {
					unlink(path);
					reply_err(EPERM, WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "unshare" : "mount");
				}
			}
		}
	}
	free(path);
}

static void op_syncfs(struct reader *r)
{
	char *path = get_str(r);
	if (!r->bad) {
		int fd = absolute(path) ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (!absolute(path))
			reply_err(EINVAL, "open");
		else if (fd < 0)
			reply_err(errno, "open");
		else if (syncfs(fd) != 0) {
			reply_err(errno, "syncfs");
			close(fd);
		} else {
			close(fd);
			reply_ok();
		}
	}
	free(path);
}

struct meta {
	uint32_t mode, uid, gid;
	struct timespec ts[2];
};

static void get_times(struct reader *r, struct timespec ts[2])
{
	for (int i = 0; i < 2; i++) {
		ts[i].tv_sec = (time_t)(int64_t)get_u64(r);
		ts[i].tv_nsec = (long)get_u32(r);
		if (ts[i].tv_nsec > 999999999L)
			r->bad = 1;
	}
}

static void get_meta(struct reader *r, struct meta *m)
{
	m->mode = get_u32(r);
	m->uid = get_u32(r);
	m->gid = get_u32(r);
	get_times(r, m->ts);
}

/* Files being written across several requests (large files). */
struct open_file {
	uint32_t handle;
	int fd;
	int times_only;
	struct meta meta;
	struct open_file *next;
};
static struct open_file *open_files;

static struct open_file *find_file(uint32_t handle, int unlink_it)
{
	for (struct open_file **pp = &open_files; *pp; pp = &(*pp)->next) {
		if ((*pp)->handle == handle) {
			struct open_file *f = *pp;
			if (unlink_it)
				*pp = f->next;
			return f;
		}
	}
	return NULL;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fchown, then fchmod (chown clears set-id bits), then times; closes fd.
 * times_only: owner and mode were right from the start. */
static int finish_fd(int fd, const struct meta *m, int times_only, const char **failed)
{
	int err = 0;
	if (times_only) {
		if (futimens(fd, m->ts) != 0) {
			err = errno;
			*failed = "futimens";
		}
	} else if (fchown(fd, (uid_t)m->uid, (gid_t)m->gid) != 0) {
		err = errno;
		*failed = "fchown";
	} else if (fchmod(fd, (mode_t)(m->mode & 07777)) != 0) {
		err = errno;
		*failed = "fchmod";
	} else if (futimens(fd, m->ts) != 0) {
		err = errno;
		*failed = "futimens";
	}
	if (close(fd) != 0 && !err) {
		err = errno;
		*failed = "close";
	}
	return err;
}

static void op_create(struct reader *r)
{
	uint32_t handle = get_u32(r);
	char *path = get_str(r);
	struct meta m;
	get_meta(r, &m);
	uint32_t flags = get_u32(r);
	size_t n;
	const uint8_t *data = get_blob(r, &n);
	if (r->bad) {
		free(path);
		return;
	}
	int times_only = (flags & 2) && !(m.mode & 07000);
	mode_t create_mode = times_only ? (mode_t)(m.mode & 0777) : 0600;
	int fd = absolute(path) ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, create_mode) : -1;
	if (!absolute(path)) {
		reply_err(EINVAL, "open");
	} else if (fd < 0) {
		reply_err(errno, "open");
	} else if (n > 0 && write_all(fd, data, n) != 0) {
		reply_err(errno, "write");
		close(fd);
	} else if (flags & 1) {
		struct open_file *f = malloc(sizeof *f);
		if (!f)
			die(3, "out of memory");
		f->handle = handle;
		f->fd = fd;
		f->times_only = times_only;
		f->meta = m;
		f->next = open_files;
		open_files = f;
		reply_ok();
	} else {
		const char *failed = "";
		int err = finish_fd(fd, &m, times_only, &failed);
		if (err)
			reply_err(err, failed);
		else
			reply_ok();
	}
	free(path);
}

static void op_write(struct reader *r)
{
	uint32_t handle = get_u32(r);
	size_t n;
	const uint8_t *data = get_blob(r, &n);
	if (r->bad)
		return;
	struct open_file *f = find_file(handle, 0);
	if (!f)
		reply_err(EBADF, "write");
	else if (write_all(f->fd, data, n) != 0)
		reply_err(errno, "write");
	else
		reply_ok();
}

static void op_finish(struct reader *r, int abort_it)
{
	uint32_t handle = get_u32(r);
	if (r->bad)
		return;
	struct open_file *f = find_file(handle, 1);
	if (!f) {
		reply_err(EBADF, abort_it ? "close" : "fchown");
		return;
	}
	if (abort_it) {
		close(f->fd);
		reply_ok();
	} else {
		const char *failed = "";
		int err = finish_fd(f->fd, &f->meta, f->times_only, &failed);
		if (err)
			reply_err(err, failed);
		else
			reply_ok();
	}
	free(f);
}

static void op_mkdir(struct reader *r)
{
	char *path = get_str(r);
	struct meta m;
	get_meta(r, &m);
	uint32_t flags = get_u32(r);
	if (!r->bad) {
		struct stat st;
		if (!absolute(path))
			reply_err(EINVAL, "mkdir");
		else if (mkdir(path, 0700) != 0 && !((flags & 1) && errno == EEXIST && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)))
			reply_err(errno, "mkdir");
		else if (fchownat(AT_FDCWD, path, (uid_t)m.uid, (gid_t)m.gid, AT_SYMLINK_NOFOLLOW) != 0)
			reply_err(errno, "lchown");
		else if (fchmodat(AT_FDCWD, path, (mode_t)(m.mode & 07777), 0) != 0)
			reply_err(errno, "chmod");
		else if ((flags & 2) && utimensat(AT_FDCWD, path, m.ts, AT_SYMLINK_NOFOLLOW) != 0)
			reply_err(errno, "utimensat");
		else
			reply_ok();
	}
	free(path);
}

static void op_symlink(struct reader *r)
{
	char *target = get_str(r);
	char *path = get_str(r);
	struct meta m;
	get_meta(r, &m);
	if (!r->bad) {
		if (!absolute(path))
			reply_err(EINVAL, "symlink");
		else if (symlink(target, path) != 0)
			reply_err(errno, "symlink");
		else if (fchownat(AT_FDCWD, path, (uid_t)m.uid, (gid_t)m.gid, AT_SYMLINK_NOFOLLOW) != 0)
			reply_err(errno, "lchown");
		else if (utimensat(AT_FDCWD, path, m.ts, AT_SYMLINK_NOFOLLOW) != 0)
			reply_err(errno, "utimensat");
		else
			reply_ok();
	}
	free(target);
	free(path);
}

static void op_link(struct reader *r)
{
	char *oldpath = get_str(r);
	char *newpath = get_str(r);
	struct meta m;
	get_meta(r, &m);
	uint32_t flags = get_u32(r);
	if (!r->bad) {
		if (!absolute(oldpath) || !absolute(newpath))
			reply_err(EINVAL, "link");
		else if (linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0) != 0)
			reply_err(errno, "link");
		else if (fchownat(AT_FDCWD, newpath, (uid_t)m.uid, (gid_t)m.gid, AT_SYMLINK_NOFOLLOW) != 0)
			reply_err(errno, "lchown");
		else if ((flags & 1) && fchmodat(AT_FDCWD, newpath, (mode_t)(m.mode & 07777), 0) != 0)
			reply_err(errno, "chmod");
		else if ((flags & 1) && utimensat(AT_FDCWD, newpath, m.ts, AT_SYMLINK_NOFOLLOW) != 0)
			reply_err(errno, "utimensat");
		else
			reply_ok();
	}
	free(oldpath);
	free(newpath);
}

static void op_utimes(struct reader *r)
{
	char *path = get_str(r);
	struct timespec ts[2];
	get_times(r, ts);
	if (!r->bad) {
		if (!absolute(path))
			reply_err(EINVAL, "utimensat");
		else if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0)
			reply_err(errno, "utimensat");
		else
			reply_ok();
	}
	free(path);
}

static void handle(const uint8_t *body, size_t len)
{
	struct reader r = { body, len, 0 };
	uint8_t op = get_u8(&r);
	switch (op) {
	case OP_HELLO:
		op_hello();
		break;
	case OP_MKNOD:
		op_mknod(&r);
		break;
	case OP_LSETXATTR:
		op_lsetxattr(&r);
		break;
	case OP_LGETXATTR:
		op_lgetxattr(&r);
		break;
	case OP_LLISTXATTR:
		op_llistxattr(&r);
		break;
	case OP_LGETXATTRS:
		op_lgetxattrs(&r);
		break;
	case OP_MOUNT:
		op_mount(&r);
		break;
	case OP_UMOUNT:
		op_umount(&r);
		break;
	case OP_SYNCFS:
		op_syncfs(&r);
		break;
	case OP_NEWNETNS:
		op_newnetns(&r);
		break;
	case OP_CREATE:
		op_create(&r);
		break;
	case OP_WRITE:
		op_write(&r);
		break;
	case OP_FINISH:
		op_finish(&r, 0);
		break;
	case OP_ABORT:
		op_finish(&r, 1);
		break;
	case OP_MKDIR:
		op_mkdir(&r);
		break;
	case OP_SYMLINK:
		op_symlink(&r);
		break;
	case OP_LINK:
		op_link(&r);
		break;
	case OP_UTIMES:
		op_utimes(&r);
		break;
	default:
		die(2, "unknown operation");
	}
	if (r.bad)
		die(2, "malformed request");
}

static void flush_out(void)
{
	size_t off = 0;
	while (off < out_buf.len) {
		ssize_t n = write(1, out_buf.p + off, out_buf.len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			exit(0); /* the client went away */
		}
		off += (size_t)n;
	}
	out_buf.len = 0;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	umask(0);
	/* Larger pipes: fewer wake-ups when file content streams through (best effort). */
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	fcntl(1, F_SETPIPE_SZ, 1 << 20);
	if (chdir("/") != 0)
		die(4, "cannot enter /");
	size_t start = 0;
	for (;;) {
		/* Serve every complete request already read, then answer them in one write. */
		for (;;) {
			size_t avail = in_buf.len - start;
			if (avail < 4)
				break;
			const uint8_t *h = in_buf.p + start;
			uint32_t blen = (uint32_t)h[0] | ((uint32_t)h[1] << 8) | ((uint32_t)h[2] << 16) | ((uint32_t)h[3] << 24);
			if (blen == 0 || blen > MAX_FRAME)
				die(2, "bad frame length");
			if (avail < 4 + (size_t)blen)
				break;
			handle(h + 4, blen);
			start += 4 + (size_t)blen;
		}
		if (out_buf.len)
			flush_out();
		if (start > 0) {
			memmove(in_buf.p, in_buf.p + start, in_buf.len - start);
			in_buf.len -= start;
			start = 0;
		}
		buf_reserve(&in_buf, 1 << 20);
		ssize_t n = read(0, in_buf.p + in_buf.len, in_buf.cap - in_buf.len);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(1, "read failed");
		}
		in_buf.len += (size_t)n;
	}
}
