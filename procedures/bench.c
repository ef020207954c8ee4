/*
 * Bench files: which instruments sit on this bench and where they are
 * connected.
 *
 *   bench: mass-1
 *   instruments:
 *     - id: bal1
 *       driver: mt-sics
 *       port: /dev/ttyUSB0     # any tty path, or tcp:HOST:PORT
 *       serial: 9600/8N1       # optional; the driver's default otherwise
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/modbus_map.h"
#include "cal/procedure.h"
#include "proc-internal.h"
#include "yamlx.h"

/* A map: path relative to the bench file's directory unless absolute. */
static int load_map(struct cal_bench_instr *bi, const char *file, const char *bench_path)
{
	char path[512];
	const char *slash = strrchr(bench_path, '/');

	if (file[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - bench_path), bench_path,
			 file);
	bi->map_owned = calloc(1, sizeof(*bi->map_owned));
	if (!bi->map_owned)
		return CAL_ERR_NOMEM;
	bi->opts.map = bi->map_owned;
	return cal_mb_map_load(bi->map_owned, path);
}

/* unit_id, preset, map: only for a Modbus driver, which needs one of preset or map. */
static int parse_modbus(struct cal_bench_instr *bi, struct fy_node *m, const char *name,
			const char *where, const struct cal_driver *drv)
{
	struct fy_node *n, *preset = yamlx_get(m, "preset"), *map = yamlx_get(m, "map");
	char buf[256];
	int err;

	if (!(drv->flags & CAL_DRV_MODBUS)) {
		n = yamlx_get(m, "unit_id") ? yamlx_get(m, "unit_id") : preset ? preset : map;
		if (n)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: %s: unit_id, preset and map are for Modbus "
					     "meters (driver modbus-flow), not %s",
					     name, yamlx_line(n), where, drv->name);
		return CAL_OK;
	}
	bi->opts.unit_id = 1;
	if ((n = yamlx_get(m, "unit_id")) != NULL &&
	    (err = yamlx_int(&bi->opts.unit_id, n, name, "unit_id", 1, 247)))
		return err;
	if (!preset == !map)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: %s: give its register map: preset: NAME (%s) or map: "
				     "FILE.yaml, one of them",
				     name, bi->line, where, cal_mb_preset_names(buf, sizeof(buf)));
	if (preset) {
		err = yamlx_str(buf, sizeof(buf), preset, name, "preset");
		if (err)
			return err;
		bi->opts.map = cal_mb_preset_find(buf);
		if (!bi->opts.map) {
			char known[256];

			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: %s: unknown preset '%s' (known: %s)", name,
					     yamlx_line(preset), where, buf,
					     cal_mb_preset_names(known, sizeof(known)));
		}
		return CAL_OK;
	}
	err = yamlx_str(buf, sizeof(buf), map, name, "map");
	if (!err)
		err = load_map(bi, buf, name);
	if (err) {
		/* the entry is not counted in the bench: its map is freed here */
		free(bi->map_owned);
		bi->map_owned = NULL;
		bi->opts.map = NULL;
		return cal_error_prefix(CAL_ERR_CONFIG, "%s:%d: %s: map: ", name, yamlx_line(map),
					where);
	}
	return CAL_OK;
}

