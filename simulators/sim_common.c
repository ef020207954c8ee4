/*
 * What the simulators share: the line server (reading, line splitting,
 * queueing, faults, the server thread, listen/start/stop), the noise
 * generator and the words of a control line. The protocols live in
 * sim_balance.c and sim_pressure*.c, the file descriptors in sim_link.c.
 *
 * Wire rules of the server:
 *  - input lines end in CR LF, CR or LF (CR LF counts once); empty lines are
 *    ignored; a line longer than SIM_LINE_MAX bytes is discarded up to its
 *    end and handed over flagged too_long;
 *  - one command, one answer (or none), in order: lines arriving while a
 *    command is served wait in a queue of SIM_QUEUE_LEN lines (more are
 *    dropped);
 *  - a reply is counted before it is written: a client that has read it
 *    already sees it in the statistics.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/num.h"

#include "sim_common.h"

#define POLL_MS 20	       /* longest sleep of the server thread, ms */
#define WRITE_TIMEOUT_MS 1000  /* give up a reply the client does not take, ms */
#define CTL_COUNT_MAX 1000000  /* replies one fault may affect */
#define CTL_LATE_MAX_MS 600000 /* longest delay of a late reply, ms */

#define srv_log(s, level, fmt, ...) cal_log(level, "%s: " fmt, (s)->name, ##__VA_ARGS__)

/* ---- helpers ------------------------------------------------------------- */

size_t sim_put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (size == 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

void sim_escape(char *out, size_t size, const char *in, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02X", c);
	}
	out[o] = '\0';
}

uint64_t sim_xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* splitmix64 finaliser: spreads a counter over all 64 bits. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

