/*
 * The generic transport layer: backend selection, the line reader, and
 * wrappers that log every byte at SPEW level (the audit trail).
 *
 * Line reader. Instruments end lines with CR LF, CR or LF (MT-SICS lets the
 * user choose), and one read() may hold half a line or three lines. Bytes
 * are kept in t->buf between calls: [rpos, wpos) is unread data, and
 * 0 <= rpos <= wpos <= sizeof(buf). A CR or LF ends a line; the empty lines
 * this makes out of CR LF are skipped. A line that does not fit the caller's
 * buffer (or t->buf) is discarded up to its terminator, possibly across
 * calls (t->discarding), and reported as CAL_ERR_PROTO once.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LOG_PREFIX "transport"
#include "cal/clock.h"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/transport.h"

#include "../util.h"
#include "internal.h"

/* Bytes kept between line reads; longer lines are always CAL_ERR_PROTO. */
#define LINE_BUF_SIZE 1024

struct cal_transport {
	const struct cal_transport_ops *ops; /* never NULL */
	void *ctx;			     /* backend state, freed by ops->close */
	char desc[300];			     /* for messages, see cal_transport_describe() */
	struct cal_port_cfg cfg;	     /* what it was opened for (zero for custom ones) */
	unsigned char buf[LINE_BUF_SIZE];    /* unread input: [rpos, wpos) */
	size_t rpos;
	size_t wpos;
	bool discarding;  /* inside an over-long line: drop bytes up to CR or LF */
	size_t discarded; /* bytes dropped so far of that line */
	bool reported;	  /* that line was already reported as CAL_ERR_PROTO */
};

int cal_tr_remaining_ms(int64_t deadline_ms)
{
	int64_t left = deadline_ms - cal_mono_ms();

	if (left <= 0)
		return 0;
	if (left > INT_MAX)
		return INT_MAX;
	return (int)left;
}

static void log_bytes(const char *what, const struct cal_transport *t, const void *data, size_t len)
{
	char esc[CAL_DRV_ESCAPE_MAX];

	if (cal_log_get_level() < CAL_LOG_SPEW)
		return;
	log_spew("%s %s %zu bytes \"%s\"", t->desc, what, len,
		 cal_drv_escape(esc, sizeof(esc), data, len));
}

int cal_transport_new_custom(struct cal_transport **out, const struct cal_transport_ops *ops,
			     void *ctx)
{
	struct cal_transport *t;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_transport_new_custom: out is NULL");
	*out = NULL;
	if (!ops || !ops->read || !ops->write)
		return cal_error_set(CAL_ERR_ARG,
				     "cal_transport_new_custom: ops must have read and write");
	t = calloc(1, sizeof(*t));
	if (!t)
		return cal_error_set(CAL_ERR_NOMEM, "out of memory for a transport");
	t->ops = ops;
	t->ctx = ctx;
	snprintf(t->desc, sizeof(t->desc), "%s", ops->name ? ops->name : "custom");
	*out = t;
	return CAL_OK;
}

/* Open a tty path: libserialport first, termios when it refuses the name. */
static int open_serial(const struct cal_transport_ops **ops, void **ctx,
		       const struct cal_port_cfg *cfg, const char *desc)
{
	struct stat st;
	bool refused = false;
	int rc;

	if (stat(cfg->path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return cal_error_set(CAL_ERR_NOTFOUND, "port %s does not exist", cfg->path);
		return cal_error_set(CAL_ERR_IO, "port %s: %s", cfg->path, strerror(errno));
	}
	if (!S_ISCHR(st.st_mode))
		return cal_error_set(CAL_ERR_IO, "port %s is not a character device (a tty)",
				     cfg->path);
	rc = cal_tr_sp_open(ctx, &refused, cfg, desc);
	if (rc == CAL_OK) {
		*ops = &cal_tr_sp_ops;
		return CAL_OK;
	}
	if (!refused)
		return rc;
	log_dbg("%s: libserialport refused the name, using termios", cfg->path);
	rc = cal_tr_termios_open(ctx, cfg, desc);
	if (rc == CAL_OK)
		*ops = &cal_tr_termios_ops;
	return rc;
}

static int modbus_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)timeout_ms;
	return cal_error_set(CAL_ERR_UNSUPPORTED, "a Modbus port carries no byte stream");
}

static int modbus_read(void *ctx, void *buf, size_t size, size_t *got, int timeout_ms)
{
	(void)ctx;
	(void)buf;
	(void)size;
	(void)timeout_ms;
	*got = 0;
	return cal_error_set(CAL_ERR_UNSUPPORTED, "a Modbus port carries no byte stream");
}

