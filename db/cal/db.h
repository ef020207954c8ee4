/*
 * The calbench database: one SQLite file holding the registers (instruments
 * under test, reference standards), every run with every reading, the
 * results per point, and the certificates issued from them.
 *
 * Invariants (enforced by triggers, so they hold for plain SQL too):
 *  - readings and results are never updated or deleted;
 *  - a run that is completed or aborted is never updated again; runs are
 *    never deleted;
 *  - certificates are never updated or deleted; revocation is a row in
 *    certificate_revocations, itself never updated or deleted;
 *  - certificate numbers are unique and never reused (sequence per year).
 *
 * Every write is its own transaction unless the caller opened one, so a
 * reading is on disk (WAL, synchronous=FULL) when cal_db_reading_add returns.
 * All statements are prepared; user text is always bound, never spliced.
 *
 * Units: reading values are stored as shown (value + unit + decimals) and in
 * the SI base unit (value_si). Register fields of instruments are in the
 * instrument's own unit (struct cal_instrument.unit); weights are in kg.
 */
#ifndef CAL_DB_DB_H
#define CAL_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/driver.h"

struct cal_db;

/* Schema version this build writes (PRAGMA user_version). */
#define CAL_DB_SCHEMA_VERSION 7

/*
 * Open (creating if needed) and migrate the database at @path (":memory:" for
 * tests). Sets WAL, foreign_keys=ON, synchronous=FULL, busy_timeout.
 * A file written by a newer calbench (user_version too high) -> CAL_ERR_DB
 * with a message; a file that is not a database -> CAL_ERR_DB naming it.
 */
int cal_db_open(struct cal_db **out, const char *path);
/*
 * Once, at the start of a program, before any database is opened: turns
 * off SQLite's memory statistics, a process-wide mutex taken on every
 * allocation (10 % of a statistics scan). Harmless when called late.
 */
void cal_db_init_process(void);
/*
 * Open an existing database read-only (the verification service): never
 * created, migrated or written. CAL_ERR_DB naming the file when it is
 * missing, not a calbench database, at another schema version (an older
 * one is upgraded by opening it once with cal_db_open) or missing a
 * trigger. Every write through it fails. The connection is not
 * thread-safe: one thread at a time.
 */
int cal_db_open_readonly(struct cal_db **out, const char *path);
void cal_db_close(struct cal_db *db); /* NULL ok */
/* The path given to cal_db_open. Borrowed. */
const char *cal_db_path(const struct cal_db *db);
/* For tests and the integrity check. Borrowed. */
struct sqlite3 *cal_db_handle(struct cal_db *db);

/*
 * Group several writes into one transaction (e.g. a register file: all
 * entries or none). cal_db_end() commits when @rc is CAL_OK, else rolls
 * back, and returns @rc or the commit error.
 */
int cal_db_begin(struct cal_db *db);
int cal_db_end(struct cal_db *db, int rc);

/* "ok", or the first problem, from PRAGMA integrity_check. */
int cal_db_integrity_check(char *out, size_t size, struct cal_db *db);

/* Settings (key/value text), e.g. "cert.number_pattern". */
int cal_db_setting_get(char *out, size_t size, struct cal_db *db, const char *key); /* NOTFOUND */
int cal_db_setting_set(struct cal_db *db, const char *key, const char *value);

/* ---- instruments under test ------------------------------------------- */

