/*
 * Pressure controller simulator: the public API (cal/sim_pressure.h), its
 * settings, the text control of `calbench sim pressure` and the status line.
 * The pneumatics live in sim_pressure_model.c, the three command sets in
 * sim_pressure_dialect.c, the line server (reading, queueing, faults, the
 * thread) in sim_common.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#define LOG_PREFIX "sim-pressure"
#include "cal/log.h"

#include "sim_pressure_int.h"

_Static_assert((int)CAL_SIM_PRS_FAULT_DROP == SIM_FAULT_DROP &&
		       (int)CAL_SIM_PRS_FAULT_GARBLE == SIM_FAULT_GARBLE &&
		       (int)CAL_SIM_PRS_FAULT_LATE == SIM_FAULT_LATE &&
		       (int)CAL_SIM_PRS_FAULT_CLOSE == SIM_FAULT_CLOSE &&
		       (int)CAL_SIM_PRS_FAULT_ERROR == SIM_FAULT_OWN,
	       "pressure fault kinds follow the line server's");

static const char *const protocol_names[] = {
	[CAL_SIM_PRS_PACE] = "pace",
	[CAL_SIM_PRS_MENSOR] = "mensor-cpc",
	[CAL_SIM_PRS_PPC4] = "ppc4",
};

static const struct sim_srv_ops pressure_ops = {
	.handle = sim_prs_handle,
};

/* ---- settings ------------------------------------------------------------ */

void cal_sim_pressure_cfg_default(struct cal_sim_pressure_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->protocol = CAL_SIM_PRS_PACE;
	snprintf(cfg->serial, sizeof(cfg->serial), "%s", "SIMP0001");
	cfg->unit = CAL_UNIT_NONE;
	cfg->lower_pa = -1e5;
	cfg->upper_pa = 20e5;
	cfg->decimals = -1;
	cfg->tau_ms = 300;
	cfg->overshoot = 0.05;
	cfg->leak_pa_s = 10;
	cfg->noise_pa = 0;
	cfg->inl_pct = 0.01;
	cfg->inl_time_ms = 2000;
	cfg->stable_band_pa = 80;
	cfg->hs_pa = 100;
	cfg->ss_pa_s = 50;
	cfg->dwell_ms = 1000;
	cfg->atm_pa = 101325;
	cfg->seed = 1;
}

int cal_sim_pressure_protocol_parse(enum cal_sim_pressure_protocol *out, const char *name)
{
	for (int i = 0; i < 3; i++) {
		if (name && strcmp(name, protocol_names[i]) == 0) {
			*out = (enum cal_sim_pressure_protocol)i;
			return CAL_OK;
		}
	}
	return cal_error_set(CAL_ERR_ARG, "protocol '%s': expected pace, mensor-cpc or ppc4",
			     name ? name : "");
}

const char *cal_sim_pressure_protocol_name(enum cal_sim_pressure_protocol p)
{
	return (unsigned)p < 3 ? protocol_names[p] : "?";
}

enum cal_unit cal_sim_pressure_default_unit(enum cal_sim_pressure_protocol p)
{
	return p == CAL_SIM_PRS_PPC4 ? CAL_UNIT_KPA : CAL_UNIT_BAR;
}

/* A finite value >= @min (> @min when @strict). */
static bool ok_num(double v, double min, bool strict)
{
	return isfinite(v) && (strict ? v > min : v >= min);
}

