/*
 * Registers: instruments under test and reference standards.
 *
 * Both are added non-interactively, from flags or from a YAML file whose
 * keys are the flag names (one mapping, or a list under 'instruments:' /
 * 'standards:'). Flags and files go through the same field table, so a
 * value is checked the same way wherever it comes from, and a message names
 * the flag, or the file, line and field.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "cal/units.h"
#include "cal/water.h"
#include "cal/describe.h"
#include "cal/due.h"
#include "cli.h"
#include "yamlx.h"

#define MAX_FIELDS 24

struct field {
	const char *name;
	const char *value; /* NULL when not given */
	int line;	   /* line in the file, 0 for a flag */
	char buf[256];	   /* storage for values read from a file */
};

struct fields {
	struct field f[MAX_FIELDS];
	size_t n;
	const char *file;  /* NULL for flags */
	struct cal_db *db; /* instruments: where the intervals per type are (NULL: none) */
};

static void fields_init(struct fields *fs, const char *const *names)
{
	memset(fs, 0, sizeof(*fs));
	for (; *names && fs->n < MAX_FIELDS; names++)
		fs->f[fs->n++].name = *names;
}

static struct field *field(struct fields *fs, const char *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].name, name) == 0)
			return &fs->f[i];
	return NULL;
}

/* Error about one field: "--max: ..." or "file.yaml:7: max: ...". */
static int field_err(const struct fields *fs, const struct field *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int field_err(const struct fields *fs, const struct field *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fs->file)
		return cal_error_set(CAL_ERR_ARG, "%s:%d: %s: %s", fs->file, f->line, f->name, msg);
	return cal_error_set(CAL_ERR_ARG, "--%s: %s", f->name, msg);
}

static int get_str(char *out, size_t size, struct fields *fs, const char *name, bool required)
{
	struct field *f = field(fs, name);

	out[0] = '\0';
	if (!f->value || !f->value[0]) {
		if (!required)
			return CAL_OK;
		if (fs->file)
			return cal_error_set(CAL_ERR_ARG, "%s:%d: missing field '%s'", fs->file,
					     f->line, name);
		return cal_error_set(CAL_ERR_ARG, "missing --%s", name);
	}
	if (strlen(f->value) >= size)
		return field_err(fs, f, "too long (at most %zu characters)", size - 1);
	memcpy(out, f->value, strlen(f->value) + 1);
	return CAL_OK;
}

static const char *quantity_name(enum cal_quantity q)
{
	switch (q) {
	case CAL_Q_MASS:
		return "mass";
	case CAL_Q_PRESSURE:
		return "pressure";
	case CAL_Q_VOLUME:
		return "volume";
	case CAL_Q_FLOW:
		return "volume flow";
	default:
		return "that quantity";
	}
}

/* Drop the binary noise of a unit conversion (0.12 g -> 0.00012 kg exactly as typed). */
/*
 * A quantity: a number with an optional unit symbol ("30", "30 kg", "0.1mg").
 * @unit: the unit to convert to. @need_unit: a bare number is refused.
 */
static int get_qty(double *out, struct fields *fs, const char *name, enum cal_unit unit,
		   bool need_unit, bool required, double dflt)
{
	struct field *f = field(fs, name);
	char num[64];
	const char *sym;
	size_t len;
	enum cal_unit u = unit;
	double v;

	*out = dflt;
	if (!f->value || !f->value[0])
		return required ? get_str(num, sizeof(num), fs, name, true) : CAL_OK;
	sym = f->value;
	while (*sym && (strchr("+-.0123456789eE", *sym)))
		sym++;
	len = (size_t)(sym - f->value);
	if (len == 0 || len >= sizeof(num))
		return field_err(fs, f, "'%s' is not a number", f->value);
	memcpy(num, f->value, len);
	num[len] = '\0';
	while (*sym == ' ')
		sym++;
	if (cal_num_parse_str(&v, NULL, num) || !isfinite(v))
		return field_err(fs, f, "'%s' is not a number ('.' is the decimal point)",
				 f->value);
	if (*sym) {
		if (cal_unit_parse(&u, sym))
			return field_err(fs, f, "'%s': unknown unit '%s'", f->value, sym);
		if (cal_unit_quantity(u) != cal_unit_quantity(unit))
			return field_err(fs, f, "'%s': '%s' is not a unit of %s", f->value, sym,
					 quantity_name(cal_unit_quantity(unit)));
	} else if (need_unit) {
		return field_err(fs, f, "'%s': give the unit, e.g. %s kg or %s mg", f->value, num,
				 num);
	}
	*out = cal_num_round_sig(v * cal_unit_si_factor(u) / cal_unit_si_factor(unit), 15);
	return CAL_OK;
}

static int get_num(double *out, struct fields *fs, const char *name, double dflt)
{
	struct field *f = field(fs, name);

	*out = dflt;
	if (!f->value || !f->value[0])
		return CAL_OK;
	if (cal_num_parse_str(out, NULL, f->value) || !isfinite(*out))
		return field_err(fs, f, "'%s' is not a number ('.' is the decimal point)",
				 f->value);
	return CAL_OK;
}

static int get_int(int *out, struct fields *fs, const char *name, int lo, int hi, int dflt)
{
	struct field *f = field(fs, name);
	double v;

	*out = dflt;
	if (!f->value || !f->value[0])
		return CAL_OK;
	if (cal_num_parse_str(&v, NULL, f->value) || v != floor(v) || v < lo || v > hi)
		return field_err(fs, f, "'%s' is not a whole number in %d..%d", f->value, lo, hi);
	*out = (int)v;
	return CAL_OK;
}

/* A percentage, "0.05" or "0.05 %": a number in 0..100. */
static int get_pct(double *out, struct fields *fs, const char *name)
{
	struct field *f = field(fs, name);
	const char *rest;
	size_t len;

	*out = 0;
	if (!f->value || !f->value[0])
		return CAL_OK;
	len = strcspn(f->value, " %");
	rest = f->value + len + strspn(f->value + len, " ");
	if (*rest == '%')
		rest++;
	if (*rest || cal_num_parse(out, NULL, f->value, len) || !isfinite(*out) || *out < 0 ||
	    *out > 100)
		return field_err(fs, f, "'%s' is not a percentage 0..100 (e.g. 0.05 for 0.05 %%)",
				 f->value);
	return CAL_OK;
}

/* A number in s[0..len), spaces around it allowed. */
static int num_in(double *out, const char *s, size_t len)
{
	while (len && *s == ' ')
		s++, len--;
	while (len && s[len - 1] == ' ')
		len--;
	return cal_num_parse(out, NULL, s, len) || !isfinite(*out) ? CAL_ERR_ARG : CAL_OK;
}

/* A range "LO..HI" (e.g. "0..20", "-1..20") in @unit, LO < HI; required. */
static int get_range(double *lo, double *hi, struct fields *fs, const char *name, const char *unit)
{
	struct field *f = field(fs, name);
	const char *dots;
	char none[8];

	*lo = *hi = 0;
	if (!f->value || !f->value[0])
		return get_str(none, sizeof(none), fs, name, true);
	dots = strstr(f->value, "..");
	if (!dots || num_in(lo, f->value, (size_t)(dots - f->value)) ||
	    num_in(hi, dots + 2, strlen(dots + 2)))
		return field_err(fs, f, "'%s' is not a range LO..HI in %s (e.g. 0..20 or -1..20)",
				 f->value, unit);
	if (!(*hi > *lo))
		return field_err(fs, f, "'%s': the upper end must be above the lower", f->value);
	return CAL_OK;
}

/* Refuse the first of @names that is given: it does not belong to this entry. */
static int refuse(struct fields *fs, const char *const *names, const char *why)
{
	for (; *names; names++) {
		struct field *f = field(fs, *names);

		if (f->value && f->value[0])
			return field_err(fs, f, "%s", why);
	}
	return CAL_OK;
}

/* ---- files ---------------------------------------------------------------- */

/* Fill @fs from one YAML mapping. */
static int fields_from_node(struct fields *fs, struct fy_node *m, const char *file,
			    const char *where)
{
	const char *known[MAX_FIELDS + 1];
	int err;

	for (size_t i = 0; i < fs->n; i++)
		known[i] = fs->f[i].name;
	known[fs->n] = NULL;
	fs->file = file;
	if (!fy_node_is_mapping(m))
		return cal_error_set(CAL_ERR_ARG, "%s:%d: %s must be a mapping of fields", file,
				     yamlx_line(m), where);
	err = yamlx_known_keys(m, known, file, where);
	if (err)
		return err;
	for (size_t i = 0; i < fs->n; i++) {
		struct fy_node *n = yamlx_get(m, fs->f[i].name);

		fs->f[i].line = yamlx_line(m);
		if (!n)
			continue;
		fs->f[i].line = yamlx_line(n);
		err = yamlx_str(fs->f[i].buf, sizeof(fs->f[i].buf), n, file, fs->f[i].name);
		if (err)
			return err;
		fs->f[i].value = fs->f[i].buf;
	}
	return CAL_OK;
}

