/*
 * calbench, the command-line program: the only code that prints to stdout.
 *
 * Each command lives in cmd_<name>.c and has the signature of cli_cmd_fn.
 * Commands return an exit code (enum cli_exit), never abort on input, and
 * print one clear line on stderr for every error ("calbench: <message>").
 */
#ifndef CAL_CLI_H
#define CAL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "cal/db.h"

/* Exit codes (documented in README.md and `calbench help`). */
enum cli_exit {
	CLI_OK = 0,	     /* success; `run`: verdict PASS; `verify`: valid */
	CLI_ERROR = 1,	     /* an error: message on stderr */
	CLI_FAIL = 2,	     /* `run`: completed with verdict FAIL (failure record issued) */
	CLI_INTERRUPTED = 3, /* `run`: stopped; resumable with --resume */
	CLI_REFUSED = 4,     /* `run`: refused to start (weights, due dates, instrument data) */
	CLI_UNSTABLE = 5,    /* `read`: no stable reading within the timeout (reading printed) */
	CLI_USAGE = 64,	     /* bad command line (EX_USAGE) */
	/* `verify`: 0 valid, then 10 + enum cal_verify_status */
	CLI_VERIFY_BASE = 10,
};

struct cli {
	const char *argv0;
	const char *db_path; /* --db, $CALBENCH_DB, ./calbench.db */
	bool db_given;	     /* --db was given on the command line */
	bool json;
	bool verbose;
	bool is_tty; /* stdout is a terminal */
	volatile int *stop_flag;
};

typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_sim(struct cli *cli, int argc, char **argv);
int cmd_ports(struct cli *cli, int argc, char **argv);
int cmd_bench(struct cli *cli, int argc, char **argv);
int cmd_read(struct cli *cli, int argc, char **argv);
int cmd_setpoint(struct cli *cli, int argc, char **argv);
int cmd_vent(struct cli *cli, int argc, char **argv);
int cmd_instrument(struct cli *cli, int argc, char **argv);
int cmd_standard(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_runs(struct cli *cli, int argc, char **argv);
int cmd_cert(struct cli *cli, int argc, char **argv);
int cmd_cert_export(struct cli *cli, int argc, char **argv);
int cmd_cert_pdf(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_keys(struct cli *cli, int argc, char **argv);
int cmd_cert_amend(struct cli *cli, int argc, char **argv);
/* The demo's signing key beside its database, made once (cmd_keys.c). */
int cli_demo_keys(struct cli *cli, struct cal_db *db);
int cmd_setting(struct cli *cli, int argc, char **argv);
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
/* what is due (cmd_due.c, cmd_interval.c; docs/due.md) */
int cmd_due(struct cli *cli, int argc, char **argv);
int cmd_interval(struct cli *cli, int argc, char **argv);
int cmd_owner(struct cli *cli, int argc, char **argv);
/* Today's local date, YYYY-MM-DD (cmd_due.c). */
void cli_today(char buf[11]);

/* ---- helpers (cli.c) ------------------------------------------------------ */

/* "calbench: <fmt>" on stderr, plus the library's last error if @with_last. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a library error code: prints cal_error_last() or cal_strerror(err). Returns CLI_ERROR. */
int cli_fail(int err, const char *what);
/* Usage error: message + hint; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Open the database (recovering runs left RUNNING by a dead process).
 * !@create: a missing file is an error ("no database at PATH"), so that a
 * lookup in the wrong directory does not answer from a new, empty database.
 */
int cli_open_db(struct cal_db **out, struct cli *cli, bool create);

/* Columns a text takes (UTF-8 code points: Vietnamese in NFC is one column each). */
size_t cli_width(const char *s);
/* @s padded with spaces to @w columns, on the left when @right (numbers). */
void cli_pad(FILE *f, const char *s, size_t w, bool right);

/* JSON output: a string with escapes, quoted. */
void cli_json_str(FILE *f, const char *s);
/* A number with @decimals digits (decimals < 0: shortest exact form). */
void cli_json_num(FILE *f, double v, int decimals);

/*
 * Minimal long-option parsing that keeps positional arguments in order.
 * Options are "--name value" or "--name=value" or boolean "--flag".
 */
struct cli_opt {
	const char *name;
	bool has_arg;
	const char **value; /* has_arg: receives the value */
	bool *flag;	    /* !has_arg: set true */
};
/*
 * Parse argv[first..argc). Positional arguments are collected into pos
 * (at most max_pos). Returns CLI_OK or CLI_USAGE (message printed).
 */
int cli_parse(int argc, char **argv, int first, const struct cli_opt *opts, const char **pos,
	      int max_pos, int *n_pos, const char *cmd);
/*
 * Close the output of a command: stdout is flushed, a file (@path) closed,
 * and removed when anything failed to be written (message names it).
 * CLI_OK or CLI_ERROR.
 */
int cli_output_close(FILE *f, const char *path, const char *cmd);
/* cli_parse with "-o FILE" read as "--output FILE". */
int cli_parse_o(int argc, char **argv, int first, const struct cli_opt *opts, const char **pos,
		int max_pos, int *n_pos, const char *cmd);

/* Terminal operator for runs (op_term.c); also used by the demo (with a scripted hand). */
#include "cal/procedure.h"
struct term_op {
	struct cli *cli;
	FILE *in;	  /* where answers are typed (stdin) */
	bool interactive; /* a terminal: show live readings, wait for Enter */
	bool quiet_live;  /* never print live readings */
	/* Demo: called instead of waiting for Enter, to put the load on the simulator. */
	void (*hand)(void *ctx, const struct cal_plan_point *pt);
	void *hand_ctx;
	/* Answers file: instructions and indications come from here (still printed). */
	const struct cal_operator_ops *delegate;
	void *delegate_ctx;
	bool live_shown;
};
extern const struct cal_operator_ops term_op_ops;
/* Print the results table of a run. */
void cli_print_results(struct cli *cli, const struct cal_result *r, size_t n);
/* Print a verification answer (human or JSON). */
void cli_print_verify(struct cli *cli, const struct cal_verify *v, const char *number);

#endif
