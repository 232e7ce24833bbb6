/*
 * What every virtual device model (vmkernel/hv/dev/) shares: the callbacks through which a
 * model has side effects.  A model is a state struct plus functions over it, with no globals;
 * it touches nothing outside itself except through these callbacks, so each model is
 * unit-tested on the host (tests/unit/) without a VM.  Time is passed in by the caller as
 * nanoseconds on a monotonic clock (`now`); a model that has something due later says when
 * through its own `*_poll` function, which returns the next deadline (HVDEV_NEVER for none).
 *
 * The models' own contracts are in vmkernel/include/hv/<model>.h; hv/platform.c wires them
 * into a VM's port, MMIO and interrupt buses.
 */
#ifndef HV_DEV_H
#define HV_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HVDEV_NEVER UINT64_MAX

/* An interrupt line out of a device: set its level (edge-triggered sources pulse 1 then 0). */
struct hvdev_irq {
	void (*set)(void *ctx, unsigned line, bool level);
	void *ctx;
	unsigned line;
};

static inline void hvdev_irq_set(const struct hvdev_irq *irq, bool level)
{
	if (irq->set)
		irq->set(irq->ctx, irq->line, level);
}

static inline void hvdev_irq_pulse(const struct hvdev_irq *irq)
{
	hvdev_irq_set(irq, true);
	hvdev_irq_set(irq, false);
}

/* Guest physical memory, for devices that do DMA.  Each returns 0 or -EFAULT (outside the
 * guest's memory: the device reports an error to the guest, never touches the host). */
struct hvdev_mem {
	int (*read)(void *ctx, uint64_t gpa, void *dst, size_t len);
	int (*write)(void *ctx, uint64_t gpa, const void *src, size_t len);
	void *ctx;
};

#endif
