/*
 * Procedure files, bench files and the run engine.
 *
 * A procedure is data (YAML in procedures/defs/): which tests, at which
 * loads, against which MPE rule, with which adequacy rule for the
 * standards. The engine turns a procedure plus an instrument under test plus
 * the centre's weights into a plan of points, then executes it point by
 * point: tell the operator what to place, read the instrument (or ask for
 * the indication), commit the reading, judge it, commit the result. The
 * first failed test ends the run with verdict FAIL (ĐLVN practice).
 */
#ifndef CAL_PROCEDURES_PROCEDURE_H
#define CAL_PROCEDURES_PROCEDURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/clock.h"
#include "cal/db.h"
#include "cal/driver.h"
#include "cal/metrology.h"
#include "cal/transport.h"

/* ---- bench files ---------------------------------------------------------- */

struct cal_bench_instr {
	char id[64];
	char driver[64];
	char standard[64]; /* register id of the reference standard it is ("" = none) */
	char port_text[256];
	struct cal_port_cfg port;
	int line; /* 1-based line in the bench file */
	/* Modbus meters: unit_id, and preset: NAME or map: FILE.yaml (relative to the bench file)
	 */
	struct cal_dev_opts opts; /* opts.map points at a preset or into map_owned */
	struct cal_mb_map *map_owned;
};

struct cal_bench {
	char path[256];
	char name[64];
	size_t n;
	struct cal_bench_instr *instr; /* n entries */
};

/*
 * Load a bench file. Errors name the file, line and field:
 * "bench.yaml:7: instrument 'bal1': unknown driver 'mt-sic' (known: mt-sics)".
 * CAL_ERR_CONFIG for content, CAL_ERR_NOTFOUND/CAL_ERR_IO for the file.
 */
int cal_bench_load(struct cal_bench **out, const char *path);
/* Same, from text (tests); @name is used in messages. */
int cal_bench_parse(struct cal_bench **out, const char *text, size_t len, const char *name);
const struct cal_bench_instr *cal_bench_find(const struct cal_bench *b, const char *id);
/* Open the device of a bench entry with its options (cal_dev_open_opts). */
int cal_bench_open(struct cal_device **out, const struct cal_bench_instr *in);
void cal_bench_free(struct cal_bench *b);

/* ---- procedures ------------------------------------------------------------ */

enum cal_test_kind {
	CAL_TEST_ZERO = 1,	/* zero-setting accuracy */
	CAL_TEST_WEIGHING,	/* increasing and decreasing loads */
	CAL_TEST_ECCENTRICITY,	/* off-centre loading */
	CAL_TEST_REPEATABILITY, /* same load, several times */
	/* pressure runs */
	CAL_TEST_PRESSURE,    /* a point with increasing or decreasing pressure */
	CAL_TEST_HYSTERESIS,  /* down - up at one point */
	CAL_TEST_CALIBRATION, /* a calibration point: mean error with U */
};

/* A load named in a procedure, resolved against the instrument. */
enum cal_load_kind {
	CAL_LOAD_VALUE = 1,  /* a number in the instrument's unit */
	CAL_LOAD_MIN,	     /* the instrument's Min */
	CAL_LOAD_MAX,	     /* Max */
	CAL_LOAD_HALF_MAX,   /* about ½ Max (largest composable load not above it) */
	CAL_LOAD_THIRD_MAX,  /* about ⅓ Max */
	CAL_LOAD_MPE_CHANGE, /* every load where the MPE band changes, below Max */
};

struct cal_load_spec {
	enum cal_load_kind kind;
	double value; /* CAL_LOAD_VALUE only */
};

#define CAL_PROC_MAX_LOADS 16
#define CAL_PROC_MAX_POSITIONS 8
#define CAL_PROC_MAX_TESTS 8

struct cal_test_spec {
	enum cal_test_kind kind;
	char title[96];
	int line; /* in the procedure file */
	/* weighing */
	struct cal_load_spec loads[CAL_PROC_MAX_LOADS];
	size_t n_loads;
	bool up_down; /* decreasing loads after increasing */
	/* eccentricity, repeatability */
	struct cal_load_spec load;
	char positions[CAL_PROC_MAX_POSITIONS][32];
	size_t n_positions;
	int readings; /* repeatability */
	/* zero */
	double limit_e; /* |E0| <= limit_e * e */
};