static int parse_instr(struct cal_bench_instr *bi, struct fy_node *m, const char *name,
		       const struct cal_bench *b, size_t index)
{
	static const char *const known[] = { "id",	    "driver",	"port",	   "serial",
					     "description", "standard", "unit_id", "preset",
					     "map",	    NULL };
	char where[96];
	char serial[64] = "";
	struct fy_node *n;
	const struct cal_driver *drv;
	int err;

	snprintf(where, sizeof(where), "instruments[%zu]", index);
	if (!fy_node_is_mapping(m))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: %s must be a mapping (id, driver, port)", name,
				     yamlx_line(m), where);
	bi->line = yamlx_line(m);
	err = yamlx_known_keys(m, known, name, where);
	if (!err)
		err = yamlx_require(&n, m, "id", name, where);
	if (!err)
		err = yamlx_str(bi->id, sizeof(bi->id), n, name, "id");
	if (err)
		return err;
	if (!bi->id[0])
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s: empty id", name, bi->line, where);
	for (size_t i = 0; i < index; i++) {
		if (strcmp(b->instr[i].id, bi->id) == 0)
			return cal_error_set(
				CAL_ERR_CONFIG,
				"%s:%d: instrument id '%s' is used twice (first on line %d)", name,
				yamlx_line(n), bi->id, b->instr[i].line);
	}
	snprintf(where, sizeof(where), "instrument '%s'", bi->id);
	err = yamlx_require(&n, m, "driver", name, where);
	if (!err)
		err = yamlx_str(bi->driver, sizeof(bi->driver), n, name, "driver");
	if (err)
		return err;
	drv = cal_driver_find(bi->driver);
	if (!drv) {
		char known_list[256] = "";
		size_t nd;
		const struct cal_driver *const *all = cal_driver_list(&nd);

		for (size_t i = 0; i < nd; i++) {
			if (i)
				strncat(known_list, ", ",
					sizeof(known_list) - strlen(known_list) - 1);
			strncat(known_list, all[i]->name,
				sizeof(known_list) - strlen(known_list) - 1);
		}
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s: unknown driver '%s' (known: %s)",
				     name, yamlx_line(n), where, bi->driver, known_list);
	}
	err = yamlx_require(&n, m, "port", name, where);
	if (!err)
		err = yamlx_str(bi->port_text, sizeof(bi->port_text), n, name, "port");
	if (err)
		return err;
	/* The register id of the reference this instrument is (a pressure controller). */
	n = yamlx_get(m, "standard");
	if (n && (err = yamlx_str(bi->standard, sizeof(bi->standard), n, name, "standard")))
		return err;
	n = yamlx_get(m, "serial");
	if (n) {
		err = yamlx_str(serial, sizeof(serial), n, name, "serial");
		if (err)
			return err;
	} else if (drv->default_serial) {
		snprintf(serial, sizeof(serial), "%s", drv->default_serial);
	}
	/*
	 * The port alone first, so that a bad port is reported on its own line
	 * and not on the serial: line that follows it.
	 */
	err = cal_port_cfg_parse(&bi->port, bi->port_text, NULL);
	if (err)
		return cal_error_prefix(CAL_ERR_CONFIG, "%s:%d: %s: ", name,
					yamlx_line(yamlx_get(m, "port")), where);
	err = cal_port_cfg_parse(&bi->port, bi->port_text, serial);
	if (err)
		return cal_error_prefix(CAL_ERR_CONFIG, "%s:%d: %s: ", name,
					yamlx_line(n ? n : yamlx_get(m, "port")), where);
	return parse_modbus(bi, m, name, where, drv);
}

int cal_bench_parse(struct cal_bench **out, const char *text, size_t len, const char *name)
{
	static const char *const known[] = { "bench", "instruments", "description", NULL };
	struct fy_document *doc = NULL;
	struct fy_node *root, *n, *item;
	struct cal_bench *b = NULL;
	void *it = NULL;
	size_t count;
	int err;

	*out = NULL;
	err = yamlx_parse(&doc, text, len, name);
	if (err)
		return err;
	root = fy_document_root(doc);
	if (!fy_node_is_mapping(root)) {
		err = cal_error_set(
			CAL_ERR_CONFIG,
			"%s:%d: a bench file is a mapping with 'bench' and 'instruments'", name,
			yamlx_line(root));
		goto out;
	}
	err = yamlx_known_keys(root, known, name, "bench file");
	if (err)
		goto out;
	b = calloc(1, sizeof(*b));
	if (!b) {
		err = CAL_ERR_NOMEM;
		goto out;
	}
	snprintf(b->path, sizeof(b->path), "%s", name);
	err = yamlx_require(&n, root, "bench", name, "bench file");
	if (!err)
		err = yamlx_str(b->name, sizeof(b->name), n, name, "bench");
	if (!err)
		err = yamlx_require(&n, root, "instruments", name, "bench file");
	if (err)
		goto out;
	if (!fy_node_is_sequence(n) || fy_node_sequence_item_count(n) == 0) {
		err = cal_error_set(CAL_ERR_CONFIG, "%s:%d: 'instruments' must be a non-empty list",
				    name, yamlx_line(n));
		goto out;
	}
	count = (size_t)fy_node_sequence_item_count(n);
	b->instr = calloc(count, sizeof(*b->instr));
	if (!b->instr) {
		err = CAL_ERR_NOMEM;
		goto out;
	}
	while ((item = fy_node_sequence_iterate(n, &it))) {
		err = parse_instr(&b->instr[b->n], item, name, b, b->n);
		if (err)
			goto out;
		b->n++;
	}
	*out = b;
	b = NULL;
out:
	cal_bench_free(b);
	fy_document_destroy(doc);
	return err;
}

int cal_bench_load(struct cal_bench **out, const char *path)
{
	char *text;
	size_t len;
	int err;

	*out = NULL;
	err = yamlx_read_file(&text, &len, path);
	if (err)
		return err;
	err = cal_bench_parse(out, text, len, path);
	free(text);
	return err;
}

const struct cal_bench_instr *cal_bench_find(const struct cal_bench *b, const char *id)
{
	for (size_t i = 0; b && i < b->n; i++) {
		if (strcmp(b->instr[i].id, id) == 0)
			return &b->instr[i];
	}
	return NULL;
}

int cal_bench_open(struct cal_device **out, const struct cal_bench_instr *in)
{
	return cal_dev_open_opts(out, in->driver, &in->port, in->id, &in->opts);
}

void cal_bench_free(struct cal_bench *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->instr[i].map_owned);
	free(b->instr);
	free(b);
}
