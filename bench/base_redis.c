/*
 * base_redis.c - Redis Streams, what one would use instead of offlog when a
 * server is acceptable: a private redis-server on 127.0.0.1 and a small RESP
 * client over a TCP socket.
 *
 * The server logs to an append-only file only (--appendonly yes, --save ''),
 * with appendfsync always (the reply to a write comes after the fsync of the
 * AOF, shared by all clients served in one event-loop turn) or everysec (a
 * background fsync once a second: the D0 of Redis). AOF rewrites are off so
 * that none starts in the middle of a run. Records are XADD to a stream with
 * one field "v" holding the value; W1 pipelines a batch of XADDs per round
 * trip, W2 waits for each reply.
 *
 * The server is started when the suite starts and stopped when it ends; the
 * child asks the kernel to kill it if the suite dies, and an exit handler
 * kills it and removes its directory on every other way out.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define START_TIMEOUT_SEC 10.0
#define STOP_TIMEOUT_SEC 10.0
#define START_TRIES 3
#define IN_CAP ((size_t)64 << 10)
#define MAX_SERVERS 4

struct redis_server {
	pid_t pid;
	int port;
	bool always;
	char *dir;
};

struct redis_conn {
	int fd;
	char *out;
	size_t out_len, out_cap;
	char in[IN_CAP];
	size_t in_pos, in_len;
};

/* A reply: its type byte, and for a line or bulk string its text (valid
 * until the next read on the connection), for an integer its value. */
typedef struct reply {
	char type;
	long long integer;
	const char *str;
	size_t len;
} reply;

static redis_server *live[MAX_SERVERS];

/* ---- finding the server ------------------------------------------------- */

static char server_path[4096];
static char server_version[64];

const char *redis_installed(void)
{
	static bool looked;
	if (looked)
		return server_path[0] ? server_version : NULL;
	looked = true;
	FILE *f = popen("command -v redis-server 2>/dev/null", "r");
	if (!f)
		die("popen: %s", strerror(errno));
	if (!fgets(server_path, sizeof server_path, f))
		server_path[0] = '\0';
	int st = pclose(f);
	server_path[strcspn(server_path, "\n")] = '\0';
	if (st != 0 || server_path[0] != '/') {
		server_path[0] = '\0';
		return NULL;
	}
	/* "Redis server v=7.0.15 sha=..." */
	char cmd[4200], line[256] = "";
	snprintf(cmd, sizeof cmd, "'%s' --version", server_path);
	if (!(f = popen(cmd, "r")))
		die("popen: %s", strerror(errno));
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	if (pclose(f) != 0)
		die("%s --version failed", server_path);
	const char *v = strstr(line, "v=");
	size_t n = v ? strcspn(v + 2, " \n") : 0;
	snprintf(server_version, sizeof server_version, "Redis %.*s", (int)n, v ? v + 2 : "");
	return server_version;
}

/* ---- connections -------------------------------------------------------- */

static int tcp_connect(int port, bool must)
{
	struct sockaddr_in a;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("Redis: socket: %s", strerror(errno));
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (must)
			die("Redis: connect to 127.0.0.1:%d: %s", port, strerror(errno));
		if (close(fd) != 0)
			die("Redis: close: %s", strerror(errno));
		return -1;
	}
	/* Each XADD of W2 is one small write waiting for its reply. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		die("Redis: TCP_NODELAY: %s", strerror(errno));
	return fd;
}

static redis_conn *conn_new(int fd, size_t out_cap)
{
	redis_conn *c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->out_cap = out_cap < 4096 ? 4096 : out_cap;
	c->out = xcalloc(c->out_cap, 1);
	return c;
}

redis_conn *redis_connect(const redis_server *s, size_t out_cap)
{
	return conn_new(tcp_connect(s->port, true), out_cap);
}

void redis_close(redis_conn *c)
{
	if (!c)
		return;
	if (close(c->fd) != 0)
		die("Redis: close: %s", strerror(errno));
	free(c->out);
	free(c);
}

static void put(redis_conn *c, const void *data, size_t len)
{
	if (c->out_len + len > c->out_cap)
		die("Redis: command buffer of %zu bytes too small", c->out_cap);
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
}

static void put_header(redis_conn *c, char kind, size_t n)
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%c%zu\r\n", kind, n);
	put(c, buf, (size_t)len);
}

static void put_arg(redis_conn *c, const void *data, size_t len)
{
	put_header(c, '$', len);
	put(c, data, len);
	put(c, "\r\n", 2);
}

/* Queue a command of argc arguments; lens[i] == 0 means strlen. */
static void queue_cmd(redis_conn *c, size_t argc, const char *const *argv, const size_t *lens)
{
	put_header(c, '*', argc);
	for (size_t i = 0; i < argc; i++)
		put_arg(c, argv[i], lens && lens[i] ? lens[i] : strlen(argv[i]));
}

