/*
 * The scripted instrument of script_peer.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cal/error.h"
#include "script_peer.h"

void peer_queue(struct peer *p, const char *bytes)
{
	size_t n = strlen(bytes);

	assert_true(p->rlen + n <= sizeof(p->rx));
	memcpy(p->rx + p->rlen, bytes, n);
	p->rlen += n;
}

static void on_command(struct peer *p, const char *cmd)
{
	const char *reply = NULL;

	p->commands++;
	if (p->pos < p->nsteps) {
		const struct peer_step *s = &p->steps[p->pos++];

		if (strcmp(s->cmd, cmd) != 0 && !p->mismatch[0])
			snprintf(p->mismatch, sizeof(p->mismatch), "step %d: want '%s', got '%s'",
				 p->pos, s->cmd, cmd);
		reply = s->reply;
	} else if (p->repeat_cmd && strcmp(p->repeat_cmd, cmd) == 0) {
		reply = p->repeat_reply;
	} else if (!p->mismatch[0]) {
		snprintf(p->mismatch, sizeof(p->mismatch), "unscripted command '%s'", cmd);
	}
	if (reply)
		peer_queue(p, reply);
}

static int p_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct peer *p = ctx;
	const char *b = buf;

	(void)timeout_ms;
	if (p->fail_write)
		return cal_error_set(CAL_ERR_IO, "peer: write failed");
	for (size_t i = 0; i < len; i++) {
		if (b[i] == '\n') {
			if (p->clen > 0 && p->cmd[p->clen - 1] == '\r') {
				p->clen--;
				p->crlf++;
			} else {
				p->lf_only++;
			}
			p->cmd[p->clen] = '\0';
			on_command(p, p->cmd);
			p->clen = 0;
		} else if (p->clen < sizeof(p->cmd) - 1) {
			p->cmd[p->clen++] = b[i];
		}
	}
	return CAL_OK;
}

static int p_read(void *ctx, void *buf, size_t size, size_t *got, int timeout_ms)
{
	struct peer *p = ctx;
	size_t n = p->rlen - p->rpos;

	(void)timeout_ms;
	*got = 0;
	if (n == 0)
		return CAL_ERR_TIMEOUT;
	if (p->chunk && n > p->chunk)
		n = p->chunk;
	if (n > size)
		n = size;
	memcpy(buf, p->rx + p->rpos, n);
	p->rpos += n;
	if (p->rpos == p->rlen)
		p->rpos = p->rlen = 0;
	*got = n;
	return CAL_OK;
}

static int p_flush(void *ctx)
{
	struct peer *p = ctx;

	p->flushes++;
	p->rpos = p->rlen = 0;
	return CAL_OK;
}

static void p_close(void *ctx)
{
	struct peer *p = ctx;

	p->closed++;
}

const struct cal_transport_ops peer_ops = {
	.name = "mock",
	.write = p_write,
	.read = p_read,
	.flush_input = p_flush,
	.close = p_close,
};

struct peer *peer_new(void)
{
	struct peer *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	return p;
}

void peer_step(struct peer *p, const char *cmd, const char *reply)
{
	assert_true(p->nsteps < PEER_STEPS);
	p->steps[p->nsteps].cmd = cmd;
	p->steps[p->nsteps].reply = reply;
	p->nsteps++;
}

struct cal_transport *peer_transport(struct peer *p)
{
	struct cal_transport *tr = NULL;

	assert_int_equal(cal_transport_new_custom(&tr, &peer_ops, p), CAL_OK);
	return tr;
}
