/*
 * The PDF rendering of a document (cal/pdf.h), with libharu 2.3 and an
 * embedded TrueType font in UTF-8 (HPDF_UseUTFEncodings, a CID font with a
 * ToUnicode map), so that Vietnamese text renders and extracts as written.
 *
 * Layout, A4 portrait, in points with y upwards as PDF has it:
 *  - every page: a running header (the number and "Trang k/n - Page k of
 *    n" at the right; from page 2 the laboratory and the title at the left)
 *    and a footer with the statements of ISO/IEC 17025 7.8.2.1 l and the
 *    note on reproduction;
 *  - page 1: the letterhead (logo, centre name, address, telephone, e-mail,
 *    accreditation), the bilingual title and number, the revocation box,
 *    the identification of the item with the QR code at the right;
 *  - then the reference standards, the results, the uncertainty statement,
 *    the conclusion with its decision rule, the validity, place and date,
 *    the persons, and the end mark. Tables repeat their header on each page
 *    and never cut a row.
 *
 * The pages are laid out in one pass. The page numbers are written at the
 * end, when n is known: libharu keeps every page of a document open for
 * drawing until it is saved.
 *
 * libharu reports errors through a handler: the first one is kept and the
 * drawing calls that follow fail harmlessly; the render then returns it as
 * a CAL_ERR_* with a message. A renderer keeps its fonts between documents
 * (HPDF_FreeDoc keeps loaded font definitions and encoders, HPDF_NewDoc
 * starts the next document with them): loading the two DejaVu files takes
 * longer than rendering a certificate. The fonts are loaded as subsets
 * (ttfsub.c: the scripts a certificate may carry, a few cmap segments),
 * which libharu maps and embeds several times faster than the whole files;
 * libharu reads fonts from files only, so the subset goes through a
 * temporary file, unlinked as soon as it is loaded.
 *
 * libharu 2.3 embeds only the glyphs a document uses, and of a composite
 * glyph only its direct components: the Vietnamese letters with two marks
 * (ố, ễ, Ấ, ậ...) are composites of composites in DejaVu, and would lose
 * their marks. The renderer reads the composite table of each font file
 * once and, before a document is saved, marks the components of every
 * glyph used, all the way down (libharu's font definition is reached
 * through its installed headers, hpdf_fontdef.h).
 */
#include "cal/pdf.h"
#include "cal/pngcheck.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hpdf.h>
#include <qrencode.h>

#include "cal/describe.h"
#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/units.h"
#include "cal/water.h"
#include "ttfsub.h"

#define LOG_PREFIX "pdf"
#include "cal/log.h"

/* ---- page geometry (points) --------------------------------------------- */

#define PAGE_W 595.276f
#define PAGE_H 841.89f
#define MARGIN_X 40.0f
#define RIGHT_X (PAGE_W - MARGIN_X)
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)
#define HEAD_Y1 816.0f	  /* running header, first line (baseline) */
#define HEAD_Y2 806.5f	  /* second line */
#define PAGE1_TOP 798.0f  /* page 1: top of the letterhead */
#define BODY_TOP 794.0f	  /* pages 2..: top of the body, under the header rule */
#define FOOTER_BASE 20.0f /* lowest footer line */
#define FOOTER_SIZE 6.6f  /* footer text */
#define FOOTER_LEAD 8.0f
#define LABEL_W 158.0f	/* label column of the fields */
#define LABEL_SIZE 7.3f /* "Tên phương tiện đo / Instrument" */
#define LABEL_LEAD 8.8f
#define VALUE_SIZE 8.3f /* its value */
#define VALUE_LEAD 9.9f
#define TABLE_SIZE 6.9f	   /* table cells */
#define CELL_PAD 2.6f	   /* left and right in a cell */
#define QR_QUIET 4	   /* modules of quiet zone around the symbol */
#define QR_MIN_MODULE 1.5f /* points: about 3 pixels at 150 dpi */
#define QR_SIZE 78.0f	   /* points, quiet zone included, when modules allow */
#define TABLE_MAXCOL 14
#define CELL_MAX 192 /* bytes of one table cell */
#define WRAP_MAX 64  /* lines of one paragraph */

/* ---- the renderer ----------------------------------------------------- */

/* The components of each composite glyph of a TrueType file (glyf table). */
struct ttf_comps {
	unsigned n_glyphs;
	uint32_t *first; /* n_glyphs + 1: components of g are comp[first[g]..first[g+1]) */
	uint16_t *comp;
	uint16_t *stack; /* n_glyphs: scratch for the marking */
};

struct cal_pdf {
	HPDF_Doc doc;
	struct ttf_comps comps[2]; /* regular, bold */
	char font_name[128];	   /* as libharu names the loaded font definitions */
	char bold_name[128];
	char font_path[256];
	bool compress;
	HPDF_STATUS err; /* first error libharu reported since the last reset, 0 none */
	HPDF_STATUS detail;
};

static void on_hpdf_error(HPDF_STATUS err, HPDF_STATUS detail, void *payload)
{
	struct cal_pdf *p = payload;

	if (!p->err) {
		p->err = err;
		p->detail = detail;
	}
}

/* What a libharu error number means to someone reading the message. */
static const char *hpdf_text(HPDF_STATUS e)
{
	switch (e) {
	case HPDF_FAILD_TO_ALLOC_MEM:
		return "out of memory";
	case HPDF_FILE_IO_ERROR:
		return "file I/O error";
	case HPDF_FILE_OPEN_ERROR:
		return "cannot open the file";
	case HPDF_TTF_INVALID_CMAP:
	case HPDF_TTF_INVALID_FOMAT:
	case HPDF_TTF_MISSING_TABLE:
	case HPDF_INVALID_FONTDEF_DATA:
	case HPDF_UNSUPPORTED_FONT_TYPE:
		return "not a usable TrueType font";
	case HPDF_TTF_CANNOT_EMBEDDING_FONT:
		return "the font's licence forbids embedding";
	case HPDF_LIBPNG_ERROR:
	case HPDF_INVALID_PNG_IMAGE:
		return "not a PNG image libharu can read";
	case HPDF_ZLIB_ERROR:
		return "compression failed";
	default:
		return "libharu error";
	}
}

/* Turn the error libharu reported into CAL_ERR_* with a message about @what. */
static int hpdf_fail(struct cal_pdf *p, const char *what)
{
	HPDF_STATUS e = p->err ? p->err : HPDF_GetError(p->doc);
	int code;

	switch (e) {
	case HPDF_FAILD_TO_ALLOC_MEM:
		code = CAL_ERR_NOMEM;
		break;
	case HPDF_FILE_IO_ERROR:
	case HPDF_FILE_OPEN_ERROR:
		code = CAL_ERR_IO;
		break;
	case HPDF_TTF_INVALID_CMAP:
	case HPDF_TTF_INVALID_FOMAT:
	case HPDF_TTF_MISSING_TABLE:
	case HPDF_INVALID_FONTDEF_DATA:
	case HPDF_UNSUPPORTED_FONT_TYPE:
	case HPDF_TTF_CANNOT_EMBEDDING_FONT:
	case HPDF_LIBPNG_ERROR:
	case HPDF_INVALID_PNG_IMAGE:
		code = CAL_ERR_CONFIG;
		break;
	default:
		code = CAL_ERR;
	}
	return cal_error_set(code, "%s: %s (libharu error 0x%04X, detail %u)", what, hpdf_text(e),
			     (unsigned)e, (unsigned)p->detail);
}

static void hpdf_reset(struct cal_pdf *p)
{
	p->err = 0;
	p->detail = 0;
	HPDF_ResetError(p->doc);
}

/* A file that must be there: CAL_ERR_IO naming it (and what it is for) when it is not. */
static int check_readable(const char *path, const char *what, const char *hint)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return cal_error_set(CAL_ERR_IO, "%s %s: %s%s", what, path, strerror(errno), hint);
	fclose(f);
	return CAL_OK;
}

/* ---- composite glyphs -------------------------------------------------- */

static void ttf_comps_free(struct ttf_comps *tc)
{
	free(tc->first);
	free(tc->comp);
	free(tc->stack);
	memset(tc, 0, sizeof(*tc));
}

/*
 * Check that the font data @f is a TrueType font libharu can load
 * (cal_ttf_open) and read its composite glyphs: their direct components.
 * CAL_ERR_CONFIG naming @path when it is not such a font.
 */
