/*
 * Metrology core: maximum permissible errors, weight adequacy, GUM
 * uncertainty budgets, rounding of U and conformity decision rules.
 *
 * Every function here is pure: no I/O, no logging, no state between calls.
 * The only side effect is the per-thread message of cal_error_set() when an
 * argument is rejected. Fallible functions return CAL_OK or CAL_ERR_ARG and
 * write their results through the out-params that come first; on error the
 * out-params are left unspecified.
 *
 * Units: unless a prototype says otherwise, a function is unit-agnostic and
 * returns its result in the unit of its inputs (e.g. load and e in g -> MPE
 * in g). Source clauses are those of /work/shared/reference/domain.md and the
 * documents it cites; [K] marks values not verified against the source text.
 */
#ifndef CAL_METROLOGY_H
#define CAL_METROLOGY_H

#include <stdbool.h>
#include <stddef.h>

/* ---- OIML R 76-1:2006, non-automatic weighing instruments ---------------- */

/* OIML R 76 accuracy classes */
enum cal_r76_class { CAL_R76_I = 1, CAL_R76_II = 2, CAL_R76_III = 3, CAL_R76_IIII = 4 };

/*
 * Parse "I", "II", "III", "IIII" (ASCII case-insensitive) or "1".."4".
 * CAL_ERR_ARG with a message for anything else (including "IV" and NULL).
 */
int cal_r76_class_parse(enum cal_r76_class *out, const char *s);

/* "I", "II", "III" or "IIII"; "?" for a value outside the enum. */
const char *cal_r76_class_name(enum cal_r76_class c);

/*
 * MPE on initial verification for a load, R 76-1 Table 6 (§3.5.1).
 * @e and @load in the same unit, *out (the ± half-width, > 0) in that unit.
 * m = |load|/e is NOT rounded; band upper bounds are inclusive, compared with
 * a relative tolerance of 1e-9 so that float noise (0.2 kg / 1 mg) cannot flip
 * a band. Loads above the last band (m > n_max of the class) keep ±1.5 e.
 * CAL_ERR_ARG: unknown class, e not finite or <= 0, load not finite.
 */
int cal_r76_mpe(double *out, enum cal_r76_class cls, double e, double load);

/*
 * MPE in service = 2 x MPE on initial verification (R 76-1 §3.5.2).
 * Same units and errors as cal_r76_mpe().
 */
int cal_r76_mpe_in_service(double *out, enum cal_r76_class cls, double e, double load);

/*
 * The loads (in e units) where the MPE band changes for this class, ascending
 * (R 76-1 Table 6), e.g. III -> {500, 2000}; *n gets the count (0..2).
 */
int cal_r76_mpe_change_points(double out[2], size_t *n, enum cal_r76_class cls);

struct cal_r76_classification {
	double n;	 /* Max/e, not rounded */
	double n_min;	 /* Table 3 lower limit of n */
	double n_max;	 /* Table 3 upper limit of n, 0 = no limit */
	double min_load; /* in e's unit (g), the Min (lower limit) = k*e */
	bool e_ok;	 /* e within the class range and of the form 1, 2 or 5 x 10^k */
	bool n_ok;	 /* n_min <= n <= n_max */
};

/*
 * Check R 76-1 Table 3 (domain.md §1.1): e range for the class, the form
 * 1/2/5 x 10^k of e (§3.4.2 [K]), n = max/e within [n_min, n_max], and the
 * Min. @max_g and @e_g in grams; min_load in grams. Limits are compared with
 * a relative tolerance of 1e-9. Sets a message naming the violated rule when
 * !e_ok or !n_ok. Returns CAL_OK when the arguments are valid (even if e_ok
 * or n_ok are false); CAL_ERR_ARG for an unknown class or a value that is not
 * finite and > 0.
 */
int cal_r76_classify(struct cal_r76_classification *out, enum cal_r76_class cls, double max_g,
		     double e_g);

