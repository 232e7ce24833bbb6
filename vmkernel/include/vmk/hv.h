/*
 * The hypervisor layer (vmkernel/hv/): a vendor-neutral VMM core (hv/core/) over one backend,
 * AMD SVM (hv/svm/) today, Intel VMX beside it later.  The core picks the backend once at boot
 * and reaches the hardware only through its ops table; the backend turns each hardware exit
 * into one vendor-neutral struct hv_exit that the core handles once (hv/core/vcpu.c).
 *
 * A VM is guest memory from vmkernel frames behind nested page tables, its vCPUs, and
 * optionally a platform: the virtual devices (hv/platform.c over hv/dev/) reached through
 * struct vm_platform_ops.  Each vCPU runs as a world of its own (vm_start), scheduled like
 * any other; a halted vCPU sleeps until an interrupt is due.  A bare VM (no platform) is what
 * the self-tests use: its one vCPU may also be run by the calling world (vcpu_run).
 *
 * Locking: vm->lock (a mutex: device models may do file I/O under it) guards the platform's
 * device state and each vCPU's run state; the backend's per-vCPU state belongs to the world
 * running that vCPU.
 */
#ifndef VMK_HV_H
#define VMK_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmk/world.h>
#include <arch/fpu.h>

#define HV_MAX_VCPUS 16
#define HV_PAGES_2M  512 /* 4 KiB pages in a large nested page */

/* A vCPU's general registers other than RAX, RSP and RIP (those live in the backend's
 * control block); the order is fixed for the backends' entry code. */
struct hv_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Registers the backend keeps in its control block.  HV_EFER is what the guest sees (the
 * backend hides its own bits). */
enum hv_reg {
	HV_RAX,
	HV_RIP,
	HV_RSP,
	HV_RFLAGS,
	HV_CR0,
	HV_CR2,
	HV_CR3,
	HV_CR4,
	HV_EFER,
	HV_PAT,
	HV_GDTR_BASE,
	HV_GDTR_LIMIT,
	HV_CS_BASE,
	HV_CPL, /* read only */
};

enum hv_exit_kind {
	HV_EXIT_NONE, /* a host interrupt ended the run: run again */
	HV_EXIT_CPUID,
	HV_EXIT_HYPERCALL, /* VMMCALL / VMCALL */
	HV_EXIT_IO,	   /* port I/O: addr is the port */
	HV_EXIT_MSR,	   /* RDMSR (io_in set) or WRMSR of the MSR in RCX */
	HV_EXIT_MMIO,	   /* a nested page fault: addr is the guest physical address */
	HV_EXIT_HLT,
	HV_EXIT_INTR_WINDOW, /* the guest can take the interrupt it was refused */
	HV_EXIT_UD,	     /* an instruction the virtual CPU does not have: #UD */
	HV_EXIT_SHUTDOWN,    /* triple fault */
	HV_EXIT_INVALID,     /* the hardware refused the guest state */
	HV_EXIT_OTHER,
	HV_EXIT_KINDS
};

/* Their names, for /proc/keel/vms (hv/core/vm.c). */
extern const char *const hv_exit_names[HV_EXIT_KINDS];

struct hv_exit {
	enum hv_exit_kind kind;
	uint64_t code;	  /* the backend's own exit code, for logs */
	uint64_t addr;	  /* IO: port; MMIO: guest physical address */
	uint8_t insn_len; /* bytes to skip once handled (0 for MMIO: the core decodes) */
	uint8_t io_in, io_size;
	uint8_t io_string;			   /* INS/OUTS or REP: not emulated */
	uint8_t mmio_write, mmio_fetch, mmio_walk; /* MMIO: a write; a fetch; a table walk */
};

/* Why a VM (or a bare vCPU run) stopped. */
enum hv_stop_why {
	HV_STOP_NONE,
	HV_STOP_EXIT,	      /* the exit hypercall: status */
	HV_STOP_POWEROFF,     /* ACPI power-off */
	HV_STOP_RESET,	      /* the guest reset the machine */
	HV_STOP_HALTED,	      /* every vCPU halted with interrupts off: nothing can wake it */
	HV_STOP_TRIPLE_FAULT, /* a vCPU shut down */
	HV_STOP_UNHANDLED,    /* an exit or access the VMM does not handle: msg says which */
	HV_STOP_KILLED,	      /* the host stopped it (vm_stop) */
};

struct hv_stop {
	enum hv_stop_why why;
	int status;    /* HV_STOP_EXIT: what the guest asked for */
	unsigned vcpu; /* which vCPU stopped it */
	char msg[96];  /* for people */
};

struct vm;
struct vcpu;

/* What a platform (the virtual devices) offers the core; every call is made with vm->lock
 * held, except where said.  A bare VM has none: port and MMIO reads see all ones, writes go
 * nowhere, there are no interrupts. */
