/*
 * Small helpers private to drivers/: never included outside this folder
 * (tests and the fuzz target excepted).
 */
#ifndef CAL_DRIVERS_UTIL_H
#define CAL_DRIVERS_UTIL_H

#include <stddef.h>

/*
 * Printable form of raw bytes for messages and logs: printable ASCII as is,
 * '"' and '\\' escaped, CR/LF/TAB as \r \n \t, any other byte as \xNN.
 * Output longer than size - 1 is cut and ends in "...". Always
 * NUL-terminates when size > 0.
 * @param[out] buf   Destination. Can be NULL only when size is 0.
 * @param[in]  data  Bytes to show. Can be NULL only when len is 0.
 * @return buf, so that the call can be a printf argument.
 */
const char *cal_drv_escape(char *buf, size_t size, const void *data, size_t len);

/* Enough for the escaped form of a 127-byte frame, cut if longer. */
#define CAL_DRV_ESCAPE_MAX 200

#endif /* CAL_DRIVERS_UTIL_H */
