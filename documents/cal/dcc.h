/*
 * The Digital Calibration Certificate (PTB DCC, schema 3.1.2 with the D-SI
 * schema 2.1.0; copies in docs/dcc/) of a document, generated from the same
 * record as every other rendering (struct cal_certdoc). One XML file, UTF-8:
 *
 *   administrativeData  software (calbench), core data (country VN, languages
 *                       vi and en, vi mandatory, the number, the run's dates,
 *                       receipt date, where it was done), the instrument (its
 *                       serial, register id, sticker), the centre, the persons
 *                       (the run's operator, who checked, lab.approver), the
 *                       customer (the owner), statements (title, issue date,
 *                       validity, conformity, decision rule, uncertainty,
 *                       traceability, scope, place, amendment, digest and
 *                       signature, revocation)
 *   measurementResults  one measurementResult: the method (procedure, its
 *                       SHA-256, mode, limits), the software, the reference
 *                       standards (register id, certificate number, due
 *                       date, U), the ambient conditions, one result per
 *                       point (nominal, reference, indication, error with U
 *                       and k, MPE; conformity)
 *   document            the PDF rendering, base64, when one is given
 *
 * Text from the registers goes in as written (no lang attribute); the fixed
 * texts are in Vietnamese and English. Every text is escaped; characters XML
 * 1.0 forbids (control characters, invalid UTF-8) become U+FFFD. Numbers are
 * written in the C locale, as the certificate prints them (decimals of the
 * indication, U to two significant digits); units in D-SI notation
 * (cal_dcc_unit()).
 */
#ifndef CAL_DOCUMENTS_DCC_H
#define CAL_DOCUMENTS_DCC_H

#include <stddef.h>

#include "cal/docout.h"
#include "cal/document.h"

/* The DCC schema version written (dcc:digitalCalibrationCertificate/@schemaVersion). */
#define CAL_DCC_SCHEMA_VERSION "3.1.2"

struct cal_dcc_options {
	const void *pdf;      /* the PDF rendering to embed in dcc:document; NULL: none */
	size_t pdf_size;      /* its size in bytes */
	const char *pdf_name; /* its dcc:fileName; NULL: "NUMBER.pdf" */
	const char *release;  /* calbench's version for dcc:software; NULL: the build's */
};

/*
 * Write the DCC of @d to @out. @opt can be NULL (no PDF). CAL_ERR_ARG when
 * the record has no usable date; else cal_docout_error().
 */
int cal_dcc_write(struct cal_docout *out, const struct cal_certdoc *d,
		  const struct cal_dcc_options *opt);

/*
 * The D-SI unit for one of our unit symbols ("kg" -> "\kilogram", "m3/h" ->
 * "\metre\tothe{3}\hour\tothe{-1}", "%" -> "\percent"). Units D-SI has no
 * name for (psi, mmHg, kgf/cm2, lb...) map to the coherent SI unit
 * (\pascal, \kilogram) and *factor converts a value to it; otherwise
 * *factor is 1. CAL_ERR_ARG for a symbol we do not know. @factor can be NULL.
 */
int cal_dcc_unit(const char **dsi, double *factor, const char *unit);

/*
 * XML character data for @s: &, <, >, ", ' as entities, CR as &#13;, and
 * what XML 1.0 does not allow (C0 controls but tab and newline, U+FFFE,
 * U+FFFF, invalid or overlong UTF-8, surrogates) as U+FFFD. NULL is "".
 */
void cal_xml_text(struct cal_docout *out, const char *s);

/* Base64 (RFC 4648, padded) of @p, in lines of 76 characters joined by '\n' (none at the end). */
void cal_base64(struct cal_docout *out, const void *p, size_t n);

#endif