/* The decision rule of a verification unless the procedure states its own. */
#define CAL_PROC_DEFAULT_DECISION_RULE                                                             \
	"simple acceptance: each |E| <= MPE (ILAC-G8:09/2019 §4.2.1); the uncertainty of the "    \
	"test loads is bounded by the adequacy rule for the standards"

/*
 * Pressure procedures (instrument_kind: pressure-gauge): the points come from
 * the gauge (EN 837-1 class or a count), the reference is a controller that
 * settles at each setpoint under the settle rule, and every gauge on the
 * manifold is judged against its own MPE.
 */
enum cal_pmpe_rule {
	CAL_PMPE_EN837 = 1,   /* class % of span (bourdon-gauge) */
	CAL_PMPE_DIGITAL,     /* a·|p| + b·span + n·d (digital-gauge) */
	CAL_PMPE_TRANSMITTER, /* class % of 16 mA on the 4-20 mA output (transmitter) */
};

struct cal_pressure_proc {
	char activity[16]; /* "verification" or "calibration" */
	enum cal_pmpe_rule mpe_rule;
	int points;	       /* test points over the scale, both ends included; 0 = by class */
	bool dkd;	       /* calibration: DKD-R 6-1 sequence (series, preloads) */
	char dkd_name;	       /* 'A', 'B', 'C'; 0 = chosen by the gauge's class */
	double adequacy_ratio; /* reference U <= ratio x gauge MPE at every point; 0 = none */
	unsigned budget_terms; /* CAL_PB_*, calibrations */
	enum cal_decision_rule decision;
	/* settling of the reference at each setpoint (cal_dev_settle) */
	double band_pct_span;	/* |p - setpoint| <= this % of the gauge span; 0 = off */
	double rate_pct_span_s; /* |dp/dt| <= this % of span per second */
	double hold_s;		/* the conditions hold this long without a break */
	int settle_timeout_s;	/* or the point ends with the reason */
	int poll_ms;
	bool require_flag;  /* the controller's own in-limits/stable/ready flag too */
	int preload_hold_s; /* DKD preloads: time held at the upper limit */
};

/*
 * Volume procedures on the flow bench (instrument_kind water-meter,
 * flow-meter or fuel-dispenser): one or several instruments in line behind a
 * reference; at each flow point one or more draws with a standing start and
 * stop. The reference volume comes from a master meter's totalizer, from a
 * balance (gravimetric: mass to volume at the water's temperature), or from
 * a proving can read by the technician.
 */
#define CAL_WATER_MAX_POINTS 8
#define CAL_WATER_MAX_RUNS 5 /* draws per point */
#define CAL_WATER_MAX_DRAWS (CAL_WATER_MAX_POINTS * CAL_WATER_MAX_RUNS)

/* Points: Q1..Q3 of R 49 water meters, Qmin/Qmax of the register, or % of Qmax. */
enum cal_water_pt {
	CAL_WP_Q1 = 0,
	CAL_WP_Q2 = 1,
	CAL_WP_Q3 = 2,
	CAL_WP_QMIN = 3,
	CAL_WP_QMAX = 4,
	CAL_WP_PERCENT = 5,
};

struct cal_water_point {
	int point;	 /* enum cal_water_pt */
	double percent;	 /* of Qmax, for CAL_WP_PERCENT */
	double volume_l; /* test volume; 0 = by the rule (cal_wm_min_volume) */
	int runs;	 /* draws at this flow (>= 1; a calibration needs >= 2) */
};

enum cal_water_ref {
	CAL_WREF_MASTER = 1,	  /* a master meter's totalizer, read over its driver */
	CAL_WREF_GRAVIMETRIC = 2, /* a balance: net mass, water temperature typed */
	CAL_WREF_CAN = 3,	  /* a proving can, its neck scale typed (volume, L) */
};

