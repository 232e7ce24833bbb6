# System V IPC's pure logic: id/sequence allocation, semop evaluation, msgrcv selection.
UNIT_TESTS += ipc
ipc_SRCS := vmkernel/uw/ipc_idr.c vmkernel/uw/ipc_semop.c vmkernel/uw/ipc_msgsel.c \
	    vmkernel/lib/bitmap.c
