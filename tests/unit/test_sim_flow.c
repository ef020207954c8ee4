/*
 * Unit tests of the Modbus flow meter simulator (simulators/sim_flow*):
 *
 *  - the model on a fake clock (first order, closed-form totalizer, seeded
 *    noise) and CRC-16/Modbus against the frames of protocols.md §5.5;
 *  - every preset served over Modbus TCP and read with the libmodbus CLIENT
 *    API and the pure decoders of cal/modbus_map.h (never the modbus-flow
 *    driver): flow and totals in the right unit and word order, the
 *    totalizer bracketed by the model's values before and after each read
 *    and growing as flow x time;
 *  - Modbus RTU on the pty with a libmodbus RTU client (modbus_new_rtu +
 *    modbus_connect on the slave path, as the driver does);
 *  - registers outside the map, other unit ids, two clients in turn, every
 *    fault, the control language.
 *
 * Time constants are 20 ms and client timeouts 300 ms, so the whole file
 * runs in a few seconds. A bound on a value read while time passes is
 * taken from the model before and after the read, never from a sleep.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
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
#include "cal/modbus_map.h"
#include "cal/sim_flow.h"
#include "sim_flow_int.h"

#define CLIENT_TIMEOUT_US 300000 /* libmodbus response timeout of the tests */
#define SETTLE_MS 200		 /* 10 tau */
#define Q_M3H 36.0		 /* = 0.01 m3/s */
#define DN50_AREA (M_PI * 0.05 * 0.05 / 4.0)

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- fixtures ------------------------------------------------------------------- */

static struct cal_sim_flow_cfg fast_cfg(const char *preset)
{
	struct cal_sim_flow_cfg cfg;

	cal_sim_flow_cfg_default(&cfg);
	snprintf(cfg.preset, sizeof(cfg.preset), "%s", preset);
	cfg.q_m3h = Q_M3H;
	cfg.tau_ms = 20;
	return cfg;
}

static struct cal_sim_flow *start_tcp(const struct cal_sim_flow_cfg *cfg, int *port)
{
	struct cal_sim_flow *sim = NULL;

	assert_int_equal(cal_sim_flow_new(&sim, cfg), CAL_OK);
	assert_int_equal(cal_sim_flow_listen_tcp(sim, "127.0.0.1", 0, port), CAL_OK);
	assert_true(*port > 0);
	assert_int_equal(cal_sim_flow_start(sim), CAL_OK);
	return sim;
}

static struct cal_sim_flow *start_rtu(const struct cal_sim_flow_cfg *cfg, char *path, size_t size)
{
	struct cal_sim_flow *sim = NULL;

	assert_int_equal(cal_sim_flow_new(&sim, cfg), CAL_OK);
	assert_int_equal(cal_sim_flow_listen_rtu(sim, path, size), CAL_OK);
	assert_int_equal(cal_sim_flow_start(sim), CAL_OK);
	return sim;
}

static modbus_t *client_tcp(int port, int unit)
{
	modbus_t *c = modbus_new_tcp("127.0.0.1", port);

	assert_non_null(c);
	assert_int_equal(modbus_set_slave(c, unit), 0);
	assert_int_equal(modbus_connect(c), 0);
	assert_int_equal(modbus_set_response_timeout(c, 0, CLIENT_TIMEOUT_US), 0);
	return c;
}

/* As the driver opens a meter: modbus_new_rtu(path, 19200, 'E', 8, 1) + modbus_connect. */
static modbus_t *client_rtu(const char *path, int unit)
{
	modbus_t *c = modbus_new_rtu(path, 19200, 'E', 8, 1);

	assert_non_null(c);
	assert_int_equal(modbus_set_slave(c, unit), 0);
	assert_int_equal(modbus_connect(c), 0);
	assert_int_equal(modbus_set_response_timeout(c, 0, CLIENT_TIMEOUT_US), 0);
	return c;
}

static void client_free(modbus_t *c)
{
	modbus_close(c);
	modbus_free(c);
}

/* FC 03 or 04 as the table says; the count read or -1 with errno. */
static int read_regs(modbus_t *c, enum cal_mb_function fn, int addr, int nb, uint16_t *regs)
{
	return fn == CAL_MB_INPUT ? modbus_read_input_registers(c, addr, nb, regs)
				  : modbus_read_registers(c, addr, nb, regs);
}

/* Read quantity @name of @map alone and decode it (scale applied). */
static double read_q(modbus_t *c, const struct cal_mb_map *map, const char *name)
{
	const struct cal_mb_quantity *q = cal_mb_map_quantity(map, name);
	uint16_t regs[4];
	int n;
	double v;

	assert_non_null(q);
	n = (int)cal_mb_type_regs(q->type);
	assert_int_equal(read_regs(c, q->function, q->address, n, regs), n);
	assert_int_equal(cal_mb_quantity_decode(&v, q, regs, (size_t)n), CAL_OK);
	return v;
}