struct cal_water_proc {
	char activity[16]; /* "verification" or "calibration" */
	char ref_kind[24]; /* "master-meter", "gravimetric", "proving-can" */
	enum cal_water_ref ref;
	char quantity[24]; /* the master meter's totalizer quantity, "total" */
	double water_t_c;  /* water temperature, °C, for the MPE (<= 30: cold) */
	int attempts;	   /* a point whose flow or volume is off is taken again */
	/*
	 * Verification: the reference's relative expanded uncertainty of
	 * volume <= adequacy_ratio x the smallest MPE (%); 0 = not checked.
	 */
	double adequacy_ratio;
	double flow_tol_pct; /* the window of Qmin/Qmax/% points: ± this, % */
	int decision;	     /* calibration: enum cal_decision_rule */
	double rho_air;	     /* gravimetric: kg/m3 (1.2) */
	double rho_weights;  /* gravimetric: of the balance's adjustment weights (8000) */
	struct cal_water_point points[CAL_WATER_MAX_POINTS];
	size_t n_points;
};

struct cal_procedure {
	char id[96];
	char title[160];
	char title_vi[160];
	char method[96];
	char decision_rule[256];  /* printed on documents; "" = the default below */
	char instrument_kind[32]; /* "nawi" */
	double mpe_factor_initial;
	double mpe_factor_periodic;
	double mpe_factor_after_repair;
	double adequacy_ratio;	 /* sum of weight MPEs <= ratio * MPE(L) */
	int stability_timeout_s; /* per reading */
	struct cal_test_spec tests[CAL_PROC_MAX_TESTS];
	size_t n_tests;
	bool pressure; /* instrument_kind pressure-gauge: tests[] unused, pr used */
	struct cal_pressure_proc pr;
	bool water; /* water-meter, flow-meter, fuel-dispenser: tests[] unused, wr used */
	struct cal_water_proc wr;
	char sha256[65]; /* hex digest of the file's bytes */
	char path[256];
	char *text; /* the file's bytes, NUL-terminated, owned */
	size_t text_len;
};

/* Load and validate a procedure file; messages name file, line and field. */
int cal_procedure_load(struct cal_procedure **out, const char *path);
int cal_procedure_parse(struct cal_procedure **out, const char *text, size_t len, const char *name);
void cal_procedure_free(struct cal_procedure *p);
/* MPE factor for a mode ("initial", "periodic", "after-repair"); CAL_ERR_ARG otherwise. */
int cal_procedure_mpe_factor(double *out, const struct cal_procedure *p, const char *mode);
/* Lower-case hex SHA-256 of bytes (libsodium). */
void cal_sha256_hex(char out[65], const void *data, size_t len);

/* ---- the plan: procedure x instrument x weights ---------------------------- */

#define CAL_PLAN_MAX_WEIGHTS 12

struct cal_plan_point {
	int seq; /* 1-based, unique in the run */
	enum cal_test_kind test;
	char label[64];	   /* "up 3", "position 2 (front left)", "#2" */
	char position[32]; /* eccentricity position, "" otherwise */
	double load;	   /* nominal load, instrument unit */
	double ref;	   /* conventional mass of the weights, instrument unit */
	double mpe;	   /* |MPE| for this point (mode factor applied), instrument unit */
	size_t n_weights;
	int weights[CAL_PLAN_MAX_WEIGHTS]; /* indices into the standards array */
	char weights_text[128];		   /* "W3 + W4" */
	bool summary;			   /* repeatability range: no reading of its own */
};

struct cal_plan {
	size_t n;
	struct cal_plan_point *points;
	double unit_si; /* SI factor of the instrument's unit */
	char unit[8];
};

/*
 * Build the plan. Refuses (CAL_ERR_REFUSED, message naming the weight or
 * load) when a load cannot be composed from the weights, a weight is past its
 * due date on @today, or the weights for a load fail the adequacy rule.
 * CAL_ERR_CONFIG when the instrument lacks class, e or Max.
 */
