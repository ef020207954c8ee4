/*
 * The three command sets of the pressure simulator, byte for byte as in
 * docs/pressure-dialects.md (the contract with the host drivers). One
 * function per dialect turns one command line into its reply (or none);
 * every function runs with the simulator's lock held and does no I/O.
 *
 * Common rules: commands are not case-sensitive; numbers use '.' whatever
 * the locale (cal_num); a reply ends in CR LF; a line with a byte outside
 * printable ASCII, or longer than SIM_LINE_MAX, is refused as the dialect
 * refuses an unknown command.
 *
 * PACE (SCPI): a query's reply repeats the short form of the header as sent
 * (long forms like :SENSe:PRESsure? are accepted; LEVel, IMMediate and
 * AMPLitude may be left out); commands get no reply; errors go to a queue of
 * SIM_PRS_ERRQ_LEN (when full, the newest becomes -350), read by :SYST:ERR?.
 * An unknown header, query or not, gets no reply and queues -113; a missing,
 * extra or malformed parameter queues -102; a value outside its limits -222;
 * a line of junk -100.
 *
 * Mensor: every reply starts with ' ', or 'E' when the error queue is not
 * empty once the line is served; commands get no reply. Unknown keyword:
 * no reply, error 1; malformed or missing data: error 3; a value outside
 * its limits: error 2. Error? pops the oldest. The queue keeps the first
 * SIM_PRS_ERRQ_LEN errors.
 *
 * PPC4: every line gets exactly one reply; an error comes instead of it as
 * "ERR# n" and ERR? gives the text of the last one.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/units.h"

#include "sim_pressure_int.h"

/* Unit tokens on the wire (docs/pressure-dialects.md); NULL: none in that dialect. */
static const struct {
	enum cal_unit unit;
	const char *pace;
	const char *mensor; /* Units? text */
	int mensor_code;    /* Units <code> */
	const char *ppc4;
} units[] = {
	{ CAL_UNIT_PA, "PA", "Pa", 23, "Pa" },
	{ CAL_UNIT_KPA, "KPA", "kPa", 22, "kPa" },
	{ CAL_UNIT_MPA, "MPA", NULL, 0, "MPa" },
	{ CAL_UNIT_BAR, "BAR", "bar", 14, "bar" },
	{ CAL_UNIT_MBAR, "MBAR", "mbar", 15, "mbar" },
	{ CAL_UNIT_PSI, "PSI", "psi", 1, "psi" },
	{ CAL_UNIT_KGF_CM2, "KG/CM2", "kg/sq cm", 26, "kcm2" },
	{ CAL_UNIT_MMHG, "MMHG", "mmHg @0C", 19, "mmHg" },
	{ CAL_UNIT_INH2O, "INH2O", NULL, 0, "inH2O" },
	{ CAL_UNIT_INH2O_4C, NULL, "inH2O @4C", 4, NULL },
	{ CAL_UNIT_ATM, "ATM", "atm", 13, NULL },
};

#define N_UNITS (sizeof(units) / sizeof(units[0]))

static const char *token_of(enum cal_sim_pressure_protocol p, size_t i)
{
	switch (p) {
	case CAL_SIM_PRS_PACE:
		return units[i].pace;
	case CAL_SIM_PRS_MENSOR:
		return units[i].mensor;
	default:
		return units[i].ppc4;
	}
}

const char *sim_prs_unit_token(enum cal_sim_pressure_protocol p, enum cal_unit u)
{
	for (size_t i = 0; i < N_UNITS; i++) {
		if (units[i].unit == u)
			return token_of(p, i);
	}
	return NULL;
}

/* The unit whose token is @tok (case-insensitive), CAL_UNIT_NONE if none. */
static enum cal_unit unit_by_token(enum cal_sim_pressure_protocol p, const char *tok)
{
	for (size_t i = 0; i < N_UNITS; i++) {
		const char *t = token_of(p, i);

		if (t && strcasecmp(t, tok) == 0)
			return units[i].unit;
	}
	return CAL_UNIT_NONE;
}

double sim_prs_from_pa(double pa, enum cal_unit u)
{
	return pa / cal_unit_si_factor(u);
}

double sim_prs_to_pa(double v, enum cal_unit u)
{
	return v * cal_unit_si_factor(u);
}

int sim_prs_auto_decimals(const struct cal_sim_pressure *sim, enum cal_unit unit)
{
	double fs = sim_prs_from_pa(sim->model.fs_pa, unit);
	int digits = fs < 1 ? 1 : (int)floor(log10(fs)) + 1;
	int d = 6 - digits;

	if (sim->cfg.decimals >= 0)
		return sim->cfg.decimals;
	return d < 0 ? 0 : d > 9 ? 9 : d;
}