typedef int (*add_fn)(struct cal_db *db, struct fields *fs, char *id, size_t idsize);

/* Append "added WHAT ID\n" to *buf. */
static int note_added(char **buf, size_t *len, const char *what, const char *id, size_t *count)
{
	size_t n = strlen(what) + strlen(id) + 9;
	char *p = realloc(*buf, *len + n);

	if (!p)
		return cal_error_set(CAL_ERR_NOMEM, "out of memory");
	*buf = p;
	*len += (size_t)snprintf(p + *len, n, "added %s %s\n", what, id);
	(*count)++;
	return CAL_OK;
}

/* Add every entry of a file: a mapping, or a list under @list_key. One transaction. */
static int add_from_file(struct cal_db *db, const char *path, const char *list_key,
			 const char *const *names, add_fn add, const char *what)
{
	char *text = NULL;
	size_t len, count = 0;
	struct fy_document *doc = NULL;
	struct fy_node *root, *list;
	struct fields fs;
	char id[64];
	char *added = NULL; /* "added ... ID" lines, printed after the commit */
	size_t added_len = 0;
	int err;

	err = yamlx_read_file(&text, &len, path);
	if (!err)
		err = yamlx_parse(&doc, text, len, path);
	if (err)
		goto out;
	root = fy_document_root(doc);
	if (!root || !fy_node_is_mapping(root)) {
		err = cal_error_set(CAL_ERR_ARG, "%s: expected a mapping of fields or '%s:' list",
				    path, list_key);
		goto out;
	}
	err = cal_db_begin(db);
	if (err)
		goto out;
	list = yamlx_get(root, list_key);
	if (list) {
		struct fy_node *item;
		void *it = NULL;
		size_t i = 0;

		if (!fy_node_is_sequence(list)) {
			err = cal_error_set(CAL_ERR_ARG, "%s:%d: '%s' must be a list", path,
					    yamlx_line(list), list_key);
		}
		while (!err && (item = fy_node_sequence_iterate(list, &it)) != NULL) {
			char where[64];

			snprintf(where, sizeof(where), "%s[%zu]", list_key, i++);
			fields_init(&fs, names);
			err = fields_from_node(&fs, item, path, where);
			if (!err)
				err = add(db, &fs, id, sizeof(id));
			if (!err)
				err = note_added(&added, &added_len, what, id, &count);
		}
	} else {
		fields_init(&fs, names);
		err = fields_from_node(&fs, root, path, "file");
		if (!err)
			err = add(db, &fs, id, sizeof(id));
		if (!err)
			err = note_added(&added, &added_len, what, id, &count);
	}
	if (err) {
		/* Keep the message of the failing entry. */
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", cal_error_last());
		cal_db_end(db, err);
		cal_error_set(err, "%s (nothing from %s was added)", msg, path);
	} else {
		err = cal_db_end(db, count ? CAL_OK
					   : cal_error_set(CAL_ERR_ARG, "%s: no %s in the file",
							   path, what));
		/* Said only once committed: a rolled-back entry was never added. */
		if (!err && added)
			fputs(added, stdout);
	}
out:
	free(added);
	fy_document_destroy(doc);
	free(text);
	return err;
}

/* Run an add from flags or from --file. */
static int add_command(struct cli *cli, int argc, char **argv, const char *cmd,
		       const char *const *names, const char *list_key, add_fn add, const char *what)
{
	struct fields fs;
	struct cli_opt opts[MAX_FIELDS + 2];
	const char *file = NULL, *pos[1];
	struct cal_db *db = NULL;
	char id[64];
	int npos, rc, err;
	size_t k = 0;

	fields_init(&fs, names);
	for (size_t i = 0; i < fs.n; i++)
		opts[k++] = (struct cli_opt){ fs.f[i].name, true, &fs.f[i].value, NULL };
	opts[k++] = (struct cli_opt){ "file", true, &file, NULL };
	opts[k] = (struct cli_opt){ NULL, false, NULL, NULL };
	rc = cli_parse(argc, argv, 2, opts, pos, 0, &npos, cmd);
	if (rc)
		return rc;
	for (size_t i = 0; file && i < fs.n; i++)
		if (fs.f[i].value)
			return cli_usage(cmd,
					 "%s add: give fields either as flags or in --file, "
					 "not both",
					 cmd);
	rc = cli_open_db(&db, cli, true);
	if (rc)
		return rc;
	if (file) {
		err = add_from_file(db, file, list_key, names, add, what);
	} else {
		err = add(db, &fs, id, sizeof(id));
		if (!err)
			printf("added %s %s\n", what, id);
	}
	cal_db_close(db);
	return err ? cli_fail(err, NULL) : CLI_OK;
}

/* ---- instruments ------------------------------------------------------------ */

static const char *const instrument_fields[] = {
	"id",	    "type", "manufacturer", "model",	   "serial",   "owner",
	"class",    "unit", "max",	    "min",	   "e",	       "d",
	"interval", "kind", "lower",	    "mpe-reading", "mpe-span", "mpe-digits",
	"q3",	    "r",    "qmax",	    "qmin",	   "mmq",      NULL,
};

/* Instrument kinds (struct cal_instrument.kind); "" is a v1/v2 entry, read as nawi. */
enum ikind { K_NONE, K_NAWI, K_BOURDON, K_DIGITAL, K_TRANSMITTER, K_WATER, K_FLOW, K_FUEL };
static const char *const ikind_names[] = {
	"",
	"nawi",
	"bourdon-gauge",
	"digital-gauge",
	"transmitter",
	"water-meter",
	"flow-meter",
	"fuel-dispenser",
	NULL,
};

static const char *const mpe_fields[] = { "mpe-reading", "mpe-span", "mpe-digits", NULL };
static const char *const scale_fields[] = { "lower", "mpe-reading", "mpe-span", "mpe-digits",
					    NULL };
static const char *const r76_fields[] = { "min", "e", NULL };
static const char *const water_fields[] = { "q3", "r", NULL };
static const char *const flow_fields[] = { "qmax", "qmin", "mmq", NULL };

/*
 * The instrument's own interval. Without one, the intervals table decides at
 * issue (0 stored) when it has a row in force today for the type
 * (docs/due.md); otherwise the interval must be given.
 */
static int get_interval(int *out, struct fields *fs)
{
	struct field *f = field(fs, "interval");
	struct field *type = field(fs, "type");
	int err, months = 0;
	char today[11];

	if (fs->db && (!f->value || !f->value[0]) && type && type->value && type->value[0]) {
		cli_today(today);
		if (cal_db_interval_for(&months, NULL, fs->db, type->value, today) == CAL_OK &&
		    months > 0) {
			*out = 0;
			return CAL_OK;
		}
		cal_error_clear();
	}
	err = get_int(out, fs, "interval", 0, 240, 0);
	if (!err && *out < 1)
		return field_err(fs, f,
				 "give the verification interval in months, 1..240 (e.g. 12), or "
				 "set one for the type with `calbench interval set`: a certificate "
				 "needs a validity date");
	return err;
}

/*
 * A pressure gauge or transmitter: scale lower..max in a pressure unit, the
 * resolution d as read, and what its MPE follows from: the EN 837-1 class
 * (Bourdon), the terms a·|p| + b·span + n·d (digital), the accuracy class in
 * % of span (transmitter, 4-20 mA output).
 */
