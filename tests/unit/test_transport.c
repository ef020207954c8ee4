/*
 * Transports: port-config strings, the line reader over a scripted custom
 * transport, the termios backend on a real pty, the TCP backend against a
 * socket peer in a thread, and the open errors a user can hit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/transport.h"
#include "util.h"

/* ---- port configuration strings ---------------------------------------- */

static void test_port_cfg_good(void **state)
{
	struct cal_port_cfg c;
	char d[300];

	(void)state;
	assert_int_equal(cal_port_cfg_parse(&c, "/dev/ttyUSB0", "9600/8N1"), CAL_OK);
	assert_int_equal(c.kind, CAL_PORT_SERIAL);
	assert_string_equal(c.path, "/dev/ttyUSB0");
	assert_int_equal(c.baud, 9600);
	assert_int_equal(c.data_bits, 8);
	assert_int_equal(c.parity, 'N');
	assert_int_equal(c.stop_bits, 1);
	assert_int_equal(c.flow, CAL_FLOW_NONE);
	cal_port_cfg_describe(d, sizeof(d), &c);
	assert_string_equal(d, "/dev/ttyUSB0 9600/8N1");

	assert_int_equal(cal_port_cfg_parse(&c, "./ttyA", "2400/7E1"), CAL_OK);
	assert_int_equal(c.baud, 2400);
	assert_int_equal(c.data_bits, 7);
	assert_int_equal(c.parity, 'E');

	assert_int_equal(cal_port_cfg_parse(&c, "/dev/pts/3", "19200/8N2/rtscts"), CAL_OK);
	assert_int_equal(c.stop_bits, 2);
	assert_int_equal(c.flow, CAL_FLOW_RTSCTS);
	cal_port_cfg_describe(d, sizeof(d), &c);
	assert_string_equal(d, "/dev/pts/3 19200/8N2/rtscts");

	assert_int_equal(cal_port_cfg_parse(&c, "/dev/ttyS0", "4800/8o1/xonxoff"), CAL_OK);
	assert_int_equal(c.parity, 'O');
	assert_int_equal(c.flow, CAL_FLOW_XONXOFF);

	/* NULL or "" serial means 9600/8N1. */
	assert_int_equal(cal_port_cfg_parse(&c, "/dev/ttyS0", NULL), CAL_OK);
	assert_int_equal(c.baud, 9600);
	assert_int_equal(cal_port_cfg_parse(&c, "/dev/ttyS0", ""), CAL_OK);
	assert_int_equal(c.stop_bits, 1);

	assert_int_equal(cal_port_cfg_parse(&c, "tcp:127.0.0.1:4001", NULL), CAL_OK);
	assert_int_equal(c.kind, CAL_PORT_TCP);
	assert_string_equal(c.host, "127.0.0.1");
	assert_int_equal(c.tcp_port, 4001);
	cal_port_cfg_describe(d, sizeof(d), &c);
	assert_string_equal(d, "tcp:127.0.0.1:4001");

	assert_int_equal(cal_port_cfg_parse(&c, "tcp:balance-3.lab:65535", NULL), CAL_OK);
	assert_string_equal(c.host, "balance-3.lab");
	assert_int_equal(c.tcp_port, 65535);
	assert_int_equal(cal_port_cfg_parse(&c, "tcp:[::1]:4001", NULL), CAL_OK);
	assert_string_equal(c.host, "::1");
	cal_port_cfg_describe(d, sizeof(d), &c);
	assert_string_equal(d, "tcp:[::1]:4001");
}

static void assert_cfg_bad(const char *port, const char *serial, const char *msg_part)
{
	struct cal_port_cfg c;

	memset(&c, 0x5A, sizeof(c));
	cal_error_clear();
	assert_int_equal(cal_port_cfg_parse(&c, port, serial), CAL_ERR_ARG);
	assert_int_equal(c.kind, 0); /* zeroed */
	assert_non_null(strstr(cal_error_last(), msg_part));
}

