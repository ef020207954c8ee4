/*
 * Unit tests for service/: the pure parts (number checks, escaping, the
 * page and the JSON, listen addresses, the rate limiter on a fake clock)
 * and the daemon in-process on a loopback port over a database in a
 * temporary directory (status codes, headers, Retry-After from the fake
 * clock); plus cal_db_open_readonly, which the service opens with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <sqlite3.h>

#include "cal/clock.h"
#include "cal/db.h"
#include "cal/error.h"
#include "cal/ratelimit.h"
#include "cal/service.h"
#include "cal/service_text.h"

/* 2026-03-15T10:00:00Z */
#define T_2026_03_15 INT64_C(1773568800)

static bool contains(const char *s, const char *part)
{
	return s && strstr(s, part) != NULL;
}

/* ---- numbers -------------------------------------------------------------- */

static void test_service_number_check(void **state)
{
	char long_ok[CAL_SERVICE_NUMBER_MAX + 1], too_long[CAL_SERVICE_NUMBER_MAX + 2];
	char *huge = malloc(10001);
	static const char *const good[] = { "CB-2026-000123", "3681 - 26 (YB)", "QNG/2026.1_a",
					    "cb-2026-000123", "7" };
	static const char *const bad[] = {
		"",	 "-CB",	 " CB",	   "/etc",    "CB..1", "../CB",	     "CB//1", "CB<script>",
		"CB\"1", "CB'1", "CB%001", "CB\x7f",  "CB\t1", "ĐL-2026-01", "CB;1",  "CB&x=1",
		"CB?x",	 "CB#1", "CB\\1",  "CB\r\n1", "CB+1",  "CB:1",	     "CB*",   "<script>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (cal_service_number_check(good[i]) != CAL_OK)
			fail_msg("refused '%s': %s", good[i], cal_error_last());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_service_number_check(bad[i]) != CAL_ERR_ARG)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(cal_service_number_check(NULL), CAL_ERR_ARG);

	memset(long_ok, 'A', sizeof(long_ok) - 1);
	long_ok[sizeof(long_ok) - 1] = '\0';
	assert_int_equal(cal_service_number_check(long_ok), CAL_OK);
	memset(too_long, 'A', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	assert_int_equal(cal_service_number_check(too_long), CAL_ERR_ARG);
	assert_non_null(huge);
	memset(huge, '1', 10000);
	huge[10000] = '\0';
	assert_int_equal(cal_service_number_check(huge), CAL_ERR_ARG);
	/* the message never repeats the input */
	assert_false(contains(cal_error_last(), "1111"));
	free(huge);
}

/* ---- escaping ------------------------------------------------------------- */

static void test_service_html_escape(void **state)
{
	struct cal_service_buf b = { 0 };

	(void)state;
	assert_int_equal(cal_service_html_escape(&b, "<script>alert('x')</script> & \"q\""),
			 CAL_OK);
	assert_string_equal(b.data, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
				    "&quot;q&quot;");
	cal_service_buf_free(&b);

	/* Vietnamese stays as it is; control bytes go; broken UTF-8 becomes U+FFFD */
	assert_int_equal(cal_service_html_escape(&b, "Cơ sở\x01\x1b[31m a\xff b\xc3 \xe1\xba"),
			 CAL_OK);
	assert_string_equal(b.data, "Cơ sở[31m a\xEF\xBF\xBD b\xEF\xBF\xBD \xEF\xBF\xBD"
				    "\xEF\xBF\xBD");
	cal_service_buf_free(&b);

	/* overlong "/" (C0 AF) and a UTF-16 surrogate (ED A0 80) are not UTF-8 */
	assert_int_equal(cal_service_html_escape(&b, "\xc0\xaf|\xed\xa0\x80|\xf0\x9f\x98\x80"),
			 CAL_OK);
	assert_false(contains(b.data, "\xc0\xaf"));
	assert_false(contains(b.data, "\xed\xa0\x80"));
	assert_true(contains(b.data, "\xf0\x9f\x98\x80")); /* an emoji is fine */
	cal_service_buf_free(&b);

	assert_int_equal(cal_service_html_escape(&b, NULL), CAL_OK);
	assert_null(b.data);
}

static void test_service_json_and_url_escape(void **state)
{
	struct cal_service_buf b = { 0 };

	(void)state;
	assert_int_equal(cal_service_json_str(&b, "a\"b\\c\n\x01</script>&\xff đ"), CAL_OK);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\\u003c/script\\u003e\\u0026"
				    "\xEF\xBF\xBD đ\"");
	cal_service_buf_free(&b);
	assert_int_equal(cal_service_json_str(&b, NULL), CAL_OK);
	assert_string_equal(b.data, "\"\"");
	cal_service_buf_free(&b);

	assert_int_equal(cal_service_url_escape(&b, "3681 - 26 (YB)/a\"<đ"), CAL_OK);
	assert_string_equal(b.data, "3681%20-%2026%20(YB)/a%22%3C%C4%91");
	cal_service_buf_free(&b);
}

