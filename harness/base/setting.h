/*
 * setting.h — settings as a table of rows, after xdp-tools' params.h.
 *
 * A row says everything about one setting: its name (the command-line
 * option without "--", the sweep axis, the key of a settings file), the
 * name of its value and a line of help, the help heading it sits under,
 * its type, where it lands in the settings struct (an offset), its range
 * and its summary.json key.  One engine reads every table: the programs'
 * option parsers and --help, the settings' range checks, summary.json's
 * settings object, sweep axes and settings files.  Adding a setting is one
 * row (and the field it lands in).
 *
 * A table is an array of rows ended by a row whose name is NULL.  A row of
 * type CB_SETTING_TABLE is not a setting: it includes the rows of another
 * table whose struct sits at `offset` inside this one (a program's options
 * are its own rows and the library's table: see bench/run_options.h).
 *
 * The engine never prints: every message goes into a caller's buffer.
 */
#ifndef CB_BASE_SETTING_H
#define CB_BASE_SETTING_H

#include <stddef.h>

#include <jansson.h>

enum cb_setting_type {
	CB_SETTING_INT,	   /**< int, min..max */
	CB_SETTING_DOUBLE, /**< double, min..max; decimal only */
	CB_SETTING_U64,	   /**< uint64_t, decimal */
	CB_SETTING_STR,	   /**< char[size]; one of the choices when the row has any */
	CB_SETTING_FLAG,   /**< int; the bare option stores `flag`; as a value: on / off */
	CB_SETTING_SIZE,   /**< "WxH": ints at offset and offset2, even, each min..max */
	CB_SETTING_ENUM,   /**< int (or an enum): the index of its name among the choices */
	CB_SETTING_CUSTOM, /**< parse / format / to_json / from_json callbacks */
	CB_SETTING_TABLE,  /**< not a setting: the rows of `table` at `offset` */
};

/** Not a sweep axis: says where a run's files go, not what it measures. */
#define CB_SETTING_NO_AXIS (1u << 0)
/** 0 means "off" and is allowed outside min..max (e.g. no echo). */
#define CB_SETTING_ZERO_OFF (1u << 1)

struct cb_setting {
	const char *name; /**< "video-bitrate": option, axis and file key */
	/** A second, short name for a compact spec (the network's "delay" in
	 * --net delay=50 for the row "delay_ms"); cb_settings_find does not
	 * look at it: the spec's parser does (cb_settings_find_alias). */
	const char *alias;
	const char *arg;   /**< the value in help ("KBPS"); NULL for a flag */
	const char *help;  /**< one line */
	const char *group; /**< help heading; a change of group starts a new one */
	enum cb_setting_type type;
	size_t offset;	  /**< where the value lands in the struct */
	size_t size;	  /**< sizeof the field at offset (checked by cb_settings_table_check) */
	size_t offset2;	  /**< SIZE: the height */
	double min, max;  /**< INT, DOUBLE, SIZE */
	const char *unit; /**< INT, DOUBLE: a suffix the value may carry ("ms", "%") */
	int flag;	  /**< FLAG: what the bare option stores (1 or 0) */
	/** ENUM, and STR when only some values are allowed: NULL-terminated
	 * names (an ENUM stores the index), or a callback giving the i-th name
	 * (NULL past the last), for names that live in a registry. */
	const char *const *choices;
	const char *(*names)(size_t i);
	const char *what;  /**< the value's noun in messages ("video codec"); NULL: "value" */
	const char *json;  /**< key in summary.json's settings; NULL: not written by this row */
	const char *json2; /**< SIZE: the height's key */
	unsigned flags;	   /**< CB_SETTING_NO_AXIS, CB_SETTING_ZERO_OFF */
	/* CB_SETTING_CUSTOM.  `base` is the struct the table describes. */
	/** Apply `val` onto base: 0, or -1 with the reason in `why` (no name). */
	int (*parse)(void *base, const char *val, char *why, size_t len);
	/** The value as text that parse takes back; NULL: the row sets other
	 * fields and has no value of its own to show (it is no merge axis). */
	int (*format)(const void *base, char *buf, size_t len);
	/** Add the row's members to summary.json's settings object `obj`. */
	int (*to_json)(const void *base, json_t *obj);
	/** Read them back from such an object (missing members: unchanged). */
	int (*from_json)(void *base, const json_t *obj);
	/** Any row: what its type's range cannot say about the stored value
	 * (run after it, and by parse on the new value, which a refusal puts
	 * back; a CUSTOM row's parse checks for itself): 0, or -1 with the
	 * reason. */
	int (*check)(const void *base, char *why, size_t len);
	/** Help: the allowed values, listed into buf (a registry, a folder). */
	void (*values)(char *buf, size_t len);
	const char *shown;		/**< help: the default when the row has no format */
	const struct cb_setting *table; /**< CB_SETTING_TABLE */
};

/** Where a row's value lands: `.offset` and `.size` of `member` of `type`. */
#define CB_SETTING_AT(type, member)                                                                \
	.offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

