/*
 * settings.h — the call's settings table: one row per setting of struct
 * cb_call_cfg (base/setting.h says what a row holds).
 *
 * Everything that reads a call's settings reads this table: `callbench
 * run` and the commands that take run options parse and document their
 * options from it, cb_call_cfg_check() holds every setting to its row's
 * range, summary.json's `settings` object is written from it (and read
 * back by merged reports), a sweep axis is a row by name, and a settings
 * file (--settings FILE.json) is an object keyed by row names.
 *
 * Adding a setting is one row in settings.c (and its field in struct
 * cb_call_cfg).  For an enumerated setting, say a `--peers` mode:
 *
 *   {.name = "peers", .arg = "MODE", .help = "where the two peers run",
 *    .group = "network", .type = CB_SETTING_ENUM, CFG(peers),
 *    .choices = (const char *const[]){"thread", "process", "netns", NULL},
 *    .what = "peer mode", .json = "peers"},
 *
 * with `int peers;` (0 = thread, the default) in struct cb_call_cfg.
 */
#ifndef CB_CALL_SETTINGS_H
#define CB_CALL_SETTINGS_H

#include <stddef.h>

#include <jansson.h>

#include "base/setting.h"
#include "call/call.h"

/** The table, NULL-terminated; every row's base is a struct cb_call_cfg. */
extern const struct cb_setting cb_call_settings[];

/** summary.json's `settings` object for `c` (NULL when out of memory). */
json_t *cb_call_settings_json(const struct cb_call_cfg *c);

/**
 * A sweep axis: the row named `name`, which must be a setting a run can
 * vary (not where its files go).  NULL with the reason in `why`: no such
 * setting (with a did-you-mean), or one that cannot vary.
 */
const struct cb_setting *cb_call_setting_axis(const char *name, char *why, size_t len);

#endif
