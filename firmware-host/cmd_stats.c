/*
 * calbench stats: what a centre reports upward (domain.md §8), counted by
 * cal_db_stats (db/stats.c, the counting rules) and shown as an aligned
 * table, CSV (RFC 4180, UTF-8), JSON or a self-contained HTML page with
 * inline SVG charts (per month, per instrument type). docs/statistics.md.
 *
 * An empty period is an error (exit 1, "no verifications in this period"),
 * and no file is written then: an empty report is never mistaken for one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cli.h"

/* 2559 -> "2,559" */
static void fmt_count(char *out, size_t size, int64_t v)
{
	char digits[32];
	size_t n, o = 0;

	snprintf(digits, sizeof(digits), "%lld", (long long)v);
	n = strlen(digits);
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		if (i && digits[i] != '-' && (n - i) % 3 == 0 && digits[i - 1] != '-')
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* An empty value (e.g. the procedure of an imported row) reads "(none)" in the table. */
static const char *key_shown(const char *k)
{
	return k[0] ? k : "(none)";
}

static const char *const num_head[] = { "total", "pass", "fail", "pass rate" };

static void row_nums(char cells[4][40], const struct cal_stats_row *r)
{
	char rate[16];

	fmt_count(cells[0], 40, r->total);
	fmt_count(cells[1], 40, r->pass);
	fmt_count(cells[2], 40, r->fail);
	cal_stats_rate(rate, sizeof(rate), r);
	snprintf(cells[3], 40, "%s %%", rate);
}

static void print_table(FILE *f, const struct cal_stats *s, const struct cal_stats_query *q,
			const char *period)
{
	size_t w[CAL_STATS_NDIMS + 4];
	char cells[4][40], total[40], pass[40], fail[40], rate[16];

	fprintf(f, "%s statistics, %s\n", q->calibration ? "Calibration" : "Verification", period);
	if (q->n_by) {
		for (size_t i = 0; i < q->n_by; i++) {
			w[i] = cli_width(cal_stats_dim_name(q->by[i]));
			for (size_t r = 0; r < s->n; r++)
				if (cli_width(key_shown(s->rows[r].key[i])) > w[i])
					w[i] = cli_width(key_shown(s->rows[r].key[i]));
		}
		for (size_t j = 0; j < 4; j++) {
			w[q->n_by + j] = strlen(num_head[j]);
			for (size_t r = 0; r <= s->n; r++) {
				row_nums(cells, r < s->n ? &s->rows[r] : &s->total);
				if (strlen(cells[j]) > w[q->n_by + j])
					w[q->n_by + j] = strlen(cells[j]);
			}
		}
		fputc('\n', f);
		for (size_t i = 0; i < q->n_by; i++) {
			cli_pad(f, cal_stats_dim_name(q->by[i]), w[i], false);
			fputs("  ", f);
		}
		for (size_t j = 0; j < 4; j++) {
			cli_pad(f, num_head[j], w[q->n_by + j], true);
			fputs(j < 3 ? "  " : "\n", f);
		}
		for (size_t r = 0; r <= s->n; r++) {
			const struct cal_stats_row *row = r < s->n ? &s->rows[r] : &s->total;

			for (size_t i = 0; i < q->n_by; i++) {
				cli_pad(f, r < s->n ? key_shown(row->key[i]) : (i ? "" : "(all)"),
					w[i], false);
				fputs("  ", f);
			}
			row_nums(cells, row);
			for (size_t j = 0; j < 4; j++) {
				cli_pad(f, cells[j], w[q->n_by + j], true);
				fputs(j < 3 ? "  " : "\n", f);
			}
		}
		fputc('\n', f);
	}
	fmt_count(total, sizeof(total), s->total.total);
	fmt_count(pass, sizeof(pass), s->total.pass);
	fmt_count(fail, sizeof(fail), s->total.fail);
	cal_stats_rate(rate, sizeof(rate), &s->total);
	fprintf(f, "%s instruments %s, %s pass, %s fail, %s %%\n", total,
		q->calibration ? "calibrated" : "verified", pass, fail, rate);
}

/* RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
static void csv_cell(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_row(FILE *f, const struct cal_stats_row *r, const struct cal_stats_query *q,
		    bool is_total)
{
	char rate[16];

	for (size_t i = 0; i < q->n_by; i++) {
		csv_cell(f, is_total ? (i ? "" : "(all)") : r->key[i]);
		fputc(',', f);
	}
	cal_stats_rate(rate, sizeof(rate), r);
	fprintf(f, "%lld,%lld,%lld,%s\r\n", (long long)r->total, (long long)r->pass,
		(long long)r->fail, rate);
}

static void print_csv(FILE *f, const struct cal_stats *s, const struct cal_stats_query *q)
{
	for (size_t i = 0; i < q->n_by; i++)
		fprintf(f, "%s,", cal_stats_dim_name(q->by[i]));
	fputs("total,pass,fail,pass_rate\r\n", f);
	for (size_t r = 0; r < s->n; r++)
		csv_row(f, &s->rows[r], q, false);
	csv_row(f, &s->total, q, true);
}

static void json_counts(FILE *f, const struct cal_stats_row *r)
{
	char rate[16];

	cal_stats_rate(rate, sizeof(rate), r);
	fprintf(f, "\"total\": %lld, \"pass\": %lld, \"fail\": %lld, \"pass_rate\": %s",
		(long long)r->total, (long long)r->pass, (long long)r->fail, rate);
}

static void json_date(FILE *f, const char *d)
{
	if (d && d[0])
		cli_json_str(f, d);
	else
		fputs("null", f);
}

static void print_json(FILE *f, const struct cal_stats *s, const struct cal_stats_query *q)
{
	fprintf(f, "{\n  \"activity\": \"%s\",\n  \"period\": {\"from\": ",
		q->calibration ? "calibration" : "verification");
	json_date(f, q->from);
	fputs(", \"to\": ", f);
	json_date(f, q->to);
	fputs("},\n  \"dimensions\": [", f);
	for (size_t i = 0; i < q->n_by; i++) {
		fputs(i ? ", " : "", f);
		cli_json_str(f, cal_stats_dim_name(q->by[i]));
	}
	fputs("],\n  \"groups\": [", f);
	for (size_t r = 0; r < s->n; r++) {
		fputs(r ? ",\n    {" : "\n    {", f);
		for (size_t i = 0; i < q->n_by; i++) {
			cli_json_str(f, cal_stats_dim_name(q->by[i]));
			fputs(": ", f);
			cli_json_str(f, s->rows[r].key[i]);
			fputs(", ", f);
		}
		json_counts(f, &s->rows[r]);
		fputc('}', f);
	}
	fputs(s->n ? "\n  ],\n  \"total\": {" : "],\n  \"total\": {", f);
	json_counts(f, &s->total);
	fputs("}\n}\n", f);
}

/* HTML text and attribute values: & < > " ' escaped. */
static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char html_css[] =
	"body{font-family:system-ui,sans-serif;max-width:48em;margin:1em auto;padding:0 .75em;"
	"color:#111;line-height:1.4}\n"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}\n"
	".summary{font-size:1.1em;font-weight:bold}\n"
	".scroll{overflow-x:auto}\n"
	"table{border-collapse:collapse;margin:.5em 0}\n"
	"th,td{border:1px solid #999;padding:.2em .5em;text-align:left}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"thead th{background:#eee}tfoot th,tfoot td{font-weight:bold;border-top:2px solid #111}\n"
	"svg{width:100%;height:auto;max-width:40em;display:block}\n"
	"svg text{font-family:system-ui,sans-serif;font-size:13px;fill:#111}\n"
	".pass{fill:#2e7d32}.fail{fill:#e57373}\n"
	"@media print{body{max-width:none;margin:0;font-size:11pt}.scroll{overflow:visible}"
	"h2,table,svg{break-inside:avoid}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void html_num_cells(FILE *f, const char *tag, const struct cal_stats_row *r)
{
	char cells[4][40];

	row_nums(cells, r);
	for (size_t j = 0; j < 4; j++)
		fprintf(f, "<%s class=\"n\">%s</%s>", tag, cells[j], tag);
}

static void html_table(FILE *f, const struct cal_stats *s, const struct cal_stats_query *q)
{
	fputs("<div class=\"scroll\"><table>\n<thead><tr>", f);
	for (size_t i = 0; i < q->n_by; i++) {
		fputs("<th scope=\"col\">", f);
		html_esc(f, cal_stats_dim_name(q->by[i]));
		fputs("</th>", f);
	}
	for (size_t j = 0; j < 4; j++)
		fprintf(f, "<th scope=\"col\" class=\"n\">%s</th>", num_head[j]);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t r = 0; r < s->n; r++) {
		fputs("<tr>", f);
		for (size_t i = 0; i < q->n_by; i++) {
			fputs("<td>", f);
			html_esc(f, s->rows[r].key[i]);
			fputs("</td>", f);
		}
		html_num_cells(f, "td", &s->rows[r]);
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n<tfoot><tr class=\"total\">", f);
	for (size_t i = 0; i < q->n_by; i++)
		fputs(i ? "<td></td>" : "<th scope=\"row\">(all)</th>", f);
	html_num_cells(f, "td", &s->total);
	fputs("</tr></tfoot>\n</table></div>\n", f);
}

