/* Between world.c (lifecycle) and sched.c (run queues): not for other subsystems. */
#ifndef WORLD_PRIV_H
#define WORLD_PRIV_H

#include <vmk/world.h>

/* A zeroed world with default controls, on the list of all worlds, no stack yet. */
struct world *world_alloc(const char *name, const struct world_attr *attr);
/* Give w a kernel stack whose first switch enters world_start -> fn(arg). */
int world_prepare_stack(struct world *w, void (*fn)(void *), void *arg);
/* After w's last switch-out: clear its on_cpu and wake its joiners (who may free it at once). */
void world_finish_exit(struct world *w);

/* sched.c */
int sched_place(struct world *w);   /* admit on a CPU and make runnable */
void sched_forget(struct world *w); /* release its reservation */
void sched_arm_timeout(uint64_t deadline);
void sched_disarm_timeout(void);

/* switch.S */
struct world *switch_to(uint64_t *save_rsp, uint64_t next_rsp, struct world *prev);
void world_trampoline(void);
void world_start(struct world *prev);

#endif