static void test_port_cfg_bad(void **state)
{
	(void)state;
	assert_cfg_bad("/dev/ttyS0", "abc", "'abc'");
	assert_cfg_bad("/dev/ttyS0", "9600/9X1", "'9600/9X1'");
	assert_cfg_bad("/dev/ttyS0", "9600/8X1", "9600/8X1");
	assert_cfg_bad("/dev/ttyS0", "9600/8N3", "9600/8N3");
	assert_cfg_bad("/dev/ttyS0", "9600/8N1/dtrdsr", "dtrdsr");
	assert_cfg_bad("/dev/ttyS0", "9600/8N1x", "9600/8N1x");
	assert_cfg_bad("/dev/ttyS0", "9600/8N", "9600/8N");
	assert_cfg_bad("/dev/ttyS0", "9601/8N1", "unsupported baud rate 9601");
	assert_cfg_bad("/dev/ttyS0", "/8N1", "/8N1");
	assert_cfg_bad("/dev/ttyS0", "-9600/8N1", "-9600/8N1");
	assert_cfg_bad("/dev/ttyS0", "99999999999999/8N1", "99999999999999");
	assert_cfg_bad("/dev/ttyS0", " 9600/8N1", " 9600/8N1");
	assert_cfg_bad("tcp:host", NULL, "'tcp:host': expected tcp:HOST:PORT");
	assert_cfg_bad("tcp:h:0", NULL, "'tcp:h:0': TCP port must be a number 1..65535");
	assert_cfg_bad("tcp:h:70000", NULL, "'tcp:h:70000'");
	assert_cfg_bad("tcp:h:", NULL, "tcp:h:");
	assert_cfg_bad("tcp::4001", NULL, "tcp::4001");
	assert_cfg_bad("tcp:h:40x1", NULL, "tcp:h:40x1");
	assert_cfg_bad("tcp:::1:4001", NULL, "expected tcp:HOST:PORT");
	assert_cfg_bad("tcp:[::1]4001", NULL, "expected tcp:HOST:PORT");
	assert_cfg_bad("", NULL, "no port");
	assert_cfg_bad(NULL, NULL, "no port");
	assert_cfg_bad("/dev/tty\x01S0", NULL, "\\x01");
	assert_int_equal(cal_port_cfg_parse(NULL, "/dev/ttyS0", NULL), CAL_ERR_ARG);
}

static void test_port_cfg_long_path(void **state)
{
	char path[400];
	struct cal_port_cfg c;

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(cal_port_cfg_parse(&c, path, NULL), CAL_ERR_ARG);
	path[256] = '\0'; /* 256 characters: one too many for path[256] */
	assert_int_equal(cal_port_cfg_parse(&c, path, NULL), CAL_ERR_ARG);
	path[255] = '\0';
	assert_int_equal(cal_port_cfg_parse(&c, path, NULL), CAL_OK);
	assert_int_equal(strlen(c.path), 255);
}

static void test_escape(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(cal_drv_escape(buf, sizeof(buf), "S S\r\n", 5), "S S\\r\\n");
	assert_string_equal(cal_drv_escape(buf, sizeof(buf), "\"\x00\xff", 3), "\\\"\\x00\\xFF");
	assert_string_equal(cal_drv_escape(buf, sizeof(buf), "0123456789abcdef", 16),
			    "0123456789ab...");
	assert_string_equal(cal_drv_escape(buf, sizeof(buf), "0123456789abcde", 15),
			    "0123456789abcde");
	assert_string_equal(cal_drv_escape(buf, 3, "abcdef", 6), "ab");
	assert_string_equal(cal_drv_escape(buf, sizeof(buf), NULL, 0), "");
}

/* ---- line reader over a scripted custom transport ---------------------- */

/*
 * The script is a list of chunks handed out one per read() call; a NULL
 * chunk is one read that times out. After the script, every read times out.
 */
