/*
 * bench_stats: the statistics of `calbench stats --by type,month` over
 * 1,000,000 and 10,000,000 verification records (issue 6, "speed and
 * scale"), against the sqlite3 shell running the equivalent GROUP BY on the
 * same file in the same run.
 *
 *  generate  a fresh calbench database (cal_db_open: the real schema, its
 *            triggers, indexes and foreign keys all on), filled with
 *            prepared statements on that connection: one row in imports (a
 *            register of 2016-2025 brought in), N/5 instruments of 14
 *            Vietnamese types (water and electricity meters most, as in a
 *            centre's register), and N rows of history with source
 *            'import', in date order over ten years, each with its own
 *            number (unique: the index pays for it here only), the
 *            instrument's type and owner, a mode, an operator, the ĐLVN
 *            document of its type; about 2 % fail, calibrations (about 2 %
 *            of the rows) for analytical balances, weights and manometers.
 *            The rows go through a TEMP table into history by INSERT ...
 *            SELECT, 50,000 at a time (every trigger, foreign key, CHECK and
 *            index of history still acts on every row), one transaction
 *            per 1,000,000 rows;
 *  calbench  cal_db_stats by {type, month}, activity verification, no period:
 *            as `calbench stats` does before it prints: SQLite's memory
 *            statistics off (cal_db_init_process), a connection opened with
 *            cal_db_open_readonly, the statistics computed, the connection
 *            closed; best of --repeat;
 *  shell     the sqlite3 program, started with posix_spawn, output to
 *            /dev/null, running the equivalent query
 *              SELECT type, substr(event_date, 1, 7), count(*),
 *                     sum(result = 'pass'), sum(result = 'fail')
 *              FROM history WHERE activity = 'verification' AND revoked = 0
 *              GROUP BY 1, 2 ORDER BY 1, 2;
 *            best of --repeat;
 *  cli       with --calbench PATH, also `calbench --db F stats --by
 *            type,month --format csv` end to end, output to /dev/null;
 *  floor     the shell's `SELECT count(*) FROM history` (SQLite counts the
 *            smallest index it can: the plan is printed) and `SELECT
 *            count(*) FROM history NOT INDEXED WHERE revoked = 0` (every row
 *            of the table read and its last column decoded): no query over
 *            the table can be faster than this;
 *
 * Cold figures: before one run of each, the file's pages are dropped from
 * the page cache (fdatasync + posix_fadvise DONTNEED on this file only; the
 * share of the file still resident is printed). Warm: the best of the
 * rounds that follow, the variants in turn.
 *
 * Checked, exit 1 otherwise: the shell's groups and counts (and the CLI's
 * CSV) are cal_db_stats' exactly, and the totals are what was generated.
 *
 * --db PATH keeps the database and reuses it when it exists (10,000,000
 * records make a 3.6 GB file in about 3 minutes); several --records with
 * --db make PATH-N files. --quick (ctest): 20,000 records, one round;
 * exits 77 (skipped) without the sqlite3 program.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "cal/db.h"
#include "cal/error.h"

#include "bench_sql.h"
#include "bench_util.h"

extern char **environ;

#define MAX_COUNTS 8
#define SKIP_CODE 77 /* ctest SKIP_RETURN_CODE */
#define FIRST_YEAR 2016
#define YEARS 10
#define STAGE 50000	     /* rows moved into history per INSERT ... SELECT */
#define COMMIT_EVERY 1000000 /* rows per transaction */
#define IMPORT_FILE "so-kiem-dinh-2016-2025.xlsx"

static const char shell_sql[] =
	"SELECT type, substr(event_date, 1, 7), count(*), sum(result = 'pass'), "
	"sum(result = 'fail') FROM history WHERE activity = 'verification' AND revoked = 0 "
	"GROUP BY 1, 2 ORDER BY 1, 2;";
static const char count_sql[] = "SELECT count(*) FROM history;";
static const char scan_sql[] = "SELECT count(*) FROM history NOT INDEXED WHERE revoked = 0;";

static const char usage[] =
	"usage: bench_stats [--records N[,N...]]... [--repeat N] [--db PATH] [--keep]\n"
	"                   [--dir DIR] [--calbench PATH] [--sqlite3 PATH] [--no-cold]\n"
	"                   [--quick]\n"
	"Statistics by type x month (cal_db_stats) over N generated verification records\n"
	"(default 1000000 and 10000000) against the sqlite3 shell's GROUP BY on the same\n"
	"file: see docs/performance.md.\n"
	"  --records N   records to generate (1e6, 20k, 10M accepted; repeatable)\n"
	"  --repeat N    warm rounds, the best is reported (default 3)\n"
	"  --db PATH     keep the database at PATH, reuse it when it exists\n"
	"  --keep        keep the temporary database (its path is printed)\n"
	"  --dir DIR     where the temporary database goes (default $TMPDIR or /tmp)\n"
	"  --calbench P  also time `P --db F stats --by type,month --format csv`\n"
	"  --sqlite3 P   the sqlite3 program (default: sqlite3 on $PATH)\n"
	"  --no-cold     no cold runs (no page cache eviction)\n"

	"  --quick       20,000 records, one round (the ctest smoke run)\n";

struct opts {
	long records[MAX_COUNTS];
	int n_records;
	int repeat;
	bool keep, cold;
	const char *dir, *db, *calbench, *shell;
};

/* ---- the register: types, owners, operators ------------------------------- */

