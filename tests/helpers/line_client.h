/*
 * A tiny line client for the simulator tests: plain POSIX read/write and a
 * line reader of its own on a pty or a TCP socket, nothing from drivers/,
 * so a simulator is checked against bytes, not against the host's parser.
 */
#ifndef CAL_TESTS_LINE_CLIENT_H
#define CAL_TESTS_LINE_CLIENT_H

#include <stddef.h>

#define REPLY_MS 2000 /* generous wait for a reply that must come, ms */

struct client {
	int fd;
	int port;	/* TCP port, 0 on a pty */
	size_t len;	/* bytes waiting in buf */
	char buf[4096]; /* received, not yet returned as lines */
};

void sleep_ms(int ms);
/*
 * Next line with its CR LF into out (NUL-terminated): its length, 0 after
 * @timeout_ms without one, -1 on EOF or a read error (a closed pty gives EIO).
 */
int read_line(struct client *c, char *out, size_t size, int timeout_ms);
void send_raw(struct client *c, const char *data, size_t len);
void send_str(struct client *c, const char *s);
/* The next line must be exactly @want (CR LF included) within REPLY_MS. */
void expect_line(struct client *c, const char *want);
/* Send a command, expect exactly one reply line. */
void xfer(struct client *c, const char *cmd, const char *want);
/* No line for @ms. */
void expect_quiet(struct client *c, int ms);
/* Connect c->fd to 127.0.0.1:port (c->port set, buffer emptied). */
void tcp_connect(struct client *c, int port);

#endif