double sim_gauss(uint64_t seed, int64_t k)
{
	uint64_t s = mix64(seed ^ mix64((uint64_t)k));
	double u1, u2;

	if (s == 0)
		s = 1;
	/* Box-Muller: u1 in (0, 1], u2 in [0, 1). */
	u1 = ((double)(sim_xorshift64(&s) >> 11) + 1.0) * 0x1p-53;
	u2 = (double)(sim_xorshift64(&s) >> 11) * 0x1p-53;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void sim_garble(char *reply, size_t len, uint64_t r)
{
	size_t ndig = 0, npos = 0, want;

	for (size_t i = 0; i < len; i++) {
		if (reply[i] >= '0' && reply[i] <= '9')
			ndig++;
		if (reply[i] != '\r' && reply[i] != '\n')
			npos++;
	}
	if (npos == 0)
		return;
	if ((r & 1) && ndig > 0) {
		want = (size_t)((r >> 1) % ndig);
		for (size_t i = 0; i < len; i++) {
			if (reply[i] < '0' || reply[i] > '9')
				continue;
			if (want-- == 0) {
				reply[i] = (char)('0' +
						  (reply[i] - '0' + 1 + (int)((r >> 8) % 9)) % 10);
				return;
			}
		}
	}
	want = (size_t)((r >> 1) % npos);
	for (size_t i = 0; i < len; i++) {
		if (reply[i] == '\r' || reply[i] == '\n')
			continue;
		if (want-- == 0) {
			reply[i] = (char)(0x80 | ((r >> 8) & 0x7f));
			return;
		}
	}
}

/* ---- server thread ---------------------------------------------------------- */

static void conn_reset(struct sim_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->busy = SIM_IDLE;
}

/* Close the link: TCP client dropped (accept again), or pty closed for good. */
static void close_link(struct sim_srv *s)
{
	if (s->link.kind == SIM_LINK_TCP) {
		sim_link_drop_client(&s->link);
	} else {
		sim_link_close_pty(&s->link);
		pthread_mutex_lock(&s->lock);
		s->link_closed = true;
		pthread_mutex_unlock(&s->lock);
	}
	conn_reset(&s->conn);
	pthread_mutex_lock(&s->lock);
	s->client = false;
	pthread_mutex_unlock(&s->lock);
}

/* Write bytes; false when the link went away. @counted: a reply (stats). */
static bool send_bytes(struct sim_srv *s, const char *buf, size_t len, bool counted)
{
	char esc[SIM_REPLY_MAX * 4 + 1];
	int rc;

	/*
	 * Counted before the write: a client that has read the reply must
	 * already see it in the statistics (tests read them right after).
	 */
	if (counted) {
		pthread_mutex_lock(&s->lock);
		s->n_replies++;
		pthread_mutex_unlock(&s->lock);
	}
	rc = sim_link_write(&s->link, buf, len, WRITE_TIMEOUT_MS, &s->stop);
	if (rc != CAL_OK) {
		if (counted) {
			pthread_mutex_lock(&s->lock);
			s->n_replies--;
			pthread_mutex_unlock(&s->lock);
		}
		srv_log(s, CAL_LOG_WARN, "reply not sent: %s", cal_error_last());
		if (s->link.kind == SIM_LINK_TCP && rc != CAL_ERR_TIMEOUT) {
			close_link(s);
			return false;
		}
		return true;
	}
	if (cal_log_get_level() >= CAL_LOG_SPEW) {
		sim_escape(esc, sizeof(esc), buf, len);
		srv_log(s, CAL_LOG_SPEW, "-> %s", esc);
	}
	return true;
}

/* Unsolicited bytes at power-up or connection, never affected by faults nor counted. */
static bool greet(struct sim_srv *s)
{
	char line[SIM_REPLY_MAX];
	size_t n;

	if (!s->ops->greet)
		return true;
	n = s->ops->greet(s->ctx, line, sizeof(line));
	if (n == 0)
		return true;
	return send_bytes(s, line, n, false);
}

/* Send a reply through the armed fault. False when the link is gone. */
static bool emit(struct sim_srv *s, char *reply, size_t len, int64_t now_ms)
{
	int f = SIM_FAULT_NONE;
	struct sim_conn *c = &s->conn;
	uint64_t r = 0;
	int late_ms = 0;

	pthread_mutex_lock(&s->lock);
	if (s->fault != SIM_FAULT_NONE && s->fault_count > 0 &&
	    !(s->line_faults & (1u << s->fault))) {
		f = s->fault;
		late_ms = s->late_ms;
		r = sim_xorshift64(&s->rng);
		if (--s->fault_count == 0)
			s->fault = SIM_FAULT_NONE;
	}
	pthread_mutex_unlock(&s->lock);

	switch (f) {
	case SIM_FAULT_NONE:
		break;
	case SIM_FAULT_DROP:
		srv_log(s, CAL_LOG_DBG, "fault: reply dropped");
		return true;
	case SIM_FAULT_GARBLE:
		sim_garble(reply, len, r);
		srv_log(s, CAL_LOG_DBG, "fault: reply garbled");
		break;
	case SIM_FAULT_LATE:
		memcpy(c->late, reply, len);
		c->late_len = len;
		c->due_ms = now_ms + late_ms;
		c->busy = SIM_LATE;
		srv_log(s, CAL_LOG_DBG, "fault: reply held back %d ms", late_ms);
		return true;
	case SIM_FAULT_CLOSE:
		srv_log(s, CAL_LOG_DBG, "fault: link closed instead of a reply");
		close_link(s);
		return false;
	default:
		if (s->ops->fault_reply)
			len = s->ops->fault_reply(s->ctx, f, reply, SIM_REPLY_MAX);
		break;
	}
	return send_bytes(s, reply, len, true);
}

/* A complete line arrived: count it, show it to on_line, queue it. */
static void finish_line(struct sim_srv *s)
{
	struct sim_conn *c = &s->conn;
	char esc[SIM_LINE_MAX * 4 + 1];
	struct sim_line *l;

	if (c->len == 0 && !c->overflow)
		return; /* empty line: ignored */
	pthread_mutex_lock(&s->lock);
	s->n_commands++;
	pthread_mutex_unlock(&s->lock);
	sim_escape(esc, sizeof(esc), c->line, c->len);
	srv_log(s, CAL_LOG_DBG, "<- %s%s", esc, c->overflow ? "... (too long)" : "");
	if (s->ops->on_line) {
		struct sim_line now = { .len = c->overflow ? 0 : c->len, .too_long = c->overflow };

		memcpy(now.text, c->line, now.len);
		s->ops->on_line(s->ctx, &now);
	}
	if (c->q_len == SIM_QUEUE_LEN) {
		srv_log(s, CAL_LOG_WARN, "command queue full: line dropped");
	} else {
		l = &c->q[(c->q_head + c->q_len) % SIM_QUEUE_LEN];
		c->q_len++;
		l->too_long = c->overflow;
		l->len = c->overflow ? 0 : c->len;
		memcpy(l->text, c->line, l->len);
	}
	c->len = 0;
	c->overflow = false;
}

static void feed(struct sim_srv *s, const char *buf, size_t n)
{
	struct sim_conn *c = &s->conn;

	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (ch == '\n' && c->after_cr) {
			c->after_cr = false;
			continue;
		}
		c->after_cr = ch == '\r';
		if (ch == '\r' || ch == '\n') {
			finish_line(s);
			continue;
		}
		if (c->overflow)
			continue;
		if (c->len == SIM_LINE_MAX) {
			c->overflow = true;
			continue;
		}
		c->line[c->len++] = ch;
	}
}

