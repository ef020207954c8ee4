/*
 * Key files and QR payloads (cal/signing.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cal/error.h"
#include "cal/signing.h"

static const char secret_head[] = "calbench-ed25519-secret-v1\n";
static const char public_head[] = "calbench-ed25519-public-v1\n";

static int write_file(const char *path, const char *text, mode_t mode, bool exclusive)
{
	size_t len = strlen(text), done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), mode);

	if (fd < 0)
		return cal_error_set(CAL_ERR_IO, "%s: %s", path,
				     errno == EEXIST
					     ? "exists already: a centre keeps its key "
					       "(calbench keys init --dir ANOTHER for a new one)"
					     : strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;

			close(fd);
			return cal_error_set(CAL_ERR_IO, "%s: %s", path, strerror(e));
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		return cal_error_set(CAL_ERR_IO, "%s: %s", path, strerror(errno));
	return CAL_OK;
}

int cal_keys_create(unsigned char pk[32], char *key_path, size_t size, const char *dir)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char text[sizeof(secret_head) + 2 * sizeof(sk) + 2], path[4096];
	int rc;

	if (!pk || !key_path || !dir || !dir[0])
		return cal_error_set(CAL_ERR_ARG, "keys: bad arguments");
	if (sodium_init() < 0)
		return cal_error_set(CAL_ERR_IO, "libsodium could not be initialised");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return cal_error_set(CAL_ERR_IO, "%s: %s", dir, strerror(errno));
	crypto_sign_keypair(pk, sk);
	snprintf(path, sizeof(path), "%s/%s", dir, CAL_KEY_FILE);
	memcpy(text, secret_head, sizeof(secret_head) - 1);
	sodium_bin2hex(text + sizeof(secret_head) - 1, 2 * sizeof(sk) + 1, sk, sizeof(sk));
	strcat(text, "\n");
	rc = write_file(path, text, 0600, true);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(text, sizeof(text));
	if (rc)
		return rc;
	if (snprintf(key_path, size, "%s", path) >= (int)size)
		return cal_error_set(CAL_ERR_ARG, "%s: path too long", path);
	snprintf(path, sizeof(path), "%s/%s", dir, CAL_PUB_FILE);
	memcpy(text, public_head, sizeof(public_head) - 1);
	sodium_bin2hex(text + sizeof(public_head) - 1, 65, pk, 32);
	strcat(text, "\n");
	return write_file(path, text, 0644, false);
}

/* The hex line after @head in file @path, into bin[n]. */
static int read_key(unsigned char *bin, size_t n, const char *path, const char *head, bool secret)
{
	char text[512];
	size_t len, got = 0;
	struct stat sb;
	FILE *f = fopen(path, "re");

	if (!f)
		return cal_error_set(CAL_ERR_IO, "%s: %s", path, strerror(errno));
	if (secret && fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077)) {
		fclose(f);
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s: the private key is readable by others (mode %03o): "
				     "chmod 600 it",
				     path, (unsigned)(sb.st_mode & 0777));
	}
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	/* a file that went through Windows: CR LF line ends */
	for (size_t i = 0, o = 0;; i++) {
		if (text[i] != '\r')
			text[o++] = text[i];
		if (!text[i]) {
			len = o - 1;
			break;
		}
	}
	if (strncmp(text, head, strlen(head)) != 0 ||
	    sodium_hex2bin(bin, n, text + strlen(head), len - strlen(head), "\r\n", &got, NULL) !=
		    0 ||
	    got != n) {
		sodium_memzero(text, sizeof(text));
		return cal_error_set(CAL_ERR_ARG, "%s: not a calbench %s key file", path,
				     secret ? "private" : "public");
	}
	sodium_memzero(text, sizeof(text));
	return CAL_OK;
}

int cal_signer_load(struct cal_signer *out, const char *path)
{
	unsigned char pk[32];
	int rc;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return cal_error_set(CAL_ERR_IO, "libsodium could not be initialised");
	rc = read_key(out->sk, sizeof(out->sk), path, secret_head, true);
	if (!rc) {
		crypto_sign_ed25519_sk_to_pk(pk, out->sk);
		rc = cal_signer_key_id(out->key_id, pk);
	}
	if (rc)
		sodium_memzero(out, sizeof(*out));
	return rc;
}

