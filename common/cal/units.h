/*
 * Units of measure. Every stored value carries the SI base-unit value and the
 * unit the instrument showed; this table gives the exact factors between them.
 * Append only: values are stored in the database by symbol, not by number.
 */
#ifndef CAL_COMMON_UNITS_H
#define CAL_COMMON_UNITS_H

enum cal_quantity {
	CAL_Q_NONE = 0,
	CAL_Q_MASS, /* SI base unit kg */
};

enum cal_unit {
	CAL_UNIT_NONE = 0,
	CAL_UNIT_KG,
	CAL_UNIT_G,
	CAL_UNIT_MG,
	CAL_UNIT_UG,
	CAL_UNIT_T,  /* tonne */
	CAL_UNIT_CT, /* metric carat, 0.2 g exactly */
	CAL_UNIT_LB, /* avoirdupois pound, 0.45359237 kg exactly */
	CAL_UNIT_OZ, /* avoirdupois ounce, lb/16 */
};

/* Case-sensitive symbol ("g", "kg", "mg", "ug" or "µg", "t", "ct", "lb", "oz"). */
int cal_unit_parse(enum cal_unit *out, const char *symbol);
/* Canonical symbol, "" for CAL_UNIT_NONE. */
const char *cal_unit_symbol(enum cal_unit u);
enum cal_quantity cal_unit_quantity(enum cal_unit u);
/* Multiply a value in @u by this to get the SI base unit (kg for mass). */
double cal_unit_si_factor(enum cal_unit u);
/* Convert between two units of the same quantity; CAL_ERR_ARG otherwise. */
int cal_unit_convert(double *out, double v, enum cal_unit from, enum cal_unit to);

#endif