void sim_prs_apply_criterion(struct cal_sim_pressure *sim, int64_t now_ms)
{
	double band;

	switch (sim->cfg.protocol) {
	case CAL_SIM_PRS_PACE:
		band = sim->inl_pct / 100.0 * sim->model.fs_pa;
		sim_prs_model_set_criterion(&sim->model, band, band,
					    (int)lround(sim->inl_time_s * 1000.0), now_ms);
		break;
	case CAL_SIM_PRS_MENSOR:
		band = sim->cfg.stable_band_pa;
		sim_prs_model_set_criterion(&sim->model, band, band, sim->cfg.dwell_ms, now_ms);
		break;
	default:
		sim_prs_model_set_criterion(&sim->model, sim->hs_pa, sim->ss_pa_s,
					    sim->cfg.dwell_ms, now_ms);
		break;
	}
}

/* ---- shared pieces ------------------------------------------------------ */

/* One command line, split: keyword (or SCPI header) and its argument. */
struct cmd {
	char kw[SIM_LINE_MAX + 1]; /* up to the first space */
	const char *arg;	   /* after the spaces following kw, trailing spaces cut */
	size_t alen;
	bool query; /* kw ends with '?' (removed from kw) */
};

/* Split a line; false for junk (non-printable bytes, too long, empty). */
static bool split(struct cmd *c, const struct sim_line *l)
{
	const char *t = l->text;
	size_t len = l->len, k = 0;

	if (l->too_long)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] > 0x7e)
			return false;
	}
	while (len > 0 && t[0] == ' ') {
		t++;
		len--;
	}
	while (len > 0 && t[len - 1] == ' ')
		len--;
	if (len == 0)
		return false;
	while (k < len && t[k] != ' ') {
		c->kw[k] = t[k];
		k++;
	}
	c->kw[k] = '\0';
	c->query = k > 0 && c->kw[k - 1] == '?';
	if (c->query)
		c->kw[k - 1] = '\0';
	while (k < len && t[k] == ' ')
		k++;
	c->arg = t + k;
	c->alen = len - k;
	return true;
}

/* The argument as a number in the unit shown; false when it is not one. */
static bool arg_num(double *out, const struct cmd *c)
{
	return c->alen > 0 && cal_num_parse(out, NULL, c->arg, c->alen) == CAL_OK;
}

/* The argument as a NUL-terminated word (at most size - 1 bytes). */
static void arg_word(char *buf, size_t size, const struct cmd *c)
{
	size_t n = c->alen < size - 1 ? c->alen : size - 1;

	memcpy(buf, c->arg, n);
	buf[n] = '\0';
}

/* Pa (gauge) in the unit shown, with the reply's decimals. */
static size_t fmt_p(const struct cal_sim_pressure *sim, char *buf, size_t size, double pa)
{
	return (size_t)cal_num_format(buf, size, sim_prs_from_pa(pa, sim->unit), sim->decimals);
}

/* A setting (band, time) in its shortest form: 0.01, 2, 0.5. */
static size_t fmt_short(char *buf, size_t size, double v)
{
	return (size_t)cal_num_format_sig(buf, size, v, 6);
}

/* A setpoint in the unit shown, converted to Pa, within the range? */
static bool in_range(const struct cal_sim_pressure *sim, double pa)
{
	double tol = 1e-9 * sim->model.fs_pa;

	return pa >= sim->cfg.lower_pa - tol && pa <= sim->cfg.upper_pa + tol;
}

/* Append to the error queue. PACE: a full queue's newest entry becomes -350. */
static void push_err(struct cal_sim_pressure *sim, int code)
{
	if (sim->n_err < SIM_PRS_ERRQ_LEN)
		sim->errq[sim->n_err++] = code;
	else if (sim->cfg.protocol == CAL_SIM_PRS_PACE)
		sim->errq[SIM_PRS_ERRQ_LEN - 1] = -350;
}

/* Pop the oldest error code, 0 when the queue is empty. */
static int pop_err(struct cal_sim_pressure *sim)
{
	int code;

	if (sim->n_err == 0)
		return 0;
	code = sim->errq[0];
	memmove(sim->errq, sim->errq + 1, (sim->n_err - 1) * sizeof(sim->errq[0]));
	sim->n_err--;
	return code;
}

static void set_unit(struct cal_sim_pressure *sim, enum cal_unit u)
{
	sim->unit = u;
	sim->decimals = sim_prs_auto_decimals(sim, u);
}

/* ---- PACE (SCPI) ---------------------------------------------------------- */

#define PACE_CMD_ERROR -100
#define PACE_SYNTAX -102
#define PACE_UNDEFINED -113
#define PACE_RANGE -222

/* Error codes and their texts, 0 first. */
struct err_text {
	int code;
	const char *text;
};

