/*
 * The register maps shipped with calbench (cal/modbus_map.h), as const data.
 *
 * Sources are the manual excerpts of protocols.md §5.2-5.4; what no source
 * confirms is marked [unverified] in the description, which the CLI shows
 * with the map. Every map here must pass cal_mb_map_check()
 * (tests/unit/test_modbus_map.c checks it). Addresses are 0-based protocol
 * addresses; the maker's register number is in the comment.
 */
#include <stdio.h>
#include <string.h>

#include "cal/modbus_map.h"

/* A quantity read as sent (scale 1), aligned as most meters align. */
#define Q(nm, fn, addr, ty, ord, un)                                                               \
	{                                                                                          \
		.name = nm, .function = fn, .address = addr, .type = ty, .order = ord, .scale = 1, \
		.unit = un                                                                         \
	}

/* protocols.md §5.2: SITRANS F Modbus RTU manual pp. 14-17. SI units. */
static const struct cal_mb_map siemens_mag6000 = {
	.name = "siemens-mag6000",
	.description = "Siemens SITRANS F M MAG 6000 / MASS 6000 with the Modbus RTU module "
		       "(SFIDK.PS.023.D2.02 pp. 14-17). Holding registers, SI units: flow in "
		       "m3/s, totals in m3, whatever the display shows. Word order [unverified]: "
		       "ABCD assumed; check one reading against the display.",
	.n = 3,
	.q = {
		Q("flow", CAL_MB_HOLDING, 3002, CAL_MB_F32, CAL_MB_ABCD, "m3/s"),   /* 4:03003 */
		Q("total", CAL_MB_HOLDING, 3014, CAL_MB_F64, CAL_MB_ABCD, "m3"),    /* 4:03015 */
		Q("total_float", CAL_MB_HOLDING, 3022, CAL_MB_F32, CAL_MB_ABCD, "m3"), /* 4:03023 */
	},
};

/* protocols.md §5.3: Promag 53 Modbus RS485 manual pp. 67, 71. */
static const struct cal_mb_map endress_promag53 = {
	.name = "endress-promag53",
	.description = "Endress+Hauser Proline Promag 53, Modbus RS485 (manual pp. 67, 71). "
		       "Registers 2009 and 2610 read as addresses 2008 and 2609 [unverified: try "
		       "2009/2610 if the values are wrong]. Factory BYTE ORDER 1-0-3-2 = CDAB. "
		       "Values are in the unit configured on the meter: copy this preset into a "
		       "map file (map: in the bench entry) and give each quantity its unit. "
		       "Reads NaN on alarm.",
	.n = 2,
	.q = {
		Q("flow", CAL_MB_HOLDING, 2008, CAL_MB_F32, CAL_MB_CDAB, ""), /* register 2009 */
		/* register 2610: E+H numbers its floats without alignment */
		{ .name = "total",
		  .function = CAL_MB_HOLDING,
		  .address = 2609,
		  .type = CAL_MB_F32,
		  .order = CAL_MB_CDAB,
		  .scale = 1,
		  .unit = "",
		  .allow_odd = true },
	},
};

/*
 * protocols.md §5.4: Microsensor MFE600H manual p. 27, and its many clones.
 * The total is total_int + total_frac (cal_mb_map_read of "total"), both in
 * one 4-register request at 0x1018.
 */
static const struct cal_mb_map generic_mfe = {
	.name = "generic-mfe",
	.description = "Microsensor MFE600H-style electromagnetic converter and clones (MFE600H "
		       "manual p. 27); other converters (MFE600C) use other maps. Total = "
		       "total_int + total_frac, read together from 0x1018. Units by code: "
		       "flow_unit 0 L/s, 1 L/min, 2 L/h, 3 m3/s, 4 m3/min, 5 m3/h; total_unit "
		       "0 L, 1 m3, 2/3 gal, 4 kg, 5 t. Sign of a reverse total [unverified].",
	.n = 6,
	.q = {
		Q("flow", CAL_MB_HOLDING, 0x1010, CAL_MB_F32, CAL_MB_CDAB, ""),
		Q("velocity", CAL_MB_HOLDING, 0x1012, CAL_MB_F32, CAL_MB_CDAB, "m/s"),
		Q("total_int", CAL_MB_HOLDING, 0x1018, CAL_MB_I32, CAL_MB_CDAB, ""),
		Q("total_frac", CAL_MB_HOLDING, 0x101A, CAL_MB_F32, CAL_MB_CDAB, ""),
		Q("flow_unit", CAL_MB_HOLDING, 0x101E, CAL_MB_U16, CAL_MB_ABCD, ""),
		Q("total_unit", CAL_MB_HOLDING, 0x1021, CAL_MB_U16, CAL_MB_ABCD, ""),
	},
};

static const struct cal_mb_map *const presets[] = {
	&siemens_mag6000,
	&endress_promag53,
	&generic_mfe,
};

const struct cal_mb_map *cal_mb_preset_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (strcmp(presets[i]->name, name) == 0)
			return presets[i];
	}
	return NULL;
}

const struct cal_mb_map *const *cal_mb_preset_list(size_t *n)
{
	if (n)
		*n = sizeof(presets) / sizeof(presets[0]);
	return presets;
}

const char *cal_mb_preset_names(char *buf, size_t size)
{
	size_t n, len = 0;
	const struct cal_mb_map *const *all = cal_mb_preset_list(&n);

	if (!buf || !size)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", all[i]->name);
	return buf;
}
