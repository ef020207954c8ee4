/*
 * cal_dev_settle() on a model controller (a driver written here, whose
 * pressure is a function of a fake clock): accepts only with the flag, in
 * the band and a low slope held without a break; ends a leak or an
 * unreachable setpoint with the reason, never with a reading.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cal/driver.h"
#include "cal/error.h"
#include "cal/units.h"
#include "null_transport.h"

/* The model: p(t) in Pa, flag(t); t in ms from the fake clock. */
struct model {
	int64_t now;
	double target, start, tau_ms; /* first-order approach */
	double leak;		      /* Pa/s added after settling */
	int flag_from_ms;	      /* flag set from this time (-1: never) */
	int flag_gap_at;	      /* one sample without the flag at this time (-1: none) */
	double noise;		      /* alternating +-noise */
	int reads;
};

static struct model *g;

static int64_t fake_mono(void *ctx)
{
	return ((struct model *)ctx)->now;
}

static void fake_sleep(void *ctx, int64_t ms)
{
	((struct model *)ctx)->now += ms;
}

static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return 0;
}

static int m_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	struct model *m = g;
	double t = (double)m->now;
	double p = m->target + (m->start - m->target) * exp(-t / m->tau_ms);

	(void)dev;
	(void)mode;
	p += m->leak * t / 1000.0;
	p += (m->reads++ % 2 ? 1 : -1) * m->noise;
	memset(out, 0, sizeof(*out));
	out->value = p / 1e5;
	out->unit = CAL_UNIT_BAR;
	out->value_si = p;
	out->decimals = 5;
	if (m->flag_from_ms >= 0 && m->now >= m->flag_from_ms && m->now != m->flag_gap_at)
		out->flags = CAL_RD_STABLE;
	snprintf(out->raw, sizeof(out->raw), ":SENS:PRES:INL %.5f, %d", out->value,
		 out->flags ? 1 : 0);
	return CAL_OK;
}

static const struct cal_driver model_drv = {
	.name = "model",
	.dclass = CAL_DEV_PRESSURE,
	.api_version = CAL_DRIVER_API_VERSION,
	.read = m_read,
};

static struct cal_device *open_model(struct model *m)
{
	struct cal_transport *tr = NULL;
	struct cal_device *dev = NULL;

	g = m;
	assert_int_equal(null_transport_new(&tr), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&dev, &model_drv, tr, "ref1"), CAL_OK);
	return dev;
}

/* 6 bar, band 0.002 bar, 0.0005 bar/s, hold 3 s, poll 250 ms, timeout 30 s */
static struct cal_settle_rule rule_6bar(void)
{
	return (struct cal_settle_rule){ .setpoint_si = 6e5,
					 .band_si = 200,
					 .max_rate_si = 50,
					 .hold_ms = 3000,
					 .timeout_ms = 30000,
					 .poll_ms = 250,
					 .require_flag = true };
}

static void test_settles_after_hold(void **state)
{
	struct model m = {
		.target = 6e5, .start = 0, .tau_ms = 400, .flag_from_ms = 4000, .flag_gap_at = -1
	};
	const struct cal_clock clock = { fake_mono, fake_sleep, fake_wall, &m };
	struct cal_settle_rule r = rule_6bar();
	struct cal_settle_result *res = calloc(1, sizeof(*res));
	struct cal_device *dev = open_model(&m);

	(void)state;
	assert_int_equal(cal_dev_settle(res, dev, &clock, &r, NULL, NULL), CAL_OK);
	/* the flag comes at 4 s; the window must then last 3 s: accepted at 7 s */
	assert_int_equal(m.now, 7000);
	assert_true(res->held_ms >= 3000);
	assert_int_equal(res->n_samples, 13); /* 4.00 .. 7.00 s every 250 ms */
	assert_int_equal(res->samples[0].t_mono_ms, 4000);
	assert_true(fabs(res->reading.value_si - 6e5) <= 200);
	assert_true(fabs(res->rate_si) <= 50);
	assert_true(res->reading.flags & CAL_RD_STABLE);
	assert_non_null(strstr(res->rule_text, "controller's flag"));
	assert_non_null(strstr(res->rule_text, "3000 ms uninterrupted"));
	cal_dev_close(dev);
	free(res);
}

