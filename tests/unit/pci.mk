# Virtual PCI bus 0: mechanism #1 as Linux probes it, BAR sizing and decoding, INTx, bad input.
UNIT_TESTS += pci
pci_SRCS := vmkernel/hv/dev/pci.c