static int gauge_from_fields(struct cal_instrument *in, struct fields *fs, enum ikind kind)
{
	struct field *cls = field(fs, "class");
	char unit[32], why[256];
	enum cal_unit u;
	double span, v;
	int digits, err;

	if ((err = get_str(unit, sizeof(unit), fs, "unit", true)))
		return err;
	if (cal_unit_parse(&u, unit))
		return field_err(fs, field(fs, "unit"), "unknown unit '%s'", unit);
	if (cal_unit_quantity(u) != CAL_Q_PRESSURE)
		return field_err(fs, field(fs, "unit"),
				 "'%s' is not a unit of pressure (a %s reads pressure: bar, kPa, "
				 "MPa, psi, ...)",
				 unit, in->kind);
	if (strlen(cal_unit_symbol(u)) >= sizeof(in->unit))
		return field_err(fs, field(fs, "unit"),
				 "'%s' is too long for the register: give the scale in another "
				 "unit",
				 unit);
	snprintf(in->unit, sizeof(in->unit), "%s", cal_unit_symbol(u));
	if ((err = refuse(fs, r76_fields,
			  "an OIML R 76 field: a pressure instrument has a scale lower..max "
			  "and a resolution d")) ||
	    (err = refuse(fs, water_fields, "only for a water meter (kind water-meter)")) ||
	    (err = refuse(fs, flow_fields,
			  "only for a flow meter or a fuel dispenser (kind flow-meter, "
			  "fuel-dispenser)")) ||
	    (err = get_qty(&in->max, fs, "max", u, false, true, 0)) ||
	    (err = get_qty(&in->scale_lo, fs, "lower", u, false, false, 0)) ||
	    (err = get_qty(&in->d, fs, "d", u, false, false, 0)) ||
	    (err = get_pct(&in->mpe_pct_reading, fs, "mpe-reading")) ||
	    (err = get_pct(&in->mpe_pct_span, fs, "mpe-span")) ||
	    (err = get_int(&digits, fs, "mpe-digits", 0, 1000, 0)) ||
	    (err = get_interval(&in->interval_months, fs)))
		return err;
	in->mpe_digits = digits;
	span = in->max - in->scale_lo;
	if (!(span > 0))
		return field_err(fs, field(fs, "max"),
				 "the upper scale value %g %s is not above the lower scale value "
				 "%g %s",
				 in->max, in->unit, in->scale_lo, in->unit);
	if (in->max < 0)
		return field_err(fs, field(fs, "max"),
				 "the upper scale value %g %s is below zero: the register takes "
				 "scales that reach 0 or above (a vacuum gauge: lower -1, max 0)",
				 in->max, in->unit);
	if (!(in->d > 0))
		return field_err(fs, field(fs, "d"),
				 "give the resolution d (the smallest scale division, or digit, "
				 "as read), > 0");
	if (in->d > span)
		return field_err(fs, field(fs, "d"), "d = %g %s is larger than the span %g %s",
				 in->d, in->unit, span, in->unit);
	in->e = in->d;
	switch (kind) {
	case K_BOURDON:
		if ((err = refuse(fs, mpe_fields,
				  "a Bourdon gauge's MPE follows from its EN 837-1 class: give "
				  "class only")))
			return err;
		if (!in->accuracy_class[0])
			return field_err(fs, cls,
					 "a bourdon-gauge needs its EN 837-1 accuracy class (0.1, "
					 "0.25, 0.6, 1, 1.6, 2.5, 4)");
		if (cal_en837_class_parse(&v, in->accuracy_class)) {
			snprintf(why, sizeof(why), "%s", cal_error_last());
			cal_error_clear();
			return field_err(fs, cls, "%s", why);
		}
		/* stored as EN 837-1 writes it: "1.0" is class 1 */
		cal_num_format_g(in->accuracy_class, sizeof(in->accuracy_class), v);
		break;
	case K_DIGITAL:
		if (!(in->mpe_pct_reading > 0 || in->mpe_pct_span > 0 || in->mpe_digits > 0))
			return field_err(fs, field(fs, "mpe-span"),
					 "a digital-gauge needs its MPE a·|p| + b·span + n·d: "
					 "give mpe-reading (a, %% of reading), mpe-span (b, %% of "
					 "span) and/or mpe-digits (n), at least one > 0");
		break;
	default: /* K_TRANSMITTER */
		if ((err = refuse(fs, mpe_fields,
				  "a transmitter's accuracy is its class, in % of span")))
			return err;
		if ((err = get_pct(&v, fs, "class")))
			return err;
		if (!(v > 0))
			return field_err(fs, cls,
					 "a transmitter (4-20 mA output) needs its accuracy class "
					 "in %% of span, a number > 0 (e.g. 0.25)");
		in->mpe_pct_span = v;
		cal_num_format_g(in->accuracy_class, sizeof(in->accuracy_class), v);
		break;
	}
	return CAL_OK;
}

/* The message of the last error without the "water meter: " of cal/water.h. */
static void water_why(char *buf, size_t size)
{
	const char *why = cal_error_last();
	static const char prefix[] = "water meter: ";

	if (strncmp(why, prefix, sizeof(prefix) - 1) == 0)
		why += sizeof(prefix) - 1;
	snprintf(buf, size, "%s", why);
	cal_error_clear();
}

/*
 * A water meter: its accuracy class, 1 or 2 (OIML R 49, rated by Q3 and
 * R = Q3/Q1) or A-D (ISO 4064-1:1993, rated by Qn, given as q3, no R); q3 in
 * m3/h (or with a flow unit); the unit its register counts (a volume) and the
 * register's verification scale interval d in it. Max is optional: the
 * largest indication of the register before it returns to zero (0 = not
 * given). e is d; Min is not used. (The caller refused the pressure fields.)
 */
static int water_from_fields(struct cal_instrument *in, struct fields *fs)
{
	struct field *cls_f = field(fs, "class"), *q3_f = field(fs, "q3"), *r_f = field(fs, "r");
	struct cal_wm_meter m;
	enum cal_wm_class cls;
	char unit[32], why[400];
	enum cal_unit u;
	bool old;
	int err;

	if ((err = refuse(fs, r76_fields,
			  "an OIML R 76 field: a water meter has a register with a verification "
			  "scale interval d")) ||
	    (err = refuse(fs, flow_fields,
			  "only for a flow meter or a fuel dispenser: a water meter is rated by "
			  "q3 and r")))
		return err;
	if (!in->accuracy_class[0])
		return field_err(fs, cls_f,
				 "a water meter needs its accuracy class: 1 or 2 (OIML R 49), or "
				 "A, B, C, D (ISO 4064-1:1993)");
	if (cal_wm_class_parse(&cls, in->accuracy_class)) {
		water_why(why, sizeof(why));
		return field_err(fs, cls_f, "%s", why);
	}
	old = cls >= CAL_WM_CLASS_A;
	/* stored as the standards write it: "b" is class B */
	snprintf(in->accuracy_class, sizeof(in->accuracy_class), "%s", cal_wm_class_name(cls));
	if ((err = get_str(unit, sizeof(unit), fs, "unit", true)))
		return err;
	if (cal_unit_parse(&u, unit))
		return field_err(fs, field(fs, "unit"), "unknown unit '%s'", unit);
	if (cal_unit_quantity(u) != CAL_Q_VOLUME)
		return field_err(fs, field(fs, "unit"),
				 "'%s' is not a unit of volume (a water meter's register counts "
				 "m3 or L)",
				 unit);
	snprintf(in->unit, sizeof(in->unit), "%s", cal_unit_symbol(u));
	if ((err = get_qty(&in->flow_q3, fs, "q3", CAL_UNIT_M3_H, false, true, 0)) ||
	    (err = get_num(&in->ratio_r, fs, "r", 0)) ||
	    (err = get_qty(&in->d, fs, "d", u, false, false, 0)) ||
	    (err = get_qty(&in->max, fs, "max", u, false, false, 0)) ||
	    (err = get_interval(&in->interval_months, fs)))
		return err;
	if (!(in->flow_q3 > 0))
		return field_err(fs, q3_f,
				 "%s must be > 0, in m3/h or with its unit (e.g. 2.5 m3/h)",
				 old ? "Qn" : "Q3");
	if (old) {
		if (r_f->value && r_f->value[0])
			return field_err(
				fs, r_f,
				"a class %s meter (ISO 4064-1:1993) is rated by Qn alone: "
				"give Qn as q3, and no R (R = Q3/Q1 is for classes 1 and 2)",
				in->accuracy_class);
		err = cal_wm_meter_qn(&m, cls, in->flow_q3, NULL);
	} else {
		if (!r_f->value || !r_f->value[0])
			return field_err(fs, r_f,
					 "a class %s water meter needs R = Q3/Q1 from its marking "
					 "(e.g. 100 for R100)",
					 in->accuracy_class);
		err = cal_wm_meter_r49(&m, cls, in->flow_q3, in->ratio_r, NULL);
	}
	if (err) {
		/* Q3 > 0 is checked: for 1 and 2 it is R, for A-D the Qn of the class */
		water_why(why, sizeof(why));
		return field_err(fs, old ? q3_f : r_f, "%s", why);
	}
	if (!(in->d > 0))
		return field_err(fs, field(fs, "d"),
				 "give the verification scale interval d of the register (e.g. "
				 "0.05 L), > 0");
	if (in->max < 0 || (in->max > 0 && in->max <= in->d))
		return field_err(fs, field(fs, "max"),
				 "the largest indication of the register must be above d = %s %s "
				 "(or leave max out)",
				 cal_doc_sig(why, sizeof(why), in->d), in->unit);
	in->e = in->d;
	return CAL_OK;
}

/*
 * A flow meter (calibrated against a master meter or a weighing tank) or a
 * fuel dispenser (verified per OIML R 117): the unit its register or display
 * counts (a volume) and d in it; Qmax (and Qmin) with a flow unit or in m3/h.
 * A flow meter carries the accuracy its maker specifies (mpe-reading, % of
 * reading); a dispenser its R 117 class and minimum measured quantity.
 */