struct cal_instrument {
	char id[64];   /* register id chosen by the centre, e.g. "CAN-0042" */
	char type[96]; /* instrument type, e.g. "cân kỹ thuật" / "nawi" */
	char manufacturer[96];
	char model[96];
	char serial[64];
	char owner[160];
	char accuracy_class[16]; /* R 76 class "I".."IIII" for balances */
	char unit[8];		 /* unit of max/min/e/d, e.g. "g" or "kg" */
	double max;		 /* Max, in unit */
	double min;		 /* Min, in unit; 0 = derive from class */
	double e;		 /* verification scale interval, in unit */
	double d;		 /* actual scale interval, in unit */
	int interval_months;	 /* verification interval; 0 = none */
	char created_at[24];	 /* ISO 8601 UTC, set by the db */
	/* schema v3: pressure gauges and transmitters */
	char kind[24]; /* "", "nawi", "bourdon-gauge", "digital-gauge", "transmitter", "water-meter"
			*/
	double scale_lo;	/* lower scale value (may be < 0), in unit; max is the upper */
	double mpe_pct_reading; /* digital: a, % of |p| */
	double mpe_pct_span;	/* digital: b, % of span; transmitter: class, % of span */
	double mpe_digits;	/* digital: n, counts of the resolution d */
	/*
	 * schema v4: water meters (kind "water-meter"; unit = the register's, m3
	 * or L). Flow meters and fuel dispensers (kinds "flow-meter",
	 * "fuel-dispenser") use the same columns for Qmax and Qmax/Qmin; a
	 * dispenser's min is its minimum measured quantity (MMQ) and
	 * accuracy_class its R 117 class ("0.5"); a flow meter's
	 * mpe_pct_reading is the accuracy its maker specifies.
	 */
	double flow_q3; /* Q3 (R 49) or Qn (classes A-D); Qmax; m3/h */
	double ratio_r; /* R = Q3/Q1; 0 for the classes A-D; Qmax/Qmin (0: no Qmin) */
};

/* "bourdon-gauge", "digital-gauge", "transmitter": a pressure instrument kind. */
bool cal_instrument_is_pressure(const struct cal_instrument *in);

/* CAL_ERR_ARG (missing id/serial/type...), CAL_ERR_STATE if the id exists. */
int cal_db_instrument_add(struct cal_db *db, const struct cal_instrument *in);
int cal_db_instrument_get(struct cal_instrument *out, struct cal_db *db, const char *id);
/* *out malloc'ed array ordered by id; free() it. */
int cal_db_instrument_list(struct cal_instrument **out, size_t *n, struct cal_db *db);

/* ---- reference standards (weights) -------------------------------------- */

struct cal_standard {
	char id[64];	      /* e.g. "W3" */
	char kind[16];	      /* "weight" */
	char weight_class[8]; /* R 111 class, e.g. "M1" */
	double nominal_kg;    /* nominal value */
	double correction_kg; /* conventional mass - nominal */
	double u_kg;	      /* expanded uncertainty U of the conventional mass */
	double k;	      /* coverage factor of u_kg */
	char cert_no[64];     /* its calibration certificate */
	char due_date[11];    /* calibration due, YYYY-MM-DD */
	char description[128];
	char created_at[24];
};

int cal_db_standard_add(struct cal_db *db, const struct cal_standard *s);
int cal_db_standard_get(struct cal_standard *out, struct cal_db *db, const char *id);
/* Ordered by nominal descending, then id. */
int cal_db_standard_list(struct cal_standard **out, size_t *n, struct cal_db *db);

/* ---- pressure standards (schema v3) -------------------------------------- */

/*
 * A reference with a range (table pressure_standards), as its calibration
 * certificate gives it: range and expanded uncertainty U(p) = u_abs +
 * u_rel·|p|, in its own unit, with coverage factor k. Its unit says what it
 * is: a pressure reference (a controller or a digital standard); a flow
 * reference (a master meter: range of flow rates, U = u_rel of the volume
 * it measures, u_abs 0); a volume reference (a proving can, a gravimetric
 * rig: range of volumes, U = u_abs + u_rel·V).
 */
struct cal_pstandard {
	char id[64];
	char manufacturer[96];
	char model[96];
	char serial[64];
	char unit[16]; /* a pressure, flow or volume unit, e.g. "bar", "m3/h", "L" */
	double range_lo, range_hi;
	double u_abs; /* in unit */
	double u_rel; /* fraction of |p| (0.0001 = 0.01 % of reading) */
	double k;
	char cert_no[64];
	char due_date[11];
	char description[128];
	char created_at[24];
};

/* U at @p (in the standard's unit). */
double cal_pstandard_U(const struct cal_pstandard *s, double p);

/* CAL_ERR_STATE if the id is taken (by a weight too). */
int cal_db_pstandard_add(struct cal_db *db, const struct cal_pstandard *s);
int cal_db_pstandard_get(struct cal_pstandard *out, struct cal_db *db, const char *id);
int cal_db_pstandard_list(struct cal_pstandard **out, size_t *n, struct cal_db *db);

