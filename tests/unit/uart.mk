# 16550A UART model: Linux's 8250 probe and start-up tests, console I/O, FIFO, IRQ, hostile access.
UNIT_TESTS += uart
uart_SRCS := vmkernel/hv/dev/uart.c
