/*
 * fuzz_constraints.c — getUserMedia constraints JSON (--constraints):
 * parse, then SelectSettings for the camera and the microphone over the
 * device table, and getSettings() of what was chosen.  Beyond not
 * crashing: a refused document says why; a selection either succeeds with
 * settings inside what the device offers or names the constraint it failed.
 */
#include "fuzz.h"

#include <jansson.h>

#include "media/constraints.h"

static void select_kind(const struct cb_constraints *c, enum cb_device_kind kind)
{
	struct cb_track_settings s;
	char failed[64] = "";
	json_t *j;
	char *txt;
	int rc = cb_constraints_select(c, kind, NULL, 0, &s, failed, sizeof(failed));

	if (rc == CB_E_OVERCONSTRAINED) {
		FUZZ_CHECK(failed[0] != '\0');
		return;
	}
	if (rc != 0)
		return;
	if (kind == CB_DEVICE_VIDEOINPUT)
		FUZZ_CHECK(s.width > 0 && s.height > 0 && s.frame_rate > 0);
	j = cb_track_settings_json(&s);
	FUZZ_CHECK(j != NULL);
	txt = json_dumps(j, 0);
	free(txt);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cb_constraints *c = NULL;
	char msg[256] = "";
	char *json = fz_string(data, size);

	if (!json)
		return 0;
	if (cb_constraints_parse(&c, json, msg, sizeof(msg)) != 0) {
		FUZZ_CHECK(msg[0] != '\0');
		free(json);
		return 0;
	}
	for (size_t i = 0; i < cb_constraints_n_unknown(c); i++)
		FUZZ_CHECK((cb_constraints_unknown(c, i) != NULL) ==
			   (i < CB_CONSTRAINTS_MAX_UNKNOWN));
	select_kind(c, CB_DEVICE_VIDEOINPUT);
	select_kind(c, CB_DEVICE_AUDIOINPUT);
	cb_constraints_free(c);
	free(json);
	return 0;
}
