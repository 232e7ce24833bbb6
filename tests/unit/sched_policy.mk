UNIT_TESTS += sched_policy
sched_policy_SRCS := vmkernel/world/sched_policy.c