static int flow_from_fields(struct cal_instrument *in, struct fields *fs, enum ikind kind)
{
	struct field *cls_f = field(fs, "class");
	double qmin, cls, mmq_l;
	char unit[32], why[256];
	enum cal_unit u;
	int err;

	if ((err = refuse(fs, r76_fields,
			  "an OIML R 76 field: give the register's interval d (and mmq for a "
			  "dispenser)")) ||
	    (err = refuse(fs, water_fields, "only for a water meter (kind water-meter)")) ||
	    (err = get_str(unit, sizeof(unit), fs, "unit", true)))
		return err;
	if (cal_unit_parse(&u, unit) || cal_unit_quantity(u) != CAL_Q_VOLUME)
		return field_err(fs, field(fs, "unit"),
				 "'%s' is not a unit of volume (the %s counts m3, L or mL)", unit,
				 kind == K_FUEL ? "dispenser" : "meter's register");
	snprintf(in->unit, sizeof(in->unit), "%s", cal_unit_symbol(u));
	if ((err = get_qty(&in->flow_q3, fs, "qmax", CAL_UNIT_M3_H, false, true, 0)) ||
	    (err = get_qty(&qmin, fs, "qmin", CAL_UNIT_M3_H, false, kind == K_FUEL, 0)) ||
	    (err = get_qty(&in->d, fs, "d", u, false, true, 0)) ||
	    (err = get_interval(&in->interval_months, fs)))
		return err;
	if (!(in->flow_q3 > 0))
		return field_err(fs, field(fs, "qmax"), "must be > 0 (e.g. 40 L/min, 10 m3/h)");
	if (qmin < 0 || (qmin > 0 && !(qmin < in->flow_q3)))
		return field_err(fs, field(fs, "qmin"), "must be > 0 and below Qmax");
	in->ratio_r = qmin > 0 ? cal_num_round_sig(in->flow_q3 / qmin, 12) : 0;
	if (!(in->d > 0))
		return field_err(fs, field(fs, "d"), "give the interval d of the %s, > 0",
				 kind == K_FUEL ? "display (e.g. 0.01 L)" : "register");
	in->e = in->d;
	if (kind == K_FLOW) {
		if ((err = get_pct(&in->mpe_pct_reading, fs, "mpe-reading")) ||
		    (err = refuse(fs,
				  (const char *const[]){ "mmq", "mpe-span", "mpe-digits", NULL },
				  "not a field of a flow meter")))
			return err;
		if (!(in->mpe_pct_reading > 0))
			return field_err(fs, field(fs, "mpe-reading"),
					 "a flow meter needs the accuracy its maker specifies, %% "
					 "of reading (e.g. 0.5): its calibration states conformity "
					 "with it");
		return CAL_OK;
	}
	if ((err = refuse(fs, scale_fields, "not a field of a fuel dispenser")) ||
	    (err = get_qty(&in->min, fs, "mmq", u, false, true, 0)))
		return err;
	if (cal_num_parse_str(&cls, NULL, in->accuracy_class) ||
	    cal_r117_emin(&mmq_l, cls, 2) != CAL_OK) {
		cal_error_clear();
		return field_err(fs, cls_f,
				 "'%s' is not an OIML R 117 accuracy class: 0.3, 0.5 (fuel "
				 "dispensers), 1.0, 1.5, 2.5",
				 in->accuracy_class);
	}
	mmq_l = in->min * cal_unit_si_factor(u) * 1e3;
	if (!(mmq_l > 0))
		return field_err(fs, field(fs, "mmq"),
				 "give the minimum measured quantity (e.g. 2 L), > 0");
	if (mmq_l >= 2 &&
	    cal_r117_check_interval(cls, mmq_l, in->d * cal_unit_si_factor(u) * 1e3) != CAL_OK) {
		snprintf(why, sizeof(why), "%s", cal_error_last());
		return field_err(fs, field(fs, "d"), "%s", why);
	}
	cal_error_clear();
	return CAL_OK;
}

/* The field an R 76 check message is about: "... Min = ..." is --min, and so on. */
static const char *r76_field(const char *why)
{
	if (strstr(why, "Min = "))
		return "min";
	if (strstr(why, ": d = "))
		return "d";
	if (strstr(why, "Max "))
		return "max";
	return "e";
}

static int instrument_from_fields(struct cal_instrument *in, struct fields *fs)
{
	enum cal_r76_class cls;
	enum cal_unit u;
	enum ikind kind = K_NONE;
	int err;

	memset(in, 0, sizeof(*in));
	if ((err = get_str(in->id, sizeof(in->id), fs, "id", true)) ||
	    (err = get_str(in->type, sizeof(in->type), fs, "type", true)) ||
	    (err = get_str(in->manufacturer, sizeof(in->manufacturer), fs, "manufacturer",
			   false)) ||
	    (err = get_str(in->model, sizeof(in->model), fs, "model", false)) ||
	    (err = get_str(in->serial, sizeof(in->serial), fs, "serial", true)) ||
	    (err = get_str(in->owner, sizeof(in->owner), fs, "owner", false)) ||
	    (err = get_str(in->accuracy_class, sizeof(in->accuracy_class), fs, "class", false)) ||
	    (err = get_str(in->kind, sizeof(in->kind), fs, "kind", false)))
		return err;
	while (ikind_names[kind] && strcmp(ikind_names[kind], in->kind) != 0)
		kind++;
	if (!ikind_names[kind])
		return field_err(fs, field(fs, "kind"),
				 "'%s' is not nawi, bourdon-gauge, digital-gauge or transmitter "
				 "(4-20 mA output), nor water-meter, flow-meter or fuel-dispenser",
				 in->kind);
	if (kind >= K_BOURDON && kind <= K_TRANSMITTER)
		return gauge_from_fields(in, fs, kind);
	if (kind == K_FLOW || kind == K_FUEL)
		return flow_from_fields(in, fs, kind);
	if ((err = refuse(fs, scale_fields,
			  "only for a pressure instrument (kind bourdon-gauge, digital-gauge or "
			  "transmitter)")))
		return err;
	if (kind == K_WATER)
		return water_from_fields(in, fs);
	if ((err = refuse(fs, water_fields, "only for a water meter (kind water-meter)")) ||
	    (err = refuse(fs, flow_fields,
			  "only for a flow meter or a fuel dispenser (kind flow-meter, "
			  "fuel-dispenser)")) ||
	    (err = get_str(in->unit, sizeof(in->unit), fs, "unit", false)))
		return err;
	if (!in->unit[0])
		snprintf(in->unit, sizeof(in->unit), "g");
	if (cal_unit_parse(&u, in->unit))
		return field_err(fs, field(fs, "unit"), "unknown unit '%s'", in->unit);
	if (kind == K_NAWI && cal_unit_quantity(u) != CAL_Q_MASS)
		return field_err(fs, field(fs, "unit"),
				 "'%s' is not a unit of mass (a nawi weighs)", in->unit);
	if ((err = get_qty(&in->max, fs, "max", u, false, true, 0)) ||
	    (err = get_qty(&in->min, fs, "min", u, false, false, 0)) ||
	    (err = get_qty(&in->e, fs, "e", u, false, false, 0)) ||
	    (err = get_qty(&in->d, fs, "d", u, false, false, 0)) ||
	    (err = get_interval(&in->interval_months, fs)))
		return err;
	if (!(in->max > 0))
		return field_err(fs, field(fs, "max"), "must be positive");
	if (in->e < 0 || in->d < 0 || in->min < 0)
		return cal_error_set(CAL_ERR_ARG, "instrument %s: min, e and d cannot be negative",
				     in->id);
	if (!in->e)
		in->e = in->d;
	if (!in->d)
		in->d = in->e;
	if (in->e > in->max)
		return field_err(fs, field(fs, "e"), "e is larger than Max");
	if (cal_unit_quantity(u) == CAL_Q_MASS &&
	    cal_r76_class_parse(&cls, in->accuracy_class) != CAL_OK)
		return field_err(
			fs, field(fs, "class"),
			"'%s': a weighing instrument (unit %s) needs an OIML R 76 accuracy "
			"class: I, II, III or IIII",
			in->accuracy_class, in->unit);
	if (cal_r76_class_parse(&cls, in->accuracy_class) == CAL_OK) {
		double g = cal_unit_si_factor(u) * 1e3;
		char why[400];

		/* stored as R 76 writes it: "iii" is class III */
		snprintf(in->accuracy_class, sizeof(in->accuracy_class), "%s",
			 cal_r76_class_name(cls));
		/* A weighing instrument of an R 76 class: its marked data must fit R 76. */
		cal_error_clear();
		if (cal_unit_quantity(u) != CAL_Q_MASS)
			return field_err(fs, field(fs, "unit"),
					 "class %s is an OIML R 76 class: the unit must be a "
					 "unit of mass, not '%s'",
					 in->accuracy_class, in->unit);
		if (!(in->e > 0))
			return field_err(fs, field(fs, "e"),
					 "class %s is an OIML R 76 class: give e (and d)",
					 in->accuracy_class);
		if (cal_r76_check_instrument(cls, in->max * g, in->min * g, in->e * g, in->d * g)) {
			snprintf(why, sizeof(why), "%s", cal_error_last());
			return field_err(fs, field(fs, r76_field(why)), "%s", why);
		}
		if (!(in->min > 0)) {
			/* not marked: the Table 3 lower limit, which the plan's Min load uses */
			struct cal_r76_classification c;

			if (cal_r76_classify(&c, cls, in->max * g, in->e * g) == CAL_OK)
				in->min = cal_num_round_sig(c.min_load / g, 15);
			cal_error_clear();
		}
	}
	return CAL_OK;
}

