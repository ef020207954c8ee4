/*
 * MT-SICS response parser (Mettler Toledo Standard Interface Command Set).
 *
 * Grammar (protocols.md 1.2-1.4), one line without its CR LF:
 *
 *	line   := error | ID SP+ status [SP+ param]*
 *	error  := "ES" | "ET" | "EL"          (syntax, transmission, logical)
 *	ID     := [A-Z][A-Z0-9]{0,4}          ("S" answers S, SI and SIR)
 *	status := one of S D A B I L + -
 *	param  := '"' text '"' | token        (text may contain spaces)
 *
 * With status S or D (or A for TA) two unquoted parameters are a weight:
 * "100.00" "g". The value is right-justified in a 10-character field on
 * most models, but we split on runs of spaces, so any width works. The sign
 * is glued to the first digit ("-12.34"). '+' and '-' as the status mean
 * overload and underload and carry no value, so a parser expecting four
 * tokens must not assume them.
 *
 * Invariants: nothing here reads past line[len - 1]; every byte is checked to
 * be printable ASCII before any token is looked at; on error *out is zeroed.
 */
#include <stdbool.h>
#include <string.h>

#include "cal/error.h"
#include "cal/mtsics.h"
#include "cal/num.h"
#include "cal/units.h"

#include "../util.h"

/* A token of the line: [start, start + len), quotes already removed. */
struct token {
	const char *start;
	size_t len;
	bool quoted;
};

/* ID + status + params; one more slot to detect too many params. */
#define MAX_TOKENS (2 + CAL_MTSICS_PARAM_MAX + 1)

static int fail(struct cal_mtsics_resp *out, const char *line, size_t len, const char *why)
{
	char esc[CAL_DRV_ESCAPE_MAX];

	memset(out, 0, sizeof(*out));
	return cal_error_set(CAL_ERR_PROTO, "bad MT-SICS line \"%s\": %s",
			     cal_drv_escape(esc, sizeof(esc), line, len), why);
}

/*
 * Split line into tokens on runs of spaces. A token starting with '"' runs
 * to the next '"', which must be followed by a space or the end of the line.
 * Returns the number of tokens, or -1 with *why set.
 */
static int tokenize(struct token *tok, const char *line, size_t len, const char **why)
{
	size_t i = 0;
	int n = 0;

	for (;;) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		if (i >= len)
			return n;
		if (n == MAX_TOKENS) {
			*why = "too many fields";
			return -1;
		}
		if (line[i] == '"') {
			start = ++i;
			while (i < len && line[i] != '"')
				i++;
			if (i >= len) {
				*why = "unterminated quoted text";
				return -1;
			}
			tok[n].start = line + start;
			tok[n].len = i - start;
			tok[n].quoted = true;
			i++; /* the closing quote */
			if (i < len && line[i] != ' ') {
				*why = "quoted text followed by other characters";
				return -1;
			}
		} else {
			start = i;
			while (i < len && line[i] != ' ') {
				if (line[i] == '"') {
					*why = "quote inside a field";
					return -1;
				}
				i++;
			}
			tok[n].start = line + start;
			tok[n].len = i - start;
			tok[n].quoted = false;
		}
		n++;
	}
}

static bool tok_is(const struct token *t, const char *s)
{
	size_t n = strlen(s);

	return !t->quoted && t->len == n && memcmp(t->start, s, n) == 0;
}

