/*
 * A document as JSON: what `calbench cert show NO --json` and `calbench cert
 * export NO --format json` print (the whole record: instrument, run,
 * standards, results), and what `calbench verify NO --json` prints (the same
 * without the standards, results and decision rule). One line, UTF-8, keys
 * in a fixed order; numbers in the C locale; a number that is not finite is
 * null. Tests compare this output byte for byte: change it on purpose only.
 */
#ifndef CAL_DOCUMENTS_JSON_H
#define CAL_DOCUMENTS_JSON_H

#include "cal/docout.h"
#include "cal/document.h"

/* The whole document, then "\n". Returns cal_docout_error(). */
int cal_json_certdoc(struct cal_docout *out, const struct cal_certdoc *d);
/* An inspector's answer for a known number, then "\n". Returns cal_docout_error(). */
int cal_json_verify(struct cal_docout *out, const struct cal_verify *v);

/* A JSON string, quoted, with escapes ("\u0001" for control characters). NULL is "". */
void cal_json_str(struct cal_docout *out, const char *s);
/* A number with @decimals digits after '.', or the shortest exact form when < 0. */
void cal_json_num(struct cal_docout *out, double v, int decimals);

#endif