static const struct err_text pace_errs[] = {
	{ 0, "No error" },
	{ PACE_CMD_ERROR, "Command error" },
	{ PACE_SYNTAX, "Syntax error" },
	{ PACE_UNDEFINED, "Undefined header" },
	{ PACE_RANGE, "Data out of range" },
	{ -350, "Queue overflow" },
};

static const char *err_text(const struct err_text *t, size_t n, int code)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].code == code)
			return t[i].text;
	}
	return "?";
}

#define ERR_TEXT(table, code) err_text(table, sizeof(table) / sizeof(table[0]), code)

/* SCPI nodes: short form, long form. LEV, IMM and AMPL are optional. */
static const char *const pace_nodes[][2] = {
	{ "SENS", "SENSE" },	  { "PRES", "PRESSURE" }, { "INL", "INLIMITS" },
	{ "SOUR", "SOURCE" },	  { "LEV", "LEVEL" },	  { "IMM", "IMMEDIATE" },
	{ "AMPL", "AMPLITUDE" },  { "VENT", "VENT" },	  { "OUTP", "OUTPUT" },
	{ "STAT", "STATE" },	  { "UNIT", "UNIT" },	  { "TIME", "TIME" },
	{ "INST", "INSTRUMENT" }, { "LIM", "LIMITS" },	  { "SYST", "SYSTEM" },
	{ "ERR", "ERROR" },
};

enum pace_key {
	PK_NONE = 0,
	PK_SENS_PRES,	  /* :SENS:PRES? */
	PK_SENS_INL,	  /* :SENS:PRES:INL? */
	PK_SOUR_PRES,	  /* :SOUR:PRES[:LEV:IMM:AMPL] <p> / ? */
	PK_VENT,	  /* :SOUR:PRES[:LEV:IMM:AMPL]:VENT 1 / ? */
	PK_SOUR_INL,	  /* :SOUR:PRES:INL <pct> / ? */
	PK_SOUR_INL_TIME, /* :SOUR:PRES:INL:TIME <s> / ? */
	PK_OUTP_STAT,	  /* :OUTP:STAT ON|OFF|1|0 / ? */
	PK_UNIT_PRES,	  /* :UNIT:PRES <token> / ? */
	PK_INST_LIM,	  /* :INST:LIM? */
	PK_SYST_ERR,	  /* :SYST:ERR? */
};

static const struct {
	const char *path; /* short nodes without the optional ones */
	enum pace_key key;
	bool set; /* also a command with a parameter */
} pace_keys[] = {
	{ "SENS:PRES", PK_SENS_PRES, false },	{ "SENS:PRES:INL", PK_SENS_INL, false },
	{ "SOUR:PRES", PK_SOUR_PRES, true },	{ "SOUR:PRES:VENT", PK_VENT, true },
	{ "SOUR:PRES:INL", PK_SOUR_INL, true }, { "SOUR:PRES:INL:TIME", PK_SOUR_INL_TIME, true },
	{ "OUTP:STAT", PK_OUTP_STAT, true },	{ "UNIT:PRES", PK_UNIT_PRES, true },
	{ "INST:LIM", PK_INST_LIM, false },	{ "SYST:ERR", PK_SYST_ERR, false },
};

/*
 * Resolve a header: @echo gets its short form (":SOUR:PRES"), the result is
 * the key (PK_NONE for an undefined header).
 */
static enum pace_key pace_resolve(char *echo, size_t size, const char *hdr)
{
	char path[SIM_LINE_MAX + 1] = "";
	size_t n = 0, pn = 0;
	const char *p = hdr;

	if (*p == ':')
		p++;
	n = sim_put(echo, size, ":");
	while (*p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *shortf = NULL;

		for (size_t i = 0; i < sizeof(pace_nodes) / sizeof(pace_nodes[0]) && !shortf; i++) {
			for (int f = 0; f < 2; f++) {
				if (strlen(pace_nodes[i][f]) == len &&
				    strncasecmp(pace_nodes[i][f], p, len) == 0)
					shortf = pace_nodes[i][0];
			}
		}
		if (!shortf)
			return PK_NONE;
		n += sim_put(echo + n, size - n, "%s%s", echo[n - 1] == ':' ? "" : ":", shortf);
		if (strcmp(shortf, "LEV") && strcmp(shortf, "IMM") && strcmp(shortf, "AMPL"))
			pn += sim_put(path + pn, sizeof(path) - pn, "%s%s", pn ? ":" : "", shortf);
		if (!end)
			break;
		p = end + 1;
	}
	for (size_t i = 0; i < sizeof(pace_keys) / sizeof(pace_keys[0]); i++) {
		if (strcmp(pace_keys[i].path, path) == 0)
			return pace_keys[i].key;
	}
	return PK_NONE;
}

static bool pace_key_sets(enum pace_key k)
{
	for (size_t i = 0; i < sizeof(pace_keys) / sizeof(pace_keys[0]); i++) {
		if (pace_keys[i].key == k)
			return pace_keys[i].set;
	}
	return false;
}