static int ttf_comps_parse(struct ttf_comps *tc, const unsigned char *f, size_t size,
			   const char *path)
{
	struct ttf_font t;
	size_t cap = 0, n = 0;
	unsigned ng;
	int err;

	memset(tc, 0, sizeof(*tc));
	err = cal_ttf_open(&t, f, size, path);
	if (err)
		return err;
	ng = t.n_glyphs;
	tc->first = calloc((size_t)ng + 1, sizeof(*tc->first));
	tc->stack = calloc(ng, sizeof(*tc->stack));
	if (!tc->first || !tc->stack)
		goto nomem;
	for (unsigned g = 0; g < ng; g++) {
		struct ttf_comp_iter it;
		size_t a, b, q;

		cal_ttf_glyph(&t, g, &a, &b);
		tc->first[g] = (uint32_t)n;
		if (b > t.glyf.len || a + 10 > b || (int16_t)ttf_be16(t.glyf.p + a) >= 0)
			continue; /* empty, simple, or out of the table */
		cal_ttf_comp_begin(&it, t.glyf.p + a, b - a);
		while ((q = cal_ttf_comp_next(&it))) {
			unsigned gid = ttf_be16(t.glyf.p + a + q + 2);

			if (n == cap) {
				size_t nc = cap ? 2 * cap : 1024;
				uint16_t *c = realloc(tc->comp, nc * sizeof(*c));

				if (!c)
					goto nomem;
				tc->comp = c;
				cap = nc;
			}
			if (gid < ng)
				tc->comp[n++] = (uint16_t)gid;
		}
	}
	tc->first[ng] = (uint32_t)n;
	tc->n_glyphs = ng;
	return CAL_OK;
nomem:
	ttf_comps_free(tc);
	return cal_error_set(CAL_ERR_NOMEM, "PDF: out of memory reading a font");
}

/* The whole file @path, malloc'ed. */
static int read_file(unsigned char **out, size_t *size, const char *path)
{
	unsigned char *buf = NULL;
	long n;
	FILE *f = fopen(path, "rb");
	int err = CAL_OK;

	*out = NULL;
	*size = 0;
	if (!f)
		return cal_error_set(CAL_ERR_IO, "PDF font %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (64L << 20) ||
	    fseek(f, 0, SEEK_SET) != 0) {
		err = cal_error_set(CAL_ERR_CONFIG, "PDF font %s: not a TrueType font file", path);
		goto cleanup;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf) {
		err = cal_error_set(CAL_ERR_NOMEM, "PDF: out of memory reading %s", path);
		goto cleanup;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		err = cal_error_set(CAL_ERR_IO, "PDF font %s: read error", path);
		goto cleanup;
	}
	*out = buf;
	*size = (size_t)n;
	buf = NULL;
cleanup:
	free(buf);
	fclose(f);
	return err;
}

/* @data in a new temporary file (libharu loads fonts from files only). */
static int temp_file(char *path, size_t psize, const unsigned char *data, size_t n)
{
	const char *dir = getenv("TMPDIR");
	size_t done = 0;
	int fd;

	snprintf(path, psize, "%s/calbench-font-XXXXXX", dir && dir[0] ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		path[0] = '\0';
		return cal_error_set(CAL_ERR_IO, "temporary font file: %s", strerror(errno));
	}
	while (done < n) {
		ssize_t w = write(fd, data + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(path);
			path[0] = '\0';
			return cal_error_set(CAL_ERR_IO, "temporary font file: %s",
					     strerror(errno));
		}
		done += (size_t)w;
	}
	if (close(fd) != 0) {
		unlink(path);
		path[0] = '\0';
		return cal_error_set(CAL_ERR_IO, "temporary font file: %s", strerror(errno));
	}
	return CAL_OK;
}

/* Mark the components of every glyph @font uses, to any depth, for embedding. */
static void ttf_mark_components(struct ttf_comps *tc, HPDF_Font font)
{
	HPDF_FontAttr fa = font ? (HPDF_FontAttr)font->attr : NULL;
	HPDF_TTFontDefAttr ta;
	HPDF_BYTE *used;
	size_t top = 0;

	if (!tc->n_glyphs || !fa || !fa->fontdef || fa->fontdef->type != HPDF_FONTDEF_TYPE_TRUETYPE)
		return;
	ta = (HPDF_TTFontDefAttr)fa->fontdef->attr;
	if (!ta || !ta->embedding || ta->num_glyphs != tc->n_glyphs || !ta->glyph_tbl.flgs)
		return; /* not the file we read */
	used = ta->glyph_tbl.flgs;
	for (unsigned g = 0; g < tc->n_glyphs; g++)
		if (used[g] && tc->first[g] != tc->first[g + 1])
			tc->stack[top++] = (uint16_t)g;
	while (top) {
		unsigned g = tc->stack[--top];

		for (uint32_t i = tc->first[g]; i < tc->first[g + 1]; i++) {
			unsigned k = tc->comp[i];

			if (used[k])
				continue;
			used[k] = 1;
			if (tc->first[k] != tc->first[k + 1])
				tc->stack[top++] = (uint16_t)k;
		}
	}
}

/*
 * Load the font at @path into the renderer: checked, reduced to its subset
 * (ttfsub.c) in a temporary file that libharu reads and that is unlinked at
 * once; the whole font when no temporary file can be made (slower). Its
 * composite glyphs go into @tc.
 */
static int load_font(char *name, size_t size, struct ttf_comps *tc, struct cal_pdf *p,
		     const char *path)
{
	unsigned char *buf = NULL, *sub = NULL;
	size_t n = 0, nsub = 0;
	char tmp[512] = "";
	const char *hn, *load = path;
	int err = check_readable(path, "PDF font",
				 " (install fonts-dejavu-core, or name a "
				 "TrueType font with --font FILE)");

	if (!err)
		err = read_file(&buf, &n, path);
	if (!err) /* also the check: libharu crashes on some files that are not fonts */
		err = cal_ttf_subset(&sub, &nsub, buf, n, path);
	if (!err && temp_file(tmp, sizeof(tmp), sub, nsub) == CAL_OK) {
		load = tmp;
		err = ttf_comps_parse(tc, sub, nsub, path);
	} else if (!err) {
		log_warn("PDF font %s: no subset (%s); the whole font is used", path,
			 cal_error_last());
		cal_error_clear();
		err = ttf_comps_parse(tc, buf, n, path);
	}
	if (err)
		goto cleanup;
	hpdf_reset(p);
	hn = HPDF_LoadTTFontFromFile(p->doc, load, HPDF_TRUE);
	if (!hn || p->err) {
		char what[300];

		snprintf(what, sizeof(what), "PDF font %s", path);
		err = hpdf_fail(p, what);
		goto cleanup;
	}
	snprintf(name, size, "%s", hn);
cleanup:
	if (tmp[0])
		unlink(tmp); /* libharu keeps its stream open: the data stays readable */
	free(buf);
	free(sub);
	return err;
}

int cal_pdf_new(struct cal_pdf **out, const struct cal_pdf_opts *opts)
{
	struct cal_pdf_opts dflt = CAL_PDF_OPTS_INIT;
	const char *font, *bold;
	struct cal_pdf *p;
	int err;

	*out = NULL;
	if (!opts)
		opts = &dflt;
	if (opts->version != CAL_PDF_OPTS_VERSION)
		return cal_error_set(CAL_ERR_ARG, "PDF options: version %d, expected %d",
				     opts->version, CAL_PDF_OPTS_VERSION);
	font = opts->font && opts->font[0] ? opts->font : CAL_PDF_FONT_DEFAULT;
	if (opts->font_bold && opts->font_bold[0])
		bold = opts->font_bold;
	else
		bold = opts->font && opts->font[0] ? font : CAL_PDF_FONT_BOLD_DEFAULT;
	p = calloc(1, sizeof(*p));
	if (!p)
		return cal_error_set(CAL_ERR_NOMEM, "PDF: out of memory");
	p->compress = !opts->uncompressed;
	snprintf(p->font_path, sizeof(p->font_path), "%s", font);
	p->doc = HPDF_New(on_hpdf_error, p);
	if (!p->doc) {
		free(p);
		return cal_error_set(CAL_ERR_NOMEM, "PDF: libharu could not start a document");
	}
	if (HPDF_UseUTFEncodings(p->doc) != HPDF_OK) {
		err = hpdf_fail(p, "PDF: UTF-8 encodings");
		goto fail;
	}
	err = load_font(p->font_name, sizeof(p->font_name), &p->comps[0], p, font);
	if (!err)
		err = load_font(p->bold_name, sizeof(p->bold_name), &p->comps[1], p, bold);
	if (err)
		goto fail;
	/* the font definitions and the UTF-8 encoder stay for the documents to come */
	HPDF_FreeDoc(p->doc);
	*out = p;
	return CAL_OK;
fail:
	cal_pdf_free(p);
	return err;
}

void cal_pdf_free(struct cal_pdf *p)
{
	if (!p)
		return;
	if (p->doc)
		HPDF_Free(p->doc);
	ttf_comps_free(&p->comps[0]);
	ttf_comps_free(&p->comps[1]);
	free(p);
}

/* ---- text --------------------------------------------------------------- */

/* Bytes of the UTF-8 sequence starting at s, 0 when it is not a valid one we can show. */
static size_t u8seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf && (s[1] & 0xc0) == 0x80)
		return 2;
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    !(s[0] == 0xe0 && s[1] < 0xa0) && !(s[0] == 0xed && s[1] >= 0xa0))
		return 3;
	return 0; /* invalid, or beyond the BMP: the CID font has 2-byte codes */
}

/*
 * Copy @in as text libharu's UTF-8 encoder takes: invalid bytes and
 * characters beyond the BMP become '?', control characters spaces (line
 * feeds stay: they break lines).
 */
