/*
 * The verification service's text: number checks, escaping, and the HTML
 * page and JSON object of an inspector's answer (cal/service_text.h).
 *
 * The page is meant for a phone that scanned the QR code of a certificate:
 * one column, system fonts, an inline style (the Content-Security-Policy
 * allows inline styles and nothing else), no script, no image, no link to
 * anything outside the service. Every label is given in Vietnamese, then in
 * English. Every value from the database goes through
 * cal_service_html_escape() or cal_service_json_str().
 */
#include "cal/service_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "cal/error.h"

/* ---- buffer ----------------------------------------------------------------- */

void cal_service_buf_free(struct cal_service_buf *b)
{
	if (!b)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int grow(struct cal_service_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return CAL_ERR_NOMEM;
	if (more > SIZE_MAX - b->len - 1)
		goto fail;
	need = b->len + more + 1;
	if (need <= b->cap)
		return CAL_OK;
	cap = b->cap ? b->cap : 1024;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return CAL_OK;
fail:
	b->failed = true;
	return cal_error_set(CAL_ERR_NOMEM, "out of memory for a page");
}

int cal_service_buf_add(struct cal_service_buf *b, const char *s, size_t n)
{
	int rc = grow(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return CAL_OK;
}

int cal_service_buf_puts(struct cal_service_buf *b, const char *s)
{
	return cal_service_buf_add(b, s ? s : "", s ? strlen(s) : 0);
}

int cal_service_buf_printf(struct cal_service_buf *b, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return cal_error_set(CAL_ERR_ARG, "bad format");
	if ((size_t)n < sizeof(small))
		return cal_service_buf_add(b, small, (size_t)n);
	rc = grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CAL_OK;
}

/* ---- escaping --------------------------------------------------------------- */

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/*
 * Length of the well-formed UTF-8 sequence at @s (1..4), or 0 when the bytes
 * there are not one (overlong forms, surrogates, beyond U+10FFFF, cut
 * short). @s points at a non-NUL byte.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
			return 0;
		return 4;
	}
	return 0;
}

int cal_service_html_escape(struct cal_service_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s)
		return b->failed ? CAL_ERR_NOMEM : CAL_OK;
	while (*p) {
		switch (*p) {
		case '&':
			cal_service_buf_puts(b, "&amp;");
			p++;
			continue;
		case '<':
			cal_service_buf_puts(b, "&lt;");
			p++;
			continue;
		case '>':
			cal_service_buf_puts(b, "&gt;");
			p++;
			continue;
		case '"':
			cal_service_buf_puts(b, "&quot;");
			p++;
			continue;
		case '\'':
			cal_service_buf_puts(b, "&#39;");
			p++;
			continue;
		default:
			break;
		}
		if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F) {
			p++;
			continue;
		}
		n = utf8_len(p);
		if (!n) {
			cal_service_buf_puts(b, REPLACEMENT);
			p++;
			continue;
		}
		cal_service_buf_add(b, (const char *)p, n);
		p += n;
	}
	return b->failed ? CAL_ERR_NOMEM : CAL_OK;
}

int cal_service_json_str(struct cal_service_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n;

	cal_service_buf_add(b, "\"", 1);
	while (*p) {
		switch (*p) {
		case '"':
			cal_service_buf_puts(b, "\\\"");
			break;
		case '\\':
			cal_service_buf_puts(b, "\\\\");
			break;
		case '\n':
			cal_service_buf_puts(b, "\\n");
			break;
		case '\r':
			cal_service_buf_puts(b, "\\r");
			break;
		case '\t':
			cal_service_buf_puts(b, "\\t");
			break;
		case '<':
		case '>':
		case '&':
			cal_service_buf_printf(b, "\\u%04x", *p);
			break;
		default:
			if (*p < 0x20 || *p == 0x7F) {
				cal_service_buf_printf(b, "\\u%04x", *p);
				break;
			}
			n = utf8_len(p);
			if (!n) {
				cal_service_buf_puts(b, REPLACEMENT);
				break;
			}
			cal_service_buf_add(b, (const char *)p, n);
			p += n;
			continue;
		}
		p++;
	}
	cal_service_buf_add(b, "\"", 1);
	return b->failed ? CAL_ERR_NOMEM : CAL_OK;
}

int cal_service_url_escape(struct cal_service_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/()", *p)) {
			cal_service_buf_add(b, (const char *)p, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[*p >> 4];
		e[2] = hex[*p & 15];
		cal_service_buf_add(b, e, 3);
	}
	return b->failed ? CAL_ERR_NOMEM : CAL_OK;
}

/* ---- numbers and addresses -------------------------------------------------- */

static bool is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int cal_service_number_check(const char *s)
{
	size_t n;

	if (!s || !s[0])
		return cal_error_set(CAL_ERR_ARG, "no certificate number");
	n = strnlen(s, CAL_SERVICE_NUMBER_MAX + 1);
	if (n > CAL_SERVICE_NUMBER_MAX)
		return cal_error_set(CAL_ERR_ARG, "a certificate number has at most %d characters",
				     CAL_SERVICE_NUMBER_MAX);
	if (!is_alnum((unsigned char)s[0]))
		return cal_error_set(CAL_ERR_ARG,
				     "a certificate number starts with a letter or a digit");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum(c) && !strchr(" ._/()-", c))
			return cal_error_set(CAL_ERR_ARG,
					     "a certificate number has only letters, digits, "
					     "spaces and . _ / ( ) -");
	}
	if (strstr(s, "..") || strstr(s, "//"))
		return cal_error_set(CAL_ERR_ARG, "a certificate number has no '..' or '//'");
	return CAL_OK;
}

