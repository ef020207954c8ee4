/*
 * PDF rendering of a certificate, calibration certificate or failure record
 * (struct cal_certdoc) with libharu: A4, Vietnamese first and English below,
 * an embedded Unicode TrueType font (DejaVu by default) so that the text
 * renders and extracts as written, the document number and "Trang k/n -
 * Page k of n" on every page, a QR code of cal_certdoc_qr_text() on page 1.
 * Everything printed comes from the record; a field the record does not have
 * is left out, never made up.
 *
 * A renderer (struct cal_pdf) loads the fonts once and renders any number of
 * documents, one at a time; cal_certdoc_pdf() is the one-shot form. Not
 * thread-safe: one renderer per thread. libharu's errors come back as
 * CAL_ERR_* with a message (cal_error_last()); nothing aborts.
 */
#ifndef CAL_DOCUMENTS_PDF_H
#define CAL_DOCUMENTS_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/document.h"

/* Debian's fonts-dejavu-core. */
#define CAL_PDF_FONT_DEFAULT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define CAL_PDF_FONT_BOLD_DEFAULT "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

#define CAL_PDF_OPTS_VERSION 1

struct cal_pdf_opts {
	int version;	       /* CAL_PDF_OPTS_VERSION */
	const char *font;      /* regular TrueType font; NULL: CAL_PDF_FONT_DEFAULT */
	const char *font_bold; /* bold; NULL: CAL_PDF_FONT_BOLD_DEFAULT when font is NULL,
				  else the regular font */
	bool uncompressed;     /* leave streams uncompressed (larger files; for debugging) */
};

#define CAL_PDF_OPTS_INIT                                                                          \
	{                                                                                          \
		CAL_PDF_OPTS_VERSION, NULL, NULL, false                                            \
	}

struct cal_pdf;

/*
 * A renderer with its fonts loaded.
 *
 * @param[out] out The renderer; NULL on error. Free with cal_pdf_free().
 * @param[in] opts Fonts and options. Can be NULL (the defaults).
 *
 * @retval CAL_OK
 * @retval CAL_ERR_IO A font file cannot be read (the message names it).
 * @retval CAL_ERR_CONFIG A font file is not a usable TrueType font.
 * @retval CAL_ERR_NOMEM
 */
int cal_pdf_new(struct cal_pdf **out, const struct cal_pdf_opts *opts);
void cal_pdf_free(struct cal_pdf *p); /* NULL ok */

/*
 * Render @d into memory.
 *
 * @param[out] out The PDF bytes, malloc'ed: free() them. NULL on error.
 * @param[out] size Their number.
 * @param[out] pages Number of pages. Can be NULL.
 * @param[in] p The renderer. Must not be NULL.
 * @param[in] d The document. Must not be NULL.
 *
 * @retval CAL_OK
 * @retval CAL_ERR_IO The logo (lab.logo) cannot be read.
 * @retval CAL_ERR_CONFIG The logo is not a PNG file libharu can embed.
 * @retval CAL_ERR_ARG The QR text does not fit a QR code.
 * @retval CAL_ERR libharu failed (the message gives its error number).
 */
int cal_pdf_render(unsigned char **out, size_t *size, int *pages, struct cal_pdf *p,
		   const struct cal_certdoc *d);

/*
 * Render @d into the file @path (replaced if it exists; "-" is not special).
 * @pages can be NULL. CAL_ERR_IO naming the file when it cannot be written;
 * otherwise as cal_pdf_render().
 */
int cal_pdf_render_file(int *pages, struct cal_pdf *p, const struct cal_certdoc *d,
			const char *path);

/* One-shot: a renderer for one document (@opts can be NULL). */
int cal_certdoc_pdf(const struct cal_certdoc *d, const struct cal_pdf_opts *opts, const char *path);
int cal_certdoc_pdf_mem(unsigned char **out, size_t *size, const struct cal_certdoc *d,
			const struct cal_pdf_opts *opts);

#endif /* CAL_DOCUMENTS_PDF_H */