static void queue_xadd(redis_conn *c, const char *key, const void *value, size_t len)
{
	const char *argv[] = {"XADD", key, "*", "v", value};
	const size_t lens[] = {0, 0, 0, 0, len};
	queue_cmd(c, 5, argv, lens);
}

/* Send what is queued. MSG_NOSIGNAL: a dead server is an error to report,
 * not a SIGPIPE that ends the suite without cleaning up. */
static void flush_out(redis_conn *c)
{
	size_t done = 0;
	while (done < c->out_len) {
		ssize_t n = send(c->fd, c->out + done, c->out_len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("Redis: send: %s", n < 0 ? strerror(errno) : "nothing sent");
		done += (size_t)n;
	}
	c->out_len = 0;
}

/* Read more bytes; false at end of stream. */
static bool fill(redis_conn *c)
{
	if (c->in_pos > 0) {
		memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
		c->in_len -= c->in_pos;
		c->in_pos = 0;
	}
	if (c->in_len == sizeof c->in)
		die("Redis: reply longer than %zu bytes", sizeof c->in);
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("Redis: recv: %s", strerror(errno));
		c->in_len += (size_t)n;
		return n > 0;
	}
}

/* A line without its CRLF; false if the server closed the connection. */
static bool read_line(redis_conn *c, const char **line, size_t *len)
{
	for (;;) {
		char *start = c->in + c->in_pos;
		size_t avail = c->in_len - c->in_pos;
		char *cr = avail >= 2 ? memchr(start, '\r', avail - 1) : NULL;
		if (cr && cr[1] == '\n') {
			*line = start;
			*len = (size_t)(cr - start);
			c->in_pos += *len + 2;
			return true;
		}
		if (!fill(c))
			return false;
	}
}

static long long parse_int(const char *s, size_t len)
{
	char buf[32];
	char *end;
	if (len == 0 || len >= sizeof buf)
		die("Redis: bad number in a reply");
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno || *end)
		die("Redis: bad number in a reply: %s", buf);
	return v;
}

/* One reply (arrays are not used here); an error reply ends the suite. */
static bool read_reply(redis_conn *c, reply *r, const char *what)
{
	const char *line;
	size_t len;
	if (!read_line(c, &line, &len))
		return false;
	if (len == 0)
		die("Redis: %s: empty reply", what);
	r->type = line[0];
	r->str = line + 1;
	r->len = len - 1;
	switch (r->type) {
	case '+':
		return true;
	case '-':
		die("Redis: %s: %.*s", what, (int)r->len, r->str);
	case ':':
		r->integer = parse_int(r->str, r->len);
		return true;
	case '$': {
		long long n = parse_int(r->str, r->len);
		if (n < 0)
			die("Redis: %s: null reply", what);
		while (c->in_len - c->in_pos < (size_t)n + 2)
			if (!fill(c))
				die("Redis: %s: connection closed in a reply", what);
		r->str = c->in + c->in_pos;
		r->len = (size_t)n;
		c->in_pos += (size_t)n + 2;
		return true;
	}
	default:
		die("Redis: %s: unexpected reply type '%c'", what, r->type);
	}
}

