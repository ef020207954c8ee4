/*
 * Signed documents. At issue, the document's canonical content (below) is
 * hashed with SHA-256 and the digest, with the document's identity, is
 * signed with the centre's Ed25519 key (libsodium); both go into
 * cert_signatures in the issuing transaction. Verification recomputes the
 * content from the database: a changed byte anywhere in what the document
 * rests on (the certificate row, its run, instrument, results, standards,
 * readings, settling evidence) changes the digest; a digest changed to
 * match no longer matches the signature without the private key.
 *
 * Canonical content, format "calbench-cert-v1": for each part in a fixed
 * order, each row of a fixed column list in a fixed order, one line per
 * value "table.column=" followed by a tagged value: "~" NULL, "i:" and the
 * decimal integer, "f:" and the 16 hex digits of the IEEE 754 bits (exact,
 * locale-free), "t:" the byte length ":" and the bytes. Rows are opened by
 * "table#n". The column lists are frozen: a later schema adds columns
 * without changing the content of documents already issued.
 *
 * The signed message (also what the QR code carries, so that a scanned code
 * is verified offline with the public key alone):
 *   "calbench-qr-v1|NUMBER|KIND|ISSUE_DATE|VALID_UNTIL|SERIAL|DIGEST"
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <sqlite3.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "db-internal.h"

struct part {
	const char *table;
	const char *sql; /* ?1 = the run id, ?2 = the number, ?3 = the instrument id */
};

static const struct part parts[DB_CANON_PARTS] = {
	{ "certificates",
	  "SELECT number, kind, run_id, instrument_id, issued_at, issue_date, valid_until, "
	  "lab_name, lab_address FROM certificates WHERE number = ?2" },
	{ "runs",
	  "SELECT id, instrument_id, procedure_id, procedure_title, method, procedure_sha256, "
	  "procedure_text, device_id, mode, operator_name, verdict, fail_reason, started_at, "
	  "finished_at, dut_model, dut_serial, activity, batch, dut_device_id, location, "
	  "received_date, temperature_c, humidity_pct, checked_by, sticker_no FROM runs "
	  "WHERE id = ?1" },
	{ "instruments",
	  "SELECT id, type, manufacturer, model, serial, owner, accuracy_class, unit, max, min, "
	  "e, d, interval_months, kind, scale_lo, mpe_pct_reading, mpe_pct_span, mpe_digits, "
	  "flow_q3, ratio_r FROM instruments WHERE id = ?3" },
	{ "results",
	  "SELECT seq, test, label, unit, load, ref, indication, decimals, error, mpe, verdict, "
	  "weights, reading_id, u, k, nu_eff, ref_reading_id FROM results WHERE run_id = ?1 "
	  "ORDER BY seq" },
	{ "readings",
	  "SELECT id, point_seq, source, raw, value, unit, value_si, decimals, stable, flags, "
	  "t_utc, t_mono_ms FROM readings WHERE run_id = ?1 ORDER BY id" },
	{ "run_standards",
	  "SELECT standard_id, kind, weight_class, nominal_kg, correction_kg, u_kg, k, cert_no, "
	  "due_date, description FROM run_standards WHERE run_id = ?1 ORDER BY standard_id" },
	{ "run_pressure_standards",
	  "SELECT standard_id, manufacturer, model, serial, unit, range_lo, range_hi, u_abs, "
	  "u_rel, k, cert_no, due_date, description FROM run_pressure_standards "
	  "WHERE run_id = ?1 ORDER BY standard_id" },
	{ "settle_evidence",
	  "SELECT reading_id, setpoint_si, rule, held_ms, rate_si, polls, samples "
	  "FROM settle_evidence WHERE run_id = ?1 ORDER BY reading_id" },
	{ "cert_issue",
	  "SELECT approver, approver_title, place, accreditation, verify_url FROM cert_issue "
	  "WHERE number = ?2" },
};

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (b->len + n + 1 > cap)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_value(struct buf *b, sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		put(b, "~", 1);
		break;
	case SQLITE_INTEGER:
		putf(b, "i:%lld", (long long)sqlite3_column_int64(st, col));
		break;
	case SQLITE_FLOAT: {
		double v = sqlite3_column_double(st, col);
		unsigned long long bits;

		memcpy(&bits, &v, sizeof(bits));
		putf(b, "f:%016llx", bits);
		break;
	}
	default: {
		const unsigned char *t = sqlite3_column_text(st, col);
		int n = sqlite3_column_bytes(st, col);

		putf(b, "t:%d:", n);
		put(b, t ? (const char *)t : "", (size_t)n);
		break;
	}
	}
	put(b, "\n", 1);
}

