/*
 * The database schema, as a list of migrations keyed on PRAGMA user_version.
 *
 * cal_db_migrations[i] takes a database from user_version i to i + 1 and is
 * applied in one transaction together with the user_version bump (db.c).
 * Migrations are append-only: a released one is never edited, a change is a
 * new entry and CAL_DB_SCHEMA_VERSION goes up by one.
 *
 * The invariants of cal/db.h are enforced here, by constraints and triggers,
 * so that they hold for plain SQL (sqlite3 shell, a script) as well as for
 * the C API:
 *  - readings, results, run_standards, certificates, certificate_revocations:
 *    no UPDATE, no DELETE ("<table> are immutable");
 *  - runs: no DELETE; no UPDATE once completed or aborted; only the legal
 *    status changes running->interrupted|completed|aborted and
 *    interrupted->running|aborted; instrument, procedure, mode and start time
 *    never change; a new run starts running;
 *  - readings, results and run_standards cannot be added to a completed or
 *    aborted run; a result's reading belongs to the same run;
 *  - a certificate is inserted only for a running run of the same instrument,
 *    and a run becomes completed only with the document matching its verdict
 *    (PASS: verification certificate, FAIL: failure record), once;
 *  - number_seq only goes up and is never deleted, so numbers are not reused;
 *  - instruments and standards cannot be deleted while referenced (FKs).
 *
 * Enumerations are stored as text with CHECK constraints: runs.mode in
 * initial/periodic/after-repair, runs.status in running/interrupted/
 * completed/aborted, verdicts PASS/FAIL, certificates.kind in
 * verification/failure. Times are ISO 8601 UTC text ("2026-11-28T04:43:55Z"),
 * dates "YYYY-MM-DD". Masses of standards in kg; instrument fields in the
 * instrument's own unit; readings both as shown and in SI (kg).
 * Measured values are nullable REAL: SQLite stores a NaN as NULL.
 */
#include <stddef.h>

#include "db-internal.h"

