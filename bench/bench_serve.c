/*
 * bench_serve: requests per second and latency of the verification service
 * (cal_service, the code behind `calbench serve`) over a database of
 * 1,000,000 certificates, driven by wrk (Debian package wrk) on loopback.
 *
 *  fill     the database is made with plain SQL in one transaction on the
 *           connection of cal_db_open (schema, triggers and indexes as
 *           calbench makes them): 250,000 instruments, and per certificate
 *           a run inserted running, its document, the run completed, as the
 *           triggers demand; the 10 years before this one x 100,000 numbers
 *           CB-YYYY-NNNNNN, one in ten a failure record, one in a hundred
 *           revoked, each instrument documented every 2.5 years (so older
 *           documents are superseded or expired, the last ones valid). They
 *           carry no signature: issued before the centre signed;
 *  signed   then a signing key is registered and --signed more documents
 *           (default 2,000) are issued through the real path
 *           (cal_db_run_begin, 18 readings and 18 results, cal_db_run_complete
 *           with the signer), numbered CB-<this year>-NNNNNN: a lookup of one
 *           recomputes the SHA-256 of its canonical content and checks its
 *           Ed25519 signature;
 *  serve    the service in this process, port 0 on 127.0.0.1, the rate
 *           limiter on (with a limit no client reaches: its cost is in the
 *           figures), one read-only connection per thread;
 *  load     wrk over keep-alive connections: a warm-up pass, then the JSON
 *           and the HTML page over the million, then the JSON over the
 *           signed documents; each request a random number, known (200) or
 *           never issued (404, a share --unknown of them). A Lua script
 *           picks the numbers and reports requests, percentiles and errors.
 *
 * It prints, per pass, requests/s and the latency percentiles as wrk
 * measured them, and checks that every known number was answered 200 and
 * every unknown one 404 (non-2xx answers = unknown numbers sent, to within
 * the requests in flight when wrk stopped) with no socket error.
 *
 * --db PATH keeps the database (made when the file does not exist, reused
 * otherwise): making 1,000,000 takes a minute or two. --quick (ctest): 2,000
 * certificates and 50 signed, 1 s per pass, no warm-up; exits 77 (skipped)
 * without wrk.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <sodium.h>
#include <sqlite3.h>

#include "cal/clock.h"
#include "cal/db.h"
#include "cal/error.h"
#include "cal/service.h"
#include "cal/units.h"

#include "bench_sql.h"
#include "bench_util.h"

extern char **environ;

#define YEARS 10
#define SIGNED_POINTS 18    /* readings and results of a signed document's run */
#define UNKNOWN_FROM 900000 /* sequence numbers never issued: 900000..999999 */
#define SKIP_CODE 77	    /* ctest SKIP_RETURN_CODE */

struct opts {
	long certs;	  /* unsigned certificates (a multiple of YEARS) */
	long signed_n;	  /* signed documents issued after them */
	double seconds;	  /* length of one wrk pass */
	int connections;  /* wrk -c */
	int wrk_threads;  /* wrk -t */
	unsigned threads; /* service threads; 0 = one per CPU */
	double unknown;	  /* share of numbers never issued */
	double warmup;	  /* seconds of the warm-up pass; 0 = none */
	const char *dir;  /* where a temporary database goes */
	const char *db;	  /* a database to keep and reuse, or NULL */
};

static const char usage[] =
	"usage: bench_serve [--certs N] [--signed N] [--seconds S] [--connections C]\n"
	"                   [--wrk-threads N] [--threads N] [--unknown F] [--warmup S]\n"
	"                   [--dir DIR] [--db PATH] [--quick]\n"
	"Requests/s and latency of the verification service over N certificates\n"
	"(default 1000000) and N signed ones (default 2000), driven by wrk:\n"
	"see docs/performance.md.\n";

