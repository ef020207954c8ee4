/*
 * libfyaml helpers. libfyaml 0.7 has no node position API, so positions come
 * from the scalar tokens: a collection's line is its first scalar's line.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/num.h"
#include "yamlx.h"

int yamlx_read_file(char **out, size_t *len, const char *path)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int err = CAL_OK;

	*out = NULL;
	*len = 0;
	f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return cal_error_set(CAL_ERR_NOTFOUND, "%s: no such file", path);
		return cal_error_set(CAL_ERR_IO, "%s: %s", path, strerror(errno));
	}
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20)) {
				err = cal_error_set(CAL_ERR_CONFIG, "%s: file too large", path);
				goto out;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = CAL_ERR_NOMEM;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				err = cal_error_set(CAL_ERR_IO, "%s: read error", path);
			break;
		}
	}
	buf[n] = '\0';
out:
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return CAL_OK;
}

/*
 * Our files are UTF-8 text without directives. Checked before libfyaml sees
 * them: libfyaml 0.8 (Debian 12) loops forever on a '%' directive followed by
 * an invalid byte (found by fuzz_files), and a message naming the line is
 * clearer than a scanner error anyway.
 */
static int check_text(const char *text, size_t len, const char *name)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	int line = 1;
	bool bol = true;

	while (p < end) {
		size_t n = 0;

		if (bol && *p == '%')
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: YAML directives ('%%...') are not supported",
					     name, line);
		bol = *p == '\n';
		if (*p == '\n')
			line++;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 1;
		else if ((*p & 0xf0) == 0xe0)
			n = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 3;
		if (!n || (size_t)(end - p) <= n)
			goto bad;
		for (size_t i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
		p += n + 1;
	}
	return CAL_OK;
bad:
	return cal_error_set(CAL_ERR_CONFIG, "%s:%d: not UTF-8 text (byte 0x%02x)", name, line, *p);
}

int yamlx_parse(struct fy_document **out, const char *text, size_t len, const char *name)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_parse_cfg pcfg;
	struct fy_document *doc;
	void *it = NULL;
	struct fy_diag_error *e;
	int err = CAL_OK;

	*out = NULL;
	if (memchr(text, '\0', len))
		return cal_error_set(CAL_ERR_CONFIG, "%s: contains a NUL byte; not a text file",
				     name);
	err = check_text(text, len, name);
	if (err)
		return err;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return CAL_ERR_NOMEM;
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_DISABLE_RECYCLING;
	pcfg.diag = diag;
	doc = fy_document_build_from_string(&pcfg, text, len);
	if (!doc || fy_diag_got_error(diag)) {
		e = fy_diag_errors_iterate(diag, &it);
		/* libfyaml's collected errors carry 1-based line and column already. */
		if (e)
			err = cal_error_set(CAL_ERR_CONFIG, "%s:%d:%d: YAML syntax error: %s", name,
					    e->line, e->column, e->msg ? e->msg : "?");
		else
			err = cal_error_set(CAL_ERR_CONFIG, "%s: not a valid YAML document", name);
		fy_document_destroy(doc);
		goto out;
	}
	if (!fy_document_root(doc)) {
		fy_document_destroy(doc);
		err = cal_error_set(CAL_ERR_CONFIG, "%s: empty document", name);
		goto out;
	}
	*out = doc;
out:
	fy_diag_destroy(diag);
	return err;
}

/*
 * Line of the key under which @n is the value; for an item of a sequence,
 * that of the sequence's key. 0 when there is none.
 */
static int key_line(struct fy_node *n)
{
	struct fy_node *parent = fy_node_get_parent(n);
	struct fy_node_pair *p;
	void *it = NULL;

	if (parent && fy_node_is_sequence(parent))
		return key_line(parent);
	if (!parent || !fy_node_is_mapping(parent))
		return 0;
	while ((p = fy_node_mapping_iterate(parent, &it))) {
		if (fy_node_pair_value(p) == n)
			return yamlx_line(fy_node_pair_key(p));
	}
	return 0;
}

int yamlx_line(struct fy_node *n)
{
	void *it = NULL;
	int line = 0;

	if (!n)
		return 0;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: {
		struct fy_token *t = fy_node_get_scalar_token(n);
		const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;

		line = m ? m->line + 1 : 0;
		break;
	}
	case FYNT_SEQUENCE:
		line = yamlx_line(fy_node_sequence_iterate(n, &it));
		break;
	case FYNT_MAPPING: {
		struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);

		line = p ? yamlx_line(fy_node_pair_key(p)) : 0;
		break;
	}
	}
	/* An empty value or collection has no token of its own: use its key's line. */
	return line ? line : key_line(n);
}

int yamlx_str(char *buf, size_t size, struct fy_node *n, const char *name, const char *field)
{
	const char *s;
	size_t len;

	buf[0] = '\0';
	if (!n || !fy_node_is_scalar(n))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: field '%s' must be a single value",
				     name, yamlx_line(n), field);
	s = fy_node_get_scalar(n, &len);
	if (!s)
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: field '%s' is empty", name,
				     yamlx_line(n), field);
	if (len >= size)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: field '%s' is too long (%zu characters, at most %zu)",
				     name, yamlx_line(n), field, len, size - 1);
	if (memchr(s, '\0', len))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: field '%s' contains a NUL byte", name,
				     yamlx_line(n), field);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return CAL_OK;
}

int yamlx_num(double *out, struct fy_node *n, const char *name, const char *field)
{
	char buf[64];
	int err;

	*out = 0;
	err = yamlx_str(buf, sizeof(buf), n, name, field);
	if (err)
		return err;
	if (cal_num_parse_str(out, NULL, buf))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: field '%s': '%s' is not a number",
				     name, yamlx_line(n), field, buf);
	return CAL_OK;
}

int yamlx_int(int *out, struct fy_node *n, const char *name, const char *field, int lo, int hi)
{
	double v;
	int err;

	*out = 0;
	err = yamlx_num(&v, n, name, field);
	if (err)
		return err;
	/* Range first: converting a huge double to an integer is undefined. */
	if (v < lo || v > hi || v != floor(v))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: field '%s' must be a whole number from %d to %d", name,
				     yamlx_line(n), field, lo, hi);
	*out = (int)v;
	return CAL_OK;
}

struct fy_node *yamlx_get(struct fy_node *map, const char *key)
{
	if (!map || !fy_node_is_mapping(map))
		return NULL;
	return fy_node_mapping_lookup_by_string(map, key, (size_t)-1);
}

int yamlx_require(struct fy_node **out, struct fy_node *map, const char *key, const char *name,
		  const char *where)
{
	*out = yamlx_get(map, key);
	if (!*out)
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s: missing field '%s'", name,
				     yamlx_line(map), where, key);
	return CAL_OK;
}

int yamlx_known_keys(struct fy_node *map, const char *const *known, const char *name,
		     const char *where)
{
	void *it = NULL;
	struct fy_node_pair *p;

	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		char key[64];
		bool ok = false;

		if (yamlx_str(key, sizeof(key), k, name, "(key)"))
			return CAL_ERR_CONFIG;
		for (size_t i = 0; known[i]; i++) {
			if (strcmp(known[i], key) == 0)
				ok = true;
		}
		if (!ok)
			return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s: unknown field '%s'", name,
					     yamlx_line(k), where, key);
	}
	return CAL_OK;
}
