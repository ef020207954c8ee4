/*
 * libserialport 0.1.1 backend for real serial ports, and the port list.
 *
 * libserialport opens and configures the port (it knows the OS quirks);
 * the bytes then go through our own poll() + read()/write() on its handle
 * (cal_tr_fd_*), because 0.1.1 times its blocking calls with gettimeofday()
 * and can report a full output buffer as an error (protocols.md 7.3).
 *
 * Known 0.1.1 behaviour kept: closing the port drops DTR/RTS (HUPCL), and
 * the port is not locked against a second process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libserialport.h>

#define LOG_PREFIX "serialport"
#include "cal/error.h"
#include "cal/log.h"

#include "internal.h"

struct sp_ctx {
	struct sp_port *port; /* open */
	int fd;		      /* its handle, for poll() */
	char desc[300];	      /* "/dev/ttyUSB0 9600/8N1", for messages */
};

/* Map a failed libserialport call to a cal error with its OS message. */
static int map_sp_error(enum sp_return r, const char *what, const char *desc)
{
	char *msg;
	int rc;

	switch (r) {
	case SP_ERR_FAIL:
		msg = sp_last_error_message();
		rc = cal_error_set(CAL_ERR_IO, "%s %s: %s", what, desc, msg ? msg : "OS error");
		if (msg)
			sp_free_error_message(msg);
		return rc;
	case SP_ERR_MEM:
		return cal_error_set(CAL_ERR_NOMEM, "%s %s: out of memory", what, desc);
	case SP_ERR_SUPP:
		return cal_error_set(CAL_ERR_IO, "%s %s: not supported by the OS or port", what,
				     desc);
	default:
		return cal_error_set(CAL_ERR_IO, "%s %s: invalid setting (libserialport %d)", what,
				     desc, (int)r);
	}
}

static int apply_config(struct sp_port *port, const struct cal_port_cfg *cfg, const char *desc)
{
	struct sp_port_config *conf = NULL;
	enum sp_parity parity = SP_PARITY_NONE;
	enum sp_flowcontrol flow = SP_FLOWCONTROL_NONE;
	enum sp_return r;

	if (cfg->parity == 'E')
		parity = SP_PARITY_EVEN;
	else if (cfg->parity == 'O')
		parity = SP_PARITY_ODD;
	if (cfg->flow == CAL_FLOW_XONXOFF)
		flow = SP_FLOWCONTROL_XONXOFF;
	else if (cfg->flow == CAL_FLOW_RTSCTS)
		flow = SP_FLOWCONTROL_RTSCTS;
	r = sp_new_config(&conf);
	if (r == SP_OK)
		r = sp_set_config_baudrate(conf, cfg->baud);
	if (r == SP_OK)
		r = sp_set_config_bits(conf, cfg->data_bits);
	if (r == SP_OK)
		r = sp_set_config_parity(conf, parity);
	if (r == SP_OK)
		r = sp_set_config_stopbits(conf, cfg->stop_bits);
	if (r == SP_OK)
		r = sp_set_config_flowcontrol(conf, flow);
	if (r == SP_OK)
		r = sp_set_config(port, conf);
	if (conf)
		sp_free_config(conf);
	if (r != SP_OK)
		return map_sp_error(r, "cannot configure port", desc);
	return CAL_OK;
}

