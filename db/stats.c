/*
 * Statistics a centre reports upward (domain.md §8, docs/statistics.md):
 * the rows of history (schema v6) counted: a run's row is written by a
 * trigger when it completes with its document, an imported register row by
 * `calbench import`; both count alike (dimension "source" tells them apart).
 *
 * Counting rules (domain.md §8.2, design decisions):
 *  - the unit is one completed run with its document: a verification
 *    certificate counts as pass, a failure record as fail. A run stopped at
 *    its first failed step is completed with a failure record, so a fail.
 *    Runs still running, interrupted or aborted have no document: not counted;
 *  - a re-verification (after repair, or any other run of the same
 *    instrument) is another run with another document: it counts again;
 *  - a revoked document (certificate_revocations) does not count;
 *  - a revision "NO-Rn" lives in cert_revisions, not in certificates: it
 *    replaces its original and adds no count (the original counts once);
 *  - calibrations are counted only when asked for (activity calibration),
 *    never mixed into the verification totals; their result is the
 *    conformity verdict of the run (PASS/FAIL);
 *  - the period is on the document's issue date (an imported row's date),
 *    both ends included.
 *
 * The SQL is assembled from the fixed fragments of dims[] only: the user's
 * words choose entries of the table, and the dates are bound.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "db-internal.h"

/*
 * Each dimension is a column of history; the period ones are cut from the
 * date in C (SQLite's substr() would make a new string for every row).
 */
enum cut { CUT_NONE, CUT_MONTH, CUT_QUARTER, CUT_YEAR };

static const struct {
	const char *name;
	const char *column; /* of history h */
	enum cut cut;
} dims[CAL_STATS_NDIMS] = {
	[CAL_STATS_TYPE] = { "type", "h.type", CUT_NONE },
	[CAL_STATS_MODE] = { "mode", "h.mode", CUT_NONE },
	[CAL_STATS_RESULT] = { "result", "h.result", CUT_NONE },
	[CAL_STATS_MONTH] = { "month", "h.event_date", CUT_MONTH },	  /* YYYY-MM */
	[CAL_STATS_QUARTER] = { "quarter", "h.event_date", CUT_QUARTER }, /* YYYY-Qn */
	[CAL_STATS_YEAR] = { "year", "h.event_date", CUT_YEAR },	  /* YYYY */
	[CAL_STATS_OWNER] = { "owner", "h.owner", CUT_NONE },
	[CAL_STATS_OPERATOR] = { "operator", "h.operator", CUT_NONE },
	[CAL_STATS_PROCEDURE] = { "procedure", "h.procedure_id", CUT_NONE },
	[CAL_STATS_METHOD] = { "method", "h.method", CUT_NONE },
	[CAL_STATS_SOURCE] = { "source", "h.source", CUT_NONE },
};

const char *cal_stats_dim_name(enum cal_stats_dim d)
{
	return (unsigned)d < CAL_STATS_NDIMS ? dims[d].name : "?";
}

int cal_stats_dim_parse(enum cal_stats_dim *out, const char *name)
{
	char known[160] = "";
	size_t len = 0;

	for (int i = 0; i < CAL_STATS_NDIMS; i++) {
		if (strcmp(dims[i].name, name) == 0) {
			*out = (enum cal_stats_dim)i;
			return CAL_OK;
		}
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
					dims[i].name);
	}
	return cal_error_set(CAL_ERR_ARG, "unknown dimension '%s' (known: %s)", name, known);
}

int cal_stats_dims_parse(enum cal_stats_dim *out, size_t *n, const char *list)
{
	char buf[256];
	char *save = NULL, *tok;
	int rc;

	*n = 0;
	if (strlen(list) >= sizeof(buf))
		return cal_error_set(CAL_ERR_ARG, "dimensions: list too long");
	if (list[0] == ',' || (list[0] && list[strlen(list) - 1] == ',') || strstr(list, ",,"))
		return cal_error_set(CAL_ERR_ARG, "dimensions: an empty name in '%s'", list);
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum cal_stats_dim d;

		rc = cal_stats_dim_parse(&d, tok);
		if (rc)
			return rc;
		for (size_t k = 0; k < *n; k++)
			if (out[k] == d)
				return cal_error_set(CAL_ERR_ARG, "dimension '%s' given twice",
						     tok);
		out[(*n)++] = d;
	}
	if (*n == 0)
		return cal_error_set(CAL_ERR_ARG, "dimensions: none given");
	return CAL_OK;
}

