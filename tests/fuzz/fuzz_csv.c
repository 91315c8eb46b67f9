/*
 * libFuzzer target for bl_csv: reads every record of the input through the
 * memory source, checks the record invariants the header promises, and
 * runs both number parsers on every field, with and without the decimal
 * comma.  Not a test of what the values mean: the sanitizers and the
 * invariants are the oracle.
 */
#include "bl_csv.h"
#include "bl_number.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the fuzzer at the first broken promise. */
static void s_check(int ok)
{
    if (!ok) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bl_csv_t *r = NULL;
    if (bl_csv_open_mem(&r, data, size, "fuzz", NULL) != 0) {
        return 0;
    }
    bl_csv_record_t rec;
    size_t last_line = 0;
    size_t records = 0;
    int rc;
    while ((rc = bl_csv_next(r, &rec, NULL)) == 1) {
        records++;
        s_check(rec.line > last_line);
        last_line = rec.line;
        s_check(bl_csv_delimiter(r) == ',' || bl_csv_delimiter(r) == ';');
        s_check(bl_csv_offset(r) <= size);
        if (rec.error != NULL) {
            s_check(rec.n_fields == 0);
            s_check(strlen(rec.error) > 0);
            continue;
        }
        s_check(rec.n_fields >= 1 && rec.n_fields <= BL_CSV_COLUMNS_MAX);
        for (size_t i = 0; i < rec.n_fields; i++) {
            const char *f = rec.fields[i];
            s_check(strlen(f) == rec.lens[i]);
            s_check(rec.lens[i] <= BL_CSV_FIELD_MAX);
            for (int comma = 0; comma < 2; comma++) {
                double d = 0;
                const char *why = NULL;
                if (bl_number_parse(f, comma, &d, &why) == 0) {
                    s_check(d == d && d - d == 0);
                } else {
                    s_check(why != NULL);
                }
                long long ll = 0;
                why = NULL;
                if (bl_number_parse_int(f, comma, &ll, &why) != 0) {
                    s_check(why != NULL);
                }
            }
        }
    }
    s_check(rc == 0);
    s_check(bl_csv_offset(r) == size);
    s_check(bl_csv_next(r, &rec, NULL) == 0);
    (void)records;
    bl_csv_close(&r);
    s_check(r == NULL);
    return 0;
}
