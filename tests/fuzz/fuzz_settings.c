/*
 * fuzz_settings.c — settings files (`callbench run --settings FILE.json`):
 * the bytes as the file, read through the call's settings table.  Beyond
 * not crashing: a refused file says why and leaves the settings as they
 * were; an accepted one gives every setting a value its row formats and
 * parses back to itself, and a summary.json settings object that reads back
 * to the same values.
 */
#include "fuzz.h"

#include <limits.h>

#include "call/drive.h"
#include "call/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cb_call_cfg cfg, before, back;
	struct cb_settings_it it;
	const struct cb_setting *row;
	char path[PATH_MAX], why[1024] = "", a[1024], b[1024];
	json_t *s;

	if (fz_write_file("settings.json", data, size, path, sizeof(path)))
		return 0;
	cb_call_cfg_default(&cfg);
	before = cfg;
	if (cb_settings_set(cb_call_settings, &cfg, "settings", path, why, sizeof(why)) != 0) {
		FUZZ_CHECK(why[0] != '\0');
		FUZZ_CHECK(!memcmp(&cfg, &before, sizeof(cfg)));
		return 0;
	}
	(void)cb_call_cfg_check(&cfg, why, sizeof(why));
	s = cb_call_settings_json(&cfg);
	FUZZ_CHECK(s != NULL);
	cb_call_cfg_default(&back);
	cb_settings_from_json(cb_call_settings, &back, s);
	json_decref(s);
	cb_settings_it_init(&it, cb_call_settings);
	while ((row = cb_settings_next(&it, NULL))) {
		struct cb_call_cfg again = cfg;

		if (!cb_setting_has_value(row) || cb_setting_format(row, &cfg, a, sizeof(a)))
			continue;
		FUZZ_CHECK(cb_setting_format(row, &back, b, sizeof(b)) == 0 && !strcmp(a, b));
		/* A profile name changed by --net ("4g+") names no file: not a value to give. */
		if (row->type == CB_SETTING_CUSTOM || !a[0])
			continue;
		FUZZ_CHECK(cb_setting_parse(row, &again, a, why, sizeof(why)) == 0);
		FUZZ_CHECK(!memcmp(&again, &cfg, sizeof(cfg)));
	}
	return 0;
}