/* A read of @nb registers at @addr must fail with @want_errno. */
static void read_fails(modbus_t *c, enum cal_mb_function fn, int addr, int nb, int want_errno)
{
	uint16_t regs[125];

	errno = 0;
	assert_int_equal(read_regs(c, fn, addr, nb, regs), -1);
	if (errno != want_errno)
		fail_msg("read %d at %d: errno %d (%s), expected %d (%s)", nb, addr, errno,
			 modbus_strerror(errno), want_errno, modbus_strerror(want_errno));
}

static double total_now(struct cal_sim_flow *sim)
{
	struct cal_sim_flow_state st;

	cal_sim_flow_state(sim, &st);
	return st.total_m3;
}

/* lo <= v <= hi within the rounding of an f32 (@f32) or an f64. */
static void assert_between(double v, double lo, double hi, bool f32)
{
	double eps = (f32 ? 1e-6 : 1e-12) * fmax(fabs(lo), fabs(hi)) + 1e-12;

	if (!(v >= lo - eps && v <= hi + eps))
		fail_msg("%.12g not within [%.12g, %.12g]", v, lo, hi);
}

static void assert_close(double v, double want, double rel)
{
	if (!(fabs(v - want) <= rel * fabs(want) + 1e-12))
		fail_msg("%.12g is not %.12g (relative %g)", v, want, rel);
}

/* ---- pure parts -------------------------------------------------------------------- */

static void check_crc(const uint8_t *frame, size_t len, uint8_t lo, uint8_t hi)
{
	uint16_t crc = sim_flow_crc16(frame, len);

	assert_int_equal(crc & 0xFF, lo);
	assert_int_equal(crc >> 8, hi);
}

/* The frames of protocols.md §5.5 (CRC verified there). */
static void test_flow_crc16(void **state)
{
	static const uint8_t mag_flow[] = { 0x01, 0x03, 0x0B, 0xBA, 0x00, 0x02 };
	static const uint8_t mag_reply[] = { 0x01, 0x03, 0x04, 0x3F, 0x9E, 0x06, 0x51 };
	static const uint8_t mfe_total[] = { 0x01, 0x03, 0x10, 0x18, 0x00, 0x04 };
	static const uint8_t exc02[] = { 0x01, 0x83, 0x02 };

	(void)state;
	check_crc(mag_flow, sizeof(mag_flow), 0xE7, 0xCA);
	check_crc(mag_reply, sizeof(mag_reply), 0x55, 0x95);
	check_crc(mfe_total, sizeof(mfe_total), 0xC0, 0xCE);
	check_crc(exc02, sizeof(exc02), 0xC0, 0xF1);
}

static void test_flow_model(void **state)
{
	struct sim_flow_model m, fine, a, b;
	double e1 = exp(-1.0), sum = 0, sum2 = 0, mean, sd;
	int n = 4000;

	(void)state;
	/* steady flow: total = q t */
	sim_flow_model_init(&m, 0.01, 1000, 0, 1, 1000);
	sim_flow_model_advance(&m, 3000);
	assert_close(m.q_m3s, 0.01, 1e-15);
	assert_close(m.total_m3, 0.02, 1e-12);
	/* a step to 0.02: one tau later q = 0.02 - 0.01/e, total in closed form */
	sim_flow_model_set_sp(&m, 0.02, 3000);
	sim_flow_model_advance(&m, 4000);
	assert_close(m.q_m3s, 0.02 - 0.01 * e1, 1e-12);
	assert_close(m.total_m3, 0.02 + 0.02 * 1.0 - 0.01 * 1.0 * (1 - e1), 1e-12);
	/* earlier times are ignored */
	sim_flow_model_advance(&m, 3500);
	assert_int_equal(m.t_ms, 4000);

	/* the state does not depend on how often it is read */
	sim_flow_model_init(&fine, 0.01, 1000, 0, 1, 1000);
	sim_flow_model_set_sp(&fine, 0.02, 3000);
	for (int64_t t = 3000; t <= 4000; t++)
		sim_flow_model_advance(&fine, t);
	assert_close(fine.total_m3, m.total_m3, 1e-12);
	assert_close(fine.q_m3s, m.q_m3s, 1e-12);

	/* noise: seeded, one draw per step, mean q, std dev noise x q */
	sim_flow_model_init(&a, 0.01, 1000, 0.02, 7, 0);
	sim_flow_model_init(&b, 0.01, 1000, 0.02, 7, 0);
	sim_flow_model_advance(&a, 1);
	sim_flow_model_advance(&b, 4);
	assert_true(sim_flow_model_reading(&a) == sim_flow_model_reading(&b)); /* same step */
	sim_flow_model_advance(&b, SIM_FLOW_STEP_MS);
	assert_true(sim_flow_model_reading(&a) != sim_flow_model_reading(&b));
	for (int k = 0; k < n; k++) {
		double r;

		sim_flow_model_advance(&a, (int64_t)k * SIM_FLOW_STEP_MS);
		r = sim_flow_model_reading(&a);
		sum += r;
		sum2 += r * r;
	}
	mean = sum / n;
	sd = sqrt(sum2 / n - mean * mean);
	assert_close(mean, 0.01, 0.002);
	assert_close(sd, 0.02 * 0.01, 0.1);
	sim_flow_model_init(&b, 0.01, 1000, 0.02, 8, 0);
	sim_flow_model_advance(&b, a.t_ms);
	assert_true(sim_flow_model_reading(&a) != sim_flow_model_reading(&b)); /* other seed */
	assert_close(a.total_m3, 0.01 * a.t_ms / 1000.0, 1e-12); /* noise is not integrated */
}