static void clean(char *out, size_t size, const char *in)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t o = 0;

	while (*s && o + 4 < size) {
		size_t n = u8seq(s);

		if (n == 0) {
			out[o++] = '?';
			s++;
			while ((*s & 0xc0) == 0x80)
				s++;
		} else if (n == 1) {
			out[o++] = (*s < 0x20 && *s != '\n') || *s == 0x7f ? ' ' : (char)*s;
			s++;
		} else {
			memcpy(out + o, s, n);
			o += n;
			s += n;
		}
	}
	out[o] = '\0';
}

static size_t u8next(const char *s, size_t i)
{
	size_t n = u8seq((const unsigned char *)s + i);

	return i + (n ? n : 1);
}

/* Width of s[0..len) in points. */
static float text_w(HPDF_Font f, float size, const char *s, size_t len)
{
	HPDF_TextWidth w;

	if (!len)
		return 0;
	w = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)s, (HPDF_UINT)len);
	return (float)w.width * size / 1000.0f;
}

static float str_w(HPDF_Font f, float size, const char *s)
{
	return text_w(f, size, s, strlen(s));
}

struct span {
	size_t off, len;
};

/*
 * Break cleaned text @s into lines of at most @width points: after spaces,
 * at line feeds, inside a word only when the word alone is too wide.
 * Returns the number of lines (0 for empty text), at most @max: the rest
 * of a longer text is dropped.
 */
static int wrap(struct span *out, int max, HPDF_Font f, float size, const char *s, float width)
{
	size_t n = strlen(s), pos = 0;
	int k = 0;

	while (pos < n && k < max) {
		size_t start, end, best = 0;
		bool hard = false, found = false;

		while (pos < n && s[pos] == ' ')
			pos++;
		if (pos >= n)
			break;
		start = pos;
		end = pos;
		for (;;) {
			size_t w = end;

			while (w < n && s[w] != ' ' && s[w] != '\n')
				w++;
			if (text_w(f, size, s + start, w - start) > width)
				break;
			best = w;
			found = true;
			if (w >= n || s[w] == '\n') {
				hard = w < n;
				break;
			}
			end = w + 1;
		}
		if (!found) { /* the first word alone is too wide: cut it */
			size_t i = u8next(s, start);

			best = i;
			while (i < n && s[i] != ' ' && s[i] != '\n') {
				size_t j = u8next(s, i);

				if (text_w(f, size, s + start, j - start) > width)
					break;
				best = j;
				i = j;
			}
		}
		out[k].off = start;
		out[k].len = best - start;
		while (out[k].len && s[start + out[k].len - 1] == ' ')
			out[k].len--;
		k++;
		pos = best;
		if (hard || (pos < n && s[pos] == '\n'))
			pos++;
	}
	return k;
}

/* ---- one document: the layout context ----------------------------------- */

struct table {
	int ncol, nrow;
	const char *vi[TABLE_MAXCOL]; /* header: Vietnamese, bold */
	const char *en[TABLE_MAXCOL]; /* and English under it */
	bool right[TABLE_MAXCOL];     /* numbers: right-aligned */
	int wrap_col;		      /* the column that narrows and wraps when too wide */
	float w[TABLE_MAXCOL];	      /* computed */
	float size, lead;
	char *cells; /* nrow x TABLE_MAXCOL x CELL_MAX, cleaned text */
};

struct ctx {
	struct cal_pdf *r;
	const struct cal_certdoc *d;
	HPDF_Doc doc;
	HPDF_Font reg, bold;
	HPDF_Page page; /* the current page */
	HPDF_Page *pages;
	int n_pages, cap_pages;
	float y;		 /* top of the free space on the current page */
	float bottom;		 /* lowest point the body may use (the footer is below) */
	float qr_left;		 /* page 1: text stays left of this while y > qr_bottom */
	float qr_bottom;	 /* 0: no QR zone */
	const struct table *tbl; /* a table being drawn: its header goes on new pages */
	char footer[1024];	 /* the statements printed at the foot of every page */
	struct span foot[8];
	int n_foot;
	int err; /* first error of our own (allocation), CAL_OK none */
};

static const char *lab_name(const struct cal_certdoc *d)
{
	return d->v.cert.lab_name[0] ? d->v.cert.lab_name : d->centre.name;
}

static const char *lab_address(const struct cal_certdoc *d)
{
	return d->v.cert.lab_address[0] ? d->v.cert.lab_address : d->centre.address;
}

static bool is_calibration(const struct cal_certdoc *d)
{
	return d->v.cert.kind == CAL_CERT_CALIBRATION ||
	       strcmp(d->v.run.activity, "calibration") == 0;
}

/* The document in a sentence: "giấy chứng nhận kiểm định này". */
static const char *noun_vi(enum cal_cert_kind k)
{
	switch (k) {
	case CAL_CERT_VERIFICATION:
		return "giấy chứng nhận kiểm định";
	case CAL_CERT_CALIBRATION:
		return "giấy chứng nhận hiệu chuẩn";
	default:
		return "biên bản kiểm định";
	}
}

static void gray(struct ctx *c, float g)
{
	HPDF_Page_SetGrayFill(c->page, g);
}

/* One line of cleaned text (s[0..len)) with its baseline at (x, y). */
static void show(struct ctx *c, HPDF_Font f, float size, float x, float y, const char *s,
		 size_t len)
{
	char buf[1024];

	if (!len)
		return;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	HPDF_Page_BeginText(c->page);
	HPDF_Page_SetFontAndSize(c->page, f, size);
	HPDF_Page_TextOut(c->page, x, y, buf);
	HPDF_Page_EndText(c->page);
}

static void show_str(struct ctx *c, HPDF_Font f, float size, float x, float y, const char *s)
{
	char buf[1024];

	clean(buf, sizeof(buf), s);
	show(c, f, size, x, y, buf, strlen(buf));
}

static void show_right(struct ctx *c, HPDF_Font f, float size, float xr, float y, const char *s)
{
	char buf[1024];

	clean(buf, sizeof(buf), s);
	show(c, f, size, xr - str_w(f, size, buf), y, buf, strlen(buf));
}

static void hline(struct ctx *c, float x0, float x1, float y, float width, float g)
{
	HPDF_Page_SetLineWidth(c->page, width);
	HPDF_Page_SetGrayStroke(c->page, g);
	HPDF_Page_MoveTo(c->page, x0, y);
	HPDF_Page_LineTo(c->page, x1, y);
	HPDF_Page_Stroke(c->page);
}

/* The revocation mark across a page, under everything drawn on it afterwards. */
static void watermark(struct ctx *c)
{
	static const char text[] = "ĐÃ THU HỒI – REVOKED";
	const float size = 46, a = 0.9553f; /* about 54.7°: the diagonal of A4 */
	float w = str_w(c->bold, size, text), ca = cosf(a), sa = sinf(a);
	float x = PAGE_W / 2 - ca * w / 2 + sa * size / 3;
	float y = PAGE_H / 2 - sa * w / 2 - ca * size / 3;

	HPDF_Page_SetRGBFill(c->page, 1.0f, 0.86f, 0.86f);
	HPDF_Page_BeginText(c->page);
	HPDF_Page_SetFontAndSize(c->page, c->bold, size);
	HPDF_Page_SetTextMatrix(c->page, ca, sa, -sa, ca, x, y);
	HPDF_Page_ShowText(c->page, text);
	HPDF_Page_EndText(c->page);
	gray(c, 0);
}

static void table_head(struct ctx *c, const struct table *t);

