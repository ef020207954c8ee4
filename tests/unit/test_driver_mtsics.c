/*
 * The MT-SICS balance driver and the cal_dev_*() layer, over a custom
 * transport whose other end is a scripted balance written here: each host
 * command (up to CR LF) must match the next script step, whose reply bytes
 * are then queued for the host. The replies are literal byte strings; this
 * file shares no code with the parser or the simulator.
 *
 * Reads from the peer never wait: an empty queue is an instant timeout, so
 * retry and timeout paths run in microseconds.
 */
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

#include "script_peer.h"

/* Open "bal1" on the peer; the reset exchange is the first step. */
static struct cal_device *open_bal(struct peer *p)
{
	struct cal_transport *tr = NULL;
	struct cal_device *dev = NULL;
	const struct cal_driver *drv = cal_driver_find("mt-sics");

	assert_non_null(drv);
	assert_int_equal(cal_transport_new_custom(&tr, &peer_ops, p), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&dev, drv, tr, "bal1"), CAL_OK);
	assert_non_null(dev);
	assert_int_equal(dev->timeout_ms, 2000);
	assert_int_equal(dev->retries, 2);
	assert_string_equal(p->mismatch, "");
	return dev;
}

static void close_bal(struct cal_device *dev, struct peer *p)
{
	cal_dev_close(dev);
	assert_int_equal(p->closed, 1);
	assert_string_equal(p->mismatch, "");
	/* MT-SICS commands end in CR LF */
	assert_int_equal(p->lf_only, 0);
}

static struct peer *new_peer(void)
{
	struct peer *p = peer_new();

	/* A balance that has just powered up: an unsolicited I4 line waits. */
	peer_queue(p, "I4 A \"B123456\"\r\n");
	peer_step(p, "@", "I4 A \"B123456\"\r\n");
	return p;
}

static void test_open_resets(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;

	(void)state;
	dev = open_bal(p);
	assert_int_equal(p->pos, 1);
	assert_true(p->flushes >= 1);
	assert_int_equal(p->rlen, 0); /* the I4 answer was consumed */
	assert_string_equal(dev->drv->name, "mt-sics");
	assert_string_equal(dev->drv->default_serial, "9600/8N1");
	assert_int_equal(dev->drv->dclass, CAL_DEV_BALANCE);
	close_bal(dev, p);
	free(p);
}

static void test_identify(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_dev_info info;

	(void)state;
	peer_step(p, "I2", "I2 A \"XS205 Excellence 220.0000 g\"\r\n");
	peer_step(p, "I4", "I4 A \"B123456\"\r\n");
	peer_step(p, "I3", "I3 A \"2.10\"\r\n");
	peer_step(p, "I2", "I2 A \"ML204\"\r\n");
	peer_step(p, "I4", "I4 A \"X1\"\r\n");
	peer_step(p, "I3", "ES\r\n");
	dev = open_bal(p);
	assert_int_equal(cal_dev_identify(&info, dev), CAL_OK);
	assert_string_equal(info.model, "XS205 Excellence 220.0000 g");
	assert_string_equal(info.serial, "B123456");
	assert_string_equal(info.firmware, "2.10");
	/* I3 is optional: ES leaves it empty. */
	assert_int_equal(cal_dev_identify(&info, dev), CAL_OK);
	assert_string_equal(info.model, "ML204");
	assert_string_equal(info.serial, "X1");
	assert_string_equal(info.firmware, "");
	close_bal(dev, p);
	free(p);
}

static void test_identify_failures(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_dev_info info;

	(void)state;
	peer_step(p, "I2", "ES\r\n");
	peer_step(p, "I2", "I2 A\r\n"); /* no text */
	dev = open_bal(p);
	assert_int_equal(cal_dev_identify(&info, dev), CAL_ERR_DEVICE);
	assert_string_equal(info.model, "");
	assert_non_null(strstr(cal_error_last(), "bal1: I2: balance answered \"ES\""));
	assert_int_equal(cal_dev_identify(&info, dev), CAL_ERR_PROTO);
	assert_non_null(strstr(cal_error_last(), "unexpected answer to I2"));
	close_bal(dev, p);
	free(p);
}