static bool valid_id(const struct token *t)
{
	if (t->quoted || t->len < 1 || t->len > CAL_MTSICS_ID_MAX)
		return false;
	if (t->start[0] < 'A' || t->start[0] > 'Z')
		return false;
	for (size_t i = 1; i < t->len; i++) {
		char c = t->start[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Parse tokens value + unit into out. Returns false with *why set. */
static bool parse_weight(struct cal_mtsics_resp *out, const struct token *val,
			 const struct token *unit, const char **why)
{
	char sym[8];

	if (val->quoted || unit->quoted) {
		*why = "weight or unit in quotes";
		return false;
	}
	if (cal_num_parse(&out->value, &out->decimals, val->start, val->len) != CAL_OK) {
		*why = "weight value is not a number";
		return false;
	}
	if (unit->len >= sizeof(sym)) {
		*why = "unknown unit";
		return false;
	}
	memcpy(sym, unit->start, unit->len);
	sym[unit->len] = '\0';
	if (cal_unit_parse(&out->unit, sym) != CAL_OK) {
		*why = "unknown unit";
		return false;
	}
	out->kind = CAL_MTSICS_WEIGHT;
	return true;
}

int cal_mtsics_parse(struct cal_mtsics_resp *out, const char *line, size_t len)
{
	struct token tok[MAX_TOKENS];
	const char *why = NULL;
	int n, np;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_mtsics_parse: out is NULL");
	memset(out, 0, sizeof(*out));
	if (!line && len > 0)
		return cal_error_set(CAL_ERR_ARG, "cal_mtsics_parse: line is NULL");
	if (len == 0)
		return fail(out, "", 0, "empty line");
	if (len > CAL_MTSICS_LINE_MAX)
		return fail(out, line, len, "line longer than 127 bytes");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c > 0x7e)
			return fail(out, line, len, "non-printable byte");
	}
	n = tokenize(tok, line, len, &why);
	if (n < 0)
		return fail(out, line, len, why);
	if (n == 0)
		return fail(out, line, len, "blank line");

	/* Whole-line errors have no ID and no status. */
	if (tok_is(&tok[0], "ES") || tok_is(&tok[0], "ET") || tok_is(&tok[0], "EL")) {
		if (n != 1)
			return fail(out, line, len, "error response with extra fields");
		memcpy(out->id, tok[0].start, 2);
		out->kind = CAL_MTSICS_ERROR;
		return CAL_OK;
	}
	if (!valid_id(&tok[0]))
		return fail(out, line, len, "bad response ID");
	if (n < 2)
		return fail(out, line, len, "missing status");
	if (tok[1].quoted || tok[1].len != 1 || !strchr("SDABIL+-", tok[1].start[0]))
		return fail(out, line, len, "unknown status");
	memcpy(out->id, tok[0].start, tok[0].len);
	out->status = tok[1].start[0];
	np = n - 2; /* parameters after the status */

	switch (out->status) {
	case '+':
	case '-':
	case 'I':
	case 'L':
		if (np != 0)
			return fail(out, line, len, "unexpected fields after the status");
		if (out->status == '+')
			out->kind = CAL_MTSICS_OVERLOAD;
		else if (out->status == '-')
			out->kind = CAL_MTSICS_UNDERLOAD;
		else if (out->status == 'I')
			out->kind = CAL_MTSICS_BUSY;
		else
			out->kind = CAL_MTSICS_LOGICAL;
		return CAL_OK;
	case 'S':
	case 'D':
		if (np == 0) {
			out->kind = CAL_MTSICS_ACK; /* "ZI S", "ZI D" */
			return CAL_OK;
		}
		if (np == 1)
			return fail(out, line, len,
				    tok[2].quoted ? "unexpected text"
						  : "weight value with no unit");
		if (np > 2)
			return fail(out, line, len, "unexpected fields after the unit");
		if (!parse_weight(out, &tok[2], &tok[3], &why))
			return fail(out, line, len, why);
		return CAL_OK;
	default: /* 'A', 'B' */
		break;
	}
	if (np == 0) {
		out->kind = CAL_MTSICS_ACK;
		return CAL_OK;
	}
	/* "TA A 10.00 g": two unquoted fields, the first a number. */
	if (np == 2 && !tok[2].quoted && !tok[3].quoted &&
	    cal_num_parse(&out->value, NULL, tok[2].start, tok[2].len) == CAL_OK) {
		if (!parse_weight(out, &tok[2], &tok[3], &why))
			return fail(out, line, len, why);
		return CAL_OK;
	}
	out->value = 0;
	if (np > CAL_MTSICS_PARAM_MAX)
		return fail(out, line, len, "too many fields");
	for (int i = 0; i < np; i++) {
		memcpy(out->param[i], tok[2 + i].start, tok[2 + i].len);
		out->param[i][tok[2 + i].len] = '\0';
	}
	out->nparam = np;
	out->kind = CAL_MTSICS_TEXT;
	return CAL_OK;
}

const char *cal_mtsics_kind_name(enum cal_mtsics_kind kind)
{
	switch (kind) {
	case CAL_MTSICS_WEIGHT:
		return "weight";
	case CAL_MTSICS_ACK:
		return "acknowledgement";
	case CAL_MTSICS_TEXT:
		return "text";
	case CAL_MTSICS_ERROR:
		return "error";
	case CAL_MTSICS_OVERLOAD:
		return "overload";
	case CAL_MTSICS_UNDERLOAD:
		return "underload";
	case CAL_MTSICS_BUSY:
		return "busy";
	case CAL_MTSICS_LOGICAL:
		return "logical error";
	}
	return "unknown";
}
