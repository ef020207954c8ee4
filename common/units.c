/*
 * The unit table. Factors are exact by definition (SI brochure; the
 * international pound of 1959; the metric carat of 1907; g_n = 9.80665
 * m/s^2 of the 3rd CGPM, 1901; the conventional mmHg of ISO 80000-4,
 * 13.5951 g/cm^3 * g_n * 1 mm), except inH2O at 4 degC, which is the value
 * NIST SP 811 gives (249.082 Pa) and is flagged as such.
 */
#include <stdio.h>
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
	{ CAL_UNIT_PA, "Pa", CAL_Q_PRESSURE, 1.0 },
	{ CAL_UNIT_KPA, "kPa", CAL_Q_PRESSURE, 1e3 },
	{ CAL_UNIT_MPA, "MPa", CAL_Q_PRESSURE, 1e6 },
	{ CAL_UNIT_BAR, "bar", CAL_Q_PRESSURE, 1e5 },
	{ CAL_UNIT_MBAR, "mbar", CAL_Q_PRESSURE, 1e2 },
	{ CAL_UNIT_PSI, "psi", CAL_Q_PRESSURE, 0.45359237 * 9.80665 / (0.0254 * 0.0254) },
	{ CAL_UNIT_KGF_CM2, "kgf/cm2", CAL_Q_PRESSURE, 98066.5 },
	{ CAL_UNIT_MMHG, "mmHg", CAL_Q_PRESSURE, 133.322387415 },
	{ CAL_UNIT_INH2O, "inH2O", CAL_Q_PRESSURE, 0.0254 * 1000.0 * 9.80665 },
	{ CAL_UNIT_INH2O_4C, "inH2O@4C", CAL_Q_PRESSURE, 249.082 },
	{ CAL_UNIT_ATM, "atm", CAL_Q_PRESSURE, 101325.0 },
	{ CAL_UNIT_MH2O, "mH2O", CAL_Q_PRESSURE, 9806.65 },
	{ CAL_UNIT_HPA, "hPa", CAL_Q_PRESSURE, 100.0 },
	{ CAL_UNIT_A, "A", CAL_Q_CURRENT, 1.0 },
	{ CAL_UNIT_MA, "mA", CAL_Q_CURRENT, 1e-3 },
	{ CAL_UNIT_M3, "m3", CAL_Q_VOLUME, 1.0 },
	{ CAL_UNIT_L, "L", CAL_Q_VOLUME, 1e-3 },
	{ CAL_UNIT_ML, "mL", CAL_Q_VOLUME, 1e-6 },
	{ CAL_UNIT_M3_S, "m3/s", CAL_Q_FLOW, 1.0 },
	{ CAL_UNIT_M3_H, "m3/h", CAL_Q_FLOW, 1.0 / 3600.0 },
	{ CAL_UNIT_L_S, "L/s", CAL_Q_FLOW, 1e-3 },
	{ CAL_UNIT_L_MIN, "L/min", CAL_Q_FLOW, 1e-3 / 60.0 },
	{ CAL_UNIT_L_H, "L/h", CAL_Q_FLOW, 1e-3 / 3600.0 },
	{ CAL_UNIT_M_S, "m/s", CAL_Q_VELOCITY, 1.0 },
	{ CAL_UNIT_K, "K", CAL_Q_TEMPERATURE, 1.0 },
	{ CAL_UNIT_DEGC,
	  "\xc2\xb0"
	  "C",
	  CAL_Q_TEMPERATURE, 1.0 }, /* °C, offset 273.15 K */
};

const char *cal_quantity_si_symbol(enum cal_quantity q)
{
	switch (q) {
	case CAL_Q_MASS:
		return "kg";
	case CAL_Q_PRESSURE:
		return "Pa";
	case CAL_Q_CURRENT:
		return "A";
	case CAL_Q_VOLUME:
		return "m3";
	case CAL_Q_FLOW:
		return "m3/s";
	case CAL_Q_VELOCITY:
		return "m/s";
	case CAL_Q_TEMPERATURE:
		return "K";
	case CAL_Q_NONE:
		break;
	}
	return "";
}

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
	if (strcmp(symbol, "kgf/cm\xc2\xb2") == 0) { /* kgf/cm² */
		*out = CAL_UNIT_KGF_CM2;
		return CAL_OK;
	}
	if (strcmp(symbol, "inH\xe2\x82\x82O") == 0) { /* inH₂O */
		*out = CAL_UNIT_INH2O;
		return CAL_OK;
	}
	if (strcmp(symbol, "degC") == 0) {
		*out = CAL_UNIT_DEGC;
		return CAL_OK;
	}
	if (strncmp(symbol, "m\xc2\xb3", 3) == 0) { /* m³, m³/s, m³/h */
		char ascii[16];

		if (strlen(symbol) - 1 >= sizeof(ascii))
			return CAL_ERR_ARG;
		snprintf(ascii, sizeof(ascii), "m3%s", symbol + 3);
		return cal_unit_parse(out, ascii);
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

double cal_unit_si_offset(enum cal_unit u)
{
	return u == CAL_UNIT_DEGC ? 273.15 : 0.0;
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
	*out = cal_num_round_sig(
		((v * a->si_factor + cal_unit_si_offset(from)) - cal_unit_si_offset(to)) /
			b->si_factor,
		15);
	return CAL_OK;
}
