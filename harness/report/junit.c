#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "report/junit.h"
#include "report/report.h"

static void attr(FILE *f, const char *name, const char *v)
{
	fprintf(f, " %s=\"", name);
	cb_xml_escape(f, CB_ESC_XML, v ? v : "");
	fputc('"', f);
}

static double secs(double t)
{
	return isfinite(t) && t > 0 ? t : 0;
}

int cb_junit_write(const char *path, const char *name, const struct cb_junit_suite *suites,
		   size_t n)
{
	size_t tests = 0, failures = 0, errors = 0, skipped = 0;
	double time_s = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!path || !name || (!suites && n))
		return -EINVAL;
	for (size_t s = 0; s < n; s++) {
		tests += suites[s].n;
		time_s += secs(suites[s].time_s);
		for (size_t i = 0; i < suites[s].n; i++) {
			failures += suites[s].cases[i].outcome == CB_JUNIT_FAILURE;
			errors += suites[s].cases[i].outcome == CB_JUNIT_ERROR;
			skipped += suites[s].cases[i].outcome == CB_JUNIT_SKIPPED;
		}
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
	attr(f, "name", name);
	fprintf(f,
		" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
		tests, failures, errors, skipped, time_s);
	for (size_t s = 0; s < n; s++) {
		const struct cb_junit_suite *su = &suites[s];
		size_t fl = 0, er = 0, sk = 0;

		for (size_t i = 0; i < su->n; i++) {
			fl += su->cases[i].outcome == CB_JUNIT_FAILURE;
			er += su->cases[i].outcome == CB_JUNIT_ERROR;
			sk += su->cases[i].outcome == CB_JUNIT_SKIPPED;
		}
		fputs("  <testsuite", f);
		attr(f, "name", su->name);
		fprintf(f,
			" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
			"time=\"%.3f\">\n",
			su->n, fl, er, sk, secs(su->time_s));
		if (su->n_props) {
			fputs("    <properties>\n", f);
			for (size_t p = 0; p < su->n_props; p++) {
				fputs("      <property", f);
				attr(f, "name", su->props[p][0]);
				attr(f, "value", su->props[p][1]);
				fputs("/>\n", f);
			}
			fputs("    </properties>\n", f);
		}
		for (size_t i = 0; i < su->n; i++) {
			const struct cb_junit_case *c = &su->cases[i];
			const char *el = c->outcome == CB_JUNIT_FAILURE ? "failure"
					 : c->outcome == CB_JUNIT_ERROR ? "error"
									: "skipped";

			fputs("    <testcase", f);
			attr(f, "classname", c->classname);
			attr(f, "name", c->name);
			fprintf(f, " time=\"%.3f\"", secs(c->time_s));
			if (c->outcome == CB_JUNIT_PASS) {
				fputs("/>\n", f);
				continue;
			}
			fprintf(f, ">\n      <%s", el);
			attr(f, "message", c->message ? c->message : c->name);
			if (c->type)
				attr(f, "type", c->type);
			if (c->detail) {
				fputc('>', f);
				cb_xml_escape(f, CB_ESC_XML, c->detail);
				fprintf(f, "</%s>\n", el);
			} else {
				fputs("/>\n", f);
			}
			fputs("    </testcase>\n", f);
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return cb_memstream_commit(f, &buf, &len, path);
}
