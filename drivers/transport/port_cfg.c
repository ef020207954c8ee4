/*
 * Port and serial-settings strings from bench files.
 *
 *	port:   "/dev/ttyUSB0" | "/dev/pts/3" | "./ttyA" | "tcp:HOST:PORT"
 *	        | "modbus-tcp:HOST:PORT" | "modbus-rtu:TTY_PATH"
 *	        (HOST may be "[v6 address]")
 *	serial: "BAUD/<bits><parity><stop>[/xonxoff|/rtscts|/none]"
 *	        e.g. "9600/8N1", "2400/7E1", "19200/8N2/rtscts"
 *
 * Parsing is strict (no spaces, no trailing text) and never reads past the
 * terminating NUL. The serial string is checked for TCP ports too (a device
 * server may use it), but only serial backends apply it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cal/error.h"
#include "cal/transport.h"

#include "../util.h"

/* Rates the termios backend can set (Linux Bxxx constants). */
static const int baud_rates[] = { 300,	 600,	1200,	2400,	4800,	9600,  19200,
				  38400, 57600, 115200, 230400, 460800, 921600 };

/* Parse all of s[0..len) as a decimal integer in lo..hi; false otherwise. */
static bool parse_int(int *out, const char *s, size_t len, long lo, long hi)
{
	long v = 0;

	if (len == 0 || len > 9)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

static int parse_tcp(struct cal_port_cfg *out, const char *port, size_t prefix)
{
	const char *hp = port + prefix; /* after "tcp:" or "modbus-tcp:" */
	const char *host, *colon;
	size_t hlen;
	char esc[CAL_DRV_ESCAPE_MAX];

	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		if (!close || close[1] != ':')
			goto bad;
		host = hp + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (!colon)
			goto bad;
		host = hp;
		hlen = (size_t)(colon - hp);
		if (memchr(host, ':', hlen))
			goto bad; /* bare IPv6: needs brackets */
	}
	if (hlen == 0 || hlen >= sizeof(out->host) || memchr(host, ' ', hlen))
		goto bad;
	if (!parse_int(&out->tcp_port, colon + 1, strlen(colon + 1), 1, 65535))
		return cal_error_set(CAL_ERR_ARG, "port '%s': TCP port must be a number 1..65535",
				     cal_drv_escape(esc, sizeof(esc), port, strlen(port)));
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	out->kind = CAL_PORT_TCP;
	return CAL_OK;
bad:
	return cal_error_set(CAL_ERR_ARG, "port '%s': expected %sHOST:PORT",
			     cal_drv_escape(esc, sizeof(esc), port, strlen(port)),
			     prefix == 4 ? "tcp:" : "modbus-tcp:");
}

static int parse_serial(struct cal_port_cfg *out, const char *serial)
{
	const char *slash = strchr(serial, '/');
	const char *fmt, *flow;
	size_t i;
	bool ok = false;
	char esc[CAL_DRV_ESCAPE_MAX];

	if (!slash)
		goto bad;
	if (!parse_int(&out->baud, serial, (size_t)(slash - serial), 1, 10000000))
		goto bad;
	for (i = 0; i < sizeof(baud_rates) / sizeof(baud_rates[0]); i++)
		ok = ok || baud_rates[i] == out->baud;
	if (!ok)
		return cal_error_set(CAL_ERR_ARG,
				     "serial settings '%s': unsupported baud rate %d "
				     "(300..921600, standard rates only)",
				     cal_drv_escape(esc, sizeof(esc), serial, strlen(serial)),
				     out->baud);
	fmt = slash + 1;
	/* Exactly three characters, then the end or "/flow". */
	if (strlen(fmt) < 3 || (fmt[3] != '\0' && fmt[3] != '/'))
		goto bad;
	if (fmt[0] != '7' && fmt[0] != '8')
		goto bad;
	out->data_bits = fmt[0] - '0';
	switch (fmt[1]) {
	case 'N':
	case 'n':
		out->parity = 'N';
		break;
	case 'E':
	case 'e':
		out->parity = 'E';
		break;
	case 'O':
	case 'o':
		out->parity = 'O';
		break;
	default:
		goto bad;
	}
	if (fmt[2] != '1' && fmt[2] != '2')
		goto bad;
	out->stop_bits = fmt[2] - '0';
	out->flow = CAL_FLOW_NONE;
	if (fmt[3] == '/') {
		flow = fmt + 4;
		if (strcasecmp(flow, "xonxoff") == 0)
			out->flow = CAL_FLOW_XONXOFF;
		else if (strcasecmp(flow, "rtscts") == 0)
			out->flow = CAL_FLOW_RTSCTS;
		else if (strcasecmp(flow, "none") != 0)
			goto bad;
	}
	return CAL_OK;
bad:
	return cal_error_set(
		CAL_ERR_ARG,
		"serial settings '%s': expected BAUD/<7|8><N|E|O><1|2>[/xonxoff|/rtscts], "
		"e.g. 9600/8N1",
		cal_drv_escape(esc, sizeof(esc), serial, strlen(serial)));
}

