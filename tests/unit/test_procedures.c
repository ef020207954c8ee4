/*
 * procedures/: bench files, procedure files and plans (cal_plan_build).
 *
 * Expected values come from domain.md (§1.1 classes and Min, §1.2 MPE bands,
 * §1.5 R 111 MPEs, §1.6 the 1/3 rule) and from the texts written in each
 * test, never from the code under test. Every refusal asserts that the
 * message names the file and line, or the weight and the load.
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

#include <sodium.h>

#include "cal/error.h"
#include "cal/procedure.h"
#include "test_procedures_fixture.h"

/* test_procedures_fixture.c */

#define SHIPPED CAL_SOURCE_DIR "/procedures/defs/oiml-r76-nawi-verification.yaml"

static void assert_msg_has(const char *needle)
{
	const char *m = cal_error_last();

	if (!strstr(m, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", m, needle);
}

static const struct cal_date today = { 2026, 3, 15 };

/* ---- bench files ---------------------------------------------------------- */

static int bench_text(struct cal_bench **b, const char *text)
{
	cal_error_clear();
	return cal_bench_parse(b, text, strlen(text), "bench.yaml");
}

static void test_bench_valid(void **state)
{
	static const char text[] = "bench: mass-1\n"			/* 1 */
				   "description: left table\n"		/* 2 */
				   "instruments:\n"			/* 3 */
				   "  - id: bal1\n"			/* 4 */
				   "    driver: mt-sics\n"		/* 5 */
				   "    port: /dev/ttyUSB0\n"		/* 6 */
				   "  - id: bal2\n"			/* 7 */
				   "    driver: mt-sics\n"		/* 8 */
				   "    port: tcp:192.168.1.50:4001\n"	/* 9 */
				   "  - id: bal3\n"			/* 10 */
				   "    driver: mt-sics\n"		/* 11 */
				   "    port: ./ttyA\n"			/* 12 */
				   "    serial: 2400/7E2/xonxoff\n"	/* 13 */
				   "    description: old AT balance\n"; /* 14 */
	struct cal_bench *b = NULL;
	const struct cal_bench_instr *i;

	(void)state;
	assert_int_equal(bench_text(&b, text), CAL_OK);
	assert_non_null(b);
	assert_string_equal(b->name, "mass-1");
	assert_string_equal(b->path, "bench.yaml");
	assert_int_equal(b->n, 3);

	i = &b->instr[0];
	assert_string_equal(i->id, "bal1");
	assert_string_equal(i->driver, "mt-sics");
	assert_string_equal(i->port_text, "/dev/ttyUSB0");
	assert_int_equal(i->line, 4);
	assert_int_equal(i->port.kind, CAL_PORT_SERIAL);
	assert_string_equal(i->port.path, "/dev/ttyUSB0");
	/* No serial: line, so the driver's default 9600/8N1 (protocols.md 1.1). */
	assert_int_equal(i->port.baud, 9600);
	assert_int_equal(i->port.data_bits, 8);
	assert_int_equal(i->port.parity, 'N');
	assert_int_equal(i->port.stop_bits, 1);
	assert_int_equal(i->port.flow, CAL_FLOW_NONE);

	i = &b->instr[1];
	assert_string_equal(i->id, "bal2");
	assert_int_equal(i->line, 7);
	assert_int_equal(i->port.kind, CAL_PORT_TCP);
	assert_string_equal(i->port.host, "192.168.1.50");
	assert_int_equal(i->port.tcp_port, 4001);

	i = &b->instr[2];
	assert_string_equal(i->id, "bal3");
	assert_int_equal(i->port.kind, CAL_PORT_SERIAL);
	assert_string_equal(i->port.path, "./ttyA");
	assert_int_equal(i->port.baud, 2400);
	assert_int_equal(i->port.data_bits, 7);
	assert_int_equal(i->port.parity, 'E');
	assert_int_equal(i->port.stop_bits, 2);
	assert_int_equal(i->port.flow, CAL_FLOW_XONXOFF);

	assert_ptr_equal(cal_bench_find(b, "bal2"), &b->instr[1]);
	assert_null(cal_bench_find(b, "bal4"));
	assert_null(cal_bench_find(NULL, "bal1"));
	cal_bench_free(b);
	cal_bench_free(NULL);
}

static void test_bench_load_file(void **state)
{
	static const char text[] = "bench: mass-2\n"
				   "instruments:\n"
				   "  - {id: b1, driver: mt-sics, port: 'tcp:localhost:8001'}\n";
	char path[] = "/tmp/test_procedures_benchXXXXXX";
	struct cal_bench *b = NULL;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);

	assert_int_equal(cal_bench_load(&b, path), CAL_OK);
	assert_string_equal(b->path, path);
	assert_int_equal(b->n, 1);
	assert_string_equal(b->instr[0].port.host, "localhost");
	assert_int_equal(b->instr[0].port.tcp_port, 8001);
	assert_int_equal(b->instr[0].line, 3);
	cal_bench_free(b);
	unlink(path);

	assert_int_equal(cal_bench_load(&b, path), CAL_ERR_NOTFOUND);
	assert_null(b);
	assert_msg_has(path);
}

struct bad_case {
	const char *what;
	const char *text;
	const char *needles[3];
};

static void check_bad_bench(const struct bad_case *c)
{
	struct cal_bench *b = (struct cal_bench *)1;
	int rc = bench_text(&b, c->text);

	if (rc != CAL_ERR_CONFIG)
		fail_msg("%s: expected CAL_ERR_CONFIG, got %d (%s)", c->what, rc, cal_error_last());
	assert_null(b);
	for (size_t k = 0; k < 3 && c->needles[k]; k++)
		assert_msg_has(c->needles[k]);
}

/*
 * Not UTF-8, or a YAML directive: refused before libfyaml sees the text
 * (libfyaml 0.8 hangs on "%" + an invalid byte; found by fuzz_files).
 */
static void test_bench_not_utf8(void **state)
{
	static const char directive[] = "%\x80nch: mass-1\ninstruments:\n";
	static const char latin1[] = "bench: m\ninstruments:\n  - id: c\xe2n\n";
	static const char utf8[] = "bench: c\xc3\xa2n\ninstruments:\n  - id: b\n    driver: "
				   "mt-sics\n    port: /dev/ttyS0\n";
	struct cal_bench *b = NULL;

	(void)state;
	assert_int_equal(cal_bench_parse(&b, directive, strlen(directive), "b.yaml"),
			 CAL_ERR_CONFIG);
	assert_null(b);
	assert_msg_has("b.yaml:1: YAML directives");
	assert_int_equal(cal_bench_parse(&b, latin1, strlen(latin1), "b.yaml"), CAL_ERR_CONFIG);
	assert_msg_has("b.yaml:3: not UTF-8 text (byte 0xe2)");
	assert_int_equal(cal_bench_parse(&b, utf8, strlen(utf8), "b.yaml"), CAL_OK);
	assert_string_equal(b->name, "c\xc3\xa2n");
	cal_bench_free(b);
}

static void test_bench_bad(void **state)
{
	static const struct bad_case cases[] = {
		{ "unknown driver",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "    driver: mt-sic\n"
		  "    port: /dev/ttyUSB0\n",
		  { "bench.yaml:4:", "unknown driver 'mt-sic'", "known: mt-sics" } },
		{ "missing id",
		  "bench: b\n"
		  "instruments:\n"
		  "  - driver: mt-sics\n"
		  "    port: /dev/ttyUSB0\n",
		  { "bench.yaml:3:", "missing field 'id'", "instruments[0]" } },
		{ "empty id",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: ''\n"
		  "    driver: mt-sics\n"
		  "    port: /dev/ttyUSB0\n",
		  { "bench.yaml:3:", "empty id", NULL } },
		{ "duplicate id",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "    driver: mt-sics\n"
		  "    port: /dev/ttyUSB0\n"
		  "  - id: bal1\n"
		  "    driver: mt-sics\n"
		  "    port: /dev/ttyUSB1\n",
		  { "bench.yaml:6:", "'bal1' is used twice", "first on line 3" } },
		{ "bad serial setting",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "    driver: mt-sics\n"
		  "    port: /dev/ttyUSB0\n"
		  "    serial: 9600/9N1\n",
		  { "bench.yaml:6:", "instrument 'bal1'", "9600/9N1" } },
		{ "bad baud rate",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "    driver: mt-sics\n"
		  "    port: /dev/ttyUSB0\n"
		  "    serial: 9601/8N1\n",
		  { "bench.yaml:6:", "9601", NULL } },
		{ "bad tcp port",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "    driver: mt-sics\n"
		  "    port: tcp:10.0.0.7:70000\n",
		  { "bench.yaml:5:", "instrument 'bal1'", "tcp:10.0.0.7:70000" } },
		/* The port is wrong, not the serial line below it: name the port's line. */
		{ "bad tcp port, serial given",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "    driver: mt-sics\n"
		  "    port: tcp:10.0.0.7:0\n"
		  "    serial: 9600/8N1\n",
		  { "bench.yaml:5:", "tcp:10.0.0.7:0", NULL } },
		{ "missing port",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "    driver: mt-sics\n",
		  { "bench.yaml:3:", "instrument 'bal1'", "missing field 'port'" } },
		{ "unknown key in an instrument",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "    driver: mt-sics\n"
		  "    port: /dev/ttyUSB0\n"
		  "    baud: 9600\n",
		  { "bench.yaml:6:", "unknown field 'baud'", NULL } },
		{ "unknown key at the top",
		  "bench: b\n"
		  "instrument:\n"
		  "  - id: bal1\n",
		  { "bench.yaml:2:", "unknown field 'instrument'", NULL } },
		{ "no instruments",
		  "bench: b\n"
		  "instruments: []\n",
		  { "bench.yaml:2:", "'instruments' must be a non-empty list", NULL } },
		{ "not a mapping",
		  "- just\n"
		  "- a list\n",
		  { "bench.yaml:1:", NULL, NULL } },
		{ "no instruments, empty value",
		  "bench: b\n"
		  "instruments:\n",
		  { "bench.yaml:2:", "'instruments' must be a non-empty list", NULL } },
		{ "empty instrument",
		  "bench: b\n"
		  "instruments:\n"
		  "  - {}\n",
		  { "bench.yaml:2:", "missing field 'id'", NULL } },
		{ "not YAML, unclosed quote",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: \"bal1\n",
		  { "bench.yaml:3:", "YAML syntax error", "quote" } },
		{ "not YAML, bad indentation",
		  "bench: b\n"
		  "instruments:\n"
		  "  - id: bal1\n"
		  "     driver: mt-sics\n"
		  "   port: x\n",
		  { "bench.yaml:3:", "YAML syntax error", NULL } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad_bench(&cases[i]);
}

static void test_bench_not_text(void **state)
{
	static const char text[] = "bench: b\0instruments: []\n";
	struct cal_bench *b = NULL;

	(void)state;
	assert_int_equal(cal_bench_parse(&b, text, sizeof(text) - 1, "bin.yaml"), CAL_ERR_CONFIG);
	assert_null(b);
	assert_msg_has("bin.yaml");
}

/* ---- procedure files ------------------------------------------------------- */

static void test_sha256_vectors(void **state)
{
	char hex[65];

	(void)state;
	cal_sha256_hex(hex, "abc", 3);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cal_sha256_hex(hex, "", 0);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_shipped_procedure(void **state)
{
	struct cal_procedure *p = NULL;
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[65];
	char *bytes;
	long size;
	FILE *f;
	double v;

	(void)state;
	assert_int_equal(cal_procedure_load(&p, SHIPPED), CAL_OK);
	assert_non_null(p);
	assert_string_equal(p->id, "oiml-r76-nawi-verification");
	assert_non_null(strstr(p->method, "R 76-1"));
	assert_string_equal(p->instrument_kind, "nawi");
	assert_string_equal(p->path, SHIPPED);
	assert_true(p->title_vi[0] != '\0');
	assert_int_equal(p->stability_timeout_s, 30);
	assert_near(p->adequacy_ratio, 1.0 / 3.0, 1e-9);

	assert_int_equal(p->n_tests, 4);
	assert_int_equal(p->tests[0].kind, CAL_TEST_ZERO);
	assert_near(p->tests[0].limit_e, 0.25, 0);
	assert_int_equal(p->tests[1].kind, CAL_TEST_WEIGHING);
	assert_true(p->tests[1].up_down);
	assert_int_equal(p->tests[1].n_loads, 4);
	assert_int_equal(p->tests[1].loads[0].kind, CAL_LOAD_MIN);
	assert_int_equal(p->tests[1].loads[1].kind, CAL_LOAD_MPE_CHANGE);
	assert_int_equal(p->tests[1].loads[2].kind, CAL_LOAD_HALF_MAX);
	assert_int_equal(p->tests[1].loads[3].kind, CAL_LOAD_MAX);
	assert_int_equal(p->tests[2].kind, CAL_TEST_ECCENTRICITY);
	assert_int_equal(p->tests[2].load.kind, CAL_LOAD_THIRD_MAX);
	assert_int_equal(p->tests[2].n_positions, 5);
	assert_string_equal(p->tests[2].positions[0], "centre");
	assert_string_equal(p->tests[2].positions[4], "front right");
	assert_int_equal(p->tests[3].kind, CAL_TEST_REPEATABILITY);
	assert_int_equal(p->tests[3].load.kind, CAL_LOAD_HALF_MAX);
	assert_int_equal(p->tests[3].readings, 3);

	/* The digest is that of the file's bytes, computed here independently. */
	f = fopen(SHIPPED, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	bytes = malloc((size_t)size);
	assert_non_null(bytes);
	assert_int_equal(fread(bytes, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	crypto_hash_sha256(h, (const unsigned char *)bytes, (unsigned long long)size);
	for (size_t i = 0; i < sizeof(h); i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	assert_string_equal(p->sha256, hex);
	assert_int_equal(p->text_len, (size_t)size);
	assert_memory_equal(p->text, bytes, (size_t)size);
	assert_int_equal(p->text[size], '\0');
	free(bytes);

	/* R 76-1 §3.5.2: in service (periodic) = 2 x initial. */
	assert_int_equal(cal_procedure_mpe_factor(&v, p, "initial"), CAL_OK);
	assert_near(v, 1, 0);
	assert_int_equal(cal_procedure_mpe_factor(&v, p, "periodic"), CAL_OK);
	assert_near(v, 2, 0);
	assert_int_equal(cal_procedure_mpe_factor(&v, p, "after-repair"), CAL_OK);
	assert_near(v, 1, 0);
	cal_error_clear();
	assert_int_equal(cal_procedure_mpe_factor(&v, p, "yearly"), CAL_ERR_ARG);
	assert_msg_has("'yearly'");
	assert_int_equal(cal_procedure_mpe_factor(&v, p, NULL), CAL_ERR_ARG);
	cal_procedure_free(p);
	cal_procedure_free(NULL);

	assert_int_equal(cal_procedure_load(&p, CAL_SOURCE_DIR "/procedures/defs/nope.yaml"),
			 CAL_ERR_NOTFOUND);
	assert_null(p);
}

/* A different text gives a different digest; the bytes are what is hashed. */
static void test_procedure_sha_follows_text(void **state)
{
	static const char a[] = "procedure: p\ntitle: T\nmethod: M\nmpe: {rule: oiml-r76}\n"
				"tests: [{test: zero}]\n";
	static const char b[] = "procedure: p\ntitle: T\nmethod: M\nmpe: {rule: oiml-r76}\n"
				"tests: [{test: zero}]\n# comment\n";
	struct cal_procedure *pa = NULL, *pb = NULL;
	char hex[65];

	(void)state;
	assert_int_equal(cal_procedure_parse(&pa, a, strlen(a), "a.yaml"), CAL_OK);
	assert_int_equal(cal_procedure_parse(&pb, b, strlen(b), "b.yaml"), CAL_OK);
	cal_sha256_hex(hex, a, strlen(a));
	assert_string_equal(pa->sha256, hex);
	assert_string_not_equal(pa->sha256, pb->sha256);
	/* Defaults when the file says nothing. */
	assert_near(pa->mpe_factor_initial, 1, 0);
	assert_near(pa->mpe_factor_periodic, 1, 0);
	assert_near(pa->adequacy_ratio, 1.0 / 3.0, 1e-12);
	assert_int_equal(pa->stability_timeout_s, 30);
	assert_string_equal(pa->tests[0].title, "zero");
	cal_procedure_free(pa);
	cal_procedure_free(pb);
}

#define PROC_HEAD                                                                                  \
	"procedure: p1\n"    /* 1 */                                                               \
	"title: T\n"	     /* 2 */                                                               \
	"method: M\n"	     /* 3 */                                                               \
	"mpe:\n"	     /* 4 */                                                               \
	"  rule: oiml-r76\n" /* 5 */                                                               \
	"  factor:\n"	     /* 6 */                                                               \
	"    initial: 1\n"   /* 7 */                                                               \
	"    periodic: 2\n"  /* 8 */                                                               \
	"tests:\n"	     /* 9 */                                                               \
	"  - test: zero\n"   /* 10 */

static void check_bad_proc(const struct bad_case *c)
{
	struct cal_procedure *p = (struct cal_procedure *)1;
	int rc;

	cal_error_clear();
	rc = cal_procedure_parse(&p, c->text, strlen(c->text), "proc.yaml");
	if (rc != CAL_ERR_CONFIG)
		fail_msg("%s: expected CAL_ERR_CONFIG, got %d (%s)", c->what, rc, cal_error_last());
	assert_null(p);
	for (size_t k = 0; k < 3 && c->needles[k]; k++)
		assert_msg_has(c->needles[k]);
}

static void test_procedure_good_head(void **state)
{
	static const char text[] = PROC_HEAD "  - test: weighing\n"
					     "    loads: [min, 2500, max]\n"
					     "    sequence: up\n";
	struct cal_procedure *p = NULL;

	(void)state;
	assert_int_equal(cal_procedure_parse(&p, text, strlen(text), "proc.yaml"), CAL_OK);
	assert_near(p->mpe_factor_periodic, 2, 0);
	assert_near(p->mpe_factor_after_repair, 1, 0);
	assert_int_equal(p->n_tests, 2);
	assert_int_equal(p->tests[1].line, 11);
	assert_false(p->tests[1].up_down);
	assert_int_equal(p->tests[1].loads[1].kind, CAL_LOAD_VALUE);
	assert_near(p->tests[1].loads[1].value, 2500, 0);
	cal_procedure_free(p);
}

static void test_procedure_bad(void **state)
{
	static const struct bad_case cases[] = {
		{ "unknown test kind",
		  PROC_HEAD "  - test: creep\n", /* 11 */
		  { "proc.yaml:11:", "tests[1]", "unknown test 'creep'" } },
		{ "bad load name",
		  PROC_HEAD "  - test: weighing\n"
			    "    loads: [min, quarter-max]\n", /* 12 */
		  { "proc.yaml:12:", "'quarter-max' is not a load", "loads" } },
		{ "negative load",
		  PROC_HEAD "  - test: weighing\n"
			    "    loads:\n"
			    "      - min\n"
			    "      - -5\n", /* 14 */
		  { "proc.yaml:14:", "'-5' is not a load", NULL } },
		{ "missing loads",
		  PROC_HEAD "  - test: weighing\n" /* 11 */
			    "    sequence: up\n",
		  { "proc.yaml:11:", "tests[1]", "missing field 'loads'" } },
		{ "missing positions",
		  PROC_HEAD "  - test: eccentricity\n" /* 11 */
			    "    load: third-max\n",
		  { "proc.yaml:11:", "missing field 'positions'", NULL } },
		{ "several loads where one is needed",
		  PROC_HEAD "  - test: repeatability\n"
			    "    load: mpe-change\n", /* 12 */
		  { "proc.yaml:12:", "mpe-change", NULL } },
		{ "readings not a whole number",
		  PROC_HEAD "  - test: repeatability\n"
			    "    load: max\n"
			    "    readings: 2.5\n", /* 13 */
		  { "proc.yaml:13:", "readings", NULL } },
		{ "readings far too large",
		  PROC_HEAD "  - test: repeatability\n"
			    "    load: max\n"
			    "    readings: 1e300\n", /* 13 */
		  { "proc.yaml:13:", "readings", NULL } },
		{ "bad sequence",
		  PROC_HEAD "  - test: weighing\n"
			    "    loads: [max]\n"
			    "    sequence: down\n", /* 13 */
		  { "proc.yaml:13:", "'down'", NULL } },
		{ "unknown field in a test",
		  PROC_HEAD "  - test: weighing\n"
			    "    loads: [max]\n"
			    "    load: max\n"
			    "    repeat: 2\n", /* 14 */
		  { "proc.yaml:14:", "unknown field 'repeat'", NULL } },
		{ "missing mpe",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "tests:\n"
		  "  - test: zero\n",
		  { "proc.yaml:1:", "missing field 'mpe'", NULL } },
		{ "unknown mpe rule",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "mpe:\n"
		  "  rule: oiml-r51\n" /* 5 */
		  "tests:\n"
		  "  - test: zero\n",
		  { "proc.yaml:5:", "'oiml-r51'", NULL } },
		{ "misspelt mode in the factors",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "mpe:\n"
		  "  rule: oiml-r76\n"
		  "  factor:\n"
		  "    initial: 1\n"
		  "    periodical: 2\n" /* 8 */
		  "tests:\n"
		  "  - test: zero\n",
		  { "proc.yaml:8:", "'periodical'", NULL } },
		{ "factor not per mode",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "mpe:\n"
		  "  rule: oiml-r76\n"
		  "  factor: 2\n" /* 6 */
		  "tests:\n"
		  "  - test: zero\n",
		  { "proc.yaml:6:", "factor", NULL } },
		{ "factor below 1",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "mpe:\n"
		  "  rule: oiml-r76\n"
		  "  factor:\n"
		  "    periodic: 0.5\n" /* 7 */
		  "tests:\n"
		  "  - test: zero\n",
		  { "proc.yaml:7:", "periodic", NULL } },
		{ "adequacy ratio above 1",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "mpe: {rule: oiml-r76}\n"
		  "standards:\n"
		  "  adequacy_ratio: 3\n" /* 6 */
		  "tests:\n"
		  "  - test: zero\n",
		  { "proc.yaml:6:", "adequacy_ratio", NULL } },
		{ "standards of another kind",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "mpe: {rule: oiml-r76}\n"
		  "standards:\n"
		  "  kind: pressure-balance\n" /* 6 */
		  "tests:\n"
		  "  - test: zero\n",
		  { "proc.yaml:6:", "pressure-balance", NULL } },
		{ "unknown top-level field",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "mpe: {rule: oiml-r76}\n"
		  "tets:\n" /* 5 */
		  "  - test: zero\n",
		  { "proc.yaml:5:", "unknown field 'tets'", NULL } },
		{ "no tests",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "mpe: {rule: oiml-r76}\n"
		  "tests: []\n",
		  { "proc.yaml:5:", "'tests' must be a non-empty list", NULL } },
		{ "instrument kind",
		  "procedure: p1\n"
		  "title: T\n"
		  "method: M\n"
		  "instrument_kind: lpg-dispenser\n" /* 4 */
		  "mpe: {rule: oiml-r76}\n"
		  "tests: [{test: zero}]\n",
		  { "proc.yaml:4:", "instrument_kind 'lpg-dispenser' is not supported", NULL } },
		{ "not YAML",
		  "procedure: p1\n"
		  "title: \"T\n"
		  "method: M\n",
		  { "proc.yaml:2:", "YAML syntax error", NULL } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad_proc(&cases[i]);
}

/* ---- plans ------------------------------------------------------------------ */

struct expect_pt {
	enum cal_test_kind test;
	const char *label;
	double load;
	double mpe;
	const char *weights;
};

static struct cal_procedure *shipped(void)
{
	struct cal_procedure *p = NULL;

	assert_int_equal(cal_procedure_load(&p, SHIPPED), CAL_OK);
	return p;
}

/* Conventional mass in g of the weights named in "A + B", from the fixture. */
static double ref_of(const char *weights_text)
{
	static const struct {
		const char *id;
		double g;
	} nom[] = {
		{ "W20K", 20000 }, { "W10K", 10000 }, { "W5K", 5000 },	{ "W2K", 2000 },
		{ "W1K", 1000 },   { "W500G", 500 },  { "W200G", 200 }, { "W100G", 100 },
		{ "W50G", 50 },	   { "W20G", 20 },    { "W10G", 10 },
	};
	char buf[128], *save = NULL, *tok;
	double sum = 0;

	snprintf(buf, sizeof(buf), "%s", weights_text);
	for (tok = strtok_r(buf, " +", &save); tok; tok = strtok_r(NULL, " +", &save)) {
		bool found = false;

		for (size_t i = 0; i < sizeof(nom) / sizeof(nom[0]); i++) {
			if (strcmp(nom[i].id, tok) == 0) {
				sum += nom[i].g + tp_corr_g(tok);
				found = true;
			}
		}
		if (!found)
			fail_msg("unknown weight '%s'", tok);
	}
	return sum;
}

static void check_plan(const struct cal_plan *plan, const struct expect_pt *ex, size_t n,
		       const struct cal_standard *w)
{
	assert_int_equal(plan->n, n);
	assert_string_equal(plan->unit, "g");
	assert_near(plan->unit_si, 1e-3, 1e-15);
	for (size_t i = 0; i < n; i++) {
		const struct cal_plan_point *pt = &plan->points[i];
		char joined[128] = "";

		if (strcmp(pt->label, ex[i].label) != 0)
			fail_msg("point %zu: label '%s', expected '%s'", i + 1, pt->label,
				 ex[i].label);
		assert_int_equal(pt->seq, (int)i + 1);
		assert_int_equal(pt->test, ex[i].test);
		assert_near(pt->load, ex[i].load, 1e-9);
		if (pt->mpe < ex[i].mpe - 1e-9 || pt->mpe > ex[i].mpe + 1e-9)
			fail_msg("point %zu (%s): MPE %g, expected %g", i + 1, pt->label, pt->mpe,
				 ex[i].mpe);
		assert_string_equal(pt->weights_text, ex[i].weights);
		assert_near(pt->ref, ex[i].weights[0] ? ref_of(ex[i].weights) : 0, 1e-9);
		/* The indices point into the caller's array, in the order of the text. */
		for (size_t k = 0; k < pt->n_weights; k++) {
			assert_true(pt->weights[k] >= 0);
			if (k)
				strcat(joined, " + ");
			strcat(joined, w[pt->weights[k]].id);
		}
		assert_string_equal(joined, ex[i].weights);
		assert_int_equal(pt->summary, i == n - 1);
		if (pt->test == CAL_TEST_ECCENTRICITY)
			assert_true(pt->position[0] != '\0');
		else
			assert_string_equal(pt->position, "");
	}
}

/*
 * Class III, Max 30 kg, e = 5 g: Min = 20 e = 100 g (Table 3), band changes at
 * 500 e = 2500 g and 2000 e = 10000 g (Table 6), ½ Max 15 kg, Max 30 kg, then
 * down; eccentricity at ⅓ Max = 10 kg; repeatability at ½ Max.
 */
static const struct expect_pt class3_initial[] = {
	{ CAL_TEST_ZERO, "zero", 0, 1.25, "" },
	{ CAL_TEST_WEIGHING, "up 1", 100, 2.5, "W100G" },
	{ CAL_TEST_WEIGHING, "up 2", 2500, 2.5, "W2K + W500G" },
	{ CAL_TEST_WEIGHING, "up 3", 10000, 5, "W10K" },
	{ CAL_TEST_WEIGHING, "up 4", 15000, 7.5, "W10K + W5K" },
	{ CAL_TEST_WEIGHING, "up 5", 30000, 7.5, "W20K + W10K" },
	{ CAL_TEST_WEIGHING, "down 1", 15000, 7.5, "W10K + W5K" },
	{ CAL_TEST_WEIGHING, "down 2", 10000, 5, "W10K" },
	{ CAL_TEST_WEIGHING, "down 3", 2500, 2.5, "W2K + W500G" },
	{ CAL_TEST_WEIGHING, "down 4", 100, 2.5, "W100G" },
	{ CAL_TEST_ECCENTRICITY, "position 1 (centre)", 10000, 5, "W10K" },
	{ CAL_TEST_ECCENTRICITY, "position 2 (front left)", 10000, 5, "W10K" },
	{ CAL_TEST_ECCENTRICITY, "position 3 (back left)", 10000, 5, "W10K" },
	{ CAL_TEST_ECCENTRICITY, "position 4 (back right)", 10000, 5, "W10K" },
	{ CAL_TEST_ECCENTRICITY, "position 5 (front right)", 10000, 5, "W10K" },
	{ CAL_TEST_REPEATABILITY, "#1", 15000, 7.5, "W10K + W5K" },
	{ CAL_TEST_REPEATABILITY, "#2", 15000, 7.5, "W10K + W5K" },
	{ CAL_TEST_REPEATABILITY, "#3", 15000, 7.5, "W10K + W5K" },
	{ CAL_TEST_REPEATABILITY, "range of 3", 15000, 7.5, "W10K + W5K" },
};

#define NPTS (sizeof(class3_initial) / sizeof(class3_initial[0]))

static void test_plan_class3_initial(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_OK);
	check_plan(&plan, class3_initial, NPTS, w);
	/* Spot checks written out in full: Max = 20 kg + 10 kg, 30 kg + 0.3 g - 0.2 g. */
	assert_near(plan.points[5].ref, 30000.1, 1e-9);
	assert_int_equal(plan.points[5].n_weights, 2);
	assert_string_equal(plan.points[10].position, "centre");
	assert_near(plan.points[0].ref, 0, 0);
	assert_int_equal(plan.points[0].n_weights, 0);
	cal_plan_free(&plan);
	assert_null(plan.points);
	assert_int_equal(plan.n, 0);

	/* after-repair uses the initial MPEs (factor 1 in the shipped file). */
	assert_int_equal(cal_plan_build(&plan, p, &dut, "after-repair", w, nw, &today), CAL_OK);
	check_plan(&plan, class3_initial, NPTS, w);
	cal_plan_free(&plan);
	cal_procedure_free(p);
}

static void test_plan_class3_periodic(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct expect_pt ex[NPTS];
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	/* In service: 2 x initial (R 76-1 §3.5.2, T3: ±15 g at Max); zero stays 0.25 e. */
	memcpy(ex, class3_initial, sizeof(ex));
	for (size_t i = 1; i < NPTS; i++)
		ex[i].mpe *= 2;
	assert_int_equal(cal_plan_build(&plan, p, &dut, "periodic", w, nw, &today), CAL_OK);
	check_plan(&plan, ex, NPTS, w);
	assert_near(plan.points[5].mpe, 15, 1e-12);
	cal_plan_free(&plan);

	cal_error_clear();
	assert_int_equal(cal_plan_build(&plan, p, &dut, "annual", w, nw, &today), CAL_ERR_ARG);
	assert_msg_has("annual");
	assert_null(plan.points);
	cal_procedure_free(p);
}

/* Min from the register when given; a Max in kg works the same way. */
static void test_plan_min_and_kg(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	dut.min = 200;
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_OK);
	assert_string_equal(plan.points[1].label, "up 1");
	assert_near(plan.points[1].load, 200, 1e-12);
	assert_string_equal(plan.points[1].weights_text, "W200G");
	cal_plan_free(&plan);

	snprintf(dut.unit, sizeof(dut.unit), "kg");
	dut.max = 30;
	dut.e = 0.005;
	dut.d = 0.005;
	dut.min = 0;
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_OK);
	assert_int_equal(plan.n, NPTS);
	assert_string_equal(plan.unit, "kg");
	assert_near(plan.unit_si, 1, 0);
	for (size_t i = 0; i < NPTS; i++) {
		assert_string_equal(plan.points[i].label, class3_initial[i].label);
		assert_near(plan.points[i].load, class3_initial[i].load / 1000, 1e-12);
		assert_near(plan.points[i].mpe, class3_initial[i].mpe / 1000, 1e-12);
		assert_string_equal(plan.points[i].weights_text, class3_initial[i].weights);
	}
	assert_near(plan.points[5].ref, 30.0001, 1e-12);
	cal_plan_free(&plan);
	cal_procedure_free(p);
}

static struct cal_standard *find_w(struct cal_standard *w, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i].id, id) == 0)
			return &w[i];
	fail_msg("no weight %s", id);
	return w;
}

static void test_plan_refuses_overdue_weight(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	/* Due the day before today: Max = 20 kg + 10 kg cannot be made without it. */
	snprintf(find_w(w, nw, "W20K")->due_date, 11, "2026-03-14");
	cal_error_clear();
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_REFUSED);
	assert_msg_has("W20K");
	assert_msg_has("2026-03-14");
	assert_msg_has("30000 g");
	assert_null(plan.points);
	assert_int_equal(plan.n, 0);

	/* Due today is still in date. */
	snprintf(find_w(w, nw, "W20K")->due_date, 11, "2026-03-15");
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_OK);
	cal_plan_free(&plan);

	/* No due date at all counts as not in date. */
	find_w(w, nw, "W20K")->due_date[0] = '\0';
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_REFUSED);
	assert_msg_has("W20K");
	cal_procedure_free(p);
}

/* An overdue weight that is not needed is simply not used. */
static void test_plan_skips_unneeded_overdue(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	/* A second 10 kg, better-looking (smaller U) but overdue. */
	w[nw] = *find_w(w, nw, "W10K");
	snprintf(w[nw].id, sizeof(w[nw].id), "W10K-OLD");
	w[nw].u_kg = 0;
	snprintf(w[nw].due_date, 11, "2025-12-31");
	nw++;
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_OK);
	for (size_t i = 0; i < plan.n; i++) {
		assert_null(strstr(plan.points[i].weights_text, "OLD"));
		for (size_t k = 0; k < plan.points[i].n_weights; k++)
			assert_int_not_equal(plan.points[i].weights[k], (int)nw - 1);
	}
	cal_plan_free(&plan);
	cal_procedure_free(p);
}

