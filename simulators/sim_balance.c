/*
 * MT-SICS balance simulator: the command set (protocols.md §1) and its own
 * faults (ES, EL). Physics live in sim_model.c, the line server (reading,
 * queueing, generic faults, the thread) in sim_common.c, file descriptors
 * in sim_link.c, the text control in sim_control.c.
 *
 * Wire rules followed here:
 *  - input lines end in CR LF, CR or LF (CR LF counts once); empty lines are
 *    ignored; a line longer than SIM_LINE_MAX bytes is discarded up to its
 *    end and answered "ES"; any NUL byte makes a line unrecognised ("ES");
 *  - commands are case-sensitive (upper case); unknown command -> "ES";
 *    a known command with parameters it does not take, or with malformed
 *    parameters -> "EL"; a well-formed but inadmissible parameter -> the
 *    command's own "L" status (D L, TA L);
 *  - every response ends in CR LF; weight responses are
 *    "<ID> <status> <value, right-justified in 10 characters> g";
 *  - S, SI (and the immediate variants) answer with ID "S";
 *  - S, Z and T wait for stability up to stable_timeout_ms, then answer
 *    "S I"/"Z I"/"T I"; an "@" line arriving meanwhile aborts them (no reply
 *    to the aborted command) and drops queued commands, then answers I4;
 *  - one command, one answer, in order: lines arriving while a command is
 *    served wait in a queue of SIM_QUEUE_LEN lines (more are dropped).
 * Zeroing (Z, ZI) clears the tare, as on most balances.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#define LOG_PREFIX "sim-balance"
#include "cal/log.h"

#include "sim_balance_int.h"

#define D_TEXT_MAX 20 /* characters the simulated display can show */

struct sim_cmd {
	const char *name; /* command as sent, upper case */
	int level;	  /* MT-SICS level, for I0 */
	bool args;	  /* takes parameters */
	size_t (*fn)(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms);
};

/* ---- formatting --------------------------------------------------------- */

/* "<id> <status> <value in 10 chars> g" CR LF, value rounded to d. */
static size_t put_weight(struct cal_sim_balance *sim, char *buf, size_t size, const char *id,
			 char status, double value_g)
{
	char num[64];

	cal_num_format(num, sizeof(num), sim_round_to_d(value_g, sim->cfg.d_g), sim->decimals);
	return sim_put(buf, size, "%s %c %10s g\r\n", id, status, num);
}

/* ---- commands ------------------------------------------------------------ */

/* S, Z, T: wait for stability (the server polls eval_wait()). */
static size_t start_wait(struct cal_sim_balance *sim, char cmd, int64_t now_ms)
{
	sim->wait_cmd = cmd;
	sim->deadline_ms = now_ms + sim->cfg.stable_timeout_ms;
	return SIM_PENDING;
}

static size_t cmd_s(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		    size_t alen, int64_t now_ms)
{
	return start_wait(sim, 'S', now_ms);
}

static size_t cmd_z(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		    size_t alen, int64_t now_ms)
{
	return start_wait(sim, 'Z', now_ms);
}

static size_t cmd_t(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		    size_t alen, int64_t now_ms)
{
	return start_wait(sim, 'T', now_ms);
}

static size_t cmd_si(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	struct sim_reading r;

	pthread_mutex_lock(&sim->srv.lock);
	sim_model_read(&r, &sim->model, now_ms);
	pthread_mutex_unlock(&sim->srv.lock);
	if (r.over)
		return sim_put(reply, size, "S +\r\n");
	if (r.under)
		return sim_put(reply, size, "S -\r\n");
	return put_weight(sim, reply, size, "S", r.stable ? 'S' : 'D', r.net_g);
}

/*
 * Set a new zero at @gross_g (g, relative to the current zero) if it stays
 * within the zero range around the power-up zero; clears the tare.
 * Caller holds the lock. Returns '+', '-' or 0 when done.
 */
static char do_zero(struct sim_model *m, double gross_g)
{
	double zero = m->zero_g + gross_g;
	double range = SIM_ZERO_RANGE * m->max_g;

	if (zero > range)
		return '+';
	if (zero < -range)
		return '-';
	m->zero_g = zero;
	m->tare_g = 0;
	return 0;
}