/* A PACE command (no '?'): 0 on success, else the error code to queue. */
static int pace_set(struct cal_sim_pressure *sim, enum pace_key k, const struct cmd *c,
		    int64_t now_ms)
{
	char word[16];
	enum cal_unit u;
	double v;

	if (k == PK_UNIT_PRES || k == PK_OUTP_STAT) {
		if (c->alen == 0 || c->alen >= sizeof(word))
			return PACE_SYNTAX;
		arg_word(word, sizeof(word), c);
		if (k == PK_UNIT_PRES) {
			u = unit_by_token(CAL_SIM_PRS_PACE, word);
			if (u == CAL_UNIT_NONE)
				return PACE_SYNTAX;
			set_unit(sim, u);
		} else if (strcasecmp(word, "ON") == 0 || strcmp(word, "1") == 0) {
			sim_prs_model_set_mode(&sim->model, SIM_PRS_CONTROL, now_ms);
		} else if (strcasecmp(word, "OFF") == 0 || strcmp(word, "0") == 0) {
			sim_prs_model_set_mode(&sim->model, SIM_PRS_IDLE, now_ms);
		} else {
			return PACE_SYNTAX;
		}
		return 0;
	}
	if (!arg_num(&v, c))
		return PACE_SYNTAX;
	switch (k) {
	case PK_SOUR_PRES:
		v = sim_prs_to_pa(v, sim->unit);
		if (!in_range(sim, v))
			return PACE_RANGE;
		sim_prs_model_set_setpoint(&sim->model, v, now_ms);
		break;
	case PK_VENT:
		if (v == 1)
			sim_prs_model_set_mode(&sim->model, SIM_PRS_VENT, now_ms);
		else if (v == 0 && sim->model.mode == SIM_PRS_VENT)
			sim_prs_model_set_mode(&sim->model, SIM_PRS_IDLE, now_ms);
		else if (v != 0)
			return PACE_RANGE;
		break;
	case PK_SOUR_INL:
		if (!(v > 0 && v <= 100))
			return PACE_RANGE;
		sim->inl_pct = v;
		sim_prs_apply_criterion(sim, now_ms);
		break;
	default: /* PK_SOUR_INL_TIME */
		if (!(v >= 0 && v <= 999))
			return PACE_RANGE;
		sim->inl_time_s = v;
		sim_prs_apply_criterion(sim, now_ms);
		break;
	}
	return 0;
}

/* A PACE query: the payload after "<header> ". */
static size_t pace_query(struct cal_sim_pressure *sim, char *buf, size_t size, enum pace_key k,
			 int64_t now_ms)
{
	struct sim_prs_reading r;
	char a[64], b[64];
	int code;

	switch (k) {
	case PK_SENS_PRES:
	case PK_SENS_INL:
		sim_prs_model_read(&r, &sim->model, now_ms);
		fmt_p(sim, a, sizeof(a), r.p_pa);
		if (k == PK_SENS_PRES)
			return sim_put(buf, size, "%s", a);
		return sim_put(buf, size, "%s, %d", a, r.ready ? 1 : 0);
	case PK_SOUR_PRES:
		fmt_p(sim, a, sizeof(a), sim->model.sp_pa);
		return sim_put(buf, size, "%s", a);
	case PK_VENT:
		sim_prs_model_advance(&sim->model, now_ms);
		return sim_put(buf, size, "%d", sim->model.vent_status);
	case PK_SOUR_INL:
		fmt_short(a, sizeof(a), sim->inl_pct);
		return sim_put(buf, size, "%s", a);
	case PK_SOUR_INL_TIME:
		fmt_short(a, sizeof(a), sim->inl_time_s);
		return sim_put(buf, size, "%s", a);
	case PK_OUTP_STAT:
		return sim_put(buf, size, "%d", sim->model.mode == SIM_PRS_CONTROL ? 1 : 0);
	case PK_UNIT_PRES:
		return sim_put(buf, size, "%s", sim_prs_unit_token(CAL_SIM_PRS_PACE, sim->unit));
	case PK_INST_LIM:
		fmt_p(sim, a, sizeof(a), sim->cfg.upper_pa);
		fmt_p(sim, b, sizeof(b), sim->cfg.lower_pa);
		return sim_put(buf, size, "%s,%s", a, b);
	default: /* PK_SYST_ERR */
		code = pop_err(sim);
		return sim_put(buf, size, "%d,\"%s\"", code, ERR_TEXT(pace_errs, code));
	}
}

