/* Self-tests that live beside the code they test, listed in selftest.c's table. */
#ifndef SELFTEST_PRIV_H
#define SELFTEST_PRIV_H

#include <stdbool.h>

bool selftest_world_lifecycle(void);
bool selftest_world_sync(void);
bool selftest_world_sleep(void);
bool selftest_sched_shares(void);
bool selftest_sched_limit(void);
bool selftest_sched_reservation(void);
bool selftest_filelock(void);
bool selftest_pci_irq(void);

#endif
