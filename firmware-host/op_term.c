/*
 * The operator at a terminal (or a pipe, or an answers file): prints each
 * instruction and progress, waits for Enter, asks for typed indications,
 * shows the live reading while the balance settles, prints each result.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "cal/units.h"
#include "cli.h"

static void clear_live(struct term_op *t)
{
	if (t->live_shown) {
		fputs("\r\033[K", stdout);
		t->live_shown = false;
	}
}

static void step_head(const struct cal_step_info *s)
{
	printf("[%zu/%zu] %s, %s: ", s->k, s->n, s->test_title, s->point->label);
}

/* One line from the operator; CAL_ERR_INTERRUPTED on EOF, Ctrl-C or "q". */
static int read_line(struct term_op *t, char *buf, size_t size)
{
	fflush(stdout);
	errno = 0;
	if (!fgets(buf, (int)size, t->in) || *t->cli->stop_flag) {
		int sig = *t->cli->stop_flag;

		return cal_error_set(CAL_ERR_INTERRUPTED, "%s",
				     sig == SIGINT ? "stopped by the operator (Ctrl-C)"
				     : sig	   ? "stopped by a signal (SIGTERM)"
						   : "no more input from the operator");
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strcmp(buf, "q") == 0 || strcmp(buf, "quit") == 0)
		return cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
	return CAL_OK;
}

static int term_instruct(void *ctx, const struct cal_step_info *step, const char *text)
{
	struct term_op *t = ctx;
	char line[128];

	clear_live(t);
	step_head(step);
	if (t->hand) {
		printf("%s\n", text);
		fflush(stdout);
		t->hand(t->hand_ctx, step->point);
		return CAL_OK;
	}
	if (t->delegate) {
		printf("%s\n", text);
		fflush(stdout);
		return t->delegate->instruct(t->delegate_ctx, step, text);
	}
	/* On a pipe the prompt is a whole line, so a script can react to it. */
	printf("%s, then press Enter (q to stop)%s", text, t->interactive ? " " : "\n");
	return read_line(t, line, sizeof(line));
}

static int term_ask_value(void *ctx, const struct cal_step_info *step, const char *prompt,
			  double *value, int *decimals)
{
	struct term_op *t = ctx;
	char line[128];
	int err;

	clear_live(t);
	if (t->delegate) {
		err = t->delegate->ask_value(t->delegate_ctx, step, prompt, value, decimals);
		if (!err) {
			char num[48];

			cal_num_format(num, sizeof(num), *value, *decimals);
			printf("        %s: %s\n", prompt, num);
		}
		return err;
	}
	for (int attempt = 0;; attempt++) {
		printf("        %s:%s", prompt, t->interactive ? " " : "\n");
		err = read_line(t, line, sizeof(line));
		if (err)
			return err;
		if (!cal_num_parse_str(value, decimals, line) && isfinite(*value))
			return CAL_OK;
		if (!t->interactive || attempt >= 4)
			return cal_error_set(CAL_ERR_ARG,
					     "'%s' is not a number ('.' is the decimal point)",
					     line);
		printf("        '%s' is not a number; type it as shown, with '.' as decimal "
		       "point\n",
		       line);
	}
}

static void term_live(void *ctx, const struct cal_step_info *step, const struct cal_reading *rd)
{
	struct term_op *t = ctx;
	char num[48];

	if (!t->interactive || t->quiet_live)
		return;
	cal_num_format(num, sizeof(num), rd->value, rd->decimals);
	printf("\r\033[K        live: %s %s  %s", num, cal_unit_symbol(rd->unit),
	       (rd->flags & CAL_RD_STABLE) ? "stable" : "settling...");
	fflush(stdout);
	t->live_shown = true;
}

static void term_result(void *ctx, const struct cal_step_info *step, const struct cal_result *r)
{
	struct term_op *t = ctx;
	char ind[48], err[48], mpe[48];

	clear_live(t);
	cal_num_format(ind, sizeof(ind), r->indication, r->decimals);
	cal_num_format(err, sizeof(err), r->error,
		       r->decimals + (step->point->summary ? 0 : CAL_ERROR_EXTRA_DECIMALS));
	cal_num_format_g(mpe, sizeof(mpe), r->mpe);
	if (step->point->summary)
		printf("[%zu/%zu] %s, %s: range %s %s, |MPE| %s %s  %s\n", step->k, step->n,
		       step->test_title, r->label, err, r->unit, mpe, r->unit, r->verdict);
	else
		printf("        I = %s %s, E = %s %s, MPE \xc2\xb1%s %s  %s\n", ind, r->unit, err,
		       r->unit, mpe, r->unit, r->verdict);
	fflush(stdout);
}

const struct cal_operator_ops term_op_ops = {
	.instruct = term_instruct,
	.ask_value = term_ask_value,
	.live = term_live,
	.result = term_result,
};

void cli_print_results(struct cli *cli, const struct cal_result *r, size_t n)
{
	bool cal = false;

	(void)cli;
	for (size_t i = 0; i < n; i++)
		cal = cal || r[i].k > 0;
	printf("%3s  %-13s %-24s %10s %12s %12s %10s %8s  %s%s\n", "#", "test", "point", "load",
	       "reference", "indication", "error", "MPE", cal ? "     U (k)      " : "", "verdict");
	for (size_t i = 0; i < n; i++) {
		char load[32], ref[32], ind[32], err[32], mpe[32], u[48] = "";
		bool range = strcmp(r[i].test, "repeatability") == 0 && r[i].reading_id == 0;
		bool hyst = strcmp(r[i].test, "hysteresis") == 0;

		cal_num_format_g(load, sizeof(load), r[i].load);
		/* what the error is taken against: the weights' conventional mass, the
		 * reference pressure as read; to the digits of the error */
		if (isfinite(r[i].ref) && !range && !hyst)
			cal_num_format(ref, sizeof(ref), r[i].ref,
				       r[i].decimals + CAL_ERROR_EXTRA_DECIMALS);
		else
			snprintf(ref, sizeof(ref), "-");
		if (range)
			snprintf(ind, sizeof(ind), "(range)");
		else if (hyst)
			snprintf(ind, sizeof(ind), "(down-up)");
		else
			cal_num_format(ind, sizeof(ind), r[i].indication, r[i].decimals);
		cal_num_format(err, sizeof(err), r[i].error,
			       r[i].decimals + (range ? 0 : CAL_ERROR_EXTRA_DECIMALS));
		cal_num_format_g(mpe, sizeof(mpe), r[i].mpe);
		if (cal && r[i].k > 0) {
			char ut[32];

			/* U to two significant digits, half up (ILAC-P14, GUM 7.2.6) */
			if (cal_round_sig(ut, sizeof(ut), NULL, NULL, r[i].u, 2))
				snprintf(ut, sizeof(ut), "%g", r[i].u);
			snprintf(u, sizeof(u), "%8s (%.2f)  ", ut, r[i].k);
		} else if (cal) {
			snprintf(u, sizeof(u), "%16s", "");
		}
		printf("%3d  %-13s %-24s %7s %-2s %12s %12s %10s %8s  %s%s\n", r[i].seq, r[i].test,
		       r[i].label, load, r[i].unit, ref, ind, err, mpe, u, r[i].verdict);
	}
}