/* A map of the test's own: input registers, DCBA, a scaled integer total. */
static const struct cal_mb_map input_map = {
	.name = "test-input",
	.description = "test",
	.n = 3,
	.q = {
		{ .name = "flow", .function = CAL_MB_INPUT, .address = 100, .type = CAL_MB_F32,
		  .order = CAL_MB_DCBA, .scale = 1, .unit = "L/min" },
		{ .name = "total", .function = CAL_MB_INPUT, .address = 102, .type = CAL_MB_U32,
		  .order = CAL_MB_ABCD, .scale = 0.001, .unit = "L" },
		{ .name = "temperature", .function = CAL_MB_HOLDING, .address = 7,
		  .type = CAL_MB_I16, .order = CAL_MB_ABCD, .scale = 0.1, .unit = "degC" },
	},
};

static void test_flow_cfg(void **state)
{
	struct cal_sim_flow_cfg cfg;
	struct cal_sim_flow *sim = (struct cal_sim_flow *)1;
	struct cal_mb_map bad = input_map;

	(void)state;
	cal_sim_flow_cfg_default(&cfg);
	assert_string_equal(cfg.preset, "siemens-mag6000");
	assert_int_equal(cfg.unit_id, 1);
	assert_int_equal(cfg.baud, 19200);
	assert_int_equal(cfg.parity, 'E');
	assert_int_equal(cal_sim_flow_new(&sim, NULL), CAL_OK);
	assert_string_equal(cal_sim_flow_map(sim)->name, "siemens-mag6000");
	assert_int_equal(cal_sim_flow_start(sim), CAL_ERR_STATE); /* not listening */
	cal_sim_flow_free(sim);

	snprintf(cfg.preset, sizeof(cfg.preset), "%s", "krohne-x");
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_ARG);
	assert_null(sim);
	assert_non_null(strstr(cal_error_last(), "generic-mfe"));
	cal_sim_flow_cfg_default(&cfg);
	cfg.unit_id = 0;
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_ARG);
	cfg.unit_id = 248;
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_flow_cfg_default(&cfg);
	cfg.tau_ms = 0;
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_flow_cfg_default(&cfg);
	cfg.noise = 1.5;
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_flow_cfg_default(&cfg);
	cfg.q_m3h = -1;
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_flow_cfg_default(&cfg);
	cfg.flow_unit = CAL_UNIT_M3; /* a volume */
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_ARG);
	cal_sim_flow_cfg_default(&cfg);
	cfg.parity = 'X';
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_ARG);
	/* a flow quantity whose unit is no flow unit */
	cal_sim_flow_cfg_default(&cfg);
	snprintf(bad.q[0].unit, sizeof(bad.q[0].unit), "%s", "kg");
	cfg.map = &bad;
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_CONFIG);
	/* generic-mfe has no code for mL */
	cal_sim_flow_cfg_default(&cfg);
	snprintf(cfg.preset, sizeof(cfg.preset), "%s", "generic-mfe");
	cfg.total_unit = CAL_UNIT_ML;
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_ERR_CONFIG);
	assert_null(sim);
}

/* ---- every preset over TCP ----------------------------------------------------------- */

/*
 * Read the total of @map (generic-mfe: total_int + total_frac in one
 * 4-register request) between two model readings.
 */
static double read_total(modbus_t *c, struct cal_sim_flow *sim, const struct cal_mb_map *map,
			 double *lo, double *hi)
{
	double v;

	*lo = total_now(sim);
	if (cal_mb_map_quantity(map, "total")) {
		v = read_q(c, map, "total");
	} else {
		const struct cal_mb_quantity *qi = cal_mb_map_quantity(map, "total_int");
		uint16_t regs[4];

		assert_int_equal(read_regs(c, qi->function, qi->address, 4, regs), 4);
		assert_int_equal(
			cal_mb_map_read(&v, map, "total", qi->function, qi->address, regs, 4),
			CAL_OK);
	}
	*hi = total_now(sim);
	return v;
}

