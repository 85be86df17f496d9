/*
 * devices.c — the synthetic device table.
 *
 * The camera's native modes are listed in the user agent's default
 * preference order, which is also the tie-break order of SelectSettings: the
 * call's default (640x480@30, cb_call_cfg_default) first, then the larger
 * 30 fps modes, then the small and the fast ones.  The microphone prefers
 * 48 kHz and 20 ms capture frames (the call's Opus framing), with all audio
 * processing on, as browsers default to.
 */
#include <string.h>

#include "media/devices.h"

static const struct cb_video_mode camera_modes[] = {
    {640, 480, 30}, {1280, 720, 30}, {1920, 1080, 30}, {320, 240, 30},
    {640, 480, 60}, {1280, 720, 60}, {320, 240, 60},
};

static const struct cb_video_caps camera_caps = {
    .facing_mode = "user",
    .modes = camera_modes,
    .n_modes = sizeof(camera_modes) / sizeof(camera_modes[0]),
    .crop_and_scale = 1,
    /* cb_video_source renders 64..4096, even sizes only */
    .min_width = 64,
    .min_height = 64,
    .min_frame_rate = 1,
};

static const int mic_rates[] = {48000, 16000, 8000};
/* One capture frame of 20, 10, 40 or 60 ms: the Opus frame sizes the call uses. */
static const double mic_latencies[] = {0.02, 0.01, 0.04, 0.06};

static const struct cb_audio_caps mic_caps = {
    .sample_rates = mic_rates,
    .n_sample_rates = sizeof(mic_rates) / sizeof(mic_rates[0]),
    .sample_size = 16,
    .channel_count = 1, /* cb_audio_source is mono */
    .latencies = mic_latencies,
    .n_latencies = sizeof(mic_latencies) / sizeof(mic_latencies[0]),
    .min_volume = 0,
    .max_volume = 1,
    .default_volume = 1,
    .echo_cancellation = 1,
    .auto_gain_control = 1,
    .noise_suppression = 1,
    .processing_default = 1,
};

static const struct cb_device devices[] = {
    {
	.device_id = "synthetic-microphone",
	.kind = CB_DEVICE_AUDIOINPUT,
	.label = "callbench synthetic microphone (48 kHz mono speech with marks)",
	.group_id = "synthetic-microphone-group",
	.audio = &mic_caps,
    },
    {
	.device_id = "synthetic-camera",
	.kind = CB_DEVICE_VIDEOINPUT,
	.label = "callbench synthetic camera (moving test pattern with frame marks)",
	.group_id = "synthetic-camera-group",
	.video = &camera_caps,
    },
};

const char *cb_device_kind_name(enum cb_device_kind kind)
{
	switch (kind) {
	case CB_DEVICE_AUDIOINPUT:
		return "audioinput";
	case CB_DEVICE_AUDIOOUTPUT:
		return "audiooutput";
	case CB_DEVICE_VIDEOINPUT:
		return "videoinput";
	}
	return "";
}

const struct cb_device *cb_devices_list(size_t *n_out)
{
	if (n_out)
		*n_out = sizeof(devices) / sizeof(devices[0]);
	return devices;
}

const struct cb_device *cb_devices_find(const char *device_id)
{
	if (!device_id)
		return NULL;
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (strcmp(devices[i].device_id, device_id) == 0)
			return &devices[i];
	return NULL;
}