/*
 * Are the marked data of an instrument consistent with R 76-1 (domain.md
 * §1.1)? Table 3 (e range and form, n = Max/e), d of the form 1/2/5 x 10^k
 * and d <= e, d < e only for classes I and II with e = 10^k kg and e <= 10 d,
 * and Min not below the Table 3 lower limit. All in grams; d_g = 0 and
 * min_g = 0 mean "not given" and are not checked. Returns CAL_OK, or
 * CAL_ERR_ARG with a message naming the first rule broken.
 */
int cal_r76_check_instrument(enum cal_r76_class cls, double max_g, double min_g, double e_g,
			     double d_g);

/* ---- OIML R 111-1:2004, weights ------------------------------------------ */

/* OIML R 111 weight classes, best first */
enum cal_r111_class {
	CAL_R111_E1 = 1,
	CAL_R111_E2,
	CAL_R111_F1,
	CAL_R111_F2,
	CAL_R111_M1,
	CAL_R111_M1_2,
	CAL_R111_M2,
	CAL_R111_M2_3,
	CAL_R111_M3
};

/* Parse "E1".."M3", "M1-2", "M2-3" (ASCII case-insensitive); CAL_ERR_ARG otherwise. */
int cal_r111_class_parse(enum cal_r111_class *out, const char *s);

/* "E1" ... "M3", "M1-2", "M2-3"; "?" for a value outside the enum. */
const char *cal_r111_class_name(enum cal_r111_class c);

/*
 * MPE (±) of a weight of nominal value @nominal_kg, in kg (R 111-1 Table 1).
 * Only the 1-2-5 series nominal values from 1 mg to 5000 kg are valid
 * (matched with a relative tolerance of 1e-9); anything else, and a class
 * with no value for that nominal (E1 above 50 kg, M1-2 below 50 kg, M3 below
 * 1 g...), is CAL_ERR_ARG with a message.
 */
int cal_r111_mpe(double *out_kg, enum cal_r111_class cls, double nominal_kg);

/*
 * Does a calibrated weight conform to its class (domain.md §1.5)? The nominal
 * value must be in the R 111 series for the class, its expanded uncertainty
 * U <= MPE/3 (R 111-1 §5.2) and its correction (conventional mass - nominal)
 * within +-(MPE - U) (R 111-1 §5.3). All in kg. CAL_OK or CAL_ERR_ARG with
 * a message naming the rule.
 */
int cal_r111_check_weight(enum cal_r111_class cls, double nominal_kg, double correction_kg,
			  double u_kg);

/*
 * The "1/3 rule" (R 76-1 §3.7.1, domain.md §1.6): the standard is adequate
 * when sum(weight_mpes) <= ratio * mpe_instr (relative tolerance 1e-9).
 * All values in one unit. @ratio is 1.0/3.0 for R 76. n == 0 (no weights, e.g.
 * the zero point) gives a sum of 0. @sum_mpe and @limit may be NULL.
 * CAL_ERR_ARG: a weight MPE not finite or < 0, mpe_instr or ratio not finite
 * and > 0, weight_mpes NULL with n > 0.
 */
int cal_weights_adequate(bool *adequate, double *sum_mpe, double *limit, const double *weight_mpes,
			 size_t n, double mpe_instr, double ratio);

/* ---- GUM, JCGM 100:2008 ---------------------------------------------------- */

/* Arithmetic mean q̄ = (1/n) Σ q_k (GUM 4.2.1); NAN when n == 0 or x is NULL. */
double cal_gum_mean(const double *x, size_t n);

/*
 * Experimental standard deviation s(q_k), n - 1 denominator (GUM 4.2.2).
 * Unit of x. CAL_ERR_ARG when n < 2 or a reading is not finite.
 */
int cal_gum_stddev(double *out, const double *x, size_t n);

/* Type A: u = s(q_k)/sqrt(n), nu = n - 1 (GUM 4.2.3, G.3.3). Unit of x; nu may be NULL. */
int cal_gum_type_a(double *u, double *nu, const double *x, size_t n);

