/*
 * Unit tests for simulators/: the MT-SICS balance simulator, driven over a
 * real pty and a real TCP socket with plain POSIX read/write and a line
 * reader of its own (nothing from drivers/). Every reply is checked byte for
 * byte against protocols.md §1. Settling times are kept short (0..300 ms) so
 * the whole file runs in a few seconds.
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
#include "cal/sim_balance.h"
#include "sim_balance_int.h"

#include "line_client.h"

#define QUIET_MS 250 /* wait that proves no reply comes, ms */

/* ---- fixtures -------------------------------------------------------------- */

static struct cal_sim_balance_cfg test_cfg(double d_g, int settle_ms)
{
	struct cal_sim_balance_cfg cfg;

	cal_sim_balance_cfg_default(&cfg);
	cfg.d_g = d_g;
	cfg.settle_ms = settle_ms;
	cfg.stable_timeout_ms = 400;
	return cfg;
}

/* New simulator on a pty, started, client opened, greeting consumed. */
static struct cal_sim_balance *sim_pty(struct client *c, const struct cal_sim_balance_cfg *cfg)
{
	struct cal_sim_balance *sim = NULL;
	char path[64];

	assert_int_equal(cal_sim_balance_new(&sim, cfg), CAL_OK);
	assert_int_equal(cal_sim_balance_listen_pty(sim, path, sizeof(path)), CAL_OK);
	assert_true(strncmp(path, "/dev/pts/", 9) == 0);
	assert_int_equal(cal_sim_balance_start(sim), CAL_OK);
	c->len = 0;
	c->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	assert_true(c->fd >= 0);
	if (cfg->power_up_i4)
		expect_line(c, "I4 A \"SIM0001\"\r\n");
	return sim;
}

static void done(struct cal_sim_balance *sim, struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	cal_sim_balance_free(sim);
}

/* ---- pure parts -------------------------------------------------------------- */

static void test_sim_cfg_defaults(void **state)
{
	struct cal_sim_balance_cfg cfg;
	struct cal_sim_balance *sim = NULL;

	(void)state;
	cal_sim_balance_cfg_default(&cfg);
	assert_string_equal(cfg.model, "calbench SIM-BAL");
	assert_string_equal(cfg.serial, "SIM0001");
	assert_true(cfg.max_g == 30000 && cfg.d_g == 5 && cfg.noise_g == 0);
	assert_int_equal(cfg.settle_ms, 800);
	assert_int_equal(cfg.stable_timeout_ms, 3000);
	assert_true(cfg.drift_g_per_min == 0);
	assert_int_equal(cfg.n_err, 0);
	assert_int_equal(cfg.seed, 1);
	assert_true(cfg.power_up_i4);

	cfg.d_g = 0;
	assert_int_equal(cal_sim_balance_new(&sim, &cfg), CAL_ERR_ARG);
	assert_null(sim);
	cfg.d_g = 5;
	cfg.settle_ms = -1;
	assert_int_equal(cal_sim_balance_new(&sim, &cfg), CAL_ERR_ARG);
	assert_int_equal(cal_sim_balance_new(&sim, NULL), CAL_OK);
	/* not listening yet */
	assert_int_equal(cal_sim_balance_start(sim), CAL_ERR_STATE);
	cal_sim_balance_stop(sim);
	cal_sim_balance_free(sim);
	cal_sim_balance_free(NULL);
}

static void test_sim_profile_parse(void **state)
{
	struct cal_sim_balance_cfg cfg;
	char many[512] = "";

	(void)state;
	cal_sim_balance_cfg_default(&cfg);
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "0:0,15000:3,30000:12"), CAL_OK);
	assert_int_equal(cfg.n_err, 3);
	assert_true(cfg.err[1].load_g == 15000 && cfg.err[1].err_g == 3);
	assert_true(cfg.err[2].load_g == 30000 && cfg.err[2].err_g == 12);
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, " 0 : -0.5 , 100:0.25"), CAL_OK);
	assert_int_equal(cfg.n_err, 2);
	assert_true(cfg.err[0].err_g == -0.5);

	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "0:0,abc:1"), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "item 2 'abc:1'"));
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "0:0,15000"), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "item 2 '15000'"));
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "10:0,5:1"), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "must increase"));
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "0:1,,"), CAL_ERR_ARG);
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "0:1,5:1,5"), CAL_ERR_ARG);
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "0:1x"), CAL_ERR_ARG);
	for (int i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s%d:0", i ? "," : "",
			 i * 10);
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, many), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "item 17"));
	/* failures leave the old profile */
	assert_int_equal(cfg.n_err, 2);
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "none"), CAL_OK);
	assert_int_equal(cfg.n_err, 0);
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, ""), CAL_OK);
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, NULL), CAL_ERR_ARG);
}