int cal_service_parse_listen(char *host, size_t host_size, uint16_t *port, const char *s)
{
	const char *colon, *h, *p;
	unsigned char a[16];
	size_t hlen;
	char *end;
	unsigned long v;

	if (host && host_size)
		host[0] = '\0';
	if (port)
		*port = 0;
	if (!host || host_size == 0 || !port || !s)
		return cal_error_set(CAL_ERR_ARG, "listen address: bad arguments");
	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return cal_error_set(CAL_ERR_ARG,
					     "listen address '%s': expected [IPV6]:PORT", s);
		h = s + 1;
		hlen = (size_t)(colon - h);
		p = colon + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return cal_error_set(CAL_ERR_ARG,
					     "listen address '%s': expected HOST:PORT, [IPV6]:PORT "
					     "or :PORT",
					     s);
		h = s;
		hlen = (size_t)(colon - s);
		p = colon + 1;
		if (hlen == 0) {
			h = "127.0.0.1";
			hlen = strlen(h);
		}
	}
	if (hlen == 0 || hlen >= host_size)
		return cal_error_set(CAL_ERR_ARG, "listen address '%s': bad host", s);
	if (p[0] < '0' || p[0] > '9')
		return cal_error_set(CAL_ERR_ARG, "listen address '%s': bad port", s);
	v = strtoul(p, &end, 10);
	if (*end || v > 65535 || end - p > 5)
		return cal_error_set(CAL_ERR_ARG, "listen address '%s': bad port", s);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1) {
		host[0] = '\0';
		return cal_error_set(CAL_ERR_ARG,
				     "listen address '%s': the host must be a numeric IPv4 or IPv6 "
				     "address (127.0.0.1, 0.0.0.0, [::1], [::])",
				     s);
	}
	*port = (uint16_t)v;
	return CAL_OK;
}

/* ---- what the answer says --------------------------------------------------- */

struct label {
	const char *vi;
	const char *en;
	const char *css; /* "ok", "warn" or "bad": the colour of the banner */
};

/*
 * The banner of each status. A status this file does not know yet (the
 * enum is append-only) is shown as a document that cannot be vouched for,
 * in red, with cal_verify_status_name() as its English text: a new status
 * is never shown as valid by mistake.
 */
