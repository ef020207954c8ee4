/*
 * calbench keys init|show: the centre's Ed25519 signing key. The private key
 * is a file of mode 0600 (setting sign.key_file names it); the database
 * keeps the public keys only, all of them, so that every document verifies
 * after a new key is made.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/signing.h"
#include "cli.h"

/*
 * The directory beside the database, one per database: "DIR/lab-keys" for
 * "DIR/lab.db" (two databases in one folder keep their own keys).
 */
static void default_dir(char *out, size_t size, const char *db_path)
{
	char copy[PATH_MAX], *base, *dot;

	snprintf(copy, sizeof(copy), "%s", db_path);
	base = strrchr(copy, '/');
	base = base ? base + 1 : copy;
	dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	if (base == copy)
		snprintf(out, size, "%s-keys", base);
	else
		snprintf(out, size, "%.*s%s-keys", (int)(base - copy), copy, base);
}

static int keys_init(struct cli *cli, struct cal_db *db, const char *dir_arg)
{
	char dir[PATH_MAX], abs[PATH_MAX], key_path[PATH_MAX + 32], key_id[17];
	unsigned char pk[32];
	int err;

	if (dir_arg)
		snprintf(dir, sizeof(dir), "%s", dir_arg);
	else
		default_dir(dir, sizeof(dir), cli->db_path);
	err = cal_keys_create(pk, key_path, sizeof(key_path), dir);
	if (!err && !realpath(key_path, abs))
		err = cal_error_set(CAL_ERR_IO, "%s: cannot resolve the path", key_path);
	if (!err)
		err = cal_db_signing_key_add(db, pk);
	if (!err)
		err = cal_db_setting_set(db, "sign.key_file", abs);
	if (!err)
		err = cal_signer_key_id(key_id, pk);
	if (err)
		return cli_fail(err, NULL);
	printf("key %s created\n  private %s (mode 0600: keep it on this machine, back it up "
	       "offline)\n  public  %s/%s (give it to inspectors: calbench verify --offline)\n"
	       "Documents issued from now on are signed; one issued without the key is "
	       "refused.\n",
	       key_id, abs, dir, CAL_PUB_FILE);
	return CLI_OK;
}

/*
 * The demo signs its documents: the key beside its database (made on the
 * first demo, used again after), registered and loaded.
 */
int cli_demo_keys(struct cli *cli, struct cal_db *db)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], abs[PATH_MAX];
	unsigned char pk[32];
	struct cal_signer s;
	int err = CAL_OK;

	if (cal_db_has_signer(db))
		return CAL_OK;
	default_dir(dir, sizeof(dir), cli->db_path);
	snprintf(path, sizeof(path), "%s/%s", dir, CAL_KEY_FILE);
	if (access(path, F_OK) != 0)
		err = cal_keys_create(pk, path, sizeof(path), dir);
	if (!err)
		err = cal_signer_load(&s, path);
	if (err)
		return err;
	memcpy(pk, s.sk + 32, sizeof(pk)); /* libsodium's secret key ends with the public key */
	err = cal_db_signing_key_add(db, pk);
	if (!err && realpath(path, abs))
		err = cal_db_setting_set(db, "sign.key_file", abs);
	if (!err)
		cal_db_set_signer(db, &s);
	explicit_bzero(&s, sizeof(s));
	return err;
}

static int keys_show(struct cal_db *db)
{
	char path[PATH_MAX] = "", created[24];
	struct cal_signer s;
	unsigned char pk[32];

	if (cal_db_setting_get(path, sizeof(path), db, "sign.key_file") != CAL_OK) {
		cal_error_clear();
		printf("no signing key: documents are issued unsigned (calbench keys init)\n");
		return CLI_OK;
	}
	if (cal_signer_load(&s, path) != CAL_OK) {
		cli_err("%s", cal_error_last());
		return CLI_ERROR;
	}
	if (cal_db_signing_key_get(pk, created, sizeof(created), db, s.key_id) != CAL_OK) {
		cal_db_set_signer(db, NULL);
		cli_err("%s: key %s is not registered in this database", path, s.key_id);
		return CLI_ERROR;
	}
	printf("key %s (registered %s)\n  private %s\n", s.key_id, created, path);
	explicit_bzero(&s, sizeof(s));
	return CLI_OK;
}

int cmd_keys(struct cli *cli, int argc, char **argv)
{
	const char *dir = NULL;
	const struct cli_opt opts[] = { { "dir", true, &dir, NULL }, { NULL, false, NULL, NULL } };
	const char *sub = argc > 1 ? argv[1] : "";
	struct cal_db *db = NULL;
	int npos, rc;

	if (strcmp(sub, "init") != 0 && strcmp(sub, "show") != 0)
		return cli_usage("keys", "keys: expected init or show");
	rc = cli_parse(argc, argv, 2, opts, NULL, 0, &npos, "keys");
	if (rc)
		return rc;
	rc = cli_open_db(&db, cli, strcmp(sub, "init") == 0);
	if (rc)
		return rc;
	rc = strcmp(sub, "init") == 0 ? keys_init(cli, db, dir) : keys_show(db);
	cal_db_close(db);
	return rc;
}
