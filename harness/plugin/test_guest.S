/*
 * A tiny guest for the plugin's integration test: booted by QEMU -kernel
 * through the PVH entry note (it enters in 32-bit protected mode, paging
 * off), it runs a fixed loop, writes "ok\n" to isa-debugcon (port 0xe9)
 * and powers off through isa-debug-exit (port 0xf4) with BENCH_EXIT_OK, so
 * QEMU exits with status 33. It executes the same instructions on every
 * boot, which lets the test check that the counts of two boots are equal.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#ifndef LOOP_COUNT
#define LOOP_COUNT 100000
#endif

    .section .note.pvh, "a", @note
    .balign 4
    .long 4                         /* name size: "Xen\0" */
    .long 4                         /* descriptor size: one 32-bit address */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .long test_guest_start

    .text
    .code32
    .globl test_guest_start
test_guest_start:
    mov $LOOP_COUNT, %ecx
1:  dec %ecx
    jnz 1b

    mov $0xe9, %dx
    mov $'o', %al
    out %al, %dx
    mov $'k', %al
    out %al, %dx
    mov $'\n', %al
    out %al, %dx

    mov $0x10, %al                  /* BENCH_EXIT_OK: exit status 33 */
    out %al, $0xf4
2:  hlt                             /* not reached: QEMU has exited */
    jmp 2b

    .section .note.GNU-stack, "", @progbits
