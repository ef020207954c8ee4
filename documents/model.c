/*
 * The document as one record: the certificate row as issued, its run,
 * instrument, results, the standards as they were when used, the decision
 * rule of the procedure text the run executed, the centre's settings, the
 * status on a given day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/document.h"
#include "cal/error.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/signing.h"

static void setting(char *out, size_t size, struct cal_db *db, const char *key)
{
	if (cal_db_setting_get(out, size, db, key) != CAL_OK) {
		out[0] = '\0';
		cal_error_clear();
	}
}

int cal_centre_load(struct cal_centre *out, struct cal_db *db)
{
	memset(out, 0, sizeof(*out));
	if (!db)
		return cal_error_set(CAL_ERR_ARG, "centre: bad arguments");
	setting(out->name, sizeof(out->name), db, "lab.name");
	setting(out->address, sizeof(out->address), db, "lab.address");
	setting(out->place, sizeof(out->place), db, "lab.place");
	setting(out->phone, sizeof(out->phone), db, "lab.phone");
	setting(out->email, sizeof(out->email), db, "lab.email");
	setting(out->logo, sizeof(out->logo), db, "lab.logo");
	setting(out->approver, sizeof(out->approver), db, "lab.approver");
	setting(out->approver_title, sizeof(out->approver_title), db, "lab.approver_title");
	setting(out->accreditation, sizeof(out->accreditation), db, "lab.accreditation");
	setting(out->verify_url, sizeof(out->verify_url), db, "verify.base_url");
	return CAL_OK;
}

const char *cal_certdoc_title_en(enum cal_cert_kind k)
{
	switch (k) {
	case CAL_CERT_VERIFICATION:
		return "VERIFICATION CERTIFICATE";
	case CAL_CERT_CALIBRATION:
		return "CALIBRATION CERTIFICATE";
	default:
		return "VERIFICATION FAILURE RECORD";
	}
}

const char *cal_certdoc_title_vi(enum cal_cert_kind k)
{
	switch (k) {
	case CAL_CERT_VERIFICATION:
		return "GIẤY CHỨNG NHẬN KIỂM ĐỊNH";
	case CAL_CERT_CALIBRATION:
		return "GIẤY CHỨNG NHẬN HIỆU CHUẨN";
	default:
		return "BIÊN BẢN KIỂM ĐỊNH (KHÔNG ĐẠT)";
	}
}

/* The decision rule of the procedure the run executed (its stored text). */
static void decision_rule(char *buf, size_t size, char *limits, size_t lsize, struct cal_db *db,
			  int64_t run_id, const char *mode)
{
	struct cal_procedure *p = NULL;
	char *text = NULL;
	double f;

	snprintf(buf, size, "%s", CAL_PROC_DEFAULT_DECISION_RULE);
	limits[0] = '\0';
	if (cal_db_run_procedure_text(&text, db, run_id) == CAL_OK &&
	    cal_procedure_parse(&p, text, strlen(text), "procedure of the run") == CAL_OK) {
		char fb[32], rb[32];

		snprintf(buf, size, "%s", p->decision_rule);
		/* what the procedure file set: an edited file shows here, not only in its hash */
		if (p->pressure) {
			cal_num_format_sig(rb, sizeof(rb), p->pr.adequacy_ratio, 4);
			snprintf(limits, lsize, "MPE %s; %s",
				 p->pr.mpe_rule == CAL_PMPE_EN837 ? "= class % of span (EN 837-1 "
								    "Table 11)"
				 : p->pr.mpe_rule == CAL_PMPE_DIGITAL
					 ? "= a % of |p| + b % of span + n digits"
					 : "= accuracy % of the 16 mA span",
				 p->pr.adequacy_ratio > 0 ? "reference U <= " : "U per point, GUM");
			if (p->pr.adequacy_ratio > 0)
				snprintf(limits + strlen(limits), lsize - strlen(limits),
					 "%s x MPE at every point", rb);
		} else if (p->water) {
			const struct cal_water_proc *wr = &p->wr;
			bool cal = strcmp(wr->activity, "calibration") == 0;

			cal_num_format_sig(rb, sizeof(rb), wr->adequacy_ratio, 4);
			if (cal)
				snprintf(limits, lsize,
					 "E and U (GUM) at each flow rate from %d runs or more, "
					 "against the specified accuracy %s",
					 wr->points[0].runs,
					 strcmp(p->instrument_kind, "water-meter") == 0
						 ? "(the MPE of the zone, OIML R 49-1)"
						 : "(% of reading, the maker's)");
			else if (strcmp(p->instrument_kind, "fuel-dispenser") == 0)
				snprintf(limits, lsize,
					 "MPE = class %% of the volume (OIML R 117-1 Table 2, line "
					 "A), at least Emin = 2 x MMQ x class/100");
			else
				snprintf(limits, lsize,
					 "MPE by zone (OIML R 49-1): Q1 <= Q < Q2 ±5 %% (class 1: "
					 "±3 %%), Q2 <= Q <= Q4 ±2 %% (class 1: ±1 %%), water at "
					 "%g °C",
					 wr->water_t_c);
			if (!cal && wr->adequacy_ratio > 0)
				snprintf(limits + strlen(limits), lsize - strlen(limits),
					 "; reference U <= %s x MPE at every point", rb);
		} else if (cal_procedure_mpe_factor(&f, p, mode) == CAL_OK) {
			cal_num_format_sig(fb, sizeof(fb), f, 6);
			cal_num_format_sig(rb, sizeof(rb), p->adequacy_ratio, 4);
			snprintf(limits, lsize,
				 "MPE = %s x the initial-verification MPE of R 76-1 Table 6 (%s "
				 "verification); standards: sum of their MPEs <= %s x MPE",
				 fb, mode, rb);
		}
	}
	cal_procedure_free(p);
	free(text);
	cal_error_clear();
}

