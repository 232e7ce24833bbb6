/*
 * /dev/keel: Keel's own controls for userworlds (the management agent and tests use them).
 * ioctl(fd, KEEL_IOC_SCHED_GET / KEEL_IOC_SCHED_SET, struct keel_sched *): a process's CPU
 * resource controls, ESXi style, for all its threads together (a group of worlds).  Shares
 * are a proportional weight (default 1000) that the threads split; reservation and limit
 * are in per-mille of one CPU, or in MHz with KEEL_SCHED_MHZ (limit 0: none).  A limit may
 * exceed one CPU (up to all online ones); a reservation is at most one CPU, and SET fails
 * with EBUSY when the reservations of all processes would exceed the online CPUs.
 */
#ifndef KEEL_KEELCTL_H
#define KEEL_KEELCTL_H

#include <stdint.h>

struct keel_sched {
	int32_t pid;	/* 0: the caller */
	uint32_t flags; /* KEEL_SCHED_MHZ */
	uint32_t shares;
	uint32_t reservation;
	uint32_t limit;
	int32_t cpu;	     /* GET: where it last ran */
	uint64_t runtime_ns; /* GET: CPU time used, all threads */
};

#define KEEL_SCHED_MHZ	   0x1
#define KEEL_IOC_SCHED_GET 0x4b01
#define KEEL_IOC_SCHED_SET 0x4b02

#endif
