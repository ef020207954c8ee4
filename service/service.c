/*
 * The verification service's daemon: libmicrohttpd with its own threads
 * (MHD_USE_AUTO_INTERNAL_THREAD: epoll on Linux; a pool of cfg.threads,
 * each with its own event loop over its share of the connections), the
 * database read-only, one connection per thread.
 *
 * MHD calls the access handler once the request line and headers are in,
 * then again when the request is complete. Refusals are sent on the first
 * call, before any body is read (a POST gets its 405 at once, and the
 * connection is closed); answers on the last one, so that the connection
 * stays alive for the next request. The order of checks: rate limit (every
 * request counts, errors included: guessing numbers costs the same as
 * looking them up), method, path, number, database.
 *
 * The socket is created and bound here (not by MHD) so that a failure names
 * its cause ("address in use") and port 0 gives the port picked.
 *
 * Robustness comes from MHD's limits: a connection that stays idle for
 * cfg.timeout_s is closed; a request line and headers must fit in 32 KiB
 * (MHD answers 414/431 beyond); at most cfg.max_connections connections,
 * cfg.per_ip_connections from one address. A slow client holds a socket,
 * never a thread.
 *
 * URLs are percent-decoded by our own callback (MHD_OPTION_UNESCAPE_CALLBACK)
 * because MHD's would turn %00 into a NUL that silently cuts the number
 * short: here %00 and a malformed escape become the byte 0x7F, which the
 * number check refuses (400).
 */
#include "cal/service.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <sqlite3.h>

#include "cal/clock.h"
#include "cal/db.h"
#include "cal/error.h"
#include "cal/ratelimit.h"
#include "cal/service_text.h"

#define LOG_PREFIX "serve"
#include "cal/log.h"

#define API_PREFIX "/api/v1/certificates/"
#define PAGE_PREFIX "/verify/"

/* Per-connection memory (request line, headers and MHD's own state), bytes. */
#define CONN_MEMORY_LIMIT (32 * 1024)
#define LISTEN_BACKLOG 511
/* Client addresses the rate limiter keeps a bucket for at once. */
#define RATELIMIT_SLOTS 65536

/*
 * The read-only connections, one per worker thread. MHD calls the handler
 * from its pool threads only, so with as many connections as threads a
 * request never waits here; the condition variable is for safety, not
 * for load.
 */
struct db_pool {
	pthread_mutex_t lock; /* guards busy[] */
	pthread_cond_t freed;
	struct cal_db **db; /* n connections, opened with cal_db_open_readonly */
	bool *busy;	    /* busy[i]: db[i] is in use by a request */
	size_t n;
};

struct cal_service {
	struct MHD_Daemon *mhd;
	struct cal_ratelimit *rl; /* NULL: no rate limit */
	const struct cal_clock *clock;
	struct db_pool pool;
	bool pool_ready; /* the mutex and condition exist */
	uint16_t port;
};

/* ---- database connections ------------------------------------------------- */

static struct cal_db *pool_take(struct db_pool *p, size_t *slot)
{
	struct cal_db *db = NULL;