static size_t pace_line(struct cal_sim_pressure *sim, char *reply, size_t size,
			const struct sim_line *l, int64_t now_ms)
{
	char echo[2 * SIM_LINE_MAX], payload[256];
	enum pace_key k;
	struct cmd c;
	int err;

	if (!split(&c, l)) {
		push_err(sim, PACE_CMD_ERROR);
		return 0;
	}
	if (strcasecmp(c.kw, "*IDN") == 0 && c.query && c.alen == 0) {
		if (sim_srv_take_fault_locked(&sim->srv, CAL_SIM_PRS_FAULT_ERROR)) {
			push_err(sim, PACE_RANGE);
			return 0;
		}
		return sim_put(reply, size, "*IDN GE Druck,PACE5000,%s,02.00.07\r\n",
			       sim->cfg.serial);
	}
	k = pace_resolve(echo, sizeof(echo), c.kw);
	if (k != PK_SYST_ERR && sim_srv_take_fault_locked(&sim->srv, CAL_SIM_PRS_FAULT_ERROR)) {
		push_err(sim, PACE_RANGE);
		return 0;
	}
	if (k == PK_NONE || (!c.query && !pace_key_sets(k))) {
		push_err(sim, PACE_UNDEFINED);
		return 0;
	}
	if (c.query) {
		if (c.alen > 0) {
			push_err(sim, PACE_SYNTAX);
			return 0;
		}
		pace_query(sim, payload, sizeof(payload), k, now_ms);
		return sim_put(reply, size, "%s %s\r\n", echo, payload);
	}
	err = pace_set(sim, k, &c, now_ms);
	if (err)
		push_err(sim, err);
	return 0;
}

/* ---- Mensor ------------------------------------------------------------------ */

#define MENSOR_UNKNOWN 1
#define MENSOR_RANGE 2
#define MENSOR_SYNTAX 3

static const struct err_text mensor_errs[] = {
	{ 0, "No error" },
	{ MENSOR_UNKNOWN, "Unknown command" },
	{ MENSOR_RANGE, "Data out of range" },
	{ MENSOR_SYNTAX, "Syntax error" },
};
static const char *const mensor_modes[] = { "STANDBY", "MEASURE", "CONTROL", "VENT" };
static const enum sim_prs_mode mensor_model_mode[] = { SIM_PRS_IDLE, SIM_PRS_IDLE, SIM_PRS_CONTROL,
						       SIM_PRS_VENT };

/*
 * "+1.00012E+01": sign, one digit, '.', (decimals + exponent) digits (never
 * fewer than 0), 'E', signed exponent of at least two digits: the digits
 * after the point give the reading's resolution, 10^-decimals. @v is in the
 * unit shown.
 */
static size_t fmt_mensor(char *buf, size_t size, double v, int decimals)
{
	double scale = pow(10, decimals);
	double r = round(fabs(v) * scale) / scale; /* magnitude at the resolution */
	char mant[64];
	int e = 0, m;

	if (r > 0) {
		e = (int)floor(log10(r));
		if (pow(10, e) > r)
			e--; /* log10 rounded up just under a power of ten */
	}
	for (int pass = 0; pass < 2; pass++) {
		m = decimals + e < 0 ? 0 : decimals + e;
		cal_num_format(mant, sizeof(mant), r / pow(10, e), m);
		if (mant[0] != '1' || mant[1] != '0')
			break;
		e++; /* the mantissa rounded up to 10: renormalise */
	}
	return sim_put(buf, size, "%c%sE%c%02d", v < 0 && r > 0 ? '-' : '+', mant,
		       e < 0 ? '-' : '+', e < 0 ? -e : e);
}

static size_t mensor_p(const struct cal_sim_pressure *sim, char *buf, size_t size, double pa)
{
	return fmt_mensor(buf, size, sim_prs_from_pa(pa, sim->unit), sim->decimals);
}

/* A Mensor command (no '?'): 0 on success, else the error code to queue. */
static int mensor_set(struct cal_sim_pressure *sim, const struct cmd *c, int64_t now_ms)
{
	char word[16];
	double v;

	if (c->alen == 0)
		return strcasecmp(c->kw, "Setpt") && strcasecmp(c->kw, "Mode") &&
				       strcasecmp(c->kw, "Units") && strcasecmp(c->kw, "Chan")
			       ? MENSOR_UNKNOWN
			       : MENSOR_SYNTAX;
	arg_word(word, sizeof(word), c);
	if (strcasecmp(c->kw, "Setpt") == 0) {
		if (!arg_num(&v, c))
			return MENSOR_SYNTAX;
		v = sim_prs_to_pa(v, sim->unit);
		if (!in_range(sim, v))
			return MENSOR_RANGE;
		sim_prs_model_set_setpoint(&sim->model, v, now_ms);
	} else if (strcasecmp(c->kw, "Mode") == 0) {
		for (int i = 0; i < 4; i++) {
			if (c->alen < sizeof(word) && strcasecmp(word, mensor_modes[i]) == 0) {
				sim->mensor_mode = i;
				sim_prs_model_set_mode(&sim->model, mensor_model_mode[i], now_ms);
				return 0;
			}
		}
		return MENSOR_SYNTAX;
	} else if (strcasecmp(c->kw, "Units") == 0) {
		int decimals;

		if (cal_num_parse(&v, &decimals, c->arg, c->alen) != CAL_OK || decimals > 0 ||
		    v != floor(v))
			return MENSOR_SYNTAX;
		for (size_t i = 0; i < N_UNITS; i++) {
			if (units[i].mensor && units[i].mensor_code == (int)v) {
				set_unit(sim, units[i].unit);
				return 0;
			}
		}
		return MENSOR_RANGE;
	} else if (strcasecmp(c->kw, "Chan") == 0) {
		return strcasecmp(word, "A") == 0 ? 0 : MENSOR_RANGE;
	} else {
		return MENSOR_UNKNOWN;
	}
	return 0;
}

