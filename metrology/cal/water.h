/*
 * Flow and volume metrology: water meters (OIML R 49 / ISO 4064, and the
 * Qn-rated classes A-D of ISO 4064-1:1993 that ĐLVN 17:2017 still covers),
 * the reference volume of a test rig (master meter, gravimetric with the
 * Tanaka water density), fuel dispensers (OIML R 117 / MID MI-005) and the
 * uncertainty budget of a flow-meter calibration point.
 *
 * Pure functions as in cal/metrology.h: no I/O, out-params first, CAL_OK or a
 * negative CAL_ERR_* code with a message from cal_error_set():
 *   CAL_ERR_ARG          a malformed argument (not finite, <= 0, unknown class);
 *   CAL_ERR_RANGE        a valid number outside the range the rule covers
 *                        (a flow below Q1 or above Q4, a temperature outside
 *                        the density formula's range);
 *   CAL_ERR_UNSUPPORTED  a case for which domain.md gives no data, so that no
 *                        value is invented (class D with Qn >= 15 m³/h...).
 * Sources are the sections of /work/shared/reference/domain.md with their tags:
 * [V] verified, [V2] secondary source, [K] known but not re-read, [U] uncertain.
 * Every [K], [V2] and [U] number that a procedure may need to change is a field
 * of a rules struct with the domain.md value as its default.
 */
#ifndef CAL_WATER_H
#define CAL_WATER_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/metrology.h"

/* ---- Water meters: OIML R 49 / ISO 4064 (domain.md §2) -------------------- */

/* Accuracy classes: 1 and 2 (R 49), A-D (ISO 4064-1:1993, Qn-rated). */
enum cal_wm_class {
	CAL_WM_CLASS_1 = 1,
	CAL_WM_CLASS_2 = 2,
	CAL_WM_CLASS_A = 3,
	CAL_WM_CLASS_B = 4,
	CAL_WM_CLASS_C = 5,
	CAL_WM_CLASS_D = 6
};

/* Parse "1", "2", "A".."D" (ASCII case-insensitive); CAL_ERR_ARG otherwise. */
int cal_wm_class_parse(enum cal_wm_class *out, const char *s);

/* "1", "2", "A".."D"; "?" for a value outside the enum. */
const char *cal_wm_class_name(enum cal_wm_class c);

/* The flow zones of §2.2: lower Q1 <= Q < Q2, upper Q2 <= Q <= Q4. */
enum cal_wm_zone { CAL_WM_ZONE_LOWER = 1, CAL_WM_ZONE_UPPER = 2 };

/* The three verification points (§2.3): Q1, Q2, Q3 (Qmin, Qt, Qn for A-D). */
enum cal_wm_point { CAL_WM_POINT_Q1 = 0, CAL_WM_POINT_Q2 = 1, CAL_WM_POINT_Q3 = 2 };

/* A test flow window as fractions of the point's nominal flow rate. */
struct cal_wm_window {
	double lo, hi;
};

/*
 * The rules a water-meter procedure may change. cal_wm_rules_default() fills
 * in the domain.md values; every function taking rules uses the defaults
 * when it gets NULL. Percentages are of the reference volume.
 */
struct cal_wm_rules {
	/* §2.2 MPE in %, index 0 = class 1, 1 = class 2 */
	double mpe_lower[2]; /* Q1 <= Q < Q2, any temperature: 3 [K R 49-1 §4.2], 5 [V S9, S10] */
	double mpe_upper[2]; /* Q2 <= Q <= Q4, water <= t_hot_c: 1 [K], 2 [V S9, S10] */
	double mpe_upper_hot[2]; /* Q2 <= Q <= Q4, water > t_hot_c: 2 [K], 3 [V S9, S10] */
	double t_hot_c;		 /* 30 °C; "<= 30" is cold, "> 30" hot [V S9, S10] */
	/* §2.2 classes A-D, cold water only: 5 (Qmin <= Q < Qt), 2 (Qt <= Q <= Qmax) [V2 S14] */
	double mpe_lower_old, mpe_upper_old;
	/*
	 * Qmax/Qn of a class A-D meter. domain.md gives none, so the default is
	 * 0, "not given": Qmax is then unknown and a flow above Qn is
	 * CAL_ERR_UNSUPPORTED. (ISO 4064-1:1993 is commonly read as Qmax = 2 Qn;
	 * set 2 once the centre has confirmed it.) [U]
	 */
	double qmax_qn;
	/* §2.3 windows for Q1, Q2, Q3: [1, 1.1], [1, 1.1], [0.9, 1] [K ISO 4064-2] */
	struct cal_wm_window window[3];
	/* §2.3 V_min = max(vmin_intervals * d, volume in vmin_seconds): 200, 90 [V2 S14, U] */
	double vmin_intervals, vmin_seconds;
	/*
	 * §2.3 the reference volume's U may be at most MPE / rig_ratio: 3 at
	 * verification (5 for type evaluation) [K R 49-2]; for
	 * cal_reference_adequate().
	 */
	double rig_ratio;
	/* §2.1 allowed R = Q3/Q1: NULL = 40, 50, 63 ... 1000 (R10) [K R 49-1:2013 §4.1.3] */
	const double *r_series;
	size_t n_r_series;
};

