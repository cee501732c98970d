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
#include <stdlib.h>
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

/* A prefix of `width` bytes as whole little-endian words and the word of its last `width % 8` bytes. */
typedef struct {
    uint64_t words[MAX_PREFIX / 8];
    Py_ssize_t width, whole, rest;
    uint64_t last;
} Prefix;

static Prefix prefix_of(const uint8_t *bytes, Py_ssize_t width)
{
    Prefix prefix = {{0}, width, width / 8, width % 8, 0};
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

/* A scan of `rows` strings of an Arrow string array, writing one 64-bit value per string into `out`;
 * 0 once a string is not of the kind it reads. `context` is the scan's own setting (a prefix), or NULL. */
typedef int (*Scan)(const uint8_t *data, const int32_t *offsets, Py_ssize_t rows, void *out, const void *context);

static int scan_prefixed(const uint8_t *data, const int32_t *offsets, Py_ssize_t rows, void *out,
                         const void *context)
{
    const Prefix *prefix = context;
    int64_t *numbers = out;
    uint64_t bad = 0;
    for (Py_ssize_t i = 0; i < rows; i++) {
        Py_ssize_t end = offsets[i + 1], count = end - offsets[i] - prefix->width;
        if (count < 1 || count > MAX_ID_DIGITS)
            return 0;
        bad |= prefix_differs(data, offsets[i], prefix);
        numbers[i] = (int64_t)number(data, end, count, &bad);
        if (i % BLOCK_ROWS == BLOCK_ROWS - 1 && bad)
            return 0;
    }
    return bad == 0;
}

static int scan_amounts(const uint8_t *data, const int32_t *offsets, Py_ssize_t rows, void *out,
                        const void *context)
{
    int64_t *cents = out;
    uint64_t bad = 0;
    for (Py_ssize_t i = 0; i < rows; i++) {
        Py_ssize_t start = offsets[i], end = offsets[i + 1], length = end - start;
        Py_ssize_t decimals = length >= 3 && data[end - 3] == '.' ? 2 : length >= 2 && data[end - 2] == '.' ? 1 : 0;
        Py_ssize_t count = length - (decimals ? decimals + 1 : 0);
        if (count < 1 || count > MAX_AMOUNT_DIGITS)
            return 0;
        uint64_t value = 100 * number(data, start + count, count, &bad);
        if (decimals)  /* "5" after the dot is 50 cents */
            value += eight_digits(data, end, decimals, &bad) * (decimals == 1 ? 10 : 1);
        cents[i] = (int64_t)value;
        if (i % BLOCK_ROWS == BLOCK_ROWS - 1 && bad)
            return 0;
    }
    return bad == 0;
}

/* Take the buffers of a scan's arguments, check them, and run `scan` without the GIL: True or False, or
 * NULL with an exception set. `out` holds 64-bit integers, signed if `out_signed`. */
static PyObject *run_scan(PyObject *data_object, PyObject *offsets_object, PyObject *out_object, int out_signed,
                          Scan scan, const void *context)
{
    Py_buffer data, offsets, out;
    PyObject *result = NULL;
    if (!integers(data_object, &data, 1, 0, 0, "data"))
        return NULL;
    if (integers(offsets_object, &offsets, 4, 1, 0, "offsets")) {
        if (integers(out_object, &out, 8, out_signed, 1, "out")) {
            Py_ssize_t rows = out.len / 8;
            if (checked_offsets(&offsets, &data, rows)) {
                int read;
                Py_BEGIN_ALLOW_THREADS
                read = scan(data.buf, offsets.buf, rows, out.buf, context);
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
    PyObject *data, *offsets, *out;
    Py_buffer prefix;
    if (!PyArg_ParseTuple(args, "OOy*O:prefixed_numbers", &data, &offsets, &prefix, &out))
        return NULL;
    if (prefix.len > MAX_PREFIX) {
        PyBuffer_Release(&prefix);
        Py_RETURN_FALSE;
    }
    Prefix words = prefix_of(prefix.buf, prefix.len);
    PyBuffer_Release(&prefix);
    return run_scan(data, offsets, out, 1, scan_prefixed, &words);
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
    PyObject *data, *offsets, *out;
    if (!PyArg_ParseTuple(args, "OOO:amount_cents", &data, &offsets, &out))
        return NULL;
    return run_scan(data, offsets, out, 1, scan_amounts, NULL);
}

/* ---- repeats ------------------------------------------------------------------------------------- */

/* 1 if the keys in [low, low + span] are all distinct, 0 if one repeats: a bit per value, set in turn;
 * -1 if out of memory. */
static int distinct_by_bits(const uint64_t *keys, Py_ssize_t n, uint64_t low, uint64_t span)
{
    uint64_t *seen = calloc(span / 64 + 1, sizeof(uint64_t));
    if (seen == NULL)
        return -1;
    int distinct = 1;
    for (Py_ssize_t i = 0; i < n && distinct; i++) {
        uint64_t slot = keys[i] - low, bit = (uint64_t)1 << (slot & 63);
        distinct = !(seen[slot >> 6] & bit);
        seen[slot >> 6] |= bit;
    }
    free(seen);
    return distinct;
}

/* Fibonacci hashing: an odd multiplier is a bijection of 64-bit words (equal after, equal before) whose
 * top bits depend on every bit of the key. */
#define SPREAD 0x9E3779B97F4A7C15ULL
#define PART_BITS 8

/* 1 if the keys are all distinct, 0 if one repeats, -1 if out of memory, for keys of any range. The
 * spread keys are partitioned by their top 8 bits, then each part goes through a hash table (linear
 * probing, half full) small enough to stay in the processor's cache; a table of the whole column would
 * not. */
static int distinct_by_hashing(const uint64_t *keys, Py_ssize_t n)
{
    Py_ssize_t starts[(1 << PART_BITS) + 1] = {0}, fill[1 << PART_BITS], largest = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        starts[((keys[i] * SPREAD) >> (64 - PART_BITS)) + 1]++;
    for (int part = 0; part < (1 << PART_BITS); part++) {
        largest = starts[part + 1] > largest ? starts[part + 1] : largest;
        starts[part + 1] += starts[part];
        fill[part] = starts[part];
    }
    int bits = 1;
    while (((Py_ssize_t)1 << bits) < 2 * largest)
        bits++;
    uint64_t *parted = malloc(n * sizeof(uint64_t)), *table = malloc(((size_t)1 << bits) * sizeof(uint64_t));
    int distinct = parted && table ? 1 : -1;
    if (distinct == 1) {
        for (Py_ssize_t i = 0; i < n; i++) {
            uint64_t spread = keys[i] * SPREAD;
            parted[fill[spread >> (64 - PART_BITS)]++] = spread;
        }
    }
    for (int part = 0; part < (1 << PART_BITS) && distinct == 1; part++) {
        Py_ssize_t count = starts[part + 1] - starts[part];
        int size_bits = 1;
        while (((Py_ssize_t)1 << size_bits) < 2 * count)
            size_bits++;
        uint64_t mask = ((uint64_t)1 << size_bits) - 1;
        int zero = 0; /* 0 marks an empty slot; a key that spreads to 0 is counted apart */
        memset(table, 0, ((size_t)1 << size_bits) * sizeof(uint64_t));
        for (Py_ssize_t i = starts[part]; i < starts[part + 1] && distinct; i++) {
            uint64_t key = parted[i];
            if (key == 0) {
                distinct = !zero;
                zero = 1;
                continue;
            }
            uint64_t slot = (key >> (64 - PART_BITS - size_bits)) & mask;
            while (table[slot] != 0 && table[slot] != key)
                slot = (slot + 1) & mask;
            distinct = table[slot] != key;
            table[slot] = key;
        }
    }
    free(parted);
    free(table);
    return distinct;
}

/* 1 if no key repeats, 0 if one does, -1 if out of memory: ascending keys at a glance, keys of a small
 * range with a bit per value, others by hashing. */
static int distinct(const uint64_t *keys, Py_ssize_t n, int is_signed)
{
    if (n < 2)
        return 1;
    /* Signed keys are compared as unsigned after flipping the sign bit: the order is kept. */
    uint64_t flip = is_signed ? (uint64_t)1 << 63 : 0, low = keys[0] ^ flip, high = low, previous = low;
    int ascending = 1;
    for (Py_ssize_t i = 1; i < n; i++) {
        uint64_t key = keys[i] ^ flip;
        ascending &= key > previous;
        low = key < low ? key : low;
        high = key > high ? key : high;
        previous = key;
    }
    if (ascending)
        return 1;
    if (high - low <= (uint64_t)n * 64 + 4096)
        return distinct_by_bits(keys, n, low ^ flip, high - low);
    return distinct_by_hashing(keys, n);
}

PyDoc_STRVAR(all_distinct_doc,
"all_distinct(keys) -> bool\n\n"
"True if no key (int64 or uint64) repeats, False if one does.\n\n"
"Keys in ascending order are distinct at a glance. Keys of a range of 64 values or fewer per key\n"
"set a bit per value in turn: a bit already set is a repeat. Others are partitioned by a spread of\n"
"their bits and each part is put in a hash table that stays in the processor's cache. No sort.");

static PyObject *all_distinct(PyObject *self, PyObject *args)
{
    PyObject *keys_object;
    Py_buffer keys;
    int answer;
    if (!PyArg_ParseTuple(args, "O:all_distinct", &keys_object))
        return NULL;
    int is_signed = 1;
    if (!integers(keys_object, &keys, 8, 1, 0, "keys")) {
        PyErr_Clear();
        is_signed = 0;
        if (!integers(keys_object, &keys, 8, 0, 0, "keys")) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError, "keys must be a one-dimensional array of 64-bit integers");
            return NULL;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    answer = distinct(keys.buf, keys.len / 8, is_signed);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&keys);
    if (answer < 0)
        return PyErr_NoMemory();
    return PyBool_FromLong(answer);
}

/* ---- hashes -------------------------------------------------------------------------------------- */

/* The last step of MurmurHash3's 64-bit hash (its "fmix64"): every bit of the input moves every bit. */
static inline uint64_t mix(uint64_t word)
{
    word ^= word >> 33;
    word *= 0xFF51AFD7ED558CCDULL;
    word ^= word >> 33;
    word *= 0xC4CEB9FE1A85EC53ULL;
    return word ^ (word >> 33);
}

static int scan_hashes(const uint8_t *data, const int32_t *offsets, Py_ssize_t rows, void *out, const void *context)
{
    uint64_t *hashes = out;
    for (Py_ssize_t i = 0; i < rows; i++) {
        Py_ssize_t start = offsets[i], end = offsets[i + 1], length = end - start, k = start;
        /* A blank id, or one that may start or end with a space (or any byte but printable ASCII), is
         * left to the general path, which trims and refuses. */
        if (length == 0 || (uint8_t)(data[start] - 0x21) >= 0x5E || (uint8_t)(data[end - 1] - 0x21) >= 0x5E)
            return 0;
        uint64_t hash = (uint64_t)length * SPREAD, word;
        for (; k + 8 <= end; k += 8) {
            memcpy(&word, data + k, 8);
            hash = mix(hash ^ word);
        }
        if (k < end) /* the last bytes, as the top of the word that ends with them */
            hash = mix(hash ^ (tail8(data, end) >> (8 * (8 - (end - k)))));
        hashes[i] = hash;
    }
    return 1;
}

PyDoc_STRVAR(string_hashes_doc,
"string_hashes(data, offsets, out) -> bool\n\n"
"Write into ``out`` a 64-bit hash of each string's bytes (uint64): equal strings, equal hashes.\n\n"
"Returns False, with ``out`` partly written, if a string is blank or starts or ends with a byte that\n"
"is not printable ASCII (0x21 to 0x7E): such ids may need trimming, which the general path does.\n\n"
"Parameters\n----------\n"
"data, offsets : as for :func:`prefixed_numbers`\n"
"out : uint64 array\n    ``n`` hashes, written in place.");

static PyObject *string_hashes(PyObject *self, PyObject *args)
{
    PyObject *data, *offsets, *out;
    if (!PyArg_ParseTuple(args, "OOO:string_hashes", &data, &offsets, &out))
        return NULL;
    return run_scan(data, offsets, out, 0, scan_hashes, NULL);
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
    {"string_hashes", string_hashes, METH_VARARGS, string_hashes_doc},
    {"bin_cents", bin_cents, METH_VARARGS, bin_cents_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "capacity._book_scan",
    "Compiled scans of a book's text columns, read in place from Arrow's string buffers (ids as numbers\n"
    "or hashes, amounts as cents, repeats, bins). Each answers the plain case only; capacity.book takes its general\n"
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
