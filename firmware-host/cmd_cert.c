/*
 * Documents: calbench cert show (the certificate or failure record as
 * issued) and calbench verify (what an inspector gets for a number).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/document.h"
#include "cal/json.h"
#include "cal/signing.h"
#include "cal/error.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/describe.h"
#include "cli.h"

static const char *kind_title(enum cal_cert_kind k)
{
	switch (k) {
	case CAL_CERT_VERIFICATION:
		return "VERIFICATION CERTIFICATE (Giấy chứng nhận kiểm định)";
	case CAL_CERT_CALIBRATION:
		return "CALIBRATION CERTIFICATE (Giấy chứng nhận hiệu chuẩn)";
	default:
		return "VERIFICATION FAILURE RECORD (Biên bản kiểm định: không đạt)";
	}
}

/* The JSON of a document (documents/json.c) on stdout: @d whole, else @v as verify gives it. */
static void print_json(const struct cal_certdoc *d, const struct cal_verify *v)
{
	struct cal_docout out;

	cal_docout_file(&out, stdout);
	if (d)
		cal_json_certdoc(&out, d);
	else
		cal_json_verify(&out, v);
	cal_error_clear();
}

static int lookup(struct cal_verify *v, struct cal_db *db, const char *number)
{
	struct cal_date today;

	cal_date_from_unix(&today, cal_clock_system()->wall_s(NULL));
	return cal_db_verify(v, db, number, &today);
}

/* What the document states of the run besides the measurements, when recorded. */
static void print_conditions(const struct cal_run_conditions *c)
{
	printf("Location        %s\n", c->location[0] ? c->location : "the centre's laboratory");
	if (c->received_date[0])
		printf("Received        %s\n", c->received_date);
	if (c->has_temperature || c->has_humidity) {
		printf("Conditions      ");
		if (c->has_temperature)
			printf("%.1f °C", c->temperature_c);
		if (c->has_humidity)
			printf("%s%.0f %%RH", c->has_temperature ? ", " : "", c->humidity_pct);
		putchar('\n');
	}
	if (c->checked_by[0])
		printf("Checked by      %s\n", c->checked_by);
	if (c->sticker_no[0])
		printf("Sticker         %s\n", c->sticker_no);
}

/* A run that was interrupted and resumed says so, with when and why (ISO/IEC 17025 §7.5). */
static void print_interruptions(struct cal_db *db, int64_t run_id)
{
	struct cal_run_event *ev = NULL;
	size_t n = 0;
	bool any = false;

	if (cal_db_run_events(&ev, &n, db, run_id)) {
		cal_error_clear();
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ev[i].status, "interrupted") != 0)
			continue;
		printf("%s%s, %s", any ? "\n                " : "Interrupted     ", ev[i].at,
		       ev[i].reason[0] ? ev[i].reason : "no reason recorded");
		if (i + 1 < n && strcmp(ev[i + 1].status, "running") == 0)
			printf("; resumed %s", ev[i + 1].at);
		any = true;
	}
	if (any)
		putchar('\n');
	free(ev);
}

/* A water meter, a flow meter, a dispenser: its rating and its register. */
static void print_flow_instrument(const struct cal_instrument *in)
{
	char flows[160], d[32], mmq[32];

	cal_doc_sig(d, sizeof(d), in->d);
	if (strcmp(in->kind, "water-meter") == 0) {
		cal_doc_water_flows_text(flows, sizeof(flows), in);
		printf("                water meter, class %s, %s\n                register in %s, "
		       "d = %s %s\n",
		       in->accuracy_class, flows, in->unit, d, in->unit);
		return;
	}
	cal_doc_flow_range_text(flows, sizeof(flows), in);
	if (strcmp(in->kind, "flow-meter") == 0)
		printf("                flow meter, %s, register in %s, d = %s %s, specified "
		       "accuracy %g %% of reading\n",
		       flows, in->unit, d, in->unit, in->mpe_pct_reading);
	else
		printf("                fuel dispenser, OIML R 117 class %s, %s, MMQ %s %s, d = %s "
		       "%s\n",
		       in->accuracy_class, flows, cal_doc_sig(mmq, sizeof(mmq), in->min), in->unit,
		       d, in->unit);
}

