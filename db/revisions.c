/*
 * Amendments (ISO/IEC 17025 7.8.8): a revision "NO-Rn" replaces document NO
 * whole. It names the original, says why, and corrects what may be
 * corrected after issue without measuring again: the owner, the location,
 * a note. The run, the results and the readings stay the original's.
 *
 * A revision's content, format "calbench-rev-v1": the original's content
 * digest (recomputed from the database when checked, so a changed original
 * changes every revision) and the revision's fields, each "name=" and a
 * tagged value as in sign.c ("~" for NULL). Its digest is signed with the
 * same message as a document (cal_cert_sign_message), under its own number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "db-internal.h"

#define REV_COLS                                                                                   \
	"number, original, revision, reason, owner, location, note, issued_at, content_sha256, "   \
	"key_id, signature"

static void rev_from_row(struct cal_revision *o, sqlite3_stmt *st)
{
	memset(o, 0, sizeof(*o));
	db_col_text(o->number, sizeof(o->number), st, 0);
	db_col_text(o->original, sizeof(o->original), st, 1);
	o->revision = sqlite3_column_int(st, 2);
	db_col_text(o->reason, sizeof(o->reason), st, 3);
	o->has_owner = sqlite3_column_type(st, 4) != SQLITE_NULL;
	db_col_text(o->owner, sizeof(o->owner), st, 4);
	o->has_location = sqlite3_column_type(st, 5) != SQLITE_NULL;
	db_col_text(o->location, sizeof(o->location), st, 5);
	db_col_text(o->note, sizeof(o->note), st, 6);
	db_col_text(o->issued_at, sizeof(o->issued_at), st, 7);
	db_col_text(o->content_sha256, sizeof(o->content_sha256), st, 8);
	db_col_text(o->key_id, sizeof(o->key_id), st, 9);
	db_col_text(o->signature, sizeof(o->signature), st, 10);
}

static int rev_query(struct cal_revision *out, struct cal_db *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare_cached(&st, db, sql);

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	db_bind_str(st, 1, arg);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		rev_from_row(out, st);
		break;
	case SQLITE_DONE:
		rc = CAL_ERR_NOTFOUND; /* the callers say it in their words */
		break;
	default:
		rc = db_fail(db, "certificate revision");
	}
	db_finish(db, st);
	return rc;
}

int cal_db_revision_get(struct cal_revision *out, struct cal_db *db, const char *number)
{
	int rc = rev_query(out, db, "SELECT " REV_COLS " FROM cert_revisions WHERE number = ?1",
			   number);

	if (rc == CAL_ERR_NOTFOUND)
		return cal_error_set(rc, "no revision numbered '%s'", number);
	return rc;
}

int cal_db_revision_latest(struct cal_revision *out, struct cal_db *db, const char *original)
{
	int rc = rev_query(out, db,
			   "SELECT " REV_COLS " FROM cert_revisions WHERE original = ?1 "
			   "ORDER BY revision DESC LIMIT 1",
			   original);

	if (rc == CAL_ERR_NOTFOUND)
		return cal_error_set(rc, "'%s' has no revision", original);
	return rc;
}

static void put_field(char **p, size_t *left, const char *name, const char *v, bool null)
{
	int n = null ? snprintf(*p, *left, "%s=~\n", name)
		     : snprintf(*p, *left, "%s=t:%zu:%s\n", name, strlen(v), v);

	if (n < 0 || (size_t)n >= *left) {
		*left = 0;
		return;
	}
	*p += n;
	*left -= (size_t)n;
}

/* The digest of a revision, over @orig_digest and its fields. */
static int rev_digest(char digest[65], const struct cal_revision *r, const char *orig_digest)
{
	char text[2048], *p = text, num[16];
	size_t left = sizeof(text);
	unsigned char h[crypto_hash_sha256_BYTES];

	snprintf(num, sizeof(num), "%d", r->revision);
	put_field(&p, &left, "format", "calbench-rev-v1", false);
	put_field(&p, &left, "original_sha256", orig_digest, false);
	put_field(&p, &left, "number", r->number, false);
	put_field(&p, &left, "original", r->original, false);
	put_field(&p, &left, "revision", num, false);
	put_field(&p, &left, "reason", r->reason, false);
	put_field(&p, &left, "owner", r->owner, !r->has_owner);
	put_field(&p, &left, "location", r->location, !r->has_location);
	put_field(&p, &left, "note", r->note, false);
	put_field(&p, &left, "issued_at", r->issued_at, false);
	if (!left)
		return cal_error_set(CAL_ERR_ARG, "%s: the revision's content does not fit",
				     r->number);
	crypto_hash_sha256(h, (const unsigned char *)text, (size_t)(p - text));
	sodium_bin2hex(digest, 65, h, sizeof(h));
	return CAL_OK;
}