/*
 * The meter's flow must be @q (in the unit of the map), its total the
 * model's, and the total must grow as flow x time: two reads 300 ms apart
 * differ by q x (time between them), bounded by our clock on both sides.
 */
static void check_preset(const char *preset, double flow_in_unit, double total_per_m3,
			 bool f32_total)
{
	struct cal_sim_flow_cfg cfg = fast_cfg(preset);
	struct cal_sim_flow *sim;
	const struct cal_mb_map *map;
	modbus_t *c;
	double lo, hi, v1, v2;
	int64_t ta0, ta1, tb0, tb1;
	int port;

	sim = start_tcp(&cfg, &port);
	map = cal_sim_flow_map(sim);
	c = client_tcp(port, 1);
	assert_close(read_q(c, map, "flow"), flow_in_unit, 1e-6);

	ta0 = cal_mono_ms();
	v1 = read_total(c, sim, map, &lo, &hi) / total_per_m3;
	ta1 = cal_mono_ms();
	assert_between(v1, lo, hi, f32_total);
	sleep_ms(300);
	tb0 = cal_mono_ms();
	v2 = read_total(c, sim, map, &lo, &hi) / total_per_m3;
	tb1 = cal_mono_ms();
	assert_between(v2, lo, hi, f32_total);
	/* 0.01 m3/s; the simulator's ms clock may lag ours by up to 1 ms each side */
	assert_between(v2 - v1, 0.01 * (tb0 - ta1 - 2) / 1000.0, 0.01 * (tb1 - ta0 + 2) / 1000.0,
		       f32_total);
	assert_true(v2 - v1 > 0.01 * 0.25); /* it did move */

	if (strcmp(preset, "siemens-mag6000") == 0) {
		lo = total_now(sim);
		v1 = read_q(c, map, "total_float");
		assert_between(v1, lo, total_now(sim), true);
	}
	if (strcmp(preset, "generic-mfe") == 0) {
		assert_close(read_q(c, map, "velocity"), 0.01 / DN50_AREA, 1e-6);
		assert_close(read_q(c, map, "flow_unit"), 5, 0);  /* m3/h */
		assert_close(read_q(c, map, "total_unit"), 1, 0); /* m3 */
	}
	client_free(c);
	cal_sim_flow_free(sim);
}

static void test_flow_siemens_tcp(void **state)
{
	(void)state;
	check_preset("siemens-mag6000", 0.01, 1, false); /* m3/s; f64 total in m3 */
}

static void test_flow_endress_tcp(void **state)
{
	(void)state;
	check_preset("endress-promag53", Q_M3H, 1, true); /* the configured m3/h, m3 */
}

static void test_flow_mfe_tcp(void **state)
{
	(void)state;
	check_preset("generic-mfe", Q_M3H, 1, true); /* codes 5 (m3/h) and 1 (m3) */
}

/* Units set for the maps that do not fix them, and a map of the caller's on FC 04. */
static void test_flow_units_input_map(void **state)
{
	struct cal_sim_flow_cfg cfg = fast_cfg("endress-promag53");
	struct cal_sim_flow *sim;
	const struct cal_mb_map *map;
	modbus_t *c;
	double lo, hi, v;
	int port;

	(void)state;
	cfg.flow_unit = CAL_UNIT_L_MIN;
	cfg.total_unit = CAL_UNIT_L;
	sim = start_tcp(&cfg, &port);
	c = client_tcp(port, 1);
	assert_close(read_q(c, cal_sim_flow_map(sim), "flow"), 600, 1e-6); /* 36 m3/h in L/min */
	v = read_total(c, sim, cal_sim_flow_map(sim), &lo, &hi);
	assert_between(v / 1000, lo, hi, true);
	client_free(c);
	cal_sim_flow_free(sim);

	cfg = fast_cfg("generic-mfe");
	cfg.flow_unit = CAL_UNIT_L_S;
	cfg.total_unit = CAL_UNIT_L;
	sim = start_tcp(&cfg, &port);
	c = client_tcp(port, 1);
	map = cal_sim_flow_map(sim);
	assert_close(read_q(c, map, "flow"), 10, 1e-6); /* L/s */
	assert_close(read_q(c, map, "flow_unit"), 0, 0);
	assert_close(read_q(c, map, "total_unit"), 0, 0);
	v = read_total(c, sim, map, &lo, &hi);
	assert_between(v / 1000, lo, hi, true);
	client_free(c);
	cal_sim_flow_free(sim);

	cfg = fast_cfg("unused");
	cfg.map = &input_map;
	sim = start_tcp(&cfg, &port);
	map = cal_sim_flow_map(sim);
	assert_string_equal(map->name, "test-input");
	c = client_tcp(port, 1);
	assert_close(read_q(c, map, "flow"), 600, 1e-6);	  /* L/min, DCBA */
	v = read_total(c, sim, map, &lo, &hi) / 1000;		  /* L, u32 x 0.001 */
	assert_between(v, lo - 0.0000005, hi + 0.0000005, false); /* rounded to 1 mL */
	assert_close(read_q(c, map, "temperature"), 0, 0);	  /* not a flow value: 0 */
	read_fails(c, CAL_MB_HOLDING, 100, 2, EMBXILADD);	  /* flow is an input register */
	read_fails(c, CAL_MB_INPUT, 7, 1, EMBXILADD);
	client_free(c);
	cal_sim_flow_free(sim);
}

