/*
 * devices.h — the synthetic capture devices callbench offers, described as
 * enumerateDevices() would (MediaDeviceInfo: deviceId, kind, label,
 * groupId) together with what each can deliver, for the constraint
 * resolver (constraints.h) and a `callbench devices` listing.
 *
 * The list is a const table: the same build always offers the same devices
 * in the same order, and the first device of a kind is the default one.
 */
#ifndef CB_MEDIA_DEVICES_H
#define CB_MEDIA_DEVICES_H

#include <stddef.h>

/** MediaDeviceKind. */
enum cb_device_kind {
	CB_DEVICE_AUDIOINPUT,
	CB_DEVICE_AUDIOOUTPUT,
	CB_DEVICE_VIDEOINPUT,
};

/** One native camera mode: what the sensor delivers with resizeMode "none". */
struct cb_video_mode {
	int width, height;
	double frame_rate;
};

/**
 * A camera.  With resizeMode "crop-and-scale" the user agent may crop and
 * downscale any native mode and drop frames, so any even width in
 * [min_width, that mode's width], any even height likewise and any frame
 * rate in [min_frame_rate, that mode's rate] are possible too.
 */
struct cb_video_caps {
	const char *facing_mode;	   /**< "user", "environment", "left", "right" or "" */
	const struct cb_video_mode *modes; /**< native modes, in the default preference order */
	size_t n_modes;
	int crop_and_scale; /**< 1: "crop-and-scale" is offered beside "none" */
	int min_width, min_height;
	double min_frame_rate;
};

/** A microphone: every combination of the listed values is possible. */
struct cb_audio_caps {
	const int *sample_rates; /**< Hz, in the default preference order */
	size_t n_sample_rates;
	int sample_size;	 /**< bits */
	int channel_count;	 /**< the only count offered */
	const double *latencies; /**< seconds (one capture frame), default first */
	size_t n_latencies;
	double min_volume, max_volume, default_volume;
	/** 1: the processing can be switched; 0: fixed at the default below */
	int echo_cancellation, auto_gain_control, noise_suppression;
	int processing_default; /**< the value preferred for all three when unconstrained */
};

/** MediaDeviceInfo plus capabilities. */
struct cb_device {
	const char *device_id;
	enum cb_device_kind kind;
	const char *label;
	const char *group_id;		   /**< same physical device => same groupId */
	const struct cb_video_caps *video; /**< videoinput only, else NULL */
	const struct cb_audio_caps *audio; /**< audioinput only, else NULL */
};

/** "audioinput", "audiooutput", "videoinput"; "" for an unknown value. */
const char *cb_device_kind_name(enum cb_device_kind kind);

/**
 * The device table: `*n_out` devices, static storage, never NULL.  Order is
 * enumerateDevices() order; the first device of each kind is the default.
 */
const struct cb_device *cb_devices_list(size_t *n_out);

/** The device whose deviceId is `device_id`, or NULL. */
const struct cb_device *cb_devices_find(const char *device_id);

#endif
