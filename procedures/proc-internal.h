/*
 * What the files of procedures/ share and nobody else needs.
 */
#ifndef CAL_PROCEDURES_INTERNAL_H
#define CAL_PROCEDURES_INTERNAL_H

#include "cal/procedure.h"

struct fy_node;

/* The pressure part of a procedure file (pressure_proc.c); p->pressure is set. */
int cal_pressure_proc_parse(struct cal_procedure *p, struct fy_node *root, const char *name);

#endif