static double num_arg(const char *name, const char *v, double lo, double hi)
{
	char *end = NULL;
	double x = v ? strtod(v, &end) : NAN;

	if (!v || *end || !(x >= lo && x <= hi))
		bench_die("bench_serve: %s wants a number in [%g, %g]", name, lo, hi);
	return x;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--quick") == 0) {
			o->certs = 2000;
			o->signed_n = 50;
			o->seconds = 1;
			o->warmup = 0;
			o->connections = 8;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
		if (!v)
			bench_die("bench_serve: unknown option '%s' (try --help)", a);
		i++;
		if (strcmp(a, "--certs") == 0)
			o->certs = (long)num_arg(a, v, YEARS, 8e6);
		else if (strcmp(a, "--signed") == 0)
			o->signed_n = (long)num_arg(a, v, 0, 99999);
		else if (strcmp(a, "--seconds") == 0)
			o->seconds = num_arg(a, v, 1, 600);
		else if (strcmp(a, "--connections") == 0)
			o->connections = (int)num_arg(a, v, 1, 1000);
		else if (strcmp(a, "--wrk-threads") == 0)
			o->wrk_threads = (int)num_arg(a, v, 1, 64);
		else if (strcmp(a, "--threads") == 0)
			o->threads = (unsigned)num_arg(a, v, 1, 64);
		else if (strcmp(a, "--unknown") == 0)
			o->unknown = num_arg(a, v, 0, 1);
		else if (strcmp(a, "--warmup") == 0)
			o->warmup = num_arg(a, v, 0, 600);
		else if (strcmp(a, "--dir") == 0)
			o->dir = v;
		else if (strcmp(a, "--db") == 0)
			o->db = v;
		else
			bench_die("bench_serve: unknown option '%s' (try --help)", a);
	}
	o->certs -= o->certs % YEARS;
}

/* ---- the database ----------------------------------------------------------- */

/* Unix time of 09:00 UTC on day @doy (0-based) of @year. */
static int64_t day_time(int year, int doy)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mday = 1 + doy;
	tm.tm_hour = 9;
	return (int64_t)timegm(&tm);
}

static int this_year(void)
{
	struct cal_date d;

	cal_date_from_unix(&d, (int64_t)time(NULL));
	return d.year;
}

#define LAB_NAME "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1"
#define LAB_ADDRESS "08 Hoàng Quốc Việt, Cầu Giấy, Hà Nội"

