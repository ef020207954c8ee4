/*
 * Where a rendering of a document goes: a FILE* the caller owns (the CLI's
 * stdout or an output file) or a growing buffer in memory (tests, the
 * verification service, a DCC that embeds another rendering).
 *
 * Writers never check each call: the first failure (a short write, no
 * memory) is kept in .err and every later write is skipped, so a renderer
 * writes straight through and returns cal_docout_error() at its end.
 * Nothing here formats numbers: renderers use cal_num_format*() (C locale)
 * and hand the text over.
 */
#ifndef CAL_DOCUMENTS_DOCOUT_H
#define CAL_DOCUMENTS_DOCOUT_H

#include <stddef.h>
#include <stdio.h>

struct cal_docout {
	FILE *f;    /* write here when not NULL (not owned) */
	char *buf;  /* else here: malloc'ed, always NUL-terminated once written to */
	size_t len; /* bytes in buf, not counting the NUL */
	size_t cap; /* bytes allocated for buf */
	int err;    /* CAL_OK, or the first CAL_ERR_IO / CAL_ERR_NOMEM */
};

/* Write to @f (Must not be NULL). Nothing to free. */
void cal_docout_file(struct cal_docout *out, FILE *f);
/* Write to a buffer; release it with cal_docout_free() or take it with cal_docout_take(). */
void cal_docout_buffer(struct cal_docout *out);

void cal_docout_write(struct cal_docout *out, const void *p, size_t n);
void cal_docout_puts(struct cal_docout *out, const char *s);
/* Integers and strings only (%d, %lld, %s, %zu...): never %f or %g (locale). */
void cal_docout_printf(struct cal_docout *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* CAL_OK, or the first error, with a message (cal_error_last()). */
int cal_docout_error(const struct cal_docout *out);

/*
 * The buffer written so far (NUL-terminated, "" when nothing was written):
 * *buf is malloc'ed and now the caller's; @out is reset to an empty buffer.
 * @len can be NULL. CAL_ERR_NOMEM, or the first write error, with *buf NULL.
 */
int cal_docout_take(char **buf, size_t *len, struct cal_docout *out);
/* Free the buffer (NULL and file outputs are fine). */
void cal_docout_free(struct cal_docout *out);

#endif
