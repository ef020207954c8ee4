/*
 * Modbus register maps: value conversions, map checks and register
 * notation (cal/modbus_map.h).
 *
 * Invariants kept by every function here: registers are read and written
 * only within regs[0..n_regs), and n_regs is checked against the type before
 * either; bytes are moved between integers and floats with memcpy only; no
 * string is read past its array (strnlen/memchr against the array size).
 *
 * The host must store float and double in the byte order of its integers
 * (true of every target of this project: amd64, arm64, armhf).
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cal/error.h"
#include "cal/modbus_map.h"
#include "cal/num.h"

#include "../util.h"

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE-754 binary32/binary64 expected");
_Static_assert(4 <= CAL_MB_READ_MAX, "a quantity must fit one read request");

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct type_info {
	enum cal_mb_type type;
	const char *name;
	unsigned regs;
	double lo, hi; /* integer range; unused for floats */
};

static const struct type_info types[] = {
	{ CAL_MB_U16, "u16", 1, 0, 65535.0 },
	{ CAL_MB_I16, "i16", 1, -32768.0, 32767.0 },
	{ CAL_MB_U32, "u32", 2, 0, 4294967295.0 },
	{ CAL_MB_I32, "i32", 2, -2147483648.0, 2147483647.0 },
	{ CAL_MB_F32, "f32", 2, 0, 0 },
	{ CAL_MB_F64, "f64", 4, 0, 0 },
};

struct word {
	const char *text;
	int value;
};

static const struct word type_words[] = {
	{ "u16", CAL_MB_U16 },	  { "uint16", CAL_MB_U16 },  { "i16", CAL_MB_I16 },
	{ "int16", CAL_MB_I16 },  { "u32", CAL_MB_U32 },     { "uint32", CAL_MB_U32 },
	{ "i32", CAL_MB_I32 },	  { "int32", CAL_MB_I32 },   { "f32", CAL_MB_F32 },
	{ "float", CAL_MB_F32 },  { "float32", CAL_MB_F32 }, { "f64", CAL_MB_F64 },
	{ "double", CAL_MB_F64 }, { "float64", CAL_MB_F64 },
};

/* Canonical names first, indexed by enum cal_mb_order. */
static const struct word order_words[] = {
	{ "ABCD", CAL_MB_ABCD },    { "CDAB", CAL_MB_CDAB },	{ "BADC", CAL_MB_BADC },
	{ "DCBA", CAL_MB_DCBA },    { "3-2-1-0", CAL_MB_ABCD }, { "1-0-3-2", CAL_MB_CDAB },
	{ "2-3-0-1", CAL_MB_BADC }, { "0-1-2-3", CAL_MB_DCBA },
};

static const struct type_info *type_info(enum cal_mb_type type)
{
	for (size_t i = 0; i < N_OF(types); i++) {
		if (types[i].type == type)
			return &types[i];
	}
	return NULL;
}

static bool order_known(enum cal_mb_order order)
{
	return order >= CAL_MB_ABCD && order <= CAL_MB_DCBA;
}

unsigned cal_mb_type_regs(enum cal_mb_type type)
{
	const struct type_info *t = type_info(type);

	return t ? t->regs : 0;
}

const char *cal_mb_type_name(enum cal_mb_type type)
{
	const struct type_info *t = type_info(type);

	return t ? t->name : NULL;
}

const char *cal_mb_order_name(enum cal_mb_order order)
{
	return order_known(order) ? order_words[order].text : NULL;
}

/* Printable, escaped and cut form of a NUL-terminated string for messages. */
static const char *shown(char *buf, size_t size, const char *s)
{
	return cal_drv_escape(buf, size, s, s ? strnlen(s, 256) : 0);
}

/* The value of @text in table w (case-insensitive), or a message naming @what. */
static int word_parse(int *out, const struct word *w, size_t n, const char *text, const char *what,
		      const char *accepted)
{
	char esc[64];

	for (size_t i = 0; text && i < n; i++) {
		if (strcasecmp(w[i].text, text) == 0) {
			*out = w[i].value;
			return CAL_OK;
		}
	}
	return cal_error_set(CAL_ERR_ARG, "unknown Modbus %s \"%s\": %s", what,
			     shown(esc, sizeof(esc), text), accepted);
}