static const char schema_v1[] =
	"PRAGMA application_id = 1128352834;\n" /* 0x43414C42 "CALB" */

	"CREATE TABLE settings (\n"
	"  key   TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),\n"
	"  value TEXT NOT NULL\n"
	") STRICT;\n"

	"CREATE TABLE instruments (\n"
	"  id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),\n"
	"  type            TEXT NOT NULL CHECK (length(type) > 0),\n"
	"  manufacturer    TEXT NOT NULL DEFAULT '',\n"
	"  model           TEXT NOT NULL DEFAULT '',\n"
	"  serial          TEXT NOT NULL CHECK (length(serial) > 0),\n"
	"  owner           TEXT NOT NULL DEFAULT '',\n"
	"  accuracy_class  TEXT NOT NULL DEFAULT '',\n"
	"  unit            TEXT NOT NULL DEFAULT '',\n"
	"  max             REAL NOT NULL DEFAULT 0 CHECK (max >= 0),\n"
	"  min             REAL NOT NULL DEFAULT 0 CHECK (min >= 0),\n"
	"  e               REAL NOT NULL DEFAULT 0 CHECK (e >= 0),\n"
	"  d               REAL NOT NULL DEFAULT 0 CHECK (d >= 0),\n"
	"  interval_months INTEGER NOT NULL DEFAULT 0 CHECK (interval_months >= 0),\n"
	"  created_at      TEXT NOT NULL\n"
	") STRICT;\n"

	"CREATE TABLE standards (\n"
	"  id            TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),\n"
	"  kind          TEXT NOT NULL CHECK (length(kind) > 0),\n"
	"  weight_class  TEXT NOT NULL DEFAULT '',\n"
	"  nominal_kg    REAL NOT NULL CHECK (nominal_kg > 0),\n"
	"  correction_kg REAL NOT NULL DEFAULT 0,\n"
	"  u_kg          REAL NOT NULL DEFAULT 0 CHECK (u_kg >= 0),\n"
	"  k             REAL NOT NULL DEFAULT 2 CHECK (k >= 0),\n"
	"  cert_no       TEXT NOT NULL DEFAULT '',\n"
	"  due_date      TEXT NOT NULL DEFAULT '',\n"
	"  description   TEXT NOT NULL DEFAULT '',\n"
	"  created_at    TEXT NOT NULL\n"
	") STRICT;\n"

	"CREATE TABLE runs (\n"
	"  id               INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  instrument_id    TEXT NOT NULL REFERENCES instruments(id),\n"
	"  procedure_id     TEXT NOT NULL CHECK (length(procedure_id) > 0),\n"
	"  procedure_title  TEXT NOT NULL DEFAULT '',\n"
	"  method           TEXT NOT NULL DEFAULT '',\n"
	"  procedure_sha256 TEXT NOT NULL CHECK (length(procedure_sha256) = 64\n"
	"                   AND procedure_sha256 NOT GLOB '*[^0-9a-f]*'),\n"
	"  procedure_path   TEXT NOT NULL DEFAULT '',\n"
	"  procedure_text   TEXT NOT NULL,\n"
	"  bench_path       TEXT NOT NULL DEFAULT '',\n"
	"  device_id        TEXT NOT NULL DEFAULT '',\n"
	"  mode             TEXT NOT NULL\n"
	"                   CHECK (mode IN ('initial', 'periodic', 'after-repair')),\n"
	"  operator_name    TEXT NOT NULL DEFAULT '',\n"
	"  status           TEXT NOT NULL\n"
	"                   CHECK (status IN ('running', 'interrupted', 'completed', 'aborted')),\n"
	"  verdict          TEXT NOT NULL DEFAULT '' CHECK (verdict IN ('', 'PASS', 'FAIL')),\n"
	"  fail_reason      TEXT NOT NULL DEFAULT '',\n"
	"  status_reason    TEXT NOT NULL DEFAULT '',\n" /* why interrupted/aborted */
	"  started_at       TEXT NOT NULL,\n"
	"  finished_at      TEXT NOT NULL DEFAULT '',\n"
	"  pid              INTEGER NOT NULL DEFAULT 0 CHECK (pid >= 0),\n"
	"  dut_model        TEXT NOT NULL DEFAULT '',\n"
	"  dut_serial       TEXT NOT NULL DEFAULT '',\n"
	/* a verdict exactly when completed; a finish time exactly when closed */
	"  CHECK ((status = 'completed') = (verdict <> '')),\n"
	"  CHECK ((status IN ('completed', 'aborted')) = (finished_at <> ''))\n"
	") STRICT;\n"
	"CREATE INDEX runs_instrument ON runs(instrument_id);\n"

	"CREATE TABLE run_standards (\n"
	"  run_id      INTEGER NOT NULL REFERENCES runs(id),\n"
	"  standard_id TEXT NOT NULL REFERENCES standards(id),\n"
	"  PRIMARY KEY (run_id, standard_id)\n"
	") STRICT;\n"
	"CREATE INDEX run_standards_standard ON run_standards(standard_id);\n"

	"CREATE TABLE readings (\n"
	"  id        INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  run_id    INTEGER NOT NULL REFERENCES runs(id),\n"
	"  point_seq INTEGER NOT NULL CHECK (point_seq >= 0),\n"
	"  source    TEXT NOT NULL\n"
	"            CHECK (source = 'operator' OR (source LIKE 'device:_%')),\n"
	"  raw       TEXT NOT NULL DEFAULT '',\n"
	"  value     REAL,\n" /* as shown, in unit; NULL = no number */
	"  unit      TEXT NOT NULL DEFAULT '',\n"
	"  value_si  REAL,\n" /* in the SI base unit (kg) */
	"  decimals  INTEGER NOT NULL CHECK (decimals >= 0),\n"
	"  stable    INTEGER NOT NULL CHECK (stable IN (0, 1)),\n"
	"  flags     INTEGER NOT NULL CHECK (flags >= 0),\n"
	"  t_utc     TEXT NOT NULL,\n"
	"  t_mono_ms INTEGER NOT NULL\n"
	") STRICT;\n"
	"CREATE INDEX readings_run ON readings(run_id, point_seq);\n"

	"CREATE TABLE results (\n"
	"  id         INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  run_id     INTEGER NOT NULL REFERENCES runs(id),\n"
	"  seq        INTEGER NOT NULL CHECK (seq >= 1),\n"
	"  test       TEXT NOT NULL CHECK (length(test) > 0),\n"
	"  label      TEXT NOT NULL DEFAULT '',\n"
	"  unit       TEXT NOT NULL DEFAULT '',\n"
	"  load       REAL,\n"
	"  ref        REAL,\n"
	"  indication REAL,\n"
	"  decimals   INTEGER NOT NULL CHECK (decimals >= 0),\n"
	"  error      REAL NOT NULL,\n"
	"  mpe        REAL NOT NULL,\n"
	"  verdict    TEXT NOT NULL CHECK (verdict IN ('PASS', 'FAIL')),\n"
	"  weights    TEXT NOT NULL DEFAULT '',\n"
	"  reading_id INTEGER REFERENCES readings(id),\n"
	"  UNIQUE (run_id, seq)\n"
	") STRICT;\n"

	"CREATE TABLE number_seq (\n"
	"  year INTEGER PRIMARY KEY CHECK (year BETWEEN 1970 AND 9999),\n"
	"  last INTEGER NOT NULL CHECK (last >= 1)\n"
	") STRICT;\n"

	"CREATE TABLE certificates (\n"
	"  number        TEXT PRIMARY KEY NOT NULL CHECK (length(number) > 0),\n"
	"  kind          TEXT NOT NULL CHECK (kind IN ('verification', 'failure')),\n"
	"  run_id        INTEGER NOT NULL UNIQUE REFERENCES runs(id),\n"
	"  instrument_id TEXT NOT NULL REFERENCES instruments(id),\n"
	"  issued_at     TEXT NOT NULL,\n"
	"  issue_date    TEXT NOT NULL CHECK (length(issue_date) = 10),\n"
	"  valid_until   TEXT NOT NULL DEFAULT '',\n"
	"  year          INTEGER NOT NULL,\n"
	"  seq           INTEGER NOT NULL CHECK (seq >= 1),\n"
	"  UNIQUE (year, seq),\n"
	"  CHECK (kind = 'verification' OR valid_until = '')\n"
	") STRICT;\n"
	"CREATE INDEX certificates_instrument ON certificates(instrument_id);\n"

	"CREATE TABLE certificate_revocations (\n"
	"  number     TEXT PRIMARY KEY NOT NULL REFERENCES certificates(number),\n"
	"  revoked_at TEXT NOT NULL,\n"
	"  reason     TEXT NOT NULL CHECK (length(reason) > 0)\n"
	") STRICT;\n"

	/* ---- immutability of records ---- */
	"CREATE TRIGGER readings_no_update BEFORE UPDATE ON readings\n"
	"BEGIN SELECT RAISE(ABORT, 'readings are immutable'); END;\n"
	"CREATE TRIGGER readings_no_delete BEFORE DELETE ON readings\n"
	"BEGIN SELECT RAISE(ABORT, 'readings are immutable'); END;\n"
	"CREATE TRIGGER results_no_update BEFORE UPDATE ON results\n"
	"BEGIN SELECT RAISE(ABORT, 'results are immutable'); END;\n"
	"CREATE TRIGGER results_no_delete BEFORE DELETE ON results\n"
	"BEGIN SELECT RAISE(ABORT, 'results are immutable'); END;\n"
	"CREATE TRIGGER run_standards_no_update BEFORE UPDATE ON run_standards\n"
	"BEGIN SELECT RAISE(ABORT, 'run_standards are immutable'); END;\n"
	"CREATE TRIGGER run_standards_no_delete BEFORE DELETE ON run_standards\n"
	"BEGIN SELECT RAISE(ABORT, 'run_standards are immutable'); END;\n"
	"CREATE TRIGGER certificates_no_update BEFORE UPDATE ON certificates\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates are immutable'); END;\n"
	"CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates are immutable'); END;\n"
	"CREATE TRIGGER certificate_revocations_no_update\n"
	"BEFORE UPDATE ON certificate_revocations\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate_revocations are immutable'); END;\n"
	"CREATE TRIGGER certificate_revocations_no_delete\n"
	"BEFORE DELETE ON certificate_revocations\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate_revocations are immutable'); END;\n"
	"CREATE TRIGGER number_seq_up BEFORE UPDATE ON number_seq\n"
	"WHEN NEW.year IS NOT OLD.year OR NEW.last <= OLD.last\n"
	"BEGIN SELECT RAISE(ABORT, 'number_seq is immutable except going up: numbers are never "
	"reused'); END;\n"
	"CREATE TRIGGER number_seq_no_delete BEFORE DELETE ON number_seq\n"
	"BEGIN SELECT RAISE(ABORT, 'number_seq is immutable: numbers are never reused'); END;\n"

	/* ---- nothing is added to a closed run ---- */
	"CREATE TRIGGER readings_closed_run BEFORE INSERT ON readings\n"
	"WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IN ('completed', 'aborted')\n"
	"BEGIN SELECT RAISE(ABORT, 'readings cannot be added: a completed or aborted run is "
	"immutable'); END;\n"
	"CREATE TRIGGER results_closed_run BEFORE INSERT ON results\n"
	"WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IN ('completed', 'aborted')\n"
	"BEGIN SELECT RAISE(ABORT, 'results cannot be added: a completed or aborted run is "
	"immutable'); END;\n"
	"CREATE TRIGGER results_reading_same_run BEFORE INSERT ON results\n"
	"WHEN NEW.reading_id IS NOT NULL\n"
	" AND (SELECT run_id FROM readings WHERE id = NEW.reading_id) IS NOT NEW.run_id\n"
	"BEGIN SELECT RAISE(ABORT, 'results: the reading belongs to another run'); END;\n"
	"CREATE TRIGGER run_standards_closed_run BEFORE INSERT ON run_standards\n"
	"WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IN ('completed', 'aborted')\n"
	"BEGIN SELECT RAISE(ABORT, 'standards cannot be added: a completed or aborted run is "
	"immutable'); END;\n"

	/* ---- runs ---- */
	"CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs\n"
	"BEGIN SELECT RAISE(ABORT, 'runs are immutable: a run is never deleted'); END;\n"
	"CREATE TRIGGER runs_insert_running BEFORE INSERT ON runs\n"
	"WHEN NEW.status IS NOT 'running'\n"
	"BEGIN SELECT RAISE(ABORT, 'runs: a new run starts running'); END;\n"
	"CREATE TRIGGER runs_closed BEFORE UPDATE ON runs\n"
	"WHEN OLD.status IN ('completed', 'aborted')\n"
	"BEGIN SELECT RAISE(ABORT, 'runs are immutable once completed or aborted'); END;\n"
	"CREATE TRIGGER runs_identity BEFORE UPDATE ON runs\n"
	"WHEN NEW.id IS NOT OLD.id OR NEW.instrument_id IS NOT OLD.instrument_id\n"
	" OR NEW.procedure_id IS NOT OLD.procedure_id\n"
	" OR NEW.procedure_text IS NOT OLD.procedure_text\n"
	" OR NEW.procedure_sha256 IS NOT OLD.procedure_sha256\n"
	" OR NEW.mode IS NOT OLD.mode OR NEW.started_at IS NOT OLD.started_at\n"
	"BEGIN SELECT RAISE(ABORT, 'runs are immutable in instrument, procedure, mode and start "
	"time'); END;\n"
	"CREATE TRIGGER runs_transition BEFORE UPDATE OF status ON runs\n"
	"WHEN NEW.status IS NOT OLD.status AND NOT (\n"
	"  (OLD.status = 'running' AND NEW.status IN ('interrupted', 'completed', 'aborted'))\n"
	"  OR (OLD.status = 'interrupted' AND NEW.status IN ('running', 'aborted')))\n"
	"BEGIN SELECT RAISE(ABORT, 'runs: illegal status change'); END;\n"
	"CREATE TRIGGER runs_complete_needs_document BEFORE UPDATE OF status ON runs\n"
	"WHEN NEW.status = 'completed' AND NOT EXISTS (\n"
	"  SELECT 1 FROM certificates c WHERE c.run_id = NEW.id\n"
	"   AND c.kind = CASE NEW.verdict WHEN 'PASS' THEN 'verification' ELSE 'failure' END)\n"
	"BEGIN SELECT RAISE(ABORT, 'runs: a completed run needs the document of its verdict'); "
	"END;\n"
	"CREATE TRIGGER runs_issued_stays BEFORE UPDATE OF status ON runs\n"
	"WHEN NEW.status IN ('running', 'interrupted', 'aborted')\n"
	" AND EXISTS (SELECT 1 FROM certificates c WHERE c.run_id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'runs: a run with an issued document can only be completed'); "
	"END;\n"
	"CREATE TRIGGER certificates_issue BEFORE INSERT ON certificates\n"
	"WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'\n"
	" OR (SELECT instrument_id FROM runs WHERE id = NEW.run_id) IS NOT NEW.instrument_id\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates are issued only when a running run of the "
	"instrument completes'); END;\n";

