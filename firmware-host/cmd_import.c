/*
 * calbench import --csv FILE: a register kept in a spreadsheet brought in
 * as instruments and history (cal_db_import_csv, db/import.c;
 * docs/import.md). All or nothing: the errors are listed on stderr, one a
 * line naming the line, the column and the value, and nothing is written.
 *
 * The column mapping: by default each field is found by the header names
 * of cal_import_field_aliases (English and Vietnamese); --column
 * FIELD=HEADER (repeatable) or --map FILE (lines "FIELD=HEADER", '#'
 * comments) names the column of a field in another file's header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cal/error.h"
#include "cli.h"

#define IMPORT_MAX_BYTES (1024L * 1024 * 1024) /* a register of a few million rows */

/* The whole of @path, NUL-terminated, malloc'ed; NULL with a message printed. */
static char *slurp(size_t *len, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *grown;
	size_t cap = 0, n = 0, got;

	if (!f) {
		cli_err("import: cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if (cap > (size_t)IMPORT_MAX_BYTES + 65537) {
				cli_err("import: %s: larger than %ld MB", path,
					IMPORT_MAX_BYTES >> 20);
				goto fail;
			}
			grown = realloc(buf, cap);
			if (!grown) {
				cli_err("import: %s: out of memory", path);
				goto fail;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, 65536, f);
		n += got;
	} while (got == 65536);
	if (ferror(f)) {
		cli_err("import: cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

/*
 * "field=Header" into o->column[]; @where names it in messages. A field
 * named twice in one place is an error; the command line (@over) replaces
 * what a mapping file said (*mapped marks the fields the file gave).
 */
static int set_column(struct cal_import_opts *o, bool *mapped, bool over, char *spec,
		      const char *where)
{
	enum cal_import_field f;
	char *eq = strchr(spec, '=');
	char *name = spec, *header;

	if (!eq || eq == spec || !eq[1])
		return cli_usage("import", "import: %s: '%s' is not FIELD=HEADER", where, spec);
	*eq = '\0';
	header = eq + 1;
	while (*name == ' ')
		name++;
	for (char *e = eq - 1; e > name && *e == ' '; e--)
		*e = '\0';
	while (*header == ' ')
		header++;
	if (cal_import_field_parse(&f, name))
		return cli_usage("import", "import: %s: %s", where, cal_error_last());
	if (o->column[f] && !(over && mapped[f]))
		return cli_usage("import", "import: %s: the column of %s is given twice", where,
				 name);
	o->column[f] = header;
	mapped[f] = !over;
	return CLI_OK;
}

/* --map FILE: FIELD=HEADER lines; the buffer is kept (o->column points into it). */
static int read_map(struct cal_import_opts *o, bool *mapped, char **keep, const char *path)
{
	size_t len;
	char *buf = slurp(&len, path), *save = NULL;
	long line = 0;
	int rc = CLI_OK;

	if (!buf)
		return CLI_ERROR;
	*keep = buf;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		memmove(buf, buf + 3, len - 2); /* a byte order mark (Notepad) */
	for (char *l = buf; l && !rc; l = save) {
		char where[300];
		char *nl = strchr(l, '\n');

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line++;
		if (nl && nl > l && nl[-1] == '\r')
			nl[-1] = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%ld", path, line);
		rc = set_column(o, mapped, false, l, where);
	}
	return rc;
}

static void print_json(const struct cal_import_report *r, const char *file, bool dry)
{
	printf("{\"file\": ");
	cli_json_str(stdout, file);
	printf(", \"dry_run\": %s, \"import_id\": %lld, \"rows\": %zu, \"pass\": %zu, "
	       "\"fail\": %zu, \"calibrations\": %zu, \"skipped\": %zu, \"instruments_new\": %zu, "
	       "\"instruments_known\": %zu, \"first_date\": ",
	       dry ? "true" : "false", (long long)r->import_id, r->rows, r->pass, r->fail,
	       r->calibrations, r->skipped, r->instruments_new, r->instruments_known);
	cli_json_str(stdout, r->first_date);
	printf(", \"last_date\": ");
	cli_json_str(stdout, r->last_date);
	printf(", \"mapping\": ");
	cli_json_str(stdout, r->mapping);
	printf(", \"defaults\": ");
	cli_json_str(stdout, r->defaults);
	printf(", \"ignored\": ");
	cli_json_str(stdout, r->ignored);
	printf("}\n");
}

static void print_text(const struct cal_import_report *r, const char *file, bool dry)
{
	if (dry)
		printf("Checked %s: %zu rows would be imported (dry run: nothing written)\n", file,
		       r->rows);
	else
		printf("Imported %s as import %lld: %zu rows\n", file, (long long)r->import_id,
		       r->rows);
	if (r->skipped)
		printf("  skipped        %zu rows an earlier import brought in\n", r->skipped);
	printf("  verifications  %zu pass, %zu fail", r->pass, r->fail);
	if (r->calibrations)
		printf("; calibrations %zu", r->calibrations);
	printf("\n  dates          %s to %s\n", r->first_date, r->last_date);
	printf("  instruments    %zu new, %zu already in the register\n", r->instruments_new,
	       r->instruments_known);
	printf("  columns        %s\n", r->mapping);
	if (r->defaults[0])
		printf("  no column      %s\n", r->defaults);
	if (r->ignored[0])
		printf("  not read       %s\n", r->ignored);
	if (!dry)
		printf("  marked         imported (not measured by calbench, not signed)\n");
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	const char *csv = NULL, *map = NULL, *delim = NULL;
	bool dry = false, month_first = false, json = false, skip = false;
	const struct cli_opt opts[] = {
		{ "csv", true, &csv, NULL },
		{ "map", true, &map, NULL },
		{ "delimiter", true, &delim, NULL },
		{ "dry-run", false, NULL, &dry },
		{ "month-first", false, NULL, &month_first },
		{ "json", false, NULL, &json },
		{ "skip-imported", false, NULL, &skip },
		{ NULL, false, NULL, NULL },
	};
	struct cal_import_opts o = { 0 };
	struct cal_import_report r = { 0 };
	struct cal_db *db = NULL;
	char **av = NULL, **cols = NULL, *text = NULL, *map_buf = NULL, today[11];
	bool mapped[CAL_IMP_NFIELDS] = { false };
	const char *pos[1];
	int ac = 0, ncols = 0, npos, rc = CLI_OK;
	size_t len = 0;

	/* --column FIELD=HEADER, repeatable: taken out before cli_parse, applied after --map */
	av = calloc((size_t)argc + 1, sizeof(*av));
	cols = calloc((size_t)argc + 1, sizeof(*cols));
	if (!av || !cols) {
		free(av);
		free(cols);
		return cli_fail(CAL_ERR_NOMEM, "import");
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--column") == 0 && i + 1 < argc)
			cols[ncols++] = argv[++i];
		else if (strcmp(argv[i], "--column") == 0)
			rc = cli_usage("import", "import: --column needs FIELD=HEADER");
		else if (strncmp(argv[i], "--column=", 9) == 0)
			cols[ncols++] = argv[i] + 9;
		else
			av[ac++] = argv[i];
	}
	if (!rc)
		rc = cli_parse(ac, av, 1, opts, pos, 0, &npos, "import");
	free(av);
	if (rc)
		goto out;
	if (!csv || !csv[0]) {
		rc = cli_usage("import", "import: which file? (--csv FILE)");
		goto out;
	}
	if (delim) {
		if (strcmp(delim, ",") == 0 || strcmp(delim, ";") == 0) {
			o.delim = delim[0];
		} else if (strcmp(delim, "tab") == 0 || strcmp(delim, "\t") == 0) {
			o.delim = '\t';
		} else {
			rc = cli_usage("import",
				       "import: --delimiter '%s': one of ',' ';' or 'tab'", delim);
			goto out;
		}
	}
	if (map) {
		rc = read_map(&o, mapped, &map_buf, map);
		if (rc)
			goto out;
	}
	for (int i = 0; i < ncols; i++) {
		rc = set_column(&o, mapped, true, cols[i], "--column");
		if (rc)
			goto out;
	}
	text = slurp(&len, csv);
	if (!text) {
		rc = CLI_ERROR;
		goto out;
	}
	o.file_name = csv;
	o.dry_run = dry;
	o.skip_imported = skip;
	o.day_first = !month_first;
	o.now_s = (int64_t)time(NULL);
	cli_today(today); /* local: a row dated today in Vietnam is not "after today" */
	o.today = today;
	if (dry && access(cli->db_path, F_OK) != 0) {
		/* a dry run against no database yet: checked in memory, no file made */
		rc = cal_db_open(&db, ":memory:");
		if (rc) {
			rc = cli_fail(rc, "import");
			goto out;
		}
	} else {
		rc = cli_open_db(&db, cli, true);
		if (rc)
			goto out;
	}
	rc = cal_db_import_csv(&r, db, text, len, &o);
	cal_db_close(db);
	if (rc) {
		if (r.errors)
			fputs(r.errors, stderr);
		if (r.n_errors > (size_t)20)
			fprintf(stderr, "... and %zu more\n", r.n_errors - 20);
		rc = cli_fail(rc, "import");
		goto out;
	}
	if (json || cli->json)
		print_json(&r, csv, dry);
	else
		print_text(&r, csv, dry);
	rc = fflush(stdout) ? CLI_ERROR : CLI_OK;
out:
	cal_import_report_free(&r);
	free(text);
	free(map_buf);
	free(cols);
	return rc;
}