/* A Mensor query: the payload after the lead byte; 0 with *err set when refused. */
static size_t mensor_query(struct cal_sim_pressure *sim, char *buf, size_t size,
			   const struct cmd *c, int *err, int64_t now_ms)
{
	struct sim_prs_reading r;
	int code;

	*err = 0;
	if (strcasecmp(c->kw, "*IDN") == 0)
		return sim_put(buf, size, "MENSOR, CPC6050,%s,1.5.0", sim->cfg.serial);
	if (strcasecmp(c->kw, "A") == 0 || strcasecmp(c->kw, "Stable") == 0) {
		sim_prs_model_read(&r, &sim->model, now_ms);
		if (c->kw[0] == 'A' || c->kw[0] == 'a')
			return mensor_p(sim, buf, size, r.p_pa);
		return sim_put(buf, size, "%s", r.ready ? "YES" : "NO");
	}
	if (strcasecmp(c->kw, "Setpt") == 0)
		return mensor_p(sim, buf, size, sim->model.sp_pa);
	if (strcasecmp(c->kw, "Mode") == 0)
		return sim_put(buf, size, "%s", mensor_modes[sim->mensor_mode]);
	if (strcasecmp(c->kw, "Units") == 0)
		return sim_put(buf, size, "%s", sim_prs_unit_token(CAL_SIM_PRS_MENSOR, sim->unit));
	if (strcasecmp(c->kw, "Chan") == 0)
		return sim_put(buf, size, "A");
	if (strcasecmp(c->kw, "UpperLimit") == 0)
		return mensor_p(sim, buf, size, sim->cfg.upper_pa);
	if (strcasecmp(c->kw, "LowerLimit") == 0)
		return mensor_p(sim, buf, size, sim->cfg.lower_pa);
	if (strcasecmp(c->kw, "Error") == 0) {
		code = pop_err(sim);
		return sim_put(buf, size, "%d,%s", code, ERR_TEXT(mensor_errs, code));
	}
	*err = MENSOR_UNKNOWN;
	return 0;
}

static size_t mensor_line(struct cal_sim_pressure *sim, char *reply, size_t size,
			  const struct sim_line *l, int64_t now_ms)
{
	char payload[256];
	struct cmd c;
	int err;

	if (!split(&c, l)) {
		push_err(sim, MENSOR_UNKNOWN);
		return 0;
	}
	if (!(c.query && strcasecmp(c.kw, "Error") == 0) &&
	    sim_srv_take_fault_locked(&sim->srv, CAL_SIM_PRS_FAULT_ERROR)) {
		push_err(sim, MENSOR_RANGE);
		if (!c.query)
			return 0; /* a command is not executed; a query still answers, 'E' first */
	}
	if (!c.query) {
		err = mensor_set(sim, &c, now_ms);
		if (err)
			push_err(sim, err);
		return 0;
	}
	if (c.alen > 0) {
		push_err(sim, MENSOR_SYNTAX);
		return 0;
	}
	mensor_query(sim, payload, sizeof(payload), &c, &err, now_ms);
	if (err) {
		push_err(sim, err);
		return 0;
	}
	return sim_put(reply, size, "%c%s\r\n", sim->n_err ? 'E' : ' ', payload);
}

/* ---- PPC4 ---------------------------------------------------------------------- */

#define PPC4_RANGE 6
#define PPC4_IMPROPER 7
#define PPC4_UNKNOWN 9
#define PPC4_MISSING 11
#define PPC4_TEXT 13

static const struct err_text ppc4_errs[] = {
	{ 0, "No error" },
	{ PPC4_RANGE, "Numeric argument missing or out of range" },
	{ PPC4_IMPROPER, "Improper argument" },
	{ PPC4_UNKNOWN, "Unknown command" },
	{ PPC4_MISSING, "Missing argument" },
	{ PPC4_TEXT, "Text in a numeric field" },
};