/* The certificate's run and instrument; CAL_ERR_NOTFOUND for an unknown number. */
static int cert_ids(int64_t *run_id, char *instrument, size_t size, struct cal_db *db,
		    const char *number)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare_cached(
		&st, db, "SELECT run_id, instrument_id FROM certificates WHERE number = ?1");

	if (rc)
		return rc;
	db_bind_str(st, 1, number);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*run_id = sqlite3_column_int64(st, 0);
		db_col_text(instrument, size, st, 1);
		break;
	case SQLITE_DONE:
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no certificate or record numbered '%s'",
				   number);
		break;
	default:
		rc = db_fail(db, "certificate");
	}
	db_finish(db, st);
	return rc;
}

int cal_db_cert_canonical(char **out, size_t *len, struct cal_db *db, const char *number)
{
	struct buf b = { 0 };
	char instrument[64];
	int64_t run_id = 0;
	int rc;

	*out = NULL;
	*len = 0;
	if (!db || !number)
		return cal_error_set(CAL_ERR_ARG, "canonical content: bad arguments");
	rc = cert_ids(&run_id, instrument, sizeof(instrument), db, number);
	if (rc)
		return rc;
	put(&b, "calbench-cert-v1\n", 17);
	for (size_t i = 0; i < DB_CANON_PARTS && !rc; i++) {
		sqlite3_stmt *st = db->canon[i];
		int row = 0, step;

		if (!st) {
			if (sqlite3_prepare_v3(db->h, parts[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
					       &st, NULL) != SQLITE_OK) {
				rc = db_fail(db, "canonical content");
				break;
			}
			db->canon[i] = st;
		}
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_int64(st, 1, run_id);
		if (sqlite3_bind_parameter_count(st) >= 2)
			db_bind_str(st, 2, number);
		if (sqlite3_bind_parameter_count(st) >= 3)
			db_bind_str(st, 3, instrument);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			putf(&b, "%s#%d\n", parts[i].table, ++row);
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				putf(&b, "%s.%s=", parts[i].table, sqlite3_column_name(st, c));
				put_value(&b, st, c);
			}
		}
		if (step != SQLITE_DONE)
			rc = db_fail(db, "canonical content");
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	if (!rc && b.oom)
		rc = cal_error_set(CAL_ERR_NOMEM, "canonical content: out of memory");
	if (rc) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return CAL_OK;
}

static void hex(char *out, const unsigned char *p, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

/* SHA-256 of the canonical content, lower-case hex. */
int db_cert_digest(char digest[65], struct cal_db *db, const char *number)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char *text = NULL;
	size_t len = 0;
	int rc = cal_db_cert_canonical(&text, &len, db, number);

	if (rc)
		return rc;
	crypto_hash_sha256(h, (const unsigned char *)text, len);
	hex(digest, h, sizeof(h));
	free(text);
	return CAL_OK;
}

int cal_cert_sign_message(char *out, size_t size, const char *number, const char *kind,
			  const char *issue_date, const char *valid_until, const char *serial,
			  const char *digest)
{
	int n = snprintf(out, size, "calbench-qr-v1|%s|%s|%s|%s|%s|%s", number, kind, issue_date,
			 valid_until, serial, digest);

	if (n < 0 || (size_t)n >= size)
		return cal_error_set(CAL_ERR_ARG, "%s: the signed message does not fit", number);
	/* '|' separates fields: a field holding one would make two messages alike */
	for (const char *f[] = { number, kind, issue_date, valid_until, serial, digest, NULL },
			**p = f;
	     *p; p++)
		if (strchr(*p, '|'))
			return cal_error_set(CAL_ERR_ARG, "'%s' holds a '|': it cannot be signed",
					     *p);
	return CAL_OK;
}

