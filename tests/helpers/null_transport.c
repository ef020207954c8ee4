#include <stddef.h>

#include "cal/error.h"
#include "null_transport.h"

static int nop_write(void *ctx, const void *buf, size_t len, int t)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)t;
	return CAL_OK;
}

static int nop_read(void *ctx, void *buf, size_t size, size_t *got, int t)
{
	(void)ctx;
	(void)buf;
	(void)size;
	(void)t;
	*got = 0;
	return CAL_ERR_TIMEOUT;
}

static const struct cal_transport_ops nop_ops = { .name = "none",
						  .write = nop_write,
						  .read = nop_read };

int null_transport_new(struct cal_transport **out)
{
	return cal_transport_new_custom(out, &nop_ops, NULL);
}