static struct label status_label(enum cal_verify_status s)
{
	switch (s) {
	case CAL_VERIFY_VALID:
		return (struct label){ "Còn hiệu lực", "Valid", "ok" };
	case CAL_VERIFY_EXPIRED:
		return (struct label){ "Hết hiệu lực", "Expired", "warn" };
	case CAL_VERIFY_REVOKED:
		return (struct label){ "Đã bị thu hồi", "Revoked", "bad" };
	case CAL_VERIFY_FAIL_RECORD:
		return (struct label){ "Không đạt", "Failed: failure record", "bad" };
	case CAL_VERIFY_UNKNOWN:
		return (struct label){ "Không tìm thấy", "Unknown number", "bad" };
	case CAL_VERIFY_SUPERSEDED:
		return (struct label){ "Đã được thay thế", "Superseded", "warn" };
	case CAL_VERIFY_TAMPERED:
		return (struct label){ "Bị sửa đổi", "Tampered", "bad" };
	default:
		return (struct label){ "Không xác nhận được", cal_verify_status_name(s), "bad" };
	}
}

/* What the status means, one sentence in each language. */
static struct label status_note(enum cal_verify_status s)
{
	switch (s) {
	case CAL_VERIFY_VALID:
		return (struct label){ "Tài liệu do đơn vị cấp và đang có hiệu lực.",
				       "This document was issued here and is in force.", NULL };
	case CAL_VERIFY_EXPIRED:
		return (struct label){ "Tài liệu đã quá thời hạn hiệu lực.",
				       "This document is past its validity date.", NULL };
	case CAL_VERIFY_REVOKED:
		return (struct label){ "Tài liệu đã bị thu hồi và không còn giá trị.",
				       "This document was withdrawn and is void.", NULL };
	case CAL_VERIFY_FAIL_RECORD:
		return (struct label){ "Phương tiện đo không đạt yêu cầu: đây là biên bản, không "
				       "phải giấy chứng nhận.",
				       "The instrument failed: this is a failure record, not a "
				       "certificate.",
				       NULL };
	case CAL_VERIFY_UNKNOWN:
		return (struct label){ "Không có giấy chứng nhận hay biên bản nào mang số này.",
				       "No certificate or record with this number was issued here.",
				       NULL };
	case CAL_VERIFY_SUPERSEDED:
		return (struct label){ "Đã có tài liệu mới hơn cho phương tiện đo này.",
				       "A later document of the same instrument replaces it.",
				       NULL };
	case CAL_VERIFY_TAMPERED:
		return (struct label){ "Hồ sơ lưu trữ không còn khớp với tài liệu đã cấp: không "
				       "tin cậy hồ sơ này, hãy liên hệ đơn vị cấp.",
				       "What is stored no longer matches what was issued: do not "
				       "trust this record; ask the issuing centre.",
				       NULL };
	default:
		return (struct label){ "Không thể xác nhận tài liệu này.",
				       "This document cannot be vouched for.", NULL };
	}
}

static struct label kind_label(enum cal_cert_kind k)
{
	switch (k) {
	case CAL_CERT_VERIFICATION:
		return (struct label){ "Giấy chứng nhận kiểm định", "Verification certificate",
				       NULL };
	case CAL_CERT_CALIBRATION:
		return (struct label){ "Giấy chứng nhận hiệu chuẩn", "Calibration certificate",
				       NULL };
	default:
		return (struct label){ "Biên bản kiểm định (không đạt)",
				       "Verification failure record", NULL };
	}
}

static struct label mode_label(const char *mode)
{
	if (strcmp(mode, "initial") == 0)
		return (struct label){ "Ban đầu", "Initial", NULL };
	if (strcmp(mode, "periodic") == 0)
		return (struct label){ "Định kỳ", "Periodic", NULL };
	if (strcmp(mode, "after-repair") == 0)
		return (struct label){ "Sau sửa chữa", "After repair", NULL };
	return (struct label){ NULL, mode, NULL };
}