int cal_signer_key_id(char key_id[17], const unsigned char pk[32])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char full[65];

	if (sodium_init() < 0)
		return cal_error_set(CAL_ERR_IO, "libsodium could not be initialised");
	crypto_hash_sha256(h, pk, 32);
	hex(full, h, sizeof(h));
	memcpy(key_id, full, 16);
	key_id[16] = '\0';
	return CAL_OK;
}

void db_sign_release(struct cal_db *db)
{
	free(db->checks);
	db->checks = NULL;
	for (size_t i = 0; i < DB_CANON_PARTS; i++) {
		sqlite3_finalize(db->canon[i]);
		db->canon[i] = NULL;
	}
}

void cal_db_set_signer(struct cal_db *db, const struct cal_signer *s)
{
	if (!db)
		return;
	sodium_memzero(&db->signer, sizeof(db->signer));
	db->has_signer = s != NULL;
	if (s)
		db->signer = *s;
}

int cal_db_signing_key_add(struct cal_db *db, const unsigned char pk[32])
{
	char key_id[17], pk_hex[65], now[24];
	sqlite3_stmt *st = NULL;
	int rc;

	if (!db || !pk)
		return cal_error_set(CAL_ERR_ARG, "signing key: bad arguments");
	rc = cal_signer_key_id(key_id, pk);
	if (rc)
		return rc;
	hex(pk_hex, pk, 32);
	db_now_iso(now, sizeof(now));
	rc = db_prepare(&st, db,
			"INSERT INTO signing_keys(key_id, public_key, created_at) VALUES (?1, ?2, "
			"?3) ON CONFLICT DO NOTHING");
	if (rc)
		return rc;
	db_bind_str(st, 1, key_id);
	db_bind_str(st, 2, pk_hex);
	db_bind_str(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "signing key");
	sqlite3_finalize(st);
	return rc;
}

int cal_db_signing_key_get(unsigned char pk[32], char *created_at, size_t size, struct cal_db *db,
			   const char *key_id)
{
	sqlite3_stmt *st = NULL;
	char pk_hex[65] = "";
	int rc = db_prepare_cached(
		&st, db, "SELECT public_key, created_at FROM signing_keys WHERE key_id = ?1");

	if (rc)
		return rc;
	db_bind_str(st, 1, key_id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		db_col_text(pk_hex, sizeof(pk_hex), st, 0);
		if (created_at)
			db_col_text(created_at, size, st, 1);
		break;
	case SQLITE_DONE:
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no signing key '%s'", key_id);
		break;
	default:
		rc = db_fail(db, "signing key");
	}
	db_finish(db, st);
	if (!rc && sodium_hex2bin(pk, 32, pk_hex, strlen(pk_hex), NULL, NULL, NULL) != 0)
		rc = cal_error_set(CAL_ERR_STATE, "signing key '%s': not a public key", key_id);
	return rc;
}

bool cal_db_signing_required(struct cal_db *db)
{
	sqlite3_stmt *st = NULL;
	bool any = false;

	if (db_prepare_cached(&st, db, "SELECT 1 FROM signing_keys LIMIT 1") == CAL_OK)
		any = sqlite3_step(st) == SQLITE_ROW;
	db_finish(db, st);
	cal_error_clear();
	return any;
}

bool cal_db_has_signer(const struct cal_db *db)
{
	return db && db->has_signer;
}

/* The settings of the day of issue a document keeps (cert_issue). */
static int issue_record(struct cal_db *db, const char *number)
{
	static const char *const keys[] = { "lab.approver", "lab.approver_title", "lab.place",
					    "lab.accreditation", "verify.base_url" };
	char v[5][256];
	sqlite3_stmt *st = NULL;
	int rc;

	for (size_t i = 0; i < 5; i++)
		if (cal_db_setting_get(v[i], sizeof(v[i]), db, keys[i]) != CAL_OK) {
			v[i][0] = '\0';
			cal_error_clear();
		}
	rc = db_prepare(&st, db,
			"INSERT INTO cert_issue(number, approver, approver_title, place, "
			"accreditation, verify_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (rc)
		return rc;
	db_bind_str(st, 1, number);
	for (int i = 0; i < 5; i++)
		db_bind_str(st, i + 2, v[i]);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "certificate issue record");
	sqlite3_finalize(st);
	return rc;
}

