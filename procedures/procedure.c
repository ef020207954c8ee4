/*
 * Procedure files: parse and validate. The file's bytes are kept and hashed
 * (SHA-256) so every run records exactly which text it executed.
 */
#include <stdio.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/procedure.h"
#include "proc-internal.h"
#include "yamlx.h"

void cal_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	static const char hex[] = "0123456789abcdef";

	crypto_hash_sha256(h, data, len);
	for (size_t i = 0; i < sizeof(h); i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
}

static int parse_load(struct cal_load_spec *out, struct fy_node *n, const char *name,
		      const char *field)
{
	static const struct {
		const char *word;
		enum cal_load_kind kind;
	} words[] = {
		{ "min", CAL_LOAD_MIN },
		{ "max", CAL_LOAD_MAX },
		{ "half-max", CAL_LOAD_HALF_MAX },
		{ "third-max", CAL_LOAD_THIRD_MAX },
		{ "mpe-change", CAL_LOAD_MPE_CHANGE },
	};
	char buf[64];
	int err;

	memset(out, 0, sizeof(*out));
	err = yamlx_str(buf, sizeof(buf), n, name, field);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(buf, words[i].word) == 0) {
			out->kind = words[i].kind;
			return CAL_OK;
		}
	}
	err = yamlx_num(&out->value, n, name, field);
	if (err || !(out->value > 0))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: field '%s': '%s' is not a load (a positive number, "
				     "min, max, half-max, third-max or mpe-change)",
				     name, yamlx_line(n), field, buf);
	out->kind = CAL_LOAD_VALUE;
	return CAL_OK;
}