/* The original's document row, its instrument's serial, and its content digest now. */
static int original_facts(struct cal_cert *c, char *serial, size_t size, char digest[65],
			  struct cal_db *db, const char *number)
{
	struct cal_instrument in;
	int rc = cal_db_cert_get(c, db, number);

	if (!rc)
		rc = cal_db_instrument_get(&in, db, c->instrument_id);
	if (!rc)
		rc = db_cert_digest(digest, db, number);
	if (!rc)
		db_strlcpy(serial, size, in.serial);
	return rc;
}

int cal_db_cert_amend(struct cal_revision *out, struct cal_db *db, const char *number,
		      const char *reason, const char *owner, const char *location, const char *note,
		      int64_t now_s)
{
	struct cal_revision last;
	struct cal_cert c;
	char serial[64], orig_digest[65], msg[512], date[11];
	unsigned char sig[crypto_sign_BYTES];
	sqlite3_stmt *st = NULL;
	bool own = false;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || !number || !reason)
		return cal_error_set(CAL_ERR_ARG, "amend: bad arguments");
	if (!reason[0])
		return cal_error_set(CAL_ERR_ARG,
				     "amend %s: say why (the reason is on the revision)", number);
	if (strlen(reason) >= sizeof(out->reason) || (note && strlen(note) >= sizeof(out->note)) ||
	    (owner && strlen(owner) >= sizeof(out->owner)) ||
	    (location && strlen(location) >= sizeof(out->location)))
		return cal_error_set(CAL_ERR_ARG,
				     "amend %s: too long (reason and note under %zu bytes, owner "
				     "%zu, location %zu): nothing is cut from a signed document",
				     number, sizeof(out->reason), sizeof(out->owner),
				     sizeof(out->location));
	if (!owner && !location && !(note && note[0]))
		return cal_error_set(CAL_ERR_ARG,
				     "amend %s: nothing to correct (owner, location or a note)",
				     number);
	if ((rc = db_text_check("amendment of", number, (int)strlen(number), "the reason", reason,
				strlen(reason) + 1)) ||
	    (owner && (rc = db_text_check("amendment of", number, (int)strlen(number), "the owner",
					  owner, strlen(owner) + 1))) ||
	    (location && (rc = db_text_check("amendment of", number, (int)strlen(number),
					     "the location", location, strlen(location) + 1))) ||
	    (note && (rc = db_text_check("amendment of", number, (int)strlen(number), "the note",
					 note, strlen(note) + 1))))
		return rc;
	if (cal_db_revision_get(&last, db, number) == CAL_OK)
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s is a revision of %s: amend the original (each revision "
				     "is whole and replaces all before it)",
				     number, last.original);
	cal_error_clear();
	if (!db->has_signer && cal_db_signing_required(db))
		return cal_error_set(CAL_ERR_REFUSED,
				     "the centre signs its documents and its private key is not "
				     "loaded (setting sign.key_file): no revision is issued");
	rc = db_tx_begin(db, &own);
	if (rc)
		return rc;
	rc = original_facts(&c, serial, sizeof(serial), orig_digest, db, number);
	if (!rc && c.revoked)
		rc = cal_error_set(CAL_ERR_REFUSED, "%s is revoked: it cannot be amended",
				   c.number);
	if (rc)
		goto out;
	out->revision = 1;
	if (cal_db_revision_latest(&last, db, c.number) == CAL_OK) {
		out->revision = last.revision + 1;
		/* what is not corrected again stays as the last revision has it */
		if (!owner && last.has_owner)
			owner = last.owner;
		if (!location && last.has_location)
			location = last.location;
	}
	cal_error_clear();
	if (snprintf(out->number, sizeof(out->number), "%s-R%d", c.number, out->revision) >=
	    (int)sizeof(out->number)) {
		rc = cal_error_set(CAL_ERR_ARG, "%s: too long to number its revisions", c.number);
		goto out;
	}
	db_strlcpy(out->original, sizeof(out->original), c.number);
	db_strlcpy(out->reason, sizeof(out->reason), reason);
	out->has_owner = owner != NULL;
	db_strlcpy(out->owner, sizeof(out->owner), owner ? owner : "");
	out->has_location = location != NULL;
	db_strlcpy(out->location, sizeof(out->location), location ? location : "");
	db_strlcpy(out->note, sizeof(out->note), note ? note : "");
	cal_time_iso8601(out->issued_at, sizeof(out->issued_at), now_s);
	rc = rev_digest(out->content_sha256, out, orig_digest);
	if (!rc && db->has_signer) {
		db_strlcpy(date, sizeof(date), out->issued_at);
		rc = cal_cert_sign_message(msg, sizeof(msg), out->number,
					   cal_cert_kind_name(c.kind), date, c.valid_until, serial,
					   out->content_sha256);
		if (!rc) {
			crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg),
					     db->signer.sk);
			sodium_bin2base64(out->signature, sizeof(out->signature), sig, sizeof(sig),
					  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			db_strlcpy(out->key_id, sizeof(out->key_id), db->signer.key_id);
		}
	}
	if (rc)
		goto out;
	rc = db_prepare(&st, db,
			"INSERT INTO cert_revisions(" REV_COLS ") "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (rc)
		goto out;
	db_bind_str(st, 1, out->number);
	db_bind_str(st, 2, out->original);
	sqlite3_bind_int(st, 3, out->revision);
	db_bind_str(st, 4, out->reason);
	if (out->has_owner)
		db_bind_str(st, 5, out->owner);
	else
		sqlite3_bind_null(st, 5);
	if (out->has_location)
		db_bind_str(st, 6, out->location);
	else
		sqlite3_bind_null(st, 6);
	db_bind_str(st, 7, out->note);
	db_bind_str(st, 8, out->issued_at);
	db_bind_str(st, 9, out->content_sha256);
	db_bind_str(st, 10, out->key_id);
	db_bind_str(st, 11, out->signature);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "certificate revision");
