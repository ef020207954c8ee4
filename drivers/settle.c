/*
 * cal_dev_settle(): accept a controlled value only with evidence (see
 * cal/driver.h). The approach of Additel/COMPASS-style "rate below a limit
 * for a hold time" plus the controller's own flag, checked on our own
 * samples.
 *
 * Invariant of the loop: out->samples[0..n_samples) are the consecutive
 * samples since the window opened, every one of them meeting the per-sample
 * conditions (flag, band); the window opened at the first of them. When the
 * buffer is full the oldest half is dropped and the window start moves with
 * it only for the slope, never for the hold time.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#define LOG_PREFIX "settle"
#include "cal/driver.h"
#include "cal/error.h"
#include "cal/log.h"
#include "cal/num.h"

/* Least-squares slope of value_si over t_mono_ms, per second; 0 for < 2 samples. */
static double slope_per_s(const struct cal_reading *s, size_t n)
{
	double mt = 0, mv = 0, sxx = 0, sxy = 0;

	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		mt += (double)(s[i].t_mono_ms - s[0].t_mono_ms);
		mv += s[i].value_si;
	}
	mt /= (double)n;
	mv /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double dt = (double)(s[i].t_mono_ms - s[0].t_mono_ms) - mt;

		sxx += dt * dt;
		sxy += dt * (s[i].value_si - mv);
	}
	return sxx > 0 ? sxy / sxx * 1000.0 : 0;
}

static void describe(char *buf, size_t size, const struct cal_settle_rule *r)
{
	double f = r->unit != CAL_UNIT_NONE ? cal_unit_si_factor(r->unit) : 1;
	const char *u = r->unit != CAL_UNIT_NONE ? cal_unit_symbol(r->unit) : "SI";
	char rate[32], band[48] = "";

	cal_num_format_sig(rate, sizeof(rate), r->max_rate_si / f, 6);
	if (r->band_si > 0) {
		char b[32];

		cal_num_format_sig(b, sizeof(b), r->band_si / f, 6);
		snprintf(band, sizeof(band), " and |p - setpoint| <= %s %s", b, u);
	}
	snprintf(buf, size, "%s|dp/dt| <= %s %s/s%s for %d ms uninterrupted (timeout %d ms)",
		 r->require_flag ? "controller's flag and " : "", rate, u, band, r->hold_ms,
		 r->timeout_ms);
}

int cal_dev_settle(struct cal_settle_result *out, struct cal_device *dev,
		   const struct cal_clock *clock, const struct cal_settle_rule *rule,
		   cal_reading_progress_fn progress, void *payload)
{
	struct cal_reading rd;
	int64_t start, now, win_start = -1;
	int no_flag = 0, off_band = 0, too_fast = 0;
	char sp[32], last[32], rate[32];
	const char *u;
	double f;
	int rc;

	if (!out || !dev || !rule)
		return cal_error_set(CAL_ERR_ARG, "cal_dev_settle: NULL argument");
	memset(out, 0, sizeof(*out));
	if (!(rule->max_rate_si > 0) || rule->hold_ms < 0 || rule->timeout_ms <= 0 ||
	    rule->poll_ms <= 0 || !(rule->band_si >= 0) || !isfinite(rule->setpoint_si))
		return cal_error_set(CAL_ERR_ARG, "%s: settle rule out of range", dev->id);
	/* without the controller's flag only the band ties the value to the setpoint */
	if (!rule->require_flag && !(rule->band_si > 0))
		return cal_error_set(CAL_ERR_ARG,
				     "%s: a settle rule without the controller's flag needs a band",
				     dev->id);
	if (!clock)
		clock = cal_clock_system();
	describe(out->rule_text, sizeof(out->rule_text), rule);
	start = clock->mono_ms(clock->ctx);
	for (;;) {
		bool ok = true;

		rc = cal_dev_read(&rd, dev, CAL_READ_NOW);
		out->polls++;
		now = clock->mono_ms(clock->ctx);
		if (rc != CAL_OK && rc != CAL_ERR_UNSTABLE)
			return rc;
		if (rc == CAL_OK) {
			/* the sample's time is ours: the fake clock of tests, too */
			rd.t_mono_ms = now;
			out->reading = rd;
			if (progress && progress(&rd, payload) != 0)
				return cal_error_set(CAL_ERR_INTERRUPTED,
						     "%s: stopped while waiting for the setpoint",
						     dev->id);
			if (rule->require_flag && !(rd.flags & CAL_RD_STABLE)) {
				ok = false;
				no_flag++;
			}
			if (rule->band_si > 0 &&
			    fabs(rd.value_si - rule->setpoint_si) > rule->band_si) {
				ok = false;
				off_band++;
			}
		} else {
			ok = false;
			no_flag++;
		}
		if (!ok) {
			win_start = -1;
			out->n_samples = 0;
		} else {
			if (win_start < 0)
				win_start = now;
			if (out->n_samples == CAL_SETTLE_MAX_SAMPLES) {
				size_t half = CAL_SETTLE_MAX_SAMPLES / 2;

				memmove(out->samples, out->samples + half,
					(CAL_SETTLE_MAX_SAMPLES - half) * sizeof(out->samples[0]));
				out->n_samples -= half;
			}
			out->samples[out->n_samples++] = rd;
			out->rate_si = slope_per_s(out->samples, out->n_samples);
			out->held_ms = now - win_start;
			if (out->held_ms >= rule->hold_ms) {
				if (fabs(out->rate_si) <= rule->max_rate_si)
					return CAL_OK;
				too_fast++;
			}
		}
		if (now - start >= rule->timeout_ms)
			break;
		clock->sleep_ms(clock->ctx, rule->poll_ms);
	}
	f = rule->unit != CAL_UNIT_NONE ? cal_unit_si_factor(rule->unit) : 1;
	u = rule->unit != CAL_UNIT_NONE ? cal_unit_symbol(rule->unit) : "(SI)";
	cal_num_format_sig(sp, sizeof(sp), rule->setpoint_si / f, 9);
	cal_num_format_sig(last, sizeof(last), out->reading.value_si / f, 9);
	cal_num_format_sig(rate, sizeof(rate), out->rate_si / f, 3);
	return cal_error_set(CAL_ERR_UNSTABLE,
			     "%s: setpoint %s %s not settled within %d ms: last %s %s (\"%s\"), "
			     "rate %s %s/s; of %d samples %d without the controller's flag, %d "
			     "outside the band, %d with the rate too high (leak or unreachable "
			     "setpoint?)",
			     dev->id, sp, u, rule->timeout_ms, last, u, out->reading.raw, rate,
			     rule->unit != CAL_UNIT_NONE ? u : "SI", out->polls, no_flag, off_band,
			     too_fast);
}
