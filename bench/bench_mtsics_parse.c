/*
 * bench_mtsics_parse: cal_mtsics_parse() on a mix of real MT-SICS response
 * lines, against a baseline that splits the same lines with
 * sscanf("%*s %c %lf %s") -- what a quick hand-written reader would do,
 * without the checks (printable ASCII, ID and status syntax, decimals,
 * known units, quoted text) that the real parser makes.
 *
 * The mix is weighted like a verification run: mostly weight answers (S, SI
 * while settling), a few acknowledgements, identification texts and errors.
 */
#include <stdio.h>
#include <string.h>

#include "cal/error.h"
#include "cal/mtsics.h"

#include "bench_util.h"

static const char usage[] = "MT-SICS line parse rate: cal_mtsics_parse vs sscanf.\n";

static const char *const frames[] = {
	"S S     100.00 g",
	"S D     100.03 g",
	"S S    2500.0 g",
	"S D    2499.8 g",
	"S S      -0.012 kg",
	"S S   6200.0 g",
	"S S     0.00 g",
	"S S      12.3456 g",
	"S D      12.3461 g",
	"S S   30.005 kg",
	"T S      12.50 g",
	"TA A     12.50 g",
	"Z A",
	"ZI S",
	"S +",
	"S -",
	"S I",
	"ES",
	"I4 A \"B712345678\"",
	"I2 A \"XS205 Excellence 220.0000 g\"",
};

#define NFRAMES (sizeof(frames) / sizeof(frames[0]))
#define BATCH 1024 /* parses between two looks at the clock */

static size_t len[NFRAMES];

/* The sink keeps the compiler from dropping the parses. */
static volatile double sink;

static double run_parser(double seconds, long *count)
{
	struct cal_mtsics_resp r;
	double t0 = bench_now(), t, acc = 0;
	long n = 0;
	size_t k = 0;

	do {
		for (int i = 0; i < BATCH; i++) {
			if (cal_mtsics_parse(&r, frames[k], len[k]) == CAL_OK)
				acc += r.value + (double)r.kind;
			if (++k == NFRAMES)
				k = 0;
		}
		n += BATCH;
		t = bench_now();
	} while (t - t0 < seconds);
	sink = acc;
	*count += n;
	return (double)n / (t - t0);
}

static double run_sscanf(double seconds, long *count)
{
	double t0 = bench_now(), t, acc = 0;
	long n = 0;
	size_t k = 0;

	do {
		for (int i = 0; i < BATCH; i++) {
			char status = 0, unit[CAL_MTSICS_LINE_MAX + 1];
			double v = 0;

			if (sscanf(frames[k], "%*s %c %lf %127s", &status, &v, unit) == 3)
				acc += v + (double)status;
			if (++k == NFRAMES)
				k = 0;
		}
		n += BATCH;
		t = bench_now();
	} while (t - t0 < seconds);
	sink = acc;
	*count += n;
	return (double)n / (t - t0);
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .seconds = 1.0, .rounds = 5 };
	struct bench_row rows[2] = {
		{ .name = "cal_mtsics_parse", .note = "full validation" },
		{ .name = "sscanf (baseline)", .note = "\"%*s %c %lf %s\", no checks" },
	};
	struct cal_mtsics_resp r;
	long n_parse = 0, n_scanf = 0;
	int bad = 0;

	bench_parse_args(&o, argc, argv, usage);
	for (size_t i = 0; i < NFRAMES; i++) {
		len[i] = strlen(frames[i]);
		/* Every frame of the mix is valid MT-SICS: the bench parses, never rejects. */
		if (cal_mtsics_parse(&r, frames[i], len[i]) != CAL_OK) {
			fprintf(stderr, "frame \"%s\": %s\n", frames[i], cal_error_last());
			bad++;
		}
	}
	if (bad)
		bench_die("%d frame(s) of the mix do not parse", bad);

	printf("bench_mtsics_parse: %zu frames in the mix, %d round(s) of %.1f s each\n", NFRAMES,
	       o.rounds, o.seconds);
	for (int i = 0; i < o.rounds; i++) {
		bench_row_push(&rows[0], run_parser(o.seconds, &n_parse));
		bench_row_push(&rows[1], run_sscanf(o.seconds, &n_scanf));
	}
	bench_print_table("MT-SICS lines parsed", "frames/s", rows, 2, 1);
	printf("frames parsed: %ld (cal_mtsics_parse), %ld (sscanf)\n", n_parse, n_scanf);
	return 0;
}
