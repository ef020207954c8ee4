/*
 * How register entries read in text (cal/describe.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/units.h"
#include "cal/water.h"
#include "cal/describe.h"

/* v to 12 significant digits, plain: "0.00005" (a d in m3), not "5e-05". */
const char *cal_doc_sig(char *buf, size_t size, double v)
{
	char *end;

	cal_num_format_sig(buf, size, v, 12);
	if (!strchr(buf, 'e') || v == 0 || fabs(v) >= 1)
		return buf;
	cal_num_format(buf, size, v, 11 - (int)floor(log10(fabs(v))));
	end = buf + strlen(buf);
	while (end > buf && end[-1] == '0')
		*--end = '\0';
	if (end > buf && end[-1] == '.')
		*--end = '\0';
	return buf;
}

/* The rated flows of a registered water meter; false (*m zeroed) when its data do not give them. */
bool cal_doc_water_meter(struct cal_wm_meter *m, const struct cal_instrument *in)
{
	enum cal_wm_class cls;
	int err = cal_wm_class_parse(&cls, in->accuracy_class);

	memset(m, 0, sizeof(*m));
	if (!err)
		err = cls >= CAL_WM_CLASS_A
			      ? cal_wm_meter_qn(m, cls, in->flow_q3, NULL)
			      : cal_wm_meter_r49(m, cls, in->flow_q3, in->ratio_r, NULL);
	cal_error_clear();
	return err == CAL_OK;
}

/*
 * "Q1 0.025 m3/h, Q2 0.04 m3/h, Q3 2.5 m3/h, Q4 3.125 m3/h" (classes 1, 2);
 * "Qmin 0.03 m3/h, Qt 0.12 m3/h, Qn 1.5 m3/h, Qmax not given" (A-D).
 */
void cal_doc_water_flows_text(char *buf, size_t size, const struct cal_instrument *in)
{
	struct cal_wm_meter m;
	char a[32], b[32], c[32], d[40];
	bool old;

	if (!cal_doc_water_meter(&m, in)) {
		snprintf(buf, size, "flow rates unknown (class %s, Q3 %g m3/h, R %g)",
			 in->accuracy_class, in->flow_q3, in->ratio_r);
		return;
	}
	old = m.cls >= CAL_WM_CLASS_A;
	if (m.q4 > 0)
		snprintf(d, sizeof(d), "%s m3/h", cal_doc_sig(c, sizeof(c), m.q4));
	else
		snprintf(d, sizeof(d), "not given");
	snprintf(buf, size, "%s %s m3/h, %s %s m3/h, %s %s m3/h, %s %s", old ? "Qmin" : "Q1",
		 cal_doc_sig(a, sizeof(a), m.q1), old ? "Qt" : "Q2",
		 cal_doc_sig(b, sizeof(b), m.q2), old ? "Qn" : "Q3",
		 cal_doc_sig(c, sizeof(c), m.q3), old ? "Qmax" : "Q4", d);
}

/* "Qmax 2.4 m3/h, Qmin 0.24 m3/h" */
void cal_doc_flow_range_text(char *buf, size_t size, const struct cal_instrument *in)
{
	char a[32], b[32];

	cal_doc_sig(a, sizeof(a), in->flow_q3);
	if (in->ratio_r > 0)
		snprintf(buf, size, "Qmax %s m3/h, Qmin %s m3/h", a,
			 cal_doc_sig(b, sizeof(b),
				     cal_num_round_sig(in->flow_q3 / in->ratio_r, 12)));
	else
		snprintf(buf, size, "Qmax %s m3/h", a);
}

/* What a range standard is, from its unit: "pressure", "flow", "volume". */
const char *cal_doc_pstandard_kind(const struct cal_pstandard *s)
{
	enum cal_unit u;

	if (cal_unit_parse(&u, s->unit) == CAL_OK && cal_unit_quantity(u) == CAL_Q_FLOW)
		return "flow";
	if (cal_unit_parse(&u, s->unit) == CAL_OK && cal_unit_quantity(u) == CAL_Q_VOLUME)
		return "volume";
	return "pressure";
}

/*
 * "U = 0.0004 bar + 0.01 % of |p|": U(p) = u_abs + u_rel·|p|, a term left out
 * when 0; "U = 0.2 % of the volume" for a flow standard.
 */
void cal_doc_pstandard_u_text(char *buf, size_t size, const struct cal_pstandard *s)
{
	const char *kind = cal_doc_pstandard_kind(s);
	const char *of = strcmp(kind, "pressure") == 0 ? "of |p|" : "of the volume";
	char a[40], b[40];

	cal_num_format_g(a, sizeof(a), s->u_abs);
	cal_num_format_g(b, sizeof(b), cal_num_round_sig(s->u_rel * 100, 12));
	if (s->u_abs > 0 && s->u_rel > 0)
		snprintf(buf, size, "U = %s %s + %s %% %s", a, s->unit, b, of);
	else if (s->u_rel > 0)
		snprintf(buf, size, "U = %s %% %s", b, of);
	else
		snprintf(buf, size, "U = %s %s", a, s->unit);
}
