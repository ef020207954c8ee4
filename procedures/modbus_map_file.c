/*
 * Modbus register map files (YAML), for meters that have no preset:
 *
 *   map: my-meter
 *   description: converter XYZ, firmware 2.1
 *   quantities:
 *     - { name: flow,  register: "4:03003", type: f32, order: ABCD, unit: m3/s }
 *     - { name: total, address: 3014, function: holding, type: f64, order: CDAB,
 *         scale: 0.001, unit: m3 }
 *
 * A quantity gives either `register:` in the maker's notation (cal_mb_register_parse:
 * "4:03003", "403003", "reg:2009", "addr:0x1010", ...) or `address:` (the 0-based
 * protocol address) with `function:` holding | input (default holding). The
 * whole map is then checked (cal_mb_map_check): messages name the file, line and
 * quantity.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/modbus_map.h"
#include "cal/units.h"
#include "proc-internal.h"
#include "yamlx.h"

/* function: holding | input (default holding). */
static int parse_function(struct cal_mb_quantity *q, struct fy_node *m, const char *name)
{
	struct fy_node *n = yamlx_get(m, "function");
	char buf[32];
	int err;

	if (!n)
		return CAL_OK;
	err = yamlx_str(buf, sizeof(buf), n, name, "function");
	if (err)
		return err;
	if (strcmp(buf, "holding") == 0)
		q->function = CAL_MB_HOLDING;
	else if (strcmp(buf, "input") == 0)
		q->function = CAL_MB_INPUT;
	else
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: quantity '%s': function '%s' is not holding (FC 03) "
				     "or input (FC 04)",
				     name, yamlx_line(n), q->name, buf);
	return CAL_OK;
}

static int parse_quantity(struct cal_mb_quantity *q, struct fy_node *m, const char *name,
			  size_t index)
{
	static const char *const known[] = { "name",  "register", "address", "function",  "type",
					     "order", "scale",	  "unit",    "allow_odd", NULL };
	struct fy_node *n;
	char where[48], buf[64];
	double v;
	int err;

	snprintf(where, sizeof(where), "quantities[%zu]", index);
	if (!fy_node_is_mapping(m))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s must be a mapping", name,
				     yamlx_line(m), where);
	err = yamlx_known_keys(m, known, name, where);
	if (!err)
		err = yamlx_require(&n, m, "name", name, where);
	if (!err)
		err = yamlx_str(q->name, sizeof(q->name), n, name, "name");
	if (err)
		return err;
	q->function = CAL_MB_HOLDING;
	q->scale = 1;
	if ((n = yamlx_get(m, "register")) != NULL) {
		enum cal_mb_function fn = CAL_MB_FN_NONE;

		if (yamlx_get(m, "address"))
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: quantity '%s': give register: or address:, "
					     "not both",
					     name, yamlx_line(n), q->name);
		err = yamlx_str(buf, sizeof(buf), n, name, "register");
		if (!err && cal_mb_register_parse(&q->address, &fn, buf))
			err = cal_error_prefix(CAL_ERR_CONFIG, "%s:%d: quantity '%s': ", name,
					       yamlx_line(n), q->name);
		if (err)
			return err;
		if (fn != CAL_MB_FN_NONE && yamlx_get(m, "function"))
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: quantity '%s': register '%s' names its table "
					     "already; remove function:",
					     name, yamlx_line(n), q->name, buf);
		if (fn != CAL_MB_FN_NONE)
			q->function = fn;
		else if ((err = parse_function(q, m, name)) != CAL_OK)
			return err;
	} else {
		err = yamlx_require(&n, m, "address", name, where);
		if (!err && (err = yamlx_num(&v, n, name, "address")) == CAL_OK &&
		    !(v >= 0 && v <= 65535 && v == floor(v)))
			err = cal_error_set(CAL_ERR_CONFIG,
					    "%s:%d: quantity '%s': address %g is not 0..65535",
					    name, yamlx_line(n), q->name, v);
		if (err)
			return err;
		q->address = (uint16_t)v;
		err = parse_function(q, m, name);
		if (err)
			return err;
	}
	err = yamlx_require(&n, m, "type", name, where);
	if (!err)
		err = yamlx_str(buf, sizeof(buf), n, name, "type");
	if (!err && cal_mb_type_parse(&q->type, buf))
		err = cal_error_prefix(CAL_ERR_CONFIG, "%s:%d: quantity '%s': ", name,
				       yamlx_line(n), q->name);
	if (err)
		return err;
	q->order = CAL_MB_ABCD;
	if ((n = yamlx_get(m, "order")) != NULL) {
		err = yamlx_str(buf, sizeof(buf), n, name, "order");
		if (!err && cal_mb_order_parse(&q->order, buf))
			err = cal_error_prefix(CAL_ERR_CONFIG, "%s:%d: quantity '%s': ", name,
					       yamlx_line(n), q->name);
		if (err)
			return err;
	}
	if ((n = yamlx_get(m, "scale")) != NULL && (err = yamlx_num(&q->scale, n, name, "scale")))
		return err;
	if ((n = yamlx_get(m, "unit")) != NULL) {
		enum cal_unit u;

		err = yamlx_str(q->unit, sizeof(q->unit), n, name, "unit");
		if (err)
			return err;
		if (q->unit[0] && cal_unit_parse(&u, q->unit))
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: quantity '%s': unknown unit '%s' (m3/s, m3/h, "
					     "L/min, L/h, m3, L, ...)",
					     name, yamlx_line(n), q->name, q->unit);
	}
	if ((n = yamlx_get(m, "allow_odd")) != NULL) {
		err = yamlx_str(buf, sizeof(buf), n, name, "allow_odd");
		if (err)
			return err;
		q->allow_odd = strcmp(buf, "true") == 0 || strcmp(buf, "yes") == 0;
	}
	return CAL_OK;
}

