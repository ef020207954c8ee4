#!/usr/bin/python3
"""A flow meter served by pymodbus (Debian python3-pymodbus), an independent
Modbus implementation: the calbench modbus-flow driver must read it right.

    pymodbus_meter.py PORT PRESET      (PRESET: siemens-mag6000 | endress-promag53 | generic-mfe)

Registers are filled from fixed values with Python's struct module (its own
float encoding, word orders written out here), then served on
127.0.0.1:PORT until killed. The first stdout line is "ready".
"""
import logging
import struct
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartTcpServer

FLOW = 1.2345678   # in the preset's flow unit
TOTAL = 123.456    # in the preset's total unit


def words(fmt, value, order):
    """Registers of value packed big-endian with fmt, reordered (ABCD, CDAB, BADC, DCBA)."""
    b = struct.pack(">" + fmt, value)
    regs = [b[i:i + 2] for i in range(0, len(b), 2)]
    if order in ("CDAB", "DCBA"):
        regs.reverse()
    if order in ("BADC", "DCBA"):
        regs = [r[::-1] for r in regs]
    return [int.from_bytes(r, "big") for r in regs]


def layout(preset):
    """{address: [registers]} of the holding table."""
    if preset == "siemens-mag6000":
        return {3002: words("f", FLOW, "ABCD"), 3014: words("d", TOTAL, "ABCD"),
                3022: words("f", TOTAL, "ABCD")}
    if preset == "endress-promag53":
        return {2008: words("f", FLOW, "CDAB"), 2609: words("f", TOTAL, "CDAB")}
    if preset == "generic-mfe":
        whole = int(TOTAL)
        return {0x1010: words("f", FLOW, "CDAB"), 0x1012: words("f", 0.5, "CDAB"),
                0x1018: words("i", whole, "CDAB"),
                0x101A: words("f", TOTAL - whole, "CDAB"),
                0x101E: [5],       # flow unit code 5: m3/h
                0x1021: [1]}       # total unit code 1: m3
    raise SystemExit("unknown preset " + preset)


def main():
    port, preset = int(sys.argv[1]), sys.argv[2]
    regs = [0] * 0x1100
    for addr, values in layout(preset).items():
        regs[addr:addr + len(values)] = values
    store = ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, regs), zero_mode=True)
    context = ModbusServerContext(slaves=store, single=True)
    logging.basicConfig(level=logging.ERROR)
    print("ready", flush=True)
    StartTcpServer(context=context, address=("127.0.0.1", port))


if __name__ == "__main__":
    main()
