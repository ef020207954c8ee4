/*
 * Shared helpers of the benchmarks in bench/: a monotonic clock, the common
 * command-line options, the median of rounds, and the result table.
 *
 * Every benchmark measures a subject and a baseline in the same process,
 * alternating them for a number of rounds of fixed duration, and reports the
 * median rate of each and their ratio (subject / baseline). There are no
 * thresholds: the figures are for reading, not for passing.
 */
#ifndef CAL_BENCH_UTIL_H
#define CAL_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_ROUNDS_MAX 32

struct bench_opts {
	double seconds;	 /* duration of one measured phase */
	int rounds;	 /* alternating rounds of every variant */
	const char *dir; /* bench_db_readings: where the temporary files go */
};

/* One measured variant: the rate of each round, in operations per second. */
struct bench_row {
	const char *name;
	const char *note;
	double rate[BENCH_ROUNDS_MAX];
	int n;
};

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/*
 * Parse --seconds S, --rounds N, --dir DIR, --quick (0.2 s, 1 round) and
 * --help into @o, which holds the defaults on entry. Exits on a bad option.
 */
void bench_parse_args(struct bench_opts *o, int argc, char **argv, const char *usage);

/* Record the rate of one round (ignored past BENCH_ROUNDS_MAX). */
void bench_row_push(struct bench_row *r, double rate);
/* Median of the rounds (0 when none). */
double bench_row_median(const struct bench_row *r);

/*
 * Print the table: one line per row with the median rate, the time per
 * operation, the spread of the rounds (+- half their range, in % of the
 * median) and the ratio to @rows[base]; @unit heads the rate column
 * ("readings/s", "frames/s"...).
 */
void bench_print_table(const char *title, const char *unit, const struct bench_row *rows, size_t n,
		       size_t base);

/* $TMPDIR, or /tmp when it is not set. */
const char *bench_tmpdir(void);

/* A new directory calbench-bench-XXXXXX under @parent, its path in @dir; exits on failure. */
void bench_mkdtemp(char *dir, size_t size, const char *parent);

/* Remove the SQLite database @dir/@name with its -wal and -shm files. */
void bench_remove_db(const char *dir, const char *name);

/* Print the message and exit 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