/*
 * Of two 10 kg weights the better class is used, even when the worse one has
 * no uncertainty entered (U = 0): M3 10 kg (5 g) would fail the 1/3 rule at
 * 10 kg (5 g / 3), M1 (0.5 g) passes.
 */
static void test_plan_prefers_better_class(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	w[nw] = *find_w(w, nw, "W10K");
	snprintf(w[nw].id, sizeof(w[nw].id), "A10K-M3");
	snprintf(w[nw].weight_class, sizeof(w[nw].weight_class), "M3");
	w[nw].u_kg = 0;
	nw++;
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_OK);
	check_plan(&plan, class3_initial, NPTS, w);
	cal_plan_free(&plan);
	cal_procedure_free(p);
}

/* domain.md §1.6 T7: M2 20 kg + M2 10 kg at 30 kg: 4.6 g > 2.5 g. */
static void test_plan_refuses_third_rule_m2(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M2", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	cal_error_clear();
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_REFUSED);
	assert_msg_has("W20K + W10K");
	assert_msg_has("30000 g");
	assert_msg_has("not adequate");
	/* 3 g + 1.6 g against 1/3 of 7.5 g, in digits a person reads */
	assert_msg_has("the sum of their MPEs, 4.6 g, exceeds 2.5 g (0.3333 of the "
		       "instrument's MPE 7.5 g at initial verification)");
	assert_null(plan.points);
	cal_procedure_free(p);
}

