/*
 * calbench cert export NO --format dcc|json [-o FILE] [--pdf FILE]: a
 * document in a machine-readable form, generated from the same record as
 * cert show and the PDF (struct cal_certdoc):
 *   dcc   PTB Digital Calibration Certificate 3.1.2 XML (documents/dcc.c),
 *         with the PDF embedded in dcc:document: rendered from the same
 *         record (cert pdf), or the file given by --pdf; --no-pdf: none;
 *   json  what cert show --json prints (documents/json.c).
 * The document is rendered in memory first, so a failure never leaves half
 * a file behind; -o writes FILE (replacing it), else stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/dcc.h"
#include "cal/docout.h"
#include "cal/document.h"
#include "cal/error.h"
#include "cal/json.h"
#include "cal/pdf.h"
#include "cli.h"

/* A PDF larger than this is not a certificate. */
#define PDF_MAX_BYTES (64u << 20)

/* Read the PDF to embed; it must look like one ("%PDF-"). */
static int read_pdf(unsigned char **out, size_t *size, const char *path)
{
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;
	FILE *f = fopen(path, "rb");
	int err = CAL_OK;

	*out = NULL;
	*size = 0;
	if (!f)
		return cal_error_set(CAL_ERR_IO, "cannot read the PDF %s: %s", path,
				     strerror(errno));
	for (;;) {
		size_t got;

		if (n == cap) {
			unsigned char *p;

			cap = cap ? cap * 2 : 65536;
			if (cap > PDF_MAX_BYTES + 1)
				cap = PDF_MAX_BYTES + 1;
			p = realloc(buf, cap);
			if (!p) {
				err = cal_error_set(CAL_ERR_NOMEM, "out of memory reading %s",
						    path);
				goto done;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > PDF_MAX_BYTES) {
			err = cal_error_set(CAL_ERR_ARG,
					    "%s: larger than %u MiB, not a certificate", path,
					    PDF_MAX_BYTES >> 20);
			goto done;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		err = cal_error_set(CAL_ERR_IO, "cannot read the PDF %s: %s", path,
				    strerror(errno));
		goto done;
	}
	if (n < 5 || memcmp(buf, "%PDF-", 5) != 0) {
		err = cal_error_set(CAL_ERR_ARG,
				    "%s is not a PDF file (it does not start with %%PDF-)", path);
		goto done;
	}
	*out = buf;
	*size = n;
	buf = NULL;
done:
	fclose(f);
	free(buf);
	return err;
}

/* The last part of a path: what dcc:fileName says. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Write @n bytes to @path (replaced), or to stdout when @path is NULL. */
static int write_out(const char *path, const char *buf, size_t n)
{
	FILE *f;

	if (!path) {
		if (fwrite(buf, 1, n, stdout) != n || fflush(stdout) != 0)
			return cal_error_set(CAL_ERR_IO, "cannot write to stdout: %s",
					     strerror(errno));
		return CAL_OK;
	}
	f = fopen(path, "wb");
	if (!f)
		return cal_error_set(CAL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (fwrite(buf, 1, n, f) != n) {
		int e = errno;

		fclose(f);
		remove(path);
		return cal_error_set(CAL_ERR_IO, "cannot write %s: %s", path, strerror(e));
	}
	if (fclose(f) != 0) {
		int e = errno;

		remove(path);
		return cal_error_set(CAL_ERR_IO, "cannot write %s: %s", path, strerror(e));
	}
	return CAL_OK;
}

int cmd_cert_export(struct cli *cli, int argc, char **argv)
{
	const char *format = NULL, *output = NULL, *pdf_path = NULL;
	bool no_pdf = false;
	const struct cli_opt opts[] = { { "format", true, &format, NULL },
					{ "output", true, &output, NULL },
					{ "pdf", true, &pdf_path, NULL },
					{ "no-pdf", false, NULL, &no_pdf },
					{ NULL, false, NULL, NULL } };
	struct cal_dcc_options dopt = { 0 };
	struct cal_certdoc *d = NULL;
	struct cal_db *db = NULL;
	struct cal_docout out;
	unsigned char *pdf = NULL;
	char pdf_name[96];
	char **args = NULL, *text = NULL;
	const char *pos[1];
	size_t len = 0;
	int npos, rc, err;
	bool dcc;

	cal_docout_buffer(&out);
	/* -o FILE is --output FILE (cli_parse knows long options only) */
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return cli_fail(CAL_ERR_NOMEM, "out of memory");
	for (int i = 0; i < argc; i++)
		args[i] = strcmp(argv[i], "-o") == 0 ? "--output" : argv[i];
	rc = cli_parse(argc, args, 2, opts, pos, 1, &npos, "cert");
	free(args);
	if (rc)
		return rc;
	if (npos != 1)
		return cli_usage("cert", "cert export: which document number?");
	if (!format)
		return cli_usage("cert", "cert export %s: say --format dcc or --format json",
				 pos[0]);
	if (strcmp(format, "dcc") != 0 && strcmp(format, "json") != 0)
		return cli_usage("cert", "cert export: unknown format '%s' (dcc or json)", format);
	dcc = strcmp(format, "dcc") == 0;
	if ((pdf_path || no_pdf) && !dcc)
		return cli_usage("cert", "cert export: --pdf and --no-pdf go with --format dcc");
	if (pdf_path && no_pdf)
		return cli_usage("cert", "cert export: --pdf FILE or --no-pdf, not both");
	if (output && strcmp(output, "-") == 0)
		output = NULL; /* stdout, as cert pdf -o - */
	else if (output && !output[0])
		return cli_usage("cert", "cert export: -o needs a file name");

	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	err = cal_certdoc_load(&d, db, pos[0], NULL);
	if (!err && dcc && d->v.status == CAL_VERIFY_TAMPERED)
		err = cal_error_set(CAL_ERR_REFUSED,
				    "%s: the stored record no longer matches what was issued (%s); "
				    "no DCC is made from it",
				    d->v.cert.number, d->v.tampered);
	if (!err && pdf_path) {
		size_t n = 0;

		err = read_pdf(&pdf, &n, pdf_path);
		dopt.pdf = pdf;
		dopt.pdf_size = n;
		dopt.pdf_name = base_name(pdf_path);
	} else if (!err && dcc && !no_pdf) {
		/* the same record rendered for people, embedded (cert pdf's default fonts) */
		struct cal_pdf_opts po = CAL_PDF_OPTS_INIT;
		size_t n = 0;

		err = cal_certdoc_pdf_mem(&pdf, &n, d, &po);
		snprintf(pdf_name, sizeof(pdf_name), "%s.pdf", d->v.cert.number);
		dopt.pdf = pdf;
		dopt.pdf_size = n;
		dopt.pdf_name = pdf_name;
	}
	if (!err)
		err = dcc ? cal_dcc_write(&out, d, &dopt) : cal_json_certdoc(&out, d);
	if (!err)
		err = cal_docout_take(&text, &len, &out);
	if (!err)
		err = write_out(output, text, len);
	if (err)
		rc = cli_fail(err, NULL);
	else if (output)
		printf("%s: %s written to %s (%zu bytes)\n", d->v.cert.number,
		       dcc ? "DCC " CAL_DCC_SCHEMA_VERSION : "JSON", output, len);
	free(text);
	free(pdf);
	cal_docout_free(&out);
	cal_certdoc_free(d);
	cal_db_close(db);
	return rc;
}