/* Noise: every reading within 6 sigma, and they differ. */
static void test_flow_noise_setpoint(void **state)
{
	struct cal_sim_flow_cfg cfg = fast_cfg("siemens-mag6000");
	struct cal_sim_flow_state st;
	struct cal_sim_flow *sim;
	const struct cal_mb_map *map;
	modbus_t *c;
	double first = 0, v, lo, hi;
	bool differ = false;
	char reply[512];
	int port;

	(void)state;
	cfg.noise = 0.02;
	cfg.seed = 42;
	sim = start_tcp(&cfg, &port);
	map = cal_sim_flow_map(sim);
	c = client_tcp(port, 1);
	for (int i = 0; i < 30; i++) {
		v = read_q(c, map, "flow");
		assert_true(fabs(v - 0.01) <= 6 * 0.02 * 0.01);
		if (i == 0)
			first = v;
		differ |= v != first;
		sleep_ms(SIM_FLOW_STEP_MS + 1);
	}
	assert_true(differ);

	/* a new setpoint by control line, in another unit; no noise */
	assert_int_equal(cal_sim_flow_control(sim, "noise 0", reply, sizeof(reply)), CAL_OK);
	assert_int_equal(cal_sim_flow_control(sim, "flow 1200 L/min", reply, sizeof(reply)),
			 CAL_OK);
	assert_string_equal(reply, "ok");
	cal_sim_flow_state(sim, &st);
	assert_close(st.setpoint_m3h, 72, 1e-12);
	sleep_ms(SETTLE_MS * 2);
	assert_close(read_q(c, map, "flow"), 0.02, 1e-6);
	assert_int_equal(cal_sim_flow_set_flow(sim, 18), CAL_OK);
	sleep_ms(SETTLE_MS * 2);
	assert_close(read_q(c, map, "flow"), 0.005, 1e-6);
	v = read_total(c, sim, map, &lo, &hi);
	assert_between(v, lo, hi, false);
	client_free(c);
	cal_sim_flow_free(sim);
}

/* ---- registers, unit ids, clients -------------------------------------------------------- */

static void test_flow_addresses(void **state)
{
	struct cal_sim_flow_cfg cfg = fast_cfg("siemens-mag6000");
	struct cal_sim_flow_state st;
	struct cal_sim_flow *sim;
	uint16_t regs[125];
	modbus_t *c;
	int port;

	(void)state;
	sim = start_tcp(&cfg, &port);
	c = client_tcp(port, 1);
	read_fails(c, CAL_MB_HOLDING, 3001, 2, EMBXILADD);  /* below the map */
	read_fails(c, CAL_MB_HOLDING, 3024, 1, EMBXILADD);  /* above */
	read_fails(c, CAL_MB_HOLDING, 3023, 2, EMBXILADD);  /* runs past the end */
	read_fails(c, CAL_MB_HOLDING, 3004, 2, EMBXILADD);  /* a gap between quantities */
	read_fails(c, CAL_MB_HOLDING, 3002, 22, EMBXILADD); /* a block over the gaps */
	read_fails(c, CAL_MB_INPUT, 3002, 2, EMBXILADD);    /* no input registers */
	read_fails(c, CAL_MB_HOLDING, 0, 1, EMBXILADD);
	errno = 0;
	assert_int_equal(modbus_write_register(c, 3002, 1), -1); /* read-only */
	assert_int_equal(errno, EMBXILFUN);
	assert_int_equal(modbus_read_registers(c, 3003, 1, regs), 1); /* half a float */
	assert_int_equal(modbus_read_registers(c, 3014, 4, regs), 4);
	cal_sim_flow_state(sim, &st);
	assert_int_equal(st.requests, 10);
	assert_int_equal(st.replies, 10);
	client_free(c);
	cal_sim_flow_free(sim);
}