	pthread_mutex_lock(&p->lock);
	while (!db) {
		for (size_t i = 0; i < p->n; i++) {
			if (!p->busy[i]) {
				p->busy[i] = true;
				db = p->db[i];
				*slot = i;
				break;
			}
		}
		if (!db)
			pthread_cond_wait(&p->freed, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return db;
}

static void pool_give(struct db_pool *p, size_t slot)
{
	pthread_mutex_lock(&p->lock);
	p->busy[slot] = false;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/*
 * A read transaction around one lookup: every statement of cal_db_verify
 * sees the same snapshot (a revocation or a new document committed by the
 * bench meanwhile is wholly in or wholly out of the answer), and the WAL
 * read lock is taken once instead of once per statement.
 */
static int read_begin(struct cal_db *db)
{
	sqlite3 *h = cal_db_handle(db);

	if (sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return cal_error_set(CAL_ERR_DB, "begin a read transaction: %s", sqlite3_errmsg(h));
	return CAL_OK;
}

static void read_end(struct cal_db *db)
{
	sqlite3 *h = cal_db_handle(db);

	if (!sqlite3_get_autocommit(h) && sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- responses -------------------------------------------------------------- */

static const char csp[] = "default-src 'none'; style-src 'unsafe-inline'; "
			  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/*
 * Queue @body (its text is handed to MHD, which frees it) with status
 * @status and the headers every answer carries. @retry_after_s > 0 adds
 * Retry-After, @allow adds Allow.
 */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *ctype,
			     struct cal_service_buf *body, int retry_after_s, bool allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char num[16];

	if (body->failed) {
		cal_service_buf_free(body);
		return MHD_NO; /* out of memory: drop the connection */
	}
	r = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		cal_service_buf_free(body);
		return MHD_NO;
	}
	memset(body, 0, sizeof(*body)); /* MHD owns the text now */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	if (retry_after_s > 0) {
		snprintf(num, sizeof(num), "%d", retry_after_s);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

#define CT_HTML "text/html; charset=utf-8"
#define CT_JSON "application/json; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"

static enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status, bool json,
				   int retry_after_s)
{
	struct cal_service_buf b = { 0 };

	cal_service_render_error(&b, status, json);
	return reply(conn, status, json ? CT_JSON : CT_HTML, &b, retry_after_s, status == 405);
}

/* ---- endpoints -------------------------------------------------------------- */

static enum MHD_Result lookup(struct cal_service *svc, struct MHD_Connection *conn,
			      const char *number, bool json)
{
	struct cal_service_buf b = { 0 };
	struct cal_verify v;
	struct cal_date today;
	struct cal_db *db;
	size_t slot = 0;
	unsigned status;
	int rc;

	if (cal_service_number_check(number)) {
		cal_error_clear();
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, json, 0);
	}
	cal_date_from_unix(&today, svc->clock->wall_s(svc->clock->ctx));
	db = pool_take(&svc->pool, &slot);
	rc = read_begin(db);
	if (!rc)
		rc = cal_db_verify(&v, db, number, &today);
	read_end(db);
	pool_give(&svc->pool, slot);
	if (rc) {
		log_err("looking up '%s': %s", number, cal_error_last());
		cal_error_clear();
		return reply_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, json, 0);
	}
	status = v.status == CAL_VERIFY_UNKNOWN ? MHD_HTTP_NOT_FOUND : MHD_HTTP_OK;
	if (json)
		cal_service_render_json(&b, &v, number);
	else
		cal_service_render_html(&b, &v, number);
	cal_error_clear();
	return reply(conn, status, json ? CT_JSON : CT_HTML, &b, 0, false);
}

/* 200 "ok" while the database answers and has the schema this build reads. */
static enum MHD_Result healthz(struct cal_service *svc, struct MHD_Connection *conn)
{
	struct cal_service_buf b = { 0 };
	sqlite3_stmt *st = NULL;
	struct cal_db *db;
	size_t slot = 0;
	int version = -1;

	db = pool_take(&svc->pool, &slot);
	if (sqlite3_prepare_v2(cal_db_handle(db), "PRAGMA user_version", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	pool_give(&svc->pool, slot);
	if (version != CAL_DB_SCHEMA_VERSION) {
		log_err("health check: the database does not answer or has schema version %d, "
			"not %d",
			version, CAL_DB_SCHEMA_VERSION);
		cal_service_buf_puts(&b, "database unavailable\n");
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, CT_TEXT, &b, 0, false);
	}
	cal_service_buf_puts(&b, "ok\n");
	return reply(conn, MHD_HTTP_OK, CT_TEXT, &b, 0, false);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	static int seen; /* its address marks a request whose first call is done */
	struct cal_service *svc = cls;
	const union MHD_ConnectionInfo *ci;
	unsigned char key[CAL_RATELIMIT_KEY_MAX];
	bool json = strncmp(url, "/api/", 5) == 0;
	size_t key_len;
	int retry_s = 0;

	if (!*req_cls) {
		/*
		 * First call, headers in. A refusal is sent now, before any body
		 * is read (MHD then closes the connection: fine for a client
		 * over its rate or posting); anything else waits for the second
		 * call, so that the connection can be kept alive.
		 */
		if (svc->rl) {
			ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
			key_len = cal_ratelimit_addr_key(key, ci ? ci->client_addr : NULL);
			if (!cal_ratelimit_take(svc->rl, key, key_len,
						svc->clock->mono_ms(svc->clock->ctx), &retry_s))
				return reply_error(conn, MHD_HTTP_TOO_MANY_REQUESTS, json, retry_s);
		}
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return reply_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, json, 0);
		*req_cls = &seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a GET with a body: the body is ignored */
		return MHD_YES;
	}
	if (strcmp(url, "/healthz") == 0)
		return healthz(svc, conn);
	if (strncmp(url, PAGE_PREFIX, strlen(PAGE_PREFIX)) == 0)
		return lookup(svc, conn, url + strlen(PAGE_PREFIX), false);
	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) == 0)
		return lookup(svc, conn, url + strlen(API_PREFIX), true);
	return reply_error(conn, MHD_HTTP_NOT_FOUND, json, 0);
}

/* ---- MHD plumbing ----------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX -> the byte; %00 and a malformed escape -> 0x7F, which no number may hold. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *w = s;
	const char *r = s;
	int hi, lo;

	while (*r) {
		if (*r != '%') {
			*w++ = *r++;
			continue;
		}
		hi = hexval(r[1]);
		lo = hi >= 0 ? hexval(r[2]) : -1;
		if (hi < 0 || lo < 0) {
			*w++ = 0x7F;
			r++;
			continue;
		}
		*w++ = hi || lo ? (char)(hi * 16 + lo) : 0x7F;
		r += 3;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* MHD's own messages (mostly clients that broke the protocol): debug level. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	if (cal_log_get_level() < CAL_LOG_DBG)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_dbg("libmicrohttpd: %s", msg);
}

/* A listening socket on @host:@port (numeric), non-blocking; its port in *bound. */
static int listen_on(int *out, uint16_t *bound, bool *v6, const char *host, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd = -1, one = 1, rc;

	*out = -1;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		len = sizeof(*s4);
		*v6 = false;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		len = sizeof(*s6);
		*v6 = true;
	} else {
		return cal_error_set(CAL_ERR_ARG,
				     "listen address '%s' is not a numeric IPv4 or IPv6 address",
				     host);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cal_error_set(CAL_ERR_IO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "cannot listen on %s port %u: %s", host,
				   (unsigned)port, strerror(errno));
		goto fail;
	}
	if (listen(fd, LISTEN_BACKLOG) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "cannot listen on %s port %u: %s", host,
				   (unsigned)port, strerror(errno));
		goto fail;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		rc = cal_error_set(CAL_ERR_IO, "getsockname: %s", strerror(errno));
		goto fail;
	}
	*bound = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
	*out = fd;
	return CAL_OK;
