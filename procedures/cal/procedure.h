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
#include "cal/transport.h"

/* ---- bench files ---------------------------------------------------------- */

struct cal_bench_instr {
	char id[64];
	char driver[64];
	char port_text[256];
	struct cal_port_cfg port;
	int line; /* 1-based line in the bench file */
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
void cal_bench_free(struct cal_bench *b);

/* ---- procedures ------------------------------------------------------------ */

enum cal_test_kind {
	CAL_TEST_ZERO = 1,	/* zero-setting accuracy */
	CAL_TEST_WEIGHING,	/* increasing and decreasing loads */
	CAL_TEST_ECCENTRICITY,	/* off-centre loading */
	CAL_TEST_REPEATABILITY, /* same load, several times */
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
	const struct cal_plan_point *point; /* NULL for general instructions */
	const char *unit;
	const char *test_title;
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

#endif
