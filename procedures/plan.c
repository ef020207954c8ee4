/*
 * From procedure + instrument + weights to a list of points.
 *
 * Units: loads, references and MPEs in a plan are in the instrument's unit
 * (struct cal_instrument.unit); weights are stored in kg and converted here.
 */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "cal/procedure.h"

/* Relative tolerance when comparing sums of nominal values. */
#define SUM_EPS 1e-9
/* Bound on the search in cal_weights_compose (subset sum). */
#define MAX_VISITS 200000

struct compose_state {
	const struct cal_standard *w;
	const int *order; /* indices by nominal descending */
	size_t n;
	double target;
	bool exact;
	int cur[CAL_PLAN_MAX_WEIGHTS];
	size_t n_cur;
	int best[CAL_PLAN_MAX_WEIGHTS];
	size_t n_best;
	double best_sum;
	size_t max_idx;
	long visits;
	const double *suffix; /* sum of nominals from position i on */
};

static void search(struct compose_state *s, size_t pos, double sum)
{
	double tol = SUM_EPS * s->target;

	if (++s->visits > MAX_VISITS)
		return;
	if (s->exact) {
		if (fabs(sum - s->target) <= tol) {
			if (s->n_best == 0 || s->n_cur < s->n_best) {
				memcpy(s->best, s->cur, s->n_cur * sizeof(int));
				s->n_best = s->n_cur;
				s->best_sum = sum;
			}
			return;
		}
	} else if (sum <= s->target + tol &&
		   (sum > s->best_sum + tol ||
		    (fabs(sum - s->best_sum) <= tol && s->n_cur < s->n_best))) {
		memcpy(s->best, s->cur, s->n_cur * sizeof(int));
		s->n_best = s->n_cur;
		s->best_sum = sum;
	}
	if (pos >= s->n || s->n_cur >= s->max_idx)
		return;
	if (s->n_best && s->n_cur + 1 >= s->n_best && s->exact)
		return; /* cannot beat the piece count */
	if (sum + s->suffix[pos] < (s->exact ? s->target - tol : s->best_sum - tol))
		return; /* even all remaining weights cannot reach it */
	for (size_t i = pos; i < s->n; i++) {
		double nom = s->w[s->order[i]].nominal_kg;

		if (sum + nom > s->target + tol)
			continue;
		s->cur[s->n_cur++] = s->order[i];
		search(s, i + 1, sum + nom);
		s->n_cur--;
		if (s->exact && s->n_best == 1)
			return;
	}
}

/* R 111 class rank, best first; weights without a valid class come last. */
static int class_rank(const struct cal_standard *w)
{
	enum cal_r111_class c;

	return cal_r111_class_parse(&c, w->weight_class) ? 1000 : (int)c;
}

static int cmp_nominal_desc(const void *a, const void *b, void *base)
{
	const struct cal_standard *x = &((const struct cal_standard *)base)[*(const int *)a];
	const struct cal_standard *y = &((const struct cal_standard *)base)[*(const int *)b];
	int cx, cy;

	if (x->nominal_kg != y->nominal_kg)
		return x->nominal_kg > y->nominal_kg ? -1 : 1;
	/*
	 * Of equal nominals, the better class first (its MPE is what the 1/3
	 * rule adds up), then the smaller uncertainty, then by id for a stable
	 * order. An uncertainty alone would prefer a weight whose U was never
	 * entered (0).
	 */
	cx = class_rank(x);
	cy = class_rank(y);
	if (cx != cy)
		return cx < cy ? -1 : 1;
	if (x->u_kg != y->u_kg)
		return x->u_kg < y->u_kg ? -1 : 1;
	return strcmp(x->id, y->id);
}

int cal_weights_compose(int *idx, size_t *n, size_t max_idx, const struct cal_standard *w,
			size_t n_w, double target_kg, bool exact)
{
	struct compose_state s;
	int *order = NULL;
	double *suffix = NULL;

	*n = 0;
	if (!(target_kg > 0) || n_w == 0)
		return CAL_OK;
	if (max_idx > CAL_PLAN_MAX_WEIGHTS)
		max_idx = CAL_PLAN_MAX_WEIGHTS;
	order = malloc(n_w * sizeof(*order));
	suffix = malloc((n_w + 1) * sizeof(*suffix));
	if (!order || !suffix) {
		free(order);
		free(suffix);
		return CAL_ERR_NOMEM;
	}
	for (size_t i = 0; i < n_w; i++)
		order[i] = (int)i;
	qsort_r(order, n_w, sizeof(*order), cmp_nominal_desc, (void *)w);
	suffix[n_w] = 0;
	for (size_t i = n_w; i-- > 0;)
		suffix[i] = suffix[i + 1] + w[order[i]].nominal_kg;
	memset(&s, 0, sizeof(s));
	s.w = w;
	s.order = order;
	s.n = n_w;
	s.target = target_kg;
	s.exact = exact;
	s.max_idx = max_idx;
	s.suffix = suffix;
	search(&s, 0, 0.0);
	if (!exact && s.best_sum < 0.9 * target_kg)
		s.n_best = 0;
	memcpy(idx, s.best, s.n_best * sizeof(int));
	*n = s.n_best;
	free(order);
	free(suffix);
	return CAL_OK;
}