/* Type B, rectangular of half-width a: a/sqrt(3) (GUM 4.3.7). NAN if a < 0 or not finite. */
double cal_gum_rectangular(double half_width);

/* Type B, triangular of half-width a: a/sqrt(6) (GUM 4.3.9). NAN if a < 0 or not finite. */
double cal_gum_triangular(double half_width);

/* Resolution delta of a digital indication: delta/sqrt(12) (GUM F.2.2.1). NAN if delta < 0. */
double cal_gum_resolution(double delta);

/* Type B from a certificate: U/k (GUM 4.3.3). NAN if U < 0, k <= 0 or either not finite. */
double cal_gum_from_expanded(double U, double k);

struct cal_gum_component {
	const char *name; /* for messages; may be NULL */
	double u;	  /* standard uncertainty, >= 0 */
	double c;	  /* sensitivity coefficient */
	double nu;	  /* degrees of freedom, > 0; INFINITY for well-known Type B */
};

struct cal_gum_result {
	double u_c;    /* combined standard uncertainty, unit of c*u */
	double nu_eff; /* Welch-Satterthwaite; INFINITY when all nu are infinite */
	double k;      /* t_95.45(nu_eff), GUM Table G.2 */
	double U;      /* k * u_c */
};

/*
 * Combined standard uncertainty for uncorrelated inputs u_c² = Σ c_i² u_i²
 * (GUM 5.1.2), Welch-Satterthwaite nu_eff = u_c⁴ / Σ (c_i u_i)⁴/nu_i (G.4.1,
 * G.2b), k = cal_gum_k95(nu_eff), U = k u_c (6.2.1).
 * CAL_ERR_ARG: n == 0, c NULL, a u < 0 or not finite, c not finite, nu NaN or
 * <= 0, u_c == 0, or nu_eff < 1.
 */
int cal_gum_combine(struct cal_gum_result *out, const struct cal_gum_component *c, size_t n);

/*
 * Coverage factor t_p(nu) for p = 95.45 % (GUM Table G.2, domain.md §7.2).
 * nu is truncated to the next LOWER tabulated value (1..20, 25, 30, 35, 40,
 * 45, 50, 100), after a relative tolerance of 1e-9 so that 19.9999999999
 * counts as 20; INFINITY gives 2.000. CAL_ERR_ARG: nu NaN or < 1.
 */
int cal_gum_k95(double *out, double nu);

/*
 * Round @value half-up (away from zero) to @sig significant digits (1..10;
 * 2 for certificates, GUM 7.2.6, ILAC-P14 §5). Writes the text ("0.16", C
 * locale '.', no exponent) into buf, the rounded value into *rounded and its
 * number of decimals (never negative: 1234 -> "1200", 0) into *decimals, so a
 * result can be rounded to the same decimal place. A carry may add a digit
 * before the point: 0.0996 -> "0.10" (decimals 2). The value is first
 * rounded to 12 significant digits, so that binary noise such as
 * 0.16499999999999998 still rounds half-up to 0.17. rounded and decimals may
 * be NULL. CAL_ERR_ARG: value 0 or not finite, sig out of range, buf NULL or
 * too small.
 */
int cal_round_sig(char *buf, size_t size, double *rounded, int *decimals, double value, int sig);

/* ---- ILAC-G8:09/2019 decision rules (domain.md §6.3) ----------------------- */

enum cal_decision_rule { CAL_RULE_SIMPLE = 1, CAL_RULE_GUARD_BAND = 2, CAL_RULE_NON_BINARY = 3 };
enum cal_verdict {
	CAL_VERDICT_PASS = 1,
	CAL_VERDICT_CONDITIONAL_PASS = 2,
	CAL_VERDICT_CONDITIONAL_FAIL = 3,
	CAL_VERDICT_FAIL = 4
};

/* Parse "simple", "guard-band", "non-binary" (ASCII case-insensitive). */
int cal_decision_rule_parse(enum cal_decision_rule *out, const char *s);

