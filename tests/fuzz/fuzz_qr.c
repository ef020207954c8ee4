/*
 * libFuzzer target for what an inspector's scanner hands to `calbench verify
 * --offline`: cal_qr_payload_parse() on the input as a string (exact-size
 * copy plus NUL), then cal_qr_payload_check() with a fixed public key.
 *
 * Invariants: no crash, no sanitizer report; a parsed payload has NUL-
 * terminated fields, its message starts "calbench-qr-v1|" and ends with its
 * digest; a random payload is never reported genuine.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/signing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char pk[32] = { 0x3b, 0x6a, 0x27, 0xbc, 0xce, 0xb6, 0xa4, 0x2d,
					      0x62, 0xa3, 0xa8, 0xd0, 0x2a, 0x6f, 0x0d, 0x73,
					      0x65, 0x32, 0x15, 0x77, 0x1d, 0xe2, 0x43, 0xa6,
					      0x3a, 0xc0, 0x48, 0xa1, 0x8b, 0x59, 0xda, 0x29 };
	struct cal_qr_payload p;
	char *s = malloc(size + 1);
	size_t n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cal_qr_payload_parse(&p, s) == CAL_OK) {
		n = strlen(p.message);
		if (strncmp(p.message, "calbench-qr-v1|", 15) != 0 || n < strlen(p.digest) ||
		    strcmp(p.message + n - strlen(p.digest), p.digest) != 0)
			abort();
		if (memchr(p.number, 0, sizeof(p.number)) == NULL ||
		    memchr(p.signature, 0, sizeof(p.signature)) == NULL)
			abort();
		/* nobody forges an Ed25519 signature by fuzzing */
		if (cal_qr_payload_check(&p, pk) == CAL_OK)
			abort();
	}
	cal_error_clear();
	free(s);
	return 0;
}
