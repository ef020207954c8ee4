/*
 * Level-filtered logging with a replaceable sink. The sink is process-wide and
 * set once at start-up by the program; the level may change at any time.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cal/log.h"

static enum cal_log_level cur_level = CAL_LOG_WARN;
static cal_log_sink_fn cur_sink;
static void *cur_payload;

void cal_log_set_level(enum cal_log_level level)
{
	cur_level = level;
}

enum cal_log_level cal_log_get_level(void)
{
	return cur_level;
}

void cal_log_set_sink(cal_log_sink_fn fn, void *payload)
{
	cur_sink = fn;
	cur_payload = payload;
}

void cal_log(enum cal_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (level > cur_level || !cur_sink)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cur_sink(level, buf, cur_payload);
}
