/*
 * Reply parsers of the three pressure-controller dialects (cal/pressure.h).
 *
 * Invariant kept by every function here: no byte outside line[0..len) is
 * read, every string written is NUL-terminated within its field, and a
 * failed parse leaves *out zeroed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/pressure.h"

#include "../util.h"

struct token_map {
	const char *token;
	enum cal_unit unit;
	int code; /* Mensor "Units <code>"; 0 elsewhere */
};

static const struct token_map pace_units[] = {
	{ "PA", CAL_UNIT_PA, 0 },	   { "KPA", CAL_UNIT_KPA, 0 },
	{ "MPA", CAL_UNIT_MPA, 0 },	   { "BAR", CAL_UNIT_BAR, 0 },
	{ "MBAR", CAL_UNIT_MBAR, 0 },	   { "PSI", CAL_UNIT_PSI, 0 },
	{ "KG/CM2", CAL_UNIT_KGF_CM2, 0 }, { "MMHG", CAL_UNIT_MMHG, 0 },
	{ "INH2O", CAL_UNIT_INH2O, 0 },	   { "ATM", CAL_UNIT_ATM, 0 },
};

/* Mensor unit codes and output texts (CPC6000 table, via pymensor). */
static const struct token_map mensor_units[] = {
	{ "psi", CAL_UNIT_PSI, 1 },	      { "inH2O @4C", CAL_UNIT_INH2O_4C, 4 },
	{ "atm", CAL_UNIT_ATM, 13 },	      { "bar", CAL_UNIT_BAR, 14 },
	{ "mbar", CAL_UNIT_MBAR, 15 },	      { "mmHg @0C", CAL_UNIT_MMHG, 19 },
	{ "kPa", CAL_UNIT_KPA, 22 },	      { "Pa", CAL_UNIT_PA, 23 },
	{ "kg/sq cm", CAL_UNIT_KGF_CM2, 26 },
};

static const struct token_map ppc4_units[] = {
	{ "Pa", CAL_UNIT_PA, 0 },	 { "kPa", CAL_UNIT_KPA, 0 },
	{ "MPa", CAL_UNIT_MPA, 0 },	 { "bar", CAL_UNIT_BAR, 0 },
	{ "mbar", CAL_UNIT_MBAR, 0 },	 { "psi", CAL_UNIT_PSI, 0 },
	{ "kcm2", CAL_UNIT_KGF_CM2, 0 }, { "mmHg", CAL_UNIT_MMHG, 0 },
	{ "inH2O", CAL_UNIT_INH2O, 0 },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int map_parse(enum cal_unit *out, const struct token_map *m, size_t n, const char *token)
{
	if (out)
		*out = CAL_UNIT_NONE;
	if (!out || !token)
		return CAL_ERR_ARG;
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(m[i].token, token) == 0) {
			*out = m[i].unit;
			return CAL_OK;
		}
	}
	return CAL_ERR_ARG;
}

static const struct token_map *map_find(const struct token_map *m, size_t n, enum cal_unit u)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].unit == u)
			return &m[i];
	}
	return NULL;
}

int cal_pace_unit_parse(enum cal_unit *out, const char *token)
{
	return map_parse(out, pace_units, N_OF(pace_units), token);
}

const char *cal_pace_unit_token(enum cal_unit u)
{
	const struct token_map *t = map_find(pace_units, N_OF(pace_units), u);

	return t ? t->token : NULL;
}

int cal_mensor_unit_parse(enum cal_unit *out, const char *text)
{
	return map_parse(out, mensor_units, N_OF(mensor_units), text);
}

int cal_mensor_unit_code(enum cal_unit u)
{
	const struct token_map *t = map_find(mensor_units, N_OF(mensor_units), u);

	return t ? t->code : 0;
}

int cal_ppc4_unit_parse(enum cal_unit *out, const char *token)
{
	return map_parse(out, ppc4_units, N_OF(ppc4_units), token);
}

const char *cal_ppc4_unit_token(enum cal_unit u)
{
	const struct token_map *t = map_find(ppc4_units, N_OF(ppc4_units), u);

	return t ? t->token : NULL;
}