/* The domain.md values above. */
void cal_wm_rules_default(struct cal_wm_rules *out);

/*
 * A meter's rated flows. For classes 1 and 2: Q1..Q4; for A-D: Qmin, Qt, Qn
 * and Qmax (0 when not known, see qmax_qn). One unit throughout, that of the
 * Q3 or Qn given (m³/h for Qn).
 */
struct cal_wm_meter {
	enum cal_wm_class cls;
	double q1, q2, q3, q4;
};

/*
 * Class 1 or 2 meter from Q3 and R (§2.1): Q1 = Q3/R [V2 S14], Q2 = 1.6 Q1
 * [V S12], Q4 = 1.25 Q3 [V S10], each rounded to 12 significant digits.
 * Q3 in any flow unit. T9: Q3 2.5 m³/h, R 100 -> Q1 0.025, Q2 0.040,
 * Q4 3.125 m³/h. CAL_ERR_ARG: class not 1 or 2; Q3 not finite and > 0; R not
 * in rules->r_series (relative tolerance 1e-9; the message lists the series).
 */
int cal_wm_meter_r49(struct cal_wm_meter *out, enum cal_wm_class cls, double q3, double r,
		     const struct cal_wm_rules *rules);

/*
 * Class A-D meter from Qn in m³/h (§2.1 table, [V2 S14; K ISO 4064-1:1993
 * Table 1]): Qmin and Qt as fractions of Qn, one column for Qn < 15 m³/h and
 * one for Qn >= 15; Qmax = rules->qmax_qn * Qn, or 0 when qmax_qn is 0.
 * Class B, Qn 1.5 -> Qmin 0.03, Qt 0.12 m³/h. CAL_ERR_ARG: class not A-D,
 * Qn not finite and > 0. CAL_ERR_UNSUPPORTED: class D with Qn >= 15 m³/h
 * (the table has no value).
 */
int cal_wm_meter_qn(struct cal_wm_meter *out, enum cal_wm_class cls, double qn_m3h,
		    const struct cal_wm_rules *rules);

/*
 * MPE in % of a flow rate Q at water temperature @t_c (°C), and its zone
 * (@zone may be NULL), §2.2: lower zone Q1 <= Q < Q2, upper zone
 * Q2 <= Q <= Q4, Q2 itself upper [V S9]; limits with a relative tolerance of
 * 1e-9. Class 2: 5 % lower; 2 % upper at <= 30 °C, 3 % above (T10: Q = Q2,
 * 20 °C -> 2 %; T12: upper zone, 40 °C -> 3 %; 30 °C exactly -> 2 %).
 * Class 1: 3 % lower, 1 % upper, 2 % upper above 30 °C. A-D: 5 % / 2 %.
 * Q in the unit of @m. CAL_ERR_ARG: a malformed meter or rules, Q or t not
 * finite, t outside 0..100 °C (not liquid water). CAL_ERR_RANGE: Q < Q1 or
 * Q > Q4. CAL_ERR_UNSUPPORTED: a class A-D meter above t_hot_c (domain.md
 * gives its MPE for cold water only) or above Qn with Qmax unknown.
 */
int cal_wm_mpe(double *mpe_pct, enum cal_wm_zone *zone, const struct cal_wm_meter *m, double q,
	       double t_c, const struct cal_wm_rules *rules);

/*
 * The test flow window of a verification point (§2.3): [lo, hi] =
 * rules->window[p] x the point's nominal rate (Q1, Q2 or Q3), rounded to 12
 * significant digits. T9's meter: Q1 [0.025, 0.0275], Q2 [0.04, 0.044],
 * Q3 [2.25, 2.5] m³/h. When @inside is not NULL it tells whether the flow
 * rate @q lies in the window, limits included (relative tolerance 1e-9);
 * otherwise @q is not read. CAL_ERR_ARG: unknown point, a malformed meter or
 * rules, q not finite.
 */
int cal_wm_window(double *lo, double *hi, bool *inside, const struct cal_wm_meter *m,
		  enum cal_wm_point p, double q, const struct cal_wm_rules *rules);

