/*
 * Pneumatics of the simulated pressure controller: what its sensor reads at
 * a given monotonic time. No I/O and no locking (the caller holds the
 * simulator's lock); time is an argument, so tests run it on a fake clock.
 *
 * The state advances in steps of SIM_PRS_STEP_MS counted from power-up,
 * whatever the calls in between: the state at time t depends only on the
 * changes made (setpoint, mode, leak, stuck) and when, not on how often it
 * was read. Each step is the exact solution over SIM_PRS_STEP_MS of:
 *
 *   control on, overshoot 0:  e' = -e / tau                   (first order)
 *   control on, overshoot x:  e'' + 2 sigma e' + (sigma^2 + wd^2) e = 0,
 *                             sigma = 1 / tau, wd = pi sigma / -ln(x)
 *                             (a step peaks x above its target at t = pi / wd)
 *   control off:              p' = -sign(p) leak, stopping at 0
 *   vent:                     p' = -2 p / tau
 *   stuck:                    p' = 0
 *
 * where e = p - target. The target is the setpoint, unless the leak exceeds
 * what the controller makes up for (SIM_PRS_COMP_FRAC x full scale per s):
 * then the pressure held sags (leak - capacity) x tau towards 0 (never past
 * it). While controlling, the compensated leak leaves a ripple of amplitude
 * min(leak, capacity) x SIM_PRS_RIPPLE_S, period SIM_PRS_RIPPLE_MS.
 *
 * The reading of step k is p + ripple + noise_pa N(seed, k). The ready
 * conditions are checked on every step: control on, |reading - setpoint| <=
 * band_pa and |p'| <= rate_max_pa_s; ready once they have held for dwell_ms.
 */
#include <math.h>
#include <string.h>

#include "sim_pressure_int.h"

/* The pressure the controller holds in the end, Pa gauge. */
static double control_target(const struct sim_prs_model *m)
{
	double excess = m->leak_pa_s - SIM_PRS_COMP_FRAC * m->fs_pa;
	double sag;

	if (excess <= 0)
		return m->sp_pa;
	sag = excess * m->tau_s;
	if (fabs(m->sp_pa) <= sag)
		return 0;
	return m->sp_pa - copysign(sag, m->sp_pa);
}

static double ripple(const struct sim_prs_model *m)
{
	double comp = SIM_PRS_COMP_FRAC * m->fs_pa;
	double amp = (m->leak_pa_s < comp ? m->leak_pa_s : comp) * SIM_PRS_RIPPLE_S;
	int64_t phase_ms = (m->t_ms - m->t0_ms) % SIM_PRS_RIPPLE_MS;

	if (m->mode != SIM_PRS_CONTROL || m->stuck || amp == 0)
		return 0;
	return amp * sin(2.0 * M_PI * (double)phase_ms / SIM_PRS_RIPPLE_MS);
}

/* The reading of the current step, Pa gauge. */
static double reading(const struct sim_prs_model *m)
{
	double p = m->p_pa + ripple(m);

	if (m->noise_pa > 0)
		p += m->noise_pa * sim_gauss(m->seed, m->k);
	return p;
}

/* Approach @target over h seconds, exactly. */
static void approach(struct sim_prs_model *m, double target, double h)
{
	double e = m->p_pa - target;
	double dec = exp(-m->sigma * h);
	double wd = m->omega_d;

	if (wd > 0) {
		double a = e, b = (m->v_pa_s + m->sigma * e) / wd;
		double c = cos(wd * h), s = sin(wd * h);

		e = dec * (a * c + b * s);
		m->v_pa_s = dec * ((-m->sigma * a + wd * b) * c + (-m->sigma * b - wd * a) * s);
	} else {
		e *= dec;
		m->v_pa_s = -m->sigma * e;
	}
	m->p_pa = target + e;
}

