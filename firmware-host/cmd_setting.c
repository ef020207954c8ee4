/*
 * calbench setting get|set KEY [VALUE]: the centre's settings stored in the
 * database: the certificate number pattern, the laboratory's name and address.
 */
#include <stdio.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cli.h"

/* Settings calbench knows; others are refused so a typo is not silently stored. */
static const struct {
	const char *key;
	const char *dflt;
	const char *help;
} known[] = {
	{ "cert.number_pattern", "CB-{YYYY}-{SEQ:6}",
	  "certificate and failure-record numbers: {YYYY} or {YY}, {SEQ} or {SEQ:n} (one "
	  "sequence per year)" },
	{ "lab.name", "", "the issuing laboratory, printed on each document as it is issued" },
	{ "lab.address", "", "its address (where the verifications are performed)" },
	{ "lab.place", "", "the place printed before the issue date: \"Quảng Ngãi, ngày ...\"" },
	{ "lab.phone", "", "its telephone, printed on documents" },
	{ "lab.email", "", "its e-mail, printed on documents" },
	{ "lab.logo", "", "a PNG file printed at the top of PDF documents" },
	{ "lab.approver", "", "the person who authorises documents (ISO/IEC 17025 7.8.2.1 o)" },
	{ "lab.approver_title", "", "their function: \"Giám đốc / Director\"" },
	{ "lab.accreditation", "",
	  "the accreditation printed on documents (\"VILAS 123\"), or none" },
	{ "sign.key_file", "",
	  "the centre's private signing key (calbench keys init sets it; never in the "
	  "database)" },
	{ "verify.base_url", "",
	  "where inspectors verify a number: the QR code opens this URL + the number "
	  "(calbench serve answers /verify/NO)" },
};

static int find(const char *key)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].key, key) == 0)
			return (int)i;
	return -1;
}

int cmd_setting(struct cli *cli, int argc, char **argv)
{
	const char *pos[3];
	struct cal_db *db = NULL;
	char value[256];
	int npos, rc, k, err;

	rc = cli_parse(argc, argv, 1, NULL, pos, 3, &npos, "setting");
	if (rc)
		return rc;
	if (npos == 1 && strcmp(pos[0], "list") == 0) {
		rc = cli_open_db(&db, cli, false);
		if (rc)
			return rc;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			if (cal_db_setting_get(value, sizeof(value), db, known[i].key))
				snprintf(value, sizeof(value), "%s (default)", known[i].dflt);
			printf("%-22s %s\n%-22s   %s\n", known[i].key, value, "", known[i].help);
		}
		cal_error_clear();
		cal_db_close(db);
		return CLI_OK;
	}
	if (npos < 2 || (strcmp(pos[0], "get") == 0 && npos != 2) ||
	    (strcmp(pos[0], "set") == 0 && npos != 3) ||
	    (strcmp(pos[0], "get") && strcmp(pos[0], "set")))
		return cli_usage("setting", "setting: expected list, get KEY or set KEY VALUE");
	k = find(pos[1]);
	if (k < 0)
		return cli_usage("setting",
				 "setting: unknown key '%s' (see: calbench setting list)", pos[1]);
	value[0] = '\0';
	if (strcmp(pos[0], "set") == 0 && strcmp(pos[1], "cert.number_pattern") == 0) {
		struct cal_date today;

		cal_date_from_unix(&today, cal_clock_system()->wall_s(NULL));
		/* the shape of a number this year; the sequence goes on from where it is */
		if (cal_db_format_number(value, sizeof(value), pos[2], today.year, 1))
			return cli_fail(CAL_ERR_ARG, "cert.number_pattern");
	}
	if (strcmp(pos[0], "set") == 0 && strcmp(pos[1], "lab.logo") == 0 && pos[2][0]) {
		/* a logo is a PNG file: checked now, not when a document is printed */
		static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
		unsigned char head[8];
		FILE *f = fopen(pos[2], "rb");
		size_t n = f ? fread(head, 1, sizeof(head), f) : 0;

		if (f)
			fclose(f);
		if (!f)
			return cli_fail(
				cal_error_set(CAL_ERR_IO, "lab.logo: cannot read %s", pos[2]),
				NULL);
		if (n != sizeof(head) || memcmp(head, png, sizeof(png)) != 0)
			return cli_fail(cal_error_set(CAL_ERR_ARG, "lab.logo: %s is not a PNG file",
						      pos[2]),
					NULL);
	}
	rc = cli_open_db(&db, cli, strcmp(pos[0], "set") == 0);
	if (rc)
		return rc;
	if (strcmp(pos[0], "set") == 0) {
		err = cal_db_setting_set(db, pos[1], pos[2]);
		if (!err && value[0])
			printf("%s = %s (numbers shaped like %s; the year's sequence goes on)\n",
			       pos[1], pos[2], value);
		else if (!err)
			printf("%s = %s\n", pos[1], pos[2]);
	} else {
		err = cal_db_setting_get(value, sizeof(value), db, pos[1]);
		if (err == CAL_ERR_NOTFOUND) {
			snprintf(value, sizeof(value), "%s", known[k].dflt);
			err = CAL_OK;
		}
		if (!err)
			printf("%s\n", value);
	}
	cal_db_close(db);
	return err ? cli_fail(err, NULL) : CLI_OK;
}