static void test_read_stable(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;

	(void)state;
	peer_step(p, "S", "S S     100.00 g\r\n");
	dev = open_bal(p);
	p->chunk = 3; /* the answer arrives in small pieces */
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_STABLE), CAL_OK);
	assert_true(rd.value == 100.0);
	assert_int_equal(rd.unit, CAL_UNIT_G);
	assert_true(rd.value_si > 0.09999999 && rd.value_si < 0.10000001);
	assert_int_equal(rd.decimals, 2);
	assert_int_equal(rd.flags, CAL_RD_STABLE);
	assert_true(rd.t_mono_ms > 0);
	assert_string_equal(rd.raw, "S S     100.00 g");
	close_bal(dev, p);
	free(p);
}

static void test_read_now_dynamic(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;

	(void)state;
	peer_step(p, "SI", "S D    -12.34 g\r\n");
	peer_step(p, "SI", "S S   0.5000 kg\r"); /* CR-only end of line */
	dev = open_bal(p);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == -12.34);
	assert_int_equal(rd.flags, 0);
	assert_int_equal(rd.decimals, 2);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_int_equal(rd.unit, CAL_UNIT_KG);
	assert_true(rd.value_si == 0.5);
	assert_int_equal(rd.decimals, 4);
	assert_int_equal(rd.flags, CAL_RD_STABLE);
	close_bal(dev, p);
	free(p);
}

static void test_read_busy_and_errors(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;

	(void)state;
	peer_step(p, "S", "S I\r\n");
	peer_step(p, "SI", "ES\r\n");
	peer_step(p, "SI", "EL\r\n");
	peer_step(p, "SI", "S A\r\n");
	dev = open_bal(p);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_STABLE), CAL_ERR_UNSTABLE);
	assert_string_equal(rd.raw, "S I");
	assert_non_null(strstr(cal_error_last(), "bal1"));
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_DEVICE);
	assert_string_equal(
		cal_error_last(),
		"bal1: SI: balance answered \"ES\" (syntax error: command not recognised)");
	assert_string_equal(rd.raw, "ES");
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_DEVICE);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_PROTO);
	assert_non_null(strstr(cal_error_last(), "\"S A\""));
	/* ES and EL are final: no retries. */
	assert_int_equal(p->commands, 5);
	assert_int_equal(cal_dev_read(&rd, dev, (enum cal_read_mode)7), CAL_ERR_ARG);
	close_bal(dev, p);
	free(p);
}

static void test_read_garbled_then_good(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;
	int flushes;

	(void)state;
	peer_step(p, "SI", "S S  1x0.00 g\r\n");
	peer_step(p, "SI", "S S   100.00 g\r\n");
	peer_step(p, "SI", "ET\r\n"); /* the balance got a garbled command */
	peer_step(p, "SI", "S D   99.99 g\r\n");
	dev = open_bal(p);
	flushes = p->flushes;
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 100.0);
	assert_true(p->flushes >= flushes + 1); /* flushed before the retry */
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 99.99);
	assert_int_equal(p->pos, 5);
	close_bal(dev, p);
	free(p);
}

static void test_read_garbled_always(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;

	(void)state;
	peer_step(p, "SI", "S S 100.00 lbs\r\n");
	peer_step(p, "SI", "S S 100.00 lbs\r\n");
	peer_step(p, "SI", "\xff\xfe\r\n");
	dev = open_bal(p);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_PROTO);
	assert_non_null(strstr(cal_error_last(), "bal1: garbled answer to SI"));
	assert_non_null(strstr(cal_error_last(), "\\xFF\\xFE"));
	assert_non_null(strstr(cal_error_last(), "3 attempts"));
	close_bal(dev, p);
	free(p);
}

static void test_read_no_answer_times_out(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;

	(void)state;
	peer_step(p, "SI", NULL);
	peer_step(p, "SI", NULL);
	peer_step(p, "SI", NULL);
	dev = open_bal(p);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_TIMEOUT);
	assert_string_equal(cal_error_last(),
			    "bal1: no answer to SI within 2000 ms (mock), 3 attempts");
	assert_int_equal(p->pos, 4); /* 1 + dev->retries */
	assert_string_equal(rd.raw, "");

	/* Fewer retries when the bench file says so. */
	dev->retries = 0;
	p->repeat_cmd = "SI";
	p->repeat_reply = NULL;
	p->commands = 0;
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_TIMEOUT);
	assert_int_equal(p->commands, 1);
	close_bal(dev, p);
	free(p);
}