static void step(struct sim_prs_model *m)
{
	const double h = SIM_PRS_STEP_MS / 1000.0;
	double d, r;
	bool ok;

	m->k++;
	m->t_ms += SIM_PRS_STEP_MS;
	if (m->stuck) {
		m->v_pa_s = 0;
	} else if (m->mode == SIM_PRS_CONTROL) {
		approach(m, control_target(m), h);
	} else if (m->mode == SIM_PRS_VENT) {
		m->p_pa *= exp(-2.0 * m->sigma * h);
		m->v_pa_s = -2.0 * m->sigma * m->p_pa;
		if (m->vent_status == 1 && fabs(m->p_pa) <= SIM_PRS_VENT_DONE * m->fs_pa)
			m->vent_status = 2;
	} else {
		d = m->leak_pa_s * h;
		if (fabs(m->p_pa) <= d) {
			m->p_pa = 0;
			m->v_pa_s = 0;
		} else {
			m->v_pa_s = -copysign(m->leak_pa_s, m->p_pa);
			m->p_pa -= copysign(d, m->p_pa);
		}
	}
	r = reading(m);
	ok = m->mode == SIM_PRS_CONTROL && fabs(r - m->sp_pa) <= m->band_pa &&
	     fabs(m->v_pa_s) <= m->rate_max_pa_s;
	if (!ok)
		m->inband_ms = -1;
	else if (m->inband_ms < 0)
		m->inband_ms = 0;
	else
		m->inband_ms += SIM_PRS_STEP_MS;
}

void sim_prs_model_init(struct sim_prs_model *m, const struct cal_sim_pressure_cfg *cfg,
			int64_t now_ms)
{
	memset(m, 0, sizeof(*m));
	m->fs_pa = fmax(fabs(cfg->lower_pa), fabs(cfg->upper_pa));
	m->tau_s = cfg->tau_ms / 1000.0;
	m->sigma = 1.0 / m->tau_s;
	m->overshoot = cfg->overshoot;
	/* overshoot = exp(-pi sigma / wd) */
	m->omega_d = cfg->overshoot > 0 ? M_PI * m->sigma / -log(cfg->overshoot) : 0;
	m->leak_pa_s = cfg->leak_pa_s;
	m->noise_pa = cfg->noise_pa;
	m->seed = cfg->seed;
	m->t0_ms = now_ms;
	m->t_ms = now_ms;
	m->mode = SIM_PRS_IDLE;
	m->inband_ms = -1;
}

void sim_prs_model_advance(struct sim_prs_model *m, int64_t now_ms)
{
	while (now_ms - m->t_ms >= SIM_PRS_STEP_MS)
		step(m);
}

void sim_prs_model_set_setpoint(struct sim_prs_model *m, double sp_pa, int64_t now_ms)
{
	sim_prs_model_advance(m, now_ms);
	if (sp_pa != m->sp_pa)
		m->inband_ms = -1;
	m->sp_pa = sp_pa;
}

void sim_prs_model_set_mode(struct sim_prs_model *m, enum sim_prs_mode mode, int64_t now_ms)
{
	sim_prs_model_advance(m, now_ms);
	if (mode == m->mode)
		return;
	m->mode = mode;
	m->vent_status = mode == SIM_PRS_VENT ? 1 : 0;
	m->inband_ms = -1;
}

void sim_prs_model_set_leak(struct sim_prs_model *m, double pa_per_s, int64_t now_ms)
{
	sim_prs_model_advance(m, now_ms);
	m->leak_pa_s = pa_per_s;
}

void sim_prs_model_set_stuck(struct sim_prs_model *m, bool stuck, int64_t now_ms)
{
	sim_prs_model_advance(m, now_ms);
	m->stuck = stuck;
	if (stuck)
		m->v_pa_s = 0;
}

void sim_prs_model_set_criterion(struct sim_prs_model *m, double band_pa, double rate_max_pa_s,
				 int dwell_ms, int64_t now_ms)
{
	sim_prs_model_advance(m, now_ms);
	if (band_pa == m->band_pa && rate_max_pa_s == m->rate_max_pa_s && dwell_ms == m->dwell_ms)
		return;
	m->band_pa = band_pa;
	m->rate_max_pa_s = rate_max_pa_s;
	m->dwell_ms = dwell_ms;
	m->inband_ms = -1;
}

void sim_prs_model_read(struct sim_prs_reading *out, struct sim_prs_model *m, int64_t now_ms)
{
	sim_prs_model_advance(m, now_ms);
	out->p_pa = reading(m);
	out->rate_pa_s = m->v_pa_s;
	out->ready = m->mode == SIM_PRS_CONTROL && m->inband_ms >= m->dwell_ms;
}