int cal_mb_type_parse(enum cal_mb_type *out, const char *text)
{
	int v = 0;
	int rc = word_parse(&v, type_words, N_OF(type_words), text, "value type",
			    "u16, i16, u32, i32, f32 (float), f64 (double)");

	if (out && rc == CAL_OK)
		*out = (enum cal_mb_type)v;
	return out ? rc : cal_error_set(CAL_ERR_ARG, "cal_mb_type_parse: out is NULL");
}

int cal_mb_order_parse(enum cal_mb_order *out, const char *text)
{
	int v = 0;
	int rc = word_parse(&v, order_words, N_OF(order_words), text, "word order",
			    "ABCD, CDAB, BADC, DCBA (E+H 3-2-1-0, 1-0-3-2, 2-3-0-1, 0-1-2-3)");

	if (out && rc == CAL_OK)
		*out = (enum cal_mb_order)v;
	return out ? rc : cal_error_set(CAL_ERR_ARG, "cal_mb_order_parse: out is NULL");
}

/* ---- conversions -------------------------------------------------------------- */

/*
 * Registers <-> big-endian words (w[0] the most significant). CDAB and DCBA
 * reverse the words, BADC and DCBA swap the bytes of each: every order is
 * its own inverse, so this one function serves decode and encode.
 */
static void permute(uint16_t *dst, const uint16_t *src, unsigned n, enum cal_mb_order order)
{
	bool reverse = order == CAL_MB_CDAB || order == CAL_MB_DCBA;
	bool swap = order == CAL_MB_BADC || order == CAL_MB_DCBA;

	for (unsigned i = 0; i < n; i++) {
		unsigned w = src[reverse ? n - 1 - i : i];

		dst[i] = (uint16_t)(swap ? ((w >> 8) | (w << 8)) : w);
	}
}

/* Common argument checks; the type's info on success. */
static int check_args(const struct type_info **ti, const void *regs, size_t n_regs,
		      enum cal_mb_type type, enum cal_mb_order order)
{
	*ti = type_info(type);
	if (!*ti)
		return cal_error_set(CAL_ERR_ARG, "unknown Modbus value type %d", (int)type);
	if (!order_known(order))
		return cal_error_set(CAL_ERR_ARG, "unknown Modbus word order %d", (int)order);
	if (!regs)
		return cal_error_set(CAL_ERR_ARG, "no registers given for a Modbus %s value",
				     (*ti)->name);
	if (n_regs != (*ti)->regs)
		return cal_error_set(CAL_ERR_ARG, "a Modbus %s value takes %u register%s, not %zu",
				     (*ti)->name, (*ti)->regs, (*ti)->regs == 1 ? "" : "s", n_regs);
	return CAL_OK;
}

int cal_mb_decode(double *out, const uint16_t *regs, size_t n_regs, enum cal_mb_type type,
		  enum cal_mb_order order)
{
	const struct type_info *ti;
	uint16_t w[4];
	uint64_t raw = 0;
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_mb_decode: out is NULL");
	*out = NAN;
	rc = check_args(&ti, regs, n_regs, type, order);
	if (rc != CAL_OK)
		return rc;
	permute(w, regs, ti->regs, order);
	for (unsigned i = 0; i < ti->regs; i++)
		raw = (raw << 16) | w[i];

	switch (type) {
	case CAL_MB_U16:
	case CAL_MB_U32:
		*out = (double)raw;
		break;
	case CAL_MB_I16:
		*out = raw >= 0x8000u ? (double)raw - 65536.0 : (double)raw;
		break;
	case CAL_MB_I32:
		*out = raw >= 0x80000000u ? (double)raw - 4294967296.0 : (double)raw;
		break;
	case CAL_MB_F32: {
		uint32_t bits = (uint32_t)raw;
		float f;

		memcpy(&f, &bits, sizeof(f));
		*out = f;
		break;
	}
	case CAL_MB_F64:
		memcpy(out, &raw, sizeof(*out));
		break;
	}
	return CAL_OK;
}

int cal_mb_encode(uint16_t *regs, size_t n_regs, double v, enum cal_mb_type type,
		  enum cal_mb_order order)
{
	const struct type_info *ti;
	uint16_t w[4];
	uint64_t raw;
	char num[32];
	int rc;