static void new_page(struct ctx *c)
{
	if (c->n_pages == c->cap_pages) {
		int cap = c->cap_pages ? 2 * c->cap_pages : 4;
		HPDF_Page *p = realloc(c->pages, (size_t)cap * sizeof(*p));

		if (!p) {
			if (!c->err)
				c->err = cal_error_set(CAL_ERR_NOMEM, "PDF: out of memory");
			return; /* go on drawing on the current page; the render fails */
		}
		c->pages = p;
		c->cap_pages = cap;
	}
	c->page = HPDF_AddPage(c->doc);
	HPDF_Page_SetSize(c->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	c->pages[c->n_pages++] = c->page;
	if (c->d->v.cert.revoked)
		watermark(c);
	gray(c, 0);
	c->y = c->n_pages == 1 ? PAGE1_TOP : BODY_TOP;
}

/* Room for @h points of body on this page, or a new page. */
static void need(struct ctx *c, float h)
{
	if (c->y - h >= c->bottom)
		return;
	new_page(c);
	if (c->tbl) {
		gray(c, 0.35f);
		show_str(c, c->reg, 6.8f, MARGIN_X, c->y - 7, "(tiếp theo / continued)");
		gray(c, 0);
		c->y -= 10;
		table_head(c, c->tbl);
	}
}

/* The right edge of the body at the current height (the QR code sits at the right of page 1). */
static float right_edge(const struct ctx *c)
{
	if (c->n_pages == 1 && c->qr_bottom > 0 && c->y > c->qr_bottom)
		return c->qr_left - 10;
	return RIGHT_X;
}

enum align { LEFT, CENTRE };

/*
 * A paragraph from @x, @width wide (0: to the right edge), wrapped, split
 * across pages between lines.
 */
static void para_w(struct ctx *c, HPDF_Font f, float size, float lead, float x, float width,
		   enum align al, const char *text)
{
	char buf[2048];
	struct span ln[WRAP_MAX];
	int n;

	if (width <= 0)
		width = right_edge(c) - x;

	clean(buf, sizeof(buf), text);
	n = wrap(ln, WRAP_MAX, f, size, buf, width);
	for (int i = 0; i < n; i++) {
		float lx = x;

		need(c, lead);
		if (al == CENTRE)
			lx = x + (width - text_w(f, size, buf + ln[i].off, ln[i].len)) / 2;
		show(c, f, size, lx, c->y - size, buf + ln[i].off, ln[i].len);
		c->y -= lead;
	}
}

static void para(struct ctx *c, HPDF_Font f, float size, float lead, float x, enum align al,
		 const char *text)
{
	para_w(c, f, size, lead, x, 0, al, text);
}

/*
 * One line of the identification: "label VI / EN" at the left, the value
 * wrapped at the right; left out when the record has no value. Kept on one
 * page. Every field a document prints is one call of this.
 */
static void field(struct ctx *c, const char *label, const char *value)
{
	char lb[256], val[2048];
	struct span ll[6], vl[WRAP_MAX];
	float vx = MARGIN_X + LABEL_W, h;
	int nl, nv;

	if (!value || !value[0])
		return;
	clean(lb, sizeof(lb), label);
	clean(val, sizeof(val), value);
	nl = wrap(ll, 6, c->reg, LABEL_SIZE, lb, LABEL_W - 6);
	nv = wrap(vl, WRAP_MAX, c->reg, VALUE_SIZE, val, right_edge(c) - vx);
	h = fmaxf(nl * LABEL_LEAD, nv * VALUE_LEAD) + 1.0f;
	need(c, h);
	gray(c, 0.3f);
	for (int i = 0; i < nl; i++)
		show(c, c->reg, LABEL_SIZE, MARGIN_X, c->y - VALUE_SIZE - i * LABEL_LEAD,
		     lb + ll[i].off, ll[i].len);
	gray(c, 0);
	for (int i = 0; i < nv; i++)
		show(c, c->reg, VALUE_SIZE, vx, c->y - VALUE_SIZE - i * VALUE_LEAD, val + vl[i].off,
		     vl[i].len);
	c->y -= h;
}

/* A section heading, kept with the first @keep points of what follows. */
static void section(struct ctx *c, const char *title, float keep)
{
	c->y -= 3;
	need(c, 12 + keep);
	show_str(c, c->bold, 8.4f, MARGIN_X, c->y - 8.4f, title);
	c->y -= 11;
}

/* ---- tables ------------------------------------------------------------- */

static char *cell(const struct table *t, int r, int col)
{
	return t->cells + ((size_t)r * TABLE_MAXCOL + (size_t)col) * CELL_MAX;
}

static int table_alloc(struct table *t, int nrow)
{
	t->nrow = nrow;
	t->cells = calloc((size_t)(nrow ? nrow : 1) * TABLE_MAXCOL, CELL_MAX);
	if (!t->cells)
		return cal_error_set(CAL_ERR_NOMEM, "PDF: out of memory for a table");
	return CAL_OK;
}

static void table_set(struct table *t, int r, int col, const char *s)
{
	clean(cell(t, r, col), CELL_MAX, s);
}

/*
 * Column widths: the widest of header and cells; the wrap column takes
 * what is left of the width (narrowing when the table is too wide, its text
 * then wraps). Smaller type when even that does not fit.
 */
static void table_layout(struct ctx *c, struct table *t)
{
	for (t->size = TABLE_SIZE; t->size > 5.0f; t->size -= 0.5f) {
		float sum = 0, others;

		for (int j = 0; j < t->ncol; j++) {
			float w = fmaxf(str_w(c->bold, t->size, t->vi[j]),
					str_w(c->reg, t->size - 0.6f, t->en[j]));

			for (int r = 0; r < t->nrow; r++)
				w = fmaxf(w, str_w(c->reg, t->size, cell(t, r, j)));
			t->w[j] = w + 2 * CELL_PAD +
				  0.5f; /* + rounding: a cell that fits stays one line */
			sum += t->w[j];
		}
		others = sum - t->w[t->wrap_col];
		if (others + 40 <= CONTENT_W || t->size <= 5.5f) {
			t->w[t->wrap_col] = fmaxf(CONTENT_W - others, 40);
			break;
		}
	}
	t->lead = t->size * 1.18f;
}

static void table_head(struct ctx *c, const struct table *t)
{
	float h = 2 * t->lead + 3, x = MARGIN_X;

	HPDF_Page_SetGrayFill(c->page, 0.9f);
	HPDF_Page_Rectangle(c->page, MARGIN_X, c->y - h, CONTENT_W, h);
	HPDF_Page_Fill(c->page);
	for (int j = 0; j < t->ncol; j++) {
		float iw = t->w[j] - 2 * CELL_PAD;

		gray(c, 0);
		if (t->right[j])
			show_right(c, c->bold, t->size, x + t->w[j] - CELL_PAD, c->y - t->size - 1,
				   t->vi[j]);
		else
			show_str(c, c->bold, t->size, x + CELL_PAD, c->y - t->size - 1, t->vi[j]);
		gray(c, 0.3f);
		if (t->right[j])
			show_right(c, c->reg, t->size - 0.6f, x + CELL_PAD + iw,
				   c->y - t->size - 1 - t->lead, t->en[j]);
		else
			show_str(c, c->reg, t->size - 0.6f, x + CELL_PAD,
				 c->y - t->size - 1 - t->lead, t->en[j]);
		x += t->w[j];
	}
	gray(c, 0);
	c->y -= h;
	hline(c, MARGIN_X, RIGHT_X, c->y, 0.6f, 0);
}

/* The rows, each whole on one page, the header again on every new page. */
static void table_rows(struct ctx *c, struct table *t)
{
	struct span ln[TABLE_MAXCOL][4];
	int nl[TABLE_MAXCOL];

	need(c, 2 * t->lead + 3 + t->lead + 3);
	table_head(c, t);
	c->tbl = t;
	for (int r = 0; r < t->nrow; r++) {
		int lines = 1;
		float h, x = MARGIN_X;

		for (int j = 0; j < t->ncol; j++) {
			nl[j] = wrap(ln[j], 4, c->reg, t->size, cell(t, r, j),
				     t->w[j] - 2 * CELL_PAD);
			if (nl[j] > lines)
				lines = nl[j];
		}
		h = lines * t->lead + 2.2f;
		need(c, h);
		for (int j = 0; j < t->ncol; j++) {
			const char *s = cell(t, r, j);

			for (int i = 0; i < nl[j]; i++) {
				float y = c->y - t->size - 1 - i * t->lead;
				float lx = x + CELL_PAD;

				if (t->right[j])
					lx = x + t->w[j] - CELL_PAD -
					     text_w(c->reg, t->size, s + ln[j][i].off,
						    ln[j][i].len);
				show(c, c->reg, t->size, lx, y, s + ln[j][i].off, ln[j][i].len);
			}
			x += t->w[j];
		}
		c->y -= h;
		hline(c, MARGIN_X, RIGHT_X, c->y, 0.25f, 0.6f);
	}
	c->tbl = NULL;
	c->y -= 2;
}

/* ---- what the document says --------------------------------------------- */

/* "ngày 29 tháng 11 năm 2026" from "2026-11-29"; the text itself when it is not a date. */
static void date_vi(char *buf, size_t size, const char *iso)
{
	int y, m, d;

	if (sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) == 3)
		snprintf(buf, size, "ngày %02d tháng %02d năm %04d", d, m, y);
	else
		snprintf(buf, size, "%s", iso);
}

/* "2026-11-29 06:57:54 UTC" from "2026-11-29T06:57:54Z". */
static void time_text(char *buf, size_t size, const char *iso)
{
	size_t n = strlen(iso);

	if (n >= 20 && iso[10] == 'T' && iso[n - 1] == 'Z')
		snprintf(buf, size, "%.10s %.*s UTC", iso, (int)(n - 12), iso + 11);
	else
		snprintf(buf, size, "%s", iso);
}

static const char *mode_vi(const char *mode)
{
	if (strcmp(mode, "initial") == 0)
		return "Ban đầu / initial";
	if (strcmp(mode, "periodic") == 0)
		return "Định kỳ / periodic";
	if (strcmp(mode, "after-repair") == 0)
		return "Sau sửa chữa / after repair";
	return mode;
}

