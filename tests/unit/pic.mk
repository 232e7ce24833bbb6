# 8259A PIC pair: Linux's probe/init/mask_and_ack, cascade, priority, ELCR edge/level, spurious 7/15, poll, SMM.
UNIT_TESTS += pic
pic_SRCS := vmkernel/hv/dev/pic.c