/*
 * Version 2: the issuing laboratory on each document, copied from the
 * settings lab.name and lab.address when it is issued (ISO/IEC 17025
 * §7.8.2.1 b), so a later change of the settings does not rewrite documents
 * already issued. Documents issued before version 2 have ''.
 */
static const char schema_v2[] =
	"ALTER TABLE certificates ADD COLUMN lab_name TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE certificates ADD COLUMN lab_address TEXT NOT NULL DEFAULT '';\n"
	/*
	 * The standards as they were when the run used them: a weight is
	 * recalibrated (new correction, U, certificate, due date) and keeps its
	 * id, while a document must keep showing what was used. NULL in rows
	 * written before version 2 (the register then answers).
	 */
	"ALTER TABLE run_standards ADD COLUMN kind TEXT;\n"
	"ALTER TABLE run_standards ADD COLUMN weight_class TEXT;\n"
	"ALTER TABLE run_standards ADD COLUMN nominal_kg REAL;\n"
	"ALTER TABLE run_standards ADD COLUMN correction_kg REAL;\n"
	"ALTER TABLE run_standards ADD COLUMN u_kg REAL;\n"
	"ALTER TABLE run_standards ADD COLUMN k REAL;\n"
	"ALTER TABLE run_standards ADD COLUMN cert_no TEXT;\n"
	"ALTER TABLE run_standards ADD COLUMN due_date TEXT;\n"
	"ALTER TABLE run_standards ADD COLUMN description TEXT;\n"
	/*
	 * The register data of an instrument are printed on its documents:
	 * frozen once one is issued (a change of owner is a new register
	 * entry). Instruments and standards a run used are never deleted, even
	 * from an sqlite3 shell where foreign keys are off.
	 */
	"CREATE TRIGGER instruments_documented BEFORE UPDATE ON instruments\n"
	"WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.instrument_id = OLD.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'instruments: the register data of an instrument with issued "
	"documents cannot change'); END;\n"
	"CREATE TRIGGER instruments_no_delete_used BEFORE DELETE ON instruments\n"
	"WHEN EXISTS (SELECT 1 FROM runs r WHERE r.instrument_id = OLD.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'instruments: an instrument with runs cannot be deleted'); "
	"END;\n"
	"CREATE TRIGGER standards_no_delete_used BEFORE DELETE ON standards\n"
	"WHEN EXISTS (SELECT 1 FROM run_standards rs WHERE rs.standard_id = OLD.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'standards: a standard used by a run cannot be deleted'); "
	"END;\n"
	/*
	 * The life of a run, written by triggers on every status change (by
	 * the program, the recovery of a dead process, or plain SQL): when it
	 * was interrupted and why, when it resumed. Append-only.
	 */
	"CREATE TABLE run_events (\n"
	"  id      INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  run_id  INTEGER NOT NULL REFERENCES runs(id),\n"
	"  at      TEXT NOT NULL,\n" /* ISO 8601 UTC */
	"  status  TEXT NOT NULL,\n" /* the status entered */
	"  reason  TEXT NOT NULL DEFAULT ''\n"
	") STRICT;\n"
	"CREATE INDEX run_events_run ON run_events(run_id);\n"
	"CREATE TRIGGER runs_event_start AFTER INSERT ON runs\n"
	"BEGIN INSERT INTO run_events(run_id, at, status) "
	"VALUES (NEW.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), NEW.status); END;\n"
	"CREATE TRIGGER runs_event_status AFTER UPDATE OF status ON runs\n"
	"WHEN NEW.status IS NOT OLD.status\n"
	"BEGIN INSERT INTO run_events(run_id, at, status, reason) "
	"VALUES (NEW.id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), NEW.status, "
	"CASE WHEN NEW.status IN ('interrupted', 'aborted') THEN NEW.status_reason "
	"ELSE '' END); END;\n"
	"CREATE TRIGGER run_events_no_update BEFORE UPDATE ON run_events\n"
	"BEGIN SELECT RAISE(ABORT, 'run events are immutable'); END;\n"
	"CREATE TRIGGER run_events_no_delete BEFORE DELETE ON run_events\n"
	"BEGIN SELECT RAISE(ABORT, 'run events are immutable'); END;\n";

/*
 * Version 3: the pressure bench (issue 3).
 *
 * Instruments: a gauge's scale can start below zero (compound gauges,
 * -1..+5 bar), so the lower scale value is its own column (min keeps its
 * R 76 meaning, >= 0); a digital gauge's MPE is a·|p| + b·span + n digits
 * (mpe_pct_reading = a, mpe_pct_span = b in %, mpe_digits = n); kind says
 * which rule applies ('' for the instruments of v1/v2, 'nawi',
 * 'bourdon-gauge', 'digital-gauge', 'transmitter').
 */
