/*
 * Entry from QEMU's PVH loader (`-kernel` with a 64-bit ELF): the CPU is in
 * 32-bit protected mode with paging off, flat segments, no stack, and EBX
 * holding the physical address of the hvm_start_info structure. This code
 * maps the first 16 MiB with 2 MiB pages, enters long mode and calls
 * kmain(start_info). kmain replaces these tables with the full map.
 */

#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define PTE_P_RW 0x003
#define PTE_P_RW_PS 0x083
#define BOOT_MAP_2M_PAGES 8

/*
 * XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen"): QEMU reads the 32-bit
 * entry address from it. The linker script puts this section in a PT_NOTE
 * segment of its own with 4-byte alignment; QEMU computes the descriptor's
 * offset from the segment alignment, so 8 would make it read padding.
 */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4         /* name size: "Xen\0" */
    .long 4         /* descriptor size */
    .long 18        /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .long pvh_start32

    .section .text.boot, "ax"
    .code32
    .globl pvh_start32
pvh_start32:
    cli
    cld
    movl %ebx, %esi

    lgdt boot_gdt_ptr
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs

    /* Identity map [0, 16 MiB): PML4[0] -> PDPT[0] -> PD[0..7]. */
    movl $boot_pdpt + PTE_P_RW, boot_pml4
    movl $boot_pd + PTE_P_RW, boot_pdpt
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $PTE_P_RW_PS, %eax
    movl %eax, boot_pd(, %ecx, 8)
    incl %ecx
    cmpl $BOOT_MAP_2M_PAGES, %ecx
    jne 1b

    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0
    ljmp $0x08, $long_mode_entry

    .code64
long_mode_entry:
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movl %esi, %edi
    call kmain
2:  cli
    hlt
    jmp 2b

    .section .rodata
    .balign 8
boot_gdt:
    .quad 0                     /* null */
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00cf92000000ffff    /* 0x10: flat data, DPL 0 */
boot_gdt_end:
    .balign 4
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    /* Zeroed by the loader: QEMU clears an ELF segment past its file size. */
    .section .bss.boot, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4096
    .balign 16
    .globl boot_stack_bottom
boot_stack_bottom:
    .skip 32768
    .globl boot_stack_top
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