static int show(struct cli *cli, struct cal_db *db, const char *number, bool json)
{
	struct cal_certdoc *d = NULL;
	const struct cal_instrument *in;
	const struct cal_result *r;
	const struct cal_standard *s;
	const struct cal_pstandard *ps;
	const char *rule, *limits;
	struct cal_verify v;
	size_t n, ns, nps;
	int err = cal_certdoc_load(&d, db, number, NULL);

	if (err)
		return cli_fail(err, NULL);
	v = d->v;
	in = &d->v.instrument;
	r = d->results;
	s = d->weights;
	ps = d->refs;
	n = d->n_results;
	ns = d->n_weights;
	nps = d->n_refs;
	rule = d->decision_rule;
	limits = d->limits;

	if (json) {
		print_json(d, NULL);
		goto out;
	}
	if (v.cert.lab_name[0])
		printf("%s\n", v.cert.lab_name);
	if (v.cert.lab_address[0])
		printf("%s\n", v.cert.lab_address);
	if (v.cert.lab_name[0] || v.cert.lab_address[0])
		putchar('\n');
	printf("%s\nNo. %s\n\n", kind_title(v.cert.kind), v.cert.number);
	if (v.rev.number[0]) {
		printf("Revision        %d: replaces %s and every revision before it\n"
		       "                (ISO/IEC 17025 7.8.8) because: %s\n",
		       v.rev.revision, v.rev.original, v.rev.reason);
		if (v.rev.note[0])
			printf("Note            %s\n", v.rev.note);
	}
	printf("Instrument      %s %s, model %s, serial %s (register id %s)\n", in->manufacturer,
	       in->type, in->model, in->serial, in->id);
	if (cal_instrument_is_pressure(in))
		printf("                %s, class %s, scale %g..%g %s, resolution %g %s\n",
		       in->kind, in->accuracy_class[0] ? in->accuracy_class : "-", in->scale_lo,
		       in->max, in->unit, in->d, in->unit);
	else if (strcmp(in->kind, "water-meter") == 0 || strcmp(in->kind, "flow-meter") == 0 ||
		 strcmp(in->kind, "fuel-dispenser") == 0)
		print_flow_instrument(in);
	else
		printf("                accuracy class %s, Max %g %s, Min %g %s, e = %g %s, d = %g "
		       "%s\n",
		       in->accuracy_class, in->max, in->unit, in->min, in->unit, in->e, in->unit,
		       in->d, in->unit);
	printf("Owner           %s\n", in->owner);
	printf("Method          %s\n", v.run.method);
	printf("                %s: procedure %s, SHA-256 %s\n", v.run.procedure_title,
	       v.run.procedure_id, v.run.procedure_sha256);
	printf("Decision rule   %s\n", rule);
	if (limits[0])
		printf("Limits          %s\n", limits);
	if (strcmp(v.run.activity, "calibration") == 0)
		printf("Activity        calibration (at the customer's request, mode %s)\n",
		       v.run.mode);
	else
		printf("Mode            %s verification\n", v.run.mode);
	printf("Performed       %s to %s by %s\n", v.run.started_at, v.run.finished_at,
	       v.run.operator_name[0] ? v.run.operator_name : "-");
	print_conditions(&v.run.cond);
	print_interruptions(db, v.cert.run_id);
	if (v.run.dut_serial[0] || v.run.dut_model[0])
		printf("Identified as   %s, serial %s (over its interface)\n", v.run.dut_model,
		       v.run.dut_serial);
	printf("Standards       ");
	for (size_t i = 0; i < ns; i++) {
		char nom[48], cor[48], u[48], k[16];

		cal_num_format_g(nom, sizeof(nom), s[i].nominal_kg);
		/* corrections and U in mg, the unit of weight certificates */
		cal_num_format_sig(cor, sizeof(cor), s[i].correction_kg * 1e6, 6);
		cal_num_format_sig(u, sizeof(u), s[i].u_kg * 1e6, 6);
		cal_num_format_sig(k, sizeof(k), s[i].k, 4);
		printf("%s%s (%s kg, class %s, correction %s mg, U %s mg (k = %s), cert. %s, "
		       "due %s)",
		       i ? "\n                " : "", s[i].id, nom, s[i].weight_class, cor, u, k,
		       s[i].cert_no[0] ? s[i].cert_no : "-", s[i].due_date);
	}
	for (size_t i = 0; i < nps; i++) {
		char u[128], k[16];

		cal_doc_pstandard_u_text(u, sizeof(u), &ps[i]);
		cal_num_format_sig(k, sizeof(k), ps[i].k, 4);
		printf("%s%s (%s %s %s, serial %s, %g..%g %s, %s (k = %s), cert. %s, due %s)",
		       i || ns ? "\n                " : "", ps[i].id,
		       cal_doc_pstandard_kind(&ps[i]), ps[i].manufacturer, ps[i].model,
		       ps[i].serial[0] ? ps[i].serial : "-", ps[i].range_lo, ps[i].range_hi,
		       ps[i].unit, u, k, ps[i].cert_no[0] ? ps[i].cert_no : "-", ps[i].due_date);
	}
	printf("%s\n\n", ns || nps ? "" : "none");
	cli_print_results(cli, r, n);
	printf("\nResult          %s%s%s\n", v.run.verdict, v.run.fail_reason[0] ? ": " : "",
	       v.run.fail_reason);
	printf("Issued          %s\n", v.cert.issued_at);
	if (v.cert.kind == CAL_CERT_VERIFICATION)
		printf("Valid until     %s\n", v.cert.valid_until);
	if (v.cert.revoked)
		printf("REVOKED         %s: %s\n", v.cert.revoked_at, v.cert.revoke_reason);
	printf("Status today    %s%s%s\n", cal_verify_status_name(v.status),
	       v.tampered[0] ? ": " : "", v.tampered);
	if (d->sig.present)
		printf("Content         SHA-256 %s\n", d->sig.content_sha256);
	printf("Signature       %s%s\n", d->sig.key_id[0] ? "Ed25519, key " : "none",
	       d->sig.key_id);
	{
		char qr[1024];

		if (cal_certdoc_qr_text(qr, sizeof(qr), d) == CAL_OK)
			printf("QR code         %s\n", qr);
		cal_error_clear();
	}
out:
	cal_certdoc_free(d);
	return CLI_OK;
}