/* Bar lengths in SVG units, integers: no locale, no floating point. */
enum { SVG_W = 600, SVG_BAR = 400, SVG_ROW = 40 };

static int64_t bar_len(int64_t v, int64_t max)
{
	int64_t w = max > 0 ? (v * SVG_BAR + max / 2) / max : 0;

	return v > 0 && w == 0 ? 1 : w;
}

/* Horizontal stacked bars, one row per group: its label, pass then fail, the numbers. */
static void html_chart(FILE *f, const char *title, const struct cal_stats *s)
{
	int64_t max = 0;
	size_t h = s->n * SVG_ROW + 8;

	for (size_t r = 0; r < s->n; r++)
		if (s->rows[r].total > max)
			max = s->rows[r].total;
	fputs("<h2>", f);
	html_esc(f, title);
	fputs("</h2>\n", f);
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %zu\" "
		"width=\"%d\" height=\"%zu\" role=\"img\" aria-label=\"",
		SVG_W, h, SVG_W, h);
	html_esc(f, title);
	fputs("\">\n", f);
	for (size_t r = 0; r < s->n; r++) {
		const struct cal_stats_row *row = &s->rows[r];
		size_t y = r * SVG_ROW;
		int64_t wp = bar_len(row->pass, max), wf = bar_len(row->fail, max);
		char pass[40], fail[40];

		fmt_count(pass, sizeof(pass), row->pass);
		fmt_count(fail, sizeof(fail), row->fail);
		fprintf(f, "<text x=\"0\" y=\"%zu\">", y + 14);
		html_esc(f, row->key[0][0] ? row->key[0] : "(none)");
		fputs("</text>\n", f);
		fprintf(f,
			"<rect class=\"bar pass\" x=\"0\" y=\"%zu\" width=\"%lld\" height=\"16\"/>"
			"<rect class=\"bar fail\" x=\"%lld\" y=\"%zu\" width=\"%lld\" "
			"height=\"16\"/>\n",
			y + 20, (long long)wp, (long long)wp, y + 20, (long long)wf);
		fprintf(f, "<text x=\"%lld\" y=\"%zu\">%s pass, %s fail</text>\n",
			(long long)(wp + wf + 6), y + 33, pass, fail);
	}
	fputs("</svg>\n", f);
}

