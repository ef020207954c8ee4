/*
 * A PNG file checked before libharu reads it: libpng, under libharu, aborts
 * the process on a damaged file (a truncated image, a lying header) instead
 * of returning an error. Here every chunk's length and CRC are checked, the
 * header is sane and small enough for a letterhead, and the image data
 * inflate (zlib) to at least the bytes the header promises.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cal/error.h"
#include "cal/pngcheck.h"

#define MAX_FILE (16u << 20)

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Bytes of filtered image data the header promises (Adam7: the seven passes). */
static uint64_t raw_size(uint32_t w, uint32_t h, unsigned bits_per_pixel, bool adam7)
{
	static const unsigned x0[7] = { 0, 4, 0, 2, 0, 1, 0 }, y0[7] = { 0, 0, 4, 0, 2, 0, 1 };
	static const unsigned dx[7] = { 8, 8, 4, 4, 2, 2, 1 }, dy[7] = { 8, 8, 8, 4, 4, 2, 2 };
	uint64_t total = 0;

	if (!adam7)
		return (uint64_t)h * (1 + ((uint64_t)w * bits_per_pixel + 7) / 8);
	for (int p = 0; p < 7; p++) {
		uint64_t pw = w > x0[p] ? (w - x0[p] + dx[p] - 1) / dx[p] : 0;
		uint64_t ph = h > y0[p] ? (h - y0[p] + dy[p] - 1) / dy[p] : 0;

		if (pw && ph)
			total += ph * (1 + (pw * bits_per_pixel + 7) / 8);
	}
	return total;
}

/* The inflated size of @data, stopping once @want bytes are seen. */
static int inflated_at_least(bool *enough, const unsigned char *data, size_t n, uint64_t want)
{
	unsigned char out[16384];
	uint64_t got = 0;
	z_stream z;
	int zr;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return cal_error_set(CAL_ERR_NOMEM, "PNG: zlib could not start");
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)n;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		zr = inflate(&z, Z_NO_FLUSH);
		got += sizeof(out) - z.avail_out;
	} while (zr == Z_OK && got < want && (z.avail_in || z.avail_out == 0));
	inflateEnd(&z);
	*enough = got >= want && (zr == Z_OK || zr == Z_STREAM_END || zr == Z_BUF_ERROR);
	return CAL_OK;
}

int cal_png_check(const char *path, uint32_t max_dim)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char *f = NULL, *idat = NULL;
	size_t n = 0, pos = 8, ni = 0;
	uint32_t w = 0, h = 0;
	unsigned bits = 0;
	bool ihdr = false, iend = false, plte = false, adam7 = false, enough = false;
	int rc = CAL_OK;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return cal_error_set(CAL_ERR_IO, "logo %s: cannot read it", path);
	f = malloc(MAX_FILE + 1);
	if (f)
		n = fread(f, 1, MAX_FILE + 1, fp);
	fclose(fp);
	if (!f)
		return cal_error_set(CAL_ERR_NOMEM, "logo %s: out of memory", path);
	if (n > MAX_FILE) {
		rc = cal_error_set(CAL_ERR_ARG, "logo %s: larger than %u MB", path, MAX_FILE >> 20);
		goto out;
	}
	if (n < 8 || memcmp(f, sig, 8) != 0) {
		rc = cal_error_set(CAL_ERR_ARG, "logo %s: not a PNG file", path);
		goto out;
	}
	while (!iend) {
		uint32_t len, crc;
		const unsigned char *type, *data;

		if (n - pos < 12) {
			rc = cal_error_set(CAL_ERR_ARG, "logo %s: truncated (no IEND chunk)", path);
			goto out;
		}
		len = be32(f + pos);
		if (len > n - pos - 12) {
			rc = cal_error_set(CAL_ERR_ARG, "logo %s: a chunk runs past the end", path);
			goto out;
		}
		type = f + pos + 4;
		data = f + pos + 8;
		crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), type, len + 4);
		if (crc != be32(data + len)) {
			rc = cal_error_set(CAL_ERR_ARG, "logo %s: chunk %.4s has a bad CRC", path,
					   (const char *)type);
			goto out;
		}
		if (!ihdr && memcmp(type, "IHDR", 4) != 0) {
			rc = cal_error_set(CAL_ERR_ARG, "logo %s: does not start with IHDR", path);
			goto out;
		}
		if (memcmp(type, "IHDR", 4) == 0) {
			static const unsigned channels[7] = { 1, 0, 3, 1, 2, 0, 4 };
			unsigned depth = len == 13 ? data[8] : 0, ct = len == 13 ? data[9] : 7;

			if (ihdr || len != 13 || ct > 6 || !channels[ct] ||
			    (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16) ||
			    (ct == 3 && depth == 16) ||
			    ((ct == 2 || ct == 4 || ct == 6) && depth < 8) || data[10] != 0 ||
			    data[11] != 0 || data[12] > 1) {
				rc = cal_error_set(CAL_ERR_ARG, "logo %s: a malformed IHDR", path);
				goto out;
			}
			w = be32(data);
			h = be32(data + 4);
			if (!w || !h || w > max_dim || h > max_dim) {
				rc = cal_error_set(CAL_ERR_ARG,
						   "logo %s: %u x %u pixels (1 to %u each for a "
						   "letterhead)",
						   path, w, h, max_dim);
				goto out;
			}
			bits = channels[ct] * depth;
			adam7 = data[12] == 1;
			plte = ct != 3;
			ihdr = true;
		} else if (memcmp(type, "PLTE", 4) == 0) {
			plte = true;
		} else if (memcmp(type, "IDAT", 4) == 0) {
			unsigned char *grown = realloc(idat, ni + len + 1);

			if (!plte) {
				rc = cal_error_set(CAL_ERR_ARG,
						   "logo %s: image data before its palette", path);
				goto out;
			}
			if (!grown) {
				rc = cal_error_set(CAL_ERR_NOMEM, "logo %s: out of memory", path);
				goto out;
			}
			idat = grown;
			memcpy(idat + ni, data, len);
			ni += len;
		} else if (memcmp(type, "IEND", 4) == 0) {
			iend = true;
		}
		pos += (size_t)len + 12;
	}
	if (!ni) {
		rc = cal_error_set(CAL_ERR_ARG, "logo %s: no image data", path);
		goto out;
	}
	rc = inflated_at_least(&enough, idat, ni, raw_size(w, h, bits, adam7));
	if (!rc && !enough)
		rc = cal_error_set(CAL_ERR_ARG, "logo %s: the image data are short or damaged",
				   path);
out:
	free(f);
	free(idat);
	return rc;
}