static int parse_test(struct cal_test_spec *t, struct fy_node *m, const char *name, size_t index)
{
	static const char *const known[] = { "test",	  "title",    "loads",	 "sequence", "load",
					     "positions", "readings", "limit_e", NULL };
	char where[64], kind[32], seq[32];
	struct fy_node *n, *item;
	void *it = NULL;
	int err;

	snprintf(where, sizeof(where), "tests[%zu]", index);
	if (!fy_node_is_mapping(m))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s must be a mapping", name,
				     yamlx_line(m), where);
	t->line = yamlx_line(m);
	err = yamlx_known_keys(m, known, name, where);
	if (!err)
		err = yamlx_require(&n, m, "test", name, where);
	if (!err)
		err = yamlx_str(kind, sizeof(kind), n, name, "test");
	if (err)
		return err;
	if (strcmp(kind, "zero") == 0)
		t->kind = CAL_TEST_ZERO;
	else if (strcmp(kind, "weighing") == 0)
		t->kind = CAL_TEST_WEIGHING;
	else if (strcmp(kind, "eccentricity") == 0)
		t->kind = CAL_TEST_ECCENTRICITY;
	else if (strcmp(kind, "repeatability") == 0)
		t->kind = CAL_TEST_REPEATABILITY;
	else
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: %s: unknown test '%s' (zero, weighing, eccentricity, "
				     "repeatability)",
				     name, yamlx_line(n), where, kind);
	snprintf(t->title, sizeof(t->title), "%s", kind);
	n = yamlx_get(m, "title");
	if (n) {
		err = yamlx_str(t->title, sizeof(t->title), n, name, "title");
		if (err)
			return err;
	}
	switch (t->kind) {
	case CAL_TEST_ZERO:
		t->limit_e = 0.25;
		n = yamlx_get(m, "limit_e");
		if (n) {
			err = yamlx_num(&t->limit_e, n, name, "limit_e");
			if (err)
				return err;
			if (!(t->limit_e > 0 && t->limit_e <= 10))
				return cal_error_set(CAL_ERR_CONFIG,
						     "%s:%d: limit_e must be between 0 and 10",
						     name, yamlx_line(n));
		}
		break;
	case CAL_TEST_WEIGHING:
		err = yamlx_require(&n, m, "loads", name, where);
		if (err)
			return err;
		if (!fy_node_is_sequence(n) || fy_node_sequence_item_count(n) < 1)
			return cal_error_set(CAL_ERR_CONFIG, "%s:%d: 'loads' must be a list", name,
					     yamlx_line(n));
		while ((item = fy_node_sequence_iterate(n, &it))) {
			if (t->n_loads == CAL_PROC_MAX_LOADS)
				return cal_error_set(CAL_ERR_CONFIG, "%s:%d: at most %d loads",
						     name, yamlx_line(item), CAL_PROC_MAX_LOADS);
			err = parse_load(&t->loads[t->n_loads++], item, name, "loads");
			if (err)
				return err;
		}
		t->up_down = true;
		n = yamlx_get(m, "sequence");
		if (n) {
			err = yamlx_str(seq, sizeof(seq), n, name, "sequence");
			if (err)
				return err;
			if (strcmp(seq, "up") == 0)
				t->up_down = false;
			else if (strcmp(seq, "up-down") != 0)
				return cal_error_set(
					CAL_ERR_CONFIG,
					"%s:%d: sequence must be 'up' or 'up-down', not '%s'", name,
					yamlx_line(n), seq);
		}
		break;
	case CAL_TEST_ECCENTRICITY:
	case CAL_TEST_REPEATABILITY:
		err = yamlx_require(&n, m, "load", name, where);
		if (!err)
			err = parse_load(&t->load, n, name, "load");
		if (err)
			return err;
		if (t->load.kind == CAL_LOAD_MPE_CHANGE)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: 'mpe-change' names several loads; give one",
					     name, yamlx_line(n));
		if (t->kind == CAL_TEST_ECCENTRICITY) {
			err = yamlx_require(&n, m, "positions", name, where);
			if (err)
				return err;
			if (!fy_node_is_sequence(n) || fy_node_sequence_item_count(n) < 1)
				return cal_error_set(CAL_ERR_CONFIG,
						     "%s:%d: 'positions' must be a list", name,
						     yamlx_line(n));
			while ((item = fy_node_sequence_iterate(n, &it))) {
				if (t->n_positions == CAL_PROC_MAX_POSITIONS)
					return cal_error_set(
						CAL_ERR_CONFIG, "%s:%d: at most %d positions", name,
						yamlx_line(item), CAL_PROC_MAX_POSITIONS);
				err = yamlx_str(t->positions[t->n_positions++],
						sizeof(t->positions[0]), item, name, "positions");
				if (err)
					return err;
			}
		} else {
			t->readings = 3;
			n = yamlx_get(m, "readings");
			if (n) {
				err = yamlx_int(&t->readings, n, name, "readings", 2, 20);
				if (err)
					return err;
			}
		}
		break;
	case CAL_TEST_PRESSURE:
	case CAL_TEST_HYSTERESIS:
	case CAL_TEST_CALIBRATION:
		break; /* not names a weighing procedure accepts */
	}
	return CAL_OK;
}

static int parse_factor(double *out, struct fy_node *factors, const char *mode, const char *name)
{
	struct fy_node *n = yamlx_get(factors, mode);
	int err;

	*out = 1.0;
	if (!n)
		return CAL_OK;
	err = yamlx_num(out, n, name, mode);
	if (err)
		return err;
	if (!(*out >= 1.0 && *out <= 10.0))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: mpe factor for '%s' must be 1 to 10",
				     name, yamlx_line(n), mode);
	return CAL_OK;
}