/* "chuẩn áp suất / pressure reference, Druck PACE 5000, serial 123" */
static void standard_desc(char *buf, size_t size, const struct cal_pstandard *s)
{
	const char *kind = cal_doc_pstandard_kind(s);
	const char *vi = strcmp(kind, "flow") == 0     ? "chuẩn lưu lượng"
			 : strcmp(kind, "volume") == 0 ? "chuẩn dung tích"
						       : "chuẩn áp suất";

	snprintf(buf, size, "%s / %s reference", vi, kind);
	if (s->manufacturer[0] || s->model[0])
		snprintf(buf + strlen(buf), size - strlen(buf), ", %s%s%s", s->manufacturer,
			 s->manufacturer[0] && s->model[0] ? " " : "", s->model);
	if (s->serial[0])
		snprintf(buf + strlen(buf), size - strlen(buf), ", serial %s", s->serial);
}

/* Metrological characteristics of the item, by kind (as `cert show` gives them). */
static void characteristics(char *buf, size_t size, const struct cal_instrument *in)
{
	char a[32], b[32], e[32], d[32], flows[160];

	cal_doc_sig(d, sizeof(d), in->d);
	if (cal_instrument_is_pressure(in)) {
		snprintf(buf, size,
			 "%s; cấp chính xác / class %s; phạm vi đo / scale %s … %s %s; độ phân "
			 "giải / resolution %s %s",
			 in->kind, in->accuracy_class[0] ? in->accuracy_class : "-",
			 cal_doc_sig(a, sizeof(a), in->scale_lo),
			 cal_doc_sig(b, sizeof(b), in->max), in->unit, d, in->unit);
	} else if (strcmp(in->kind, "water-meter") == 0) {
		cal_doc_water_flows_text(flows, sizeof(flows), in);
		snprintf(buf, size,
			 "đồng hồ đo nước / water meter; cấp / class %s; %s; cơ cấu chỉ thị / "
			 "register in %s, d = %s %s",
			 in->accuracy_class, flows, in->unit, d, in->unit);
	} else if (strcmp(in->kind, "flow-meter") == 0 || strcmp(in->kind, "fuel-dispenser") == 0) {
		cal_doc_flow_range_text(flows, sizeof(flows), in);
		if (strcmp(in->kind, "flow-meter") == 0)
			snprintf(buf, size,
				 "lưu lượng kế / flow meter; %s; register in %s, d = %s %s; độ "
				 "chính xác quy định / specified accuracy %g %% of reading",
				 flows, in->unit, d, in->unit, in->mpe_pct_reading);
		else
			snprintf(buf, size,
				 "cột đo xăng dầu / fuel dispenser; OIML R 117 class %s; %s; MMQ "
				 "%s %s; d = %s %s",
				 in->accuracy_class, flows, cal_doc_sig(e, sizeof(e), in->min),
				 in->unit, d, in->unit);
	} else {
		snprintf(buf, size,
			 "cấp chính xác / class %s; Max = %s %s; Min = %s %s; e = %s %s; "
			 "d = %s %s",
			 in->accuracy_class, cal_doc_sig(a, sizeof(a), in->max), in->unit,
			 cal_doc_sig(b, sizeof(b), in->min), in->unit,
			 cal_doc_sig(e, sizeof(e), in->e), in->unit, d, in->unit);
	}
}

static void letterhead(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	const struct cal_centre *ce = &d->centre;
	char line[512], num[128];
	float top = c->y, logo_h = 0, x, w;
	/* the text is centred on the page, clear of the QR code at the right and the logo */
	float reserve = c->qr_bottom > 0 ? RIGHT_X - c->qr_left + 8 : 0;

	if (ce->logo[0]) {
		HPDF_Image img = HPDF_LoadPngImageFromFile(c->doc, ce->logo);

		if (img) {
			float iw = (float)HPDF_Image_GetWidth(img);
			float ih = (float)HPDF_Image_GetHeight(img);
			float s = fminf(44.0f / fmaxf(ih, 1), 80.0f / fmaxf(iw, 1));

			HPDF_Page_DrawImage(c->page, img, MARGIN_X, top - ih * s, iw * s, ih * s);
			reserve = fmaxf(reserve, iw * s + 8);
			logo_h = ih * s;
		} else if (!c->err) {
			char what[300];

			snprintf(what, sizeof(what), "lab.logo %s", ce->logo);
			c->err = hpdf_fail(c->r, what);
		}
	}
	x = MARGIN_X + reserve;
	w = CONTENT_W - 2 * reserve;
	if (lab_name(d)[0])
		para_w(c, c->bold, 11, 13, x, w, CENTRE, lab_name(d));
	gray(c, 0.15f);
	if (lab_address(d)[0])
		para_w(c, c->reg, 7.6f, 9.2f, x, w, CENTRE, lab_address(d));
	line[0] = '\0';
	if (ce->phone[0])
		snprintf(line, sizeof(line), "Điện thoại / Tel.: %s", ce->phone);
	if (ce->email[0])
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%sE-mail: %s",
			 line[0] ? "   ·   " : "", ce->email);
	if (line[0])
		para_w(c, c->reg, 7.6f, 9.2f, x, w, CENTRE, line);
	if (ce->accreditation[0]) {
		snprintf(line, sizeof(line), "Công nhận / Accreditation: %s", ce->accreditation);
		para_w(c, c->reg, 7.6f, 9.2f, x, w, CENTRE, line);
	}
	gray(c, 0);
	if (c->y > top - logo_h - 2)
		c->y = top - logo_h - 2;
	c->y -= 2;
	hline(c, x, x + w, c->y, 0.8f, 0);
	c->y -= 7;
	para_w(c, c->bold, 14.5f, 16.5f, x, w, CENTRE, cal_certdoc_title_vi(d->v.cert.kind));
	gray(c, 0.25f);
	para_w(c, c->reg, 10, 12, x, w, CENTRE, cal_certdoc_title_en(d->v.cert.kind));
	gray(c, 0);
	snprintf(num, sizeof(num), "Số (N°): %s", d->v.cert.number);
	para_w(c, c->bold, 9.8f, 12, x, w, CENTRE, num);
	c->y -= 3;
}

/* A revoked document says so at the top of page 1: when and why. */
static void revoked_box(struct ctx *c)
{
	const struct cal_cert *ct = &c->d->v.cert;
	char t[64], line[512];
	float top, h, bw = right_edge(c) - MARGIN_X;

	if (!ct->revoked)
		return;
	time_text(t, sizeof(t), ct->revoked_at);
	snprintf(line, sizeof(line), "Ngày / on %s. Lý do / reason: %s", t,
		 ct->revoke_reason[0] ? ct->revoke_reason : "-");
	top = c->y;
	c->y -= 4;
	HPDF_Page_SetRGBFill(c->page, 0.75f, 0, 0);
	para_w(c, c->bold, 10, 12, MARGIN_X + 8, bw - 16, CENTRE,
	       "ĐÃ THU HỒI / REVOKED: tài liệu này không còn hiệu lực / this document is no "
	       "longer valid");
	para_w(c, c->reg, 8, 10, MARGIN_X + 8, bw - 16, CENTRE, line);
	gray(c, 0);
	c->y -= 3;
	h = top - c->y;
	HPDF_Page_SetLineWidth(c->page, 1.4f);
	HPDF_Page_SetRGBStroke(c->page, 0.75f, 0, 0);
	HPDF_Page_Rectangle(c->page, MARGIN_X, c->y, bw, h);
	HPDF_Page_Stroke(c->page);
	c->y -= 6;
}

/* The QR code of cal_certdoc_qr_text() at the top right of the identification. */
static int qr_code(struct ctx *c)
{
	char text[1024], buf[1024];
	struct span ln[4];
	QRcode *q;
	float module, size, x0, top = c->y, cap_y;
	int err = cal_certdoc_qr_text(text, sizeof(text), c->d);
	int n, total;

	if (err)
		return err;
	errno = 0;
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q) {
		if (errno == ENOMEM)
			return cal_error_set(CAL_ERR_NOMEM, "QR code: out of memory");
		return cal_error_set(CAL_ERR_ARG,
				     "%s: the QR text (%zu bytes) does not fit a QR "
				     "code: %s",
				     c->d->v.cert.number, strlen(text),
				     errno ? strerror(errno) : "libqrencode failed");
	}
	total = q->width + 2 * QR_QUIET;
	module = fmaxf(QR_MIN_MODULE, QR_SIZE / (float)total);
	size = module * (float)total;
	x0 = RIGHT_X - size;
	HPDF_Page_SetGrayFill(c->page, 0);
	for (int r = 0; r < q->width; r++) {
		const unsigned char *row = q->data + (size_t)r * (size_t)q->width;
		float y = top - (float)(QR_QUIET + r + 1) * module;

		for (int col = 0; col < q->width;) {
			int run = 0;

			while (col + run < q->width && (row[col + run] & 1))
				run++;
			if (run) {
				HPDF_Page_Rectangle(c->page, x0 + (float)(QR_QUIET + col) * module,
						    y, (float)run * module, module + 0.02f);
				col += run;
			} else {
				col++;
			}
		}
	}
	HPDF_Page_Fill(c->page);
	QRcode_free(q);
	/* what it opens, under it */
	cap_y = top - size;
	gray(c, 0.3f);
	clean(buf, sizeof(buf), "Tra cứu / Verify");
	n = wrap(ln, 4, c->reg, 6, buf, size);
	for (int i = 0; i < n; i++, cap_y -= 7.2f)
		show(c, c->reg, 6, x0 + (size - text_w(c->reg, 6, buf + ln[i].off, ln[i].len)) / 2,
		     cap_y - 6, buf + ln[i].off, ln[i].len);
	if (c->d->url[0]) {
		clean(buf, sizeof(buf), c->d->url);
		n = wrap(ln, 4, c->reg, 5.6f, buf, size);
		for (int i = 0; i < n; i++, cap_y -= 6.8f)
			show(c, c->reg, 5.6f,
			     x0 + (size - text_w(c->reg, 5.6f, buf + ln[i].off, ln[i].len)) / 2,
			     cap_y - 6, buf + ln[i].off, ln[i].len);
	}
	gray(c, 0);
	c->qr_left = x0;
	c->qr_bottom = cap_y - 4;
	return CAL_OK;
}

