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

/*
 * Five water meters in series against a simulated master meter over Modbus
 * RTU, verified per OIML R 49 in one batch; document numbers as above.
 */
int demo_water(struct cli *cli, struct cal_db *db, char numbers[][64], size_t n_numbers);

/*
 * The results, verdict and document of every run of a batch; the document
 * numbers go to numbers[0..n_numbers).
 */
struct cal_prun_outcome;
struct cal_prun_gauge;
void demo_print_batch(struct cli *cli, struct cal_db *db, const struct cal_prun_outcome *o,
		      const struct cal_prun_gauge *duts, char numbers[][64], size_t n_numbers);

#endif