static void print_html(FILE *f, const struct cal_stats *s, const struct cal_stats_query *q,
		       const char *period, const struct cal_stats *by_month,
		       const struct cal_stats *by_type)
{
	const char *what = q->calibration ? "Calibration" : "Verification";
	char total[40], pass[40], fail[40], rate[16];

	fmt_count(total, sizeof(total), s->total.total);
	fmt_count(pass, sizeof(pass), s->total.pass);
	fmt_count(fail, sizeof(fail), s->total.fail);
	cal_stats_rate(rate, sizeof(rate), &s->total);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
	      f);
	fprintf(f, "<title>%s statistics, ", what);
	html_esc(f, period);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_css);
	fprintf(f, "<h1>%s statistics</h1>\n<p class=\"period\">Period: ", what);
	html_esc(f, period);
	fputs(" (issue dates, both ends included)</p>\n", f);
	fprintf(f, "<p class=\"summary\">%s instruments %s, %s pass, %s fail, %s %%</p>\n", total,
		q->calibration ? "calibrated" : "verified", pass, fail, rate);
	if (q->n_by) {
		fputs("<h2>By ", f);
		for (size_t i = 0; i < q->n_by; i++) {
			fputs(i ? ", " : "", f);
			html_esc(f, cal_stats_dim_name(q->by[i]));
		}
		fputs("</h2>\n", f);
	}
	html_table(f, s, q);
	html_chart(f, "Pass and fail per month", by_month);
	html_chart(f, "Pass and fail per instrument type", by_type);
	fputs("</body>\n</html>\n", f);
}