static void expect(redis_conn *c, char type, const char *what)
{
	reply r;
	if (!read_reply(c, &r, what))
		die("Redis: %s: connection closed", what);
	if (r.type != type)
		die("Redis: %s: reply of type '%c', expected '%c'", what, r.type, type);
}

static long long command_int(redis_conn *c, size_t argc, const char *const *argv)
{
	reply r;
	queue_cmd(c, argc, argv, NULL);
	flush_out(c);
	if (!read_reply(c, &r, argv[0]) || r.type != ':')
		die("Redis: %s: no integer reply", argv[0]);
	return r.integer;
}

void redis_xadd_one(redis_conn *c, const char *key, const void *value, size_t len)
{
	queue_xadd(c, key, value, len);
	flush_out(c);
	expect(c, '$', "XADD");
}

int64_t redis_xlen(redis_conn *c, const char *key)
{
	const char *argv[] = {"XLEN", key};
	return (int64_t)command_int(c, 2, argv);
}

/* ---- the server --------------------------------------------------------- */

/* A port no one listens on now. Another process could take it before the
 * server binds it: then the server exits at once and the start is retried. */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("Redis: socket: %s", strerror(errno));
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		die("Redis: finding a free port: %s", strerror(errno));
	if (close(fd) != 0)
		die("Redis: close: %s", strerror(errno));
	return ntohs(a.sin_port);
}