static struct label verdict_label(const char *verdict)
{
	if (strcmp(verdict, "PASS") == 0)
		return (struct label){ "Đạt", "Pass", NULL };
	if (strcmp(verdict, "FAIL") == 0)
		return (struct label){ "Không đạt", "Fail", NULL };
	return (struct label){ NULL, verdict, NULL };
}

static bool is_calibration(const struct cal_verify *v)
{
	return v->cert.kind == CAL_CERT_CALIBRATION || strcmp(v->run.activity, "calibration") == 0;
}

/* "kind", as `calbench verify --json` names it. */
static const char *kind_json(enum cal_cert_kind k)
{
	return k == CAL_CERT_FAILURE ? "failure-record" : cal_cert_kind_name(k);
}

/* ---- HTML ------------------------------------------------------------------- */

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<meta name=\"robots\" content=\"noindex, nofollow\">\n"
	"<meta name=\"referrer\" content=\"no-referrer\">\n"
	"<title>";

static const char html_style[] =
	"</title>\n<style>\n"
	"body{margin:0;background:#f3f4f6;color:#111;line-height:1.4;"
	"font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",Arial,sans-serif}\n"
	"main{max-width:36rem;margin:0 auto;padding:1rem}\n"
	"h1{font-size:1.15rem;margin:.25rem 0 1rem}\n"
	".en{color:#555;font-weight:400}\n"
	".st{border-radius:.5rem;padding:.9rem 1rem;color:#fff;margin:0 0 1rem}\n"
	".st strong{display:block;font-size:1.5rem;text-transform:uppercase}\n"
	".st .en{color:#fff;opacity:.9}\n"
	".st p{margin:.4rem 0 0;font-size:.95rem}\n"
	".ok{background:#146c2e}.warn{background:#9a4f00}.bad{background:#a4161a}\n"
	"dl{background:#fff;border-radius:.5rem;padding:.25rem 1rem .75rem;margin:0 0 1rem}\n"
	"dt{font-size:.8rem;color:#555;margin-top:.6rem}\n"
	"dd{margin:0;font-weight:600;overflow-wrap:anywhere}\n"
	"dd .en{font-size:.9rem}\n"
	"footer{font-size:.8rem;color:#555}\n"
	"a{color:#0b57d0}\n"
	"</style>\n</head>\n<body>\n<main>\n"
	"<h1>Tra cứu giấy chứng nhận <span class=\"en\">/ Certificate check</span></h1>\n";

static const char html_foot[] =
	"<footer><p>Trang này chỉ hiển thị những thông tin cần cho việc kiểm tra; "
	"kết quả đo và thông tin liên hệ không được công bố.<br><span class=\"en\">This page "
	"shows what an inspector needs; readings and contact details are not "
	"published.</span></p></footer>\n</main>\n</body>\n</html>\n";

/* "<dt>vi <span class=en>/ en</span></dt>" */
static void dt(struct cal_service_buf *b, const char *vi, const char *en)
{
	cal_service_buf_puts(b, "<dt>");
	cal_service_buf_puts(b, vi);
	cal_service_buf_puts(b, " <span class=\"en\">/ ");
	cal_service_buf_puts(b, en);
	cal_service_buf_puts(b, "</span></dt>\n");
}

/* A row whose value is text from the database (escaped); skipped when empty. */
static void row_text(struct cal_service_buf *b, const char *vi, const char *en, const char *value)
{
	if (!value || !value[0])
		return;
	dt(b, vi, en);
	cal_service_buf_puts(b, "<dd>");
	cal_service_html_escape(b, value);
	cal_service_buf_puts(b, "</dd>\n");
}