struct builder {
	struct cal_plan *plan;
	size_t cap;
	const struct cal_procedure *p;
	const struct cal_instrument *dut;
	enum cal_r76_class cls;
	double factor;
	double unit_si;
	const struct cal_standard *w; /* usable (in date) weights */
	size_t n_w;
	const struct cal_standard *all; /* every weight, to explain refusals */
	size_t n_all;
	const struct cal_date *today;
};

static void fmt_load(char *buf, size_t size, double v, const char *unit)
{
	char num[48];

	/* 9 digits: every load a balance can show, without binary noise */
	cal_num_format_sig(num, sizeof(num), v, 9);
	snprintf(buf, size, "%s %s", num, unit);
}

static struct cal_plan_point *add_point(struct builder *b, enum cal_test_kind test)
{
	struct cal_plan_point *pt;

	if (b->plan->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 32;
		struct cal_plan_point *np = realloc(b->plan->points, ncap * sizeof(*np));

		if (!np)
			return NULL;
		b->plan->points = np;
		b->cap = ncap;
	}
	pt = &b->plan->points[b->plan->n++];
	memset(pt, 0, sizeof(*pt));
	pt->seq = (int)b->plan->n;
	pt->test = test;
	return pt;
}

static int find_index(const struct builder *b, const char *id)
{
	for (size_t i = 0; i < b->n_all; i++) {
		if (strcmp(b->all[i].id, id) == 0)
			return (int)i;
	}
	return -1;
}

/* Choose and check the weights for one load; fill pt->ref, weights, mpe. */
static int assign_weights(struct builder *b, struct cal_plan_point *pt, double load, bool exact)
{
	double mpes[CAL_PLAN_MAX_WEIGHTS];
	double sum_mpe, limit, mpe0, ref_kg = 0;
	bool adequate;
	int idx[CAL_PLAN_MAX_WEIGHTS];
	size_t n;
	char lt[64];
	int err;

	fmt_load(lt, sizeof(lt), load, b->dut->unit);
	err = cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, b->w, b->n_w, load * b->unit_si,
				  exact);
	if (err)
		return err;
	if (n == 0) {
		int idx2[CAL_PLAN_MAX_WEIGHTS];
		size_t n2;

		/* Would an overdue weight have made it? Then name it. */
		cal_weights_compose(idx2, &n2, CAL_PLAN_MAX_WEIGHTS, b->all, b->n_all,
				    load * b->unit_si, exact);
		for (size_t i = 0; i < n2; i++) {
			struct cal_date due;

			if (cal_date_parse(&due, b->all[idx2[i]].due_date) ||
			    cal_date_cmp(&due, b->today) < 0)
				return cal_error_set(CAL_ERR_REFUSED,
						     "weight %s (%s) is past its calibration due "
						     "date %s; it is needed for the load %s",
						     b->all[idx2[i]].id,
						     b->all[idx2[i]].description[0]
							     ? b->all[idx2[i]].description
							     : b->all[idx2[i]].weight_class,
						     b->all[idx2[i]].due_date[0]
							     ? b->all[idx2[i]].due_date
							     : "(none)",
						     lt);
		}
		return cal_error_set(CAL_ERR_REFUSED,
				     "the load %s cannot be made up from the registered weights",
				     lt);
	}
	err = cal_r76_mpe(&mpe0, b->cls, b->dut->e, load);
	if (err)
		return err;
	pt->mpe = mpe0 * b->factor;
	pt->n_weights = n;
	pt->weights_text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct cal_standard *s = &b->w[idx[i]];
		enum cal_r111_class wc;
		double m;

		/* Keep the index into the caller's full array. */
		pt->weights[i] = find_index(b, s->id);
		ref_kg += s->nominal_kg + s->correction_kg;
		if (cal_r111_class_parse(&wc, s->weight_class))
			return cal_error_set(CAL_ERR_REFUSED,
					     "weight %s has no valid OIML R 111 class ('%s')",
					     s->id, s->weight_class);
		err = cal_r111_mpe(&m, wc, s->nominal_kg);
		if (err)
			return cal_error_prefix(CAL_ERR_REFUSED, "weight %s: ", s->id);
		mpes[i] = m / b->unit_si;
		if (i)
			strncat(pt->weights_text, " + ",
				sizeof(pt->weights_text) - strlen(pt->weights_text) - 1);
		strncat(pt->weights_text, s->id,
			sizeof(pt->weights_text) - strlen(pt->weights_text) - 1);
	}
	pt->load = load;
	pt->ref = ref_kg / b->unit_si;
	/* The 1/3 rule is judged against the initial-verification MPE. */
	err = cal_weights_adequate(&adequate, &sum_mpe, &limit, mpes, n, mpe0,
				   b->p->adequacy_ratio);
	if (err)
		return err;
	if (!adequate) {
		char sm[32], lm[32], ratio[32], mp[32];

		cal_num_format_sig(sm, sizeof(sm), sum_mpe, 4);
		cal_num_format_sig(lm, sizeof(lm), limit, 4);
		cal_num_format_sig(ratio, sizeof(ratio), b->p->adequacy_ratio, 4);
		cal_num_format_sig(mp, sizeof(mp), mpe0, 6);
		return cal_error_set(
			CAL_ERR_REFUSED,
			"weights %s for the load %s are not adequate: the sum of their "
			"MPEs, %s %s, exceeds %s %s (%s of the instrument's MPE "
			"%s %s at initial verification)",
			pt->weights_text, lt, sm, b->dut->unit, lm, b->dut->unit, ratio, mp,
			b->dut->unit);
	}
	return CAL_OK;
}

