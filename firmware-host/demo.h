/*
 * The parts of calbench demo (cmd_demo.c, demo_pressure.c).
 */
#ifndef CALBENCH_DEMO_H
#define CALBENCH_DEMO_H

#include <stddef.h>

#include "cal/clock.h"
#include "cal/db.h"
#include "cli.h"

/*
 * Three gauges on a simulated PACE, verified per EN 837-1 in one batch; the
 * numbers of their documents go to numbers[0..n_numbers).
 */
int demo_pressure(struct cli *cli, struct cal_db *db, const struct cal_date *today,
		  char numbers[][64], size_t n_numbers);

#endif