/*
 * Class II, e = 0.1 g, Max 2 kg (n = 20 000), Min set to 10 g: MPE ±0.05 g
 * up to 5000 e = 500 g. M3 weights: 10 g is 20 mg > 0.05 g / 3 = 16.7 mg, so
 * the first load is refused, naming the weight and the load.
 */
static void test_plan_refuses_third_rule_m3_class2(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M3", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	snprintf(dut.accuracy_class, sizeof(dut.accuracy_class), "II");
	dut.max = 2000;
	dut.e = 0.1;
	dut.d = 0.1;
	dut.min = 10;
	cal_error_clear();
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_REFUSED);
	/* 10 g M3 is 20 mg > 16.7 mg: the very first load is refused. */
	assert_msg_has("W10G");
	assert_msg_has("10 g");
	assert_msg_has("not adequate");
	/* Even in service the weights are judged against the initial MPE. */
	assert_int_equal(cal_plan_build(&plan, p, &dut, "periodic", w, nw, &today),
			 CAL_ERR_REFUSED);
	assert_msg_has("W10G");
	cal_procedure_free(p);
}

static void test_plan_refuses_uncomposable(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	/* Only the kilogram weights: Min = 100 g cannot be made. */
	nw = 5;
	cal_error_clear();
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_REFUSED);
	assert_msg_has("100 g");
	assert_msg_has("cannot be made up");
	assert_null(plan.points);

	/* No weights at all. */
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, 0, &today), CAL_ERR_REFUSED);
	assert_msg_has("cannot be made up");

	/* Standards of another kind are not weights. */
	nw = tp_weights(w, "M1", "2027-01-01");
	snprintf(find_w(w, nw, "W100G")->kind, sizeof(w[0].kind), "thermometer");
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_REFUSED);
	assert_msg_has("100 g");
	cal_procedure_free(p);
}