bool sim_srv_abort(struct sim_srv *s)
{
	struct sim_conn *c = &s->conn;
	bool waited = c->busy == SIM_WAIT;

	if (waited)
		c->busy = SIM_IDLE;
	c->q_head = 0;
	c->q_len = 0;
	return waited;
}

/* Advance pending work: late replies, waits, then queued commands. */
static void step(struct sim_srv *s)
{
	struct sim_conn *c = &s->conn;
	char reply[SIM_REPLY_MAX];

	for (int guard = 0; guard < SIM_QUEUE_LEN + 2; guard++) {
		int64_t now = cal_mono_ms();
		struct sim_line line;
		size_t len;

		if (sim_link_io_fd(&s->link) < 0)
			return;
		if (c->busy == SIM_LATE) {
			if (now < c->due_ms)
				return;
			c->busy = SIM_IDLE;
			if (!send_bytes(s, c->late, c->late_len, true))
				return;
			continue;
		}
		if (c->busy == SIM_WAIT) {
			len = s->ops->pending(s->ctx, reply, sizeof(reply), now);
			if (len == 0)
				return;
			c->busy = SIM_IDLE;
		} else {
			if (c->q_len == 0)
				return;
			line = c->q[c->q_head];
			c->q_head = (c->q_head + 1) % SIM_QUEUE_LEN;
			c->q_len--;
			len = s->ops->handle(s->ctx, reply, sizeof(reply), &line, now);
			if (len == SIM_PENDING) {
				c->busy = SIM_WAIT;
				continue;
			}
			if (len == 0)
				continue; /* no reply to this line */
		}
		if (!emit(s, reply, len, now))
			return;
	}
}

static bool take_close_now(struct sim_srv *s)
{
	bool v;

	pthread_mutex_lock(&s->lock);
	v = s->close_now;
	s->close_now = false;
	pthread_mutex_unlock(&s->lock);
	return v;
}

static int next_timeout_ms(const struct sim_srv *s)
{
	int64_t left;

	if (s->conn.busy != SIM_LATE)
		return POLL_MS;
	left = s->conn.due_ms - cal_mono_ms();
	if (left < 0)
		return 0;
	return left < POLL_MS ? (int)left : POLL_MS;
}

