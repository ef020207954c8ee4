/*
 * Transports of the simulators: a pseudo-terminal or a TCP listener, as plain
 * non-blocking file descriptors. No protocol here.
 *
 * pty (protocols.md §7.2): posix_openpt/grantpt/unlockpt; the slave is made
 * raw with cfmakeraw() (no echo, no CR/LF translation, 8 bits) and one slave
 * fd stays open in the simulator, so the master never gets EIO or POLLHUP
 * when the client closes and reopens the slave. Line settings have no effect
 * on a pty and bytes arrive at once (no baud-rate pacing).
 *
 * TCP: one client at a time (listen backlog 4); writes use MSG_NOSIGNAL so a
 * vanished client cannot raise SIGPIPE in the host program.
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
#include <termios.h>
#include <unistd.h>

#include "cal/clock.h"
#include "cal/error.h"
#define LOG_PREFIX "sim-link"
#include "cal/log.h"

#include "sim_common.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void sim_link_init(struct sim_link *l)
{
	memset(l, 0, sizeof(*l));
	l->master_fd = -1;
	l->slave_fd = -1;
	l->listen_fd = -1;
	l->client_fd = -1;
}

int sim_link_open_pty(struct sim_link *l)
{
	struct termios tio;
	int master = -1, slave = -1;
	int rc = CAL_ERR_IO;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (master < 0) {
		rc = cal_error_set(CAL_ERR_IO, "posix_openpt: %s", strerror(errno));
		goto out;
	}
	if (grantpt(master) != 0 || unlockpt(master) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "grantpt/unlockpt: %s", strerror(errno));
		goto out;
	}
	if (ptsname_r(master, l->path, sizeof(l->path)) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "ptsname_r: %s", strerror(errno));
		goto out;
	}
	slave = open(l->path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (slave < 0) {
		rc = cal_error_set(CAL_ERR_IO, "open %s: %s", l->path, strerror(errno));
		goto out;
	}
	if (tcgetattr(slave, &tio) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "tcgetattr %s: %s", l->path, strerror(errno));
		goto out;
	}
	cfmakeraw(&tio);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(slave, TCSANOW, &tio) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "tcsetattr %s: %s", l->path, strerror(errno));
		goto out;
	}
	l->kind = SIM_LINK_PTY;
	l->master_fd = master;
	l->slave_fd = slave;
	l->closed = false;
	master = -1;
	slave = -1;
	log_dbg("pty ready at %s", l->path);
	rc = CAL_OK;
out:
	close_fd(&slave);
	close_fd(&master);
	if (rc != CAL_OK)
		l->path[0] = '\0';
	return rc;
}

int sim_link_open_tcp(struct sim_link *l, const char *host, int port)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char service[16];
	int fd = -1;
	int one = 1;
	int rc = CAL_ERR_IO;
	int gai;

	if (port < 0 || port > 65535)
		return cal_error_set(CAL_ERR_ARG, "TCP port %d out of range 0..65535", port);
	if (host && host[0] == '\0')
		host = NULL;
	snprintf(service, sizeof(service), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	gai = getaddrinfo(host, service, &hints, &res);
	if (gai != 0) {
		rc = cal_error_set(CAL_ERR_ARG, "cannot resolve '%s': %s", host ? host : "*",
				   gai_strerror(gai));
		goto out;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4) == 0)
			break;
		close_fd(&fd);
	}
	if (fd < 0) {
		rc = cal_error_set(CAL_ERR_IO, "cannot listen on %s:%d: %s", host ? host : "*",
				   port, strerror(errno));
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "getsockname: %s", strerror(errno));
		goto out;
	}
	if (ss.ss_family == AF_INET)
		l->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		l->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	l->kind = SIM_LINK_TCP;
	l->listen_fd = fd;
	fd = -1;
	log_dbg("listening on %s:%d", host ? host : "*", l->port);
	rc = CAL_OK;
out:
	close_fd(&fd);
	if (res)
		freeaddrinfo(res);
	return rc;
}

int sim_link_io_fd(const struct sim_link *l)
{
	if (l->kind == SIM_LINK_PTY)
		return l->master_fd;
	if (l->kind == SIM_LINK_TCP)
		return l->client_fd;
	return -1;
}

int sim_link_accept(struct sim_link *l, int timeout_ms, bool *accepted)
{
	struct pollfd pfd = { .fd = l->listen_fd, .events = POLLIN };
	int one = 1;
	int fd;
	int n;

	*accepted = false;
	if (l->kind != SIM_LINK_TCP || l->listen_fd < 0)
		return CAL_ERR_STATE;
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? CAL_OK
				      : cal_error_set(CAL_ERR_IO, "poll: %s", strerror(errno));
	if (n == 0)
		return CAL_OK;
	fd = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return CAL_OK;
		return cal_error_set(CAL_ERR_IO, "accept: %s", strerror(errno));
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	l->client_fd = fd;
	*accepted = true;
	log_dbg("client connected");
	return CAL_OK;
}

int sim_link_read(struct sim_link *l, char *buf, size_t size, size_t *got, bool *gone)
{
	int fd = sim_link_io_fd(l);
	ssize_t n;

	*got = 0;
	*gone = false;
	if (fd < 0)
		return CAL_ERR_STATE;
	if (l->kind == SIM_LINK_TCP)
		n = recv(fd, buf, size, 0);
	else
		n = read(fd, buf, size);
	if (n > 0) {
		*got = (size_t)n;
		return CAL_OK;
	}
	if (n == 0) {
		*gone = l->kind == SIM_LINK_TCP;
		return CAL_OK;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return CAL_OK;
	/* pty master with our slave held open should never fail; TCP resets do. */
	*gone = true;
	log_dbg("read: %s", strerror(errno));
	return CAL_OK;
}

int sim_link_write(struct sim_link *l, const char *buf, size_t len, int timeout_ms,
		   atomic_bool *stop)
{
	int64_t deadline = cal_mono_ms() + timeout_ms;
	int fd = sim_link_io_fd(l);
	size_t off = 0;

	if (fd < 0)
		return CAL_ERR_STATE;
	while (off < len) {
		ssize_t n;

		if (l->kind == SIM_LINK_TCP)
			n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		else
			n = write(fd, buf + off, len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return cal_error_set(CAL_ERR_IO, "write: %s", strerror(errno));
		{
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			int64_t left = deadline - cal_mono_ms();

			if (left <= 0 || (stop && atomic_load(stop)))
				return cal_error_set(
					CAL_ERR_TIMEOUT,
					"write: no room for %zu bytes (client not reading)",
					len - off);
			poll(&pfd, 1, left < 20 ? (int)left : 20);
		}
	}
	return CAL_OK;
}

void sim_link_drop_client(struct sim_link *l)
{
	if (l->client_fd >= 0)
		log_dbg("client disconnected");
	close_fd(&l->client_fd);
}

void sim_link_close_pty(struct sim_link *l)
{
	close_fd(&l->slave_fd);
	close_fd(&l->master_fd);
	l->closed = true;
	log_dbg("pty %s closed", l->path);
}

void sim_link_close(struct sim_link *l)
{
	close_fd(&l->client_fd);
	close_fd(&l->listen_fd);
	close_fd(&l->slave_fd);
	close_fd(&l->master_fd);
}
