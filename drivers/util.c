/*
 * Helpers private to drivers/. See util.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Escaped form of one byte into tmp (at least 5 bytes); returns its length. */
static size_t escape_byte(char *tmp, unsigned char c)
{
	switch (c) {
	case '"':
	case '\\':
		tmp[0] = '\\';
		tmp[1] = (char)c;
		return 2;
	case '\r':
		memcpy(tmp, "\\r", 2);
		return 2;
	case '\n':
		memcpy(tmp, "\\n", 2);
		return 2;
	case '\t':
		memcpy(tmp, "\\t", 2);
		return 2;
	default:
		break;
	}
	if (c >= 0x20 && c < 0x7f) {
		tmp[0] = (char)c;
		return 1;
	}
	snprintf(tmp, 5, "\\x%02X", c);
	return 4;
}

const char *cal_drv_escape(char *buf, size_t size, const void *data, size_t len)
{
	const unsigned char *p = data;
	char tmp[5];
	size_t need = 0; /* length of the full escaped text */
	size_t limit;	 /* most text characters written; limit < size */
	size_t o = 0;	 /* characters written so far; o <= limit */
	bool cut;

	if (!buf || size == 0)
		return "";
	buf[0] = '\0';
	if (!p)
		return buf;
	for (size_t i = 0; i < len; i++)
		need += escape_byte(tmp, p[i]);
	cut = need >= size;
	limit = size - 1;
	if (cut && size > 4)
		limit = size - 4; /* room for "..." */
	for (size_t i = 0; i < len; i++) {
		size_t n = escape_byte(tmp, p[i]);

		if (o + n > limit)
			break;
		memcpy(buf + o, tmp, n);
		o += n;
	}
	if (cut && size > 4) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}