static const char schema_v3[] =
	"ALTER TABLE instruments ADD COLUMN kind TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE instruments ADD COLUMN scale_lo REAL NOT NULL DEFAULT 0;\n"
	"ALTER TABLE instruments ADD COLUMN mpe_pct_reading REAL NOT NULL DEFAULT 0\n"
	"  CHECK (mpe_pct_reading >= 0);\n"
	"ALTER TABLE instruments ADD COLUMN mpe_pct_span REAL NOT NULL DEFAULT 0\n"
	"  CHECK (mpe_pct_span >= 0);\n"
	"ALTER TABLE instruments ADD COLUMN mpe_digits REAL NOT NULL DEFAULT 0\n"
	"  CHECK (mpe_digits >= 0);\n"
	/*
	 * Pressure references (controllers, digital standards). Their values
	 * are in their own unit: range lo..hi and U = u_abs + u_rel·|p|
	 * (expanded, coverage factor k), as their calibration certificate
	 * states it. Ids are shared with the weights: one name, one standard.
	 */
	"CREATE TABLE pressure_standards (\n"
	"  id           TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),\n"
	"  manufacturer TEXT NOT NULL DEFAULT '',\n"
	"  model        TEXT NOT NULL DEFAULT '',\n"
	"  serial       TEXT NOT NULL DEFAULT '',\n"
	"  unit         TEXT NOT NULL CHECK (length(unit) > 0),\n"
	"  range_lo     REAL NOT NULL,\n"
	"  range_hi     REAL NOT NULL,\n"
	"  u_abs        REAL NOT NULL DEFAULT 0 CHECK (u_abs >= 0),\n"
	"  u_rel        REAL NOT NULL DEFAULT 0 CHECK (u_rel >= 0),\n" /* fraction of |p| */
	"  k            REAL NOT NULL DEFAULT 2 CHECK (k > 0),\n"
	"  cert_no      TEXT NOT NULL DEFAULT '',\n"
	"  due_date     TEXT NOT NULL DEFAULT '',\n"
	"  description  TEXT NOT NULL DEFAULT '',\n"
	"  created_at   TEXT NOT NULL,\n"
	"  CHECK (range_hi > range_lo),\n"
	"  CHECK (u_abs > 0 OR u_rel > 0)\n"
	") STRICT;\n"
	"CREATE TRIGGER pressure_standards_id_free BEFORE INSERT ON pressure_standards\n"
	"WHEN EXISTS (SELECT 1 FROM standards s WHERE s.id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'standards: the id is taken by a weight'); END;\n"
	"CREATE TRIGGER standards_id_free BEFORE INSERT ON standards\n"
	"WHEN EXISTS (SELECT 1 FROM pressure_standards s WHERE s.id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'standards: the id is taken by a pressure standard'); END;\n"
	/* The pressure reference of a run, as it was when used (documents show it). */
	"CREATE TABLE run_pressure_standards (\n"
	"  run_id       INTEGER NOT NULL REFERENCES runs(id),\n"
	"  standard_id  TEXT NOT NULL REFERENCES pressure_standards(id),\n"
	"  manufacturer TEXT NOT NULL, model TEXT NOT NULL, serial TEXT NOT NULL,\n"
	"  unit TEXT NOT NULL, range_lo REAL NOT NULL, range_hi REAL NOT NULL,\n"
	"  u_abs REAL NOT NULL, u_rel REAL NOT NULL, k REAL NOT NULL,\n"
	"  cert_no TEXT NOT NULL, due_date TEXT NOT NULL, description TEXT NOT NULL,\n"
	"  PRIMARY KEY (run_id, standard_id)\n"
	") STRICT;\n"
	"CREATE TRIGGER run_pressure_standards_no_update BEFORE UPDATE ON run_pressure_standards\n"
	"BEGIN SELECT RAISE(ABORT, 'run_pressure_standards are immutable'); END;\n"
	"CREATE TRIGGER run_pressure_standards_no_delete BEFORE DELETE ON run_pressure_standards\n"
	"BEGIN SELECT RAISE(ABORT, 'run_pressure_standards are immutable'); END;\n"
	"CREATE TRIGGER run_pressure_standards_closed_run BEFORE INSERT ON run_pressure_standards\n"
	"WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IN ('completed', 'aborted')\n"
	"BEGIN SELECT RAISE(ABORT, 'standards cannot be added: a completed or aborted run is "
	"immutable'); END;\n"
	"CREATE TRIGGER pressure_standards_no_delete_used BEFORE DELETE ON pressure_standards\n"
	"WHEN EXISTS (SELECT 1 FROM run_pressure_standards r WHERE r.standard_id = OLD.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'standards: a standard used by a run cannot be deleted'); "
	"END;\n"
	/*
	 * Runs: verification (legal, pass/fail against the MPE) or calibration
	 * (errors with uncertainty, a conformity statement by the procedure's
	 * decision rule). Gauges verified together on one manifold share a
	 * batch: the id of the batch's first run (NULL when alone); each keeps
	 * its own run, verdict and document. dut_device_id: the bench
	 * instrument the gauge itself was read through ('' = typed).
	 */
	"ALTER TABLE runs ADD COLUMN activity TEXT NOT NULL DEFAULT 'verification'\n"
	"  CHECK (activity IN ('verification', 'calibration'));\n"
	"ALTER TABLE runs ADD COLUMN batch INTEGER;\n"
	"ALTER TABLE runs ADD COLUMN dut_device_id TEXT NOT NULL DEFAULT '';\n"
	"CREATE INDEX runs_batch ON runs(batch);\n"
	"CREATE TRIGGER runs_identity_v3 BEFORE UPDATE ON runs\n"
	"WHEN NEW.activity IS NOT OLD.activity OR NEW.batch IS NOT OLD.batch\n"
	" OR NEW.dut_device_id IS NOT OLD.dut_device_id\n"
	"BEGIN SELECT RAISE(ABORT, 'runs are immutable in activity and batch'); END;\n"
	/*
	 * Results of calibrations: the expanded uncertainty U (the results'
	 * unit), its coverage factor and effective degrees of freedom (NULL
	 * for verifications: uncertainty is not subtracted there), and the
	 * reference reading the point was judged against.
	 */
	"ALTER TABLE results ADD COLUMN u REAL;\n"
	"ALTER TABLE results ADD COLUMN k REAL;\n"
	"ALTER TABLE results ADD COLUMN nu_eff REAL;\n"
	"ALTER TABLE results ADD COLUMN ref_reading_id INTEGER REFERENCES readings(id);\n"
	/*
	 * The evidence that a controlled reference had settled when its
	 * reading was taken: the rule in words, how long it held, the rate,
	 * and the samples of the accepting window as JSON
	 * [[t_mono_ms, value_si, stable], ...]. One row per reference reading.
	 */
	"CREATE TABLE settle_evidence (\n"
	"  reading_id  INTEGER PRIMARY KEY REFERENCES readings(id),\n"
	"  run_id      INTEGER NOT NULL REFERENCES runs(id),\n"
	"  setpoint_si REAL NOT NULL,\n"
	"  rule        TEXT NOT NULL CHECK (length(rule) > 0),\n"
	"  held_ms     INTEGER NOT NULL CHECK (held_ms >= 0),\n"
	"  rate_si     REAL,\n"
	"  polls       INTEGER NOT NULL CHECK (polls >= 1),\n"
	"  samples     TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE INDEX settle_evidence_run ON settle_evidence(run_id);\n"
	"CREATE TRIGGER settle_evidence_no_update BEFORE UPDATE ON settle_evidence\n"
	"BEGIN SELECT RAISE(ABORT, 'settle evidence is immutable'); END;\n"
	"CREATE TRIGGER settle_evidence_no_delete BEFORE DELETE ON settle_evidence\n"
	"BEGIN SELECT RAISE(ABORT, 'settle evidence is immutable'); END;\n"
	"CREATE TRIGGER settle_evidence_same_run BEFORE INSERT ON settle_evidence\n"
	"WHEN (SELECT run_id FROM readings WHERE id = NEW.reading_id) IS NOT NEW.run_id\n"
	" OR (SELECT status FROM runs WHERE id = NEW.run_id) IN ('completed', 'aborted')\n"
	"BEGIN SELECT RAISE(ABORT, 'settle evidence: the reading belongs to another run or "
	"the run is closed'); END;\n"
	/*
	 * Certificates gain the kind 'calibration' (a calibration certificate,
	 * issued for a calibration run whatever its conformity statement).
	 * SQLite cannot change a CHECK in place: the table is rebuilt
	 * (foreign keys are off while migrating), and the triggers that name
	 * it are dropped first and created again.
	 */
	"DROP TRIGGER certificates_no_update;\n"
	"DROP TRIGGER certificates_no_delete;\n"
	"DROP TRIGGER certificates_issue;\n"
	"DROP TRIGGER runs_complete_needs_document;\n"
	"DROP TRIGGER runs_issued_stays;\n"
	"DROP TRIGGER instruments_documented;\n"
	"CREATE TABLE certificates_v3 (\n"
	"  number        TEXT PRIMARY KEY NOT NULL CHECK (length(number) > 0),\n"
	"  kind          TEXT NOT NULL\n"
	"                CHECK (kind IN ('verification', 'failure', 'calibration')),\n"
	"  run_id        INTEGER NOT NULL UNIQUE REFERENCES runs(id),\n"
	"  instrument_id TEXT NOT NULL REFERENCES instruments(id),\n"
	"  issued_at     TEXT NOT NULL,\n"
	"  issue_date    TEXT NOT NULL CHECK (length(issue_date) = 10),\n"
	"  valid_until   TEXT NOT NULL DEFAULT '',\n"
	"  year          INTEGER NOT NULL,\n"
	"  seq           INTEGER NOT NULL CHECK (seq >= 1),\n"
	"  lab_name      TEXT NOT NULL DEFAULT '',\n"
	"  lab_address   TEXT NOT NULL DEFAULT '',\n"
	"  UNIQUE (year, seq),\n"
	"  CHECK (kind = 'verification' OR valid_until = '')\n"
	") STRICT;\n"
	"INSERT INTO certificates_v3 SELECT number, kind, run_id, instrument_id, issued_at,\n"
	"  issue_date, valid_until, year, seq, lab_name, lab_address FROM certificates;\n"
	"DROP TABLE certificates;\n"
	"ALTER TABLE certificates_v3 RENAME TO certificates;\n"
	"CREATE INDEX certificates_instrument ON certificates(instrument_id);\n"
	"CREATE TRIGGER certificates_no_update BEFORE UPDATE ON certificates\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates are immutable'); END;\n"
	"CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates are immutable'); END;\n"
	"CREATE TRIGGER certificates_issue BEFORE INSERT ON certificates\n"
	"WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'\n"
	" OR (SELECT instrument_id FROM runs WHERE id = NEW.run_id) IS NOT NEW.instrument_id\n"
	" OR ((SELECT activity FROM runs WHERE id = NEW.run_id) = 'calibration')\n"
	"    IS NOT (NEW.kind = 'calibration')\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates are issued only when a running run of the "
	"instrument completes, a calibration certificate for a calibration'); END;\n"
	"CREATE TRIGGER runs_complete_needs_document BEFORE UPDATE OF status ON runs\n"
	"WHEN NEW.status = 'completed' AND NOT EXISTS (\n"
	"  SELECT 1 FROM certificates c WHERE c.run_id = NEW.id\n"
	"   AND c.kind = CASE WHEN NEW.activity = 'calibration' THEN 'calibration'\n"
	"                WHEN NEW.verdict = 'PASS' THEN 'verification' ELSE 'failure' END)\n"
	"BEGIN SELECT RAISE(ABORT, 'runs: a completed run needs the document of its verdict'); "
	"END;\n"
	"CREATE TRIGGER runs_issued_stays BEFORE UPDATE OF status ON runs\n"
	"WHEN NEW.status IN ('running', 'interrupted', 'aborted')\n"
	" AND EXISTS (SELECT 1 FROM certificates c WHERE c.run_id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'runs: a run with an issued document can only be completed'); "
	"END;\n"
	"CREATE TRIGGER instruments_documented BEFORE UPDATE ON instruments\n"
	"WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.instrument_id = OLD.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'instruments: the register data of an instrument with issued "
	"documents cannot change'); END;\n";