struct script {
	const char *chunk[16];
	size_t chunk_len[16]; /* 0: strlen(chunk) */
	int n;
	int pos;
	size_t off; /* bytes of chunk[pos] already handed out */
	int reads;
	int flushes;
	int closes;
	int fail_io;  /* return CAL_ERR_IO from read */
	int sleep_ms; /* each read takes this long (real time) */
	char written[256];
	size_t wlen;
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int s_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct script *s = ctx;

	(void)timeout_ms;
	if (s->wlen + len > sizeof(s->written))
		return CAL_ERR_IO;
	memcpy(s->written + s->wlen, buf, len);
	s->wlen += len;
	return CAL_OK;
}

static int s_read(void *ctx, void *buf, size_t size, size_t *got, int timeout_ms)
{
	struct script *s = ctx;
	const char *c;
	size_t n;

	(void)timeout_ms;
	*got = 0;
	s->reads++;
	if (s->fail_io)
		return cal_error_set(CAL_ERR_IO, "scripted failure");
	if (s->sleep_ms) {
		sleep_ms(s->sleep_ms);
		memcpy(buf, "x", 1); /* a byte, never a line end */
		*got = 1;
		return CAL_OK;
	}
	if (s->pos >= s->n)
		return CAL_ERR_TIMEOUT;
	c = s->chunk[s->pos];
	if (!c) {
		s->pos++;
		return CAL_ERR_TIMEOUT;
	}
	n = s->chunk_len[s->pos] ? s->chunk_len[s->pos] : strlen(c);
	n -= s->off;
	if (n > size) {
		/* Hand out what fits; the rest comes with the next read. */
		memcpy(buf, c + s->off, size);
		s->off += size;
		*got = size;
		return CAL_OK;
	}
	memcpy(buf, c + s->off, n);
	s->off = 0;
	s->pos++;
	*got = n;
	return CAL_OK;
}

static int s_flush(void *ctx)
{
	struct script *s = ctx;

	s->flushes++;
	s->pos = s->n; /* the OS buffer is gone too */
	s->off = 0;
	return CAL_OK;
}

static void s_close(void *ctx)
{
	struct script *s = ctx;

	s->closes++;
}

static const struct cal_transport_ops script_ops = {
	.name = "script",
	.write = s_write,
	.read = s_read,
	.flush_input = s_flush,
	.close = s_close,
};

static struct cal_transport *script_open(struct script *s)
{
	struct cal_transport *t = NULL;

	assert_int_equal(cal_transport_new_custom(&t, &script_ops, s), CAL_OK);
	assert_non_null(t);
	assert_string_equal(cal_transport_backend(t), "script");
	assert_string_equal(cal_transport_describe(t), "script");
	return t;
}

static void add(struct script *s, const char *chunk)
{
	s->chunk[s->n++] = chunk;
}

/* Read one line and compare it. */
static void expect_line(struct cal_transport *t, const char *want)
{
	char buf[128];
	size_t len = 99;

	assert_int_equal(cal_transport_read_line(t, buf, sizeof(buf), &len, 100), CAL_OK);
	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
}

static void expect_rc(struct cal_transport *t, size_t size, int want)
{
	char buf[128];
	size_t len = 99;

	assert_true(size <= sizeof(buf));
	assert_int_equal(cal_transport_read_line(t, buf, size, &len, 100), want);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
}

static void test_line_terminators(void **state)
{
	struct script s = { 0 };
	struct cal_transport *t;

	(void)state;
	add(&s, "S S     100.00 g\r\n");
	add(&s, "CR only\rLF only\n");
	add(&s, "\r\n\r\n\nafter blanks\r\n");
	t = script_open(&s);
	expect_line(t, "S S     100.00 g");
	expect_line(t, "CR only");
	expect_line(t, "LF only");
	expect_line(t, "after blanks");
	expect_rc(t, 128, CAL_ERR_TIMEOUT);
	assert_non_null(strstr(cal_error_last(), "script: no complete line within 100 ms"));
	cal_transport_close(t);
	assert_int_equal(s.closes, 1);
}

