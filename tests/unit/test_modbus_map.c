/*
 * Modbus register maps and conversions (drivers/cal/modbus_map.h), on the
 * vectors of protocols.md: the 1.2345678f registers of §6.2 in four orders,
 * the double 123.456 of §5.5 with the other orders' registers written out by
 * hand, the response frames of §5.5 byte for byte (CRC checked here, so a
 * typo in a frame cannot pass), the register numbers of §5.1-5.4.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cal/error.h"
#include "cal/modbus_map.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const enum cal_mb_order orders[] = { CAL_MB_ABCD, CAL_MB_CDAB, CAL_MB_BADC, CAL_MB_DCBA };

static void assert_msg(const char *words)
{
	if (!strstr(cal_error_last(), words)) {
		print_error("message \"%s\" lacks \"%s\"\n", cal_error_last(), words);
		fail();
	}
}

/* CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), as protocols.md states it. */
static uint16_t crc16(const uint8_t *b, size_t n)
{
	uint16_t c = 0xFFFF;

	for (size_t i = 0; i < n; i++) {
		c ^= b[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA001) : (uint16_t)(c >> 1);
	}
	return c;
}

/*
 * The registers of an FC 03 response frame written "01 03 04 3F 9E ...":
 * checks the CRC (low byte first) and the byte count, then takes the data
 * bytes two by two, high byte first, as libmodbus does. Returns the count.
 */
static size_t frame_regs(uint16_t *regs, size_t max, const char *hex)
{
	uint8_t b[64];
	size_t n = 0;
	uint16_t crc;

	for (const char *p = hex; *p;) {
		unsigned v;
		int used;

		assert_int_equal(sscanf(p, "%2x%n", &v, &used), 1);
		assert_true(n < sizeof(b));
		b[n++] = (uint8_t)v;
		p += used;
		while (*p == ' ')
			p++;
	}
	assert_true(n >= 5);
	crc = crc16(b, n - 2);
	assert_int_equal(b[n - 2], crc & 0xFF);
	assert_int_equal(b[n - 1], crc >> 8);
	assert_int_equal(b[1], 3);
	assert_int_equal(b[2], n - 5);
	assert_true(b[2] / 2 <= max);
	for (size_t i = 0; i < b[2] / 2; i++)
		regs[i] = (uint16_t)(b[3 + 2 * i] << 8 | b[4 + 2 * i]);
	return b[2] / 2;
}

/* ---- decode --------------------------------------------------------------------- */

/* protocols.md §6.2: 1.2345678f (bits 0x3F9E0651) in the four orders. */
static const uint16_t f32_vec[4][2] = {
	{ 0x3F9E, 0x0651 }, /* ABCD */
	{ 0x0651, 0x3F9E }, /* CDAB */
	{ 0x9E3F, 0x5106 }, /* BADC */
	{ 0x5106, 0x9E3F }, /* DCBA */
};

/* 123.456 = bytes 40 5E DD 2F 1A 9F BE 77 (A..H), registers written out by hand. */
static const uint16_t f64_vec[4][4] = {
	{ 0x405E, 0xDD2F, 0x1A9F, 0xBE77 }, /* ABCD: AB CD EF GH */
	{ 0xBE77, 0x1A9F, 0xDD2F, 0x405E }, /* CDAB: GH EF CD AB */
	{ 0x5E40, 0x2FDD, 0x9F1A, 0x77BE }, /* BADC: BA DC FE HG */
	{ 0x77BE, 0x9F1A, 0x2FDD, 0x5E40 }, /* DCBA: HG FE DC BA */
};

static void test_decode_f32_orders(void **state)
{
	double v;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(cal_mb_decode(&v, f32_vec[i], 2, CAL_MB_F32, orders[i]), CAL_OK);
		assert_true(v == (double)1.2345678f);
	}
	/* the ABCD registers read as CDAB are another number: the order matters */
	assert_int_equal(cal_mb_decode(&v, f32_vec[0], 2, CAL_MB_F32, CAL_MB_CDAB), CAL_OK);
	assert_true(v != (double)1.2345678f);
}

static void test_decode_f64_orders(void **state)
{
	double v;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(cal_mb_decode(&v, f64_vec[i], 4, CAL_MB_F64, orders[i]), CAL_OK);
		assert_true(v == 123.456);
	}
}

/* protocols.md §5.5: whole response frames. */
static void test_decode_frames(void **state)
{
	uint16_t r[8];
	double v;

	(void)state;
	/* MAG 6000 volume flow, ABCD */
	assert_int_equal(frame_regs(r, 8, "01 03 04 3F 9E 06 51 55 95"), 2);
	assert_int_equal(cal_mb_decode(&v, r, 2, CAL_MB_F32, CAL_MB_ABCD), CAL_OK);
	assert_true(v == (double)1.2345678f);
	/* MAG 6000 totalizer 1, double, big endian */
	assert_int_equal(frame_regs(r, 8, "01 03 08 40 5E DD 2F 1A 9F BE 77 EF D9"), 4);
	assert_int_equal(cal_mb_decode(&v, r, 4, CAL_MB_F64, CAL_MB_ABCD), CAL_OK);
	assert_true(v == 123.456);
	/* E+H volume flow, factory 1-0-3-2 (and LongRun LRF-3000S, same bytes) */
	assert_int_equal(frame_regs(r, 8, "01 03 04 06 51 3F 9E 3B 32"), 2);
	assert_int_equal(cal_mb_decode(&v, r, 2, CAL_MB_F32, CAL_MB_CDAB), CAL_OK);
	assert_true(v == (double)1.2345678f);
}

