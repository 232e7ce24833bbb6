# Split virtqueues, device side: chains, used ring, interrupts, and rings a hostile driver breaks.
UNIT_TESTS += virtqueue
virtqueue_SRCS := vmkernel/hv/dev/virtqueue.c
