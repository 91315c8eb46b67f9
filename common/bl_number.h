/*
 * bl_number: reading one number field by the rules of SPEC section 2, so
 * that every reader (the CLI, validation, tools) agrees.
 *
 * A number is trimmed of spaces and tabs; '.' is always the decimal mark,
 * ',' is one too when decimal_comma (a ';' file); there are no thousands
 * separators, no hex, no NaN or inf, no trailing characters ("12a"), and
 * it must be finite as a double.  This module does not know columns or
 * files: the caller names the field and the line in its message, and
 * decides what an empty field means (here it is "empty").
 *
 * bl_number_fixed writes a number with a fixed count of decimals, the way
 * printf does, only faster; bl_number_int an integer (a key's period).
 *
 * Thread-safe; the process locale does not matter.
 */
#ifndef BL_NUMBER_H
#define BL_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"

/* The highest value of a `steps` indicator (0..4 steps met). */
#define BL_NUMBER_STEPS_MAX 4

/* Parses a number.  Returns 0 and sets *out; BL_EDATA with a short reason
 * in *why (when why is not NULL): "empty", "not a number", "not finite"
 * (beyond the double range), "out of range" (an underflow to 0); BL_EINVAL
 * for a NULL s or out; BL_ENOMEM.  *out is untouched on failure. */
int bl_number_parse(const char *s, bool decimal_comma, double *out,
                    const char **why);

/* Parses an integer: plain digits, or a number whose value is whole
 * ("3.0", "2.5e1").  Same contract, with the reasons "not an integer" and
 * "out of range" (outside long long) as well. */
int bl_number_parse_int(const char *s, bool decimal_comma, long long *out,
                        const char **why);

/* Parses a `steps` value: an integer 0..BL_NUMBER_STEPS_MAX ("3.0" reads
 * as 3).  Same contract; every refused input gives the reason "not a number
 * of steps: an integer 0-4". */
int bl_number_parse_steps(const char *s, bool decimal_comma, int *out,
                          const char **why);

/* Writes v with decimals (0..9) digits after the point exactly as
 * snprintf(buf, size, "%.*f", decimals, v) does in the C locale, byte for
 * byte (rounding and the sign of a negative zero included), and returns
 * what snprintf returns.  Usual values take an integer path; the few
 * that printf alone can round exactly (near a tie, very large, not
 * finite) go to snprintf.  For writers of many numbers (reports, SVG). */
int bl_number_fixed(char *buf, size_t size, double v, int decimals);

/* The same for "%.*g" with digits (1..15) significant digits: exactly what
 * snprintf(buf, size, "%.*g", digits, v) writes, faster for usual
 * values (exponent notation and the rare hard cases go to snprintf). */
int bl_number_general(char *buf, size_t size, double v, int digits);

/* Room for any int64_t written by bl_number_int, with its NUL. */
#define BL_NUMBER_INT_MAX 21

/* Writes v as "%" PRId64 does into buf (BL_NUMBER_INT_MAX bytes at
 * least), without printf: keys built on every row's path.  Returns the
 * length. */
size_t bl_number_int(char *buf, int64_t v);

#endif
