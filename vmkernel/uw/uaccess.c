/* Checked copies between kernel memory and the current userworld's memory. */
#include <vmk/world.h>
#include <vmk/aspace.h>
#include <vmk/errno.h>
#include <vmk/compiler.h>

size_t uaccess_copy(void *dst, const void *src, size_t n);
size_t uaccess_strnlen(const char *s, size_t max);
int uaccess_cmpxchg32(uint32_t *uaddr, uint32_t old, uint32_t new, uint32_t *cur);

/* Inside the calling world's kernel window (uaccess_kernel_window)? */
static bool in_window(uintptr_t a, size_t n)
{
	struct world *w = world_current();
	uintptr_t b = w ? (uintptr_t)w->kcopy : 0;

	return b && a >= b && n <= w->kcopy_len && a - b <= w->kcopy_len - n;
}

void uaccess_kernel_window(const void *buf, size_t len)
{
	struct world *w = world_current();

	w->kcopy = buf;
	w->kcopy_len = len;
}

/* The copies' own check: every byte below USER_TOP (the guard page and the non-canonical hole
 * above it would fault in the kernel), or inside the kernel window. */
static bool user_ok(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return (a <= USER_TOP && n <= USER_TOP - a) || in_window(a, n);
}

/* As Linux 6.1's x86 access_ok (valid_user_address): the range does not wrap and does not
 * reach the kernel half.  A range that runs into the hole above user space passes, and its
 * copy fails instead (read(2) from /dev/null there returns 0 on Linux too). */
bool uaccess_ok(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return (a + n >= a && (intptr_t)(a + n) >= 0) || in_window(a, n);
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_ok(usrc, n))
		return -EFAULT;
	return uaccess_copy(dst, usrc, n) ? -EFAULT : 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_ok(udst, n))
		return -EFAULT;
	return uaccess_copy(udst, src, n) ? -EFAULT : 0;
}

long strnlen_user(const char *us, size_t max)
{
	size_t len;

	if ((uintptr_t)us > USER_TOP)
		return -EFAULT;
	len = uaccess_strnlen(us, MIN(max, USER_TOP - (uintptr_t)us));
	if (len == (size_t)-1 || (len < max && (uintptr_t)us + len >= USER_TOP))
		return -EFAULT;
	return (long)MIN(len, max);
}

int cmpxchg_user_u32(uint32_t *uaddr, uint32_t old, uint32_t new, uint32_t *cur)
{
	if (!user_ok(uaddr, sizeof(*uaddr)) || ((uintptr_t)uaddr & 3))
		return -EFAULT;
	return uaccess_cmpxchg32(uaddr, old, new, cur);
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	size_t len;

	if (!max || (uintptr_t)usrc > USER_TOP)
		return -EFAULT;
	/* Never scan past the top of user space. */
	if (max > USER_TOP - (uintptr_t)usrc)
		max = USER_TOP - (uintptr_t)usrc;
	len = uaccess_strnlen(usrc, max);
	if (len == (size_t)-1)
		return -EFAULT;
	if (len >= max)
		return -ENAMETOOLONG;
	if (uaccess_copy(dst, usrc, len + 1))
		return -EFAULT;
	return (long)len;
}