/* ---- runs ---------------------------------------------------------------- */

enum cal_run_status {
	CAL_RUN_RUNNING = 1,
	CAL_RUN_INTERRUPTED = 2, /* the process died or was stopped: resumable */
	CAL_RUN_COMPLETED = 3,	 /* verdict set, certificate or failure record issued */
	CAL_RUN_ABORTED = 4,	 /* given up; no document */
};
const char *cal_run_status_name(enum cal_run_status s); /* "running"... */

/*
 * What a run's document states besides the measurements, given when the run
 * starts: all optional ("" or has_* false: not recorded, not printed); a
 * zeroed struct records nothing.
 */
struct cal_run_conditions {
	char location[128];	/* where performed; "" = the centre's laboratory */
	char received_date[11]; /* YYYY-MM-DD the item was received */
	bool has_temperature, has_humidity;
	double temperature_c; /* ambient, °C */
	double humidity_pct;  /* relative humidity, % */
	char checked_by[96];  /* the person who checked (người kiểm soát) */
	char sticker_no[32];  /* the verification sticker (tem kiểm định) put on */
};

struct cal_run {
	int64_t id;
	char instrument_id[64];
	char procedure_id[96];
	char procedure_title[160];
	char method[96];	   /* e.g. "ĐLVN 16:2009 (OIML R 76-1)" */
	char procedure_sha256[65]; /* hex of the procedure file's bytes */
	char procedure_path[256];
	char bench_path[256];
	char device_id[64]; /* bench instrument read, "" when typed by hand */
	char mode[16];	    /* "initial", "periodic", "after-repair" */
	char operator_name[96];
	enum cal_run_status status;
	char verdict[8]; /* "PASS", "FAIL" or "" */
	char fail_reason[256];
	char started_at[24]; /* ISO 8601 UTC */
	char finished_at[24];
	int pid;	    /* process running it, while running */
	char dut_model[96]; /* as identified over the interface */
	char dut_serial[64];
	char status_reason[256]; /* why it was last interrupted or aborted ("" if never) */
	/* schema v3 */
	char activity[16];	/* "verification" (default when "") or "calibration" */
	int64_t batch;		/* first run of the manifold batch; 0 = alone; in
				   cal_db_run_begin CAL_RUN_BATCH_NEW starts one (its own id) */
	char dut_device_id[64]; /* bench instrument the DUT was read through, "" = typed */
	/* schema v5: what the document states of the run (ISO/IEC 17025 7.8.2.1, 7.8.4.1 b) */
	struct cal_run_conditions cond;
};

/*
 * Create a run in status RUNNING. Fields used from @in: instrument_id,
 * procedure_*, method, bench_path, device_id, mode, operator_name, pid,
 * dut_model, dut_serial. The procedure text is stored too (audit, resume).
 * CAL_ERR_NOTFOUND when the instrument does not exist.
 */
#define CAL_RUN_BATCH_NEW (-1)
int cal_db_run_begin(int64_t *run_id, struct cal_db *db, const struct cal_run *in,
		     const char *procedure_text);
int cal_db_run_get(struct cal_run *out, struct cal_db *db, int64_t run_id);
/* The procedure text stored with the run; malloc'ed, free() it. */
int cal_db_run_procedure_text(char **out, struct cal_db *db, int64_t run_id);
/* Record the weights (standards) used by a run; idempotent. */
int cal_db_run_add_standard(struct cal_db *db, int64_t run_id, const char *standard_id);
/* The standards a run used (as registered now), largest first; free() *out. */
int cal_db_run_standards(struct cal_standard **out, size_t *n, struct cal_db *db, int64_t run_id);
/* The runs of one batch (gauges on one manifold), by id. free() *out. */
int cal_db_run_batch(struct cal_run **out, size_t *n, struct cal_db *db, int64_t batch);
/* Record the pressure reference of a run, a snapshot of its register entry now. */
int cal_db_run_add_pstandard(struct cal_db *db, int64_t run_id, const char *standard_id);
/* The pressure references of a run, as they were when used. free() *out. */
int cal_db_run_pstandards(struct cal_pstandard **out, size_t *n, struct cal_db *db, int64_t run_id);
/* RUNNING -> INTERRUPTED (Ctrl-C, lost instrument). */
int cal_db_run_interrupt(struct cal_db *db, int64_t run_id, const char *reason);
/* INTERRUPTED -> RUNNING with a new pid (resume). CAL_ERR_STATE otherwise. */
int cal_db_run_resume(struct cal_db *db, int64_t run_id, int pid);
/* RUNNING/INTERRUPTED -> ABORTED. */
int cal_db_run_abort(struct cal_db *db, int64_t run_id, const char *reason);
/*
 * Mark RUNNING runs whose pid is no longer alive as INTERRUPTED (kill -9,
 * power cut). *n receives how many. Called at start-up.
 */