void cal_stats_rate(char *out, size_t size, const struct cal_stats_row *r)
{
	/* integer arithmetic: 2506/2559 -> 9793 hundredths of a per cent */
	int64_t h = r->total > 0 ? (r->pass * 20000 + r->total) / (2 * r->total) : 0;

	snprintf(out, size, "%lld.%02lld", (long long)(h / 100), (long long)(h % 100));
}

static void row_free(struct cal_stats_row *r)
{
	for (int i = 0; i < CAL_STATS_NDIMS; i++) {
		free(r->key[i]);
		r->key[i] = NULL;
	}
}

void cal_stats_free(struct cal_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		row_free(&s->rows[i]);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

static int check_date(const char *what, const char *s)
{
	struct cal_date d;

	if (!s || !s[0])
		return CAL_OK;
	if (cal_date_parse(&d, s))
		return cal_error_set(CAL_ERR_ARG, "%s: '%s' is not a date (YYYY-MM-DD)", what, s);
	return CAL_OK;
}

/*
 * The rows: SELECT columns..., passed FROM history WHERE ... (no GROUP BY):
 * SQLite would sort every row to group them (ten million rows: 9.9 s in
 * the sqlite3 shell); the groups are few, so they are counted here in a
 * hash table as the rows stream by, then sorted by their keys as ORDER BY
 * would (BINARY collation, i.e. memcmp). Figures: docs/performance.md.
 */
static int build_sql(char *sql, size_t size, const struct cal_stats_query *q)
{
	char keys[1024] = "";
	size_t len = 0;
	int n;

	for (size_t i = 0; i < q->n_by; i++) {
		enum cal_stats_dim d = q->by[i];

		if ((unsigned)d >= CAL_STATS_NDIMS)
			return cal_error_set(CAL_ERR_ARG, "stats: bad dimension %d", (int)d);
		n = snprintf(keys + len, sizeof(keys) - len, "%s, ", dims[d].column);
		if (n < 0 || (size_t)n >= sizeof(keys) - len)
			return cal_error_set(CAL_ERR_ARG, "stats: too many dimensions");
		len += (size_t)n;
	}
	n = snprintf(sql, size,
		     "SELECT %s%s\n"
		     "FROM history h\n"
		     "WHERE h.activity = ?1 AND h.revoked = 0\n"
		     " AND h.event_date >= ?2 AND h.event_date <= ?3",
		     keys,
		     q->n_by ? "h.result = 'pass'"
			     : "count(*), coalesce(sum(h.result = 'pass'), 0)");
	if (n < 0 || (size_t)n >= size)
		return cal_error_set(CAL_ERR_ARG, "stats: query too long");
	return CAL_OK;
}

/* A group's slot: open addressing over the hash of its keys. */
struct group {
	uint64_t hash;
	size_t row; /* index in out->rows + 1; 0 = empty slot */
};

struct groups {
	struct group *slot;
	size_t cap;  /* a power of two */
	size_t *len; /* key lengths of row r: len[r * n_by + i] */
	size_t len_cap;
};

/* The keys of one row, as they are grouped (a period cut from its date). */
struct keys {
	const char *k[CAL_STATS_NDIMS];
	size_t len[CAL_STATS_NDIMS];
	char cut[CAL_STATS_NDIMS][8];
};

/* 64-bit multiply-xor over 8 bytes at a time (the keys are short and few). */
static uint64_t mix(uint64_t h, const char *p, size_t n)
{
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p, n); /* the last 0..7 bytes, and the length: "ab" + "c" != "a" + "bc" */
	h = (h ^ w ^ ((uint64_t)n << 56)) * 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 32);
}

