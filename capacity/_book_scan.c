/* Compiled scans of a book's text columns, read in place from Arrow's string buffers.
 *
 * A loaded CSV column is an Arrow string array: one buffer of bytes and n + 1 int32 offsets.
 * These scans read ids as numbers and amounts as integer cents straight from those bytes,
 * eight digits at a time (the SWAR digit parse of Lemire, "Parsing series of integers with
 * SIMD"), with no Python object and no intermediate array per account. Each answers only the
 * plain case and says so when a cell is not plain: the caller then takes the general path of
 * capacity/book.py, which is the reference these are tested against (tests/test_book_scan.py).
 * Every scan releases the GIL, so two run side by side on two cores.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The most digits of an id's number: 10**18 - 1 fits an int64. */
#define MAX_ID_DIGITS 18
/* The most digits before an amount's decimal point: 10**13 - 1 dollars, beyond any plausible ARR (the
 * caller refuses amounts above a trillion); a longer amount takes the general path. */
#define MAX_AMOUNT_DIGITS 13

static const uint64_t ZEROS = 0x3030303030303030ULL; /* eight ASCII "0" */

/* ---- reading digits ------------------------------------------------------------------------------ */

/* The eight bytes that end at data[end], little-endian; bytes before the buffer read as 0. */
static inline uint64_t tail8(const uint8_t *data, Py_ssize_t end)
{
    uint64_t word = 0;
    if (end >= 8) {
        memcpy(&word, data + end - 8, 8);
        return word;
    }
    for (Py_ssize_t k = 0; k < end; k++)
        word |= (uint64_t)data[k] << (8 * (8 - end + k));
    return word;
}

/* The number written by the `count` (1 to 8) ASCII digits that end at data[end]. The bytes before the
 * digits are shifted out and read as leading zeros; three multiplications combine the digits in pairs,
 * fours, then eights. A byte that is not a digit sets a bit of `*bad` (its top bit after "0" is taken off,
 * with 0x76 added or without), so that a scan tests once per block of rows instead of once per digit. */
static inline uint64_t eight_digits(const uint8_t *data, Py_ssize_t end, Py_ssize_t count, uint64_t *bad)
{
    int shift = 8 * (int)(8 - count);
    uint64_t word = (tail8(data, end) ^ ZEROS) >> shift << shift;
    *bad |= ((word + 0x7676767676767676ULL) | word) & 0x8080808080808080ULL;
    word = (word * 10 + (word >> 8)) & 0x00FF00FF00FF00FFULL;
    word = (word * 100 + (word >> 16)) & 0x0000FFFF0000FFFFULL;
    return (word * 10000 + (word >> 32)) & 0xFFFFFFFFULL;
}

/* The number written by the `count` (1 to 18) ASCII digits that end at data[end]; see eight_digits. */
static inline uint64_t number(const uint8_t *data, Py_ssize_t end, Py_ssize_t count, uint64_t *bad)
{
    uint64_t value = eight_digits(data, end, count < 8 ? count : 8, bad);
    if (count > 8) {
        value += 100000000ULL * eight_digits(data, end - 8, count < 16 ? count - 8 : 8, bad);
        if (count > 16)
            value += 10000000000000000ULL * eight_digits(data, end - 16, count - 16, bad);
    }
    return value;
}

/* The longest prefix of ids read as a prefix and a number; a longer one takes the general path. */
#define MAX_PREFIX 64
/* Rows between two looks at `bad`: a column that is not plain is given up soon, a plain one is not slowed. */
#define BLOCK_ROWS 4096

/* A prefix as whole little-endian words and the word of its last `width % 8` bytes (0 if none). */
typedef struct {
    uint64_t words[MAX_PREFIX / 8];
    Py_ssize_t whole, rest;
    uint64_t last;
} Prefix;

static Prefix prefix_of(const uint8_t *bytes, Py_ssize_t width)
{
    Prefix prefix = {{0}, width / 8, width % 8, 0};
    memcpy(prefix.words, bytes, 8 * prefix.whole);
    memcpy(&prefix.last, bytes + 8 * prefix.whole, prefix.rest);
    return prefix;
}

/* Nonzero if the bytes from data[start] differ from `prefix`: whole words compared in place, and the
 * last few bytes as the top of the word that ends with them (which never reads past them). */
