/*
 * Raw TCP backend: LAN instruments and serial device servers carry the same
 * lines as the serial port (MT-SICS on port 4001, 4305, 8000...).
 *
 * connect() is non-blocking and bounded by a timeout; TCP_NODELAY is set
 * because commands are a few bytes and answers are awaited one by one.
 * recv() == 0 means the peer closed the connection: CAL_ERR_IO.
 * send() uses MSG_NOSIGNAL so a closed peer never raises SIGPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOG_PREFIX "tcp"
#include "cal/clock.h"
#include "cal/error.h"
#include "cal/log.h"

#include "internal.h"

struct tcp_ctx {
	int fd;		/* connected, non-blocking socket */
	char desc[300]; /* "tcp:127.0.0.1:4001", for messages */
};

/*
 * Connect one address within timeout_ms. Returns the socket, or -1 with
 * *err set to an errno value (ETIMEDOUT on timeout).
 */
static int connect_one(const struct addrinfo *ai, int timeout_ms, int *err)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int64_t deadline = cal_mono_ms() + timeout_ms;
	int one = 1;

	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS && errno != EINTR) {
			*err = errno;
			goto fail;
		}
		for (;;) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			int pr = poll(&pfd, 1, cal_tr_remaining_ms(deadline));
			socklen_t len = sizeof(*err);

			if (pr < 0 && errno == EINTR)
				continue;
			if (pr < 0) {
				*err = errno;
				goto fail;
			}
			if (pr == 0) {
				*err = ETIMEDOUT;
				goto fail;
			}
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) != 0) {
				*err = errno;
				goto fail;
			}
			if (*err != 0)
				goto fail;
			break;
		}
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*err = 0;
	return fd;
fail:
	close(fd);
	return -1;
}

int cal_tr_tcp_open(void **ctx, const struct cal_port_cfg *cfg, const char *desc,
		    int connect_timeout_ms)
{
	struct addrinfo hints, *res = NULL;
	struct tcp_ctx *c = NULL;
	char port[8];
	int fd = -1, err = 0, gai;
	int64_t deadline = cal_mono_ms() + connect_timeout_ms;

	*ctx = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", cfg->tcp_port);
	gai = getaddrinfo(cfg->host, port, &hints, &res);
	if (gai != 0)
		return cal_error_set(gai == EAI_NONAME ? CAL_ERR_NOTFOUND : CAL_ERR_IO,
				     "cannot resolve host of %s: %s", desc,
				     gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
	for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		int left = cal_tr_remaining_ms(deadline);

		if (left == 0) {
			err = ETIMEDOUT;
			break;
		}
		fd = connect_one(ai, left, &err);
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (err == ETIMEDOUT)
			return cal_error_set(CAL_ERR_TIMEOUT, "no connection to %s within %d ms",
					     desc, connect_timeout_ms);
		if (err == ECONNREFUSED)
			return cal_error_set(CAL_ERR_IO, "connection to %s refused", desc);
		return cal_error_set(CAL_ERR_IO, "cannot connect to %s: %s", desc, strerror(err));
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return cal_error_set(CAL_ERR_NOMEM, "out of memory connecting to %s", desc);
	}
	c->fd = fd;
	snprintf(c->desc, sizeof(c->desc), "%s", desc);
	*ctx = c;
	return CAL_OK;
}

static int tcp_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct tcp_ctx *c = ctx;
	const unsigned char *p = buf;
	int64_t deadline = cal_mono_ms() + timeout_ms;
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(c->fd, p + done, len - done, MSG_NOSIGNAL);
		struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
		int wait_ms;

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return cal_error_set(CAL_ERR_IO, "send to %s failed: %s", c->desc,
					     strerror(errno));
		wait_ms = cal_tr_remaining_ms(deadline);
		if (wait_ms == 0)
			return cal_error_set(CAL_ERR_TIMEOUT,
					     "send to %s: %zu of %zu bytes sent in %d ms", c->desc,
					     done, len, timeout_ms);
		if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
			return cal_error_set(CAL_ERR_IO, "poll on %s failed: %s", c->desc,
					     strerror(errno));
	}
	return CAL_OK;
}

static int tcp_read(void *ctx, void *buf, size_t size, size_t *got, int timeout_ms)
{
	struct tcp_ctx *c = ctx;
	int64_t deadline = cal_mono_ms() + timeout_ms;

	*got = 0;
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int pr = poll(&pfd, 1, cal_tr_remaining_ms(deadline));
		ssize_t n;

		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return cal_error_set(CAL_ERR_IO, "poll on %s failed: %s", c->desc,
					     strerror(errno));
		}
		if (pr == 0)
			return CAL_ERR_TIMEOUT;
		n = recv(c->fd, buf, size, 0);
		if (n > 0) {
			*got = (size_t)n;
			return CAL_OK;
		}
		if (n == 0)
			return cal_error_set(CAL_ERR_IO, "connection closed by %s",
					     c->desc + 4 /* after "tcp:" */);
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		/* the peer closed with our command unread: a reset, same meaning */
		if (errno == ECONNRESET)
			return cal_error_set(CAL_ERR_IO, "connection closed by %s (reset)",
					     c->desc + 4);
		return cal_error_set(CAL_ERR_IO, "receive from %s failed: %s", c->desc,
				     strerror(errno));
	}
}

/* Drop whatever the peer has sent and we have not read. */
static int tcp_flush_input(void *ctx)
{
	struct tcp_ctx *c = ctx;
	unsigned char junk[512];

	for (;;) {
		ssize_t n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		/* 0 (closed) or EAGAIN: nothing more now; a close shows on the next read. */
		return CAL_OK;
	}
}

static void tcp_close(void *ctx)
{
	struct tcp_ctx *c = ctx;

	if (!c)
		return;
	close(c->fd);
	free(c);
}

const struct cal_transport_ops cal_tr_tcp_ops = {
	.name = "tcp",
	.write = tcp_write,
	.read = tcp_read,
	.flush_input = tcp_flush_input,
	.close = tcp_close,
};
