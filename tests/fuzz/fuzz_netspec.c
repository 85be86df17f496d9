/*
 * fuzz_netspec.c — the `--net` spec parser (cb_impair_parse), then, for a
 * spec it accepts and cb_impair_cfg_check passes, the emulator opened with
 * it and 200 packets sent through, as a call would.  Beyond not crashing:
 * a refused spec says why and leaves the configuration as it was, and the
 * emulator never delivers a packet before it was sent.
 */
#include "fuzz.h"

#include "net/impair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cb_impair_cfg cfg, before;
	struct cb_impair *im = NULL;
	struct cb_impair_verdict v;
	char why[256] = "", desc[512];
	char *spec = fz_string(data, size);
	cb_ns t = 0;

	if (!spec)
		return 0;
	cb_impair_cfg_default(&cfg);
	before = cfg;
	if (cb_impair_parse(spec, &cfg, why, sizeof(why)) != 0) {
		FUZZ_CHECK(why[0] != '\0');
		FUZZ_CHECK(!memcmp(&cfg, &before, sizeof(cfg)));
		free(spec);
		return 0;
	}
	cb_impair_describe(&cfg, desc, sizeof(desc));
	if (cb_impair_cfg_check(&cfg, why, sizeof(why)) == 0 && cb_impair_open(&im, &cfg) == 0) {
		for (int i = 0; i < 200; i++) {
			t += 5 * CB_NS_PER_MS;
			if (cb_impair_packet(im, t, 1200, &v) < 0)
				break;
			FUZZ_CHECK(v.copies >= 0 && v.copies <= 2);
			for (int k = 0; k < v.copies; k++)
				FUZZ_CHECK(v.release[k] >= t);
		}
		cb_impair_close(im);
	}
	free(spec);
	return 0;
}
