/*
 * Physics of the simulated balance: what the load cell and its electronics
 * would show at a given monotonic time. Pure functions of the state and the
 * time, no I/O and no locking (the caller holds the simulator's lock).
 *
 * The A/D converter delivers one sample every SIM_SAMPLE_MS, numbered k from
 * t0_ms. A sample is
 *
 *   raw(k) = mech(t_k) + drift(t_k) + noise_g * N(seed, k)
 *
 * where mech() approaches target_g = load + err(load) exponentially (time
 * constant settle_ms / 5) from the value it had when the load last changed,
 * and is exactly target_g from settle_ms on. N(seed, k) is a standard normal
 * deviate computed from (seed, k) alone, so the noise does not depend on how
 * often the host asks, and a given seed always gives the same sequence.
 */
#include <math.h>
#include <string.h>

#include "sim_balance_int.h"

static double mech_at(const struct sim_model *m, int64_t t_ms)
{
	int64_t dt = t_ms - m->t_change_ms;
	double tau;

	/* settle_ms 0: the load changes at once, even between two samples */
	if (m->settle_ms <= 0 || dt >= m->settle_ms)
		return m->target_g;
	if (dt < 0)
		return m->from_g;
	tau = m->settle_ms / 5.0;
	return m->target_g + (m->from_g - m->target_g) * exp(-(double)dt / tau);
}

/* Drift plus noise of sample k: the part the stability rule looks at, g. */
static double jitter(const struct sim_model *m, int64_t k)
{
	int64_t t_ms = m->t0_ms + k * SIM_SAMPLE_MS;
	double v = m->drift_base_g + m->drift_g_per_min * (double)(t_ms - m->drift_t0_ms) / 60000.0;

	if (m->noise_g > 0)
		v += m->noise_g * sim_gauss(m->seed, k);
	return v;
}

static int64_t sample_index(const struct sim_model *m, int64_t now_ms)
{
	int64_t dt = now_ms - m->t0_ms;

	/* Floor division: time before t0 belongs to negative samples. */
	if (dt < 0)
		return -((-dt + SIM_SAMPLE_MS - 1) / SIM_SAMPLE_MS);
	return dt / SIM_SAMPLE_MS;
}

static double sample_raw(const struct sim_model *m, int64_t k)
{
	return mech_at(m, m->t0_ms + k * SIM_SAMPLE_MS) + jitter(m, k);
}

void sim_model_init(struct sim_model *m, const struct cal_sim_balance_cfg *cfg, int64_t now_ms)
{
	memset(m, 0, sizeof(*m));
	m->max_g = cfg->max_g;
	m->d_g = cfg->d_g;
	m->noise_g = cfg->noise_g;
	m->drift_g_per_min = cfg->drift_g_per_min;
	m->settle_ms = cfg->settle_ms;
	m->seed = cfg->seed;
	m->t0_ms = now_ms;
	m->drift_t0_ms = now_ms;
	m->t_change_ms = now_ms - cfg->settle_ms - SIM_STAB_WINDOW_MS;
	sim_model_set_profile(m, cfg->err, cfg->n_err, now_ms);
	m->from_g = m->target_g;
}

void sim_model_set_load(struct sim_model *m, double load_g, int64_t now_ms)
{
	m->from_g = mech_at(m, now_ms);
	m->load_g = load_g;
	m->target_g = load_g + sim_model_err(m, load_g);
	m->t_change_ms = now_ms;
}

