#include <stdarg.h>
#include <stdio.h>

#include "base/log.h"

void cb_log(const struct cb_logger *lg, enum cb_log_level level, const char *module,
	    const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!lg || !lg->fn || level > lg->max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lg->fn(lg->user, level, module, buf);
}