static void test_plan_bad_instrument(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	dut.accuracy_class[0] = '\0';
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_CONFIG);
	assert_msg_has("CAN-0042");
	tp_class3_dut(&dut);
	dut.e = 0;
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_CONFIG);
	tp_class3_dut(&dut);
	dut.max = 0;
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_CONFIG);
	tp_class3_dut(&dut);
	snprintf(dut.unit, sizeof(dut.unit), "L");
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_CONFIG);
	assert_msg_has("'L'");
	cal_procedure_free(p);
}

static struct cal_procedure *proc_text(const char *text)
{
	struct cal_procedure *p = NULL;

	assert_int_equal(cal_procedure_parse(&p, text, strlen(text), "t.yaml"), CAL_OK);
	return p;
}

/* A load above Max names the procedure line of the test. */
static void test_plan_load_outside_range(void **state)
{
	struct cal_procedure *p = proc_text("procedure: p\n"
					    "title: T\n"
					    "method: M\n"
					    "mpe: {rule: oiml-r76}\n"
					    "tests:\n"
					    "  - test: weighing\n" /* 6 */
					    "    loads: [min, 50000]\n");
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_CONFIG);
	assert_msg_has("t.yaml:6:");
	assert_msg_has("50000 g");
	cal_procedure_free(p);
}