static void test_sim_model_math(void **state)
{
	struct cal_sim_balance_cfg cfg;
	struct sim_model m;
	double sum = 0, sum2 = 0;
	const int n = 20000;

	(void)state;
	assert_int_equal(sim_decimals(0.01), 2);
	assert_int_equal(sim_decimals(5), 0);
	assert_int_equal(sim_decimals(0.0001), 4);
	assert_int_equal(sim_decimals(0.5), 1);
	assert_int_equal(sim_decimals(0.02), 2);
	assert_int_equal(sim_decimals(1), 0);
	assert_true(sim_round_to_d(2502, 5) == 2500);
	assert_true(sim_round_to_d(2503, 5) == 2505);
	assert_true(fabs(sim_round_to_d(100.004, 0.01) - 100.00) < 1e-9);

	/* the noise: reproducible per (seed, k), about N(0, 1) */
	assert_true(sim_gauss(1, 42) == sim_gauss(1, 42));
	assert_true(sim_gauss(1, 42) != sim_gauss(2, 42));
	for (int k = 0; k < n; k++) {
		double g = sim_gauss(7, k);

		sum += g;
		sum2 += g * g;
	}
	assert_true(fabs(sum / n) < 0.05);
	assert_true(fabs(sqrt(sum2 / n) - 1) < 0.05);

	/* error profile: linear between points, held beyond the ends, sorted */
	cal_sim_balance_cfg_default(&cfg);
	sim_model_init(&m, &cfg, 0);
	assert_true(sim_model_err(&m, 1234) == 0);
	{
		struct cal_sim_err_point p[] = { { 30000, 12 }, { 0, 0 }, { 15000, 3 } };

		sim_model_set_profile(&m, p, 3, 0);
	}
	assert_int_equal(m.n_err, 3);
	assert_true(sim_model_err(&m, 7500) == 1.5);
	assert_true(sim_model_err(&m, 22500) == 7.5);
	assert_true(sim_model_err(&m, -50) == 0);
	assert_true(sim_model_err(&m, 40000) == 12);
}

/*
 * Stable means the whole stability window lies after the settling: a zero
 * taken from the window mean right after a load came off must not keep part of
 * the load (it once kept ~40 g of 3 kg, and the next reading showed underload).
 */
static void test_sim_model_stable_window_settled(void **state)
{
	struct cal_sim_balance_cfg cfg;
	struct sim_model m;
	struct sim_reading r;
	int64_t t;

	(void)state;
	cal_sim_balance_cfg_default(&cfg);
	cfg.max_g = 6000;
	cfg.d_g = 1;
	cfg.noise_g = 0;
	cfg.settle_ms = 800;
	sim_model_init(&m, &cfg, 0);
	sim_model_set_load(&m, 3000, 0);
	sim_model_set_load(&m, 0, 2000);
	for (t = 2000; t < 6000; t += SIM_SAMPLE_MS) {
		sim_model_read(&r, &m, t);
		if (r.stable)
			break;
	}
	assert_true(r.stable);
	assert_true(t >= 2000 + cfg.settle_ms + SIM_STAB_WINDOW_MS - SIM_SAMPLE_MS);
	/* the mean the zero would take is the unloaded value, within d/10 */
	assert_true(fabs(r.mean_gross_g) < cfg.d_g / 10);
	assert_true(fabs(r.gross_g) < cfg.d_g / 10);
}

/* ---- the wire, over a pty ------------------------------------------------------- */