static void child_exec(const redis_server *s, const char *log)
{
	char port[16];
	snprintf(port, sizeof port, "%d", s->port);
	/* Dies with the suite, however the suite ends. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		_exit(126);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	execl(server_path, "redis-server", "--bind", "127.0.0.1", "--port", port, "--dir", s->dir,
	      "--appendonly", "yes", "--appendfsync", s->always ? "always" : "everysec", "--save",
	      "", "--auto-aof-rewrite-percentage", "0", "--daemonize", "no", "--logfile", "",
	      (char *)NULL);
	_exit(127);
}

static void print_log(const char *log)
{
	char line[512];
	FILE *f = fopen(log, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		fprintf(stderr, "  redis-server: %s", line);
	if (fclose(f) != 0)
		fprintf(stderr, "offlog-bench: cannot close %s\n", log);
}

/* True once the server answers PING; false if it exited (port taken). */
static bool wait_ready(redis_server *s, const char *log)
{
	double deadline = now_sec() + START_TIMEOUT_SEC;
	while (now_sec() < deadline) {
		int st;
		pid_t w = waitpid(s->pid, &st, WNOHANG);
		if (w < 0)
			die("Redis: waitpid: %s", strerror(errno));
		if (w == s->pid) {
			s->pid = 0;
			return false;
		}
		int fd = tcp_connect(s->port, false);
		if (fd >= 0) {
			redis_conn *c = conn_new(fd, 0);
			const char *argv[] = {"PING"};
			reply r;
			queue_cmd(c, 1, argv, NULL);
			flush_out(c);
			/* -LOADING while it reads its AOF: not ready yet. */
			if (read_line(c, &r.str, &r.len) && r.len == 5 && memcmp(r.str, "+PONG", 5) == 0) {
				redis_close(c);
				return true;
			}
			redis_close(c);
		}
		sleep_sec(0.005);
	}
	print_log(log);
	die("Redis: redis-server did not answer PING within %.0f s", START_TIMEOUT_SEC);
}

static void kill_all(void)
{
	for (size_t i = 0; i < MAX_SERVERS; i++) {
		redis_server *s = live[i];
		if (!s)
			continue;
		live[i] = NULL;
		if (s->pid > 0 && kill(s->pid, SIGKILL) == 0)
			waitpid(s->pid, NULL, 0);
		tmpdir_remove(s->dir);
		free(s);
	}
}

redis_server *redis_start(bool fsync_always)
{
	static bool handler;
	char log[4200];
	if (!redis_installed())
		die("Redis: redis-server is not installed");
	/* Registered after the handler that removes temporary directories, so
	 * it runs before it: the server stops writing before its directory goes. */
	if (!handler && atexit(kill_all) != 0)
		die("atexit failed");
	handler = true;
	redis_server *s = xcalloc(1, sizeof *s);
	s->always = fsync_always;
	s->dir = tmpdir_create(fsync_always ? "redis-always" : "redis-everysec");
	size_t slot = 0;
	while (slot < MAX_SERVERS && live[slot])
		slot++;
	if (slot == MAX_SERVERS)
		die("Redis: more than %d servers", MAX_SERVERS);
	live[slot] = s;
	snprintf(log, sizeof log, "%s/redis.log", s->dir);
	for (int attempt = 1;; attempt++) {
		s->port = free_port();
		fflush(NULL);
		s->pid = fork();
		if (s->pid < 0)
			die("Redis: fork: %s", strerror(errno));
		if (s->pid == 0)
			child_exec(s, log);
		if (wait_ready(s, log))
			return s;
		if (attempt == START_TRIES) {
			print_log(log);
			die("Redis: redis-server exited at start %d times", START_TRIES);
		}
	}
}

void redis_stop(redis_server *s)
{
	int st = 0;
	if (!s)
		return;
	redis_conn *c = redis_connect(s, 0);
	const char *argv[] = {"SHUTDOWN", "NOSAVE"};
	reply r;
	queue_cmd(c, 2, argv, NULL);
	flush_out(c);
	/* Success closes the connection without a reply. */
	if (read_reply(c, &r, "SHUTDOWN"))
		die("Redis: SHUTDOWN answered instead of exiting");
	redis_close(c);
	double deadline = now_sec() + STOP_TIMEOUT_SEC;
	pid_t w;
	while ((w = waitpid(s->pid, &st, WNOHANG)) == 0 && now_sec() < deadline)
		sleep_sec(0.002);
	if (w < 0)
		die("Redis: waitpid: %s", strerror(errno));
	if (w == 0)
		die("Redis: redis-server did not exit within %.0f s of SHUTDOWN", STOP_TIMEOUT_SEC);
	s->pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("Redis: redis-server exited with status %d", st);
	for (size_t i = 0; i < MAX_SERVERS; i++)
		if (live[i] == s)
			live[i] = NULL;
	tmpdir_remove(s->dir);
	free(s);
}

const char *redis_name(const redis_server *s)
{
	return s->always ? "redis-always" : "redis-everysec";
}

void redis_flushall(redis_server *s)
{
	redis_conn *c = redis_connect(s, 0);
	const char *argv[] = {"FLUSHALL"};
	queue_cmd(c, 1, argv, NULL);
	flush_out(c);
	expect(c, '+', "FLUSHALL");
	redis_close(c);
}

/* ---- W1: pipelined batches ---------------------------------------------- */

double redis_append(redis_server *s, const append_spec *w, const payload *p)
{
	static const char key[] = "w1";
	redis_conn *c = redis_connect(s, w->batch * (w->value_size + 64));
	double t0 = now_sec();
	for (size_t i = 0; i < w->records; i += w->batch) {
		for (size_t j = 0; j < w->batch; j++)
			queue_xadd(c, key, payload_value(p, i + j, w->value_size), w->value_size);
		flush_out(c);
		for (size_t j = 0; j < w->batch; j++)
			expect(c, '$', "XADD");
	}
	double secs = now_sec() - t0;
	int64_t n = redis_xlen(c, key);
	if (n != (int64_t)w->records)
		die("Redis: stream holds %lld records after %zu XADDs", (long long)n, w->records);
	redis_close(c);
	redis_flushall(s);
	return secs;
}