int cal_db_runs_recover(struct cal_db *db, size_t *n);
/* Runs of one instrument (history), newest first; "" instrument = all runs. */
int cal_db_run_list(struct cal_run **out, size_t *n, struct cal_db *db, const char *instrument_id);

/* One status change of a run, as the triggers recorded it (schema v2). */
struct cal_run_event {
	char at[24];	  /* ISO 8601 UTC */
	char status[16];  /* the status entered: running, interrupted, completed, aborted */
	char reason[256]; /* why interrupted or aborted */
};

/* The life of a run, oldest first. *out is malloc'ed (NULL when none). */
int cal_db_run_events(struct cal_run_event **out, size_t *n, struct cal_db *db, int64_t run_id);

/* ---- readings and results ------------------------------------------------ */

/*
 * Commit one reading. @point_seq ties it to the result it belongs to (the
 * same number as struct cal_result.seq); @source is "device:<id>" or
 * "operator". Returns only after the transaction is committed.
 */
int cal_db_reading_add(int64_t *reading_id, struct cal_db *db, int64_t run_id, int point_seq,
		       const char *source, const struct cal_reading *rd);
/* A stored reading (resume, documents). */
struct cal_db_reading {
	int64_t id;
	int point_seq;
	char source[72];       /* "operator" or "device:<id>" */
	struct cal_reading rd; /* unit parsed back; t_mono_ms as stored */
};
/* The readings of a run in the order they were committed. free() *out. */
int cal_db_reading_list(struct cal_db_reading **out, size_t *n, struct cal_db *db, int64_t run_id);
/* Number of readings of a run (tests, resume). */
int cal_db_reading_count(int *n, struct cal_db *db, int64_t run_id);

struct cal_result {
	int seq;	    /* 1, 2, ... in procedure order; unique per run */
	char test[24];	    /* "zero", "weighing", "eccentricity", "repeatability" */
	char label[64];	    /* "up 3", "position 2 (front left)", "series 1 #2" */
	char unit[8];	    /* unit of the numbers below (the instrument's) */
	double load;	    /* nominal test load */
	double ref;	    /* conventional mass of the weights used */
	double indication;  /* I, as shown */
	int decimals;	    /* decimals of I */
	double error;	    /* E = I - ref (or the test's own quantity, e.g. range) */
	double mpe;	    /* |MPE| that E is judged against */
	char verdict[8];    /* "PASS" or "FAIL" */
	char weights[128];  /* "W3+W4" */
	int64_t reading_id; /* the reading this result was computed from; 0 = none */
	/* schema v3; NaN when not given (verifications) */
	double u;		/* expanded uncertainty U, in unit */
	double k;		/* its coverage factor */
	double nu_eff;		/* effective degrees of freedom (inf = all Type B) */
	int64_t ref_reading_id; /* the reference reading; 0 = none */
};

/* CAL_ERR_STATE when seq already exists for the run (results are immutable). */
int cal_db_result_add(struct cal_db *db, int64_t run_id, const struct cal_result *r);
/* Ordered by seq. */
int cal_db_result_list(struct cal_result **out, size_t *n, struct cal_db *db, int64_t run_id);
/* Largest seq with a result, 0 when none (resume point). */
int cal_db_result_last_seq(int *seq, struct cal_db *db, int64_t run_id);

/*
 * The evidence that a controlled reference had settled when @reading_id (a
 * reading of @run_id) was taken: the rule, hold time, rate and the samples
 * of the accepting window (struct cal_settle_result). Immutable.
 */
