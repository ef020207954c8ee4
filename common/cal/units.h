/*
 * Units of measure. Every stored value carries the SI base-unit value and the
 * unit the instrument showed; this table gives the exact factors between them.
 * Append only: values are stored in the database by symbol, not by number.
 */
#ifndef CAL_COMMON_UNITS_H
#define CAL_COMMON_UNITS_H

enum cal_quantity {
	CAL_Q_NONE = 0,
	CAL_Q_MASS,	   /* SI base unit kg */
	CAL_Q_PRESSURE,	   /* SI unit Pa (derived, kg m^-1 s^-2) */
	CAL_Q_CURRENT,	   /* SI base unit A (transmitter outputs) */
	CAL_Q_VOLUME,	   /* SI unit m3 (totalizers, proving tanks) */
	CAL_Q_FLOW,	   /* volume flow, SI unit m3/s */
	CAL_Q_VELOCITY,	   /* flow velocity, SI unit m/s */
	CAL_Q_TEMPERATURE, /* SI base unit K */
};

/* The SI unit a quantity's value_si is in: "kg", "Pa", "A", "m3", "m3/s"; "" for NONE. */
const char *cal_quantity_si_symbol(enum cal_quantity q);

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
	/* pressure; gauge or absolute is a property of the instrument, not the unit */
	CAL_UNIT_PA,
	CAL_UNIT_KPA,
	CAL_UNIT_MPA,
	CAL_UNIT_BAR,	   /* 1e5 Pa exactly */
	CAL_UNIT_MBAR,	   /* 100 Pa exactly */
	CAL_UNIT_PSI,	   /* lbf/in^2 = 0.45359237 kg * 9.80665 m/s^2 / (0.0254 m)^2 */
	CAL_UNIT_KGF_CM2,  /* kgf/cm^2 (technical atmosphere) = 98066.5 Pa exactly */
	CAL_UNIT_MMHG,	   /* conventional millimetre of mercury = 133.322387415 Pa exactly */
	CAL_UNIT_INH2O,	   /* conventional inch of water: 0.0254 m * 1000 kg/m^3 * g_n */
	CAL_UNIT_INH2O_4C, /* inch of water at 4 degC (Mensor, Druck): 249.082 Pa (NIST SP 811) */
	CAL_UNIT_ATM,	   /* standard atmosphere, 101325 Pa exactly */
	CAL_UNIT_MH2O,	   /* conventional metre of water: 1000 kg/m^3 * g_n * 1 m = 9806.65 Pa */
	CAL_UNIT_HPA,	   /* hectopascal, 100 Pa */
	/* electric current: the 4-20 mA output of a pressure transmitter */
	CAL_UNIT_A,
	CAL_UNIT_MA,
	/* volume ("m³" is accepted for m3) */
	CAL_UNIT_M3,
	CAL_UNIT_L,  /* litre, 1e-3 m3 exactly */
	CAL_UNIT_ML, /* millilitre */
	/* volume flow ("m³/h" is accepted for m3/h) */
	CAL_UNIT_M3_S,
	CAL_UNIT_M3_H,
	CAL_UNIT_L_S,
	CAL_UNIT_L_MIN,
	CAL_UNIT_L_H,
	CAL_UNIT_M_S, /* flow velocity */
	/* temperature (water of a gravimetric bench): K = °C + 273.15 */
	CAL_UNIT_K,
	CAL_UNIT_DEGC,
};

/*
 * Case-sensitive symbol: mass "g", "kg", "mg", "ug" or "µg", "t", "ct",
 * "lb", "oz"; pressure "Pa", "kPa", "MPa", "bar", "mbar", "psi",
 * "kgf/cm2" (or "kgf/cm²"), "mmHg", "inH2O" (or "inH₂O"), "inH2O@4C",
 * "atm", "mH2O", "hPa"; current "A", "mA"; volume "m3" (or "m³"), "L", "mL";
 * flow "m3/s", "m3/h" (or "m³/s", "m³/h"), "L/s", "L/min", "L/h"; velocity "m/s";
 * temperature "K", "°C" (or "degC").
 */
int cal_unit_parse(enum cal_unit *out, const char *symbol);
/* Canonical symbol, "" for CAL_UNIT_NONE. */
const char *cal_unit_symbol(enum cal_unit u);
enum cal_quantity cal_unit_quantity(enum cal_unit u);
/*
 * Multiply a value in @u by this, then add cal_unit_si_offset(), to get the
 * SI base unit (kg for mass, K for temperature). Only °C has an offset.
 */
double cal_unit_si_factor(enum cal_unit u);
double cal_unit_si_offset(enum cal_unit u);
/* Convert between two units of the same quantity; CAL_ERR_ARG otherwise. */
int cal_unit_convert(double *out, double v, enum cal_unit from, enum cal_unit to);

#endif