/* The placeholder for Modbus ports: configuration only (see cal_transport_cfg). */
static const struct cal_transport_ops modbus_ops = {
	.name = "libmodbus",
	.write = modbus_write,
	.read = modbus_read,
};

const struct cal_port_cfg *cal_transport_cfg(const struct cal_transport *t)
{
	return t ? &t->cfg : NULL;
}

int cal_transport_open(struct cal_transport **out, const struct cal_port_cfg *cfg)
{
	const struct cal_transport_ops *ops = NULL;
	void *ctx = NULL;
	char desc[300];
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_transport_open: out is NULL");
	*out = NULL;
	if (!cfg)
		return cal_error_set(CAL_ERR_ARG, "cal_transport_open: no port configuration");
	cal_port_cfg_describe(desc, sizeof(desc), cfg);
	switch (cfg->kind) {
	case CAL_PORT_SERIAL:
		if (!memchr(cfg->path, '\0', sizeof(cfg->path)) || !cfg->path[0])
			return cal_error_set(CAL_ERR_ARG, "serial port path is empty or too long");
		rc = open_serial(&ops, &ctx, cfg, desc);
		break;
	case CAL_PORT_TCP:
		if (!memchr(cfg->host, '\0', sizeof(cfg->host)) || !cfg->host[0] ||
		    cfg->tcp_port < 1 || cfg->tcp_port > 65535)
			return cal_error_set(CAL_ERR_ARG, "bad TCP address %s", desc);
		rc = cal_tr_tcp_open(&ctx, cfg, desc, CAL_TCP_CONNECT_TIMEOUT_MS);
		ops = &cal_tr_tcp_ops;
		break;
	case CAL_PORT_MODBUS_TCP:
	case CAL_PORT_MODBUS_RTU:
		ops = &modbus_ops; /* the driver opens the link with libmodbus */
		rc = CAL_OK;
		break;
	default:
		return cal_error_set(CAL_ERR_ARG, "unknown port kind %d", (int)cfg->kind);
	}
	if (rc)
		return rc;
	rc = cal_transport_new_custom(out, ops, ctx);
	if (rc) {
		if (ops->close)
			ops->close(ctx);
		return rc;
	}
	(*out)->cfg = *cfg;
	snprintf((*out)->desc, sizeof((*out)->desc), "%s", desc);
	log_dbg("%s: opened with %s", desc, ops->name);
	return CAL_OK;
}

const char *cal_transport_backend(const struct cal_transport *t)
{
	if (!t || !t->ops->name)
		return "";
	return t->ops->name;
}

const char *cal_transport_describe(const struct cal_transport *t)
{
	return t ? t->desc : "(no transport)";
}

int cal_transport_write(struct cal_transport *t, const void *buf, size_t len, int timeout_ms)
{
	if (!t || (!buf && len))
		return cal_error_set(CAL_ERR_ARG, "cal_transport_write: NULL argument");
	if (len == 0)
		return CAL_OK;
	log_bytes("TX", t, buf, len);
	return t->ops->write(t->ctx, buf, len, timeout_ms < 0 ? 0 : timeout_ms);
}

int cal_transport_read(struct cal_transport *t, void *buf, size_t size, size_t *got, int timeout_ms)
{
	int rc;

	if (got)
		*got = 0;
	if (!t || !buf || !got || size == 0)
		return cal_error_set(CAL_ERR_ARG, "cal_transport_read: bad argument");
	/* Bytes left over by the line reader come first. */
	if (t->wpos > t->rpos) {
		size_t n = t->wpos - t->rpos;

		if (n > size)
			n = size;
		memcpy(buf, t->buf + t->rpos, n);
		t->rpos += n;
		*got = n;
		return CAL_OK;
	}
	rc = t->ops->read(t->ctx, buf, size, got, timeout_ms < 0 ? 0 : timeout_ms);
	if (rc != CAL_OK) {
		*got = 0;
		return rc;
	}
	if (*got > size)
		*got = size; /* a broken custom backend must not make us overrun */
	log_bytes("RX", t, buf, *got);
	return CAL_OK;
}

int cal_transport_flush_input(struct cal_transport *t)
{
	if (!t)
		return cal_error_set(CAL_ERR_ARG, "cal_transport_flush_input: t is NULL");
	t->rpos = 0;
	t->wpos = 0;
	t->discarding = false;
	t->discarded = 0;
	t->reported = false;
	if (!t->ops->flush_input)
		return CAL_OK;
	return t->ops->flush_input(t->ctx);
}

