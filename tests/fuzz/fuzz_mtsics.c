/*
 * libFuzzer target for the byte-level parsers of drivers/:
 *
 *  1. cal_mtsics_parse() on the input as one line (exact-size copy, so
 *     AddressSanitizer sees any read past the end);
 *  2. cal_port_cfg_parse() with the input split at the first '\n' into a
 *     port string and a serial-settings string, then describe();
 *  3. cal_transport_read_line() over a custom transport that hands the
 *     input out in chunks whose sizes come from the input, with every line
 *     that comes out parsed again as MT-SICS.
 *
 * Invariants checked: no crash, no sanitizer report, every successful parse
 * is self-consistent (kind set, strings terminated, decimals >= 0).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h> /* malloc */
#include <string.h>

#include "cal/error.h"
#include "cal/mtsics.h"
#include "cal/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_resp(int rc, const struct cal_mtsics_resp *r)
{
	if (rc != CAL_OK)
		return;
	if (r->kind < CAL_MTSICS_WEIGHT || r->kind > CAL_MTSICS_LOGICAL)
		__builtin_trap();
	if (strnlen(r->id, sizeof(r->id)) == sizeof(r->id) || r->decimals < 0)
		__builtin_trap();
	if (r->nparam < 0 || r->nparam > CAL_MTSICS_PARAM_MAX)
		__builtin_trap();
	for (int i = 0; i < r->nparam; i++) {
		if (strnlen(r->param[i], sizeof(r->param[i])) == sizeof(r->param[i]))
			__builtin_trap();
	}
}

struct feed {
	const uint8_t *data;
	size_t size;
	size_t pos;
	unsigned seed; /* chunk sizes */
};

static int f_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)timeout_ms;
	return CAL_OK;
}

static int f_read(void *ctx, void *buf, size_t bufsize, size_t *got, int timeout_ms)
{
	struct feed *f = ctx;
	size_t n;

	(void)timeout_ms;
	*got = 0;
	if (f->pos >= f->size)
		return CAL_ERR_TIMEOUT;
	f->seed = f->seed * 1103515245u + 12345u;
	n = 1 + (f->seed >> 16) % 64;
	if (n > f->size - f->pos)
		n = f->size - f->pos;
	if (n > bufsize)
		n = bufsize;
	memcpy(buf, f->data + f->pos, n);
	f->pos += n;
	*got = n;
	return CAL_OK;
}

static const struct cal_transport_ops feed_ops = {
	.name = "fuzz",
	.write = f_write,
	.read = f_read,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cal_mtsics_resp r;
	struct cal_port_cfg cfg;
	struct cal_transport *t = NULL;
	struct feed f = { data, size, 0, 0 };
	char *copy, *port, *serial, *nl;
	char desc[300];
	char line[CAL_MTSICS_LINE_MAX + 1];
	size_t len;
	int rc;

	/* 1. One line, exact-size heap copy. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	rc = cal_mtsics_parse(&r, copy, size);
	check_resp(rc, &r);
	free(copy);

	/* 2. Port and serial strings. */
	port = malloc(size + 1);
	if (!port)
		return 0;
	if (size)
		memcpy(port, data, size);
	port[size] = '\0';
	nl = strchr(port, '\n');
	serial = NULL;
	if (nl) {
		*nl = '\0';
		serial = nl + 1;
	}
	if (cal_port_cfg_parse(&cfg, port, serial) == CAL_OK)
		cal_port_cfg_describe(desc, sizeof(desc), &cfg);
	free(port);

	/* 3. Line reader over chunked input; each line parsed again. */
	if (size > 0)
		f.seed = data[0];
	if (cal_transport_new_custom(&t, &feed_ops, &f) != CAL_OK)
		return 0;
	for (int i = 0; i < 4096; i++) {
		rc = cal_transport_read_line(t, line, sizeof(line), &len, 1000);
		if (rc == CAL_ERR_TIMEOUT || rc == CAL_ERR_IO)
			break;
		if (rc == CAL_OK) {
			if (len >= sizeof(line) || line[len] != '\0')
				__builtin_trap();
			check_resp(cal_mtsics_parse(&r, line, len), &r);
		}
	}
	cal_transport_close(t);
	return 0;
}