struct vm_platform_ops {
	/* Port I/O: *val in/out (low io_size bytes).  false: no device there. */
	bool (*io)(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
	/* MMIO at gpa: false: no device there. */
	bool (*mmio)(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);
	/* MSRs the devices own (APIC base, TSC deadline): 1 handled, 0 not theirs, -EINVAL
	 * refused (#GP). */
	int (*msr)(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);
	/* Advance the devices' clocks to now; return the next deadline (ns, UINT64_MAX). */
	uint64_t (*poll)(struct vcpu *v, uint64_t now);
	/* What v should take next (a vector, or the platform's own code for the PIC), or -1;
	 * ack: it is being injected now: the vector to inject (the PIC's answer to INTA), or
	 * -1 when it vanished meanwhile. */
	int (*intr_pending)(struct vcpu *v);
	int (*intr_ack)(struct vcpu *v, int pending);
	/* The VM ends: free the devices (called without the lock, after every vCPU stopped). */
	void (*fini)(struct vm *vm);
};

enum vm_state { VM_CREATED, VM_RUNNING, VM_STOPPED };

#define VM_CONSOLE_RING 16384

struct vm {
	unsigned id;	     /* for names, logs and /proc/keel/vms */
	struct vm *all_next; /* the list of all VMs (vm_foreach) */
	size_t npages;
	uint64_t *pages; /* host physical address of each 4 KiB guest page; each 2 MiB of guest
			  * memory is one aligned run of frames where the host had them */
	size_t pages_2m; /* nested mappings of 2 MiB the backend made (the rest are 4 KiB) */
	void *priv;	 /* the backend's */
	struct mutex lock;
	unsigned nvcpus;
	struct vcpu *vcpus[HV_MAX_VCPUS];
	const struct vm_platform_ops *pops; /* NULL for a bare VM */
	void *plat;
	volatile enum vm_state state; /* changes under wq.lock */
	struct hv_stop stop;	      /* set once, by the first reason (under wq.lock) */
	unsigned running;	      /* vCPU worlds not yet finished (under wq.lock) */
	struct waitq wq;	      /* vm_wait and console readers; its lock guards the ring */
	uint64_t exits[HV_EXIT_KINDS];
	uint64_t run_ns; /* guest time summed over vCPUs */
	/* The guest's console: what the UART or the console hypercall wrote. */
	char con[VM_CONSOLE_RING];
	uint64_t con_head, con_tail, con_dropped; /* ring positions (free-running) */
	unsigned msr_logged;			  /* unknown MSRs logged so far */
};

enum vcpu_mode { VCPU_RUN, VCPU_HALTED, VCPU_WAIT_SIPI };

struct vcpu {
	struct vm *vm;
	unsigned id; /* also its APIC id */
	struct hv_gprs g;
	void *priv;		/* the backend's */
	void *dev;		/* the platform's (its local APIC) */
	struct world *world;	/* the world running it, while it runs */
	struct fpu_state fpu;	/* the guest's FPU/SSE state */
	enum vcpu_mode mode;	/* under vm->lock */
	volatile int guest_cpu; /* host CPU it is in guest mode on, or -1 */
	volatile bool kicked;	/* something changed: re-evaluate before entering */
	bool nmi_pending;	/* under vm->lock */
	uint8_t sipi_vector;
	bool sipi;	 /* a SIPI arrived while in VCPU_WAIT_SIPI */
	struct waitq wq; /* a halted or waiting vCPU sleeps here */
};

/* A 64-bit start: flat segments with selectors cs and ds (0 for 0x08 and 0x10) from the GDT
 * at gdt_base (0: none yet), paging on (PAE, LME) with the guest's tables at cr3, interrupts
 * off; RSI for the Linux boot protocol's zero page. */
struct hv_start64 {
	uint64_t rip, rsp, rsi, cr3, gdt_base;
	uint16_t gdt_limit, cs, ds;
};

struct hv_backend {
	const char *name; /* e.g. "AMD SVM with nested paging" */
	/* Can this machine run VMs with this backend?  0, or -ENODEV with *why saying what
	 * is missing (shown on the console). */
	int (*probe)(const char **why);
	/* Switch virtualization on in the calling CPU (every CPU, once).  0 or -errno. */
	int (*cpu_enable)(void);
	/* Is it on in the calling CPU? (self-tests) */
	bool (*cpu_enabled)(void);
	/* Nested page tables over vm->pages (vm->priv); fini frees them. */
	int (*vm_init)(struct vm *vm);
	void (*vm_fini)(struct vm *vm);
	/* A vCPU's control block (v->priv); fini frees it. */
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_fini)(struct vcpu *v);
	/* Start state: 64-bit mode, flat segments, paging with the guest's tables (see struct
	 * hv_start64). */
	void (*vcpu_start)(struct vcpu *v, const struct hv_start64 *s);
	/* Start state of an application processor after INIT and a SIPI: real mode at
	 * vector * 0x1000. */
	void (*vcpu_start_ap)(struct vcpu *v, uint8_t sipi_vector);
	/* Run the guest on this CPU until its next exit, described in e.  Called with
	 * interrupts off; returns with them off (a host interrupt that ended the run is taken
	 * when the caller enables them). */
	void (*vcpu_run)(struct vcpu *v, struct hv_exit *e);
	/* Deliver exception `vector` (with error code `error` when has_error) before the guest's
	 * next instruction. */
	void (*inject)(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
	/* External interrupts and NMIs: can one be injected now (the guest's IF, no interrupt
	 * shadow, no event already queued)?  inject_intr/inject_nmi queue it for the next run;
	 * want_window asks for an HV_EXIT_INTR_WINDOW exit once the guest can take one. */
	bool (*intr_window)(struct vcpu *v);
	void (*inject_intr)(struct vcpu *v, uint8_t vector);
	void (*inject_nmi)(struct vcpu *v);
	void (*want_window)(struct vcpu *v, bool on);
	/* The default address size of the guest's code segment (enum x86_mode: 2, 4 or 8). */
	int (*code_mode)(struct vcpu *v);
	uint64_t (*reg_get)(struct vcpu *v, enum hv_reg r);
	void (*reg_set)(struct vcpu *v, enum hv_reg r, uint64_t val);
	/* Let the guest reach host ports [port, port + len) itself, without exits (the host's
	 * ACPI PM timer: a counter that cannot be written). */
	void (*io_direct)(struct vcpu *v, uint16_t port, unsigned len);
};

extern const struct hv_backend svm_backend;

/* At boot, on the boot CPU with every CPU online: choose the backend, print
 * "hv: <name>" (or why VMs are unavailable) and enable it on every CPU. */
void hv_init(void);
/* The chosen backend, or NULL when this machine cannot run VMs. */
const struct hv_backend *hv_get(void);
/* The host CPUs that may enter guests (a bit per CPU): every online CPU, or all but the boot
 * CPU under QEMU's TCG (hv.c says why).  vCPU worlds are kept to them. */
uint64_t hv_guest_cpus(void);

/* A VM with mem_bytes (a multiple of 2 MiB) of zeroed guest memory and no vCPUs.  0, -ENODEV
 * (no backend), -EINVAL, -ENOMEM (more than the host can give: nothing is kept). */
int vm_create(size_t mem_bytes, struct vm **out);
/* Free everything; the VM must not be running (vm_stop and vm_wait first). */
void vm_destroy(struct vm *vm);
/* Call fn for every VM, under a spinlock: fn must not block. */
void vm_foreach(void (*fn)(struct vm *vm, void *arg), void *arg);
/* Copy to or from guest physical memory.  0 or -EFAULT (outside the guest's memory). */
int vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len);
int vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len);
/* Page tables at gpa (six pages) mapping the first 4 GiB 1:1 with 2 MiB pages (memory and
 * the devices' MMIO), for a 64-bit start; *cr3 gets their root.  0 or -EFAULT. */