/* TCP: our id, 255 and 0 answered; another id gets exception 0B. */
static void test_flow_tcp_unit_ids(void **state)
{
	struct cal_sim_flow_cfg cfg = fast_cfg("siemens-mag6000");
	struct cal_sim_flow_state st;
	struct cal_sim_flow *sim;
	uint16_t regs[2];
	modbus_t *c;
	int port;

	(void)state;
	cfg.unit_id = 17;
	sim = start_tcp(&cfg, &port);
	c = client_tcp(port, 17);
	assert_int_equal(modbus_read_registers(c, 3002, 2, regs), 2);
	modbus_set_slave(c, MODBUS_TCP_SLAVE);
	assert_int_equal(modbus_read_registers(c, 3002, 2, regs), 2);
	modbus_set_slave(c, 0);
	assert_int_equal(modbus_read_registers(c, 3002, 2, regs), 2);
	modbus_set_slave(c, 1);
	read_fails(c, CAL_MB_HOLDING, 3002, 2, EMBXGTAR);
	cal_sim_flow_state(sim, &st);
	assert_int_equal(st.requests, 3);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(st.replies, 4);
	client_free(c);
	cal_sim_flow_free(sim);
}

/* One client at a time, one after the other; state.client follows them. */
static void test_flow_two_clients(void **state)
{
	struct cal_sim_flow_cfg cfg = fast_cfg("endress-promag53");
	struct cal_sim_flow_state st;
	struct cal_sim_flow *sim;
	modbus_t *a, *b;
	int port;

	(void)state;
	sim = start_tcp(&cfg, &port);
	a = client_tcp(port, 1);
	assert_close(read_q(a, cal_sim_flow_map(sim), "flow"), Q_M3H, 1e-6);
	cal_sim_flow_state(sim, &st);
	assert_true(st.client);
	client_free(a);
	b = client_tcp(port, 1);
	assert_close(read_q(b, cal_sim_flow_map(sim), "flow"), Q_M3H, 1e-6);
	client_free(b);
	for (int i = 0; i < 100 && st.client; i++) {
		sleep_ms(10);
		cal_sim_flow_state(sim, &st);
	}
	assert_false(st.client);
	assert_int_equal(st.requests, 2);
	cal_sim_flow_free(sim);
}

/* ---- faults over TCP ------------------------------------------------------------------------ */

/* A raw Modbus TCP exchange: read 2 holding registers at @addr; the reply bytes. */
static size_t raw_tcp_read(int port, uint8_t uid, unsigned addr, uint8_t *rsp, size_t size)
{
	uint8_t req[12] = { 0x12,	   0x34, 0, 0, 0, 6, uid, 3, (uint8_t)(addr >> 8),
			    (uint8_t)addr, 0,	 2 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct pollfd pfd;
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, req, sizeof(req), 0), (ssize_t)sizeof(req));
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < size && poll(&pfd, 1, 300) > 0) {
		ssize_t n = recv(fd, rsp + got, size - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return got;
}

static void test_flow_faults_tcp(void **state)
{
	struct cal_sim_flow_cfg cfg = fast_cfg("siemens-mag6000");
	struct cal_sim_flow_state st;
	struct cal_sim_flow *sim;
	uint16_t regs[2];
	uint8_t rsp[64];
	char reply[512];
	modbus_t *c;
	size_t n;
	int port;

	(void)state;
	sim = start_tcp(&cfg, &port);
	c = client_tcp(port, 1);

	/* exception: default 04, then a code and a count by control line */
	assert_int_equal(cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_EXCEPTION, 1, 0), CAL_OK);
	read_fails(c, CAL_MB_HOLDING, 3002, 2, EMBXSFAIL);
	assert_int_equal(modbus_read_registers(c, 3002, 2, regs), 2);
	assert_int_equal(cal_sim_flow_control(sim, "fault exception 2 6", reply, sizeof(reply)),
			 CAL_OK);
	read_fails(c, CAL_MB_HOLDING, 3002, 2, EMBXSBUSY);
	read_fails(c, CAL_MB_HOLDING, 3014, 4, EMBXSBUSY);
	assert_int_equal(modbus_read_registers(c, 3002, 2, regs), 2);

	/* silence: a timeout, then the link is fine */
	assert_int_equal(cal_sim_flow_control(sim, "fault silence", reply, sizeof(reply)), CAL_OK);
	read_fails(c, CAL_MB_HOLDING, 3002, 2, ETIMEDOUT);
	assert_int_equal(modbus_read_registers(c, 3002, 2, regs), 2);

	/* crc on TCP: a malformed MBAP header; libmodbus refuses the protocol id */
	assert_int_equal(cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_CRC, 1, 0), CAL_OK);
	read_fails(c, CAL_MB_HOLDING, 3002, 2, EMBBADDATA);
	assert_int_equal(modbus_read_registers(c, 3002, 2, regs), 2);
	cal_sim_flow_state(sim, &st);
	assert_int_equal(st.fault, CAL_SIM_FLOW_FAULT_NONE);
	assert_int_equal(st.requests, 9);
	assert_int_equal(st.replies, 8); /* not the silent one */
	client_free(c);

	/* the bytes: the same PDU, MBAP length 3 too big, protocol id FFFF */
	n = raw_tcp_read(port, 1, 3002, rsp, sizeof(rsp));
	assert_int_equal(n, 13);
	assert_int_equal(rsp[4] << 8 | rsp[5], 7);
	cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_CRC, 1, 0);
	n = raw_tcp_read(port, 1, 3002, rsp + 20, sizeof(rsp) - 20);
	assert_int_equal(n, 13);
	assert_memory_equal(rsp + 20, rsp, 2); /* transaction id */
	assert_int_equal(rsp[22], 0xFF);
	assert_int_equal(rsp[23], 0xFF);
	assert_int_equal(rsp[24] << 8 | rsp[25], 10);
	assert_memory_equal(rsp + 26, rsp + 6, 7); /* unit id and PDU */

	/* slave: the reply carries another unit id (a 3.1.6 TCP client would not notice) */
	cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_SLAVE, 1, 0);
	n = raw_tcp_read(port, 1, 3002, rsp + 40, sizeof(rsp) - 40);
	assert_int_equal(n, 13);
	assert_int_equal(rsp[46], 2);
	assert_memory_equal(rsp + 47, rsp + 7, 6);

	/* fault none disarms */
	cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_SILENCE, 5, 0);
	assert_int_equal(cal_sim_flow_control(sim, "fault none", reply, sizeof(reply)), CAL_OK);
	assert_int_equal(raw_tcp_read(port, 1, 3002, rsp, sizeof(rsp)), 13);
	cal_sim_flow_free(sim);
}