static int check_cfg(const struct cal_sim_pressure_cfg *c, enum cal_unit unit)
{
	const char *p = cal_sim_pressure_protocol_name(c->protocol);

	if ((unsigned)c->protocol > CAL_SIM_PRS_PPC4)
		return cal_error_set(CAL_ERR_ARG, "simulator: unknown protocol %d", c->protocol);
	if (cal_unit_quantity(unit) != CAL_Q_PRESSURE)
		return cal_error_set(CAL_ERR_ARG, "simulator: '%s' is not a unit of pressure",
				     cal_unit_symbol(unit));
	if (!sim_prs_unit_token(c->protocol, unit))
		return cal_error_set(CAL_ERR_ARG, "simulator: %s has no token for the unit %s", p,
				     cal_unit_symbol(unit));
	if (!isfinite(c->lower_pa) || !isfinite(c->upper_pa) || !(c->lower_pa < c->upper_pa) ||
	    c->lower_pa > 0 || c->upper_pa < 0)
		return cal_error_set(CAL_ERR_ARG,
				     "simulator: the range must hold 0 and lower < upper");
	if (c->decimals < -1 || c->decimals > 9)
		return cal_error_set(CAL_ERR_ARG, "simulator: decimals must be -1 (auto) or 0..9");
	if (c->tau_ms < 1 || c->tau_ms > 3600000)
		return cal_error_set(CAL_ERR_ARG, "simulator: tau_ms must be 1..3600000");
	if (!ok_num(c->overshoot, 0, false) || c->overshoot > SIM_PRS_MAX_OVERSHOOT)
		return cal_error_set(CAL_ERR_ARG, "simulator: overshoot must be 0..%g",
				     SIM_PRS_MAX_OVERSHOOT);
	if (!ok_num(c->leak_pa_s, 0, false) || !ok_num(c->noise_pa, 0, false))
		return cal_error_set(CAL_ERR_ARG, "simulator: leak and noise must be >= 0");
	if (!ok_num(c->inl_pct, 0, true) || c->inl_pct > 100 || c->inl_time_ms < 0 ||
	    c->inl_time_ms > 999000)
		return cal_error_set(CAL_ERR_ARG, "simulator: in-limits band must be 0..100 %% "
						  "(not 0), in-limits time 0..999000 ms");
	if (!ok_num(c->stable_band_pa, 0, true) || !ok_num(c->hs_pa, 0, true) ||
	    !ok_num(c->ss_pa_s, 0, true) || c->dwell_ms < 0)
		return cal_error_set(CAL_ERR_ARG, "simulator: stable band, hold and stability "
						  "limits must be > 0, dwell_ms >= 0");
	if (!ok_num(c->atm_pa, 0, true))
		return cal_error_set(CAL_ERR_ARG, "simulator: atm_pa must be > 0");
	return CAL_OK;
}

/* Keep the serial printable and free of ',' and '"' so it cannot split a reply. */
static void sanitize(char *s, size_t size)
{
	s[size - 1] = '\0';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '"' || c == ',')
			*s = '?';
	}
}

/* ---- life cycle ------------------------------------------------------------ */

int cal_sim_pressure_new(struct cal_sim_pressure **out, const struct cal_sim_pressure_cfg *cfg)
{
	struct cal_sim_pressure_cfg def;
	struct cal_sim_pressure *sim;
	enum cal_unit unit;
	int64_t now = cal_mono_ms();
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "simulator: no out pointer");
	*out = NULL;
	if (!cfg) {
		cal_sim_pressure_cfg_default(&def);
		cfg = &def;
	}
	unit = cfg->unit == CAL_UNIT_NONE ? cal_sim_pressure_default_unit(cfg->protocol)
					  : cfg->unit;
	rc = check_cfg(cfg, unit);
	if (rc != CAL_OK)
		return rc;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return cal_error_set(CAL_ERR_NOMEM, "simulator: out of memory");
	sim->cfg = *cfg;
	sim->cfg.unit = unit;
	sanitize(sim->cfg.serial, sizeof(sim->cfg.serial));
	sim_srv_init(&sim->srv, "sim-pressure", &pressure_ops, sim, cfg->seed);
	sim->srv.line_faults = 1u << CAL_SIM_PRS_FAULT_ERROR;
	sim_prs_model_init(&sim->model, &sim->cfg, now);
	sim->unit = unit;
	sim->decimals = sim_prs_auto_decimals(sim, unit);
	sim->inl_pct = cfg->inl_pct;
	sim->inl_time_s = cfg->inl_time_ms / 1000.0;
	sim->hs_pa = cfg->hs_pa;
	sim->ss_pa_s = cfg->ss_pa_s;
	sim_prs_apply_criterion(sim, now);
	*out = sim;
	return CAL_OK;
}

int cal_sim_pressure_listen_pty(struct cal_sim_pressure *sim, char *path_out, size_t size)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "listen pty: NULL argument");
	return sim_srv_listen_pty(&sim->srv, path_out, size);
}

int cal_sim_pressure_listen_tcp(struct cal_sim_pressure *sim, const char *host, int port,
				int *bound_port)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "listen tcp: NULL simulator");
	return sim_srv_listen_tcp(&sim->srv, host, port, bound_port);
}

int cal_sim_pressure_start(struct cal_sim_pressure *sim)
{
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "start: NULL simulator");
	return sim_srv_start(&sim->srv);
}

void cal_sim_pressure_stop(struct cal_sim_pressure *sim)
{
	if (sim)
		sim_srv_stop(&sim->srv);
}

void cal_sim_pressure_free(struct cal_sim_pressure *sim)
{
	if (!sim)
		return;
	sim_srv_destroy(&sim->srv);
	free(sim);
}

