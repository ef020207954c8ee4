/*
 * The text the verification service sends, as pure functions: checking a
 * certificate number taken from a URL, escaping for HTML, JSON and URLs,
 * and rendering an inspector's answer (struct cal_verify) as a small HTML
 * page or as JSON. No I/O, no database: the daemon (service.c) calls these
 * and the unit tests call them directly.
 *
 * Everything written is UTF-8. Text from the database is escaped on the way
 * out and any byte sequence that is not valid UTF-8 becomes U+FFFD, so a
 * page is well-formed whatever a register field holds.
 *
 * What is shown is what an inspector needs (domain.md §9): status, the
 * document's kind and dates, the instrument (type, manufacturer, model,
 * serial), its owner's name, method, mode, verdict and the issuing centre.
 * Never the owner's contact details, the operator, the readings, the
 * results or the register's internal ids.
 */
#ifndef CAL_SERVICE_SERVICE_TEXT_H
#define CAL_SERVICE_SERVICE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal/db.h"

/* Longest certificate number the service looks up, in bytes. */
#define CAL_SERVICE_NUMBER_MAX 64

/*
 * A growing text buffer. Starts zeroed ({0}); data is malloc'ed and always
 * NUL-terminated once anything was added. After an allocation failure
 * @failed stays set and later additions do nothing, so a renderer checks
 * once at the end.
 */
struct cal_service_buf {
	char *data;  /* NULL until the first addition */
	size_t len;  /* bytes, without the NUL */
	size_t cap;  /* bytes allocated */
	bool failed; /* an allocation failed: the text is incomplete */
};

/* Free the text and zero the buffer. NULL is fine. */
void cal_service_buf_free(struct cal_service_buf *b);
/* Append @n bytes of @s. CAL_OK or CAL_ERR_NOMEM (and b->failed). */
int cal_service_buf_add(struct cal_service_buf *b, const char *s, size_t n);
/* Append a C string. */
int cal_service_buf_puts(struct cal_service_buf *b, const char *s);
/* Append formatted text (locale of the process; used for integers only). */
int cal_service_buf_printf(struct cal_service_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Append @s escaped for HTML text and attribute values: & < > " ' become
 * entities, control characters other than tab and newline are dropped,
 * invalid UTF-8 becomes U+FFFD. NULL appends nothing.
 */
int cal_service_html_escape(struct cal_service_buf *b, const char *s);
/*
 * Append @s as a JSON string, quotes included: " \ and control characters
 * escaped, < > & as \u003c \u003e \u0026 (safe inside HTML too), invalid
 * UTF-8 as U+FFFD. NULL appends "".
 */
int cal_service_json_str(struct cal_service_buf *b, const char *s);
/*
 * Append @s percent-encoded for a URL path: every byte but A-Z a-z 0-9
 * - . _ ~ / ( ) becomes %XX.
 */
int cal_service_url_escape(struct cal_service_buf *b, const char *s);

/*
 * Is @s a certificate number the service may look up? 1 to
 * CAL_SERVICE_NUMBER_MAX bytes of A-Z a-z 0-9 and space . _ / ( ) -,
 * starting with a letter or digit, without ".." or "//". Everything else
 * (quotes, angle brackets, percent signs, control bytes, non-ASCII, an
 * over-long string) is refused before the database is asked.
 *
 * @retval CAL_OK
 * @retval CAL_ERR_ARG With a message that does not repeat @s.
 */
int cal_service_number_check(const char *s);

/*
 * The page for @v (status UNKNOWN: the page of an unknown @number; @number
 * must have passed cal_service_number_check). A complete HTML document,
 * bilingual (Vietnamese, English), with an inline style and nothing
 * external.
 *
 * @retval CAL_OK
 * @retval CAL_ERR_NOMEM
 */
int cal_service_render_html(struct cal_service_buf *b, const struct cal_verify *v,
			    const char *number);
/*
 * The same as one JSON object: the fields of `calbench verify --json` an
 * inspector needs (see docs/serve.md). Unknown: {"number": ..., "status":
 * "unknown"}.
 */
int cal_service_render_json(struct cal_service_buf *b, const struct cal_verify *v,
			    const char *number);
/*
 * A page (or a JSON object when @json) for an answer that is not a
 * document: @http_status 400, 404, 405, 429, 500 or 503, with a short
 * bilingual explanation. Never contains the request's text.
 */
int cal_service_render_error(struct cal_service_buf *b, unsigned http_status, bool json);

/*
 * Split a listen address "HOST:PORT", "[IPV6]:PORT" or ":PORT" (host
 * 127.0.0.1) into @host (a numeric IPv4 or IPv6 address, as written; names
 * are refused: what a name resolves to is not for a listening service to
 * guess) and @port (0..65535; 0 = any free port).
 *
 * @retval CAL_OK
 * @retval CAL_ERR_ARG With a message naming @s.
 */
int cal_service_parse_listen(char *host, size_t host_size, uint16_t *port, const char *s);

#endif
