/*
 * Document output: a FILE* or a growing buffer, with the first error kept
 * (see cal/docout.h). The buffer doubles as it grows and always ends in a
 * NUL, so a rendering in memory is a C string too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cal/docout.h"
#include "cal/error.h"

void cal_docout_file(struct cal_docout *out, FILE *f)
{
	memset(out, 0, sizeof(*out));
	out->f = f;
	if (!f)
		out->err = cal_error_set(CAL_ERR_ARG, "document output: no file");
}

void cal_docout_buffer(struct cal_docout *out)
{
	memset(out, 0, sizeof(*out));
}

static int grow(struct cal_docout *out, size_t need)
{
	size_t cap = out->cap ? out->cap : 4096;
	char *p;

	while (cap < need) {
		if (cap > ((size_t)-1) / 2)
			return cal_error_set(CAL_ERR_NOMEM, "document output: too large");
		cap *= 2;
	}
	p = realloc(out->buf, cap);
	if (!p)
		return cal_error_set(CAL_ERR_NOMEM, "document output: out of memory (%zu bytes)",
				     cap);
	out->buf = p;
	out->cap = cap;
	return CAL_OK;
}

void cal_docout_write(struct cal_docout *out, const void *p, size_t n)
{
	if (out->err || n == 0)
		return;
	if (out->f) {
		if (fwrite(p, 1, n, out->f) != n)
			out->err = cal_error_set(CAL_ERR_IO, "document output: write failed: %s",
						 strerror(errno));
		return;
	}
	if (n > ((size_t)-1) - out->len - 1) {
		out->err = cal_error_set(CAL_ERR_NOMEM, "document output: too large");
		return;
	}
	if (out->len + n + 1 > out->cap) {
		out->err = grow(out, out->len + n + 1);
		if (out->err)
			return;
	}
	memcpy(out->buf + out->len, p, n);
	out->len += n;
	out->buf[out->len] = '\0';
}

void cal_docout_puts(struct cal_docout *out, const char *s)
{
	cal_docout_write(out, s, strlen(s));
}

void cal_docout_printf(struct cal_docout *out, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	if (out->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		out->err = cal_error_set(CAL_ERR_ARG, "document output: bad format");
		return;
	}
	if ((size_t)n < sizeof(small)) {
		cal_docout_write(out, small, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		out->err = cal_error_set(CAL_ERR_NOMEM, "document output: out of memory");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	cal_docout_write(out, big, (size_t)n);
	free(big);
}

int cal_docout_error(const struct cal_docout *out)
{
	return out->err;
}

int cal_docout_take(char **buf, size_t *len, struct cal_docout *out)
{
	*buf = NULL;
	if (len)
		*len = 0;
	if (out->err)
		return out->err;
	if (!out->buf) {
		out->buf = calloc(1, 1);
		if (!out->buf)
			return cal_error_set(CAL_ERR_NOMEM, "document output: out of memory");
	}
	*buf = out->buf;
	if (len)
		*len = out->len;
	cal_docout_buffer(out);
	return CAL_OK;
}

void cal_docout_free(struct cal_docout *out)
{
	if (!out)
		return;
	free(out->buf);
	out->buf = NULL;
	out->len = 0;
	out->cap = 0;
}