static void test_line_split_and_joined(void **state)
{
	struct script s = { 0 };
	struct cal_transport *t;
	int reads;

	(void)state;
	add(&s, "S S");
	add(&s, "     100");
	add(&s, ".00 g\r");
	add(&s, "\nZ A\r\nI4 A \"B1\"\r\n");
	t = script_open(&s);
	expect_line(t, "S S     100.00 g");
	expect_line(t, "Z A");
	reads = s.reads;
	expect_line(t, "I4 A \"B1\"");
	/* Two lines in one read: the second came from the buffer. */
	assert_int_equal(s.reads, reads);
	cal_transport_close(t);
}

static void test_line_partial_then_timeout_keeps_bytes(void **state)
{
	struct script s = { 0 };
	struct cal_transport *t;

	(void)state;
	add(&s, "S D   1");
	add(&s, NULL);
	add(&s, "2.5 g\r\n");
	t = script_open(&s);
	expect_rc(t, 128, CAL_ERR_TIMEOUT);
	expect_line(t, "S D   12.5 g");
	cal_transport_close(t);
}

static void test_line_too_long(void **state)
{
	struct script s = { 0 };
	struct cal_transport *t;

	(void)state;
	/* Caller's buffer holds 7 characters. */
	add(&s, "0123456789ABC\r\nOK\r\n");
	add(&s, "0123456789");
	add(&s, "ABCDEF");
	add(&s, "\r\nOK2\r\n");
	t = script_open(&s);
	expect_rc(t, 8, CAL_ERR_PROTO);
	assert_non_null(strstr(cal_error_last(), "longer than 7"));
	expect_line(t, "OK");
	expect_rc(t, 8, CAL_ERR_PROTO);
	expect_line(t, "OK2");
	/* Exactly 7 characters fit. */
	s.pos = s.n = 0;
	s.off = 0;
	add(&s, "1234567\r\n");
	{
		char buf[8];
		size_t len;

		assert_int_equal(cal_transport_read_line(t, buf, sizeof(buf), &len, 100), CAL_OK);
		assert_string_equal(buf, "1234567");
	}
	cal_transport_close(t);
}

static void test_line_too_long_without_end(void **state)
{
	struct script s = { 0 };
	struct cal_transport *t;

	(void)state;
	add(&s, "0123456789");
	add(&s, NULL);
	add(&s, "tail of the long line\r\nOK\r\n");
	t = script_open(&s);
	/* Reported once, when the wait ends... */
	expect_rc(t, 8, CAL_ERR_PROTO);
	/* ...and the rest of that line is dropped silently. */
	expect_line(t, "OK");
	cal_transport_close(t);
}

static void test_line_longer_than_internal_buffer(void **state)
{
	static char big[3000];
	struct script s = { 0 };
	struct cal_transport *t;
	char *buf = malloc(4096);
	size_t len;

	(void)state;
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 3; i++) {
		s.chunk[s.n] = big + i * 1000;
		s.chunk_len[s.n++] = 1000;
	}
	add(&s, "\r\nOK\r\n");
	t = script_open(&s);
	assert_non_null(buf);
	assert_int_equal(cal_transport_read_line(t, buf, 4096, &len, 100), CAL_ERR_PROTO);
	free(buf);
	expect_line(t, "OK");
	cal_transport_close(t);
}

static void test_line_flush_and_raw_read(void **state)
{
	struct script s = { 0 };
	struct cal_transport *t;
	char raw[8];
	size_t got;

	(void)state;
	add(&s, "A\r\nB\r\nC\r\n");
	add(&s, "never read\r\n");
	t = script_open(&s);
	expect_line(t, "A");
	/* Raw reads get the leftover bytes first. */
	assert_int_equal(cal_transport_read(t, raw, 3, &got, 100), CAL_OK);
	assert_int_equal(got, 3);
	assert_memory_equal(raw, "B\r\n", 3);
	assert_int_equal(cal_transport_flush_input(t), CAL_OK);
	assert_int_equal(s.flushes, 1);
	expect_rc(t, 128, CAL_ERR_TIMEOUT);
	assert_int_equal(cal_transport_write(t, "SI\r\n", 4, 100), CAL_OK);
	assert_int_equal(s.wlen, 4);
	assert_memory_equal(s.written, "SI\r\n", 4);
	cal_transport_close(t);
}

