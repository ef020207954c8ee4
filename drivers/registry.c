/*
 * The driver registry: an explicit table, in the order `calbench drivers`
 * lists them. Append new drivers here (pressure, flow) and declare them in
 * the extern block; no linker-section magic.
 */
#include <string.h>

#include "cal/driver.h"

extern const struct cal_driver cal_driver_mt_sics;
extern const struct cal_driver cal_driver_pace;
extern const struct cal_driver cal_driver_mensor_cpc;
extern const struct cal_driver cal_driver_ppc4;
extern const struct cal_driver cal_driver_modbus_flow;

static const struct cal_driver *const drivers[] = {
	&cal_driver_mt_sics, &cal_driver_pace,	      &cal_driver_mensor_cpc,
	&cal_driver_ppc4,    &cal_driver_modbus_flow,
};

const struct cal_driver *cal_driver_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	}
	return NULL;
}

const struct cal_driver *const *cal_driver_list(size_t *n)
{
	if (n)
		*n = sizeof(drivers) / sizeof(drivers[0]);
	return drivers;
}