/* Take @gross_g as the tare if 0 <= tare <= Max (within d/2). Caller holds the lock. */
static char do_tare(struct sim_model *m, double gross_g)
{
	if (gross_g < -m->d_g / 2)
		return '-';
	if (gross_g > m->max_g + m->d_g / 2)
		return '+';
	m->tare_g = gross_g;
	return 0;
}

static size_t cmd_zi(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	struct sim_reading r;
	char res;

	/* only the zero range decides: zeroing an underloaded display is allowed */
	pthread_mutex_lock(&sim->srv.lock);
	sim_model_read(&r, &sim->model, now_ms);
	res = do_zero(&sim->model, r.gross_g);
	pthread_mutex_unlock(&sim->srv.lock);
	if (res)
		return sim_put(reply, size, "ZI %c\r\n", res);
	return sim_put(reply, size, "ZI %c\r\n", r.stable ? 'S' : 'D');
}

static size_t cmd_ti(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	struct sim_reading r;
	char res = '+';

	pthread_mutex_lock(&sim->srv.lock);
	sim_model_read(&r, &sim->model, now_ms);
	if (r.under)
		res = '-';
	else if (!r.over)
		res = do_tare(&sim->model, r.gross_g);
	pthread_mutex_unlock(&sim->srv.lock);
	if (res)
		return sim_put(reply, size, "TI %c\r\n", res);
	return put_weight(sim, reply, size, "TI", r.stable ? 'S' : 'D', r.gross_g);
}

/* TA: query the tare; "TA <value> g": preset it (0..Max). */
static size_t cmd_ta(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	const char *sp;
	double v, tare;

	if (alen == 0) {
		pthread_mutex_lock(&sim->srv.lock);
		tare = sim->model.tare_g;
		pthread_mutex_unlock(&sim->srv.lock);
		return put_weight(sim, reply, size, "TA", 'A', tare);
	}
	sp = memchr(args, ' ', alen);
	if (!sp || cal_num_parse(&v, NULL, args, (size_t)(sp - args)) != CAL_OK)
		return sim_put(reply, size, "EL\r\n");
	if (alen - (size_t)(sp + 1 - args) != 1 || sp[1] != 'g')
		return sim_put(reply, size, "TA L\r\n");
	tare = sim_round_to_d(v, sim->cfg.d_g);
	if (tare < 0 || tare > sim->cfg.max_g)
		return sim_put(reply, size, "TA L\r\n");
	pthread_mutex_lock(&sim->srv.lock);
	sim->model.tare_g = tare;
	pthread_mutex_unlock(&sim->srv.lock);
	return put_weight(sim, reply, size, "TA", 'A', tare);
}

static size_t cmd_tac(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		      size_t alen, int64_t now_ms)
{
	pthread_mutex_lock(&sim->srv.lock);
	sim->model.tare_g = 0;
	pthread_mutex_unlock(&sim->srv.lock);
	return sim_put(reply, size, "TAC A\r\n");
}

static size_t cmd_i4(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	return sim_put(reply, size, "I4 A \"%s\"\r\n", sim->cfg.serial);
}

/* @: pending commands were already aborted on receipt; clear the tare, answer as I4. */
static size_t cmd_reset(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
			size_t alen, int64_t now_ms)
{
	pthread_mutex_lock(&sim->srv.lock);
	sim->model.tare_g = 0;
	sim->display_text[0] = '\0';
	pthread_mutex_unlock(&sim->srv.lock);
	return cmd_i4(sim, reply, size, args, alen, now_ms);
}

static size_t cmd_i1(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	return sim_put(reply, size, "I1 A \"01\" \"2.20\" \"2.20\" \"\" \"\"\r\n");
}

static size_t cmd_i2(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	char max[64];

	cal_num_format(max, sizeof(max), sim->cfg.max_g, sim->decimals);
	return sim_put(reply, size, "I2 A \"%s %s g\"\r\n", sim->cfg.model, max);
}

