/*
 * POSIX termios backend, for tty paths libserialport 0.1.1 cannot open:
 * pseudo-terminals (/dev/pts/N, no sysfs entry, TIOCMGET fails) and paths
 * outside /dev such as socat links (./ttyA). See protocols.md 7.2.
 *
 * The fd is opened O_NONBLOCK and made raw (cfmakeraw, VMIN = VTIME = 0);
 * every wait is a poll() bounded by the caller's timeout in ms. Ptys accept
 * but ignore baud and parity, and deliver bytes with no pacing.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define LOG_PREFIX "termios"
#include "cal/clock.h"
#include "cal/error.h"
#include "cal/log.h"

#include "internal.h"

struct termios_ctx {
	int fd;		/* open tty, O_NONBLOCK */
	char desc[300]; /* "/dev/pts/3 9600/8N1", for messages */
};

static speed_t baud_const(int baud)
{
	switch (baud) {
	case 300:
		return B300;
	case 600:
		return B600;
	case 1200:
		return B1200;
	case 2400:
		return B2400;
	case 4800:
		return B4800;
	case 9600:
		return B9600;
	case 19200:
		return B19200;
	case 38400:
		return B38400;
	case 57600:
		return B57600;
	case 115200:
		return B115200;
	case 230400:
		return B230400;
	case 460800:
		return B460800;
	case 921600:
		return B921600;
	default:
		return B0;
	}
}

/* After an EINVAL from tcsetattr: did the speed and raw mode take anyway (a pty)? */
static bool pty_took(int fd, speed_t speed)
{
	struct termios now;
	int saved = errno;
	bool took = tcgetattr(fd, &now) == 0 && cfgetospeed(&now) == speed &&
		    !(now.c_lflag & (ICANON | ECHO));

	if (took)
		log_dbg("fd %d: parity and character size not applied (a pseudo-terminal)", fd);
	errno = saved;
	return took;
}

int cal_tr_termios_open(void **ctx, const struct cal_port_cfg *cfg, const char *desc)
{
	struct termios_ctx *c = NULL;
	struct termios tio;
	speed_t speed = baud_const(cfg->baud);
	int fd = -1;
	int rc;

	*ctx = NULL;
	if (speed == B0)
		return cal_error_set(CAL_ERR_ARG, "port %s: unsupported baud rate %d", desc,
				     cfg->baud);
	fd = open(cfg->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return cal_error_set(CAL_ERR_NOTFOUND, "port %s does not exist", cfg->path);
		return cal_error_set(CAL_ERR_IO, "cannot open port %s: %s%s", cfg->path,
				     strerror(errno),
				     errno == EACCES ? " (is the user in group dialout?)" : "");
	}
	if (tcgetattr(fd, &tio) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "port %s is not a tty: %s", cfg->path,
				   strerror(errno));
		goto fail;
	}
	cfmakeraw(&tio);
	tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
	tio.c_cflag |= CLOCAL | CREAD | (cfg->data_bits == 7 ? CS7 : CS8);
	if (cfg->parity == 'E')
		tio.c_cflag |= PARENB;
	else if (cfg->parity == 'O')
		tio.c_cflag |= PARENB | PARODD;
	if (cfg->stop_bits == 2)
		tio.c_cflag |= CSTOPB;
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	if (cfg->flow == CAL_FLOW_XONXOFF)
		tio.c_iflag |= IXON | IXOFF;
	else if (cfg->flow == CAL_FLOW_RTSCTS)
		tio.c_cflag |= CRTSCTS;
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, speed);
	cfsetospeed(&tio, speed);
	/*
	 * Ptys apply this but drop the parity and size bits (protocols.md 7.2);
	 * glibc then reports EINVAL although the rest (speed, raw mode) was
	 * applied. A pseudo-terminal has no line, so no parity to get wrong:
	 * accept it when the speed took.
	 */
	if (tcsetattr(fd, TCSANOW, &tio) != 0 && !(errno == EINVAL && pty_took(fd, speed))) {
		rc = cal_error_set(CAL_ERR_IO, "port %s: cannot apply %d/%d%c%d: %s", cfg->path,
				   cfg->baud, cfg->data_bits, cfg->parity, cfg->stop_bits,
				   strerror(errno));
		goto fail;
	}
	tcflush(fd, TCIOFLUSH);
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = cal_error_set(CAL_ERR_NOMEM, "out of memory opening %s", cfg->path);
		goto fail;
	}
	c->fd = fd;
	snprintf(c->desc, sizeof(c->desc), "%s", desc);
	*ctx = c;
	return CAL_OK;