static int instrument_add(struct cal_db *db, struct fields *fs, char *id, size_t idsize)
{
	struct cal_instrument in;
	int err;

	fs->db = db;
	err = instrument_from_fields(&in, fs);
	if (!err)
		err = cal_db_instrument_add(db, &in);
	snprintf(id, idsize, "%s", in.id);
	return err;
}

static void json_kv_str(const char *key, const char *v, bool comma)
{
	printf("%s\"%s\": ", comma ? ", " : "", key);
	cli_json_str(stdout, v);
}

static void json_kv_num(const char *key, double v, bool comma)
{
	printf("%s\"%s\": ", comma ? ", " : "", key);
	cli_json_num(stdout, v, -1);
}

/* "12 months", or the type's (an interval of 0: the intervals table decides). */
static const char *interval_text(const struct cal_instrument *in)
{
	static char buf[48];

	if (in->interval_months <= 0)
		return "of its type (calbench interval list)";
	snprintf(buf, sizeof(buf), "%d months", in->interval_months);
	return buf;
}

static bool is_water_meter(const struct cal_instrument *in)
{
	return strcmp(in->kind, "water-meter") == 0;
}

/* The register lines of a water meter: class, rating, register, flow rates. */
static void water_print(const struct cal_instrument *in)
{
	char rating[64], q[32], d[32], tmp[32], dl[48] = "", max[64] = "", flows[160];
	enum cal_wm_class cls;
	bool old = cal_wm_class_parse(&cls, in->accuracy_class) == CAL_OK && cls >= CAL_WM_CLASS_A;

	cal_error_clear();
	cal_doc_sig(q, sizeof(q), in->flow_q3);
	if (old)
		snprintf(rating, sizeof(rating), "(ISO 4064-1:1993), Qn %s m3/h", q);
	else
		snprintf(rating, sizeof(rating), "(OIML R 49), Q3 %s m3/h, R %g", q, in->ratio_r);
	cal_doc_sig(d, sizeof(d), in->d);
	if (strcmp(in->unit, "m3") == 0)
		snprintf(dl, sizeof(dl), " (%s L)", cal_doc_sig(tmp, sizeof(tmp), in->d * 1000));
	if (in->max > 0)
		snprintf(max, sizeof(max), ", register up to %s %s",
			 cal_doc_sig(tmp, sizeof(tmp), in->max), in->unit);
	cal_doc_water_flows_text(flows, sizeof(flows), in);
	printf("  kind water-meter, class %s %s, register in %s, d %s %s%s%s, interval %s\n  %s\n",
	       in->accuracy_class[0] ? in->accuracy_class : "-", rating, in->unit, d, in->unit, dl,
	       max, interval_text(in), flows);
}

/* A water meter in `instrument list`: the flow rates, R (classes 1 and 2), d. */
static void water_list_line(const struct cal_instrument *in)
{
	char flows[160], r[32] = "", d[32];

	cal_doc_water_flows_text(flows, sizeof(flows), in);
	if (in->ratio_r > 0)
		snprintf(r, sizeof(r), "R %g, ", in->ratio_r);
	printf("%-12s %-24s %-16s %-12s %-4s water-meter %s%s, d %s %s\n", in->id, in->type,
	       in->model, in->serial, in->accuracy_class, r, flows,
	       cal_doc_sig(d, sizeof(d), in->d), in->unit);
}

static bool is_flow_kind(const struct cal_instrument *in)
{
	return strcmp(in->kind, "flow-meter") == 0 || strcmp(in->kind, "fuel-dispenser") == 0;
}

/* A flow meter's or a dispenser's register lines. */
static void flow_print(const struct cal_instrument *in)
{
	char range[96], d[32], mmq[32];

	cal_doc_flow_range_text(range, sizeof(range), in);
	cal_doc_sig(d, sizeof(d), in->d);
	if (strcmp(in->kind, "flow-meter") == 0)
		printf("  kind flow-meter, %s, register in %s, d %s %s, accuracy %g %% of reading, "
		       "interval %s\n",
		       range, in->unit, d, in->unit, in->mpe_pct_reading, interval_text(in));
	else
		printf("  kind fuel-dispenser, OIML R 117 class %s, %s, MMQ %s %s, d %s %s, "
		       "interval %s\n",
		       in->accuracy_class, range, cal_doc_sig(mmq, sizeof(mmq), in->min), in->unit,
		       d, in->unit, interval_text(in));
}

static void instrument_json(const struct cal_instrument *in)
{
	json_kv_str("id", in->id, false);
	json_kv_str("type", in->type, true);
	json_kv_str("manufacturer", in->manufacturer, true);
	json_kv_str("model", in->model, true);
	json_kv_str("serial", in->serial, true);
	json_kv_str("owner", in->owner, true);
	json_kv_str("class", in->accuracy_class, true);
	json_kv_str("unit", in->unit, true);
	json_kv_num("max", in->max, true);
	json_kv_num("min", in->min, true);
	json_kv_num("e", in->e, true);
	json_kv_num("d", in->d, true);
	printf(", \"interval_months\": %d", in->interval_months);
	json_kv_str("kind", in->kind, true);
	json_kv_num("scale_lo", in->scale_lo, true);
	json_kv_num("mpe_pct_reading", in->mpe_pct_reading, true);
	json_kv_num("mpe_pct_span", in->mpe_pct_span, true);
	json_kv_num("mpe_digits", in->mpe_digits, true);
	json_kv_num("flow_q3", in->flow_q3, true);
	json_kv_num("ratio_r", in->ratio_r, true);
	if (is_water_meter(in)) {
		/* computed; null when the register data do not give them (Qmax of A-D) */
		struct cal_wm_meter m;
		bool ok = cal_doc_water_meter(&m, in);

		json_kv_num("q1_m3h", ok ? m.q1 : NAN, true);
		json_kv_num("q2_m3h", ok ? m.q2 : NAN, true);
		json_kv_num("q3_m3h", ok ? m.q3 : NAN, true);
		json_kv_num("q4_m3h", ok && m.q4 > 0 ? m.q4 : NAN, true);
	}
}

/* The register lines of a pressure instrument: scale, resolution, MPE. */
static void gauge_print(const struct cal_instrument *in)
{
	double span = in->max - in->scale_lo, mpe, cls;

	printf("  kind %s, class %s, scale %g..%g %s, d %g %s, interval %s\n", in->kind,
	       in->accuracy_class[0] ? in->accuracy_class : "-", in->scale_lo, in->max, in->unit,
	       in->d, in->unit, interval_text(in));
	if (strcmp(in->kind, "bourdon-gauge") == 0) {
		if (cal_en837_class_parse(&cls, in->accuracy_class) == CAL_OK &&
		    cal_en837_mpe(&mpe, cls, in->scale_lo, in->max) == CAL_OK)
			printf("  MPE %s %% of span = %g %s (EN 837-1)\n", in->accuracy_class, mpe,
			       in->unit);
	} else if (strcmp(in->kind, "digital-gauge") == 0) {
		fputs("  MPE", stdout);
		if (in->mpe_pct_reading > 0)
			printf(" %g %% of reading", in->mpe_pct_reading);
		if (in->mpe_pct_span > 0)
			printf("%s %g %% of span", in->mpe_pct_reading > 0 ? " +" : "",
			       in->mpe_pct_span);
		if (in->mpe_digits > 0)
			printf("%s %g digit(s) of %g %s",
			       in->mpe_pct_reading > 0 || in->mpe_pct_span > 0 ? " +" : "",
			       in->mpe_digits, in->d, in->unit);
		if (cal_digital_mpe(&mpe, in->mpe_pct_reading / 100, in->mpe_pct_span / 100,
				    in->mpe_digits, in->max, span, in->d) == CAL_OK)
			printf(" = %g %s at %g %s", cal_num_round_sig(mpe, 12), in->unit, in->max,
			       in->unit);
		fputs("\n", stdout);
	} else {
		printf("  output 4-20 mA over %g..%g %s, accuracy %g %% of span = %g %s\n",
		       in->scale_lo, in->max, in->unit, in->mpe_pct_span,
		       cal_num_round_sig(in->mpe_pct_span / 100 * span, 12), in->unit);
	}
	cal_error_clear();
}