static void *serve(void *arg)
{
	struct sim_srv *s = arg;
	char buf[512];

	if (s->link.kind == SIM_LINK_PTY)
		greet(s);
	while (!atomic_load(&s->stop)) {
		struct pollfd pfd;
		bool accepted, gone;
		size_t got;
		int fd;

		if (take_close_now(s) && sim_link_io_fd(&s->link) >= 0) {
			srv_log(s, CAL_LOG_DBG, "fault: link closed");
			close_link(s);
		}
		fd = sim_link_io_fd(&s->link);
		if (fd < 0) {
			if (s->link.kind != SIM_LINK_TCP)
				break; /* pty closed: the simulator stops */
			if (sim_link_accept(&s->link, POLL_MS, &accepted) != CAL_OK) {
				srv_log(s, CAL_LOG_WARN, "%s", cal_error_last());
				poll(NULL, 0, POLL_MS);
				continue;
			}
			if (accepted) {
				conn_reset(&s->conn);
				pthread_mutex_lock(&s->lock);
				s->client = true;
				pthread_mutex_unlock(&s->lock);
				greet(s);
			}
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, next_timeout_ms(s)) > 0 && pfd.revents) {
			/* "fault close" given while we slept: no more replies */
			if (take_close_now(s)) {
				srv_log(s, CAL_LOG_DBG, "fault: link closed");
				close_link(s);
				continue;
			}
			sim_link_read(&s->link, buf, sizeof(buf), &got, &gone);
			if (gone) {
				close_link(s);
				continue;
			}
			feed(s, buf, got);
		}
		step(s);
	}
	atomic_store(&s->running, false);
	return NULL;
}

/* ---- life cycle ------------------------------------------------------------- */

void sim_srv_init(struct sim_srv *s, const char *name, const struct sim_srv_ops *ops, void *ctx,
		  unsigned seed)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->ops = ops;
	s->ctx = ctx;
	pthread_mutex_init(&s->lock, NULL);
	s->rng = 0x2545F4914F6CDD1DULL ^ ((uint64_t)seed * 0x9E3779B97F4A7C15ULL);
	if (s->rng == 0)
		s->rng = 1;
	sim_link_init(&s->link);
	conn_reset(&s->conn);
	atomic_init(&s->stop, false);
	atomic_init(&s->running, false);
}

void sim_srv_destroy(struct sim_srv *s)
{
	sim_srv_stop(s);
	sim_link_close(&s->link);
	pthread_mutex_destroy(&s->lock);
}

int sim_srv_listen_pty(struct sim_srv *s, char *path_out, size_t size)
{
	int rc;

	if (!path_out || size == 0)
		return cal_error_set(CAL_ERR_ARG, "listen pty: NULL argument");
	if (s->have_thread || s->link.kind != SIM_LINK_NONE)
		return cal_error_set(CAL_ERR_STATE, "simulator is already listening");
	rc = sim_link_open_pty(&s->link);
	if (rc != CAL_OK)
		return rc;
	if (strlen(s->link.path) >= size) {
		sim_link_close(&s->link);
		sim_link_init(&s->link);
		return cal_error_set(CAL_ERR_ARG, "listen pty: path buffer of %zu bytes too small",
				     size);
	}
	memcpy(path_out, s->link.path, strlen(s->link.path) + 1);
	return CAL_OK;
}

int sim_srv_listen_tcp(struct sim_srv *s, const char *host, int port, int *bound_port)
{
	int rc;

	if (s->have_thread || s->link.kind != SIM_LINK_NONE)
		return cal_error_set(CAL_ERR_STATE, "simulator is already listening");
	rc = sim_link_open_tcp(&s->link, host, port);
	if (rc != CAL_OK)
		return rc;
	if (bound_port)
		*bound_port = s->link.port;
	return CAL_OK;
}

int sim_srv_start(struct sim_srv *s)
{
	int err;

	if (s->have_thread && !atomic_load(&s->running)) {
		/* the thread left by itself (pty closed): reap it */
		pthread_join(s->thread, NULL);
		s->have_thread = false;
	}
	if (s->have_thread)
		return cal_error_set(CAL_ERR_STATE, "simulator already running");
	if (s->link.kind == SIM_LINK_NONE)
		return cal_error_set(CAL_ERR_STATE, "simulator is not listening");
	if (s->link.closed)
		return cal_error_set(CAL_ERR_STATE, "simulator link was closed");
	atomic_store(&s->stop, false);
	atomic_store(&s->running, true);
	conn_reset(&s->conn);
	err = pthread_create(&s->thread, NULL, serve, s);
	if (err != 0) {
		atomic_store(&s->running, false);
		return cal_error_set(CAL_ERR, "pthread_create: %s", strerror(err));
	}
	s->have_thread = true;
	return CAL_OK;
}