int cal_port_cfg_parse(struct cal_port_cfg *out, const char *port, const char *serial)
{
	struct cal_port_cfg cfg;
	char esc[CAL_DRV_ESCAPE_MAX];
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_port_cfg_parse: out is NULL");
	memset(out, 0, sizeof(*out));
	memset(&cfg, 0, sizeof(cfg));
	cfg.baud = 9600;
	cfg.data_bits = 8;
	cfg.parity = 'N';
	cfg.stop_bits = 1;
	cfg.flow = CAL_FLOW_NONE;
	if (!port || !port[0])
		return cal_error_set(CAL_ERR_ARG, "no port given");
	if (has_control_chars(port))
		return cal_error_set(CAL_ERR_ARG, "port '%s': control characters in the name",
				     cal_drv_escape(esc, sizeof(esc), port, strlen(port)));
	if (strncmp(port, "tcp:", 4) == 0) {
		rc = parse_tcp(&cfg, port, 4);
		if (rc)
			return rc;
	} else if (strncmp(port, "modbus-tcp:", 11) == 0) {
		rc = parse_tcp(&cfg, port, 11);
		if (rc)
			return rc;
		cfg.kind = CAL_PORT_MODBUS_TCP;
	} else {
		const char *path = port;

		cfg.kind = CAL_PORT_SERIAL;
		if (strncmp(port, "modbus-rtu:", 11) == 0) {
			path = port + 11;
			cfg.kind = CAL_PORT_MODBUS_RTU;
			if (!path[0])
				return cal_error_set(CAL_ERR_ARG,
						     "port '%s': expected modbus-rtu:TTY_PATH",
						     port);
		}
		if (strlen(path) >= sizeof(cfg.path))
			return cal_error_set(CAL_ERR_ARG,
					     "port '%.40s...': path longer than %zu bytes", port,
					     sizeof(cfg.path) - 1);
		memcpy(cfg.path, path, strlen(path) + 1);
	}
	if (serial && serial[0]) {
		rc = parse_serial(&cfg, serial);
		if (rc)
			return rc;
	}
	*out = cfg;
	return CAL_OK;
}

void cal_port_cfg_describe(char *buf, size_t size, const struct cal_port_cfg *cfg)
{
	const char *flow = "";

	if (!buf || size == 0)
		return;
	if (!cfg) {
		snprintf(buf, size, "(no port)");
		return;
	}
	/* The arrays may come from a caller that did not NUL-terminate them. */
	if (cfg->kind == CAL_PORT_TCP || cfg->kind == CAL_PORT_MODBUS_TCP) {
		int hlen = (int)strnlen(cfg->host, sizeof(cfg->host));
		const char *pre = cfg->kind == CAL_PORT_TCP ? "tcp" : "modbus-tcp";

		if (memchr(cfg->host, ':', (size_t)hlen))
			snprintf(buf, size, "%s:[%.*s]:%d", pre, hlen, cfg->host, cfg->tcp_port);
		else
			snprintf(buf, size, "%s:%.*s:%d", pre, hlen, cfg->host, cfg->tcp_port);
		return;
	}
	if (cfg->flow == CAL_FLOW_XONXOFF)
		flow = "/xonxoff";
	else if (cfg->flow == CAL_FLOW_RTSCTS)
		flow = "/rtscts";
	snprintf(buf, size, "%s%.*s %d/%d%c%d%s",
		 cfg->kind == CAL_PORT_MODBUS_RTU ? "modbus-rtu:" : "",
		 (int)strnlen(cfg->path, sizeof(cfg->path)), cfg->path, cfg->baud, cfg->data_bits,
		 cfg->parity ? cfg->parity : '?', cfg->stop_bits, flow);
}
