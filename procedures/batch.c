/*
 * What the batch engines (pressure_run.c, water_run.c) share: the run record
 * of one instrument of a batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "proc-internal.h"

void cal_batch_run_fill(struct cal_run *run, const struct cal_prun_params *p,
			const struct cal_procedure *proc, const char *dut_id, const char *dut_dev,
			const char *mode, const char *activity)
{
	memset(run, 0, sizeof(*run));
	snprintf(run->instrument_id, sizeof(run->instrument_id), "%s", dut_id);
	snprintf(run->procedure_id, sizeof(run->procedure_id), "%s", proc->id);
	snprintf(run->procedure_title, sizeof(run->procedure_title), "%s", proc->title);
	snprintf(run->method, sizeof(run->method), "%s", proc->method);
	snprintf(run->procedure_path, sizeof(run->procedure_path), "%s", proc->path);
	snprintf(run->bench_path, sizeof(run->bench_path), "%s",
		 p->bench_path ? p->bench_path : "");
	snprintf(run->device_id, sizeof(run->device_id), "%s", p->ref ? p->ref->id : "");
	snprintf(run->dut_device_id, sizeof(run->dut_device_id), "%s", dut_dev ? dut_dev : "");
	snprintf(run->mode, sizeof(run->mode), "%s", mode);
	snprintf(run->operator_name, sizeof(run->operator_name), "%s",
		 p->operator_name ? p->operator_name : "");
	snprintf(run->activity, sizeof(run->activity), "%s", activity);
	run->cond = p->cond;
	run->pid = (int)getpid();
}

int cal_batch_check_not_running(struct cal_db *db, const char *instrument_id)
{
	struct cal_run *runs = NULL;
	size_t n = 0;
	int err = cal_db_run_list(&runs, &n, db, instrument_id);

	for (size_t i = 0; !err && i < n; i++)
		if (runs[i].status == CAL_RUN_RUNNING)
			err = cal_error_set(CAL_ERR_REFUSED,
					    "%s is being measured in run %lld (process %d): one "
					    "run at a time per instrument",
					    instrument_id, (long long)runs[i].id, runs[i].pid);
	free(runs);
	return err;
}

int cal_batch_check_due(const struct cal_pstandard *std, const struct cal_clock *clock)
{
	struct cal_date today, due;

	cal_date_from_unix(&today, clock->wall_s(clock->ctx));
	if (!std->due_date[0] || cal_date_parse(&due, std->due_date))
		return cal_error_set(CAL_ERR_REFUSED,
				     "reference %s has no calibration due date in the register",
				     std->id);
	if (cal_date_cmp(&due, &today) < 0)
		return cal_error_set(CAL_ERR_REFUSED,
				     "reference %s was due for calibration on %s: it cannot be "
				     "used until it is recalibrated",
				     std->id, std->due_date);
	return CAL_OK;
}
