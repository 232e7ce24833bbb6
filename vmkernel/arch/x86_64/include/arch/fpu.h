/* FPU/SSE state of userworld threads (FXSAVE format). */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include <stdint.h>

struct fpu_state {
	uint8_t area[512];
} __attribute__((aligned(16)));

/* Enable SSE on this CPU (CR0/CR4); the first call records the initial state. */
void fpu_init_cpu(void);
/* A fresh thread's state: the one recorded after FNINIT with MXCSR 0x1f80. */
void fpu_init_state(struct fpu_state *s);
void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);

#endif
