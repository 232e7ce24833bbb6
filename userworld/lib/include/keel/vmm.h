/*
 * /dev/vmm (character device 10:241): virtual machines for userworlds (keel-vm, later the
 * management agent).  Each open of /dev/vmm is one VM:
 *
 *   ioctl(fd, KEEL_VM_IOC_CREATE, struct keel_vm_config *)  build it and start it
 *   read(fd, buf, n)          the guest's console (its UART); blocks until there is output,
 *                             0 (end of file) once the VM has stopped and all was read;
 *                             poll() says POLLIN for either
 *   write(fd, buf, n)         type at the guest's console
 *   ioctl(fd, KEEL_VM_IOC_STATUS, struct keel_vm_status *)  state, why it stopped, counters
 *   ioctl(fd, KEEL_VM_IOC_STOP, KEEL_VM_STOP_KILL or KEEL_VM_STOP_ACPI)  end it now, or press
 *                             its power button (the guest shuts down if it listens)
 *   close(fd)                 ends the VM if it still runs and frees it
 *
 * CREATE errors: EINVAL (a bad field, a command line too long), EBADF (a descriptor), ENOEXEC
 * (the kernel is neither a bzImage nor an ELF64 executable, or does not fit the VM's memory),
 * ENOMEM (more memory than the host has),
 * ENODEV (this machine cannot run VMs), EBUSY (already created).
 */
#ifndef KEEL_VMM_H
#define KEEL_VMM_H

#include <stdint.h>

#define KEEL_VM_MAX_VCPUS   16
#define KEEL_VM_MAX_CMDLINE 2048

struct keel_vm_config {
	uint32_t mem_mib;  /* guest RAM: 1 .. 3072 MiB, rounded up to 2 MiB */
	uint32_t vcpus;	   /* 1 .. KEEL_VM_MAX_VCPUS */
	int32_t kernel_fd; /* a Linux bzImage, or an ELF64 program entered in 64-bit mode */
	int32_t initrd_fd; /* -1: none */
	int32_t disk_fd;   /* -1: none; virtio-blk, read-only unless opened for writing */
	uint32_t flags;	   /* 0 */
	uint64_t cmdline;  /* user pointer to a NUL-terminated string, or 0 */
};

enum keel_vm_state { KEEL_VM_CREATED, KEEL_VM_RUNNING, KEEL_VM_STOPPED };

/* Why it stopped: the kernel's enum hv_stop_why. */
enum keel_vm_why {
	KEEL_VM_NOT_STOPPED,
	KEEL_VM_EXIT,	      /* the test guests' exit hypercall: status */
	KEEL_VM_POWEROFF,     /* ACPI power-off */
	KEEL_VM_RESET,	      /* the guest reset the machine */
	KEEL_VM_HALTED,	      /* every vCPU halted with interrupts off */
	KEEL_VM_TRIPLE_FAULT, /* a vCPU shut down */
	KEEL_VM_UNHANDLED,    /* the guest did something the VMM does not emulate: msg */
	KEEL_VM_KILLED,	      /* stopped by the host */
};

#define KEEL_VM_EXIT_KINDS 16
/* The kinds, in the order of keel_vm_status.exits (and of /proc/keel/vms's columns). */
#define KEEL_VM_EXIT_NAMES                                                                     \
	{                                                                                      \
		"none", "cpuid", "hypercall", "io", "msr", "mmio", "hlt", "intr_window", "ud", \
			"shutdown", "invalid", "other"                                         \
	}

struct keel_vm_status {
	uint32_t state;			    /* enum keel_vm_state */
	uint32_t why;			    /* enum keel_vm_why */
	int32_t status;			    /* KEEL_VM_EXIT: the guest's status */
	uint32_t vcpu;			    /* the vCPU that stopped it */
	char msg[96];			    /* the reason, for people */
	uint64_t run_ns;		    /* guest time, all vCPUs */
	uint64_t exits[KEEL_VM_EXIT_KINDS]; /* by kind, as /proc/keel/vms names them */
};

#define KEEL_VM_STOP_KILL 0
#define KEEL_VM_STOP_ACPI 1

#define KEEL_VM_IOC_CREATE 0x4b10
#define KEEL_VM_IOC_STATUS 0x4b11
#define KEEL_VM_IOC_STOP   0x4b12

#endif