/** Walks a table, the rows of included tables in place (not the TABLE rows). */
struct cb_settings_it {
	const struct cb_setting *t[4];
	size_t off[4];
	int depth;
};

void cb_settings_it_init(struct cb_settings_it *it, const struct cb_setting *table);
/** The next setting and the offset of its table's struct in the outer one; NULL at the end. */
const struct cb_setting *cb_settings_next(struct cb_settings_it *it, size_t *base_off);

/** The setting called `name` (the first `len` bytes of it), and its table's offset. */
const struct cb_setting *cb_settings_find(const struct cb_setting *table, const char *name,
					  size_t len, size_t *base_off);
/** The setting whose alias is `name` (its first `len` bytes), and its table's offset. */
const struct cb_setting *cb_settings_find_alias(const struct cb_setting *table, const char *name,
						size_t len, size_t *base_off);
/** The setting whose name is nearest to `name` (for "did you mean"), or NULL when none is. */
const struct cb_setting *cb_settings_nearest(const struct cb_setting *table, const char *name,
					     size_t len);

/** "no setting 'x': did you mean y?" (or without the question) into why. */
void cb_settings_say_unknown(const struct cb_setting *table, const char *name, char *why,
			     size_t len);

/**
 * Parse `val` into row's field of `base` (the struct of row's own table).
 * A FLAG takes on/off (yes/no, 1/0, true/false): whether the bare option
 * is given.  0, or -EINVAL with the reason in `why` (not naming the
 * setting: the caller says where it came from); on error base is unchanged
 * but for CUSTOM rows, whose callbacks say otherwise.
 */
int cb_setting_parse(const struct cb_setting *row, void *base, const char *val, char *why,
		     size_t len);
/** Store what the bare flag stores (FLAG rows only; -EINVAL otherwise). */
int cb_setting_set_flag(const struct cb_setting *row, void *base);
/**
 * The value as text that cb_setting_parse takes back to the same value.
 * 0; -EINVAL for a row without one (a CUSTOM row without format);
 * CB_E_NOSPACE when it does not fit.
 */
int cb_setting_format(const struct cb_setting *row, const void *base, char *buf, size_t len);
/** The shortest text of x that strtod reads back as x ("0.1", not "0.10000000000000001"). */
int cb_setting_format_number(double x, char *buf, size_t len);
/** 1 when the row has a value of its own to format. */
int cb_setting_has_value(const struct cb_setting *row);
/** The stored value within the row's range: 0, or -EINVAL with the reason in `why`. */
int cb_setting_check(const struct cb_setting *row, const void *base, char *why, size_t len);
/** The allowed names of a row with choices, ", "-separated, into buf ("" when any). */
void cb_setting_choices(const struct cb_setting *row, char *buf, size_t len);
/** Help's "[default; min..max]" from the defaults in `base` ("" for a flag). */
void cb_setting_describe(const struct cb_setting *row, const void *base, char *buf, size_t len);

/**
 * By name: find the setting and parse `val` into it.  An unknown name is
 * CB_E_NOTFOUND with a did-you-mean; a bad value -EINVAL; both with a
 * message in `why` that names the setting.
 */
int cb_settings_set(const struct cb_setting *table, void *base, const char *name, const char *val,
		    char *why, size_t len);
/** Every setting's stored value in range: 0, or -EINVAL with the setting named in `why`. */
int cb_settings_check(const struct cb_setting *table, const void *base, char *why, size_t len);
/** Add every setting with a summary.json key (or a to_json) to `obj`; 0 or -ENOMEM. */
int cb_settings_to_json(const struct cb_setting *table, const void *base, json_t *obj);
/** Read what cb_settings_to_json wrote back into base (missing keys: unchanged). */
void cb_settings_from_json(const struct cb_setting *table, void *base, const json_t *obj);
/**
 * One member of a settings file: the setting named `key` takes `v`, typed
 * as JSON types it: a number for INT, DOUBLE and U64 rows, a boolean for a
 * flag (true = given), a string (as on the command line) for the rest.
 * 0; CB_E_FORMAT with "no setting 'x'..." or "member 'x': ..." in `why`.
 */
int cb_settings_read_member(const struct cb_setting *table, void *base, const char *key,
			    const json_t *v, char *why, size_t len);
/**
 * A settings file's object: every member read as cb_settings_read_member
 * does, in the file's order; `origin` (the file) starts every message.
 * 0; CB_E_FORMAT with the file, the member and what is wrong in `why`.
 */
int cb_settings_read_json(const struct cb_setting *table, void *base, const json_t *obj,
			  const char *origin, char *why, size_t len);
/**
 * The table itself: names unique and non-empty, each field's size right
 * for its type, ENUM and CUSTOM rows complete.  For tests.  0 or -EINVAL
 * with the row named in `why`.
 */
int cb_settings_table_check(const struct cb_setting *table, char *why, size_t len);

#endif