static bool is_eol(unsigned char c)
{
	return c == '\r' || c == '\n';
}

/*
 * Look for a complete line in [rpos, wpos). Returns CAL_OK with the line in
 * buf, CAL_ERR_PROTO after discarding an over-long line, or 1 when more
 * bytes are needed.
 */
static int take_line(struct cal_transport *t, char *buf, size_t size, size_t *len)
{
	for (;;) {
		unsigned char *p = t->buf + t->rpos;
		size_t avail = t->wpos - t->rpos;
		unsigned char *eol;
		size_t n;

		if (t->discarding) {
			eol = NULL;
			for (size_t i = 0; i < avail && !eol; i++) {
				if (is_eol(p[i]))
					eol = p + i;
			}
			if (!eol) {
				t->discarded += avail;
				t->rpos = t->wpos;
				return 1;
			}
			n = (size_t)(eol - p);
			t->discarded += n;
			t->rpos += n + 1;
			t->discarding = false;
			if (t->reported)
				continue; /* a timeout already reported it */
			return cal_error_set(CAL_ERR_PROTO,
					     "%s: line of %zu bytes is longer than %zu, discarded",
					     t->desc, t->discarded, size - 1);
		}
		/* Skip empty lines (and the LF of CR LF). */
		while (avail > 0 && is_eol(*p)) {
			p++;
			avail--;
			t->rpos++;
		}
		if (avail == 0) {
			t->rpos = t->wpos = 0;
			return 1;
		}
		eol = NULL;
		for (size_t i = 0; i < avail && !eol; i++) {
			if (is_eol(p[i]))
				eol = p + i;
		}
		n = eol ? (size_t)(eol - p) : avail;
		if (n > size - 1 || (!eol && t->rpos == 0 && t->wpos == sizeof(t->buf))) {
			/* Too long for the caller (or for us): drop it up to its end. */
			t->discarding = true;
			t->discarded = 0;
			t->reported = false;
			continue;
		}
		if (!eol)
			return 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		*len = n;
		t->rpos += n + 1;
		/* Take the LF of CR LF now if it is here, for cal_transport_read(). */
		if (*eol == '\r' && t->rpos < t->wpos && t->buf[t->rpos] == '\n')
			t->rpos++;
		return CAL_OK;
	}
}

int cal_transport_read_line(struct cal_transport *t, char *buf, size_t size, size_t *len,
			    int timeout_ms)
{
	int64_t deadline;
	size_t dummy;
	bool first = true;
	int rc;

	if (!len)
		len = &dummy;
	*len = 0;
	if (!t || !buf || size < 2)
		return cal_error_set(CAL_ERR_ARG, "cal_transport_read_line: bad argument");
	buf[0] = '\0';
	if (timeout_ms < 0)
		timeout_ms = 0;
	deadline = cal_mono_ms() + timeout_ms;
	for (;;) {
		size_t got = 0;
		int wait_ms;

		rc = take_line(t, buf, size, len);
		if (rc <= 0)
			break;
		/* Need more bytes: make room at the end of t->buf. */
		if (t->rpos > 0) {
			memmove(t->buf, t->buf + t->rpos, t->wpos - t->rpos);
			t->wpos -= t->rpos;
			t->rpos = 0;
		}
		wait_ms = cal_tr_remaining_ms(deadline);
		if (wait_ms == 0 && !first) {
			rc = CAL_ERR_TIMEOUT;
			break;
		}
		first = false;
		rc = t->ops->read(t->ctx, t->buf + t->wpos, sizeof(t->buf) - t->wpos, &got,
				  wait_ms);
		if (rc != CAL_OK)
			break;
		if (got > sizeof(t->buf) - t->wpos)
			got = sizeof(t->buf) - t->wpos;
		log_bytes("RX", t, t->buf + t->wpos, got);
		t->wpos += got;
	}
	if (rc == CAL_ERR_TIMEOUT) {
		if (t->discarding && !t->reported) {
			t->reported = true;
			rc = cal_error_set(
				CAL_ERR_PROTO,
				"%s: line longer than %zu bytes with no end within %d ms", t->desc,
				size - 1, timeout_ms);
		} else {
			rc = cal_error_set(CAL_ERR_TIMEOUT, "%s: no complete line within %d ms",
					   t->desc, timeout_ms);
		}
	}
	if (rc != CAL_OK) {
		buf[0] = '\0';
		*len = 0;
	}
	return rc;
}

void cal_transport_close(struct cal_transport *t)
{
	if (!t)
		return;
	if (t->ops->close)
		t->ops->close(t->ctx);
	free(t);
}