/*
 * Least test volume (§2.3 [V2 S14, U]): V_min = max(vmin_intervals x d,
 * q x vmin_seconds / 3600), @d the meter's verification scale interval in a
 * volume unit, @q_per_h the test flow rate in that unit per hour; V_min in
 * that unit. §2.4: d 0.05 L, Q3 2500 L/h -> 62.5 L; Q1 25 L/h -> 10 L.
 * CAL_ERR_ARG: d or q not finite and > 0, malformed rules.
 */
int cal_wm_min_volume(double *out, double d, double q_per_h, const struct cal_wm_rules *rules);

/*
 * Error of indication E = (Vi - Va)/Va x 100 % (§2.2 [V2 S14]), Vi the meter's
 * reading difference, Va the reference volume, same unit; rounded to 12
 * significant digits. T11: Va 20.00 L, Vi 20.50 L -> +2.50 %. CAL_ERR_ARG:
 * Va not finite and > 0, Vi not finite or < 0 (readings swapped?).
 */
int cal_wm_error_pct(double *out, double va, double vi);

struct cal_wm_eval {
	double error_pct; /* E */
	double mpe_pct;	  /* the MPE at the point's flow rate and temperature */
	enum cal_wm_zone zone;
	bool pass;	  /* |E| <= MPE (simple acceptance, ILAC-G8 §4.2.1) */
	char reason[128]; /* why not, "" on pass */
};

/*
 * One run of a test point judged against the MPE: E of cal_wm_error_pct(),
 * the MPE of cal_wm_mpe() at flow @q and water temperature @t_c, pass when
 * |E| <= MPE (an error exactly at the MPE passes). T11 (§2.4): class 2,
 * Q = Q2, Va 20.00 L, Vi 20.50 L -> +2.50 % against 2 %: fail. Errors are
 * those of the two functions.
 */
int cal_wm_evaluate(struct cal_wm_eval *out, const struct cal_wm_meter *m, double q, double t_c,
		    double va, double vi, const struct cal_wm_rules *rules);

/* ---- Reference volume of a test rig --------------------------------------- */

/*
 * Master meter: V = (after - before) x scale / (1 + error_pct/100).
 * @before and @after are its totalizer readings, @scale the volume per
 * totalizer unit in the unit wanted (1000 for a totalizer in m³ and V in L,
 * the K-factor for pulses), @error_pct the master meter's error at this flow
 * from its certificate (0 when not corrected). 123.4560 -> 123.5560 m³, scale
 * 1000 -> 100 L; with error +0.2 %: 100.2 L indicated -> 100 L.
 * CAL_ERR_ARG: a value not finite, scale <= 0, error_pct <= -100, after <
 * before (a totalizer does not run backwards: rollover or swapped readings).
 */
int cal_volume_master(double *out, double before, double after, double scale, double error_pct);

/*
 * Density of air-free pure water at 101 325 Pa (Tanaka et al. 2001,
 * Metrologia 38:301): rho = a5 [1 - (t + a1)² (t + a2) / (a3 (t + a4))], in
 * kg/m³, @t_c in °C (ITS-90). 20 °C -> 998.2067, 4 °C -> 999.9750 (the
 * maximum is at 3.983 °C), 40 °C -> 992.2152. Tap water differs by a few
 * ppm (dissolved air, salts): give a measured density to
 * cal_volume_gravimetric() where that matters. CAL_ERR_RANGE: t outside
 * 0..40 °C, the formula's range; CAL_ERR_ARG: t not finite.
 */
int cal_water_density(double *rho, double t_c);

/* Parameters of the gravimetric conversion, all in kg/m³. */
struct cal_gravimetric {
	double rho_air;	    /* density of the air at the balance: 1.2 by default */
	double rho_weights; /* of the weights that adjusted the balance: 8000 by default */
	double rho_water;   /* of the water, measured; 0 (default) = Tanaka at t */
};

/* rho_air 1.2, rho_weights 8000, rho_water 0. */
void cal_gravimetric_default(struct cal_gravimetric *out);

/*
 * Volume at the water temperature @t_c (°C) of the water weighed: V =
 * m (1 - rho_air/rho_weights) / (rho_water - rho_air), @mass_kg the balance's
 * net indication (conventional mass) in kg, V in litres; rho_water from
 * cal_water_density() unless p->rho_water is set. @p NULL = the defaults.
 * 100 kg at 20 °C -> 100.28518 L. CAL_ERR_ARG: mass not finite and > 0,
 * a density not finite, rho_air < 0, rho_weights <= rho_air or rho_water <=
 * rho_air; CAL_ERR_RANGE: t outside 0..40 °C with the Tanaka density.
 */
int cal_volume_gravimetric(double *volume_l, double mass_kg, double t_c,
			   const struct cal_gravimetric *p);

/* ---- Flow-meter calibration point against a reference (GUM) --------------- */