static void test_sim_weight_format(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(0.01, 0);
	struct cal_sim_balance *sim;
	struct client c;

	(void)state;
	sim = sim_pty(&c, &cfg);
	xfer(&c, "SI\r\n", "S S       0.00 g\r\n");
	cal_sim_balance_set_load(sim, 100);
	xfer(&c, "S\r\n", "S S     100.00 g\r\n");
	xfer(&c, "SI\r\n", "S S     100.00 g\r\n");
	/* the canonical bytes of protocols.md §1.2 */
	{
		static const unsigned char want[] = { 0x53, 0x20, 0x53, 0x20, 0x20, 0x20,
						      0x20, 0x20, 0x31, 0x30, 0x30, 0x2E,
						      0x30, 0x30, 0x20, 0x67, 0x0D, 0x0A };
		char line[64];

		send_str(&c, "S\r\n");
		assert_int_equal(read_line(&c, line, sizeof(line), REPLY_MS), sizeof(want));
		assert_memory_equal(line, want, sizeof(want));
	}
	/* negative: sign glued to the digits */
	xfer(&c, "T\r\n", "T S     100.00 g\r\n");
	cal_sim_balance_set_load(sim, 0);
	xfer(&c, "S\r\n", "S S    -100.00 g\r\n");
	cal_sim_balance_set_load(sim, 12.345);
	xfer(&c, "S\r\n", "S S     -87.66 g\r\n");
	done(sim, &c);

	/* d = 5 g: no decimals, rounded to multiples of 5 */
	cfg = test_cfg(5, 0);
	sim = sim_pty(&c, &cfg);
	cal_sim_balance_set_load(sim, 2502);
	xfer(&c, "S\r\n", "S S       2500 g\r\n");
	cal_sim_balance_set_load(sim, 2503);
	xfer(&c, "S\r\n", "S S       2505 g\r\n");
	xfer(&c, "I2\r\n", "I2 A \"calbench SIM-BAL 30000 g\"\r\n");
	done(sim, &c);

	/* d = 0.0001 g */
	cfg = test_cfg(0.0001, 0);
	cfg.max_g = 220;
	sim = sim_pty(&c, &cfg);
	cal_sim_balance_set_load(sim, 100);
	xfer(&c, "S\r\n", "S S   100.0000 g\r\n");
	cal_sim_balance_set_load(sim, 0.00004);
	xfer(&c, "S\r\n", "S S     0.0000 g\r\n");
	xfer(&c, "I2\r\n", "I2 A \"calbench SIM-BAL 220.0000 g\"\r\n");
	done(sim, &c);
}

static void test_sim_dynamic_then_stable(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(0.01, 300);
	struct cal_sim_balance *sim;
	struct client c;
	char line[128];
	int64_t t0;

	(void)state;
	cfg.stable_timeout_ms = 2000;
	sim = sim_pty(&c, &cfg);
	cal_sim_balance_set_load(sim, 100);
	send_str(&c, "SI\r\n");
	assert_int_equal(read_line(&c, line, sizeof(line), REPLY_MS), 18);
	assert_memory_equal(line, "S D ", 4);
	assert_string_not_equal(line, "S D     100.00 g\r\n");
	sleep_ms(150);
	send_str(&c, "SI\r\n");
	assert_int_equal(read_line(&c, line, sizeof(line), REPLY_MS), 18);
	assert_memory_equal(line, "S D ", 4);
	/* exponential approach: more than half way after half the settling time */
	assert_true(strtod(line + 4, NULL) > 50 && strtod(line + 4, NULL) < 100);
	/* stable once the whole 300 ms window lies after the settling */
	sleep_ms(150 + SIM_STAB_WINDOW_MS);
	xfer(&c, "SI\r\n", "S S     100.00 g\r\n");

	/* S right after a change waits until settled, then answers stable */
	cal_sim_balance_set_load(sim, 200);
	t0 = cal_mono_ms();
	xfer(&c, "S\r\n", "S S     200.00 g\r\n");
	assert_true(cal_mono_ms() - t0 >= 250);
	done(sim, &c);
}

