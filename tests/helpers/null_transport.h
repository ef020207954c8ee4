/*
 * A transport that goes nowhere, for model drivers written in a test (their
 * ops never touch the link): writes succeed, reads time out.
 */
#ifndef CAL_TESTS_NULL_TRANSPORT_H
#define CAL_TESTS_NULL_TRANSPORT_H

#include "cal/transport.h"

int null_transport_new(struct cal_transport **out);

#endif