int cmd_stats(struct cli *cli, int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *activity = NULL, *by = NULL, *format = NULL;
	const char *output = NULL;
	const struct cli_opt opts[] = {
		{ "from", true, &from, NULL },	       { "to", true, &to, NULL },
		{ "activity", true, &activity, NULL }, { "by", true, &by, NULL },
		{ "format", true, &format, NULL },     { "output", true, &output, NULL },
		{ NULL, false, NULL, NULL },
	};
	struct cal_stats_query q = { 0 };
	struct cal_stats s = { 0 }, by_month = { 0 }, by_type = { 0 };
	struct cal_db *db = NULL;
	char period[64];
	const char *pos[1];
	FILE *f = stdout;
	int npos, rc;

	rc = cli_parse_o(argc, argv, 1, opts, pos, 0, &npos, "stats");
	if (rc)
		return rc;
	if (!format)
		format = "table";
	if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json") &&
	    strcmp(format, "html"))
		return cli_usage("stats", "stats: unknown format '%s' (table, csv, json or html)",
				 format);
	if (activity && strcmp(activity, "verification") && strcmp(activity, "calibration"))
		return cli_usage("stats",
				 "stats: unknown activity '%s' (verification or calibration)",
				 activity);
	if (output && !output[0])
		return cli_usage("stats", "stats: -o needs a file name");
	if ((from && !from[0]) || (to && !to[0]))
		return cli_usage("stats", "stats: --%s: '' is not a date (YYYY-MM-DD)",
				 from && !from[0] ? "from" : "to");
	q.from = from;
	q.to = to;
	q.calibration = activity && strcmp(activity, "calibration") == 0;
	if (by && cal_stats_dims_parse(q.by, &q.n_by, by))
		return cli_usage("stats", "stats: %s", cal_error_last());

	/*
	 * Read-only when it can (no connection mutex, nothing written: 13 % of
	 * a scan); a database of an older schema is upgraded by the usual open.
	 */
	if (cal_db_open_readonly(&db, cli->db_path) != CAL_OK) {
		cal_error_clear();
		rc = cli_open_db(&db, cli, false);
		if (rc)
			return rc;
	}
	rc = cal_db_stats(&s, db, &q);
	if (!rc && strcmp(format, "html") == 0) {
		/* the charts: pass/fail per month and per instrument type, same period */
		/* one more scan, by type and month, summed both ways */
		struct cal_stats_query qc = q;
		struct cal_stats both = { 0 };

		qc.n_by = 2;
		qc.by[0] = CAL_STATS_TYPE;
		qc.by[1] = CAL_STATS_MONTH;
		rc = cal_db_stats(&both, db, &qc);
		if (!rc)
			rc = cal_stats_rollup(&by_type, &both, 0);
		if (!rc)
			rc = cal_stats_rollup(&by_month, &both, 1);
		cal_stats_free(&both);
	}
	cal_db_close(db);
	if (rc) {
		cal_stats_free(&s);
		cal_stats_free(&by_month);
		cal_stats_free(&by_type);
		return cli_fail(rc, "stats");
	}
	snprintf(period, sizeof(period), "%s to %s", from && from[0] ? from : "the first",
		 to && to[0] ? to : "the last");
	if (s.total.total == 0) {
		cal_stats_free(&s);
		cal_stats_free(&by_month);
		cal_stats_free(&by_type);
		cli_err("no %s in this period (%s)",
			q.calibration ? "calibrations" : "verifications", period);
		return CLI_ERROR;
	}
	if (output && strcmp(output, "-") != 0) {
		f = fopen(output, "w");
		if (!f) {
			cli_err("stats: cannot write %s: %s", output, strerror(errno));
			cal_stats_free(&s);
			cal_stats_free(&by_month);
			cal_stats_free(&by_type);
			return CLI_ERROR;
		}
	}
	if (strcmp(format, "csv") == 0)
		print_csv(f, &s, &q);
	else if (strcmp(format, "json") == 0)
		print_json(f, &s, &q);
	else if (strcmp(format, "html") == 0)
		print_html(f, &s, &q, period, &by_month, &by_type);
	else
		print_table(f, &s, &q, period);
	cal_stats_free(&s);
	cal_stats_free(&by_month);
	cal_stats_free(&by_type);
	return cli_output_close(f, output, "stats");
}
