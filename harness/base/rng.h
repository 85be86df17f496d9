/*
 * rng.h — a small seeded generator (xoshiro256**, seeded by splitmix64).
 * Every random choice in the harness draws from one of these, owned by the
 * caller, so a run is reproducible from its seed.
 */
#ifndef CB_BASE_RNG_H
#define CB_BASE_RNG_H

#include <stdint.h>

struct cb_rng {
	uint64_t s[4];
};

void cb_rng_seed(struct cb_rng *r, uint64_t seed);
uint64_t cb_rng_next(struct cb_rng *r);
/** Uniform in [0, 1). */
double cb_rng_uniform(struct cb_rng *r);
/** Standard normal (Box-Muller). */
double cb_rng_normal(struct cb_rng *r);
/** A stateless 64-bit mix, for deriving per-item values from (seed, index). */
uint64_t cb_mix64(uint64_t x);

#endif
