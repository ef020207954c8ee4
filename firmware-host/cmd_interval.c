/*
 * calbench interval list|show|set|load and calbench owner list|get|set: the
 * data `calbench due` works from (db/due.c, docs/due.md). Intervals are per
 * instrument type with the date they take effect; owners are whom to remind
 * (name = the owner of the instrument register, exactly).
 *
 * An intervals file (data/intervals-vn.yaml) is a list under 'intervals:' of
 * {type, from, months, source}; it is loaded whole or not at all, in one
 * transaction, and loading it again changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/due.h"
#include "cal/error.h"
#include "cli.h"
#include "yamlx.h"

/* Characters shown (UTF-8 code points; Vietnamese in NFC is one column each). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void pad(const char *s, size_t w)
{
	fputs(s, stdout);
	for (size_t n = width(s); n < w; n++)
		fputc(' ', stdout);
}

/* "12" -> 12; anything but digits (at most 6) is refused. */
static int parse_months(int *out, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 6 || strspn(s, "0123456789") != n)
		return -1;
	*out = atoi(s);
	return 0;
}

static const char *const changed_word[] = { "unchanged", "added", "changed" };

/* ---- interval ------------------------------------------------------------- */

static int interval_list(struct cli *cli)
{
	struct cal_interval *iv = NULL;
	struct cal_db *db = NULL;
	size_t n = 0, wt = 4;
	int rc;

	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	rc = cal_db_interval_list(&iv, &n, db);
	cal_db_close(db);
	if (rc)
		return cli_fail(rc, "interval list");
	if (!n) {
		printf("no intervals (load some: calbench interval load "
		       "data/intervals-vn.yaml)\n");
		return CLI_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (width(iv[i].type) > wt)
			wt = width(iv[i].type);
	pad("type", wt);
	printf("  from        months  source\n");
	for (size_t i = 0; i < n; i++) {
		pad(iv[i].type, wt);
		printf("  %s  %6d  %s\n", iv[i].effective_from, iv[i].months, iv[i].source);
	}
	free(iv);
	return CLI_OK;
}

static int interval_show(struct cli *cli, const char *type, const char *date)
{
	struct cal_interval row;
	struct cal_db *db = NULL;
	char today[11];
	struct cal_date t;
	int months, rc;

	if (!date) {
		cli_today(today);
		date = today;
	} else if (cal_date_parse(&t, date) != CAL_OK) {
		return cli_usage("interval",
				 "interval show: --date '%s' is not a date (YYYY-MM-DD)", date);
	}
	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	rc = cal_db_interval_for(&months, &row, db, type, date);
	cal_db_close(db);
	if (rc)
		return cli_fail(rc, "interval show");
	if (months)
		printf("%d months on %s: type '%s' from %s%s%s%s\n", months, date, row.type,
		       row.effective_from, row.source[0] ? " (" : "", row.source,
		       row.source[0] ? ")" : "");
	else
		printf("no periodic verification on %s: type '%s' from %s%s%s%s\n", date, row.type,
		       row.effective_from, row.source[0] ? " (" : "", row.source,
		       row.source[0] ? ")" : "");
	return CLI_OK;
}

static int interval_set(struct cli *cli, const char *type, const char *months, const char *from,
			const char *source)
{
	struct cal_interval iv = { 0 };
	struct cal_db *db = NULL;
	int changed = 0, rc;

	if (!from)
		return cli_usage("interval",
				 "interval set: --from DATE is needed (the day the interval takes "
				 "effect)");
	if (parse_months(&iv.months, months))
		return cli_usage("interval",
				 "interval set: '%s' is not a number of months (0 to %d; 0 = no "
				 "periodic verification)",
				 months, CAL_INTERVAL_MAX_MONTHS);
	if (strlen(type) >= sizeof(iv.type) || strlen(from) >= sizeof(iv.effective_from) ||
	    (source && strlen(source) >= sizeof(iv.source)))
		return cli_usage("interval",
				 "interval set: too long (type at most %zu bytes, source %zu)",
				 sizeof(iv.type) - 1, sizeof(iv.source) - 1);
	snprintf(iv.type, sizeof(iv.type), "%s", type);
	snprintf(iv.effective_from, sizeof(iv.effective_from), "%s", from);
	snprintf(iv.source, sizeof(iv.source), "%s", source ? source : "");
	rc = cli_open_db(&db, cli, true);
	if (rc)
		return rc;
	rc = cal_db_interval_set(&changed, db, &iv);
	cal_db_close(db);
	if (rc)
		return cli_fail(rc, "interval set");
	printf("interval of '%s' from %s: %d months%s (%s)\n", type, from, iv.months,
	       iv.months ? "" : ", no periodic verification", changed_word[changed]);
	return CLI_OK;
}

static int interval_load(struct cli *cli, const char *path)
{
	static const char *const known[] = { "type", "from", "months", "source", NULL };
	struct fy_document *doc = NULL;
	struct fy_node *root, *list, *item;
	struct cal_db *db = NULL;
	size_t len, count[3] = { 0 }, i = 0;
	char *text = NULL;
	void *it = NULL;
	int rc, err;

	err = yamlx_read_file(&text, &len, path);
	if (!err)
		err = yamlx_parse(&doc, text, len, path);
	if (err) {
		free(text);
		return cli_fail(err, "interval load");
	}
	root = fy_document_root(doc);
	list = yamlx_get(root, "intervals");
	if (!list || !fy_node_is_sequence(list)) {
		fy_document_destroy(doc);
		free(text);
		return cli_fail(cal_error_set(CAL_ERR_CONFIG,
					      "%s: expected a list under 'intervals:' of {type, "
					      "from, months, source}",
					      path),
				"interval load");
	}
	rc = cli_open_db(&db, cli, true);
	if (rc) {
		fy_document_destroy(doc);
		free(text);
		return rc;
	}
	err = cal_db_begin(db);
	while (!err && (item = fy_node_sequence_iterate(list, &it)) != NULL) {
		struct cal_interval iv = { 0 };
		struct fy_node *n;
		char where[32];
		int changed = 0;

		snprintf(where, sizeof(where), "intervals[%zu]", i++);
		if (!fy_node_is_mapping(item)) {
			err = cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s must be a mapping", path,
					    yamlx_line(item), where);
			break;
		}
		err = yamlx_known_keys(item, known, path, where);
		if (!err)
			err = yamlx_require(&n, item, "type", path, where);
		if (!err)
			err = yamlx_str(iv.type, sizeof(iv.type), n, path, "type");
		if (!err)
			err = yamlx_require(&n, item, "from", path, where);
		if (!err)
			err = yamlx_str(iv.effective_from, sizeof(iv.effective_from), n, path,
					"from");
		if (!err)
			err = yamlx_require(&n, item, "months", path, where);
		if (!err)
			err = yamlx_int(&iv.months, n, path, "months", 0, CAL_INTERVAL_MAX_MONTHS);
		n = yamlx_get(item, "source");
		if (!err && n)
			err = yamlx_str(iv.source, sizeof(iv.source), n, path, "source");
		if (!err) {
			err = cal_db_interval_set(&changed, db, &iv);
			if (err)
				cal_error_prefix(err, "%s:%d: ", path, yamlx_line(item));
		}
		if (!err)
			count[changed]++;
	}
	if (!err && i == 0)
		err = cal_error_set(CAL_ERR_CONFIG, "%s: no intervals in the file", path);
	if (err) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", cal_error_last());
		cal_db_end(db, err);
		cal_error_set(err, "%s (nothing from %s was loaded)", msg, path);
	} else {
		err = cal_db_end(db, CAL_OK);
	}
	cal_db_close(db);
	fy_document_destroy(doc); /* (it points into text) */
	free(text);
	if (err)
		return cli_fail(err, "interval load");
	printf("loaded %zu intervals from %s: %zu added, %zu changed, %zu unchanged\n", i, path,
	       count[1], count[2], count[0]);
	return CLI_OK;
}

