/*
 * What the files of procedures/ share and nobody else needs.
 */
#ifndef CAL_PROCEDURES_INTERNAL_H
#define CAL_PROCEDURES_INTERNAL_H

#include <stddef.h>

#include "cal/procedure.h"

struct fy_node;

/* The pressure part of a procedure file (pressure_proc.c); p->pressure is set. */
int cal_pressure_proc_parse(struct cal_procedure *p, struct fy_node *root, const char *name);

/* The water-meter part of a procedure file (water_proc.c); p->water is set. */
int cal_water_proc_parse(struct cal_procedure *p, struct fy_node *root, const char *name);

/*
 * The run record of instrument @dut_id in a batch of @p (batch.c): procedure,
 * bench, reference device, the instrument's own device (NULL: none), mode,
 * operator, activity, this process. The caller sets the batch.
 */
void cal_batch_run_fill(struct cal_run *run, const struct cal_prun_params *p,
			const struct cal_procedure *proc, const char *dut_id, const char *dut_dev,
			const char *mode, const char *activity);

/* One run at a time per instrument: CAL_ERR_REFUSED naming the running run. */
int cal_batch_check_not_running(struct cal_db *db, const char *instrument_id);

/* A reference in its calibration due date on @clock's day: CAL_ERR_REFUSED otherwise. */
int cal_batch_check_due(const struct cal_pstandard *std, const struct cal_clock *clock);

struct cal_mb_map;

/* A Modbus register map file (modbus_map_file.c); checked with cal_mb_map_check. */
int cal_mb_map_parse(struct cal_mb_map *out, const char *text, size_t len, const char *name);
int cal_mb_map_load(struct cal_mb_map *out, const char *path);

#endif
