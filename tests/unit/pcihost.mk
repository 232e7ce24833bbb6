# Host PCI: BAR decoding, capability walks, enumeration over fake config spaces (hostile ones
# too), ID matching, and the /proc/bus/pci/devices line as Linux prints it.
UNIT_TESTS += pcihost
pcihost_SRCS := vmkernel/drivers/pci/pci_scan.c vmkernel/drivers/pci/pci_format.c vmkernel/lib/format.c