/* ---- listen addresses ----------------------------------------------------- */

static void test_service_parse_listen(void **state)
{
	char host[64];
	uint16_t port;

	(void)state;
	assert_int_equal(cal_service_parse_listen(host, sizeof(host), &port, "127.0.0.1:8080"),
			 CAL_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(cal_service_parse_listen(host, sizeof(host), &port, "[::1]:0"), CAL_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	assert_int_equal(cal_service_parse_listen(host, sizeof(host), &port, ":9000"), CAL_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9000);
	assert_int_equal(cal_service_parse_listen(host, sizeof(host), &port, "0.0.0.0:65535"),
			 CAL_OK);
	assert_int_equal(port, 65535);
	static const char *const bad[] = {
		"localhost", "localhost:80", "1.2.3:80",       "[fe80::1%lo]:80", "1.2.3.4:65536",
		"1.2.3.4:",  "1.2.3.4:80x",  "::1:80",	       "[::1]80",	  "[::1]:",
		":",	     "1.2.3.4:-1",   "1.2.3.4:0080080"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cal_service_parse_listen(host, sizeof(host), &port, bad[i]) != CAL_ERR_ARG)
			fail_msg("accepted listen address '%s'", bad[i]);
}

/* ---- rate limiter --------------------------------------------------------- */

static void test_ratelimit_bucket(void **state)
{
	struct cal_ratelimit *rl = NULL;
	const unsigned char a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	int retry = -1;

	(void)state;
	assert_int_equal(cal_ratelimit_new(&rl, 1.0, 3, 16), CAL_OK);
	/* a full bucket of 3, then refused for 1 s */
	for (int i = 0; i < 3; i++)
		assert_true(cal_ratelimit_take(rl, a, 4, 1000, &retry));
	assert_false(cal_ratelimit_take(rl, a, 4, 1000, &retry));
	assert_int_equal(retry, 1);
	/* another client is not affected */
	assert_true(cal_ratelimit_take(rl, b, 4, 1000, &retry));
	assert_int_equal(retry, 0);
	/* 0.5 s later half a token: still refused; 1 s later one token */
	assert_false(cal_ratelimit_take(rl, a, 4, 1500, &retry));
	assert_int_equal(retry, 1);
	assert_true(cal_ratelimit_take(rl, a, 4, 2000, NULL));
	assert_false(cal_ratelimit_take(rl, a, 4, 2000, NULL));
	/* a clock going back counts as no time passed */
	assert_false(cal_ratelimit_take(rl, a, 4, 100, NULL));
	/* a long pause refills to the burst, not beyond */
	for (int i = 0; i < 3; i++)
		assert_true(cal_ratelimit_take(rl, a, 4, 1000000, NULL));
	assert_false(cal_ratelimit_take(rl, a, 4, 1000000, NULL));
	cal_ratelimit_free(rl);

	/* slow rates: Retry-After is rounded up */
	assert_int_equal(cal_ratelimit_new(&rl, 0.25, 1, 16), CAL_OK);
	assert_true(cal_ratelimit_take(rl, a, 4, 0, &retry));
	assert_false(cal_ratelimit_take(rl, a, 4, 0, &retry));
	assert_int_equal(retry, 4);
	assert_false(cal_ratelimit_take(rl, a, 4, 1001, &retry));
	assert_int_equal(retry, 3);
	cal_ratelimit_free(rl);

	assert_int_equal(cal_ratelimit_new(&rl, 0, 1, 16), CAL_ERR_ARG);
	assert_null(rl);
	assert_int_equal(cal_ratelimit_new(&rl, 1, 0.5, 16), CAL_ERR_ARG);
	cal_ratelimit_free(NULL);
}

/*
 * Far more clients than slots (an attacker with many addresses): memory
 * stays fixed, and a busy client is not evicted in favour of fresh ones as
 * long as idle buckets are there to take.
 */
static void test_ratelimit_many_clients(void **state)
{
	struct cal_ratelimit *rl = NULL;
	const unsigned char busy[4] = { 192, 168, 1, 1 };
	unsigned char k[4];
	int refused = 0;

	(void)state;
	assert_int_equal(cal_ratelimit_new(&rl, 1.0, 2, 16), CAL_OK);
	assert_true(cal_ratelimit_take(rl, busy, 4, 0, NULL));
	assert_true(cal_ratelimit_take(rl, busy, 4, 0, NULL));
	assert_false(cal_ratelimit_take(rl, busy, 4, 0, NULL));
	for (unsigned i = 0; i < 100000; i++) {
		memcpy(k, &i, sizeof(k));
		k[3] ^= 0x5a;
		if (!cal_ratelimit_take(rl, k, 4, 100, NULL))
			refused++;
	}
	assert_int_equal(refused, 0); /* each newcomer has its full bucket */
	/* the busy client kept its nearly empty bucket: no reset by the churn */
	assert_false(cal_ratelimit_take(rl, busy, 4, 100, NULL));
	cal_ratelimit_free(rl);
}

static void test_ratelimit_addr_key(void **state)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	unsigned char k[CAL_RATELIMIT_KEY_MAX], k2[CAL_RATELIMIT_KEY_MAX];

	(void)state;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "203.0.113.7", &s4.sin_addr);
	assert_int_equal(cal_ratelimit_addr_key(k, (struct sockaddr *)&s4), 4);
	assert_memory_equal(k, "\xcb\x00\x71\x07", 4);

	/* an IPv4-mapped IPv6 address is the IPv4 client */
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:203.0.113.7", &s6.sin6_addr);
	assert_int_equal(cal_ratelimit_addr_key(k2, (struct sockaddr *)&s6), 4);
	assert_memory_equal(k, k2, 4);

	/* IPv6: one /64 is one client */
	inet_pton(AF_INET6, "2001:db8:1:2:aaaa::1", &s6.sin6_addr);
	assert_int_equal(cal_ratelimit_addr_key(k, (struct sockaddr *)&s6), 8);
	inet_pton(AF_INET6, "2001:db8:1:2:bbbb::9", &s6.sin6_addr);
	assert_int_equal(cal_ratelimit_addr_key(k2, (struct sockaddr *)&s6), 8);
	assert_memory_equal(k, k2, 8);
	inet_pton(AF_INET6, "2001:db8:1:3::1", &s6.sin6_addr);
	cal_ratelimit_addr_key(k2, (struct sockaddr *)&s6);
	assert_memory_not_equal(k, k2, 8);

	assert_int_equal(cal_ratelimit_addr_key(k, NULL), 0);
}