static size_t cmd_i3(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	return sim_put(reply, size, "I3 A \"calbench-sim 1.0\"\r\n");
}

/* D "text": show a text; D L when it does not fit on the display. */
static size_t cmd_d(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		    size_t alen, int64_t now_ms)
{
	size_t tlen;

	if (alen < 2 || args[0] != '"' || args[alen - 1] != '"' || memchr(args + 1, '"', alen - 2))
		return sim_put(reply, size, "EL\r\n");
	tlen = alen - 2;
	if (tlen > D_TEXT_MAX)
		return sim_put(reply, size, "D L\r\n");
	pthread_mutex_lock(&sim->srv.lock);
	memcpy(sim->display_text, args + 1, tlen);
	sim->display_text[tlen] = '\0';
	pthread_mutex_unlock(&sim->srv.lock);
	return sim_put(reply, size, "D A\r\n");
}

static size_t cmd_dw(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	pthread_mutex_lock(&sim->srv.lock);
	sim->display_text[0] = '\0';
	pthread_mutex_unlock(&sim->srv.lock);
	return sim_put(reply, size, "DW A\r\n");
}

static size_t cmd_i0(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms);

static const struct sim_cmd cmd_table[] = {
	{ "@", 0, false, cmd_reset }, { "I0", 0, false, cmd_i0 }, { "I1", 0, false, cmd_i1 },
	{ "I2", 0, false, cmd_i2 },   { "I3", 0, false, cmd_i3 }, { "I4", 0, false, cmd_i4 },
	{ "S", 0, false, cmd_s },     { "SI", 0, false, cmd_si }, { "Z", 0, false, cmd_z },
	{ "ZI", 0, false, cmd_zi },   { "D", 1, true, cmd_d },	  { "DW", 1, false, cmd_dw },
	{ "T", 1, false, cmd_t },     { "TA", 1, true, cmd_ta },  { "TAC", 1, false, cmd_tac },
	{ "TI", 1, false, cmd_ti },
};

/* I0: one "I0 B <level> "<cmd>"" line per command, then "I0 A". */
static size_t cmd_i0(struct cal_sim_balance *sim, char *reply, size_t size, const char *args,
		     size_t alen, int64_t now_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		n += sim_put(reply + n, size - n, "I0 B %d \"%s\"\r\n", cmd_table[i].level,
			     cmd_table[i].name);
	n += sim_put(reply + n, size - n, "I0 A\r\n");
	return n;
}

/*
 * Serve one command line. Returns the reply length, or SIM_PENDING when the
 * command now waits for stability.
 */
static size_t handle_line(void *ctx, char *reply, size_t size, const struct sim_line *l,
			  int64_t now_ms)
{
	struct cal_sim_balance *sim = ctx;
	const char *text = l->text;
	const char *args = "";
	size_t len = l->len, clen, alen = 0;
	const char *sp;

	if (l->too_long || memchr(text, '\0', len))
		return sim_put(reply, size, "ES\r\n");
	while (len > 0 && text[len - 1] == ' ')
		len--;
	sp = memchr(text, ' ', len);
	clen = sp ? (size_t)(sp - text) : len;
	if (sp) {
		args = sp + 1;
		alen = len - clen - 1;
		while (alen > 0 && args[0] == ' ') {
			args++;
			alen--;
		}
	}
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++) {
		const struct sim_cmd *c = &cmd_table[i];

		if (strlen(c->name) != clen || memcmp(c->name, text, clen) != 0)
			continue;
		if (alen > 0 && !c->args)
			return sim_put(reply, size, "EL\r\n");
		return c->fn(sim, reply, size, args, alen, now_ms);
	}
	return sim_put(reply, size, "ES\r\n");
}

