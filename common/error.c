/*
 * Error codes to text, and the per-thread detailed message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cal/error.h"

/* 512 bytes is enough for "file:line: field 'x': value 'y' ..." messages. */
static _Thread_local char last_msg[512];

const char *cal_strerror(int err)
{
	switch (err) {
	case CAL_OK:
		return "no error";
	case CAL_ERR:
		return "error";
	case CAL_ERR_ARG:
		return "invalid argument";
	case CAL_ERR_NOMEM:
		return "out of memory";
	case CAL_ERR_IO:
		return "input/output error";
	case CAL_ERR_TIMEOUT:
		return "instrument did not answer in time";
	case CAL_ERR_PROTO:
		return "protocol error";
	case CAL_ERR_DEVICE:
		return "instrument reported an error";
	case CAL_ERR_UNSUPPORTED:
		return "not supported by this driver";
	case CAL_ERR_STATE:
		return "operation not allowed in this state";
	case CAL_ERR_DB:
		return "database error";
	case CAL_ERR_NOTFOUND:
		return "not found";
	case CAL_ERR_CONFIG:
		return "configuration error";
	case CAL_ERR_REFUSED:
		return "refused";
	case CAL_ERR_INTERRUPTED:
		return "interrupted";
	case CAL_ERR_UNSTABLE:
		return "no stable reading";
	case CAL_ERR_RANGE:
		return "value out of range";
	case CAL_ERR_IMMUTABLE:
		return "record is issued and cannot be changed";
	default:
		return "unknown error code";
	}
}

const char *cal_strerror_name(int err)
{
	switch (err) {
	case CAL_OK:
		return "CAL_OK";
	case CAL_ERR:
		return "CAL_ERR";
	case CAL_ERR_ARG:
		return "CAL_ERR_ARG";
	case CAL_ERR_NOMEM:
		return "CAL_ERR_NOMEM";
	case CAL_ERR_IO:
		return "CAL_ERR_IO";
	case CAL_ERR_TIMEOUT:
		return "CAL_ERR_TIMEOUT";
	case CAL_ERR_PROTO:
		return "CAL_ERR_PROTO";
	case CAL_ERR_DEVICE:
		return "CAL_ERR_DEVICE";
	case CAL_ERR_UNSUPPORTED:
		return "CAL_ERR_UNSUPPORTED";
	case CAL_ERR_STATE:
		return "CAL_ERR_STATE";
	case CAL_ERR_DB:
		return "CAL_ERR_DB";
	case CAL_ERR_NOTFOUND:
		return "CAL_ERR_NOTFOUND";
	case CAL_ERR_CONFIG:
		return "CAL_ERR_CONFIG";
	case CAL_ERR_REFUSED:
		return "CAL_ERR_REFUSED";
	case CAL_ERR_INTERRUPTED:
		return "CAL_ERR_INTERRUPTED";
	case CAL_ERR_UNSTABLE:
		return "CAL_ERR_UNSTABLE";
	case CAL_ERR_RANGE:
		return "CAL_ERR_RANGE";
	case CAL_ERR_IMMUTABLE:
		return "CAL_ERR_IMMUTABLE";
	default:
		return "CAL_ERR_UNKNOWN";
	}
}

int cal_error_set(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return err;
}

int cal_error_prefix(int err, const char *fmt, ...)
{
	char old[sizeof(last_msg)];
	char pre[256];
	va_list ap;

	memcpy(old, last_msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	{
		size_t n = strlen(pre);
		const char *rest = old[0] ? old : cal_strerror(err);

		if (n >= sizeof(last_msg))
			n = sizeof(last_msg) - 1;
		memcpy(last_msg, pre, n);
		snprintf(last_msg + n, sizeof(last_msg) - n, "%.*s",
			 (int)(sizeof(last_msg) - 1 - n), rest);
	}
	return err;
}

const char *cal_error_last(void)
{
	return last_msg;
}

void cal_error_clear(void)
{
	last_msg[0] = '\0';
}
