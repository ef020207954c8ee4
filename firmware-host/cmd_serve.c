/*
 * calbench serve: the read-only verification service (cal_service) in the
 * foreground, until SIGINT or SIGTERM. The first line printed is the URL it
 * listens on (with the port picked when --listen asks for port 0), so that a
 * script can read it; see docs/serve.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/service.h"
#include "cal/service_text.h"
#include "cli.h"

/* "10", "10/s", "600/min", "0" (no limit) -> requests per second. */
static int parse_rate(double *out, const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	double v, per = 1;

	if (cal_num_parse(&v, NULL, s, n) != CAL_OK || v < 0 || v > 1e9)
		return cal_error_set(CAL_ERR_ARG,
				     "--rate '%s': expected N, N/s or N/min (0: no limit)", s);
	if (slash && strcmp(slash, "/s") != 0 && strcmp(slash, "/min") != 0)
		return cal_error_set(CAL_ERR_ARG,
				     "--rate '%s': expected N, N/s or N/min (0: no limit)", s);
	if (slash && strcmp(slash, "/min") == 0)
		per = 60;
	*out = v / per;
	return CAL_OK;
}

/* A whole number in [lo, hi]. */
static int parse_count(unsigned *out, const char *s, const char *opt, unsigned lo, unsigned hi)
{
	double v;

	if (cal_num_parse_str(&v, NULL, s) != CAL_OK || v != (double)(unsigned)v || v < lo ||
	    v > hi)
		return cal_error_set(CAL_ERR_ARG, "%s '%s': expected a whole number %u..%u", opt, s,
				     lo, hi);
	*out = (unsigned)v;
	return CAL_OK;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	const char *listen = "127.0.0.1:8080", *db = NULL, *rate = NULL, *burst = NULL;
	const char *threads = NULL;
	const struct cli_opt opts[] = {
		{ "listen", true, &listen, NULL },   { "db", true, &db, NULL },
		{ "rate", true, &rate, NULL },	     { "burst", true, &burst, NULL },
		{ "threads", true, &threads, NULL }, { NULL, false, NULL, NULL }
	};
	struct cal_service_cfg cfg = CAL_SERVICE_CFG_INIT;
	struct cal_service *svc = NULL;
	char host[64];
	const char *pos[1];
	sigset_t block, old;
	unsigned n = 0;
	int npos, rc, err = CAL_OK;

	rc = cli_parse(argc, argv, 1, opts, pos, 1, &npos, "serve");
	if (rc)
		return rc;
	if (npos)
		return cli_usage("serve", "serve: unexpected argument '%s'", pos[0]);
	err = cal_service_parse_listen(host, sizeof(host), &cfg.port, listen);
	if (!err && rate)
		err = parse_rate(&cfg.rate_per_s, rate);
	if (!err && burst) {
		err = parse_count(&n, burst, "--burst", 1, 1000000);
		cfg.burst = n;
	}
	if (!err && threads)
		err = parse_count(&cfg.threads, threads, "--threads", 1, 64);
	if (err) {
		cli_usage("serve", "serve: %s", cal_error_last());
		return CLI_USAGE;
	}
	cfg.listen_addr = host;
	cfg.db_path = db ? db : cli->db_path;
	if (access(cfg.db_path, F_OK) != 0) {
		cli_err("no database at %s (give --db PATH or set CALBENCH_DB)", cfg.db_path);
		return CLI_ERROR;
	}

	/*
	 * SIGINT and SIGTERM stay blocked in every thread (the service's threads
	 * inherit this mask) and are taken here, in sigsuspend, so that a
	 * signal never lands on a worker and is never missed.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = cal_service_start(&svc, &cfg);
	if (err) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return cli_fail(err, NULL);
	}
	printf(strchr(host, ':') ? "http://[%s]:%u/\n" : "http://%s:%u/\n", host,
	       (unsigned)cal_service_port(svc));
	if (cfg.rate_per_s > 0)
		printf("serving %s read-only; at most %g requests/s per client (burst %g); "
		       "Ctrl-C stops\n",
		       cfg.db_path, cfg.rate_per_s,
		       cfg.burst > 0 ? cfg.burst
				     : (2 * cfg.rate_per_s < 1 ? 1 : 2 * cfg.rate_per_s));
	else
		printf("serving %s read-only; no rate limit; Ctrl-C stops\n", cfg.db_path);
	fflush(stdout);
	while (!*cli->stop_flag)
		sigsuspend(&old);
	cal_service_stop(svc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	printf("stopped (%s)\n", *cli->stop_flag == SIGTERM ? "SIGTERM" : "SIGINT");
	return CLI_OK;
}
