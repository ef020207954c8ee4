/*
 * libFuzzer target for the pressure-controller reply parsers
 * (drivers/cal/pressure.h): every input is parsed as a PACE, a Mensor and a
 * PPC4 reply line (exact-size copy, so AddressSanitizer sees any read past
 * the end), and the unit-token functions get the input as a string.
 *
 * Invariants checked: no crash, no sanitizer report; a successful parse has
 * 0 <= nfield <= CAL_PRS_FIELD_MAX, terminated strings, decimals >= 0, and
 * a unit only on a number; a failed parse leaves the reply zeroed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/pressure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const struct cal_prs_reply *r)
{
	if (rc != CAL_OK) {
		if (r->nfield != 0 || r->payload[0] || r->header[0] || r->error)
			__builtin_trap();
		return;
	}
	if (r->nfield < 0 || r->nfield > CAL_PRS_FIELD_MAX)
		__builtin_trap();
	if (strnlen(r->header, sizeof(r->header)) == sizeof(r->header) ||
	    strnlen(r->payload, sizeof(r->payload)) == sizeof(r->payload))
		__builtin_trap();
	for (int i = 0; i < r->nfield; i++) {
		const struct cal_prs_field *f = &r->field[i];

		if (strnlen(f->text, sizeof(f->text)) == sizeof(f->text))
			__builtin_trap();
		if (f->number && f->decimals < 0)
			__builtin_trap();
		if (!f->number && (f->unit != CAL_UNIT_NONE || f->mode))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cal_prs_reply r;
	char *line = malloc(size ? size : 1);
	char *str = malloc(size + 1);
	enum cal_unit u;

	if (!line || !str)
		goto out;
	memcpy(line, data, size);
	check(cal_pace_parse(&r, line, size), &r);
	check(cal_mensor_parse(&r, line, size), &r);
	check(cal_ppc4_parse(&r, line, size), &r);
	memcpy(str, data, size);
	str[size] = '\0';
	(void)cal_pace_unit_parse(&u, str);
	(void)cal_mensor_unit_parse(&u, str);
	(void)cal_ppc4_unit_parse(&u, str);
out:
	free(line);
	free(str);
	cal_error_clear();
	return 0;
}