/* A row whose value is one of ours, in both languages (@l.vi NULL: only @l.en, escaped). */
static void row_label(struct cal_service_buf *b, const char *vi, const char *en, struct label l)
{
	if (!l.en || !l.en[0])
		return;
	dt(b, vi, en);
	cal_service_buf_puts(b, "<dd>");
	if (l.vi) {
		cal_service_buf_puts(b, l.vi);
		cal_service_buf_puts(b, " <span class=\"en\">/ ");
		cal_service_buf_puts(b, l.en);
		cal_service_buf_puts(b, "</span>");
	} else {
		cal_service_html_escape(b, l.en);
	}
	cal_service_buf_puts(b, "</dd>\n");
}

/* The date part of an ISO 8601 time, "" when there is none. */
static void date_of(char out[11], const char *iso)
{
	size_t n = strnlen(iso, 10);

	memcpy(out, iso, n);
	out[n] = '\0';
}

static void html_document(struct cal_service_buf *b, const struct cal_verify *v)
{
	const struct cal_instrument *in = &v->instrument;
	const struct cal_cert *c = &v->cert;
	char make[200], day[11];
	bool cal = is_calibration(v);

	cal_service_buf_puts(b, "<dl>\n");
	row_text(b, "Số", "Number", c->number);
	row_label(b, "Loại tài liệu", "Document", kind_label(c->kind));
	row_text(b, "Phương tiện đo", "Instrument", in->type);
	snprintf(make, sizeof(make), "%s%s%s", in->manufacturer,
		 in->manufacturer[0] && in->model[0] ? " " : "", in->model);
	row_text(b, "Hãng sản xuất, kiểu", "Manufacturer, model", make);
	row_text(b, "Số sản xuất", "Serial number", in->serial);
	row_text(b, "Cấp chính xác", "Accuracy class", in->accuracy_class);
	row_text(b, "Cơ sở sử dụng", "Owner", in->owner);
	row_text(b, "Phương pháp", "Method", v->run.method);
	if (cal)
		row_label(b, "Hoạt động", "Activity",
			  (struct label){ "Hiệu chuẩn", "Calibration", NULL });
	else
		row_label(b, "Hình thức kiểm định", "Verification", mode_label(v->run.mode));
	date_of(day, v->run.finished_at);
	if (cal)
		row_text(b, "Ngày hiệu chuẩn", "Date of calibration", day);
	else
		row_text(b, "Ngày kiểm định", "Date of verification", day);
	row_text(b, "Ngày cấp", "Date of issue", c->issue_date);
	row_text(b, "Có hiệu lực đến", "Valid until", c->valid_until);
	row_label(b, cal ? "Kết luận" : "Kết quả", cal ? "Conformity" : "Result",
		  verdict_label(v->run.verdict));
	if (c->revoked) {
		dt(b, "Thu hồi", "Revoked");
		cal_service_buf_puts(b, "<dd>");
		date_of(day, c->revoked_at);
		cal_service_html_escape(b, day);
		if (c->revoke_reason[0]) {
			cal_service_buf_puts(b, ": ");
			cal_service_html_escape(b, c->revoke_reason);
		}
		cal_service_buf_puts(b, "</dd>\n");
	}
	if (v->superseded_by.number[0]) {
		struct label k = kind_label(v->superseded_by.kind);

		dt(b, "Được thay thế bởi", "Superseded by");
		cal_service_buf_puts(b, "<dd><a href=\"/verify/");
		cal_service_url_escape(b, v->superseded_by.number);
		cal_service_buf_puts(b, "\">");
		cal_service_html_escape(b, v->superseded_by.number);
		cal_service_buf_puts(b, "</a> <span class=\"en\">(");
		cal_service_buf_puts(b, k.vi);
		cal_service_buf_puts(b, " / ");
		cal_service_buf_puts(b, k.en);
		cal_service_buf_puts(b, ", ");
		cal_service_html_escape(b, v->superseded_by.issue_date);
		cal_service_buf_puts(b, ")</span></dd>\n");
	}
	if (v->imported.id)
		row_label(b, "Nguồn", "Source",
			  (struct label){ "Nhập từ sổ theo dõi cũ (không đo bằng calbench, "
					  "không ký số)",
					  "Imported from the centre's earlier register (not "
					  "measured by calbench, not signed)",
					  NULL });
	else if (v->status != CAL_VERIFY_TAMPERED)
		row_label(b, "Chữ ký số", "Digital signature",
			  v->signed_ok ? (struct label){ "Hợp lệ (khóa của đơn vị cấp)",
							 "Valid (the centre's key)", NULL }
				       : (struct label){ "Không có (cấp trước khi đơn vị ký số)",
							 "None (issued before the centre signed)",
							 NULL });
	if (c->lab_name[0] || c->lab_address[0]) {
		dt(b, "Đơn vị cấp", "Issued by");
		cal_service_buf_puts(b, "<dd>");
		cal_service_html_escape(b, c->lab_name);
		if (c->lab_name[0] && c->lab_address[0])
			cal_service_buf_puts(b, "<br><span class=\"en\">");
		cal_service_html_escape(b, c->lab_address);
		if (c->lab_name[0] && c->lab_address[0])
			cal_service_buf_puts(b, "</span>");
		cal_service_buf_puts(b, "</dd>\n");
	}
	cal_service_buf_puts(b, "</dl>\n");
}