/* ---- page and JSON -------------------------------------------------------- */

static void verify_fill(struct cal_verify *v, enum cal_verify_status s)
{
	memset(v, 0, sizeof(*v));
	v->status = s;
	snprintf(v->cert.number, sizeof(v->cert.number), "CB-2026-000042");
	v->cert.kind = CAL_CERT_VERIFICATION;
	snprintf(v->cert.issue_date, sizeof(v->cert.issue_date), "2026-03-15");
	snprintf(v->cert.issued_at, sizeof(v->cert.issued_at), "2026-03-15T10:00:00Z");
	snprintf(v->cert.valid_until, sizeof(v->cert.valid_until), "2027-03-15");
	snprintf(v->cert.lab_name, sizeof(v->cert.lab_name), "Trung tâm Kỹ thuật TĐC 1");
	snprintf(v->cert.lab_address, sizeof(v->cert.lab_address), "08 Hoàng Quốc Việt, Hà Nội");
	snprintf(v->instrument.id, sizeof(v->instrument.id), "INTERNAL-ID-7");
	snprintf(v->instrument.type, sizeof(v->instrument.type), "cân kỹ thuật");
	snprintf(v->instrument.manufacturer, sizeof(v->instrument.manufacturer), "Mettler Toledo");
	snprintf(v->instrument.model, sizeof(v->instrument.model), "XS205");
	snprintf(v->instrument.serial, sizeof(v->instrument.serial), "B712345678");
	snprintf(v->instrument.owner, sizeof(v->instrument.owner),
		 "<script>alert(1)</script>\"Cty\" & 'ABC'");
	snprintf(v->run.method, sizeof(v->run.method), "ĐLVN 16:2009");
	snprintf(v->run.mode, sizeof(v->run.mode), "periodic");
	snprintf(v->run.verdict, sizeof(v->run.verdict), "PASS");
	snprintf(v->run.operator_name, sizeof(v->run.operator_name), "Nguyễn Văn Kỹ Thuật");
	snprintf(v->run.finished_at, sizeof(v->run.finished_at), "2026-03-15T09:58:00Z");
	snprintf(v->run.procedure_sha256, sizeof(v->run.procedure_sha256), "deadbeef");
}