void sim_model_set_profile(struct sim_model *m, const struct cal_sim_err_point *err, size_t n,
			   int64_t now_ms)
{
	double old_target = m->target_g;

	if (n > CAL_SIM_ERR_POINTS_MAX)
		n = CAL_SIM_ERR_POINTS_MAX;
	/* Insertion sort by load; equal loads keep the later point only. */
	m->n_err = 0;
	for (size_t i = 0; i < n; i++) {
		struct cal_sim_err_point p = err[i];
		size_t j = m->n_err;

		if (!isfinite(p.load_g) || !isfinite(p.err_g))
			continue;
		while (j > 0 && m->err[j - 1].load_g > p.load_g) {
			m->err[j] = m->err[j - 1];
			j--;
		}
		if (j > 0 && m->err[j - 1].load_g == p.load_g) {
			m->err[j - 1] = p;
			/* close the gap opened by the shifting */
			memmove(&m->err[j], &m->err[j + 1], (m->n_err - j) * sizeof(m->err[0]));
			continue;
		}
		m->err[j] = p;
		m->n_err++;
	}
	/* No transient: shift the whole motion by the change of the error. */
	(void)now_ms;
	m->target_g = m->load_g + sim_model_err(m, m->load_g);
	m->from_g += m->target_g - old_target;
}

double sim_model_err(const struct sim_model *m, double load_g)
{
	size_t i;

	if (m->n_err == 0)
		return 0.0;
	if (load_g <= m->err[0].load_g)
		return m->err[0].err_g;
	if (load_g >= m->err[m->n_err - 1].load_g)
		return m->err[m->n_err - 1].err_g;
	for (i = 1; i < m->n_err; i++) {
		const struct cal_sim_err_point *a = &m->err[i - 1];
		const struct cal_sim_err_point *b = &m->err[i];

		if (load_g <= b->load_g)
			return a->err_g + (b->err_g - a->err_g) * (load_g - a->load_g) /
						  (b->load_g - a->load_g);
	}
	return m->err[m->n_err - 1].err_g;
}

void sim_model_set_drift(struct sim_model *m, double g_per_min, int64_t now_ms)
{
	m->drift_base_g += m->drift_g_per_min * (double)(now_ms - m->drift_t0_ms) / 60000.0;
	m->drift_t0_ms = now_ms;
	m->drift_g_per_min = g_per_min;
}

void sim_model_read(struct sim_reading *out, const struct sim_model *m, int64_t now_ms)
{
	int64_t k = sample_index(m, now_ms);
	int n = SIM_STAB_WINDOW_MS / SIM_SAMPLE_MS;
	double j[SIM_STAB_WINDOW_MS / SIM_SAMPLE_MS];
	double jmean = 0, rmean = 0;
	bool quiet = true;

	for (int i = 0; i < n; i++) {
		int64_t ki = k - (n - 1) + i;

		j[i] = jitter(m, ki);
		jmean += j[i];
		rmean += mech_at(m, m->t0_ms + ki * SIM_SAMPLE_MS) + j[i];
	}
	jmean /= n;
	rmean /= n;
	for (int i = 0; i < n; i++) {
		if (fabs(j[i] - jmean) > m->d_g / 2)
			quiet = false;
	}

	out->gross_g = sample_raw(m, k) - m->zero_g;
	out->net_g = out->gross_g - m->tare_g;
	out->mean_gross_g = rmean - m->zero_g;
	/*
	 * Judged on the oldest sample of the stability window, so neither "S" nor
	 * the window mean a zero or tare takes carries a pre-settling value.
	 */
	out->settled = m->settle_ms <= 0 ||
		       m->t0_ms + (k - (n - 1)) * SIM_SAMPLE_MS - m->t_change_ms >= m->settle_ms;
	out->stable = out->settled && quiet;
	out->over = out->gross_g > m->max_g + SIM_OVERLOAD_E * m->d_g;
	out->under = out->gross_g < -SIM_UNDERLOAD_D * m->d_g;
}

double sim_round_to_d(double v, double d)
{
	return d * round(v / d);
}

int sim_decimals(double d)
{
	double x = d;

	for (int k = 0; k < 9; k++) {
		if (fabs(x - round(x)) < 1e-6 * (x > 1 ? x : 1))
			return k;
		x *= 10;
	}
	return 9;
}
