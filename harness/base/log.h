/*
 * log.h — the library never prints: it reports through this callback.
 * Programs install a logger; a NULL logger (or NULL fn) discards messages.
 */
#ifndef CB_BASE_LOG_H
#define CB_BASE_LOG_H

enum cb_log_level { CB_LOG_ERROR, CB_LOG_WARN, CB_LOG_INFO, CB_LOG_DEBUG };

struct cb_logger {
	/** Called with the calling module's name ("srtp", "call"...) and one line. */
	void (*fn)(void *user, enum cb_log_level level, const char *module, const char *msg);
	void *user;
	enum cb_log_level max_level; /**< messages above this level are not formatted */
};

void cb_log(const struct cb_logger *lg, enum cb_log_level level, const char *module,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