/* The unsigned million, years @first_year .. @first_year + YEARS - 1. */
static void fill(struct cal_db *db, long certs, int first_year)
{
	static const char sha[] =
		"5f2b1c0d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c";
	long per_year = certs / YEARS, n_inst = certs / 4 > 0 ? certs / 4 : 1;
	sqlite3_stmt *ins_inst, *ins_run, *ins_cert, *done_run, *revoke, *seq;
	char id[32], serial[32], number[32], at[24], day[11], until[11];
	struct cal_date d, u;
	double t0 = bench_now();
	sqlite3 *h = cal_db_handle(db);

	bench_exec(h, "PRAGMA cache_size = -1048576"); /* 1 GiB while filling: no spill */
	bench_exec(h, "BEGIN IMMEDIATE");
	bench_exec(h, "INSERT OR REPLACE INTO settings(key, value) VALUES "
		      "('lab.name', '" LAB_NAME "'), ('lab.address', '" LAB_ADDRESS "')");
	ins_inst = bench_prep(
		h, "INSERT INTO instruments(id, type, manufacturer, model, serial, owner, "
		   "accuracy_class, unit, max, min, e, d, interval_months, created_at, "
		   "kind) VALUES (?1, 'cột đo xăng dầu', 'Tatsuno', 'SUNNY 2', ?2, "
		   "'Công ty Xăng dầu Khu vực I', '0.5', 'L', 0, 2, 0.01, 0.01, 12, "
		   "'2000-01-01T00:00:00Z', 'fuel-dispenser')");
	for (long i = 0; i < n_inst; i++) {
		snprintf(id, sizeof(id), "CX-%07ld", i);
		snprintf(serial, sizeof(serial), "P-%07ld", i);
		bench_text(ins_inst, 1, id);
		bench_text(ins_inst, 2, serial);
		bench_step_done(h, ins_inst, "instrument");
	}
	ins_run = bench_prep(
		h, "INSERT INTO runs(instrument_id, procedure_id, procedure_title, method, "
		   "procedure_sha256, procedure_text, mode, operator_name, status, "
		   "started_at) VALUES (?1, 'r117-fuel-dispenser-verification', "
		   "'Verification of fuel dispensers (OIML R 117)', "
		   "'OIML R 117-1:2019 / MID MI-005', ?2, 'id: bench\n', 'periodic', "
		   "'bench', 'running', ?3)");
	ins_cert = bench_prep(
		h,
		"INSERT INTO certificates(number, kind, run_id, instrument_id, "
		"issued_at, issue_date, valid_until, year, seq, lab_name, lab_address) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '" LAB_NAME "', '" LAB_ADDRESS "')");
	done_run = bench_prep(
		h, "UPDATE runs SET status = 'completed', verdict = ?2, fail_reason = ?3, "
		   "finished_at = ?4 WHERE id = ?1");
	revoke = bench_prep(h, "INSERT INTO certificate_revocations(number, revoked_at, reason) "
			       "VALUES (?1, ?2, 'issued on the wrong record')");
	for (long i = 0; i < certs; i++) {
		int year = first_year + (int)(i / per_year);
		long s = i % per_year + 1;
		bool pass = i % 10 != 7;
		int64_t t = day_time(year, (int)((s - 1) * 365 / per_year));
		int64_t run;

		snprintf(id, sizeof(id), "CX-%07ld", i % n_inst);
		snprintf(number, sizeof(number), "CB-%04d-%06ld", year, s);
		cal_time_iso8601(at, sizeof(at), t);
		cal_date_from_unix(&d, t);
		cal_date_format(day, sizeof(day), &d);
		cal_date_add_months(&u, &d, 12);
		cal_date_format(until, sizeof(until), &u);

		bench_text(ins_run, 1, id);
		bench_text(ins_run, 2, sha);
		bench_text(ins_run, 3, at);
		bench_step_done(h, ins_run, "run");
		run = sqlite3_last_insert_rowid(h);
		bench_text(ins_cert, 1, number);
		bench_text(ins_cert, 2, pass ? "verification" : "failure");
		sqlite3_bind_int64(ins_cert, 3, run);
		bench_text(ins_cert, 4, id);
		bench_text(ins_cert, 5, at);
		bench_text(ins_cert, 6, day);
		bench_text(ins_cert, 7, pass ? until : "");
		sqlite3_bind_int(ins_cert, 8, year);
		sqlite3_bind_int64(ins_cert, 9, s);
		bench_step_done(h, ins_cert, "certificate");
		sqlite3_bind_int64(done_run, 1, run);
		bench_text(done_run, 2, pass ? "PASS" : "FAIL");
		bench_text(done_run, 3,
			   pass ? "" : "Qmax run 1: E = +0.55 % beyond the MPE ±0.5 %");
		bench_text(done_run, 4, at);
		bench_step_done(h, done_run, "run completed");
		if (i % 100 == 42) {
			bench_text(revoke, 1, number);
			bench_text(revoke, 2, at);
			bench_step_done(h, revoke, "revocation");
		}
		if (i % 100000 == 99999) {
			printf("\r  %ld certificates", i + 1);
			fflush(stdout);
		}
	}
	/* numbers are never reused: the sequence of each year is where the fill left it */
	seq = bench_prep(h, "INSERT INTO number_seq(year, last) VALUES (?1, ?2)");
	for (int y = 0; y < YEARS; y++) {
		sqlite3_bind_int(seq, 1, first_year + y);
		sqlite3_bind_int64(seq, 2, per_year);
		bench_step_done(h, seq, "number_seq");
	}
	sqlite3_finalize(ins_inst);
	sqlite3_finalize(ins_run);
	sqlite3_finalize(ins_cert);
	sqlite3_finalize(done_run);
	sqlite3_finalize(revoke);
	sqlite3_finalize(seq);
	bench_exec(h, "COMMIT");
	printf("\r  %ld certificates of %d-%d, %ld instruments: %.1f s\n", certs, first_year,
	       first_year + YEARS - 1, n_inst, bench_now() - t0);
}