/* S, Z or T waiting: the reply once stable or timed out, else 0. */
static size_t eval_wait(void *ctx, char *reply, size_t size, int64_t now_ms)
{
	struct cal_sim_balance *sim = ctx;
	char cmd = sim->wait_cmd;
	bool timeout = now_ms >= sim->deadline_ms;
	struct sim_reading r;
	size_t n = 0;
	char res;

	pthread_mutex_lock(&sim->srv.lock);
	sim_model_read(&r, &sim->model, now_ms);
	if (cmd != 'Z' && (r.over || r.under)) {
		/* S and T answer overload/underload at once; Z obeys the zero range only */
		n = sim_put(reply, size, "%c %c\r\n", cmd, r.over ? '+' : '-');
	} else if (r.stable) {
		switch (cmd) {
		case 'S':
			n = put_weight(sim, reply, size, "S", 'S', r.net_g);
			break;
		case 'Z':
			res = do_zero(&sim->model, r.mean_gross_g);
			n = sim_put(reply, size, "Z %c\r\n", res ? res : 'A');
			break;
		default:
			res = do_tare(&sim->model, r.mean_gross_g);
			if (res)
				n = sim_put(reply, size, "T %c\r\n", res);
			else
				n = put_weight(sim, reply, size, "T", 'S', r.mean_gross_g);
			break;
		}
	} else if (timeout) {
		n = sim_put(reply, size, "%c I\r\n", cmd);
	}
	pthread_mutex_unlock(&sim->srv.lock);
	return n;
}

/* ---- hooks of the line server ------------------------------------------ */

/* Power-up line, unsolicited: at start (pty) and at each TCP client. */
static size_t greet(void *ctx, char *buf, size_t size)
{
	struct cal_sim_balance *sim = ctx;

	if (!sim->cfg.power_up_i4)
		return 0;
	return sim_put(buf, size, "I4 A \"%s\"\r\n", sim->cfg.serial);
}

/* "@" aborts a waiting S, Z or T (no reply to it) and drops queued commands. */
static void on_line(void *ctx, const struct sim_line *l)
{
	struct cal_sim_balance *sim = ctx;

	if (l->too_long || l->len != 1 || l->text[0] != '@')
		return;
	if (sim_srv_abort(&sim->srv))
		log_dbg("@ aborts the pending %c", sim->wait_cmd);
}

/* ES / EL instead of the reply. */
static size_t fault_reply(void *ctx, int fault, char *reply, size_t size)
{
	size_t len = sim_put(reply, size, "%s\r\n", fault == CAL_SIM_FAULT_ES ? "ES" : "EL");

	log_dbg("fault: reply replaced by %.2s", reply);
	return len;
}

static const struct sim_srv_ops balance_ops = {
	.greet = greet,
	.on_line = on_line,
	.handle = handle_line,
	.pending = eval_wait,
	.fault_reply = fault_reply,
};

/* ---- public API ----------------------------------------------------------- */

void cal_sim_balance_cfg_default(struct cal_sim_balance_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->model, sizeof(cfg->model), "%s", "calbench SIM-BAL");
	snprintf(cfg->serial, sizeof(cfg->serial), "%s", "SIM0001");
	cfg->max_g = 30000;
	cfg->d_g = 5;
	cfg->noise_g = 0;
	cfg->settle_ms = 800;
	cfg->stable_timeout_ms = 3000;
	cfg->drift_g_per_min = 0;
	cfg->n_err = 0;
	cfg->seed = 1;
	cfg->power_up_i4 = true;
}

