/*
 * Unit tests of the pressure controller simulator (simulators/sim_pressure*):
 *
 *  - the pneumatic model on a fake clock: time constant, overshoot, leak with
 *    control off and on, vent, seeded noise, ready only after the dwell;
 *  - each dialect (PACE, Mensor, PPC4) over a real pty AND a real TCP socket,
 *    driven with plain POSIX read/write and a line reader of its own (nothing
 *    from drivers/): every reply is checked byte for byte against
 *    docs/pressure-dialects.md, then every fault;
 *  - the pneumatic faults (big leak, stuck) over the wire, and the control
 *    language.
 *
 * Time constants and dwells are short (20 ms, 300 ms). Waits for an event
 * poll with a generous deadline; a check that something did NOT happen too
 * early compares against the time measured on our side, which can only be
 * later than the simulator's, so a loaded machine cannot make them fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/sim_pressure.h"
#include "sim_pressure_int.h"

#include "line_client.h"

#define QUIET_MS 200  /* wait that proves no reply comes, ms */
#define EVENT_MS 5000 /* generous wait for a state the model must reach, ms */
#define DWELL_MS 300  /* dwell / in-limits time of the wire tests, ms */

/* Ask @cmd until the reply is @want (EVENT_MS at most). */
static void ask_until(struct client *w, const char *cmd, const char *want)
{
	int64_t deadline = cal_mono_ms() + EVENT_MS;
	char line[512] = "";

	while (cal_mono_ms() < deadline) {
		send_str(w, cmd);
		assert_true(read_line(w, line, sizeof(line), REPLY_MS) > 0);
		if (strcmp(line, want) == 0)
			return;
		sleep_ms(10);
	}
	assert_string_equal(line, want);
}

/*
 * The dialect's ready flag in a reply: 1, 0, or -1 when the reply is no
 * ready reply at all.
 */
static int ready_flag(enum cal_sim_pressure_protocol p, const char *line)
{
	size_t n = strlen(line);
	static const char *const yes[] = { ", 1\r\n", " YES\r\n", "R\r\n" };
	static const char *const no[] = { ", 0\r\n", " NO\r\n", "NR\r\n" };

	if (n >= strlen(no[p]) && strcmp(line + n - strlen(no[p]), no[p]) == 0)
		return 0;
	if (n >= strlen(yes[p]) && strcmp(line + n - strlen(yes[p]), yes[p]) == 0)
		return 1;
	return -1;
}

/*
 * Control started at @t0 (taken before the command was sent): poll the
 * ready flag until it is 1, which must not be before the dwell has passed.
 * Our clock started first, so the check cannot fail on a slow machine; the
 * approach into the band takes ~180 ms, so a missing dwell shows.
 */
static void ready_after_dwell(struct client *w, enum cal_sim_pressure_protocol p, const char *cmd,
			      int64_t t0)
{
	char line[512];
	int flag;

	do {
		send_str(w, cmd);
		assert_true(read_line(w, line, sizeof(line), REPLY_MS) > 0);
		flag = ready_flag(p, line);
		assert_true(flag == 0 || flag == 1);
		assert_true(cal_mono_ms() - t0 < EVENT_MS);
		if (flag == 0)
			sleep_ms(5);
	} while (flag == 0);
	assert_true(cal_mono_ms() - t0 >= DWELL_MS);
}

/* ---- fixtures ----------------------------------------------------------------- */

/* Fast and exact: tau 20 ms, overshoot 5 %, no leak, no noise, dwell 300 ms. */
static struct cal_sim_pressure_cfg wire_cfg(enum cal_sim_pressure_protocol p)
{
	struct cal_sim_pressure_cfg cfg;

	cal_sim_pressure_cfg_default(&cfg);
	cfg.protocol = p;
	cfg.tau_ms = 20;
	cfg.leak_pa_s = 0;
	cfg.inl_time_ms = DWELL_MS;
	cfg.dwell_ms = DWELL_MS;
	cfg.atm_pa = 1e5;
	return cfg;
}

/* A started simulator on a new pty or TCP port, with a client connected. */
static struct cal_sim_pressure *sim_up(struct client *w, const struct cal_sim_pressure_cfg *cfg,
				       bool tcp)
{
	struct cal_sim_pressure *sim = NULL;
	char path[64];

	assert_int_equal(cal_sim_pressure_new(&sim, cfg), CAL_OK);
	w->len = 0;
	w->port = 0;
	if (tcp) {
		assert_int_equal(cal_sim_pressure_listen_tcp(sim, "127.0.0.1", 0, &w->port),
				 CAL_OK);
		assert_true(w->port > 0);
		assert_int_equal(cal_sim_pressure_start(sim), CAL_OK);
		tcp_connect(w, w->port);
	} else {
		assert_int_equal(cal_sim_pressure_listen_pty(sim, path, sizeof(path)), CAL_OK);
		assert_true(strncmp(path, "/dev/pts/", 9) == 0);
		assert_int_equal(cal_sim_pressure_start(sim), CAL_OK);
		w->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		assert_true(w->fd >= 0);
	}
	return sim;
}

static void sim_down(struct cal_sim_pressure *sim, struct client *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	cal_sim_pressure_free(sim);
}

static void ctl(struct cal_sim_pressure *sim, const char *line)
{
	char reply[512];

	assert_int_equal(cal_sim_pressure_control(sim, line, reply, sizeof(reply)), CAL_OK);
	assert_string_equal(reply, "ok");
}

/*
 * drop, garble and late on a query whose reply is @want; @cmd2 / @want2 is
 * another query, to show the order after a late reply.
 */
static void check_reply_faults(struct cal_sim_pressure *sim, struct client *w, const char *cmd,
			       const char *want, const char *cmd2, const char *want2)
{
	char line[512];
	int64_t t0;
	int diff = 0, n;

	xfer(w, cmd, want);
	/* drop: no reply, then normal again */
	cal_sim_pressure_fault(sim, CAL_SIM_PRS_FAULT_DROP, 1, 0);
	send_str(w, cmd);
	expect_quiet(w, QUIET_MS);
	xfer(w, cmd, want);

	/* garble: one byte differs, the length and CR LF stay */
	ctl(sim, "fault garble");
	send_str(w, cmd);
	n = read_line(w, line, sizeof(line), REPLY_MS);
	assert_int_equal(n, (int)strlen(want));
	assert_memory_equal(line + n - 2, "\r\n", 2);
	for (int k = 0; k < n; k++)
		diff += line[k] != want[k];
	assert_int_equal(diff, 1);
	xfer(w, cmd, want);

	/* late: the reply comes after the delay, and only then the next one */
	ctl(sim, "fault late 1 300");
	t0 = cal_mono_ms();
	send_str(w, cmd);
	send_str(w, cmd2);
	expect_line(w, want);
	assert_true(cal_mono_ms() - t0 >= 300);
	expect_line(w, want2);
}

/*
 * close: TCP: instead of the next reply (EOF, then a new client is served)
 * and at once; pty: at once, and the simulator stops for good.
 */