int cal_plan_build(struct cal_plan *out, const struct cal_procedure *p,
		   const struct cal_instrument *dut, const char *mode,
		   const struct cal_standard *weights, size_t n_weights,
		   const struct cal_date *today);
void cal_plan_free(struct cal_plan *plan);

/*
 * Choose weights whose nominal values sum to exactly @target_kg (exact) or to
 * the largest sum not above it and at least 90 % of it (!exact). Each weight
 * is used at most once; fewer pieces are preferred. *n = 0 when impossible.
 */
int cal_weights_compose(int *idx, size_t *n, size_t max_idx, const struct cal_standard *w,
			size_t n_w, double target_kg, bool exact);

/* ---- the operator --------------------------------------------------------- */

/* What the engine tells the operator side about the current step. */
struct cal_step_info {
	size_t k, n;			    /* step k of n (1-based) */
	const struct cal_plan_point *point; /* never NULL */
	const char *unit;
	const char *test_title;
	const char *dut_id; /* pressure runs: the gauge asked for; NULL otherwise */
	/* pressure runs: the settled reference value at the point, in unit (NaN: none yet) */
	double ref_value;
};

/*
 * The operator: a terminal, an answers file, or the demo playing the
 * technician. Every op may return CAL_ERR_INTERRUPTED to stop the run
 * (it is then marked interrupted and can be resumed).
 */
struct cal_operator_ops {
	/* Show an instruction (place this load) and wait for confirmation. */
	int (*instruct)(void *ctx, const struct cal_step_info *step, const char *text);
	/* Ask for an indication typed by hand (instrument without interface). */
	int (*ask_value)(void *ctx, const struct cal_step_info *step, const char *prompt,
			 double *value, int *decimals);
	/* A live reading while waiting for stability (may be NULL). */
	void (*live)(void *ctx, const struct cal_step_info *step, const struct cal_reading *rd);
	/* A judged point (may be NULL). */
	void (*result)(void *ctx, const struct cal_step_info *step, const struct cal_result *r);
};

/*
 * Answers read from a file, one per line, for scripts and tests:
 *   ok | (empty line) -> confirm an instruction
 *   <number>          -> a typed indication ('.' decimal point)
 *   quit              -> stop the run here (interrupted, resumable)
 * '#' starts a comment. When the answers run out the run is interrupted.
 */
struct cal_answers;
int cal_answers_load(struct cal_answers **out, const char *path);
int cal_answers_parse(struct cal_answers **out, const char *text, const char *name);
void cal_answers_free(struct cal_answers *a);
extern const struct cal_operator_ops cal_answers_ops; /* ctx = struct cal_answers * */

/* ---- running ------------------------------------------------------------- */

/*
 * Errors are shown with this many more decimals than the indication: the
 * reference (conventional mass of the weights) carries their corrections,
 * so E = I - ref is finer than the indication's resolution.
 */
#define CAL_ERROR_EXTRA_DECIMALS 2

struct cal_run_params {
	struct cal_db *db;
	const struct cal_procedure *proc;
	const struct cal_instrument *dut;
	const char *mode;
	const char *operator_name;
	const char *bench_path; /* for the record, may be NULL */
	struct cal_device *dev; /* NULL: indications typed by the operator */
	const struct cal_operator_ops *op;
	void *op_ctx;
	const struct cal_clock *clock; /* NULL = system clock */
	volatile int *stop_flag;       /* set by a signal handler: interrupt at the next step */
	/* go on although the device reports another serial number than expected */
	bool accept_serial_mismatch;
	struct cal_run_conditions cond; /* what the document states of the run */
};

struct cal_run_outcome {
	int64_t run_id;
	char verdict[8];      /* "PASS"/"FAIL", "" when not completed */
	char reason[256];     /* why FAIL */
	struct cal_cert cert; /* issued document when completed */
	bool completed;
};

/*
 * Start a new run: check the standards and build the plan (refusal leaves no
 * run behind), create the run, execute it. Returns CAL_OK when the run
 * completed (PASS or FAIL: see outcome), CAL_ERR_INTERRUPTED when stopped
 * (run marked interrupted), or the error that stopped it (run marked
 * interrupted, message set).
 */
