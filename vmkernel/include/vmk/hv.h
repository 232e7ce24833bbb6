/*
 * The hypervisor layer (vmkernel/hv/): a vendor-neutral VMM core over one backend, AMD SVM
 * (hv/svm/) today, Intel VMX beside it later.  The core picks the backend once at boot and
 * reaches the hardware only through its ops table.
 *
 * So far: the backend is probed and virtualization is switched on in every CPU; the
 * instruction decoder for MMIO is vmk/x86_decode.h.  VMs, vCPU worlds, guest memory with
 * nested paging, the exit records and the device models come next, each growing this table.
 */
#ifndef VMK_HV_H
#define VMK_HV_H

#include <stdbool.h>

struct hv_backend {
	const char *name; /* e.g. "AMD SVM with nested paging" */
	/* Can this machine run VMs with this backend?  0, or -ENODEV with *why saying what
	 * is missing (shown on the console). */
	int (*probe)(const char **why);
	/* Switch virtualization on in the calling CPU (every CPU, once).  0 or -errno. */
	int (*cpu_enable)(void);
	/* Is it on in the calling CPU? (self-tests) */
	bool (*cpu_enabled)(void);
};

extern const struct hv_backend svm_backend;

/* At boot, on the boot CPU with every CPU online: choose the backend, print
 * "hv: <name>" (or why VMs are unavailable) and enable it on every CPU. */
void hv_init(void);
/* The chosen backend, or NULL when this machine cannot run VMs. */
const struct hv_backend *hv_get(void);

#endif