int cal_service_render_html(struct cal_service_buf *b, const struct cal_verify *v,
			    const char *number)
{
	enum cal_verify_status s = v ? v->status : CAL_VERIFY_UNKNOWN;
	struct label st = status_label(s), note = status_note(s);
	const char *shown = v && s != CAL_VERIFY_UNKNOWN ? v->cert.number : number;

	if (!b)
		return cal_error_set(CAL_ERR_ARG, "render: bad arguments");
	cal_service_buf_puts(b, html_head);
	cal_service_html_escape(b, shown);
	cal_service_buf_puts(b, " – Tra cứu / Certificate check");
	cal_service_buf_puts(b, html_style);
	cal_service_buf_printf(b, "<div class=\"st %s\"><strong>", st.css);
	cal_service_buf_puts(b, st.vi);
	cal_service_buf_puts(b, "</strong><span class=\"en\">");
	cal_service_html_escape(b, st.en);
	cal_service_buf_puts(b, "</span><p>");
	cal_service_buf_puts(b, note.vi);
	cal_service_buf_puts(b, "<br><span class=\"en\">");
	cal_service_buf_puts(b, note.en);
	cal_service_buf_puts(b, "</span></p></div>\n");
	if (s == CAL_VERIFY_UNKNOWN) {
		cal_service_buf_puts(b, "<dl>\n");
		row_text(b, "Số", "Number", number);
		cal_service_buf_puts(b, "</dl>\n");
	} else {
		html_document(b, v);
	}
	cal_service_buf_puts(b, html_foot);
	return b->failed ? CAL_ERR_NOMEM : CAL_OK;
}

/* ---- JSON ------------------------------------------------------------------- */

static void jfield(struct cal_service_buf *b, const char *key, const char *value, bool comma)
{
	cal_service_buf_printf(b, "%s\"%s\": ", comma ? ", " : "", key);
	cal_service_json_str(b, value);
}