/* What the record says of the run besides the measurements; a line each, when present. */
static void conditions(struct ctx *c)
{
	const struct cal_run_conditions *k = &c->d->v.run.cond;
	char buf[160], t[40], h[40];

	if (k->received_date[0]) {
		date_vi(buf, sizeof(buf), k->received_date);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (%s)", k->received_date);
		field(c, "Ngày nhận / Date of receipt", buf);
	}
	field(c, "Địa điểm thực hiện / Location", k->location);
	buf[0] = '\0';
	if (k->has_temperature)
		snprintf(buf, sizeof(buf), "nhiệt độ / temperature %s °C",
			 cal_num_format_sig(t, sizeof(t), k->temperature_c, 4) > 0 ? t : "?");
	if (k->has_humidity)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 "%sđộ ẩm / relative humidity %s %%", buf[0] ? "; " : "",
			 cal_num_format_sig(h, sizeof(h), k->humidity_pct, 4) > 0 ? h : "?");
	field(c, "Điều kiện môi trường / Environmental conditions", buf);
}

static void identification(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	const struct cal_instrument *in = &d->v.instrument;
	const struct cal_run *run = &d->v.run;
	char buf[1024], a[64], b[64];

	/* a revision replaces the document whole and says which, and why (ISO/IEC 17025 7.8.8) */
	if (d->v.rev.number[0]) {
		snprintf(buf, sizeof(buf), "%s (bản sửa đổi / revision %d); lý do / reason: %s",
			 d->v.rev.original, d->v.rev.revision, d->v.rev.reason);
		field(c, "Thay thế / Replaces", buf);
		field(c, "Ghi chú / Note", d->v.rev.note);
	}
	field(c, "Tên phương tiện đo / Instrument", in->type);
	field(c, "Kiểu / Model", in->model);
	snprintf(buf, sizeof(buf), "%s (mã quản lý / register id %s)", in->serial, in->id);
	field(c, "Số / Serial number", buf);
	field(c, "Cơ sở sản xuất / Manufacturer", in->manufacturer);
	characteristics(buf, sizeof(buf), in);
	field(c, "Đặc trưng kỹ thuật / Characteristics", buf);
	buf[0] = '\0';
	if (run->dut_serial[0] || run->dut_model[0])
		snprintf(buf, sizeof(buf), "%s, serial %s (qua giao diện / over its interface)",
			 run->dut_model, run->dut_serial);
	field(c, "Nhận dạng / Identified as", buf);
	field(c, "Đơn vị sử dụng / Customer (owner)", in->owner);
	field(c, "Phương pháp thực hiện / Method", run->method);
	snprintf(buf, sizeof(buf), "%s (%s), SHA-256 %s", run->procedure_title, run->procedure_id,
		 run->procedure_sha256);
	field(c, "Quy trình / Procedure", buf);
	if (is_calibration(d))
		snprintf(buf, sizeof(buf),
			 "Hiệu chuẩn theo yêu cầu của khách hàng / calibration at the customer's "
			 "request (mode %s)",
			 run->mode);
	else
		snprintf(buf, sizeof(buf), "%s", mode_vi(run->mode));
	field(c, is_calibration(d) ? "Hoạt động / Activity" : "Chế độ kiểm định / Mode", buf);
	time_text(a, sizeof(a), run->started_at);
	time_text(b, sizeof(b), run->finished_at);
	snprintf(buf, sizeof(buf), "%s – %s", a, b);
	field(c, "Thời gian đo / Date of measurement", buf);
	conditions(c);
	date_vi(buf, sizeof(buf), d->v.cert.issue_date);
	time_text(a, sizeof(a), d->v.cert.issued_at);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (issued %s)", a);
	field(c, "Ngày ban hành / Date of issue", buf);
	field(c, "Tem kiểm định số / Sticker number", run->cond.sticker_no);
}

/* The reference standards with their certificates and due dates: the traceability. */
static int standards(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	struct table t = { .ncol = 5,
			   .vi = { "Chuẩn", "Mô tả", "Đặc trưng", "Số giấy chứng nhận",
				   "Hạn hiệu chuẩn" },
			   .en = { "Standard", "Description", "Characteristics", "Certificate No.",
				   "Calibration due" },
			   .wrap_col = 1 };
	int err, r = 0;

	section(c, "CHUẨN ĐO LƯỜNG SỬ DỤNG / REFERENCE STANDARDS (liên kết chuẩn / traceability)",
		40);
	if (!d->n_weights && !d->n_refs) {
		para(c, c->reg, VALUE_SIZE, VALUE_LEAD, MARGIN_X, LEFT, "không có / none");
		return CAL_OK;
	}
	err = table_alloc(&t, (int)(d->n_weights + d->n_refs));
	if (err)
		return err;
	for (size_t i = 0; i < d->n_weights; i++, r++) {
		const struct cal_standard *s = &d->weights[i];
		char buf[256], nom[48], cor[48], u[48], k[16];

		cal_num_format_g(nom, sizeof(nom), s->nominal_kg);
		/* corrections and U in mg, the unit of weight certificates */
		cal_num_format_sig(cor, sizeof(cor), s->correction_kg * 1e6, 6);
		cal_num_format_sig(u, sizeof(u), s->u_kg * 1e6, 6);
		cal_num_format_sig(k, sizeof(k), s->k, 4);
		table_set(&t, r, 0, s->id);
		snprintf(buf, sizeof(buf), "quả cân / weight %s kg, cấp / class %s", nom,
			 s->weight_class);
		table_set(&t, r, 1, buf);
		snprintf(buf, sizeof(buf), "correction %s mg, U %s mg (k = %s)", cor, u, k);
		table_set(&t, r, 2, buf);
		table_set(&t, r, 3, s->cert_no[0] ? s->cert_no : "-");
		table_set(&t, r, 4, s->due_date);
	}
	for (size_t i = 0; i < d->n_refs; i++, r++) {
		const struct cal_pstandard *s = &d->refs[i];
		char buf[384], u[128], k[16], lo[32], hi[32];

		cal_num_format_sig(k, sizeof(k), s->k, 4);
		table_set(&t, r, 0, s->id);
		standard_desc(buf, sizeof(buf), s);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ", %s … %s %s",
			 cal_doc_sig(lo, sizeof(lo), s->range_lo),
			 cal_doc_sig(hi, sizeof(hi), s->range_hi), s->unit);
		table_set(&t, r, 1, buf);
		cal_doc_pstandard_u_text(u, sizeof(u), s);
		snprintf(buf, sizeof(buf), "%s (k = %s)", u, k);
		table_set(&t, r, 2, buf);
		table_set(&t, r, 3, s->cert_no[0] ? s->cert_no : "-");
		table_set(&t, r, 4, s->due_date);
	}
	table_layout(c, &t);
	table_rows(c, &t);
	free(t.cells);
	return CAL_OK;
}

static bool any_uncertainty(const struct cal_certdoc *d)
{
	for (size_t i = 0; i < d->n_results; i++)
		if (d->results[i].k > 0)
			return true;
	return false;
}

