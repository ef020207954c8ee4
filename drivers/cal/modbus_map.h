/*
 * Register maps of Modbus flow meters, and the conversions between register
 * words and values (protocols.md §5 and §6).
 *
 * Pure code: no I/O, no state, no libmodbus. A driver reads the registers
 * (modbus_read_registers / modbus_read_input_registers) and hands them
 * here; the simulator gets the registers it serves from here. Shared by the
 * flow-meter driver, the simulator, the tests and the fuzz target.
 *
 * Registers are uint16_t in host order, first register (lowest address)
 * first, exactly as libmodbus fills its dest array: the two wire bytes hi lo
 * of a register become (hi << 8) | lo. Values are assembled with shifts and
 * split with memcpy, never by type-punning pointers and never with
 * libmodbus' float helpers: Debian's libmodbus 3.1.6 modbus_set_float_*
 * write the bytes of each word swapped (protocols.md §6.2).
 *
 * Word and byte order. Name the bytes of a value A B C D (32-bit) or
 * A B C D E F G H (64-bit) from the most significant one (A holds the sign
 * and the exponent of a float). The registers as libmodbus returns them:
 *
 *   order  32-bit r[0] r[1]  64-bit r[0..3]   also called
 *   ABCD   AB CD             AB CD EF GH      big endian; the Modbus default;
 *                                             E+H "3-2-1-0"; Siemens FST030
 *   CDAB   CD AB             GH EF CD AB      word swap, "float inverse",
 *                                             "long inverse"; E+H "1-0-3-2"
 *                                             (E+H factory setting)
 *   BADC   BA DC             BA DC FE HG      byte swap; E+H "2-3-0-1"
 *   DCBA   DC BA             HG FE DC BA      little endian; E+H "0-1-2-3"
 *
 * That is: ABCD keeps the words high first, each word big endian; CDAB
 * puts the lowest word first (each word big endian); BADC swaps the two
 * bytes of every word; DCBA does both (fully little endian). For a
 * one-register value only the byte swap matters: ABCD = CDAB = "AB",
 * BADC = DCBA = "BA". E+H names an order by the numbers of the bytes in
 * the order they are sent, byte 3 being A (protocols.md §5.1).
 *
 * Some devices swap the words of each 32-bit half of a 64-bit value only
 * (CD AB GH EF): not one of the four orders here, and not known on any
 * meter we have a map for.
 *
 * Register numbering (cal_mb_register_parse). Manuals mix 1-based register
 * numbers (4:03003, 40001, "register 2009") with the 0-based protocol
 * address that libmodbus and the map take. The text notation accepted:
 *
 *   4:NNNNN, 3:NNNNN   Siemens style: holding (4) or input (3) register,
 *                      1-based, 1..65536; address = N - 1. "4:03003" -> 3002.
 *   4NNNN, 3NNNN       Modicon, exactly 5 digits: 40001..49999 holding,
 *                      30001..39999 input; address = N - 40001 (30001).
 *   4NNNNN, 3NNNNN     Modicon, exactly 6 digits: 400001..465536 holding,
 *                      300001..365536 input; address = N - 400001 (300001).
 *   reg:N              a plain 1-based register number, 1..65536 (E+H
 *                      "register 2009" -> 2008); the table is not said.
 *   addr:N, addr:0xH   the 0-based address itself, 0..65535; table not said.
 *   0xH                the 0-based address in hex (Chinese manuals print
 *                      addresses so: 0x1010 -> 4112); table not said.
 *
 * Any other plain number ("2009", "12", "123456") is refused as ambiguous,
 * with a message naming reg: and addr:. A Modicon number of coils or
 * discrete inputs (0xxxx, 1xxxx) is refused: they are not registers.
 * Prefixes and hex digits are case-insensitive; no spaces, no signs.
 */
#ifndef CAL_DRIVERS_MODBUS_MAP_H
#define CAL_DRIVERS_MODBUS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most registers one FC 03/04 request may read (Modbus spec, libmodbus). */
#define CAL_MB_READ_MAX 125
/* Most quantities in one map. */
#define CAL_MB_MAP_MAX 16

/* Value types. 0 is no type: a zeroed quantity fails cal_mb_map_check(). */
enum cal_mb_type {
	CAL_MB_U16 = 1, /* 1 register, 0..65535 */
	CAL_MB_I16 = 2, /* 1 register, two's complement, -32768..32767 */
	CAL_MB_U32 = 3, /* 2 registers, 0..4294967295 */
	CAL_MB_I32 = 4, /* 2 registers, two's complement ("long") */
	CAL_MB_F32 = 5, /* 2 registers, IEEE-754 binary32 ("float", "real") */
	CAL_MB_F64 = 6, /* 4 registers, IEEE-754 binary64 ("double") */
};

