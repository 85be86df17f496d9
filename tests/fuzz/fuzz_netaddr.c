/*
 * fuzz_netaddr.c — the transport address parser (cb_net_addr_parse), which
 * reads addresses from the command line and, later, from session
 * descriptions.  Beyond not crashing: a refused address says why and is
 * left unset; an accepted one formats to a string that parses back to the
 * same address, and formats the same again.
 */
#include "fuzz.h"

#include "net/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cb_net_addr a, b;
	char why[200] = "", s1[CB_NET_ADDR_STRLEN], s2[CB_NET_ADDR_STRLEN];
	char *text = fz_string(data, size);

	if (!text)
		return 0;
	if (cb_net_addr_parse(text, &a, why, sizeof(why)) != 0) {
		FUZZ_CHECK(why[0] != '\0');
		FUZZ_CHECK(cb_net_addr_family(&a) == AF_UNSPEC);
		free(text);
		return 0;
	}
	FUZZ_CHECK(cb_net_addr_family(&a) == AF_INET || cb_net_addr_family(&a) == AF_INET6);
	cb_net_addr_format(&a, s1, sizeof(s1));
	FUZZ_CHECK(cb_net_addr_parse(s1, &b, why, sizeof(why)) == 0);
	FUZZ_CHECK(cb_net_addr_equal(&a, &b));
	cb_net_addr_format(&b, s2, sizeof(s2));
	FUZZ_CHECK(strcmp(s1, s2) == 0);
	free(text);
	return 0;
}
