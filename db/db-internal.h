/*
 * Private to db/: the connection object and the helpers every part of the
 * database module shares (string copies, binding, error mapping,
 * transactions). Nothing here is visible outside cal_db.
 *
 * Invariants:
 *  - every string copied into a fixed-size field is NUL-terminated and, when
 *    cut, cut at a UTF-8 character boundary (Vietnamese text is multi-byte);
 *  - user text reaches SQLite only through sqlite3_bind_*();
 *  - every failure sets a message with cal_error_set() at the failure site.
 */
#ifndef CAL_DB_DB_INTERNAL_H
#define CAL_DB_DB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "cal/db.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Default "cert.number_pattern": CB-2026-000123. */
#define CAL_DB_DEFAULT_NUMBER_PATTERN "CB-{YYYY}-{SEQ:6}"
#define CAL_DB_SETTING_NUMBER_PATTERN "cert.number_pattern"

/* Largest Unix time whose UTC date has a four-digit year: 9999-12-31T23:59:59Z. */
#define CAL_DB_MAX_UNIX_S INT64_C(253402300799)

/*
 * One open database. Owns the connection; statements are prepared per call
 * and finalized on every path of the function that prepared them.
 */
#define DB_CANON_PARTS 9
#define DB_STMT_CACHE 16
#define DB_CHECK_CACHE 2048

/* One document's integrity as checked (sign.c), while the file is unchanged. */
struct db_check {
	char number[64]; /* "" = free */
	bool tampered, signed_ok;
	char why[160];
};

struct cal_db {
	sqlite3 *h;		  /* never NULL while open */
	char *path;		  /* as given to cal_db_open, owned */
	struct cal_signer signer; /* the centre's key, when loaded (sign.c) */
	bool has_signer;
	/*
	 * The statements of a document's canonical content, prepared once per
	 * connection (sign.c; a verification rebuilds it on every lookup);
	 * finalized by cal_db_close.
	 */
	sqlite3_stmt *canon[DB_CANON_PARTS];
	/* db_prepare_cached: the lookups' statements, kept prepared */
	const char *cache_sql[DB_STMT_CACHE];
	sqlite3_stmt *cache_st[DB_STMT_CACHE];
	bool cache_busy[DB_STMT_CACHE];
	/*
	 * Integrity checks already made, valid while the files are as they were
	 * (sign.c: the database and its WAL by inode, size, mtime and ctime, the
	 * other connections' commits, this connection's changes); NULL until
	 * used, never for an in-memory database.
	 */
	struct db_check *checks;
	char checks_gen[256];
};

/* registers.c: CAL_ERR_ARG when @v (of field @name of @what '@id') holds a control character. */
int db_text_check(const char *what, const char *id, int idn, const char *name, const char *v,
		  size_t cap);
/* sign.c: finalize the cached statements (before the connection closes). */
void db_sign_release(struct cal_db *db);
/* sign.c: sign document @c in the issuing transaction (its run completed). */
int db_cert_sign(struct cal_db *db, const struct cal_cert *c, const char *serial);
/* sign.c: the SHA-256 (hex) of document @number's canonical content now. */
int db_cert_digest(char digest[65], struct cal_db *db, const char *number);
/* revisions.c: is revision @r as issued? */
int db_revision_check(bool *tampered, bool *signed_out, char *why, size_t size, struct cal_db *db,
		      const struct cal_revision *r);
/* sign.c: is document @c as issued? (see cal_db_verify) */
int db_cert_check(bool *tampered, bool *signed_out, char *why, size_t size, struct cal_db *db,
		  const struct cal_cert *c, const char *serial);

/*
 * A document number as lookups see it: runs of whitespace (ASCII and
 * U+00A0) made one space, ends trimmed (certs.c). false when it does not
 * fit in dst[size]. Numbers are then compared without regard to ASCII case.
 */
bool db_number_normalise(char *dst, size_t size, const char *src);

/* The migrations, index i takes user_version i to i + 1 (schema.c). */
extern const char *const cal_db_migrations[];
extern const size_t cal_db_n_migrations;