/* "1000.000 kPag": a pressure in the unit and measurement mode shown. */
static size_t ppc4_p(const struct cal_sim_pressure *sim, char *buf, size_t size, double pa_gauge)
{
	char num[64];
	double pa = sim->absolute ? pa_gauge + sim->cfg.atm_pa : pa_gauge;

	fmt_p(sim, num, sizeof(num), pa);
	return sim_put(buf, size, "%s %s%c", num, sim_prs_unit_token(CAL_SIM_PRS_PPC4, sim->unit),
		       sim->absolute ? 'a' : 'g');
}

/* "0.1 kPa": a limit (HS, SS) in the unit shown, shortest form. */
static size_t ppc4_limit(const struct cal_sim_pressure *sim, char *buf, size_t size, double pa)
{
	char num[64];

	fmt_short(num, sizeof(num), sim_prs_from_pa(pa, sim->unit));
	return sim_put(buf, size, "%s %s", num, sim_prs_unit_token(CAL_SIM_PRS_PPC4, sim->unit));
}

/* A numeric argument: 0 with *v set, else the error code. */
static int ppc4_num(double *v, const struct cmd *c)
{
	if (c->alen == 0)
		return PPC4_MISSING;
	if (!arg_num(v, c))
		return PPC4_TEXT;
	return 0;
}

/* STAT?: 64 venting, 32 holding at the target (within HS), 2 ramping, 0 idle. */
static int ppc4_stat(struct cal_sim_pressure *sim, int64_t now_ms)
{
	struct sim_prs_reading r;

	sim_prs_model_read(&r, &sim->model, now_ms);
	if (sim->model.vent_status == 1)
		return 64;
	if (sim->model.mode != SIM_PRS_CONTROL)
		return 0;
	return fabs(r.p_pa - sim->model.sp_pa) <= sim->hs_pa ? 32 : 2;
}

/* A PPC4 query (kw without '?'): the payload, or 0 with *err set. */
static size_t ppc4_query(struct cal_sim_pressure *sim, char *buf, size_t size, const char *kw,
			 int *err, int64_t now_ms)
{
	const char *tok = sim_prs_unit_token(CAL_SIM_PRS_PPC4, sim->unit);
	struct sim_prs_reading r;
	char num[64];
	size_t n;

	if (strcasecmp(kw, "*IDN") == 0)
		return sim_put(buf, size,
			       "DH INSTRUMENTS INC, PPC4, %.0f,%s,0, Ver1.00E, 1.00a,1.00a",
			       sim->cfg.upper_pa / 1000.0, sim->cfg.serial);
	if (strcasecmp(kw, "PR") == 0 || strcasecmp(kw, "SR") == 0 || strcasecmp(kw, "PRR") == 0) {
		sim_prs_model_read(&r, &sim->model, now_ms);
		if (strcasecmp(kw, "PR") == 0)
			return ppc4_p(sim, buf, size, r.p_pa);
		if (strcasecmp(kw, "SR") == 0)
			return sim_put(buf, size, "%s", r.ready ? "R" : "NR");
		/* ready, pressure, rate, atmosphere */
		n = sim_put(buf, size, "%s,", r.ready ? "R" : "NR");
		n += ppc4_p(sim, buf + n, size - n, r.p_pa);
		fmt_p(sim, num, sizeof(num), r.rate_pa_s);
		n += sim_put(buf + n, size - n, ",%s %s/s,", num, tok);
		fmt_p(sim, num, sizeof(num), sim->cfg.atm_pa);
		return n + sim_put(buf + n, size - n, "%s %sa", num, tok);
	}
	if (strcasecmp(kw, "PS") == 0)
		return ppc4_p(sim, buf, size, sim->model.sp_pa);
	if (strcasecmp(kw, "UNIT") == 0)
		return sim_put(buf, size, "%s", tok);
	if (strcasecmp(kw, "MMODE") == 0)
		return sim_put(buf, size, "%c", sim->absolute ? 'A' : 'G');
	if (strcasecmp(kw, "STAT") == 0)
		return sim_put(buf, size, "%d", ppc4_stat(sim, now_ms));
	if (strcasecmp(kw, "HS") == 0)
		return ppc4_limit(sim, buf, size, sim->hs_pa);
	if (strcasecmp(kw, "SS") == 0)
		return ppc4_limit(sim, buf, size, sim->ss_pa_s);
	if (strcasecmp(kw, "RANGE") == 0) {
		fmt_p(sim, num, sizeof(num), sim->cfg.upper_pa);
		return sim_put(buf, size, "%s %s", num, tok);
	}
	if (strcasecmp(kw, "ERR") == 0)
		return sim_put(buf, size, "%s", ERR_TEXT(ppc4_errs, sim->ppc4_last_err));
	*err = PPC4_UNKNOWN;
	return 0;
}

