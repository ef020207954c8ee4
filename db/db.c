/*
 * Opening the calbench database, migrating its schema, settings, the
 * integrity check, and the helpers the rest of db/ shares.
 *
 * Opening follows one order, so that every failure names the file:
 *   1. sqlite3_open_v2 (read-write, create);
 *   2. busy timeout 5000 ms, extended result codes;
 *   3. read application_id and user_version: the first read of the file,
 *      where a file that is not a database fails (SQLITE_NOTADB);
 *   4. refuse a newer schema, another program's database;
 *   5. journal_mode=WAL (not for ":memory:"), synchronous=FULL,
 *      foreign_keys=ON;
 *   6. apply the missing migrations, each in its own BEGIN IMMEDIATE
 *      transaction together with its user_version bump.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "db-internal.h"
#include "cal/clock.h"
#include "cal/error.h"

/* PRAGMA application_id of a calbench database: "CALB". */
#define CAL_DB_APPLICATION_ID 0x43414C42

/* How long a writer waits for another process's lock, in milliseconds. */
#define CAL_DB_BUSY_TIMEOUT_MS 5000

/* ---- helpers shared by db/ ------------------------------------------------ */

void db_strlcpy(char *dst, size_t size, const char *src)
{
	size_t n;

	if (!dst || size == 0)
		return;
	if (!src) {
		dst[0] = '\0';
		return;
	}
	n = strnlen(src, size);
	if (n >= size) {
		/* Cut, and step back over UTF-8 continuation bytes (10xxxxxx). */
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

size_t db_field_len(const char *s, size_t cap)
{
	return s ? strnlen(s, cap) : 0;
}

bool db_field_set(const char *s, size_t cap)
{
	return db_field_len(s, cap) > 0;
}

int db_bind_field(sqlite3_stmt *st, int idx, const char *s, size_t cap)
{
	size_t n = db_field_len(s, cap);

	return sqlite3_bind_text(st, idx, n ? s : "", (int)n, SQLITE_TRANSIENT);
}

int db_bind_str(sqlite3_stmt *st, int idx, const char *s)
{
	return sqlite3_bind_text(st, idx, s ? s : "", -1, SQLITE_TRANSIENT);
}

int db_bind_real(sqlite3_stmt *st, int idx, double v)
{
	if (isnan(v))
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_double(st, idx, v);
}

void db_col_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	db_strlcpy(dst, size, s ? s : "");
}

double db_col_real(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, col);
}

int db_prepare(sqlite3_stmt **out, struct cal_db *db, const char *sql)
{
	*out = NULL;
	if (sqlite3_prepare_v2(db->h, sql, -1, out, NULL) != SQLITE_OK)
		return db_fail(db, "cannot prepare a statement");
	return CAL_OK;
}

/*
 * The statements of the lookups an inspector's request makes, prepared once
 * per connection (keyed by the address of their SQL text, a string
 * constant); one in use is prepared afresh for a nested caller.
 */
int db_prepare_cached(sqlite3_stmt **out, struct cal_db *db, const char *sql)
{
	int free_slot = -1;

	*out = NULL;
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		if (db->cache_sql[i] == sql && !db->cache_busy[i]) {
			db->cache_busy[i] = true;
			*out = db->cache_st[i];
			return CAL_OK;
		}
		if (!db->cache_sql[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return db_prepare(out, db, sql);
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK)
		return db_fail(db, "cannot prepare a statement");
	db->cache_sql[free_slot] = sql;
	db->cache_st[free_slot] = *out;
	db->cache_busy[free_slot] = true;
	return CAL_OK;
}

void db_finish(struct cal_db *db, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (int i = 0; i < DB_STMT_CACHE; i++)
		if (db->cache_st[i] == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			db->cache_busy[i] = false;
			return;
		}
	sqlite3_finalize(st);
}

int db_fail(struct cal_db *db, const char *what)
{
	int x = sqlite3_extended_errcode(db->h);
	const char *msg = sqlite3_errmsg(db->h);
	int code;

	switch (x) {
	case SQLITE_CONSTRAINT_TRIGGER:
		code = strstr(msg, "immutable") ? CAL_ERR_IMMUTABLE : CAL_ERR_STATE;
		break;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_CONSTRAINT_DATATYPE:
		code = CAL_ERR_ARG;
		break;
	default:
		code = (x & 0xff) == SQLITE_CONSTRAINT ? CAL_ERR_STATE : CAL_ERR_DB;
		break;
	}
	return cal_error_set(code, "%s: %s", what, msg);
}

int db_tx_begin(struct cal_db *db, bool *own)
{
	const char *sql;

	*own = sqlite3_get_autocommit(db->h) != 0;
	sql = *own ? "BEGIN IMMEDIATE" : "SAVEPOINT cal_db_tx";
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*own = false;
		return db_fail(db, "cannot begin a transaction");
	}
	return CAL_OK;
}