struct cal_settle_result;
int cal_db_settle_evidence_add(struct cal_db *db, int64_t run_id, int64_t reading_id,
			       double setpoint_si, const struct cal_settle_result *ev);
/* The stored rule text and sample count of a reading's evidence (tests, documents). */
int cal_db_settle_evidence_get(char *rule, size_t size, int *n_samples, struct cal_db *db,
			       int64_t reading_id);

/* ---- certificates -------------------------------------------------------- */

enum cal_cert_kind {
	CAL_CERT_VERIFICATION = 1, /* GCN, pass */
	CAL_CERT_FAILURE = 2,	   /* biên bản "không đạt" */
	CAL_CERT_CALIBRATION = 3,  /* calibration certificate (schema v3) */
};
/* "verification", "failure", "calibration". */
const char *cal_cert_kind_name(enum cal_cert_kind k);

struct cal_cert {
	char number[64];
	enum cal_cert_kind kind;
	int64_t run_id;
	char instrument_id[64];
	char issued_at[24];   /* ISO 8601 UTC */
	char issue_date[11];  /* YYYY-MM-DD */
	char valid_until[11]; /* YYYY-MM-DD, "" for failure records */
	char lab_name[128];   /* issuing laboratory, as set when issued ("" before v2) */
	char lab_address[256];
	bool revoked;
	char revoked_at[24];
	char revoke_reason[256];
};

/*
 * Finish a RUNNING run in one transaction: set verdict, status COMPLETED,
 * finished_at, and issue the document: a verification certificate for
 * "PASS" (valid until issue date + the instrument's interval, or when it has
 * none (0) the interval of its type in force on the issue date (cal/due.h);
 * same day of month, clamped to the month's end) or a failure record for
 * "FAIL". Completing also writes the run's history row (schema v6 trigger).
 * The number comes from setting "cert.number_pattern" (default
 * "CB-{YYYY}-{SEQ:6}"; tokens {YYYY}, {YY}, {SEQ}, {SEQ:n}); the sequence
 * is per year and never reused. @now_s is the issue time (Unix seconds).
 * The settings "lab.name" and "lab.address" are copied onto the document.
 * @out receives the certificate.
 */
int cal_db_run_complete(struct cal_cert *out, struct cal_db *db, int64_t run_id,
			const char *verdict, const char *fail_reason, int64_t now_s);

/* Format a number from a pattern; CAL_ERR_ARG for a pattern without {SEQ} or year. */
int cal_db_format_number(char *out, size_t size, const char *pattern, int year, int64_t seq);

/* Look up by number; whitespace is normalised (runs collapsed, ends trimmed). */
int cal_db_cert_get(struct cal_cert *out, struct cal_db *db, const char *number);
/* The document issued for a run; CAL_ERR_NOTFOUND when none (not completed). */
int cal_db_cert_for_run(struct cal_cert *out, struct cal_db *db, int64_t run_id);
int cal_db_cert_revoke(struct cal_db *db, const char *number, const char *reason, int64_t now_s);

/* ---- signed documents (sign.c) ------------------------------------------ */

/* The centre's Ed25519 signing key, loaded from its file (never stored here). */
struct cal_signer {
	unsigned char sk[64]; /* libsodium's secret key (seed + public key) */
	char key_id[17];      /* first 16 hex digits of SHA-256(public key) */
};
/* Documents issued on @db from now on are signed with @s (copied); NULL: none. */
void cal_db_set_signer(struct cal_db *db, const struct cal_signer *s);
bool cal_db_has_signer(const struct cal_db *db);
/* Does the centre sign (a key is registered)? Then documents need the signer. */
bool cal_db_signing_required(struct cal_db *db);
/* Register a public key (idempotent). Keys are never removed: old documents verify. */
int cal_db_signing_key_add(struct cal_db *db, const unsigned char pk[32]);
int cal_db_signing_key_get(unsigned char pk[32], char *created_at, size_t size, struct cal_db *db,
			   const char *key_id);
int cal_signer_key_id(char key_id[17], const unsigned char pk[32]);

