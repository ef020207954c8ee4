/*
 * The flow and the totalizer of the simulated flow meter. No I/O and no
 * locking (the caller holds the simulator's lock); time is an argument, so
 * tests run it on a fake clock.
 *
 * Between two changes of the setpoint the flow is the exact solution of
 * q' = (sp - q) / tau, and the totalizer its exact integral: over h seconds
 * from q0,
 *
 *   q(h)     = sp + (q0 - sp) e^(-h/tau)
 *   total   += sp h + (q0 - sp) tau (1 - e^(-h/tau))
 *
 * so the state at a time depends only on the setpoint changes and when
 * they were made, not on how often it was read. The reading adds noise x q
 * x N(seed, k), k the SIM_FLOW_STEP_MS step since power-up.
 */
#include <math.h>

#include "sim_flow_int.h"

void sim_flow_model_init(struct sim_flow_model *m, double q_m3s, int tau_ms, double noise,
			 uint64_t seed, int64_t now_ms)
{
	m->tau_s = tau_ms / 1000.0;
	m->noise = noise;
	m->seed = seed;
	m->t0_ms = now_ms;
	m->t_ms = now_ms;
	m->q_m3s = q_m3s;
	m->sp_m3s = q_m3s;
	m->total_m3 = 0;
}

void sim_flow_model_advance(struct sim_flow_model *m, int64_t now_ms)
{
	double h, e, d;

	if (now_ms <= m->t_ms)
		return;
	h = (double)(now_ms - m->t_ms) / 1000.0;
	e = exp(-h / m->tau_s);
	d = m->q_m3s - m->sp_m3s;
	m->total_m3 += m->sp_m3s * h + d * m->tau_s * (1.0 - e);
	m->q_m3s = m->sp_m3s + d * e;
	m->t_ms = now_ms;
}

void sim_flow_model_set_sp(struct sim_flow_model *m, double sp_m3s, int64_t now_ms)
{
	sim_flow_model_advance(m, now_ms);
	m->sp_m3s = sp_m3s;
}

double sim_flow_model_reading(const struct sim_flow_model *m)
{
	int64_t k = (m->t_ms - m->t0_ms) / SIM_FLOW_STEP_MS;

	if (m->noise <= 0)
		return m->q_m3s;
	return m->q_m3s * (1.0 + m->noise * sim_gauss(m->seed, k));
}
