/*
 * emptyvm: guest images that do (almost) nothing: a 64-bit ELF with a PVH
 * entry note whose code writes the ready byte to the debugcon port and
 * then either halts with interrupts off (booting it gives the memory and
 * CPU cost of QEMU itself under the same settings as a real guest) or
 * counts a register down from a given number and powers off through
 * isa-debug-exit (a guest loop of known length, for the KVM calibration).
 */
#ifndef EMPTYVM_H
#define EMPTYVM_H

#include <stddef.h>

#include <stdint.h>

/*
 * Writes an image to path (replacing it): with loops == 0 the halting
 * image, else the loop image that runs `loops` iterations of a two
 * instruction loop (dec; jnz) and then exits QEMU with status 33. Returns
 * 0, or -1 with "emptyvm: PATH: what failed: strerror" in err.
 */
int emptyvm_write(const char *path, uint32_t loops, char *err, size_t errlen);

#endif