int db_tx_end(struct cal_db *db, bool own, int rc)
{
	if (rc == CAL_OK) {
		const char *sql = own ? "COMMIT" : "RELEASE cal_db_tx";

		if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK)
			return CAL_OK;
		rc = db_fail(db, "cannot commit");
	}
	/*
	 * Errors are ignored here: the message of the first failure is the
	 * useful one, and an I/O error may already have rolled back.
	 */
	if (own) {
		if (!sqlite3_get_autocommit(db->h))
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	} else {
		sqlite3_exec(db->h, "ROLLBACK TO cal_db_tx; RELEASE cal_db_tx", NULL, NULL, NULL);
	}
	return rc;
}

int db_collect(void **out, size_t *n, size_t elem, struct cal_db *db, sqlite3_stmt *st,
	       db_row_fn fill, const char *what)
{
	char *arr = NULL, *p;
	size_t cap = 0, cnt = 0;
	int rc = CAL_OK, step;

	*out = NULL;
	*n = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		p = db_grow(arr, &cap, cnt, elem);
		if (!p) {
			rc = CAL_ERR_NOMEM;
			goto out;
		}
		arr = p;
		memset(arr + cnt * elem, 0, elem);
		rc = fill(arr + cnt * elem, st);
		cnt++;
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, what);
out:
	sqlite3_finalize(st);
	if (rc) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return CAL_OK;
}

void *db_grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < *cap || ncap > SIZE_MAX / elem) {
		cal_error_set(CAL_ERR_NOMEM, "list too long");
		return NULL;
	}
	p = realloc(arr, ncap * elem);
	if (!p) {
		cal_error_set(CAL_ERR_NOMEM, "out of memory for a list of %zu", ncap);
		return NULL;
	}
	*cap = ncap;
	return p;
}

static const char *const status_text[] = {
	[CAL_RUN_RUNNING] = "running",
	[CAL_RUN_INTERRUPTED] = "interrupted",
	[CAL_RUN_COMPLETED] = "completed",
	[CAL_RUN_ABORTED] = "aborted",
};

/* The values are stored in the database as text; the numbers must not move. */
_Static_assert(CAL_RUN_RUNNING == 1 && CAL_RUN_ABORTED == 4, "run status values are stable");

const char *db_status_text(enum cal_run_status s)
{
	if ((int)s < CAL_RUN_RUNNING || (int)s > CAL_RUN_ABORTED)
		return NULL;
	return status_text[s];
}

int db_status_parse(enum cal_run_status *out, const char *s)
{
	for (int i = CAL_RUN_RUNNING; i <= CAL_RUN_ABORTED; i++) {
		if (s && strcmp(s, status_text[i]) == 0) {
			*out = (enum cal_run_status)i;
			return CAL_OK;
		}
	}
	return cal_error_set(CAL_ERR_DB, "unknown run status '%s' in the database", s ? s : "");
}

const char *cal_run_status_name(enum cal_run_status s)
{
	const char *t = db_status_text(s);

	return t ? t : "unknown";
}

void db_now_iso(char *buf, size_t size)
{
	cal_time_iso8601(buf, size, (int64_t)time(NULL));
}

/* ---- open, migrate, close ------------------------------------------------- */

/* One integer from a pragma (or any single-value query). */
static int query_int(int64_t *out, struct cal_db *db, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc = CAL_OK;

	*out = 0;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, what);
		goto out;
	}
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*out = sqlite3_column_int64(st, 0);
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = db_fail(db, what);
		break;
	}
out:
	sqlite3_finalize(st);
	return rc;
}

static int exec(struct cal_db *db, const char *sql, const char *what)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, what);
	return CAL_OK;
}