static int resolve_load(double *out, size_t *n_out, struct builder *b,
			const struct cal_load_spec *ls, bool *exact)
{
	struct cal_r76_classification c;
	double cp[2];
	size_t ncp;
	int err;

	*n_out = 1;
	*exact = true;
	switch (ls->kind) {
	case CAL_LOAD_VALUE:
		out[0] = ls->value;
		break;
	case CAL_LOAD_MAX:
		out[0] = b->dut->max;
		break;
	case CAL_LOAD_MIN:
		if (b->dut->min > 0) {
			out[0] = b->dut->min;
			break;
		}
		err = cal_r76_classify(&c, b->cls, b->dut->max * b->unit_si * 1e3,
				       b->dut->e * b->unit_si * 1e3);
		if (err)
			return err;
		out[0] = c.min_load / (b->unit_si * 1e3);
		break;
	case CAL_LOAD_HALF_MAX:
		out[0] = b->dut->max / 2;
		*exact = false;
		break;
	case CAL_LOAD_THIRD_MAX:
		out[0] = b->dut->max / 3;
		*exact = false;
		break;
	case CAL_LOAD_MPE_CHANGE:
		err = cal_r76_mpe_change_points(cp, &ncp, b->cls);
		if (err)
			return err;
		*n_out = 0;
		for (size_t i = 0; i < ncp; i++) {
			double l = cp[i] * b->dut->e;

			if (l < b->dut->max * (1 - 1e-9))
				out[(*n_out)++] = l;
		}
		break;
	}
	return CAL_OK;
}

/* @v rounded to 12 significant digits: sums of nominal values without binary noise. */
static double round_sig12(double v)
{
	double p;
	int k;

	if (v == 0 || !isfinite(v))
		return v;
	k = (int)floor(log10(fabs(v))) - 11;
	if (k >= 0)
		return v;
	p = pow(10, -k);
	return round(v * p) / p;
}

/*
 * An "about" load (½ Max, ⅓ Max) is what the weights can make: the largest
 * sum of nominal values not above the target. The point's load becomes that
 * sum, so the instruction, the MPE and the adequacy check are for the load
 * actually placed. When nothing fits, the load is left as asked and
 * assign_weights() explains the refusal.
 */
