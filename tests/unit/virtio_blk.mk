# virtio-blk over virtio-pci and bus 0: Linux's probe, init and I/O path against a RAM disk, and hostile guests.
UNIT_TESTS += virtio_blk
virtio_blk_SRCS := vmkernel/hv/dev/virtio_blk.c vmkernel/hv/dev/virtio_pci.c \
	vmkernel/hv/dev/virtqueue.c vmkernel/hv/dev/pci.c
