/*
 * Private to documents/: a subset of a TrueType font for the PDF renderer
 * (pdf.c). libharu 2.3 maps all 65,536 BMP code points through the font's
 * cmap and writes a width array and a CIDToGIDMap up to the highest one for
 * every document, and embeds every table whole: with DejaVu Sans (6,000
 * glyphs, 700 cmap segments) that is most of the time a certificate takes.
 * The subset keeps the scripts a certificate of a Vietnamese centre may
 * carry (Latin with Vietnamese, Greek, Cyrillic, punctuation, symbols and
 * mathematical operators), each code point with its own glyph, numbered in
 * code point order, and the components of composite glyphs.
 */
#ifndef CAL_DOCUMENTS_TTFSUB_H
#define CAL_DOCUMENTS_TTFSUB_H

#include <stddef.h>

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
