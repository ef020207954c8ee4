/*
 * Text control of the balance simulator: one line per call, as typed on the
 * stdin of `calbench sim balance` (grammar in cal/sim_balance.h). Numbers
 * use '.' whatever the locale; counts are decimal integers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#define LOG_PREFIX "sim-balance"
#include "cal/log.h"

#include "sim_balance_int.h"

static const char help_text[] =
	"load <g> | fault drop|garble|es|el [n] | fault late [n] <ms> | fault close [n] | "
	"fault none | profile <load:err,...>|none | noise <g> | drift <g/min> | status | help";

static const struct sim_ctl_fault_kind fault_kinds[] = {
	{ "drop", CAL_SIM_FAULT_DROP }, { "garble", CAL_SIM_FAULT_GARBLE },
	{ "late", CAL_SIM_FAULT_LATE }, { "close", CAL_SIM_FAULT_CLOSE },
	{ "es", CAL_SIM_FAULT_ES },	{ "el", CAL_SIM_FAULT_EL },
	{ "none", CAL_SIM_FAULT_NONE }, { "clear", CAL_SIM_FAULT_NONE },
};

/* load, profile, noise, drift. */
static int own_words(void *ctx, char **w, int nw)
{
	struct cal_sim_balance *sim = ctx;
	int rc = CAL_OK;
	double v;

	if (strcmp(w[0], "load") == 0) {
		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "load: expected one value in g");
		rc = sim_ctl_double(&v, w[1], "load");
		if (rc == CAL_OK)
			cal_sim_balance_set_load(sim, v);
	} else if (strcmp(w[0], "profile") == 0) {
		struct cal_sim_balance_cfg cfg;

		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "profile: expected load:err,... or none "
							  "(no spaces)");
		memset(&cfg, 0, sizeof(cfg));
		rc = cal_sim_balance_parse_profile(&cfg, w[1]);
		if (rc == CAL_OK)
			cal_sim_balance_set_error_profile(sim, cfg.err, cfg.n_err);
	} else if (strcmp(w[0], "noise") == 0 || strcmp(w[0], "drift") == 0) {
		bool noise = w[0][0] == 'n';

		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "%s: expected one value", w[0]);
		rc = sim_ctl_double(&v, w[1], w[0]);
		if (rc == CAL_OK && noise && v < 0)
			rc = cal_error_set(CAL_ERR_ARG, "noise '%s': must be >= 0", w[1]);
		if (rc == CAL_OK) {
			pthread_mutex_lock(&sim->srv.lock);
			if (noise)
				sim->model.noise_g = v;
			else
				sim_model_set_drift(&sim->model, v, cal_mono_ms());
			pthread_mutex_unlock(&sim->srv.lock);
		}
	} else {
		return SIM_CTL_UNKNOWN;
	}
	return rc;
}

static void status(void *ctx, char *buf, size_t size)
{
	sim_status_line(ctx, buf, size);
}

static const struct sim_ctl balance_ctl = {
	.faults = fault_kinds,
	.n_faults = sizeof(fault_kinds) / sizeof(fault_kinds[0]),
	.max_fault = CAL_SIM_FAULT_EL,
	.help = help_text,
	.status = status,
	.own = own_words,
};

int cal_sim_balance_control(struct cal_sim_balance *sim, const char *line, char *reply, size_t size)
{
	if (reply && size > 0)
		reply[0] = '\0';
	if (!sim)
		return cal_error_set(CAL_ERR_ARG, "control: NULL argument");
	return sim_ctl_run(&sim->srv, &balance_ctl, line, reply, size);
}