static void test_read_skips_stray_lines(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;

	(void)state;
	/* Unsolicited I4 (power-up) before the answer. */
	peer_step(p, "SI", "I4 A \"B123456\"\r\nS D     5.0 g\r\n");
	/* A late answer to an earlier SI before the Z answer. */
	peer_step(p, "Z", "S D     5.1 g\r\nZ A\r\n");
	/* Only stray lines: a timeout that names the last one. */
	peer_step(p, "SI", "I4 A \"B123456\"\r\n");
	peer_step(p, "SI", "I4 A \"B123456\"\r\n");
	peer_step(p, "SI", "I4 A \"B123456\"\r\n");
	dev = open_bal(p);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_OK);
	assert_true(rd.value == 5.0);
	assert_string_equal(rd.raw, "S D     5.0 g");
	assert_int_equal(cal_dev_zero(dev), CAL_OK);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_TIMEOUT);
	assert_non_null(strstr(cal_error_last(), "last line skipped: \"I4 A \\\"B123456\\\"\""));
	close_bal(dev, p);
	free(p);
}

static void test_read_overload_underload(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;

	(void)state;
	peer_step(p, "SI", "S +\r\n");
	peer_step(p, "S", "S -\r\n");
	dev = open_bal(p);
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_RANGE);
	assert_int_equal(rd.flags, CAL_RD_OVERLOAD);
	assert_string_equal(rd.raw, "S +");
	assert_non_null(strstr(cal_error_last(), "bal1: SI: overload"));
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_STABLE), CAL_ERR_RANGE);
	assert_int_equal(rd.flags, CAL_RD_UNDERLOAD);
	close_bal(dev, p);
	free(p);
}

static void test_zero_and_tare(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;

	(void)state;
	peer_step(p, "Z", "Z A\r\n");
	peer_step(p, "Z", "Z I\r\n");
	peer_step(p, "Z", "Z +\r\n");
	peer_step(p, "Z", "Z -\r\n");
	peer_step(p, "T", "T S    10.00 g\r\n");
	peer_step(p, "T", "T I\r\n");
	peer_step(p, "T", "T +\r\n");
	peer_step(p, "T", "T L\r\n");
	dev = open_bal(p);
	assert_int_equal(cal_dev_zero(dev), CAL_OK);
	assert_int_equal(cal_dev_zero(dev), CAL_ERR_UNSTABLE);
	assert_int_equal(cal_dev_zero(dev), CAL_ERR_RANGE);
	assert_non_null(strstr(cal_error_last(), "\"Z +\""));
	assert_int_equal(cal_dev_zero(dev), CAL_ERR_RANGE);
	assert_int_equal(cal_dev_tare(dev), CAL_OK);
	assert_int_equal(cal_dev_tare(dev), CAL_ERR_UNSTABLE);
	assert_int_equal(cal_dev_tare(dev), CAL_ERR_RANGE);
	assert_int_equal(cal_dev_tare(dev), CAL_ERR_DEVICE);
	close_bal(dev, p);
	free(p);
}

static void test_write_failure(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;

	(void)state;
	dev = open_bal(p);
	p->fail_write = 1;
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_IO);
	assert_non_null(strstr(cal_error_last(), "bal1: sending SI: "));
	close_bal(dev, p);
	free(p);
}

/* ---- cal_dev_read_stable with a fake clock ------------------------------ */

struct fake_clock {
	int64_t now_ms;
	int sleeps;
};

static int64_t fake_mono(void *ctx)
{
	return ((struct fake_clock *)ctx)->now_ms;
}

static void fake_sleep(void *ctx, int64_t ms)
{
	struct fake_clock *c = ctx;

	c->now_ms += ms;
	c->sleeps++;
}

static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return 1700000000;
}

struct progress {
	int calls;
	int stop_after; /* 0: never */
	double last;
};

static int on_progress(const struct cal_reading *rd, void *payload)
{
	struct progress *pr = payload;

	pr->calls++;
	pr->last = rd->value;
	return pr->stop_after && pr->calls >= pr->stop_after;
}

static void test_read_stable_reaches_stability(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;
	struct fake_clock fc = { 1000, 0 };
	const struct cal_clock clock = { fake_mono, fake_sleep, fake_wall, &fc };
	struct progress pr = { 0 };

	(void)state;
	peer_step(p, "SI", "S D    99.90 g\r\n");
	peer_step(p, "SI", "S I\r\n"); /* busy in between: keep polling */
	peer_step(p, "SI", "S D    99.98 g\r\n");
	peer_step(p, "SI", "S S   100.00 g\r\n");
	dev = open_bal(p);
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 5000, on_progress, &pr), CAL_OK);
	assert_true(rd.value == 100.0);
	assert_int_equal(rd.flags, CAL_RD_STABLE);
	assert_int_equal(fc.sleeps, 3);
	assert_int_equal(fc.now_ms, 1000 + 3 * 150);
	assert_int_equal(pr.calls, 3); /* every reading with a value */
	assert_true(pr.last == 100.0);
	close_bal(dev, p);
	free(p);
}

