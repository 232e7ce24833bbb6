/*
 * The vmkernel's virtual memory layout (x86_64, 4-level paging).
 *
 *   0x0000000000000000 - 0x00007fffffffffff  userworlds (later); unmapped at boot
 *   0xffff800000000000 - +max RAM             direct map of physical memory (RW, NX)
 *   0xffffc00000000000 - +512 GiB            MMIO and other kernel mappings (vm_map_phys)
 *   0xffffd00000000000 - +512 GiB            kernel stacks, each below an unmapped guard page
 *   0xffffffff80000000 - +1 GiB              the kernel image (text RX, rodata R, data RW NX)
 *
 * The image is loaded by GRUB at KERNEL_PHYS and linked at KERNEL_VMA + KERNEL_PHYS.
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_PHYS	0x200000
#define KERNEL_VMA	0xffffffff80000000
#define DIRECT_MAP_BASE 0xffff800000000000
#define MMIO_BASE	0xffffc00000000000
#define MMIO_SIZE	0x0000008000000000
#define KSTACK_BASE	0xffffd00000000000
#define KSTACK_SIZE_MAX 0x0000008000000000

#define PAGE_SIZE    4096ul
#define PAGE_SHIFT   12
#define KSTACK_PAGES 4 /* 16 KiB kernel stacks */

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	return v - DIRECT_MAP_BASE;
}
#endif

#endif