static int settle_load(struct builder *b, double *load, bool *exact)
{
	int idx[CAL_PLAN_MAX_WEIGHTS];
	double sum_kg = 0;
	size_t n;
	int err;

	if (*exact)
		return CAL_OK;
	err = cal_weights_compose(idx, &n, CAL_PLAN_MAX_WEIGHTS, b->w, b->n_w, *load * b->unit_si,
				  false);
	if (err || n == 0)
		return err;
	for (size_t i = 0; i < n; i++)
		sum_kg += b->w[idx[i]].nominal_kg;
	*load = round_sig12(sum_kg / b->unit_si);
	*exact = true;
	return CAL_OK;
}

static int plan_weighing(struct builder *b, const struct cal_test_spec *t)
{
	double loads[CAL_PROC_MAX_LOADS * 2];
	bool exact_of[CAL_PROC_MAX_LOADS * 2];
	size_t n = 0, k = 0;
	struct cal_plan_point *pt;
	int err;

	for (size_t i = 0; i < t->n_loads; i++) {
		double l[2];
		size_t nl;
		bool exact;

		err = resolve_load(l, &nl, b, &t->loads[i], &exact);
		if (err)
			return err;
		for (size_t j = 0; j < nl; j++) {
			if (!(l[j] > 0) || l[j] > b->dut->max * (1 + 1e-9)) {
				char lt[64];

				fmt_load(lt, sizeof(lt), l[j], b->dut->unit);
				return cal_error_set(CAL_ERR_CONFIG,
						     "%s:%d: load %s is outside 0..Max of the "
						     "instrument",
						     b->p->path, t->line, lt);
			}
			loads[n] = l[j];
			exact_of[n] = exact;
			err = settle_load(b, &loads[n], &exact_of[n]);
			if (err)
				return err;
			n++;
		}
	}
	if (n == 0) {
		char me[64];

		fmt_load(me, sizeof(me), b->dut->max, b->dut->unit);
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: the weighing test has no load below Max %s of "
				     "instrument %s",
				     b->p->path, t->line, me, b->dut->id);
	}
	/* Ascending and without duplicates (insertion sort of pairs: n <= 32). */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && loads[j] < loads[j - 1]; j--) {
			double tl = loads[j];
			bool te = exact_of[j];

			loads[j] = loads[j - 1];
			exact_of[j] = exact_of[j - 1];
			loads[j - 1] = tl;
			exact_of[j - 1] = te;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (k && fabs(loads[i] - loads[k - 1]) <= 1e-9 * loads[i])
			continue;
		loads[k] = loads[i];
		exact_of[k++] = exact_of[i];
	}
	n = k;
	for (size_t i = 0; i < n; i++) {
		pt = add_point(b, CAL_TEST_WEIGHING);
		if (!pt)
			return CAL_ERR_NOMEM;
		snprintf(pt->label, sizeof(pt->label), "up %zu", i + 1);
		err = assign_weights(b, pt, loads[i], exact_of[i]);
		if (err)
			return err;
	}
	if (t->up_down) {
		for (size_t i = n - 1; i-- > 0;) {
			pt = add_point(b, CAL_TEST_WEIGHING);
			if (!pt)
				return CAL_ERR_NOMEM;
			snprintf(pt->label, sizeof(pt->label), "down %zu", n - 1 - i);
			err = assign_weights(b, pt, loads[i], exact_of[i]);
			if (err)
				return err;
		}
	}
	return CAL_OK;
}

static int plan_single_load(struct builder *b, const struct cal_test_spec *t)
{
	double l[2];
	size_t nl;
	bool exact;
	struct cal_plan_point *pt;
	int err;

	err = resolve_load(l, &nl, b, &t->load, &exact);
	if (err)
		return err;
	if (nl != 1 || !(l[0] > 0) || l[0] > b->dut->max * (1 + 1e-9))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: the test load is outside 0..Max",
				     b->p->path, t->line);
	err = settle_load(b, &l[0], &exact);
	if (err)
		return err;
	if (t->kind == CAL_TEST_ECCENTRICITY) {
		for (size_t i = 0; i < t->n_positions; i++) {
			pt = add_point(b, CAL_TEST_ECCENTRICITY);
			if (!pt)
				return CAL_ERR_NOMEM;
			snprintf(pt->position, sizeof(pt->position), "%s", t->positions[i]);
			snprintf(pt->label, sizeof(pt->label), "position %zu (%s)", i + 1,
				 t->positions[i]);
			err = assign_weights(b, pt, l[0], exact);
			if (err)
				return err;
		}
		return CAL_OK;
	}
	for (int i = 0; i < t->readings; i++) {
		pt = add_point(b, CAL_TEST_REPEATABILITY);
		if (!pt)
			return CAL_ERR_NOMEM;
		snprintf(pt->label, sizeof(pt->label), "#%d", i + 1);
		err = assign_weights(b, pt, l[0], exact);
		if (err)
			return err;
	}
	pt = add_point(b, CAL_TEST_REPEATABILITY);
	if (!pt)
		return CAL_ERR_NOMEM;
	/* The range of the series, judged against |MPE| of the load. */
	*pt = b->plan->points[b->plan->n - 2];
	pt->seq = (int)b->plan->n;
	pt->summary = true;
	snprintf(pt->label, sizeof(pt->label), "range of %d", t->readings);
	return CAL_OK;
}