static int groups_grow(struct groups *g)
{
	size_t cap = g->cap ? g->cap * 2 : 64;
	struct group *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return cal_error_set(CAL_ERR_NOMEM, "stats: out of memory");
	for (size_t i = 0; i < g->cap; i++) {
		size_t j;

		if (!g->slot[i].row)
			continue;
		for (j = g->slot[i].hash & (cap - 1); slot[j].row; j = (j + 1) & (cap - 1))
			;
		slot[j] = g->slot[i];
	}
	free(g->slot);
	g->slot = slot;
	g->cap = cap;
	return CAL_OK;
}

/* The keys of the current row of @st (columns 0..n-1), periods cut from the date. */
static void row_keys(struct keys *k, sqlite3_stmt *st, const struct cal_stats_query *q)
{
	for (size_t i = 0; i < q->n_by; i++) {
		const char *t = (const char *)sqlite3_column_text(st, (int)i);
		size_t n = (size_t)sqlite3_column_bytes(st, (int)i);
		enum cut cut = dims[q->by[i]].cut;

		if (!t) {
			t = "";
			n = 0;
		}
		if (cut != CUT_NONE && n >= 7) {
			/* event_date is YYYY-MM-DD (a CHECK of the schema) */
			memcpy(k->cut[i], t, 7);
			n = cut == CUT_YEAR ? 4 : 7;
			if (cut == CUT_QUARTER) {
				int month = (t[5] - '0') * 10 + (t[6] - '0');

				k->cut[i][5] = 'Q';
				k->cut[i][6] = (char)('0' + (month + 2) / 3);
			}
			k->cut[i][n] = '\0';
			t = k->cut[i];
		}
		k->k[i] = t;
		k->len[i] = n;
	}
}

/* The group of @k, made if new. */
static int group_of(struct cal_stats_row **out, struct groups *g, struct cal_stats *s,
		    size_t *rows_cap, const struct keys *k, size_t n)
{
	struct cal_stats_row row = { 0 }, *grown;
	uint64_t h = 0x243F6A8885A308D3ULL;
	size_t j;
	int rc;

	for (size_t i = 0; i < n; i++)
		h = mix(h, k->k[i], k->len[i]);
	if ((s->n + 1) * 2 > g->cap) {
		rc = groups_grow(g);
		if (rc)
			return rc;
	}
	for (j = h & (g->cap - 1); g->slot[j].row; j = (j + 1) & (g->cap - 1)) {
		size_t r = g->slot[j].row - 1, i;

		if (g->slot[j].hash != h)
			continue;
		for (i = 0; i < n; i++)
			if (g->len[r * n + i] != k->len[i] ||
			    memcmp(s->rows[r].key[i], k->k[i], k->len[i]) != 0)
				break;
		if (i == n) {
			*out = &s->rows[r];
			return CAL_OK;
		}
	}
	if ((s->n + 1) * n > g->len_cap) {
		size_t cap = g->len_cap ? g->len_cap * 2 : 64 * n;
		size_t *len = realloc(g->len, cap * sizeof(*len));

		if (!len)
			return cal_error_set(CAL_ERR_NOMEM, "stats: out of memory");
		g->len = len;
		g->len_cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		row.key[i] = strndup(k->k[i], k->len[i]);
		if (!row.key[i]) {
			row_free(&row);
			return cal_error_set(CAL_ERR_NOMEM, "stats: out of memory");
		}
		g->len[s->n * n + i] = k->len[i];
	}
	grown = db_grow(s->rows, rows_cap, s->n, sizeof(*s->rows));
	if (!grown) {
		row_free(&row);
		return CAL_ERR_NOMEM;
	}
	s->rows = grown;
	s->rows[s->n++] = row;
	g->slot[j].hash = h;
	g->slot[j].row = s->n;
	*out = &s->rows[s->n - 1];
	return CAL_OK;
}

static int row_cmp(const void *a, const void *b, void *arg)
{
	const struct cal_stats_row *x = a, *y = b;
	size_t nkeys = *(const size_t *)arg;

	for (size_t i = 0; i < nkeys; i++) {
		int c = strcmp(x->key[i], y->key[i]);

		if (c)
			return c;
	}
	return 0;
}