/* A PPC4 command: the payload, or 0 with *err set. */
static size_t ppc4_set(struct cal_sim_pressure *sim, char *buf, size_t size, const struct cmd *c,
		       int *err, int64_t now_ms)
{
	bool abort = strcasecmp(c->kw, "ABORT") == 0;
	char word[16];
	enum cal_unit u;
	double v;

	if (abort || strcasecmp(c->kw, "VENT") == 0) {
		if (c->alen > 0) {
			*err = PPC4_IMPROPER;
			return 0;
		}
		sim_prs_model_set_mode(&sim->model, abort ? SIM_PRS_IDLE : SIM_PRS_VENT, now_ms);
		return sim_put(buf, size, "%s", abort ? "ABORT" : "VENT");
	}
	if (strcasecmp(c->kw, "UNIT") == 0 || strcasecmp(c->kw, "MMODE") == 0) {
		if (c->alen == 0 || c->alen >= sizeof(word)) {
			*err = c->alen == 0 ? PPC4_MISSING : PPC4_IMPROPER;
			return 0;
		}
		arg_word(word, sizeof(word), c);
		if (c->kw[0] == 'U' || c->kw[0] == 'u') {
			u = unit_by_token(CAL_SIM_PRS_PPC4, word);
			if (u == CAL_UNIT_NONE) {
				*err = PPC4_IMPROPER;
				return 0;
			}
			set_unit(sim, u);
			return sim_put(buf, size, "%s", sim_prs_unit_token(CAL_SIM_PRS_PPC4, u));
		}
		if (strcasecmp(word, "A") && strcasecmp(word, "G")) {
			*err = PPC4_IMPROPER;
			return 0;
		}
		sim->absolute = word[0] == 'A' || word[0] == 'a';
		return sim_put(buf, size, "%c", sim->absolute ? 'A' : 'G');
	}
	if (strcasecmp(c->kw, "PS") && strcasecmp(c->kw, "HS") && strcasecmp(c->kw, "SS")) {
		*err = PPC4_UNKNOWN;
		return 0;
	}
	*err = ppc4_num(&v, c);
	if (*err)
		return 0;
	v = sim_prs_to_pa(v, sim->unit);
	if (strcasecmp(c->kw, "PS") == 0) {
		if (sim->absolute)
			v -= sim->cfg.atm_pa;
		if (!in_range(sim, v)) {
			*err = PPC4_RANGE;
			return 0;
		}
		sim_prs_model_set_setpoint(&sim->model, v, now_ms);
		sim_prs_model_set_mode(&sim->model, SIM_PRS_CONTROL, now_ms);
		return ppc4_p(sim, buf, size, v);
	}
	if (!(v > 0 && v <= sim->model.fs_pa)) {
		*err = PPC4_RANGE;
		return 0;
	}
	if (c->kw[0] == 'H' || c->kw[0] == 'h')
		sim->hs_pa = v;
	else
		sim->ss_pa_s = v;
	sim_prs_apply_criterion(sim, now_ms);
	return ppc4_limit(sim, buf, size, v);
}

static size_t ppc4_line(struct cal_sim_pressure *sim, char *reply, size_t size,
			const struct sim_line *l, int64_t now_ms)
{
	char payload[256];
	struct cmd c;
	int err = PPC4_UNKNOWN; /* a line of junk */

	if (split(&c, l)) {
		err = 0;
		if (!(c.query && strcasecmp(c.kw, "ERR") == 0) &&
		    sim_srv_take_fault_locked(&sim->srv, CAL_SIM_PRS_FAULT_ERROR))
			err = PPC4_IMPROPER;
		else if (c.query && c.alen > 0)
			err = PPC4_IMPROPER;
		else if (c.query)
			ppc4_query(sim, payload, sizeof(payload), c.kw, &err, now_ms);
		else
			ppc4_set(sim, payload, sizeof(payload), &c, &err, now_ms);
	}
	if (err) {
		sim->ppc4_last_err = err;
		return sim_put(reply, size, "ERR# %d\r\n", err);
	}
	return sim_put(reply, size, "%s\r\n", payload);
}

/* ---- the line server's hook --------------------------------------------------- */

size_t sim_prs_handle(void *ctx, char *reply, size_t size, const struct sim_line *l, int64_t now_ms)
{
	struct cal_sim_pressure *sim = ctx;
	size_t n;

	pthread_mutex_lock(&sim->srv.lock);
	switch (sim->cfg.protocol) {
	case CAL_SIM_PRS_PACE:
		n = pace_line(sim, reply, size, l, now_ms);
		break;
	case CAL_SIM_PRS_MENSOR:
		n = mensor_line(sim, reply, size, l, now_ms);
		break;
	default:
		n = ppc4_line(sim, reply, size, l, now_ms);
		break;
	}
	pthread_mutex_unlock(&sim->srv.lock);
	return n;
}
