# Kernel heap (slab classes, large blocks, poisoning, corruption checks).
UNIT_TESTS += heap
heap_SRCS := vmkernel/mm/heap.c
