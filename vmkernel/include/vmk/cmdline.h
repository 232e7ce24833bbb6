/* Kernel command line parsing: key and key=value tokens, quoted values, comma lists. */
#ifndef VMK_CMDLINE_H
#define VMK_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Syntax.  Tokens are separated by runs of spaces, tabs, CRs or LFs.  A token is `key` or
 * `key=value`, split at its first '=' outside double quotes.  A double quote anywhere in a token
 * toggles quoting, and whitespace inside quotes does not end the token.  When a value starts
 * with '"', that quote is dropped, and so is a '"' that ends the token: key="a b" has value
 * `a b`, key="" and key= have the empty value; an unterminated quote runs to the end of the
 * line.  Quotes anywhere else are kept as they are.  Nothing is unescaped and nothing is
 * modified: keys and values are reported as (pointer, length) slices of the command line.
 * A NULL command line is treated as empty.  None of these functions lock, allocate or sleep.
 */

/*
 * Callback for cmdline_foreach: @key/@klen is the key (klen may be 0 for "=x"), @val/@vlen the
 * value, or val == NULL and vlen == 0 for a bare key.  Neither slice is NUL-terminated.
 * Return 0 to go on, non-zero to stop the walk.
 */
typedef int (*cmdline_fn)(const char *key, size_t klen, const char *val, size_t vlen, void *arg);

/*
 * Call @fn(key, klen, val, vlen, @arg) for each token of @cmdline, left to right.
 * Return the first non-zero value @fn returns (the walk stops there), or 0.
 */
int cmdline_foreach(const char *cmdline, cmdline_fn fn, void *arg);

/*
 * Look up @key (exact, case-sensitive) in @cmdline; the last occurrence wins.
 * If found and @val is not NULL and @len > 0, copy its value into @val, truncated to len - 1
 * bytes and NUL-terminated ("" for a bare key).  @val is left alone when the key is absent.
 * Return true if the key is present (bare or with a value), false otherwise or if @key is NULL.
 */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len);

/*
 * Return the value of @key (last occurrence wins) as a long: an optional '+' or '-', then
 * decimal digits, or "0x"/"0X" and hex digits (a leading 0 is still decimal, not octal).
 * Return @def when the key is absent, bare, empty, has any other character, or overflows long.
 */
long cmdline_get_long(const char *cmdline, const char *key, long def);

/*
 * Return whether @item is one of the comma-separated elements of @list, compared exactly
 * (no trimming, case-sensitive): ("frame,heap", "heap") is true, ("frame,heap", "hea") false.
 * "all" is not special.  A NULL @list or a NULL or empty @item gives false.
 */
bool cmdline_list_has(const char *list, const char *item);

#endif
