/*
 * libFuzzer target for the Modbus register-map code (drivers/cal/modbus_map.h):
 *
 *  1. cal_mb_decode() with data[0] as the type, data[1] as the order, data[2]
 *     as the register count and the rest as registers (high byte first, as on
 *     the wire), out-of-range enum values included; every value decoded is
 *     encoded back and must give the same registers (NaN excepted: its
 *     payload may be quieted);
 *  2. cal_mb_register_parse(), the type and order parsers on the input as a
 *     string (exact-size copy plus NUL, so AddressSanitizer sees any read past
 *     the end);
 *  3. cal_mb_map_check() and cal_mb_map_read() on the input copied over a
 *     struct cal_mb_map (zero-padded; allow_odd reduced to 0/1, since any other
 *     byte in a bool is undefined behaviour), strings unterminated included.
 *
 * Invariants checked: no crash, no sanitizer report, encode(decode(r)) == r,
 * a parsed address leaves the function CAL_MB_FN_NONE, HOLDING or INPUT, a
 * failed parse leaves the address 0.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/modbus_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_decode(const uint8_t *data, size_t size)
{
	enum cal_mb_type type;
	enum cal_mb_order order;
	uint16_t *regs, back[4];
	size_t n, avail;
	double v;

	if (size < 3)
		return;
	type = (enum cal_mb_type)(int8_t)data[0];
	order = (enum cal_mb_order)(int8_t)data[1];
	n = data[2] % 8;
	avail = (size - 3) / 2;
	if (n > avail)
		n = avail;
	regs = malloc(n ? n * sizeof(*regs) : 1);
	if (!regs)
		return;
	for (size_t i = 0; i < n; i++)
		regs[i] = (uint16_t)(data[3 + 2 * i] << 8 | data[4 + 2 * i]);
	if (cal_mb_decode(&v, regs, n, type, order) == CAL_OK) {
		if (n != cal_mb_type_regs(type))
			__builtin_trap();
		if (cal_mb_encode(back, n, v, type, order) != CAL_OK)
			__builtin_trap();
		if (!isnan(v) && memcmp(back, regs, n * sizeof(*regs)) != 0)
			__builtin_trap();
	} else if (!isnan(v)) {
		__builtin_trap();
	}
	free(regs);
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	enum cal_mb_function fn;
	enum cal_mb_type type;
	enum cal_mb_order order;
	uint16_t addr;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cal_mb_register_parse(&addr, &fn, s) == CAL_OK) {
		if (fn != CAL_MB_FN_NONE && fn != CAL_MB_HOLDING && fn != CAL_MB_INPUT)
			__builtin_trap();
	} else if (addr != 0 || fn != CAL_MB_FN_NONE) {
		__builtin_trap();
	}
	if (cal_mb_type_parse(&type, s) == CAL_OK && !cal_mb_type_name(type))
		__builtin_trap();
	if (cal_mb_order_parse(&order, s) == CAL_OK && !cal_mb_order_name(order))
		__builtin_trap();
	free(s);
}

static void fuzz_map(const uint8_t *data, size_t size)
{
	struct cal_mb_map *m = calloc(1, sizeof(*m));
	uint16_t regs[CAL_MB_READ_MAX] = { 0 };
	double v;

	if (!m)
		return;
	memcpy(m, data, size < sizeof(*m) ? size : sizeof(*m));
	for (size_t i = 0; i < CAL_MB_MAP_MAX; i++) {
		unsigned char b;

		memcpy(&b, &m->q[i].allow_odd, 1);
		b &= 1;
		memcpy(&m->q[i].allow_odd, &b, 1);
	}
	if (cal_mb_map_check(m) == CAL_OK) {
		/* a checked map: every quantity reads from a block at its own address */
		for (size_t i = 0; i < m->n; i++) {
			const struct cal_mb_quantity *q = &m->q[i];

			if (cal_mb_map_read(&v, m, q->name, q->function, q->address, regs,
					    cal_mb_type_regs(q->type)) != CAL_OK)
				__builtin_trap();
		}
	}
	/* unchecked: reads must refuse or succeed, never read outside regs */
	m->n %= CAL_MB_MAP_MAX + 1;
	(void)cal_mb_map_read(&v, m, "total", CAL_MB_HOLDING, size > 1 ? data[1] : 0, regs,
			      size % (CAL_MB_READ_MAX + 1));
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(data, size);
	fuzz_text(data, size);
	fuzz_map(data, size);
	cal_error_clear();
	return 0;
}
