/* futex(2) for userworlds (uw/futex.c). */
#ifndef VMK_FUTEX_H
#define VMK_FUTEX_H

#include <stdint.h>

struct aspace;

/* Wake up to n threads waiting on the futex at user address uaddr of as; returns how many. */
long futex_wake(struct aspace *as, uint64_t uaddr, int n);

#endif