/* ---- pneumatic faults, state ------------------------------------------------- */

void cal_sim_pressure_set_leak(struct cal_sim_pressure *sim, double pa_per_s)
{
	if (!sim || !ok_num(pa_per_s, 0, false)) {
		log_warn("set_leak: ignoring a leak that is not a number >= 0");
		return;
	}
	pthread_mutex_lock(&sim->srv.lock);
	sim_prs_model_set_leak(&sim->model, pa_per_s, cal_mono_ms());
	pthread_mutex_unlock(&sim->srv.lock);
}

void cal_sim_pressure_set_stuck(struct cal_sim_pressure *sim, bool stuck)
{
	if (!sim)
		return;
	pthread_mutex_lock(&sim->srv.lock);
	sim_prs_model_set_stuck(&sim->model, stuck, cal_mono_ms());
	pthread_mutex_unlock(&sim->srv.lock);
}

void cal_sim_pressure_set_noise(struct cal_sim_pressure *sim, double pa)
{
	if (!sim || !ok_num(pa, 0, false)) {
		log_warn("set_noise: ignoring a noise that is not a number >= 0");
		return;
	}
	pthread_mutex_lock(&sim->srv.lock);
	sim_prs_model_advance(&sim->model, cal_mono_ms());
	sim->model.noise_pa = pa;
	pthread_mutex_unlock(&sim->srv.lock);
}

void cal_sim_pressure_fault(struct cal_sim_pressure *sim, enum cal_sim_pressure_fault f, int count,
			    int late_ms)
{
	if (sim)
		sim_srv_fault(&sim->srv, (int)f, count, late_ms, CAL_SIM_PRS_FAULT_ERROR);
}

void cal_sim_pressure_stats(struct cal_sim_pressure *sim, unsigned long *commands,
			    unsigned long *replies)
{
	if (sim)
		sim_srv_stats(&sim->srv, commands, replies);
}

/* Caller holds the lock. */
static void state_locked(struct cal_sim_pressure *sim, struct cal_sim_pressure_state *out)
{
	struct sim_prs_reading r;

	sim_prs_model_read(&r, &sim->model, cal_mono_ms());
	out->p_pa = r.p_pa;
	out->setpoint_pa = sim->model.sp_pa;
	out->rate_pa_s = r.rate_pa_s;
	out->control = sim->model.mode == SIM_PRS_CONTROL;
	out->venting = sim->model.vent_status == 1;
	out->ready = r.ready;
	out->stuck = sim->model.stuck;
	out->leak_pa_s = sim->model.leak_pa_s;
	out->unit = sim->unit;
	out->decimals = sim->decimals;
}

void cal_sim_pressure_state(struct cal_sim_pressure *sim, struct cal_sim_pressure_state *out)
{
	if (!sim || !out)
		return;
	pthread_mutex_lock(&sim->srv.lock);
	state_locked(sim, out);
	pthread_mutex_unlock(&sim->srv.lock);
}

/* ---- text control --------------------------------------------------------------- */

static const char help_text[] =
	"fault drop|garble|error [n] | fault late [n] <ms> | fault close [n] | fault none | "
	"leak <rate> [unit] (per s) | stuck [on|off] | noise <p> [unit] | status | help "
	"(pressures in the configured unit unless a unit follows)";

static const struct sim_ctl_fault_kind fault_kinds[] = {
	{ "drop", CAL_SIM_PRS_FAULT_DROP },   { "garble", CAL_SIM_PRS_FAULT_GARBLE },
	{ "late", CAL_SIM_PRS_FAULT_LATE },   { "close", CAL_SIM_PRS_FAULT_CLOSE },
	{ "error", CAL_SIM_PRS_FAULT_ERROR }, { "none", CAL_SIM_PRS_FAULT_NONE },
	{ "clear", CAL_SIM_PRS_FAULT_NONE },
};

static const char *const fault_names[] = {
	[CAL_SIM_PRS_FAULT_NONE] = "none",     [CAL_SIM_PRS_FAULT_DROP] = "drop",
	[CAL_SIM_PRS_FAULT_GARBLE] = "garble", [CAL_SIM_PRS_FAULT_LATE] = "late",
	[CAL_SIM_PRS_FAULT_CLOSE] = "close",   [CAL_SIM_PRS_FAULT_ERROR] = "error",
};

/*
 * "<value> [unit]" -> Pa (>= 0). @unit_word may be NULL (the configured
 * unit); with @per_s the unit may end in "/s".
 */
