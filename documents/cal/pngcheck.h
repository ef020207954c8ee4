/*
 * A PNG file checked before it is handed to libharu (whose libpng aborts the
 * process on a damaged file): chunks, CRCs, a sane header no larger than
 * @max_dim pixels a side, and image data that inflate to what the header
 * promises. CAL_OK, or CAL_ERR_ARG / CAL_ERR_IO naming the file and the fault.
 */
#ifndef CAL_DOCUMENTS_PNGCHECK_H
#define CAL_DOCUMENTS_PNGCHECK_H

#include <stdbool.h>
#include <stdint.h>

int cal_png_check(const char *path, uint32_t max_dim);

#endif
