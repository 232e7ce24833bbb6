# virtio-rng over virtio-pci and bus 0: probe, buffers filled from a source, bounds, bad rings.
UNIT_TESTS += virtio_rng
virtio_rng_SRCS := vmkernel/hv/dev/virtio_rng.c vmkernel/hv/dev/virtio_pci.c \
	vmkernel/hv/dev/virtqueue.c vmkernel/hv/dev/pci.c
