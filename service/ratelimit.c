/*
 * Token buckets per client address, in an open-addressed table of fixed
 * size guarded by one mutex (a take is a hash and at most PROBES slot
 * visits, far shorter than anything else a request does).
 *
 * Tokens are kept as a double: a bucket refills by (elapsed ms) x rate /
 * 1000, capped at the burst. The table is a power of two in size; a key is
 * hashed with FNV-1a and looked up in PROBES consecutive slots.
 */
#include "cal/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "cal/error.h"

/* Slots visited per lookup: how far a key may sit from its hash. */
#define PROBES 8
#define MIN_SLOTS 16
#define MAX_SLOTS ((size_t)1 << 24)

struct bucket {
	unsigned char key[CAL_RATELIMIT_KEY_MAX];
	uint8_t key_len; /* 0 = free slot */
	double tokens;	 /* 0..burst */
	int64_t last_ms; /* when tokens was last brought up to date */
};

struct cal_ratelimit {
	pthread_mutex_t lock; /* guards every bucket */
	double rate_per_ms;   /* tokens per millisecond, > 0 */
	double burst;	      /* bucket size, >= 1 */
	size_t mask;	      /* slots - 1 */
	struct bucket *b;     /* slots buckets */
};

int cal_ratelimit_new(struct cal_ratelimit **out, double rate_per_s, double burst, size_t slots)
{
	struct cal_ratelimit *rl = NULL;
	size_t n = MIN_SLOTS;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "rate limit: out is NULL");
	*out = NULL;
	if (!(rate_per_s > 0) || !isfinite(rate_per_s) || !(burst >= 1) || !isfinite(burst))
		return cal_error_set(CAL_ERR_ARG,
				     "rate limit: the rate must be > 0 per second and the burst "
				     ">= 1 (got %g/s, burst %g)",
				     rate_per_s, burst);
	if (slots > MAX_SLOTS)
		return cal_error_set(CAL_ERR_ARG,
				     "rate limit: %zu clients is too many (at most %zu)", slots,
				     MAX_SLOTS);
	while (n < slots)
		n <<= 1;
	rl = calloc(1, sizeof(*rl));
	if (rl)
		rl->b = calloc(n, sizeof(*rl->b));
	if (!rl || !rl->b) {
		free(rl);
		return cal_error_set(CAL_ERR_NOMEM, "rate limit: out of memory for %zu clients", n);
	}
	pthread_mutex_init(&rl->lock, NULL);
	rl->rate_per_ms = rate_per_s / 1000.0;
	rl->burst = burst;
	rl->mask = n - 1;
	*out = rl;
	return CAL_OK;
}

void cal_ratelimit_free(struct cal_ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->b);
	free(rl);
}

static uint64_t hash(const unsigned char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, 64 bits */

	for (size_t i = 0; i < n; i++) {
		h ^= k[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/* The tokens of @b at @now_ms, refilled; the bucket itself is not changed. */
static double refilled(const struct cal_ratelimit *rl, const struct bucket *b, int64_t now_ms)
{
	double t = b->tokens;

	if (now_ms > b->last_ms)
		t += (double)(now_ms - b->last_ms) * rl->rate_per_ms;
	return t < rl->burst ? t : rl->burst;
}

/* The bucket of @key: its own, else a free slot, else the most idle one (reset). */
static struct bucket *find(struct cal_ratelimit *rl, const unsigned char *key, size_t n,
			   int64_t now_ms)
{
	size_t start = (size_t)hash(key, n), i;
	struct bucket *free_slot = NULL, *idle = NULL, *b;
	double idle_t = -1, t;

	for (int p = 0; p < PROBES; p++) {
		i = (start + (size_t)p) & rl->mask;
		b = &rl->b[i];
		if (b->key_len == n && memcmp(b->key, key, n) == 0)
			return b;
		if (!b->key_len) {
			if (!free_slot)
				free_slot = b;
			continue;
		}
		t = refilled(rl, b, now_ms);
		if (t > idle_t) {
			idle_t = t;
			idle = b;
		}
	}
	b = free_slot ? free_slot : idle;
	memset(b->key, 0, sizeof(b->key));
	memcpy(b->key, key, n);
	b->key_len = (uint8_t)n;
	b->tokens = rl->burst;
	b->last_ms = now_ms;
	return b;
}

bool cal_ratelimit_take(struct cal_ratelimit *rl, const void *key, size_t key_len, int64_t now_ms,
			int *retry_after_s)
{
	struct bucket *b;
	bool ok;
	double wait_s;

	if (retry_after_s)
		*retry_after_s = 0;
	if (!rl || !key || key_len == 0 || key_len > CAL_RATELIMIT_KEY_MAX)
		return true; /* nothing to count by: not this limiter's business */
	pthread_mutex_lock(&rl->lock);
	b = find(rl, key, key_len, now_ms);
	b->tokens = refilled(rl, b, now_ms);
	if (now_ms > b->last_ms)
		b->last_ms = now_ms;
	ok = b->tokens >= 1.0;
	if (ok) {
		b->tokens -= 1.0;
	} else if (retry_after_s) {
		wait_s = ceil((1.0 - b->tokens) / (rl->rate_per_ms * 1000.0));
		*retry_after_s = wait_s < 1 ? 1 : wait_s > 86400 ? 86400 : (int)wait_s;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

size_t cal_ratelimit_addr_key(unsigned char out[CAL_RATELIMIT_KEY_MAX], const struct sockaddr *sa)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const struct sockaddr_in6 *s6;

	memset(out, 0, CAL_RATELIMIT_KEY_MAX);
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (memcmp(s6->sin6_addr.s6_addr, v4mapped, sizeof(v4mapped)) == 0) {
		memcpy(out, s6->sin6_addr.s6_addr + 12, 4);
		return 4;
	}
	/* (the key lengths, 4 and 8, keep the two families apart) */
	memcpy(out, s6->sin6_addr.s6_addr, 8);
	return 8;
}