out:
	sqlite3_finalize(st);
	rc = db_tx_end(db, own, rc);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Is revision @r as issued (its digest over the original's content now, its signature)? */
int db_revision_check(bool *tampered, bool *signed_out, char *why, size_t size, struct cal_db *db,
		      const struct cal_revision *r)
{
	struct cal_cert c;
	char serial[64], orig_digest[65], digest[65], msg[512], date[11];
	unsigned char pk[32];
	int rc = original_facts(&c, serial, sizeof(serial), orig_digest, db, r->original);

	*tampered = false;
	*signed_out = false;
	why[0] = '\0';
	if (!rc)
		rc = rev_digest(digest, r, orig_digest);
	if (rc)
		return rc;
	if (strcmp(digest, r->content_sha256) != 0) {
		*tampered = true;
		snprintf(why, size, "it or the document it amends changed since issue");
		return CAL_OK;
	}
	if (!r->key_id[0])
		return CAL_OK;
	*signed_out = true;
	if (cal_db_signing_key_get(pk, NULL, 0, db, r->key_id) != CAL_OK) {
		cal_error_clear();
		*tampered = true;
		snprintf(why, size, "it names a signing key %s the centre does not have",
			 r->key_id);
		return CAL_OK;
	}
	db_strlcpy(date, sizeof(date), r->issued_at);
	rc = cal_cert_sign_message(msg, sizeof(msg), r->number, cal_cert_kind_name(c.kind), date,
				   c.valid_until, serial, digest);
	if (rc)
		return rc;
	if (cal_sig_check(msg, r->signature, pk) != CAL_OK) {
		cal_error_clear();
		*tampered = true;
		snprintf(why, size, "its signature does not match (key %s)", r->key_id);
	}
	return CAL_OK;
}