static bool is_memory(const char *path)
{
	return strcmp(path, ":memory:") == 0;
}

static int set_wal(struct cal_db *db)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc = CAL_OK;

	if (sqlite3_prepare_v2(db->h, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, "journal_mode");
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(db, "journal_mode");
		goto out;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal") != 0)
		rc = cal_error_set(CAL_ERR_DB, "journal mode is '%s', not 'wal'", mode ? mode : "");
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * The application_id and schema version of the file: the first read of it,
 * where a text file fails with NOTADB.
 */
static int read_header(struct cal_db *db, int64_t *app_id, int64_t *version)
{
	int rc = query_int(app_id, db, "PRAGMA application_id", "not a database");

	if (rc == CAL_OK)
		rc = query_int(version, db, "PRAGMA user_version", "not a database");
	return rc;
}

static int newer_schema(int64_t version)
{
	return cal_error_set(CAL_ERR_DB,
			     "schema version %lld is newer than this calbench knows (%d): "
			     "use a newer calbench",
			     (long long)version, CAL_DB_SCHEMA_VERSION);
}

/*
 * Bring the schema to CAL_DB_SCHEMA_VERSION. user_version is read again
 * inside each transaction: another process may have migrated meanwhile.
 */
static int migrate(struct cal_db *db)
{
	int64_t v, app_id, n_tables;
	char sql[64];
	bool own = false;
	int rc;

	rc = read_header(db, &app_id, &v);
	if (rc)
		return rc;
	if (v > CAL_DB_SCHEMA_VERSION)
		return newer_schema(v);
	if (app_id != 0 && app_id != CAL_DB_APPLICATION_ID)
		return cal_error_set(CAL_ERR_DB,
				     "an SQLite database of another program "
				     "(application_id %lld)",
				     (long long)app_id);
	if (v == 0) {
		rc = query_int(&n_tables, db,
			       "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
			       "not a database");
		if (rc)
			return rc;
		if (n_tables > 0)
			return cal_error_set(CAL_ERR_DB,
					     "an SQLite database of another program (it has tables "
					     "but no calbench schema version)");
	} else if (app_id != CAL_DB_APPLICATION_ID) {
		return cal_error_set(CAL_ERR_DB, "an SQLite database of another program "
						 "(no calbench application_id)");
	}

	while (v < CAL_DB_SCHEMA_VERSION) {
		rc = db_tx_begin(db, &own);
		if (rc)
			return rc;
		rc = query_int(&v, db, "PRAGMA user_version", "user_version");
		if (rc == CAL_OK && v < CAL_DB_SCHEMA_VERSION) {
			rc = exec(db, cal_db_migrations[v], "schema migration");
			if (rc == CAL_OK) {
				snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", (int)v + 1);
				rc = exec(db, sql, "schema migration");
			}
			if (rc)
				cal_error_prefix(rc,
						 "migration to schema version %d: ", (int)v + 1);
		}
		rc = db_tx_end(db, own, rc);
		if (rc)
			return rc;
		rc = query_int(&v, db, "PRAGMA user_version", "user_version");
		if (rc)
			return rc;
	}
	return CAL_OK;
}

/*
 * Immutability rests on triggers, and plain SQL can DROP TRIGGER. Every open
 * checks that all the triggers the migrations created are still there, and
 * refuses a database where one is missing: its records can no longer be
 * vouched for.
 */
static int check_triggers(struct cal_db *db)
{
	int64_t have;
	int expected = 0;
	int rc;

	/* A migration that rebuilds a table drops its triggers and creates them again. */
	for (size_t i = 0; i < cal_db_n_migrations; i++) {
		for (const char *p = cal_db_migrations[i]; (p = strstr(p, "CREATE TRIGGER ")); p++)
			expected++;
		for (const char *p = cal_db_migrations[i]; (p = strstr(p, "DROP TRIGGER ")); p++)
			expected--;
	}
	rc = query_int(&have, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'",
		       "triggers");
	if (rc)
		return rc;
	if (have < expected)
		return cal_error_set(CAL_ERR_DB,
				     "%lld of its %d protection triggers are missing: the database "
				     "was altered outside calbench and its records cannot be "
				     "vouched for",
				     (long long)(expected - have), expected);
	return CAL_OK;
}

/*
 * What both opens share before the file is read: the path checked, the
 * handle allocated and the connection made with FLAGS (SQLITE_OPEN_READONLY
 * for a read-only open, which must name a file).
 */
static int db_connect(struct cal_db **dbp, const char *path, int flags)
{
	bool readonly = flags & SQLITE_OPEN_READONLY;
	struct cal_db *db = NULL;
	int rc;

	*dbp = NULL;
	if (!path || !path[0])
		return cal_error_set(CAL_ERR_ARG, "database path is empty");
	if (readonly && is_memory(path))
		return cal_error_set(CAL_ERR_ARG, "a database opened read-only must be a file");
	if (sodium_init() < 0)
		return cal_error_set(CAL_ERR, "libsodium could not be initialised");

	db = calloc(1, sizeof(*db));
	if (!db)
		return cal_error_set(CAL_ERR_NOMEM, "out of memory opening '%s'", path);
	db->path = strdup(path);
	if (!db->path) {
		rc = cal_error_set(CAL_ERR_NOMEM, "out of memory opening '%s'", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
		rc = cal_error_set(CAL_ERR_DB, "cannot open database '%s'%s: %s", path,
				   readonly ? " read-only" : "",
				   db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, CAL_DB_BUSY_TIMEOUT_MS);
	*dbp = db;
	return CAL_OK;
fail:
	cal_db_close(db);
	return rc;
}

/* The end of both opens: DB handed out, or closed with RC named after its file. */
static int db_connected(struct cal_db **out, struct cal_db *db, int rc)
{
	if (rc) {
		cal_error_prefix(rc, "database '%s': ", db->path);
		cal_db_close(db);
		return rc;
	}
	*out = db;
	return CAL_OK;
}

int cal_db_open(struct cal_db **out, const char *path)
{
	struct cal_db *db;
	int64_t fk = 0;
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_db_open: out is NULL");
	*out = NULL;
	rc = db_connect(&db, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (rc)
		return rc;

	rc = migrate(db);
	if (rc == CAL_OK)
		rc = check_triggers(db);
	if (rc == CAL_OK && !is_memory(path))
		rc = set_wal(db);
	if (rc == CAL_OK)
		rc = exec(db, "PRAGMA synchronous=FULL", "synchronous");
	if (rc == CAL_OK)
		rc = exec(db, "PRAGMA foreign_keys=ON", "foreign_keys");
	if (rc == CAL_OK)
		rc = query_int(&fk, db, "PRAGMA foreign_keys", "foreign_keys");
	if (rc == CAL_OK && fk != 1)
		rc = cal_error_set(CAL_ERR_DB, "this SQLite cannot enforce foreign keys");
	return db_connected(out, db, rc);
}

/*
 * Read-only: no migration, no WAL switch, no write of any kind
 * (SQLITE_OPEN_READONLY, and query_only as a second lock). The file must be
 * a calbench database at exactly this build's schema version, with all its
 * triggers. SQLITE_OPEN_NOMUTEX: the caller never shares the connection
 * between threads at the same time (the verification service has one per
 * thread).
 */
int cal_db_open_readonly(struct cal_db **out, const char *path)
{
	struct cal_db *db;
	int64_t app_id = 0, v = 0;
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_db_open_readonly: out is NULL");
	*out = NULL;
	rc = db_connect(&db, path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
	if (rc)
		return rc;

	rc = read_header(db, &app_id, &v);
	if (rc == CAL_OK && app_id != CAL_DB_APPLICATION_ID)
		rc = cal_error_set(CAL_ERR_DB, "not a calbench database");
	else if (rc == CAL_OK && v > CAL_DB_SCHEMA_VERSION)
		rc = newer_schema(v);
	else if (rc == CAL_OK && v < CAL_DB_SCHEMA_VERSION)
		rc = cal_error_set(CAL_ERR_DB,
				   "schema version %lld is older than this calbench's (%d): open "
				   "it once read-write (any calbench command on it) to upgrade it",
				   (long long)v, CAL_DB_SCHEMA_VERSION);
	if (rc == CAL_OK)
		rc = check_triggers(db);
	if (rc == CAL_OK)
		rc = exec(db, "PRAGMA query_only=ON", "query_only");
	return db_connected(out, db, rc);
}

void cal_db_close(struct cal_db *db)
{
	if (!db)
		return;
	/* All statements are finalized by their functions: close cannot be busy. */
	db_sign_release(db);
	for (int i = 0; i < DB_STMT_CACHE; i++)
		sqlite3_finalize(db->cache_st[i]);
	sqlite3_close(db->h);
	free(db->path);
	cal_db_set_signer(db, NULL); /* the key does not outlive its use */
	free(db);
}

const char *cal_db_path(const struct cal_db *db)
{
	return db ? db->path : NULL;
}

struct sqlite3 *cal_db_handle(struct cal_db *db)
{
	return db ? db->h : NULL;
}

/* ---- integrity ------------------------------------------------------------ */

int cal_db_integrity_check(char *out, size_t size, struct cal_db *db)
{
	sqlite3_stmt *st = NULL;
	int rc = CAL_OK, step;

	if (!out || size == 0 || !db)
		return cal_error_set(CAL_ERR_ARG, "cal_db_integrity_check: bad arguments");
	out[0] = '\0';
	rc = db_prepare(&st, db, "PRAGMA integrity_check");
	if (rc)
		goto out;
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		rc = db_fail(db, "integrity check");
		goto out;
	}
	db_col_text(out, size, st, 0);
	if (strcmp(out, "ok") != 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;

	/* The structure is sound; now every reference must resolve. */
	rc = db_prepare(&st, db, "PRAGMA foreign_key_check");
	if (rc)
		goto out;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snprintf(out, size, "foreign key violation: %s row %lld refers to a missing %s",
			 (const char *)sqlite3_column_text(st, 0),
			 (long long)sqlite3_column_int64(st, 1),
			 (const char *)sqlite3_column_text(st, 2));
	} else if (step != SQLITE_DONE) {
		rc = db_fail(db, "foreign key check");
	}
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- settings ------------------------------------------------------------- */

int cal_db_setting_get(char *out, size_t size, struct cal_db *db, const char *key)
{
	sqlite3_stmt *st = NULL;
	const char *v;
	int rc, step;

	if (out && size)
		out[0] = '\0';
	if (!out || size == 0 || !db || !key || !key[0])
		return cal_error_set(CAL_ERR_ARG, "setting: bad arguments");
	rc = db_prepare(&st, db, "SELECT value FROM settings WHERE key = ?1");
	if (rc)
		goto out;
	db_bind_str(st, 1, key);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no setting '%s'", key);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = db_fail(db, "setting");
		goto out;
	}
	v = (const char *)sqlite3_column_text(st, 0);
	db_strlcpy(out, size, v);
	if (v && strlen(v) >= size)
		rc = cal_error_set(CAL_ERR_RANGE, "setting '%s' is %zu bytes, the buffer holds %zu",
				   key, strlen(v), size - 1);
out:
	sqlite3_finalize(st);
	return rc;
}

int cal_db_setting_set(struct cal_db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!db || !key || !key[0] || !value)
		return cal_error_set(CAL_ERR_ARG, "setting: bad arguments");
	if (strcmp(key, CAL_DB_SETTING_NUMBER_PATTERN) == 0) {
		rc = db_pattern_check(value);
		if (rc)
			return rc;
	}
	rc = db_prepare(&st, db,
			"INSERT INTO settings(key, value) VALUES (?1, ?2) "
			"ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (rc)
		goto out;
	db_bind_str(st, 1, key);
	db_bind_str(st, 2, value);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "setting");
out:
	sqlite3_finalize(st);
	return rc;
}

int cal_db_begin(struct cal_db *db)
{
	bool own;
	int rc;

	if (!sqlite3_get_autocommit(db->h))
		return cal_error_set(CAL_ERR_STATE, "%s: a transaction is already open", db->path);
	rc = db_tx_begin(db, &own);
	return rc;
}

int cal_db_end(struct cal_db *db, int rc)
{
	if (sqlite3_get_autocommit(db->h))
		return rc ? rc
			  : cal_error_set(CAL_ERR_STATE, "%s: no transaction is open", db->path);
	return db_tx_end(db, true, rc);
}

void cal_db_init_process(void)
{
	/* refused (changes nothing) once SQLite is in use: then it is too late, not wrong */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
