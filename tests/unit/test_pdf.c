/*
 * The PDF renderer (documents/pdf.c) on documents built in memory, and the
 * font subset (documents/ttfsub.c) on damaged fonts: pages counted, errors
 * named, nothing read out of bounds (this runs under AddressSanitizer).
 * What the pages say is checked through the CLI with poppler and zbar
 * (tests/integration/cert_pdf.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/pdf.h"
#include "ttfsub.h"

static void fill_common(struct cal_certdoc *d, const char *number, enum cal_cert_kind kind)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->v.cert.number, sizeof(d->v.cert.number), "%s", number);
	d->v.cert.kind = kind;
	snprintf(d->v.cert.issued_at, sizeof(d->v.cert.issued_at), "2026-11-29T07:31:54Z");
	snprintf(d->v.cert.issue_date, sizeof(d->v.cert.issue_date), "2026-11-29");
	if (kind == CAL_CERT_VERIFICATION)
		snprintf(d->v.cert.valid_until, sizeof(d->v.cert.valid_until), "2027-11-29");
	snprintf(d->v.cert.lab_name, sizeof(d->v.cert.lab_name),
		 "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Quảng Ngãi");
	snprintf(d->v.instrument.id, sizeof(d->v.instrument.id), "AK-9");
	snprintf(d->v.instrument.type, sizeof(d->v.instrument.type), "áp kế kiểu lò xo");
	snprintf(d->v.instrument.serial, sizeof(d->v.instrument.serial), "G-9");
	snprintf(d->v.instrument.owner, sizeof(d->v.instrument.owner),
		 "Công ty TNHH Thương mại Đức Thắng");
	snprintf(d->v.instrument.kind, sizeof(d->v.instrument.kind), "bourdon-gauge");
	snprintf(d->v.instrument.unit, sizeof(d->v.instrument.unit), "bar");
	d->v.instrument.max = 10;
	d->v.instrument.d = 0.05;
	snprintf(d->v.run.method, sizeof(d->v.run.method), "ĐLVN 08:2011");
	snprintf(d->v.run.mode, sizeof(d->v.run.mode), "periodic");
	snprintf(d->v.run.verdict, sizeof(d->v.run.verdict),
		 kind == CAL_CERT_FAILURE ? "FAIL" : "PASS");
	snprintf(d->url, sizeof(d->url), "https://kd.example.vn/verify/%s", number);
}

/* @n results of a pressure gauge; calibration rows (U, k) when @cal. */
static void fill_results(struct cal_certdoc *d, size_t n, bool cal)
{
	d->results = calloc(n, sizeof(*d->results));
	assert_non_null(d->results);
	d->n_results = n;
	for (size_t i = 0; i < n; i++) {
		struct cal_result *r = &d->results[i];

		r->seq = (int)i + 1;
		snprintf(r->test, sizeof(r->test), "%s", cal ? "calibration" : "pressure");
		snprintf(r->label, sizeof(r->label), "up %zu bar", i);
		snprintf(r->unit, sizeof(r->unit), "bar");
		r->load = (double)i;
		r->ref = (double)i;
		r->indication = (double)i;
		r->decimals = 2;
		r->mpe = 0.16;
		r->u = cal ? 0.0289 : 0;
		r->k = cal ? (i % 2 ? 2 : 2.13) : 0;
		r->nu_eff = cal ? 20 : 0;
		snprintf(r->verdict, sizeof(r->verdict), "PASS");
	}
}

static int render(int *pages, struct cal_pdf *p, const struct cal_certdoc *d)
{
	unsigned char *buf = NULL;
	size_t n = 0;
	int err = cal_pdf_render(&buf, &n, pages, p, d);

	if (!err) {
		assert_true(n > 1000);
		assert_memory_equal(buf, "%PDF-", 5);
		assert_memory_equal(buf + n - 6, "%%EOF", 5);
	} else {
		assert_null(buf);
	}
	free(buf);
	return err;
}

static void test_pdf_pages(void **state)
{
	struct cal_pdf *p = NULL;
	struct cal_certdoc d;
	int pages = 0;

	(void)state;
	assert_int_equal(cal_pdf_new(&p, NULL), CAL_OK);
	fill_common(&d, "CB-2026-000001", CAL_CERT_VERIFICATION);
	fill_results(&d, 10, false);
	assert_int_equal(render(&pages, p, &d), CAL_OK);
	assert_int_equal(pages, 1);
	free(d.results);

	/* a long table goes on, whole rows, on as many pages as it needs */
	fill_common(&d, "CB-2026-000002", CAL_CERT_VERIFICATION);
	fill_results(&d, 300, false);
	assert_int_equal(render(&pages, p, &d), CAL_OK);
	assert_true(pages >= 5);
	free(d.results);

	/* calibration rows (more columns), revoked, one renderer for all */
	fill_common(&d, "CB-2026-000003", CAL_CERT_CALIBRATION);
	fill_results(&d, 41, true);
	d.v.cert.revoked = true;
	snprintf(d.v.cert.revoked_at, sizeof(d.v.cert.revoked_at), "2026-11-30T08:00:00Z");
	snprintf(d.v.cert.revoke_reason, sizeof(d.v.cert.revoke_reason), "nhầm số hiệu");
	assert_int_equal(render(&pages, p, &d), CAL_OK);
	assert_int_equal(pages, 2);
	free(d.results);

	/* a failure record with no results nor standards */
	fill_common(&d, "CB-2026-000004", CAL_CERT_FAILURE);
	assert_int_equal(render(&pages, p, &d), CAL_OK);
	assert_int_equal(pages, 1);
	cal_pdf_free(p);
}