/* ---- common line handling --------------------------------------------------- */

static int bad(struct cal_prs_reply *out, const char *dialect, const char *why, const char *line,
	       size_t len)
{
	char esc[CAL_DRV_ESCAPE_MAX];

	memset(out, 0, sizeof(*out));
	return cal_error_set(CAL_ERR_PROTO, "%s reply %s: \"%s\"", dialect, why,
			     cal_drv_escape(esc, sizeof(esc), line, len));
}

/* Copy s[0..n) trimmed of spaces into dst (size CAL_PRS_LINE_MAX + 1). */
static void copy_trim(char *dst, const char *s, size_t n)
{
	while (n > 0 && s[0] == ' ') {
		s++;
		n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n > CAL_PRS_LINE_MAX)
		n = CAL_PRS_LINE_MAX;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Length of the leading number of s ("+1.5E+01", "-0.25"), 0 if none. */
static size_t number_len(const char *s)
{
	size_t i = 0, digits = 0;

	if (s[i] == '+' || s[i] == '-')
		i++;
	while (isdigit((unsigned char)s[i])) {
		i++;
		digits++;
	}
	if (s[i] == '.') {
		i++;
		while (isdigit((unsigned char)s[i])) {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1, ed = 0;

		if (s[j] == '+' || s[j] == '-')
			j++;
		while (isdigit((unsigned char)s[j])) {
			j++;
			ed++;
		}
		if (ed > 0)
			i = j;
	}
	return i;
}

/*
 * A field "number [unit[a|g]] [a|g]" (PPC4) or a bare number. A field that
 * does not start with a number stays text. A number followed by something
 * that is no unit keeps unit NONE (e.g. the rate "0.011 kPa/s").
 */
static void parse_field(struct cal_prs_field *f, bool units)
{
	size_t n = number_len(f->text);
	const char *rest;
	char tok[CAL_PRS_LINE_MAX + 1];
	size_t tl;

	if (n == 0 || (f->text[n] != '\0' && f->text[n] != ' '))
		return;
	if (cal_num_parse(&f->value, &f->decimals, f->text, n) != CAL_OK)
		return;
	f->number = true;
	if (!units)
		return;
	rest = f->text + n;
	while (*rest == ' ')
		rest++;
	if (!*rest)
		return;
	/* "kPaa", "kPa a", "kPa" */
	tl = strcspn(rest, " ");
	memcpy(tok, rest, tl);
	tok[tl] = '\0';
	if (rest[tl] == ' ') {
		const char *m = rest + tl;

		while (*m == ' ')
			m++;
		if ((m[0] == 'a' || m[0] == 'g') && m[1] == '\0' &&
		    cal_ppc4_unit_parse(&f->unit, tok) == CAL_OK) {
			f->mode = m[0];
			return;
		}
		f->unit = CAL_UNIT_NONE;
		return;
	}
	if (cal_ppc4_unit_parse(&f->unit, tok) == CAL_OK)
		return;
	if (tl > 1 && (tok[tl - 1] == 'a' || tok[tl - 1] == 'g')) {
		char m = tok[tl - 1];

		tok[tl - 1] = '\0';
		if (cal_ppc4_unit_parse(&f->unit, tok) == CAL_OK) {
			f->mode = m;
			return;
		}
	}
	f->unit = CAL_UNIT_NONE;
}

/* Split out->payload into fields on commas outside quotes. */
static int split_fields(struct cal_prs_reply *out, bool units)
{
	const char *p = out->payload;
	size_t start = 0, i = 0;
	bool quoted = false;

	if (!*p)
		return CAL_OK;
	for (;; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		if ((p[i] == ',' && !quoted) || p[i] == '\0') {
			struct cal_prs_field *f;
			size_t flen;

			if (out->nfield == CAL_PRS_FIELD_MAX)
				return 1;
			f = &out->field[out->nfield++];
			copy_trim(f->text, p + start, i - start);
			flen = strlen(f->text);
			if (flen >= 2 && f->text[0] == '"' && f->text[flen - 1] == '"') {
				memmove(f->text, f->text + 1, flen - 2);
				f->text[flen - 2] = '\0';
			} else {
				parse_field(f, units);
			}
			if (p[i] == '\0')
				break;
			start = i + 1;
		}
	}
	return quoted ? 2 : CAL_OK;
}

/* Printable ASCII, length bound. Returns a reason or NULL. */
static const char *check_bytes(const char *line, size_t len)
{
	if (len > CAL_PRS_LINE_MAX)
		return "too long";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c > 0x7e)
			return "has a byte that is not printable ASCII";
	}
	return NULL;
}