/* Parse s[0..len) with surrounding spaces as a number. */
static int parse_num_trim(double *out, const char *s, size_t len)
{
	while (len > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return cal_num_parse(out, NULL, s, len);
}

int cal_sim_balance_parse_profile(struct cal_sim_balance_cfg *cfg, const char *text)
{
	struct cal_sim_err_point pts[CAL_SIM_ERR_POINTS_MAX];
	const char *p = text;
	size_t n = 0;

	if (!cfg || !text)
		return cal_error_set(CAL_ERR_ARG, "error profile: no text");
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || strcmp(p, "none") == 0) {
		cfg->n_err = 0;
		return CAL_OK;
	}
	for (size_t item = 1;; item++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memchr(p, ':', len);
		int show = len > 40 ? 40 : (int)len;
		double load, err;

		if (!colon)
			return cal_error_set(
				CAL_ERR_ARG,
				"error profile item %zu '%.*s': expected load_g:error_g", item,
				show, p);
		if (parse_num_trim(&load, p, (size_t)(colon - p)) != CAL_OK)
			return cal_error_set(CAL_ERR_ARG, "error profile item %zu '%.*s': bad load",
					     item, show, p);
		if (parse_num_trim(&err, colon + 1, len - (size_t)(colon + 1 - p)) != CAL_OK)
			return cal_error_set(CAL_ERR_ARG,
					     "error profile item %zu '%.*s': bad error", item, show,
					     p);
		if (n == CAL_SIM_ERR_POINTS_MAX)
			return cal_error_set(CAL_ERR_ARG,
					     "error profile item %zu '%.*s': more than %d points",
					     item, show, p, CAL_SIM_ERR_POINTS_MAX);
		if (n > 0 && load <= pts[n - 1].load_g)
			return cal_error_set(CAL_ERR_ARG,
					     "error profile item %zu '%.*s': loads must increase",
					     item, show, p);
		pts[n].load_g = load;
		pts[n].err_g = err;
		n++;
		if (!end)
			break;
		p = end + 1;
	}
	memcpy(cfg->err, pts, n * sizeof(pts[0]));
	cfg->n_err = n;
	return CAL_OK;
}

/* Keep a text printable and free of '"' so it can sit inside "..." on the wire. */
static void sanitize(char *s, size_t size)
{
	s[size - 1] = '\0';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '"')
			*s = '?';
	}
}

int cal_sim_balance_new(struct cal_sim_balance **out, const struct cal_sim_balance_cfg *cfg)
{
	struct cal_sim_balance_cfg def;
	struct cal_sim_balance *sim;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "simulator: no out pointer");
	*out = NULL;
	if (!cfg) {
		cal_sim_balance_cfg_default(&def);
		cfg = &def;
	}
	if (!isfinite(cfg->max_g) || cfg->max_g <= 0)
		return cal_error_set(CAL_ERR_ARG, "simulator: max_g must be > 0");
	if (!isfinite(cfg->d_g) || cfg->d_g <= 0 || cfg->d_g > cfg->max_g)
		return cal_error_set(CAL_ERR_ARG, "simulator: d_g must be > 0 and <= max_g");
	if (!isfinite(cfg->noise_g) || cfg->noise_g < 0)
		return cal_error_set(CAL_ERR_ARG, "simulator: noise_g must be >= 0");
	if (!isfinite(cfg->drift_g_per_min))
		return cal_error_set(CAL_ERR_ARG, "simulator: drift_g_per_min must be finite");
	if (cfg->settle_ms < 0 || cfg->stable_timeout_ms < 0)
		return cal_error_set(CAL_ERR_ARG, "simulator: settle_ms and stable_timeout_ms "
						  "must be >= 0");
	if (cfg->n_err > CAL_SIM_ERR_POINTS_MAX)
		return cal_error_set(CAL_ERR_ARG, "simulator: more than %d error points",
				     CAL_SIM_ERR_POINTS_MAX);
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return cal_error_set(CAL_ERR_NOMEM, "simulator: out of memory");
	sim->cfg = *cfg;
	sanitize(sim->cfg.model, sizeof(sim->cfg.model));
	sanitize(sim->cfg.serial, sizeof(sim->cfg.serial));
	sim->decimals = sim_decimals(cfg->d_g);
	sim_srv_init(&sim->srv, "sim-balance", &balance_ops, sim, cfg->seed);
	sim_model_init(&sim->model, &sim->cfg, cal_mono_ms());
	*out = sim;
	return CAL_OK;
}

int cal_sim_balance_listen_pty(struct cal_sim_balance *sim, char *path_out, size_t size)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "listen pty: NULL argument");
	return sim_srv_listen_pty(&sim->srv, path_out, size);
}

int cal_sim_balance_listen_tcp(struct cal_sim_balance *sim, const char *host, int port,
			       int *bound_port)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "listen tcp: NULL simulator");
	return sim_srv_listen_tcp(&sim->srv, host, port, bound_port);
}

int cal_sim_balance_start(struct cal_sim_balance *sim)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "start: NULL simulator");
	return sim_srv_start(&sim->srv);
}