static void test_line_io_error_and_args(void **state)
{
	struct script s = { 0 };
	struct cal_transport *t;
	char buf[16];
	size_t len;

	(void)state;
	s.fail_io = 1;
	t = script_open(&s);
	expect_rc(t, 16, CAL_ERR_IO);
	assert_int_equal(cal_transport_read_line(t, buf, 1, &len, 10), CAL_ERR_ARG);
	assert_int_equal(cal_transport_read_line(t, NULL, 10, &len, 10), CAL_ERR_ARG);
	assert_int_equal(cal_transport_read_line(NULL, buf, 10, &len, 10), CAL_ERR_ARG);
	cal_transport_close(t);
	cal_transport_close(NULL);
	assert_int_equal(cal_transport_new_custom(&t, NULL, NULL), CAL_ERR_ARG);
	assert_null(t);
}

static void test_line_total_wait_is_bounded(void **state)
{
	struct script s = { 0 };
	struct cal_transport *t;
	int64_t t0, dt;

	(void)state;
	/* A peer that trickles bytes but never ends the line. */
	s.sleep_ms = 20;
	t = script_open(&s);
	t0 = cal_mono_ms();
	{
		char buf[128];
		size_t len;

		assert_int_equal(cal_transport_read_line(t, buf, sizeof(buf), &len, 200),
				 CAL_ERR_TIMEOUT);
	}
	dt = cal_mono_ms() - t0;
	assert_true(dt >= 190);
	assert_true(dt < 400);
	cal_transport_close(t);
}

/* ---- termios backend on a real pseudo-terminal ------------------------- */

struct pty_writer {
	int fd;
	const char *parts[4];
	int delay_ms;
};

static void *pty_writer_main(void *arg)
{
	struct pty_writer *w = arg;

	for (int i = 0; i < 4 && w->parts[i]; i++) {
		sleep_ms(w->delay_ms);
		if (write(w->fd, w->parts[i], strlen(w->parts[i])) < 0)
			break;
	}
	return NULL;
}