void sim_srv_stop(struct sim_srv *s)
{
	if (!s->have_thread)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	s->have_thread = false;
	atomic_store(&s->running, false);
	sim_link_drop_client(&s->link);
	pthread_mutex_lock(&s->lock);
	s->client = false;
	pthread_mutex_unlock(&s->lock);
}

void sim_srv_fault(struct sim_srv *s, int f, int count, int late_ms, int max_kind)
{
	pthread_mutex_lock(&s->lock);
	if (f == SIM_FAULT_CLOSE && count <= 0) {
		s->close_now = true;
	} else if (f < SIM_FAULT_NONE || f > max_kind || count <= 0) {
		s->fault = SIM_FAULT_NONE;
		s->fault_count = 0;
	} else {
		s->fault = f;
		s->fault_count = count;
		s->late_ms = late_ms > 0 ? late_ms : 0;
	}
	if (f == SIM_FAULT_NONE)
		s->close_now = false;
	pthread_mutex_unlock(&s->lock);
}

bool sim_srv_take_fault_locked(struct sim_srv *s, int kind)
{
	if (s->fault != kind || kind == SIM_FAULT_NONE || s->fault_count <= 0)
		return false;
	if (--s->fault_count == 0)
		s->fault = SIM_FAULT_NONE;
	return true;
}

void sim_srv_stats(struct sim_srv *s, unsigned long *commands, unsigned long *replies)
{
	pthread_mutex_lock(&s->lock);
	if (commands)
		*commands = s->n_commands;
	if (replies)
		*replies = s->n_replies;
	pthread_mutex_unlock(&s->lock);
}

size_t sim_srv_status_locked(struct sim_srv *s, char *buf, size_t size,
			     const char *const *fault_names)
{
	char link[96];
	size_t n;

	if (s->link_closed)
		snprintf(link, sizeof(link), "closed");
	else if (s->link.kind == SIM_LINK_PTY)
		snprintf(link, sizeof(link), "pty:%s", s->link.path);
	else if (s->link.kind == SIM_LINK_TCP)
		snprintf(link, sizeof(link), "tcp:%d:%s", s->link.port,
			 s->client ? "client" : "waiting");
	else
		snprintf(link, sizeof(link), "none");
	n = sim_put(buf, size, "fault=%s", fault_names[s->fault]);
	if (s->fault != SIM_FAULT_NONE)
		n += sim_put(buf + n, size - n, ":%d", s->fault_count);
	n += sim_put(buf + n, size - n, " commands=%lu replies=%lu link=%s%s", s->n_commands,
		     s->n_replies, link, atomic_load(&s->running) ? "" : " (stopped)");
	return n;
}

/* ---- control lines ------------------------------------------------------------ */

int sim_ctl_split(char *buf, const char *line, char **w, int *nw)
{
	char *p = buf;
	size_t len = strlen(line);

	*nw = 0;
	if (len >= SIM_CTL_LINE_MAX)
		return cal_error_set(CAL_ERR_ARG, "control line too long (at most %d characters)",
				     SIM_CTL_LINE_MAX - 1);
	memcpy(buf, line, len + 1);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (*nw == SIM_CTL_WORDS_MAX)
			return cal_error_set(CAL_ERR_ARG, "control line: too many words");
		w[(*nw)++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
	}
	if (*nw == 0)
		return cal_error_set(CAL_ERR_ARG, "empty control line (try help)");
	return CAL_OK;
}

int sim_ctl_int(int *out, const char *word, const char *what, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(word, &end, 10);
	if (errno != 0 || end == word || *end != '\0' || v < min || v > max)
		return cal_error_set(CAL_ERR_ARG, "%s '%s': expected an integer %d..%d", what, word,
				     min, max);
	*out = (int)v;
	return CAL_OK;
}

int sim_ctl_double(double *out, const char *word, const char *what)
{
	if (cal_num_parse_str(out, NULL, word) != CAL_OK)
		return cal_error_set(CAL_ERR_ARG, "%s '%s': expected a number", what, word);
	return CAL_OK;
}

