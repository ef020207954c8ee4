/*
 * The line client of line_client.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cal/clock.h"
#include "line_client.h"

void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int read_line(struct client *c, char *out, size_t size, int timeout_ms)
{
	int64_t deadline = cal_mono_ms() + timeout_ms;

	for (;;) {
		char *lf = memchr(c->buf, '\n', c->len);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int64_t left;
		ssize_t n;

		if (lf) {
			size_t len = (size_t)(lf - c->buf) + 1;
			size_t cp = len < size - 1 ? len : size - 1;

			memcpy(out, c->buf, cp);
			out[cp] = '\0';
			c->len -= len;
			memmove(c->buf, c->buf + len, c->len);
			return (int)len;
		}
		left = deadline - cal_mono_ms();
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n > 0)
			c->len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
	}
}

void send_raw(struct client *c, const char *data, size_t len)
{
	assert_int_equal(write(c->fd, data, len), (ssize_t)len);
}

void send_str(struct client *c, const char *s)
{
	send_raw(c, s, strlen(s));
}

void expect_line(struct client *c, const char *want)
{
	char line[512];
	int n = read_line(c, line, sizeof(line), REPLY_MS);

	if (n <= 0)
		snprintf(line, sizeof(line), "<%s>", n == 0 ? "timeout" : "EOF/EIO");
	assert_string_equal(line, want);
	assert_int_equal(n, (int)strlen(want));
}

void xfer(struct client *c, const char *cmd, const char *want)
{
	send_str(c, cmd);
	expect_line(c, want);
}

void expect_quiet(struct client *c, int ms)
{
	char line[512];
	int n = read_line(c, line, sizeof(line), ms);

	if (n > 0)
		fail_msg("expected no reply, got '%s'", line);
	assert_int_equal(n, 0);
}

void tcp_connect(struct client *c, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->len = 0;
	c->port = port;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}
