/*
 * CSV reader (cal/csv.h). One pass over the buffer, byte by byte; a field's
 * bytes are appended to p->store and terminated, then p->field[] is pointed
 * into store once the record is complete (store may move while it grows).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal/csv.h"
#include "cal/error.h"

/* Offset of the first byte of @s that is not valid UTF-8; @len when all is. */
static size_t utf8_bad_at(const char *s, size_t len)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = b[i];
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (b[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (b[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += n + 1;
	}
	return len;
}

int cal_utf8_valid(const char *s, size_t len)
{
	return utf8_bad_at(s, len) == len;
}

static char guess_delim(const char *buf, size_t len)
{
	size_t count[3] = { 0 };
	const char cand[3] = { ',', ';', '\t' };
	int quoted = 0;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '\n' || c == '\r'))
			break;
		else if (!quoted)
			for (int k = 0; k < 3; k++)
				count[k] += c == cand[k];
	}
	if (count[1] > count[0] && count[1] >= count[2])
		return ';';
	if (count[2] > count[0] && count[2] > count[1])
		return '\t';
	return ',';
}

void cal_csv_init(struct cal_csv *p, const char *buf, size_t len, char delim)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->len = len;
	p->line = 1;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		p->pos = 3;
	p->delim = delim ? delim : guess_delim(buf + p->pos, len - p->pos);
}

void cal_csv_free(struct cal_csv *p)
{
	free(p->store);
	free(p->field);
	memset(p, 0, sizeof(*p));
}

static int put(struct cal_csv *p, size_t *used, char c)
{
	if (*used + 1 > p->store_cap) {
		size_t cap = p->store_cap ? p->store_cap * 2 : 256;
		char *s = realloc(p->store, cap);

		if (!s)
			return cal_error_set(CAL_ERR_NOMEM, "csv: out of memory");
		p->store = s;
		p->store_cap = cap;
	}
	p->store[(*used)++] = c;
	return CAL_OK;
}

/* Offsets of the fields in store, kept in field[] as integers until the end. */
static int end_field(struct cal_csv *p, size_t *used, size_t start)
{
	int rc = put(p, used, '\0');
	size_t bad;

	if (rc)
		return rc;
	bad = utf8_bad_at(p->store + start, *used - 1 - start);
	if (bad < *used - 1 - start) {
		const unsigned char *b = (const unsigned char *)p->store + start + bad;

		return cal_error_set(
			CAL_ERR_ARG,
			"line %ld, field %zu: not UTF-8 text (byte 0x%02X after '%.*s'; "
			"save the file as CSV UTF-8)",
			p->rec_line, p->n_field + 1, b[0], (int)(bad > 24 ? 24 : bad),
			p->store + start + (bad > 24 ? bad - 24 : 0));
	}
	if (p->n_field == p->field_cap) {
		size_t cap = p->field_cap ? p->field_cap * 2 : 16;
		char **f = realloc(p->field, cap * sizeof(*f));

		if (!f)
			return cal_error_set(CAL_ERR_NOMEM, "csv: out of memory");
		p->field = f;
		p->field_cap = cap;
	}
	p->field[p->n_field++] = (char *)(uintptr_t)start;
	return CAL_OK;
}

/* Consume one line ending at pos (CRLF, LF or CR), counting the line. */
static void eat_eol(struct cal_csv *p)
{
	if (p->buf[p->pos] == '\r' && p->pos + 1 < p->len && p->buf[p->pos + 1] == '\n')
		p->pos++;
	p->pos++;
	p->line++;
}

int cal_csv_next(struct cal_csv *p)
{
	size_t used = 0, start;
	int rc;

	/* blank lines */
	while (p->pos < p->len && (p->buf[p->pos] == '\n' || p->buf[p->pos] == '\r'))
		eat_eol(p);
	if (p->pos >= p->len)
		return 0;
	p->n_field = 0;
	p->rec_line = p->line;
	for (;;) {
		start = used;
		if (p->pos < p->len && p->buf[p->pos] == '"') {
			long qline = p->line;

			p->pos++;
			for (;;) {
				char c;

				if (p->pos >= p->len)
					return cal_error_set(CAL_ERR_ARG,
							     "line %ld, field %zu: a quote opened "
							     "here is never closed",
							     qline, p->n_field + 1);
				c = p->buf[p->pos];
				if (c == '"') {
					if (p->pos + 1 < p->len && p->buf[p->pos + 1] == '"') {
						rc = put(p, &used, '"');
						p->pos += 2;
						if (rc)
							return rc;
						continue;
					}
					p->pos++;
					break;
				}
				if (c == '\0')
					return cal_error_set(CAL_ERR_ARG,
							     "line %ld, field %zu: a NUL byte",
							     p->line, p->n_field + 1);
				if (c == '\n' || (c == '\r' && !(p->pos + 1 < p->len &&
								 p->buf[p->pos + 1] == '\n')))
					p->line++;
				rc = put(p, &used, c);
				p->pos++;
				if (rc)
					return rc;
			}
			if (p->pos < p->len && p->buf[p->pos] != p->delim &&
			    p->buf[p->pos] != '\n' && p->buf[p->pos] != '\r')
				return cal_error_set(CAL_ERR_ARG,
						     "line %ld, field %zu: text after the closing "
						     "quote",
						     p->line, p->n_field + 1);
		} else {
			while (p->pos < p->len) {
				char c = p->buf[p->pos];

				if (c == p->delim || c == '\n' || c == '\r')
					break;
				if (c == '\0')
					return cal_error_set(CAL_ERR_ARG,
							     "line %ld, field %zu: a NUL byte",
							     p->line, p->n_field + 1);
				if (c == '"')
					return cal_error_set(CAL_ERR_ARG,
							     "line %ld, field %zu: a quote inside "
							     "an unquoted field",
							     p->line, p->n_field + 1);
				rc = put(p, &used, c);
				p->pos++;
				if (rc)
					return rc;
			}
		}
		rc = end_field(p, &used, start);
		if (rc)
			return rc;
		if (p->pos < p->len && p->buf[p->pos] == p->delim) {
			p->pos++;
			continue;
		}
		if (p->pos < p->len)
			eat_eol(p);
		break;
	}
	for (size_t i = 0; i < p->n_field; i++)
		p->field[i] = p->store + (size_t)(uintptr_t)p->field[i];
	return 1;
}
