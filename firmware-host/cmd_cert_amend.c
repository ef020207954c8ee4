/*
 * calbench cert amend NO --reason TEXT [--owner TEXT] [--location TEXT]
 * [--note TEXT]: a revision NO-Rn that replaces the document whole (ISO/IEC
 * 17025 7.8.8); the original stays and verifies as superseded by it.
 */
#include <stdio.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cli.h"

int cmd_cert_amend(struct cli *cli, int argc, char **argv)
{
	const char *reason = NULL, *owner = NULL, *location = NULL, *note = NULL;
	const struct cli_opt opts[] = { { "reason", true, &reason, NULL },
					{ "owner", true, &owner, NULL },
					{ "location", true, &location, NULL },
					{ "note", true, &note, NULL },
					{ NULL, false, NULL, NULL } };
	const char *pos[1];
	struct cal_revision r;
	struct cal_db *db = NULL;
	int npos, rc, err;

	rc = cli_parse(argc, argv, 2, opts, pos, 1, &npos, "cert");
	if (rc)
		return rc;
	if (npos != 1)
		return cli_usage("cert", "cert amend: which document number?");
	if (!reason || !reason[0])
		return cli_usage("cert", "cert amend: say why with --reason TEXT (printed on the "
					 "revision)");
	if (!owner && !location && !(note && note[0]))
		return cli_usage("cert", "cert amend: give what it corrects: --owner, --location "
					 "or --note");
	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	err = cal_db_cert_amend(&r, db, pos[0], reason, owner, location, note,
				cal_clock_system()->wall_s(NULL));
	cal_db_close(db);
	if (err)
		return cli_fail(err, "cert amend");
	printf("%s issued: revision %d of %s (%s)%s\n", r.number, r.revision, r.original, r.reason,
	       r.key_id[0] ? ", signed" : "");
	printf("%s now verifies as superseded by %s\n", r.original, r.number);
	return CLI_OK;
}