static inline uint64_t prefix_differs(const uint8_t *data, Py_ssize_t start, const Prefix *prefix)
{
    uint64_t differ = 0, word;
    for (Py_ssize_t k = 0; k < prefix->whole; k++) {
        memcpy(&word, data + start + 8 * k, 8);
        differ |= word ^ prefix->words[k];
    }
    if (prefix->rest) {
        word = tail8(data, start + 8 * prefix->whole + prefix->rest) >> (8 * (8 - prefix->rest));
        differ |= word ^ prefix->last;
    }
    return differ;
}

/* ---- buffers ------------------------------------------------------------------------------------- */

/* Take a C-contiguous buffer of integers of `itemsize` bytes (signed if `is_signed`, else unsigned),
 * writable if asked; on failure a TypeError is set and 0 returned. */
static int integers(PyObject *object, Py_buffer *view, Py_ssize_t itemsize, int is_signed, int writable,
                    const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object, view, flags) != 0)
        return 0;
    const char *format = view->format ? view->format : "B";
    if (*format == '<' || *format == '=' || *format == '@')
        format++;
    const char *kinds = is_signed ? "bhilq" : "BHILQ";
    if (view->itemsize != itemsize || strlen(format) != 1 || !strchr(kinds, *format) || view->ndim > 1) {
        PyErr_Format(PyExc_TypeError, "%s must be a one-dimensional array of %s%d-bit integers", name,
                     is_signed ? "" : "unsigned ", (int)(8 * itemsize));
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

/* The n + 1 offsets of `offsets` (int32) into `data`, checked to ascend within it: 0 and a ValueError if not. */
static int checked_offsets(const Py_buffer *offsets, const Py_buffer *data, Py_ssize_t rows)
{
    const int32_t *at = offsets->buf;
    if (offsets->len / 4 != rows + 1) {
        PyErr_SetString(PyExc_ValueError, "out must hold one value per string (len(offsets) - 1)");
        return 0;
    }
    if (at[0] < 0 || at[rows] > data->len) {
        PyErr_SetString(PyExc_ValueError, "offsets reach outside data");
        return 0;
    }
    for (Py_ssize_t i = 0; i < rows; i++) {
        if (at[i + 1] < at[i]) {
            PyErr_SetString(PyExc_ValueError, "offsets must not descend");
            return 0;
        }
    }
    return 1;
}

/* ---- the scans ----------------------------------------------------------------------------------- */

static int scan_prefixed(const uint8_t *data, const int32_t *offsets, Py_ssize_t rows, const Prefix *prefix,
                         Py_ssize_t width, int64_t *out)
{
    uint64_t bad = 0;
    for (Py_ssize_t i = 0; i < rows; i++) {
        Py_ssize_t end = offsets[i + 1], count = end - offsets[i] - width;
        if (count < 1 || count > MAX_ID_DIGITS)
            return 0;
        bad |= prefix_differs(data, offsets[i], prefix);
        out[i] = (int64_t)number(data, end, count, &bad);
        if (i % BLOCK_ROWS == BLOCK_ROWS - 1 && bad)
            return 0;
    }
    return bad == 0;
}

static int scan_amounts(const uint8_t *data, const int32_t *offsets, Py_ssize_t rows, int64_t *out)
{
    uint64_t bad = 0;
    for (Py_ssize_t i = 0; i < rows; i++) {
        Py_ssize_t start = offsets[i], end = offsets[i + 1], length = end - start;
        Py_ssize_t decimals = length >= 3 && data[end - 3] == '.' ? 2 : length >= 2 && data[end - 2] == '.' ? 1 : 0;
        Py_ssize_t count = length - (decimals ? decimals + 1 : 0);
        if (count < 1 || count > MAX_AMOUNT_DIGITS)
            return 0;
        uint64_t cents = 100 * number(data, start + count, count, &bad);
        if (decimals)  /* "5" after the dot is 50 cents */
            cents += eight_digits(data, end, decimals, &bad) * (decimals == 1 ? 10 : 1);
        out[i] = (int64_t)cents;
        if (i % BLOCK_ROWS == BLOCK_ROWS - 1 && bad)
            return 0;
    }
    return bad == 0;
}

PyDoc_STRVAR(prefixed_numbers_doc,
"prefixed_numbers(data, offsets, prefix, out) -> bool\n\n"
"Write into ``out`` the number after ``prefix`` of each string (\"ACC-0000042\" -> 42).\n\n"
"Parameters\n----------\n"
"data : uint8 array or bytes\n    An Arrow string array's data buffer, from its first byte.\n"
"offsets : int32 array\n    Its ``n + 1`` offsets into ``data``.\n"
"prefix : bytes\n    What every string starts with (\"ACC-\"; empty for ids that are numbers).\n"
"out : int64 array\n    ``n`` numbers, written in place.\n\n"
"Returns\n-------\nbool\n"
"    True if every string is ``prefix`` followed by 1 to 18 ASCII digits; else False, and ``out`` is\n"
"    partly written. A prefix longer than 64 bytes is not read (False).");

static PyObject *prefixed_numbers(PyObject *self, PyObject *args)
{
    PyObject *data_object, *offsets_object, *out_object;
    Py_buffer data, offsets, out, prefix;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOy*O:prefixed_numbers", &data_object, &offsets_object, &prefix, &out_object))
        return NULL;
    if (!integers(data_object, &data, 1, 0, 0, "data")) {
        PyBuffer_Release(&prefix);
        return NULL;
    }
    if (integers(offsets_object, &offsets, 4, 1, 0, "offsets")) {
        if (integers(out_object, &out, 8, 1, 1, "out")) {
            Py_ssize_t rows = out.len / 8;
            if (checked_offsets(&offsets, &data, rows)) {
                int read = 0;
                if (prefix.len <= MAX_PREFIX) {
                    Prefix words = prefix_of(prefix.buf, prefix.len);
                    Py_BEGIN_ALLOW_THREADS
                    read = scan_prefixed(data.buf, offsets.buf, rows, &words, prefix.len, out.buf);
                    Py_END_ALLOW_THREADS
                }
                result = PyBool_FromLong(read);
            }
            PyBuffer_Release(&out);
        }
        PyBuffer_Release(&offsets);
    }
    PyBuffer_Release(&data);
    PyBuffer_Release(&prefix);
    return result;
}

PyDoc_STRVAR(amount_cents_doc,
"amount_cents(data, offsets, out) -> bool\n\n"
"Write into ``out`` each amount in integer cents (\"12500.5\" -> 1250050).\n\n"
"A plain amount is 1 to 13 ASCII digits, then optionally a dot and one or two digits (\"12500\",\n"
"\"12500.5\", \"12500.50\"): its cents are exact, with no float and no rounding. Anything else (a\n"
"blank, a sign, an exponent, a third decimal as in \"120.000\", a currency sign, a separator,\n"
"padding) is not plain: the caller reads the column the general way, which parses, rounds and\n"
"refuses as it always does.\n\n"
"Parameters\n----------\n"
"data, offsets : as for :func:`prefixed_numbers`\n"
"out : int64 array\n    ``n`` amounts [cents], written in place.\n\n"
"Returns\n-------\nbool\n    True if every amount is plain.");

static PyObject *amount_cents(PyObject *self, PyObject *args)
{
    PyObject *data_object, *offsets_object, *out_object;
    Py_buffer data, offsets, out;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOO:amount_cents", &data_object, &offsets_object, &out_object))
        return NULL;
    if (!integers(data_object, &data, 1, 0, 0, "data"))
        return NULL;
    if (integers(offsets_object, &offsets, 4, 1, 0, "offsets")) {
        if (integers(out_object, &out, 8, 1, 1, "out")) {
            Py_ssize_t rows = out.len / 8;
            if (checked_offsets(&offsets, &data, rows)) {
                int read;
                Py_BEGIN_ALLOW_THREADS
                read = scan_amounts(data.buf, offsets.buf, rows, out.buf);
                Py_END_ALLOW_THREADS
                result = PyBool_FromLong(read);
            }
            PyBuffer_Release(&out);
        }
        PyBuffer_Release(&offsets);
    }
    PyBuffer_Release(&data);
    return result;
}

PyDoc_STRVAR(all_distinct_doc,
"all_distinct(keys) -> bool or None\n\n"
"True if no key (int64) repeats, False if one does, None if they span too wide a range to tell cheaply.\n\n"
"Keys in ascending order are distinct at a glance. Otherwise a bit per value of their range, 64\n"
"values or fewer per key, is set in turn: a bit already set is a repeat. The caller hashes keys of\n"
"a wider range.");

static PyObject *all_distinct(PyObject *self, PyObject *args)
{
    PyObject *keys_object;
    Py_buffer keys;
    if (!PyArg_ParseTuple(args, "O:all_distinct", &keys_object))
        return NULL;
    if (!integers(keys_object, &keys, 8, 1, 0, "keys"))
        return NULL;
    const int64_t *key = keys.buf;
    Py_ssize_t n = keys.len / 8;
    int ascending = 1, distinct = 1;
    uint64_t low, span;
    if (n < 2) {
        PyBuffer_Release(&keys);
        Py_RETURN_TRUE;
    }
    int64_t lowest = key[0], highest = key[0];
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 1; i < n; i++) {
        ascending &= key[i] > key[i - 1];
        lowest = key[i] < lowest ? key[i] : lowest;
        highest = key[i] > highest ? key[i] : highest;
    }
    Py_END_ALLOW_THREADS
    low = (uint64_t)lowest;
    span = (uint64_t)highest - low;
    if (ascending) {
        PyBuffer_Release(&keys);
        Py_RETURN_TRUE;
    }
    if (span > (uint64_t)n * 64 + 4096) {
        PyBuffer_Release(&keys);
        Py_RETURN_NONE;
    }
    uint64_t *seen = PyMem_Calloc(span / 64 + 1, sizeof(uint64_t));
    if (seen == NULL) {
        PyBuffer_Release(&keys);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t slot = (uint64_t)key[i] - low, bit = (uint64_t)1 << (slot & 63);
        if (seen[slot >> 6] & bit) {
            distinct = 0;
            break;
        }
        seen[slot >> 6] |= bit;
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(seen);
    PyBuffer_Release(&keys);
    return PyBool_FromLong(distinct);
}

PyDoc_STRVAR(bin_cents_doc,
"bin_cents(cents, bounds, counts, sums) -> None\n\n"
"Add to ``counts[k]`` and ``sums[k]`` the accounts and cents (int64) with ``k`` of ``bounds`` at or\n"
"below them: slot 0 holds the accounts below every bound, slot ``k`` those in ``[bounds[k-1],\n"
"bounds[k])``, the last those at or above the last bound. ``bounds`` ascend; ``counts`` and ``sums``\n"
"hold ``len(bounds) + 1`` slots. One pass over the accounts, exact in integers.");

static PyObject *bin_cents(PyObject *self, PyObject *args)
{
    PyObject *objects[4];
    Py_buffer views[4];
    static const char *names[4] = {"cents", "bounds", "counts", "sums"};
    int taken = 0;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOO:bin_cents", &objects[0], &objects[1], &objects[2], &objects[3]))
        return NULL;
    for (; taken < 4; taken++)
        if (!integers(objects[taken], &views[taken], 8, 1, taken >= 2, names[taken]))
            goto done;
    Py_ssize_t n = views[0].len / 8, m = views[1].len / 8;
    if (views[2].len / 8 != m + 1 || views[3].len / 8 != m + 1) {
        PyErr_SetString(PyExc_ValueError, "counts and sums need one slot more than bounds");
        goto done;
    }
    const int64_t *cents = views[0].buf, *bounds = views[1].buf;
    int64_t *counts = views[2].buf, *sums = views[3].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t slot = 0;
        for (Py_ssize_t k = 0; k < m; k++)
            slot += cents[i] >= bounds[k];
        counts[slot] += 1;
        sums[slot] += cents[i];
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    while (taken > 0)
        PyBuffer_Release(&views[--taken]);
    return result;
}

static PyMethodDef methods[] = {
    {"prefixed_numbers", prefixed_numbers, METH_VARARGS, prefixed_numbers_doc},
    {"amount_cents", amount_cents, METH_VARARGS, amount_cents_doc},
    {"all_distinct", all_distinct, METH_VARARGS, all_distinct_doc},
    {"bin_cents", bin_cents, METH_VARARGS, bin_cents_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "capacity._book_scan",
    "Compiled scans of a book's text columns, read in place from Arrow's string buffers (ids as numbers,\n"
    "amounts as cents, repeats, bins). Each answers the plain case only; capacity.book takes its general\n"
    "path for the rest, and wherever this module is not built.",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__book_scan(void)
{
    return PyModule_Create(&module);
}
