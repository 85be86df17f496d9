#!/bin/sh
# Build and run one CUnit suite alone, from a list of sources, without the
# rest of the tree (for working on one module while others are unfinished).
#   scripts/unit.sh SUITE file.c...     e.g. scripts/unit.sh vmark harness/media/vmark.c tests/test_vmark.c
set -eu
suite=$1; shift
out=build/unit-$suite
mkdir -p build
cat > build/unit-$suite-main.c <<EOC
#include <CUnit/Basic.h>
int cb_suite_$suite(void);
int main(void) {
	unsigned f;
	CU_initialize_registry();
	if (cb_suite_$suite()) return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	f = CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return f ? 1 : 0;
}
EOC
${CC:-cc} -std=gnu11 -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter -O2 -g -pthread -Iharness -Itests \
	"$@" harness/base/*.c build/unit-$suite-main.c -o "$out" \
	$(PKG_CONFIG_PATH=scripts/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} pkg-config --cflags --libs vpx opus libsrtp2 jansson libxdp libbpf openh264 speexdsp libyuv cunit) -lm
exec "$out"