/* The results with units, as `cert show` prints them; U, k and ν_eff for calibrations. */
static int results(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	bool cal = any_uncertainty(d);
	struct table t = { .vi = { "TT", "Phép thử", "Điểm đo", "Danh định", "Chuẩn", "Chỉ thị",
				   "Sai số", "SSCP", "Đơn vị" },
			   .en = { "No.", "Test", "Point", "Nominal", "Reference", "Indication",
				   "Error", "MPE", "Unit" },
			   .right = { true, false, false, true, true, true, true, true, false },
			   .wrap_col = 2 };
	int err, nc = 9;

	if (cal) {
		t.vi[nc] = "ĐKĐBĐ U";
		t.en[nc] = "Expanded U";
		t.right[nc++] = true;
		t.vi[nc] = "k";
		t.en[nc] = "k";
		t.right[nc++] = true;
		t.vi[nc] = "νeff";
		t.en[nc] = "νeff";
		t.right[nc++] = true;
	}
	t.vi[nc] = "Kết quả";
	t.en[nc] = "Verdict";
	t.ncol = nc + 1;
	section(c, "KẾT QUẢ / RESULTS", 40);
	if (!d->n_results) {
		para(c, c->reg, VALUE_SIZE, VALUE_LEAD, MARGIN_X, LEFT, "không có / none");
		return CAL_OK;
	}
	err = table_alloc(&t, (int)d->n_results);
	if (err)
		return err;
	for (size_t i = 0; i < d->n_results; i++) {
		const struct cal_result *r = &d->results[i];
		char buf[64], ut[32] = "";
		bool range = strcmp(r->test, "repeatability") == 0 && r->reading_id == 0;
		bool hyst = strcmp(r->test, "hysteresis") == 0;
		int row = (int)i, j = 9,
		    edec = r->decimals + (range ? 0 : CAL_ERROR_EXTRA_DECIMALS);
		int udec = -1;

		snprintf(buf, sizeof(buf), "%d", r->seq);
		table_set(&t, row, 0, buf);
		table_set(&t, row, 1, r->test);
		table_set(&t, row, 2, r->label);
		cal_num_format_g(buf, sizeof(buf), r->load);
		table_set(&t, row, 3, buf);
		/* what the error is taken against: the weights' conventional mass, the
		 * reference as read; to the digits of the error */
		if (isfinite(r->ref) && !range && !hyst)
			cal_num_format(buf, sizeof(buf), r->ref,
				       r->decimals + CAL_ERROR_EXTRA_DECIMALS);
		else
			snprintf(buf, sizeof(buf), "-");
		table_set(&t, row, 4, buf);
		if (range)
			snprintf(buf, sizeof(buf), "(range)");
		else if (hyst)
			snprintf(buf, sizeof(buf), "(down-up)");
		else
			cal_num_format(buf, sizeof(buf), r->indication, r->decimals);
		table_set(&t, row, 5, buf);
		/* U to two significant digits, half up; the error to the same decimal place
		 * (ILAC-P14, GUM 7.2.6) */
		if (r->k > 0 && isfinite(r->u) &&
		    cal_round_sig(ut, sizeof(ut), NULL, &udec, r->u, 2) != CAL_OK) {
			cal_error_clear();
			cal_num_format_g(ut, sizeof(ut), r->u);
			udec = -1;
		}
		cal_num_format(buf, sizeof(buf), r->error, udec >= 0 ? udec : edec);
		table_set(&t, row, 6, buf);
		cal_num_format_g(buf, sizeof(buf), r->mpe);
		table_set(&t, row, 7, buf);
		table_set(&t, row, 8, r->unit);
		if (cal) {
			table_set(&t, row, j++, r->k > 0 ? ut : "");
			if (r->k > 0)
				cal_num_format(buf, sizeof(buf), r->k, 2);
			table_set(&t, row, j++, r->k > 0 ? buf : "");
			if (r->k > 0 && isinf(r->nu_eff))
				snprintf(buf, sizeof(buf), "∞");
			else if (r->k > 0 && isfinite(r->nu_eff))
				cal_num_format_sig(buf, sizeof(buf), r->nu_eff, 3);
			else
				buf[0] = '\0';
			table_set(&t, row, j++, buf);
		}
		table_set(&t, row, j,
			  strcmp(r->verdict, "PASS") == 0   ? "Đạt (PASS)"
			  : strcmp(r->verdict, "FAIL") == 0 ? "Không đạt (FAIL)"
							    : r->verdict);
	}
	table_layout(c, &t);
	table_rows(c, &t);
	free(t.cells);
	return CAL_OK;
}

/* ILAC-P14 / EA-4/02: how U was obtained, with k and the coverage probability. */
static void uncertainty_statement(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	bool all2 = true;

	if (!any_uncertainty(d))
		return;
	for (size_t i = 0; i < d->n_results; i++)
		if (d->results[i].k > 0 && fabs(d->results[i].k - 2) > 1e-9)
			all2 = false;
	c->y -= 3;
	para(c, c->reg, 7.6f, 9.2f, MARGIN_X, LEFT,
	     all2 ? "Độ không đảm bảo đo mở rộng được công bố là độ không đảm bảo đo chuẩn nhân "
		    "với hệ số phủ k = 2, đối với phân bố chuẩn tương ứng với xác suất phủ xấp xỉ "
		    "95 %."
		  : "Độ không đảm bảo đo mở rộng được công bố là độ không đảm bảo đo chuẩn nhân "
		    "với hệ số phủ k nêu tại từng điểm (từ bậc tự do hiệu dụng νeff), tương ứng "
		    "với xác suất phủ xấp xỉ 95 %.");
	gray(c, 0.3f);
	para(c, c->reg, 7.6f, 9.2f, MARGIN_X, LEFT,
	     all2 ? "The reported expanded uncertainty of measurement is stated as the standard "
		    "uncertainty of measurement multiplied by the coverage factor k = 2, which for "
		    "a normal distribution corresponds to a coverage probability of approximately "
		    "95 %."
		  : "The reported expanded uncertainty of measurement is stated as the standard "
		    "uncertainty of measurement multiplied by the coverage factor k given for each "
		    "point (from its effective degrees of freedom νeff), which corresponds to a "
		    "coverage probability of approximately 95 %.");
	gray(c, 0);
}

/* The conclusion: the conformity statement with its rule and specification. */
static void conclusion(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	const struct cal_run *run = &d->v.run;
	bool pass = strcmp(run->verdict, "PASS") == 0;
	char buf[512];

	c->y -= 4;
	need(c, 24);
	if (is_calibration(d)) {
		para(c, c->bold, 9, 11.5f, MARGIN_X, LEFT,
		     pass ? "Tuyên bố sự phù hợp: PHÙ HỢP" : "Tuyên bố sự phù hợp: KHÔNG PHÙ HỢP");
		gray(c, 0.3f);
		snprintf(buf, sizeof(buf),
			 "Statement of conformity: %s under the decision rule below; it applies "
			 "to the points listed in the results table.",
			 pass ? "PASS, every error within its MPE" : "FAIL");
		para(c, c->reg, 8, 10, MARGIN_X, LEFT, buf);
	} else {
		para(c, c->bold, 9.5f, 12, MARGIN_X, LEFT,
		     pass ? "Kết luận: Đạt yêu cầu kỹ thuật đo lường"
			  : "Kết luận: Không đạt yêu cầu kỹ thuật đo lường");
		gray(c, 0.3f);
		para(c, c->reg, 8, 10, MARGIN_X, LEFT,
		     pass ? "Conclusion: the instrument meets the metrological requirements."
			  : "Conclusion: the instrument does not meet the metrological "
			    "requirements.");
	}
	gray(c, 0);
	c->y -= 2;
	field(c, "Lý do / Reason", run->fail_reason);
	field(c, "Quy tắc quyết định / Decision rule", d->decision_rule);
	field(c, "Yêu cầu / Requirements", d->limits);
}

/* Validity, place and date, the persons; kept together on one page. */
/* One signature column centred in [x, x + w]: function (VI, EN), space to sign, the name. */
static void signature(struct ctx *c, float x, float w, float top, const char *vi, const char *en,
		      const char *name)
{
	char buf[256];

	clean(buf, sizeof(buf), vi);
	show(c, c->bold, 8.3f, x + (w - str_w(c->bold, 8.3f, buf)) / 2, top - 19, buf, strlen(buf));
	gray(c, 0.3f);
	clean(buf, sizeof(buf), en);
	show(c, c->reg, 7.5f, x + (w - str_w(c->reg, 7.5f, buf)) / 2, top - 27.5f, buf,
	     strlen(buf));
	gray(c, 0);
	clean(buf, sizeof(buf), name);
	show(c, c->bold, 8.8f, x + (w - str_w(c->bold, 8.8f, buf)) / 2, top - 64, buf, strlen(buf));
}

static void signatures(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	const struct cal_centre *ce = &d->centre;
	const char *checker = d->v.run.cond.checked_by;
	int ncol = checker[0] ? 3 : 2; /* the checker signs when the record names one */
	float colw = CONTENT_W / (float)ncol, xr = RIGHT_X - colw, top;
	char buf[256], date[64];

	if (d->v.cert.kind == CAL_CERT_VERIFICATION && d->v.cert.valid_until[0]) {
		date_vi(date, sizeof(date), d->v.cert.valid_until);
		snprintf(buf, sizeof(buf), "Thời hạn đến / Valid until: %s (%s)", date,
			 d->v.cert.valid_until);
		c->y -= 3;
		need(c, 14);
		show_str(c, c->bold, 9.5f, MARGIN_X, c->y - 9.5f, buf);
		c->y -= 13;
	}
	c->y -= 4;
	need(c, 80);
	top = c->y;
	/* place and date of issue over the approver, as on Vietnamese certificates */
	date_vi(date, sizeof(date), d->v.cert.issue_date);
	if (ce->place[0])
		snprintf(buf, sizeof(buf), "%s, %s", ce->place, date);
	else /* "Ngày ...": date_vi() starts with the lower-case ASCII 'n' */
		snprintf(buf, sizeof(buf), "N%s", date + 1);
	show_str(c, c->reg, 8, xr + (colw - str_w(c->reg, 8, buf)) / 2, top - 8, buf);
	signature(c, MARGIN_X, colw, top, "NGƯỜI THỰC HIỆN", "Performed by",
		  d->v.run.operator_name);
	if (checker[0])
		signature(c, MARGIN_X + colw, colw, top, "NGƯỜI KIỂM SOÁT", "Checked by", checker);
	snprintf(buf, sizeof(buf), "Approved by%s%s", ce->approver_title[0] ? " – " : "",
		 ce->approver_title);
	signature(c, xr, colw, top, "NGƯỜI PHÊ DUYỆT", buf, ce->approver);
	c->y = top - 72;
	gray(c, 0.35f);
	para(c, c->reg, 6.8f, 8, MARGIN_X, CENTRE, "— Hết / End of document —");
	gray(c, 0);
}

