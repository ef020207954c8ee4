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

struct cal_mb_map;

/* A Modbus register map file (modbus_map_file.c); checked with cal_mb_map_check. */
int cal_mb_map_parse(struct cal_mb_map *out, const char *text, size_t len, const char *name);
int cal_mb_map_load(struct cal_mb_map *out, const char *path);

#endif