static int parse_root(struct cal_procedure *p, struct fy_node *root, const char *name)
{
	static const char *const known[] = {
		"procedure",	   "title",	  "title_vi",	   "method",
		"instrument_kind", "mpe",	  "standards",	   "stability_timeout_s",
		"tests",	   "description", "decision_rule", NULL
	};
	static const char *const known_mpe[] = { "rule", "factor", NULL };
	static const char *const known_std[] = { "kind", "adequacy_ratio", NULL };
	static const char *const known_factor[] = { "initial", "periodic", "after-repair", NULL };
	struct fy_node *n, *mpe, *std, *item;
	char buf[64];
	void *it = NULL;
	int err;

	if (!fy_node_is_mapping(root))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: a procedure file is a mapping", name,
				     yamlx_line(root));
	n = yamlx_get(root, "instrument_kind");
	if (n && yamlx_str(buf, sizeof(buf), n, name, "instrument_kind") == CAL_OK &&
	    (strcmp(buf, "pressure-gauge") == 0 || strcmp(buf, "water-meter") == 0 ||
	     strcmp(buf, "flow-meter") == 0 || strcmp(buf, "fuel-dispenser") == 0))
		err = CAL_OK;
	else
		err = yamlx_known_keys(root, known, name, "procedure");
	if (!err)
		err = yamlx_require(&n, root, "procedure", name, "procedure");
	if (!err)
		err = yamlx_str(p->id, sizeof(p->id), n, name, "procedure");
	if (!err)
		err = yamlx_require(&n, root, "title", name, "procedure");
	if (!err)
		err = yamlx_str(p->title, sizeof(p->title), n, name, "title");
	if (!err)
		err = yamlx_require(&n, root, "method", name, "procedure");
	if (!err)
		err = yamlx_str(p->method, sizeof(p->method), n, name, "method");
	if (err)
		return err;
	n = yamlx_get(root, "title_vi");
	if (n && (err = yamlx_str(p->title_vi, sizeof(p->title_vi), n, name, "title_vi")))
		return err;
	snprintf(p->decision_rule, sizeof(p->decision_rule), "%s", CAL_PROC_DEFAULT_DECISION_RULE);
	n = yamlx_get(root, "decision_rule");
	if (n &&
	    (err = yamlx_str(p->decision_rule, sizeof(p->decision_rule), n, name, "decision_rule")))
		return err;
	snprintf(p->instrument_kind, sizeof(p->instrument_kind), "nawi");
	n = yamlx_get(root, "instrument_kind");
	if (n) {
		err = yamlx_str(p->instrument_kind, sizeof(p->instrument_kind), n, name,
				"instrument_kind");
		if (err)
			return err;
		if (strcmp(p->instrument_kind, "pressure-gauge") == 0)
			return cal_pressure_proc_parse(p, root, name);
		if (strcmp(p->instrument_kind, "water-meter") == 0 ||
		    strcmp(p->instrument_kind, "flow-meter") == 0 ||
		    strcmp(p->instrument_kind, "fuel-dispenser") == 0)
			return cal_water_proc_parse(p, root, name);
		if (strcmp(p->instrument_kind, "nawi") != 0)
			return cal_error_set(
				CAL_ERR_CONFIG,
				"%s:%d: instrument_kind '%s' is not supported (nawi, "
				"pressure-gauge, water-meter, flow-meter, fuel-dispenser)",
				name, yamlx_line(n), p->instrument_kind);
	}
	err = yamlx_require(&mpe, root, "mpe", name, "procedure");
	if (!err)
		err = yamlx_known_keys(mpe, known_mpe, name, "mpe");
	if (!err)
		err = yamlx_require(&n, mpe, "rule", name, "mpe");
	if (!err)
		err = yamlx_str(buf, sizeof(buf), n, name, "rule");
	if (err)
		return err;
	if (strcmp(buf, "oiml-r76") != 0)
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: mpe rule '%s' is not known (oiml-r76)",
				     name, yamlx_line(n), buf);
	/*
	 * Factors are per mode. A misspelt mode or a bare number must not be
	 * ignored silently: that would judge the run with factor 1.
	 */
	n = yamlx_get(mpe, "factor");
	if (n && !fy_node_is_mapping(n))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: mpe: 'factor' must map modes to factors "
				     "(initial, periodic, after-repair)",
				     name, yamlx_line(n));
	if (n && (err = yamlx_known_keys(n, known_factor, name, "mpe factor")))
		return err;
	err = parse_factor(&p->mpe_factor_initial, n, "initial", name);
	if (!err)
		err = parse_factor(&p->mpe_factor_periodic, n, "periodic", name);
	if (!err)
		err = parse_factor(&p->mpe_factor_after_repair, n, "after-repair", name);
	if (err)
		return err;
	p->adequacy_ratio = 1.0 / 3.0;
	std = yamlx_get(root, "standards");
	if (std) {
		err = yamlx_known_keys(std, known_std, name, "standards");
		if (err)
			return err;
		n = yamlx_get(std, "kind");
		if (n) {
			err = yamlx_str(buf, sizeof(buf), n, name, "kind");
			if (err)
				return err;
			if (strcmp(buf, "weight") != 0)
				return cal_error_set(CAL_ERR_CONFIG,
						     "%s:%d: standards: kind '%s' is not supported "
						     "(weight)",
						     name, yamlx_line(n), buf);
		}
		n = yamlx_get(std, "adequacy_ratio");
		if (n) {
			err = yamlx_num(&p->adequacy_ratio, n, name, "adequacy_ratio");
			if (err)
				return err;
			if (!(p->adequacy_ratio > 0 && p->adequacy_ratio <= 1))
				return cal_error_set(CAL_ERR_CONFIG,
						     "%s:%d: adequacy_ratio must be in (0, 1]",
						     name, yamlx_line(n));
		}
	}
	p->stability_timeout_s = 30;
	n = yamlx_get(root, "stability_timeout_s");
	if (n && (err = yamlx_int(&p->stability_timeout_s, n, name, "stability_timeout_s", 1, 600)))
		return err;
	err = yamlx_require(&n, root, "tests", name, "procedure");
	if (err)
		return err;
	if (!fy_node_is_sequence(n) || fy_node_sequence_item_count(n) < 1)
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: 'tests' must be a non-empty list",
				     name, yamlx_line(n));
	while ((item = fy_node_sequence_iterate(n, &it))) {
		if (p->n_tests == CAL_PROC_MAX_TESTS)
			return cal_error_set(CAL_ERR_CONFIG, "%s:%d: at most %d tests", name,
					     yamlx_line(item), CAL_PROC_MAX_TESTS);
		err = parse_test(&p->tests[p->n_tests], item, name, p->n_tests);
		if (err)
			return err;
		p->n_tests++;
	}
	return CAL_OK;
}

