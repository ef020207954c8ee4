/*
 * Documents: a certificate, calibration certificate or failure record as one
 * record (struct cal_certdoc), assembled from the database as issued, for
 * every rendering of it: the terminal (calbench cert show), PDF, the DCC and
 * JSON exports, the verification service. Everything a document prints comes
 * from here, so the PDF and the DCC cannot say different things.
 */
#ifndef CAL_DOCUMENTS_DOCUMENT_H
#define CAL_DOCUMENTS_DOCUMENT_H

#include <stddef.h>

#include "cal/clock.h"
#include "cal/db.h"

/*
 * The centre as the document shows it: the approver, place, accreditation
 * and verification address as they were on the day of issue (cert_issue),
 * the rest (phone, e-mail, logo) as configured now; the name and address
 * printed are the ones frozen on the certificate row (cert.lab_name,
 * cert.lab_address). cal_centre_load() reads today's settings.
 */
struct cal_centre {
	char name[128];		 /* lab.name */
	char address[256];	 /* lab.address */
	char place[64];		 /* lab.place: "Quảng Ngãi" in "Quảng Ngãi, ngày ..." */
	char phone[64];		 /* lab.phone */
	char email[96];		 /* lab.email */
	char logo[256];		 /* lab.logo: a PNG file, "" = none */
	char approver[96];	 /* lab.approver: who authorises documents (§7.8.2.1 o) */
	char approver_title[96]; /* lab.approver_title: "Giám đốc / Director" */
	char accreditation[96];	 /* lab.accreditation: "VILAS 123", "" = none */
	char verify_url[192];	 /* verify.base_url: "https://kd.example.vn/verify/" */
};

/* Read the settings (missing ones are ""). */
int cal_centre_load(struct cal_centre *out, struct cal_db *db);

struct cal_certdoc {
	struct cal_verify v; /* the certificate, its run, instrument and status today */
	struct cal_result *results;
	size_t n_results;
	struct cal_standard *weights; /* the weights used, as when used */
	size_t n_weights;
	struct cal_pstandard *refs; /* references with a range (pressure, flow, volume) */
	size_t n_refs;
	char decision_rule[256]; /* the procedure's, as run */
	char limits[320];	 /* what the procedure file set: MPE rule, adequacy */
	struct cal_centre centre;
	char url[256]; /* centre.verify_url + number (percent-encoded), "" when no base URL */
	struct cal_cert_sig sig; /* its digest and signature, as issued (sig.present false: none) */
};

/*
 * Assemble the document numbered @number (whitespace normalised as
 * cal_db_cert_get does) with its status on @today (NULL: the system clock's
 * date). CAL_ERR_NOTFOUND with a message naming the number for an unknown one.
 * Free with cal_certdoc_free().
 */
int cal_certdoc_load(struct cal_certdoc **out, struct cal_db *db, const char *number,
		     const struct cal_date *today);
void cal_certdoc_free(struct cal_certdoc *d);

/*
 * The signed payload of a signed document (cal/signing.h), "" when it was
 * issued unsigned.
 */
int cal_certdoc_payload(char *out, size_t size, const struct cal_certdoc *d);

/*
 * What the QR code of the document carries: URL#payload (percent-encoded)
 * when verify.base_url is set and the document is signed; the URL alone when
 * unsigned; the payload alone without a URL; "calbench:NUMBER" when neither.
 * CAL_ERR_ARG when it does not fit (1024 bytes are always enough).
 */
int cal_certdoc_qr_text(char *out, size_t size, const struct cal_certdoc *d);

/* "VERIFICATION CERTIFICATE" and its Vietnamese title, by kind. */
const char *cal_certdoc_title_en(enum cal_cert_kind k);
const char *cal_certdoc_title_vi(enum cal_cert_kind k);

#endif