	rc = check_args(&ti, regs, n_regs, type, order);
	if (rc != CAL_OK)
		return rc;

	switch (type) {
	case CAL_MB_F32: {
		float f;
		uint32_t bits;

		if (isfinite(v) && fabs(v) > FLT_MAX) {
			cal_num_format_g(num, sizeof(num), v);
			return cal_error_set(CAL_ERR_RANGE, "%s is beyond the range of an f32",
					     num);
		}
		f = (float)v;
		memcpy(&bits, &f, sizeof(bits));
		raw = bits;
		break;
	}
	case CAL_MB_F64:
		memcpy(&raw, &v, sizeof(raw));
		break;
	default:
		cal_num_format_g(num, sizeof(num), v);
		if (!isfinite(v) || v != floor(v))
			return cal_error_set(CAL_ERR_ARG, "%s is not an integer: no %s can hold it",
					     num, ti->name);
		if (v < ti->lo || v > ti->hi)
			return cal_error_set(CAL_ERR_RANGE, "%s is outside the %s range %.0f..%.0f",
					     num, ti->name, ti->lo, ti->hi);
		/* in range, so exact; negative values wrap to two's complement */
		raw = (uint64_t)(int64_t)v;
		break;
	}
	for (unsigned i = ti->regs; i-- > 0; raw >>= 16)
		w[i] = (uint16_t)(raw & 0xFFFFu);
	permute(regs, w, ti->regs, order);
	return CAL_OK;
}

static bool is_integer_type(enum cal_mb_type type)
{
	return type != CAL_MB_F32 && type != CAL_MB_F64;
}

int cal_mb_quantity_decode(double *out, const struct cal_mb_quantity *q, const uint16_t *regs,
			   size_t n_regs)
{
	int rc;

	if (!q)
		return cal_error_set(CAL_ERR_ARG, "cal_mb_quantity_decode: q is NULL");
	rc = cal_mb_decode(out, regs, n_regs, q->type, q->order);
	if (rc != CAL_OK)
		return cal_error_prefix(rc, "%.*s: ", (int)sizeof(q->name), q->name);
	*out *= q->scale;
	return CAL_OK;
}

int cal_mb_quantity_encode(uint16_t *regs, size_t n_regs, const struct cal_mb_quantity *q, double v)
{
	double raw;
	int rc;

	if (!q)
		return cal_error_set(CAL_ERR_ARG, "cal_mb_quantity_encode: q is NULL");
	if (!isfinite(q->scale) || q->scale == 0)
		return cal_error_set(CAL_ERR_ARG, "%.*s: scale must be finite and non-zero",
				     (int)sizeof(q->name), q->name);
	raw = v / q->scale;
	if (is_integer_type(q->type))
		raw = round(raw);
	rc = cal_mb_encode(regs, n_regs, raw, q->type, q->order);
	if (rc != CAL_OK)
		return cal_error_prefix(rc, "%.*s: ", (int)sizeof(q->name), q->name);
	return CAL_OK;
}

/* ---- maps ----------------------------------------------------------------------- */

/* A string field is terminated inside its array and printable ASCII. */
static bool field_ok(const char *s, size_t size)
{
	const char *end = memchr(s, '\0', size);

	if (!end)
		return false;
	for (; s < end; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return false;
	}
	return true;
}

static bool name_ok(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (s++; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	}
	return true;
}

