#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "base/error.h"

const char *cb_strerror(int err)
{
	switch (err) {
#define XX(name, code, msg)                                                                        \
	case code:                                                                                 \
		return msg;
		CB_ERR_MAP(XX)
#undef XX
	case 0:
		return "success";
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}

const char *cb_err_name(int err)
{
	switch (err) {
#define XX(name, code, msg)                                                                        \
	case code:                                                                                 \
		return "CB_E_" #name;
		CB_ERR_MAP(XX)
#undef XX
	case 0:
		return "OK";
	}
	if (err < 0 && err > -4096) {
		const char *n = strerrorname_np(-err);
		return n ? n : "EUNKNOWN";
	}
	return "CB_E_UNKNOWN";
}