int cmd_interval(struct cli *cli, int argc, char **argv)
{
	const char *from = NULL, *source = NULL, *date = NULL;
	const struct cli_opt opts[] = {
		{ "from", true, &from, NULL },
		{ "source", true, &source, NULL },
		{ "date", true, &date, NULL },
		{ NULL, false, NULL, NULL },
	};
	const char *pos[3];
	int npos, rc;

	rc = cli_parse(argc, argv, 1, opts, pos, 3, &npos, "interval");
	if (rc)
		return rc;
	if (npos < 1)
		return cli_usage("interval", "interval: expected list, show, set or load");
	if ((from || source) && strcmp(pos[0], "set") != 0)
		return cli_usage("interval", "interval %s: --from and --source are for set",
				 pos[0]);
	if (date && strcmp(pos[0], "show") != 0)
		return cli_usage("interval", "interval %s: --date is for show", pos[0]);
	if (strcmp(pos[0], "list") == 0 && npos == 1)
		return interval_list(cli);
	if (strcmp(pos[0], "show") == 0 && npos == 2)
		return interval_show(cli, pos[1], date);
	if (strcmp(pos[0], "set") == 0 && npos == 3)
		return interval_set(cli, pos[1], pos[2], from, source);
	if (strcmp(pos[0], "load") == 0 && npos == 2)
		return interval_load(cli, pos[1]);
	return cli_usage("interval",
			 "interval: expected list, show TYPE [--date DATE], set TYPE MONTHS "
			 "--from DATE [--source TEXT] or load FILE");
}

/* ---- owner ---------------------------------------------------------------- */