/* "modbus map "NAME"[, quantity "Q"]: " + the rule, as CAL_ERR_CONFIG. */
__attribute__((format(printf, 3, 4))) static int
map_err(const struct cal_mb_map *m, const struct cal_mb_quantity *q, const char *fmt, ...)
{
	char why[256], mname[64], qname[48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cal_drv_escape(mname, sizeof(mname), m->name, strnlen(m->name, sizeof(m->name)));
	if (!q)
		return cal_error_set(CAL_ERR_CONFIG, "modbus map \"%s\": %s", mname, why);
	cal_drv_escape(qname, sizeof(qname), q->name, strnlen(q->name, sizeof(q->name)));
	return cal_error_set(CAL_ERR_CONFIG, "modbus map \"%s\", quantity \"%s\": %s", mname, qname,
			     why);
}

static const char *fn_name(enum cal_mb_function fn)
{
	return fn == CAL_MB_INPUT ? "input" : "holding";
}

static int check_quantity(const struct cal_mb_map *m, const struct cal_mb_quantity *q)
{
	const struct type_info *ti;
	unsigned long last;

	if (!field_ok(q->name, sizeof(q->name)))
		return map_err(m, q, "the name is not a terminated printable string");
	if (!q->name[0])
		return map_err(m, q, "the quantity has no name");
	if (!name_ok(q->name))
		return map_err(m, q, "a name is a-z, 0-9 and _, starting with a letter");
	if (q->function != CAL_MB_HOLDING && q->function != CAL_MB_INPUT)
		return map_err(m, q,
			       "function %d is neither 3 (holding registers) nor 4 (input "
			       "registers)",
			       (int)q->function);
	ti = type_info(q->type);
	if (!ti)
		return map_err(m, q, "unknown type %d", (int)q->type);
	if (!order_known(q->order))
		return map_err(m, q, "unknown word order %d", (int)q->order);
	last = (unsigned long)q->address + ti->regs - 1;
	if (last > 65535)
		return map_err(m, q,
			       "%s at address %u would end at %lu, past the last address "
			       "65535",
			       ti->name, (unsigned)q->address, last);
	if (ti->regs > 1 && q->address % 2 && !q->allow_odd)
		return map_err(m, q,
			       "%s at the odd address %u: most meters align 32-bit values on "
			       "even addresses, so this is likely a 1-based register number (try "
			       "address %u); if the maker does give %u, set allow_odd",
			       ti->name, (unsigned)q->address, (unsigned)q->address - 1,
			       (unsigned)q->address);
	if (!isfinite(q->scale) || q->scale == 0)
		return map_err(m, q, "scale %g: it must be finite and non-zero (1 for none)",
			       q->scale);
	if (!field_ok(q->unit, sizeof(q->unit)))
		return map_err(m, q, "the unit is not a terminated printable string");
	return CAL_OK;
}

static int check_pair(const struct cal_mb_map *m, const struct cal_mb_quantity *a,
		      const struct cal_mb_quantity *b)
{
	unsigned a0 = a->address, a1 = a0 + cal_mb_type_regs(a->type) - 1;
	unsigned b0 = b->address, b1 = b0 + cal_mb_type_regs(b->type) - 1;

	if (strcmp(a->name, b->name) == 0)
		return map_err(m, b, "the name is used twice");
	if (a->function == b->function && a0 <= b1 && b0 <= a1)
		return map_err(m, b,
			       "%s registers %u..%u overlap those of \"%s\" (%u..%u); a map "
			       "describes distinct values",
			       fn_name(b->function), b0, b1, a->name, a0, a1);
	return CAL_OK;
}

int cal_mb_map_check(const struct cal_mb_map *m)
{
	int rc;

	if (!m)
		return cal_error_set(CAL_ERR_ARG, "cal_mb_map_check: m is NULL");
	if (!field_ok(m->name, sizeof(m->name)) || !m->name[0] || strchr(m->name, ' '))
		return map_err(m, NULL,
			       "a map needs a name of printable characters without spaces");
	if (!field_ok(m->description, sizeof(m->description)))
		return map_err(m, NULL, "the description is not a terminated printable string");
	if (m->n == 0 || m->n > CAL_MB_MAP_MAX)
		return map_err(m, NULL, "%zu quantities: a map has 1 to %d", m->n, CAL_MB_MAP_MAX);
	for (size_t i = 0; i < m->n; i++) {
		rc = check_quantity(m, &m->q[i]);
		if (rc != CAL_OK)
			return rc;
		for (size_t j = 0; j < i; j++) {
			rc = check_pair(m, &m->q[j], &m->q[i]);
			if (rc != CAL_OK)
				return rc;
		}
	}
	return CAL_OK;
}

const struct cal_mb_quantity *cal_mb_map_quantity(const struct cal_mb_map *m, const char *name)
{
	if (!m || !name)
		return NULL;
	for (size_t i = 0; i < m->n && i < CAL_MB_MAP_MAX; i++) {
		if (strncmp(m->q[i].name, name, sizeof(m->q[i].name)) == 0 &&
		    strlen(name) < sizeof(m->q[i].name))
			return &m->q[i];
	}
	return NULL;
}

static int read_one(double *out, const struct cal_mb_quantity *q, enum cal_mb_function fn,
		    uint16_t start, const uint16_t *regs, size_t n_regs)
{
	size_t count = cal_mb_type_regs(q->type);

	if (q->function != fn)
		return cal_error_set(CAL_ERR_ARG,
				     "%.*s is in the %s registers, the block was read "
				     "from the %s registers",
				     (int)sizeof(q->name), q->name, fn_name(q->function),
				     fn_name(fn));
	if (q->address < start || (size_t)(q->address - start) + count > n_regs)
		return cal_error_set(CAL_ERR_ARG,
				     "%.*s (address %u, %zu registers) is not inside the block "
				     "read from address %u (%zu registers)",
				     (int)sizeof(q->name), q->name, (unsigned)q->address, count,
				     (unsigned)start, n_regs);
	return cal_mb_quantity_decode(out, q, regs + (q->address - start), count);
}

int cal_mb_map_read(double *out, const struct cal_mb_map *m, const char *name,
		    enum cal_mb_function fn, uint16_t start, const uint16_t *regs, size_t n_regs)
{
	const struct cal_mb_quantity *q, *qi, *qf;
	char part[sizeof(q->name) + 8];
	double vi, vf;
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_mb_map_read: out is NULL");
	*out = NAN;
	if (!m || !name || (!regs && n_regs))
		return cal_error_set(CAL_ERR_ARG, "cal_mb_map_read: NULL argument");
	q = cal_mb_map_quantity(m, name);
	if (q)
		return read_one(out, q, fn, start, regs, n_regs);
	snprintf(part, sizeof(part), "%s_int", name);
	qi = cal_mb_map_quantity(m, part);
	snprintf(part, sizeof(part), "%s_frac", name);
	qf = cal_mb_map_quantity(m, part);
	if (!qi || !qf) {
		char esc[64];

		(void)map_err(m, NULL, "no quantity \"%s\"", shown(esc, sizeof(esc), name));
		return CAL_ERR_NOTFOUND;
	}
	rc = read_one(&vi, qi, fn, start, regs, n_regs);
	if (rc == CAL_OK)
		rc = read_one(&vf, qf, fn, start, regs, n_regs);
	if (rc != CAL_OK)
		return rc;
	*out = vi + vf;
	return CAL_OK;
}

/* ---- register notation ----------------------------------------------------------- */

/*
 * The whole of s as an unsigned number of 1..digits_max digits in @base
 * (10 or 16). digits_max <= 8 keeps the value within a long.
 */
static bool parse_digits(long *out, const char *s, int base, size_t digits_max)
{
	size_t n = 0;
	long v = 0;

	for (; s[n]; n++) {
		char c = s[n];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		if (n == digits_max)
			return false;
		v = v * base + d;
	}
	*out = v;
	return n > 0;
}

static const struct {
	long first, last;
	enum cal_mb_function fn;
} modicon_ranges[] = {
	{ 30001, 39999, CAL_MB_INPUT },
	{ 40001, 49999, CAL_MB_HOLDING },
	{ 300001, 365536, CAL_MB_INPUT },
	{ 400001, 465536, CAL_MB_HOLDING },
};

static int modicon(uint16_t *addr, enum cal_mb_function *fn, long reg)
{
	for (size_t i = 0; i < N_OF(modicon_ranges); i++) {
		if (reg >= modicon_ranges[i].first && reg <= modicon_ranges[i].last) {
			*addr = (uint16_t)(reg - modicon_ranges[i].first);
			*fn = modicon_ranges[i].fn;
			return CAL_OK;
		}
	}
	return cal_error_set(CAL_ERR_RANGE,
			     "%ld is not a Modicon register number (30001..39999, 40001..49999, "
			     "300001..365536, 400001..465536)",
			     reg);
}

int cal_mb_address_from_register(uint16_t *addr, long reg, enum cal_mb_numbering numbering)
{
	enum cal_mb_function fn;

	if (!addr)
		return cal_error_set(CAL_ERR_ARG, "cal_mb_address_from_register: addr is NULL");
	*addr = 0;
	switch (numbering) {
	case CAL_MB_ZERO_BASED:
		if (reg < 0 || reg > 65535)
			return cal_error_set(CAL_ERR_RANGE, "address %ld is not in 0..65535", reg);
		*addr = (uint16_t)reg;
		return CAL_OK;
	case CAL_MB_ONE_BASED:
		if (reg < 1 || reg > 65536)
			return cal_error_set(CAL_ERR_RANGE, "register %ld is not in 1..65536", reg);
		*addr = (uint16_t)(reg - 1);
		return CAL_OK;
	case CAL_MB_MODICON:
		return modicon(addr, &fn, reg);
	}
	return cal_error_set(CAL_ERR_ARG, "unknown register numbering %d", (int)numbering);
}

/* addr:N, addr:0xH, 0xH: the 0-based address. */
static int zero_based(uint16_t *addr, const char *s)
{
	long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!parse_digits(&v, s + 2, 16, 8))
			return CAL_ERR_ARG;
	} else if (!parse_digits(&v, s, 10, 8)) {
		return CAL_ERR_ARG;
	}
	return cal_mb_address_from_register(addr, v, CAL_MB_ZERO_BASED);
}

