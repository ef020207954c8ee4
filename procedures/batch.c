/*
 * What the batch engines (pressure_run.c, water_run.c) share: the run record
 * of one instrument of a batch.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	snprintf(run->device_id, sizeof(run->device_id), "%s", p->ref->id);
	snprintf(run->dut_device_id, sizeof(run->dut_device_id), "%s", dut_dev ? dut_dev : "");
	snprintf(run->mode, sizeof(run->mode), "%s", mode);
	snprintf(run->operator_name, sizeof(run->operator_name), "%s",
		 p->operator_name ? p->operator_name : "");
	snprintf(run->activity, sizeof(run->activity), "%s", activity);
	run->pid = (int)getpid();
}