/* A moment of overload (a weight set down hard) is waited out. */
static void test_read_stable_transient_overload(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;
	struct fake_clock fc = { 0, 0 };
	const struct cal_clock clock = { fake_mono, fake_sleep, fake_wall, &fc };

	(void)state;
	peer_step(p, "SI", "S +\r\n");
	peer_step(p, "SI", "S +\r\n");
	peer_step(p, "SI", "S D 30040.00 g\r\n");
	peer_step(p, "SI", "S +\r\n");
	peer_step(p, "SI", "S S 30000.00 g\r\n");
	dev = open_bal(p);
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 30000, NULL, NULL), CAL_OK);
	assert_true(rd.value == 30000.0);
	assert_int_equal(rd.flags, CAL_RD_STABLE);
	assert_int_equal(fc.sleeps, 4);
	close_bal(dev, p);
	free(p);
}

static void test_read_stable_times_out(void **state)
{
	struct peer *p = new_peer();
	struct cal_device *dev;
	struct cal_reading rd;
	struct fake_clock fc = { 0, 0 };
	const struct cal_clock clock = { fake_mono, fake_sleep, fake_wall, &fc };
	struct progress pr = { 0 };

	(void)state;
	dev = open_bal(p);
	p->repeat_cmd = "SI";
	p->repeat_reply = "S D    12.00 g\r\n";
	p->commands = 0;
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 1000, on_progress, &pr),
			 CAL_ERR_UNSTABLE);
	/* Polls at 0, 150, ... 900, then 1000 (the last sleep is cut to 100). */
	assert_int_equal(p->commands, 8);
	assert_int_equal(fc.now_ms, 1000);
	assert_int_equal(pr.calls, 8);
	assert_true(rd.value == 12.0);
	assert_int_equal(rd.flags, 0);
	assert_string_equal(
		cal_error_last(),
		"bal1: no stable reading within 1000 ms (8 polls, last \"S D    12.00 g\")");

	/* The progress callback can stop the wait. */
	pr.calls = 0;
	pr.stop_after = 2;
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 1000, on_progress, &pr),
			 CAL_ERR_INTERRUPTED);
	assert_int_equal(pr.calls, 2);

	/* Overload that lasts ends the wait (here the timeout comes first), with the reading. */
	p->repeat_reply = "S +\r\n";
	fc.now_ms = 0;
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 1000, NULL, NULL), CAL_ERR_RANGE);
	assert_int_equal(rd.flags, CAL_RD_OVERLOAD);
	assert_int_equal(fc.now_ms, 1000);
	/* ... after CAL_RANGE_HOLD_MS when the timeout is longer */
	fc.now_ms = 0;
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 30000, NULL, NULL), CAL_ERR_RANGE);
	assert_true(fc.now_ms >= CAL_RANGE_HOLD_MS && fc.now_ms < CAL_RANGE_HOLD_MS + 150);
	p->repeat_reply = "S -\r\n";
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 30000, NULL, NULL), CAL_ERR_RANGE);
	assert_int_equal(rd.flags, CAL_RD_UNDERLOAD);

	/* A balance that never answers: the read error comes back. */
	p->repeat_reply = NULL;
	dev->retries = 0;
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 1000, NULL, NULL), CAL_ERR_TIMEOUT);

	/* Only busy answers: UNSTABLE, saying so. */
	p->repeat_reply = "S I\r\n";
	assert_int_equal(cal_dev_read_stable(&rd, dev, &clock, 300, NULL, NULL), CAL_ERR_UNSTABLE);
	assert_non_null(strstr(cal_error_last(), "only busy answers"));
	close_bal(dev, p);
	free(p);
}

/* ---- the dispatch layer ------------------------------------------------- */

static const struct cal_driver null_driver = {
	.name = "test-null",
	.longname = "driver with no ops",
	.dclass = CAL_DEV_PRESSURE,
	.api_version = CAL_DRIVER_API_VERSION,
	.default_serial = "9600/8N1",
};