/* What a document keeps of the settings of its day of issue (cert_issue). */
struct cal_cert_issue {
	bool present; /* documents issued since schema v5 */
	char approver[96], approver_title[96], place[64], accreditation[96];
	char verify_url[192];
};
int cal_db_cert_issue_get(struct cal_cert_issue *out, struct cal_db *db, const char *number);

struct cal_cert_sig {
	bool present; /* a record exists (documents issued since schema v5) */
	char content_sha256[65];
	char key_id[17];    /* "" = issued unsigned (no key registered then) */
	char signature[96]; /* base64url, no padding */
	char signed_at[24];
};
int cal_db_cert_signature(struct cal_cert_sig *out, struct cal_db *db, const char *number);
/* The canonical content of a document, "calbench-cert-v1" (sign.c); malloc'ed. */
int cal_db_cert_canonical(char **out, size_t *len, struct cal_db *db, const char *number);
/*
 * The message signed for a document, which its QR code carries:
 * "calbench-qr-v1|NUMBER|KIND|ISSUE_DATE|VALID_UNTIL|SERIAL|DIGEST".
 * CAL_ERR_ARG when a field holds '|' or it does not fit.
 */
int cal_cert_sign_message(char *out, size_t size, const char *number, const char *kind,
			  const char *issue_date, const char *valid_until, const char *serial,
			  const char *digest);
/* Check an Ed25519 signature (base64url) of @msg: CAL_OK, or CAL_ERR_REFUSED / CAL_ERR_ARG. */
int cal_sig_check(const char *msg, const char *sig_b64, const unsigned char pk[32]);

/* ---- amendments (revisions.c) ---------------------------------------------- */

/*
 * A revision "NO-Rn" replaces document NO whole (ISO/IEC 17025 7.8.8): why,
 * and the corrections (has_* false: as the document before it).
 */
struct cal_revision {
	char number[64];
	char original[64];
	int revision; /* 1, 2, ... */
	char reason[256];
	bool has_owner, has_location;
	char owner[160];
	char location[128];
	char note[256];
	char issued_at[24];
	char content_sha256[65];
	char key_id[17];
	char signature[96];
};
/*
 * Issue the next revision of document @number with @reason and at least one
 * correction: @owner, @location (NULL: as before), @note. Signed like a
 * document. Refused: a revision number (amend its original), a revoked
 * document, no correction, the key not loaded where the centre signs.
 */
int cal_db_cert_amend(struct cal_revision *out, struct cal_db *db, const char *number,
		      const char *reason, const char *owner, const char *location, const char *note,
		      int64_t now_s);
int cal_db_revision_get(struct cal_revision *out, struct cal_db *db, const char *number);
/* The latest revision of @original; CAL_ERR_NOTFOUND when none. */
int cal_db_revision_latest(struct cal_revision *out, struct cal_db *db, const char *original);

/*
 * ---- history (schema v6) ----------------------------------------------------
 * One row per counted event of an instrument: a run's document (source
 * "run", written when the run completes) or a row of a register brought in
 * by cal_db_import_csv (source "import": imported, not measured, not
 * signed). The statistics count these rows; an instrument's history lists
 * them.
 */
struct cal_history {
	int64_t id;
	char source[8];	       /* "run" | "import" */
	int64_t run_id;	       /* 0 for an imported row */
	int64_t import_id;     /* 0 for a run's row */
	int64_t import_row;    /* line of the row in its file */
	char import_file[128]; /* the file's name as imported */
	char imported_at[24];  /* ISO 8601 UTC */
	char number[64];       /* document number, "" = none recorded */
	char instrument_id[64];
	char activity[16];     /* "verification" | "calibration" */
	char event_date[11];   /* YYYY-MM-DD */
	char valid_until[11];  /* YYYY-MM-DD, "" = none */
	char result[8];	       /* "pass" | "fail" */
	char mode[16];	       /* "initial" | "periodic" | "after-repair" */
	char type[96];	       /* as on the event's date */
	char manufacturer[96]; /* the instrument's (register) */
	char model[96];
	char serial[64];
	char owner[160]; /* as on the event's date */
	char operator_name[96];
	char procedure_id[64];
	char method[96];
	bool revoked;
};

/* An instrument's history, oldest first; *out malloc'ed (NULL when none). */
int cal_db_history_list(struct cal_history **out, size_t *n, struct cal_db *db,
			const char *instrument_id);