static void test_service_render_html(void **state)
{
	struct cal_service_buf b = { 0 };
	struct cal_verify v;

	(void)state;
	verify_fill(&v, CAL_VERIFY_VALID);
	assert_int_equal(cal_service_render_html(&b, &v, "cb-2026-000042"), CAL_OK);
	assert_true(contains(b.data, "<!DOCTYPE html>"));
	assert_true(contains(b.data, "<meta charset=\"utf-8\">"));
	assert_true(contains(b.data, "name=\"viewport\""));
	assert_true(contains(b.data, "class=\"st ok\""));
	assert_true(contains(b.data, "Còn hiệu lực"));
	assert_true(contains(b.data, "Valid"));
	assert_true(contains(b.data, "CB-2026-000042"));
	assert_true(contains(b.data, "B712345678"));
	assert_true(contains(b.data, "Mettler Toledo XS205"));
	assert_true(contains(b.data, "Trung tâm Kỹ thuật TĐC 1"));
	assert_true(contains(b.data, "2027-03-15"));
	assert_true(contains(b.data, "Đạt <span class=\"en\">/ Pass"));
	assert_true(contains(b.data, "Định kỳ"));
	/* the hostile owner is text, not markup */
	assert_true(contains(b.data, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;Cty&quot; &amp; "
				     "&#39;ABC&#39;"));
	assert_false(contains(b.data, "<script"));
	/* what an inspector does not get */
	assert_false(contains(b.data, "Nguyễn Văn Kỹ Thuật"));
	assert_false(contains(b.data, "INTERNAL-ID-7"));
	assert_false(contains(b.data, "deadbeef"));
	/* nothing external */
	assert_false(contains(b.data, "http"));
	assert_false(contains(b.data, "src="));
	cal_service_buf_free(&b);

	/* each status has its banner; an unknown future status is never green */
	struct {
		enum cal_verify_status s;
		const char *css, *text;
	} cases[] = {
		{ CAL_VERIFY_EXPIRED, "st warn", "Hết hiệu lực" },
		{ CAL_VERIFY_REVOKED, "st bad", "Đã bị thu hồi" },
		{ CAL_VERIFY_FAIL_RECORD, "st bad", "Không đạt" },
		{ CAL_VERIFY_SUPERSEDED, "st warn", "Đã được thay thế" },
		{ CAL_VERIFY_TAMPERED, "st bad", "Bị sửa đổi" },
		{ (enum cal_verify_status)99, "st bad", "Không xác nhận được" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		verify_fill(&v, cases[i].s);
		if (cases[i].s == CAL_VERIFY_REVOKED) {
			v.cert.revoked = true;
			snprintf(v.cert.revoked_at, sizeof(v.cert.revoked_at),
				 "2026-04-01T08:00:00Z");
			snprintf(v.cert.revoke_reason, sizeof(v.cert.revoke_reason),
				 "wrong <b>record</b>");
		}
		if (cases[i].s == CAL_VERIFY_SUPERSEDED) {
			snprintf(v.superseded_by.number, sizeof(v.superseded_by.number),
				 "3681 - 27 (YB)");
			v.superseded_by.kind = CAL_CERT_FAILURE;
		}
		assert_int_equal(cal_service_render_html(&b, &v, "x"), CAL_OK);
		if (!contains(b.data, cases[i].css) || !contains(b.data, cases[i].text))
			fail_msg("status %d: no '%s' / '%s'", (int)cases[i].s, cases[i].css,
				 cases[i].text);
		assert_false(contains(b.data, "st ok"));
		if (cases[i].s == CAL_VERIFY_REVOKED) {
			assert_true(
				contains(b.data, "2026-04-01: wrong &lt;b&gt;record&lt;/b&gt;"));
		}
		if (cases[i].s == CAL_VERIFY_SUPERSEDED) {
			assert_true(contains(b.data,
					     "<a href=\"/verify/3681%20-%2027%20(YB)\">3681 - "
					     "27 (YB)</a>"));
		}
		cal_service_buf_free(&b);
	}

	/* an unknown number */
	assert_int_equal(cal_service_render_html(&b, NULL, "CB-2026-999999"), CAL_OK);
	assert_true(contains(b.data, "Không tìm thấy"));
	assert_true(contains(b.data, "CB-2026-999999"));
	cal_service_buf_free(&b);

	/* error pages never carry the request */
	assert_int_equal(cal_service_render_error(&b, 400, false), CAL_OK);
	assert_true(contains(b.data, "Malformed certificate number"));
	cal_service_buf_free(&b);
	assert_int_equal(cal_service_render_error(&b, 429, true), CAL_OK);
	assert_string_equal(b.data, "{\"status\": 429, \"error\": \"Too many requests: try again "
				    "later\"}\n");
	cal_service_buf_free(&b);
}

static void test_service_render_json(void **state)
{
	struct cal_service_buf b = { 0 };
	struct cal_verify v;

	(void)state;
	verify_fill(&v, CAL_VERIFY_VALID);
	v.signed_ok = true;
	assert_int_equal(cal_service_render_json(&b, &v, "x"), CAL_OK);
	assert_true(contains(b.data, "{\"number\": \"CB-2026-000042\", \"status\": \"valid\", "
				     "\"kind\": \"verification\""));
	assert_true(contains(b.data, "\"valid_until\": \"2027-03-15\""));
	assert_true(contains(b.data, "\"revoked\": false"));
	assert_true(contains(b.data, "\"signed\": true"));
	assert_true(contains(b.data, "\"serial\": \"B712345678\""));
	assert_true(contains(b.data, "\"owner\": \"\\u003cscript\\u003ealert(1)\\u003c/script"
				     "\\u003e\\\"Cty\\\" \\u0026 'ABC'\""));
	assert_true(contains(b.data, "\"verdict\": \"PASS\""));
	assert_false(contains(b.data, "Nguyễn Văn Kỹ Thuật"));
	assert_false(contains(b.data, "INTERNAL-ID-7"));
	assert_false(contains(b.data, "deadbeef"));
	cal_service_buf_free(&b);

	verify_fill(&v, CAL_VERIFY_FAIL_RECORD);
	v.cert.kind = CAL_CERT_FAILURE;
	assert_int_equal(cal_service_render_json(&b, &v, "x"), CAL_OK);
	assert_true(contains(b.data, "\"status\": \"fail-record\", \"kind\": \"failure-record\""));
	cal_service_buf_free(&b);

	assert_int_equal(cal_service_render_json(&b, NULL, "CB-1"), CAL_OK);
	assert_string_equal(b.data, "{\"number\": \"CB-1\", \"status\": \"unknown\"}\n");
	cal_service_buf_free(&b);
}

/* ---- a database in a temporary directory ---------------------------------- */

struct tmp {
	char dir[64];
	char path[96];
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/calbench-svc.XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/c.db", t->dir);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

/* A database with one instrument, a PASS certificate and a revoked FAIL record. */
static void make_db(const char *path)
{
	struct cal_db *db = NULL;
	struct cal_instrument in;
	struct cal_run r;
	struct cal_cert c;
	int64_t run = 0;

	assert_int_equal(cal_db_open(&db, path), CAL_OK);
	memset(&in, 0, sizeof(in));
	snprintf(in.id, sizeof(in.id), "CAN-1");
	snprintf(in.type, sizeof(in.type), "cân kỹ thuật");
	snprintf(in.manufacturer, sizeof(in.manufacturer), "Mettler Toledo");
	snprintf(in.model, sizeof(in.model), "XS205");
	snprintf(in.serial, sizeof(in.serial), "B1");
	snprintf(in.owner, sizeof(in.owner), "<img src=x onerror=alert(1)>");
	snprintf(in.accuracy_class, sizeof(in.accuracy_class), "II");
	snprintf(in.unit, sizeof(in.unit), "g");
	in.max = 220;
	in.min = 0.02;
	in.e = 0.001;
	in.d = 0.0001;
	in.interval_months = 12;
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
	for (int i = 0; i < 2; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.instrument_id, sizeof(r.instrument_id), "CAN-1");
		snprintf(r.procedure_id, sizeof(r.procedure_id), "dlvn-16");
		snprintf(r.method, sizeof(r.method), "ĐLVN 16:2009");
		snprintf(r.mode, sizeof(r.mode), "periodic");
		r.pid = (int)getpid();
		assert_int_equal(cal_db_run_begin(&run, db, &r, "id: dlvn-16\n"), CAL_OK);
		assert_int_equal(cal_db_run_complete(&c, db, run, i ? "FAIL" : "PASS",
						     i ? "E > MPE" : "", T_2026_03_15 + i),
				 CAL_OK);
	}
	assert_int_equal(cal_db_cert_revoke(db, "CB-2026-000002", "wrong record", T_2026_03_15 + 9),
			 CAL_OK);
	cal_db_close(db);
}

static void test_db_open_readonly(void **state)
{
	struct tmp *t = *state;
	struct cal_db *db = NULL;
	struct cal_verify v;
	struct cal_date today = { 2026, 6, 1 };
	sqlite3 *h = NULL;
	char other[128];

	make_db(t->path);
	assert_int_equal(cal_db_open_readonly(&db, t->path), CAL_OK);
	/* (the failure record issued after it is revoked: it does not supersede it) */
	assert_int_equal(cal_db_verify(&v, db, "cb-2026-000001", &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000002", &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_REVOKED);
	/* every write fails */
	assert_int_equal(cal_db_setting_set(db, "lab.name", "x"), CAL_ERR_DB);
	assert_int_equal(cal_db_cert_revoke(db, "CB-2026-000001", "x", T_2026_03_15), CAL_ERR_DB);
	assert_int_not_equal(sqlite3_exec(cal_db_handle(db), "CREATE TABLE x(a)", NULL, NULL, NULL),
			     SQLITE_OK);
	cal_db_close(db);
	db = NULL;

	/* missing, in memory, not calbench's, an older schema */
	snprintf(other, sizeof(other), "%s/missing.db", t->dir);
	assert_int_equal(cal_db_open_readonly(&db, other), CAL_ERR_DB);
	assert_true(contains(cal_error_last(), "missing.db"));
	assert_null(db);
	assert_int_equal(cal_db_open_readonly(&db, ":memory:"), CAL_ERR_ARG);
	assert_int_equal(cal_db_open_readonly(&db, ""), CAL_ERR_ARG);
	assert_int_equal(cal_db_open_readonly(NULL, t->path), CAL_ERR_ARG);
	assert_int_equal(access(other, F_OK), -1); /* nothing was created */

	snprintf(other, sizeof(other), "%s/other.db", t->dir);
	assert_int_equal(sqlite3_open(other, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(a)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(cal_db_open_readonly(&db, other), CAL_ERR_DB);
	assert_true(contains(cal_error_last(), "not a calbench database"));

	assert_int_equal(sqlite3_open(t->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(cal_db_open_readonly(&db, t->path), CAL_ERR_DB);
	assert_true(contains(cal_error_last(), "older"));
}

/* ---- the daemon, in-process ----------------------------------------------- */

struct fake {
	int64_t mono_ms;
	int64_t wall_s;
};

static int64_t fake_mono(void *ctx)
{
	return ((struct fake *)ctx)->mono_ms;
}

static void fake_sleep(void *ctx, int64_t ms)
{
	((struct fake *)ctx)->mono_ms += ms;
}

static int64_t fake_wall(void *ctx)
{
	return ((struct fake *)ctx)->wall_s;
}

/* One request on a new connection; the whole answer (headers and body) in @out. */
static int http(char *out, size_t size, uint16_t port, const char *request)
{
	struct sockaddr_in a;
	struct timeval tv = { 5, 0 };
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL),
			 (ssize_t)strlen(request));
	while (got + 1 < size && (n = recv(fd, out + got, size - 1 - got, 0)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
	sscanf(out, "HTTP/1.1 %d", &status);
	return status;
}

static int get(char *out, size_t size, uint16_t port, const char *path)
{
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
	return http(out, size, port, req);
}

static void test_service_daemon(void **state)
{
	struct tmp *t = *state;
	struct fake f = { 1000, T_2026_03_15 + 86400 };
	const struct cal_clock clk = { fake_mono, fake_sleep, fake_wall, &f };
	struct cal_service_cfg cfg = CAL_SERVICE_CFG_INIT;
	struct cal_service *svc = NULL;
	static char buf[65536];
	uint16_t port;

	make_db(t->path);
	cfg.db_path = t->path;
	cfg.port = 0;
	cfg.threads = 2;
	cfg.rate_per_s = 1;
	cfg.burst = 10;
	cfg.clock = &clk;
	assert_int_equal(cal_service_start(&svc, &cfg), CAL_OK);
	port = cal_service_port(svc);
	assert_true(port > 0);

	assert_int_equal(get(buf, sizeof(buf), port, "/healthz"), 200);
	assert_int_equal(get(buf, sizeof(buf), port, "/api/v1/certificates/cb-2026-000002"), 200);
	assert_true(contains(buf, "Content-Type: application/json; charset=utf-8"));
	assert_true(contains(buf, "\"status\": \"revoked\""));
	assert_true(contains(buf, "Cache-Control: no-store"));
	assert_true(contains(buf, "X-Content-Type-Options: nosniff"));
	assert_true(contains(buf, "Content-Security-Policy: default-src 'none'; style-src "
				  "'unsafe-inline'"));
	assert_int_equal(get(buf, sizeof(buf), port, "/verify/CB-2026-000001"), 200);
	assert_true(contains(buf, "Content-Type: text/html; charset=utf-8"));
	assert_true(contains(buf, "Còn hiệu lực"));
	assert_true(contains(buf, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_false(contains(buf, "<img"));
	assert_int_equal(get(buf, sizeof(buf), port, "/verify/CB-2026-000003"), 404);
	assert_true(contains(buf, "Không tìm thấy"));
	assert_int_equal(get(buf, sizeof(buf), port, "/verify/CB%00-1"), 400);
	assert_int_equal(get(buf, sizeof(buf), port, "/verify/%3Cscript%3E"), 400);
	assert_false(contains(buf, "<script"));
	assert_int_equal(get(buf, sizeof(buf), port, "/verify/../../etc/passwd"), 400);
	assert_int_equal(get(buf, sizeof(buf), port, "/nothing"), 404);
	assert_int_equal(http(buf, sizeof(buf), port,
			      "POST /verify/CB-2026-000001 HTTP/1.1\r\nHost: x\r\n"
			      "Content-Length: 3\r\nConnection: close\r\n\r\nx=1"),
			 405);
	assert_true(contains(buf, "Allow: GET, HEAD"));
	/* 9 requests so far, burst 10: one left, then 429 until the fake clock moves */
	assert_int_equal(get(buf, sizeof(buf), port, "/healthz"), 200);
	assert_int_equal(get(buf, sizeof(buf), port, "/healthz"), 429);
	assert_true(contains(buf, "Retry-After: 1"));
	f.mono_ms += 1000;
	assert_int_equal(get(buf, sizeof(buf), port, "/healthz"), 200);
	cal_service_stop(svc);

	/* refusals at start: a port in use, a bad address, a missing database */
	cfg.rate_per_s = 0;
	assert_int_equal(cal_service_start(&svc, &cfg), CAL_OK);
	cfg.port = cal_service_port(svc);
	{
		struct cal_service *second = NULL;

		assert_int_equal(cal_service_start(&second, &cfg), CAL_ERR_IO);
		assert_true(contains(cal_error_last(), "in use"));
		assert_null(second);
		cfg.port = 0;
		cfg.listen_addr = "localhost";
		assert_int_equal(cal_service_start(&second, &cfg), CAL_ERR_ARG);
		cfg.listen_addr = "127.0.0.1";
		cfg.db_path = "/nonexistent/c.db";
		assert_int_equal(cal_service_start(&second, &cfg), CAL_ERR_DB);
		assert_null(second);
	}
	cal_service_stop(svc);
	cal_service_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_number_check),
		cmocka_unit_test(test_service_html_escape),
		cmocka_unit_test(test_service_json_and_url_escape),
		cmocka_unit_test(test_service_parse_listen),
		cmocka_unit_test(test_ratelimit_bucket),
		cmocka_unit_test(test_ratelimit_many_clients),
		cmocka_unit_test(test_ratelimit_addr_key),
		cmocka_unit_test(test_service_render_html),
		cmocka_unit_test(test_service_render_json),
		cmocka_unit_test_setup_teardown(test_db_open_readonly, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_service_daemon, tmp_setup, tmp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
