/*
 * calbench run, pressure procedures (run_pressure.c): several gauges on one
 * manifold against a reference controller.
 */
#ifndef CALBENCH_RUN_PRESSURE_H
#define CALBENCH_RUN_PRESSURE_H

#include "cal/procedure.h"
#include "cli.h"

struct cli_pressure_args {
	const struct cal_procedure *proc; /* NULL on resume */
	const char *const *instruments;	  /* "ID" or "ID@DEVICE", n_instruments of them */
	size_t n_instruments;
	const char *mode;
	const char *operator_name;
	const char *bench_path;
	const char *device_id;	 /* the reference controller in the bench; NULL = the only one */
	const char *standard_id; /* NULL = the bench entry's 'standard:' */
	long long resume_id;	 /* > 0: resume the batch of this run */
	const struct cal_operator_ops *op;
	void *op_ctx;
	const bool *live_shown; /* the terminal operator left a live line */
	bool accept_serial_mismatch;
	struct cal_run_conditions cond;
};

/* Run (or resume) and report; returns the exit code. */
int cli_run_pressure(struct cli *cli, struct cal_db *db, const struct cli_pressure_args *a);

#endif
