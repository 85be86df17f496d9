/*
 * constraints.h — getUserMedia constraints (W3C Media Capture and Streams)
 * resolved against callbench's synthetic devices (devices.h).
 *
 * A constraint object such as
 *
 *   {"video": {"width": {"min": 640, "ideal": 1280}, "frameRate": {"max": 30}},
 *    "audio": {"echoCancellation": true}}
 *
 * is parsed once (cb_constraints_parse / _load / _parse_arg) and resolved
 * per track kind with the spec's SelectSettings algorithm
 * (cb_constraints_select), which yields the settings that
 * track.getSettings() would show (cb_track_settings_json).
 *
 * Parsing follows WebIDL: members the spec does not know are ignored (and
 * recorded, see cb_constraints_unknown()); a known member of the wrong type
 * is an error naming it.  In the basic set a bare value means {ideal: v}; in
 * an `advanced` set it means {exact: v}.  Integer-typed members (width,
 * height, sampleRate, sampleSize, channelCount) are truncated toward zero as
 * WebIDL converts to unsigned long; negative values are refused.  An empty
 * string list ("deviceId": []) constrains nothing.
 *
 * SelectSettings works on a finite candidate list (see cb_constraints_select
 * for how it is built and ordered); fitness distances are exactly the
 * spec's.  Numbers compare with an absolute tolerance of 1e-6, so
 * aspectRatio exact 1.777778 matches 16/9.
 */
#ifndef CB_MEDIA_CONSTRAINTS_H
#define CB_MEDIA_CONSTRAINTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "media/devices.h"

struct json_t;

/**
 * SelectSettings found no settings dictionary: the OverconstrainedError of
 * getUserMedia.  The same value as CB_E_RANGE (so cb_strerror() knows it);
 * cb_constraints_select() writes the failing constraint's name beside it.
 */
#define CB_E_OVERCONSTRAINED CB_E_RANGE

#define CB_CONSTRAINTS_MAX_ADVANCED 32	/**< more advanced sets: CB_E_FORMAT */
#define CB_CONSTRAINTS_MAX_STRINGS  8	/**< values in one exact/ideal string list */
#define CB_CONSTRAINTS_STRING_LEN   128 /**< longest string value + 1 */
#define CB_CONSTRAINTS_MAX_UNKNOWN  16	/**< unknown members recorded; more are only counted */
#define CB_SETTINGS_ID_LEN	    128

/** A parsed constraints object (opaque; owned by the caller, cb_constraints_free). */
struct cb_constraints;

/**
 * Parse `json` (a MediaStreamConstraints object).  On success `*out` is a new
 * object.  On failure returns CB_E_FORMAT (malformed JSON, a wrong type,
 * neither track requested — getUserMedia's TypeError) with a message naming
 * the member in `msg` (may be NULL), -EINVAL for NULL arguments, -ENOMEM.
 */
int cb_constraints_parse(struct cb_constraints **out, const char *json, char *msg, size_t msg_len);

/** The same, from a file; errors also as -errno when it cannot be read. */
int cb_constraints_load(struct cb_constraints **out, const char *path, char *msg, size_t msg_len);

/**
 * For a command-line value: JSON text if its first non-blank character is
 * '{', else a path to a JSON file.
 */
int cb_constraints_parse_arg(struct cb_constraints **out, const char *arg, char *msg,
			     size_t msg_len);

/** Free `c` (NULL is fine). */
void cb_constraints_free(struct cb_constraints *c);

/** 1 if the track of `kind` was requested (true or an object), else 0. */
int cb_constraints_requested(const struct cb_constraints *c, enum cb_device_kind kind);

/**
 * How many members were ignored as unknown (all of them, also past
 * CB_CONSTRAINTS_MAX_UNKNOWN), and the path of the `i`-th recorded one, e.g.
 * "video.torch" or "video.advanced[1].zoom"; NULL past the recorded ones.
 */
size_t cb_constraints_n_unknown(const struct cb_constraints *c);
const char *cb_constraints_unknown(const struct cb_constraints *c, size_t i);

/** The settings of a track, as MediaTrackSettings, plus how they were chosen. */
struct cb_track_settings {
	enum cb_device_kind kind;
	char device_id[CB_SETTINGS_ID_LEN];
	char group_id[CB_SETTINGS_ID_LEN];
	/* videoinput */
	int width, height;
	double aspect_ratio, frame_rate;
	char facing_mode[16]; /**< "" if the camera reports none: then absent from the JSON */
	char resize_mode[16]; /**< "none" or "crop-and-scale" */
	/**
	 * The native mode the camera captures in.  With "crop-and-scale" the
	 * track is that picture centre-cropped and scaled to width x height
	 * (cb_scale_crop_i420) with frames dropped down to frame_rate; with
	 * "none" it equals the track's own size and rate.
	 */
	struct cb_video_mode native;
	/* audioinput */
	int sample_rate, sample_size, channel_count;
	double latency; /**< seconds: one capture frame */
	double volume;
	int echo_cancellation, auto_gain_control, noise_suppression;
	/* how they were chosen */
	double fitness;		   /**< fitness distance of the basic set for these settings */
	size_t n_advanced;	   /**< advanced sets in the constraints */
	uint32_t advanced_applied; /**< bit i: advanced set i was met; clear: skipped */
};

/**
 * Run SelectSettings for the track of `kind` over `devices` (`n_devices`
 * entries; NULL uses cb_devices_list()).
 *
 * Candidates, in tie-break order (the first of equally fit candidates wins):
 * devices in table order; for each, a camera's native modes with resizeMode
 * "none" in its mode order, then its "crop-and-scale" candidates: for each
 * constraint context (the basic set alone; the basic set with advanced set i;
 * the basic set with advanced sets 0..i) and each native mode, the point
 * nearest the basic set's ideals within that context's min/max/exact ranges
 * and the mode (ideal width/height/frameRate/aspectRatio clamped; without
 * an ideal, the largest size at the mode's own aspect ratio and its rate;
 * even sizes).  A microphone's candidates are every combination of its
 * values: volume (default, then the clamped ideals), sample rate, latency,
 * then the processing switches, each in the device's preference order.
 *
 * Then, per the spec: drop candidates whose basic-set fitness distance is
 * infinite; apply each advanced set in order (keep the candidates that meet
 * it, or skip the set if none does, bare values being exact there); pick the
 * smallest basic-set fitness distance.
 *
 * Returns 0 with `*out` filled; CB_E_OVERCONSTRAINED with the failing
 * constraint's name (e.g. "width") in `failed` when no candidate meets the
 * basic set — the first, in the order width, height, aspectRatio, frameRate,
 * facingMode, resizeMode, volume, sampleRate, sampleSize, echoCancellation,
 * autoGainControl, noiseSuppression, latency, channelCount, deviceId,
 * groupId, that no candidate meets on its own (the spec's rule), or if each
 * is met by some candidate, the first in that order that leaves no candidate
 * meeting it and all before it; CB_E_NOTFOUND if the track was not requested
 * or no device of `kind` exists; -EINVAL for bad arguments; -ENOMEM.
 */
int cb_constraints_select(const struct cb_constraints *c, enum cb_device_kind kind,
			  const struct cb_device *devices, size_t n_devices,
			  struct cb_track_settings *out, char *failed, size_t failed_len);

/**
 * The settings as track.getSettings() returns them: a new JSON object with
 * the spec's member names in WebIDL dictionary (alphabetical) order, whole
 * numbers as integers (as JSON.stringify writes them).  NULL on bad
 * arguments or no memory; the caller owns the reference.
 */
struct json_t *cb_track_settings_json(const struct cb_track_settings *s);

#endif
