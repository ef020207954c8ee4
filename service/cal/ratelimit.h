/*
 * A per-client rate limiter: one token bucket per client address, in a
 * fixed-size table, safe to call from several threads.
 *
 * Each client gets a bucket of @burst tokens that refills at @rate_per_s
 * tokens per second; a request takes one token, and a request that finds
 * less than one is refused, with the whole seconds until a token is back
 * (the HTTP Retry-After).
 *
 * The table never grows: @slots buckets, found by hashing the key and
 * probing a few neighbours. When all of them hold other clients, the most
 * idle one (the fullest after refill) is given to the newcomer: a client
 * evicted that way comes back with a full bucket, which is what it would
 * have after being idle, so memory stays bounded whatever the number of
 * addresses an attacker uses. Time is passed in (monotonic milliseconds),
 * so the limiter runs on a fake clock in tests.
 */
#ifndef CAL_SERVICE_RATELIMIT_H
#define CAL_SERVICE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;
struct cal_ratelimit;

/* Longest key: an IPv6 address. */
#define CAL_RATELIMIT_KEY_MAX 16

/*
 * A limiter of @slots buckets (rounded up to a power of two, at least 16),
 * each holding at most @burst tokens (>= 1) and refilled at @rate_per_s
 * (> 0) tokens per second; a bucket starts full.
 *
 * @param[out] out The limiter; NULL on error. Must not be NULL.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG A rate, burst or slot count out of range.
 * @retval CAL_ERR_NOMEM
 */
int cal_ratelimit_new(struct cal_ratelimit **out, double rate_per_s, double burst, size_t slots);
/* NULL is fine. */
void cal_ratelimit_free(struct cal_ratelimit *rl);

/*
 * Take one token from the bucket of @key at time @now_ms (monotonic,
 * milliseconds; a time earlier than the bucket's last one counts as no
 * time passed).
 *
 * @param rl Must not be NULL.
 * @param key The client (cal_ratelimit_addr_key), @key_len bytes, 1..16.
 * @param[out] retry_after_s When refused: whole seconds (>= 1) until the
 *             bucket holds a token again. Can be NULL.
 * @return true when the request may go on, false when it is refused.
 */
bool cal_ratelimit_take(struct cal_ratelimit *rl, const void *key, size_t key_len, int64_t now_ms,
			int *retry_after_s);

/*
 * The key of a client address: the 4 bytes of an IPv4 address (an
 * IPv4-mapped IPv6 address too), the first 8 bytes (the /64 network) of an
 * IPv6 address, since one host usually holds a whole /64. Returns the key
 * length, 0 for another address family or a NULL @sa.
 */
size_t cal_ratelimit_addr_key(unsigned char out[CAL_RATELIMIT_KEY_MAX], const struct sockaddr *sa);

#endif
