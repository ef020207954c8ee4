/*
 * libFuzzer target for the text files a user hands to calbench:
 * bench files, procedure files and answers files (procedures/).
 *
 * The first byte chooses the parser (modulo 3: 0 bench, 1 procedure,
 * 2 answers; seeds start with B, C, A), the rest is the file. Invariants: no
 * crash, no sanitizer report, no leak; a successful parse is
 * self-consistent (ids set, counts within bounds, digest 64 hex digits);
 * a failed parse leaves a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/procedure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(void)
{
	abort();
}

static void bench(const char *text, size_t len)
{
	struct cal_bench *b = NULL;

	if (cal_bench_parse(&b, text, len, "fuzz.yaml")) {
		if (b || !cal_error_last()[0])
			fail();
		return;
	}
	for (size_t i = 0; i < b->n; i++)
		if (!b->instr[i].id[0] || !cal_driver_find(b->instr[i].driver))
			fail();
	cal_bench_free(b);
}

static void procedure(const char *text, size_t len)
{
	struct cal_procedure *p = NULL;

	if (cal_procedure_parse(&p, text, len, "fuzz.yaml")) {
		if (p || !cal_error_last()[0])
			fail();
		return;
	}
	if (p->n_tests > CAL_PROC_MAX_TESTS || strlen(p->sha256) != 64)
		fail();
	cal_procedure_free(p);
}

static void answers(const char *text)
{
	struct cal_answers *a = NULL;

	if (cal_answers_parse(&a, text, "fuzz.txt")) {
		if (a || !cal_error_last()[0])
			fail();
		return;
	}
	cal_answers_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	/* Exact-size, NUL-terminated copy: reads past the end are caught. */
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	cal_error_clear();
	switch (data[0] % 3) {
	case 0:
		bench(text, size - 1);
		break;
	case 1:
		procedure(text, size - 1);
		break;
	default:
		answers(text);
		break;
	}
	free(text);
	return 0;
}
