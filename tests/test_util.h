/* Helpers shared by the CUnit suites. */
#ifndef CB_TEST_UTIL_H
#define CB_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

struct cb_transport;
struct cb_net_pkt;
struct cb_run_result;
struct cb_call_cfg;

/* Add a suite with tests given as {"name", fn} pairs, NULL-terminated. */
struct cb_test_case {
	const char *name;
	void (*fn)(void);
};

static inline int cb_add_suite(const char *name, const struct cb_test_case *cases)
{
	CU_pSuite s = CU_add_suite(name, NULL, NULL);

	if (!s)
		return -1;
	for (; cases->name; cases++)
		if (!CU_add_test(s, cases->name, cases->fn))
			return -1;
	return 0;
}

/* Tests skipped so far (the runner's closing line counts them apart from
 * the passed ones: a skip is not a pass). */
extern unsigned cb_test_skipped;

/* Report a test skipped for a reason, visibly, and count it. */
#define CB_SKIP(why)                                                                               \
	do {                                                                                       \
		printf("\n      skipped: %s ", (why));                                             \
		cb_test_skipped++;                                                                 \
		return;                                                                            \
	} while (0)

/* Remove `dir` and everything below it (rm -rf); errors are ignored. */
/**
 * 1 when the tests run on a build too slow for real time (CB_TEST_SLOW set,
 * as `make sanitize` does for TSan): real-clock tests then still run every
 * step, but do not hold figures that need the machine to keep up.
 */
int cb_test_slow(void);

void cb_test_rm_rf(const char *dir);

/*
 * Receive into `p` until `want` packets arrived or a generous deadline
 * (200 polls of 20 ms) passed; a receive error fails the test.  Returns how
 * many arrived.
 */
size_t cb_test_recv_all(struct cb_transport *t, struct cb_net_pkt *p, size_t want);

/* The run folder `dir` must pass cb_check_run_folder(); say why when it does not. */
void cb_test_check_folder(const char *dir);

/*
 * Write the report folder of `res` (its path into `dir`) and check that its
 * files agree with each other; a failed write stops the test.
 */
void cb_test_write_checked(struct cb_run_result *res, char *dir, size_t dir_len);

/* The number at keys[0].keys[1]... of the JSON file `path`; NaN when absent. */
double cb_test_json_num(const char *path, const char *const *keys, size_t n);

/* The built program (build/callbench) beside this test binary, or "". */
void cb_test_program_path(char *out, size_t room);
/* Run `cmd` in sh with that program's folder first on PATH; its exit
 * status.  `output` (room bytes, may be NULL) gets what it printed. */
int cb_test_sh(const char *prog, const char *cmd, char *output, size_t room);

/* A small simulated call (320x240, 500 kbps, sim clock, fixed codec time
 * `codec_ms`: video encode/decode, audio encode/decode) of `duration_s`. */
void cb_test_sim_cfg(struct cb_call_cfg *c, double duration_s, const double codec_ms[4],
		     uint64_t seed);

/* The receiving end's session of an audio-only call of `cfg` (Opus on
 * payload type 111, SSRC learned from the first packet) with fresh keys:
 * key_remote protects what arrives, key_local its RTCP. */
struct cb_session;
struct cb_call_cfg;
void cb_test_audio_rx_session(struct cb_session *ss, const struct cb_call_cfg *cfg);

#endif
