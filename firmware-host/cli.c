/*
 * Shared helpers of the command-line program: errors, options, JSON, db.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/log.h"
#include "cal/num.h"
#include "cal/signing.h"
#include "cli.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("calbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_fail(int err, const char *what)
{
	const char *msg = cal_error_last();

	if (!msg || !msg[0])
		msg = cal_strerror(err);
	if (what && what[0])
		cli_err("%s: %s", what, msg);
	else
		cli_err("%s", msg);
	return CLI_ERROR;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("calbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see: calbench help%s%s)\n", cmd ? " " : "", cmd ? cmd : "");
	return CLI_USAGE;
}

/*
 * The centre's private key, when the database names one (sign.key_file):
 * documents issued in this process are signed. A key that cannot be read is
 * said once; issuing is then refused by the database (cal_db_run_complete).
 */
static void load_signer(struct cal_db *db)
{
	char path[4096];
	unsigned char pk[32];
	struct cal_signer s;

	if (cal_db_setting_get(path, sizeof(path), db, "sign.key_file") != CAL_OK) {
		cal_error_clear();
		return;
	}
	if (!path[0]) {
		fprintf(stderr, "calbench: warning: the setting sign.key_file is empty: documents "
				"cannot be signed\n");
		return;
	}
	if (cal_signer_load(&s, path) != CAL_OK) {
		fprintf(stderr, "calbench: warning: %s: documents cannot be signed\n",
			cal_error_last());
		cal_error_clear();
		return;
	}
	if (cal_db_signing_key_get(pk, NULL, 0, db, s.key_id) != CAL_OK) {
		fprintf(stderr,
			"calbench: warning: %s: key %s is not registered in this database (another "
			"database's key?): documents cannot be signed\n",
			path, s.key_id);
		cal_error_clear();
		explicit_bzero(&s, sizeof(s));
		return;
	}
	cal_db_set_signer(db, &s);
	explicit_bzero(&s, sizeof(s));
}

int cli_open_db(struct cal_db **out, struct cli *cli, bool create)
{
	size_t n = 0;
	int err;

	*out = NULL;
	if (!create && strcmp(cli->db_path, ":memory:") != 0 && access(cli->db_path, F_OK) != 0) {
		cli_err("no database at %s (give --db PATH or set CALBENCH_DB)", cli->db_path);
		return CLI_ERROR;
	}
	err = cal_db_open(out, cli->db_path);

	if (err)
		return cli_fail(err, cli->db_path);
	err = cal_db_runs_recover(*out, &n);
	if (err) {
		cal_db_close(*out);
		*out = NULL;
		return cli_fail(err, cli->db_path);
	}
	if (n)
		fprintf(stderr,
			"calbench: %zu run(s) left running by a stopped process are now marked "
			"interrupted (see: calbench runs; resume with calbench run --resume ID)\n",
			n);
	load_signer(*out);
	return CLI_OK;
}

void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void cli_json_num(FILE *f, double v, int decimals)
{
	char buf[64];

	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	if (decimals >= 0)
		cal_num_format(buf, sizeof(buf), v, decimals);
	else
		cal_num_format_g(buf, sizeof(buf), v);
	fputs(buf, f);
}

static const struct cli_opt *find_opt(const struct cli_opt *opts, const char *name, size_t len)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

int cli_parse(int argc, char **argv, int first, const struct cli_opt *opts, const char **pos,
	      int max_pos, int *n_pos, const char *cmd)
{
	bool only_pos = false;
	uint64_t seen = 0; /* options given, by their index in @opts */

	*n_pos = 0;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];

		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct cli_opt *o = find_opt(opts, name, len);

			if (!o)
				return cli_usage(cmd, "%s: unknown option '--%.*s'", cmd, (int)len,
						 name);
			/* the last of two would win without a word: say it instead */
			if ((size_t)(o - opts) < 64 && (seen >> (o - opts) & 1))
				return cli_usage(cmd, "%s: option '--%s' given twice", cmd,
						 o->name);
			if ((size_t)(o - opts) < 64)
				seen |= (uint64_t)1 << (o - opts);
			if (o->has_arg) {
				if (eq) {
					*o->value = eq + 1;
				} else if (i + 1 < argc) {
					*o->value = argv[++i];
				} else {
					return cli_usage(cmd, "%s: option '--%s' needs a value",
							 cmd, o->name);
				}
			} else {
				if (eq)
					return cli_usage(cmd, "%s: option '--%s' takes no value",
							 cmd, o->name);
				*o->flag = true;
			}
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9'))
			return cli_usage(cmd, "%s: unknown option '%s'", cmd, a);
		if (*n_pos >= max_pos)
			return cli_usage(cmd, "%s: unexpected argument '%s'", cmd, a);
		pos[(*n_pos)++] = a;
	}
	return CLI_OK;
}

size_t cli_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

void cli_pad(FILE *f, const char *s, size_t w, bool right)
{
	size_t n = cli_width(s);

	if (right)
		for (; n < w; n++)
			fputc(' ', f);
	fputs(s, f);
	if (!right)
		for (; n < w; n++)
			fputc(' ', f);
}

int cli_parse_o(int argc, char **argv, int first, const struct cli_opt *opts, const char **pos,
		int max_pos, int *n_pos, const char *cmd)
{
	char **av = calloc((size_t)argc + 1, sizeof(*av));
	int rc;

	if (!av)
		return cli_fail(CAL_ERR_NOMEM, cmd);
	for (int i = 0; i < argc; i++)
		av[i] = strcmp(argv[i], "-o") == 0 ? (char *)"--output" : argv[i];
	rc = cli_parse(argc, av, first, opts, pos, max_pos, n_pos, cmd);
	free(av);
	return rc;
}

int cli_output_close(FILE *f, const char *path, const char *cmd)
{
	if (f != stdout) {
		if (ferror(f) | fclose(f)) {
			cli_err("%s: cannot write %s: %s", cmd, path, strerror(errno));
			remove(path);
			return CLI_ERROR;
		}
	} else if (fflush(stdout)) {
		return CLI_ERROR;
	}
	return CLI_OK;
}