void cal_sim_balance_stop(struct cal_sim_balance *sim)
{
	if (sim)
		sim_srv_stop(&sim->srv);
}

void cal_sim_balance_free(struct cal_sim_balance *sim)
{
	if (!sim)
		return;
	sim_srv_destroy(&sim->srv);
	free(sim);
}

void cal_sim_balance_set_load(struct cal_sim_balance *sim, double load_g)
{
	if (!sim)
		return;
	if (!isfinite(load_g)) {
		log_warn("set_load: ignoring a non-finite load");
		return;
	}
	pthread_mutex_lock(&sim->srv.lock);
	sim_model_set_load(&sim->model, load_g, cal_mono_ms());
	pthread_mutex_unlock(&sim->srv.lock);
}

void cal_sim_balance_set_error_profile(struct cal_sim_balance *sim,
				       const struct cal_sim_err_point *err, size_t n)
{
	if (!sim)
		return;
	if (!err)
		n = 0;
	if (n > CAL_SIM_ERR_POINTS_MAX)
		log_warn("error profile: only the first %d of %zu points are used",
			 CAL_SIM_ERR_POINTS_MAX, n);
	pthread_mutex_lock(&sim->srv.lock);
	sim_model_set_profile(&sim->model, err, n, cal_mono_ms());
	pthread_mutex_unlock(&sim->srv.lock);
}

void cal_sim_balance_fault(struct cal_sim_balance *sim, enum cal_sim_fault f, int count,
			   int late_ms)
{
	if (sim)
		sim_srv_fault(&sim->srv, (int)f, count, late_ms, CAL_SIM_FAULT_EL);
}

void cal_sim_balance_stats(struct cal_sim_balance *sim, unsigned long *commands,
			   unsigned long *replies)
{
	if (sim)
		sim_srv_stats(&sim->srv, commands, replies);
}

/* Names of the faults in the status line, by kind. */
static const char *const fault_names[] = {
	[CAL_SIM_FAULT_NONE] = "none",	   [CAL_SIM_FAULT_DROP] = "drop",
	[CAL_SIM_FAULT_GARBLE] = "garble", [CAL_SIM_FAULT_LATE] = "late",
	[CAL_SIM_FAULT_CLOSE] = "close",   [CAL_SIM_FAULT_ES] = "es",
	[CAL_SIM_FAULT_EL] = "el",
};

_Static_assert((int)CAL_SIM_FAULT_DROP == SIM_FAULT_DROP &&
		       (int)CAL_SIM_FAULT_GARBLE == SIM_FAULT_GARBLE &&
		       (int)CAL_SIM_FAULT_LATE == SIM_FAULT_LATE &&
		       (int)CAL_SIM_FAULT_CLOSE == SIM_FAULT_CLOSE &&
		       (int)CAL_SIM_FAULT_ES == SIM_FAULT_OWN,
	       "balance fault kinds follow the line server's");

void sim_status_line(struct cal_sim_balance *sim, char *buf, size_t size)
{
	char load[40], shown[40], tare[40], zero[40];
	struct sim_reading r;
	char status;
	size_t n;

	pthread_mutex_lock(&sim->srv.lock);
	sim_model_read(&r, &sim->model, cal_mono_ms());
	cal_num_format_g(load, sizeof(load), sim->model.load_g);
	cal_num_format(shown, sizeof(shown), sim_round_to_d(r.net_g, sim->cfg.d_g), sim->decimals);
	cal_num_format(tare, sizeof(tare), sim_round_to_d(sim->model.tare_g, sim->cfg.d_g),
		       sim->decimals);
	cal_num_format_g(zero, sizeof(zero), sim->model.zero_g);
	status = r.over ? '+' : r.under ? '-' : r.stable ? 'S' : 'D';
	n = sim_put(buf, size, "load=%s g shown=%s g status=%c tare=%s g zero=%s g ", load, shown,
		    status, tare, zero);
	sim_srv_status_locked(&sim->srv, buf + n, size - n, fault_names);
	pthread_mutex_unlock(&sim->srv.lock);
}
