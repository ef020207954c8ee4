/*
 * Shared fixture for test_procedures.c and test_procedures_engine.c: the
 * balance under test and the centre's weights, written out by hand from
 * domain.md §1.1 (class III, Max 30 kg, e = d = 5 g) and §1.5 (R 111 MPEs).
 * No code of procedures/ is used here.
 */
#include <stdio.h>
#include <string.h>

#include "cal/db.h"

void tp_class3_dut(struct cal_instrument *in);
size_t tp_weights(struct cal_standard *out, const char *cls, const char *due);
double tp_corr_g(const char *id);

/* Class III, Max 30 kg, e = d = 5 g, in grams; Min derived from the class. */
void tp_class3_dut(struct cal_instrument *in)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "CAN-0042");
	snprintf(in->type, sizeof(in->type), "nawi");
	snprintf(in->manufacturer, sizeof(in->manufacturer), "Mock");
	snprintf(in->model, sizeof(in->model), "MB30");
	snprintf(in->serial, sizeof(in->serial), "MOCK123");
	snprintf(in->owner, sizeof(in->owner), "Chợ Đông Ba");
	snprintf(in->accuracy_class, sizeof(in->accuracy_class), "III");
	snprintf(in->unit, sizeof(in->unit), "g");
	in->max = 30000;
	in->min = 0;
	in->e = 5;
	in->d = 5;
	in->interval_months = 12;
}

/* The set, largest first, with corrections (conventional mass - nominal) in g. */
static const struct {
	const char *id;
	double kg;
	double corr_g;
} set[] = {
	{ "W20K", 20, 0.30 }, { "W10K", 10, -0.20 },   { "W5K", 5, 0.10 },  { "W2K", 2, 0.04 },
	{ "W1K", 1, 0 },      { "W500G", 0.5, -0.01 }, { "W200G", 0.2, 0 }, { "W100G", 0.1, 0.002 },
	{ "W50G", 0.05, 0 },  { "W20G", 0.02, 0 },     { "W10G", 0.01, 0 },
};

#define SET_N (sizeof(set) / sizeof(set[0]))

/* One weight of each nominal of the set, all of class @cls, due on @due. */
size_t tp_weights(struct cal_standard *out, const char *cls, const char *due)
{
	for (size_t i = 0; i < SET_N; i++) {
		struct cal_standard *s = &out[i];

		memset(s, 0, sizeof(*s));
		snprintf(s->id, sizeof(s->id), "%s", set[i].id);
		snprintf(s->kind, sizeof(s->kind), "weight");
		snprintf(s->weight_class, sizeof(s->weight_class), "%s", cls);
		s->nominal_kg = set[i].kg;
		s->correction_kg = set[i].corr_g / 1000;
		s->u_kg = set[i].kg * 1e-6;
		s->k = 2;
		snprintf(s->cert_no, sizeof(s->cert_no), "KD-%s", set[i].id);
		snprintf(s->due_date, sizeof(s->due_date), "%s", due);
		snprintf(s->description, sizeof(s->description), "%s %g kg", cls, set[i].kg);
	}
	return SET_N;
}

double tp_corr_g(const char *id)
{
	for (size_t i = 0; i < SET_N; i++)
		if (strcmp(set[i].id, id) == 0)
			return set[i].corr_g;
	return 0;
}