struct text_col {
	char *dst;
	size_t size;
};

/*
 * The text columns of the one row @sql (bound to @number) selects, into
 * @cols; *found false (columns untouched) when there is none.
 */
static int text_row(bool *found, struct cal_db *db, const char *sql, const char *number,
		    const char *what, const struct text_col *cols, int n)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare_cached(&st, db, sql);

	*found = false;
	if (rc)
		return rc;
	db_bind_str(st, 1, number);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*found = true;
		for (int i = 0; i < n; i++)
			db_col_text(cols[i].dst, cols[i].size, st, i);
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = db_fail(db, what);
	}
	db_finish(db, st);
	return rc;
}

int cal_db_cert_issue_get(struct cal_cert_issue *out, struct cal_db *db, const char *number)
{
	const struct text_col cols[] = {
		{ out->approver, sizeof(out->approver) },
		{ out->approver_title, sizeof(out->approver_title) },
		{ out->place, sizeof(out->place) },
		{ out->accreditation, sizeof(out->accreditation) },
		{ out->verify_url, sizeof(out->verify_url) },
	};

	memset(out, 0, sizeof(*out));
	return text_row(&out->present, db,
			"SELECT approver, approver_title, place, accreditation, verify_url "
			"FROM cert_issue WHERE number = ?1",
			number, "certificate issue record", cols, 5);
}

/* Called by cal_db_run_complete in its transaction, after the run is completed. */
int db_cert_sign(struct cal_db *db, const struct cal_cert *c, const char *serial)
{
	char digest[65], msg[512], sig64[crypto_sign_BYTES * 2], now[24];
	unsigned char sig[crypto_sign_BYTES];
	sqlite3_stmt *st = NULL;
	int rc;

	if (!db->has_signer && cal_db_signing_required(db))
		return cal_error_set(CAL_ERR_REFUSED,
				     "the centre signs its documents and its private key is not "
				     "loaded (setting sign.key_file): %s is not issued",
				     c->number);
	if (db->has_signer) {
		unsigned char pk[32];

		rc = cal_db_signing_key_get(pk, NULL, 0, db, db->signer.key_id);
		if (rc == CAL_ERR_NOTFOUND)
			rc = cal_error_set(
				CAL_ERR_REFUSED,
				"the loaded key %s is not registered in this database: %s "
				"is not issued",
				db->signer.key_id, c->number);
		if (rc)
			return rc;
	}
	rc = issue_record(db, c->number);
	if (!rc)
		rc = db_cert_digest(digest, db, c->number);
	if (rc)
		return rc;
	sig64[0] = '\0';
	if (db->has_signer) {
		rc = cal_cert_sign_message(msg, sizeof(msg), c->number, cal_cert_kind_name(c->kind),
					   c->issue_date, c->valid_until, serial, digest);
		if (rc)
			return rc;
		crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg),
				     db->signer.sk);
		sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig),
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	}
	db_now_iso(now, sizeof(now));
	rc = db_prepare(&st, db,
			"INSERT INTO cert_signatures(number, content_sha256, key_id, signature, "
			"signed_at) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (rc)
		return rc;
	db_bind_str(st, 1, c->number);
	db_bind_str(st, 2, digest);
	db_bind_str(st, 3, db->has_signer ? db->signer.key_id : "");
	db_bind_str(st, 4, sig64);
	db_bind_str(st, 5, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "certificate signature");
	sqlite3_finalize(st);
	return rc;
}