static void test_sim_noise_and_stability(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(0.01, 0);
	struct cal_sim_balance *sim;
	struct client c;
	char line[128];
	int64_t t0;

	(void)state;
	/* noise d/10: always stable and 4 sigma < d/2, so the display never moves */
	cfg.noise_g = 0.001;
	cfg.seed = 1234;
	sim = sim_pty(&c, &cfg);
	cal_sim_balance_set_load(sim, 100);
	for (int i = 0; i < 5; i++)
		xfer(&c, "S\r\n", "S S     100.00 g\r\n");
	done(sim, &c);

	/* noise 5 d: never stable; S/Z/T give up after stable_timeout_ms */
	cfg.noise_g = 0.05;
	cfg.stable_timeout_ms = 300;
	sim = sim_pty(&c, &cfg);
	t0 = cal_mono_ms();
	xfer(&c, "S\r\n", "S I\r\n");
	assert_true(cal_mono_ms() - t0 >= 280);
	send_str(&c, "SI\r\n");
	assert_int_equal(read_line(&c, line, sizeof(line), REPLY_MS), 18);
	assert_memory_equal(line, "S D ", 4);
	xfer(&c, "Z\r\n", "Z I\r\n");
	xfer(&c, "T\r\n", "T I\r\n");
	xfer(&c, "ZI\r\n", "ZI D\r\n");

	/* @ aborts a waiting S: only the I4 comes back */
	send_str(&c, "S\r\n");
	sleep_ms(100);
	send_str(&c, "@\r\n");
	expect_line(&c, "I4 A \"SIM0001\"\r\n");
	expect_quiet(&c, 400);
	done(sim, &c);

	/* drift 60 g/min = 1 g/s: the value runs away and is never stable */
	cfg = test_cfg(0.01, 0);
	cfg.drift_g_per_min = 60;
	sim = sim_pty(&c, &cfg);
	sleep_ms(300);
	send_str(&c, "SI\r\n");
	assert_int_equal(read_line(&c, line, sizeof(line), REPLY_MS), 18);
	assert_memory_equal(line, "S D ", 4);
	assert_true(strtod(line + 4, NULL) >= 0.25);
	done(sim, &c);
}

static void test_sim_overload_underload(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(5, 0);
	struct cal_sim_balance *sim;
	struct client c;

	(void)state;
	sim = sim_pty(&c, &cfg);
	cal_sim_balance_set_load(sim, 30045); /* Max + 9 e: still shown */
	xfer(&c, "S\r\n", "S S      30045 g\r\n");
	cal_sim_balance_set_load(sim, 30046);
	xfer(&c, "S\r\n", "S +\r\n");
	xfer(&c, "SI\r\n", "S +\r\n");
	xfer(&c, "Z\r\n", "Z +\r\n");
	xfer(&c, "T\r\n", "T +\r\n");
	xfer(&c, "ZI\r\n", "ZI +\r\n");
	xfer(&c, "TI\r\n", "TI +\r\n");
	cal_sim_balance_set_load(sim, -100); /* -20 d: still shown */
	xfer(&c, "S\r\n", "S S       -100 g\r\n");
	cal_sim_balance_set_load(sim, -101); /* pan removed */
	xfer(&c, "S\r\n", "S -\r\n");
	xfer(&c, "SI\r\n", "S -\r\n");
	xfer(&c, "T\r\n", "T -\r\n");
	cal_sim_balance_set_load(sim, 0);
	xfer(&c, "S\r\n", "S S          0 g\r\n");
	done(sim, &c);
}