static int ctl_pressure(double *pa, struct cal_sim_pressure *sim, const char *what,
			const char *value, const char *unit_word, bool per_s)
{
	enum cal_unit u = sim->cfg.unit;
	char sym[32];
	double v;
	int rc;

	rc = sim_ctl_double(&v, value, what);
	if (rc != CAL_OK)
		return rc;
	if (v < 0)
		return cal_error_set(CAL_ERR_ARG, "%s '%s': must be >= 0", what, value);
	if (unit_word) {
		size_t n = strlen(unit_word);

		snprintf(sym, sizeof(sym), "%s", unit_word);
		if (per_s && n > 2 && n < sizeof(sym) && strcmp(sym + n - 2, "/s") == 0)
			sym[n - 2] = '\0';
		if (cal_unit_parse(&u, sym) != CAL_OK || cal_unit_quantity(u) != CAL_Q_PRESSURE)
			return cal_error_set(CAL_ERR_ARG, "%s: '%s' is not a unit of pressure",
					     what, unit_word);
	}
	*pa = sim_prs_to_pa(v, u);
	return CAL_OK;
}

/* leak, noise, stuck. */
static int own_words(void *ctx, char **w, int nw)
{
	struct cal_sim_pressure *sim = ctx;
	bool leak = strcmp(w[0], "leak") == 0;
	double pa = 0;
	int rc;

	if (leak || strcmp(w[0], "noise") == 0) {
		if (nw < 2 || nw > 3)
			return cal_error_set(CAL_ERR_ARG, "%s: expected a value and maybe a unit",
					     w[0]);
		rc = ctl_pressure(&pa, sim, w[0], w[1], nw == 3 ? w[2] : NULL, leak);
		if (rc == CAL_OK && leak)
			cal_sim_pressure_set_leak(sim, pa);
		else if (rc == CAL_OK)
			cal_sim_pressure_set_noise(sim, pa);
		return rc;
	}
	if (strcmp(w[0], "stuck") == 0) {
		if (nw > 2 || (nw == 2 && strcmp(w[1], "on") && strcmp(w[1], "off")))
			return cal_error_set(CAL_ERR_ARG, "stuck: expected on or off");
		cal_sim_pressure_set_stuck(sim, nw == 1 || strcmp(w[1], "on") == 0);
		return CAL_OK;
	}
	return SIM_CTL_UNKNOWN;
}

static void status(void *ctx, char *buf, size_t size)
{
	sim_prs_status_line(ctx, buf, size);
}

static const struct sim_ctl pressure_ctl = {
	.faults = fault_kinds,
	.n_faults = sizeof(fault_kinds) / sizeof(fault_kinds[0]),
	.max_fault = CAL_SIM_PRS_FAULT_ERROR,
	.help = help_text,
	.status = status,
	.own = own_words,
};

int cal_sim_pressure_control(struct cal_sim_pressure *sim, const char *line, char *reply,
			     size_t size)
{
	if (reply && size > 0)
		reply[0] = '\0';
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "control: NULL argument");
	return sim_ctl_run(&sim->srv, &pressure_ctl, line, reply, size);
}

/* ---- status --------------------------------------------------------------------- */

void sim_prs_status_line(struct cal_sim_pressure *sim, char *buf, size_t size)
{
	struct cal_sim_pressure_state st;
	const char *sym;
	char p[48], sp[48], leak[48], noise[48];
	size_t n;

	pthread_mutex_lock(&sim->srv.lock);
	state_locked(sim, &st);
	sym = cal_unit_symbol(st.unit);
	cal_num_format(p, sizeof(p), sim_prs_from_pa(st.p_pa, st.unit), st.decimals);
	cal_num_format(sp, sizeof(sp), sim_prs_from_pa(st.setpoint_pa, st.unit), st.decimals);
	cal_num_format_sig(leak, sizeof(leak), sim_prs_from_pa(st.leak_pa_s, st.unit), 6);
	cal_num_format_sig(noise, sizeof(noise), sim_prs_from_pa(sim->model.noise_pa, st.unit), 6);
	n = sim_put(
		buf, size,
		"p=%s %s sp=%s %s control=%s ready=%d vent=%d stuck=%s leak=%s %s/s noise=%s %s "
		"protocol=%s ",
		p, sym, sp, sym, st.control ? "on" : "off", st.ready ? 1 : 0,
		sim->model.vent_status, st.stuck ? "on" : "off", leak, sym, noise, sym,
		cal_sim_pressure_protocol_name(sim->cfg.protocol));
	sim_srv_status_locked(&sim->srv, buf + n, size - n, fault_names);
	pthread_mutex_unlock(&sim->srv.lock);
}