/* The imported row numbered @number (no regard to case); CAL_ERR_NOTFOUND. */
int cal_db_history_imported(struct cal_history *out, struct cal_db *db, const char *number);

/*
 * ---- bringing in a register (import.c, docs/import.md) -----------------------
 * A CSV register (one row per verification) becomes instruments and history,
 * all or nothing: every row is checked first (errors name the line, the
 * column and the value); then one transaction writes the rows, and a row
 * the database refuses (a number already a document's) rolls everything
 * back naming its line. A file already imported (same SHA-256) is refused.
 */
enum cal_import_field {
	CAL_IMP_DATE,
	CAL_IMP_TYPE,
	CAL_IMP_MANUFACTURER,
	CAL_IMP_MODEL,
	CAL_IMP_SERIAL,
	CAL_IMP_OWNER,
	CAL_IMP_METHOD,
	CAL_IMP_MODE,
	CAL_IMP_RESULT,
	CAL_IMP_NUMBER,
	CAL_IMP_VALID_UNTIL,
	CAL_IMP_TECHNICIAN,
	CAL_IMP_ACTIVITY,
	CAL_IMP_NFIELDS
};
/* "date", "type", ..., "valid_until", "technician", "activity" */
const char *cal_import_field_name(enum cal_import_field f);
/* The header names recognised by default for @f, "|"-separated. */
const char *cal_import_field_aliases(enum cal_import_field f);
/* CAL_ERR_ARG naming @name and the known fields. */
int cal_import_field_parse(enum cal_import_field *out, const char *name);

struct cal_import_opts {
	const char *file_name;		     /* stored and named in messages */
	char delim;			     /* ',' ';' '\t'; 0 = guessed */
	const char *column[CAL_IMP_NFIELDS]; /* header of a field; NULL = aliases */
	bool dry_run;			     /* check and roll back */
	/* rows an earlier import brought in (same instrument, date, result, mode and number) are
	 * skipped */
	bool skip_imported;
	bool day_first;	   /* 03/04/2025 = 3 April (default true) */
	int64_t now_s;	   /* the import's time */
	const char *today; /* YYYY-MM-DD, rows dated after it refused; NULL: now_s's UTC date */
	size_t max_errors; /* errors kept (0 = 20) */
};

struct cal_import_report {
	int64_t import_id;		       /* 0 for a dry run */
	size_t rows, pass, fail, calibrations; /* rows: imported (skipped ones not) */
	size_t skipped;			       /* already imported (skip_imported) */
	size_t instruments_new, instruments_known;
	char first_date[11], last_date[11];
	char mapping[1024]; /* "field=header; ..." as used */
	char ignored[512];  /* header columns not read */
	char defaults[256]; /* fields without a column and the value taken */
	char *errors;	    /* one message a line, malloc'ed; NULL when none */
	size_t n_errors;    /* all errors found (more than kept, maybe) */
};

/*
 * Import the CSV text @text[0..len). CAL_OK with @out filled; CAL_ERR_ARG
 * when rows are wrong (out->errors lists them, the message counts them),
 * CAL_ERR_STATE for a file imported before or a number already used.
 * Nothing is written unless CAL_OK and not a dry run.
 */
int cal_db_import_csv(struct cal_import_report *out, struct cal_db *db, const char *text,
		      size_t len, const struct cal_import_opts *o);
void cal_import_report_free(struct cal_import_report *r);

/* What an inspector gets (domain.md §9). */
enum cal_verify_status {
	CAL_VERIFY_VALID = 0,
	CAL_VERIFY_EXPIRED = 1,
	CAL_VERIFY_REVOKED = 2,
	CAL_VERIFY_FAIL_RECORD = 3,
	CAL_VERIFY_UNKNOWN = 4,
	/* a later document of the same instrument replaced it (a new certificate,
	 * or a failure record: the instrument failed since) */
	CAL_VERIFY_SUPERSEDED = 5,
	/* what is stored no longer matches what was issued (digest or signature) */
	CAL_VERIFY_TAMPERED = 6,
};
const char *cal_verify_status_name(enum cal_verify_status s); /* "valid"... */