/* "simple", "guard-band", "non-binary"; "?" for a value outside the enum. */
const char *cal_decision_rule_name(enum cal_decision_rule r);

/* "PASS", "CONDITIONAL PASS", "CONDITIONAL FAIL", "FAIL"; "?" otherwise. */
const char *cal_verdict_name(enum cal_verdict v);

/*
 * Conformity of an error E against a symmetric tolerance ±T (ILAC-G8 §4.2).
 * E, U, T, w in one unit. U >= 0 (expanded uncertainty), T > 0, guard band
 * w >= 0 (used by GUARD_BAND and NON_BINARY; pass w = U for the usual w = U).
 *   simple     (§4.2.1): |E| <= T pass, else fail;
 *   guard band (§4.2.2): |E| <= T - w pass, else fail (never pass if w >= T);
 *   non-binary (§4.2.3): |E| <= T - w pass; <= T conditional pass;
 *                        <= T + w conditional fail; else fail.
 * Limits are compared with a tolerance of 1e-9*T, so a value exactly at a
 * limit is inside. CAL_ERR_ARG: unknown rule or an argument out of range.
 */
int cal_decide(enum cal_verdict *out, enum cal_decision_rule rule, double E, double U, double T,
	       double w);

/* ---- Pressure gauges: EN 837-1, DKD-R 6-1, digital gauges (domain.md §3) --- */

/*
 * Parse an EN 837-1 accuracy class ("0.1", "0.25", "0.6", "1", "1.0", "1.6",
 * "2.5", "4"; Table 11). *out is the class number (= % of span).
 * CAL_ERR_ARG, with a message listing the classes, for anything else.
 */
int cal_en837_class_parse(double *out, const char *s);

/*
 * MPE of a Bourdon-tube gauge: class/100 × span, the same over the whole
 * scale (EN 837-1 Table 11). Span = upper - lower, in the scale's unit; the
 * result is in that unit (T13: class 1.6, 0..10 bar -> 0.16 bar; T14:
 * class 1, -1..+5 bar -> 0.06 bar). CAL_ERR_ARG: class not in Table 11,
 * upper <= lower, a value not finite.
 */
int cal_en837_mpe(double *out, double cls, double lower, double upper);

/*
 * Least number of test points, each taken with increasing and decreasing
 * pressure: 10 for classes 0.1 to 0.6, 5 for classes 1 to 4 (T15).
 */
int cal_en837_min_points(int *out, double cls);

/*
 * n test points evenly over the scale, lower and upper included:
 * out[i] = lower + i × span/(n - 1), rounded to 12 significant digits so that
 * 0..10 bar in 5 points reads 0, 2.5, 5, 7.5, 10. CAL_ERR_ARG: n < 2.
 */
int cal_en837_points(double *out, size_t n, double lower, double upper);

/* DKD-R 6-1:2014 calibration sequences, chosen by accuracy class (§3.2). */
struct cal_dkd_sequence {
	char name;    /* 'A', 'B' or 'C' */
	int points;   /* test points, zero excluded: 9, 9, 5 */
	int preloads; /* pre-loadings to the upper limit: 3, 2, 1 */
	int series;   /* measurement series M1↑ M2↓ ...: 4, 3, 2 */
};

/*
 * Sequence for an accuracy of @class_pct % of full scale: A below 0.1, B from
 * 0.1 to 0.6, C above 0.6. CAL_ERR_ARG: class_pct <= 0 or not finite.
 */
int cal_dkd_sequence_for(struct cal_dkd_sequence *out, double class_pct);

/*
 * MPE of a digital gauge or transmitter given as a·|p| + b·span + n·digit
 * (domain.md §3.3); a and b are fractions (0.0005 for 0.05 %), n a count of
 * the last digit @resolution. Any term may be 0; the sum must be > 0.
 * CAL_ERR_ARG: a negative term, span <= 0, or every term 0.
 */
int cal_digital_mpe(double *out, double a_reading, double b_span, double n_digits, double p,
		    double span, double resolution);

