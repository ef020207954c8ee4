/*
 * bench_import: how fast a register is brought in (cal_db_import_csv,
 * `calbench import --csv`), against the sqlite3 shell loading the same file.
 *
 *  cal_db_import_csv   the whole import: read and check every row (dates,
 *                      results, modes, duplicate numbers), then one
 *                      transaction making the instruments and the history
 *                      rows through the schema's triggers and indexes;
 *  sqlite3 .import     baseline: the sqlite3 shell (a child process) loading
 *                      the same CSV into a plain table, no checks, no
 *                      instruments, no indexes: the floor of "put these rows
 *                      in SQLite".
 *
 * The register is generated: --rows N (default 100,000) rows of a
 * Vietnamese centre's register, ~1 row in 3 an instrument seen before
 * (re-verification), 2 % fails. Each round imports into a fresh database
 * (WAL, synchronous=FULL, as calbench runs), so every round does the same
 * work. Reported as rows per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cal/db.h"
#include "cal/error.h"

#include "bench_util.h"

static const char usage[] = "Import rate of a CSV register: cal_db_import_csv vs the sqlite3 "
			    "shell's .import.\n"
			    "  --rows N   rows in the register (default 100000)\n";

static const char *const types[] = {
	"cân phân tích",   "cân kỹ thuật",	 "cân đồng hồ lò xo", "cân bàn",
	"cân đĩa",	   "đồng hồ nước lạnh",	 "áp kế lò xo",	      "huyết áp kế",
	"cột đo xăng dầu", "công tơ điện 1 pha", "taximet",	      "cân ô tô",
};

/* The register as CSV text, malloc'ed. */
static char *make_register(size_t *len, long rows)
{
	size_t cap = (size_t)rows * 200 + 512, n = 0;
	char *t = malloc(cap);

	if (!t)
		bench_die("out of memory");
	n += (size_t)snprintf(t + n, cap - n,
			      "STT,Ngày kiểm định,Tên phương tiện đo,Hãng sản xuất,Kiểu,Số,"
			      "Đơn vị sử dụng,Phương pháp,Chế độ kiểm định,Kết quả,Số GCN,"
			      "Thời hạn đến,Kiểm định viên\n");
	for (long i = 1; i <= rows; i++) {
		long inst = i % 3 == 0 ? i / 3 : i; /* every third row: seen before */
		int day = 1 + (int)(i % 28), month = 1 + (int)(i / 28 % 12);
		int year = 2016 + (int)(i % 9);
		bool fail = i % 50 == 0;
		const char *type = types[inst % (long)(sizeof(types) / sizeof(types[0]))];

		n += (size_t)snprintf(
			t + n, cap - n,
			"%ld,%02d/%02d/%d,%s,Hãng %ld,K-%ld,SN-%ld,\"Công ty số %ld, Yên Bái\","
			"ĐLVN %ld:2019,%s,%s,%ld - %02d (YB),",
			i, day, month, year, type, inst % 40, inst % 300, inst, inst % 5000,
			10 + inst % 90, i % 7 == 0 ? "Ban đầu" : "Định kỳ",
			fail ? "Không đạt" : "Đạt", i, year % 100);
		if (!fail)
			n += (size_t)snprintf(t + n, cap - n, "%02d/%02d/%d", day, month, year + 1);
		n += (size_t)snprintf(t + n, cap - n, ",Kiểm định viên %ld\n", i % 17);
	}
	*len = n;
	return t;
}

static double run_calbench(const char *dir, const char *text, size_t len, long rows)
{
	struct cal_import_opts o = { .file_name = "register.csv",
				     .day_first = true,
				     .now_s = 1900000000 };
	struct cal_import_report r;
	struct cal_db *db = NULL;
	char path[600];
	double t0, t;

	bench_remove_db(dir, "import.db");
	snprintf(path, sizeof(path), "%s/import.db", dir);
	if (cal_db_open(&db, path))
		bench_die("open %s: %s", path, cal_error_last());
	t0 = bench_now();
	if (cal_db_import_csv(&r, db, text, len, &o))
		bench_die("import: %s\n%s", cal_error_last(), r.errors ? r.errors : "");
	t = bench_now() - t0;
	if ((long)r.rows != rows)
		bench_die("import: %zu rows, expected %ld", r.rows, rows);
	cal_import_report_free(&r);
	cal_db_close(db);
	return t;
}

static double run_shell(const char *dir, const char *csv)
{
	char db[600], cmd[1400];
	double t0, t;
	int st;

	bench_remove_db(dir, "shell.db");
	snprintf(db, sizeof(db), "%s/shell.db", dir);
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 -batch '%s' 'PRAGMA journal_mode=WAL;' 'PRAGMA synchronous=FULL;' "
		 "'.import --csv %s register' >/dev/null",
		 db, csv);
	t0 = bench_now();
	st = system(cmd);
	t = bench_now() - t0;
	if (st != 0)
		bench_die("sqlite3 shell failed (%d): is the sqlite3 package installed?", st);
	return t;
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .seconds = 1, .rounds = 3, .dir = NULL };
	struct bench_row rows[2] = { { .name = "cal_db_import_csv",
				       .note = "checked, instruments + history" },
				     { .name = "sqlite3 .import", .note = "shell, plain table" } };
	char dir[512], csv[600];
	long n_rows = 100000;
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0;
	size_t len;
	char *text;
	FILE *f;

	if (!rest)
		bench_die("out of memory");
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			n_rows = strtol(argv[++i], NULL, 10);
		else
			rest[nrest++] = argv[i];
	}
	bench_parse_args(&o, nrest, rest, usage);
	free(rest);
	if (o.seconds < 1 && n_rows == 100000)
		n_rows = 2000; /* --quick: a smoke run */
	if (n_rows < 1 || n_rows > 10000000)
		bench_die("--rows: 1 to 10000000");
	bench_mkdtemp(dir, sizeof(dir), o.dir ? o.dir : bench_tmpdir());
	text = make_register(&len, n_rows);
	snprintf(csv, sizeof(csv), "%s/register.csv", dir);
	f = fopen(csv, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f))
		bench_die("cannot write %s", csv);
	printf("register: %ld rows, %.1f MB, in %s\n", n_rows, (double)len / 1e6, dir);
	for (int r = 0; r < o.rounds; r++) {
		double tc = run_calbench(dir, text, len, n_rows);
		double ts = run_shell(dir, csv);

		printf("round %d: calbench %.3f s, sqlite3 shell %.3f s\n", r + 1, tc, ts);
		bench_row_push(&rows[0], (double)n_rows / tc);
		bench_row_push(&rows[1], (double)n_rows / ts);
	}
	bench_print_table("Import of a CSV register (fresh database each round)", "rows/s", rows, 2,
			  1);
	bench_remove_db(dir, "import.db");
	bench_remove_db(dir, "shell.db");
	unlink(csv);
	rmdir(dir);
	free(text);
	return 0;
}
