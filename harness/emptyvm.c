/*
 * The halting guest image, written byte by byte: an ELF64 header, a
 * PT_LOAD segment for the whole file at 1 MiB and a PT_NOTE segment with
 * the Xen note XEN_ELFNOTE_PHYS32_ENTRY (type 18), which QEMU's -kernel
 * loader needs to boot a 64-bit ELF through the PVH entry. The entry runs
 * in 32-bit protected mode.
 */
#define _GNU_SOURCE
#include "emptyvm.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../include/bench_abi.h"

#define LOAD_ADDR 0x100000u
#define XEN_ELFNOTE_PHYS32_ENTRY 18

struct pvh_note {
    Elf64_Word namesz, descsz, type;
    char name[4]; /* "Xen" */
    uint32_t entry;
};

struct image {
    Elf64_Ehdr ehdr;
    Elf64_Phdr load;
    Elf64_Phdr note;
    struct pvh_note pvh;
    uint8_t code[24];
};

/* Writes the 32-bit code of the image into code; returns its length. */
static size_t emit_code(uint8_t *code, uint32_t loops)
{
    size_t n = 0;

    code[n++] = 0xb0; /* mov al, BENCH_READY_BYTE */
    code[n++] = BENCH_READY_BYTE;
    code[n++] = 0xe6; /* out BENCH_DEBUGCON_PORT, al */
    code[n++] = BENCH_DEBUGCON_PORT;
    if (loops > 0) {
        code[n++] = 0xb9; /* mov ecx, loops */
        memcpy(code + n, &loops, 4);
        n += 4;
        code[n++] = 0x49; /* 1: dec ecx */
        code[n++] = 0x75; /* jnz 1b */
        code[n++] = 0xfd;
        code[n++] = 0xb0; /* mov al, BENCH_EXIT_OK */
        code[n++] = BENCH_EXIT_OK;
        code[n++] = 0xe6; /* out BENCH_EXIT_PORT, al */
        code[n++] = BENCH_EXIT_PORT;
    }
    /* cli; 1: hlt; jmp 1b (only an NMI would wake it). */
    code[n++] = 0xfa;
    code[n++] = 0xf4;
    code[n++] = 0xeb;
    code[n++] = 0xfd;
    return n;
}

int emptyvm_write(const char *path, uint32_t loops, char *err, size_t errlen)
{
    struct image im;
    int fd;
    ssize_t n;

    memset(&im, 0, sizeof(im));
    memcpy(im.ehdr.e_ident, ELFMAG, SELFMAG);
    im.ehdr.e_ident[EI_CLASS] = ELFCLASS64;
    im.ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
    im.ehdr.e_ident[EI_VERSION] = EV_CURRENT;
    im.ehdr.e_type = ET_EXEC;
    im.ehdr.e_machine = EM_X86_64;
    im.ehdr.e_version = EV_CURRENT;
    im.ehdr.e_entry = LOAD_ADDR + offsetof(struct image, code);
    im.ehdr.e_phoff = offsetof(struct image, load);
    im.ehdr.e_ehsize = sizeof(Elf64_Ehdr);
    im.ehdr.e_phentsize = sizeof(Elf64_Phdr);
    im.ehdr.e_phnum = 2;

    im.load.p_type = PT_LOAD;
    im.load.p_flags = PF_R | PF_X;
    im.load.p_vaddr = im.load.p_paddr = LOAD_ADDR;
    im.load.p_filesz = im.load.p_memsz = sizeof(im);
    im.load.p_align = 0x1000;

    im.note.p_type = PT_NOTE;
    im.note.p_flags = PF_R;
    im.note.p_offset = offsetof(struct image, pvh);
    im.note.p_vaddr = im.note.p_paddr = LOAD_ADDR + im.note.p_offset;
    im.note.p_filesz = im.note.p_memsz = sizeof(im.pvh);
    im.note.p_align = 4;

    im.pvh.namesz = 4;
    im.pvh.descsz = 4;
    im.pvh.type = XEN_ELFNOTE_PHYS32_ENTRY;
    memcpy(im.pvh.name, "Xen", 4);
    im.pvh.entry = (uint32_t)im.ehdr.e_entry;
    emit_code(im.code, loops);

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "emptyvm: %s: open failed: %s", path,
                 strerror(errno));
        return -1;
    }
    n = write(fd, &im, sizeof(im));
    if (n != (ssize_t)sizeof(im)) {
        snprintf(err, errlen, "emptyvm: %s: write failed: %s", path,
                 n < 0 ? strerror(errno) : "short write");
        close(fd);
        return -1;
    }
    if (close(fd) < 0) {
        snprintf(err, errlen, "emptyvm: %s: close failed: %s", path,
                 strerror(errno));
        return -1;
    }
    return 0;
}
