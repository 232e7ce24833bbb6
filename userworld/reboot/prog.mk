UW_PATH_reboot := /sbin/reboot
