# Pending signal sets: first instance kept, realtime queues, fault signals first, flushing.
UNIT_TESTS += sigqueue
sigqueue_SRCS := vmkernel/uw/sigqueue.c