/* calbench cert revoke NO --reason TEXT: withdraw a document; it stays, marked revoked. */
static int revoke(struct cal_db *db, const char *number, const char *reason)
{
	struct cal_revision rev;
	struct cal_cert c;
	int err;

	if (cal_db_revision_get(&rev, db, number) == CAL_OK)
		return cli_fail(cal_error_set(CAL_ERR_REFUSED,
					      "%s is a revision of %s: revoke the original (its "
					      "revisions are revoked with it)",
					      number, rev.original),
				NULL);
	cal_error_clear();
	err = cal_db_cert_revoke(db, number, reason, cal_clock_system()->wall_s(NULL));
	if (!err)
		err = cal_db_cert_get(&c, db, number);
	if (err)
		return cli_fail(err, NULL);
	printf("%s revoked %s: %s\n", c.number, c.revoked_at, c.revoke_reason);
	return CLI_OK;
}

int cmd_cert(struct cli *cli, int argc, char **argv)
{
	bool json = false;
	const char *reason = NULL;
	const struct cli_opt opts[] = { { "json", false, NULL, &json },
					{ "reason", true, &reason, NULL },
					{ NULL, false, NULL, NULL } };
	const char *pos[2];
	struct cal_db *db = NULL;
	int npos, rc;

	if (argc > 1 && strcmp(argv[1], "export") == 0)
		return cmd_cert_export(cli, argc, argv); /* cmd_cert_export.c */
	if (argc > 1 && strcmp(argv[1], "amend") == 0)
		return cmd_cert_amend(cli, argc, argv); /* cmd_cert_amend.c */
	if (argc > 1 && strcmp(argv[1], "pdf") == 0)
		return cmd_cert_pdf(cli, argc, argv); /* cmd_cert_pdf.c */
	rc = cli_parse(argc, argv, 1, opts, pos, 2, &npos, "cert");
	if (rc)
		return rc;
	if (npos != 2 || (strcmp(pos[0], "show") != 0 && strcmp(pos[0], "revoke") != 0))
		return cli_usage("cert", "cert: expected show, revoke, pdf, export or amend, then "
					 "the NUMBER");
	if (strcmp(pos[0], "revoke") == 0 && (!reason || !reason[0]))
		return cli_usage("cert", "cert revoke: say why with --reason TEXT (it is kept and "
					 "shown to inspectors)");
	if (strcmp(pos[0], "show") == 0 && reason)
		return cli_usage("cert", "cert show: --reason goes with revoke");
	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	if (strcmp(pos[0], "revoke") == 0)
		rc = revoke(db, pos[1], reason);
	else
		rc = show(cli, db, pos[1], json);
	cal_db_close(db);
	return rc;
}