fail:
	close(fd);
	return rc;
}

int cal_tr_fd_write(int fd, const char *desc, const void *buf, size_t len, int timeout_ms)
{
	const unsigned char *p = buf;
	int64_t deadline = cal_mono_ms() + timeout_ms;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return cal_error_set(CAL_ERR_IO, "write to %s failed: %s", desc,
					     strerror(errno));
		/* Output buffer full (or flow control): wait for room. */
		{
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			int wait_ms = cal_tr_remaining_ms(deadline);
			int pr;

			if (wait_ms == 0)
				return cal_error_set(CAL_ERR_TIMEOUT,
						     "write to %s: %zu of %zu bytes sent in %d ms",
						     desc, done, len, timeout_ms);
			pr = poll(&pfd, 1, wait_ms);
			if (pr < 0 && errno != EINTR)
				return cal_error_set(CAL_ERR_IO, "poll on %s failed: %s", desc,
						     strerror(errno));
			if (pr > 0 && (pfd.revents & (POLLERR | POLLNVAL)))
				return cal_error_set(CAL_ERR_IO, "write to %s: port error", desc);
		}
	}
	return CAL_OK;
}

int cal_tr_fd_read(int fd, const char *desc, void *buf, size_t size, size_t *got, int timeout_ms)
{
	int64_t deadline = cal_mono_ms() + timeout_ms;

	*got = 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, cal_tr_remaining_ms(deadline));
		ssize_t n;

		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return cal_error_set(CAL_ERR_IO, "poll on %s failed: %s", desc,
					     strerror(errno));
		}
		if (pr == 0)
			return CAL_ERR_TIMEOUT;
		if (pfd.revents & POLLNVAL)
			return cal_error_set(CAL_ERR_IO, "port %s: invalid descriptor", desc);
		n = read(fd, buf, size);
		if (n > 0) {
			*got = (size_t)n;
			return CAL_OK;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		/* EIO from a pty whose other side closed, or 0 after a hang-up. */
		if (n < 0 && errno != EIO)
			return cal_error_set(CAL_ERR_IO, "read from %s failed: %s", desc,
					     strerror(errno));
		return cal_error_set(CAL_ERR_IO, "port %s was closed or hung up", desc);
	}
}

static int tty_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct termios_ctx *c = ctx;

	return cal_tr_fd_write(c->fd, c->desc, buf, len, timeout_ms);
}

static int tty_read(void *ctx, void *buf, size_t size, size_t *got, int timeout_ms)
{
	struct termios_ctx *c = ctx;

	return cal_tr_fd_read(c->fd, c->desc, buf, size, got, timeout_ms);
}

static int tty_flush_input(void *ctx)
{
	struct termios_ctx *c = ctx;

	if (tcflush(c->fd, TCIFLUSH) != 0)
		return cal_error_set(CAL_ERR_IO, "flush of %s failed: %s", c->desc,
				     strerror(errno));
	return CAL_OK;
}

static void tty_close(void *ctx)
{
	struct termios_ctx *c = ctx;

	if (!c)
		return;
	close(c->fd);
	free(c);
}

const struct cal_transport_ops cal_tr_termios_ops = {
	.name = "termios",
	.write = tty_write,
	.read = tty_read,
	.flush_input = tty_flush_input,
	.close = tty_close,
};