/*
 * Version 4: water meters (issue 4). A meter's rated flow (Q3 of OIML R 49,
 * or Qn of the classes A-D) in m3/h and its ratio R = Q3/Q1 (0 for A-D).
 * The meter's unit is its register's (m3 or L), d its verification scale
 * interval in that unit; accuracy_class is "1", "2" or "A".."D".
 */
static const char schema_v4[] =
	"ALTER TABLE instruments ADD COLUMN flow_q3 REAL NOT NULL DEFAULT 0 CHECK (flow_q3 >= 0);\n"
	"ALTER TABLE instruments ADD COLUMN ratio_r REAL NOT NULL DEFAULT 0 CHECK (ratio_r >= "
	"0);\n";

/*
 * Version 5: signed documents (issue 5). The centre's Ed25519 public keys
 * (the private key never enters the database) and, per document, the
 * SHA-256 of its canonical content (db/sign.c: the certificate row, its
 * run, instrument, results, standards and every reading, as issued) with
 * the signature of the key that signed it. Both append-only; a document
 * issued while a key exists without a signature row reads as tampered.
 */
static const char schema_v5[] =
	"CREATE TABLE signing_keys (\n"
	"  key_id     TEXT PRIMARY KEY NOT NULL CHECK (length(key_id) = 16),\n"
	"  public_key TEXT NOT NULL UNIQUE CHECK (length(public_key) = 64),\n" /* hex */
	"  created_at TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE TRIGGER signing_keys_no_update BEFORE UPDATE ON signing_keys\n"
	"BEGIN SELECT RAISE(ABORT, 'signing keys are immutable'); END;\n"
	"CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys\n"
	"BEGIN SELECT RAISE(ABORT, 'signing keys are immutable'); END;\n"
	/*
	 * What a document says of its issue beyond the certificate row, frozen
	 * then (a reprint shows the approver of the day it was issued, not of
	 * today): who authorised it, the place of issue, the accreditation, the
	 * verification address its QR code carries. Part of its signed content.
	 */
	"CREATE TABLE cert_issue (\n"
	"  number         TEXT PRIMARY KEY NOT NULL REFERENCES certificates(number),\n"
	"  approver       TEXT NOT NULL DEFAULT '',\n"
	"  approver_title TEXT NOT NULL DEFAULT '',\n"
	"  place          TEXT NOT NULL DEFAULT '',\n"
	"  accreditation  TEXT NOT NULL DEFAULT '',\n"
	"  verify_url     TEXT NOT NULL DEFAULT ''\n"
	") STRICT;\n"
	"CREATE TRIGGER cert_issue_no_update BEFORE UPDATE ON cert_issue\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate issue records are immutable'); END;\n"
	"CREATE TRIGGER cert_issue_no_delete BEFORE DELETE ON cert_issue\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate issue records are immutable'); END;\n"
	"CREATE TABLE cert_signatures (\n"
	"  number         TEXT PRIMARY KEY NOT NULL REFERENCES certificates(number),\n"
	"  content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),\n"
	"  key_id         TEXT NOT NULL DEFAULT '',\n" /* '' = not signed */
	"  signature      TEXT NOT NULL DEFAULT '',\n" /* base64url, 64 bytes */
	"  signed_at      TEXT NOT NULL,\n"
	"  CHECK ((key_id = '') = (signature = ''))\n"
	") STRICT;\n"
	"CREATE TRIGGER cert_signatures_no_update BEFORE UPDATE ON cert_signatures\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate signatures are immutable'); END;\n"
	"CREATE TRIGGER cert_signatures_no_delete BEFORE DELETE ON cert_signatures\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate signatures are immutable'); END;\n"
	/*
	 * What a document states of its run besides the measurements, given at
	 * its start and never changed: the place, the date the item was
	 * received, the ambient temperature (°C) and relative humidity (%), who
	 * checked, the sticker put on. '' and NULL: not recorded.
	 */
	"ALTER TABLE runs ADD COLUMN location TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE runs ADD COLUMN received_date TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE runs ADD COLUMN temperature_c REAL;\n"
	"ALTER TABLE runs ADD COLUMN humidity_pct REAL\n"
	"  CHECK (humidity_pct IS NULL OR humidity_pct BETWEEN 0 AND 100);\n"
	"ALTER TABLE runs ADD COLUMN checked_by TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE runs ADD COLUMN sticker_no TEXT NOT NULL DEFAULT '';\n"
	/*
	 * Amendments (ISO/IEC 17025 7.8.8): a revision "NO-Rn" of a document
	 * replaces it whole, says why and what it corrects (owner, location, a
	 * note; NULL = unchanged); its own digest covers the original's digest
	 * and these fields, and is signed like a document.
	 */
	"CREATE TABLE cert_revisions (\n"
	"  number         TEXT PRIMARY KEY NOT NULL CHECK (length(number) > 0),\n"
	"  original       TEXT NOT NULL REFERENCES certificates(number),\n"
	"  revision       INTEGER NOT NULL CHECK (revision >= 1),\n"
	"  reason         TEXT NOT NULL CHECK (length(reason) > 0),\n"
	"  owner          TEXT,\n"
	"  location       TEXT,\n"
	"  note           TEXT NOT NULL DEFAULT '',\n"
	"  issued_at      TEXT NOT NULL,\n"
	"  content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),\n"
	"  key_id         TEXT NOT NULL DEFAULT '',\n"
	"  signature      TEXT NOT NULL DEFAULT '',\n"
	"  UNIQUE (original, revision)\n"
	") STRICT;\n"
	"CREATE TRIGGER cert_revisions_no_update BEFORE UPDATE ON cert_revisions\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate revisions are immutable'); END;\n"
	"CREATE TRIGGER cert_revisions_no_delete BEFORE DELETE ON cert_revisions\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate revisions are immutable'); END;\n"
	"CREATE TRIGGER cert_revisions_number_free BEFORE INSERT ON cert_revisions\n"
	"WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.number = NEW.number)\n"
	" OR EXISTS (SELECT 1 FROM certificate_revocations v WHERE v.number = NEW.original)\n"
	"BEGIN SELECT RAISE(ABORT, 'a revision takes a number of its own, of a document "
	"not revoked'); END;\n"
	"CREATE TRIGGER certificates_number_not_revision BEFORE INSERT ON certificates\n"
	"WHEN EXISTS (SELECT 1 FROM cert_revisions r WHERE r.number = NEW.number)\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates: the number is a revision''s'); END;\n"
	"CREATE TRIGGER runs_conditions_v5 BEFORE UPDATE ON runs\n"
	"WHEN NEW.location IS NOT OLD.location OR NEW.received_date IS NOT OLD.received_date\n"
	" OR NEW.temperature_c IS NOT OLD.temperature_c\n"
	" OR NEW.humidity_pct IS NOT OLD.humidity_pct OR NEW.checked_by IS NOT OLD.checked_by\n"
	" OR NEW.sticker_no IS NOT OLD.sticker_no\n"
	"BEGIN SELECT RAISE(ABORT, 'runs are immutable in their conditions'); END;\n"
	/*
	 * Numbers are looked up without regard to case (an inspector types
	 * them): an index that serves it (a million documents: 0.1 ms, not 0.16 s).
	 */
	"CREATE INDEX certificates_number_nocase ON certificates(number COLLATE NOCASE);\n";

