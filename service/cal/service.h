/*
 * cal_service: the read-only verification service (HTTP, libmicrohttpd).
 *
 *   GET /verify/NO                a small HTML page, what a scanned QR code opens
 *   GET /api/v1/certificates/NO   the same answer as JSON
 *   GET /healthz                  200 while the database answers
 *
 * 200 for a known number whatever its status, 404 for an unknown one, 400
 * for a malformed one (cal_service_number_check), 405 for a method other
 * than GET or HEAD, 429 with Retry-After when the client's rate is spent,
 * 500 only when the database fails. Everything else is 404.
 *
 * The database is opened read-only (cal_db_open_readonly), one connection
 * per worker thread, each used by one request at a time. The daemon runs
 * its own threads (a pool of @threads, each with its own epoll loop), with
 * limits on connections in total and per client address and an idle
 * timeout, so that slow or malformed clients only hold a socket, never a
 * thread. The service logs through cal_log and never prints.
 */
#ifndef CAL_SERVICE_SERVICE_H
#define CAL_SERVICE_SERVICE_H

#include <stdint.h>

struct cal_clock;
struct cal_service;

struct cal_service_cfg {
	const char *db_path;	     /* the calbench database; must exist, at the current schema */
	const char *listen_addr;     /* numeric IPv4 or IPv6 address, e.g. "127.0.0.1", "::" */
	uint16_t port;		     /* 0 = any free port (cal_service_port tells which) */
	double rate_per_s;	     /* requests per second per client address; 0 = no limit */
	double burst;		     /* requests a client may make at once; 0 = 2 x rate, >= 1 */
	unsigned threads;	     /* worker threads; 0 = one per CPU (1..64) */
	unsigned max_connections;    /* in total; 0 = 1000 */
	unsigned per_ip_connections; /* per client address; 0 = 32 */
	unsigned timeout_s;	     /* an idle connection is closed after this; 0 = 10 */
	/* "today" for expiry and the rate limiter's time; NULL = the system clocks */
	const struct cal_clock *clock;
};

#define CAL_SERVICE_CFG_INIT                                                                       \
	{                                                                                          \
		NULL, "127.0.0.1", 8080, 10, 0, 0, 0, 0, 0, NULL                                   \
	}

/*
 * Open the database read-only (one connection per thread), bind and start
 * serving; returns once the socket listens.
 *
 * @param[out] out The running service; NULL on error. Must not be NULL.
 * @param cfg Must not be NULL; copied (db_path and listen_addr too).
 * @retval CAL_OK
 * @retval CAL_ERR_ARG A bad address, rate or count (message names it).
 * @retval CAL_ERR_DB The database cannot be opened read-only (message).
 * @retval CAL_ERR_IO The address cannot be bound (in use, not ours).
 */
int cal_service_start(struct cal_service **out, const struct cal_service_cfg *cfg);

/* The port it listens on (the one picked when cfg.port was 0). */
uint16_t cal_service_port(const struct cal_service *svc);

/*
 * Stop: no new connection is accepted, the threads are joined (a request
 * being answered is finished first), the connections are closed. NULL ok.
 */
void cal_service_stop(struct cal_service *svc);

#endif