int cal_run_start(struct cal_run_outcome *out, const struct cal_run_params *p);

/*
 * Resume an interrupted run: re-reads the procedure text stored with the run
 * (p->proc is ignored and may be NULL), re-checks the standards, skips the
 * points already judged and continues with the next.
 */
int cal_run_resume(struct cal_run_outcome *out, const struct cal_run_params *p, int64_t run_id);

/* ---- pressure runs: gauges on one manifold -------------------------------- */

#define CAL_PRUN_MAX_GAUGES 16

struct cal_prun_gauge {
	const struct cal_instrument *dut;
	struct cal_device *dev; /* read over its own interface; NULL: typed by the operator */
};

struct cal_prun_params {
	struct cal_db *db;
	const struct cal_procedure *proc; /* ignored on resume (the run's stored text) */
	struct cal_prun_gauge gauges[CAL_PRUN_MAX_GAUGES];
	size_t n_gauges;
	const char *mode; /* ignored on resume */
	const char *operator_name;
	const char *bench_path;	 /* for the record, may be NULL */
	struct cal_device *ref;	 /* the controller: sets, settles and reads the reference */
	const char *standard_id; /* its register entry (pressure standard); ignored on resume */
	const struct cal_operator_ops *op;
	void *op_ctx;
	const struct cal_clock *clock; /* NULL = system clock */
	volatile int *stop_flag;
	/* go on although the controller reports another serial than its register entry */
	bool accept_serial_mismatch;
	struct cal_run_conditions cond; /* what the documents state of the runs */
};

struct cal_prun_outcome {
	int64_t batch;					  /* the runs' batch (the first run's id) */
	size_t n;					  /* == n_gauges */
	struct cal_run_outcome runs[CAL_PRUN_MAX_GAUGES]; /* per gauge, in the given order */
};

/*
 * Verify or calibrate every gauge on the manifold in one pass over the
 * points: one run per gauge (same batch), sharing the reference readings.
 * At each setpoint the controller settles under the procedure's rule
 * (cal_dev_settle); the reference reading and its evidence are committed to
 * every run, then each gauge's indication (typed or read) to its own run.
 * When all points are taken each run is judged from its committed readings
 * and completed with its own verdict and document.
 *
 * Refused before anything is recorded (CAL_ERR_REFUSED / CAL_ERR_CONFIG,
 * message naming the gauge or the reference): a gauge of another kind than
 * the procedure's MPE rule, gauges with different scales, a class that does
 * not exist, fewer points than a class requires, a reference past its due
 * date, out of its range, or not within adequacy_ratio of a gauge's MPE.
 * A setpoint that does not settle, a lost controller, Ctrl-C: every run of
 * the batch is interrupted with the reason (resumable), nothing unmeasured
 * is recorded. Returns CAL_OK when every run completed.
 */
int cal_prun_start(struct cal_prun_outcome *out, const struct cal_prun_params *p);

/*
 * Resume the batch of run @run_id: p->gauges are the batch's instruments (any
 * order) with their devices. Points whose indications are all committed are
 * not taken again. Completed runs of the batch are left as they are.
 */
int cal_prun_resume(struct cal_prun_outcome *out, const struct cal_prun_params *p, int64_t run_id);

/*
 * A water-meter series run (water_run.c): the meters of p->gauges in line,
 * p->ref the master meter (a driver with the procedure's totalizer
 * quantity), one run per meter in one batch, each with its own verdict and
 * document. At each flow point: the technician sets the flow and stops it
 * (standing start); the reference totalizer and every register are read
 * before and after the draw and committed; the point is taken again (up to
 * wr.attempts times) when its mean flow is outside the point's window or
 * the volume below the minimum. Judged per meter with cal_wm_evaluate.
 * Refusals leave nothing; a stop interrupts every run (resume: not yet,
 * `run --abort`). p->standard_id and p->mode as for pressure runs.
 */
int cal_wrun_start(struct cal_prun_outcome *out, const struct cal_prun_params *p);

#endif