struct cal_verify {
	enum cal_verify_status status;
	struct cal_cert cert;
	struct cal_cert superseded_by; /* number[0] == 0 unless SUPERSEDED */
	struct cal_instrument instrument;
	struct cal_run run;
	bool signed_ok;	    /* signed, and the signature matches */
	char tampered[160]; /* why TAMPERED, "" otherwise */
	/*
	 * When the number is a revision: the revision (cert.number is its
	 * number, cert.issued_at/issue_date its issue, instrument.owner and
	 * run.cond.location corrected); rev.number[0] == 0 otherwise.
	 */
	struct cal_revision rev;
	/*
	 * An imported register row (schema v6): cert holds its number, kind
	 * (verification / failure), dates and instrument; run is empty, nothing
	 * is signed (signed_ok false). imported.id == 0 otherwise.
	 */
	struct cal_history imported;
};

/* @today decides expired. Unknown numbers give CAL_OK with status UNKNOWN. */
int cal_db_verify(struct cal_verify *out, struct cal_db *db, const char *number,
		  const struct cal_date *today);

/* ---- statistics (stats.c) ------------------------------------------------- */

/*
 * What a centre reports upward (domain.md §8): documents counted, grouped by
 * any of these dimensions. Counting rules (docs/statistics.md):
 *  - one completed run with its document counts once: pass = verification
 *    certificate, fail = failure record; a re-verification (another run of
 *    the same instrument, e.g. after repair) counts again;
 *  - a revoked document does not count; a revision (cert_revisions) replaces
 *    its original and adds no count;
 *  - calibrations only with activity calibration, their result the run's
 *    conformity verdict; verifications and calibrations never mix;
 *  - the period is on the document's issue date, both ends included.
 */
enum cal_stats_dim {
	CAL_STATS_TYPE,
	CAL_STATS_MODE,
	CAL_STATS_RESULT,
	CAL_STATS_MONTH,
	CAL_STATS_QUARTER,
	CAL_STATS_YEAR,
	CAL_STATS_OWNER,
	CAL_STATS_OPERATOR,
	CAL_STATS_PROCEDURE,
	CAL_STATS_METHOD,
	CAL_STATS_SOURCE, /* 'run' (measured here) or 'import' */
	CAL_STATS_NDIMS
};
/* "type", "mode", ... */
const char *cal_stats_dim_name(enum cal_stats_dim d);
/* CAL_ERR_ARG naming @name and the known dimensions. */
int cal_stats_dim_parse(enum cal_stats_dim *out, const char *name);
/* "type,month" -> dims; CAL_ERR_ARG for an unknown, repeated or too many. */
int cal_stats_dims_parse(enum cal_stats_dim *dims, size_t *n, const char *list);

struct cal_stats_query {
	const char *from, *to; /* YYYY-MM-DD, NULL or "" = unbounded */
	bool calibration;      /* count calibrations instead of verifications */
	enum cal_stats_dim by[CAL_STATS_NDIMS];
	size_t n_by;
};

struct cal_stats_row {
	char *key[CAL_STATS_NDIMS]; /* one value per dimension of the query, owned */
	int64_t total, pass, fail;  /* pass + fail == total */
};

struct cal_stats {
	struct cal_stats_row *rows; /* ordered by the keys */
	size_t n;
	struct cal_stats_row total; /* no keys */
};

/*
 * Count the history (runs' documents and imported records). CAL_ERR_ARG (message names it) for a
 * date that does not parse or @from after @to. An empty period is CAL_OK with total.total == 0.
 * Free with cal_stats_free.
 */
int cal_db_stats(struct cal_stats *out, struct cal_db *db, const struct cal_stats_query *q);
void cal_stats_free(struct cal_stats *s); /* NULL ok */
/*
 * @in (counted by several dimensions) summed by its key @k alone into @out,
 * ordered by it: one scan for several tables. Free with cal_stats_free.
 */
int cal_stats_rollup(struct cal_stats *out, const struct cal_stats *in, size_t k);
/* The pass rate in % with two decimals, rounded half up: "97.93" ("0.00" when empty). */
void cal_stats_rate(char *out, size_t size, const struct cal_stats_row *r);

#endif
