/*
 * Fatal errors: panic() prints the reason, the registers and a symbolized backtrace, stops
 * every other CPU with an NMI, then halts, reboots or powers off (panic= on the command line).
 * Use it only when kernel state is corrupt: bad input from guests, userworlds, disks or the
 * network gets an error, never a panic.
 */
#ifndef VMK_PANIC_H
#define VMK_PANIC_H

#include <vmk/compiler.h>
#include <stdbool.h>

struct regs;

void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
void panic_regs(struct regs *r, const char *fmt, ...) __printf(2, 3) __noreturn;
/* True once some CPU has started a panic (the NMI handler parks the others). */
bool panic_in_progress(void);
/* What panic does at the end: "halt" (default), "reboot" or "poweroff". */
void panic_set_action(const char *action);

#define ASSERT(cond)                                                                       \
	do {                                                                               \
		if (unlikely(!(cond)))                                                     \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
