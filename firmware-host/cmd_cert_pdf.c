/*
 * calbench cert pdf NO [-o FILE] [--font FILE] [--font-bold FILE] [--json]:
 * the certificate, calibration certificate or failure record as PDF
 * (documents/pdf.c), from the same record as `cert show`.
 *
 * The file is NO.pdf in the current directory unless -o (--output) names
 * one; "-o -" writes the PDF to standard output and nothing else. The font
 * is Debian's DejaVu Sans unless --font names a TrueType file (its bold
 * variant: --font-bold, else the same file).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/document.h"
#include "cal/error.h"
#include "cal/pdf.h"
#include "cli.h"

/* NO.pdf with the characters a file name should not carry replaced ("CB/2026 1" -> "CB_2026_1"). */
static void default_name(char *out, size_t size, const char *number)
{
	size_t o = 0;

	for (const char *s = number; *s && o + 5 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		bool ok;

		ok = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
		     (ch >= 'a' && ch <= 'z') || ch == '-' || ch == '_' || ch == '.' ||
		     ch >= 0x80; /* letters such as Đ stay */
		if (o == 0 && ch == '.')
			ok = false; /* no hidden file */
		out[o++] = ok ? (char)ch : '_';
	}
	snprintf(out + o, size - o, ".pdf");
}

int cmd_cert_pdf(struct cli *cli, int argc, char **argv)
{
	static char long_output[] = "--output";
	const char *output = NULL, *font = NULL, *font_bold = NULL, *pos[1];
	bool json = false;
	const struct cli_opt opts[] = { { "output", true, &output, NULL },
					{ "font", true, &font, NULL },
					{ "font-bold", true, &font_bold, NULL },
					{ "json", false, NULL, &json },
					{ NULL, false, NULL, NULL } };
	struct cal_pdf_opts po = CAL_PDF_OPTS_INIT;
	struct cal_certdoc *d = NULL;
	struct cal_pdf *pdf = NULL;
	struct cal_db *db = NULL;
	unsigned char *buf = NULL;
	char name[192];
	char **av = NULL;
	size_t n = 0;
	int npos, rc, err, pages = 0;

	/* -o FILE is --output FILE */
	av = calloc((size_t)argc + 1, sizeof(*av));
	if (!av)
		return cli_fail(CAL_ERR_NOMEM, "cert pdf");
	for (int i = 0; i < argc; i++)
		av[i] = strcmp(argv[i], "-o") == 0 ? long_output : argv[i];
	rc = cli_parse(argc, av, 2, opts, pos, 1, &npos, "cert"); /* cert pdf ... */
	free(av);
	if (rc)
		return rc;
	if (npos != 1)
		return cli_usage("cert", "cert pdf: which certificate number?");
	if (output && !output[0])
		return cli_usage("cert", "cert pdf: -o needs a file name (or - for stdout)");
	if (json && output && strcmp(output, "-") == 0)
		return cli_usage("cert", "cert pdf: --json and -o - both want stdout");
	po.font = font;
	po.font_bold = font_bold;

	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	err = cal_certdoc_load(&d, db, pos[0], NULL);
	/* what no longer matches its signature is not printed as a document */
	if (!err && d->v.status == CAL_VERIFY_TAMPERED)
		err = cal_error_set(CAL_ERR_REFUSED,
				    "%s: the stored record no longer matches what was issued (%s); "
				    "no PDF is made from it",
				    d->v.cert.number, d->v.tampered);
	if (!err)
		err = cal_pdf_new(&pdf, &po);
	if (!err)
		err = cal_pdf_render(&buf, &n, &pages, pdf, d);
	if (err) {
		rc = cli_fail(err, NULL);
		goto cleanup;
	}
	if (output && strcmp(output, "-") == 0) {
		if (fwrite(buf, 1, n, stdout) != n || fflush(stdout) != 0) {
			cli_err("cannot write the PDF to standard output");
			rc = CLI_ERROR;
		}
		goto cleanup;
	}
	if (!output) {
		default_name(name, sizeof(name), d->v.cert.number);
		output = name;
	}
	{
		FILE *f = fopen(output, "wb");
		bool ok = f && fwrite(buf, 1, n, f) == n;

		if (f && fclose(f) != 0)
			ok = false;
		if (!ok) {
			cli_err("cannot write %s: %s", output, strerror(errno));
			rc = CLI_ERROR;
			goto cleanup;
		}
	}
	if (json) {
		fputs("{\"number\": ", stdout);
		cli_json_str(stdout, d->v.cert.number);
		fputs(", \"file\": ", stdout);
		cli_json_str(stdout, output);
		printf(", \"pages\": %d, \"bytes\": %zu}\n", pages, n);
	} else {
		printf("%s: %s, %d page%s, %zu bytes\n", d->v.cert.number, output, pages,
		       pages == 1 ? "" : "s", n);
	}
cleanup:
	free(buf);
	cal_pdf_free(pdf);
	cal_certdoc_free(d);
	cal_db_close(db);
	return rc;
}