/*
 * @n documents issued now through the API, signed by a new key, for the
 * instruments CX-0000000.. (a run each: SIGNED_POINTS readings and results,
 * like a verification of a balance). All in one transaction.
 */
static void issue_signed(struct cal_db *db, long n)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	struct cal_signer signer;
	struct cal_reading rd;
	struct cal_result res;
	struct cal_run r;
	struct cal_cert c;
	double t0 = bench_now();
	int64_t run, reading;

	memset(&signer, 0, sizeof(signer));
	if (sodium_init() < 0 || crypto_sign_keypair(pk, signer.sk) != 0)
		bench_die("libsodium: no key pair");
	if (cal_signer_key_id(signer.key_id, pk) || cal_db_signing_key_add(db, pk))
		bench_die("signing key: %s", cal_error_last());
	cal_db_set_signer(db, &signer);
	if (cal_db_begin(db))
		bench_die("begin: %s", cal_error_last());
	for (long i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.instrument_id, sizeof(r.instrument_id), "CX-%07ld", i);
		snprintf(r.procedure_id, sizeof(r.procedure_id), "bench-signed");
		snprintf(r.procedure_title, sizeof(r.procedure_title), "benchmark");
		snprintf(r.method, sizeof(r.method), "ĐLVN 16:2009");
		snprintf(r.mode, sizeof(r.mode), "periodic");
		snprintf(r.operator_name, sizeof(r.operator_name), "Nguyễn Văn A");
		r.pid = (int)getpid();
		if (cal_db_run_begin(&run, db, &r, "id: bench-signed\n"))
			bench_die("run: %s", cal_error_last());
		for (int p = 1; p <= SIGNED_POINTS; p++) {
			memset(&rd, 0, sizeof(rd));
			rd.value = 20.0 + 0.01 * p;
			rd.unit = CAL_UNIT_G;
			rd.value_si = rd.value / 1000;
			rd.decimals = 2;
			rd.flags = CAL_RD_STABLE;
			rd.t_mono_ms = 1000 * p;
			snprintf(rd.raw, sizeof(rd.raw), "S S %10.2f g", rd.value);
			if (cal_db_reading_add(&reading, db, run, p, "device:bal1", &rd))
				bench_die("reading: %s", cal_error_last());
			memset(&res, 0, sizeof(res));
			res.seq = p;
			snprintf(res.test, sizeof(res.test), "weighing");
			snprintf(res.label, sizeof(res.label), "up %d", p);
			snprintf(res.unit, sizeof(res.unit), "g");
			res.load = 20;
			res.ref = 20;
			res.indication = rd.value;
			res.decimals = 2;
			res.error = rd.value - 20;
			res.mpe = 0.5;
			snprintf(res.verdict, sizeof(res.verdict), "PASS");
			res.reading_id = reading;
			res.u = NAN;
			res.k = NAN;
			res.nu_eff = NAN;
			if (cal_db_result_add(db, run, &res))
				bench_die("result: %s", cal_error_last());
		}
		if (cal_db_run_complete(&c, db, run, "PASS", "", (int64_t)time(NULL)))
			bench_die("complete: %s", cal_error_last());
	}
	if (cal_db_end(db, CAL_OK))
		bench_die("commit: %s", cal_error_last());
	cal_db_set_signer(db, NULL);
	sodium_memzero(&signer, sizeof(signer));
	printf("  %ld signed documents: %.1f s\n", n, bench_now() - t0);
}

/* ---- wrk -------------------------------------------------------------------- */

/*
 * The Lua script: a random number per request, known (year y0 .. y0 +
 * years - 1, sequence lo .. hi) or not (sequence from UNKNOWN_FROM); done()
 * prints one line the program parses. The counters are globals so that
 * done() can read them from every thread.
 */
