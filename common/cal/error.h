/*
 * Error codes shared by every calbench module.
 *
 * Fallible functions return int: CAL_OK (0) or a negative enum cal_err value.
 * Counts and values travel through out-params. Detail (which file, line, field,
 * value) is attached with cal_error_set() at the failure site and read by the
 * CLI with cal_error_last(); only the code travels up the stack.
 *
 * Out of tolerance is data, not an error: a failed verification is a run that
 * completed with verdict FAIL.
 */
#ifndef CAL_COMMON_ERROR_H
#define CAL_COMMON_ERROR_H

/* Values are stable and append-only: update error.c when adding one. */
enum cal_err {
	CAL_OK = 0,
	CAL_ERR = -1,		   /* generic; detail is in cal_error_last() */
	CAL_ERR_ARG = -2,	   /* bad argument or malformed user input */
	CAL_ERR_NOMEM = -3,	   /* allocation failed */
	CAL_ERR_IO = -4,	   /* OS or transport failure */
	CAL_ERR_TIMEOUT = -5,	   /* instrument did not answer in time */
	CAL_ERR_PROTO = -6,	   /* garbled frame, CRC error, unexpected reply */
	CAL_ERR_DEVICE = -7,	   /* instrument reported an error (ES, EL, exception) */
	CAL_ERR_UNSUPPORTED = -8,  /* the driver has no such op */
	CAL_ERR_STATE = -9,	   /* wrong state: device closed, run finished... */
	CAL_ERR_DB = -10,	   /* SQLite failure */
	CAL_ERR_NOTFOUND = -11,	   /* no such instrument, standard, run, certificate */
	CAL_ERR_CONFIG = -12,	   /* bad bench or procedure file */
	CAL_ERR_REFUSED = -13,	   /* precondition not met (standard overdue, 1/3 rule) */
	CAL_ERR_INTERRUPTED = -14, /* stopped by the operator or a signal */
	CAL_ERR_UNSTABLE = -15,	   /* no stable reading within the time allowed */
	CAL_ERR_RANGE = -16,	   /* overload, underload, value out of range */
	CAL_ERR_IMMUTABLE = -17,   /* attempt to change an issued record */
};

#define CAL_ERR_LAST CAL_ERR_IMMUTABLE

/* Short English text for an error code, e.g. "instrument did not answer in time". */
const char *cal_strerror(int err);

/* Symbolic name of an error code, e.g. "CAL_ERR_TIMEOUT". */
const char *cal_strerror_name(int err);

/*
 * Record a detailed message for the current thread and return @err unchanged,
 * so that a failure site can write: return cal_error_set(CAL_ERR_ARG, "...", ...);
 * The message replaces any earlier one.
 */
int cal_error_set(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message with more context: "bench.yaml:4: " + old message. */
int cal_error_prefix(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The last detailed message of this thread, or "" when none was set.
 * Borrowed: valid until the next cal_error_set() on this thread.
 */
const char *cal_error_last(void);

/* Forget the last message. */
void cal_error_clear(void);

#endif