/*
 * The forms of the notation. CAL_ERR_ARG without a message when the text is
 * none of them; CAL_ERR_RANGE with one when the number is out of range.
 */
static int parse_form(uint16_t *addr, enum cal_mb_function *fn, const char *t)
{
	size_t len = strlen(t);
	long v;

	if ((t[0] == '3' || t[0] == '4') && t[1] == ':') {
		if (!parse_digits(&v, t + 2, 10, 6))
			return CAL_ERR_ARG;
		*fn = t[0] == '4' ? CAL_MB_HOLDING : CAL_MB_INPUT;
		return cal_mb_address_from_register(addr, v, CAL_MB_ONE_BASED);
	}
	if (strncasecmp(t, "reg:", 4) == 0) {
		if (!parse_digits(&v, t + 4, 10, 6))
			return CAL_ERR_ARG;
		return cal_mb_address_from_register(addr, v, CAL_MB_ONE_BASED);
	}
	if (strncasecmp(t, "addr:", 5) == 0)
		return zero_based(addr, t + 5);
	if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
		return zero_based(addr, t);
	if ((len == 5 || len == 6) && (t[0] == '3' || t[0] == '4') && parse_digits(&v, t, 10, 6))
		return modicon(addr, fn, v);
	return CAL_ERR_ARG;
}