static void test_decode_integers(void **state)
{
	const uint16_t ffff = 0xFFFF, m = 0x8000, be = 0x3412;
	const uint16_t u32_cdab[2] = { 0x5678, 0x1234 }; /* 0x12345678 */
	const uint16_t u32_dcba[2] = { 0x7856, 0x3412 }; /* 0x12345678 */
	const uint16_t i32_cdab[2] = { 0x1DC0, 0xFFFE }; /* -123456 = 0xFFFE1DC0 */
	const uint16_t i32_min[2] = { 0x0000, 0x8000 };	 /* CDAB */
	const uint16_t u32_max[2] = { 0xFFFF, 0xFFFF };
	double v;

	(void)state;
	assert_int_equal(cal_mb_decode(&v, &ffff, 1, CAL_MB_I16, CAL_MB_ABCD), CAL_OK);
	assert_true(v == -1);
	assert_int_equal(cal_mb_decode(&v, &ffff, 1, CAL_MB_U16, CAL_MB_ABCD), CAL_OK);
	assert_true(v == 65535);
	assert_int_equal(cal_mb_decode(&v, &m, 1, CAL_MB_I16, CAL_MB_CDAB), CAL_OK);
	assert_true(v == -32768);
	/* one register: BADC and DCBA swap its bytes, CDAB does nothing */
	assert_int_equal(cal_mb_decode(&v, &be, 1, CAL_MB_U16, CAL_MB_BADC), CAL_OK);
	assert_true(v == 0x1234);
	assert_int_equal(cal_mb_decode(&v, &be, 1, CAL_MB_U16, CAL_MB_DCBA), CAL_OK);
	assert_true(v == 0x1234);
	assert_int_equal(cal_mb_decode(&v, &be, 1, CAL_MB_U16, CAL_MB_CDAB), CAL_OK);
	assert_true(v == 0x3412);

	assert_int_equal(cal_mb_decode(&v, u32_cdab, 2, CAL_MB_U32, CAL_MB_CDAB), CAL_OK);
	assert_true(v == 0x12345678);
	assert_int_equal(cal_mb_decode(&v, u32_dcba, 2, CAL_MB_U32, CAL_MB_DCBA), CAL_OK);
	assert_true(v == 0x12345678);
	assert_int_equal(cal_mb_decode(&v, i32_cdab, 2, CAL_MB_I32, CAL_MB_CDAB), CAL_OK);
	assert_true(v == -123456);
	assert_int_equal(cal_mb_decode(&v, i32_cdab, 2, CAL_MB_U32, CAL_MB_CDAB), CAL_OK);
	assert_true(v == 4294843840.0);
	assert_int_equal(cal_mb_decode(&v, i32_min, 2, CAL_MB_I32, CAL_MB_CDAB), CAL_OK);
	assert_true(v == -2147483648.0);
	assert_int_equal(cal_mb_decode(&v, u32_max, 2, CAL_MB_U32, CAL_MB_ABCD), CAL_OK);
	assert_true(v == 4294967295.0);
	assert_int_equal(cal_mb_decode(&v, u32_max, 2, CAL_MB_I32, CAL_MB_ABCD), CAL_OK);
	assert_true(v == -1);
}

/* E+H reads NaN on alarm: NaN and infinities come back as they are. */
static void test_decode_nan_inf(void **state)
{
	const uint16_t qnan_cdab[2] = { 0x0000, 0x7FC0 };
	const uint16_t inf[2] = { 0x7F80, 0x0000 };
	const uint16_t ninf[4] = { 0xFFF0, 0, 0, 0 };
	double v;

	(void)state;
	assert_int_equal(cal_mb_decode(&v, qnan_cdab, 2, CAL_MB_F32, CAL_MB_CDAB), CAL_OK);
	assert_true(isnan(v));
	assert_int_equal(cal_mb_decode(&v, inf, 2, CAL_MB_F32, CAL_MB_ABCD), CAL_OK);
	assert_true(isinf(v) && v > 0);
	assert_int_equal(cal_mb_decode(&v, ninf, 4, CAL_MB_F64, CAL_MB_ABCD), CAL_OK);
	assert_true(isinf(v) && v < 0);
}