static int finish(struct cal_prs_reply *out, const char *dialect, const char *line, size_t len,
		  bool units)
{
	int r = split_fields(out, units);

	if (r == 1)
		return bad(out, dialect, "has too many fields", line, len);
	if (r == 2)
		return bad(out, dialect, "has an unbalanced quote", line, len);
	return CAL_OK;
}

/* ---- the three dialects ----------------------------------------------------- */

int cal_pace_parse(struct cal_prs_reply *out, const char *line, size_t len)
{
	const char *why;
	size_t i = 0;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_pace_parse: out is NULL");
	memset(out, 0, sizeof(*out));
	if (!line && len)
		return cal_error_set(CAL_ERR_ARG, "cal_pace_parse: line is NULL");
	why = check_bytes(line, len);
	if (why)
		return bad(out, "PACE", why, line, len);
	while (i < len && line[i] == ' ')
		i++;
	if (i == len)
		return bad(out, "PACE", "is empty", line, len);
	if (line[i] == ':' || line[i] == '*') {
		size_t h = i;

		while (i < len && line[i] != ' ')
			i++;
		if (i - h > CAL_PRS_HEADER_MAX)
			return bad(out, "PACE", "has an over-long header", line, len);
		for (size_t k = h; k < i; k++)
			out->header[k - h] = (char)toupper((unsigned char)line[k]);
		out->header[i - h] = '\0';
	}
	copy_trim(out->payload, line + i, len - i);
	return finish(out, "PACE", line, len, false);
}

int cal_mensor_parse(struct cal_prs_reply *out, const char *line, size_t len)
{
	const char *why;
	size_t i = 0;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_mensor_parse: out is NULL");
	memset(out, 0, sizeof(*out));
	if (!line && len)
		return cal_error_set(CAL_ERR_ARG, "cal_mensor_parse: line is NULL");
	why = check_bytes(line, len);
	if (why)
		return bad(out, "Mensor", why, line, len);
	if (len == 0)
		return bad(out, "Mensor", "is empty", line, len);
	if (line[0] == 'E') {
		out->error_pending = true;
		i = 1;
	} else if (line[0] == ' ') {
		i = 1;
	}
	copy_trim(out->payload, line + i, len - i);
	if (!out->payload[0] && !out->error_pending)
		return bad(out, "Mensor", "is empty", line, len);
	return finish(out, "Mensor", line, len, false);
}

int cal_ppc4_parse(struct cal_prs_reply *out, const char *line, size_t len)
{
	const char *why, *p;
	double code;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_ppc4_parse: out is NULL");
	memset(out, 0, sizeof(*out));
	if (!line && len)
		return cal_error_set(CAL_ERR_ARG, "cal_ppc4_parse: line is NULL");
	why = check_bytes(line, len);
	if (why)
		return bad(out, "PPC4", why, line, len);
	copy_trim(out->payload, line, len);
	if (!out->payload[0])
		return bad(out, "PPC4", "is empty", line, len);
	p = out->payload;
	if (strncmp(p, "ERR", 3) == 0 && (p[3] == '#' || p[3] == ' ')) {
		p += 3;
		while (*p == ' ' || *p == '#')
			p++;
		if (cal_num_parse_str(&code, NULL, p) != CAL_OK || code < 0 || code > 999 ||
		    code != (double)(int)code)
			return bad(out, "PPC4", "has a malformed error number", line, len);
		out->error = true;
		out->error_code = (int)code;
		return CAL_OK;
	}
	return finish(out, "PPC4", line, len, true);
}