static int ctl_fault(int *kind, int *count, int *late_ms, char **w, int nw,
		     const struct sim_ctl_fault_kind *kinds, size_t nkinds)
{
	char names[128] = "";
	size_t nn = 0;
	bool found = false;
	int rc;

	*kind = SIM_FAULT_NONE;
	*count = 1;
	*late_ms = 0;
	for (size_t i = 0; i < nkinds; i++) {
		if (kinds[i].kind == SIM_FAULT_NONE && strcmp(kinds[i].name, "none") != 0)
			continue; /* an alias of none */
		nn += sim_put(names + nn, sizeof(names) - nn, "%s%s", nn ? ", " : "",
			      kinds[i].name);
	}
	if (nw < 2)
		return cal_error_set(CAL_ERR_ARG, "fault: which one? (%s)", names);
	for (size_t i = 0; i < nkinds; i++) {
		if (strcmp(w[1], kinds[i].name) == 0) {
			*kind = kinds[i].kind;
			found = true;
			break;
		}
	}
	if (!found)
		return cal_error_set(CAL_ERR_ARG, "fault '%s': unknown (%s)", w[1], names);
	switch (*kind) {
	case SIM_FAULT_NONE:
		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "fault %s: takes no count", w[1]);
		*count = 0;
		break;
	case SIM_FAULT_LATE:
		if (nw == 3) {
			rc = sim_ctl_int(late_ms, w[2], "fault late: delay ms", 0, CTL_LATE_MAX_MS);
		} else if (nw == 4) {
			rc = sim_ctl_int(count, w[2], "fault late: count", 1, CTL_COUNT_MAX);
			if (rc == CAL_OK)
				rc = sim_ctl_int(late_ms, w[3], "fault late: delay ms", 0,
						 CTL_LATE_MAX_MS);
		} else {
			rc = cal_error_set(CAL_ERR_ARG, "fault late: expected [count] <ms>");
		}
		if (rc != CAL_OK)
			return rc;
		break;
	case SIM_FAULT_CLOSE:
		*count = 0; /* now */
		__attribute__((fallthrough));
	default:
		if (nw > 3)
			return cal_error_set(CAL_ERR_ARG, "fault %s: expected at most a count",
					     w[1]);
		if (nw == 3) {
			rc = sim_ctl_int(count, w[2], "fault: count", 1, CTL_COUNT_MAX);
			if (rc != CAL_OK)
				return rc;
		}
		break;
	}
	return CAL_OK;
}

int sim_ctl_run(struct sim_srv *s, const struct sim_ctl *ctl, const char *line, char *reply,
		size_t size)
{
	char buf[SIM_CTL_LINE_MAX];
	char *w[SIM_CTL_WORDS_MAX];
	int nw = 0, rc;

	if (reply && size > 0)
		reply[0] = '\0';
	if (!line)
		return cal_error_set(CAL_ERR_ARG, "control: NULL argument");
	rc = sim_ctl_split(buf, line, w, &nw);
	if (rc != CAL_OK)
		return rc;
	if (strcmp(w[0], "fault") == 0) {
		int f, count, late_ms;

		rc = ctl_fault(&f, &count, &late_ms, w, nw, ctl->faults, ctl->n_faults);
		if (rc == CAL_OK)
			sim_srv_fault(s, f, count, late_ms, ctl->max_fault);
	} else if (strcmp(w[0], "status") == 0 && nw == 1) {
		if (reply && size > 0)
			ctl->status(s->ctx, reply, size);
		return CAL_OK;
	} else if (strcmp(w[0], "help") == 0 && nw == 1) {
		if (reply && size > 0)
			snprintf(reply, size, "%s", ctl->help);
		return CAL_OK;
	} else {
		rc = ctl->own(s->ctx, w, nw);
		if (rc == SIM_CTL_UNKNOWN)
			return cal_error_set(CAL_ERR_ARG,
					     "unknown control command '%.40s' (try help)", w[0]);
	}
	if (rc == CAL_OK && reply && size > 0)
		snprintf(reply, size, "ok");
	return rc;
}
