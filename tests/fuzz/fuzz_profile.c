/*
 * fuzz_profile.c — network profile files (fixtures/net/<name>.json, or any
 * path given to --net-profile): cb_impair_profile_load on arbitrary bytes,
 * then the configuration check and description a run prints.  Beyond not
 * crashing: a refused file says why and leaves the configuration as it was.
 */
#include "fuzz.h"

#include <limits.h>

#include "net/impair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cb_impair_cfg cfg, before;
	char path[PATH_MAX], why[512] = "", desc[512];

	if (fz_write_file("profile.json", data, size, path, sizeof(path)))
		return 0;
	cb_impair_cfg_default(&cfg);
	cfg.delay_ms = 12.5; /* not a default: a failed load must keep it */
	before = cfg;
	if (cb_impair_profile_load(NULL, path, &cfg, why, sizeof(why)) != 0) {
		FUZZ_CHECK(why[0] != '\0');
		FUZZ_CHECK(!memcmp(&cfg, &before, sizeof(cfg)));
		return 0;
	}
	(void)cb_impair_cfg_check(&cfg, why, sizeof(why));
	cb_impair_describe(&cfg, desc, sizeof(desc));
	return 0;
}
