/*
 * The unit table. Factors are exact by definition (SI brochure; the
 * international pound of 1959; the metric carat of 1907).
 */
#include <string.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/units.h"

struct unit_def {
	enum cal_unit unit;
	const char *symbol;
	enum cal_quantity q;
	double si_factor;
};

static const struct unit_def units[] = {
	{ CAL_UNIT_KG, "kg", CAL_Q_MASS, 1.0 },
	{ CAL_UNIT_G, "g", CAL_Q_MASS, 1e-3 },
	{ CAL_UNIT_MG, "mg", CAL_Q_MASS, 1e-6 },
	{ CAL_UNIT_UG, "ug", CAL_Q_MASS, 1e-9 },
	{ CAL_UNIT_T, "t", CAL_Q_MASS, 1e3 },
	{ CAL_UNIT_CT, "ct", CAL_Q_MASS, 2e-4 },
	{ CAL_UNIT_LB, "lb", CAL_Q_MASS, 0.45359237 },
	{ CAL_UNIT_OZ, "oz", CAL_Q_MASS, 0.45359237 / 16.0 },
};

static const struct unit_def *find(enum cal_unit u)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit == u)
			return &units[i];
	}
	return NULL;
}

int cal_unit_parse(enum cal_unit *out, const char *symbol)
{
	*out = CAL_UNIT_NONE;
	if (!symbol)
		return CAL_ERR_ARG;
	if (strcmp(symbol, "\xc2\xb5g") == 0) { /* µg */
		*out = CAL_UNIT_UG;
		return CAL_OK;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(units[i].symbol, symbol) == 0) {
			*out = units[i].unit;
			return CAL_OK;
		}
	}
	return CAL_ERR_ARG;
}

const char *cal_unit_symbol(enum cal_unit u)
{
	const struct unit_def *d = find(u);

	return d ? d->symbol : "";
}

enum cal_quantity cal_unit_quantity(enum cal_unit u)
{
	const struct unit_def *d = find(u);

	return d ? d->q : CAL_Q_NONE;
}

double cal_unit_si_factor(enum cal_unit u)
{
	const struct unit_def *d = find(u);

	return d ? d->si_factor : 0.0;
}

int cal_unit_convert(double *out, double v, enum cal_unit from, enum cal_unit to)
{
	const struct unit_def *a = find(from), *b = find(to);

	*out = 0;
	if (!a || !b || a->q != b->q)
		return CAL_ERR_ARG;
	if (from == to) {
		*out = v;
		return CAL_OK;
	}
	/* 15 digits: what a person typed, without the binary noise of the factor */
	*out = cal_num_round_sig(v * a->si_factor / b->si_factor, 15);
	return CAL_OK;
}