int cal_plan_build(struct cal_plan *out, const struct cal_procedure *p,
		   const struct cal_instrument *dut, const char *mode,
		   const struct cal_standard *weights, size_t n_weights,
		   const struct cal_date *today)
{
	struct builder b;
	struct cal_standard *usable = NULL;
	struct cal_plan_point *pt;
	enum cal_unit u;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	if (cal_r76_class_parse(&b.cls, dut->accuracy_class))
		return cal_error_set(CAL_ERR_CONFIG,
				     "instrument %s: accuracy class '%s' is not an OIML R 76 class "
				     "(I, II, III, IIII)",
				     dut->id, dut->accuracy_class);
	if (!(dut->e > 0) || !(dut->max > 0) || dut->max < dut->e)
		return cal_error_set(
			CAL_ERR_CONFIG,
			"instrument %s: Max and e must be positive numbers (Max %g, e %g)", dut->id,
			dut->max, dut->e);
	if (cal_unit_parse(&u, dut->unit) || cal_unit_quantity(u) != CAL_Q_MASS)
		return cal_error_set(CAL_ERR_CONFIG, "instrument %s: '%s' is not a unit of mass",
				     dut->id, dut->unit);
	{
		double g = cal_unit_si_factor(u) * 1e3;

		/* A verification of marked data R 76 does not allow means nothing. */
		if (cal_r76_check_instrument(b.cls, dut->max * g, dut->min * g, dut->e * g,
					     dut->d * g))
			return cal_error_prefix(CAL_ERR_CONFIG, "instrument %s: ", dut->id);
	}
	err = cal_procedure_mpe_factor(&b.factor, p, mode);
	if (err)
		return err;
	b.plan = out;
	b.p = p;
	b.dut = dut;
	b.unit_si = cal_unit_si_factor(u);
	b.all = weights;
	b.n_all = n_weights;
	b.today = today;
	out->unit_si = b.unit_si;
	snprintf(out->unit, sizeof(out->unit), "%s", dut->unit);
	/*
	 * Usable weights are those in date. They are copied so compose() sees
	 * only them; plan points refer to the caller's array (mapped by id).
	 */
	usable = calloc(n_weights ? n_weights : 1, sizeof(*usable));
	if (!usable)
		return CAL_ERR_NOMEM;
	for (size_t i = 0; i < n_weights; i++) {
		struct cal_date due;

		if (strcmp(weights[i].kind, "weight") != 0)
			continue;
		if (cal_date_parse(&due, weights[i].due_date) || cal_date_cmp(&due, today) < 0)
			continue;
		usable[b.n_w++] = weights[i];
	}
	b.w = usable;
	for (size_t t = 0; t < p->n_tests && !err; t++) {
		const struct cal_test_spec *ts = &p->tests[t];

		switch (ts->kind) {
		case CAL_TEST_ZERO:
			pt = add_point(&b, CAL_TEST_ZERO);
			if (!pt) {
				err = CAL_ERR_NOMEM;
				break;
			}
			snprintf(pt->label, sizeof(pt->label), "zero");
			pt->mpe = ts->limit_e * dut->e;
			break;
		case CAL_TEST_WEIGHING:
			err = plan_weighing(&b, ts);
			break;
		case CAL_TEST_ECCENTRICITY:
		case CAL_TEST_REPEATABILITY:
			err = plan_single_load(&b, ts);
			break;
		case CAL_TEST_PRESSURE:
		case CAL_TEST_HYSTERESIS:
		case CAL_TEST_CALIBRATION:
			err = cal_error_set(CAL_ERR_CONFIG, "a pressure test in a weighing plan");
			break;
		}
	}
	free(usable);
	if (err)
		cal_plan_free(out);
	return err;
}

void cal_plan_free(struct cal_plan *plan)
{
	if (!plan)
		return;
	free(plan->points);
	plan->points = NULL;
	plan->n = 0;
}