static void test_null_ops_unsupported(void **state)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct cal_transport *tr = NULL;
	struct cal_device *dev = NULL;
	struct cal_reading rd;
	struct cal_dev_info info;

	(void)state;
	assert_non_null(p);
	assert_int_equal(cal_transport_new_custom(&tr, &peer_ops, p), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&dev, &null_driver, tr, "p1"), CAL_OK);
	assert_int_equal(cal_dev_identify(&info, dev), CAL_ERR_UNSUPPORTED);
	assert_string_equal(cal_error_last(), "p1: driver test-null cannot identify itself");
	assert_int_equal(cal_dev_read(&rd, dev, CAL_READ_NOW), CAL_ERR_UNSUPPORTED);
	assert_int_equal(cal_dev_zero(dev), CAL_ERR_UNSUPPORTED);
	assert_non_null(strstr(cal_error_last(), "test-null cannot zero"));
	assert_int_equal(cal_dev_tare(dev), CAL_ERR_UNSUPPORTED);
	assert_int_equal(cal_dev_read_stable(&rd, dev, NULL, 100, NULL, NULL), CAL_ERR_UNSUPPORTED);
	assert_int_equal(p->commands, 0);
	cal_dev_close(dev);
	assert_int_equal(p->closed, 1);
	free(p);
}

static void test_dispatch_arguments(void **state)
{
	struct cal_reading rd;
	struct cal_dev_info info;
	struct cal_device *dev = (struct cal_device *)&rd;
	struct cal_port_cfg cfg;
	struct cal_transport *tr = NULL;
	struct peer *p = peer_new();
	const struct cal_driver *const *all;
	struct cal_driver old = null_driver;
	size_t n = 0;

	(void)state;
	assert_int_equal(cal_dev_read(&rd, NULL, CAL_READ_NOW), CAL_ERR_ARG);
	assert_int_equal(cal_dev_identify(&info, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_dev_zero(NULL), CAL_ERR_ARG);
	assert_int_equal(cal_dev_tare(NULL), CAL_ERR_ARG);
	assert_int_equal(cal_dev_read_stable(&rd, NULL, NULL, 10, NULL, NULL), CAL_ERR_ARG);
	cal_dev_close(NULL);

	/* Registry. */
	all = cal_driver_list(&n);
	assert_int_equal(n, 5); /* mt-sics, pace, mensor-cpc, ppc4, modbus-flow */
	assert_ptr_equal(all[0], cal_driver_find("mt-sics"));
	assert_null(cal_driver_find("no-such"));
	assert_null(cal_driver_find(NULL));

	/* cal_dev_open: errors name the instrument. */
	assert_int_equal(cal_port_cfg_parse(&cfg, "/nonexistent/ttyUSB9", NULL), CAL_OK);
	assert_int_equal(cal_dev_open(&dev, "no-such", &cfg, "bal1"), CAL_ERR_NOTFOUND);
	assert_null(dev);
	assert_string_equal(cal_error_last(), "bal1: no driver named 'no-such'");
	assert_int_equal(cal_dev_open(&dev, "mt-sics", &cfg, "bal1"), CAL_ERR_NOTFOUND);
	assert_string_equal(cal_error_last(), "bal1: port /nonexistent/ttyUSB9 does not exist");
	assert_int_equal(cal_dev_open(&dev, "mt-sics", NULL, "bal1"), CAL_ERR_ARG);

	/* Wrong API version: refused, and the transport is closed. */
	assert_non_null(p);
	old.api_version = CAL_DRIVER_API_VERSION + 1;
	assert_int_equal(cal_transport_new_custom(&tr, &peer_ops, p), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&dev, &old, tr, "x"), CAL_ERR_UNSUPPORTED);
	assert_null(dev);
	assert_int_equal(p->closed, 1);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_resets),
		cmocka_unit_test(test_identify),
		cmocka_unit_test(test_identify_failures),
		cmocka_unit_test(test_read_stable),
		cmocka_unit_test(test_read_now_dynamic),
		cmocka_unit_test(test_read_busy_and_errors),
		cmocka_unit_test(test_read_garbled_then_good),
		cmocka_unit_test(test_read_garbled_always),
		cmocka_unit_test(test_read_no_answer_times_out),
		cmocka_unit_test(test_read_skips_stray_lines),
		cmocka_unit_test(test_read_overload_underload),
		cmocka_unit_test(test_zero_and_tare),
		cmocka_unit_test(test_write_failure),
		cmocka_unit_test(test_read_stable_reaches_stability),
		cmocka_unit_test(test_read_stable_transient_overload),
		cmocka_unit_test(test_read_stable_times_out),
		cmocka_unit_test(test_null_ops_unsupported),
		cmocka_unit_test(test_dispatch_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