struct cal_flow_point_in {
	const double *vi; /* indicated volumes of the meter under test, one per run */
	const double *va; /* reference volumes, one per run, same unit */
	size_t n;	  /* runs, >= 2 (repeatability is a term) */
	double ref_U_pct; /* expanded uncertainty of the reference volume, % */
	double ref_k;	  /* its coverage factor */
	double d;	  /* resolution of the meter's indication, the volume unit */
	/*
	 * Readings of resolution d in one indicated volume: 2 for a start and a
	 * stop reading of a totalizer, 1 for a meter set to zero at the start.
	 */
	unsigned readings;
};

struct cal_flow_point {
	double error_pct;	    /* mean of the runs' errors E_j = (Vi_j - Va_j)/Va_j x 100 */
	double va_mean;		    /* mean reference volume */
	double u_ref, u_res, u_rep; /* standard uncertainties, in % of volume */
	double c_ref;		    /* sensitivity of E to the reference, mean Vi/Va */
	double nu_rep;		    /* n - 1 */
	struct cal_gum_result gum;  /* u_c, nu_eff, k, U, in % */
};

/*
 * The error of a flow meter at one flow rate and its uncertainty (GUM,
 * domain.md §7.1), model E = (Vi/Va - 1) x 100 %:
 *   reference     u = ref_U_pct / ref_k (GUM 4.3.3), c = mean(Vi/Va), nu = inf;
 *   resolution    u = 100 sqrt(readings) d / sqrt(12) / mean(Va) (F.2.2.1),
 *                 c = 1, nu = inf;
 *   repeatability Type A of the E_j, s/sqrt(n), nu = n - 1 (4.2.3);
 * combined with cal_gum_combine() (Welch-Satterthwaite, k = t95.45(nu_eff)).
 * Runs 100.1/100.5/100.3 L against 100 L, U 0.1 % (k 2), d 0.01 L, 2 readings:
 * E = +0.30 %, u_c = 0.12596 %, nu_eff = 2.83, k = 4.53, U = 0.571 %.
 * CAL_ERR_ARG: n < 2, NULL arrays, a volume not finite or Va <= 0, ref_U_pct
 * < 0 or ref_k <= 0, d < 0, readings not 1 or 2.
 */
int cal_flow_point_budget(struct cal_flow_point *out, const struct cal_flow_point_in *in);

/* ---- Fuel dispensers: OIML R 117 / MID MI-005 (domain.md §4) -------------- */

/* Table 2 line A (the measuring system) or line B (the meter alone). */
enum cal_r117_line { CAL_R117_LINE_A = 1, CAL_R117_LINE_B = 2 };

/*
 * Minimum specified volume deviation Emin in litres for accuracy class @cls
 * (0.3, 0.5, 1.0, 1.5, 2.5) and minimum measured quantity @mmq_l in L, §4
 * [V S20]: MMQ >= 2 L: Emin = 2 MMQ A/100, A the line A value; MMQ < 2 L:
 * twice the line A MPE for the volume MMQ (the < 2 L rules).
 * Class 0.5, MMQ 2 L -> 0.020 L. CAL_ERR_ARG: class not in Table 2, MMQ not
 * finite and > 0.
 */
int cal_r117_emin(double *emin_l, double cls, double mmq_l);

/*
 * MPE (±) in litres of a measured volume @v_l (L), §4 [V S20]: the larger of
 * Emin and the Table 2 value of line @line (class %: line A 0.3/0.5/1.0/1.5/
 * 2.5, line B 0.2/0.3/0.6/1.0/1.5) with the rules for V < 2 L (V < 0.1: 4 x the
 * value for 0.1 L; 0.1..0.2: 4 x; 0.2..0.4: 2 x the value for 0.4 L;
 * 0.4..1: 2 x; 1..2: the value for 2 L), Emin from line A for both lines.
 * @emin_l may be NULL. T22: class 0.5, MMQ 2 L, V 2 L -> 0.020 L; T23: V 20 L
 * -> 0.100 L. CAL_ERR_ARG: unknown class or line, MMQ or V not finite and
 * > 0. CAL_ERR_RANGE: V below the MMQ (relative tolerance 1e-9), for which
 * the dispenser gives no legal delivery.
 */
int cal_r117_mpe(double *mpe_l, double *emin_l, double cls, enum cal_r117_line line, double mmq_l,
		 double v_l);

/*
 * Is the smallest scale interval @interval_l (L) fine enough: Emin >= 2 x
 * interval (§4 [V S20], stated there for MMQ >= 2 L)? CAL_OK, or
 * CAL_ERR_ARG with a message naming the rule (class 0.5, MMQ 2 L: Emin 0.02 L,
 * interval 0.01 L passes, 0.02 L does not). CAL_ERR_UNSUPPORTED for MMQ <
 * 2 L, for which domain.md states no such condition.
 */
int cal_r117_check_interval(double cls, double mmq_l, double interval_l);

#endif
