#include <math.h>

#include "base/rng.h"

uint64_t cb_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void cb_rng_seed(struct cb_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		seed = cb_mix64(seed);
		r->s[i] = seed;
	}
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t cb_rng_next(struct cb_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double cb_rng_uniform(struct cb_rng *r)
{
	return (double)(cb_rng_next(r) >> 11) * 0x1.0p-53;
}

double cb_rng_normal(struct cb_rng *r)
{
	double u1 = cb_rng_uniform(r), u2 = cb_rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
