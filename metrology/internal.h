/*
 * Helpers shared by the metrology sources. Not installed, not part of the API.
 * Everything here is static inline and stateless.
 */
#ifndef CAL_METROLOGY_INTERNAL_H
#define CAL_METROLOGY_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

/* Relative tolerance used for every limit comparison in this module. */
#define CAL_METRO_REL_TOL 1e-9

/* a <= b, where a may exceed b by CAL_METRO_REL_TOL * |b| (float noise at a limit). */
static inline bool metro_le(double a, double b)
{
	return a <= b + CAL_METRO_REL_TOL * fabs(b);
}

/* a >= b, where a may fall short of b by CAL_METRO_REL_TOL * |b|. */
static inline bool metro_ge(double a, double b)
{
	return a >= b - CAL_METRO_REL_TOL * fabs(b);
}

/* a and b equal within CAL_METRO_REL_TOL relative to |b|. */
static inline bool metro_eq(double a, double b)
{
	return fabs(a - b) <= CAL_METRO_REL_TOL * fabs(b);
}

/* ASCII-only case-insensitive string equality (strcasecmp follows the locale). */
static inline bool metro_streq_ci(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
		if (x == '\0')
			return true;
	}
}

#endif