int cal_db_stats(struct cal_stats *out, struct cal_db *db, const struct cal_stats_query *q)
{
	struct groups g = { 0 };
	sqlite3_stmt *st = NULL;
	char sql[4096];
	size_t cap = 0;
	int rc, step;

	memset(out, 0, sizeof(*out));
	if (q->n_by > CAL_STATS_NDIMS)
		return cal_error_set(CAL_ERR_ARG, "stats: too many dimensions");
	rc = check_date("--from", q->from);
	if (!rc)
		rc = check_date("--to", q->to);
	if (rc)
		return rc;
	if (q->from && q->from[0] && q->to && q->to[0] && strcmp(q->from, q->to) > 0)
		return cal_error_set(CAL_ERR_ARG, "--from %s is after --to %s", q->from, q->to);
	rc = build_sql(sql, sizeof(sql), q);
	if (rc)
		return rc;
	rc = db_prepare(&st, db, sql);
	if (rc)
		return rc;
	if (db_bind_str(st, 1, q->calibration ? "calibration" : "verification") ||
	    db_bind_str(st, 2, q->from && q->from[0] ? q->from : "0000-01-01") ||
	    db_bind_str(st, 3, q->to && q->to[0] ? q->to : "9999-12-31")) {
		rc = db_fail(db, "stats");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct cal_stats_row *r = NULL;
		struct keys k;
		int pass;

		if (!q->n_by) {
			out->total.total = sqlite3_column_int64(st, 0);
			out->total.pass = sqlite3_column_int64(st, 1);
			out->total.fail = out->total.total - out->total.pass;
			continue;
		}
		row_keys(&k, st, q);
		rc = group_of(&r, &g, out, &cap, &k, q->n_by);
		if (rc)
			goto out;
		pass = sqlite3_column_int(st, (int)q->n_by);
		r->total++;
		r->pass += pass;
		r->fail += !pass;
		out->total.total++;
		out->total.pass += pass;
		out->total.fail += !pass;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, "stats");
		goto out;
	}
	if (out->n > 1)
		qsort_r(out->rows, out->n, sizeof(*out->rows), row_cmp, (void *)&q->n_by);
out:
	free(g.slot);
	free(g.len);
	sqlite3_finalize(st);
	if (rc)
		cal_stats_free(out);
	return rc;
}

/* By the first key (the only one of a rollup's rows). */
static int by_key0(const void *a, const void *b)
{
	return strcmp(((const struct cal_stats_row *)a)->key[0],
		      ((const struct cal_stats_row *)b)->key[0]);
}

int cal_stats_rollup(struct cal_stats *out, const struct cal_stats *in, size_t k)
{
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (k >= CAL_STATS_NDIMS)
		return cal_error_set(CAL_ERR_ARG, "stats: no key %zu", k);
	out->total = in->total;
	for (size_t i = 0; i < CAL_STATS_NDIMS; i++)
		out->total.key[i] = NULL;
	for (size_t r = 0; r < in->n; r++) {
		const char *key = in->rows[r].key[k] ? in->rows[r].key[k] : "";
		struct cal_stats_row *row = NULL, *grown;

		/* the groups of a rollup are few: a linear search is enough */
		for (size_t j = 0; j < out->n && !row; j++)
			if (strcmp(out->rows[j].key[0], key) == 0)
				row = &out->rows[j];
		if (!row) {
			grown = db_grow(out->rows, &cap, out->n, sizeof(*out->rows));
			if (!grown) {
				cal_stats_free(out);
				return CAL_ERR_NOMEM;
			}
			out->rows = grown;
			row = &out->rows[out->n];
			memset(row, 0, sizeof(*row));
			row->key[0] = strdup(key);
			if (!row->key[0]) {
				cal_stats_free(out);
				return cal_error_set(CAL_ERR_NOMEM, "stats: out of memory");
			}
			out->n++;
		}
		row->total += in->rows[r].total;
		row->pass += in->rows[r].pass;
		row->fail += in->rows[r].fail;
	}
	if (out->n > 1)
		qsort(out->rows, out->n, sizeof(*out->rows), by_key0);
	return CAL_OK;
}
