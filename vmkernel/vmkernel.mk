# Kernel build rules: filled in by vmkernel work.