int cal_pubkey_load(unsigned char pk[32], const char *path)
{
	size_t got = 0;

	if (sodium_init() < 0)
		return cal_error_set(CAL_ERR_IO, "libsodium could not be initialised");
	/* a bare key given on the command line */
	if (strlen(path) == 64 && sodium_hex2bin(pk, 32, path, 64, NULL, &got, NULL) == 0 &&
	    got == 32)
		return CAL_OK;
	return read_key(pk, 32, path, public_head, false);
}

int cal_url_encode(char *out, size_t size, const char *in)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		bool keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~", *p);

		if (o + (keep ? 1 : 3) >= size)
			return cal_error_set(CAL_ERR_ARG, "URL too long");
		if (keep) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hexd[*p >> 4];
			out[o++] = hexd[*p & 15];
		}
	}
	if (o >= size)
		return cal_error_set(CAL_ERR_ARG, "URL too long");
	out[o] = '\0';
	return CAL_OK;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Split on '|' into at most @max fields (in place); the count. */
static int split(char *s, char **f, int max)
{
	int n = 0;

	f[n++] = s;
	for (char *p = s; *p; p++)
		if (*p == '|') {
			*p = '\0';
			if (n == max)
				return max + 1;
			f[n++] = p + 1;
		}
	return n;
}

static int field(char *dst, size_t size, const char *src, const char *what)
{
	if (strlen(src) >= size)
		return cal_error_set(CAL_ERR_ARG, "QR payload: the %s is too long", what);
	snprintf(dst, size, "%s", src);
	return CAL_OK;
}

int cal_qr_payload_parse(struct cal_qr_payload *out, const char *text)
{
	char buf[1024], *f[10];
	const char *p;
	size_t o = 0;
	int n, rc;

	memset(out, 0, sizeof(*out));
	if (!text)
		return cal_error_set(CAL_ERR_ARG, "QR payload: none given");
	p = strchr(text, '#') ? strchr(text, '#') + 1 : text;
	/* percent-decoded, control characters refused */
	for (; *p; p++) {
		int c = (unsigned char)*p;

		if (c == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			c = hexval(p[1]) * 16 + hexval(p[2]);
			p += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return cal_error_set(CAL_ERR_ARG, "QR payload: a control character");
		if (o + 1 >= sizeof(buf))
			return cal_error_set(CAL_ERR_ARG, "QR payload: too long");
		buf[o++] = (char)c;
	}
	buf[o] = '\0';
	n = split(buf, f, 9);
	if (n != 9 || strcmp(f[0], "calbench-qr-v1") != 0)
		return cal_error_set(CAL_ERR_ARG,
				     "QR payload: not a calbench document code (calbench-qr-v1 and "
				     "8 fields separated by '|')");
	if ((rc = field(out->number, sizeof(out->number), f[1], "number")) ||
	    (rc = field(out->kind, sizeof(out->kind), f[2], "kind")) ||
	    (rc = field(out->issue_date, sizeof(out->issue_date), f[3], "issue date")) ||
	    (rc = field(out->valid_until, sizeof(out->valid_until), f[4], "validity")) ||
	    (rc = field(out->serial, sizeof(out->serial), f[5], "serial")) ||
	    (rc = field(out->digest, sizeof(out->digest), f[6], "digest")) ||
	    (rc = field(out->key_id, sizeof(out->key_id), f[7], "key id")) ||
	    (rc = field(out->signature, sizeof(out->signature), f[8], "signature")))
		return rc;
	return cal_cert_sign_message(out->message, sizeof(out->message), out->number, out->kind,
				     out->issue_date, out->valid_until, out->serial, out->digest);
}

int cal_qr_payload_check(const struct cal_qr_payload *p, const unsigned char pk[32])
{
	char key_id[17];
	int rc = cal_signer_key_id(key_id, pk);

	if (rc)
		return rc;
	if (strcmp(key_id, p->key_id) != 0)
		return cal_error_set(CAL_ERR_REFUSED,
				     "signed with key %s, the public key given is %s: not the "
				     "centre's key of this document",
				     p->key_id, key_id);
	return cal_sig_check(p->message, p->signature, pk);
}