/* Word and byte order: the table at the top of this file. 0 is ABCD. */
enum cal_mb_order {
	CAL_MB_ABCD = 0,
	CAL_MB_CDAB = 1,
	CAL_MB_BADC = 2,
	CAL_MB_DCBA = 3,
};

/* Register table, by the function code that reads it. */
enum cal_mb_function {
	CAL_MB_FN_NONE = 0, /* not given (cal_mb_register_parse only) */
	CAL_MB_HOLDING = 3, /* holding registers, FC 03 (4xxxx) */
	CAL_MB_INPUT = 4,   /* input registers, FC 04 (3xxxx) */
};

/* How a number printed in a manual counts registers. */
enum cal_mb_numbering {
	CAL_MB_ZERO_BASED = 0, /* the protocol address itself, 0..65535 */
	CAL_MB_ONE_BASED = 1,  /* register N is address N - 1, N in 1..65536 */
	CAL_MB_MODICON = 2,    /* 3xxxx/4xxxx (5 digits) or 3xxxxx/4xxxxx (6 digits) */
};

/*
 * One value a meter exposes. Invariants (cal_mb_map_check): name is
 * non-empty, [a-z][a-z0-9_]*, unique in the map; function, type and order
 * are known; the registers address .. address + count - 1 lie in 0..65535
 * and overlap no other quantity of the same function; scale is finite and
 * non-zero; a 32- or 64-bit value starts at an even address unless
 * allow_odd.
 */
struct cal_mb_quantity {
	char name[24];		       /* "flow", "total", "temperature", NUL-terminated */
	enum cal_mb_function function; /* CAL_MB_HOLDING or CAL_MB_INPUT */
	uint16_t address;	       /* 0-based protocol address of the first register */
	enum cal_mb_type type;
	enum cal_mb_order order;
	double scale;	/* value = raw x scale; 1 for floats as sent; may be < 0 */
	char unit[16];	/* unit of value, as text: "m3/s", "m3", "L/min", "degC"; "" when
			 * the map cannot say (a unit configured on the meter, a code) */
	bool allow_odd; /* a 32/64-bit value at an odd address is what the maker says */
};

/*
 * A meter's register map. A value split into an integer part and a fraction
 * (the MFE600H totalizer) is two quantities NAME_int and NAME_frac:
 * cal_mb_map_read() of NAME returns NAME_int + NAME_frac when the map has
 * no quantity NAME itself.
 */
struct cal_mb_map {
	char name[48];	       /* "siemens-mag6000": printable, no spaces */
	char description[384]; /* maker, model, source, [unverified] points */
	size_t n;	       /* quantities used, 1..CAL_MB_MAP_MAX */
	struct cal_mb_quantity q[CAL_MB_MAP_MAX];
};

/* Registers a type takes: 1, 2 or 4; 0 for an unknown type. */
unsigned cal_mb_type_regs(enum cal_mb_type type);
/* "u16", "i16", "u32", "i32", "f32", "f64"; NULL for an unknown type. */
const char *cal_mb_type_name(enum cal_mb_type type);
/* "ABCD", "CDAB", "BADC", "DCBA"; NULL for an unknown order. */
const char *cal_mb_order_name(enum cal_mb_order order);
/*
 * Case-insensitive. Types: the names above, also "uint16", "int16",
 * "uint32", "int32", "float", "float32", "double", "float64". Orders: the
 * names above and the E+H names "3-2-1-0", "1-0-3-2", "2-3-0-1", "0-1-2-3".
 * CAL_ERR_ARG, naming the text and what is accepted, otherwise.
 */
int cal_mb_type_parse(enum cal_mb_type *out, const char *text);
int cal_mb_order_parse(enum cal_mb_order *out, const char *text);

/*
 * The value of registers regs[0..n_regs) holding one @type in @order.
 * Integers are exact in a double. A float NaN or infinity is returned as is
 * (a NaN's payload may be quieted): E+H meters read NaN on alarm
 * (protocols.md §5.3), so the caller must test isfinite() and decide.
 * @param[out] out  The value; NaN on failure.
 * @param[in] regs  As libmodbus returns them. NULL only with n_regs 0.
 * @retval CAL_OK
 * @retval CAL_ERR_ARG  out NULL, unknown type or order, or n_regs is not
 *                      cal_mb_type_regs(type).
 */
int cal_mb_decode(double *out, const uint16_t *regs, size_t n_regs, enum cal_mb_type type,
		  enum cal_mb_order order);

