UW_PATH_keel-vm := /usr/bin/keel-vm