static int owner_list(struct cli *cli)
{
	static const char *const head[] = { "name", "contact", "phone", "email", "address" };
	struct cal_owner *o = NULL;
	struct cal_db *db = NULL;
	size_t n = 0, w[5];
	int rc;

	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	rc = cal_db_owner_list(&o, &n, db);
	cal_db_close(db);
	if (rc)
		return cli_fail(rc, "owner list");
	if (!n) {
		printf("no owners (add one: calbench owner set NAME --phone ... --email ...)\n");
		return CLI_OK;
	}
	for (size_t j = 0; j < 5; j++)
		w[j] = strlen(head[j]);
	for (size_t i = 0; i < n; i++) {
		const char *f[5] = { o[i].name, o[i].contact, o[i].phone, o[i].email,
				     o[i].address };

		for (size_t j = 0; j < 5; j++)
			if (width(f[j]) > w[j])
				w[j] = width(f[j]);
	}
	for (size_t j = 0; j < 5; j++) {
		if (j < 4)
			pad(head[j], w[j]);
		fputs(j < 4 ? "  " : "address\n", stdout);
	}
	for (size_t i = 0; i < n; i++) {
		const char *f[5] = { o[i].name, o[i].contact, o[i].phone, o[i].email,
				     o[i].address };

		for (size_t j = 0; j < 4; j++) {
			pad(f[j], w[j]);
			fputs("  ", stdout);
		}
		printf("%s\n", f[4]);
	}
	free(o);
	return CLI_OK;
}

static int owner_get(struct cli *cli, const char *name)
{
	struct cal_db *db = NULL;
	struct cal_owner o;
	int rc;

	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	rc = cal_db_owner_get(&o, db, name);
	cal_db_close(db);
	if (rc)
		return cli_fail(rc, "owner");
	printf("name     %s\ncontact  %s\nphone    %s\nemail    %s\naddress  %s\n", o.name,
	       o.contact, o.phone, o.email, o.address);
	return CLI_OK;
}

/* Copy an option's value into a field; -1 when too long. */
static int set_field(char *dst, size_t size, const char *v)
{
	if (!v)
		return 0;
	if (strlen(v) >= size)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int owner_set(struct cli *cli, const char *name, const char *const v[4])
{
	static const char *const what[4] = { "contact", "phone", "email", "address" };
	struct cal_db *db = NULL;
	struct cal_owner o;
	char *const field[4] = { o.contact, o.phone, o.email, o.address };
	const size_t size[4] = { sizeof(o.contact), sizeof(o.phone), sizeof(o.email),
				 sizeof(o.address) };
	bool is_new = false;
	int rc;

	if (strlen(name) >= sizeof(o.name))
		return cli_usage("owner", "owner set: the name is too long (at most %zu bytes)",
				 sizeof(o.name) - 1);
	rc = cli_open_db(&db, cli, true);
	if (rc)
		return rc;
	/* the fields not given stay as they are */
	rc = cal_db_owner_get(&o, db, name);
	if (rc == CAL_ERR_NOTFOUND) {
		cal_error_clear();
		memset(&o, 0, sizeof(o));
		snprintf(o.name, sizeof(o.name), "%s", name);
		is_new = true;
		rc = CAL_OK;
	}
	for (size_t j = 0; !rc && j < 4; j++)
		if (set_field(field[j], size[j], v[j]))
			rc = cal_error_set(CAL_ERR_ARG,
					   "owner set: --%s is too long (at most %zu "
					   "bytes)",
					   what[j], size[j] - 1);
	if (!rc)
		rc = cal_db_owner_set(db, &o);
	cal_db_close(db);
	if (rc)
		return cli_fail(rc, "owner set");
	printf("%s owner '%s'\n", is_new ? "added" : "updated", o.name);
	return CLI_OK;
}

int cmd_owner(struct cli *cli, int argc, char **argv)
{
	const char *v[4] = { NULL, NULL, NULL, NULL };
	const struct cli_opt opts[] = {
		{ "contact", true, &v[0], NULL }, { "phone", true, &v[1], NULL },
		{ "email", true, &v[2], NULL },	  { "address", true, &v[3], NULL },
		{ NULL, false, NULL, NULL },
	};
	const char *pos[2];
	int npos, rc;

	rc = cli_parse(argc, argv, 1, opts, pos, 2, &npos, "owner");
	if (rc)
		return rc;
	if (npos >= 1 && strcmp(pos[0], "set") != 0 && (v[0] || v[1] || v[2] || v[3]))
		return cli_usage("owner",
				 "owner %s: --contact, --phone, --email and --address "
				 "are for set",
				 pos[0]);
	if (npos == 1 && strcmp(pos[0], "list") == 0)
		return owner_list(cli);
	if (npos == 2 && (strcmp(pos[0], "get") == 0 || strcmp(pos[0], "show") == 0))
		return owner_get(cli, pos[1]);
	if (npos == 2 && strcmp(pos[0], "set") == 0)
		return owner_set(cli, pos[1], v);
	return cli_usage("owner", "owner: expected list, get NAME or set NAME [--contact TEXT] "
				  "[--phone TEXT] [--email TEXT] [--address TEXT]");
}