/*
 * Only mpe-change loads on an instrument whose Max is below the first
 * change point (class III, Max 2 kg, 500 e = 2.5 kg): no load at all. That
 * must be a configuration error, not an empty or broken test.
 */
/* Marked data R 76 does not allow (n = Max/e = 400 < 500 for e = 5 g): refused. */
static void test_plan_refuses_bad_marking(void **state)
{
	struct cal_procedure *p = shipped();
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	dut.max = 2000;
	cal_error_clear();
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_CONFIG);
	assert_msg_has("instrument CAN-0042: class III: n = Max/e = 400 is below n_min = 500");
	assert_null(plan.points);
	dut.max = 30000;
	dut.d = 1; /* d < e in class III */
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_CONFIG);
	assert_msg_has("only for classes I and II");
	cal_procedure_free(p);
}

static void test_plan_weighing_without_loads(void **state)
{
	struct cal_procedure *p = proc_text("procedure: p\n"
					    "title: T\n"
					    "method: M\n"
					    "mpe: {rule: oiml-r76}\n"
					    "tests:\n"
					    "  - test: weighing\n" /* 6 */
					    "    loads: [mpe-change]\n");
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	/* class III, e = 1 g: the MPE changes at 500 g and 2000 g, both above Max */
	dut.max = 400;
	dut.e = dut.d = 1;
	cal_error_clear();
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_ERR_CONFIG);
	assert_msg_has("t.yaml:6:");
	assert_null(plan.points);
	cal_procedure_free(p);
}