int cal_tr_sp_open(void **ctx, bool *refused, const struct cal_port_cfg *cfg, const char *desc)
{
	struct sp_port *port = NULL;
	struct sp_ctx *c = NULL;
	bool opened = false;
	enum sp_return r;
	int fd = -1;
	int rc;

	*ctx = NULL;
	*refused = false;
	/* Names outside /dev and ptys (no sysfs entry) fail here: use termios. */
	r = sp_get_port_by_name(cfg->path, &port);
	if (r == SP_ERR_MEM)
		return cal_error_set(CAL_ERR_NOMEM, "out of memory opening %s", cfg->path);
	if (r != SP_OK) {
		*refused = true;
		return CAL_ERR_IO;
	}
	r = sp_open(port, SP_MODE_READ_WRITE);
	if (r != SP_OK) {
		int err = r == SP_ERR_FAIL ? sp_last_error_code() : 0;

		/* TIOCMGET on a tty without modem lines: termios can still use it. */
		if (err == ENOTTY || err == EINVAL) {
			*refused = true;
			rc = CAL_ERR_IO;
		} else {
			rc = map_sp_error(r, "cannot open port", desc);
		}
		goto fail;
	}
	opened = true;
	rc = apply_config(port, cfg, desc);
	if (rc)
		goto fail;
	r = sp_get_port_handle(port, &fd);
	if (r != SP_OK) {
		rc = map_sp_error(r, "no handle for port", desc);
		goto fail;
	}
	sp_flush(port, SP_BUF_BOTH);
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = cal_error_set(CAL_ERR_NOMEM, "out of memory opening %s", cfg->path);
		goto fail;
	}
	c->port = port;
	c->fd = fd;
	snprintf(c->desc, sizeof(c->desc), "%s", desc);
	*ctx = c;
	return CAL_OK;
fail:
	if (opened)
		sp_close(port);
	sp_free_port(port);
	return rc;
}

static int spt_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct sp_ctx *c = ctx;

	return cal_tr_fd_write(c->fd, c->desc, buf, len, timeout_ms);
}

static int spt_read(void *ctx, void *buf, size_t size, size_t *got, int timeout_ms)
{
	struct sp_ctx *c = ctx;

	return cal_tr_fd_read(c->fd, c->desc, buf, size, got, timeout_ms);
}

static int spt_flush_input(void *ctx)
{
	struct sp_ctx *c = ctx;
	enum sp_return r = sp_flush(c->port, SP_BUF_INPUT);

	if (r != SP_OK)
		return map_sp_error(r, "cannot flush", c->desc);
	return CAL_OK;
}

static void spt_close(void *ctx)
{
	struct sp_ctx *c = ctx;

	if (!c)
		return;
	sp_close(c->port);
	sp_free_port(c->port);
	free(c);
}

const struct cal_transport_ops cal_tr_sp_ops = {
	.name = "libserialport",
	.write = spt_write,
	.read = spt_read,
	.flush_input = spt_flush_input,
	.close = spt_close,
};

static const char *transport_name(enum sp_transport t)
{
	switch (t) {
	case SP_TRANSPORT_NATIVE:
		return "native";
	case SP_TRANSPORT_USB:
		return "usb";
	case SP_TRANSPORT_BLUETOOTH:
		return "bluetooth";
	}
	return "unknown";
}

int cal_ports_list(struct cal_port_info **out, size_t *n)
{
	struct sp_port **list = NULL;
	struct cal_port_info *info = NULL;
	size_t count = 0;
	enum sp_return r;
	int rc = CAL_OK;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n)
		return cal_error_set(CAL_ERR_ARG, "cal_ports_list: NULL argument");
	r = sp_list_ports(&list);
	if (r != SP_OK)
		return map_sp_error(r, "cannot list", "serial ports");
	while (list[count])
		count++;
	/* At least one element, so that an empty list is still a valid pointer. */
	info = calloc(count ? count : 1, sizeof(*info));
	if (!info) {
		rc = cal_error_set(CAL_ERR_NOMEM, "out of memory listing serial ports");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		const char *name = sp_get_port_name(list[i]);
		const char *descr = sp_get_port_description(list[i]);
		enum sp_transport tr = sp_get_port_transport(list[i]);
		int vid = -1, pid = -1;

		snprintf(info[i].name, sizeof(info[i].name), "%s", name ? name : "");
		snprintf(info[i].description, sizeof(info[i].description), "%s",
			 descr ? descr : "");
		if (tr != SP_TRANSPORT_USB ||
		    sp_get_port_usb_vid_pid(list[i], &vid, &pid) != SP_OK) {
			vid = -1;
			pid = -1;
		}
		info[i].usb_vid = vid;
		info[i].usb_pid = pid;
		snprintf(info[i].transport, sizeof(info[i].transport), "%s", transport_name(tr));
	}
	*out = info;
	*n = count;
out:
	sp_free_port_list(list);
	return rc;
}
