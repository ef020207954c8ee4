/*
 * bench_pdf: PDF documents per second through cal_pdf_render()
 * (documents/pdf.c), on two documents built in memory the way
 * cal_certdoc_load() returns them:
 *
 *  - a balance verification: 19 results, 6 weights, the centre's details
 *    and a verification URL (the QR code): one A4 page;
 *  - a pressure verification with 41 points: 123 results over three pages.
 *
 * Each is rendered by a renderer whose fonts are loaded once (a batch, the
 * verification service), and the balance also one-shot (cal_certdoc_pdf_mem:
 * the two DejaVu files are read and parsed for each document, which is what
 * `calbench cert pdf` does, once per process).
 *
 * The baseline is libharu alone doing the same job without calbench: the
 * same two embedded DejaVu fonts in UTF-8, loaded once, one A4 page with as
 * many runs of text as the balance certificate (330), saved to memory; no
 * layout, no wrapping, no QR code, no composite-glyph fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>

#include "cal/error.h"
#include "cal/pdf.h"

#include "bench_util.h"

static const char usage[] = "PDF certificates per second: cal_pdf_render vs bare libharu.\n";

static void centre(struct cal_certdoc *d)
{
	struct cal_cert *c = &d->v.cert;
	struct cal_centre *ce = &d->centre;

	snprintf(c->lab_name, sizeof(c->lab_name), "%s",
		 "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Quảng Ngãi");
	snprintf(c->lab_address, sizeof(c->lab_address), "%s", "Số 163 Hùng Vương, TP. Quảng Ngãi");
	snprintf(ce->place, sizeof(ce->place), "Quảng Ngãi");
	snprintf(ce->phone, sizeof(ce->phone), "0255 3822 123");
	snprintf(ce->email, sizeof(ce->email), "kd@example.vn");
	snprintf(ce->approver, sizeof(ce->approver), "Nguyễn Thị Hồng Ánh");
	snprintf(ce->approver_title, sizeof(ce->approver_title), "Giám đốc / Director");
	snprintf(ce->verify_url, sizeof(ce->verify_url), "https://kd.example.vn/verify/");
	snprintf(d->url, sizeof(d->url), "%s%s", ce->verify_url, c->number);
	snprintf(d->decision_rule, sizeof(d->decision_rule),
		 "simple acceptance: each |E| <= MPE (ILAC-G8:09/2019 §4.2.1)");
	snprintf(d->limits, sizeof(d->limits),
		 "MPE = 2 x the initial-verification MPE of R 76-1 Table 6 (periodic "
		 "verification); standards: sum of their MPEs <= 0.3333 x MPE");
}

static void run(struct cal_run *r, const char *method, const char *proc)
{
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->procedure_id, sizeof(r->procedure_id), "%s", proc);
	snprintf(r->procedure_title, sizeof(r->procedure_title), "Kiểm định / verification (%s)",
		 method);
	memset(r->procedure_sha256, 'a', 64);
	snprintf(r->mode, sizeof(r->mode), "periodic");
	snprintf(r->operator_name, sizeof(r->operator_name), "Lê Văn Thành");
	snprintf(r->verdict, sizeof(r->verdict), "PASS");
	snprintf(r->started_at, sizeof(r->started_at), "2026-11-29T06:57:43Z");
	snprintf(r->finished_at, sizeof(r->finished_at), "2026-11-29T07:31:54Z");
}

/* The balance of the integration tests: class III, Max 30 kg, 19 results. */
static int balance(struct cal_certdoc *d)
{
	static const double loads[19] = { 0,	 100,	2500,  10000, 15000, 30000, 15000,
					  10000, 2500,	100,   10000, 10000, 10000, 10000,
					  10000, 15000, 15000, 15000, 15000 };
	static const double weights[6] = { 20, 10, 5, 2, 0.5, 0.1 };
	struct cal_instrument *in = &d->v.instrument;

	memset(d, 0, sizeof(*d));
	snprintf(d->v.cert.number, sizeof(d->v.cert.number), "CB-2026-000123");
	d->v.cert.kind = CAL_CERT_VERIFICATION;
	snprintf(d->v.cert.issued_at, sizeof(d->v.cert.issued_at), "2026-11-29T07:31:54Z");
	snprintf(d->v.cert.issue_date, sizeof(d->v.cert.issue_date), "2026-11-29");
	snprintf(d->v.cert.valid_until, sizeof(d->v.cert.valid_until), "2027-11-29");
	snprintf(in->id, sizeof(in->id), "BAL-PDF");
	snprintf(in->type, sizeof(in->type), "cân kỹ thuật");
	snprintf(in->manufacturer, sizeof(in->manufacturer), "IT Scales");
	snprintf(in->model, sizeof(in->model), "IT-30");
	snprintf(in->serial, sizeof(in->serial), "SN-PDF-1");
	snprintf(in->owner, sizeof(in->owner), "Công ty TNHH Thương mại Đức Thắng");
	snprintf(in->accuracy_class, sizeof(in->accuracy_class), "III");
	snprintf(in->unit, sizeof(in->unit), "g");
	in->max = 30000;
	in->min = 100;
	in->e = 5;
	in->d = 5;
	snprintf(in->kind, sizeof(in->kind), "nawi");
	run(&d->v.run, "ĐLVN 16:2009 (OIML R 76-1)", "oiml-r76-nawi-verification");
	centre(d);
	d->results = calloc(19, sizeof(*d->results));
	d->weights = calloc(6, sizeof(*d->weights));
	if (!d->results || !d->weights)
		return CAL_ERR_NOMEM;
	d->n_results = 19;
	d->n_weights = 6;
	for (int i = 0; i < 19; i++) {
		struct cal_result *r = &d->results[i];

		r->seq = i + 1;
		snprintf(r->test, sizeof(r->test), "%s",
			 i == 0	  ? "zero"
			 : i < 10 ? "weighing"
			 : i < 15 ? "eccentricity"
				  : "repeatability");
		snprintf(r->label, sizeof(r->label), "point %d", i + 1);
		snprintf(r->unit, sizeof(r->unit), "g");
		r->load = loads[i];
		r->ref = loads[i] + 0.06;
		r->indication = loads[i];
		r->error = -0.06;
		r->mpe = loads[i] > 2000 ? 10 : 5;
		r->reading_id = i + 1;
		snprintf(r->verdict, sizeof(r->verdict), "PASS");
	}
	for (int i = 0; i < 6; i++) {
		struct cal_standard *s = &d->weights[i];

		snprintf(s->id, sizeof(s->id), "W%d", i + 1);
		snprintf(s->weight_class, sizeof(s->weight_class), "M1");
		s->nominal_kg = weights[i];
		s->correction_kg = 1e-5;
		s->u_kg = 2e-5;
		s->k = 2;
		snprintf(s->cert_no, sizeof(s->cert_no), "IT-KL-%02d", i + 1);
		snprintf(s->due_date, sizeof(s->due_date), "2027-11-29");
	}
	return CAL_OK;
}