/*
 * Version 6: the centre manager's view (issue 6).
 *
 * history: one row per counted event, a verification or a calibration an
 * instrument went through, the statistics' only source and the
 * instrument's history. Rows of source 'run' are written by a trigger when
 * a run completes with its document (backfilled here for the documents
 * issued before); rows of source 'import' come from a register brought in
 * by `calbench import` (imports: one row per file), marked so: imported,
 * not measured, never signed. The columns are copies, as they were on the
 * event's date (an instrument changing owner later does not move its past
 * events), so the statistics read one table without a join: ten million
 * events in a few seconds (docs/performance.md).
 *  - event_date: the date of the document (issue date for calbench's, the
 *    register's date for imported rows); valid_until '' = none;
 *  - result 'pass'/'fail': for a verification its document (certificate /
 *    failure record), for a calibration its conformity statement;
 *  - revoked: set by the trigger on certificate_revocations, the only
 *    change a row takes. A revision (cert_revisions) adds no row.
 */
static const char schema_v6[] =
	"CREATE TABLE imports (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  file_name   TEXT NOT NULL,\n"
	"  file_sha256 TEXT NOT NULL UNIQUE CHECK (length(file_sha256) = 64),\n"
	"  rows        INTEGER NOT NULL CHECK (rows >= 0),\n"
	"  mapping     TEXT NOT NULL DEFAULT '',\n" /* the column mapping used */
	"  imported_at TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE TRIGGER imports_no_update BEFORE UPDATE ON imports\n"
	"BEGIN SELECT RAISE(ABORT, 'imports are immutable'); END;\n"
	"CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports\n"
	"BEGIN SELECT RAISE(ABORT, 'imports are immutable'); END;\n"
	"CREATE TABLE history (\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  source        TEXT NOT NULL CHECK (source IN ('run', 'import')),\n"
	"  run_id        INTEGER UNIQUE REFERENCES runs(id),\n"
	"  import_id     INTEGER REFERENCES imports(id),\n"
	"  import_row    INTEGER,\n" /* line of the row in its file */
	"  number        TEXT NOT NULL DEFAULT '',\n"
	"  instrument_id TEXT NOT NULL REFERENCES instruments(id),\n"
	"  activity      TEXT NOT NULL CHECK (activity IN ('verification', 'calibration')),\n"
	"  event_date    TEXT NOT NULL CHECK (event_date GLOB "
	"'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),\n"
	"  valid_until   TEXT NOT NULL DEFAULT '',\n"
	"  result        TEXT NOT NULL CHECK (result IN ('pass', 'fail')),\n"
	"  mode          TEXT NOT NULL CHECK (mode IN ('initial', 'periodic', 'after-repair')),\n"
	"  type          TEXT NOT NULL,\n"
	"  owner         TEXT NOT NULL DEFAULT '',\n"
	"  operator      TEXT NOT NULL DEFAULT '',\n"
	"  procedure_id  TEXT NOT NULL DEFAULT '',\n"
	"  method        TEXT NOT NULL DEFAULT '',\n"
	"  revoked       INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),\n"
	"  CHECK ((source = 'run') = (run_id IS NOT NULL)),\n"
	"  CHECK ((source = 'import') = (import_id IS NOT NULL AND import_row IS NOT NULL))\n"
	") STRICT;\n"
	"CREATE INDEX history_instrument ON history(instrument_id, event_date);\n"
	"CREATE INDEX instruments_serial ON instruments(serial, type);\n"
	"CREATE UNIQUE INDEX history_number ON history(number) WHERE number <> '';\n"
	"CREATE INDEX history_number_nocase ON history(number COLLATE NOCASE) WHERE number <> '';\n"
	"CREATE TRIGGER history_no_delete BEFORE DELETE ON history\n"
	"BEGIN SELECT RAISE(ABORT, 'history is immutable'); END;\n"
	"CREATE TRIGGER history_no_update BEFORE UPDATE ON history\n"
	"WHEN NEW.id IS NOT OLD.id OR NEW.source IS NOT OLD.source OR NEW.run_id IS NOT "
	"OLD.run_id\n"
	" OR NEW.import_id IS NOT OLD.import_id OR NEW.import_row IS NOT OLD.import_row\n"
	" OR NEW.number IS NOT OLD.number OR NEW.instrument_id IS NOT OLD.instrument_id\n"
	" OR NEW.activity IS NOT OLD.activity OR NEW.event_date IS NOT OLD.event_date\n"
	" OR NEW.valid_until IS NOT OLD.valid_until OR NEW.result IS NOT OLD.result\n"
	" OR NEW.mode IS NOT OLD.mode OR NEW.type IS NOT OLD.type OR NEW.owner IS NOT OLD.owner\n"
	" OR NEW.operator IS NOT OLD.operator OR NEW.procedure_id IS NOT OLD.procedure_id\n"
	" OR NEW.method IS NOT OLD.method\n"
	" OR (NEW.revoked IS NOT OLD.revoked AND NOT (OLD.revoked = 0 AND NEW.revoked = 1\n"
	"     AND EXISTS (SELECT 1 FROM certificate_revocations v WHERE v.number = OLD.number)))\n"
	"BEGIN SELECT RAISE(ABORT, 'history is immutable (a revocation only marks it)'); END;\n"
	/* a run's row: only from its own completion */
	"CREATE TRIGGER history_run_insert BEFORE INSERT ON history\n"
	"WHEN NEW.source = 'run' AND NOT EXISTS (SELECT 1 FROM runs r JOIN certificates c\n"
	"  ON c.run_id = r.id WHERE r.id = NEW.run_id AND r.status = 'completed'\n"
	"  AND c.number = NEW.number)\n"
	"BEGIN SELECT RAISE(ABORT, 'history: a run''s row is written when it completes'); END;\n"
	/* an imported number is nobody else's */
	"CREATE TRIGGER history_import_number BEFORE INSERT ON history\n"
	"WHEN NEW.source = 'import' AND NEW.number <> '' AND (\n"
	"  EXISTS (SELECT 1 FROM certificates c WHERE c.number = NEW.number)\n"
	"  OR EXISTS (SELECT 1 FROM cert_revisions v WHERE v.number = NEW.number))\n"
	"BEGIN SELECT RAISE(ABORT, 'history: the number is a calbench document''s'); END;\n"
	"CREATE TRIGGER certificates_number_not_imported BEFORE INSERT ON certificates\n"
	"WHEN EXISTS (SELECT 1 FROM history h WHERE h.number = NEW.number AND h.source = "
	"'import')\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates: the number is an imported record''s'); END;\n"
	"CREATE TRIGGER cert_revisions_number_not_imported BEFORE INSERT ON cert_revisions\n"
	"WHEN EXISTS (SELECT 1 FROM history h WHERE h.number = NEW.number AND h.source = "
	"'import')\n"
	"BEGIN SELECT RAISE(ABORT, 'a revision''s number is an imported record''s'); END;\n"
	"CREATE TRIGGER runs_history AFTER UPDATE OF status ON runs\n"
	"WHEN NEW.status = 'completed' AND OLD.status IS NOT 'completed'\n"
	"BEGIN\n"
	"  INSERT INTO history (source, run_id, number, instrument_id, activity, event_date,\n"
	"    valid_until, result, mode, type, owner, operator, procedure_id, method)\n"
	"  SELECT 'run', NEW.id, c.number, c.instrument_id, NEW.activity, c.issue_date,\n"
	"    c.valid_until,\n"
	"    CASE WHEN NEW.activity = 'calibration'\n"
	"         THEN CASE NEW.verdict WHEN 'PASS' THEN 'pass' ELSE 'fail' END\n"
	"         ELSE CASE c.kind WHEN 'verification' THEN 'pass' ELSE 'fail' END END,\n"
	"    NEW.mode, i.type, i.owner, NEW.operator_name, NEW.procedure_id, NEW.method\n"
	"  FROM certificates c JOIN instruments i ON i.id = c.instrument_id\n"
	"  WHERE c.run_id = NEW.id;\n"
	"END;\n"
	"CREATE TRIGGER certificate_revocations_history AFTER INSERT ON certificate_revocations\n"
	"BEGIN UPDATE history SET revoked = 1 WHERE number = NEW.number AND source = 'run'; END;\n"
	"INSERT INTO history (source, run_id, number, instrument_id, activity, event_date,\n"
	"  valid_until, result, mode, type, owner, operator, procedure_id, method, revoked)\n"
	"SELECT 'run', r.id, c.number, c.instrument_id, r.activity, c.issue_date, c.valid_until,\n"
	"  CASE WHEN r.activity = 'calibration'\n"
	"       THEN CASE r.verdict WHEN 'PASS' THEN 'pass' ELSE 'fail' END\n"
	"       ELSE CASE c.kind WHEN 'verification' THEN 'pass' ELSE 'fail' END END,\n"
	"  r.mode, i.type, i.owner, r.operator_name, r.procedure_id, r.method,\n"
	"  EXISTS (SELECT 1 FROM certificate_revocations v WHERE v.number = c.number)\n"
	"FROM certificates c JOIN runs r ON r.id = c.run_id\n"
	"JOIN instruments i ON i.id = c.instrument_id\n"
	"WHERE r.status = 'completed' ORDER BY c.issue_date, r.id;\n"
	/*
	 * Verification intervals per instrument type, as data with the date
	 * they take effect (Vietnam's changed on 2024-10-15: domain.md §5.3):
	 * the interval for an event is the row of its type with the latest
	 * effective_from on or before the event's date. A type matches an
	 * instrument's type exactly, or as its longest prefix ("đồng hồ nước
	 * lạnh" covers "đồng hồ nước lạnh DN15"), without regard to case.
	 * months 0: no periodic verification. An instrument's own
	 * interval_months, when not 0, comes first.
	 */
	"CREATE TABLE intervals (\n"
	"  type           TEXT NOT NULL CHECK (length(type) > 0),\n"
	"  effective_from TEXT NOT NULL CHECK (effective_from GLOB "
	"'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),\n"
	"  months         INTEGER NOT NULL CHECK (months BETWEEN 0 AND 240),\n"
	"  source         TEXT NOT NULL DEFAULT '',\n" /* the legal text it comes from */
	"  PRIMARY KEY (type, effective_from)\n"
	") STRICT;\n"
	/* whom to remind: an owner (instruments.owner) and how to reach them */
	"CREATE TABLE owners (\n"
	"  name    TEXT PRIMARY KEY NOT NULL CHECK (length(name) > 0),\n"
	"  contact TEXT NOT NULL DEFAULT '',\n"
	"  phone   TEXT NOT NULL DEFAULT '',\n"
	"  email   TEXT NOT NULL DEFAULT '',\n"
	"  address TEXT NOT NULL DEFAULT ''\n"
	") STRICT;\n";