/* "run 12", "import 3:17" (import 3, line 17 of its file) */
static void history_source(char *out, size_t size, const struct cal_history *h)
{
	if (h->run_id)
		snprintf(out, size, "run %lld", (long long)h->run_id);
	else
		snprintf(out, size, "import %lld:%lld", (long long)h->import_id,
			 (long long)h->import_row);
}

static void history_json(const struct cal_history *h, size_t n)
{
	fputs(", \"history\": [", stdout);
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"date\": ", i ? ", " : "");
		cli_json_str(stdout, h[i].event_date);
		json_kv_str("source", h[i].source, true);
		if (h[i].run_id)
			printf(", \"run\": %lld", (long long)h[i].run_id);
		else
			printf(", \"import\": %lld, \"line\": %lld", (long long)h[i].import_id,
			       (long long)h[i].import_row);
		json_kv_str("activity", h[i].activity, true);
		json_kv_str("mode", h[i].mode, true);
		json_kv_str("result", h[i].result, true);
		json_kv_str("number", h[i].number, true);
		json_kv_str("valid_until", h[i].valid_until, true);
		json_kv_str("owner", h[i].owner, true);
		json_kv_str("operator", h[i].operator_name, true);
		json_kv_str("method", h[i].method, true);
		printf(", \"revoked\": %s}", h[i].revoked ? "true" : "false");
	}
	fputs("]", stdout);
}

/*
 * The register entry, its history (the runs' documents and imported register
 * rows: what the statistics count, oldest first) with pass/fail counts, the
 * next due date, and the runs that left no document.
 */
static int instrument_show(struct cli *cli, struct cal_db *db, const char *id, bool json)
{
	struct cal_instrument in;
	struct cal_run *runs = NULL;
	struct cal_history *h = NULL;
	struct cal_due due;
	struct cal_date day;
	char today[11];
	size_t n = 0, nh = 0;
	int pass = 0, fail = 0, cal = 0, imported = 0, revoked = 0, open = 0, err;
	bool has_due;

	(void)cli;
	err = cal_db_instrument_get(&in, db, id);
	if (!err)
		err = cal_db_run_list(&runs, &n, db, id);
	if (!err)
		err = cal_db_history_list(&h, &nh, db, id);
	if (err) {
		free(runs);
		return cli_fail(err, NULL);
	}
	cal_date_from_unix(&day, cal_clock_system()->wall_s(NULL));
	cal_date_format(today, sizeof(today), &day);
	has_due = cal_db_instrument_due(&due, db, id, today) == CAL_OK;
	cal_error_clear();
	for (size_t i = 0; i < nh; i++) {
		if (h[i].revoked)
			revoked++;
		else if (strcmp(h[i].activity, "calibration") == 0)
			cal++;
		else if (strcmp(h[i].result, "pass") == 0)
			pass++;
		else
			fail++;
		imported += h[i].import_id != 0;
	}
	for (size_t i = 0; i < n; i++)
		open += runs[i].status != CAL_RUN_COMPLETED;
	if (json) {
		fputs("{", stdout);
		instrument_json(&in);
		printf(", \"pass\": %d, \"fail\": %d, \"calibrations\": %d, \"imported\": %d, "
		       "\"revoked\": %d",
		       pass, fail, cal, imported, revoked);
		history_json(h, nh);
		fputs(", \"next_due\": ", stdout);
		if (has_due) {
			fputs("{\"date\": ", stdout);
			cli_json_str(stdout, due.due_date);
			printf(", \"days_left\": %d", due.days_left);
			json_kv_str("basis", due.basis, true);
			fputs("}", stdout);
		} else {
			fputs("null", stdout);
		}
		fputs(", \"runs\": [", stdout);
	} else {
		printf("%s  %s", in.id, in.type);
		printf("\n  manufacturer %s, model %s, serial %s\n  owner %s\n", in.manufacturer,
		       in.model, in.serial, in.owner);
		if (cal_instrument_is_pressure(&in))
			gauge_print(&in);
		else if (is_water_meter(&in))
			water_print(&in);
		else if (is_flow_kind(&in))
			flow_print(&in);
		else if (!in.kind[0] && in.max == 0 && in.e == 0)
			printf("  no metrological data in the register (brought in by an import: "
			       "add them before a run)\n");
		else
			printf("  class %s, Max %g %s, Min %g %s, e %g %s, d %g %s, interval %s\n",
			       in.accuracy_class[0] ? in.accuracy_class : "-", in.max, in.unit,
			       in.min, in.unit, in.e, in.unit, in.d, in.unit, interval_text(&in));
		printf("  history: %d verification(s), %d pass, %d fail", pass + fail, pass, fail);
		if (cal)
			printf("; %d calibration(s)", cal);
		if (imported)
			printf("; %d imported", imported);
		if (revoked)
			printf("; %d revoked (not counted)", revoked);
		putchar('\n');
		if (nh)
			printf("  %-10s  %-12s  %-12s  %-12s  %-6s  %-18s  %s\n", "date", "source",
			       "activity", "mode", "result", "document", "valid until");
		for (size_t i = 0; i < nh; i++) {
			char src[48];

			history_source(src, sizeof(src), &h[i]);
			printf("  %-10s  %-12s  %-12s  %-12s  %-6s  %-18s  %s%s\n", h[i].event_date,
			       src, h[i].activity, h[i].mode, h[i].result,
			       h[i].number[0] ? h[i].number : "-", h[i].valid_until,
			       h[i].revoked ? "  REVOKED" : "");
		}
		if (has_due)
			printf("  next due: %s%s%s\n", due.due_date[0] ? due.due_date : "-",
			       due.basis[0] ? ", " : "", due.basis);
		if (open)
			printf("  runs without a document: %d\n", open);
		if (n)
			printf("  %-5s %-20s %-12s %-11s %-7s %-18s %s\n", "run", "started", "mode",
			       "status", "verdict", "document", "valid until");
	}
	for (size_t i = 0; i < n; i++) {
		struct cal_cert c;
		bool has = cal_db_cert_for_run(&c, db, runs[i].id) == CAL_OK;

		if (json) {
			printf("%s{\"run\": %lld", i ? ", " : "", (long long)runs[i].id);
			json_kv_str("started_at", runs[i].started_at, true);
			json_kv_str("mode", runs[i].mode, true);
			json_kv_str("status", cal_run_status_name(runs[i].status), true);
			json_kv_str("verdict", runs[i].verdict, true);
			json_kv_str("certificate", has ? c.number : "", true);
			json_kv_str("valid_until", has ? c.valid_until : "", true);
			fputs("}", stdout);
			continue;
		}
		printf("  %-5lld %-20s %-12s %-11s %-7s %-18s %s\n", (long long)runs[i].id,
		       runs[i].started_at, runs[i].mode, cal_run_status_name(runs[i].status),
		       runs[i].verdict[0] ? runs[i].verdict : "-", has ? c.number : "-",
		       has && c.valid_until[0] ? c.valid_until : "");
	}
	cal_error_clear();
	if (json)
		fputs("]}\n", stdout);
	free(runs);
	free(h);
	return CLI_OK;
}

int cmd_instrument(struct cli *cli, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct cal_db *db = NULL;
	bool json = false;
	const struct cli_opt opts[] = { { "json", false, NULL, &json },
					{ NULL, false, NULL, NULL } };
	const char *pos[1];
	int npos, rc;

	if (strcmp(sub, "add") == 0)
		return add_command(cli, argc, argv, "instrument", instrument_fields, "instruments",
				   instrument_add, "instrument");
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0)
		return cli_usage("instrument", "instrument: expected add, list or show");
	rc = cli_parse(argc, argv, 2, opts, pos, 1, &npos, "instrument");
	if (rc)
		return rc;
	if (strcmp(sub, "show") == 0 && npos != 1)
		return cli_usage("instrument", "instrument show: which instrument id?");
	if (strcmp(sub, "list") == 0 && npos != 0)
		return cli_usage("instrument", "instrument list: takes no id");
	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	if (strcmp(sub, "show") == 0) {
		rc = instrument_show(cli, db, pos[0], json);
	} else {
		struct cal_instrument *in = NULL;
		size_t n = 0;
		int err = cal_db_instrument_list(&in, &n, db);

		if (err) {
			rc = cli_fail(err, NULL);
		} else {
			if (json)
				fputs("[", stdout);
			for (size_t i = 0; i < n; i++) {
				if (json) {
					fputs(i ? ", {" : "{", stdout);
					instrument_json(&in[i]);
					fputs("}", stdout);
				} else if (is_water_meter(&in[i])) {
					water_list_line(&in[i]);
				} else if (is_flow_kind(&in[i])) {
					char range[96];

					cal_doc_flow_range_text(range, sizeof(range), &in[i]);
					printf("%-12s %-24s %-16s %-12s %-4s %s %s, d %g %s\n",
					       in[i].id, in[i].type, in[i].model, in[i].serial,
					       in[i].accuracy_class, in[i].kind, range, in[i].d,
					       in[i].unit);
				} else if (cal_instrument_is_pressure(&in[i])) {
					printf("%-12s %-24s %-16s %-12s %-4s %s %g..%g %s, d %g "
					       "%s\n",
					       in[i].id, in[i].type, in[i].model, in[i].serial,
					       in[i].accuracy_class, in[i].kind, in[i].scale_lo,
					       in[i].max, in[i].unit, in[i].d, in[i].unit);
				} else if (!in[i].kind[0] && in[i].max == 0 && in[i].e == 0) {
					printf("%-12s %-24s %-16s %-12s %-4s (imported: no "
					       "metrological data)\n",
					       in[i].id, in[i].type, in[i].model, in[i].serial,
					       in[i].accuracy_class);
				} else {
					printf("%-12s %-24s %-16s %-12s %-4s Max %g %s, e %g %s\n",
					       in[i].id, in[i].type, in[i].model, in[i].serial,
					       in[i].accuracy_class, in[i].max, in[i].unit, in[i].e,
					       in[i].unit);
				}
			}
			if (json)
				fputs("]\n", stdout);
			free(in);
		}
	}
	cal_db_close(db);
	return rc;
}

