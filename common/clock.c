/*
 * System clock and calendar arithmetic. Dates are UTC calendar dates; the
 * centre prints them as local dates, which is the same day for Vietnam except
 * between 17:00 and 24:00 UTC, so callers pass the wall time they mean.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cal/clock.h"
#include "cal/error.h"

static int64_t sys_mono_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sys_sleep_ms(void *ctx, int64_t ms)
{
	struct timespec ts;

	(void)ctx;
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int64_t sys_wall_s(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static const struct cal_clock system_clock = {
	.mono_ms = sys_mono_ms,
	.sleep_ms = sys_sleep_ms,
	.wall_s = sys_wall_s,
	.ctx = NULL,
};

const struct cal_clock *cal_clock_system(void)
{
	return &system_clock;
}

int64_t cal_mono_ms(void)
{
	return sys_mono_ms(NULL);
}

void cal_time_iso8601(char *buf, size_t size, int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cal_date_days_in_month(int year, int month)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && is_leap(year))
		return 29;
	return dim[month - 1];
}

int cal_date_parse(struct cal_date *out, const char *s)
{
	int y, m, d, n = 0;

	memset(out, 0, sizeof(*out));
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return cal_error_set(CAL_ERR_ARG, "'%s' is not a date (YYYY-MM-DD)", s ? s : "");
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return cal_error_set(CAL_ERR_ARG, "'%s' is not a date (YYYY-MM-DD)", s);
	for (int i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return cal_error_set(CAL_ERR_ARG, "'%s' is not a date (YYYY-MM-DD)", s);
	}
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > cal_date_days_in_month(y, m))
		return cal_error_set(CAL_ERR_ARG, "'%s' is not a valid calendar date", s);
	out->year = y;
	out->month = m;
	out->day = d;
	return CAL_OK;
}

void cal_date_format(char *buf, size_t size, const struct cal_date *d)
{
	snprintf(buf, size, "%04d-%02d-%02d", d->year, d->month, d->day);
}

void cal_date_from_unix(struct cal_date *out, int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
}

void cal_date_add_months(struct cal_date *out, const struct cal_date *d, int months)
{
	int total = d->year * 12 + (d->month - 1) + months;
	int y = total / 12, m = total % 12 + 1;
	int dim = cal_date_days_in_month(y, m);

	out->year = y;
	out->month = m;
	out->day = d->day > dim ? dim : d->day;
}

int cal_date_cmp(const struct cal_date *a, const struct cal_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}