static void test_sim_zero_and_tare(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(0.01, 0);
	struct cal_sim_balance *sim;
	struct client c;

	(void)state;
	sim = sim_pty(&c, &cfg); /* Max 30000 g: zero range +-600 g */
	cal_sim_balance_set_load(sim, 100);
	xfer(&c, "T\r\n", "T S     100.00 g\r\n");
	xfer(&c, "S\r\n", "S S       0.00 g\r\n");
	xfer(&c, "TA\r\n", "TA A     100.00 g\r\n");
	cal_sim_balance_set_load(sim, 150);
	xfer(&c, "S\r\n", "S S      50.00 g\r\n");
	/* @ clears the tare */
	xfer(&c, "@\r\n", "I4 A \"SIM0001\"\r\n");
	xfer(&c, "S\r\n", "S S     150.00 g\r\n");
	/* tare preset and clear */
	xfer(&c, "TA 50.00 g\r\n", "TA A      50.00 g\r\n");
	xfer(&c, "SI\r\n", "S S     100.00 g\r\n");
	xfer(&c, "TA 50 kg\r\n", "TA L\r\n");
	xfer(&c, "TA 40000 g\r\n", "TA L\r\n");
	xfer(&c, "TA abc g\r\n", "EL\r\n");
	xfer(&c, "TAC\r\n", "TAC A\r\n");
	xfer(&c, "SI\r\n", "S S     150.00 g\r\n");
	xfer(&c, "TI\r\n", "TI S     150.00 g\r\n");
	xfer(&c, "SI\r\n", "S S       0.00 g\r\n");
	/* zero inside the range clears the tare too */
	xfer(&c, "Z\r\n", "Z A\r\n");
	xfer(&c, "TA\r\n", "TA A       0.00 g\r\n");
	xfer(&c, "S\r\n", "S S       0.00 g\r\n");
	/* gross -150 g after that zero is below -20 d: underload */
	cal_sim_balance_set_load(sim, 0);
	xfer(&c, "S\r\n", "S -\r\n");
	xfer(&c, "ZI\r\n", "ZI S\r\n");
	xfer(&c, "S\r\n", "S S       0.00 g\r\n");
	/* outside +-2 % Max around the power-up zero */
	cal_sim_balance_set_load(sim, 601);
	xfer(&c, "Z\r\n", "Z +\r\n");
	xfer(&c, "ZI\r\n", "ZI +\r\n");
	xfer(&c, "S\r\n", "S S     601.00 g\r\n");
	cal_sim_balance_set_load(sim, 599);
	xfer(&c, "Z\r\n", "Z A\r\n");
	cal_sim_balance_set_load(sim, 600);
	xfer(&c, "S\r\n", "S S       1.00 g\r\n");
	/* back to the power-up zero, though the display is underloaded */
	cal_sim_balance_set_load(sim, 0);
	xfer(&c, "SI\r\n", "S -\r\n");
	xfer(&c, "ZI\r\n", "ZI S\r\n");
	cal_sim_balance_set_load(sim, -601); /* 601 g below the power-up zero */
	xfer(&c, "Z\r\n", "Z -\r\n");
	xfer(&c, "ZI\r\n", "ZI -\r\n");
	cal_sim_balance_set_load(sim, -599);
	xfer(&c, "Z\r\n", "Z A\r\n");
	xfer(&c, "S\r\n", "S S       0.00 g\r\n");
	done(sim, &c);
}

static void test_sim_error_profile(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(1, 0);
	struct cal_sim_balance *sim;
	struct client c;
	char reply[128];

	(void)state;
	cfg.max_g = 32000; /* 30012 g would be an overload at Max 30000 g, d = 1 g */
	assert_int_equal(cal_sim_balance_parse_profile(&cfg, "0:0,15000:3,30000:12"), CAL_OK);
	sim = sim_pty(&c, &cfg);
	cal_sim_balance_set_load(sim, 30000);
	xfer(&c, "S\r\n", "S S      30012 g\r\n");
	cal_sim_balance_set_load(sim, 10000);
	xfer(&c, "S\r\n", "S S      10002 g\r\n");
	assert_int_equal(
		cal_sim_balance_control(sim, "profile 0:0,30000:-30", reply, sizeof(reply)),
		CAL_OK);
	assert_string_equal(reply, "ok");
	xfer(&c, "S\r\n", "S S       9990 g\r\n");
	cal_sim_balance_set_error_profile(sim, NULL, 0);
	xfer(&c, "S\r\n", "S S      10000 g\r\n");
	done(sim, &c);
}

