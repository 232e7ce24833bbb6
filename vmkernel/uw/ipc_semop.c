/*
 * semop's evaluation (pure): a list of operations on one semaphore set applied as one step,
 * all or none, as Linux's perform_atomic_semop_slow does it (operations in order, so two on
 * the same semaphore see each other; undone on the first that cannot proceed).
 */
#include <vmk/ipc.h>
#include <vmk/errno.h>

int ipc_sem_try(struct ipc_sem *sems, int16_t *adj, const struct ipc_sembuf *ops, unsigned nops,
		int pid, unsigned *blocking)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < nops; i++) {
		const struct ipc_sembuf *op = &ops[i];
		struct ipc_sem *s = &sems[op->sem_num];
		int val = s->val;

		if (!op->sem_op && val) {
			rc = IPC_SEM_BLOCK; /* waits for zero */
			break;
		}
		val += op->sem_op;
		if (val < 0) {
			rc = IPC_SEM_BLOCK;
			break;
		}
		if (val > SEMVMX) {
			rc = -ERANGE;
			break;
		}
		if (op->sem_flg & SEM_UNDO) {
			int undo = adj[op->sem_num] - op->sem_op;

			if (undo < -SEMAEM - 1 || undo > SEMAEM) {
				rc = -ERANGE;
				break;
			}
			adj[op->sem_num] = (int16_t)undo;
		}
		s->val = val;
	}
	if (rc == IPC_SEM_BLOCK) {
		*blocking = i;
		if (ops[i].sem_flg & IPC_NOWAIT)
			rc = -EAGAIN;
	}
	if (rc) {
		/* Undo what the operations before the failing one did. */
		while (i--) {
			sems[ops[i].sem_num].val -= ops[i].sem_op;
			if (ops[i].sem_flg & SEM_UNDO)
				adj[ops[i].sem_num] =
					(int16_t)(adj[ops[i].sem_num] + ops[i].sem_op);
		}
		return rc;
	}
	for (i = 0; i < nops; i++)
		sems[ops[i].sem_num].pid = pid;
	return 0;
}