/* ---- RTU on the pty --------------------------------------------------------------------- */

static void test_flow_rtu(void **state)
{
	struct cal_sim_flow_cfg cfg = fast_cfg("generic-mfe");
	static const uint8_t bad_crc[] = { 0x05, 0x03, 0x10, 0x10, 0x00, 0x02, 0x00, 0x00 };
	struct cal_sim_flow_state st;
	struct cal_sim_flow *sim;
	const struct cal_mb_map *map;
	uint16_t regs[4];
	char path[64];
	double lo, hi, v;
	modbus_t *c;
	int fd;

	(void)state;
	cfg.unit_id = 5;
	sim = start_rtu(&cfg, path, sizeof(path));
	assert_non_null(strstr(path, "/dev/pts/"));
	map = cal_sim_flow_map(sim);
	c = client_rtu(path, 5);
	assert_close(read_q(c, map, "flow"), Q_M3H, 1e-6);
	assert_close(read_q(c, map, "velocity"), 0.01 / DN50_AREA, 1e-6);
	assert_close(read_q(c, map, "flow_unit"), 5, 0);
	v = read_total(c, sim, map, &lo, &hi);
	assert_between(v, lo, hi, true);
	read_fails(c, CAL_MB_HOLDING, 0x1014, 2, EMBXILADD);

	/* another unit id: ignored as on a bus, and the next request is not eaten */
	modbus_set_slave(c, 9);
	read_fails(c, CAL_MB_HOLDING, 0x1010, 2, ETIMEDOUT);
	modbus_set_slave(c, 5);
	assert_int_equal(modbus_read_registers(c, 0x1010, 2, regs), 2);

	/* the faults */
	cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_EXCEPTION, 1, 0);
	read_fails(c, CAL_MB_HOLDING, 0x1010, 2, EMBXSFAIL);
	cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_CRC, 2, 0);
	read_fails(c, CAL_MB_HOLDING, 0x1010, 2, EMBBADCRC);
	read_fails(c, CAL_MB_HOLDING, 0x1000, 2, EMBBADCRC); /* an exception reply spoiled too */
	assert_int_equal(modbus_read_registers(c, 0x1010, 2, regs), 2);
	cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_SILENCE, 1, 0);
	read_fails(c, CAL_MB_HOLDING, 0x1010, 2, ETIMEDOUT);
	assert_int_equal(modbus_read_registers(c, 0x1010, 2, regs), 2);
	cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_SLAVE, 1, 0);
	errno = 0;
	assert_int_equal(modbus_read_registers(c, 0x1010, 2, regs), -1);
	assert_true(errno == EMBBADSLAVE || errno == ETIMEDOUT);
	assert_int_equal(modbus_read_registers(c, 0x1010, 2, regs), 2);
	cal_sim_flow_state(sim, &st);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(st.errors, 0);
	client_free(c);

	/* a frame with a bad CRC from another writer: counted, dropped, the meter answers on */
	fd = open(path, O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bad_crc, sizeof(bad_crc)), (ssize_t)sizeof(bad_crc));
	close(fd);
	for (int i = 0; i < 100 && st.errors == 0; i++) {
		sleep_ms(10);
		cal_sim_flow_state(sim, &st);
	}
	assert_int_equal(st.errors, 1);

	/* a second client after the first */
	c = client_rtu(path, 5);
	assert_close(read_q(c, map, "flow"), Q_M3H, 1e-6);
	client_free(c);
	cal_sim_flow_free(sim);
}

