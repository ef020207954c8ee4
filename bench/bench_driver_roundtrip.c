/*
 * bench_driver_roundtrip: one reading through the whole host stack -- the
 * mt-sics driver over the TCP transport, cal_dev_read(CAL_READ_NOW), i.e.
 * "SI" CR LF out, "S S ... g" back, parsed and converted -- against the
 * balance simulator on 127.0.0.1, compared with a baseline raw socket that
 * writes "SI\r\n" and reads the answer line to its LF, nothing else. The
 * same for the pace driver (":SENS:PRES:INL?" LF out, pressure and
 * in-limits flag back) against the pressure simulator.
 *
 * Both talk to the same simulator (one client at a time), one after the
 * other in alternating rounds; each round opens its own connection, whose
 * set-up (the driver's "@" reset and quiet window, the power-up I4) is not
 * timed. The simulator's own time per answer is in both figures, so the
 * ratio shows what the driver adds to a bare request/response.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "cal/driver.h"
#include "cal/error.h"
#include "cal/sim_balance.h"
#include "cal/sim_pressure.h"
#include "cal/transport.h"

#include "bench_util.h"

static const char usage[] = "Read round trips over TCP: mt-sics and pace drivers vs raw "
			    "sockets, against the balance and pressure simulators.\n";

#define LOAD_G 100.0

/* Reads through @driver; each must give @want (NAN: any value) in @unit. */
static double run_driver(const char *driver, int port, double seconds, long *count, double want,
			 enum cal_unit unit)
{
	struct cal_port_cfg cfg;
	struct cal_device *dev = NULL;
	struct cal_reading rd;
	char spec[64];
	double t0, t;
	long n = 0;

	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
	if (cal_port_cfg_parse(&cfg, spec, NULL))
		bench_die("%s: %s", spec, cal_error_last());
	if (cal_dev_open(&dev, driver, &cfg, "dev1"))
		bench_die("open %s: %s", spec, cal_error_last());
	t0 = bench_now();
	do {
		if (cal_dev_read(&rd, dev, CAL_READ_NOW))
			bench_die("read: %s", cal_error_last());
		if ((!isnan(want) && rd.value != want) || rd.unit != unit)
			bench_die("read %g %s, %g %s expected (\"%s\")", rd.value,
				  cal_unit_symbol(rd.unit), want, cal_unit_symbol(unit), rd.raw);
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	cal_dev_close(dev);
	*count += n;
	return (double)n / (t - t0);
}

/* Read one line (to LF) from @fd, buffered in @buf/@have across calls. */
static size_t read_line(int fd, char *buf, size_t size, size_t *have, char *line, size_t lsize)
{
	for (;;) {
		char *lf = memchr(buf, '\n', *have);

		if (lf) {
			size_t n = (size_t)(lf - buf) + 1;
			size_t m = n < lsize ? n : lsize - 1;

			memcpy(line, buf, m);
			line[m] = '\0';
			memmove(buf, buf + n, *have - n);
			*have -= n;
			return m;
		}
		if (*have == size)
			bench_die("raw: line longer than %zu bytes", size);
		ssize_t got = recv(fd, buf + *have, size - *have, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			bench_die("raw: connection closed (%s)", got ? strerror(errno) : "EOF");
		*have += (size_t)got;
	}
}

/*
 * Raw request/response: send @cmd, read a line starting with @answer.
 * @greeting: the line a new client gets first (the balance's I4), or NULL.
 */
static double run_raw(int port, double seconds, long *count, const char *cmd, const char *greeting,
		      const char *answer)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char buf[512], line[256];
	size_t have = 0, len = strlen(cmd);
	int one = 1, fd;
	double t0, t;
	long n = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		bench_die("raw: connect to port %d: %s", port, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (greeting) {
		read_line(fd, buf, sizeof(buf), &have, line, sizeof(line));
		if (strncmp(line, greeting, strlen(greeting)) != 0)
			bench_die("raw: unexpected greeting \"%s\"", line);
	}
	t0 = bench_now();
	do {
		if (send(fd, cmd, len, MSG_NOSIGNAL) != (ssize_t)len)
			bench_die("raw: send: %s", strerror(errno));
		read_line(fd, buf, sizeof(buf), &have, line, sizeof(line));
		if (strncmp(line, answer, strlen(answer)) != 0)
			bench_die("raw: unexpected answer \"%s\"", line);
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	close(fd);
	*count += n;
	return (double)n / (t - t0);
}

/* The pace rows: driver and raw socket against the pressure simulator. */
static void bench_pace(const struct bench_opts *o)
{
	struct bench_row rows[2] = {
		{ .name = "cal_dev_read (pace, tcp)", .note = ":SENS:PRES:INL?, parse" },
		{ .name = "raw socket (baseline)", .note = "same query + read line" },
	};
	struct cal_sim_pressure_cfg cfg;
	struct cal_sim_pressure *sim = NULL;
	long n_drv = 0, n_raw = 0;
	int port = 0;

	cal_sim_pressure_cfg_default(&cfg);
	cfg.noise_pa = 0;
	if (cal_sim_pressure_new(&sim, &cfg) ||
	    cal_sim_pressure_listen_tcp(sim, "127.0.0.1", 0, &port) || cal_sim_pressure_start(sim))
		bench_die("pressure simulator: %s", cal_error_last());
	printf("bench_driver_roundtrip: pressure simulator (pace) on tcp:127.0.0.1:%d\n", port);
	for (int i = 0; i < o->rounds; i++) {
		bench_row_push(&rows[0],
			       run_driver("pace", port, o->seconds, &n_drv, NAN, CAL_UNIT_BAR));
		bench_row_push(&rows[1], run_raw(port, o->seconds, &n_raw, ":SENS:PRES:INL?\n",
						 NULL, ":SENS:PRES:INL "));
	}
	bench_print_table("pace read round trips", "trips/s", rows, 2, 1);
	printf("round trips: %ld (driver), %ld (raw)\n", n_drv, n_raw);
	cal_sim_pressure_free(sim);
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .seconds = 2.0, .rounds = 3 };
	struct bench_row rows[2] = {
		{ .name = "cal_dev_read (mt-sics, tcp)", .note = "SI, parse, retries armed" },
		{ .name = "raw socket (baseline)", .note = "SI write + read line" },
	};
	struct cal_sim_balance_cfg cfg;
	struct cal_sim_balance *sim = NULL;
	unsigned long commands = 0, replies = 0;
	long n_drv = 0, n_raw = 0;
	int port = 0;

	bench_parse_args(&o, argc, argv, usage);
	cal_sim_balance_cfg_default(&cfg);
	cfg.settle_ms = 1;
	cfg.noise_g = 0;
	cfg.d_g = 0.01;
	cfg.max_g = 6200;
	if (cal_sim_balance_new(&sim, &cfg) ||
	    cal_sim_balance_listen_tcp(sim, "127.0.0.1", 0, &port) || cal_sim_balance_start(sim))
		bench_die("simulator: %s", cal_error_last());
	cal_sim_balance_set_load(sim, LOAD_G);
	usleep(100 * 1000); /* past settle_ms: every SI answers "S S 100.00 g" */

	printf("bench_driver_roundtrip: balance simulator on tcp:127.0.0.1:%d, %d round(s) of "
	       "%.1f s each\n",
	       port, o.rounds, o.seconds);
	for (int i = 0; i < o.rounds; i++) {
		bench_row_push(&rows[0],
			       run_driver("mt-sics", port, o.seconds, &n_drv, LOAD_G, CAL_UNIT_G));
		bench_row_push(&rows[1], run_raw(port, o.seconds, &n_raw, "SI\r\n", "I4 A", "S"));
	}
	bench_print_table("read round trips", "trips/s", rows, 2, 1);
	cal_sim_balance_stats(sim, &commands, &replies);
	printf("round trips: %ld (driver), %ld (raw); simulator: %lu commands, %lu replies\n",
	       n_drv, n_raw, commands, replies);
	cal_sim_balance_free(sim);
	bench_pace(&o);
	return 0;
}