void cli_print_verify(struct cli *cli, const struct cal_verify *v, const char *number)
{
	const struct cal_instrument *in = &v->instrument;

	if (cli->json) {
		if (v->status == CAL_VERIFY_UNKNOWN) {
			fputs("{\"number\": ", stdout);
			cli_json_str(stdout, number);
			fputs(", \"status\": \"unknown\"}\n", stdout);
			return;
		}
		print_json(NULL, v);
		return;
	}
	if (v->status == CAL_VERIFY_UNKNOWN) {
		printf("%s: UNKNOWN: no certificate or record with this number was issued here\n",
		       number);
		return;
	}
	printf("%s: %s\n", v->cert.number, cal_verify_status_name(v->status));
	printf("  document    %s\n",
	       v->cert.kind == CAL_CERT_VERIFICATION ? "verification certificate"
	       : v->cert.kind == CAL_CERT_CALIBRATION
		       ? "calibration certificate (giấy chứng nhận hiệu chuẩn)"
		       : "failure record (không đạt)");
	printf("  instrument  %s%s%s%s%s, serial %s\n", in->manufacturer,
	       in->manufacturer[0] ? " " : "", in->type, in->model[0] ? ", model " : "", in->model,
	       in->serial);
	printf("  owner       %s\n", in->owner);
	if (v->imported.id && v->run.operator_name[0])
		printf("  technician  %s\n", v->run.operator_name);
	printf("  verdict     %s%s%s\n", v->run.verdict, v->run.fail_reason[0] ? ": " : "",
	       v->run.fail_reason);
	printf("  issued      %s\n", v->cert.issue_date);
	if (v->cert.valid_until[0])
		printf("  valid until %s%s\n", v->cert.valid_until,
		       v->imported.id && !v->imported.valid_until[0]
			       ? " (none recorded: its date + the interval in force then)"
			       : "");
	if (v->cert.revoked)
		printf("  revoked     %s: %s\n", v->cert.revoked_at, v->cert.revoke_reason);
	if (v->superseded_by.number[0])
		printf("  superseded  by %s, %s issued %s\n", v->superseded_by.number,
		       v->superseded_by.kind == CAL_CERT_VERIFICATION ? "a verification certificate"
		       : v->superseded_by.kind == CAL_CERT_CALIBRATION ? "a calibration certificate"
								       : "a failure record (the "
									 "instrument failed since)",
		       v->superseded_by.issue_date);
	if (v->cert.lab_name[0])
		printf("  issued by   %s\n", v->cert.lab_name);
	if (v->rev.number[0])
		printf("  amends      %s (revision %d: %s)\n", v->rev.original, v->rev.revision,
		       v->rev.reason);
	if (v->imported.id)
		printf("  imported    from %s, line %lld, on %.10s: a row of the centre's earlier "
		       "register, not measured by calbench, not signed\n",
		       v->imported.import_file, (long long)v->imported.import_row,
		       v->imported.imported_at);
	else if (v->status == CAL_VERIFY_TAMPERED)
		printf("  TAMPERED    %s: do not trust this record; the centre's signed copy or "
		       "its QR code decides\n",
		       v->tampered);
	else
		printf("  signature   %s\n", v->signed_ok
						     ? "valid (the centre's key)"
						     : "none (issued before the centre signed)");
}

/*
 * calbench verify --offline PAYLOAD --pubkey FILE: a scanned QR code checked
 * with the centre's public key alone, no database.
 */