/* Text that is not valid UTF-8, control characters, overlong fields: drawn, never a crash. */
static void test_pdf_hostile_text(void **state)
{
	struct cal_pdf *p = NULL;
	struct cal_certdoc d;
	int pages = 0;

	(void)state;
	assert_int_equal(cal_pdf_new(&p, NULL), CAL_OK);
	fill_common(&d, "CB-2026-000005", CAL_CERT_VERIFICATION);
	fill_results(&d, 3, false);
	snprintf(d.v.instrument.owner, sizeof(d.v.instrument.owner),
		 "bad \xc3\x28 \xe2\x82 \xf0\x9f\x98\x80 \x01\x1b[31m tab\there \xed\xa0\x80 end");
	memset(d.v.run.method, 'W', sizeof(d.v.run.method) - 1); /* one word wider than the page */
	d.v.run.method[sizeof(d.v.run.method) - 1] = '\0';
	memset(d.results[0].label, 'x', sizeof(d.results[0].label) - 1);
	d.results[0].label[sizeof(d.results[0].label) - 1] = '\0';
	memset(d.url, 'u', sizeof(d.url) - 1); /* the longest URL the record holds */
	d.url[sizeof(d.url) - 1] = '\0';
	assert_int_equal(render(&pages, p, &d), CAL_OK);
	assert_int_equal(pages, 1);
	free(d.results);
	cal_pdf_free(p);
}

static void test_pdf_font_errors(void **state)
{
	struct cal_pdf_opts o = CAL_PDF_OPTS_INIT;
	struct cal_pdf *p = NULL;
	char path[] = "/tmp/calbench-test-font-XXXXXX";
	int fd;

	(void)state;
	o.font = "/nonexistent/DejaVuSans.ttf";
	assert_int_equal(cal_pdf_new(&p, &o), CAL_ERR_IO);
	assert_null(p);
	assert_non_null(strstr(cal_error_last(), "/nonexistent/DejaVuSans.ttf"));
	assert_non_null(strstr(cal_error_last(), "No such file or directory"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a font at all\n", 18), 18);
	close(fd);
	o.font = path;
	assert_int_equal(cal_pdf_new(&p, &o), CAL_ERR_CONFIG);
	assert_non_null(strstr(cal_error_last(), path));
	unlink(path);

	o = (struct cal_pdf_opts)CAL_PDF_OPTS_INIT;
	o.version = 99;
	assert_int_equal(cal_pdf_new(&p, &o), CAL_ERR_ARG);
	cal_error_clear();
}

static unsigned char *read_all(size_t *n, const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long size;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)size);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*n = (size_t)size;
	return b;
}

/* Damaged fonts: a clear CAL_ERR_CONFIG or a subset, never a read out of bounds. */
static void test_ttf_subset_damaged(void **state)
{
	size_t n, outn;
	unsigned char *font = read_all(&n, CAL_PDF_FONT_DEFAULT), *out = NULL, *copy;
	uint32_t seed = 12345;
	int ok = 0;

	(void)state;
	assert_int_equal(cal_ttf_subset(&out, &outn, font, n, "DejaVuSans.ttf"), CAL_OK);
	assert_true(outn > 10000 && outn < n / 2);
	free(out);

	/* truncated anywhere in the directory and tables */
	for (size_t len = 0; len < n; len += len < 4096 ? 7 : 9973) {
		int err = cal_ttf_subset(&out, &outn, font, len, "cut.ttf");

		assert_true(err == CAL_OK || err == CAL_ERR_CONFIG);
		ok += err == CAL_OK;
		free(out);
		out = NULL;
	}
	/* bytes changed in the first 64 KiB (directory, head, hhea, maxp, cmap, loca...) */
	copy = malloc(n);
	assert_non_null(copy);
	for (int round = 0; round < 300; round++) {
		memcpy(copy, font, n);
		for (int k = 0; k < 8; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % (n < 65536 ? n : 65536)] = (unsigned char)(seed >> 3);
		}
		{
			int err = cal_ttf_subset(&out, &outn, copy, n, "flipped.ttf");

			assert_true(err == CAL_OK || err == CAL_ERR_CONFIG);
		}
		free(out);
		out = NULL;
	}
	cal_error_clear();
	free(copy);
	free(font);
	(void)ok;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pdf_pages),
		cmocka_unit_test(test_pdf_hostile_text),
		cmocka_unit_test(test_pdf_font_errors),
		cmocka_unit_test(test_ttf_subset_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
