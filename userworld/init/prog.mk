# init is pid 1: the kernel starts /sbin/init when the command line names no init=.
UW_PATH_init := /sbin/init
