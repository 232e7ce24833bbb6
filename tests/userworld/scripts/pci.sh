#!/bin/sh
# Print the PCI listings with a prefix the QEMU test picks out (Keel and Linux alike).
[ -r /proc/bus/pci/devices ] || mount -t proc proc /proc
echo "pci: begin"
sed 's/^/pcidev: /' /proc/bus/pci/devices
[ -r /proc/keel/pci ] && sed 's/^/pcikeel: /' /proc/keel/pci
echo "pci: end"
