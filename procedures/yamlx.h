/*
 * Small helpers over libfyaml for the file loaders: line numbers of nodes,
 * typed scalar access with messages that name file, line and field.
 * Private to procedures/.
 */
#ifndef CAL_PROCEDURES_YAMLX_H
#define CAL_PROCEDURES_YAMLX_H

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>

/* Parse YAML text quietly; on a syntax error set "name:line:col: message". */
int yamlx_parse(struct fy_document **out, const char *text, size_t len, const char *name);
/* 1-based line of a node (scalar: its token; collection: its first item), 0 if unknown. */
int yamlx_line(struct fy_node *n);
/* Copy a scalar into buf. CAL_ERR_CONFIG if not a scalar or too long. */
int yamlx_str(char *buf, size_t size, struct fy_node *n, const char *name, const char *field);
/* A number ('.' decimal point, locale-independent). */
int yamlx_num(double *out, struct fy_node *n, const char *name, const char *field);
int yamlx_int(int *out, struct fy_node *n, const char *name, const char *field, int lo, int hi);
/* Required mapping key: CAL_ERR_CONFIG naming the key and the mapping's line when missing. */
struct fy_node *yamlx_get(struct fy_node *map, const char *key);
int yamlx_require(struct fy_node **out, struct fy_node *map, const char *key, const char *name,
		  const char *where);
/*
 * Check that every key of @map is in the NULL-terminated @known list, so a
 * misspelt field is reported rather than ignored.
 */
int yamlx_known_keys(struct fy_node *map, const char *const *known, const char *name,
		     const char *where);
/* Read a whole file (NUL-terminated, malloc'ed). */
int yamlx_read_file(char **out, size_t *len, const char *path);

#endif
