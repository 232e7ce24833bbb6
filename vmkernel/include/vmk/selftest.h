/*
 * Kernel self-tests, run in QEMU when the command line says selftest=NAME[,NAME...] (or all).
 * Each prints "selftest: PASS name ..." or "selftest: FAIL name: why" on the console; the
 * run ends with "selftest: done, N passed, N failed" and an ACPI power-off, so QEMU exits.
 */
#ifndef VMK_SELFTEST_H
#define VMK_SELFTEST_H

#include <stdbool.h>

struct selftest {
	const char *name;
	bool (*fn)(void);
	bool in_all; /* part of selftest=all (the crash tests are not) */
};

/* Run what `list` names; returns only if list is NULL or empty. */
void selftest_run(const char *list);

/* Report a result line; returns pass. */
bool selftest_report(bool pass, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
