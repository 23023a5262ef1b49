/*
 * Interrupt and exception entry stubs. Each stub pushes a dummy error code
 * where the CPU pushes none, then its vector, so trap_dispatch() gets one
 * frame layout (struct trap_frame in trap.h) for every vector.
 */

    .text
    .code64

    /*
     * Stub v starts at isr_stubs + 16 * v (v < 64); each is at most 12
     * bytes. The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29
     * and 30.
     */
    .altmacro
    .macro isr_stub v
    .balign 16
isr_stub_\v:
    .if !(\v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \
          \v == 29 || \v == 30)
    pushq $0
    .endif
    pushq $\v
    jmp isr_common
    .endm

    .balign 16
    .globl isr_stubs
isr_stubs:
    .set vec, 0
    .rept 64
    isr_stub %vec
    .set vec, vec + 1
    .endr
    .globl isr_stub_255
    isr_stub 255

isr_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    cld
    call trap_dispatch
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp
    iretq

    .section .note.GNU-stack, "", @progbits