/*
 * The inverse of cal_mb_decode(), for the simulator: regs[0..n_regs) such
 * that decoding them gives @v. Integer types take an integral value within
 * their range; f32 takes v rounded to the nearest float; NaN and infinities
 * are encoded for f32 and f64. regs is written only on success.
 * @retval CAL_OK
 * @retval CAL_ERR_RANGE  v does not fit the type (70000 as u16, -1 as u32,
 *                        1e39 as f32).
 * @retval CAL_ERR_ARG    regs NULL, unknown type or order, n_regs is not
 *                        cal_mb_type_regs(type), or v is not an integer
 *                        (1.5, NaN) for an integer type.
 */
int cal_mb_encode(uint16_t *regs, size_t n_regs, double v, enum cal_mb_type type,
		  enum cal_mb_order order);

/*
 * The same for one quantity, with its scale: decode gives raw x scale;
 * encode writes v / scale, rounded to the nearest integer (half away from
 * zero) for integer types. Errors as above, the message naming the quantity.
 */
int cal_mb_quantity_decode(double *out, const struct cal_mb_quantity *q, const uint16_t *regs,
			   size_t n_regs);
int cal_mb_quantity_encode(uint16_t *regs, size_t n_regs, const struct cal_mb_quantity *q,
			   double v);

/*
 * Check a map against the invariants of struct cal_mb_quantity and
 * struct cal_mb_map. Every string must be NUL-terminated inside its array;
 * the map needs a name and 1..CAL_MB_MAP_MAX quantities.
 *
 * Overlapping registers of two quantities of the same function are refused:
 * a map describes distinct values, and an overlap is almost always a wrong
 * address (the same registers read two ways would need two maps).
 *
 * An odd address for a 32- or 64-bit value is refused unless the quantity
 * sets allow_odd: most meters align such values on even addresses, and an
 * odd one is the classic off-by-one of a 1-based register number taken as
 * the address. (E+H does not align: its totalizer register 2610 is address
 * 2609.) Every quantity takes at most 4 registers, so it always fits one
 * request of CAL_MB_READ_MAX; grouping quantities into block reads is the
 * driver's and must respect that limit.
 *
 * @retval CAL_OK
 * @retval CAL_ERR_CONFIG  The first problem found; the message names the map,
 *                         the quantity and the rule.
 * @retval CAL_ERR_ARG     m is NULL.
 */
int cal_mb_map_check(const struct cal_mb_map *m);

/* The quantity called @name, or NULL. */
const struct cal_mb_quantity *cal_mb_map_quantity(const struct cal_mb_map *m, const char *name);

/*
 * The value (scale applied) of quantity @name from a block of registers
 * regs[0..n_regs) read with function @fn from address @start on, e.g. the
 * MFE600H total from the one 4-register request at 0x1018. For a NAME the
 * map lacks but NAME_int and NAME_frac it has, their sum.
 * @retval CAL_OK
 * @retval CAL_ERR_NOTFOUND  No such quantity.
 * @retval CAL_ERR_ARG       The quantity is in the other table or not wholly
 *                           inside the block; NULL arguments; decode errors.
 */
int cal_mb_map_read(double *out, const struct cal_mb_map *m, const char *name,
		    enum cal_mb_function fn, uint16_t start, const uint16_t *regs, size_t n_regs);

/*
 * The 0-based address of register number @reg counted as @numbering says.
 * CAL_MB_MODICON takes 30001..39999, 40001..49999, 300001..365536 and
 * 400001..465536 (input or holding: cal_mb_register_parse() says which).
 * @retval CAL_ERR_RANGE  reg is not a register number of that numbering.
 * @retval CAL_ERR_ARG    addr NULL or unknown numbering.
 */
int cal_mb_address_from_register(uint16_t *addr, long reg, enum cal_mb_numbering numbering);

/*
 * Parse a register as the notation at the top of this file writes it.
 * @param[out] addr  The 0-based address; 0 on failure.
 * @param[out] fn    The table the text names, CAL_MB_FN_NONE when it names
 *                   none (reg:, addr:, 0x). May be NULL.
 * @retval CAL_ERR_ARG  Malformed or ambiguous text; the message quotes it
 *                      and says how to write it.
 */
int cal_mb_register_parse(uint16_t *addr, enum cal_mb_function *fn, const char *text);

/*
 * The shipped maps (drivers/flow-modbus/presets.c): "siemens-mag6000",
 * "endress-promag53", "generic-mfe". Each passes cal_mb_map_check() and has
 * a "flow" and a "total" (generic-mfe: total_int + total_frac).
 */
const struct cal_mb_map *cal_mb_preset_find(const char *name); /* NULL when none */
const struct cal_mb_map *const *cal_mb_preset_list(size_t *n);
/* "siemens-mag6000, endress-promag53, generic-mfe" into buf; returns buf. */
const char *cal_mb_preset_names(char *buf, size_t size);

#endif /* CAL_DRIVERS_MODBUS_MAP_H */