/* Copy @src into dst[size], always NUL-terminated; cut at a UTF-8 boundary. */
void db_strlcpy(char *dst, size_t size, const char *src);
/* Length of a fixed-size field that may lack its NUL (never reads past cap). */
size_t db_field_len(const char *s, size_t cap);
/* Does the field hold at least one character? */
bool db_field_set(const char *s, size_t cap);

/*
 * Bind text of at most @cap bytes (a struct field) or a C string. A NULL
 * string binds ''. SQLITE_TRANSIENT: the statement keeps its own copy.
 */
int db_bind_field(sqlite3_stmt *st, int idx, const char *s, size_t cap);
int db_bind_str(sqlite3_stmt *st, int idx, const char *s);
#define DB_BIND_FIELD(st, idx, field) db_bind_field((st), (idx), (field), sizeof(field))

/* Column text into dst[size] (NULL column -> ""). */
void db_col_text(char *dst, size_t size, sqlite3_stmt *st, int col);
/* Column real, NULL -> NaN (SQLite stores NaN as NULL). */
double db_col_real(sqlite3_stmt *st, int col);
/* Bind a double; NaN binds NULL explicitly. */
int db_bind_real(sqlite3_stmt *st, int idx, double v);

/*
 * Prepare @sql on @db. CAL_ERR_DB with sqlite3_errmsg on failure (a bug in
 * our SQL, or a schema we do not know).
 */
int db_prepare(sqlite3_stmt **out, struct cal_db *db, const char *sql);
/*
 * The same for a statement run on every lookup: @sql must be a string
 * constant (its address is the key); give it back with db_finish(), which
 * resets a cached statement and finalizes any other.
 */
int db_prepare_cached(sqlite3_stmt **out, struct cal_db *db, const char *sql);
void db_finish(struct cal_db *db, sqlite3_stmt *st);

/*
 * The last SQLite error of @db as a calbench error, message "<what>: <errmsg>".
 * Must be called right after the failing call, before anything else touches
 * the connection. Mapping:
 *   trigger whose message says "immutable" -> CAL_ERR_IMMUTABLE
 *   other trigger, UNIQUE, PRIMARY KEY, FOREIGN KEY -> CAL_ERR_STATE
 *   CHECK, NOT NULL -> CAL_ERR_ARG
 *   anything else -> CAL_ERR_DB
 */
int db_fail(struct cal_db *db, const char *what);

/*
 * Transactions that nest: when the caller already opened one (autocommit is
 * off) a SAVEPOINT is used, otherwise BEGIN IMMEDIATE. *own tells db_tx_end
 * which. db_tx_end commits when rc == CAL_OK, rolls back otherwise, and
 * returns rc (or the commit's error).
 */
int db_tx_begin(struct cal_db *db, bool *own);
int db_tx_end(struct cal_db *db, bool own, int rc);

/*
 * Make room for one more element in a malloc'ed array of @n used elements
 * of @elem bytes, *cap allocated. Returns the (possibly moved) array, or
 * NULL with a CAL_ERR_NOMEM message set and @arr untouched (still owned by
 * the caller).
 */
void *db_grow(void *arr, size_t *cap, size_t n, size_t elem);

/* Fill one element from the current row of @st; CAL_OK or an error. */
typedef int (*db_row_fn)(void *elem, sqlite3_stmt *st);

/*
 * Step the prepared and bound @st to its end, one zeroed element of @elem
 * bytes per row filled by @fill, into a malloc'ed *out (NULL when no row)
 * and its count *n. Finalizes @st in every case; @what names the list in
 * messages. On error *out is NULL and *n 0.
 */
int db_collect(void **out, size_t *n, size_t elem, struct cal_db *db, sqlite3_stmt *st,
	       db_row_fn fill, const char *what);

/* Run status <-> the text stored in runs.status. */
const char *db_status_text(enum cal_run_status s);
int db_status_parse(enum cal_run_status *out, const char *s);

/* "YYYY-MM-DDTHH:MM:SSZ" of now (UTC). */
void db_now_iso(char *buf, size_t size);

/* Validation of a "cert.number_pattern" value (CAL_ERR_ARG with message). */
int db_pattern_check(const char *pattern);

#endif