/*
 * Version 7: what INSERT OR REPLACE could do to the records. A REPLACE that
 * meets an existing row deletes it without firing its DELETE trigger
 * (recursive triggers are off by default, in the sqlite3 shell too), so an
 * issued certificate, a reading or a history row could be swapped for
 * another. Each append-only table refuses an insert whose key is taken
 * (the insert would fail on the constraint anyway; the REPLACE now fails
 * first); the three whose inserts say ON CONFLICT DO NOTHING ignore it
 * instead, which is what DO NOTHING does. number_seq is left to its UPSERT
 * (a lowered sequence still cannot reuse a number: certificates' keys).
 *
 * The numbers an imported record holds are now compared without regard to
 * case, as verify looks them up, and through the indexes (the partial
 * history indexes need number <> '' in the query to serve it).
 */
static const char schema_v7[] =
	"CREATE TRIGGER runs_no_replace BEFORE INSERT ON runs\n"
	"WHEN EXISTS (SELECT 1 FROM runs o WHERE o.id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'runs: the row exists already, and a row is never replaced'); "
	"END;\n"
	"CREATE TRIGGER readings_no_replace BEFORE INSERT ON readings\n"
	"WHEN EXISTS (SELECT 1 FROM readings o WHERE o.id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'readings: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER results_no_replace BEFORE INSERT ON results\n"
	"WHEN EXISTS (SELECT 1 FROM results o WHERE o.id = NEW.id)\n OR EXISTS (SELECT 1 FROM "
	"results o WHERE o.run_id = NEW.run_id AND o.seq = NEW.seq)\n"
	"BEGIN SELECT RAISE(ABORT, 'results: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER certificates_no_replace BEFORE INSERT ON certificates\n"
	"WHEN EXISTS (SELECT 1 FROM certificates o WHERE o.number = NEW.number)\n OR EXISTS "
	"(SELECT 1 FROM certificates o WHERE o.run_id = NEW.run_id)\n OR EXISTS (SELECT 1 FROM "
	"certificates o WHERE o.year = NEW.year AND o.seq = NEW.seq)\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER certificate_revocations_no_replace BEFORE INSERT ON "
	"certificate_revocations\n"
	"WHEN EXISTS (SELECT 1 FROM certificate_revocations o WHERE o.number = NEW.number)\n"
	"BEGIN SELECT RAISE(ABORT, 'certificate_revocations: the row exists already, and a row is "
	"never replaced'); END;\n"
	"CREATE TRIGGER run_events_no_replace BEFORE INSERT ON run_events\n"
	"WHEN EXISTS (SELECT 1 FROM run_events o WHERE o.id = NEW.id)\n"
	"BEGIN SELECT RAISE(ABORT, 'run_events: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER settle_evidence_no_replace BEFORE INSERT ON settle_evidence\n"
	"WHEN EXISTS (SELECT 1 FROM settle_evidence o WHERE o.reading_id = NEW.reading_id)\n"
	"BEGIN SELECT RAISE(ABORT, 'settle_evidence: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER cert_issue_no_replace BEFORE INSERT ON cert_issue\n"
	"WHEN EXISTS (SELECT 1 FROM cert_issue o WHERE o.number = NEW.number)\n"
	"BEGIN SELECT RAISE(ABORT, 'cert_issue: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER cert_signatures_no_replace BEFORE INSERT ON cert_signatures\n"
	"WHEN EXISTS (SELECT 1 FROM cert_signatures o WHERE o.number = NEW.number)\n"
	"BEGIN SELECT RAISE(ABORT, 'cert_signatures: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER cert_revisions_no_replace BEFORE INSERT ON cert_revisions\n"
	"WHEN EXISTS (SELECT 1 FROM cert_revisions o WHERE o.number = NEW.number)\n OR EXISTS "
	"(SELECT 1 FROM cert_revisions o WHERE o.original = NEW.original AND o.revision = "
	"NEW.revision)\n"
	"BEGIN SELECT RAISE(ABORT, 'cert_revisions: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER imports_no_replace BEFORE INSERT ON imports\n"
	"WHEN EXISTS (SELECT 1 FROM imports o WHERE o.id = NEW.id)\n OR EXISTS (SELECT 1 FROM "
	"imports o WHERE o.file_sha256 = NEW.file_sha256)\n"
	"BEGIN SELECT RAISE(ABORT, 'imports: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER history_no_replace BEFORE INSERT ON history\n"
	"WHEN EXISTS (SELECT 1 FROM history o WHERE o.id = NEW.id)\n OR EXISTS (SELECT 1 FROM "
	"history o WHERE o.run_id = NEW.run_id)\n OR EXISTS (SELECT 1 FROM history o WHERE "
	"NEW.number <> '' AND o.number = NEW.number AND o.number <> '')\n"
	"BEGIN SELECT RAISE(ABORT, 'history: the row exists already, and a row is never "
	"replaced'); END;\n"
	"CREATE TRIGGER run_standards_no_replace BEFORE INSERT ON run_standards\n"
	"WHEN EXISTS (SELECT 1 FROM run_standards o WHERE o.run_id = NEW.run_id AND o.standard_id "
	"= NEW.standard_id)\n"
	" AND (SELECT status FROM runs WHERE id = NEW.run_id) NOT IN ('completed', 'aborted')\n"
	"BEGIN SELECT RAISE(IGNORE); END;\n"
	"CREATE TRIGGER run_pressure_standards_no_replace BEFORE INSERT ON run_pressure_standards\n"
	"WHEN EXISTS (SELECT 1 FROM run_pressure_standards o WHERE o.run_id = NEW.run_id AND "
	"o.standard_id = NEW.standard_id)\n"
	" AND (SELECT status FROM runs WHERE id = NEW.run_id) NOT IN ('completed', 'aborted')\n"
	"BEGIN SELECT RAISE(IGNORE); END;\n"
	"CREATE TRIGGER signing_keys_no_replace BEFORE INSERT ON signing_keys\n"
	"WHEN EXISTS (SELECT 1 FROM signing_keys o WHERE o.key_id = NEW.key_id)\n OR EXISTS "
	"(SELECT 1 FROM signing_keys o WHERE o.public_key = NEW.public_key)\n"
	"BEGIN SELECT RAISE(IGNORE); END;\n"
	"DROP TRIGGER history_import_number;\n"
	"CREATE TRIGGER history_import_number BEFORE INSERT ON history\n"
	"WHEN NEW.source = 'import' AND NEW.number <> '' AND (\n"
	"  EXISTS (SELECT 1 FROM certificates c WHERE c.number = NEW.number COLLATE NOCASE)\n"
	"  OR EXISTS (SELECT 1 FROM cert_revisions v WHERE v.number = NEW.number COLLATE NOCASE))\n"
	"BEGIN SELECT RAISE(ABORT, 'history: the number is a calbench document''s'); END;\n"
	"DROP TRIGGER certificates_number_not_imported;\n"
	"CREATE TRIGGER certificates_number_not_imported BEFORE INSERT ON certificates\n"
	"WHEN EXISTS (SELECT 1 FROM history h WHERE h.number = NEW.number COLLATE NOCASE\n"
	"  AND h.number <> '' AND h.source = 'import')\n"
	"BEGIN SELECT RAISE(ABORT, 'certificates: the number is an imported record''s'); END;\n"
	"DROP TRIGGER cert_revisions_number_not_imported;\n"
	"CREATE TRIGGER cert_revisions_number_not_imported BEFORE INSERT ON cert_revisions\n"
	"WHEN EXISTS (SELECT 1 FROM history h WHERE h.number = NEW.number COLLATE NOCASE\n"
	"  AND h.number <> '' AND h.source = 'import')\n"
	"BEGIN SELECT RAISE(ABORT, 'a revision''s number is an imported record''s'); END;\n"
	"DROP TRIGGER certificate_revocations_history;\n"
	"CREATE TRIGGER certificate_revocations_history AFTER INSERT ON certificate_revocations\n"
	"BEGIN UPDATE history SET revoked = 1\n"
	"  WHERE number = NEW.number AND number <> '' AND source = 'run'; END;\n";

const char *const cal_db_migrations[] = {
	schema_v1, /* 0 -> 1 */
	schema_v2, /* 1 -> 2 */
	schema_v3, /* 2 -> 3 */
	schema_v4, /* 3 -> 4 */
	schema_v5, /* 4 -> 5 */
	schema_v6, /* 5 -> 6 */
	schema_v7, /* 6 -> 7 */
};

const size_t cal_db_n_migrations = ARRAY_SIZE(cal_db_migrations);

_Static_assert(ARRAY_SIZE(cal_db_migrations) == CAL_DB_SCHEMA_VERSION,
	       "one migration per schema version");