/*
 * 4-20 mA transmitter: expected current I = 4 + 16 (p - lrv)/(urv - lrv) mA,
 * and the error of a measured current in % of span, (I - I_exp)/16 × 100.
 * CAL_ERR_ARG: urv <= lrv or a value not finite.
 */
int cal_transmitter_expected_ma(double *out, double p, double lrv, double urv);
int cal_transmitter_error_pct(double *out, double i_ma, double p, double lrv, double urv);

/*
 * Adequacy of a pressure reference: its limit (MPE, or U for a calibrated
 * standard) must not exceed 1/4 of the gauge's MPE (EN 837 practice;
 * domain.md §3.1 [K]: the ratio is a procedure parameter, @ratio = 4 here).
 * *adequate is set; CAL_ERR_ARG when a value is negative or ratio <= 0.
 */
int cal_reference_adequate(bool *adequate, double ref_limit, double gauge_mpe, double ratio);

/*
 * One test point of a gauge verification: the reference and the indication
 * going up and, when the sequence has one, going down (same unit).
 */
struct cal_gauge_point {
	double ref_up, ind_up;
	bool has_down;
	double ref_down, ind_down;
};

struct cal_gauge_eval {
	double error_up;   /* ind_up - ref_up */
	double error_down; /* ind_down - ref_down; 0 without a down reading */
	double hysteresis; /* |error_down - error_up| (= |down - up| at one reference) */
	double mean_error; /* mean of the errors up and down (up alone without down) */
	bool pass;	   /* |E up|, |E down| <= MPE and hysteresis <= MPE */
	char reason[128];  /* why not, "" on pass */
};

/*
 * Judge one point against the gauge's MPE (EN 837-1: error up and down within
 * the MPE, hysteresis within the MPE; domain.md §3.1). Limits are compared
 * with a tolerance of 1e-9 × MPE, so an error exactly at the limit passes.
 * CAL_ERR_ARG: mpe <= 0 or a value not finite.
 */
int cal_en837_evaluate(struct cal_gauge_eval *out, const struct cal_gauge_point *p, double mpe);

/* Terms of a pressure uncertainty budget (DKD-R 6-1; domain.md §3.4, §3.5). */
#define CAL_PB_REFERENCE 0x1u	  /* U/k of the reference */
#define CAL_PB_RESOLUTION 0x2u	  /* delta/sqrt(12) of the indication */
#define CAL_PB_HYSTERESIS 0x4u	  /* h/sqrt(12), h the full width up-down */
#define CAL_PB_REPEATABILITY 0x8u /* Type A of the readings, nu = n - 1 */

/* "reference", "resolution", "hysteresis", "repeatability", comma-separated. */
int cal_pressure_budget_terms_parse(unsigned *out, const char *s);

struct cal_pressure_budget_in {
	double p_ref;		/* reference value at the point */
	double ref_U, ref_k;	/* the reference's expanded uncertainty and its k */
	double resolution;	/* delta, the last digit or the reading step */
	double hysteresis;	/* full width h */
	const double *readings; /* indications at the point, every series */
	size_t n;
	unsigned terms; /* CAL_PB_* */
};

struct cal_pressure_budget {
	double mean;  /* mean indication */
	double error; /* mean - p_ref */
	double u_ref, u_res, u_hyst, u_rep;
	double nu_rep;		   /* n - 1 when repeatability is a term */
	struct cal_gum_result gum; /* u_c, nu_eff, k, U */
};

/*
 * The budget of one calibration point, all sensitivity coefficients 1
 * (E = I - p_ref): T17 (reference, resolution, repeatability of 3 readings:
 * U = 0.0031 bar, k = 2.25) and T18 (reference, resolution, hysteresis:
 * U = 0.041 bar, k = 2). CAL_ERR_ARG: no readings, no term, repeatability
 * with fewer than 2 readings, ref_k <= 0 or a negative width.
 */
int cal_pressure_budget(struct cal_pressure_budget *out, const struct cal_pressure_budget_in *in);

#endif
