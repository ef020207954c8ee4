/*
 * The JSON rendering of a document (cal/json.h). It was the CLI's print_json
 * (cert show --json, verify --json) and prints the same bytes; the export
 * (cert export --format json) shares it.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "cal/error.h"
#include "cal/json.h"
#include "cal/num.h"
#include "cal/procedure.h"

void cal_json_str(struct cal_docout *out, const char *s)
{
	cal_docout_puts(out, "\"");
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '"':
			cal_docout_puts(out, "\\\"");
			break;
		case '\\':
			cal_docout_puts(out, "\\\\");
			break;
		case '\n':
			cal_docout_puts(out, "\\n");
			break;
		case '\r':
			cal_docout_puts(out, "\\r");
			break;
		case '\t':
			cal_docout_puts(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				cal_docout_printf(out, "\\u%04x", *p);
			else
				cal_docout_write(out, p, 1);
		}
	}
	cal_docout_puts(out, "\"");
}

void cal_json_num(struct cal_docout *out, double v, int decimals)
{
	char buf[64];

	if (!isfinite(v)) {
		cal_docout_puts(out, "null");
		return;
	}
	if (decimals >= 0)
		cal_num_format(buf, sizeof(buf), v, decimals);
	else
		cal_num_format_g(buf, sizeof(buf), v);
	cal_docout_puts(out, buf);
}

/* The document kind as JSON and the inspector's lookup name it. */
static const char *kind_json(enum cal_cert_kind k)
{
	return k == CAL_CERT_FAILURE ? "failure-record" : cal_cert_kind_name(k);
}

static void field(struct cal_docout *out, const char *key, const char *v, bool comma)
{
	cal_docout_printf(out, "%s\"%s\": ", comma ? ", " : "", key);
	cal_json_str(out, v);
}

static void num(struct cal_docout *out, const char *key, double v, int decimals)
{
	cal_docout_printf(out, ", \"%s\": ", key);
	cal_json_num(out, v, decimals);
}

static void standards(struct cal_docout *out, const struct cal_certdoc *d)
{
	const struct cal_standard *s = d->weights;
	const struct cal_pstandard *ps = d->refs;

	cal_docout_puts(out, ", \"standards\": [");
	for (size_t i = 0; i < d->n_weights; i++) {
		cal_docout_puts(out, i ? ", {" : "{");
		field(out, "id", s[i].id, false);
		field(out, "class", s[i].weight_class, true);
		num(out, "nominal_kg", s[i].nominal_kg, -1);
		num(out, "correction_kg", s[i].correction_kg, -1);
		num(out, "u_kg", s[i].u_kg, -1);
		num(out, "k", s[i].k, -1);
		field(out, "cert", s[i].cert_no, true);
		field(out, "due", s[i].due_date, true);
		cal_docout_puts(out, "}");
	}
	cal_docout_puts(out, "], \"pressure_standards\": [");
	for (size_t i = 0; i < d->n_refs; i++) {
		cal_docout_puts(out, i ? ", {" : "{");
		field(out, "id", ps[i].id, false);
		field(out, "manufacturer", ps[i].manufacturer, true);
		field(out, "model", ps[i].model, true);
		field(out, "serial", ps[i].serial, true);
		field(out, "unit", ps[i].unit, true);
		num(out, "range_lo", ps[i].range_lo, -1);
		num(out, "range_hi", ps[i].range_hi, -1);
		num(out, "u_abs", ps[i].u_abs, -1);
		num(out, "u_rel", ps[i].u_rel, -1);
		num(out, "k", ps[i].k, -1);
		field(out, "cert", ps[i].cert_no, true);
		field(out, "due", ps[i].due_date, true);
		cal_docout_puts(out, "}");
	}
	cal_docout_puts(out, "]");
}

static void results(struct cal_docout *out, const struct cal_result *r, size_t n)
{
	cal_docout_puts(out, ", \"results\": [");
	for (size_t i = 0; i < n; i++) {
		cal_docout_printf(out, "%s{\"seq\": %d", i ? ", " : "", r[i].seq);
		field(out, "test", r[i].test, true);
		field(out, "point", r[i].label, true);
		field(out, "unit", r[i].unit, true);
		num(out, "load", r[i].load, -1);
		num(out, "reference", r[i].ref, -1);
		num(out, "indication", r[i].indication, r[i].decimals);
		num(out, "error", r[i].error,
		    r[i].decimals + (r[i].reading_id ? CAL_ERROR_EXTRA_DECIMALS : 0));
		num(out, "mpe", r[i].mpe, -1);
		if (r[i].k > 0) {
			num(out, "U", r[i].u, -1);
			num(out, "k", r[i].k, -1);
			num(out, "nu_eff", isinf(r[i].nu_eff) ? NAN : r[i].nu_eff,
			    -1); /* null: infinite */
		}
		field(out, "weights", r[i].weights, true);
		field(out, "verdict", r[i].verdict, true);
		cal_docout_puts(out, "}");
	}
	cal_docout_puts(out, "]");
}