int vm_identity_map(struct vm *vm, uint64_t gpa, uint64_t *cr3);
/* Add a vCPU (id = the count so far; vCPU 0 starts running, the others wait for a SIPI).
 * 0, -ENOSPC (HV_MAX_VCPUS), -ENOMEM. */
int vcpu_create(struct vm *vm, struct vcpu **out);
void vcpu_destroy(struct vcpu *v);

/* Start a world per vCPU.  0 or -errno (then none runs). */
int vm_start(struct vm *vm);
/* Stop a running VM with `why` (the first reason given sticks); its worlds end soon after.
 * Any context but interrupts; vm->lock may be held. */
void vm_stop(struct vm *vm, enum hv_stop_why why, const char *msg);
/* Wait until every vCPU world has ended (blocks). */
void vm_wait(struct vm *vm);
/* Read the guest's console output: up to len bytes, non-blocking; 0 when none. */
size_t vm_console_read(struct vm *vm, char *buf, size_t len);
/* The guest's console: append (the UART's transmit, the console hypercall). */
void vm_console_put(struct vm *vm, char c);

/* Run a bare VM's vCPU in the calling world until the guest stops (self-tests): a hypercall
 * to exit, HLT (nothing can wake it), a triple fault, or an exit not handled.  Host
 * interrupts and the scheduler's tick keep working meanwhile.  The world is kept to
 * hv_guest_cpus() meanwhile (it may move), then gets its affinity back. */
void vcpu_run(struct vcpu *v, struct hv_stop *stop);

/* Make v look at its interrupts again before it next enters the guest: wakes it if it
 * sleeps, interrupts its guest mode if it runs on another CPU.  Any context. */
void vcpu_kick(struct vcpu *v);
/* Inject #GP(0) into v (what an unknown MSR gets). */
void vcpu_inject_gp(struct vcpu *v);
/* Read guest registers by the decoder's number (0 RAX .. 15 R15) */
uint64_t vcpu_gpr_get(struct vcpu *v, unsigned reg);
void vcpu_gpr_set(struct vcpu *v, unsigned reg, uint64_t val);

#endif