static void test_sim_line_endings_and_junk(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(0.01, 0);
	struct cal_sim_balance *sim;
	struct client c;
	char line[512];
	char longline[400];

	(void)state;
	sim = sim_pty(&c, &cfg);
	cal_sim_balance_set_load(sim, 100);
	xfer(&c, "SI\r", "S S     100.00 g\r\n");
	xfer(&c, "SI\n", "S S     100.00 g\r\n");
	xfer(&c, "SI\r\n", "S S     100.00 g\r\n");
	/* a command in pieces, CR and LF in separate writes: one reply */
	send_str(&c, "S");
	sleep_ms(30);
	send_str(&c, "I\r");
	sleep_ms(30);
	send_str(&c, "\n");
	expect_line(&c, "S S     100.00 g\r\n");
	/* two commands in one write */
	send_str(&c, "I4\r\nI3\n");
	expect_line(&c, "I4 A \"SIM0001\"\r\n");
	expect_line(&c, "I3 A \"calbench-sim 1.0\"\r\n");
	/* empty lines are ignored */
	send_str(&c, "\r\n\r\n\n");
	expect_quiet(&c, 150);

	xfer(&c, "s\r\n", "ES\r\n");
	xfer(&c, "XYZ\r\n", "ES\r\n");
	xfer(&c, "S 5\r\n", "EL\r\n");
	xfer(&c, "S  \r\n", "S S     100.00 g\r\n");
	memset(longline, 'A', sizeof(longline));
	send_raw(&c, longline, sizeof(longline));
	send_str(&c, "\r\n");
	expect_line(&c, "ES\r\n");
	send_raw(&c, "S\0\r\n", 4);
	expect_line(&c, "ES\r\n");
	send_raw(&c, "\xff\xfe\x01\x80\r\n", 6);
	expect_line(&c, "ES\r\n");
	expect_quiet(&c, 100);

	/* identification and display commands */
	xfer(&c, "I1\r\n", "I1 A \"01\" \"2.20\" \"2.20\" \"\" \"\"\r\n");
	xfer(&c, "I2\r\n", "I2 A \"calbench SIM-BAL 30000.00 g\"\r\n");
	xfer(&c, "I4\r\n", "I4 A \"SIM0001\"\r\n");
	xfer(&c, "D \"HELLO\"\r\n", "D A\r\n");
	xfer(&c, "D \"THIS TEXT IS FAR TOO LONG\"\r\n", "D L\r\n");
	xfer(&c, "D HELLO\r\n", "EL\r\n");
	xfer(&c, "DW\r\n", "DW A\r\n");
	send_str(&c, "I0\r\n");
	expect_line(&c, "I0 B 0 \"@\"\r\n");
	for (int i = 0; i < 20; i++) {
		assert_true(read_line(&c, line, sizeof(line), REPLY_MS) > 0);
		if (strcmp(line, "I0 A\r\n") == 0)
			break;
		assert_memory_equal(line, "I0 B ", 5);
	}
	assert_string_equal(line, "I0 A\r\n");
	/* the simulator still answers after all that */
	xfer(&c, "SI\r\n", "S S     100.00 g\r\n");
	done(sim, &c);
}

static void test_sim_power_up_i4_off(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(0.01, 0);
	struct cal_sim_balance *sim;
	struct client c;

	(void)state;
	cfg.power_up_i4 = false;
	snprintf(cfg.serial, sizeof(cfg.serial), "%s", "AB\"12");
	sim = sim_pty(&c, &cfg);
	expect_quiet(&c, 150);
	/* a quote in the serial cannot break the quoted field */
	xfer(&c, "I4\r\n", "I4 A \"AB?12\"\r\n");
	/* stop, start again: still served */
	cal_sim_balance_stop(sim);
	cal_sim_balance_stop(sim);
	assert_int_equal(cal_sim_balance_start(sim), CAL_OK);
	assert_int_equal(cal_sim_balance_start(sim), CAL_ERR_STATE);
	xfer(&c, "@\r\n", "I4 A \"AB?12\"\r\n");
	done(sim, &c);
}

static void test_sim_faults_pty(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(0.01, 0);
	const char *want = "S S     100.00 g\r\n";
	unsigned long cmds = 0, replies = 0;
	struct cal_sim_balance *sim;
	struct client c;
	char line[128], reply[256];
	int64_t t0;
	int n;

	(void)state;
	sim = sim_pty(&c, &cfg);
	cal_sim_balance_set_load(sim, 100);
	xfer(&c, "SI\r\n", want);

	/* drop: no reply, then normal again */
	cal_sim_balance_fault(sim, CAL_SIM_FAULT_DROP, 1, 0);
	send_str(&c, "SI\r\n");
	expect_quiet(&c, QUIET_MS);
	xfer(&c, "SI\r\n", want);

	/* garble 2: two replies differ in one byte, CR LF kept */
	cal_sim_balance_fault(sim, CAL_SIM_FAULT_GARBLE, 2, 0);
	for (int i = 0; i < 2; i++) {
		int diff = 0;

		send_str(&c, "SI\r\n");
		n = read_line(&c, line, sizeof(line), REPLY_MS);
		assert_int_equal(n, (int)strlen(want));
		assert_memory_equal(line + n - 2, "\r\n", 2);
		for (int k = 0; k < n; k++)
			diff += line[k] != want[k];
		assert_int_equal(diff, 1);
	}
	xfer(&c, "SI\r\n", want);

	/* late: the reply comes after the delay, and only then the next one */
	assert_int_equal(cal_sim_balance_control(sim, "fault late 1 400", reply, sizeof(reply)),
			 CAL_OK);
	t0 = cal_mono_ms();
	send_str(&c, "SI\r\n");
	send_str(&c, "I4\r\n");
	expect_line(&c, want);
	assert_true(cal_mono_ms() - t0 >= 380);
	expect_line(&c, "I4 A \"SIM0001\"\r\n");

	/* ES / EL instead of the reply */
	cal_sim_balance_fault(sim, CAL_SIM_FAULT_ES, 1, 0);
	xfer(&c, "SI\r\n", "ES\r\n");
	assert_int_equal(cal_sim_balance_control(sim, "fault el 2", reply, sizeof(reply)), CAL_OK);
	xfer(&c, "I4\r\n", "EL\r\n");
	xfer(&c, "SI\r\n", "EL\r\n");
	xfer(&c, "SI\r\n", want);
	/* none disarms */
	cal_sim_balance_fault(sim, CAL_SIM_FAULT_DROP, 5, 0);
	cal_sim_balance_fault(sim, CAL_SIM_FAULT_NONE, 0, 0);
	xfer(&c, "SI\r\n", want);

	/* 12 answered + 1 dropped command lines; the power-up I4 is no reply */
	cal_sim_balance_stats(sim, &cmds, &replies);
	assert_int_equal(cmds, 13);
	assert_int_equal(replies, 12);

	/* close: the client sees EOF or EIO, the simulator stops for good */
	assert_int_equal(cal_sim_balance_control(sim, "fault close", reply, sizeof(reply)), CAL_OK);
	assert_int_equal(read_line(&c, line, sizeof(line), REPLY_MS), -1);
	sleep_ms(50);
	assert_int_equal(cal_sim_balance_control(sim, "status", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "link=closed (stopped)"));
	assert_int_equal(cal_sim_balance_start(sim), CAL_ERR_STATE);
	done(sim, &c);
}

