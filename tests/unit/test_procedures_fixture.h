/*
 * Shared by test_procedures.c and test_procedures_engine.c: the fixture
 * (test_procedures_fixture.c) and a tolerance assertion. Include after
 * <cmocka.h>.
 */
#ifndef CAL_TEST_PROCEDURES_FIXTURE_H
#define CAL_TEST_PROCEDURES_FIXTURE_H

#include "cal/db.h"

void tp_class3_dut(struct cal_instrument *in);
size_t tp_weights(struct cal_standard *out, const char *cls, const char *due);
double tp_corr_g(const char *id);

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, eps) assert_near_at((a), (b), (eps), #a, __FILE__, __LINE__)

static inline void assert_near_at(double a, double b, double eps, const char *what,
				  const char *file, int line)
{
	if (!(a >= b - eps && a <= b + eps))
		fail_msg("%s:%d: %s = %.12g, expected %.12g (within %g)", file, line, what, a, b,
			 eps);
}

#endif
