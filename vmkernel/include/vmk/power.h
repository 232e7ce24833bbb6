/* Power control through ACPI: S5 soft-off and the reset register, with legacy fallbacks. */
#ifndef VMK_POWER_H
#define VMK_POWER_H

#include <vmk/compiler.h>

/* Stop the machine (ACPI S5).  If that fails, halts with a message. */
void power_off(void) __noreturn;
/* Reset the machine: ACPI reset register, port 0xcf9, the 8042, then a triple fault. */
void power_reset(void) __noreturn;

#endif