int cal_procedure_parse(struct cal_procedure **out, const char *text, size_t len, const char *name)
{
	struct fy_document *doc = NULL;
	struct cal_procedure *p;
	int err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return CAL_ERR_NOMEM;
	p->text = malloc(len + 1);
	if (!p->text) {
		err = CAL_ERR_NOMEM;
		goto out;
	}
	memcpy(p->text, text, len);
	p->text[len] = '\0';
	p->text_len = len;
	snprintf(p->path, sizeof(p->path), "%s", name);
	cal_sha256_hex(p->sha256, text, len);
	err = yamlx_parse(&doc, text, len, name);
	if (err)
		goto out;
	err = parse_root(p, fy_document_root(doc), name);
out:
	fy_document_destroy(doc);
	if (err) {
		cal_procedure_free(p);
		return err;
	}
	*out = p;
	return CAL_OK;
}

int cal_procedure_load(struct cal_procedure **out, const char *path)
{
	char *text;
	size_t len;
	int err;

	*out = NULL;
	err = yamlx_read_file(&text, &len, path);
	if (err)
		return err;
	err = cal_procedure_parse(out, text, len, path);
	free(text);
	return err;
}

void cal_procedure_free(struct cal_procedure *p)
{
	if (!p)
		return;
	free(p->text);
	free(p);
}

int cal_procedure_mpe_factor(double *out, const struct cal_procedure *p, const char *mode)
{
	*out = 1.0;
	if (!mode)
		return CAL_ERR_ARG;
	if (strcmp(mode, "initial") == 0)
		*out = p->mpe_factor_initial;
	else if (strcmp(mode, "periodic") == 0)
		*out = p->mpe_factor_periodic;
	else if (strcmp(mode, "after-repair") == 0)
		*out = p->mpe_factor_after_repair;
	else
		return cal_error_set(CAL_ERR_ARG,
				     "mode '%s' is not one of initial, periodic, after-repair",
				     mode);
	return CAL_OK;
}