static void test_sim_tcp(void **state)
{
	struct cal_sim_balance_cfg cfg = test_cfg(0.01, 0);
	struct cal_sim_balance *sim = NULL;
	struct client c, c2;
	char line[128], reply[256];
	int port = 0;

	(void)state;
	assert_int_equal(cal_sim_balance_new(&sim, &cfg), CAL_OK);
	assert_int_equal(cal_sim_balance_listen_tcp(sim, "127.0.0.1", 0, &port), CAL_OK);
	assert_true(port > 0);
	assert_int_equal(cal_sim_balance_listen_tcp(sim, "127.0.0.1", 0, &port), CAL_ERR_STATE);
	assert_int_equal(cal_sim_balance_start(sim), CAL_OK);
	cal_sim_balance_set_load(sim, 100);

	tcp_connect(&c, port);
	expect_line(&c, "I4 A \"SIM0001\"\r\n");
	xfer(&c, "S\r\n", "S S     100.00 g\r\n");
	xfer(&c, "FOO\r\n", "ES\r\n");
	/* a second client waits until the first leaves */
	tcp_connect(&c2, port);
	expect_quiet(&c2, 150);
	close(c.fd);
	expect_line(&c2, "I4 A \"SIM0001\"\r\n");
	xfer(&c2, "SI\n", "S S     100.00 g\r\n");

	/* close instead of the next reply: EOF, then the simulator accepts again */
	cal_sim_balance_fault(sim, CAL_SIM_FAULT_CLOSE, 1, 0);
	send_str(&c2, "S\r\n");
	assert_int_equal(read_line(&c2, line, sizeof(line), REPLY_MS), -1);
	close(c2.fd);
	tcp_connect(&c, port);
	expect_line(&c, "I4 A \"SIM0001\"\r\n");
	xfer(&c, "S\r\n", "S S     100.00 g\r\n");
	assert_int_equal(cal_sim_balance_control(sim, "status", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, ":client"));

	/* close now */
	cal_sim_balance_fault(sim, CAL_SIM_FAULT_CLOSE, 0, 0);
	assert_int_equal(read_line(&c, line, sizeof(line), REPLY_MS), -1);
	close(c.fd);
	tcp_connect(&c, port);
	expect_line(&c, "I4 A \"SIM0001\"\r\n");
	xfer(&c, "I2\r\n", "I2 A \"calbench SIM-BAL 30000.00 g\"\r\n");

	/* stop disconnects the client */
	cal_sim_balance_stop(sim);
	assert_int_equal(read_line(&c, line, sizeof(line), REPLY_MS), -1);
	done(sim, &c);

	assert_int_equal(cal_sim_balance_new(&sim, &cfg), CAL_OK);
	assert_int_equal(cal_sim_balance_listen_tcp(sim, "127.0.0.1", 70000, &port), CAL_ERR_ARG);
	assert_int_equal(cal_sim_balance_listen_tcp(sim, "no.such.host.invalid", 0, &port),
			 CAL_ERR_ARG);
	cal_sim_balance_free(sim);
}