static void test_decode_refusals(void **state)
{
	const uint16_t r[4] = { 0 };
	double v = 0;

	(void)state;
	assert_int_equal(cal_mb_decode(&v, r, 1, CAL_MB_F32, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_msg("a Modbus f32 value takes 2 registers, not 1");
	assert_true(isnan(v));
	assert_int_equal(cal_mb_decode(&v, r, 4, CAL_MB_F32, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_int_equal(cal_mb_decode(&v, r, 2, CAL_MB_F64, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_int_equal(cal_mb_decode(&v, r, 1, (enum cal_mb_type)0, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_msg("unknown Modbus value type 0");
	assert_int_equal(cal_mb_decode(&v, r, 1, (enum cal_mb_type)7, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_int_equal(cal_mb_decode(&v, r, 1, CAL_MB_U16, (enum cal_mb_order)4), CAL_ERR_ARG);
	assert_msg("unknown Modbus word order 4");
	assert_int_equal(cal_mb_decode(&v, NULL, 0, CAL_MB_U16, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_int_equal(cal_mb_decode(NULL, r, 1, CAL_MB_U16, CAL_MB_ABCD), CAL_ERR_ARG);
}

/* ---- encode --------------------------------------------------------------------- */

/* Encoding gives the §6.2 registers: what Debian's modbus_set_float_* get wrong. */
static void test_encode_known_registers(void **state)
{
	uint16_t r[4];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(cal_mb_encode(r, 2, 1.2345678f, CAL_MB_F32, orders[i]), CAL_OK);
		assert_memory_equal(r, f32_vec[i], sizeof(f32_vec[i]));
		assert_int_equal(cal_mb_encode(r, 4, 123.456, CAL_MB_F64, orders[i]), CAL_OK);
		assert_memory_equal(r, f64_vec[i], sizeof(f64_vec[i]));
	}
	assert_int_equal(cal_mb_encode(r, 2, -123456, CAL_MB_I32, CAL_MB_CDAB), CAL_OK);
	assert_int_equal(r[0], 0x1DC0);
	assert_int_equal(r[1], 0xFFFE);
	assert_int_equal(cal_mb_encode(r, 1, -1, CAL_MB_I16, CAL_MB_ABCD), CAL_OK);
	assert_int_equal(r[0], 0xFFFF);
}

static void test_encode_round_trip(void **state)
{
	static const struct {
		enum cal_mb_type type;
		double v[7];
		size_t n;
	} cases[] = {
		{ CAL_MB_U16, { 0, 1, 4660, 65535 }, 4 },
		{ CAL_MB_I16, { -32768, -1, 0, 1, 32767 }, 5 },
		{ CAL_MB_U32, { 0, 1, 305419896, 4294967295.0 }, 4 },
		{ CAL_MB_I32, { -2147483648.0, -123456, -1, 0, 2147483647 }, 5 },
		{ CAL_MB_F32,
		  { 1.2345678f, -0.5, 0, FLT_MAX, -FLT_MAX, FLT_MIN, FLT_TRUE_MIN },
		  7 },
		{ CAL_MB_F64, { 123.456, -1e300, DBL_MAX, DBL_MIN, 5e-324, -0.0 }, 6 },
	};
	static const double specials[] = { NAN, INFINITY, -INFINITY };
	uint16_t r[4];
	double v;

	(void)state;
	for (size_t c = 0; c < N_OF(cases); c++) {
		size_t n = cal_mb_type_regs(cases[c].type);

		for (size_t o = 0; o < 4; o++) {
			for (size_t k = 0; k < cases[c].n; k++) {
				double x = cases[c].v[k];

				assert_int_equal(cal_mb_encode(r, n, x, cases[c].type, orders[o]),
						 CAL_OK);
				assert_int_equal(cal_mb_decode(&v, r, n, cases[c].type, orders[o]),
						 CAL_OK);
				assert_true(v == x);
				assert_true(signbit(v) == signbit(x));
			}
			if (cases[c].type != CAL_MB_F32 && cases[c].type != CAL_MB_F64)
				continue;
			for (size_t k = 0; k < N_OF(specials); k++) {
				double x = specials[k];

				assert_int_equal(cal_mb_encode(r, n, x, cases[c].type, orders[o]),
						 CAL_OK);
				assert_int_equal(cal_mb_decode(&v, r, n, cases[c].type, orders[o]),
						 CAL_OK);
				assert_true(isnan(x) ? isnan(v) : v == x);
			}
		}
	}
}

static void test_encode_refusals(void **state)
{
	uint16_t r[4] = { 0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA };

	(void)state;
	assert_int_equal(cal_mb_encode(r, 1, 70000, CAL_MB_U16, CAL_MB_ABCD), CAL_ERR_RANGE);
	assert_msg("70000 is outside the u16 range 0..65535");
	assert_int_equal(cal_mb_encode(r, 1, -1, CAL_MB_U16, CAL_MB_ABCD), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_encode(r, 1, 65536, CAL_MB_U16, CAL_MB_ABCD), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_encode(r, 1, 32768, CAL_MB_I16, CAL_MB_ABCD), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_encode(r, 1, -32769, CAL_MB_I16, CAL_MB_ABCD), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_encode(r, 2, 4294967296.0, CAL_MB_U32, CAL_MB_ABCD), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_encode(r, 2, -2147483649.0, CAL_MB_I32, CAL_MB_ABCD),
			 CAL_ERR_RANGE);
	assert_int_equal(cal_mb_encode(r, 2, 1e39, CAL_MB_F32, CAL_MB_ABCD), CAL_ERR_RANGE);
	assert_msg("beyond the range of an f32");
	assert_int_equal(cal_mb_encode(r, 2, 1.5, CAL_MB_I32, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_msg("1.5 is not an integer: no i32 can hold it");
	assert_int_equal(cal_mb_encode(r, 1, NAN, CAL_MB_U16, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_int_equal(cal_mb_encode(r, 2, INFINITY, CAL_MB_I32, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_int_equal(cal_mb_encode(r, 2, 1, CAL_MB_U16, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_int_equal(cal_mb_encode(r, 2, 1, (enum cal_mb_type)9, CAL_MB_ABCD), CAL_ERR_ARG);
	assert_int_equal(cal_mb_encode(r, 2, 1, CAL_MB_F32, (enum cal_mb_order) - 1), CAL_ERR_ARG);
	assert_int_equal(cal_mb_encode(NULL, 2, 1, CAL_MB_F32, CAL_MB_ABCD), CAL_ERR_ARG);
	/* nothing written on failure */
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(r[i], 0xAAAA);
}

/* A quantity's scale: value = raw x scale; encode rounds v / scale for integers. */
static void test_quantity_scale(void **state)
{
	const struct cal_mb_quantity t = { .name = "temperature",
					   .function = CAL_MB_INPUT,
					   .type = CAL_MB_I16,
					   .scale = 0.1,
					   .unit = "degC" };
	const struct cal_mb_quantity flow = { .name = "flow",
					      .function = CAL_MB_HOLDING,
					      .type = CAL_MB_U32,
					      .order = CAL_MB_CDAB,
					      .scale = 0.01,
					      .unit = "L/min" };
	const uint16_t minus200 = 0xFF38;
	uint16_t r[2];
	double v;

	(void)state;
	assert_int_equal(cal_mb_quantity_decode(&v, &t, &minus200, 1), CAL_OK);
	assert_true(fabs(v - (-20.0)) < 1e-12);
	/* 0.29 / 0.01 = 28.999999999999996: rounded to the register's resolution */
	assert_int_equal(cal_mb_quantity_encode(r, 2, &flow, 0.29), CAL_OK);
	assert_int_equal(r[0], 29);
	assert_int_equal(r[1], 0);
	assert_int_equal(cal_mb_quantity_decode(&v, &flow, r, 2), CAL_OK);
	assert_true(fabs(v - (0.29)) < 1e-12);
	assert_int_equal(cal_mb_quantity_encode(r, 1, &t, 3276.8), CAL_ERR_RANGE);
	assert_msg("temperature: 32768 is outside the i16 range -32768..32767");
	assert_int_equal(cal_mb_quantity_decode(&v, &t, r, 2), CAL_ERR_ARG);
	assert_msg("temperature: a Modbus i16 value takes 1 register, not 2");
}

/* ---- map checks ------------------------------------------------------------------ */

static void base_map(struct cal_mb_map *m)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->name, "test");
	m->n = 2;
	strcpy(m->q[0].name, "flow");
	m->q[0].function = CAL_MB_HOLDING;
	m->q[0].address = 100;
	m->q[0].type = CAL_MB_F32;
	m->q[0].scale = 1;
	strcpy(m->q[0].unit, "m3/s");
	m->q[1] = m->q[0];
	strcpy(m->q[1].name, "total");
	m->q[1].address = 102;
	m->q[1].type = CAL_MB_F64;
	strcpy(m->q[1].unit, "m3");
}

static void expect_refused(const struct cal_mb_map *m, const char *words)
{
	assert_int_equal(cal_mb_map_check(m), CAL_ERR_CONFIG);
	assert_msg(words);
}

static void test_map_check_refusals(void **state)
{
	struct cal_mb_map m;

	(void)state;
	base_map(&m);
	assert_int_equal(cal_mb_map_check(&m), CAL_OK);
	assert_int_equal(cal_mb_map_check(NULL), CAL_ERR_ARG);

	m.name[0] = '\0';
	expect_refused(&m, "a map needs a name");
	base_map(&m);
	strcpy(m.name, "my map");
	expect_refused(&m, "without spaces");
	base_map(&m);
	memset(m.description, 'x', sizeof(m.description));
	expect_refused(&m, "modbus map \"test\": the description is not a terminated");
	base_map(&m);
	m.n = 0;
	expect_refused(&m, "modbus map \"test\": 0 quantities: a map has 1 to 16");
	m.n = 17;
	expect_refused(&m, "17 quantities");

	base_map(&m);
	m.q[1].name[0] = '\0';
	expect_refused(&m, "modbus map \"test\", quantity \"\": the quantity has no name");
	base_map(&m);
	strcpy(m.q[1].name, "Total");
	expect_refused(&m, "quantity \"Total\": a name is a-z, 0-9 and _");
	base_map(&m);
	memset(m.q[1].name, 'a', sizeof(m.q[1].name));
	expect_refused(&m, "the name is not a terminated printable string");
	base_map(&m);
	m.q[1].function = (enum cal_mb_function)6;
	expect_refused(&m, "quantity \"total\": function 6 is neither 3 (holding registers) nor 4");
	base_map(&m);
	m.q[1].type = (enum cal_mb_type)0;
	expect_refused(&m, "quantity \"total\": unknown type 0");
	base_map(&m);
	m.q[1].order = (enum cal_mb_order)7;
	expect_refused(&m, "quantity \"total\": unknown word order 7");
	base_map(&m);
	memset(m.q[1].unit, 'x', sizeof(m.q[1].unit));
	expect_refused(&m, "quantity \"total\": the unit is not a terminated");

	/* the last register is 65535 */
	base_map(&m);
	m.q[1].address = 65534;
	expect_refused(&m, "f64 at address 65534 would end at 65537, past the last address");
	m.q[1].address = 65532;
	assert_int_equal(cal_mb_map_check(&m), CAL_OK);
	m.q[1].type = CAL_MB_U16;
	m.q[1].address = 65535;
	assert_int_equal(cal_mb_map_check(&m), CAL_OK);

	/* odd addresses of 32/64-bit values: the 1-based off-by-one, unless allowed */
	base_map(&m);
	m.q[1].type = CAL_MB_F32;
	m.q[1].address = 2609;
	expect_refused(&m, "modbus map \"test\", quantity \"total\": f32 at the odd address "
			   "2609: most meters align 32-bit values on even addresses, so this is "
			   "likely a 1-based register number (try address 2608); if the maker does "
			   "give 2609, set allow_odd");
	m.q[1].allow_odd = true;
	assert_int_equal(cal_mb_map_check(&m), CAL_OK);
	m.q[1].type = CAL_MB_I16;
	m.q[1].allow_odd = false;
	assert_int_equal(cal_mb_map_check(&m), CAL_OK);

	/* scale */
	base_map(&m);
	m.q[0].scale = 0;
	expect_refused(&m, "quantity \"flow\": scale 0: it must be finite and non-zero");
	m.q[0].scale = NAN;
	expect_refused(&m, "scale nan");
	m.q[0].scale = INFINITY;
	expect_refused(&m, "scale inf");
	m.q[0].scale = -1; /* a sign flip is allowed */
	assert_int_equal(cal_mb_map_check(&m), CAL_OK);

	/* names unique; registers of one table distinct */
	base_map(&m);
	strcpy(m.q[1].name, "flow");
	expect_refused(&m, "quantity \"flow\": the name is used twice");
	base_map(&m);
	m.q[1].address = 101;
	m.q[1].type = CAL_MB_F32;
	m.q[1].allow_odd = true;
	expect_refused(&m, "quantity \"total\": holding registers 101..102 overlap those of "
			   "\"flow\" (100..101)");
	m.q[1].function = CAL_MB_INPUT;
	assert_int_equal(cal_mb_map_check(&m), CAL_OK);
	m.q[1].function = CAL_MB_HOLDING;
	m.q[1].address = 99; /* 99..100 overlaps from below */
	expect_refused(&m, "holding registers 99..100 overlap");
}

/* ---- block reads, the split total ------------------------------------------------- */

static void test_map_read(void **state)
{
	const struct cal_mb_map *mfe = cal_mb_preset_find("generic-mfe");
	const struct cal_mb_map *mag = cal_mb_preset_find("siemens-mag6000");
	const struct cal_mb_map *eh = cal_mb_preset_find("endress-promag53");
	uint16_t r[8];
	size_t n;
	double v;

	(void)state;
	assert_non_null(mfe);
	assert_non_null(mag);
	assert_non_null(eh);
	/*
	 * MFE600H total: request 01 03 10 18 00 04 C0 CE (protocols.md §5.4);
	 * this answer is made up: total_int 1234 (long inverse 04D2 0000) and
	 * total_frac 0.5f (float inverse 0000 3F00).
	 */
	n = frame_regs(r, 8, "01 03 08 04 D2 00 00 00 00 3F 00 77 D9");
	assert_int_equal(cal_mb_map_read(&v, mfe, "total", CAL_MB_HOLDING, 0x1018, r, n), CAL_OK);
	assert_true(v == 1234.5);
	assert_int_equal(cal_mb_map_read(&v, mfe, "total_int", CAL_MB_HOLDING, 0x1018, r, n),
			 CAL_OK);
	assert_true(v == 1234);
	assert_int_equal(cal_mb_map_read(&v, mfe, "total_frac", CAL_MB_HOLDING, 0x1018, r, n),
			 CAL_OK);
	assert_true(v == 0.5);
	/* a block without the whole fraction */
	assert_int_equal(cal_mb_map_read(&v, mfe, "total", CAL_MB_HOLDING, 0x1018, r, 3),
			 CAL_ERR_ARG);
	assert_msg("total_frac (address 4122, 2 registers) is not inside the block read from "
		   "address 4120 (3 registers)");
	assert_true(isnan(v));
	assert_int_equal(cal_mb_map_read(&v, mfe, "flow", CAL_MB_HOLDING, 0x1018, r, n),
			 CAL_ERR_ARG);
	assert_int_equal(cal_mb_map_read(&v, mfe, "total", CAL_MB_INPUT, 0x1018, r, n),
			 CAL_ERR_ARG);
	assert_msg("total_int is in the holding registers, the block was read from the input");
	assert_int_equal(cal_mb_map_read(&v, mfe, "density", CAL_MB_HOLDING, 0x1018, r, n),
			 CAL_ERR_NOTFOUND);
	assert_msg("modbus map \"generic-mfe\": no quantity \"density\"");

	/* the §5.5 frames through the presets */
	n = frame_regs(r, 8, "01 03 08 40 5E DD 2F 1A 9F BE 77 EF D9");
	assert_int_equal(cal_mb_map_read(&v, mag, "total", CAL_MB_HOLDING, 3014, r, n), CAL_OK);
	assert_true(v == 123.456);
	n = frame_regs(r, 8, "01 03 04 3F 9E 06 51 55 95");
	assert_int_equal(cal_mb_map_read(&v, mag, "flow", CAL_MB_HOLDING, 3002, r, n), CAL_OK);
	assert_true(v == (double)1.2345678f);
	n = frame_regs(r, 8, "01 03 04 06 51 3F 9E 3B 32");
	assert_int_equal(cal_mb_map_read(&v, eh, "flow", CAL_MB_HOLDING, 2008, r, n), CAL_OK);
	assert_true(v == (double)1.2345678f);
	/* a block that starts earlier: the quantity is found at its offset */
	r[2] = r[0];
	r[3] = r[1];
	r[0] = r[1] = 0xFFFF;
	assert_int_equal(cal_mb_map_read(&v, eh, "flow", CAL_MB_HOLDING, 2006, r, 4), CAL_OK);
	assert_true(v == (double)1.2345678f);
}

/* ---- register notation ------------------------------------------------------------ */

static void test_register_parse(void **state)
{
	static const struct {
		const char *text;
		uint16_t addr;
		enum cal_mb_function fn;
	} good[] = {
		{ "4:03003", 3002, CAL_MB_HOLDING }, /* Siemens, protocols.md §5.2 */
		{ "4:3003", 3002, CAL_MB_HOLDING },
		{ "3:00001", 0, CAL_MB_INPUT },
		{ "4:65536", 65535, CAL_MB_HOLDING },
		{ "403003", 3002, CAL_MB_HOLDING },
		{ "40001", 0, CAL_MB_HOLDING },
		{ "40005", 4, CAL_MB_HOLDING }, /* LongRun */
		{ "49999", 9998, CAL_MB_HOLDING },
		{ "30001", 0, CAL_MB_INPUT },
		{ "39999", 9998, CAL_MB_INPUT },
		{ "400001", 0, CAL_MB_HOLDING },
		{ "465536", 65535, CAL_MB_HOLDING },
		{ "300001", 0, CAL_MB_INPUT },
		{ "365536", 65535, CAL_MB_INPUT },
		{ "reg:2009", 2008, CAL_MB_FN_NONE }, /* E+H */
		{ "REG:1", 0, CAL_MB_FN_NONE },
		{ "reg:65536", 65535, CAL_MB_FN_NONE },
		{ "0x1010", 4112, CAL_MB_FN_NONE },
		{ "0X101a", 4122, CAL_MB_FN_NONE },
		{ "0xFFFF", 65535, CAL_MB_FN_NONE },
		{ "addr:3002", 3002, CAL_MB_FN_NONE },
		{ "addr:0x0BBA", 3002, CAL_MB_FN_NONE },
		{ "Addr:0", 0, CAL_MB_FN_NONE },
		{ "addr:65535", 65535, CAL_MB_FN_NONE },
	};
	static const struct {
		const char *text, *words;
	} bad[] = {
		{ "2009", "\"2009\" is ambiguous: write reg:2009 for a 1-based register number or "
			  "addr:2009 for the 0-based address" },
		{ "12", "ambiguous" },
		{ "4003003", "ambiguous" },
		{ "40000", "40000 is not a Modicon register number" },
		{ "465537", "not a Modicon register number" },
		{ "300000", "not a Modicon register number" },
		{ "4:0", "Modbus register \"4:0\": register 0 is not in 1..65536" },
		{ "4:65537", "register 65537 is not in 1..65536" },
		{ "reg:0", "register 0 is not in 1..65536" },
		{ "0x10000", "address 65536 is not in 0..65535" },
		{ "addr:65536", "address 65536 is not in 0..65535" },
		{ "00001", "coils and discrete inputs" },
		{ "100001", "coils and discrete inputs" },
		{ "", "not 4:NNNNN" },
		{ "4:", "not 4:NNNNN" },
		{ "4:0300x", "not 4:NNNNN" },
		{ "5:00001", "not 4:NNNNN" },
		{ "0x", "not 4:NNNNN" },
		{ "0x1g", "not 4:NNNNN" },
		{ "reg:", "not 4:NNNNN" },
		{ "addr:-1", "not 4:NNNNN" },
		{ "-1", "not 4:NNNNN" },
		{ " 40001", "not 4:NNNNN" },
		{ "40001 ", "not 4:NNNNN" },
		{ "4:0000000001", "not 4:NNNNN" },
		{ "0x000000001", "not 4:NNNNN" },
	};
	enum cal_mb_function fn;
	uint16_t addr;

	(void)state;
	for (size_t i = 0; i < N_OF(good); i++) {
		fn = (enum cal_mb_function)99;
		if (cal_mb_register_parse(&addr, &fn, good[i].text) != CAL_OK) {
			print_error("\"%s\": %s\n", good[i].text, cal_error_last());
			fail();
		}
		assert_int_equal(addr, good[i].addr);
		assert_int_equal(fn, good[i].fn);
	}
	for (size_t i = 0; i < N_OF(bad); i++) {
		fn = CAL_MB_HOLDING;
		addr = 7;
		if (cal_mb_register_parse(&addr, &fn, bad[i].text) != CAL_ERR_ARG) {
			print_error("\"%s\" accepted as %u\n", bad[i].text, addr);
			fail();
		}
		assert_msg(bad[i].words);
		assert_int_equal(addr, 0);
		assert_int_equal(fn, CAL_MB_FN_NONE);
	}
	assert_int_equal(cal_mb_register_parse(&addr, NULL, "4:03003"), CAL_OK);
	assert_int_equal(addr, 3002);
	assert_int_equal(cal_mb_register_parse(&addr, NULL, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_mb_register_parse(NULL, &fn, "40001"), CAL_ERR_ARG);
}

static void test_address_from_register(void **state)
{
	uint16_t a;

	(void)state;
	assert_int_equal(cal_mb_address_from_register(&a, 2009, CAL_MB_ONE_BASED), CAL_OK);
	assert_int_equal(a, 2008);
	assert_int_equal(cal_mb_address_from_register(&a, 65536, CAL_MB_ONE_BASED), CAL_OK);
	assert_int_equal(a, 65535);
	assert_int_equal(cal_mb_address_from_register(&a, 3002, CAL_MB_ZERO_BASED), CAL_OK);
	assert_int_equal(a, 3002);
	assert_int_equal(cal_mb_address_from_register(&a, 403003, CAL_MB_MODICON), CAL_OK);
	assert_int_equal(a, 3002);
	assert_int_equal(cal_mb_address_from_register(&a, 30017, CAL_MB_MODICON), CAL_OK);
	assert_int_equal(a, 16);
	assert_int_equal(cal_mb_address_from_register(&a, 0, CAL_MB_ONE_BASED), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_address_from_register(&a, 65537, CAL_MB_ONE_BASED), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_address_from_register(&a, 65536, CAL_MB_ZERO_BASED), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_address_from_register(&a, -1, CAL_MB_ZERO_BASED), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_address_from_register(&a, 3003, CAL_MB_MODICON), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_address_from_register(&a, 50001, CAL_MB_MODICON), CAL_ERR_RANGE);
	assert_int_equal(cal_mb_address_from_register(&a, 1, (enum cal_mb_numbering)5),
			 CAL_ERR_ARG);
	assert_int_equal(cal_mb_address_from_register(NULL, 1, CAL_MB_ONE_BASED), CAL_ERR_ARG);
}

/* ---- names ------------------------------------------------------------------------ */

static void test_names(void **state)
{
	static const struct {
		const char *text;
		enum cal_mb_type type;
		unsigned regs;
	} t[] = {
		{ "u16", CAL_MB_U16, 1 },    { "int16", CAL_MB_I16, 1 },
		{ "UINT32", CAL_MB_U32, 2 }, { "i32", CAL_MB_I32, 2 },
		{ "float", CAL_MB_F32, 2 },  { "F32", CAL_MB_F32, 2 },
		{ "double", CAL_MB_F64, 4 }, { "float64", CAL_MB_F64, 4 },
	};
	static const struct {
		const char *text;
		enum cal_mb_order order;
	} o[] = {
		{ "ABCD", CAL_MB_ABCD },    { "cdab", CAL_MB_CDAB },	{ "BADC", CAL_MB_BADC },
		{ "DCBA", CAL_MB_DCBA },    { "3-2-1-0", CAL_MB_ABCD }, { "1-0-3-2", CAL_MB_CDAB },
		{ "2-3-0-1", CAL_MB_BADC }, { "0-1-2-3", CAL_MB_DCBA },
	};
	enum cal_mb_type type;
	enum cal_mb_order order;

	(void)state;
	for (size_t i = 0; i < N_OF(t); i++) {
		assert_int_equal(cal_mb_type_parse(&type, t[i].text), CAL_OK);
		assert_int_equal(type, t[i].type);
		assert_int_equal(cal_mb_type_regs(type), t[i].regs);
	}
	for (size_t i = 0; i < N_OF(o); i++) {
		assert_int_equal(cal_mb_order_parse(&order, o[i].text), CAL_OK);
		assert_int_equal(order, o[i].order);
	}
	assert_int_equal(cal_mb_type_parse(&type, "real"), CAL_ERR_ARG);
	assert_msg("unknown Modbus value type \"real\"");
	assert_int_equal(cal_mb_type_parse(&type, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_mb_order_parse(&order, "ABDC"), CAL_ERR_ARG);
	assert_msg("unknown Modbus word order \"ABDC\": ABCD, CDAB, BADC, DCBA");
	assert_string_equal(cal_mb_type_name(CAL_MB_F64), "f64");
	assert_string_equal(cal_mb_type_name(CAL_MB_I16), "i16");
	assert_null(cal_mb_type_name((enum cal_mb_type)0));
	assert_string_equal(cal_mb_order_name(CAL_MB_CDAB), "CDAB");
	assert_null(cal_mb_order_name((enum cal_mb_order)4));
	assert_int_equal(cal_mb_type_regs((enum cal_mb_type)7), 0);
}

/* ---- presets ---------------------------------------------------------------------- */

static void test_presets(void **state)
{
	const struct cal_mb_map *const *list;
	const struct cal_mb_quantity *q;
	const struct cal_mb_map *m;
	size_t n = 0;

	(void)state;
	list = cal_mb_preset_list(&n);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		m = list[i];
		if (cal_mb_map_check(m) != CAL_OK) {
			print_error("%s\n", cal_error_last());
			fail();
		}
		assert_ptr_equal(cal_mb_preset_find(m->name), m);
		assert_non_null(cal_mb_map_quantity(m, "flow"));
		/* a total, whole or as NAME_int + NAME_frac (cal_mb_map_read) */
		assert_true(cal_mb_map_quantity(m, "total") ||
			    (cal_mb_map_quantity(m, "total_int") &&
			     cal_mb_map_quantity(m, "total_frac")));
		assert_true(strstr(m->description, "[unverified"));
	}
	assert_null(cal_mb_preset_find("siemens"));
	assert_null(cal_mb_preset_find(NULL));

	/* the addresses and orders of protocols.md §5.2-5.4 */
	m = cal_mb_preset_find("siemens-mag6000");
	q = cal_mb_map_quantity(m, "flow");
	assert_int_equal(q->address, 3002);
	assert_int_equal(q->type, CAL_MB_F32);
	assert_int_equal(q->order, CAL_MB_ABCD);
	assert_string_equal(q->unit, "m3/s");
	q = cal_mb_map_quantity(m, "total");
	assert_int_equal(q->address, 3014);
	assert_int_equal(q->type, CAL_MB_F64);
	assert_int_equal(cal_mb_map_quantity(m, "total_float")->address, 3022);

	m = cal_mb_preset_find("endress-promag53");
	q = cal_mb_map_quantity(m, "flow");
	assert_int_equal(q->address, 2008);
	assert_int_equal(q->order, CAL_MB_CDAB);
	q = cal_mb_map_quantity(m, "total");
	assert_int_equal(q->address, 2609);
	assert_true(q->allow_odd);

	m = cal_mb_preset_find("generic-mfe");
	assert_int_equal(cal_mb_map_quantity(m, "flow")->address, 0x1010);
	assert_int_equal(cal_mb_map_quantity(m, "velocity")->address, 0x1012);
	q = cal_mb_map_quantity(m, "total_int");
	assert_int_equal(q->address, 0x1018);
	assert_int_equal(q->type, CAL_MB_I32);
	assert_int_equal(q->order, CAL_MB_CDAB);
	q = cal_mb_map_quantity(m, "total_frac");
	assert_int_equal(q->address, 0x101A);
	assert_int_equal(q->type, CAL_MB_F32);
	assert_int_equal(cal_mb_map_quantity(m, "flow_unit")->address, 0x101E);
	assert_int_equal(cal_mb_map_quantity(m, "total_unit")->address, 0x1021);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_f32_orders),
		cmocka_unit_test(test_decode_f64_orders),
		cmocka_unit_test(test_decode_frames),
		cmocka_unit_test(test_decode_integers),
		cmocka_unit_test(test_decode_nan_inf),
		cmocka_unit_test(test_decode_refusals),
		cmocka_unit_test(test_encode_known_registers),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_quantity_scale),
		cmocka_unit_test(test_map_check_refusals),
		cmocka_unit_test(test_map_read),
		cmocka_unit_test(test_register_parse),
		cmocka_unit_test(test_address_from_register),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_presets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