/* ---- control language --------------------------------------------------------------------- */

static void test_flow_control(void **state)
{
	struct cal_sim_flow_cfg cfg = fast_cfg("siemens-mag6000");
	struct cal_sim_flow_state st;
	struct cal_sim_flow *sim;
	char reply[512];
	static const char *const bad[] = {
		"bogus",
		"",
		"fault",
		"fault late 1",
		"fault none 2",
		"fault crc 0",
		"fault crc 1 2",
		"fault exception 1 12",
		"fault exception 1 0",
		"flow",
		"flow -1",
		"flow 5 kg",
		"flow x",
		"noise 2",
		"noise",
		"status now",
	};

	(void)state;
	assert_int_equal(cal_sim_flow_new(&sim, &cfg), CAL_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(reply, "x");
		if (cal_sim_flow_control(sim, bad[i], reply, sizeof(reply)) != CAL_ERR_ARG)
			fail_msg("'%s' accepted", bad[i]);
		assert_string_equal(reply, "");
	}
	assert_int_equal(cal_sim_flow_control(sim, "help", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "fault exception [n] [code]"));
	assert_int_equal(cal_sim_flow_control(sim, "fault crc 3\r\n", reply, sizeof(reply)),
			 CAL_OK);
	assert_string_equal(reply, "ok");
	cal_sim_flow_state(sim, &st);
	assert_int_equal(st.fault, CAL_SIM_FLOW_FAULT_CRC);
	assert_int_equal(st.fault_count, 3);
	assert_int_equal(cal_sim_flow_control(sim, "fault exception", reply, sizeof(reply)),
			 CAL_OK);
	cal_sim_flow_state(sim, &st);
	assert_int_equal(st.fault, CAL_SIM_FLOW_FAULT_EXCEPTION);
	assert_int_equal(st.fault_count, 1);
	assert_int_equal(st.exception_code, 4);
	assert_int_equal(cal_sim_flow_control(sim, "fault\texception 7 2", reply, sizeof(reply)),
			 CAL_OK);
	assert_int_equal(cal_sim_flow_control(sim, "flow 50", reply, sizeof(reply)), CAL_OK);
	assert_int_equal(cal_sim_flow_control(sim, "noise 0.5", reply, sizeof(reply)), CAL_OK);
	cal_sim_flow_state(sim, &st);
	assert_int_equal(st.fault_count, 7);
	assert_int_equal(st.exception_code, 2);
	assert_close(st.setpoint_m3h, 50, 1e-12);
	assert_close(st.noise, 0.5, 0);
	assert_int_equal(cal_sim_flow_control(sim, "status", reply, sizeof(reply)), CAL_OK);
	assert_non_null(strstr(reply, "sp=50 m3/h"));
	assert_non_null(strstr(reply, "fault=exception:7:02"));
	assert_non_null(strstr(reply, "map=siemens-mag6000"));
	assert_non_null(strstr(reply, "requests=0"));
	assert_int_equal(cal_sim_flow_fault(sim, CAL_SIM_FLOW_FAULT_EXCEPTION, 1, 12), CAL_ERR_ARG);
	assert_int_equal(cal_sim_flow_set_flow(sim, NAN), CAL_ERR_ARG);
	assert_int_equal(cal_sim_flow_set_noise(sim, -0.1), CAL_ERR_ARG);
	assert_int_equal(cal_sim_flow_control(sim, "fault none", reply, sizeof(reply)), CAL_OK);
	cal_sim_flow_state(sim, &st);
	assert_int_equal(st.fault, CAL_SIM_FLOW_FAULT_NONE);
	assert_int_equal(st.fault_count, 0);
	cal_sim_flow_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_crc16),
		cmocka_unit_test(test_flow_model),
		cmocka_unit_test(test_flow_cfg),
		cmocka_unit_test(test_flow_siemens_tcp),
		cmocka_unit_test(test_flow_endress_tcp),
		cmocka_unit_test(test_flow_mfe_tcp),
		cmocka_unit_test(test_flow_units_input_map),
		cmocka_unit_test(test_flow_noise_setpoint),
		cmocka_unit_test(test_flow_addresses),
		cmocka_unit_test(test_flow_tcp_unit_ids),
		cmocka_unit_test(test_flow_two_clients),
		cmocka_unit_test(test_flow_faults_tcp),
		cmocka_unit_test(test_flow_rtu),
		cmocka_unit_test(test_flow_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