static void test_sim_control(void **state)
{
	static const char *bad[] = { "",
				     "   ",
				     "bogus",
				     "load",
				     "load abc",
				     "load 1,5",
				     "load 1 2",
				     "fault",
				     "fault explode",
				     "fault drop x",
				     "fault drop 0",
				     "fault drop 1 2",
				     "fault late",
				     "fault late 1 2 3",
				     "fault late -5",
				     "fault none 3",
				     "profile",
				     "profile 0:0,abc",
				     "noise -1",
				     "drift x",
				     "status now" };
	struct cal_sim_balance_cfg cfg = test_cfg(5, 0);
	struct cal_sim_balance *sim = NULL;
	char reply[256];
	char huge[300];

	(void)state;
	assert_int_equal(cal_sim_balance_new(&sim, &cfg), CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "load 2500", reply, sizeof(reply)), CAL_OK);
	assert_string_equal(reply, "ok");
	assert_int_equal(cal_sim_balance_control(sim, "  load\t2500.5 \r\n", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "fault drop 1", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "fault garble 2", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "fault late 3000", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "fault late 2 3000", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "status", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "load=2500.5 g"));
	assert_non_null(strstr(reply, "fault=late:2"));
	assert_non_null(strstr(reply, "link=none"));
	assert_int_equal(cal_sim_balance_control(sim, "fault es 1", reply, sizeof(reply)), CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "fault close 1", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "fault none", reply, sizeof(reply)), CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "profile 0:0,30000:12", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "profile none", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "noise 0.5", reply, sizeof(reply)), CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "drift -0.1", reply, sizeof(reply)), CAL_OK);
	assert_int_equal(cal_sim_balance_control(sim, "status", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "fault=none"));
	assert_int_equal(cal_sim_balance_control(sim, "help", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "fault late"));
	/* a small reply buffer is cut, not overrun */
	assert_int_equal(cal_sim_balance_control(sim, "status", reply, 8), CAL_OK);
	assert_int_equal(strlen(reply), 7);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(reply, sizeof(reply), "x");
		cal_error_clear();
		assert_int_equal(cal_sim_balance_control(sim, bad[i], reply, sizeof(reply)),
				 CAL_ERR_ARG);
		assert_string_equal(reply, "");
		assert_string_not_equal(cal_error_last(), "");
	}
	assert_int_equal(cal_sim_balance_control(sim, "fault explode", reply, sizeof(reply)),
			 CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "explode"));
	assert_int_equal(cal_sim_balance_control(sim, "load 1,5", reply, sizeof(reply)),
			 CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "1,5"));
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(cal_sim_balance_control(sim, huge, reply, sizeof(reply)), CAL_ERR_ARG);
	assert_int_equal(cal_sim_balance_control(sim, NULL, reply, sizeof(reply)), CAL_ERR_ARG);
	cal_sim_balance_free(sim);
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
		cmocka_unit_test(test_sim_cfg_defaults),
		cmocka_unit_test(test_sim_profile_parse),
		cmocka_unit_test(test_sim_model_math),
		cmocka_unit_test(test_sim_model_stable_window_settled),
		cmocka_unit_test(test_sim_weight_format),
		cmocka_unit_test(test_sim_dynamic_then_stable),
		cmocka_unit_test(test_sim_noise_and_stability),
		cmocka_unit_test(test_sim_overload_underload),
		cmocka_unit_test(test_sim_zero_and_tare),
		cmocka_unit_test(test_sim_error_profile),
		cmocka_unit_test(test_sim_line_endings_and_junk),
		cmocka_unit_test(test_sim_power_up_i4_off),
		cmocka_unit_test(test_sim_faults_pty),
		cmocka_unit_test(test_sim_tcp),
		cmocka_unit_test(test_sim_control),
	};

	int failed;

	cal_log_set_level(CAL_LOG_SPEW);
	cal_log_set_sink(count_sink, NULL);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	cal_log_set_sink(NULL, NULL);
	return failed || atomic_load(&log_count) == 0;
}