/*
 * "about ½ Max: the largest composable load not above it". Without a 5 kg
 * weight, ½ Max = 15 kg becomes 10 + 2 + 1 + 0.5 + 0.2 + 0.1 + 0.05 + 0.02 +
 * 0.01 kg = 13.88 kg: the point's nominal load (what the operator is told to
 * place, and what the MPE is taken at) is 13 880 g.
 */
static void test_plan_half_max_is_composed_load(void **state)
{
	struct cal_procedure *p = proc_text("procedure: p\n"
					    "title: T\n"
					    "method: M\n"
					    "mpe: {rule: oiml-r76}\n"
					    "tests:\n"
					    "  - test: weighing\n"
					    "    loads: [half-max]\n"
					    "    sequence: up\n");
	struct cal_instrument dut;
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	struct cal_plan plan;

	(void)state;
	tp_class3_dut(&dut);
	nw--;
	*find_w(w, nw + 1, "W5K") = w[nw];
	assert_int_equal(cal_plan_build(&plan, p, &dut, "initial", w, nw, &today), CAL_OK);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.points[0].n_weights, 9);
	assert_near(plan.points[0].load, 13880, 1e-9);
	assert_near(plan.points[0].ref, 13880 - 0.2 + 0.04 - 0.01 + 0.002, 1e-9);
	assert_near(plan.points[0].mpe, 7.5, 1e-12);
	cal_plan_free(&plan);
	cal_procedure_free(p);
}