static void read_master(int fd, char *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		assert_int_equal(poll(&pfd, 1, 1000), 1);
		n = read(fd, buf + got, want - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	buf[got] = '\0';
}

static void test_termios_on_pty(void **state)
{
	int master, slave;
	char name[128];
	struct cal_port_cfg cfg;
	struct cal_transport *t = NULL;
	struct pty_writer w = { 0 };
	pthread_t th;
	char line[128], from_host[16];
	size_t len;

	(void)state;
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	assert_int_equal(cal_port_cfg_parse(&cfg, name, "19200/8N1"), CAL_OK);
	assert_int_equal(cal_transport_open(&t, &cfg), CAL_OK);
	/* libserialport 0.1.1 refuses ptys, so this must be termios. */
	assert_string_equal(cal_transport_backend(t), "termios");
	assert_non_null(strstr(cal_transport_describe(t), name));

	assert_int_equal(cal_transport_write(t, "SI\r\n", 4, 500), CAL_OK);
	read_master(master, from_host, 4);
	assert_string_equal(from_host, "SI\r\n");

	/* The peer answers in pieces, with pauses. */
	w.fd = master;
	w.delay_ms = 20;
	w.parts[0] = "S D ";
	w.parts[1] = "    12.34";
	w.parts[2] = " g\r\nZ A\r\n";
	assert_int_equal(pthread_create(&th, NULL, pty_writer_main, &w), 0);
	assert_int_equal(cal_transport_read_line(t, line, sizeof(line), &len, 2000), CAL_OK);
	assert_string_equal(line, "S D     12.34 g");
	assert_int_equal(cal_transport_read_line(t, line, sizeof(line), &len, 2000), CAL_OK);
	assert_string_equal(line, "Z A");
	pthread_join(th, NULL);

	/* Nothing more: timeout. */
	assert_int_equal(cal_transport_read_line(t, line, sizeof(line), &len, 50), CAL_ERR_TIMEOUT);
	/* Flush drops what the peer sent and we did not read. */
	assert_int_equal(write(master, "stale\r\n", 7), 7);
	sleep_ms(20);
	assert_int_equal(cal_transport_flush_input(t), CAL_OK);
	assert_int_equal(cal_transport_read_line(t, line, sizeof(line), &len, 50), CAL_ERR_TIMEOUT);

	/* The other side goes away: an I/O error, not a hang. */
	close(slave);
	close(master);
	assert_int_equal(cal_transport_read_line(t, line, sizeof(line), &len, 500), CAL_ERR_IO);
	cal_transport_close(t);
}

static void test_termios_via_symlink(void **state)
{
	int master, slave;
	char name[128], dir[] = "/tmp/calbench-tr-XXXXXX", link[200];
	struct cal_port_cfg cfg;
	struct cal_transport *t = NULL;
	char line[64];
	size_t len;

	(void)state;
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/ttyA", dir);
	assert_int_equal(symlink(name, link), 0);
	assert_int_equal(cal_port_cfg_parse(&cfg, link, "2400/7E1"), CAL_OK);
	assert_int_equal(cal_transport_open(&t, &cfg), CAL_OK);
	assert_string_equal(cal_transport_backend(t), "termios");
	assert_int_equal(write(master, "ES\n", 3), 3);
	assert_int_equal(cal_transport_read_line(t, line, sizeof(line), &len, 1000), CAL_OK);
	assert_string_equal(line, "ES");
	cal_transport_close(t);
	unlink(link);
	rmdir(dir);
	close(slave);
	close(master);
}

static void test_open_errors(void **state)
{
	struct cal_port_cfg cfg;
	struct cal_transport *t = (struct cal_transport *)&cfg;
	struct stat st;
	char dir[] = "/tmp/calbench-tr-XXXXXX", file[200];
	FILE *f;

	(void)state;
	if (stat("/dev/ttyUSB9", &st) != 0) {
		assert_int_equal(cal_port_cfg_parse(&cfg, "/dev/ttyUSB9", NULL), CAL_OK);
		assert_int_equal(cal_transport_open(&t, &cfg), CAL_ERR_NOTFOUND);
		assert_null(t);
		assert_string_equal(cal_error_last(), "port /dev/ttyUSB9 does not exist");
	}
	assert_int_equal(cal_port_cfg_parse(&cfg, "/nonexistent/dir/ttyX", NULL), CAL_OK);
	assert_int_equal(cal_transport_open(&t, &cfg), CAL_ERR_NOTFOUND);
	assert_non_null(strstr(cal_error_last(), "/nonexistent/dir/ttyX does not exist"));

	/* A character device that is not a tty. */
	assert_int_equal(cal_port_cfg_parse(&cfg, "/dev/null", NULL), CAL_OK);
	assert_int_equal(cal_transport_open(&t, &cfg), CAL_ERR_IO);
	assert_non_null(strstr(cal_error_last(), "/dev/null"));

	/* A regular file. */
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/plain", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(cal_port_cfg_parse(&cfg, file, NULL), CAL_OK);
	assert_int_equal(cal_transport_open(&t, &cfg), CAL_ERR_IO);
	assert_non_null(strstr(cal_error_last(), "not a character device"));
	unlink(file);
	rmdir(dir);

	assert_int_equal(cal_transport_open(&t, NULL), CAL_ERR_ARG);
}

static void test_ports_list(void **state)
{
	struct cal_port_info *ports = NULL;
	size_t n = 99;

	(void)state;
	assert_int_equal(cal_ports_list(&ports, &n), CAL_OK);
	assert_non_null(ports);
	for (size_t i = 0; i < n; i++)
		assert_true(ports[i].name[0] != '\0');
	free(ports);
	assert_int_equal(cal_ports_list(NULL, &n), CAL_ERR_ARG);
}

/* ---- TCP backend against a socket peer in a thread --------------------- */

struct tcp_peer {
	int listen_fd;
	int port;
	char got[64]; /* first command received */
};

static void *tcp_peer_main(void *arg)
{
	struct tcp_peer *p = arg;
	int fd = accept(p->listen_fd, NULL, NULL);
	size_t n = 0;

	if (fd < 0)
		return NULL;
	/* Read one command line. */
	while (n < sizeof(p->got) - 1 && !memchr(p->got, '\n', n)) {
		ssize_t r = recv(fd, p->got + n, sizeof(p->got) - 1 - n, 0);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	p->got[n] = '\0';
	/* Answer in two segments, then hang up. */
	send(fd, "S S     1", 9, MSG_NOSIGNAL);
	sleep_ms(30);
	send(fd, "00.00 g\r\n", 9, MSG_NOSIGNAL);
	sleep_ms(30);
	close(fd);
	return NULL;
}

static int listen_loopback(int *port, bool do_listen)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void test_tcp_backend(void **state)
{
	struct tcp_peer p = { 0 };
	struct cal_port_cfg cfg;
	struct cal_transport *t = NULL;
	pthread_t th;
	char addr[64], line[64], want[80];
	size_t len;

	(void)state;
	p.listen_fd = listen_loopback(&p.port, true);
	assert_int_equal(pthread_create(&th, NULL, tcp_peer_main, &p), 0);
	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%d", p.port);
	assert_int_equal(cal_port_cfg_parse(&cfg, addr, NULL), CAL_OK);
	assert_int_equal(cal_transport_open(&t, &cfg), CAL_OK);
	assert_string_equal(cal_transport_backend(t), "tcp");
	assert_string_equal(cal_transport_describe(t), addr);
	assert_int_equal(cal_transport_write(t, "SI\r\n", 4, 1000), CAL_OK);
	assert_int_equal(cal_transport_read_line(t, line, sizeof(line), &len, 2000), CAL_OK);
	assert_string_equal(line, "S S     100.00 g");
	/* The peer closes: CAL_ERR_IO naming it. */
	assert_int_equal(cal_transport_read_line(t, line, sizeof(line), &len, 2000), CAL_ERR_IO);
	snprintf(want, sizeof(want), "connection closed by 127.0.0.1:%d", p.port);
	assert_string_equal(cal_error_last(), want);
	pthread_join(th, NULL);
	assert_string_equal(p.got, "SI\r\n");
	assert_int_equal(cal_transport_flush_input(t), CAL_OK);
	cal_transport_close(t);
	close(p.listen_fd);
}

static void test_tcp_refused(void **state)
{
	struct cal_port_cfg cfg;
	struct cal_transport *t = NULL;
	char addr[64];
	int port;
	int fd = listen_loopback(&port, false);

	(void)state;
	close(fd); /* nobody listens on that port now */
	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%d", port);
	assert_int_equal(cal_port_cfg_parse(&cfg, addr, NULL), CAL_OK);
	assert_int_equal(cal_transport_open(&t, &cfg), CAL_ERR_IO);
	assert_null(t);
	assert_non_null(strstr(cal_error_last(), "refused"));
	assert_non_null(strstr(cal_error_last(), addr));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_cfg_good),
		cmocka_unit_test(test_port_cfg_bad),
		cmocka_unit_test(test_port_cfg_long_path),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_line_terminators),
		cmocka_unit_test(test_line_split_and_joined),
		cmocka_unit_test(test_line_partial_then_timeout_keeps_bytes),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_line_too_long_without_end),
		cmocka_unit_test(test_line_longer_than_internal_buffer),
		cmocka_unit_test(test_line_flush_and_raw_read),
		cmocka_unit_test(test_line_io_error_and_args),
		cmocka_unit_test(test_line_total_wait_is_bounded),
		cmocka_unit_test(test_termios_on_pty),
		cmocka_unit_test(test_termios_via_symlink),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_ports_list),
		cmocka_unit_test(test_tcp_backend),
		cmocka_unit_test(test_tcp_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