static void check_close(struct cal_sim_pressure *sim, struct client *w, const char *cmd,
			const char *want)
{
	char line[512];

	if (w->port) {
		ctl(sim, "fault close 1");
		send_str(w, cmd);
		assert_int_equal(read_line(w, line, sizeof(line), REPLY_MS), -1);
		close(w->fd);
		tcp_connect(w, w->port);
		xfer(w, cmd, want);
		assert_int_equal(cal_sim_pressure_control(sim, "status", line, sizeof(line)),
				 CAL_OK);
		assert_non_null(strstr(line, ":client"));
		ctl(sim, "fault close");
		assert_int_equal(read_line(w, line, sizeof(line), REPLY_MS), -1);
		close(w->fd);
		tcp_connect(w, w->port);
		xfer(w, cmd, want);
		return;
	}
	ctl(sim, "fault close");
	assert_int_equal(read_line(w, line, sizeof(line), REPLY_MS), -1);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(cal_sim_pressure_control(sim, "status", line, sizeof(line)),
				 CAL_OK);
		if (strstr(line, "link=closed (stopped)"))
			break;
		sleep_ms(10);
	}
	assert_non_null(strstr(line, "link=closed (stopped)"));
	assert_int_equal(cal_sim_pressure_start(sim), CAL_ERR_STATE);
}

/* ---- settings -------------------------------------------------------------------- */

