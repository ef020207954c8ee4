/*
 * How register entries read in text: a value without binary noise, the
 * rated flows of a water meter, the range of a flow meter or a dispenser,
 * what a reference with a range is and its uncertainty. Shared by the
 * terminal, the PDF and the register commands, so they say it alike.
 */
#ifndef CAL_DOCUMENTS_DESCRIBE_H
#define CAL_DOCUMENTS_DESCRIBE_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/db.h"
#include "cal/water.h"

/* v to 12 significant digits, plain: "0.00005", not "5e-05"; returns buf. */
const char *cal_doc_sig(char *buf, size_t size, double v);
/* The rated flows of a water meter; false (*m zeroed) when its data do not give them. */
bool cal_doc_water_meter(struct cal_wm_meter *m, const struct cal_instrument *in);
/* "Q1 0.025 m3/h, Q2 0.04 m3/h, Q3 2.5 m3/h, Q4 3.125 m3/h" */
void cal_doc_water_flows_text(char *buf, size_t size, const struct cal_instrument *in);
/* "Qmax 2.4 m3/h, Qmin 0.24 m3/h" of a flow meter or a dispenser */
void cal_doc_flow_range_text(char *buf, size_t size, const struct cal_instrument *in);
/* "pressure", "flow" or "volume", from the standard's unit. */
const char *cal_doc_pstandard_kind(const struct cal_pstandard *s);
/* "U = 0.0004 bar + 0.01 % of |p|", "U = 0.2 % of the volume" */
void cal_doc_pstandard_u_text(char *buf, size_t size, const struct cal_pstandard *s);

#endif
