/*
 * Shared helpers of the benchmarks: see bench_util.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void bench_parse_args(struct bench_opts *o, int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (strcmp(a, "--quick") == 0) {
			o->seconds = 0.2;
			o->rounds = 1;
		} else if (strcmp(a, "--seconds") == 0 && v) {
			o->seconds = strtod(v, &end);
			if (*end || o->seconds <= 0 || o->seconds > 600)
				bench_die("%s: --seconds wants a number in (0, 600]", argv[0]);
			i++;
		} else if (strcmp(a, "--rounds") == 0 && v) {
			o->rounds = (int)strtol(v, &end, 10);
			if (*end || o->rounds < 1 || o->rounds > BENCH_ROUNDS_MAX)
				bench_die("%s: --rounds wants 1..%d", argv[0], BENCH_ROUNDS_MAX);
			i++;
		} else if (strcmp(a, "--dir") == 0 && v) {
			o->dir = v;
			i++;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("usage: %s [--seconds S] [--rounds N] [--quick]%s\n%s", argv[0],
			       o->dir ? " [--dir DIR]" : "", usage);
			exit(0);
		} else {
			bench_die("%s: unknown option '%s' (try --help)", argv[0], a);
		}
	}
}

void bench_row_push(struct bench_row *r, double rate)
{
	if (r->n < BENCH_ROUNDS_MAX)
		r->rate[r->n++] = rate;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_row_median(const struct bench_row *r)
{
	double v[BENCH_ROUNDS_MAX];

	if (r->n == 0)
		return 0;
	memcpy(v, r->rate, sizeof(v[0]) * (size_t)r->n);
	qsort(v, (size_t)r->n, sizeof(v[0]), cmp_double);
	return r->n % 2 ? v[r->n / 2] : (v[r->n / 2 - 1] + v[r->n / 2]) / 2;
}

/* "1.23 ms", "45.6 us", "789 ns" */
static void fmt_time(char *buf, size_t size, double s)
{
	if (s >= 1e-3)
		snprintf(buf, size, "%.3g ms", s * 1e3);
	else if (s >= 1e-6)
		snprintf(buf, size, "%.3g us", s * 1e6);
	else
		snprintf(buf, size, "%.3g ns", s * 1e9);
}

void bench_print_table(const char *title, const char *unit, const struct bench_row *rows, size_t n,
		       size_t base)
{
	double b = bench_row_median(&rows[base]);
	char per[32];

	printf("\n%s\n", title);
	printf("%-30s %12s %10s %7s %7s  %s\n", "variant", unit, "per op", "spread", "ratio",
	       "note");
	for (size_t i = 0; i < n; i++) {
		double m = bench_row_median(&rows[i]);
		double lo = m, hi = m;

		for (int k = 0; k < rows[i].n; k++) {
			lo = rows[i].rate[k] < lo ? rows[i].rate[k] : lo;
			hi = rows[i].rate[k] > hi ? rows[i].rate[k] : hi;
		}
		fmt_time(per, sizeof(per), m > 0 ? 1 / m : 0);
		printf("%-30s %12.0f %10s %6.1f%% %7.3f  %s\n", rows[i].name, m, per,
		       m > 0 ? 100 * (hi - lo) / 2 / m : 0, b > 0 ? m / b : 0,
		       rows[i].note ? rows[i].note : "");
	}
	printf("(rate: median of %d round(s); spread: +-half the range of the rounds; "
	       "ratio: rate / rate of '%s')\n",
	       rows[base].n, rows[base].name);
}

const char *bench_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && t[0] ? t : "/tmp";
}

void bench_mkdtemp(char *dir, size_t size, const char *parent)
{
	snprintf(dir, size, "%s/calbench-bench-XXXXXX", parent);
	if (!mkdtemp(dir))
		bench_die("mkdtemp %s: %s", dir, strerror(errno));
}

void bench_remove_db(const char *dir, const char *name)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[1024];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s%s", dir, name, suffix[i]);
		unlink(p);
	}
}