static void test_prs_cfg(void **state)
{
	struct cal_sim_pressure_cfg cfg;
	struct cal_sim_pressure *sim = NULL;
	struct cal_sim_pressure_state st;
	enum cal_sim_pressure_protocol p;

	(void)state;
	cal_sim_pressure_cfg_default(&cfg);
	assert_int_equal(cfg.protocol, CAL_SIM_PRS_PACE);
	assert_string_equal(cfg.serial, "SIMP0001");
	assert_int_equal(cfg.unit, CAL_UNIT_NONE);
	assert_true(cfg.lower_pa == -1e5 && cfg.upper_pa == 20e5);
	assert_int_equal(cfg.decimals, -1);
	assert_int_equal(cfg.tau_ms, 300);
	assert_true(cfg.overshoot == 0.05 && cfg.leak_pa_s > 0 && cfg.noise_pa == 0);
	assert_true(cfg.inl_pct == 0.01 && cfg.inl_time_ms == 2000);
	assert_true(cfg.hs_pa == 100 && cfg.ss_pa_s == 50 && cfg.stable_band_pa == 80);
	assert_int_equal(cfg.seed, 1);

	assert_int_equal(cal_sim_pressure_protocol_parse(&p, "mensor-cpc"), CAL_OK);
	assert_int_equal(p, CAL_SIM_PRS_MENSOR);
	assert_int_equal(cal_sim_pressure_protocol_parse(&p, "ppc4"), CAL_OK);
	assert_int_equal(p, CAL_SIM_PRS_PPC4);
	assert_int_equal(cal_sim_pressure_protocol_parse(&p, "PACE"), CAL_ERR_ARG);
	assert_string_equal(cal_sim_pressure_protocol_name(CAL_SIM_PRS_PACE), "pace");
	assert_int_equal(cal_sim_pressure_default_unit(CAL_SIM_PRS_MENSOR), CAL_UNIT_BAR);
	assert_int_equal(cal_sim_pressure_default_unit(CAL_SIM_PRS_PPC4), CAL_UNIT_KPA);

	/* the unit resolves per protocol; decimals follow the full scale */
	cfg.protocol = CAL_SIM_PRS_PPC4;
	assert_int_equal(cal_sim_pressure_new(&sim, &cfg), CAL_OK);
	cal_sim_pressure_state(sim, &st);
	assert_int_equal(st.unit, CAL_UNIT_KPA);
	assert_int_equal(st.decimals, 2); /* 2000 kPa */
	assert_false(st.control || st.ready || st.venting);
	/* not listening yet */
	assert_int_equal(cal_sim_pressure_start(sim), CAL_ERR_STATE);
	cal_sim_pressure_free(sim);
	assert_int_equal(cal_sim_pressure_new(&sim, NULL), CAL_OK);
	cal_sim_pressure_state(sim, &st);
	assert_int_equal(st.unit, CAL_UNIT_BAR);
	assert_int_equal(st.decimals, 4); /* 20 bar */
	cal_sim_pressure_free(sim);
	cal_sim_pressure_free(NULL);

	/* refused settings */
	{
		static const struct {
			enum cal_sim_pressure_protocol p;
			enum cal_unit u;
		} no_token[] = {
			{ CAL_SIM_PRS_PACE, CAL_UNIT_INH2O_4C },
			{ CAL_SIM_PRS_MENSOR, CAL_UNIT_MPA },
			{ CAL_SIM_PRS_PPC4, CAL_UNIT_ATM },
			{ CAL_SIM_PRS_PACE, CAL_UNIT_G },
		};

		for (size_t i = 0; i < sizeof(no_token) / sizeof(no_token[0]); i++) {
			cal_sim_pressure_cfg_default(&cfg);
			cfg.protocol = no_token[i].p;
			cfg.unit = no_token[i].u;
			assert_int_equal(cal_sim_pressure_new(&sim, &cfg), CAL_ERR_ARG);
			assert_null(sim);
		}
	}
	cal_sim_pressure_cfg_default(&cfg);
	cfg.lower_pa = 1e5; /* the range must hold 0 */
	assert_int_equal(cal_sim_pressure_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_pressure_cfg_default(&cfg);
	cfg.tau_ms = 0;
	assert_int_equal(cal_sim_pressure_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_pressure_cfg_default(&cfg);
	cfg.overshoot = 0.6;
	assert_int_equal(cal_sim_pressure_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_pressure_cfg_default(&cfg);
	cfg.leak_pa_s = -1;
	assert_int_equal(cal_sim_pressure_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_pressure_cfg_default(&cfg);
	cfg.decimals = 10;
	assert_int_equal(cal_sim_pressure_new(&sim, &cfg), CAL_ERR_ARG);
	assert_int_equal(cal_sim_pressure_new(NULL, &cfg), CAL_ERR_ARG);
}

/* ---- the model on a fake clock ------------------------------------------------------- */

/* A model at t = 0 controlling from 0 towards sp_pa (tau 300 ms, no leak, no noise). */
static void model_step_to(struct sim_prs_model *m, double overshoot, double sp_pa)
{
	struct cal_sim_pressure_cfg cfg;

	cal_sim_pressure_cfg_default(&cfg);
	cfg.overshoot = overshoot;
	cfg.leak_pa_s = 0;
	sim_prs_model_init(m, &cfg, 0);
	sim_prs_model_set_criterion(m, 200, 200, 500, 0);
	sim_prs_model_set_setpoint(m, sp_pa, 0);
	sim_prs_model_set_mode(m, SIM_PRS_CONTROL, 0);
}

static double p_at(struct sim_prs_model *m, int64_t t_ms)
{
	struct sim_prs_reading r;

	sim_prs_model_read(&r, m, t_ms);
	return r.p_pa;
}

static void test_prs_model_time_constant(void **state)
{
	struct sim_prs_model m;
	double prev = 0;

	(void)state;
	/* first order: after tau the error is e^-1 = 36.8 % of the step, e^-2 after 2 tau */
	model_step_to(&m, 0, 1e6);
	assert_true(fabs((1e6 - p_at(&m, 300)) / 1e6 - exp(-1)) < 1e-9);
	assert_true(fabs((1e6 - p_at(&m, 600)) / 1e6 - exp(-2)) < 1e-9);
	/* and never above the setpoint */
	model_step_to(&m, 0, 1e6);
	for (int64_t t = 0; t <= 5000; t += SIM_PRS_STEP_MS) {
		double p = p_at(&m, t);

		assert_true(p >= prev && p <= 1e6);
		prev = p;
	}
	assert_true(fabs(p_at(&m, 10000) - 1e6) < 1e-3);
	/* the same from above, towards a vacuum setpoint */
	model_step_to(&m, 0, -5e4);
	assert_true(fabs((p_at(&m, 300) + 5e4) / 5e4 - exp(-1)) < 1e-9);
}

static void test_prs_model_overshoot(void **state)
{
	struct sim_prs_model m;
	double peak = 0, e_10tau = 0, e_5tau = 0;
	int64_t t_peak = 0;

	(void)state;
	/* 5 % overshoot: the peak is 1.05 x the step, at pi / wd = -ln(0.05) tau = 899 ms */
	model_step_to(&m, 0.05, 1e6);
	for (int64_t t = 0; t <= 5000; t += SIM_PRS_STEP_MS) {
		double p = p_at(&m, t);

		if (p > peak) {
			peak = p;
			t_peak = t;
		}
		if (t == 1500)
			e_5tau = fabs(p - 1e6);
		if (t == 3000)
			e_10tau = fabs(p - 1e6);
	}
	assert_true(fabs(peak / 1e6 - 1.05) < 0.001);
	assert_true(llabs(t_peak - 899) <= 10);
	/* the envelope decays with tau: within sqrt(1 + (sigma/wd)^2) = 1.38 e^-t/tau */
	assert_true(e_5tau < 1e6 * 1.39 * exp(-5));
	assert_true(e_10tau < 1e6 * 1.39 * exp(-10));
	/* a step downwards undershoots by as much */
	sim_prs_model_set_setpoint(&m, 0, 10000);
	peak = 1e6;
	for (int64_t t = 10000; t <= 15000; t += SIM_PRS_STEP_MS) {
		double p = p_at(&m, t);

		peak = p < peak ? p : peak;
	}
	assert_true(fabs(peak / 1e6 + 0.05) < 0.001);
}

static void test_prs_model_leak(void **state)
{
	struct sim_prs_model m;
	struct sim_prs_reading r;
	bool ever_ready = false;

	(void)state;
	/* control off: the pressure leaks towards 0 at the leak rate, and stops at 0 */
	model_step_to(&m, 0.05, 1e6);
	sim_prs_model_set_mode(&m, SIM_PRS_IDLE, 20000);
	sim_prs_model_set_leak(&m, 1e4, 20000);
	assert_true(fabs(p_at(&m, 21000) - (1e6 - 1e4)) < 1);
	assert_true(fabs(p_at(&m, 30000) - (1e6 - 1e5)) < 1);
	assert_true(p_at(&m, 20000 + 101000) == 0);
	assert_true(p_at(&m, 20000 + 200000) == 0);
	/* a vacuum leaks up to 0 */
	model_step_to(&m, 0, -5e4);
	sim_prs_model_set_mode(&m, SIM_PRS_IDLE, 20000);
	sim_prs_model_set_leak(&m, 1e4, 20000);
	assert_true(fabs(p_at(&m, 21000) + 4e4) < 1);
	assert_true(p_at(&m, 30000) == 0);

	/*
	 * control on, a leak the controller makes up for (2 % FS/s = 40 kPa/s):
	 * the setpoint is held within the ripple, 1e4 Pa/s x 2 ms, and reached
	 */
	model_step_to(&m, 0.05, 1e6);
	sim_prs_model_set_leak(&m, 1e4, 0);
	for (int64_t t = 10000; t < 11000; t += SIM_PRS_STEP_MS)
		assert_true(fabs(p_at(&m, t) - 1e6) <= 1e4 * SIM_PRS_RIPPLE_S + 1e-6);
	sim_prs_model_read(&r, &m, 11000);
	assert_true(r.ready);

	/* a bigger one: the pressure sags (leak - capacity) x tau, never ready */
	model_step_to(&m, 0.05, 1e6);
	sim_prs_model_set_leak(&m, 1e5, 0);
	for (int64_t t = 0; t < 30000; t += SIM_PRS_STEP_MS) {
		sim_prs_model_read(&r, &m, t);
		ever_ready |= r.ready;
	}
	assert_false(ever_ready);
	assert_true(fabs(r.p_pa - (1e6 - 6e4 * 0.3)) < 4e4 * SIM_PRS_RIPPLE_S + 1);
	/* the leak fixed: ready again */
	sim_prs_model_set_leak(&m, 0, 30000);
	sim_prs_model_read(&r, &m, 40000);
	assert_true(r.ready);
}

static void test_prs_model_vent_stuck(void **state)
{
	struct sim_prs_model m;
	struct sim_prs_reading r;

	(void)state;
	/* vent: tau / 2 towards 0; complete (2) below 0.01 % FS = 200 Pa, after 1278 ms */
	model_step_to(&m, 0.05, 1e6);
	sim_prs_model_set_mode(&m, SIM_PRS_VENT, 10000);
	assert_int_equal(m.vent_status, 1);
	assert_true(fabs(p_at(&m, 10150) - 1e6 * exp(-1)) < 1);
	assert_int_equal(m.vent_status, 1);
	p_at(&m, 11250);
	assert_int_equal(m.vent_status, 1);
	assert_true(p_at(&m, 11300) <= 200);
	assert_int_equal(m.vent_status, 2);
	sim_prs_model_read(&r, &m, 11300);
	assert_false(r.ready);
	/* control on again: vent status back to idle */
	sim_prs_model_set_mode(&m, SIM_PRS_CONTROL, 12000);
	assert_int_equal(m.vent_status, 0);

	/* stuck: the pressure does not move, whatever the setpoint; never ready */
	model_step_to(&m, 0.05, 1e6);
	sim_prs_model_set_stuck(&m, true, 10000);
	sim_prs_model_set_setpoint(&m, 5e5, 10000);
	for (int64_t t = 10000; t < 20000; t += SIM_PRS_STEP_MS) {
		sim_prs_model_read(&r, &m, t);
		assert_true(fabs(r.p_pa - 1e6) < 1e-3);
		assert_false(r.ready);
		assert_true(r.rate_pa_s == 0);
	}
	/* venting does not move it either */
	sim_prs_model_set_mode(&m, SIM_PRS_VENT, 20000);
	assert_true(fabs(p_at(&m, 25000) - 1e6) < 1e-3);
	assert_int_equal(m.vent_status, 1);
	sim_prs_model_set_stuck(&m, false, 25000);
	assert_true(p_at(&m, 30000) < 200);
}

static void test_prs_model_noise(void **state)
{
	struct sim_prs_model a, b;
	struct cal_sim_pressure_cfg cfg;
	double sum = 0, sum2 = 0;
	const int n = 20000;

	(void)state;
	model_step_to(&a, 0.05, 1e6);
	a.noise_pa = 100;
	a.seed = 7;
	for (int i = 0; i < n; i++) {
		double d = p_at(&a, 20000 + (int64_t)i * SIM_PRS_STEP_MS) - 1e6;

		sum += d;
		sum2 += d * d;
	}
	/* mean 0 (4 sigma of the mean = 2.8 Pa), std dev 100 Pa within 3 % */
	assert_true(fabs(sum / n) < 3);
	assert_true(fabs(sqrt(sum2 / n) / 100 - 1) < 0.03);

	/* seeded: the same seed gives the same readings, however often read */
	cal_sim_pressure_cfg_default(&cfg);
	cfg.noise_pa = 100;
	cfg.seed = 42;
	sim_prs_model_init(&a, &cfg, 1000);
	sim_prs_model_init(&b, &cfg, 1000);
	sim_prs_model_set_setpoint(&a, 5e5, 1000);
	sim_prs_model_set_setpoint(&b, 5e5, 1000);
	sim_prs_model_set_mode(&a, SIM_PRS_CONTROL, 1000);
	sim_prs_model_set_mode(&b, SIM_PRS_CONTROL, 1000);
	for (int64_t t = 1000; t < 3000; t += 7)
		p_at(&a, t);
	assert_true(p_at(&a, 3000) == p_at(&b, 3000));
	assert_true(p_at(&a, 3333) == p_at(&b, 3333));
	cfg.seed = 43;
	sim_prs_model_init(&b, &cfg, 1000);
	sim_prs_model_set_setpoint(&b, 5e5, 1000);
	sim_prs_model_set_mode(&b, SIM_PRS_CONTROL, 1000);
	assert_true(p_at(&a, 4000) != p_at(&b, 4000));
}

static void test_prs_model_ready_dwell(void **state)
{
	struct cal_sim_pressure_cfg cfg;
	struct sim_prs_model m;
	struct sim_prs_reading r;
	int64_t t_in = -1, t_ready = -1;

	(void)state;
	/*
	 * tau 100 ms, band 1000 Pa, rate limit 1000 Pa/s, dwell 500 ms, a 1 MPa
	 * step: |e| <= 1000 Pa from 691 ms, but |rate| = |e| / tau <= 1000 Pa/s
	 * only from 921 ms; ready 500 ms later.
	 */
	cal_sim_pressure_cfg_default(&cfg);
	cfg.tau_ms = 100;
	cfg.overshoot = 0;
	cfg.leak_pa_s = 0;
	sim_prs_model_init(&m, &cfg, 0);
	sim_prs_model_set_criterion(&m, 1000, 1000, 500, 0);
	sim_prs_model_set_setpoint(&m, 1e6, 0);
	sim_prs_model_set_mode(&m, SIM_PRS_CONTROL, 0);
	for (int64_t t = 0; t <= 3000; t += SIM_PRS_STEP_MS) {
		sim_prs_model_read(&r, &m, t);
		if (t_in < 0 && m.inband_ms >= 0)
			t_in = t;
		if (t_ready < 0 && r.ready)
			t_ready = t;
		if (t_ready >= 0)
			assert_true(r.ready); /* stays ready */
	}
	assert_true(t_in >= 920 && t_in <= 930);
	assert_int_equal(t_ready, t_in + 500);
	/* a new setpoint: not ready at once; the same setpoint again changes nothing */
	sim_prs_model_set_setpoint(&m, 1e6, 3000);
	sim_prs_model_read(&r, &m, 3000);
	assert_true(r.ready);
	sim_prs_model_set_setpoint(&m, 1.0001e6, 3000);
	sim_prs_model_read(&r, &m, 3000);
	assert_false(r.ready);
	/* control off: never ready */
	sim_prs_model_set_mode(&m, SIM_PRS_IDLE, 10000);
	sim_prs_model_read(&r, &m, 20000);
	assert_false(r.ready);
	/* dwell 0: ready at the first step in the band */
	sim_prs_model_set_mode(&m, SIM_PRS_CONTROL, 20000);
	sim_prs_model_set_criterion(&m, 1000, 1000, 0, 30000);
	sim_prs_model_read(&r, &m, 30000);
	assert_false(r.ready);
	sim_prs_model_read(&r, &m, 30000 + SIM_PRS_STEP_MS);
	assert_true(r.ready);
	/* noise far above the band: never ready */
	m.noise_pa = 5000;
	for (int64_t t = 31000; t < 35000; t += SIM_PRS_STEP_MS) {
		sim_prs_model_read(&r, &m, t);
		assert_false(r.ready && m.inband_ms > 100);
	}
}

/* ---- PACE ------------------------------------------------------------------------------ */

static void pace_wire(bool tcp)
{
	struct cal_sim_pressure_cfg cfg = wire_cfg(CAL_SIM_PRS_PACE);
	unsigned long c0, r0, c1, r1;
	struct cal_sim_pressure *sim;
	struct client w;
	int64_t t0;

	sim = sim_up(&w, &cfg, tcp);
	/* identification and the state at power-up; the host sends LF */
	xfer(&w, "*IDN?\n", "*IDN GE Druck,PACE5000,SIMP0001,02.00.07\r\n");
	xfer(&w, ":SENS:PRES?\n", ":SENS:PRES 0.0000\r\n");
	xfer(&w, ":SENS:PRES:INL?\n", ":SENS:PRES:INL 0.0000, 0\r\n");
	xfer(&w, ":OUTP:STAT?\n", ":OUTP:STAT 0\r\n");
	xfer(&w, ":UNIT:PRES?\n", ":UNIT:PRES BAR\r\n");
	xfer(&w, ":INST:LIM?\n", ":INST:LIM 20.0000,-1.0000\r\n");
	xfer(&w, ":SOUR:PRES:INL?\n", ":SOUR:PRES:INL 0.01\r\n");
	xfer(&w, ":SOUR:PRES:INL:TIME?\n", ":SOUR:PRES:INL:TIME 0.3\r\n");
	xfer(&w, ":SOUR:PRES:LEV:IMM:AMPL:VENT?\n", ":SOUR:PRES:LEV:IMM:AMPL:VENT 0\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR 0,\"No error\"\r\n");

	/* a setpoint: no reply to the command (counted as a command, not a reply) */
	cal_sim_pressure_stats(sim, &c0, &r0);
	send_str(&w, ":SOUR:PRES 10\n");
	xfer(&w, ":SOUR:PRES?\n", ":SOUR:PRES 10.0000\r\n");
	cal_sim_pressure_stats(sim, &c1, &r1);
	assert_int_equal(c1 - c0, 2);
	assert_int_equal(r1 - r0, 1);
	/* any terminator; long forms and the optional nodes; the short header comes back */
	xfer(&w, ":sour:pres?\r\n", ":SOUR:PRES 10.0000\r\n");
	xfer(&w, ":SOURce:PRESsure:LEVel:IMMediate:AMPLitude?\r",
	     ":SOUR:PRES:LEV:IMM:AMPL 10.0000\r\n");
	xfer(&w, "SENSE:PRESSURE?\n", ":SENS:PRES 0.0000\r\n");

	/* outside the range: -222 queued, setpoint unchanged, no reply */
	send_str(&w, ":SOUR:PRES 20.001\n");
	send_str(&w, ":SOUR:PRES:LEV:IMM:AMPL -1.5\n");
	xfer(&w, ":SOUR:PRES?\n", ":SOUR:PRES 10.0000\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -222,\"Data out of range\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -222,\"Data out of range\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR 0,\"No error\"\r\n");
	/* unknown header (query or not): no reply, -113; bad parameters: -102; junk: -100 */
	send_str(&w, ":SENS:FOO?\n");
	send_str(&w, ":INST:LIM 5\n");
	send_str(&w, ":SOUR:PRES ten\n");
	send_str(&w, ":OUTP:STAT MAYBE\n");
	send_str(&w, ":SENS:PRES? 3\n");
	send_str(&w, ":SENS:PR\xc3\xa9S?\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -113,\"Undefined header\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -113,\"Undefined header\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -102,\"Syntax error\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -102,\"Syntax error\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -102,\"Syntax error\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -100,\"Command error\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR 0,\"No error\"\r\n");
	/*
	 * a queue of 10: the 11th error turns the newest into -350 (at most
	 * SIM_QUEUE_LEN lines in flight: *IDN? waits for the batch before)
	 */
	for (int i = 0; i < 12; i++) {
		send_str(&w, ":FOO\n");
		if (i % 6 == 5)
			xfer(&w, "*IDN?\n", "*IDN GE Druck,PACE5000,SIMP0001,02.00.07\r\n");
	}
	for (int i = 0; i < 9; i++)
		xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -113,\"Undefined header\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -350,\"Queue overflow\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR 0,\"No error\"\r\n");

	/* control on: the in-limits flag goes from 0 to 1, not before the in-limits time */
	t0 = cal_mono_ms();
	send_str(&w, ":OUTP:STAT ON\n");
	ready_after_dwell(&w, CAL_SIM_PRS_PACE, ":SENS:PRES:INL?\n", t0);
	ask_until(&w, ":SENS:PRES:INL?\n", ":SENS:PRES:INL 10.0000, 1\r\n");
	xfer(&w, ":SENS:PRES?\n", ":SENS:PRES 10.0000\r\n");
	xfer(&w, ":OUTP:STAT?\n", ":OUTP:STAT 1\r\n");
	/* settings of the in-limits test */
	send_str(&w, ":SOUR:PRES:INL 0.05\n");
	send_str(&w, ":SOUR:PRES:INL:TIME 2\n");
	send_str(&w, ":SOUR:PRES:INL 0\n");
	xfer(&w, ":SOUR:PRES:INL?\n", ":SOUR:PRES:INL 0.05\r\n");
	xfer(&w, ":SOUR:PRES:INL:TIME?\n", ":SOUR:PRES:INL:TIME 2\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -222,\"Data out of range\"\r\n");
	send_str(&w, ":SOUR:PRES:INL:TIME 0.3\n");

	/* a unit change converts the state: 10 bar = 1000 kPa, range in kPa */
	send_str(&w, ":UNIT:PRES KPA\n");
	xfer(&w, ":UNIT:PRES?\n", ":UNIT:PRES KPA\r\n");
	xfer(&w, ":SOUR:PRES?\n", ":SOUR:PRES 1000.00\r\n");
	xfer(&w, ":SENS:PRES?\n", ":SENS:PRES 1000.00\r\n");
	xfer(&w, ":INST:LIM?\n", ":INST:LIM 2000.00,-100.00\r\n");
	send_str(&w, ":SOUR:PRES 2000.01\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -222,\"Data out of range\"\r\n");
	send_str(&w, ":UNIT:PRES psi\n");
	xfer(&w, ":UNIT:PRES?\n", ":UNIT:PRES PSI\r\n");
	xfer(&w, ":SOUR:PRES?\n", ":SOUR:PRES 145.038\r\n");
	send_str(&w, ":UNIT:PRES FURLONG\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -102,\"Syntax error\"\r\n");
	send_str(&w, ":UNIT:PRES BAR\n");

	/* faults on replies */
	check_reply_faults(sim, &w, ":SENS:PRES?\n", ":SENS:PRES 10.0000\r\n", "*IDN?\n",
			   "*IDN GE Druck,PACE5000,SIMP0001,02.00.07\r\n");
	/* the error fault: a command is not executed and queues -222 ... */
	ctl(sim, "fault error");
	send_str(&w, ":SOUR:PRES 5\n");
	xfer(&w, ":SOUR:PRES?\n", ":SOUR:PRES 10.0000\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -222,\"Data out of range\"\r\n");
	/* ... a query gets no reply (the next line is the error), :SYST:ERR? is spared */
	ctl(sim, "fault error 2");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR 0,\"No error\"\r\n");
	send_str(&w, ":SENS:PRES?\n");
	send_str(&w, "*IDN?\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -222,\"Data out of range\"\r\n");
	xfer(&w, ":SYST:ERR?\n", ":SYST:ERR -222,\"Data out of range\"\r\n");
	xfer(&w, ":SENS:PRES?\n", ":SENS:PRES 10.0000\r\n");

	/* vent: control off, 1 venting, then 2 complete at 0 */
	send_str(&w, ":SOUR:PRES:LEV:IMM:AMPL:VENT 1\n");
	xfer(&w, ":OUTP:STAT?\n", ":OUTP:STAT 0\r\n");
	ask_until(&w, ":SOUR:PRES:LEV:IMM:AMPL:VENT?\n", ":SOUR:PRES:LEV:IMM:AMPL:VENT 2\r\n");
	ask_until(&w, ":SENS:PRES?\n", ":SENS:PRES 0.0000\r\n");
	xfer(&w, ":SENS:PRES:INL?\n", ":SENS:PRES:INL 0.0000, 0\r\n");
	send_str(&w, ":OUTP:STAT 1\n");
	xfer(&w, ":SOUR:PRES:VENT?\n", ":SOUR:PRES:VENT 0\r\n");

	check_close(sim, &w, "*IDN?\n", "*IDN GE Druck,PACE5000,SIMP0001,02.00.07\r\n");
	sim_down(sim, &w);
}

static void test_prs_pace_pty(void **state)
{
	(void)state;
	pace_wire(false);
}

static void test_prs_pace_tcp(void **state)
{
	(void)state;
	pace_wire(true);
}

/* ---- Mensor ---------------------------------------------------------------------------- */

static void mensor_wire(bool tcp)
{
	struct cal_sim_pressure_cfg cfg = wire_cfg(CAL_SIM_PRS_MENSOR);
	unsigned long c0, r0, c1, r1;
	struct cal_sim_pressure *sim;
	struct client w;
	int64_t t0;

	snprintf(cfg.serial, sizeof(cfg.serial), "%s", "610189,X");
	sim = sim_up(&w, &cfg, tcp);
	/* every reply starts with a space; a ',' in the serial cannot split the fields */
	xfer(&w, "*IDN?\r\n", " MENSOR, CPC6050,610189?X,1.5.0\r\n");
	xfer(&w, "A?\r\n", " +0.0000E+00\r\n");
	xfer(&w, "Stable?\r\n", " NO\r\n");
	xfer(&w, "Mode?\r\n", " STANDBY\r\n");
	xfer(&w, "Units?\r\n", " bar\r\n");
	xfer(&w, "Chan?\r\n", " A\r\n");
	xfer(&w, "UpperLimit?\r\n", " +2.00000E+01\r\n");
	xfer(&w, "LowerLimit?\r\n", " -1.0000E+00\r\n");
	xfer(&w, "Error?\r\n", " 0,No error\r\n");

	/* a setpoint: no reply to the command */
	cal_sim_pressure_stats(sim, &c0, &r0);
	send_str(&w, "Setpt 10\r\n");
	xfer(&w, "Setpt?\r\n", " +1.00000E+01\r\n");
	cal_sim_pressure_stats(sim, &c1, &r1);
	assert_int_equal(c1 - c0, 2);
	assert_int_equal(r1 - r0, 1);
	send_str(&w, "Chan A\r\n");
	xfer(&w, "setpt?\r\n", " +1.00000E+01\r\n");
	send_str(&w, "SETPT 0.5\r\n"); /* 4 decimals: 3 mantissa digits at E-01 */
	xfer(&w, "Setpt?\r\n", " +5.000E-01\r\n");
	send_str(&w, "Setpt 1.00000E+01\r\n");

	/* out of range: error queued, setpoint unchanged; the next reply starts with E */
	send_str(&w, "Setpt 25\r\n");
	xfer(&w, "Setpt?\r\n", "E+1.00000E+01\r\n");
	xfer(&w, "Error?\r\n", " 2,Data out of range\r\n");
	xfer(&w, "Setpt?\r\n", " +1.00000E+01\r\n");
	/* unknown keyword (no reply), bad data, a unit code we do not have, junk */
	send_str(&w, "Bogus?\r\n");
	send_str(&w, "Setpt ten\r\n");
	send_str(&w, "Units 99\r\n");
	send_str(&w, "A? 1\r\n");
	send_str(&w, "\x01\x02\r\n");
	xfer(&w, "Error?\r\n", "E1,Unknown command\r\n");
	xfer(&w, "Error?\r\n", "E3,Syntax error\r\n");
	xfer(&w, "Error?\r\n", "E2,Data out of range\r\n");
	xfer(&w, "Error?\r\n", "E3,Syntax error\r\n");
	xfer(&w, "Error?\r\n", " 1,Unknown command\r\n");
	xfer(&w, "Error?\r\n", " 0,No error\r\n");

	/* control: Stable? goes from NO to YES, not before the dwell */
	t0 = cal_mono_ms();
	send_str(&w, "Mode control\r\n");
	ready_after_dwell(&w, CAL_SIM_PRS_MENSOR, "Stable?\r\n", t0);
	ask_until(&w, "Stable?\r\n", " YES\r\n");
	ask_until(&w, "A?\r\n", " +1.00000E+01\r\n");
	xfer(&w, "Mode?\r\n", " CONTROL\r\n");

	/* a unit change converts the state */
	send_str(&w, "Units 22\r\n");
	xfer(&w, "Units?\r\n", " kPa\r\n");
	xfer(&w, "Setpt?\r\n", " +1.00000E+03\r\n");
	xfer(&w, "A?\r\n", " +1.00000E+03\r\n");
	xfer(&w, "UpperLimit?\r\n", " +2.00000E+03\r\n");
	send_str(&w, "Units 19\r\n");
	xfer(&w, "Units?\r\n", " mmHg @0C\r\n");
	xfer(&w, "A?\r\n", " +7.5006E+03\r\n"); /* 7500.6 mmHg, 1 decimal */
	send_str(&w, "Units 26\r\n");
	xfer(&w, "Units?\r\n", " kg/sq cm\r\n");
	send_str(&w, "Units 14\r\n");
	xfer(&w, "Units?\r\n", " bar\r\n");

	/* faults on replies */
	check_reply_faults(sim, &w, "A?\r\n", " +1.00000E+01\r\n", "Chan?\r\n", " A\r\n");
	/* the error fault: a command is not executed, the error waits ... */
	ctl(sim, "fault error");
	send_str(&w, "Setpt 5\r\n");
	xfer(&w, "Setpt?\r\n", "E+1.00000E+01\r\n");
	xfer(&w, "Error?\r\n", " 2,Data out of range\r\n");
	/* ... a query still answers, with E first; Error? is spared */
	ctl(sim, "fault error");
	xfer(&w, "Error?\r\n", " 0,No error\r\n");
	xfer(&w, "A?\r\n", "E+1.00000E+01\r\n");
	xfer(&w, "Error?\r\n", " 2,Data out of range\r\n");

	/* vent */
	send_str(&w, "Mode vent\r\n");
	xfer(&w, "Mode?\r\n", " VENT\r\n");
	ask_until(&w, "A?\r\n", " +0.0000E+00\r\n");
	xfer(&w, "Stable?\r\n", " NO\r\n");
	send_str(&w, "Mode measure\r\n");
	xfer(&w, "Mode?\r\n", " MEASURE\r\n");

	check_close(sim, &w, "Chan?\r\n", " A\r\n");
	sim_down(sim, &w);
}

static void test_prs_mensor_pty(void **state)
{
	(void)state;
	mensor_wire(false);
}

static void test_prs_mensor_tcp(void **state)
{
	(void)state;
	mensor_wire(true);
}

/* ---- PPC4 ------------------------------------------------------------------------------- */

static void ppc4_wire(bool tcp)
{
	struct cal_sim_pressure_cfg cfg = wire_cfg(CAL_SIM_PRS_PPC4);
	unsigned long c0, r0, c1, r1;
	struct cal_sim_pressure *sim;
	struct client w;
	char line[128];
	int64_t t0;

	sim = sim_up(&w, &cfg, tcp);
	xfer(&w, "*IDN?\r\n",
	     "DH INSTRUMENTS INC, PPC4, 2000,SIMP0001,0, Ver1.00E, 1.00a,1.00a\r\n");
	xfer(&w, "PR?\r\n", "0.00 kPag\r\n");
	xfer(&w, "SR?\r\n", "NR\r\n");
	xfer(&w, "STAT?\r\n", "0\r\n");
	xfer(&w, "UNIT?\r\n", "kPa\r\n");
	xfer(&w, "MMODE?\r\n", "G\r\n");
	xfer(&w, "HS?\r\n", "0.1 kPa\r\n");
	xfer(&w, "SS?\r\n", "0.05 kPa\r\n");
	xfer(&w, "RANGE?\r\n", "2000.00 kPa\r\n");
	xfer(&w, "ERR?\r\n", "No error\r\n");

	/* errors come instead of the reply; nothing starts */
	xfer(&w, "PS 2000.01\r\n", "ERR# 6\r\n");
	xfer(&w, "ERR?\r\n", "Numeric argument missing or out of range\r\n");
	xfer(&w, "PS -100.01\r\n", "ERR# 6\r\n");
	xfer(&w, "PS abc\r\n", "ERR# 13\r\n");
	xfer(&w, "PS\r\n", "ERR# 11\r\n");
	xfer(&w, "FOO?\r\n", "ERR# 9\r\n");
	xfer(&w, "ERR?\r\n", "Unknown command\r\n");
	xfer(&w, "PR? 5\r\n", "ERR# 7\r\n");
	xfer(&w, "UNIT furlong\r\n", "ERR# 7\r\n");
	xfer(&w, "UNIT atm\r\n", "ERR# 7\r\n");
	xfer(&w, "MMODE X\r\n", "ERR# 7\r\n");
	xfer(&w, "HS 0\r\n", "ERR# 6\r\n");
	xfer(&w, "\xff\xfe\r\n", "ERR# 9\r\n");
	xfer(&w, "STAT?\r\n", "0\r\n");

	/* a target: every message one reply; ready R not before the dwell; STAT? 32 */
	cal_sim_pressure_stats(sim, &c0, &r0);
	t0 = cal_mono_ms();
	xfer(&w, "PS 1000\r\n", "1000.00 kPag\r\n");
	cal_sim_pressure_stats(sim, &c1, &r1);
	assert_int_equal(c1 - c0, 1);
	assert_int_equal(r1 - r0, 1);
	ready_after_dwell(&w, CAL_SIM_PRS_PPC4, "SR?\r\n", t0);
	ask_until(&w, "SR?\r\n", "R\r\n");
	ask_until(&w, "PRR?\r\n", "R,1000.00 kPag,0.00 kPa/s,100.00 kPaa\r\n");
	xfer(&w, "STAT?\r\n", "32\r\n");
	xfer(&w, "ps?\r\n", "1000.00 kPag\r\n");
	xfer(&w, "PR?\r\n", "1000.00 kPag\r\n");

	/* hold and stability limits */
	xfer(&w, "HS 0.2\r\n", "0.2 kPa\r\n");
	xfer(&w, "SS 0.02\r\n", "0.02 kPa\r\n");
	xfer(&w, "SS?\r\n", "0.02 kPa\r\n");
	ask_until(&w, "SR?\r\n", "R\r\n");

	/* unit and measurement mode; absolute = gauge + atmosphere (100 kPa here) */
	xfer(&w, "UNIT bar\r\n", "bar\r\n");
	xfer(&w, "UNIT?\r\n", "bar\r\n");
	xfer(&w, "PR?\r\n", "10.0000 barg\r\n");
	xfer(&w, "RANGE?\r\n", "20.0000 bar\r\n");
	xfer(&w, "HS?\r\n", "0.002 bar\r\n");
	xfer(&w, "MMODE A\r\n", "A\r\n");
	xfer(&w, "PR?\r\n", "11.0000 bara\r\n");
	xfer(&w, "PS 12\r\n", "12.0000 bara\r\n");
	xfer(&w, "mmode g\r\n", "G\r\n");
	xfer(&w, "PS?\r\n", "11.0000 barg\r\n");
	xfer(&w, "UNIT kcm2\r\n", "kcm2\r\n");
	xfer(&w, "UNIT KPA\r\n", "kPa\r\n");
	xfer(&w, "PS 1000\r\n", "1000.00 kPag\r\n");
	ask_until(&w, "PR?\r\n", "1000.00 kPag\r\n");

	/* faults on replies */
	check_reply_faults(sim, &w, "PR?\r\n", "1000.00 kPag\r\n", "UNIT?\r\n", "kPa\r\n");
	/* the error fault: ERR# 7 instead of the reply, the line not executed; ERR? spared */
	ctl(sim, "fault error");
	xfer(&w, "PS 500\r\n", "ERR# 7\r\n");
	xfer(&w, "PS?\r\n", "1000.00 kPag\r\n");
	xfer(&w, "ERR?\r\n", "Improper argument\r\n");
	ctl(sim, "fault error 2");
	xfer(&w, "ERR?\r\n", "Improper argument\r\n");
	xfer(&w, "UNIT?\r\n", "ERR# 7\r\n");
	xfer(&w, "*IDN?\r\n", "ERR# 7\r\n");
	xfer(&w, "UNIT?\r\n", "kPa\r\n");

	/* abort, vent: 64 while venting (unless already done: then late enough), then 0 */
	xfer(&w, "ABORT\r\n", "ABORT\r\n");
	xfer(&w, "STAT?\r\n", "0\r\n");
	xfer(&w, "SR?\r\n", "NR\r\n");
	t0 = cal_mono_ms();
	xfer(&w, "VENT\r\n", "VENT\r\n");
	send_str(&w, "STAT?\r\n");
	assert_true(read_line(&w, line, sizeof(line), REPLY_MS) > 0);
	if (strcmp(line, "64\r\n") != 0) {
		assert_string_equal(line, "0\r\n");
		assert_true(cal_mono_ms() - t0 >= 80); /* 10 ms x ln(5000) */
	}
	ask_until(&w, "STAT?\r\n", "0\r\n");
	ask_until(&w, "PR?\r\n", "0.00 kPag\r\n");

	check_close(sim, &w, "UNIT?\r\n", "kPa\r\n");
	sim_down(sim, &w);
}

static void test_prs_ppc4_pty(void **state)
{
	(void)state;
	ppc4_wire(false);
}

static void test_prs_ppc4_tcp(void **state)
{
	(void)state;
	ppc4_wire(true);
}

/* ---- pneumatic faults over the wire ---------------------------------------------------- */

static void test_prs_pneumatic_faults(void **state)
{
	struct cal_sim_pressure_cfg cfg = wire_cfg(CAL_SIM_PRS_PACE);
	struct cal_sim_pressure_state st;
	struct cal_sim_pressure *sim;
	struct client w;
	char line[128];
	int64_t end;

	(void)state;
	sim = sim_up(&w, &cfg, true);
	/*
	 * a leak of 1 bar/s (capacity 0.4 bar/s): held 0.6 bar/s x 20 ms = 0.012 bar
	 * low, outside the 0.002 bar in-limits band: the flag stays 0
	 */
	ctl(sim, "leak 1");
	cal_sim_pressure_state(sim, &st);
	assert_true(st.leak_pa_s == 1e5);
	send_str(&w, ":SOUR:PRES 10\n");
	send_str(&w, ":OUTP:STAT ON\n");
	end = cal_mono_ms() + 1000; /* 50 tau + 3 dwells */
	while (cal_mono_ms() < end) {
		send_str(&w, ":SENS:PRES:INL?\n");
		assert_true(read_line(&w, line, sizeof(line), REPLY_MS) > 0);
		assert_int_equal(ready_flag(CAL_SIM_PRS_PACE, line), 0);
		sleep_ms(20);
	}
	cal_sim_pressure_state(sim, &st);
	assert_true(fabs(st.p_pa - (10e5 - 6e4 * 0.02)) < 100);
	assert_false(st.ready);
	/* fixed: in limits */
	ctl(sim, "leak 0 bar/s");
	ask_until(&w, ":SENS:PRES:INL?\n", ":SENS:PRES:INL 10.0000, 1\r\n");

	/* stuck: the pressure stays at 10 bar, the new setpoint is never reached */
	ctl(sim, "stuck");
	send_str(&w, ":SOUR:PRES 5\n");
	end = cal_mono_ms() + 600;
	while (cal_mono_ms() < end) {
		xfer(&w, ":SENS:PRES:INL?\n", ":SENS:PRES:INL 10.0000, 0\r\n");
		sleep_ms(20);
	}
	assert_int_equal(cal_sim_pressure_control(sim, "status", line, sizeof(line)), CAL_OK);
	assert_non_null(strstr(line, "stuck=on"));
	ctl(sim, "stuck off");
	ask_until(&w, ":SENS:PRES:INL?\n", ":SENS:PRES:INL 5.0000, 1\r\n");

	/*
	 * noise far above the band (25 x): out of limits at the next model step,
	 * never back in (that takes 300 ms of readings within 1/25 sigma)
	 */
	ctl(sim, "noise 0.05");
	end = cal_mono_ms() + EVENT_MS;
	do {
		send_str(&w, ":SENS:PRES:INL?\n");
		assert_true(read_line(&w, line, sizeof(line), REPLY_MS) > 0);
		assert_true(cal_mono_ms() < end);
	} while (ready_flag(CAL_SIM_PRS_PACE, line) != 0);
	end = cal_mono_ms() + 600;
	while (cal_mono_ms() < end) {
		send_str(&w, ":SENS:PRES:INL?\n");
		assert_true(read_line(&w, line, sizeof(line), REPLY_MS) > 0);
		assert_int_equal(ready_flag(CAL_SIM_PRS_PACE, line), 0);
		sleep_ms(20);
	}
	sim_down(sim, &w);
}

/* ---- the control language ------------------------------------------------------------------- */

static void test_prs_control(void **state)
{
	static const char *bad[] = { "",
				     "   ",
				     "bogus",
				     "fault",
				     "fault es",
				     "fault explode",
				     "fault drop x",
				     "fault drop 0",
				     "fault error 1 2",
				     "fault late",
				     "fault none 3",
				     "leak",
				     "leak abc",
				     "leak 1,5",
				     "leak -1",
				     "leak 1 furlong",
				     "leak 1 g",
				     "noise -2",
				     "noise 1 2 3",
				     "stuck maybe",
				     "status now" };
	struct cal_sim_pressure_cfg cfg = wire_cfg(CAL_SIM_PRS_PPC4);
	struct cal_sim_pressure_state st;
	struct cal_sim_pressure *sim = NULL;
	char reply[512];

	(void)state;
	assert_int_equal(cal_sim_pressure_new(&sim, &cfg), CAL_OK);
	/* pressures in the configured unit (kPa for ppc4) unless a unit follows */
	ctl(sim, "leak 2");
	cal_sim_pressure_state(sim, &st);
	assert_true(st.leak_pa_s == 2000);
	ctl(sim, "  leak\t0.5 bar/s \r\n");
	cal_sim_pressure_state(sim, &st);
	assert_true(st.leak_pa_s == 5e4);
	ctl(sim, "leak 30 Pa");
	cal_sim_pressure_state(sim, &st);
	assert_true(st.leak_pa_s == 30);
	ctl(sim, "noise 0.1");
	ctl(sim, "stuck on");
	cal_sim_pressure_state(sim, &st);
	assert_true(st.stuck);
	ctl(sim, "stuck off");
	ctl(sim, "fault drop 2");
	ctl(sim, "fault garble");
	ctl(sim, "fault late 3000");
	ctl(sim, "fault late 2 3000");
	ctl(sim, "noise 0 Pa");
	assert_int_equal(cal_sim_pressure_control(sim, "status", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "p=0.00 kPa sp=0.00 kPa control=off ready=0 vent=0 "
				      "stuck=off leak=0.03 kPa/s noise=0 kPa protocol=ppc4 "
				      "fault=late:2 commands=0 replies=0 link=none (stopped)"));
	ctl(sim, "fault error 3");
	ctl(sim, "fault close 1");
	ctl(sim, "fault none");
	assert_int_equal(cal_sim_pressure_control(sim, "status", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "fault=none"));
	assert_int_equal(cal_sim_pressure_control(sim, "help", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "fault drop|garble|error"));
	assert_non_null(strstr(reply, "stuck"));
	/* a small reply buffer is cut, not overrun */
	assert_int_equal(cal_sim_pressure_control(sim, "status", reply, 8), CAL_OK);
	assert_int_equal(strlen(reply), 7);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(reply, sizeof(reply), "x");
		cal_error_clear();
		assert_int_equal(cal_sim_pressure_control(sim, bad[i], reply, sizeof(reply)),
				 CAL_ERR_ARG);
		assert_string_equal(reply, "");
		assert_string_not_equal(cal_error_last(), "");
	}
	assert_int_equal(cal_sim_pressure_control(sim, "fault explode", reply, sizeof(reply)),
			 CAL_ERR_ARG);
	assert_string_equal(cal_error_last(),
			    "fault 'explode': unknown (drop, garble, late, close, error, none)");
	assert_int_equal(cal_sim_pressure_control(sim, NULL, reply, sizeof(reply)), CAL_ERR_ARG);
	cal_sim_pressure_free(sim);
}

/* Log sink: counts messages, so every log path runs (under ASan) without printing. */
static atomic_ulong log_count;

static void count_sink(enum cal_log_level level, const char *msg, void *payload)
{
	(void)level;
	(void)payload;
	/* called from the server thread too: no cmocka asserts here */
	if (msg && msg[0])
		atomic_fetch_add(&log_count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prs_cfg),
		cmocka_unit_test(test_prs_model_time_constant),
		cmocka_unit_test(test_prs_model_overshoot),
		cmocka_unit_test(test_prs_model_leak),
		cmocka_unit_test(test_prs_model_vent_stuck),
		cmocka_unit_test(test_prs_model_noise),
		cmocka_unit_test(test_prs_model_ready_dwell),
		cmocka_unit_test(test_prs_pace_pty),
		cmocka_unit_test(test_prs_pace_tcp),
		cmocka_unit_test(test_prs_mensor_pty),
		cmocka_unit_test(test_prs_mensor_tcp),
		cmocka_unit_test(test_prs_ppc4_pty),
		cmocka_unit_test(test_prs_ppc4_tcp),
		cmocka_unit_test(test_prs_pneumatic_faults),
		cmocka_unit_test(test_prs_control),
	};
	int failed;

	cal_log_set_level(CAL_LOG_SPEW);
	cal_log_set_sink(count_sink, NULL);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	cal_log_set_sink(NULL, NULL);
	return failed || atomic_load(&log_count) == 0;
}
