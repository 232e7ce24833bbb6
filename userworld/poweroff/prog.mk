UW_PATH_poweroff := /sbin/poweroff