static void test_weights_compose(void **state)
{
	struct cal_standard w[16];
	size_t nw = tp_weights(w, "M1", "2027-01-01");
	int idx[CAL_PLAN_MAX_WEIGHTS];
	size_t n;

	(void)state;
	/* Exact: 30 kg = 20 kg + 10 kg (fewest pieces). */
	assert_int_equal(cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, w, nw, 30, true),
			 CAL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(w[idx[0]].id, "W20K");
	assert_string_equal(w[idx[1]].id, "W10K");
	/* Exact: 3.38 kg = 2 + 1 + 0.2 + 0.1 + 0.05 + 0.02 + 0.01. */
	assert_int_equal(cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, w, nw, 3.38, true),
			 CAL_OK);
	assert_int_equal(n, 7);
	/* Exact but impossible: 15 g. */
	assert_int_equal(cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, w, nw, 0.015, true),
			 CAL_OK);
	assert_int_equal(n, 0);
	/* Not exact: 15 g -> 10 g (largest not above), but that is below 90 %. */
	assert_int_equal(cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, w, nw, 0.015, false),
			 CAL_OK);
	assert_int_equal(n, 0);
	/* Not exact: 10.005 kg -> 10 kg. */
	assert_int_equal(cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, w, nw, 10.005, false),
			 CAL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(w[idx[0]].id, "W10K");
	/* Piece limit: 3.38 kg needs 7 pieces. */
	assert_int_equal(cal_weights_compose(idx, &n, 6, w, nw, 3.38, true), CAL_OK);
	assert_int_equal(n, 0);
	/* Each weight at most once: 40 kg is impossible with one 20 kg. */
	assert_int_equal(cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, w, nw, 40, true),
			 CAL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, w, 0, 1, true), CAL_OK);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_valid),
		cmocka_unit_test(test_bench_load_file),
		cmocka_unit_test(test_bench_bad),
		cmocka_unit_test(test_bench_not_utf8),
		cmocka_unit_test(test_bench_not_text),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_shipped_procedure),
		cmocka_unit_test(test_procedure_sha_follows_text),
		cmocka_unit_test(test_procedure_good_head),
		cmocka_unit_test(test_procedure_bad),
		cmocka_unit_test(test_plan_class3_initial),
		cmocka_unit_test(test_plan_class3_periodic),
		cmocka_unit_test(test_plan_min_and_kg),
		cmocka_unit_test(test_plan_refuses_overdue_weight),
		cmocka_unit_test(test_plan_skips_unneeded_overdue),
		cmocka_unit_test(test_plan_prefers_better_class),
		cmocka_unit_test(test_plan_refuses_third_rule_m2),
		cmocka_unit_test(test_plan_refuses_third_rule_m3_class2),
		cmocka_unit_test(test_plan_refuses_uncomposable),
		cmocka_unit_test(test_plan_bad_instrument),
		cmocka_unit_test(test_plan_load_outside_range),
		cmocka_unit_test(test_plan_refuses_bad_marking),
		cmocka_unit_test(test_plan_weighing_without_loads),
		cmocka_unit_test(test_plan_half_max_is_composed_load),
		cmocka_unit_test(test_weights_compose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