int cal_mb_map_parse(struct cal_mb_map *out, const char *text, size_t len, const char *name)
{
	static const char *const known[] = { "map", "description", "quantities", NULL };
	struct fy_document *doc = NULL;
	struct fy_node *root, *n, *item;
	void *it = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	err = yamlx_parse(&doc, text, len, name);
	if (err)
		return err;
	root = fy_document_root(doc);
	if (!root || !fy_node_is_mapping(root)) {
		err = cal_error_set(CAL_ERR_CONFIG,
				    "%s: a map file is a mapping with 'map' and "
				    "'quantities'",
				    name);
		goto out;
	}
	err = yamlx_known_keys(root, known, name, "map file");
	if (!err)
		err = yamlx_require(&n, root, "map", name, "map file");
	if (!err)
		err = yamlx_str(out->name, sizeof(out->name), n, name, "map");
	if (!err && (n = yamlx_get(root, "description")) != NULL)
		err = yamlx_str(out->description, sizeof(out->description), n, name, "description");
	if (!err)
		err = yamlx_require(&n, root, "quantities", name, "map file");
	if (err)
		goto out;
	if (!fy_node_is_sequence(n) || fy_node_sequence_item_count(n) < 1) {
		err = cal_error_set(CAL_ERR_CONFIG, "%s:%d: 'quantities' must be a non-empty list",
				    name, yamlx_line(n));
		goto out;
	}
	while (!err && (item = fy_node_sequence_iterate(n, &it)) != NULL) {
		if (out->n == sizeof(out->q) / sizeof(out->q[0])) {
			err = cal_error_set(CAL_ERR_CONFIG, "%s:%d: at most %zu quantities", name,
					    yamlx_line(item), sizeof(out->q) / sizeof(out->q[0]));
			break;
		}
		err = parse_quantity(&out->q[out->n], item, name, out->n);
		if (!err)
			out->n++;
	}
	if (!err && cal_mb_map_check(out)) {
		/* the line of the quantity the check names, when it names one */
		int line = yamlx_line(n);

		it = NULL;
		for (size_t i = 0; (item = fy_node_sequence_iterate(n, &it)) != NULL; i++) {
			char q[48];

			snprintf(q, sizeof(q), "quantity \"%s\"", out->q[i].name);
			if (i < out->n && strstr(cal_error_last(), q)) {
				line = yamlx_line(item);
				break;
			}
		}
		err = cal_error_prefix(CAL_ERR_CONFIG, "%s:%d: ", name, line);
	}
out:
	fy_document_destroy(doc);
	return err;
}

int cal_mb_map_load(struct cal_mb_map *out, const char *path)
{
	char *text;
	size_t len;
	int err = yamlx_read_file(&text, &len, path);

	if (err)
		return err;
	err = cal_mb_map_parse(out, text, len, path);
	free(text);
	return err;
}