/*
 * What the document kept of the day of its issue replaces today's settings:
 * a reprint shows who authorised it then (documents before schema v5 keep
 * today's).
 */
static int frozen_centre(struct cal_centre *c, struct cal_db *db, const char *number)
{
	struct cal_cert_issue is;
	int err = cal_db_cert_issue_get(&is, db, number);

	if (err || !is.present)
		return err;
	snprintf(c->approver, sizeof(c->approver), "%s", is.approver);
	snprintf(c->approver_title, sizeof(c->approver_title), "%s", is.approver_title);
	snprintf(c->place, sizeof(c->place), "%s", is.place);
	snprintf(c->accreditation, sizeof(c->accreditation), "%s", is.accreditation);
	snprintf(c->verify_url, sizeof(c->verify_url), "%s", is.verify_url);
	return CAL_OK;
}

void cal_certdoc_free(struct cal_certdoc *d)
{
	if (!d)
		return;
	free(d->results);
	free(d->weights);
	free(d->refs);
	free(d);
}

int cal_certdoc_load(struct cal_certdoc **out, struct cal_db *db, const char *number,
		     const struct cal_date *today)
{
	struct cal_certdoc *d;
	struct cal_date now;
	int err;

	*out = NULL;
	if (!db || !number)
		return cal_error_set(CAL_ERR_ARG, "document: bad arguments");
	d = calloc(1, sizeof(*d));
	if (!d)
		return cal_error_set(CAL_ERR_NOMEM, "document: out of memory");
	if (!today) {
		cal_date_from_unix(&now, cal_clock_system()->wall_s(NULL));
		today = &now;
	}
	err = cal_db_verify(&d->v, db, number, today);
	if (!err && d->v.status == CAL_VERIFY_UNKNOWN)
		err = cal_error_set(CAL_ERR_NOTFOUND, "no certificate or record numbered '%s'",
				    number);
	/* a row of an imported register has no run, readings or signature to render */
	if (!err && d->v.imported.id)
		err = cal_error_set(CAL_ERR_STATE,
				    "'%s' is an imported register row (from %s, line %lld): "
				    "calbench has no document of it to render",
				    d->v.cert.number, d->v.imported.import_file,
				    (long long)d->v.imported.import_row);
	if (!err)
		err = cal_db_result_list(&d->results, &d->n_results, db, d->v.cert.run_id);
	if (!err)
		err = cal_db_run_standards(&d->weights, &d->n_weights, db, d->v.cert.run_id);
	if (!err)
		err = cal_db_run_pstandards(&d->refs, &d->n_refs, db, d->v.cert.run_id);
	if (!err)
		err = cal_centre_load(&d->centre, db);
	if (!err)
		err = cal_db_cert_signature(&d->sig, db, d->v.cert.number);
	if (!err)
		err = frozen_centre(&d->centre, db,
				    d->v.rev.number[0] ? d->v.rev.original : d->v.cert.number);
	if (err) {
		cal_certdoc_free(d);
		return err;
	}
	decision_rule(d->decision_rule, sizeof(d->decision_rule), d->limits, sizeof(d->limits), db,
		      d->v.cert.run_id, d->v.run.mode);
	if (d->centre.verify_url[0]) {
		char enc[192];

		if (cal_url_encode(enc, sizeof(enc), d->v.cert.number) == CAL_OK)
			snprintf(d->url, sizeof(d->url), "%s%s", d->centre.verify_url, enc);
		cal_error_clear();
	}
	*out = d;
	return CAL_OK;
}

int cal_certdoc_payload(char *out, size_t size, const struct cal_certdoc *d)
{
	const struct cal_cert_sig *sg = &d->sig;
	char msg[512];
	int n, rc;

	out[0] = '\0';
	if (!sg->present || !sg->key_id[0])
		return CAL_OK; /* issued unsigned */
	rc = cal_cert_sign_message(msg, sizeof(msg), d->v.cert.number,
				   cal_cert_kind_name(d->v.cert.kind), d->v.cert.issue_date,
				   d->v.cert.valid_until, d->v.instrument.serial,
				   sg->content_sha256);
	if (rc)
		return rc;
	n = snprintf(out, size, "%s|%s|%s", msg, sg->key_id, sg->signature);
	if (n < 0 || (size_t)n >= size)
		return cal_error_set(CAL_ERR_ARG, "%s: the payload does not fit", d->v.cert.number);
	return CAL_OK;
}

int cal_certdoc_qr_text(char *out, size_t size, const struct cal_certdoc *d)
{
	char payload[640], enc[1024];
	int n, rc = cal_certdoc_payload(payload, sizeof(payload), d);

	if (rc)
		return rc;
	if (d->url[0] && payload[0]) {
		rc = cal_url_encode(enc, sizeof(enc), payload);
		if (rc)
			return rc;
		n = snprintf(out, size, "%s#%s", d->url, enc);
	} else if (d->url[0]) {
		n = snprintf(out, size, "%s", d->url);
	} else if (payload[0]) {
		n = snprintf(out, size, "%s", payload);
	} else {
		n = snprintf(out, size, "calbench:%s", d->v.cert.number);
	}
	if (n < 0 || (size_t)n >= size)
		return cal_error_set(CAL_ERR_ARG, "%s: the QR text does not fit", d->v.cert.number);
	return CAL_OK;
}
