/*
 * calbench due: what is due for verification or calibration within a window
 * (default 30 days), overdue included: instruments (from their latest
 * verification, the intervals and the owners' contacts) and reference
 * standards (their calibration due dates), as computed by cal_db_due_list
 * (db/due.c, docs/due.md). Table (aligned), CSV (RFC 4180, UTF-8) or JSON.
 *
 * "Today" is the local date of this computer (the day a manager reads the
 * list), or --today. An empty list is not an error: the table says "nothing
 * due within N days (as of DATE)"; CSV and JSON are then a header alone and
 * an empty list, with that sentence on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cal/clock.h"
#include "cal/due.h"
#include "cal/error.h"
#include "cli.h"

void cli_today(char buf[11])
{
	struct cal_date d = { 1970, 1, 1 };
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm)) {
		d.year = tm.tm_year + 1900;
		d.month = tm.tm_mon + 1;
		d.day = tm.tm_mday;
	} else {
		cal_date_from_unix(&d, (int64_t)now);
	}
	cal_date_format(buf, 11, &d);
}

/* "30", "30d" -> 30 days; -1 when it is neither. */
static int parse_within(const char *s)
{
	size_t n = strlen(s), digits = strspn(s, "0123456789");

	if (digits == 0 || digits > 6 || !(digits == n || (digits + 1 == n && s[n - 1] == 'd')))
		return -1;
	return atoi(s);
}

/* "overdue 12 d", "today", "in 5 d" */
static void when(char *out, size_t size, const struct cal_due *d)
{
	if (d->days_left < 0)
		snprintf(out, size, "overdue %d d", -d->days_left);
	else if (d->days_left == 0)
		snprintf(out, size, "today");
	else
		snprintf(out, size, "in %d d", d->days_left);
}

#define TABLE_COLS 8

static void cells_of(const char *c[TABLE_COLS], const struct cal_due *d, const char *w)
{
	c[0] = d->due_date;
	c[1] = w;
	c[2] = d->kind;
	c[3] = d->id;
	c[4] = d->type;
	c[5] = d->owner;
	c[6] = d->phone;
	c[7] = d->basis;
}