/* The footer text, wrapped once: its height decides where the body ends. */
static void footer_prepare(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	const char *lab = lab_name(d);
	char text[1024];

	snprintf(text, sizeof(text),
		 "Kết quả trong %s này chỉ có giá trị đối với phương tiện đo được nêu ở trên. "
		 "Không được sao chép một phần %s này nếu không có sự đồng ý bằng văn bản của "
		 "%s. The results relate only to the item %s. This document may not be "
		 "reproduced except in full without the written approval of %s.",
		 noun_vi(d->v.cert.kind), noun_vi(d->v.cert.kind), lab[0] ? lab : "đơn vị ban hành",
		 is_calibration(d) ? "calibrated" : "verified", lab[0] ? lab : "the laboratory");
	clean(c->footer, sizeof(c->footer), text);
	c->n_foot = wrap(c->foot, 8, c->reg, FOOTER_SIZE, c->footer, CONTENT_W);
	c->bottom = FOOTER_BASE + (float)c->n_foot * FOOTER_LEAD + 8;
}

/* Running header and footer of every page, once the number of pages is known. */
static void finish_pages(struct ctx *c)
{
	const struct cal_certdoc *d = c->d;
	char buf[256];

	for (int k = 0; k < c->n_pages; k++) {
		c->page = c->pages[k];
		gray(c, 0);
		snprintf(buf, sizeof(buf), "Số (N°): %s", d->v.cert.number);
		show_right(c, c->bold, 8, RIGHT_X, HEAD_Y1, buf);
		snprintf(buf, sizeof(buf), "Trang %d/%d – Page %d of %d", k + 1, c->n_pages, k + 1,
			 c->n_pages);
		show_right(c, c->reg, 7.5f, RIGHT_X, HEAD_Y2, buf);
		if (k > 0) {
			show_str(c, c->bold, 7.5f, MARGIN_X, HEAD_Y1, lab_name(d));
			snprintf(buf, sizeof(buf), "%s / %s", cal_certdoc_title_vi(d->v.cert.kind),
				 cal_certdoc_title_en(d->v.cert.kind));
			gray(c, 0.3f);
			show_str(c, c->reg, 6.8f, MARGIN_X, HEAD_Y2, buf);
			hline(c, MARGIN_X, RIGHT_X, HEAD_Y2 - 4.5f, 0.5f, 0.4f);
		}
		if (d->v.cert.revoked) {
			const char *t = "ĐÃ THU HỒI / REVOKED";

			HPDF_Page_SetRGBFill(c->page, 0.75f, 0, 0);
			show_str(c, c->bold, 8.5f, (PAGE_W - str_w(c->bold, 8.5f, t)) / 2, HEAD_Y1,
				 t);
		}
		hline(c, MARGIN_X, RIGHT_X, c->bottom - 4, 0.4f, 0.5f);
		gray(c, 0.3f);
		for (int i = 0; i < c->n_foot; i++)
			show(c, c->reg, FOOTER_SIZE, MARGIN_X,
			     FOOTER_BASE + (float)(c->n_foot - 1 - i) * FOOTER_LEAD,
			     c->footer + c->foot[i].off, c->foot[i].len);
		gray(c, 0);
	}
}

static int layout(struct ctx *c)
{
	int err;

	footer_prepare(c);
	new_page(c);
	err = qr_code(c);
	if (err)
		return err;
	letterhead(c);
	revoked_box(c);
	identification(c);
	if (c->y > c->qr_bottom)
		c->y = c->qr_bottom;
	c->qr_bottom = 0;
	err = standards(c);
	if (!err)
		err = results(c);
	if (err)
		return err;
	uncertainty_statement(c);
	conclusion(c);
	signatures(c);
	finish_pages(c);
	return c->err;
}

/* Start a document with the renderer's fonts: the logo checked first. */
static int begin(struct ctx *c, struct cal_pdf *p, const struct cal_certdoc *d)
{
	const char *logo = d->centre.logo;
	int err;

	memset(c, 0, sizeof(*c));
	c->r = p;
	c->d = d;
	c->doc = p->doc;
	if (logo[0]) {
		err = check_readable(logo, "lab.logo",
				     " (a PNG file; calbench setting set lab.logo "
				     "FILE)");
		/* libpng under libharu aborts on a damaged file: checked whole first */
		if (!err)
			err = cal_png_check(logo, 4096);
		if (err)
			return err;
	}
	p->err = 0;
	p->detail = 0;
	if (HPDF_NewDoc(p->doc) != HPDF_OK)
		return hpdf_fail(p, "PDF: new document");
	HPDF_SetCompressionMode(p->doc, p->compress ? HPDF_COMP_ALL : HPDF_COMP_NONE);
	c->reg = HPDF_GetFont(p->doc, p->font_name, "UTF-8");
	c->bold = HPDF_GetFont(p->doc, p->bold_name, "UTF-8");
	if (!c->reg || !c->bold || p->err)
		return hpdf_fail(p, "PDF: fonts");
	HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, d->v.cert.number);
	HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "calbench");
	return CAL_OK;
}

int cal_pdf_render(unsigned char **out, size_t *size, int *pages, struct cal_pdf *p,
		   const struct cal_certdoc *d)
{
	struct ctx c;
	unsigned char *buf = NULL;
	HPDF_UINT32 n = 0, got;
	int err;

	*out = NULL;
	*size = 0;
	if (pages)
		*pages = 0;
	if (!p || !d)
		return cal_error_set(CAL_ERR_ARG, "PDF: bad arguments");
	err = begin(&c, p, d);
	if (err)
		goto cleanup;
	err = layout(&c);
	if (!err && p->err) {
		char what[128];

		snprintf(what, sizeof(what), "PDF of %s", d->v.cert.number);
		err = hpdf_fail(p, what);
	}
	if (err)
		goto cleanup;
	ttf_mark_components(&p->comps[0], c.reg);
	ttf_mark_components(&p->comps[1], c.bold);
	if (HPDF_SaveToStream(p->doc) != HPDF_OK) {
		err = hpdf_fail(p, "PDF: saving");
		goto cleanup;
	}
	n = HPDF_GetStreamSize(p->doc);
	buf = malloc(n ? n : 1);
	if (!buf) {
		err = cal_error_set(CAL_ERR_NOMEM, "PDF: out of memory for %u bytes", (unsigned)n);
		goto cleanup;
	}
	got = n;
	HPDF_ReadFromStream(p->doc, buf, &got); /* may report the end of the stream */
	if (got != n) {
		err = hpdf_fail(p, "PDF: reading the document back");
		goto cleanup;
	}
	*out = buf;
	*size = n;
	buf = NULL;
	if (pages)
		*pages = c.n_pages;
cleanup:
	free(buf);
	free(c.pages);
	HPDF_FreeDoc(p->doc); /* keeps the fonts */
	p->err = 0;
	return err;
}

int cal_pdf_render_file(int *pages, struct cal_pdf *p, const struct cal_certdoc *d,
			const char *path)
{
	unsigned char *buf = NULL;
	size_t n = 0;
	FILE *f = NULL;
	int err = cal_pdf_render(&buf, &n, pages, p, d);

	if (err)
		return err;
	f = fopen(path, "wb");
	if (!f) {
		err = cal_error_set(CAL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (fwrite(buf, 1, n, f) != n) {
		err = cal_error_set(CAL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
cleanup:
	if (f && fclose(f) != 0 && !err)
		err = cal_error_set(CAL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	free(buf);
	return err;
}

int cal_certdoc_pdf(const struct cal_certdoc *d, const struct cal_pdf_opts *opts, const char *path)
{
	struct cal_pdf *p = NULL;
	int err = cal_pdf_new(&p, opts);

	if (!err)
		err = cal_pdf_render_file(NULL, p, d, path);
	cal_pdf_free(p);
	return err;
}

int cal_certdoc_pdf_mem(unsigned char **out, size_t *size, const struct cal_certdoc *d,
			const struct cal_pdf_opts *opts)
{
	struct cal_pdf *p = NULL;
	int err;

	*out = NULL;
	*size = 0;
	err = cal_pdf_new(&p, opts);
	if (!err)
		err = cal_pdf_render(out, size, NULL, p, d);
	cal_pdf_free(p);
	return err;
}