/*
 * The instrument types of a centre's register (domain.md §8.1), with the
 * share of the register per mille, and plausible makers, classes, intervals
 * and ĐLVN documents: synthetic data, realistic in shape and width.
 */
static const struct itype {
	const char *name, *prefix, *maker, *model, *klass, *unit, *method, *procedure;
	double max;
	int share;	/* per mille of the instruments */
	int interval;	/* months */
	int calibrated; /* per cent of its events that are calibrations */
	int owners;	/* its own owner pool: 0 generic, 1 water, 2 power, 3 fuel, ... */
} types[] = {
	{ "đồng hồ đo nước", "DHN", "Itron", "Multimag TM II", "B", "m3", "ĐLVN 17:2017",
	  "dlvn-17-2017", 5, 300, 60, 0, 1 },
	{ "công tơ điện 1 pha", "CT1", "EMIC", "CV140", "2", "kWh", "ĐLVN 39:2012", "dlvn-39-2012",
	  40, 250, 60, 0, 2 },
	{ "công tơ điện 3 pha", "CT3", "Gelex", "ME-41", "1", "kWh", "ĐLVN 39:2012", "dlvn-39-2012",
	  100, 50, 24, 0, 2 },
	{ "cột đo xăng dầu", "CDX", "Tatsuno", "SUNNY 2", "0.5", "L", "ĐLVN 10:2017",
	  "dlvn-10-2017", 90, 80, 12, 0, 3 },
	{ "cân đồng hồ lò xo", "CLX", "Nhơn Hòa", "NHS-60", "IIII", "kg", "ĐLVN 30:2019",
	  "dlvn-30-2019", 60, 60, 12, 0, 0 },
	{ "cân bàn", "CBA", "Vinacan", "TPS-DH 500", "III", "kg", "ĐLVN 14:2009", "dlvn-14-2009",
	  500, 50, 12, 0, 0 },
	{ "cân đĩa", "CDI", "Nhơn Hòa", "NHS-30", "IIII", "kg", "ĐLVN 30:2019", "dlvn-30-2019", 30,
	  30, 12, 0, 0 },
	{ "cân ô tô", "COT", "Mettler Toledo", "VTC221", "III", "t", "ĐLVN 13:2019", "dlvn-13-2019",
	  80, 20, 12, 0, 0 },
	{ "cân kỹ thuật", "CKT", "Ohaus", "Pioneer PX3202", "II", "g", "ĐLVN 16:2009",
	  "dlvn-16-2009", 3200, 30, 12, 0, 0 },
	{ "cân phân tích", "CPT", "Mettler Toledo", "XS205", "I", "g", "ĐLVN 16:2009",
	  "dlvn-16-2009", 220, 20, 12, 25, 0 },
	{ "quả cân", "QCA", "Häfner", "M1 1 mg - 20 kg", "M1", "kg", "ĐLVN 286:2015",
	  "dlvn-286-2015", 20, 40, 24, 25, 0 },
	{ "áp kế", "APK", "Wika", "232.50.100", "1.6", "bar", "ĐLVN 08:2011", "dlvn-08-2011", 16,
	  30, 12, 25, 0 },
	{ "huyết áp kế", "HAK", "Omron", "HEM-7121", "", "mmHg", "ĐLVN 09:2011", "dlvn-09-2011",
	  300, 30, 12, 0, 4 },
	{ "taximet", "TAX", "Mitsuba", "TX-6000", "", "km", "ĐLVN 11:2014", "dlvn-11-2014", 0, 10,
	  12, 0, 5 },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static const char *const owner_pools[][8] = {
	[1] = { "Công ty Cổ phần Nước sạch Hà Nội", "Công ty TNHH MTV Nước sạch Hà Đông",
		"Công ty Cổ phần Cấp nước Bắc Ninh", "Công ty Cổ phần Nước sạch Vĩnh Phúc",
		"Công ty Cổ phần Cấp thoát nước Hải Dương", "Công ty Cổ phần Nước sạch Số 2 Hà Nội",
		"Công ty Cổ phần Kinh doanh nước sạch Hải Phòng",
		"Công ty Cổ phần Cấp nước Thái Nguyên" },
	[2] = { "Tổng công ty Điện lực TP Hà Nội", "Công ty Điện lực Bắc Ninh",
		"Công ty Điện lực Vĩnh Phúc", "Công ty Điện lực Hải Dương",
		"Công ty TNHH MTV Điện lực Hải Phòng", "Công ty Điện lực Hưng Yên",
		"Công ty Điện lực Thái Nguyên", "Công ty Điện lực Phú Thọ" },
	[3] = { "Công ty Xăng dầu Khu vực I", "Công ty Xăng dầu Hà Bắc",
		"Công ty Xăng dầu Hải Dương", "Công ty Xăng dầu Vĩnh Phúc",
		"Công ty Cổ phần Thương mại Dầu khí Hà Nội", "Công ty TNHH Xăng dầu Minh Phát",
		"Tổng công ty Dầu Việt Nam - PV OIL", "Công ty Xăng dầu Quân đội Khu vực 1" },
	[4] = { "Bệnh viện Bạch Mai", "Bệnh viện Đa khoa Đức Giang", "Bệnh viện Thanh Nhàn",
		"Bệnh viện Đa khoa tỉnh Bắc Ninh", "Trung tâm Y tế quận Cầu Giấy",
		"Bệnh viện Đa khoa Hà Đông", "Phòng khám Đa khoa Thái Hà",
		"Bệnh viện Đa khoa tỉnh Vĩnh Phúc" },
	[5] = { "Công ty Cổ phần Taxi Group", "Công ty TNHH Taxi Mai Linh Hà Nội",
		"Công ty Cổ phần Taxi Thành Công", "Công ty TNHH Taxi Ba Sao",
		"Công ty Cổ phần Vận tải Taxi Thủ Đô", "Công ty TNHH Taxi Long Biên",
		"Hợp tác xã Taxi Hà Nội", "Công ty Cổ phần Taxi CP Hà Nội" },
};

static const char *const owner_forms[] = { "Công ty TNHH", "Công ty Cổ phần", "Hộ kinh doanh",
					   "Doanh nghiệp tư nhân", "Hợp tác xã" };
static const char *const owner_names[] = {
	"Minh Phát",  "Thành Công", "Hòa Bình", "Phú Thịnh", "An Khang",    "Đại Việt",
	"Hưng Thịnh", "Tân Tiến",   "Bảo Long", "Việt Hưng", "Quang Minh",  "Thái Sơn",
	"Nam Cường",  "Đức Thắng",  "Hải Đăng", "Kim Ngân",  "Trường Sơn",  "Lộc Phát",
	"Thiên Phúc", "Sông Hồng",  "Hồng Hà",	"Vạn Xuân",  "Phương Đông", "Ánh Dương",
};
static const char *const owner_places[] = { "Hà Nội",	"Bắc Ninh",    "Vĩnh Phúc", "Hải Dương",
					    "Hưng Yên", "Thái Nguyên", "Phú Thọ",   "Hà Nam",
					    "Nam Định", "Hải Phòng",   "Bắc Giang", "Hòa Bình" };

static const char *const surnames[] = {
	"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"
};
static const char *const middles[] = { "Văn", "Thị", "Đức", "Minh" };
static const char *const givens[] = { "An",   "Bình", "Cường", "Dũng", "Hà",	 "Hải",
				      "Hùng", "Lan",  "Linh",  "Nam",  "Phương", "Tuấn" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finaliser: a well-spread hash of an index */
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* The type of instrument @j, by the shares of types[]. */
static const struct itype *type_of(long j)
{
	int r = (int)(mix((uint64_t)j) % 1000), acc = 0;

	for (size_t t = 0; t < NTYPES; t++) {
		acc += types[t].share;
		if (r < acc)
			return &types[t];
	}
	return &types[0];
}

static void owner_of(char *buf, size_t size, long j, const struct itype *t)
{
	uint64_t h = mix((uint64_t)j ^ 0x5A5A5A5AULL);

	if (t->owners) {
		snprintf(buf, size, "%s", owner_pools[t->owners][h % 8]);
		return;
	}
	snprintf(buf, size, "%s %s %s", owner_forms[h % N_OF(owner_forms)],
		 owner_names[(h >> 8) % N_OF(owner_names)],
		 owner_places[(h >> 16) % N_OF(owner_places)]);
}

static void instrument_id(char *buf, size_t size, long j, const struct itype *t)
{
	snprintf(buf, size, "%s-%07ld", t->prefix, j);
}

/* ---- the database ----------------------------------------------------------- */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

struct day {
	int y, m, d;
	char iso[11];
};

static double cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* What the generator made, to check the statistics against. */
struct made {
	long verif, verif_pass, calib;
};

/*
 * The register: @n rows of history in date order over YEARS years from
 * FIRST_YEAR, for n / 5 instruments, one import. One transaction on the
 * connection of cal_db_open: schema, triggers, indexes and foreign keys as
 * calbench has them.
 */
static void generate(struct cal_db *db, long n, struct made *made)
{
	long n_inst = n / 5 > 0 ? n / 5 : 1, seq = 0;
	int n_days = 0, prev_year = 0;
	struct day *days;
	sqlite3_stmt *ins_inst, *ins_hist, *flush, *clear;
	char id[32], serial[32], owner[160], number[32], until[11], op[64];
	sqlite3 *h = cal_db_handle(db);
	uint64_t rnd = 0x2545F4914F6CDD1DULL;
	double t0 = bench_now(), t_inst, t_hist, t_commit, c_inst, c_hist;

	memset(made, 0, sizeof(*made));
	days = calloc(366 * YEARS, sizeof(*days));
	if (!days)
		bench_die("out of memory");
	for (int y = FIRST_YEAR; y < FIRST_YEAR + YEARS; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= month_days(y, m); d++) {
				days[n_days] = (struct day){ y, m, d, "" };
				snprintf(days[n_days].iso, sizeof(days[n_days].iso),
					 "%04d-%02d-%02d", y, m, d);
				n_days++;
			}

	/*
	 * While filling: 2 GiB of page cache, so that a transaction's pages do
	 * not spill into the WAL mid-way; temp_store MEMORY, so that the
	 * statement journal of each INSERT (its triggers may abort it) stays in
	 * memory: on a temp file, SQLite writes it for every statement once it
	 * has outgrown 64 KiB, a quarter of the time spent filling.
	 */
	bench_exec(h, "PRAGMA cache_size = -2097152");
	bench_exec(h, "PRAGMA temp_store = MEMORY");
	bench_exec(h, "BEGIN IMMEDIATE");
	{
		sqlite3_stmt *imp =
			bench_prep(h, "INSERT INTO imports(id, file_name, file_sha256, rows, "
				      "mapping, imported_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)");

		bench_text(imp, 1, IMPORT_FILE);
		bench_text(imp, 2,
			   "9c1185a5c5e9fc54612808977ee8f548b2258d31"
			   "b4f1e6a3c1d2e3f4a5b6c7d8");
		sqlite3_bind_int64(imp, 3, n);
		bench_text(imp, 4,
			   "Số GCN=number; Ngày KĐ=event_date; Mã PTĐ=instrument_id; "
			   "Kết quả=result; Hình thức=mode; KĐV=operator");
		bench_text(imp, 5, "2026-01-05T08:30:00Z");
		bench_step_done(h, imp, "imports");
		sqlite3_finalize(imp);
	}

	ins_inst = bench_prep(
		h, "INSERT INTO instruments(id, type, manufacturer, model, serial, owner, "
		   "accuracy_class, unit, max, min, e, d, interval_months, created_at) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0, 0, ?10, "
		   "'2026-01-05T08:30:00Z')");
	for (long j = 0; j < n_inst; j++) {
		const struct itype *t = type_of(j);

		instrument_id(id, sizeof(id), j, t);
		snprintf(serial, sizeof(serial), "%08llu",
			 (unsigned long long)(mix((uint64_t)j + 77) % 100000000ULL));
		owner_of(owner, sizeof(owner), j, t);
		bench_text(ins_inst, 1, id);
		bench_text(ins_inst, 2, t->name);
		bench_text(ins_inst, 3, t->maker);
		bench_text(ins_inst, 4, t->model);
		bench_text(ins_inst, 5, serial);
		bench_text(ins_inst, 6, owner);
		bench_text(ins_inst, 7, t->klass);
		bench_text(ins_inst, 8, t->unit);
		sqlite3_bind_double(ins_inst, 9, t->max);
		sqlite3_bind_int(ins_inst, 10, t->interval);
		bench_step_done(h, ins_inst, "instrument");
	}

	t_inst = bench_now();
	c_inst = cpu_self();
	/*
	 * The rows are staged in a TEMP table (no trigger, no index) and moved
	 * into history by one INSERT ... SELECT per STAGE rows: the triggers,
	 * foreign keys, CHECKs and indexes of history act on every row as on an
	 * import, only the cost of a statement per row is spared (1.6x faster).
	 */
	bench_exec(h,
		   "CREATE TEMP TABLE stage(import_row INTEGER, number TEXT, instrument_id TEXT, "
		   "activity TEXT, event_date TEXT, valid_until TEXT, result TEXT, mode TEXT, "
		   "type TEXT, owner TEXT, operator TEXT, procedure_id TEXT, method TEXT)");
	ins_hist = bench_prep(h, "INSERT INTO temp.stage VALUES (?1, ?2, "
				 "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
	flush = bench_prep(h,
			   "INSERT INTO history(source, import_id, import_row, number, "
			   "instrument_id, activity, event_date, valid_until, result, mode, type, "
			   "owner, operator, procedure_id, method) SELECT 'import', 1, * FROM "
			   "temp.stage ORDER BY rowid");
	clear = bench_prep(h, "DELETE FROM temp.stage");
	for (long i = 0; i < n; i++) {
		const struct day *day = &days[(long)((double)i * n_days / n)];
		long j;
		const struct itype *t;
		bool calib, pass;
		int r, mode;
		const char *mode_name;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		j = (long)(rnd % (uint64_t)n_inst);
		t = type_of(j);
		r = (int)((rnd >> 32) % 1000);
		calib = t->calibrated && (int)((rnd >> 42) % 100) < t->calibrated;
		mode = (int)((rnd >> 50) % 100);
		mode_name = mode < 20 ? "initial" : mode < 97 ? "periodic" : "after-repair";
		pass = mode >= 97 || r >= 20; /* about 2 % fail; after a repair, a pass */
		if (day->y != prev_year) {
			prev_year = day->y;
			seq = 0;
		}
		snprintf(number, sizeof(number), "KĐ-%04d-%07ld", day->y, ++seq);
		instrument_id(id, sizeof(id), j, t);
		owner_of(owner, sizeof(owner), j, t);
		snprintf(op, sizeof(op), "%s %s %s", surnames[(rnd >> 20) % N_OF(surnames)],
			 middles[(rnd >> 24) % N_OF(middles)], givens[(rnd >> 28) % N_OF(givens)]);
		until[0] = '\0';
		if (pass) {
			int m = day->m - 1 + t->interval, y = day->y + m / 12;

			m = m % 12 + 1;
			snprintf(until, sizeof(until), "%04d-%02d-%02d", y, m,
				 day->d <= month_days(y, m) ? day->d : month_days(y, m));
		}
		sqlite3_bind_int64(ins_hist, 1, i + 2); /* row 1 is the header */
		bench_text(ins_hist, 2, number);
		bench_text(ins_hist, 3, id);
		bench_text(ins_hist, 4, calib ? "calibration" : "verification");
		bench_text(ins_hist, 5, day->iso);
		bench_text(ins_hist, 6, until);
		bench_text(ins_hist, 7, pass ? "pass" : "fail");
		bench_text(ins_hist, 8, mode_name);
		bench_text(ins_hist, 9, t->name);
		bench_text(ins_hist, 10, owner);
		bench_text(ins_hist, 11, op);
		bench_text(ins_hist, 12, t->procedure);
		bench_text(ins_hist, 13, t->method);
		bench_step_done(h, ins_hist, "stage");
		if (i % STAGE == STAGE - 1 || i == n - 1) {
			bench_step_done(h, flush, "history");
			bench_step_done(h, clear, "stage");
			if (i % COMMIT_EVERY == COMMIT_EVERY - 1 && i != n - 1) {
				bench_exec(h, "COMMIT");
				bench_exec(h, "BEGIN IMMEDIATE");
			}
		}
		if (calib) {
			made->calib++;
		} else {
			made->verif++;
			made->verif_pass += pass;
		}
		if (i % 500000 == 499999) {
			printf("\r  %ld / %ld records, %.0f s", i + 1, n, bench_now() - t0);
			fflush(stdout);
		}
	}
	sqlite3_finalize(ins_inst);
	sqlite3_finalize(ins_hist);
	sqlite3_finalize(flush);
	sqlite3_finalize(clear);
	t_hist = bench_now();
	c_hist = cpu_self();
	bench_exec(h, "COMMIT");
	t_commit = bench_now();
	bench_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)");
	printf("\r  %ld instruments %.1f s, %ld records %.1f s (%.0f/s, CPU %.1f s), commit %.1f "
	       "s, "
	       "checkpoint %.1f s\n",
	       n_inst, t_inst - t0, n, t_hist - t_inst, (double)n / (t_hist - t_inst),
	       c_hist - c_inst, t_commit - t_hist, bench_now() - t_commit);
	free(days);
}

/* The generator's totals, counted back from a database made earlier. */
static void count_made(sqlite3 *h, struct made *m)
{
	m->verif =
		bench_query_long(h, "SELECT count(*) FROM history WHERE activity = 'verification' "
				    "AND revoked = 0");
	m->verif_pass = bench_query_long(h, "SELECT count(*) FROM history WHERE activity = "
					    "'verification' AND revoked = 0 AND result = 'pass'");
	m->calib =
		bench_query_long(h, "SELECT count(*) FROM history WHERE activity = 'calibration'");
}

/* ---- page cache --------------------------------------------------------------- */

/* Share of @path's pages in the page cache (mincore), -1 when unknown. */
static double resident(const char *path)
{
	struct stat sb;
	unsigned char *vec;
	void *map;
	size_t pages, in = 0, pg = (size_t)sysconf(_SC_PAGESIZE);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || sb.st_size == 0) {
		close(fd);
		return -1;
	}
	pages = ((size_t)sb.st_size + pg - 1) / pg;
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	vec = malloc(pages);
	if (vec && mincore(map, (size_t)sb.st_size, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			in += vec[i] & 1;
	else
		in = (size_t)-1;
	free(vec);
	munmap(map, (size_t)sb.st_size);
	return in == (size_t)-1 ? -1 : (double)in / (double)pages;
}

/* Drop this database's pages from the page cache (this file and its WAL only). */
static void evict(const char *path)
{
	char p[1024];

	for (int k = 0; k < 2; k++) {
		int fd;

		snprintf(p, sizeof(p), "%s%s", path, k ? "-wal" : "");
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		fdatasync(fd);
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

/* ---- the variants ------------------------------------------------------------- */

struct timing {
	double cold, cold_resident; /* seconds; share of the file cached before it */
	double best, best_cpu;	    /* the fastest warm round: wall and CPU seconds */
	int n;
};

static void timing_push(struct timing *t, double wall, double cpu)
{
	if (t->n++ == 0 || wall < t->best) {
		t->best = wall;
		t->best_cpu = cpu;
	}
}

/*
 * The subject: a connection opened, cal_db_stats by {type, month} for
 * verifications over all dates, the connection closed. The result is left
 * in @s when given (the caller frees it).
 */
static double run_calbench(const char *path, struct cal_stats *keep, double *cpu)
{
	struct cal_stats_query q = { 0 };
	struct cal_stats s;
	struct cal_db *db = NULL;
	double t0 = bench_now(), c0 = cpu_self(), t;

	q.by[0] = CAL_STATS_TYPE;
	q.by[1] = CAL_STATS_MONTH;
	q.n_by = 2;
	if (cal_db_open_readonly(&db, path))
		bench_die("cal_db_open_readonly %s: %s", path, cal_error_last());
	if (cal_db_stats(&s, db, &q))
		bench_die("cal_db_stats: %s", cal_error_last());
	cal_db_close(db);
	t = bench_now() - t0;
	*cpu = cpu_self() - c0;
	if (keep)
		*keep = s;
	else
		cal_stats_free(&s);
	return t;
}

/* Run @argv, its standard output into @out; wall seconds, CPU seconds in @cpu. */
static double run_child(char *const argv[], const char *out, double *cpu)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	double t0, t;
	int status = 0, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC,
					 0600);
	t0 = bench_now();
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		bench_die("cannot run %s: %s", argv[0], strerror(err));
	if (wait4(pid, &status, 0, &ru) != pid)
		bench_die("wait4 %s: %s", argv[0], strerror(errno));
	t = bench_now() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bench_die("%s %s failed (status %d)", argv[0], argv[1], status);
	*cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return t;
}

static double run_shell(const struct opts *o, const char *path, const char *sql, const char *out,
			double *cpu)
{
	char *argv[] = {
		(char *)o->shell, "-batch",    "-bail", "-list", "-separator", "|",
		(char *)path,	  (char *)sql, NULL,
	};

	return run_child(argv, out, cpu);
}

static double run_cli(const struct opts *o, const char *path, const char *out, double *cpu)
{
	char *argv[] = {
		(char *)o->calbench, "--db",	 (char *)path, "stats", "--by",
		"type,month",	     "--format", "csv",	       NULL,
	};

	return run_child(argv, out, cpu);
}

/* ---- checks ------------------------------------------------------------------- */

/*
 * Compare the groups in file @file (one per line: TYPE SEP MONTH SEP total
 * SEP pass SEP fail..., after @skip header lines; a line starting "(all)"
 * ends them) with @s. Exits 1 on the first difference.
 */
static void check_file(const char *what, const char *file, char sep, int skip,
		       const struct cal_stats *s)
{
	FILE *f = fopen(file, "r");
	char line[1024];
	size_t g = 0;
	long lineno = 0;

	if (!f)
		bench_die("%s: cannot read %s: %s", what, file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *field[6] = { 0 }, *p = line;
		long long tot, pass, fail;
		int nf = 0;

		lineno++;
		if (lineno <= skip)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "(all)", 5) == 0)
			break;
		while (nf < 6) {
			field[nf++] = p;
			p = strchr(p, sep);
			if (!p)
				break;
			*p++ = '\0';
		}
		if (nf < 5)
			bench_die("%s: line %ld: '%s' is not TYPE, MONTH, total, pass, fail", what,
				  lineno, line);
		tot = atoll(field[2]);
		pass = atoll(field[3]);
		fail = atoll(field[4]);
		if (g >= s->n)
			bench_die("%s: more groups than cal_db_stats' %zu (line %ld: %s %s)", what,
				  s->n, lineno, field[0], field[1]);
		if (strcmp(field[0], s->rows[g].key[0]) || strcmp(field[1], s->rows[g].key[1]) ||
		    tot != s->rows[g].total || pass != s->rows[g].pass || fail != s->rows[g].fail)
			bench_die("%s: group %zu differs: %s | %s | %lld %lld %lld, cal_db_stats: "
				  "%s | %s | %lld %lld %lld",
				  what, g, field[0], field[1], tot, pass, fail, s->rows[g].key[0],
				  s->rows[g].key[1], (long long)s->rows[g].total,
				  (long long)s->rows[g].pass, (long long)s->rows[g].fail);
		g++;
	}
	fclose(f);
	if (g != s->n)
		bench_die("%s: %zu groups, cal_db_stats: %zu", what, g, s->n);
}

static void check_totals(const struct cal_stats *s, const struct made *m)
{
	int64_t sum = 0, pass = 0;

	for (size_t i = 0; i < s->n; i++) {
		sum += s->rows[i].total;
		pass += s->rows[i].pass;
		if (s->rows[i].pass + s->rows[i].fail != s->rows[i].total)
			bench_die("cal_db_stats: pass + fail != total in group %zu", i);
	}
	if (sum != s->total.total || pass != s->total.pass || s->total.total != m->verif ||
	    s->total.pass != m->verif_pass)
		bench_die("cal_db_stats: total %lld (pass %lld), groups sum %lld (pass %lld), "
			  "generated %ld verifications (pass %ld)",
			  (long long)s->total.total, (long long)s->total.pass, (long long)sum,
			  (long long)pass, m->verif, m->verif_pass);
}

/* ---- one size ------------------------------------------------------------------ */

struct result {
	long records;
	double gen_s; /* < 0: reused */
	double mb;    /* file size */
	size_t groups;
	struct timing cal, shell, cli, count, scan;
	char count_plan[160];
};

static void shell_plan(const struct opts *o, const char *path, const char *tmp, char *plan,
		       size_t size)
{
	char sql[256], line[256];
	double cpu;
	FILE *f;

	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", count_sql);
	run_shell(o, path, sql, tmp, &cpu);
	plan[0] = '\0';
	f = fopen(tmp, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *d = strstr(line, "SCAN");

		line[strcspn(line, "\r\n")] = '\0';
		if (d) {
			snprintf(plan, size, "%s", d);
			break;
		}
	}
	if (f)
		fclose(f);
}

static void db_path_for(char *out, size_t size, const struct opts *o, const char *tmpdir,
			long records)
{
	if (!o->db)
		snprintf(out, size, "%s/stats-%ld.db", tmpdir, records);
	else if (o->n_records == 1)
		snprintf(out, size, "%s", o->db);
	else
		snprintf(out, size, "%s-%ld", o->db, records);
}

static void measure(struct result *res, const struct opts *o, const char *path, const char *tmp)
{
	struct cal_stats s;
	struct made made = { 0 };
	struct stat sb;
	struct cal_db *db = NULL;
	double cpu, t;

	memset(res, 0, sizeof(*res));
	res->records = o->records[0];
	res->gen_s = -1;
	if (access(path, F_OK) != 0) {
		double t0 = bench_now();

		printf("%ld records: generating %s\n", res->records, path);
		if (cal_db_open(&db, path))
			bench_die("cal_db_open %s: %s", path, cal_error_last());
		generate(db, res->records, &made);
		cal_db_close(db);
		res->gen_s = bench_now() - t0;
	} else {
		long n;

		if (cal_db_open(&db, path))
			bench_die("cal_db_open %s: %s", path, cal_error_last());
		n = bench_query_long(cal_db_handle(db), "SELECT count(*) FROM history");
		if (n != res->records)
			bench_die("%s holds %ld records, not %ld: remove it or give --records %ld",
				  path, n, res->records, n);
		count_made(cal_db_handle(db), &made);
		cal_db_close(db);
		printf("%ld records: reusing %s\n", res->records, path);
	}
	if (stat(path, &sb) == 0)
		res->mb = (double)sb.st_size / 1e6;
	shell_plan(o, path, tmp, res->count_plan, sizeof(res->count_plan));

	/* correctness first: calbench's groups, the shell's, the CLI's */
	run_calbench(path, &s, &cpu);
	check_totals(&s, &made);
	res->groups = s.n;
	run_shell(o, path, shell_sql, tmp, &cpu);
	check_file("sqlite3 shell", tmp, '|', 0, &s);
	if (o->calbench) {
		run_cli(o, path, tmp, &cpu);
		check_file("calbench stats --format csv", tmp, ',', 1, &s);
	}

	cal_stats_free(&s);
	printf("  %zu groups: the shell's%s equal cal_db_stats' (total %ld verifications, "
	       "%ld pass)\n",
	       res->groups, o->calbench ? ", the CLI's" : "", made.verif, made.verif_pass);

	if (o->cold) {
		evict(path);
		res->cal.cold_resident = resident(path);
		res->cal.cold = run_calbench(path, NULL, &cpu);
		evict(path);
		res->shell.cold_resident = resident(path);
		res->shell.cold = run_shell(o, path, shell_sql, "/dev/null", &cpu);
		if (o->calbench) {
			evict(path);
			res->cli.cold_resident = resident(path);
			res->cli.cold = run_cli(o, path, "/dev/null", &cpu);
		}
	}
	for (int r = 0; r < o->repeat; r++) {
		t = run_calbench(path, NULL, &cpu);
		timing_push(&res->cal, t, cpu);
		t = run_shell(o, path, shell_sql, "/dev/null", &cpu);
		timing_push(&res->shell, t, cpu);
		if (o->calbench) {
			t = run_cli(o, path, "/dev/null", &cpu);
			timing_push(&res->cli, t, cpu);
		}

		t = run_shell(o, path, count_sql, "/dev/null", &cpu);
		timing_push(&res->count, t, cpu);
		t = run_shell(o, path, scan_sql, "/dev/null", &cpu);
		timing_push(&res->scan, t, cpu);
		printf("  round %d: calbench %.3f s, shell %.3f s%s", r + 1, res->cal.best,
		       res->shell.best, o->calbench ? "" : "\n");
		if (o->calbench)
			printf(", cli %.3f s\n", res->cli.best);
	}
}

/* ---- options -------------------------------------------------------------------- */

static long parse_count(const char *s)
{
	char *end = NULL;
	double x = strtod(s, &end);

	if (end && (*end == 'k' || *end == 'K'))
		x *= 1e3, end++;
	else if (end && (*end == 'M' || *end == 'm'))
		x *= 1e6, end++;
	if (!end || end == s || *end || !(x >= 10 && x <= 1e9))
		bench_die("bench_stats: --records wants a count in [10, 1e9], not '%s'", s);
	return (long)x;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	bool given = false, quick = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (strcmp(a, "--quick") == 0) {
			quick = true;
			o->repeat = 1;
		} else if (strcmp(a, "--keep") == 0) {
			o->keep = true;
		} else if (strcmp(a, "--no-cold") == 0) {
			o->cold = false;
		} else if (!v) {
			bench_die("bench_stats: unknown option '%s' or value missing (try --help)",
				  a);
		} else if (strcmp(a, "--records") == 0) {
			char buf[256], *save = NULL;

			if (!given)
				o->n_records = 0;
			given = true; /* the first --records replaces the default counts */
			snprintf(buf, sizeof(buf), "%s", v);
			for (char *t = strtok_r(buf, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				if (o->n_records == MAX_COUNTS)
					bench_die("bench_stats: at most %d --records", MAX_COUNTS);
				o->records[o->n_records++] = parse_count(t);
			}
			i++;
		} else if (strcmp(a, "--repeat") == 0) {
			o->repeat = (int)strtol(v, &end, 10);
			if (*end || o->repeat < 1 || o->repeat > 100)
				bench_die("bench_stats: --repeat wants 1..100");
			i++;
		} else if (strcmp(a, "--db") == 0) {
			o->db = v;
			i++;
		} else if (strcmp(a, "--dir") == 0) {
			o->dir = v;
			i++;
		} else if (strcmp(a, "--calbench") == 0) {
			o->calbench = v;
			i++;
		} else if (strcmp(a, "--sqlite3") == 0) {
			o->shell = v;
			i++;
		} else {
			bench_die("bench_stats: unknown option '%s' (try --help)", a);
		}
	}
	if (quick && !given) {
		o->records[0] = 20000;
		o->n_records = 1;
	}
}

/* Is @prog runnable: a path, or a name on $PATH? */
static bool have_program(const char *prog)
{
	const char *path = getenv("PATH");
	char file[4200];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (const char *p = path ? path : ""; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(file, sizeof(file), "%.*s/%s", n ? (int)n : 1, n ? p : ".", prog);
		if (access(file, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

static void shell_version(const struct opts *o, const char *tmp, char *buf, size_t size)
{
	char *argv[] = { (char *)o->shell, "-version", NULL };
	double cpu;
	FILE *f;

	run_child(argv, tmp, &cpu);
	snprintf(buf, size, "?");
	f = fopen(tmp, "r");
	if (f) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, " \n")] = '\0';
		fclose(f);
	}
}

static void load_average(char *buf, size_t size)
{
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(buf, size, "?");
	if (f) {
		if (!fgets(buf, (int)size, f))
			snprintf(buf, size, "?");
		buf[strcspn(buf, " ")] = '\0';
		fclose(f);
	}
}

static void fmt_cold(char *buf, size_t size, const struct timing *t, bool cold)
{
	if (!cold)
		snprintf(buf, size, "-");
	else if (t->cold_resident >= 0)
		snprintf(buf, size, "%.3f (%.0f%%)", t->cold, 100 * t->cold_resident);
	else
		snprintf(buf, size, "%.3f", t->cold);
}

static void print_results(const struct opts *o, const struct result *res, int n)
{
	char gen[32], c1[32], c2[32], c3[32];

	printf("\nstatistics by type x month, verifications (seconds; warm: best of %d; "
	       "cold: after the file's pages were dropped, (share still cached))\n",
	       o->repeat);
	printf("%11s %8s %9s %9s %9s %7s %9s %9s %9s %7s\n", "records", "MB", "generate",
	       "calbench", "shell", "ratio", "cli", "count(*)", "scan", "groups");
	for (int i = 0; i < n; i++) {
		const struct result *r = &res[i];

		if (r->gen_s < 0)
			snprintf(gen, sizeof(gen), "reused");
		else
			snprintf(gen, sizeof(gen), "%.1f", r->gen_s);
		printf("%11ld %8.0f %9s %9.3f %9.3f %7.2f ", r->records, r->mb, gen, r->cal.best,
		       r->shell.best, r->shell.best > 0 ? r->cal.best / r->shell.best : 0);
		if (o->calbench)
			printf("%9.3f ", r->cli.best);
		else
			printf("%9s ", "-");
		printf("%9.3f %9.3f %7zu\n", r->count.best, r->scan.best, r->groups);
	}
	printf("(ratio: calbench / shell, below 1 is faster than the shell; cli: calbench stats "
	       "--format csv end to end;\n count(*): SELECT count(*) FROM history; scan: the "
	       "same NOT INDEXED WHERE revoked = 0, every row read)\n");

	printf("\n%11s %18s %18s %18s %10s %10s %12s\n", "records", "calbench cold", "shell cold",
	       "cli cold", "cal CPU", "shell CPU", "gen rows/s");
	for (int i = 0; i < n; i++) {
		const struct result *r = &res[i];

		fmt_cold(c1, sizeof(c1), &r->cal, o->cold);
		fmt_cold(c2, sizeof(c2), &r->shell, o->cold);
		fmt_cold(c3, sizeof(c3), &r->cli, o->cold && o->calbench);
		printf("%11ld %18s %18s %18s %10.3f %10.3f ", r->records, c1, c2, c3,
		       r->cal.best_cpu, r->shell.best_cpu);
		if (r->gen_s > 0)
			printf("%12.0f\n", (double)r->records / r->gen_s);
		else
			printf("%12s\n", "-");
	}
	printf("(CPU: user + system seconds of the best warm round; count(*) plan: %s)\n",
	       n ? res[0].count_plan : "");
}

/* What main() made in the temporary directory, removed at any exit (bench_die too). */
static struct {
	char dir[512];
	char db[64]; /* the temporary database in use, "" when none or kept */
} made_files;

static void remove_made_files(void)
{
	char p[600];

	if (!made_files.dir[0])
		return;
	if (made_files.db[0])
		bench_remove_db(made_files.dir, made_files.db);
	snprintf(p, sizeof(p), "%s/out.txt", made_files.dir);
	unlink(p);
	rmdir(made_files.dir); /* fails, as it should, when a database is kept there */
}

int main(int argc, char **argv)
{
	struct opts o = { .records = { 1000000, 10000000 },
			  .n_records = 2,
			  .repeat = 3,
			  .cold = true,
			  .shell = "sqlite3" };
	struct result res[MAX_COUNTS];
	char dir[512], tmp[600], path[1024], version[64], load[32];

	cal_db_init_process(); /* as calbench's main() */
	o.dir = bench_tmpdir();
	parse_args(&o, argc, argv);
	if (!have_program(o.shell)) {
		printf("bench_stats: the sqlite3 program is not installed (apt-get install "
		       "sqlite3): skipped\n");
		return SKIP_CODE;
	}
	if (o.calbench && !have_program(o.calbench))
		bench_die("bench_stats: cannot run %s", o.calbench);
	bench_mkdtemp(dir, sizeof(dir), o.dir);
	snprintf(made_files.dir, sizeof(made_files.dir), "%s", dir);
	atexit(remove_made_files);
	snprintf(tmp, sizeof(tmp), "%s/out.txt", dir);
	shell_version(&o, tmp, version, sizeof(version));
	load_average(load, sizeof(load));
	printf("bench_stats: %d size(s), %d warm round(s); SQLite %s (linked), sqlite3 shell %s, "
	       "%ld CPUs, load average %s\n",
	       o.n_records, o.repeat, sqlite3_libversion(), version, sysconf(_SC_NPROCESSORS_ONLN),
	       load);

	for (int i = 0; i < o.n_records; i++) {
		struct opts one = o;

		one.records[0] = o.records[i];
		db_path_for(path, sizeof(path), &o, dir, o.records[i]);
		if (!o.db && !o.keep)
			snprintf(made_files.db, sizeof(made_files.db), "%s",
				 strrchr(path, '/') + 1);
		measure(&res[i], &one, path, tmp);
		if (made_files.db[0])
			bench_remove_db(dir, made_files.db);
		else if (!o.db)
			printf("  kept %s\n", path);
		made_files.db[0] = '\0';
	}
	print_results(&o, res, o.n_records);
	load_average(load, sizeof(load));
	printf("load average at the end: %s\n", load);

	return 0; /* remove_made_files() cleans up */
}