fail:
	close(fd);
	return rc;
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

int cal_service_start(struct cal_service **out, const struct cal_service_cfg *cfg)
{
	struct cal_service *svc = NULL;
	unsigned threads, max_conn, per_ip, timeout_s;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	double burst;
	bool v6 = false;
	int fd = -1, rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_service_start: out is NULL");
	*out = NULL;
	if (!cfg || !cfg->db_path || !cfg->db_path[0] || !cfg->listen_addr)
		return cal_error_set(CAL_ERR_ARG,
				     "serve: a database path and an address are needed");
	threads = cfg->threads ? cfg->threads : default_threads();
	max_conn = cfg->max_connections ? cfg->max_connections : 1000;
	per_ip = cfg->per_ip_connections ? cfg->per_ip_connections : 32;
	timeout_s = cfg->timeout_s ? cfg->timeout_s : 10;
	if (threads > 64)
		return cal_error_set(CAL_ERR_ARG, "serve: %u threads is too many (at most 64)",
				     threads);
	if (max_conn < threads)
		return cal_error_set(CAL_ERR_ARG,
				     "serve: %u connections for %u threads: at least one each",
				     max_conn, threads);
	if (!(cfg->rate_per_s >= 0) || cfg->burst < 0)
		return cal_error_set(CAL_ERR_ARG, "serve: the rate limit must be >= 0");

	/*
	 * SQLite's memory statistics take a global mutex on every allocation,
	 * and preparing a statement allocates a lot: with them off a lookup
	 * costs a third less and the threads stop queueing on that mutex. This
	 * only works before SQLite is first used in the process (as in
	 * `calbench serve`); later it is refused and changes nothing.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	svc = calloc(1, sizeof(*svc));
	if (!svc)
		return cal_error_set(CAL_ERR_NOMEM, "serve: out of memory");
	svc->clock = cfg->clock ? cfg->clock : cal_clock_system();
	if (cfg->rate_per_s > 0) {
		burst = cfg->burst > 0 ? cfg->burst : 2 * cfg->rate_per_s;
		rc = cal_ratelimit_new(&svc->rl, cfg->rate_per_s, burst < 1 ? 1 : burst,
				       RATELIMIT_SLOTS);
		if (rc)
			goto fail;
	}
	pthread_mutex_init(&svc->pool.lock, NULL);
	pthread_cond_init(&svc->pool.freed, NULL);
	svc->pool_ready = true;
	svc->pool.db = calloc(threads, sizeof(*svc->pool.db));
	svc->pool.busy = calloc(threads, sizeof(*svc->pool.busy));
	if (!svc->pool.db || !svc->pool.busy) {
		rc = cal_error_set(CAL_ERR_NOMEM, "serve: out of memory");
		goto fail;
	}
	for (; svc->pool.n < threads; svc->pool.n++) {
		rc = cal_db_open_readonly(&svc->pool.db[svc->pool.n], cfg->db_path);
		if (rc)
			goto fail;
	}
	rc = listen_on(&fd, &svc->port, &v6, cfg->listen_addr, cfg->port);
	if (rc)
		goto fail;
	if (v6)
		flags |= MHD_USE_IPv6;
	svc->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, svc, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)CONN_MEMORY_LIMIT, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_END);
	if (!svc->mhd) {
		/* MHD may or may not have closed the socket it was given */
		if (fcntl(fd, F_GETFD) == -1)
			fd = -1;
		rc = cal_error_set(CAL_ERR_IO,
				   "serve: libmicrohttpd could not start (run with -v for its "
				   "reason)");
		goto fail;
	}
	log_info("serving %s read-only on %s port %u, %u threads", cfg->db_path, cfg->listen_addr,
		 (unsigned)svc->port, threads);
	*out = svc;
	return CAL_OK;
fail:
	if (fd >= 0)
		close(fd);
	cal_service_stop(svc);
	return rc;
}

uint16_t cal_service_port(const struct cal_service *svc)
{
	return svc ? svc->port : 0;
}

void cal_service_stop(struct cal_service *svc)
{
	if (!svc)
		return;
	/* MHD closes the listening socket and joins its threads */
	if (svc->mhd)
		MHD_stop_daemon(svc->mhd);
	for (size_t i = 0; i < svc->pool.n; i++)
		cal_db_close(svc->pool.db[i]);
	free(svc->pool.db);
	free(svc->pool.busy);
	if (svc->pool_ready) {
		pthread_mutex_destroy(&svc->pool.lock);
		pthread_cond_destroy(&svc->pool.freed);
	}
	cal_ratelimit_free(svc->rl);
	free(svc);
}
