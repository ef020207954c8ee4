/*
 * Time: a monotonic clock for timeouts and a wall clock for records, both
 * replaceable so the procedure engine can be tested with a fake clock.
 */
#ifndef CAL_COMMON_CLOCK_H
#define CAL_COMMON_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct cal_clock {
	int64_t (*mono_ms)(void *ctx);		 /* monotonic milliseconds */
	void (*sleep_ms)(void *ctx, int64_t ms); /* wait; a fake clock just advances */
	int64_t (*wall_s)(void *ctx);		 /* seconds since 1970-01-01 UTC */
	void *ctx;
};

/* The real clocks (CLOCK_MONOTONIC, nanosleep, time()). Never NULL. */
const struct cal_clock *cal_clock_system(void);

/* Real monotonic milliseconds, for code that takes no clock argument. */
int64_t cal_mono_ms(void);

/* "2026-11-28T04:43:55Z"; buf must hold 21 bytes. */
void cal_time_iso8601(char *buf, size_t size, int64_t unix_s);

/* A calendar date (proleptic Gregorian), as printed on certificates. */
struct cal_date {
	int year;  /* 1970..9999 */
	int month; /* 1..12 */
	int day;   /* 1..31 */
};

/* Parse "YYYY-MM-DD" strictly (the day must exist). CAL_ERR_ARG otherwise. */
int cal_date_parse(struct cal_date *out, const char *s);
/* "YYYY-MM-DD"; buf must hold 11 bytes. */
void cal_date_format(char *buf, size_t size, const struct cal_date *d);
/* UTC date of a Unix time. */
void cal_date_from_unix(struct cal_date *out, int64_t unix_s);
/*
 * Add whole months, keeping the day of month and clamping to the last day of
 * a shorter month (2024-01-31 + 1 month = 2024-02-29).
 */
void cal_date_add_months(struct cal_date *out, const struct cal_date *d, int months);
/* <0, 0, >0 like strcmp. */
int cal_date_cmp(const struct cal_date *a, const struct cal_date *b);
int cal_date_days_in_month(int year, int month);

#endif