static void test_flag_gap_restarts_window(void **state)
{
	struct model m = {
		.target = 6e5, .start = 6e5, .tau_ms = 1, .flag_from_ms = 0, .flag_gap_at = 2000
	};
	const struct cal_clock clock = { fake_mono, fake_sleep, fake_wall, &m };
	struct cal_settle_rule r = rule_6bar();
	struct cal_settle_result *res = calloc(1, sizeof(*res));
	struct cal_device *dev = open_model(&m);

	(void)state;
	assert_int_equal(cal_dev_settle(res, dev, &clock, &r, NULL, NULL), CAL_OK);
	/* one sample without the flag at 2 s: the window starts again at 2.25 s */
	assert_int_equal(res->samples[0].t_mono_ms, 2250);
	assert_int_equal(m.now, 5250);
	cal_dev_close(dev);
	free(res);
}

static void test_leak_times_out_with_reason(void **state)
{
	/* in limits by the controller's flag, but drifting at 100 Pa/s (1 mbar/s) */
	struct model m = { .target = 6e5,
			   .start = 6e5,
			   .tau_ms = 1,
			   .leak = -100,
			   .flag_from_ms = 0,
			   .flag_gap_at = -1 };
	const struct cal_clock clock = { fake_mono, fake_sleep, fake_wall, &m };
	struct cal_settle_rule r = rule_6bar();
	struct cal_settle_result *res = calloc(1, sizeof(*res));
	struct cal_device *dev = open_model(&m);

	(void)state;
	r.band_si = 0; /* the rate alone must catch it */
	assert_int_equal(cal_dev_settle(res, dev, &clock, &r, NULL, NULL), CAL_ERR_UNSTABLE);
	assert_int_equal(m.now, 30000);
	assert_true(fabs(res->rate_si + 100) < 1);
	assert_non_null(
		strstr(cal_error_last(), "ref1: setpoint 600000 (SI) not settled within 30000 ms"));
	assert_non_null(strstr(cal_error_last(), "with the rate too high"));
	assert_non_null(strstr(cal_error_last(), "leak or unreachable setpoint?"));
	cal_dev_close(dev);
	free(res);
}

static void test_unreachable_and_noise(void **state)
{
	/* the controller tops out at 5 bar: outside the band, flag never set */
	struct model m = {
		.target = 5e5, .start = 0, .tau_ms = 500, .flag_from_ms = -1, .flag_gap_at = -1
	};
	struct model q = { .target = 6e5,
			   .start = 6e5,
			   .tau_ms = 1,
			   .flag_from_ms = 0,
			   .flag_gap_at = -1,
			   .noise = 60 };
	const struct cal_clock clock = { fake_mono, fake_sleep, fake_wall, &m };
	const struct cal_clock clock_q = { fake_mono, fake_sleep, fake_wall, &q };
	struct cal_settle_rule r = rule_6bar();
	struct cal_settle_result *res = calloc(1, sizeof(*res));
	struct cal_device *dev = open_model(&m);

	(void)state;
	r.timeout_ms = 5000;
	assert_int_equal(cal_dev_settle(res, dev, &clock, &r, NULL, NULL), CAL_ERR_UNSTABLE);
	assert_int_equal(res->n_samples, 0);
	assert_non_null(
		strstr(cal_error_last(), "21 without the controller's flag, 21 outside the band"));
	cal_dev_close(dev);

	/* noise of +-60 Pa around a flat value: the slope is ~0, accepted at 3 s */
	dev = open_model(&q);
	assert_int_equal(cal_dev_settle(res, dev, &clock_q, &r, NULL, NULL), CAL_OK);
	assert_int_equal(q.now, 3000);
	assert_true(fabs(res->rate_si) < 10);
	r.max_rate_si = 0;
	assert_int_equal(cal_dev_settle(res, dev, &clock_q, &r, NULL, NULL), CAL_ERR_ARG);
	/* without the controller's flag a band is needed: else a stuck value "settles" */
	r = rule_6bar();
	r.require_flag = false;
	r.band_si = 0;
	assert_int_equal(cal_dev_settle(res, dev, &clock_q, &r, NULL, NULL), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "needs a band"));
	cal_dev_close(dev);
	free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settles_after_hold),
		cmocka_unit_test(test_flag_gap_restarts_window),
		cmocka_unit_test(test_leak_times_out_with_reason),
		cmocka_unit_test(test_unreachable_and_noise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
