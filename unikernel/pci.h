/* PCI configuration space through the legacy 0xcf8/0xcfc mechanism. */
#ifndef UK_PCI_H
#define UK_PCI_H

#include <stdint.h>

struct pci_dev {
    uint8_t bus, slot, func;
    uint16_t vendor, device;
    uint8_t irq_line; /* as set by the firmware (config offset 0x3c) */
};

#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_BAR0 0x10

uint32_t pci_read32(const struct pci_dev *d, uint8_t off);
void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v);

/*
 * Scans bus 0 for the first function with this vendor and device id.
 * Returns 0 and fills *out, or -1 when none is present.
 */
int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out);

#endif