static int verify_offline(struct cli *cli, const char *payload, const char *pubkey)
{
	struct cal_qr_payload p;
	unsigned char pk[32];
	int err = cal_qr_payload_parse(&p, payload);

	if (!err)
		err = cal_pubkey_load(pk, pubkey);
	if (err)
		return cli_fail(err, NULL);
	err = cal_qr_payload_check(&p, pk);
	/* the page the code opens must be this document's */
	if (!err && strchr(payload, '#')) {
		char enc[192], want[200];
		size_t ulen = (size_t)(strchr(payload, '#') - payload);

		if (cal_url_encode(enc, sizeof(enc), p.number) != CAL_OK)
			enc[0] = '\0';
		snprintf(want, sizeof(want), "/%s", enc);
		if (!enc[0] || ulen < strlen(want) ||
		    strncmp(payload + ulen - strlen(want), want, strlen(want)) != 0)
			err = cal_error_set(CAL_ERR_REFUSED,
					    "the code's address '%.*s' is not the page of %s: a "
					    "genuine payload on another page",
					    (int)(ulen > 120 ? 120 : ulen), payload, p.number);
		else if (!cli->json)
			printf("  opens       %.*s (the centre's address? check it)\n", (int)ulen,
			       payload);
	}
	if (cli->json) {
		fputs("{\"number\": ", stdout);
		cli_json_str(stdout, p.number);
		printf(", \"genuine\": %s, \"kind\": ", err ? "false" : "true");
		cli_json_str(stdout, p.kind);
		fputs(", \"issue_date\": ", stdout);
		cli_json_str(stdout, p.issue_date);
		fputs(", \"valid_until\": ", stdout);
		cli_json_str(stdout, p.valid_until);
		fputs(", \"serial\": ", stdout);
		cli_json_str(stdout, p.serial);
		fputs(", \"content_sha256\": ", stdout);
		cli_json_str(stdout, p.digest);
		fputs(", \"key_id\": ", stdout);
		cli_json_str(stdout, p.key_id);
		fputs("}\n", stdout);
	} else {
		printf("%s: %s\n", p.number,
		       err ? "NOT GENUINE" : "genuine (signed by the centre's key)");
		printf("  document    %s\n  serial      %s\n  issued      %s\n",
		       strcmp(p.kind, "failure") == 0 ? "failure record (không đạt)" : p.kind,
		       p.serial, p.issue_date);
		if (p.valid_until[0])
			printf("  valid until %s (status today: ask the centre: revocations are "
			       "not "
			       "in the code)\n",
			       p.valid_until);
		printf("  content     SHA-256 %s\n  key         %s\n", p.digest, p.key_id);
	}
	if (err) {
		cli_err("%s", cal_error_last());
		return CLI_VERIFY_BASE + (int)CAL_VERIFY_TAMPERED;
	}
	/* as online: a genuine failure record is not a certificate */
	return strcmp(p.kind, "failure") == 0 ? CLI_VERIFY_BASE + (int)CAL_VERIFY_FAIL_RECORD
					      : CLI_OK;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	const char *offline = NULL, *pubkey = NULL;
	const struct cli_opt opts[] = { { "json", false, NULL, &cli->json },
					{ "offline", true, &offline, NULL },
					{ "pubkey", true, &pubkey, NULL },
					{ NULL, false, NULL, NULL } };
	const char *pos[1];
	struct cal_db *db = NULL;
	struct cal_verify v;
	int npos, rc, err;

	rc = cli_parse(argc, argv, 1, opts, pos, 1, &npos, "verify");
	if (rc)
		return rc;
	if (offline || pubkey) {
		if (!offline || !pubkey || npos)
			return cli_usage("verify",
					 "verify --offline PAYLOAD --pubkey FILE: both, and "
					 "no number");
		return verify_offline(cli, offline, pubkey);
	}
	if (npos != 1)
		return cli_usage("verify", "verify: which certificate number?");
	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	err = lookup(&v, db, pos[0]);
	cal_db_close(db);
	if (err)
		return cli_fail(err, NULL);
	cli_print_verify(cli, &v, pos[0]);
	return v.status == CAL_VERIFY_VALID ? CLI_OK : CLI_VERIFY_BASE + (int)v.status;
}