int cal_service_render_json(struct cal_service_buf *b, const struct cal_verify *v,
			    const char *number)
{
	const struct cal_instrument *in;
	const struct cal_cert *c;
	const struct cal_run *run;

	if (!b)
		return cal_error_set(CAL_ERR_ARG, "render: bad arguments");
	if (!v || v->status == CAL_VERIFY_UNKNOWN) {
		cal_service_buf_puts(b, "{");
		jfield(b, "number", number, false);
		jfield(b, "status", "unknown", true);
		cal_service_buf_puts(b, "}\n");
		return b->failed ? CAL_ERR_NOMEM : CAL_OK;
	}
	in = &v->instrument;
	c = &v->cert;
	run = &v->run;
	cal_service_buf_puts(b, "{");
	jfield(b, "number", c->number, false);
	jfield(b, "status", cal_verify_status_name(v->status), true);
	jfield(b, "kind", kind_json(c->kind), true);
	jfield(b, "laboratory", c->lab_name, true);
	jfield(b, "laboratory_address", c->lab_address, true);
	jfield(b, "issued_at", c->issued_at, true);
	jfield(b, "issue_date", c->issue_date, true);
	jfield(b, "valid_until", c->valid_until, true);
	cal_service_buf_printf(b, ", \"revoked\": %s", c->revoked ? "true" : "false");
	jfield(b, "revoked_at", c->revoked_at, true);
	jfield(b, "revoke_reason", c->revoke_reason, true);
	jfield(b, "superseded_by", v->superseded_by.number, true);
	jfield(b, "superseded_by_kind",
	       v->superseded_by.number[0] ? kind_json(v->superseded_by.kind) : "", true);
	cal_service_buf_printf(b, ", \"signed\": %s", v->signed_ok ? "true" : "false");
	cal_service_buf_printf(b, ", \"imported\": %s", v->imported.id ? "true" : "false");
	jfield(b, "tampered", v->tampered, true);
	cal_service_buf_puts(b, ", \"instrument\": {");
	jfield(b, "type", in->type, false);
	jfield(b, "manufacturer", in->manufacturer, true);
	jfield(b, "model", in->model, true);
	jfield(b, "serial", in->serial, true);
	jfield(b, "owner", in->owner, true);
	jfield(b, "class", in->accuracy_class, true);
	jfield(b, "kind", in->kind, true);
	cal_service_buf_puts(b, "}, \"run\": {");
	jfield(b, "activity", run->activity[0] ? run->activity : "verification", false);
	jfield(b, "method", run->method, true);
	jfield(b, "mode", run->mode, true);
	jfield(b, "finished_at", run->finished_at, true);
	jfield(b, "verdict", run->verdict, true);
	cal_service_buf_puts(b, "}}\n");
	return b->failed ? CAL_ERR_NOMEM : CAL_OK;
}

/* ---- errors ----------------------------------------------------------------- */

int cal_service_render_error(struct cal_service_buf *b, unsigned http_status, bool json)
{
	struct label l;

	if (!b)
		return cal_error_set(CAL_ERR_ARG, "render: bad arguments");
	switch (http_status) {
	case 400:
		l = (struct label){ "Số giấy chứng nhận không hợp lệ",
				    "Malformed certificate number", NULL };
		break;
	case 404:
		l = (struct label){ "Không tìm thấy", "Not found", NULL };
		break;
	case 405:
		l = (struct label){ "Phương thức không được hỗ trợ",
				    "Method not allowed: this service only answers GET", NULL };
		break;
	case 429:
		l = (struct label){ "Quá nhiều yêu cầu, vui lòng thử lại sau",
				    "Too many requests: try again later", NULL };
		break;
	case 503:
		l = (struct label){ "Dịch vụ tạm thời không khả dụng",
				    "Service temporarily unavailable", NULL };
		break;
	default:
		l = (struct label){ "Lỗi máy chủ", "Server error", NULL };
		break;
	}
	if (json) {
		cal_service_buf_printf(b, "{\"status\": %u", http_status);
		jfield(b, "error", l.en, true);
		cal_service_buf_puts(b, "}\n");
		return b->failed ? CAL_ERR_NOMEM : CAL_OK;
	}
	cal_service_buf_puts(b, html_head);
	cal_service_buf_printf(b, "%u", http_status);
	cal_service_buf_puts(b, " – Tra cứu / Certificate check");
	cal_service_buf_puts(b, html_style);
	cal_service_buf_puts(b, "<div class=\"st bad\"><strong>");
	cal_service_buf_puts(b, l.vi);
	cal_service_buf_puts(b, "</strong><span class=\"en\">");
	cal_service_buf_puts(b, l.en);
	cal_service_buf_puts(b, "</span></div>\n");
	cal_service_buf_puts(b, html_foot);
	return b->failed ? CAL_ERR_NOMEM : CAL_OK;
}