int cal_mb_register_parse(uint16_t *addr, enum cal_mb_function *fn, const char *text)
{
	enum cal_mb_function f = CAL_MB_FN_NONE;
	char esc[64];
	long v;
	int rc;

	if (fn)
		*fn = CAL_MB_FN_NONE;
	if (!addr || !text)
		return cal_error_set(CAL_ERR_ARG, "cal_mb_register_parse: NULL argument");
	*addr = 0;
	rc = parse_form(addr, &f, text);
	if (rc == CAL_OK) {
		if (fn)
			*fn = f;
		return CAL_OK;
	}
	*addr = 0;
	shown(esc, sizeof(esc), text);
	if (rc == CAL_ERR_RANGE)
		return cal_error_prefix(CAL_ERR_ARG, "Modbus register \"%s\": ", esc);
	if (parse_digits(&v, text, 10, 8)) {
		size_t len = strlen(text);

		if ((len == 5 || len == 6) && (text[0] == '0' || text[0] == '1'))
			return cal_error_set(
				CAL_ERR_ARG,
				"Modbus register \"%s\": 0xxxx and 1xxxx are coils and "
				"discrete inputs, not registers",
				esc);
		return cal_error_set(CAL_ERR_ARG,
				     "Modbus register \"%s\" is ambiguous: write reg:%s for a "
				     "1-based register number or addr:%s for the 0-based address",
				     esc, esc, esc);
	}
	return cal_error_set(CAL_ERR_ARG,
			     "Modbus register \"%s\": not 4:NNNNN, 3:NNNNN, 4NNNN(N), 3NNNN(N), "
			     "reg:N (1..65536), addr:N or 0xHHHH (0..65535)",
			     esc);
}