static const char lua[] =
	"-- bench_serve: random known and unknown certificate numbers\n"
	"local prefix, y0, years, lo, hi, unknown, unknown_from\n"
	"sent, sent_unknown = 0, 0\n"
	"local threads = {}\n"
	"local counter = 0\n"
	"function setup(thread)\n"
	"  counter = counter + 1\n"
	"  thread:set('tid', counter)\n"
	"  table.insert(threads, thread)\n"
	"end\n"
	"function init(args)\n"
	"  prefix, y0, years = args[1], tonumber(args[2]), tonumber(args[3])\n"
	"  lo, hi, unknown = tonumber(args[4]), tonumber(args[5]), tonumber(args[6])\n"
	"  unknown_from = tonumber(args[8])\n"
	"  math.randomseed(tonumber(args[7]) * 1000 + (tid or 0))\n"
	"end\n"
	"function request()\n"
	"  local y, n = y0 + math.random(0, years - 1), math.random(lo, hi)\n"
	"  sent = sent + 1\n"
	"  if math.random() < unknown then\n"
	"    n = math.random(unknown_from, 999999)\n"
	"    sent_unknown = sent_unknown + 1\n"
	"  end\n"
	"  return wrk.format('GET', string.format('%sCB-%04d-%06d', prefix, y, n))\n"
	"end\n"
	"function done(summary, latency, requests)\n"
	"  local n, u = 0, 0\n"
	"  for _, t in ipairs(threads) do\n"
	"    n = n + t:get('sent')\n"
	"    u = u + t:get('sent_unknown')\n"
	"  end\n"
	"  local e = summary.errors\n"
	"  io.write(string.format('BENCH %d %d %d %d %d %d %d %d %d %d %d %d %d %d\\n',\n"
	"    summary.requests, summary.duration, latency:percentile(50),\n"
	"    latency:percentile(90), latency:percentile(99), latency:percentile(99.9),\n"
	"    latency.max, e.status, e.connect, e.read, e.write, e.timeout, n, u))\n"
	"end\n";

struct result {
	long requests, duration_us;
	long p50_us, p90_us, p99_us, p999_us, max_us;
	long non2xx, e_connect, e_read, e_write, e_timeout;
	long sent, sent_unknown;
};

/* Which numbers a pass asks for. */
struct numbers {
	const char *prefix; /* "/api/v1/certificates/" or "/verify/" */
	int y0, years;	    /* known numbers: years y0 .. y0 + years - 1 */
	long lo, hi;	    /* and sequence numbers lo .. hi */
};