/* The record's head: number, laboratory, status, instrument, run (@rule NULL: left out). */
static void head(struct cal_docout *out, const struct cal_verify *v, const char *rule)
{
	const struct cal_cert *c = &v->cert;
	const struct cal_instrument *in = &v->instrument;
	const struct cal_run *run = &v->run;

	cal_docout_puts(out, "{");
	field(out, "number", c->number, false);
	field(out, "laboratory", c->lab_name, true);
	field(out, "laboratory_address", c->lab_address, true);
	field(out, "kind", kind_json(c->kind), true);
	field(out, "status", cal_verify_status_name(v->status), true);
	field(out, "issued_at", c->issued_at, true);
	field(out, "issue_date", c->issue_date, true);
	field(out, "valid_until", c->valid_until, true);
	cal_docout_printf(out, ", \"revoked\": %s", c->revoked ? "true" : "false");
	field(out, "revoked_at", c->revoked_at, true);
	field(out, "revoke_reason", c->revoke_reason, true);
	field(out, "superseded_by", v->superseded_by.number, true);
	field(out, "superseded_by_kind",
	      v->superseded_by.number[0] ? kind_json(v->superseded_by.kind) : "", true);
	/* signed and as issued; why not ("" when it is) */
	cal_docout_printf(out, ", \"signed\": %s", v->signed_ok ? "true" : "false");
	field(out, "tampered", v->tampered, true);
	/* a revision: the document it replaces, its number and why */
	field(out, "amends", v->rev.original, true);
	cal_docout_printf(out, ", \"revision\": %d", v->rev.number[0] ? v->rev.revision : 0);
	field(out, "amend_reason", v->rev.reason, true);
	cal_docout_puts(out, ", \"instrument\": {");
	field(out, "id", in->id, false);
	field(out, "type", in->type, true);
	field(out, "manufacturer", in->manufacturer, true);
	field(out, "model", in->model, true);
	field(out, "serial", in->serial, true);
	field(out, "owner", in->owner, true);
	field(out, "class", in->accuracy_class, true);
	field(out, "unit", in->unit, true);
	num(out, "max", in->max, -1);
	num(out, "min", in->min, -1);
	num(out, "e", in->e, -1);
	num(out, "d", in->d, -1);
	field(out, "kind", in->kind, true);
	num(out, "scale_lo", in->scale_lo, -1);
	cal_docout_puts(out, "}, \"run\": {");
	field(out, "activity", run->activity[0] ? run->activity : "verification", false);
	cal_docout_printf(out, ", \"id\": %lld", (long long)run->id);
	field(out, "procedure", run->procedure_id, true);
	field(out, "procedure_title", run->procedure_title, true);
	field(out, "method", run->method, true);
	if (rule)
		field(out, "decision_rule", rule, true);
	field(out, "procedure_sha256", run->procedure_sha256, true);
	field(out, "mode", run->mode, true);
	field(out, "operator", run->operator_name, true);
	field(out, "started_at", run->started_at, true);
	field(out, "finished_at", run->finished_at, true);
	field(out, "verdict", run->verdict, true);
	field(out, "fail_reason", run->fail_reason, true);
	field(out, "identified_model", run->dut_model, true);
	field(out, "identified_serial", run->dut_serial, true);
	/* what the document states of the run besides the measurements */
	field(out, "location", run->cond.location, true);
	field(out, "received", run->cond.received_date, true);
	if (run->cond.has_temperature)
		num(out, "temperature_c", run->cond.temperature_c, -1);
	if (run->cond.has_humidity)
		num(out, "humidity_pct", run->cond.humidity_pct, -1);
	field(out, "checked_by", run->cond.checked_by, true);
	field(out, "sticker", run->cond.sticker_no, true);
	cal_docout_puts(out, "}");
	if (v->rev.number[0])
		field(out, "amend_note", v->rev.note, true);
}

int cal_json_certdoc(struct cal_docout *out, const struct cal_certdoc *d)
{
	if (!out || !d)
		return cal_error_set(CAL_ERR_ARG, "json: bad arguments");
	head(out, &d->v, d->decision_rule);
	/* the document's integrity: its content digest, the key that signed it, its QR text */
	{
		char qr[1024];

		field(out, "content_sha256", d->sig.content_sha256, true);
		field(out, "key_id", d->sig.key_id, true);
		if (cal_certdoc_qr_text(qr, sizeof(qr), d) != CAL_OK)
			qr[0] = '\0';
		field(out, "qr", qr, true);
		field(out, "approved_by", d->centre.approver, true);
	}
	standards(out, d);
	results(out, d->results, d->n_results);
	cal_docout_puts(out, "}\n");
	return cal_docout_error(out);
}

int cal_json_verify(struct cal_docout *out, const struct cal_verify *v)
{
	if (!out || !v)
		return cal_error_set(CAL_ERR_ARG, "json: bad arguments");
	head(out, v, NULL);
	if (v->imported.id) {
		/* a row of a register brought in: where it came from */
		cal_docout_puts(out, ", \"imported\": {");
		field(out, "file", v->imported.import_file, false);
		cal_docout_printf(out, ", \"line\": %lld", (long long)v->imported.import_row);
		field(out, "imported_at", v->imported.imported_at, true);
		field(out, "result", v->imported.result, true);
		cal_docout_puts(out, "}");
	}
	cal_docout_puts(out, "}\n");
	return cal_docout_error(out);
}
