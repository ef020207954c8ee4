/*
 * The centre's signing key on disk, and the payload a document's QR code
 * carries. The private key lives in a file of mode 0600 next to nothing
 * else of the program's: never in the database. Files are text:
 *   centre.key  "calbench-ed25519-secret-v1\n" + 128 hex digits + "\n"
 *   centre.pub  "calbench-ed25519-public-v1\n" + 64 hex digits + "\n"
 *
 * The QR payload: the signed message of the document (cal_cert_sign_message)
 * then "|KEY_ID|SIGNATURE":
 *   calbench-qr-v1|NUMBER|KIND|ISSUE_DATE|VALID_UNTIL|SERIAL|DIGEST|KEY_ID|SIG
 * With a verification URL the QR text is URL "#" payload (percent-encoded);
 * a fragment never reaches the server, and an inspector's phone opens the
 * page while `calbench verify --offline` checks the payload with the public
 * key file alone.
 */
#ifndef CAL_DOCUMENTS_SIGNING_H
#define CAL_DOCUMENTS_SIGNING_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/db.h"

#define CAL_KEY_FILE "centre.key"
#define CAL_PUB_FILE "centre.pub"

/*
 * Create a new key pair in @dir (created with mode 0700 when missing):
 * centre.key (mode 0600, refused when it exists) and centre.pub. *pk
 * receives the public key, @key_path the private key's path.
 */
int cal_keys_create(unsigned char pk[32], char *key_path, size_t size, const char *dir);
/* Load a private key file; refused when the file is readable by others than its owner. */
int cal_signer_load(struct cal_signer *out, const char *path);
/* Load a public key file (or a bare 64-hex-digit key). */
int cal_pubkey_load(unsigned char pk[32], const char *path);

struct cal_qr_payload {
	char number[64], kind[16], issue_date[11], valid_until[11], serial[64];
	char digest[65], key_id[17], signature[96];
	char message[512]; /* what was signed */
};

/* Parse a payload (or a QR text URL#payload, percent-encoded or not). */
int cal_qr_payload_parse(struct cal_qr_payload *out, const char *text);
/* Check it with @pk: CAL_OK when genuine; CAL_ERR_REFUSED when the signature does not match. */
int cal_qr_payload_check(const struct cal_qr_payload *p, const unsigned char pk[32]);

/* Percent-encode @in for a URL path or fragment (RFC 3986 unreserved kept). */
int cal_url_encode(char *out, size_t size, const char *in);

#endif