/* ---- standards -------------------------------------------------------------- */

static const char *const standard_fields[] = {
	"id",	  "kind", "class", "nominal",	  "correction",	  "u",
	"k",	  "cert", "due",   "description", "manufacturer", "model",
	"serial", "unit", "range", "u-rel",	  NULL,
};
static const char *const weight_fields[] = { "class", "nominal", "correction", NULL };
static const char *const pstandard_fields[] = { "manufacturer", "model", "serial", "unit",
						"range",	"u-rel", NULL };

static int get_due(struct cal_date *due, struct fields *fs, const char *text)
{
	if (cal_date_parse(due, text))
		return field_err(fs, field(fs, "due"), "'%s' is not a date YYYY-MM-DD", text);
	return CAL_OK;
}

/* Registered all the same (the certificate says what it was), but runs will not use it. */
static void warn_past_due(const char *id, const char *text, const struct cal_date *due)
{
	struct cal_date today;

	cal_date_from_unix(&today, cal_clock_system()->wall_s(NULL));
	if (cal_date_cmp(due, &today) < 0)
		fprintf(stderr,
			"calbench: warning: standard %s is past its calibration due date %s: "
			"runs will not use it until it is recalibrated\n",
			id, text);
}

static int weight_add(struct cal_db *db, struct fields *fs, const struct cal_standard *sp)
{
	struct cal_standard s = *sp;
	struct cal_pstandard taken;
	enum cal_r111_class wc;
	struct cal_date due;
	char why[400];
	double k;
	int err;

	if ((err = refuse(fs, pstandard_fields,
			  "a field of pressure standards (kind pressure), not of a weight")) ||
	    (err = get_str(s.weight_class, sizeof(s.weight_class), fs, "class", true)) ||
	    (err = get_qty(&s.nominal_kg, fs, "nominal", CAL_UNIT_KG, true, true, 0)) ||
	    (err = get_qty(&s.correction_kg, fs, "correction", CAL_UNIT_KG, true, false, 0)) ||
	    (err = get_qty(&s.u_kg, fs, "u", CAL_UNIT_KG, true, false, 0)) ||
	    (err = get_num(&k, fs, "k", 2)) ||
	    (err = get_str(s.cert_no, sizeof(s.cert_no), fs, "cert", false)) ||
	    (err = get_str(s.due_date, sizeof(s.due_date), fs, "due", true)) ||
	    (err = get_str(s.description, sizeof(s.description), fs, "description", false)))
		return err;
	s.k = k;
	if ((err = get_due(&due, fs, s.due_date)))
		return err;
	if (!(s.nominal_kg > 0))
		return field_err(fs, field(fs, "nominal"), "must be positive");
	if (s.u_kg < 0 || !(s.k > 0))
		return field_err(fs, field(fs, "u"), "U must be >= 0 and k > 0");
	if (cal_r111_class_parse(&wc, s.weight_class))
		return field_err(fs, field(fs, "class"),
				 "'%s' is not an OIML R 111 weight class (E1, E2, F1, F2, "
				 "M1, M1-2, M2, M2-3, M3)",
				 s.weight_class);
	/* U as registered is for coverage factor k; R 111 states it for k = 2 */
	if (cal_r111_check_weight(wc, s.nominal_kg, s.correction_kg, s.u_kg / s.k * 2)) {
		const char *f = "nominal";

		snprintf(why, sizeof(why), "%s", cal_error_last());
		if (strstr(why, "correction "))
			f = "correction";
		else if (strstr(why, "U = "))
			f = "u";
		return field_err(fs, field(fs, f), "%s", why);
	}
	/* traceability: what a certificate will print for the weight */
	if (!s.cert_no[0])
		return field_err(fs, field(fs, "cert"),
				 "a weight needs the number of its calibration certificate");
	if (!(s.u_kg > 0))
		return field_err(fs, field(fs, "u"),
				 "a weight needs the uncertainty U of its conventional mass, "
				 "from its calibration certificate");
	warn_past_due(s.id, s.due_date, &due);
	/* one id space with the pressure standards (the schema refuses it too) */
	if (cal_db_pstandard_get(&taken, db, s.id) == CAL_OK)
		return cal_error_set(CAL_ERR_STATE,
				     "standard '%s' already exists (a pressure "
				     "standard)",
				     s.id);
	cal_error_clear();
	return cal_db_standard_add(db, &s);
}

/*
 * A reference with a range: pressure (a controller: unit, range LO..HI in
 * it, U = u + u-rel·|p|, u in the unit or with its own, u-rel in % of
 * reading); flow (a master meter: range of flow rates, U = u-rel of the
 * volume it measures); volume (a proving can or a gravimetric rig: range of
 * test volumes, U = u + u-rel·V).
 */
static int pstandard_add(struct cal_db *db, struct fields *fs, const char *id, enum cal_quantity q)
{
	static const char *const what[] = {
		[CAL_Q_PRESSURE] = "pressure", [CAL_Q_FLOW] = "flow", [CAL_Q_VOLUME] = "volume"
	};
	static const char *const examples[] = { [CAL_Q_PRESSURE] = "bar, kPa, MPa, psi, ...",
						[CAL_Q_FLOW] = "m3/h, L/min, L/s, ...",
						[CAL_Q_VOLUME] = "L, mL, m3" };
	struct cal_pstandard s;
	struct cal_date due;
	char unit[32];
	enum cal_unit u;
	double rel;
	int err;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", id);
	if ((err = refuse(fs, weight_fields,
			  q == CAL_Q_PRESSURE ? "a field of weights, not of a pressure standard"
			  : q == CAL_Q_FLOW   ? "a field of weights, not of a flow standard"
					      : "a field of weights, not of a volume standard")) ||
	    (err = get_str(s.manufacturer, sizeof(s.manufacturer), fs, "manufacturer", false)) ||
	    (err = get_str(s.model, sizeof(s.model), fs, "model", false)) ||
	    (err = get_str(s.serial, sizeof(s.serial), fs, "serial", false)) ||
	    (err = get_str(unit, sizeof(unit), fs, "unit", true)))
		return err;
	if (cal_unit_parse(&u, unit) || cal_unit_quantity(u) != q)
		return field_err(fs, field(fs, "unit"), "'%s' is not a unit of %s (%s)", unit,
				 what[q], examples[q]);
	snprintf(s.unit, sizeof(s.unit), "%s", cal_unit_symbol(u));
	if (q == CAL_Q_FLOW && field(fs, "u")->value && field(fs, "u")->value[0])
		return field_err(fs, field(fs, "u"),
				 "a flow standard's U is relative to the volume it measures: give "
				 "u-rel (%% of the volume), from its calibration certificate");
	if ((err = get_range(&s.range_lo, &s.range_hi, fs, "range", s.unit)) ||
	    (err = get_qty(&s.u_abs, fs, "u", u, false, false, 0)) ||
	    (err = get_pct(&rel, fs, "u-rel")) || (err = get_num(&s.k, fs, "k", 2)) ||
	    (err = get_str(s.cert_no, sizeof(s.cert_no), fs, "cert", false)) ||
	    (err = get_str(s.due_date, sizeof(s.due_date), fs, "due", true)) ||
	    (err = get_str(s.description, sizeof(s.description), fs, "description", false)) ||
	    (err = get_due(&due, fs, s.due_date)))
		return err;
	s.u_rel = cal_num_round_sig(rel / 100, 15);
	if (s.u_abs < 0)
		return field_err(fs, field(fs, "u"), "U must be >= 0");
	if (q != CAL_Q_PRESSURE && s.range_lo < 0)
		return field_err(fs, field(fs, "range"), "a %s range starts at 0 or above",
				 what[q]);
	if (!(s.u_abs > 0 || s.u_rel > 0))
		return field_err(fs, field(fs, q == CAL_Q_FLOW ? "u-rel" : "u"),
				 "a %s standard needs its expanded uncertainty, from its "
				 "calibration certificate: %s",
				 what[q],
				 q == CAL_Q_FLOW ? "u-rel (% of the volume)"
						 : "u (in its unit) and/or u-rel (% of reading)");
	if (!(s.k > 0))
		return field_err(fs, field(fs, "k"), "must be > 0");
	if (!s.cert_no[0])
		return field_err(fs, field(fs, "cert"),
				 "a %s standard needs the number of its calibration certificate "
				 "(traceability)",
				 what[q]);
	warn_past_due(s.id, s.due_date, &due);
	return cal_db_pstandard_add(db, &s);
}