static void print_table(FILE *f, const struct cal_due *d, size_t n, const char *today, int within,
			const char *until)
{
	static const char *const head[TABLE_COLS] = { "due",  "when",  "kind",	"id",
						      "type", "owner", "phone", "basis" };
	size_t w[TABLE_COLS], n_std = 0, n_over = 0;
	const char *c[TABLE_COLS];
	char wh[32];

	for (size_t i = 0; i < n; i++) {
		n_std += strcmp(d[i].kind, "standard") == 0;
		n_over += d[i].days_left < 0;
	}
	fprintf(f,
		"Due within %d days of %s (until %s): %zu instrument%s, %zu standard%s; %zu "
		"overdue\n\n",
		within, today, until, n - n_std, n - n_std == 1 ? "" : "s", n_std,
		n_std == 1 ? "" : "s", n_over);
	for (size_t j = 0; j < TABLE_COLS; j++)
		w[j] = cli_width(head[j]);
	for (size_t i = 0; i < n; i++) {
		when(wh, sizeof(wh), &d[i]);
		cells_of(c, &d[i], wh);
		for (size_t j = 0; j < TABLE_COLS; j++)
			if (cli_width(c[j]) > w[j])
				w[j] = cli_width(c[j]);
	}
	for (size_t j = 0; j < TABLE_COLS; j++) {
		if (j + 1 < TABLE_COLS) {
			cli_pad(f, head[j], w[j], j == 1);
			fputs("  ", f);
		} else {
			fprintf(f, "%s\n", head[j]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		when(wh, sizeof(wh), &d[i]);
		cells_of(c, &d[i], wh);
		for (size_t j = 0; j + 1 < TABLE_COLS; j++) {
			cli_pad(f, c[j], w[j], j == 1);
			fputs("  ", f);
		}
		fprintf(f, "%s\n", c[TABLE_COLS - 1]);
	}
}

/* RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
static void csv_cell(FILE *f, const char *s, bool last)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
	} else {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static void print_csv(FILE *f, const struct cal_due *d, size_t n)
{
	fputs("kind,id,type,serial,owner,contact,phone,email,address,last_date,last_result,"
	      "last_number,due_date,days_left,basis\r\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		const char *c[] = { d[i].kind,	    d[i].id,	      d[i].type,
				    d[i].serial,    d[i].owner,	      d[i].contact,
				    d[i].phone,	    d[i].email,	      d[i].address,
				    d[i].last_date, d[i].last_result, d[i].last_number,
				    d[i].due_date };
		char days[16];

		for (size_t j = 0; j < sizeof(c) / sizeof(c[0]); j++)
			csv_cell(f, c[j], false);
		snprintf(days, sizeof(days), "%d", d[i].days_left);
		csv_cell(f, days, false);
		csv_cell(f, d[i].basis, true);
	}
}

/* A string, or null when empty. */
static void json_opt(FILE *f, const char *s)
{
	if (s[0])
		cli_json_str(f, s);
	else
		fputs("null", f);
}

static void print_json(FILE *f, const struct cal_due *d, size_t n, const char *today, int within,
		       const char *until)
{
	fputs("{\n  \"today\": ", f);
	cli_json_str(f, today);
	fprintf(f, ",\n  \"within_days\": %d,\n  \"until\": ", within);
	cli_json_str(f, until);
	fputs(",\n  \"items\": [", f);
	for (size_t i = 0; i < n; i++) {
		const struct {
			const char *k, *v;
		} s[] = {
			{ "kind", d[i].kind },	     { "id", d[i].id },
			{ "type", d[i].type },	     { "serial", d[i].serial },
			{ "owner", d[i].owner },     { "contact", d[i].contact },
			{ "phone", d[i].phone },     { "email", d[i].email },
			{ "address", d[i].address },
		};

		fputs(i ? ",\n    {" : "\n    {", f);
		for (size_t j = 0; j < sizeof(s) / sizeof(s[0]); j++) {
			cli_json_str(f, s[j].k);
			fputs(": ", f);
			cli_json_str(f, s[j].v);
			fputs(", ", f);
		}
		fputs("\"last_date\": ", f);
		json_opt(f, d[i].last_date);
		fputs(", \"last_result\": ", f);
		json_opt(f, d[i].last_result);
		fputs(", \"last_number\": ", f);
		json_opt(f, d[i].last_number);
		fputs(", \"due_date\": ", f);
		cli_json_str(f, d[i].due_date);
		fprintf(f, ", \"days_left\": %d, \"overdue\": %s, \"basis\": ", d[i].days_left,
			d[i].days_left < 0 ? "true" : "false");
		cli_json_str(f, d[i].basis);
		fputc('}', f);
	}
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", f);
}

int cmd_due(struct cli *cli, int argc, char **argv)
{
	const char *within_s = NULL, *today_s = NULL, *format = NULL, *output = NULL;
	const struct cli_opt opts[] = {
		{ "within", true, &within_s, NULL }, { "today", true, &today_s, NULL },
		{ "format", true, &format, NULL },   { "output", true, &output, NULL },
		{ NULL, false, NULL, NULL },
	};
	struct cal_due *d = NULL;
	struct cal_db *db = NULL;
	char today[11], until[11];
	struct cal_date t;
	const char *pos[1];
	int npos, rc, within = 30;
	FILE *f = stdout;
	size_t n = 0;

	rc = cli_parse_o(argc, argv, 1, opts, pos, 0, &npos, "due");
	if (rc)
		return rc;
	if (!format)
		format = "table";
	if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
		return cli_usage("due", "due: unknown format '%s' (table, csv or json)", format);
	if (within_s) {
		within = parse_within(within_s);
		if (within < 0)
			return cli_usage("due",
					 "due: --within '%s' is not a number of days (e.g. 30 or "
					 "30d)",
					 within_s);
		if (within > CAL_DUE_MAX_WITHIN_DAYS)
			return cli_usage("due", "due: --within %s is out of range (0 to %d days)",
					 within_s, CAL_DUE_MAX_WITHIN_DAYS);
	}
	if (today_s) {
		if (cal_date_parse(&t, today_s) != CAL_OK)
			return cli_usage("due", "due: --today '%s' is not a date (YYYY-MM-DD)",
					 today_s);
		snprintf(today, sizeof(today), "%s", today_s);
	} else {
		cli_today(today);
	}
	if (output && !output[0])
		return cli_usage("due", "due: -o needs a file name");
	if (cal_date_add_days_str(until, sizeof(until), today, within))
		return cli_fail(CAL_ERR_ARG, "due");

	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	rc = cal_db_due_list(&d, &n, db, today, within);
	cal_db_close(db);
	if (rc)
		return cli_fail(rc, "due");
	if (output && strcmp(output, "-") != 0) {
		f = fopen(output, "w");
		if (!f) {
			cli_err("due: cannot write %s: %s", output, strerror(errno));
			free(d);
			return CLI_ERROR;
		}
	}
	if (!n && strcmp(format, "table") == 0)
		fprintf(f, "nothing due within %d days (as of %s)\n", within, today);
	else if (!n)
		fprintf(stderr, "nothing due within %d days (as of %s)\n", within, today);
	if (strcmp(format, "csv") == 0)
		print_csv(f, d, n);
	else if (strcmp(format, "json") == 0)
		print_json(f, d, n, today, within, until);
	else if (n)
		print_table(f, d, n, today, within, until);
	free(d);
	return cli_output_close(f, output, "due");
}
