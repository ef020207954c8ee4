/*
 * Private to documents/: a subset of a TrueType font for the PDF renderer
 * (pdf.c). libharu 2.3 maps all 65,536 BMP code points through the font's
 * cmap and writes a width array and a CIDToGIDMap up to the highest one for
 * every document, and embeds every table whole: with DejaVu Sans (6,000
 * glyphs, 700 cmap segments) that is most of the time a certificate takes.
 * The subset keeps the scripts a certificate of a Vietnamese centre may
 * carry (Latin with Vietnamese, Greek, Cyrillic, punctuation, symbols and
 * mathematical operators), each code point with its own glyph, numbered in
 * code point order, and the components of composite glyphs. The reading of
 * a TrueType file it rests on (tables, glyphs, composites) serves pdf.c too.
 */
#ifndef CAL_DOCUMENTS_TTFSUB_H
#define CAL_DOCUMENTS_TTFSUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline unsigned ttf_be16(const unsigned char *b)
{
	return (unsigned)b[0] << 8 | b[1];
}

static inline uint32_t ttf_be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* A table of a font file: its bytes, inside the file. */
struct ttf_span {
	const unsigned char *p;
	size_t len;
};

/* A TrueType font file read by cal_ttf_open(): borrows the file's bytes. */
struct ttf_font {
	struct ttf_span head, hhea, maxp, hmtx, loca, glyf, cmap, name, os2, post;
	const unsigned char *cmap4; /* the Unicode format 4 'cmap' subtable */
	size_t cmap4_len;
	unsigned n_glyphs, n_hmetrics;
	bool long_loca;
};

/*
 * Check that @f (@size bytes, read from @path, named in messages) is a
 * TrueType font libharu can load (it crashes on some other files): the
 * tables it needs there whole, their counts consistent, a Unicode format 4
 * cmap.
 *
 * @retval CAL_OK
 * @retval CAL_ERR_CONFIG Not such a font (the message says why).
 */
int cal_ttf_open(struct ttf_font *t, const unsigned char *f, size_t size, const char *path);

/* The table @tag of the font file @f; false when it is not there whole. */
bool cal_ttf_table(struct ttf_span *out, const unsigned char *f, size_t size, const char *tag);

/*
 * Where glyph @g (below n_glyphs) is in 'glyf', as 'loca' says: from
 * *@start to *@end, which the caller checks against glyf.len.
 */
void cal_ttf_glyph(const struct ttf_font *t, unsigned g, size_t *start, size_t *end);

/*
 * The components of a composite glyph (@glyph, @len bytes, a negative
 * numberOfContours): after cal_ttf_comp_begin(), each cal_ttf_comp_next()
 * gives the offset in the glyph of the next component record (its flags,
 * then its glyph index at +2), 0 after the last one or the 64th.
 */
struct ttf_comp_iter {
	const unsigned char *glyph;
	size_t len, next;
	int n;
};

void cal_ttf_comp_begin(struct ttf_comp_iter *it, const unsigned char *glyph, size_t len);
size_t cal_ttf_comp_next(struct ttf_comp_iter *it);

/*
 * Check that @font (@size bytes, read from @path, named in messages) is a
 * TrueType font libharu can load and make its subset.
 *
 * @param[out] out The subset, a TrueType file, malloc'ed: free() it.
 * @param[out] out_size Its size.
 *
 * @retval CAL_OK
 * @retval CAL_ERR_CONFIG Not a TrueType font with glyf outlines (the message says why).
 * @retval CAL_ERR_NOMEM
 */
int cal_ttf_subset(unsigned char **out, size_t *out_size, const unsigned char *font, size_t size,
		   const char *path);

#endif /* CAL_DOCUMENTS_TTFSUB_H */
