/*
 * Logging for library code. Libraries never print: they log through
 * cal_log(), whose sink the program chooses (the CLI writes to stderr).
 * Default level is CAL_LOG_WARN; CALBENCH_LOG=debug raises it.
 */
#ifndef CAL_COMMON_LOG_H
#define CAL_COMMON_LOG_H

#include <stdarg.h>

enum cal_log_level {
	CAL_LOG_NONE = 0,
	CAL_LOG_ERR = 1,
	CAL_LOG_WARN = 2,
	CAL_LOG_INFO = 3,
	CAL_LOG_DBG = 4,
	CAL_LOG_SPEW = 5, /* every byte on the wire */
};

typedef void (*cal_log_sink_fn)(enum cal_log_level level, const char *msg, void *payload);

void cal_log_set_level(enum cal_log_level level);
enum cal_log_level cal_log_get_level(void);
/* NULL sink: discard everything. */
void cal_log_set_sink(cal_log_sink_fn fn, void *payload);
void cal_log(enum cal_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifndef LOG_PREFIX
#define LOG_PREFIX "calbench"
#endif

#define log_err(...) cal_log(CAL_LOG_ERR, LOG_PREFIX ": " __VA_ARGS__)
#define log_warn(...) cal_log(CAL_LOG_WARN, LOG_PREFIX ": " __VA_ARGS__)
#define log_info(...) cal_log(CAL_LOG_INFO, LOG_PREFIX ": " __VA_ARGS__)
#define log_dbg(...) cal_log(CAL_LOG_DBG, LOG_PREFIX ": " __VA_ARGS__)
#define log_spew(...) cal_log(CAL_LOG_SPEW, LOG_PREFIX ": " __VA_ARGS__)

#endif