static int standard_add(struct cal_db *db, struct fields *fs, char *id, size_t idsize)
{
	struct cal_standard s;
	int err;

	memset(&s, 0, sizeof(s));
	id[0] = '\0';
	if ((err = get_str(s.id, sizeof(s.id), fs, "id", true)) ||
	    (err = get_str(s.kind, sizeof(s.kind), fs, "kind", false)))
		return err;
	snprintf(id, idsize, "%s", s.id);
	if (strcmp(s.kind, "pressure") == 0)
		return pstandard_add(db, fs, s.id, CAL_Q_PRESSURE);
	if (strcmp(s.kind, "flow") == 0)
		return pstandard_add(db, fs, s.id, CAL_Q_FLOW);
	if (strcmp(s.kind, "volume") == 0)
		return pstandard_add(db, fs, s.id, CAL_Q_VOLUME);
	if (s.kind[0] && strcmp(s.kind, "weight") != 0)
		return field_err(fs, field(fs, "kind"),
				 "'%s': a standard is a weight (the default), pressure, flow (a "
				 "master meter) or volume (a proving can, a weighing rig)",
				 s.kind);
	snprintf(s.kind, sizeof(s.kind), "weight");
	return weight_add(db, fs, &s);
}

static void mass_text(char *buf, size_t size, double kg)
{
	static const struct {
		double f;
		const char *u;
	} scale[] = { { 1, "kg" }, { 1e-3, "g" }, { 1e-6, "mg" } };
	char num[48];

	for (size_t i = 0; i < 3; i++) {
		if (fabs(kg) >= scale[i].f || i == 2) {
			cal_num_format_g(num, sizeof(num), cal_num_round_sig(kg / scale[i].f, 15));
			snprintf(buf, size, "%s %s", num, scale[i].u);
			return;
		}
	}
}

static void standard_print(const struct cal_standard *s, bool json, bool detail)
{
	char nom[48], corr[48], u[48];

	if (json) {
		json_kv_str("id", s->id, false);
		json_kv_str("kind", s->kind, true);
		json_kv_str("class", s->weight_class, true);
		json_kv_num("nominal_kg", s->nominal_kg, true);
		json_kv_num("correction_kg", s->correction_kg, true);
		json_kv_num("U_kg", s->u_kg, true);
		json_kv_num("k", s->k, true);
		json_kv_str("cert", s->cert_no, true);
		json_kv_str("due", s->due_date, true);
		json_kv_str("description", s->description, true);
		return;
	}
	mass_text(nom, sizeof(nom), s->nominal_kg);
	mass_text(corr, sizeof(corr), s->correction_kg);
	mass_text(u, sizeof(u), s->u_kg);
	if (!detail) {
		printf("%-8s %-6s %-4s %10s  corr %-10s U %-10s due %s\n", s->id, s->kind,
		       s->weight_class, nom, corr, u, s->due_date);
		return;
	}
	printf("%s  %s, class %s, nominal %s\n  correction to conventional mass %s\n"
	       "  U %s (k = %g)\n  certificate %s, calibration due %s\n  %s\n",
	       s->id, s->kind, s->weight_class, nom, corr, u, s->k,
	       s->cert_no[0] ? s->cert_no : "-", s->due_date, s->description);
}

static void pstandard_print(const struct cal_pstandard *s, bool json, bool detail)
{
	char u[128], hi[40];

	if (json) {
		json_kv_str("id", s->id, false);
		json_kv_str("kind", cal_doc_pstandard_kind(s), true);
		json_kv_str("manufacturer", s->manufacturer, true);
		json_kv_str("model", s->model, true);
		json_kv_str("serial", s->serial, true);
		json_kv_str("unit", s->unit, true);
		json_kv_num("range_lo", s->range_lo, true);
		json_kv_num("range_hi", s->range_hi, true);
		json_kv_num("u_abs", s->u_abs, true);
		json_kv_num("u_rel", s->u_rel, true);
		json_kv_num("k", s->k, true);
		json_kv_str("cert", s->cert_no, true);
		json_kv_str("due", s->due_date, true);
		json_kv_str("description", s->description, true);
		return;
	}
	cal_doc_pstandard_u_text(u, sizeof(u), s);
	if (!detail) {
		printf("%-8s %-8s %g..%g %s  %s (k = %g)  due %s\n", s->id,
		       cal_doc_pstandard_kind(s), s->range_lo, s->range_hi, s->unit, u, s->k,
		       s->due_date);
		return;
	}
	printf("%s  %s, %s %s, serial %s\n  range %g..%g %s\n", s->id, cal_doc_pstandard_kind(s),
	       s->manufacturer[0] ? s->manufacturer : "-", s->model[0] ? s->model : "-",
	       s->serial[0] ? s->serial : "-", s->range_lo, s->range_hi, s->unit);
	if (strcmp(cal_doc_pstandard_kind(s), "pressure") == 0) {
		cal_num_format_sig(hi, sizeof(hi), cal_pstandard_U(s, s->range_hi), 12);
		printf("  %s (k = %g); at %g %s: U = %s %s\n", u, s->k, s->range_hi, s->unit, hi,
		       s->unit);
	} else {
		printf("  %s (k = %g)\n", u, s->k);
	}
	printf("  certificate %s, calibration due %s\n", s->cert_no, s->due_date);
	if (s->description[0])
		printf("  %s\n", s->description);
}

/* A weight or a pressure standard (one id space). */
static int standard_show(struct cal_db *db, const char *id, bool json)
{
	struct cal_standard s;
	struct cal_pstandard ps;
	int err = cal_db_standard_get(&s, db, id);
	bool weight = err == CAL_OK;

	if (err == CAL_ERR_NOTFOUND) {
		err = cal_db_pstandard_get(&ps, db, id);
		if (err == CAL_ERR_NOTFOUND)
			cal_error_set(err, "no standard '%s'", id);
	}
	if (err)
		return cli_fail(err, NULL);
	if (json)
		fputs("{", stdout);
	if (weight)
		standard_print(&s, json, true);
	else
		pstandard_print(&ps, json, true);
	if (json)
		fputs("}\n", stdout);
	return CLI_OK;
}

/* Weights (largest first), then pressure standards (by id). */
static int standard_list(struct cal_db *db, bool json)
{
	struct cal_standard *s = NULL;
	struct cal_pstandard *ps = NULL;
	size_t n = 0, np = 0;
	int err = cal_db_standard_list(&s, &n, db);

	if (!err)
		err = cal_db_pstandard_list(&ps, &np, db);
	if (err) {
		free(s);
		return cli_fail(err, NULL);
	}
	if (json)
		fputs("[", stdout);
	for (size_t i = 0; i < n + np; i++) {
		if (json)
			fputs(i ? ", {" : "{", stdout);
		if (i < n)
			standard_print(&s[i], json, false);
		else
			pstandard_print(&ps[i - n], json, false);
		if (json)
			fputs("}", stdout);
	}
	if (json)
		fputs("]\n", stdout);
	free(s);
	free(ps);
	return CLI_OK;
}

int cmd_standard(struct cli *cli, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct cal_db *db = NULL;
	bool json = false;
	const struct cli_opt opts[] = { { "json", false, NULL, &json },
					{ NULL, false, NULL, NULL } };
	const char *pos[1];
	int npos, rc;

	if (strcmp(sub, "add") == 0)
		return add_command(cli, argc, argv, "standard", standard_fields, "standards",
				   standard_add, "standard");
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0)
		return cli_usage("standard", "standard: expected add, list or show");
	rc = cli_parse(argc, argv, 2, opts, pos, 1, &npos, "standard");
	if (rc)
		return rc;
	if (strcmp(sub, "show") == 0 && npos != 1)
		return cli_usage("standard", "standard show: which standard id?");
	if (strcmp(sub, "list") == 0 && npos != 0)
		return cli_usage("standard", "standard list: takes no id");
	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	if (strcmp(sub, "show") == 0)
		rc = standard_show(db, pos[0], json);
	else
		rc = standard_list(db, json);
	cal_db_close(db);
	return rc;
}