/* A Bourdon gauge verified at 41 points: up, down and hysteresis, 123 rows. */
static int pressure(struct cal_certdoc *d)
{
	struct cal_instrument *in = &d->v.instrument;

	memset(d, 0, sizeof(*d));
	snprintf(d->v.cert.number, sizeof(d->v.cert.number), "CB-2026-000124");
	d->v.cert.kind = CAL_CERT_VERIFICATION;
	snprintf(d->v.cert.issued_at, sizeof(d->v.cert.issued_at), "2026-11-29T07:31:54Z");
	snprintf(d->v.cert.issue_date, sizeof(d->v.cert.issue_date), "2026-11-29");
	snprintf(d->v.cert.valid_until, sizeof(d->v.cert.valid_until), "2027-11-29");
	snprintf(in->id, sizeof(in->id), "AK-9");
	snprintf(in->type, sizeof(in->type), "áp kế kiểu lò xo");
	snprintf(in->serial, sizeof(in->serial), "G-9");
	snprintf(in->owner, sizeof(in->owner), "Công ty Cổ phần Nước sạch Quảng Ngãi");
	snprintf(in->accuracy_class, sizeof(in->accuracy_class), "1.6");
	snprintf(in->unit, sizeof(in->unit), "bar");
	snprintf(in->kind, sizeof(in->kind), "bourdon-gauge");
	in->max = 10;
	in->d = 0.05;
	run(&d->v.run, "ĐLVN 08:2011 (EN 837-1)", "en837-1-bourdon-verification");
	centre(d);
	d->results = calloc(123, sizeof(*d->results));
	d->refs = calloc(1, sizeof(*d->refs));
	if (!d->results || !d->refs)
		return CAL_ERR_NOMEM;
	d->n_results = 123;
	d->n_refs = 1;
	for (int i = 0; i < 123; i++) {
		struct cal_result *r = &d->results[i];
		double p = 0.25 * (i / 3);

		r->seq = i + 1;
		snprintf(r->test, sizeof(r->test), "%s", i % 3 == 2 ? "hysteresis" : "pressure");
		snprintf(r->label, sizeof(r->label), "%s %g bar",
			 i % 3 == 0   ? "up"
			 : i % 3 == 1 ? "down"
				      : "at",
			 p);
		snprintf(r->unit, sizeof(r->unit), "bar");
		r->load = p;
		r->ref = p;
		r->indication = p;
		r->decimals = 2;
		r->mpe = 0.16;
		snprintf(r->verdict, sizeof(r->verdict), "PASS");
	}
	snprintf(d->refs[0].id, sizeof(d->refs[0].id), "PACE-01");
	snprintf(d->refs[0].manufacturer, sizeof(d->refs[0].manufacturer), "Druck");
	snprintf(d->refs[0].model, sizeof(d->refs[0].model), "PACE 5000");
	snprintf(d->refs[0].unit, sizeof(d->refs[0].unit), "bar");
	d->refs[0].range_lo = -1;
	d->refs[0].range_hi = 20;
	d->refs[0].u_abs = 0.0004;
	d->refs[0].u_rel = 0.0001;
	d->refs[0].k = 2;
	snprintf(d->refs[0].cert_no, sizeof(d->refs[0].cert_no), "VMI-AS-2026-0412");
	snprintf(d->refs[0].due_date, sizeof(d->refs[0].due_date), "2099-12-31");
	return CAL_OK;
}