/* Run wrk with @args; parse the BENCH line of its standard output. */
static void run_wrk(struct result *r, char *const args[])
{
	posix_spawn_file_actions_t fa;
	char buf[8192], *line;
	size_t got = 0;
	ssize_t n;
	int fds[2], status = 0, err;
	pid_t pid;

	if (pipe(fds) != 0)
		bench_die("pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	err = posix_spawnp(&pid, "wrk", &fa, NULL, args, environ);
	if (err)
		bench_die("cannot run wrk: %s", strerror(err));
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (got + 1 < sizeof(buf) && (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	line = strstr(buf, "BENCH ");
	memset(r, 0, sizeof(*r));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !line ||
	    sscanf(line, "BENCH %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld",
		   &r->requests, &r->duration_us, &r->p50_us, &r->p90_us, &r->p99_us, &r->p999_us,
		   &r->max_us, &r->non2xx, &r->e_connect, &r->e_read, &r->e_write, &r->e_timeout,
		   &r->sent, &r->sent_unknown) != 14)
		bench_die("wrk failed or printed no result:\n%s", buf);
}

static bool have_wrk(void)
{
	const char *path = getenv("PATH");
	char file[4200];

	for (const char *p = path ? path : ""; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(file, sizeof(file), "%.*s/wrk", n ? (int)n : 1, n ? p : ".");
		if (access(file, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

static void pass(struct result *r, const struct opts *o, double seconds, uint16_t port,
		 const char *script, const struct numbers *num)
{
	char t[16], c[16], d[32], url[64], y0[16], years[16], lo[24], hi[24], unk[32], seed[32],
		from[16];
	char *args[] = { "wrk",
			 "-t",
			 t,
			 "-c",
			 c,
			 "-d",
			 d,
			 "--timeout",
			 "5s",
			 "-s",
			 (char *)script,
			 url,
			 "--",
			 (char *)num->prefix,
			 y0,
			 years,
			 lo,
			 hi,
			 unk,
			 seed,
			 from,
			 NULL };

	snprintf(t, sizeof(t), "%d", o->wrk_threads);
	snprintf(c, sizeof(c), "%d", o->connections);
	snprintf(d, sizeof(d), "%ds", (int)ceil(seconds));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)port);
	snprintf(y0, sizeof(y0), "%d", num->y0);
	snprintf(years, sizeof(years), "%d", num->years);
	snprintf(lo, sizeof(lo), "%ld", num->lo);
	snprintf(hi, sizeof(hi), "%ld", num->hi);
	snprintf(unk, sizeof(unk), "%.3f", o->unknown);
	snprintf(seed, sizeof(seed), "%ld", (long)getpid());
	snprintf(from, sizeof(from), "%d", UNKNOWN_FROM);
	run_wrk(r, args);
}

static void print_row(const char *name, const struct result *r, int connections)
{
	double s = (double)r->duration_us / 1e6;
	long errors = r->e_connect + r->e_read + r->e_write + r->e_timeout;

	printf("%-34s %8.0f %7.2f %7.2f %7.2f %8.2f %7.2f %9ld %6ld\n", name,
	       s > 0 ? (double)r->requests / s : 0, r->p50_us / 1e3, r->p90_us / 1e3,
	       r->p99_us / 1e3, r->p999_us / 1e3, r->max_us / 1e3, r->requests, errors);
	/* every unknown number answered 404, every known one 200 */
	if (errors)
		bench_die("%s: %ld socket errors (connect %ld, read %ld, write %ld, timeout %ld)",
			  name, errors, r->e_connect, r->e_read, r->e_write, r->e_timeout);
	if (labs(r->non2xx - r->sent_unknown) > connections)
		bench_die("%s: %ld answers were not 2xx but %ld unknown numbers were sent", name,
			  r->non2xx, r->sent_unknown);
}

static void load_average(char *buf, size_t size)
{
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(buf, size, "?");
	if (f) {
		if (!fgets(buf, (int)size, f))
			snprintf(buf, size, "?");
		buf[strcspn(buf, " ")] = '\0';
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .certs = 1000000,
			  .signed_n = 2000,
			  .seconds = 10,
			  .connections = 16,
			  .wrk_threads = 1,
			  .threads = 0,
			  .unknown = 0.2,
			  .warmup = 3 };
	struct cal_service_cfg cfg = CAL_SERVICE_CFG_INIT;
	struct cal_service *svc = NULL;
	struct result api, page, sig, warm;
	struct numbers million, signed_docs;
	char dir[512], path[600], script[600], load[32];
	int first_year = this_year() - YEARS;
	struct cal_db *db = NULL;
	bool temp = false;
	long n, n_signed;

	o.dir = bench_tmpdir();
	parse_args(&o, argc, argv);
	if (!have_wrk()) {
		printf("bench_serve: wrk is not installed (apt-get install wrk): skipped\n");
		return SKIP_CODE;
	}
	signal(SIGPIPE, SIG_IGN);
	bench_mkdtemp(dir, sizeof(dir), o.dir);
	snprintf(script, sizeof(script), "%s/numbers.lua", dir);
	{
		FILE *f = fopen(script, "w");

		if (!f || fputs(lua, f) < 0 || fclose(f) != 0)
			bench_die("cannot write %s", script);
	}
	if (o.db) {
		snprintf(path, sizeof(path), "%s", o.db);
	} else {
		snprintf(path, sizeof(path), "%s/serve.db", dir);
		temp = true;
	}
	printf("bench_serve: %ld certificates + %ld signed, wrk -t %d -c %d, %.0f s per pass, "
	       "%.0f %% unknown numbers\n",
	       o.certs, o.signed_n, o.wrk_threads, o.connections, o.seconds, o.unknown * 100);
	if (access(path, F_OK) != 0) {
		if (cal_db_open(&db, path))
			bench_die("cal_db_open %s: %s", path, cal_error_last());
		fill(db, o.certs, first_year);
		if (o.signed_n)
			issue_signed(db, o.signed_n);
		bench_exec(cal_db_handle(db), "PRAGMA wal_checkpoint(TRUNCATE)");
		cal_db_close(db);
	}
	if (cal_db_open(&db, path))
		bench_die("%s: %s", path, cal_error_last());
	n = bench_query_long(cal_db_handle(db),
			     "SELECT count(*) FROM certificates c WHERE NOT EXISTS "
			     "(SELECT 1 FROM cert_signatures s WHERE s.number = "
			     "c.number)");
	n_signed = bench_query_long(cal_db_handle(db), "SELECT count(*) FROM cert_signatures WHERE "
						       "key_id <> ''");
	first_year = (int)bench_query_long(cal_db_handle(db), "SELECT min(year) FROM certificates");
	cal_db_close(db);
	if (n != o.certs || n_signed != o.signed_n)
		bench_die("%s holds %ld certificates and %ld signed, not %ld and %ld: remove it or "
			  "give --certs %ld --signed %ld",
			  path, n, n_signed, o.certs, o.signed_n, n, n_signed);
	million =
		(struct numbers){ "/api/v1/certificates/", first_year, YEARS, 1, o.certs / YEARS };
	signed_docs =
		(struct numbers){ "/api/v1/certificates/", first_year + YEARS, 1, 1, o.signed_n };

	/* no connection is open: SQLite starts afresh, configured as `calbench serve` has it */
	sqlite3_shutdown();
	cfg.db_path = path;
	cfg.port = 0;
	cfg.threads = o.threads;
	cfg.rate_per_s = 1e9; /* on, never reached */
	/*
	 * wrk connects from one address; between passes the connections of the
	 * last one may not all be cleaned up yet when the next one connects.
	 */
	cfg.max_connections = 8 * (unsigned)o.connections + 64;
	cfg.per_ip_connections = 4 * (unsigned)o.connections + 16;
	if (cal_service_start(&svc, &cfg))
		bench_die("cal_service_start: %s", cal_error_last());
	load_average(load, sizeof(load));
	printf("service: 127.0.0.1:%u, %u thread(s), SQLite %s, %ld CPUs, load average %s\n",
	       (unsigned)cal_service_port(svc),
	       o.threads ? o.threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
	       sqlite3_libversion(), sysconf(_SC_NPROCESSORS_ONLN), load);

	if (o.warmup > 0)
		pass(&warm, &o, o.warmup, cal_service_port(svc), script, &million);
	pass(&api, &o, o.seconds, cal_service_port(svc), script, &million);
	million.prefix = "/verify/";
	pass(&page, &o, o.seconds, cal_service_port(svc), script, &million);
	if (o.signed_n)
		pass(&sig, &o, o.seconds, cal_service_port(svc), script, &signed_docs);
	cal_service_stop(svc);

	printf("\n%-34s %8s %7s %7s %7s %8s %7s %9s %6s\n", "pass", "req/s", "p50 ms", "p90 ms",
	       "p99 ms", "p99.9 ms", "max ms", "requests", "errors");
	print_row("JSON, the million", &api, o.connections);
	print_row("HTML page, the million", &page, o.connections);
	if (o.signed_n)
		print_row("JSON, signed documents", &sig, o.connections);
	printf("(wrk's own figures, keep-alive connections; known numbers answered 200, the %.0f "
	       "%% never issued 404: checked)\n",
	       o.unknown * 100);

	unlink(script);
	if (temp)
		bench_remove_db(dir, "serve.db");
	rmdir(dir);
	return 0;
}
