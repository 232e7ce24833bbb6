# QEMU test rules.