static void doc_free(struct cal_certdoc *d)
{
	free(d->results);
	free(d->weights);
	free(d->refs);
}

static size_t last_size;

static double run_renderer(double seconds, struct cal_pdf *p, const struct cal_certdoc *d,
			   long *count)
{
	double t0 = bench_now(), t;
	long n = 0;

	do {
		unsigned char *buf = NULL;
		size_t size = 0;

		if (cal_pdf_render(&buf, &size, NULL, p, d) != CAL_OK)
			bench_die("cal_pdf_render: %s", cal_error_last());
		last_size = size;
		free(buf);
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	*count += n;
	return (double)n / (t - t0);
}

static double run_oneshot(double seconds, const struct cal_certdoc *d, long *count)
{
	double t0 = bench_now(), t;
	long n = 0;

	do {
		unsigned char *buf = NULL;
		size_t size = 0;

		if (cal_certdoc_pdf_mem(&buf, &size, d, NULL) != CAL_OK)
			bench_die("cal_certdoc_pdf_mem: %s", cal_error_last());
		free(buf);
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	*count += n;
	return (double)n / (t - t0);
}

/* ---- the baseline: libharu alone ------------------------------------------ */

struct bare {
	HPDF_Doc doc;
	const char *reg, *bold;
	HPDF_STATUS err;
};

static void bare_error(HPDF_STATUS err, HPDF_STATUS detail, void *payload)
{
	struct bare *b = payload;

	(void)detail;
	if (!b->err)
		b->err = err;
}

static void bare_open(struct bare *b)
{
	memset(b, 0, sizeof(*b));
	b->doc = HPDF_New(bare_error, b);
	if (!b->doc || HPDF_UseUTFEncodings(b->doc) != HPDF_OK)
		bench_die("libharu: cannot start a document");
	b->reg = HPDF_LoadTTFontFromFile(b->doc, CAL_PDF_FONT_DEFAULT, HPDF_TRUE);
	b->bold = HPDF_LoadTTFontFromFile(b->doc, CAL_PDF_FONT_BOLD_DEFAULT, HPDF_TRUE);
	if (!b->reg || !b->bold || b->err)
		bench_die("libharu: cannot load the DejaVu fonts (error 0x%04X)", (unsigned)b->err);
	HPDF_FreeDoc(b->doc);
}

static size_t bare_size;

static double run_bare(double seconds, struct bare *b, long *count)
{
	static const char *const text[] = {
		"Tên phương tiện đo / Instrument",
		"cân kỹ thuật",
		"Đạt (PASS)",
		"30000.19",
		"Kết luận: Đạt yêu cầu kỹ thuật đo lường",
		"Công ty TNHH Thương mại Đức Thắng",
		"quả cân / weight 10 kg, cấp / class M1",
		"weighing",
		"up 5",
		"-0.19",
	};
	double t0 = bench_now(), t;
	long n = 0;

	do {
		HPDF_Font reg, bold;
		HPDF_Page page;
		HPDF_UINT32 size, got;
		unsigned char *buf;

		b->err = 0;
		HPDF_NewDoc(b->doc);
		HPDF_SetCompressionMode(b->doc, HPDF_COMP_ALL);
		reg = HPDF_GetFont(b->doc, b->reg, "UTF-8");
		bold = HPDF_GetFont(b->doc, b->bold, "UTF-8");
		page = HPDF_AddPage(b->doc);
		HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
		for (int i = 0; i < 330; i++) {
			HPDF_Page_BeginText(page);
			HPDF_Page_SetFontAndSize(page, i % 11 ? reg : bold, 7);
			HPDF_Page_TextOut(page, 40 + (float)(i % 10) * 50,
					  800 - (float)(i / 10) * 22, text[i % 10]);
			HPDF_Page_EndText(page);
		}
		HPDF_SaveToStream(b->doc);
		size = HPDF_GetStreamSize(b->doc);
		buf = malloc(size ? size : 1);
		got = size;
		if (!buf)
			bench_die("out of memory");
		HPDF_ReadFromStream(b->doc, buf, &got);
		if (got != size || (b->err && b->err != HPDF_STREAM_EOF))
			bench_die("libharu failed (error 0x%04X)", (unsigned)b->err);
		bare_size = size;
		free(buf);
		HPDF_FreeDoc(b->doc);
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	*count += n;
	return (double)n / (t - t0);
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .seconds = 1.0, .rounds = 5 };
	struct bench_row rows[4] = {
		{ .name = "cal_pdf_render, balance",
		  .note = "1 page, 19 results, fonts loaded once" },
		{ .name = "cal_pdf_render, 123 rows", .note = "3 pages, fonts loaded once" },
		{ .name = "cal_certdoc_pdf_mem, balance",
		  .note = "one-shot: fonts read each time" },
		{ .name = "libharu alone (baseline)", .note = "same fonts, 330 text runs, 1 page" },
	};
	struct cal_certdoc bal, pr;
	struct cal_pdf *p = NULL;
	struct bare b;
	long counts[4] = { 0 };
	size_t sizes[2];
	int pages;

	bench_parse_args(&o, argc, argv, usage);
	if (balance(&bal) || pressure(&pr))
		bench_die("out of memory");
	if (cal_pdf_new(&p, NULL) != CAL_OK)
		bench_die("%s", cal_error_last());
	/* what is measured is what the tests check: 1 and 3 pages */
	for (int k = 0; k < 2; k++) {
		unsigned char *buf = NULL;

		if (cal_pdf_render(&buf, &sizes[k], &pages, p, k ? &pr : &bal) != CAL_OK)
			bench_die("cal_pdf_render: %s", cal_error_last());
		free(buf);
		if (pages != (k ? 3 : 1))
			bench_die("the %s document has %d pages, expected %d",
				  k ? "123-row" : "balance", pages, k ? 3 : 1);
	}
	bare_open(&b);

	printf("bench_pdf: %d round(s) of %.1f s each; balance %zu bytes, 123 rows %zu bytes\n",
	       o.rounds, o.seconds, sizes[0], sizes[1]);
	for (int i = 0; i < o.rounds; i++) {
		bench_row_push(&rows[0], run_renderer(o.seconds, p, &bal, &counts[0]));
		bench_row_push(&rows[1], run_renderer(o.seconds, p, &pr, &counts[1]));
		bench_row_push(&rows[2], run_oneshot(o.seconds, &bal, &counts[2]));
		bench_row_push(&rows[3], run_bare(o.seconds, &b, &counts[3]));
	}
	bench_print_table("PDF documents rendered to memory", "pdf/s", rows, 4, 3);
	printf("documents: %ld, %ld, %ld, %ld; baseline PDF %zu bytes\n", counts[0], counts[1],
	       counts[2], counts[3], bare_size);
	HPDF_Free(b.doc);
	cal_pdf_free(p);
	doc_free(&bal);
	doc_free(&pr);
	return 0;
}