int cal_db_cert_signature(struct cal_cert_sig *out, struct cal_db *db, const char *number)
{
	const struct text_col cols[] = {
		{ out->content_sha256, sizeof(out->content_sha256) },
		{ out->key_id, sizeof(out->key_id) },
		{ out->signature, sizeof(out->signature) },
		{ out->signed_at, sizeof(out->signed_at) },
	};
	int rc;

	memset(out, 0, sizeof(*out));
	rc = text_row(&out->present, db,
		      "SELECT content_sha256, key_id, signature, signed_at FROM cert_signatures "
		      "WHERE number = ?1",
		      number, "certificate signature", cols, 4);
	if (!rc && !out->present) { /* a revision carries its own */
		struct cal_revision r;

		if (cal_db_revision_get(&r, db, number) == CAL_OK) {
			out->present = true;
			db_strlcpy(out->content_sha256, sizeof(out->content_sha256),
				   r.content_sha256);
			db_strlcpy(out->key_id, sizeof(out->key_id), r.key_id);
			db_strlcpy(out->signature, sizeof(out->signature), r.signature);
			db_strlcpy(out->signed_at, sizeof(out->signed_at), r.issued_at);
		}
		cal_error_clear();
	}
	return rc;
}

int cal_sig_check(const char *msg, const char *sig_b64, const unsigned char pk[32])
{
	unsigned char sig[crypto_sign_BYTES];
	size_t n = 0;

	if (sodium_init() < 0)
		return cal_error_set(CAL_ERR_IO, "libsodium could not be initialised");
	if (sodium_base642bin(sig, sizeof(sig), sig_b64, strlen(sig_b64), NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof(sig))
		return cal_error_set(CAL_ERR_ARG, "the signature is not 64 bytes of base64url");
	if (crypto_sign_verify_detached(sig, (const unsigned char *)msg, strlen(msg), pk) != 0)
		return cal_error_set(CAL_ERR_REFUSED, "the signature does not match");
	return CAL_OK;
}

/*
 * Is the document as issued? CAL_OK with *tampered false when its content
 * matches its digest and, when signed, the signature matches its key; a
 * reason otherwise. *signed_out tells whether it carries a signature.
 */
/*
 * What identifies the state of the files: the database and its WAL (inode,
 * size, modification and change times: a byte edited in place changes the
 * change time, which no one sets back), the commits of other connections
 * (data_version) and of this one (total changes). false: not cacheable.
 */
static bool files_state(char *out, size_t size, struct cal_db *db)
{
	char wal[4200];
	struct stat a, b;
	sqlite3_stmt *st = NULL;
	long long version = -1;
	bool have_wal;

	if (!db->path || !db->path[0] || strcmp(db->path, ":memory:") == 0 ||
	    stat(db->path, &a) != 0)
		return false;
	snprintf(wal, sizeof(wal), "%s-wal", db->path);
	have_wal = stat(wal, &b) == 0;
	if (db_prepare_cached(&st, db, "PRAGMA data_version") == CAL_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int64(st, 0);
	db_finish(db, st);
	cal_error_clear();
	if (version < 0)
		return false;
	snprintf(out, size,
		 "%llu:%llu:%lld:%lld.%ld:%lld.%ld|%d:%llu:%lld:%lld.%ld:%lld.%ld|%lld:%lld",
		 (unsigned long long)a.st_dev, (unsigned long long)a.st_ino, (long long)a.st_size,
		 (long long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec, (long long)a.st_ctim.tv_sec,
		 a.st_ctim.tv_nsec, have_wal, have_wal ? (unsigned long long)b.st_ino : 0ULL,
		 have_wal ? (long long)b.st_size : 0LL,
		 have_wal ? (long long)b.st_mtim.tv_sec : 0LL, have_wal ? b.st_mtim.tv_nsec : 0L,
		 have_wal ? (long long)b.st_ctim.tv_sec : 0LL, have_wal ? b.st_ctim.tv_nsec : 0L,
		 version, (long long)sqlite3_total_changes64(db->h));
	return true;
}

static int check_uncached(bool *tampered, bool *signed_out, char *why, size_t size,
			  struct cal_db *db, const struct cal_cert *c, const char *serial);

/*
 * The integrity check of a document, remembered while the files stay as they
 * were: a verification service answers the same numbers again and again,
 * and recomputing a document's content costs a few hundred microseconds.
 */
int db_cert_check(bool *tampered, bool *signed_out, char *why, size_t size, struct cal_db *db,
		  const struct cal_cert *c, const char *serial)
{
	char gen[sizeof(db->checks_gen)];
	struct db_check *e = NULL;
	uint32_t h = 2166136261u;
	int rc;

	if (!files_state(gen, sizeof(gen), db))
		return check_uncached(tampered, signed_out, why, size, db, c, serial);
	if (!db->checks) {
		db->checks = calloc(DB_CHECK_CACHE, sizeof(*db->checks));
		if (!db->checks)
			return check_uncached(tampered, signed_out, why, size, db, c, serial);
	}
	if (strcmp(gen, db->checks_gen) != 0) {
		memset(db->checks, 0, DB_CHECK_CACHE * sizeof(*db->checks));
		db_strlcpy(db->checks_gen, sizeof(db->checks_gen), gen);
	}
	for (const char *p = c->number; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	e = &db->checks[h % DB_CHECK_CACHE];
	if (e->number[0] && strcmp(e->number, c->number) == 0) {
		*tampered = e->tampered;
		*signed_out = e->signed_ok;
		snprintf(why, size, "%s", e->why);
		return CAL_OK;
	}
	rc = check_uncached(tampered, signed_out, why, size, db, c, serial);
	if (!rc) {
		db_strlcpy(e->number, sizeof(e->number), c->number);
		e->tampered = *tampered;
		e->signed_ok = *signed_out;
		db_strlcpy(e->why, sizeof(e->why), why);
	}
	return rc;
}

static int check_uncached(bool *tampered, bool *signed_out, char *why, size_t size,
			  struct cal_db *db, const struct cal_cert *c, const char *serial)
{
	struct cal_cert_sig sg;
	char digest[65], msg[512], first_key[24] = "";
	unsigned char pk[32];
	sqlite3_stmt *st = NULL;
	int rc;

	*tampered = false;
	*signed_out = false;
	why[0] = '\0';
	rc = cal_db_cert_signature(&sg, db, c->number);
	if (rc)
		return rc;
	if (!sg.present) {
		/* issued after the first key existed: it must have been signed */
		rc = db_prepare_cached(&st, db, "SELECT min(created_at) FROM signing_keys");
		if (rc)
			return rc;
		if (sqlite3_step(st) == SQLITE_ROW)
			db_col_text(first_key, sizeof(first_key), st, 0);
		db_finish(db, st);
		if (first_key[0] && strcmp(c->issued_at, first_key) >= 0) {
			*tampered = true;
			snprintf(why, size, "its signature record is missing");
		}
		return CAL_OK;
	}
	rc = db_cert_digest(digest, db, c->number);
	if (rc)
		return rc;
	if (strcmp(digest, sg.content_sha256) != 0) {
		*tampered = true;
		snprintf(why, size,
			 "its content changed since issue (SHA-256 %.16s..., issued "
			 "%.16s...)",
			 digest, sg.content_sha256);
		return CAL_OK;
	}
	if (!sg.key_id[0])
		return CAL_OK; /* issued unsigned, content intact */
	*signed_out = true;
	rc = cal_db_signing_key_get(pk, NULL, 0, db, sg.key_id);
	if (rc == CAL_ERR_NOTFOUND) {
		cal_error_clear();
		*tampered = true;
		snprintf(why, size, "it names a signing key %s the centre does not have",
			 sg.key_id);
		return CAL_OK;
	}
	if (!rc)
		rc = cal_cert_sign_message(msg, sizeof(msg), c->number, cal_cert_kind_name(c->kind),
					   c->issue_date, c->valid_until, serial, digest);
	if (rc)
		return rc;
	if (cal_sig_check(msg, sg.signature, pk) != CAL_OK) {
		cal_error_clear();
		*tampered = true;
		snprintf(why, size, "its signature does not match (key %s)", sg.key_id);
	}
	return CAL_OK;
}
